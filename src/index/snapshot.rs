//! Closed-world index snapshot: every crate version reachable from the roots, loaded once.
//!
//! Reachability is per *version*, loading is per crate name and batched by layer:
//! - the versions of a root that its requirement matches (all if it has none) are reachable;
//! - a dependency of a reachable version makes reachable every version of the target crate
//!   that its requirement matches (semver matching, which is cargo's, pre-release rule
//!   included); all targets and optional deps count (the lockfile resolve ignores cfg and
//!   may enable any optional dep); yanked versions count (they may be locked);
//! - dev-dependencies are followed only when asked: cargo locks dev-deps of workspace
//!   members only (the caller passes those as roots), never of registry packages
//!   (ARCHITECTURE.md, Semantics). Following them and every version's deps (`all_versions`) turns the
//!   closure of `tokio + clap + serde_json` into 8,580 crates and 252,779 versions (measured),
//!   most of which no lockfile could contain;
//! - deps whose `registry` names another registry are not followed (counted instead).
//!
//! Names first seen in one round form the next `Index::load_crates` batch, so an HTTP index
//! fetches a whole BFS layer in parallel. A new requirement on an already loaded crate only
//! re-scans that crate in memory. The snapshot keeps only reachable versions, so every
//! dependency of every kept version names a kept crate, a `not_found` name, or a foreign
//! registry: after this, nothing downstream does IO.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{DepKind, Index, IndexCrate, IndexError, IndexVersion};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexSnapshot {
    /// Every loaded crate with its reachable versions (index order), by exact name.
    pub crates: BTreeMap<String, IndexCrate>,
    /// Names the registry does not have → the crates whose versions refer to them (empty for
    /// a root).
    pub not_found: BTreeMap<String, BTreeSet<String>>,
    /// Dependency edges (of reachable versions) into other registries, not followed.
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

/// How far to walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Follow dev-dependencies of registry crates too.
    pub dev_deps: bool,
    /// Treat every version of every loaded crate as reachable (names-only closure).
    pub all_versions: bool,
}

/// A starting point of the walk: a crate and, optionally, the requirement that selects its
/// versions (a workspace member's dependency requirement); `None` = every version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub name: String,
    pub req: Option<semver::VersionReq>,
}

impl Root {
    pub fn all_versions(name: &str) -> Self {
        Self {
            name: name.to_string(),
            req: None,
        }
    }

    pub fn matching(name: &str, req: semver::VersionReq) -> Self {
        Self {
            name: name.to_string(),
            req: Some(req),
        }
    }
}

/// [`load_snapshot_with`] with the default (lockfile-shaped) walk from every version of
/// each root.
pub fn load_snapshot(
    index: &dyn Index,
    roots: &[String],
    progress: impl FnMut(usize, usize),
) -> Result<IndexSnapshot, IndexError> {
    let roots: Vec<Root> = roots.iter().map(|n| Root::all_versions(n)).collect();
    load_snapshot_with(index, &roots, WalkOptions::default(), progress)
}

/// A requirement reaching a crate: `None` = every version (a root).
struct Demand {
    target: String,
    req: Option<semver::VersionReq>,
    from: Option<String>,
}

/// Loads the reachable closure of `roots`. `progress(depth, batch_len)` before each batch.
pub fn load_snapshot_with(
    index: &dyn Index,
    roots: &[Root],
    opts: WalkOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<IndexSnapshot, IndexError> {
    let mut snap = IndexSnapshot {
        source: index.describe(),
        ..IndexSnapshot::default()
    };
    // shared, not copied: only the reachable versions are copied into the snapshot at the end
    let mut loaded: BTreeMap<String, std::sync::Arc<IndexCrate>> = BTreeMap::new();
    let mut reachable: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    // Demands on names not loaded yet, replayed once their batch arrives.
    let mut waiting: BTreeMap<String, Vec<Demand>> = BTreeMap::new();
    // (target, req) pairs already applied: many versions repeat the same requirement.
    let mut applied: HashSet<(String, Option<semver::VersionReq>)> = HashSet::new();
    let mut stack: Vec<Demand> = roots
        .iter()
        .map(|r| Demand {
            target: r.name.clone(),
            req: r.req.clone(),
            from: None,
        })
        .collect();
    let mut depth = 0;
    loop {
        let mut to_load: BTreeSet<String> = BTreeSet::new();
        while let Some(d) = stack.pop() {
            if let Some(by) = snap.not_found.get_mut(&d.target) {
                by.extend(d.from);
                continue;
            }
            let Some(krate) = loaded.get(&d.target) else {
                if !waiting.contains_key(&d.target) {
                    to_load.insert(d.target.clone());
                }
                waiting.entry(d.target.clone()).or_default().push(d);
                continue;
            };
            let req = if opts.all_versions { None } else { d.req };
            if !applied.insert((d.target.clone(), req.clone())) {
                continue;
            }
            let marks = reachable.entry(d.target.clone()).or_default();
            marks.resize(krate.versions.len(), false);
            for (i, v) in krate.versions.iter().enumerate() {
                if marks[i] || !req.as_ref().is_none_or(|r| r.matches(&v.version)) {
                    continue;
                }
                marks[i] = true;
                for dep in v.deps.iter() {
                    if dep.kind == DepKind::Dev && !opts.dev_deps {
                        continue;
                    }
                    if dep.registry.is_some() {
                        snap.foreign_registry_deps += 1;
                        continue;
                    }
                    stack.push(Demand {
                        target: dep.crate_name().to_string(),
                        req: Some(dep.req.clone()),
                        from: Some(d.target.clone()),
                    });
                }
            }
        }
        if to_load.is_empty() {
            break;
        }
        let layer: Vec<String> = to_load.into_iter().collect();
        progress(depth, layer.len());
        depth += 1;
        let mut got = index.load_shared(&layer)?;
        for name in layer {
            let demands = waiting.remove(&name).unwrap_or_default();
            match got.remove(&name).flatten() {
                Some(krate) => {
                    loaded.insert(name, krate);
                    stack.extend(demands);
                }
                // An implementation that omits a name is treated like "not found".
                None => {
                    let by = demands.into_iter().filter_map(|d| d.from).collect();
                    snap.not_found.insert(name, by);
                }
            }
        }
    }
    for (name, krate) in loaded {
        let marks = reachable.remove(&name).unwrap_or_default();
        let krate = IndexCrate {
            name: krate.name.clone(),
            versions: krate
                .versions
                .iter()
                .zip(&marks)
                .filter(|(_, &reached)| reached)
                .map(|(v, _)| v.clone())
                .collect(),
        };
        snap.crates.insert(name, krate);
    }
    Ok(snap)
}
