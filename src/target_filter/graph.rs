//! Which packages compile for the listed targets (pure).
//!
//! Cargo compiles each package per "compile kind": once for every requested target and, for
//! build scripts' and proc-macros' dependency trees, for the host. Whether a dependency edge
//! exists in a unit's graph depends on that kind (cargo `features.rs`, `platform_activated`):
//! - a build-dependency edge is evaluated against the host, and leads into host context;
//! - in host context every edge is evaluated against the host;
//! - in target context a normal (or dev) edge is evaluated against that target; the edge leads
//!   into host context when the dependency is a proc-macro;
//! - dev-dependency edges exist only from workspace members (the roots): a registry crate's
//!   tests are never built.
//!
//! The walk is a BFS over `(package, context)` states, one target context per requested target
//! (exact per-target reachability; Cargo's feature resolver uses "any target" per edge, a
//! superset that only matters for chains like `cfg(windows)` → `cfg(unix)`). A package is
//! *built* when some state reaches it; the rest are *not built for your targets*. Without
//! `--target`, the requested target is the host. Edge targets that cargo-platform cannot parse
//! are followed (conservative) and listed in [`BuildReach::unparsable`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cargo_platform::Platform;

use super::{parse_edge_target, TargetPlatform};
use crate::index::DepKind;
use crate::workspace::ResolvedGraph;

/// A package of the graph. `proc_macro` packages compile for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPackage {
    pub id: String,
    pub proc_macro: bool,
}

/// One declared way `from` depends on `to` (one `dep_kinds` entry of cargo metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildEdge {
    pub from: String,
    pub to: String,
    pub kind: DepKind,
    /// `cfg(...)` or a triple; `None` on every platform.
    pub target: Option<String>,
}

/// The input: packages, edges, and the roots (workspace members).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildGraph {
    pub packages: Vec<BuildPackage>,
    pub edges: Vec<BuildEdge>,
    pub roots: Vec<String>,
}

impl BuildGraph {
    /// From `cargo metadata` (`--all-features`) output. `proc_macros` holds the ids of packages
    /// with a `proc-macro` lib target ([`ResolvedGraph`] does not carry targets). An edge
    /// without `dep_kinds` (cargo before 1.41) counts as normal on every platform.
    pub fn from_resolved(graph: &ResolvedGraph, proc_macros: &BTreeSet<String>) -> BuildGraph {
        let packages = graph
            .packages
            .iter()
            .map(|p| BuildPackage {
                id: p.id.clone(),
                proc_macro: proc_macros.contains(&p.id),
            })
            .collect();
        let mut edges = Vec::new();
        for node in &graph.nodes {
            for dep in &node.deps {
                if dep.dep_kinds.is_empty() {
                    edges.push(BuildEdge {
                        from: node.id.clone(),
                        to: dep.pkg.clone(),
                        kind: DepKind::Normal,
                        target: None,
                    });
                }
                for k in &dep.dep_kinds {
                    edges.push(BuildEdge {
                        from: node.id.clone(),
                        to: dep.pkg.clone(),
                        kind: k.kind,
                        target: k.target.clone(),
                    });
                }
            }
        }
        BuildGraph {
            packages,
            edges,
            roots: graph.workspace_members.clone(),
        }
    }
}

/// The platforms to evaluate against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platforms {
    /// Where build scripts and proc-macros run.
    pub host: TargetPlatform,
    /// `--target` values; empty means "the host".
    pub targets: Vec<TargetPlatform>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildReach {
    /// Packages that compile for some requested target or for the host on their behalf.
    pub built: BTreeSet<String>,
    /// Package → names of the requested targets it compiles for (host-only packages absent).
    pub built_for_targets: BTreeMap<String, BTreeSet<String>>,
    /// Packages that compile for the host (build scripts' and proc-macros' trees).
    pub built_for_host: BTreeSet<String>,
    /// Packages of the graph that never compile for the requested targets: they cost 0.
    pub not_built: BTreeSet<String>,
    /// Edge target strings cargo-platform rejected (followed anyway) → parse error.
    pub unparsable: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Context {
    Target(usize),
    Host,
}

/// Runs the walk of the module header.
pub fn build_reach(graph: &BuildGraph, platforms: &Platforms) -> BuildReach {
    let host_only = [platforms.host.clone()];
    let targets: &[TargetPlatform] = if platforms.targets.is_empty() {
        &host_only
    } else {
        &platforms.targets
    };
    let proc_macro: BTreeSet<&str> = graph
        .packages
        .iter()
        .filter(|p| p.proc_macro)
        .map(|p| p.id.as_str())
        .collect();
    let mut out_edges: BTreeMap<&str, Vec<&BuildEdge>> = BTreeMap::new();
    for e in &graph.edges {
        out_edges.entry(e.from.as_str()).or_default().push(e);
    }
    let mut parsed: BTreeMap<&str, Option<Platform>> = BTreeMap::new();
    let mut reach = BuildReach::default();

    let platform_of = |ctx: Context| match ctx {
        Context::Target(i) => &targets[i],
        Context::Host => &platforms.host,
    };
    let mut seen: BTreeSet<(&str, Context)> = BTreeSet::new();
    // (package, context, is a root state)
    let mut queue: VecDeque<(&str, Context, bool)> = VecDeque::new();
    for root in &graph.roots {
        for i in 0..targets.len() {
            let ctx = if proc_macro.contains(root.as_str()) {
                Context::Host
            } else {
                Context::Target(i)
            };
            queue.push_back((root.as_str(), ctx, true));
        }
    }
    // Roots are also expanded once as root states even if reached earlier as non-roots.
    let mut root_expanded: BTreeSet<(&str, Context)> = BTreeSet::new();
    while let Some((pkg, ctx, is_root)) = queue.pop_front() {
        let fresh = if is_root {
            root_expanded.insert((pkg, ctx))
        } else {
            seen.insert((pkg, ctx))
        };
        if !fresh {
            continue;
        }
        reach.built.insert(pkg.to_string());
        match ctx {
            Context::Target(i) => {
                reach
                    .built_for_targets
                    .entry(pkg.to_string())
                    .or_default()
                    .insert(targets[i].name.clone());
            }
            Context::Host => {
                reach.built_for_host.insert(pkg.to_string());
            }
        }
        for edge in out_edges.get(pkg).map(Vec::as_slice).unwrap_or(&[]) {
            if edge.kind == DepKind::Dev && !is_root {
                continue;
            }
            let (eval_ctx, next_ctx) = match edge.kind {
                DepKind::Build => (Context::Host, Context::Host),
                DepKind::Normal | DepKind::Dev => {
                    let next = if proc_macro.contains(edge.to.as_str()) {
                        Context::Host
                    } else {
                        ctx
                    };
                    (ctx, next)
                }
            };
            let active = match edge.target.as_deref() {
                None => true,
                Some(t) => {
                    let platform = parsed
                        .entry(t)
                        .or_insert_with(|| match parse_edge_target(t) {
                            Ok(p) => Some(p),
                            Err(e) => {
                                reach.unparsable.insert(t.to_string(), e.to_string());
                                None
                            }
                        });
                    match platform {
                        Some(p) => platform_of(eval_ctx).matches(p),
                        None => true,
                    }
                }
            };
            if active && !seen.contains(&(edge.to.as_str(), next_ctx)) {
                queue.push_back((edge.to.as_str(), next_ctx, false));
            }
        }
    }
    reach.not_built = graph
        .packages
        .iter()
        .map(|p| p.id.clone())
        .filter(|id| !reach.built.contains(id))
        .collect();
    reach
}
