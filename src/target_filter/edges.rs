//! The optimiser's view of `--target` (pure): whether one dependency edge of the model builds
//! for the listed targets, for `model::build_filtered`.
//!
//! The model keeps one "built" bit per version, not one per (package, compile kind) as the
//! walk in [`super::graph`] does, so an edge builds when it applies in *some* context its
//! dependent can compile in. The same choices as `report --target` ([`super::graph`]):
//! - a build-dependency edge is evaluated against the host (build scripts run there), and what
//!   it reaches is priced: cargo-vet audits build dependencies, and they run on your machine;
//! - a normal edge is evaluated against the listed targets and, when the dependent may compile
//!   for the host ([`host_side`]: proc-macros, build-dependency trees), against the host too;
//! - a member's dev-dependency edge is evaluated against the targets (the host for a
//!   proc-macro member); registry packages have no dev edges in the model;
//! - a target string cargo-platform cannot parse builds (never makes a package look free).
//!
//! Differences from the walk, all in the direction of pricing more (never less): a package
//! built for one target keeps the edges of every listed target (Cargo's feature resolver does
//! the same, "any target" per edge); a crate whose proc-macro status is unknown (not in the
//! current lock) counts as possibly host-side; non-member path and git packages as well.

use std::collections::{BTreeMap, BTreeSet};

use cargo_platform::Platform;

use super::{parse_edge_target, Platforms, TargetPlatform};
use crate::index::{DepKind, IndexCrate, IndexDep};
use crate::model::{EdgeFrom, Roots};

/// Decides per edge; see the module header.
#[derive(Debug, Clone)]
pub struct EdgeBuilds {
    platforms: Platforms,
    /// Root indices (into [`Roots::packages`]) that may compile for the host.
    host_roots: BTreeSet<usize>,
    /// Crates that may compile for the host.
    host_side: BTreeSet<String>,
    /// Parsed edge targets (None: unparsable, counts as matching).
    parsed: BTreeMap<String, Option<Platform>>,
    /// Edge target strings cargo-platform rejected → error.
    pub unparsable: BTreeMap<String, String>,
}

/// What is known about the workspace beyond the roots and the index.
#[derive(Debug, Clone, Default)]
pub struct HostFacts {
    /// Root indices that may compile for the host: proc-macro members, and path or git
    /// packages that are not members (they may be build or proc-macro dependencies).
    pub host_roots: BTreeSet<usize>,
    /// Registry crates known to be proc-macros (from the current resolve).
    pub proc_macros: BTreeSet<String>,
    /// Registry crates whose proc-macro status is known (in the current resolve); the
    /// others count as possibly proc-macros.
    pub known: BTreeSet<String>,
}

impl EdgeBuilds {
    /// `platforms.targets` must not be empty (no `--target`: no filter at all).
    pub fn new(
        platforms: &Platforms,
        index: &BTreeMap<String, IndexCrate>,
        roots: &Roots,
        facts: &HostFacts,
    ) -> EdgeBuilds {
        let mut eb = EdgeBuilds {
            platforms: platforms.clone(),
            host_roots: facts.host_roots.clone(),
            host_side: BTreeSet::new(),
            parsed: BTreeMap::new(),
            unparsable: BTreeMap::new(),
        };
        let all_deps = roots.packages.iter().flat_map(|r| &r.deps).chain(
            index
                .values()
                .flat_map(|c| &c.versions)
                .flat_map(|v| v.deps.iter()),
        );
        for d in all_deps {
            if let Some(t) = &d.target {
                if !eb.parsed.contains_key(t) {
                    let p = match parse_edge_target(t) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            eb.unparsable.insert(t.clone(), e.to_string());
                            None
                        }
                    };
                    eb.parsed.insert(t.clone(), p);
                }
            }
        }
        eb.host_side = eb.host_side(index, roots, facts);
        eb
    }

    fn matches(&self, target: Option<&str>, on: &[TargetPlatform]) -> bool {
        match target {
            None => true,
            Some(t) => match self.parsed.get(t) {
                Some(Some(p)) => on.iter().any(|pl| pl.matches(p)),
                _ => true,
            },
        }
    }

    fn on_host(&self, target: Option<&str>) -> bool {
        self.matches(target, std::slice::from_ref(&self.platforms.host))
    }

    fn on_targets(&self, target: Option<&str>) -> bool {
        self.matches(target, &self.platforms.targets)
    }

    /// Crates that may compile for the host: proc-macros (known or possible), what
    /// build-dependency edges and host roots reach, closed over host edges.
    fn host_side(
        &self,
        index: &BTreeMap<String, IndexCrate>,
        roots: &Roots,
        facts: &HostFacts,
    ) -> BTreeSet<String> {
        let mut todo: Vec<String> = Vec::new();
        for name in index.keys() {
            if facts.proc_macros.contains(name) || !facts.known.contains(name) {
                todo.push(name.clone());
            }
        }
        for (i, r) in roots.packages.iter().enumerate() {
            for d in &r.deps {
                let host_ctx = self.host_roots.contains(&i) && d.kind != DepKind::Dev;
                if (d.kind == DepKind::Build || host_ctx) && self.on_host(d.target.as_deref()) {
                    todo.push(d.crate_name().to_string());
                }
            }
        }
        for v in index.values().flat_map(|c| &c.versions) {
            for d in v.deps.iter().filter(|d| d.kind == DepKind::Build) {
                if self.on_host(d.target.as_deref()) {
                    todo.push(d.crate_name().to_string());
                }
            }
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        while let Some(n) = todo.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            for v in index.get(&n).into_iter().flat_map(|c| &c.versions) {
                for d in v.deps.iter().filter(|d| d.kind != DepKind::Dev) {
                    if self.on_host(d.target.as_deref()) && !seen.contains(d.crate_name()) {
                        todo.push(d.crate_name().to_string());
                    }
                }
            }
        }
        seen
    }

    /// Whether the edge `d` from `from` builds for the listed targets (or for the host on
    /// their behalf).
    pub fn builds(&self, from: EdgeFrom<'_>, d: &IndexDep) -> bool {
        let t = d.target.as_deref();
        if t.is_none() {
            return true;
        }
        let host_ctx = match from {
            EdgeFrom::Root(i) => self.host_roots.contains(&i),
            EdgeFrom::Pkg(name, _) => self.host_side.contains(name),
        };
        match d.kind {
            DepKind::Build => self.on_host(t),
            DepKind::Dev => match from {
                EdgeFrom::Root(i) if self.host_roots.contains(&i) => self.on_host(t),
                EdgeFrom::Root(_) => self.on_targets(t),
                EdgeFrom::Pkg(..) => false, // never built for a registry package
            },
            DepKind::Normal => self.on_targets(t) || (host_ctx && self.on_host(t)),
        }
    }

    /// Whether a crate may compile for the host (for tests and diagnostics).
    pub fn is_host_side(&self, name: &str) -> bool {
        self.host_side.contains(name)
    }
}
