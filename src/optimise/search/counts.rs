//! What the search needs of line counting, behind one trait: full counts of crate files
//! (exact), delta counts (exact, slower) and, before a delta is counted, a proven lower bound.
//! The IO edge implements it with the tar stream, git and the on-disk caches; tests with a
//! table.

use std::collections::BTreeSet;

use semver::Version;

/// One crate file: (crate, version).
pub type FileKey = (String, Version);
/// One audit: (crate, from, to); `from` None for a full audit.
pub type AuditKey = (String, Option<Version>, Version);

/// Line counts gathered during a search.
pub trait LineCounts: Send {
    /// Makes the full count of every file in `files` available (a full audit's figure, and
    /// what delta bounds are computed from).
    fn count_files(&mut self, files: &BTreeSet<FileKey>) -> anyhow::Result<()>;
    /// Makes the exact figure of every audit in `audits` available (deltas diffed).
    fn count_deltas(&mut self, audits: &BTreeSet<AuditKey>) -> anyhow::Result<()>;
    /// The best figure known for an audit and whether it is exact: a full audit is exact once
    /// its file is counted; a delta is a lower bound (never above the exact figure) until
    /// [`count_deltas`](Self::count_deltas) counted it. None when its files are not counted.
    fn figure(&self, audit: &AuditKey) -> Option<(u64, bool)>;
    /// A copy to count on elsewhere (another thread), from what this one knows now.
    fn fork(&self) -> Self
    where
        Self: Sized;
    /// Takes in what a fork counted.
    fn absorb(&mut self, fork: &mut Self)
    where
        Self: Sized;
    /// How many files and how many deltas have been counted (for the summary line).
    fn tally(&self) -> (usize, usize);
}

/// Where the search says what it does: verbose notes and warnings (the IO edge prints them on
/// stderr; tests ignore them).
pub trait Progress: Sync {
    fn note(&self, label: &str, text: String);
    fn warn(&self, text: String);
    /// Called before each solve: the IO edge hands freed heap pages back to the OS there, so
    /// the solver's peak does not stack on pricing's leftovers.
    fn before_solve(&self) {}
    /// Seconds since some fixed moment, for the notes' timings (the core reads no clock).
    fn seconds(&self) -> f64 {
        0.0
    }
}

/// Says nothing.
pub struct Silent;

impl Progress for Silent {
    fn note(&self, _: &str, _: String) {}
    fn warn(&self, _: String) {}
}
