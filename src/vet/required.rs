//! Required criteria per package of a dependency graph (cargo-vet `DepGraph::new` +
//! `resolve_requirements` in `src/resolver.rs`), pure.
//!
//! Input: the graph `cargo metadata --all-features --locked` resolves (cargo-vet runs exactly
//! that, with no `--filter-platform`, so every target's dependencies count; `--no-all-features`
//! / `--features` change it). Edges carry their kinds (a dependency can be normal and dev at
//! once).
//!
//! Phases:
//! 1. Walk the normal+build graph depth-first from every workspace member (post-order gives a
//!    topological order). A member nothing depends on through normal/build edges is a *root*.
//!    Then add members' dev-dependencies (and what they reach through normal/build edges).
//!    Only workspace members' dev-dependencies exist in this graph.
//! 2. Dev edges first: each member's dev-dependency gets the member's `policy.dev-criteria`
//!    (default safe-to-run), or `policy.dependency-criteria[dep]` if set.
//! 3. In reverse topological order (dependents before dependencies): a package with
//!    `policy.criteria` gets exactly that (overriding everything accumulated, dev included);
//!    otherwise a root gets at least safe-to-deploy (the built-in default, NOT config's
//!    `default-criteria`, which only `certify` uses). Each normal/build dependency then gets the
//!    package's criteria, or `dependency-criteria[dep]` if set, unioned into its own.
//!
//! First-party packages in the middle pass requirements through like any other, and their own
//! policies apply; only third-party packages are audited. A package is third-party iff its
//! source is crates.io or its policy says `audit-as-crates-io = true` (cargo-vet
//! `PackageExt::is_third_party`: `audit-as-crates-io = false` does not make a crates.io package
//! first-party).

use super::criteria::{CriteriaError, CriteriaMapper, CriteriaSet};
use super::format::{Policy, VetVersion, SAFE_TO_DEPLOY, SAFE_TO_RUN};

/// Kinds of one dependency edge (several may hold at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeKinds {
    pub normal: bool,
    pub build: bool,
    pub dev: bool,
}

