//! Feature filter (`-p`, `--features`, `--all-features`, `--no-default-features`), pure: which
//! members are built and what the selected features turn on, in them and in every package
//! they reach, as `cargo build`/`cargo test` with those flags would (feature resolver v2).
//!
//! The lock is still the full lockfile resolve (every feature of every member); only pricing
//! changes: an edge that is not built (its member is not selected nor reached through a path
//! dependency from a selected one, or it is an optional dependency no active feature enables,
//! in a member or in any package a built one reaches) carries no "built" in the model
//! (`model::build_features_filtered`), like an edge that does not build for `--target`.
//! Rules, as Cargo applies them:
//! - members: those named with `-p` (all members without it), plus every member a built
//!   member reaches through a path dependency (normal or build; dev only from a selected
//!   member), with the features that dependency requests (and `default` unless
//!   `default-features = false`);
//! - features of a selected member: `--all-features`: all; else the `--features` that exist in
//!   it (`f`, or `member/f` for one member) plus `default` unless `--no-default-features`;
//! - inside any package: `f` turns on feature f, `dep:n` and `n` (implicit feature of an
//!   optional dependency) turn on dependency n, `n/f` turns on n and asks f of it, `n?/f` asks
//!   f only if n is on otherwise (resolver v2: unlike the lockfile resolve, a weak request
//!   never turns a dependency on);
//! - a built package's dependency builds when it is not a dev-dependency (dev only for the
//!   selected members: `cargo test -p`) and, if optional, is turned on; it is asked for its
//!   own feature list, what the package's features ask of it, and `default` unless
//!   `default-features = false` ([`package_builds`]).
//!
//! One simplification, which can only turn on more (never price less than what builds):
//! resolver v2 keeps the features of build-dependencies and proc-macros (built for the host)
//! apart from those of the same package built for the target; here they are unified.

use std::collections::{BTreeMap, BTreeSet};

use crate::index::DepKind;
use crate::model::FeatureValue;
use crate::optimise::roots::lib_name;
use crate::workspace::{DeclaredDependency, DependencySource, GraphNode, Member, ResolvedGraph};

/// The command-line selection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureSelection {
    /// `-p`: members to build (all when empty).
    pub packages: Vec<String>,
    /// `--features` (comma or space separated, `member/feature` allowed).
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
}

impl FeatureSelection {
    /// Whether the selection filters anything. No flag (or only `--all-features`) means every
    /// member with every feature: cargo-vet's view, no filter. Any other flag selects like
    /// Cargo (so `-p A` alone builds A with its default features).
    pub fn filters(&self) -> bool {
        let everything = self.packages.is_empty()
            && self.features.is_empty()
            && (self.all_features || !self.no_default_features);
        !everything
    }

