//! Feature filter (`-p`, `--features`, `--all-features`, `--no-default-features`), pure: which
//! members are built and which of their optional dependencies the selected features turn on,
//! as `cargo build`/`cargo test` with those flags would (feature resolver v2 at the members).
//!
//! The lock is still the full lockfile resolve (every feature of every member); only pricing
//! changes: a member edge that is not built (its member is not selected nor reached through
//! a path dependency from a selected one, or it is an optional dependency no active feature
//! enables) carries no "built" in the model (`model::build_filtered`), like an edge that does
//! not build for `--target`. Rules, as Cargo applies them:
//! - members: those named with `-p` (all members without it), plus every member a built
//!   member reaches through a path dependency (normal or build; dev only from a selected
//!   member), with the features that dependency requests (and `default` unless
//!   `default-features = false`);
//! - features of a selected member: `--all-features`: all; else the `--features` that exist in
//!   it (`f`, or `member/f` for one member) plus `default` unless `--no-default-features`;
//! - inside a member: `f` turns on feature f, `dep:n` and `n` (implicit feature of an optional
//!   dependency) turn on dependency n, `n/f` turns on n and asks f of it, `n?/f` asks f only if
//!   n is on otherwise (for a path dependency on a member, f is propagated);
//! - dev-dependencies are priced (safe-to-run) for the selected members only: `cargo test -p`.
//!
//! Not modelled (priced as under the lockfile resolve, so never less than what builds):
//! features that members request inside registry packages (an unselected member feature's
//! `n/f` can still turn on an optional dependency of registry package n in the model), and
//! the features of non-member path or git packages (built when a built member reaches them in
//! [`filter_resolved`]'s graph, then with every edge the current resolve gives them).

use std::collections::{BTreeMap, BTreeSet};

use crate::index::DepKind;
use crate::model::FeatureValue;
use crate::workspace::{DependencySource, GraphNode, Member, ResolvedGraph};

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

/// What one member builds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberBuild {
    /// Active features (explicit and implicit).
    pub features: BTreeSet<String>,
    /// Optional dependencies (by the name the member uses) turned on.
    pub optional_on: BTreeSet<String>,
    /// Selected on the command line (its dev-dependencies are built, for its tests).
    pub selected: bool,
}

