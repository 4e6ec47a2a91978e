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
}

pub fn package_graph_from_metadata(
    metadata: &cargo_metadata::Metadata,
) -> Result<PackageGraph, MetadataGraphError> {
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or(MetadataGraphError::NoResolve)?;
    let by_id: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let mut index = HashMap::new();
    let mut packages = Vec::with_capacity(resolve.nodes.len());
    for node in &resolve.nodes {
        let p = by_id
            .get(&node.id)
            .ok_or_else(|| MetadataGraphError::UnknownPackage(node.id.repr.clone()))?;
        let git_rev = p.source.as_ref().and_then(|s| {
            let rest = s.repr.strip_prefix("git+")?;
            rest.rsplit_once('#').map(|(_, frag)| frag.to_owned())
        });
        index.insert(&node.id, packages.len());
        packages.push(GraphPackage {
            name: p.name.to_string(),
            version: VetVersion {
                semver: p.version.clone(),
                git_rev,
            },
            is_crates_io: p.source.as_ref().is_some_and(|s| s.is_crates_io()),
            is_workspace_member: metadata.workspace_members.contains(&node.id),
        });
    }
    let mut edges = Vec::new();
    for node in &resolve.nodes {
        let from = index[&node.id];
        for dep in &node.deps {
            let to = *index
                .get(&dep.pkg)
                .ok_or_else(|| MetadataGraphError::UnknownPackage(dep.pkg.repr.clone()))?;
            let mut kinds = EdgeKinds::default();
            for k in &dep.dep_kinds {
                match k.kind {
                    cargo_metadata::DependencyKind::Normal => kinds.normal = true,
                    cargo_metadata::DependencyKind::Development => kinds.dev = true,
                    cargo_metadata::DependencyKind::Build => kinds.build = true,
                    _ => {}
                }
            }
            edges.push(GraphEdge { from, to, kinds });
        }
    }
    Ok(PackageGraph { packages, edges })
}