    /// The flags as given, split like Cargo splits `--features`.
    fn feature_list(&self) -> Vec<String> {
        self.features
            .iter()
            .flat_map(|f| f.split([',', ' ']))
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// A package's feature table as the resolver reads it: explicit features plus the implicit
/// feature of each optional dependency that no `dep:` value names, and the names (renames
/// applied) of its optional dependencies.
#[derive(Debug, Clone, Default)]
struct Manifest {
    table: BTreeMap<String, Vec<FeatureValue>>,
    optional: BTreeSet<String>,
}

impl Manifest {
    fn new(features: &BTreeMap<String, Vec<String>>, deps: &[DeclaredDependency]) -> Manifest {
        let mut table: BTreeMap<String, Vec<FeatureValue>> = features
            .iter()
            .map(|(f, vals)| {
                (
                    f.clone(),
                    vals.iter().map(|v| FeatureValue::parse(v)).collect(),
                )
            })
            .collect();
        let dep_named: BTreeSet<&str> = features
            .values()
            .flatten()
            .filter_map(|v| v.strip_prefix("dep:"))
            .collect();
        let mut optional = BTreeSet::new();
        for d in deps.iter().filter(|d| d.optional) {
            let n = dep_name(d);
            optional.insert(n.to_string());
            if !dep_named.contains(n) {
                table
                    .entry(n.to_string())
                    .or_insert_with(|| vec![FeatureValue::Dep(n.to_string())]);
            }
        }
        Manifest { table, optional }
    }

    fn has(&self, feature: &str) -> bool {
        self.table.contains_key(feature)
    }
}

/// What one package builds: a member, or a package a built one reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageBuild {
    /// Active features (explicit and implicit).
    pub features: BTreeSet<String>,
    /// Optional dependencies (by the name the package uses) turned on.
    pub optional_on: BTreeSet<String>,
    /// Features asked of each dependency (by the name the package uses): `n/f`, and weak
    /// `n?/f` once n is on.
    pub asked: BTreeMap<String, BTreeSet<String>>,
    /// Weak requests `n?/f` whose n is not on (yet).
    waiting: BTreeMap<String, BTreeSet<String>>,
    /// Selected on the command line (its dev-dependencies are built, for its tests).
    pub selected: bool,
}

impl PackageBuild {
    /// Whether a dependency declaration of this package is built.
    pub fn builds(&self, name: &str, kind: DepKind, optional: bool) -> bool {
        (kind != DepKind::Dev || self.selected) && (!optional || self.optional_on.contains(name))
    }

    /// Features this package's own features ask of its dependency `name` (`n/f`, `n?/f`).
    pub fn asked_of(&self, name: &str) -> impl Iterator<Item = &String> {
        self.asked.get(name).into_iter().flatten()
    }

    /// Features requested on the target of the built declaration `d`: its own list, what
    /// this package asks of it, and `default` (when `target_has_default`) unless
    /// `default-features = false`.
    fn requested_of(&self, d: &DeclaredDependency, target_has_default: bool) -> BTreeSet<String> {
        let mut feats: BTreeSet<String> = d.features.iter().cloned().collect();
        feats.extend(self.asked_of(dep_name(d)).cloned());
        if d.default_features && target_has_default {
            feats.insert("default".to_string());
        }
        feats
    }

    /// Turns on `value` (a feature, or `dep/feat` as `--features` allows) and all it implies
    /// inside the package. Returns whether anything was new.
    fn turn_on(&mut self, value: &str, m: &Manifest) -> bool {
        let size = |b: &PackageBuild| {
            b.features.len()
                + b.optional_on.len()
                + b.asked.values().map(BTreeSet::len).sum::<usize>()
        };
        let before = size(self);
        let mut todo = vec![FeatureValue::parse(value)];
        while let Some(v) = todo.pop() {
            match v {
                FeatureValue::Feature(name) => {
                    if let Some(vals) = m
                        .table
                        .get(&name)
                        .filter(|_| !self.features.contains(&name))
                    {
                        todo.extend(vals.iter().cloned());
                    }
                    self.features.insert(name);
                }
                FeatureValue::Dep(n) => self.turn_on_dependency(&n),
                FeatureValue::DepFeature { dep, feature, weak } => {
                    let optional = m.optional.contains(&dep);
                    if !weak && optional {
                        if m.has(&dep) {
                            todo.push(FeatureValue::Feature(dep.clone()));
                        }
                        self.turn_on_dependency(&dep);
                    }
                    if !optional || self.optional_on.contains(&dep) {
                        self.asked.entry(dep).or_default().insert(feature);
                    } else {
                        self.waiting.entry(dep).or_default().insert(feature);
                    }
                }
            }
        }
        size(self) != before
    }

