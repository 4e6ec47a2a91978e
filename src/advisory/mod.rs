//! RustSec advisory database: which versions of a crate have a known advisory.
//!
//! Security constraint of the optimiser (README): never trade security for fewer lines,
//! so a version with an applicable RustSec advisory must not be chosen. This module answers
//! "which advisories does `name version` have" from an advisory-db checkout:
//! - [`parse`] (pure over text): one advisory file (```` ```toml ```` front matter + markdown
//!   whose `# ` line is the title) → [`Advisory`], with errors naming file and line;
//! - [`range`] (pure): RustSec's version semantics — `patched`/`unaffected` requirements become
//!   disjoint intervals, everything outside them is affected (not Cargo's `matches`);
//! - [`db`] (pure): [`AdvisoryDb`] indexed by package, with the blocking policy;
//! - [`load`] (IO edge): reading `crates/<name>/RUSTSEC-*.md` from a directory, and the default
//!   location cargo-audit uses (`$CARGO_HOME/advisory-db`).
//!
//! Policy, as cargo-audit applies it by default: withdrawn advisories never apply;
//! informational ones (`unmaintained`, `unsound`, `notice`) are reported but do not block;
//! advisory ids (or aliases) in the allow list do not block. `[affected] os/arch/functions`
//! are kept for reports but do not narrow the answer (cargo-audit also ignores os/arch unless
//! asked to filter by target).

pub mod db;
pub mod load;
pub mod parse;
pub mod range;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

pub use db::{AdvisoryDb, BlockPolicy};
pub use load::{default_db_dir, load_db, AdvisoryFiles, DirAdvisoryFiles, MemoryAdvisoryFiles};
pub use parse::parse_advisory;
pub use range::AffectedRange;

/// Kinds of informational advisories (`[advisory] informational = "..."`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Informational {
    Notice,
    Unmaintained,
    Unsound,
    /// A kind this version does not know; kept verbatim.
    Other(String),
}

impl Informational {
    pub fn parse(s: &str) -> Informational {
        match s {
            "notice" => Informational::Notice,
            "unmaintained" => Informational::Unmaintained,
            "unsound" => Informational::Unsound,
            other => Informational::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Informational::Notice => "notice",
            Informational::Unmaintained => "unmaintained",
            Informational::Unsound => "unsound",
            Informational::Other(s) => s,
        }
    }
}

impl fmt::Display for Informational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `[affected]` table: scope information for reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Affected {
    /// `target_arch` values; empty means every architecture.
    pub arch: Vec<String>,
    /// `target_os` values; empty means every OS.
    pub os: Vec<String>,
    /// Affected function paths and the versions in which each one is affected.
    pub functions: BTreeMap<String, Vec<semver::VersionReq>>,
}

/// One RustSec advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    /// `RUSTSEC-YYYY-NNNN`.
    pub id: String,
    /// The crate the advisory is about.
    pub package: String,
    pub date: jiff::civil::Date,
    /// The markdown `# ` heading.
    pub title: String,
    /// The markdown after the heading.
    pub description: String,
    /// Ids of the same issue elsewhere (CVE-…, GHSA-…).
    pub aliases: Vec<String>,
    pub related: Vec<String>,
    pub url: Option<String>,
    pub references: Vec<String>,
    pub categories: Vec<String>,
    pub keywords: Vec<String>,
    /// CVSS vector string, unparsed.
    pub cvss: Option<String>,
    pub informational: Option<Informational>,
    /// Date the advisory was withdrawn (filed in error); such advisories never apply.
    pub withdrawn: Option<jiff::civil::Date>,
    /// Registry of the package when not crates.io (`source = "..."`).
    pub source: Option<String>,
    pub patched: Vec<semver::VersionReq>,
    pub unaffected: Vec<semver::VersionReq>,
    /// Complement of `patched` ∪ `unaffected`, per RustSec (see [`range`]).
    pub affected_ranges: Vec<AffectedRange>,
    pub affected: Option<Affected>,
}

impl Advisory {
    /// Whether `version` lies in an affected range, ignoring withdrawal and informational
    /// status (RustSec's `Versions::is_vulnerable`).
    pub fn version_in_affected_range(&self, version: &semver::Version) -> bool {
        self.affected_ranges.iter().any(|r| r.contains(version))
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Whether this id or one of its aliases is named in `ids`.
    pub fn is_named_in(&self, ids: &std::collections::BTreeSet<String>) -> bool {
        ids.contains(&self.id) || self.aliases.iter().any(|a| ids.contains(a))
    }
}

/// Whether `advisory` applies to `version`: it is not withdrawn and the version is in an
/// affected range. Informational advisories do apply (they are reported); whether they block
/// is the policy's business ([`BlockPolicy`]).
pub fn affects(advisory: &Advisory, version: &semver::Version) -> bool {
    !advisory.is_withdrawn() && advisory.version_in_affected_range(version)
}

/// What went wrong reading an advisory database.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryError {
    #[error("{file}:{line}: {message}\nhint: {hint}")]
    Malformed {
        /// File name as given to the parser (path relative to the database when loaded).
        file: String,
        /// 1-based line.
        line: usize,
        message: String,
        hint: &'static str,
    },
    #[error("cannot read {}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is not a RustSec advisory database: {message}\nhint: point at a checkout of https://github.com/rustsec/advisory-db (the directory holding `crates/`), or run `cargo audit fetch`", .path.display())]
    NotADatabase { path: PathBuf, message: String },
    #[error("advisory {id} appears twice: {first} and {second}\nhint: the checkout is damaged; fetch it again")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}
