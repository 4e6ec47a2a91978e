//! Workspace -> the model's roots: the packages minaudit never moves (members, path and git
//! packages) with the registry edges Cargo's lockfile resolve takes from them.
//!
//! - Members: every declared registry dependency (normal, build and dev; optional ones too,
//!   since the lockfile resolve turns every feature of every member on), with the member's own
//!   `dep/feature` values folded into the edges ([`RootPackage::member`]).
//! - Path and git packages that are not members: the registry edges they have in the current
//!   resolve (cargo metadata `--all-features` says which optional ones are on), normal and
//!   build only (Cargo ignores a non-member's dev-dependencies).
//!
//! Edges between roots (path dependencies, git dependencies) are not registry edges and are left
//! out; a registry edge whose source is another registry is kept with `registry` set so the
//! model can refuse it by name.

use std::collections::BTreeSet;

use crate::index::{DepKind, IndexDep};
use crate::model::{RootPackage, Roots};
use crate::workspace::{DeclaredDependency, DependencySource, ResolvedGraph, Workspace};

fn to_index_dep(d: &DeclaredDependency) -> Option<IndexDep> {
    let DependencySource::Registry { index } = &d.source else {
        return None;
    };
    Some(IndexDep {
        name: d.rename.clone().unwrap_or_else(|| d.name.clone()),
        package: d.rename.as_ref().map(|_| d.name.clone()),
        req: d.req.clone(),
        features: d.features.clone(),
        optional: d.optional,
        default_features: d.default_features,
        target: d.target.clone(),
        kind: d.kind,
        registry: index.clone(),
    })
}

pub fn roots_from_workspace(workspace: &Workspace, graph: &ResolvedGraph) -> Roots {
    let mut packages = Vec::new();
    for member in &workspace.members {
        let deps: Vec<IndexDep> = member
            .dependencies
            .iter()
            .filter_map(to_index_dep)
            .collect();
        let links = graph
            .packages
            .iter()
            .find(|p| p.name == member.name && p.source.is_none() && p.version == member.version)
            .and_then(|p| p.links.clone());
        packages.push(RootPackage::member(
            &member.name,
            deps,
            &member.features,
            links,
        ));
    }
    for fixed in &workspace.fixed_packages {
        let Some(pkg) = graph.packages.iter().find(|p| {
            p.name == fixed.id.name && p.version == fixed.id.version && p.source == fixed.id.source
        }) else {
            continue;
        };
        // Which dependency names the current resolve activated for this package.
        let active: BTreeSet<&str> = graph
            .nodes
            .iter()
            .find(|n| n.id == pkg.id)
            .map(|n| n.deps.iter().map(|e| e.name.as_str()).collect())
            .unwrap_or_default();
        let deps = pkg
            .dependencies
            .iter()
            .filter(|d| d.kind != DepKind::Dev)
            .filter(|d| !d.optional || active.contains(lib_name(d).as_str()))
            .filter_map(to_index_dep)
            .collect();
        packages.push(RootPackage {
            name: pkg.name.clone(),
            deps,
            links: pkg.links.clone(),
        });
    }
    Roots { packages }
}

/// cargo metadata names resolve edges by the dependency's library name (rename applied,
/// `-` turned into `_`).
pub(crate) fn lib_name(d: &DeclaredDependency) -> String {
    d.rename.as_deref().unwrap_or(&d.name).replace('-', "_")
}