    fn turn_on_dependency(&mut self, n: &str) {
        if self.optional_on.insert(n.to_string()) {
            if let Some(feats) = self.waiting.remove(n) {
                self.asked.entry(n.to_string()).or_default().extend(feats);
            }
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeatureSelectionError {
    #[error(
        "package `{0}` is not a member of this workspace\nhint: -p takes a workspace member's name"
    )]
    UnknownPackage(String),
    #[error("none of the selected packages has the feature `{0}`\nhint: check the names in the members' [features] tables")]
    UnknownFeature(String),
}

/// The name a package uses for a dependency (its rename, else the package name).
fn dep_name(d: &DeclaredDependency) -> &str {
    d.rename.as_deref().unwrap_or(&d.name)
}

/// Per member (same order as `members`): what it builds, or None when it is not built.
pub fn member_builds(
    members: &[Member],
    sel: &FeatureSelection,
) -> Result<Vec<Option<PackageBuild>>, FeatureSelectionError> {
    let index: BTreeMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let manifests: Vec<Manifest> = members
        .iter()
        .map(|m| Manifest::new(&m.features, &m.dependencies))
        .collect();
    for p in &sel.packages {
        if !index.contains_key(p.as_str()) {
            return Err(FeatureSelectionError::UnknownPackage(p.clone()));
        }
    }
    let selected: Vec<usize> = if sel.packages.is_empty() {
        (0..members.len()).collect()
    } else {
        sel.packages.iter().map(|p| index[p.as_str()]).collect()
    };
    // requested features per member
    let mut todo: Vec<(usize, String)> = Vec::new();
    let mut out: Vec<Option<PackageBuild>> = vec![None; members.len()];
    for &i in &selected {
        out[i].get_or_insert_with(Default::default).selected = true;
        if sel.all_features {
            todo.extend(manifests[i].table.keys().map(|f| (i, f.clone())));
        } else if !sel.no_default_features && manifests[i].has("default") {
            todo.push((i, "default".to_string()));
        }
    }
    for f in sel.feature_list() {
        let hits: Vec<(usize, String)> = match f.split_once('/') {
            Some((m, feat)) if index.contains_key(m) => {
                if !manifests[index[m]].has(feat) {
                    return Err(FeatureSelectionError::UnknownFeature(f));
                }
                vec![(index[m], feat.to_string())]
            }
            _ => selected
                .iter()
                .filter(|i| manifests[**i].has(&f) || f.contains('/'))
                .map(|i| (*i, f.clone()))
                .collect(),
        };
        if hits.is_empty() {
            return Err(FeatureSelectionError::UnknownFeature(f));
        }
        for (i, feat) in hits {
            out[i].get_or_insert_with(Default::default);
            todo.push((i, feat));
        }
    }
    // what path dependencies already asked of each member (the fixpoint's termination)
    let mut requested: BTreeSet<(usize, String)> = BTreeSet::new();
    // fixpoint: features, optional deps, path dependencies on members
    loop {
        while let Some((i, f)) = todo.pop() {
            out[i]
                .get_or_insert_with(Default::default)
                .turn_on(&f, &manifests[i]);
        }
        // path dependencies on members: built with the features they are asked for
        for i in 0..members.len() {
            let Some(b) = out[i].clone() else { continue };
            for d in &members[i].dependencies {
                let DependencySource::Path(_) = d.source else {
                    continue;
                };
                let Some(&j) = index.get(d.name.as_str()) else {
                    continue;
                };
                if !b.builds(dep_name(d), d.kind, d.optional) {
                    continue;
                }
                out[j].get_or_insert_with(Default::default);
                for f in b.requested_of(d, manifests[j].has("default")) {
                    if requested.insert((j, f.clone())) {
                        todo.push((j, f));
                    }
                }
            }
        }
        if todo.is_empty() {
            break;
        }
    }
    Ok(out)
}

/// The package ids of the workspace members in the resolve graph, with their member index.
fn member_ids<'g>(resolved: &'g ResolvedGraph, members: &[Member]) -> BTreeMap<&'g str, usize> {
    resolved
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .filter_map(|p| {
            members
                .iter()
                .position(|m| m.name == p.name && m.version == p.version)
                .map(|i| (p.id.as_str(), i))
        })
        .collect()
}

