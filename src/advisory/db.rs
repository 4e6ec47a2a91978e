//! [`AdvisoryDb`]: advisories indexed by crate name, and the blocking policy (pure).
//!
//! Blocking follows cargo-audit's defaults: an advisory blocks a version when it applies
//! ([`super::affects`]: not withdrawn, version in an affected range), is not informational
//! (unless the policy names its kind), and neither its id nor an alias is allowed.
//! Advisories whose `source` names another registry are kept but never match: minaudit only
//! chooses crates.io versions (`source` absent means crates.io).

use std::collections::{BTreeMap, BTreeSet};

use super::{affects, Advisory, AdvisoryError, Informational};

/// The crates.io index URL as advisory-db writes it in `source`.
const CRATES_IO_SOURCES: &[&str] = &[
    "https://github.com/rust-lang/crates.io-index",
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// What blocks a version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockPolicy {
    /// Advisory ids or aliases that never block (like cargo-audit's `--ignore`).
    pub allow: BTreeSet<String>,
    /// Informational kinds that block too (cargo-audit's `--deny unsound` etc.); empty by
    /// default: informational advisories are only reported.
    pub block_informational: BTreeSet<Informational>,
}

/// All advisories of a database, by package name, sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdvisoryDb {
    by_package: BTreeMap<String, Vec<Advisory>>,
}

impl AdvisoryDb {
    /// Builds the index from `(file it came from, advisory)` pairs; the file names only serve
    /// the duplicate-id error.
    pub fn from_advisories(
        advisories: Vec<(String, Advisory)>,
    ) -> Result<AdvisoryDb, AdvisoryError> {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut by_package: BTreeMap<String, Vec<Advisory>> = BTreeMap::new();
        for (file, advisory) in advisories {
            if let Some(first) = seen.insert(advisory.id.clone(), file.clone()) {
                return Err(AdvisoryError::Duplicate {
                    id: advisory.id,
                    first,
                    second: file,
                });
            }
            by_package
                .entry(advisory.package.clone())
                .or_default()
                .push(advisory);
        }
        for list in by_package.values_mut() {
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(AdvisoryDb { by_package })
    }

    /// Every advisory about `name`, withdrawn ones included.
    pub fn advisories_for(&self, name: &str) -> &[Advisory] {
        self.by_package.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Advisories that apply to `name version` from crates.io: informational ones included,
    /// withdrawn ones not. For reports.
    pub fn applicable(&self, name: &str, version: &semver::Version) -> Vec<&Advisory> {
        self.advisories_for(name)
            .iter()
            .filter(|a| is_crates_io(a) && affects(a, version))
            .collect()
    }

    /// Advisories that forbid choosing `name version`, with cargo-audit's default policy and
    /// `allow` (ids or aliases) ignored.
    pub fn blocking(
        &self,
        name: &str,
        version: &semver::Version,
        allow: &BTreeSet<String>,
    ) -> Vec<&Advisory> {
        self.applicable(name, version)
            .into_iter()
            .filter(|a| a.informational.is_none() && !a.is_named_in(allow))
            .collect()
    }

    /// [`blocking`](Self::blocking) with a full policy.
    pub fn blocking_with(
        &self,
        name: &str,
        version: &semver::Version,
        policy: &BlockPolicy,
    ) -> Vec<&Advisory> {
        self.applicable(name, version)
            .into_iter()
            .filter(|a| match &a.informational {
                None => true,
                Some(kind) => policy.block_informational.contains(kind),
            })
            .filter(|a| !a.is_named_in(&policy.allow))
            .collect()
    }

    /// Number of advisories.
    pub fn len(&self) -> usize {
        self.by_package.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_package.is_empty()
    }

    /// Every advisory, by package then id.
    pub fn iter(&self) -> impl Iterator<Item = &Advisory> {
        self.by_package.values().flatten()
    }
}

fn is_crates_io(advisory: &Advisory) -> bool {
    match advisory.source.as_deref() {
        None => true,
        Some(s) => {
            CRATES_IO_SOURCES.contains(&s.trim_end_matches('/')) || CRATES_IO_SOURCES.contains(&s)
        }
    }
}
