//! `cargo metadata` output -> [`PackageGraph`] (pure over already-parsed metadata).
//!
//! cargo-vet builds its graph from `cargo metadata --all-features --locked` (format 1, no
//! `--filter-platform`): every package in `resolve.nodes`, edges from `nodes[].deps[]` with
//! their `dep_kinds` (target cfgs ignored), workspace members from `workspace_members`. A git
//! package's version carries the source URL's fragment (the commit) as cargo-vet's
//! `VetVersion::git_rev`.

use std::collections::HashMap;

use super::format::VetVersion;
use super::required::{EdgeKinds, GraphEdge, GraphPackage, PackageGraph};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataGraphError {
    #[error("cargo metadata has no resolve graph\nhint: run cargo metadata without --no-deps")]
    NoResolve,
    #[error("cargo metadata names package {0} in the resolve graph but not in packages\nhint: pass the unmodified output of one cargo metadata run")]
    UnknownPackage(String),
    #[error("unreadable cargo metadata: {0}")]
    Unreadable(String),
}

pub fn package_graph_from_metadata(
    metadata: &cargo_metadata::Metadata,
) -> Result<PackageGraph, MetadataGraphError> {
    if metadata.resolve.is_none() {
        return Err(MetadataGraphError::NoResolve);
    }
    let resolved = crate::workspace::graph_from_metadata(metadata)
        .map_err(|e| MetadataGraphError::Unreadable(e.to_string()))?;
    package_graph_from_resolved(&resolved)
}

/// The same graph from the workspace loader's [`ResolvedGraph`](crate::workspace::ResolvedGraph)
/// (which the app already holds, and fixtures can build without running cargo).
pub fn package_graph_from_resolved(
    graph: &crate::workspace::ResolvedGraph,
) -> Result<PackageGraph, MetadataGraphError> {
    let mut index = HashMap::new();
    let mut packages = Vec::with_capacity(graph.nodes.len());
    let by_id: HashMap<&str, &crate::workspace::GraphPackage> =
        graph.packages.iter().map(|p| (p.id.as_str(), p)).collect();
    for node in &graph.nodes {
        let p = by_id
            .get(node.id.as_str())
            .ok_or_else(|| MetadataGraphError::UnknownPackage(node.id.clone()))?;
        let git_rev = p.source.as_deref().and_then(|s| {
            let rest = s.strip_prefix("git+")?;
            rest.rsplit_once('#').map(|(_, frag)| frag.to_owned())
        });
        index.insert(node.id.as_str(), packages.len());
        packages.push(GraphPackage {
            name: p.name.clone(),
            version: VetVersion {
                semver: p.version.clone(),
                git_rev,
            },
            is_crates_io: p.source.as_deref().is_some_and(is_crates_io_source),
            is_workspace_member: graph.workspace_members.contains(&node.id),
        });
    }
    let mut edges = Vec::new();
    for node in &graph.nodes {
        let from = index[node.id.as_str()];
        for dep in &node.deps {
            let to = *index
                .get(dep.pkg.as_str())
                .ok_or_else(|| MetadataGraphError::UnknownPackage(dep.pkg.clone()))?;
            let mut kinds = EdgeKinds::default();
            for k in &dep.dep_kinds {
                match k.kind {
                    crate::index::DepKind::Normal => kinds.normal = true,
                    crate::index::DepKind::Dev => kinds.dev = true,
                    crate::index::DepKind::Build => kinds.build = true,
                }
            }
            edges.push(GraphEdge { from, to, kinds });
        }
    }
    Ok(PackageGraph { packages, edges })
}

/// crates.io exactly as cargo_metadata's `Source::is_crates_io` (and so cargo-vet) decides it;
/// Cargo records crates.io under this id even when a local registry replaces it.
pub fn is_crates_io_source(source: &str) -> bool {
    source == "registry+https://github.com/rust-lang/crates.io-index"
}