/// Whether declaration `d` accounts for the (kind, target) `k` of a resolve edge named `edge`
/// (cargo metadata names edges by the library name, [`lib_name`]).
fn declares(d: &DeclaredDependency, edge: &str, k: &crate::workspace::EdgeKind) -> bool {
    lib_name(d) == edge && d.kind == k.kind && d.target == k.target
}

/// Whether the resolve edge `e` stands for declaration `d`.
fn edge_is(e: &crate::workspace::GraphEdge, d: &DeclaredDependency) -> bool {
    if e.dep_kinds.is_empty() {
        return lib_name(d) == e.name;
    }
    e.dep_kinds.iter().any(|k| declares(d, &e.name, k))
}

/// What every package the built members reach turns on, by package id (resolver v2, host
/// and target unified): the members' entries are `builds`; any other package reached through
/// built declarations gets everything its built dependents ask of it. A member that a
/// non-member path package depends on keeps its own entry.
pub fn package_builds(
    resolved: &ResolvedGraph,
    members: &[Member],
    builds: &[Option<PackageBuild>],
) -> BTreeMap<String, PackageBuild> {
    let member_of = member_ids(resolved, members);
    let pkgs: BTreeMap<&str, &crate::workspace::GraphPackage> = resolved
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p))
        .collect();
    let nodes: BTreeMap<&str, &GraphNode> =
        resolved.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut manifests: BTreeMap<&str, Manifest> = BTreeMap::new();
    let mut out: BTreeMap<String, PackageBuild> = BTreeMap::new();
    // packages whose requests on their dependencies must be (re)sent
    let mut todo: Vec<&str> = Vec::new();
    for (&id, &i) in &member_of {
        if let Some(b) = &builds[i] {
            out.insert(id.to_string(), b.clone());
            todo.push(id);
        }
    }
    while let Some(id) = todo.pop() {
        let (Some(pkg), Some(node)) = (pkgs.get(id), nodes.get(id)) else {
            continue;
        };
        let b = out[id].clone();
        for d in &pkg.dependencies {
            if !b.builds(dep_name(d), d.kind, d.optional) {
                continue;
            }
            for e in node.deps.iter().filter(|e| edge_is(e, d)) {
                let t = e.pkg.as_str();
                let Some(target) = pkgs.get(t).filter(|_| !member_of.contains_key(t)) else {
                    continue;
                };
                let m = manifests
                    .entry(t)
                    .or_insert_with(|| Manifest::new(&target.features, &target.dependencies));
                let fresh = !out.contains_key(t);
                let tb = out.entry(t.to_string()).or_default();
                let mut changed = fresh;
                for f in b.requested_of(d, m.has("default")) {
                    changed |= tb.turn_on(&f, m);
                }
                if changed {
                    todo.push(t);
                }
            }
        }
    }
    out
}

/// The feature filter as the model's roots see it (`model::Roots`: the members in order,
/// then the fixed path and git packages): per root, what its build turns on and its
/// declarations, or None when it is not built.
pub struct RootBuilds {
    roots: Vec<Option<(PackageBuild, Vec<DeclaredDependency>)>>,
}

