//! RustSec advisories as hard constraints (pure): candidate versions a non-informational
//! advisory affects are removed before the model is built, unless the advisory is allowed
//! (`--allow-advisory ID`, id or alias). A locked version is removed too: the optimiser then
//! moves the lock off it, and says why.

use std::collections::BTreeSet;

use semver::Version;

use crate::advisory::AdvisoryDb;
use crate::model::Candidates;

/// One version the advisories keep out of the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub name: String,
    pub version: Version,
    /// Advisory ids, sorted.
    pub ids: Vec<String>,
    /// It is in the current lock.
    pub locked: bool,
}

/// Removes the blocked versions from `cands`; returns them, by crate and version.
pub fn exclude_advisories(
    cands: &mut Candidates<'_>,
    db: &AdvisoryDb,
    allow: &BTreeSet<String>,
) -> Vec<Blocked> {
    let mut out = Vec::new();
    for (name, list) in cands.by_crate.iter_mut() {
        list.retain(|c| {
            let ids: Vec<String> = db
                .blocking(name, c.version(), allow)
                .into_iter()
                .map(|a| a.id.clone())
                .collect();
            if ids.is_empty() {
                return true;
            }
            out.push(Blocked {
                name: name.clone(),
                version: c.version().clone(),
                ids,
                locked: c.locked,
            });
            false
        });
    }
    cands.by_crate.retain(|_, l| !l.is_empty());
    out
}
