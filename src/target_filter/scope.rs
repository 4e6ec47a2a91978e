//! `--target`: the resolve graph narrowed to what compiles for the listed targets (and for the
//! host on behalf of build scripts and proc-macros). [`scope_to_targets`] runs the build walk,
//! drops the packages no build state reaches from the graph suggest sees, and keeps on each
//! remaining edge only the kinds (normal, build, dev) that apply in some context its dependent
//! is built in, so criteria flow only along built edges. The dropped packages are listed with
//! the edges that would have pulled them in. Pure.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context;

use crate::index::DepKind;
use crate::report::{CutEdge, NotBuilt};
use crate::vet::required::{EdgeKinds, GraphEdge, PackageGraph};
use crate::workspace::ResolvedGraph;

use super::{build_reach, parse_edge_target, BuildGraph, Platforms, TargetPlatform};

/// The graph suggest should price for some targets, and what was left out.
#[derive(Debug, Clone)]
pub struct Scoped {
    pub graph: PackageGraph,
    pub not_built: Vec<NotBuilt>,
    /// Edge target strings that could not be parsed (their edges were kept) → error.
    pub unparsable: BTreeMap<String, String>,
}

/// Restricts `graph` (built by `package_graph_from_resolved(resolved)`, so its packages are
/// `resolved.nodes` in order and its edges are the nodes' deps in order) to what compiles for
/// `platforms` .
pub fn scope_to_targets(
    resolved: &ResolvedGraph,
    graph: &PackageGraph,
    platforms: &Platforms,
) -> anyhow::Result<Scoped> {
    anyhow::ensure!(
        graph.packages.len() == resolved.nodes.len(),
        "internal: the package graph does not match the resolve graph"
    );
    let proc_macros: BTreeSet<String> = resolved
        .packages
        .iter()
        .filter(|p| p.proc_macro)
        .map(|p| p.id.clone())
        .collect();
    let reach = build_reach(
        &BuildGraph::from_resolved(resolved, &proc_macros),
        platforms,
    );
    let host_only = [platforms.host.clone()];
    let targets: &[TargetPlatform] = if platforms.targets.is_empty() {
        &host_only
    } else {
        &platforms.targets
    };
    let members: BTreeSet<&str> = resolved
        .workspace_members
        .iter()
        .map(String::as_str)
        .collect();
    // Every platform `id` is compiled for (its contexts in the walk).
    let contexts_of = |id: &str| -> Vec<&TargetPlatform> {
        let mut out: Vec<&TargetPlatform> = reach
            .built_for_targets
            .get(id)
            .map(|names| targets.iter().filter(|t| names.contains(&t.name)).collect())
            .unwrap_or_default();
        if reach.built_for_host.contains(id) {
            out.push(&platforms.host);
        }
        out
    };
    // Whether one declared (kind, target) of an edge from `from` applies to a built context.
    let active = |from: &str, kind: DepKind, target: Option<&str>| -> bool {
        let matches = |p: &TargetPlatform| match target {
            None => true,
            Some(t) => parse_edge_target(t).map_or(true, |parsed| p.matches(&parsed)),
        };
        match kind {
            DepKind::Build => reach.built.contains(from) && matches(&platforms.host),
            DepKind::Normal => contexts_of(from).into_iter().any(matches),
            // Dev edges exist only in a member's own (root) contexts.
            DepKind::Dev => {
                members.contains(from)
                    && if proc_macros.contains(from) {
                        matches(&platforms.host)
                    } else {
                        targets.iter().any(matches)
                    }
            }
        }
    };

    let keep: Vec<bool> = resolved
        .nodes
        .iter()
        .map(|n| reach.built.contains(&n.id))
        .collect();
    let mut new_index = vec![usize::MAX; keep.len()];
    let mut packages = Vec::new();
    for (i, p) in graph.packages.iter().enumerate() {
        if keep[i] {
            new_index[i] = packages.len();
            packages.push(p.clone());
        }
    }
    let node_index: HashMap<&str, usize> = resolved
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let by_id: HashMap<&str, &crate::workspace::GraphPackage> = resolved
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p))
        .collect();
    let label = |id: &str| {
        by_id
            .get(id)
            .map(|p| format!("{} {}", p.name, p.version))
            .unwrap_or_else(|| id.to_string())
    };

    let mut edges = Vec::new();
    let mut old_edges = graph.edges.iter();
    let mut cut: BTreeMap<usize, Vec<CutEdge>> = BTreeMap::new();
    let mut unbuilt_dependents: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for (i, node) in resolved.nodes.iter().enumerate() {
        for dep in &node.deps {
            let old = old_edges
                .next()
                .filter(|e| e.from == i && Some(&e.to) == node_index.get(dep.pkg.as_str()))
                .context("internal: the package graph's edges do not match the resolve graph")?;
            let to = old.to;
            if !keep[i] {
                if !keep[to] {
                    unbuilt_dependents
                        .entry(to)
                        .or_default()
                        .insert(label(&node.id));
                }
                continue;
            }
            let declared: Vec<(DepKind, Option<&str>)> = if dep.dep_kinds.is_empty() {
                vec![(DepKind::Normal, None)]
            } else {
                dep.dep_kinds
                    .iter()
                    .map(|k| (k.kind, k.target.as_deref()))
                    .collect()
            };
            let mut kinds = EdgeKinds::default();
            for &(kind, target) in &declared {
                if active(&node.id, kind, target) {
                    match kind {
                        DepKind::Normal => kinds.normal = true,
                        DepKind::Build => kinds.build = true,
                        DepKind::Dev => kinds.dev = true,
                    }
                }
            }
            let any = kinds.normal || kinds.build || kinds.dev;
            if !keep[to] {
                anyhow::ensure!(
                    !any,
                    "internal: an active edge {} -> {} leads to a package the walk did not reach",
                    label(&node.id),
                    label(&dep.pkg)
                );
                cut.entry(to)
                    .or_default()
                    .extend(declared.iter().map(|&(kind, target)| CutEdge {
                        from: label(&node.id),
                        kind: kind.as_str().to_string(),
                        target: target.map(str::to_string),
                    }));
                continue;
            }
            if any {
                edges.push(GraphEdge {
                    from: new_index[i],
                    to: new_index[to],
                    kinds,
                });
            }
        }
    }
    anyhow::ensure!(
        old_edges.next().is_none(),
        "internal: the package graph has more edges than the resolve graph"
    );

    let mut not_built: Vec<NotBuilt> = Vec::new();
    for (i, node) in resolved.nodes.iter().enumerate() {
        if keep[i] {
            continue;
        }
        let p = by_id
            .get(node.id.as_str())
            .with_context(|| format!("internal: package {} not in the metadata", node.id))?;
        not_built.push(NotBuilt::new(
            p.name.clone(),
            p.version.to_string(),
            cut.remove(&i).unwrap_or_default(),
            unbuilt_dependents.remove(&i).unwrap_or_default(),
            [],
        ));
    }
    not_built.sort_by(|a, b| (&a.krate, &a.version).cmp(&(&b.krate, &b.version)));
    Ok(Scoped {
        graph: PackageGraph { packages, edges },
        not_built,
        unparsable: reach.unparsable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vet::metadata_graph::package_graph_from_resolved;
    use crate::workspace::{EdgeKind, GraphEdge as RGEdge, GraphNode, GraphPackage as RGPackage};

    fn pkg(name: &str, proc_macro: bool) -> RGPackage {
        RGPackage {
            id: name.to_string(),
            name: name.to_string(),
            version: semver::Version::new(1, 0, 0),
            source: Some("registry+https://github.com/rust-lang/crates.io-index".to_string()),
            dependencies: vec![],
            features: Default::default(),
            links: None,
            rust_version: None,
            proc_macro,
        }
    }

    /// A dependency: its id and its declared (kind, target) pairs.
    type Dep<'a> = (&'a str, &'a [(DepKind, Option<&'a str>)]);

    fn node(id: &str, deps: &[Dep<'_>]) -> GraphNode {
        GraphNode {
            id: id.to_string(),
            deps: deps
                .iter()
                .map(|(to, kinds)| RGEdge {
                    name: to.to_string(),
                    pkg: to.to_string(),
                    dep_kinds: kinds
                        .iter()
                        .map(|(kind, target)| EdgeKind {
                            kind: *kind,
                            target: target.map(str::to_string),
                        })
                        .collect(),
                })
                .collect(),
            features: vec![],
        }
    }

    /// Target windows, host linux: build edges and a proc-macro's edges are evaluated against
    /// linux, the member's normal and dev edges against windows (hand-derived expectations).
    #[test]
    fn edge_kinds_survive_only_where_they_are_built() {
        use DepKind::{Build, Dev, Normal};
        let win = Some("cfg(windows)");
        let unix = Some("cfg(unix)");
        let mut resolved = ResolvedGraph {
            packages: ["m", "a", "w", "v", "b", "h", "y", "z"]
                .iter()
                .map(|n| pkg(n, false))
                .collect(),
            nodes: vec![
                node(
                    "m",
                    &[
                        ("a", &[(Normal, None)]),
                        ("w", &[(Normal, win), (Dev, None)]),
                        ("v", &[(Normal, unix), (Dev, None)]),
                        ("pm", &[(Normal, None)]),
                    ],
                ),
                node("a", &[("b", &[(Build, win)]), ("h", &[(Build, unix)])]),
                node("w", &[]),
                node("v", &[]),
                node("b", &[]),
                node("h", &[]),
                node("pm", &[("z", &[(Normal, win)]), ("y", &[(Normal, unix)])]),
                node("y", &[]),
                node("z", &[]),
            ],
            workspace_members: vec!["m".to_string()],
        };
        resolved.packages.push(pkg("pm", true));
        resolved.packages[0].source = None;
        let graph = package_graph_from_resolved(&resolved).expect("graph");
        let platform =
            |name: &str, cfg: &str| TargetPlatform::from_rustc_cfg(name, cfg, "test").expect("cfg");
        let platforms = Platforms {
            host: platform("x86_64-unknown-linux-gnu", "unix\ntarget_os=\"linux\"\n"),
            targets: vec![platform(
                "x86_64-pc-windows-msvc",
                "windows\ntarget_os=\"windows\"\n",
            )],
        };
        let scoped = scope_to_targets(&resolved, &graph, &platforms).expect("scoped");

        let dropped: Vec<(&str, &str)> = scoped
            .not_built
            .iter()
            .map(|p| (p.krate.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(
            dropped,
            [
                ("b", "only needed by a 1.0.0 (build, cfg(windows))"),
                ("z", "only needed by pm 1.0.0 (normal, cfg(windows))"),
            ]
        );
        let name = |i: usize| scoped.graph.packages[i].name.as_str();
        let mut edges: Vec<(&str, &str, EdgeKinds)> = scoped
            .graph
            .edges
            .iter()
            .map(|e| (name(e.from), name(e.to), e.kinds))
            .collect();
        edges.sort_by_key(|e| (e.0, e.1));
        let k = |normal, build, dev| EdgeKinds { normal, build, dev };
        assert_eq!(
            edges,
            [
                ("a", "h", k(false, true, false)),
                ("m", "a", k(true, false, false)),
                ("m", "pm", k(true, false, false)),
                ("m", "v", k(false, false, true)),
                ("m", "w", k(true, false, true)),
                ("pm", "y", k(true, false, false)),
            ]
        );
    }
}
