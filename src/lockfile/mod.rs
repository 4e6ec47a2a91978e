//! Cargo.lock: parse (v2/v3/v4) into [`Lockfile`] and render back byte-identically to Cargo.
//!
//! Pure: text in, data out, text back. No files, no processes.
//!
//! Model. A lock is a header (comment lines, `version = N`), a list of `[[package]]` entries,
//! `[[patch.unused]]` entries and a `[metadata]` string table. Every dependency of a package is
//! kept twice: the raw string as written (`name`, `name version` or `name version (source)`) and
//! the full [`PackageId`] it resolves to. The raw form is only a rendering of the id: Cargo
//! writes the shortest string that is unambiguous *within the whole lock* (the version when two
//! packages share the name, the source when two share name and version), so changing any
//! version can change other packages' dependency strings. [`Lockfile::canonicalize`] re-derives
//! them from the ids, which is what every edit ([`Lockfile::set_version`]) ends with.
//!
//! Rendering follows Cargo's `ops/lockfile.rs::serialize_resolve` and
//! `resolver/encode.rs` (rust-lang/cargo): packages sorted by (name, semver version, source id
//! where path < registry < sparse < local-registry < directory < git, then canonical URL),
//! dependency lists sorted by (name, version *string*, source), a blank line after every
//! package, `[[patch.unused]]` entries, `[metadata]` via the `toml` crate's table display, and
//! trailing blank lines trimmed to one newline.
//!
//! Versions: v3 and v4 carry `version = N` and are supported. Unversioned locks (v1: checksums in
//! `[metadata]`; v2: inline checksums) are refused with a hint: Cargo 1.95 itself rewrites them
//! as v3/v4 on its next run (checked with `cargo metadata` on fixtures), so the byte-exact
//! answer for them is "let Cargo upgrade first". Unknown top-level keys are kept in
//! [`Lockfile::extra`] for inspection but, like Cargo, not rendered.

mod parse;
mod render;
mod source;

pub use parse::parse;
pub use render::render;
pub use source::{source_cmp, source_without_precise};

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The full identity of a locked package. `source` is the `source = ...` string of the
/// `[[package]]` entry verbatim (`None` for path packages, including workspace members); for git
/// packages it includes the `#commit` fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageId {
    pub name: String,
    pub version: semver::Version,
    pub source: Option<String>,
}

impl PackageId {
    /// Cargo's `PackageId` order: name, then semver order (build metadata included), then source.
    pub fn cargo_cmp(&self, other: &PackageId) -> std::cmp::Ordering {
        self.name
            .cmp(&other.name)
            .then_with(|| self.version.cmp(&other.version))
            .then_with(|| source_cmp(self.source.as_deref(), other.source.as_deref()))
    }
}

impl std::fmt::Display for PackageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.name, self.version)?;
        if let Some(source) = &self.source {
            write!(f, " ({source})")?;
        }
        Ok(())
    }
}

/// One entry of a `dependencies = [...]` list (or a `replace = ...` value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyRef {
    /// The string as written in the lock (after parsing) or as last derived by
    /// [`Lockfile::canonicalize`].
    pub raw: String,
    /// The string split into its parts: what the lock text says, nothing more.
    pub parsed: DependencySpec,
    /// The package this string names.
    pub target: PackageId,
}

/// A dependency string split into `name [version [(source)]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencySpec {
    pub name: String,
    pub version: Option<semver::Version>,
    /// Source without the `#precise` fragment, as Cargo writes it in dependency strings.
    pub source: Option<String>,
}

impl DependencySpec {
    /// Split a raw dependency string; `None` when it is not `name [version [(source)]]`.
    pub fn from_raw(raw: &str) -> Option<Result<DependencySpec, semver::Error>> {
        let mut parts = raw.splitn(3, ' ');
        let name = parts.next().filter(|n| !n.is_empty())?.to_string();
        let version = match parts.next() {
            Some(v) => match semver::Version::parse(v) {
                Ok(v) => Some(v),
                Err(e) => return Some(Err(e)),
            },
            None => None,
        };
        let source = match parts.next() {
            Some(s) => Some(s.strip_prefix('(')?.strip_suffix(')')?.to_string()),
            None => None,
        };
        Some(Ok(DependencySpec {
            name,
            version,
            source,
        }))
    }

    /// `name`, `name version` or `name version (source)`.
    pub fn to_raw(&self) -> String {
        let mut out = self.name.clone();
        if let Some(v) = &self.version {
            out.push(' ');
            out.push_str(&v.to_string());
        }
        if let Some(s) = &self.source {
            out.push_str(" (");
            out.push_str(s);
            out.push(')');
        }
        out
    }
}

/// One `[[package]]` (or `[[patch.unused]]`) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    pub id: PackageId,
    pub checksum: Option<String>,
    /// In the order written; [`Lockfile::canonicalize`] sorts them like Cargo.
    pub dependencies: Vec<DependencyRef>,
    /// `replace = "..."` (from `[replace]` in the manifest): such entries have no dependencies.
    pub replace: Option<DependencyRef>,
    /// 1-based line of the `[[package]]` header in the parsed text (0 when built in code).
    pub line: usize,
}

/// One `[[patch.unused]]` entry: a `[patch]` that matched nothing in the resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedPatch {
    pub id: PackageId,
    pub checksum: Option<String>,
}

