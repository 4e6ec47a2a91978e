//! Closed-world index snapshot: every crate reachable from the roots, loaded once.
//!
//! Breadth-first over crate names: layer 0 is the roots; layer k+1 is every crate named by a
//! dependency of any version in layer k (all dep kinds, all targets, optional or not, yanked
//! versions included — any of them may be locked or chosen) that has not been seen. Each
//! layer is one `Index::load_crates` batch so an HTTP index fetches it in parallel. Deps whose
//! `registry` field names another registry are not followed (counted instead): they live in
//! an index we are not reading. After this, nothing downstream does IO.

use std::collections::{BTreeMap, BTreeSet};

use super::{Index, IndexCrate, IndexError, IndexVersion};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexSnapshot {
    /// Every loaded crate, by exact name.
    pub crates: BTreeMap<String, IndexCrate>,
    /// Names the registry does not have → the crates whose versions refer to them (empty for
    /// a root).
    pub not_found: BTreeMap<String, BTreeSet<String>>,
    /// Dependency edges into other registries that were not followed.
    pub foreign_registry_deps: usize,
    /// [`Index::describe`] of the source.
    pub source: String,
}

impl IndexSnapshot {
    pub fn get(&self, name: &str) -> Option<&IndexCrate> {
        self.crates.get(name)
    }

    pub fn version(&self, name: &str, version: &semver::Version) -> Option<&IndexVersion> {
        self.crates
            .get(name)?
            .versions
            .iter()
            .find(|v| &v.version == version)
    }

    /// Number of (crate, version) pairs.
    pub fn version_count(&self) -> usize {
        self.crates.values().map(|c| c.versions.len()).sum()
    }
}

/// Loads the dependency closure of `roots` from `index`. `progress` is told each layer's size.
pub fn load_snapshot(
    index: &dyn Index,
    roots: &[String],
    mut progress: impl FnMut(usize, usize),
) -> Result<IndexSnapshot, IndexError> {
    let mut snap = IndexSnapshot {
        source: index.describe(),
        ..IndexSnapshot::default()
    };
    let mut seen: BTreeSet<String> = roots.iter().cloned().collect();
    // Who refers to a name, for the not-found report.
    let mut referrers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut layer: Vec<String> = seen.iter().cloned().collect();
    let mut depth = 0;
    while !layer.is_empty() {
        progress(depth, layer.len());
        let loaded = index.load_crates(&layer)?;
        let mut next = BTreeSet::new();
        for name in &layer {
            match loaded.get(name) {
                Some(Some(krate)) => {
                    for dep in krate.versions.iter().flat_map(|v| &v.deps) {
                        if dep.registry.is_some() {
                            snap.foreign_registry_deps += 1;
                            continue;
                        }
                        let target = dep.crate_name();
                        referrers
                            .entry(target.to_string())
                            .or_default()
                            .insert(name.clone());
                        if !seen.contains(target) {
                            seen.insert(target.to_string());
                            next.insert(target.to_string());
                        }
                    }
                    snap.crates.insert(name.clone(), krate.clone());
                }
                // An implementation that omits a name is treated like "not found".
                Some(None) | None => {
                    let by = referrers.get(name).cloned().unwrap_or_default();
                    snap.not_found.insert(name.clone(), by);
                }
            }
        }
        layer = next.into_iter().collect();
        depth += 1;
    }
    // Referrers found in later layers may point back at an earlier missing name.
    for (name, by) in snap.not_found.iter_mut() {
        if let Some(r) = referrers.get(name) {
            by.extend(r.iter().cloned());
        }
    }
    Ok(snap)
}