impl MemberBuild {
    /// Whether a registry dependency declaration of this member is built.
    pub fn builds(&self, name: &str, kind: DepKind, optional: bool) -> bool {
        (kind != DepKind::Dev || self.selected) && (!optional || self.optional_on.contains(name))
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

/// The name a member uses for a dependency (its rename, else the package name).
fn dep_name(d: &crate::workspace::DeclaredDependency) -> &str {
    d.rename.as_deref().unwrap_or(&d.name)
}

/// Explicit features plus the implicit feature of each optional dependency that no `dep:`
/// value names.
fn feature_table(m: &Member) -> BTreeMap<String, Vec<FeatureValue>> {
    let mut t: BTreeMap<String, Vec<FeatureValue>> = m
        .features
        .iter()
        .map(|(f, vals)| {
            (
                f.clone(),
                vals.iter().map(|v| FeatureValue::parse(v)).collect(),
            )
        })
        .collect();
    let dep_named: BTreeSet<&str> = m
        .features
        .values()
        .flatten()
        .filter_map(|v| v.strip_prefix("dep:"))
        .collect();
    for d in m.dependencies.iter().filter(|d| d.optional) {
        let n = dep_name(d);
        if !dep_named.contains(n) {
            t.entry(n.to_string())
                .or_insert_with(|| vec![FeatureValue::Dep(n.to_string())]);
        }
    }
    t
}

/// Per member (same order as `members`): what it builds, or None when it is not built.
pub fn member_builds(
    members: &[Member],
    sel: &FeatureSelection,
) -> Result<Vec<Option<MemberBuild>>, FeatureSelectionError> {
    let index: BTreeMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let tables: Vec<_> = members.iter().map(feature_table).collect();
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
    let mut out: Vec<Option<MemberBuild>> = vec![None; members.len()];
    for &i in &selected {
        out[i].get_or_insert_with(Default::default).selected = true;
        if sel.all_features {
            todo.extend(tables[i].keys().map(|f| (i, f.clone())));
        } else if !sel.no_default_features && tables[i].contains_key("default") {
            todo.push((i, "default".to_string()));
        }
    }
    for f in sel.feature_list() {
        let hits: Vec<(usize, String)> = match f.split_once('/') {
            Some((m, feat)) if index.contains_key(m) => {
                vec![(index[m], feat.to_string())]
            }
            _ => selected
                .iter()
                .filter(|i| tables[**i].contains_key(&f) || f.contains('/'))
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
    // weak requests `n?/f` waiting for n to be turned on: (member, dep name) -> features
    let mut weak: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    // features asked of each dependency name of a member: (member, dep name) -> features
    let mut asked: BTreeMap<(usize, String), BTreeSet<String>> = BTreeMap::new();
    // what path dependencies already asked of each member (the fixpoint's termination)
    let mut requested: BTreeSet<(usize, String)> = BTreeSet::new();
    // fixpoint: features, optional deps, path dependencies on members
    loop {
        while let Some((i, f)) = todo.pop() {
            let b = out[i].get_or_insert_with(Default::default);
            let value = FeatureValue::parse(&f);
            let vals: Vec<FeatureValue> = match value {
                FeatureValue::Feature(name) => {
                    if !b.features.insert(name.clone()) {
                        continue;
                    }
                    tables[i].get(&name).cloned().unwrap_or_default()
                }
                other => vec![other], // `dep/feat` given on the command line
            };
            for v in vals {
                match v {
                    FeatureValue::Feature(g) => todo.push((i, g)),
                    FeatureValue::Dep(n) => {
                        if b.optional_on.insert(n.clone()) {
                            for f in weak.remove(&(i, n.clone())).unwrap_or_default() {
                                asked.entry((i, n.clone())).or_default().insert(f);
                            }
                        }
                    }
                    FeatureValue::DepFeature {
                        dep,
                        feature,
                        weak: w,
                    } => {
                        let is_optional = members[i]
                            .dependencies
                            .iter()
                            .any(|d| d.optional && dep_name(d) == dep);
                        if !w && is_optional {
                            if tables[i].contains_key(&dep) {
                                todo.push((i, dep.clone()));
                            }
                            b.optional_on.insert(dep.clone());
                        }
                        if !is_optional || b.optional_on.contains(&dep) {
                            asked.entry((i, dep)).or_default().insert(feature);
                        } else {
                            weak.entry((i, dep)).or_default().push(feature);
                        }
                    }
                }
            }
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
                let mut feats: BTreeSet<String> = d.features.iter().cloned().collect();
                feats.extend(
                    asked
                        .get(&(i, dep_name(d).to_string()))
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
                if d.default_features && tables[j].contains_key("default") {
                    feats.insert("default".to_string());
                }
                out[j].get_or_insert_with(Default::default);
                for f in feats {
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

/// The resolve graph (`cargo metadata --all-features`) restricted to what the selection
/// builds: member edges that are not built lose that (kind, target), then only packages
/// reachable from the built members remain (dev edges from members only). Non-member
/// packages keep all their edges (their features are the lockfile resolve's: conservative).
/// Returns the graph and the ids of the packages dropped.
pub fn filter_resolved(
    resolved: &ResolvedGraph,
    members: &[Member],
    builds: &[Option<MemberBuild>],
) -> (ResolvedGraph, Vec<String>) {
    let member_of: BTreeMap<&str, usize> = resolved
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .filter_map(|p| {
            members
                .iter()
                .position(|m| m.name == p.name && m.version == p.version)
                .map(|i| (p.id.as_str(), i))
        })
        .collect();
    let lib = |d: &crate::workspace::DeclaredDependency| dep_name(d).replace('-', "_");
    let mut nodes: Vec<GraphNode> = resolved.nodes.clone();
    for node in &mut nodes {
        let Some(&i) = member_of.get(node.id.as_str()) else {
            continue;
        };
        let Some(b) = &builds[i] else {
            node.deps.clear();
            continue;
        };
        for e in &mut node.deps {
            e.dep_kinds.retain(|k| {
                let decls: Vec<_> = members[i]
                    .dependencies
                    .iter()
                    .filter(|d| lib(d) == e.name && d.kind == k.kind && d.target == k.target)
                    .collect();
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

    fn on(b: &Option<MemberBuild>) -> Vec<&str> {
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
    }
}
