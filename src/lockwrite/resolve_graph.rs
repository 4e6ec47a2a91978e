//! A written lock as the resolve graph `cargo metadata --all-features --locked` would report
//! for it (pure), so the lock minaudit chose is priced by the very code that prices the
//! current lock before any figure is shown or any file written.
//!
//! Members, path and git packages keep their identity, declarations and their edges to one
//! another; their registry edges (declared as the model's roots declare them) and every
//! registry package's edges are the lock's, each
//! carrying the (kind, target) of every declaration that resolves to it (a registry
//! package's dev-dependencies are not in a resolve). A registry package's declarations and
//! features come from the index; whether it is a proc-macro (which `--target` scoping needs
//! and the index does not say) is taken from a locked version of the same crate.

use std::collections::{BTreeMap, HashMap};

use crate::index::{DepKind, IndexCrate, IndexDep};
use crate::lockfile::{Lockfile, PackageId};
use crate::model::Roots;
use crate::workspace::{
    DeclaredDependency, DependencySource, EdgeKind, GraphEdge, GraphNode, GraphPackage,
    ResolvedGraph,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveGraphError {
    #[error("{name} {version} is in the new lock but not in the index snapshot\nhint: this is a bug, please report it")]
    NotInIndex {
        name: String,
        version: semver::Version,
    },
    #[error("{name} {version} ({origin}) is in the new lock but not in the current resolve\nhint: this is a bug, please report it")]
    UnknownFixed {
        name: String,
        version: semver::Version,
        origin: String,
    },
}

/// The resolve graph of `lock`, a lock of the same workspace as `current` whose roots declare
/// the registry dependencies `roots` lists (a what-if may add or drop some).
pub fn resolved_graph(
    current: &ResolvedGraph,
    lock: &Lockfile,
    roots: &Roots,
    index: &BTreeMap<String, IndexCrate>,
) -> Result<ResolvedGraph, ResolveGraphError> {
    let mut root_decls: HashMap<&str, Vec<DeclaredDependency>> = HashMap::new();
    for r in &roots.packages {
        root_decls
            .entry(r.name.as_str())
            .or_default()
            .extend(r.deps.iter().map(declared));
    }
    let fixed: HashMap<(&str, &semver::Version, Option<&str>), &GraphPackage> = current
        .packages
        .iter()
        .filter(|p| !is_registry(p.source.as_deref()))
        .map(|p| ((p.name.as_str(), &p.version, p.source.as_deref()), p))
        .collect();
    let proc_macro: HashMap<&str, bool> = current
        .packages
        .iter()
        .filter(|p| is_registry(p.source.as_deref()))
        .map(|p| (p.name.as_str(), p.proc_macro))
        .collect();
    let current_nodes: HashMap<&str, &GraphNode> =
        current.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let fixed_ids: std::collections::HashSet<&str> =
        fixed.values().map(|p| p.id.as_str()).collect();

    // every lock package as a graph package
    let mut packages: Vec<GraphPackage> = Vec::with_capacity(lock.packages.len());
    let mut id_of: HashMap<&PackageId, String> = HashMap::new();
    for lp in &lock.packages {
        let id = &lp.id;
        let pkg = if is_registry(id.source.as_deref()) {
            registry_package(id, index, &proc_macro)?
        } else {
            let key = (id.name.as_str(), &id.version, id.source.as_deref());
            (*fixed
                .get(&key)
                .ok_or_else(|| ResolveGraphError::UnknownFixed {
                    name: id.name.clone(),
                    version: id.version.clone(),
                    origin: id.source.clone().unwrap_or_else(|| "path".into()),
                })?)
            .clone()
        };
        id_of.insert(id, pkg.id.clone());
        packages.push(pkg);
    }
    let by_id: HashMap<&str, &GraphPackage> = packages.iter().map(|p| (p.id.as_str(), p)).collect();

    let mut nodes: Vec<GraphNode> = Vec::with_capacity(lock.packages.len());
    for lp in &lock.packages {
        let from = by_id[id_of[&lp.id].as_str()];
        let registry_from = is_registry(lp.id.source.as_deref());
        let mut deps: Vec<GraphEdge> = Vec::new();
        if !registry_from {
            // edges between members, path and git packages stay as they are
            if let Some(n) = current_nodes.get(from.id.as_str()) {
                deps.extend(
                    n.deps
                        .iter()
                        .filter(|e| fixed_ids.contains(e.pkg.as_str()))
                        .cloned(),
                );
            }
        }
        for d in &lp.dependencies {
            let target = &d.target;
            if !is_registry(target.source.as_deref()) {
                continue; // kept above (registry packages never depend on path packages)
            }
            let decls = match root_decls.get(from.name.as_str()) {
                Some(d) if !registry_from => d.as_slice(),
                _ => from.dependencies.as_slice(),
            };
            let mut by_name: BTreeMap<String, Vec<EdgeKind>> = BTreeMap::new();
            for decl in decls.iter().filter(|decl| {
                decl.name == target.name
                    && decl.req.matches(&target.version)
                    && !(registry_from && decl.kind == DepKind::Dev)
            }) {
                let kinds = by_name.entry(lib_name(decl)).or_default();
                let k = EdgeKind {
                    kind: decl.kind,
                    target: decl.target.clone(),
                };
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            if by_name.is_empty() {
                by_name.insert(target.name.replace('-', "_"), Vec::new());
            }
            for (name, dep_kinds) in by_name {
                deps.push(GraphEdge {
                    name,
                    pkg: id_of[target].clone(),
                    dep_kinds,
                });
            }
        }
        nodes.push(GraphNode {
            id: from.id.clone(),
            deps,
            features: Vec::new(),
        });
    }
    Ok(ResolvedGraph {
        packages,
        nodes,
        workspace_members: current.workspace_members.clone(),
    })
}

fn is_registry(source: Option<&str>) -> bool {
    source.is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"))
}

fn lib_name(d: &DeclaredDependency) -> String {
    d.rename.as_deref().unwrap_or(&d.name).replace('-', "_")
}

fn registry_package(
    id: &PackageId,
    index: &BTreeMap<String, IndexCrate>,
    proc_macro: &HashMap<&str, bool>,
) -> Result<GraphPackage, ResolveGraphError> {
    let iv = index
        .get(&id.name)
        .and_then(|c| c.versions.iter().find(|v| v.version == id.version))
        .ok_or_else(|| ResolveGraphError::NotInIndex {
            name: id.name.clone(),
            version: id.version.clone(),
        })?;
    let source = id.source.clone().unwrap_or_default();
    Ok(GraphPackage {
        id: format!("{source}#{}@{}", id.name, id.version),
        name: id.name.clone(),
        version: id.version.clone(),
        source: Some(source),
        dependencies: iv.deps.iter().map(declared).collect(),
        features: (*iv.features).clone(),
        links: iv.links.clone(),
        rust_version: iv
            .rust_version
            .as_deref()
            .and_then(|v| semver::Version::parse(v).ok()),
        proc_macro: proc_macro.get(id.name.as_str()).copied().unwrap_or(false),
    })
}

fn declared(d: &IndexDep) -> DeclaredDependency {
    let renamed = d.package.is_some();
    DeclaredDependency {
        name: d.crate_name().to_owned(),
        rename: renamed.then(|| d.name.clone()),
        req: d.req.clone(),
        kind: d.kind,
        target: d.target.clone(),
        optional: d.optional,
        features: d.features.clone(),
        default_features: d.default_features,
        source: DependencySource::Registry {
            index: d.registry.clone(),
        },
    }
}