impl RootBuilds {
    pub fn new(
        roots: &crate::model::Roots,
        resolved: &ResolvedGraph,
        members: &[Member],
        builds: &[Option<PackageBuild>],
    ) -> RootBuilds {
        let every = package_builds(resolved, members, builds);
        let roots = roots
            .packages
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if i < members.len() {
                    return builds[i]
                        .clone()
                        .map(|b| (b, members[i].dependencies.clone()));
                }
                // a fixed package: path or git, never a registry version
                resolved
                    .packages
                    .iter()
                    .filter(|p| p.name == r.name)
                    .filter(|p| p.source.as_deref().is_none_or(|s| s.starts_with("git+")))
                    .find_map(|p| {
                        every
                            .get(&p.id)
                            .map(|b| (b.clone(), p.dependencies.clone()))
                    })
            })
            .collect();
        RootBuilds { roots }
    }

    /// Root `i`'s declaration of the registry edge `d`.
    fn declaration<'a>(
        decls: &'a [DeclaredDependency],
        d: &crate::index::IndexDep,
    ) -> Option<&'a DeclaredDependency> {
        decls
            .iter()
            .find(|x| dep_name(x) == d.name && x.kind == d.kind && x.target == d.target)
    }

    /// Whether root `i`'s registry edge `d` builds.
    pub fn builds(&self, i: usize, d: &crate::index::IndexDep) -> bool {
        self.roots
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|(b, _)| b.builds(&d.name, d.kind, d.optional))
    }

    /// The features the build asks of root `i`'s registry edge `d` (its declared list and
    /// what the root's active features ask of it; `default` follows the declaration).
    pub fn features(&self, i: usize, d: &crate::index::IndexDep) -> Vec<String> {
        let Some(Some((b, decls))) = self.roots.get(i) else {
            return vec![];
        };
        let mut feats: BTreeSet<String> = Self::declaration(decls, d)
            .map(|x| x.features.iter().cloned().collect())
            .unwrap_or_else(|| d.features.iter().cloned().collect());
        feats.extend(b.asked_of(&d.name).cloned());
        feats.into_iter().collect()
    }
}