/// A parsed Cargo.lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Lockfile {
    /// `version = N` (3 or 4 after [`parse`]); `None` renders the unversioned v2 form, which
    /// Cargo 1.95 would rewrite.
    pub version: Option<u32>,
    /// The leading `#` lines of the file as written (Cargo's two marker lines included when
    /// present). Rendering always writes the markers and keeps any other comment lines.
    pub header_comments: Vec<String>,
    pub packages: Vec<LockedPackage>,
    pub patch_unused: Vec<UnusedPatch>,
    /// `[metadata]`: string keys to string values (Cargo's own type).
    pub metadata: BTreeMap<String, String>,
    /// Top-level keys Cargo does not know; Cargo drops them on rewrite, so does [`render`].
    pub extra: toml::Table,
}

/// A package as a resolver produces it: identity, checksum and the ids it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPackage {
    pub id: PackageId,
    pub checksum: Option<String>,
    pub dependencies: Vec<PackageId>,
}

/// Why a lock could not be read or an edit could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum LockfileError {
    #[error("{path}:{line}: invalid TOML: {message}\nhint: the lock file is damaged; restore it from version control or delete it and run `cargo generate-lockfile`")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: {message}\nhint: {hint}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
        hint: String,
    },
    #[error("{path}: lock file version {found} is not supported (only 3 and 4 are)\nhint: {hint}")]
    UnsupportedVersion {
        path: PathBuf,
        found: String,
        hint: String,
    },
    #[error("no package `{id}` in the lock file\nhint: edit only packages the lock contains")]
    NoSuchPackage { id: String },
    #[error("package `{id}` depends on `{dependency}`, which is not in the lock file\nhint: add the dependency's package before rendering")]
    DanglingDependency { id: String, dependency: String },
    #[error("package `{id}` would be in the lock file twice\nhint: a lock holds each (name, version, source) once; merge the two entries")]
    DuplicatePackage { id: String },
}

impl Lockfile {
    /// Build a lock from resolved packages; dependency strings and order are derived like Cargo.
    pub fn from_resolved(
        version: Option<u32>,
        header_comments: Vec<String>,
        packages: Vec<ResolvedPackage>,
        patch_unused: Vec<UnusedPatch>,
        metadata: BTreeMap<String, String>,
    ) -> Result<Lockfile, LockfileError> {
        let mut known: std::collections::HashSet<&PackageId> = std::collections::HashSet::new();
        for p in &packages {
            if !known.insert(&p.id) {
                return Err(LockfileError::DuplicatePackage {
                    id: p.id.to_string(),
                });
            }
        }
        for p in &packages {
            if let Some(d) = p.dependencies.iter().find(|d| !known.contains(d)) {
                return Err(LockfileError::DanglingDependency {
                    id: p.id.to_string(),
                    dependency: d.to_string(),
                });
            }
        }
        let placeholder = |id: PackageId| DependencyRef {
            raw: String::new(),
            parsed: DependencySpec {
                name: id.name.clone(),
                version: None,
                source: None,
            },
            target: id,
        };
        let packages = packages
            .into_iter()
            .map(|p| LockedPackage {
                id: p.id,
                checksum: p.checksum,
                dependencies: p.dependencies.into_iter().map(placeholder).collect(),
                replace: None,
                line: 0,
            })
            .collect();
        let mut lock = Lockfile {
            version,
            header_comments,
            packages,
            patch_unused,
            metadata,
            extra: toml::Table::new(),
        };
        lock.canonicalize();
        Ok(lock)
    }

    /// The resolved view: every package with the ids of its dependencies.
    pub fn resolved(&self) -> Vec<ResolvedPackage> {
        self.packages
            .iter()
            .map(|p| ResolvedPackage {
                id: p.id.clone(),
                checksum: p.checksum.clone(),
                dependencies: p.dependencies.iter().map(|d| d.target.clone()).collect(),
            })
            .collect()
    }

    /// Find a package by name and version (any source).
    pub fn find(&self, name: &str, version: &semver::Version) -> Vec<&LockedPackage> {
        self.packages
            .iter()
            .filter(|p| p.id.name == name && &p.id.version == version)
            .collect()
    }

    /// Move one package to another version (and checksum), updating every edge that points at
    /// it, then re-derive dependency strings and order like Cargo.
    pub fn set_version(
        &mut self,
        id: &PackageId,
        new_version: semver::Version,
        new_checksum: Option<String>,
    ) -> Result<(), LockfileError> {
        let moved = PackageId {
            version: new_version.clone(),
            ..id.clone()
        };
        if &moved != id && self.packages.iter().any(|p| p.id == moved) {
            return Err(LockfileError::DuplicatePackage {
                id: moved.to_string(),
            });
        }
        let Some(pkg) = self.packages.iter_mut().find(|p| &p.id == id) else {
            return Err(LockfileError::NoSuchPackage { id: id.to_string() });
        };
        pkg.id.version = new_version.clone();
        pkg.checksum = new_checksum;
        for p in &mut self.packages {
            for d in p.dependencies.iter_mut().chain(p.replace.as_mut()) {
                if &d.target == id {
                    d.target.version = new_version.clone();
                }
            }
        }
        self.canonicalize();
        Ok(())
    }

    /// Sort packages and dependency lists and rewrite every dependency string with Cargo's
    /// ambiguity rule (v2+): the version when another package has the same name, the source
    /// when another package has the same name and version.
    pub fn canonicalize(&mut self) {
        render::canonicalize(self);
    }
}

#[cfg(test)]
mod tests;
