//! Crate downloads and line counts: what one audit of one crate costs, counted as cargo-vet does.
//!
//! cargo-vet prices an audit as insertions + deletions of
//! `git diff --ignore-cr-at-eol --no-index --numstat -z OLD NEW` between two unpacked `.crate`
//! trees (a full audit diffs against an empty directory), skipping `Cargo.lock`,
//! `.cargo_vcs_info.json` and `.cargo-ok` at the crate root (mozilla/cargo-vet
//! `src/storage.rs`: `DIFF_SKIP_PATHS`, `diffstat_package`). This module reproduces that number:
//! - [`crate_source`] (IO edge): get the `.crate` bytes from a local registry, cargo's download
//!   cache, our cache dir or static.crates.io, and check every buffer against the index SHA-256;
//! - [`http`] (IO edge): the one shared HTTPS agent (platform verifier, cached DNS);
//! - [`archive`] (pure over bytes): the one walk over a `.crate` with every safety check;
//! - [`linecount`] (pure over bytes): the full-audit count straight from the gzip tar stream;
//! - [`code_count`] (pure): which of those files compile into the crate (`--count code`);
//! - [`unpack`] (IO edge): safe extraction of a `.crate` for git;
//! - [`diffstat`] (IO edge): the delta count from git itself, run with a clean environment;
//! - [`audit_lines`] (IO edge): one entry point composing the above with the caches;
//! - [`cache`] (IO edge + pure parsing): our persistent count cache and cargo-vet's
//!   `diff-cache.toml`;
//! - [`file_counts`] (IO edge + pure parsing): per-file counts of whole crates, by checksum.
//!
//! Failures are errors, never "0 lines": cargo-vet's habit of pricing a failed download at zero
//! is exactly what this module must not repeat.

pub mod archive;
pub mod audit_lines;
pub mod bounds;
pub mod cache;
pub mod code_count;
pub mod crate_source;
pub mod diffstat;
pub mod file_counts;
pub use crate::http; // shared with the index (moved to the crate root)
pub mod linecount;
pub mod unpack;

use std::path::PathBuf;

/// Paths at the crate root that cargo-vet leaves out of every line count (exact, root only:
/// cargo-vet compares the whole path relative to the unpacked crate directory).
pub const DIFF_SKIP_PATHS: &[&str] = &["Cargo.lock", ".cargo_vcs_info.json", ".cargo-ok"];

/// What went wrong reading a `.crate` archive (gzip + tar). Shared by the counter and the
/// unpacker so both refuse the same archives with the same words.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("corrupt .crate archive{}: {message}\nhint: the file is truncated or not a gzip tar; delete it from the cache and fetch it again", at_entry(.entry))]
    Corrupt {
        entry: Option<String>,
        message: String,
    },
    #[error("unsafe path in .crate archive: entry `{entry}` {reason}\nhint: this archive was not made by `cargo package`; do not trust it")]
    UnsafePath { entry: String, reason: String },
    #[error("entry `{entry}` lies outside the `{prefix}/` directory every .crate file must use\nhint: this archive was not made by `cargo package` for this crate and version")]
    OutsidePrefix { entry: String, prefix: String },
    #[error("unsupported entry `{entry}` in .crate archive: {kind} (only regular files and directories are allowed)\nhint: cargo-vet would count this differently; price this crate by hand")]
    UnsupportedEntry { entry: String, kind: String },
    #[error(".crate archive too large at entry `{entry}`: more than {limit} {what}\nhint: `cargo package` never makes such an archive; do not trust this crate, and count it by hand if you must")]
    TooLarge {
        entry: String,
        limit: u64,
        what: &'static str,
    },
}

fn at_entry(entry: &Option<String>) -> String {
    match entry {
        Some(e) => format!(" at entry `{e}`"),
        None => String::new(),
    }
}

/// Caps applied while reading an archive, so a hostile `.crate` cannot exhaust disk or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Sum of all entry sizes (cargo's own unpack limit is 512 MiB).
    pub max_total_bytes: u64,
    pub max_entries: u64,
    /// Lines of one file: git holds ~44 bytes a line to diff it, so this bounds a delta's memory.
    pub max_file_lines: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_total_bytes: 512 * 1024 * 1024,
            max_entries: 200_000,
            max_file_lines: 2_000_000,
        }
    }
}

/// Errors of the fetching and diffing edges.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("checksum mismatch for {name} {version}: the index says sha256 {expected}, the bytes have {actual}{}\nhint: the file is corrupt or tampered with; delete it and fetch again", from_where(.origin))]
    ChecksumMismatch {
        name: String,
        version: String,
        expected: String,
        actual: String,
        origin: Option<PathBuf>,
    },
    #[error("bad checksum `{cksum}` for {name} {version} in the index: expected 64 hex digits\nhint: the index entry is malformed; refresh the index")]
    BadExpectedChecksum {
        name: String,
        version: String,
        cksum: String,
    },
    /// `hint` depends on where we looked (a local registry, the offline caches, the network).
    #[error("{name} {version} not found (looked in: {looked_in})\nhint: {hint}")]
    NotFound {
        name: String,
        version: String,
        looked_in: String,
        hint: String,
    },
    #[error("download of {name} {version} from {url} failed after {attempts} attempt(s): {message}\nhint: check network access to static.crates.io, or prefetch the crate into the cache dir")]
    Download {
        name: String,
        version: String,
        url: String,
        attempts: u32,
        message: String,
    },
    #[error("i/o error on {}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{name} {version}: {error}")]
    Archive {
        name: String,
        version: String,
        error: ArchiveError,
    },
    #[error("git failed: {message}\nhint: cargo-vet needs git too; install git and make sure it is on PATH")]
    Git { message: String },
    #[error("unexpected `git diff --numstat -z` output: {message}")]
    GitOutput { message: String },
    #[error("cache file {}: {message}\nhint: delete the file; it will be rebuilt", .path.display())]
    CacheFile { path: PathBuf, message: String },
}

fn from_where(origin: &Option<PathBuf>) -> String {
    match origin {
        Some(p) => format!(" (file {})", p.display()),
        None => String::new(),
    }
}

impl PriceError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PriceError::Io {
            path: path.into(),
            error: source,
        }
    }
}