impl EdgeKinds {
    pub const NORMAL: EdgeKinds = EdgeKinds {
        normal: true,
        build: false,
        dev: false,
    };
    pub const BUILD: EdgeKinds = EdgeKinds {
        normal: false,
        build: true,
        dev: false,
    };
    pub const DEV: EdgeKinds = EdgeKinds {
        normal: false,
        build: false,
        dev: true,
    };
    fn normal_or_build(&self) -> bool {
        self.normal || self.build
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphPackage {
    pub name: String,
    /// With `git_rev` for git sources (the URL fragment), as cargo-vet names them.
    pub version: VetVersion,
    /// Source is crates.io (`registry+https://github.com/rust-lang/crates.io-index`).
    pub is_crates_io: bool,
    pub is_workspace_member: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    pub kinds: EdgeKinds,
}

/// The resolved package graph (indices into `packages`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageGraph {
    pub packages: Vec<GraphPackage>,
    pub edges: Vec<GraphEdge>,
}

impl PackageGraph {
    /// The crates.io packages, as (name, version).
    pub fn crates_io_versions(&self) -> std::collections::BTreeSet<(String, semver::Version)> {
        self.packages
            .iter()
            .filter(|p| p.is_crates_io)
            .map(|p| (p.name.clone(), p.version.semver.clone()))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequiredError {
    #[error("edge {from} -> {to} names a package index outside the graph ({len} packages)\nhint: build edges from the same package list")]
    BadEdge { from: usize, to: usize, len: usize },
    #[error("policy for {krate}: {error}")]
    Criteria { krate: String, error: CriteriaError },
}

/// Per package: what it needs and whether it is audited at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// Closed criteria set each package must be vetted for (empty: nothing required).
    pub required: Vec<CriteriaSet>,
    pub third_party: Vec<bool>,
    pub is_root: Vec<bool>,
    /// Reached only through members' dev-dependencies.
    pub dev_only: Vec<bool>,
    /// Direct dependents through normal/build edges and members' dev edges (for reports).
    pub reverse_deps: Vec<Vec<usize>>,
}

/// Is this package audited (cargo-vet `is_third_party`)?
pub fn is_third_party(pkg: &GraphPackage, policy: &Policy) -> bool {
    let forced = policy
        .get(&pkg.name, &pkg.version)
        .and_then(|p| p.audit_as_crates_io)
        .unwrap_or(false);
    forced || pkg.is_crates_io
}

pub fn resolve_requirements(
    graph: &PackageGraph,
    policy: &Policy,
    mapper: &CriteriaMapper,
) -> Result<Requirements, RequiredError> {
    let n = graph.packages.len();
    let mut normal_build: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut dev: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &graph.edges {
        if e.from >= n || e.to >= n {
            return Err(RequiredError::BadEdge {
                from: e.from,
                to: e.to,
                len: n,
            });
        }
        if e.kinds.normal_or_build() && !normal_build[e.from].contains(&e.to) {
            normal_build[e.from].push(e.to);
        }
        if e.kinds.dev && !dev[e.from].contains(&e.to) {
            dev[e.from].push(e.to);
        }
    }

    // Phase 1: topological order of the normal+build graph from members, then dev additions.
    let mut visited = vec![false; n];
    let mut topo = Vec::with_capacity(n);
    let mut reverse_deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    let members: Vec<usize> = (0..n)
        .filter(|&i| graph.packages[i].is_workspace_member)
        .collect();
    for &m in &members {
        visit(m, &normal_build, &mut visited, &mut topo, &mut reverse_deps);
    }
    let in_normal_graph = visited.clone();
    let is_root: Vec<bool> = (0..n)
        .map(|i| graph.packages[i].is_workspace_member && reverse_deps[i].is_empty())
        .collect();
    for &m in &members {
        for &d in &dev[m] {
            visit(d, &normal_build, &mut visited, &mut topo, &mut reverse_deps);
            if !reverse_deps[d].contains(&m) {
                reverse_deps[d].push(m);
            }
        }
    }

    let criteria_of = |krate: &str, names: &[String]| {
        mapper
            .set_from(names, None)
            .map_err(|source| RequiredError::Criteria {
                krate: krate.to_owned(),
                error: source,
            })
    };
    let deploy = mapper.set_from(&[SAFE_TO_DEPLOY], None).unwrap_or_default();
    let run = mapper.set_from(&[SAFE_TO_RUN], None).unwrap_or_default();

    // Phase 2: members' dev-dependencies.
    let mut required = vec![CriteriaSet::none(); n];
    for &m in &members {
        if dev[m].is_empty() {
            continue;
        }
        let pkg = &graph.packages[m];
        let p = policy.get(&pkg.name, &pkg.version);
        let dev_criteria = match p.and_then(|p| p.dev_criteria.as_ref()) {
            Some(c) => criteria_of(&pkg.name, c)?,
            None => run,
        };
        for &d in &dev[m] {
            let dep_name = &graph.packages[d].name;
            let c = match p.and_then(|p| p.dependency_criteria.get(dep_name)) {
                Some(c) => criteria_of(&pkg.name, c)?,
                None => dev_criteria,
            };
            required[d].union_with(&c);
        }
    }

    // Phase 3: dependents before dependencies.
    for &i in topo.iter().rev() {
        let pkg = &graph.packages[i];
        let p = policy.get(&pkg.name, &pkg.version);
        if let Some(c) = p.and_then(|p| p.criteria.as_ref()) {
            required[i] = criteria_of(&pkg.name, c)?;
        } else if is_root[i] {
            required[i].union_with(&deploy);
        }
        let own = required[i];
        for &d in &normal_build[i] {
            let dep_name = &graph.packages[d].name;
            let c = match p.and_then(|p| p.dependency_criteria.get(dep_name)) {
                Some(c) => criteria_of(&pkg.name, c)?,
                None => own,
            };
            required[d].union_with(&c);
        }
    }

    Ok(Requirements {
        required,
        third_party: graph
            .packages
            .iter()
            .map(|p| is_third_party(p, policy))
            .collect(),
        is_root,
        dev_only: (0..n).map(|i| visited[i] && !in_normal_graph[i]).collect(),
        reverse_deps,
    })
}

/// Post-order DFS over normal+build edges, recording reverse edges of visited nodes. Iterative
/// so deep graphs cannot overflow the stack.
fn visit(
    start: usize,
    normal_build: &[Vec<usize>],
    visited: &mut [bool],
    topo: &mut Vec<usize>,
    reverse_deps: &mut [Vec<usize>],
) {
    if visited[start] {
        return;
    }
    visited[start] = true;
    // (node, next child position)
    let mut stack = vec![(start, 0usize)];
    while let Some(&mut (node, ref mut pos)) = stack.last_mut() {
        if let Some(&child) = normal_build[node].get(*pos) {
            *pos += 1;
            if !reverse_deps[child].contains(&node) {
                reverse_deps[child].push(node);
            }
            if !visited[child] {
                visited[child] = true;
                stack.push((child, 0));
            }
        } else {
            topo.push(node);
            stack.pop();
        }
    }
}