/// The resolve graph (`cargo metadata --all-features`) restricted to what the selection
/// builds: edges whose declarations are not built ([`package_builds`]) lose that (kind,
/// target), then only packages reachable from the built members remain (dev edges from
/// members only). Returns the graph and the ids of the packages dropped.
pub fn filter_resolved(
    resolved: &ResolvedGraph,
    members: &[Member],
    builds: &[Option<PackageBuild>],
) -> (ResolvedGraph, Vec<String>) {
    let member_of = member_ids(resolved, members);
    let built = package_builds(resolved, members, builds);
    let decls: BTreeMap<&str, &[DeclaredDependency]> = resolved
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p.dependencies.as_slice()))
        .collect();
    let mut nodes: Vec<GraphNode> = resolved.nodes.clone();
    for node in &mut nodes {
        let Some(b) = built.get(&node.id) else {
            if member_of.contains_key(node.id.as_str()) {
                node.deps.clear(); // a member that is not built
            }
            continue; // not reached: dropped below
        };
        let ds = decls.get(node.id.as_str()).copied().unwrap_or(&[]);
        for e in &mut node.deps {
            let name = e.name.clone();
            // a (kind, target) no declaration accounts for is kept
            e.dep_kinds.retain(|k| {
                let decls: Vec<_> = ds.iter().filter(|d| declares(d, &name, k)).collect();
                decls.is_empty()
                    || decls
                        .iter()
                        .any(|d| b.builds(dep_name(d), d.kind, d.optional))
            });
        }
        node.deps.retain(|e| !e.dep_kinds.is_empty());
    }
    // reachability from the built members
    let by_id: BTreeMap<&str, &GraphNode> = nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<(String, bool)> = resolved
        .workspace_members
        .iter()
        .filter(|id| {
            member_of
                .get(id.as_str())
                .is_some_and(|i| builds[*i].is_some())
        })
        .map(|id| (id.clone(), true))
        .collect();
    while let Some((id, is_member)) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let is_member = is_member || member_of.contains_key(id.as_str());
        for e in by_id
            .get(id.as_str())
            .map(|n| n.deps.as_slice())
            .unwrap_or(&[])
        {
            let kinds_ok = e.dep_kinds.is_empty()
                || e.dep_kinds
                    .iter()
                    .any(|k| k.kind != DepKind::Dev || is_member);
            if kinds_ok {
                todo.push((e.pkg.clone(), false));
            }
        }
    }
    let dropped: Vec<String> = resolved
        .packages
        .iter()
        .filter(|p| !seen.contains(&p.id))
        .map(|p| p.id.clone())
        .collect();
    let nodes: Vec<GraphNode> = nodes
        .into_iter()
        .filter(|n| seen.contains(&n.id))
        .map(|mut n| {
            n.deps.retain(|e| seen.contains(&e.pkg));
            n
        })
        .collect();
    let graph = ResolvedGraph {
        packages: resolved
            .packages
            .iter()
            .filter(|p| seen.contains(&p.id))
            .cloned()
            .collect(),
        nodes,
        workspace_members: resolved
            .workspace_members
            .iter()
            .filter(|id| seen.contains(*id))
            .cloned()
            .collect(),
    };
    (graph, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::DeclaredDependency;

    fn dep(name: &str, kind: DepKind, optional: bool, path: bool) -> DeclaredDependency {
        DeclaredDependency {
            name: name.to_string(),
            rename: None,
            req: semver::VersionReq::STAR,
            kind,
            target: None,
            optional,
            features: vec![],
            default_features: true,
            source: if path {
                DependencySource::Path(format!("/ws/{name}").into())
            } else {
                DependencySource::Registry { index: None }
            },
        }
    }

    fn member(name: &str, features: &[(&str, &[&str])], deps: Vec<DeclaredDependency>) -> Member {
        Member {
            name: name.to_string(),
            version: semver::Version::new(0, 1, 0),
            manifest_path: format!("/ws/{name}/Cargo.toml").into(),
            rust_version: None,
            features: features
                .iter()
                .map(|(f, v)| (f.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            dependencies: deps,
        }
    }

    /// app (default = ["fast"], fast = ["dep:simd"], json = ["serde?/derive", "dep:serde_json"],
    /// tracing implicit) depends on path member core (default = ["log"], log = ["dep:log"],
    /// extra = ["dep:extra"]); lone is another member. Hand-derived per Cargo's rules.
    fn ws() -> Vec<Member> {
        let mut core_dep = dep("core", DepKind::Normal, false, true);
        core_dep.default_features = false;
        core_dep.features = vec!["extra".into()];
        vec![
            member(
                "app",
                &[
                    ("default", &["fast"]),
                    ("fast", &["dep:simd"]),
                    ("json", &["serde?/derive", "dep:serde_json"]),
                ],
                vec![
                    dep("simd", DepKind::Normal, true, false),
                    dep("serde", DepKind::Normal, true, false),
                    dep("serde_json", DepKind::Normal, true, false),
                    dep("tracing", DepKind::Normal, true, false),
                    dep("anyhow", DepKind::Normal, false, false),
                    dep("proptest", DepKind::Dev, false, false),
                    core_dep,
                ],
            ),
            member(
                "core",
                &[
                    ("default", &["log"]),
                    ("log", &["dep:log"]),
                    ("extra", &["dep:extra"]),
                ],
                vec![
                    dep("log", DepKind::Normal, true, false),
                    dep("extra", DepKind::Normal, true, false),
                    dep("criterion", DepKind::Dev, false, false),
                ],
            ),
            member(
                "lone",
                &[],
                vec![dep("rand", DepKind::Normal, false, false)],
            ),
        ]
    }

    fn on(b: &Option<PackageBuild>) -> Vec<&str> {
        b.as_ref()
            .map(|b| b.optional_on.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn sel(packages: &[&str], features: &[&str], all: bool, no_default: bool) -> FeatureSelection {
        FeatureSelection {
            packages: packages.iter().map(|s| s.to_string()).collect(),
            features: features.iter().map(|s| s.to_string()).collect(),
            all_features: all,
            no_default_features: no_default,
        }
    }

    #[test]
    fn package_selection_follows_path_dependencies_with_their_features() {
        let ws = ws();
        let b = member_builds(&ws, &sel(&["app"], &[], false, false)).unwrap();
        assert_eq!(on(&b[0]), ["simd"]);
        // core: default-features = false, features = ["extra"]: log stays off
        assert_eq!(on(&b[1]), ["extra"]);
        assert!(b[0].as_ref().unwrap().selected && !b[1].as_ref().unwrap().selected);
        assert!(b[2].is_none(), "lone is not selected nor reached");
        let core = b[1].as_ref().unwrap();
        assert!(
            !core.builds("criterion", DepKind::Dev, false),
            "dev only when selected"
        );
        assert!(b[0]
            .as_ref()
            .unwrap()
            .builds("proptest", DepKind::Dev, false));
        assert!(b[0]
            .as_ref()
            .unwrap()
            .builds("anyhow", DepKind::Normal, false));
        assert!(!b[0]
            .as_ref()
            .unwrap()
            .builds("tracing", DepKind::Normal, true));
    }

    #[test]
    fn feature_flags_turn_on_optional_dependencies_like_cargo() {
        let ws = ws();
        let b = member_builds(&ws, &sel(&["app"], &[], false, true)).unwrap();
        assert!(on(&b[0]).is_empty(), "--no-default-features");
        // json: weak serde?/derive does not turn serde on; dep:serde_json does
        let b = member_builds(&ws, &sel(&["app"], &["json"], false, true)).unwrap();
        assert_eq!(on(&b[0]), ["serde_json"]);
        // the implicit feature of an optional dependency
        let b = member_builds(&ws, &sel(&["app"], &["tracing,json"], false, true)).unwrap();
        assert_eq!(on(&b[0]), ["serde_json", "tracing"]);
        // member/feature syntax; all features
        let b = member_builds(&ws, &sel(&[], &["core/log"], false, true)).unwrap();
        assert_eq!(on(&b[1]), ["extra", "log"]);
        let b = member_builds(&ws, &sel(&["app"], &[], true, false)).unwrap();
        assert_eq!(on(&b[0]), ["serde", "serde_json", "simd", "tracing"]);
        assert_eq!(on(&b[1]), ["extra"]);
    }

    #[test]
    fn no_flag_is_no_filter_and_bad_names_are_errors() {
        assert!(!FeatureSelection::default().filters());
        assert!(!sel(&[], &[], true, false).filters());
        assert!(sel(&[], &[], false, true).filters());
        assert!(sel(&["app"], &[], false, false).filters());
        let ws = ws();
        assert_eq!(
            member_builds(&ws, &sel(&["nope"], &[], false, false)),
            Err(FeatureSelectionError::UnknownPackage("nope".into()))
        );
        assert_eq!(
            member_builds(&ws, &sel(&["lone"], &["json"], false, false)),
            Err(FeatureSelectionError::UnknownFeature("json".into()))
        );
        assert_eq!(
            member_builds(&ws, &sel(&[], &["app/nope"], false, false)),
            Err(FeatureSelectionError::UnknownFeature("app/nope".into()))
        );
    }

    fn graph_pkg(
        name: &str,
        source: Option<&str>,
        features: &[(&str, &[&str])],
        deps: Vec<DeclaredDependency>,
    ) -> crate::workspace::GraphPackage {
        crate::workspace::GraphPackage {
            id: format!("{name} 1.0.0"),
            name: name.to_string(),
            version: semver::Version::new(1, 0, 0),
            source: source.map(str::to_string),
            dependencies: deps,
            features: features
                .iter()
                .map(|(f, v)| (f.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            links: None,
            rust_version: None,
            proc_macro: false,
        }
    }

    /// A lockfile resolve (every edge present, as `--all-features` gives it) of member `app`
    /// (version 1.0.0 here) -> registry `web` -> optional `tls`, `json` -> optional `serde`,
    /// `log`; hand-derived per resolver v2.
    fn registry_world() -> (Vec<Member>, ResolvedGraph) {
        let reg = Some("registry+https://github.com/rust-lang/crates.io-index");
        let mut web_dep = dep("web", DepKind::Normal, false, false);
        web_dep.default_features = false;
        web_dep.features = vec!["json".into()];
        let mut app = member(
            "app",
            &[("tls", &["web/tls"]), ("logs", &["web/log"])],
            vec![web_dep.clone()],
        );
        app.version = semver::Version::new(1, 0, 0);
        let packages = vec![
            graph_pkg(
                "app",
                None,
                &[("tls", &["web/tls"]), ("logs", &["web/log"])],
                vec![web_dep],
            ),
            graph_pkg(
                "web",
                reg,
                &[
                    ("default", &["tls"]),
                    ("tls", &["dep:tls"]),
                    // weak: serde only if something else turned json on
                    ("json", &["dep:json", "serde?/derive"]),
                    ("serde-support", &["dep:serde"]),
                ],
                vec![
                    dep("tls", DepKind::Normal, true, false),
                    dep("json", DepKind::Normal, true, false),
                    dep("serde", DepKind::Normal, true, false),
                    // an implicit feature: `log` turns on the optional dependency log
                    dep("log", DepKind::Normal, true, false),
                    dep("criterion", DepKind::Dev, false, false),
                ],
            ),
            graph_pkg("tls", reg, &[], vec![]),
            graph_pkg("json", reg, &[], vec![]),
            graph_pkg("serde", reg, &[("derive", &[])], vec![]),
            graph_pkg("log", reg, &[], vec![]),
        ];
        let edge = |to: &str| crate::workspace::GraphEdge {
            name: to.to_string(),
            pkg: format!("{to} 1.0.0"),
            dep_kinds: vec![crate::workspace::EdgeKind {
                kind: DepKind::Normal,
                target: None,
            }],
        };
        let node = |name: &str, to: &[&str]| GraphNode {
            id: format!("{name} 1.0.0"),
            deps: to.iter().map(|t| edge(t)).collect(),
            features: vec![],
        };
        let graph = ResolvedGraph {
            nodes: vec![
                node("app", &["web"]),
                node("web", &["tls", "json", "serde", "log"]),
                node("tls", &[]),
                node("json", &[]),
                node("serde", &[]),
                node("log", &[]),
            ],
            packages,
            workspace_members: vec!["app 1.0.0".into()],
        };
        (vec![app], graph)
    }

    #[test]
    fn registry_packages_turn_on_what_built_features_ask_for() {
        let (members, graph) = registry_world();
        let built = |features: &[&str]| -> Vec<String> {
            let b = member_builds(&members, &sel(&[], features, false, true)).unwrap();
            let (g, _) = filter_resolved(&graph, &members, &b);
            g.packages.iter().map(|p| p.name.clone()).collect()
        };
        // web without its defaults, with json: json on; serde only weakly asked: off
        assert_eq!(built(&[]), ["app", "web", "json"]);
        let every = package_builds(
            &graph,
            &members,
            &member_builds(&members, &sel(&[], &[], false, true)).unwrap(),
        );
        let web = &every["web 1.0.0"];
        assert!(web.features.contains("json") && !web.features.contains("default"));
        assert!(
            !web.asked.contains_key("serde"),
            "weak request while serde is off"
        );
        // the member's strong `web/tls` turns web's feature tls on, hence dependency tls
        assert_eq!(built(&["tls"]), ["app", "web", "tls", "json"]);
        // `web/log` names the implicit feature of the optional dependency log
        assert_eq!(built(&["logs"]), ["app", "web", "json", "log"]);
        // the command line can ask the dependency directly (`web/serde-support`): then the
        // weak `serde?/derive` applies
        let b = member_builds(&members, &sel(&[], &["web/serde-support"], false, true)).unwrap();
        let every = package_builds(&graph, &members, &b);
        assert_eq!(
            every["serde 1.0.0"].features,
            BTreeSet::from(["derive".to_string()])
        );
        // nothing selected: nothing built
        let none = vec![None];
        assert!(package_builds(&graph, &members, &none).is_empty());
    }
}
