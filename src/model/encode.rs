//! The 0/1 model of Cargo's lockfile resolve (see the module header in `model/mod.rs`).
//!
//! Built as a small logic program over binaries, then written out as linear rows:
//! - implications `Σ heads ≥ AND(body groups)` force what Cargo would activate; a body group
//!   is a set of variables of which at most one can be true (versions of one bucket), so the
//!   group reads as "one of these" and the row stays linear;
//! - guards `g ≤ Σ x` tie a bucket-level feature or optional-dependency variable to the
//!   versions of the bucket that have it;
//! - plain rows: at most one version per (name, bucket), per `links` value, one route per edge.
//!
//! Feature, optional-dependency and route variables live per (crate, bucket), not per version:
//! at most one version of a bucket is in the lock, so "feature f of the chosen 1.x version" is
//! one variable. Each version's implications are first written with `x[p]` as a body group of
//! one, then the implications that differ only in that group are merged across the bucket
//! (`Σ heads ≥ … + Σ_{p∈G} x[p] − …`), and the group is dropped when another body variable
//! already implies it (a feature's guard lies inside G). Versions with the same dependency
//! lists and feature tables, the common case, thus share one row.

use std::collections::{BTreeMap, HashMap};

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::index::IndexDep;

use super::bucket::Bucket;
use super::candidates::{Candidate, Candidates};
use super::features::FeatureValue;
use super::roots::Roots;
use super::uses::{self, Flow, UseRules};
use super::ModelError;
use crate::vet::criteria::CriteriaSet;

pub type VarId = usize;
pub type PkgId = usize;

/// A literal: a variable or constant true (root edges are always active).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lit {
    True,
    Var(VarId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VarKind {
    /// x[p]: package version p is in the lock.
    Pkg(PkgId),
    /// g[b, f]: feature f of the chosen version of bucket b (named by its first version).
    Feature(PkgId, String),
    /// o[b, n]: optional dependency n of the chosen version of bucket b is active.
    OptDep(PkgId, String),
    /// t[r, i]: the edges sharing route r resolve into their i-th bucket.
    Route(usize, usize),
    /// r[p, k]: cargo-vet requires of p at least the set of its price step k ≥ 1
    /// ([`Tier`]); step 0 is p's presence (built).
    Requires(PkgId, usize),
    /// b[p]: p is reached from a root through edges that build for the listed targets
    /// (`--target`), so it is priced; a chosen p with `b[p] = 0` stays in the lock for free.
    Built(PkgId),
    /// gb[b, f]: feature f of the chosen version of bucket b is on in the build (`-p` /
    /// `--features`: only what built packages ask for, resolver v2), not merely in the
    /// lockfile resolve (g).
    BuiltFeature(PkgId, String),
    /// ob[b, n]: optional dependency n of the chosen version of bucket b is on in the build.
    BuiltOptDep(PkgId, String),
}

/// A registry package version in the model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pkg {
    pub name: String,
    pub version: Version,
    pub bucket: Bucket,
    /// Price steps, smallest required set first; never empty.
    pub tiers: Vec<Tier>,
    pub locked: bool,
    pub x: VarId,
    /// Releases newer than this one in its bucket (the `lag` criterion); set by the caller,
    /// which knows the whole index (0 in dumps older than the criterion).
    #[serde(default)]
    pub lag: u64,
    /// b[p] (see [`VarKind::Built`]); None when p is built whenever it is chosen (no target
    /// filter, or no edge that skips the listed targets can reach it): then `x` stands for it.
    #[serde(default)]
    pub b: Option<VarId>,
}

/// One price step of a version: when `var` is 1, cargo-vet requires at least `set` of it,
/// whose audit costs `cost` lines in all. Step 0's variable is the version's "built"
/// variable; the others are `r[p, k]` ([`VarKind::Requires`]), each ≤ the one before.
/// Costs never decrease along the steps, so the objective adds `cost_k − cost_{k−1}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tier {
    pub set: CriteriaSet,
    pub var: VarId,
    pub cost: u64,
}

impl Pkg {
    /// The variable saying p is built for the listed targets (`x` when always built).
    pub fn built_var(&self) -> VarId {
        self.b.unwrap_or(self.x)
    }

    /// Whether p is built for the listed targets under an assignment (so it is priced).
    pub fn built(&self, val: &[bool]) -> bool {
        val[self.x] && val[self.built_var()]
    }

    /// The step an assignment puts p on (None: not in the lock, or not built).
    pub fn tier_of(&self, val: &[bool]) -> Option<usize> {
        if !self.built(val) {
            return None;
        }
        Some(self.tiers.iter().rposition(|t| val[t.var]).unwrap_or(0))
    }

    /// The price this package adds under an assignment: the cost of its highest step on.
    pub fn price(&self, val: &[bool]) -> u64 {
        self.tier_of(val).map_or(0, |k| self.tiers[k].cost)
    }

    /// The variable saying "p is required criterion `c`": the lowest step whose set holds it.
    pub fn requires_var(&self, c: usize) -> Option<VarId> {
        self.tiers.iter().find(|t| t.set.has(c)).map(|t| t.var)
    }

    /// Sets each step's cost from `cost` (a price per required set), lowered where a larger
    /// set is cheaper so costs never decrease (each stays a lower bound of its set's price).
    pub fn set_costs(&mut self, cost: impl Fn(CriteriaSet) -> u64) {
        let mut floor = u64::MAX;
        for t in self.tiers.iter_mut().rev() {
            floor = floor.min(cost(t.set));
            t.cost = floor;
        }
    }
}

/// A version's prices for cargo-vet's two default requirements (models built without
/// policies: tests and the legacy entry points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    pub deploy: u64,
    pub dev: u64,
}

impl Prices {
    /// The price for a required set: deploy when it holds safe-to-deploy, dev when it holds
    /// safe-to-run, else nothing to audit.
    pub fn for_set(&self, set: CriteriaSet) -> u64 {
        if set.has(1) {
            self.deploy
        } else if set.has(0) {
            self.dev
        } else {
            0
        }
    }
}

/// `Σ heads ≥ AND(body)`, each body group an "at most one" set read as a disjunction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Implication {
    pub heads: Vec<VarId>,
    pub body: Vec<Vec<VarId>>,
}

/// A requirement whose matching candidates span several buckets: Cargo records one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Route {
    /// (route variable, matching package versions in that bucket)
    pub options: Vec<(VarId, Vec<PkgId>)>,
}

/// Linear row `lo ≤ Σ coef·var ≤ hi`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub terms: Vec<(VarId, f64)>,
    /// −∞ is written as `null` in a dump (JSON has no infinities).
    #[serde(with = "bound_or_null::lo")]
    pub lo: f64,
    /// +∞ is written as `null`.
    #[serde(with = "bound_or_null::hi")]
    pub hi: f64,
}

/// Row bounds in JSON: infinite bounds as `null`.
mod bound_or_null {
    use serde::{Deserialize, Deserializer, Serializer};

    fn ser<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_some(v)
        } else {
            s.serialize_none()
        }
    }

    pub mod lo {
        use super::*;
        pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
            ser(v, s)
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NEG_INFINITY))
        }
    }

    pub mod hi {
        use super::*;
        pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
            ser(v, s)
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
        }
    }
}

/// One edge: a dependency of a root or of a package version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Edge {
    /// The registry package it leaves (None for a root).
    pub from: Option<PkgId>,
    /// True for roots, `x[p]` for a non-optional dependency, `o[b,n]` for an optional one
    /// (read together with `x[from]`).
    pub active: Lit,
    /// Per bucket: route literal (== active when there is one bucket) and matching versions.
    pub targets: Vec<(Lit, Vec<PkgId>)>,
}

impl Edge {
    /// Per target bucket: `body` (which makes the edge active) plus, when the requirement
    /// spans several buckets, that bucket's route variable; and the bucket's matching versions.
    fn routed(&self, body: &[Vec<VarId>]) -> Vec<(Vec<Vec<VarId>>, Vec<PkgId>)> {
        let multi = self.targets.len() > 1;
        self.targets
            .iter()
            .map(|(route, pkgs)| {
                let mut body = body.to_vec();
                if let (true, Lit::Var(t)) = (multi, route) {
                    body.push(vec![*t]);
                }
                (body, pkgs.clone())
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Model {
    /// Every edge, numbered: root dependencies first (in root order), then each package's
    /// live dependencies in index order (optional ones without a variable and edges to
    /// other registries are not numbered). The lock writer reads targets from here.
    pub edges: Vec<Edge>,
    pub pkgs: Vec<Pkg>,
    pub kinds: Vec<VarKind>,
    pub implications: Vec<Implication>,
    /// Per bucket-level variable: the versions whose presence it needs.
    pub guards: HashMap<VarId, Vec<PkgId>>,
    pub routes: Vec<Route>,
    /// Rows beyond implications and guards: buckets, links, route sums, cuts.
    pub rows: Vec<Row>,
    /// (version, feature) → its bucket's variable, for non-leaf features of that version.
    /// Building only; not part of a dumped instance.
    #[serde(skip)]
    pub features: HashMap<(PkgId, String), VarId>,
    /// (version, optional dependency name) → its bucket's variable. Not part of a dump either.
    #[serde(skip)]
    pub optdeps: HashMap<(PkgId, String), VarId>,
    /// Like `features` and `optdeps`, for what the build turns on (feature-filtered models
    /// only, [`build_features_filtered`]). Not part of a dump.
    #[serde(skip)]
    pub built_features: HashMap<(PkgId, String), VarId>,
    #[serde(skip)]
    pub built_optdeps: HashMap<(PkgId, String), VarId>,
    /// Per package: index of its (name, bucket) group.
    pub group_of: Vec<usize>,
}

impl Model {
    fn new_var(&mut self, kind: VarKind) -> VarId {
        self.kinds.push(kind);
        self.kinds.len() - 1
    }

    pub fn num_vars(&self) -> usize {
        self.kinds.len()
    }

    pub fn x(&self, p: PkgId) -> VarId {
        self.pkgs[p].x
    }

    /// Every linear row of the model: implications, guards and plain rows.
    pub fn all_rows(&self) -> Vec<Row> {
        let mut rows = self.rows.clone();
        for imp in &self.implications {
            // Σ heads − Σ body ≥ 1 − |body|
            let mut terms: Vec<(VarId, f64)> = imp.heads.iter().map(|h| (*h, 1.0)).collect();
            for g in &imp.body {
                terms.extend(g.iter().map(|b| (*b, -1.0)));
            }
            rows.push(Row {
                terms,
                lo: 1.0 - imp.body.len() as f64,
                hi: f64::INFINITY,
            });
        }
        let mut guards: Vec<_> = self.guards.iter().collect();
        guards.sort();
        for (v, ps) in guards {
            let mut terms = vec![(*v, 1.0)];
            terms.extend(ps.iter().map(|p| (self.pkgs[*p].x, -1.0)));
            rows.push(Row {
                terms,
                lo: f64::NEG_INFINITY,
                hi: 0.0,
            });
        }
        rows
    }
}

/// Where an edge starts, for the target filter.
#[derive(Debug, Clone, Copy)]
pub enum EdgeFrom<'a> {
    /// The i-th root package of [`Roots`].
    Root(usize),
    /// A registry package version (name, version).
    Pkg(&'a str, &'a Version),
}

/// `--target`: whether an edge builds for the listed targets. Only edges that build carry
/// "built" (and requirements); an edge that does not still binds the lock (the lockfile
/// resolve ignores targets).
pub type EdgeFilter<'f> = &'f dyn Fn(EdgeFrom<'_>, &IndexDep) -> bool;

/// `-p`/`--features`: the features the build asks of a building root edge's target (the
/// edge's own list and what the root's active features ask of it; `default` follows the
/// edge's `default_features`), by root index.
pub type RootFeatures<'f> = &'f dyn Fn(usize, &IndexDep) -> Vec<String>;

/// Builds the model. `cost` must price every candidate; `None` is an error, never 0.
pub fn build(
    cands: &Candidates<'_>,
    roots: &Roots,
    cost: &dyn Fn(&str, &Version) -> Option<u64>,
) -> Result<Model, ModelError> {
    build_with(cands, roots, &|n, v| {
        cost(n, v).map(|c| Prices { deploy: c, dev: c })
    })
}

/// An implication before merging: body groups plus the version whose presence it assumes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Raw {
    heads: Vec<VarId>,
    body: Vec<Vec<VarId>>,
    src: Option<PkgId>,
}

impl Raw {
    fn new(heads: Vec<VarId>, body: Vec<Vec<VarId>>, src: Option<PkgId>) -> Raw {
        Raw { heads, body, src }
    }
}

struct Builder<'c, 'a, 'r> {
    m: Model,
    cand_of: Vec<&'c Candidate<'a>>,
    by_crate: BTreeMap<&'c str, Vec<PkgId>>,
    /// Versions of each (name, bucket) group.
    group_members: Vec<Vec<PkgId>>,
    raws: Vec<Raw>,
    /// Requirement rules `r[src, c] ∧ body ⇒ heads` per criterion c (merged over the
    /// source's variable for c instead of x).
    req_raws: Vec<(usize, Raw)>,
    /// Built rules `b[src] ∧ body ⇒ heads` (merged over b instead of x).
    built_raws: Vec<Raw>,
    /// Whether the model has a target filter (some version may be chosen but not built).
    filtered: bool,
    /// Whether features inside registry packages follow the build (gb, ob), not the
    /// lockfile resolve: optional dependencies build only when the build turns them on.
    features_built: bool,
    /// Per edge number: whether it builds for the filter.
    edge_builds: Vec<bool>,
    /// The store's policies.
    rules: &'r dyn UseRules,
    /// Route variables per (source group or root edge, dependency key).
    route_memo: HashMap<(Option<usize>, usize, String), Vec<VarId>>,
    /// Edge numbers per (package, dependency name).
    edges_of: HashMap<(PkgId, String), Vec<usize>>,
}

/// Builds the model with prices per use under cargo-vet's default policy
/// ([`uses::DefaultRules`]): deploy for what members' normal and build edges reach, dev for
/// what only their dev-dependencies reach.
pub fn build_with(
    cands: &Candidates<'_>,
    roots: &Roots,
    cost: &dyn Fn(&str, &Version) -> Option<Prices>,
) -> Result<Model, ModelError> {
    build_filtered(cands, roots, cost, None)
}

/// [`build_with`] under a target filter (`--target`): a version's prices count only when a
/// path of edges that `built` accepts reaches it from a root (`b[p]`, [`VarKind::Built`]);
/// requirements flow along those edges only. `None`: every edge builds (cargo-vet's view).
pub fn build_filtered(
    cands: &Candidates<'_>,
    roots: &Roots,
    cost: &dyn Fn(&str, &Version) -> Option<Prices>,
    built: Option<EdgeFilter<'_>>,
) -> Result<Model, ModelError> {
    let by_set = |n: &str, v: &Version, set: CriteriaSet| cost(n, v).map(|p| p.for_set(set));
    build_features_filtered(cands, roots, &by_set, &uses::DefaultRules, built, None)
}

/// The model under the store's policies (`rules`), priced per required set (`cost`, which
/// must price every set [`uses::tiers`] gives a candidate), optionally under a build filter.
/// With `root_features`, the build's features are followed inside
/// registry packages too (`-p`/`--features`): feature and optional-dependency variables of
/// the build (gb, ob, [`VarKind::BuiltFeature`]) mirror those of the lockfile resolve (g, o),
/// forced only from building edges of built versions, with the features `root_features`
/// gives on root edges and resolver v2's weak rule (`n?/f` never turns n on); an optional
/// dependency builds only when its ob is on. Everything the build turns on, the lockfile
/// resolve turns on too, so the lock side is unchanged.
pub fn build_features_filtered(
    cands: &Candidates<'_>,
    roots: &Roots,
    cost: &dyn Fn(&str, &Version, CriteriaSet) -> Option<u64>,
    rules: &dyn UseRules,
    built: Option<EdgeFilter<'_>>,
    root_features: Option<RootFeatures<'_>>,
) -> Result<Model, ModelError> {
    let features_built = root_features.is_some();
    // following the build's features is a build filter even when every edge builds
    let every_edge = |_: EdgeFrom<'_>, _: &IndexDep| true;
    let built = built.or(features_built.then_some(&every_edge as EdgeFilter<'_>));
    let edge_built = |from: EdgeFrom<'_>, d: &IndexDep| built.is_none_or(|f| f(from, d));
    let mut b = Builder {
        m: Model::default(),
        cand_of: Vec::new(),
        by_crate: BTreeMap::new(),
        group_members: Vec::new(),
        raws: Vec::new(),
        req_raws: Vec::new(),
        built_raws: Vec::new(),
        filtered: false,
        features_built,
        edge_builds: Vec::new(),
        rules,
        route_memo: HashMap::new(),
        edges_of: HashMap::new(),
    };
    // 1. package variables and (name, bucket) groups
    let steps = uses::tiers(cands, roots, rules);
    let mut group_ids: BTreeMap<(&str, Bucket), usize> = BTreeMap::new();
    for (c, sets) in cands.iter().zip(&steps.steps) {
        let id = b.m.pkgs.len();
        let x = b.m.new_var(VarKind::Pkg(id));
        let mut tiers = Vec::with_capacity(sets.len());
        for (k, &set) in sets.iter().enumerate() {
            let cost = cost(c.name(), c.version(), set).ok_or_else(|| ModelError::UnknownCost {
                name: c.name().to_string(),
                version: c.version().clone(),
            })?;
            // step 0 is presence; the others get their variable below, once b is known
            tiers.push(Tier {
                set,
                var: if k == 0 { x } else { usize::MAX },
                cost,
            });
        }
        let mut pkg = Pkg {
            name: c.name().to_string(),
            version: c.version().clone(),
            bucket: c.bucket,
            tiers,
            locked: c.locked,
            x,
            lag: 0,
            b: None,
        };
        let costs: Vec<(CriteriaSet, u64)> = pkg.tiers.iter().map(|t| (t.set, t.cost)).collect();
        pkg.set_costs(|set| costs.iter().find(|(s, _)| *s == set).map_or(0, |c| c.1));
        b.m.pkgs.push(pkg);
        let n = group_ids.len();
        let g = *group_ids.entry((c.name(), c.bucket)).or_insert(n);
        if g == b.group_members.len() {
            b.group_members.push(Vec::new());
        }
        b.group_members[g].push(id);
        b.m.group_of.push(g);
        b.by_crate.entry(c.name()).or_default().push(id);
        b.cand_of.push(c);
    }
    // built variables, for the versions an edge that does not build can reach (with their
    // buckets, so bucket sums stay uniform); every other chosen version is built, b is x
    if let Some(f) = built {
        b.filtered = true;
        for p in b.maybe_unbuilt(roots, f) {
            let v = b.m.new_var(VarKind::Built(p));
            b.m.pkgs[p].b = Some(v);
            b.m.guards.insert(v, vec![p]);
        }
    }
    // requirement variables, one per price step above the first (each ≤ the step below)
    for p in 0..b.m.pkgs.len() {
        let (x, base) = (b.m.pkgs[p].x, b.m.pkgs[p].built_var());
        b.m.pkgs[p].tiers[0].var = base;
        let mut below = base;
        for k in 1..b.m.pkgs[p].tiers.len() {
            let r = b.m.new_var(VarKind::Requires(p, k));
            b.m.pkgs[p].tiers[k].var = r;
            b.m.guards.insert(r, vec![p]);
            if below != x {
                b.m.rows.push(Row {
                    terms: vec![(r, 1.0), (below, -1.0)],
                    lo: f64::NEG_INFINITY,
                    hi: 0.0,
                });
            }
            below = r;
        }
    }
    // 2. bucket-level feature and optional-dependency variables, with their guards. A leaf
    // feature (empty value list) has no consequence but its existence, so it gets none:
    // requests on it point at x[p].
    for members in b.group_members.clone() {
        let mut feats: BTreeMap<String, Vec<PkgId>> = BTreeMap::new();
        let mut opts: BTreeMap<String, Vec<PkgId>> = BTreeMap::new();
        for &p in &members {
            let t = &b.cand_of[p].table;
            for (f, vals) in &t.features {
                if !vals.is_empty() {
                    feats.entry(f.clone()).or_default().push(p);
                }
            }
            for n in &t.optional_deps {
                opts.entry(n.clone()).or_default().push(p);
            }
        }
        let matters = if features_built {
            features_that_matter_in_build(&members, &b.cand_of)
        } else {
            Default::default()
        };
        for (f, ps) in feats {
            let v = b.m.new_var(VarKind::Feature(ps[0], f.clone()));
            for &p in &ps {
                b.m.features.insert((p, f.clone()), v);
            }
            if matters.contains(&f) {
                let v = b.m.new_var(VarKind::BuiltFeature(ps[0], f.clone()));
                for &p in &ps {
                    b.m.built_features.insert((p, f.clone()), v);
                }
                b.m.guards.insert(v, ps.clone());
            }
            b.m.guards.insert(v, ps);
        }
        for (n, ps) in opts {
            let v = b.m.new_var(VarKind::OptDep(ps[0], n.clone()));
            for &p in &ps {
                b.m.optdeps.insert((p, n.clone()), v);
            }
            if features_built {
                let v = b.m.new_var(VarKind::BuiltOptDep(ps[0], n.clone()));
                for &p in &ps {
                    b.m.built_optdeps.insert((p, n.clone()), v);
                }
                b.m.guards.insert(v, ps.clone());
            }
            b.m.guards.insert(v, ps);
        }
    }
    // 3. edges: roots (always active) and every live dep of every candidate
    // per edge: the dependency, the body that makes it active, its source version, and (when
    // the build's features are followed) what makes it active in the build and the features
    // the build asks of its target
    let mut edge_deps: Vec<EdgeDep> = Vec::new();
    for (i, r) in roots.packages.iter().enumerate() {
        for d in &r.deps {
            if d.registry.is_some() {
                return Err(ModelError::ForeignRegistry {
                    from: r.name.clone(),
                    dep: d.crate_name().to_string(),
                });
            }
            let e = b.m.edges.len();
            let built = edge_built(EdgeFrom::Root(i), d);
            let ed = EdgeDep {
                dep: d,
                body: vec![],
                src: None,
                build_body: vec![],
                build_features: root_features.map(|f| f(i, d)).unwrap_or_default(),
            };
            b.add_edge(&ed, Lit::True, (None, e, String::new()), built, Some(i));
            edge_deps.push(ed);
        }
    }
    for p in 0..b.cand_of.len() {
        let c = b.cand_of[p];
        for d in c.live_deps() {
            let (active, body, build_body) = if d.optional {
                match b.m.optdeps.get(&(p, d.name.clone())) {
                    Some(&o) => {
                        let ob = b.m.built_optdeps.get(&(p, d.name.clone())).copied();
                        (Lit::Var(o), vec![vec![o]], vec![vec![ob.unwrap_or(o)]])
                    }
                    None => continue,
                }
            } else {
                (Lit::Var(b.m.pkgs[p].x), vec![], vec![])
            };
            if d.registry.is_some() {
                // an active edge to another registry cannot be modelled: forbid it
                b.raws.push(Raw::new(vec![], body, Some(p)));
                continue;
            }
            let key = (Some(b.m.group_of[p]), 0, dep_key(d));
            let built = edge_built(EdgeFrom::Pkg(c.name(), c.version()), d);
            let ed = EdgeDep {
                dep: d,
                body,
                src: Some(p),
                build_body,
                build_features: d.features.clone(),
            };
            let e = b.add_edge(&ed, active, key, built, None);
            b.edges_of.entry((p, d.name.clone())).or_default().push(e);
            edge_deps.push(ed);
        }
    }
    // 4. what each edge requests on its target: listed features, `default`
    for (e, ed) in edge_deps.iter().enumerate() {
        let (d, src) = (ed.dep, &ed.src);
        if b.features_built && b.edge_builds[e] {
            b.request_in_build(e, ed);
        }
        for (body, pkgs) in b.m.edges[e].routed(&ed.body) {
            for f in &d.features {
                match FeatureValue::parse(f) {
                    FeatureValue::Feature(f) => b.request(&pkgs, &f, body.clone(), *src),
                    other => {
                        // `n/f` in a dependency's feature list acts inside the target version
                        for &q in &pkgs {
                            let mut b2 = body.clone();
                            if let Some(p) = src {
                                b2.push(vec![b.m.pkgs[*p].x]);
                            }
                            b.apply_value(q, &other, b2);
                        }
                    }
                }
            }
            if d.default_features {
                let with: Vec<PkgId> = pkgs
                    .iter()
                    .copied()
                    .filter(|q| b.m.features.contains_key(&(*q, "default".to_string())))
                    .collect();
                if let Some(&q0) = with.first() {
                    let g = b.m.features[&(q0, "default".to_string())];
                    let mut body = body.clone();
                    if with.len() < pkgs.len() {
                        // only the versions that define a non-leaf `default` get it
                        body.push(with.iter().map(|q| b.m.pkgs[*q].x).collect());
                    }
                    b.raws.push(Raw::new(vec![g], body, *src));
                }
            }
        }
    }
    // 5. feature values inside each version (and, followed in the build, inside each built
    // version)
    for p in 0..b.cand_of.len() {
        let c = b.cand_of[p];
        for (h, vals) in c.table.features.iter().filter(|(_, v)| !v.is_empty()) {
            let g = b.m.features[&(p, h.clone())];
            for val in vals {
                b.apply_value(p, val, vec![vec![g]]);
            }
            if let Some(&gb) = b.m.built_features.get(&(p, h.clone())) {
                for val in vals {
                    b.apply_value_in_build(p, val, vec![vec![gb]]);
                }
            }
        }
    }
    b.merge();
    let Builder {
        mut m,
        cand_of,
        group_members,
        ..
    } = b;
    // 6. one version per (name, bucket); one package per `links`
    for xs in &group_members {
        if xs.len() > 1 {
            m.rows.push(Row {
                terms: xs.iter().map(|p| (m.pkgs[*p].x, 1.0)).collect(),
                lo: f64::NEG_INFINITY,
                hi: 1.0,
            });
        }
    }
    let mut links: BTreeMap<&str, Vec<VarId>> = BTreeMap::new();
    for (p, c) in cand_of.iter().enumerate() {
        if let Some(l) = &c.index.links {
            links.entry(l.as_str()).or_default().push(m.pkgs[p].x);
        }
    }
    for (l, xs) in links {
        let taken = roots.packages.iter().any(|r| r.links.as_deref() == Some(l));
        let hi = if taken { 0.0 } else { 1.0 };
        if xs.len() > 1 || taken {
            m.rows.push(Row {
                terms: xs.into_iter().map(|x| (x, 1.0)).collect(),
                lo: f64::NEG_INFINITY,
                hi,
            });
        }
    }
    // deterministic row order for reproducible solver runs
    m.rows.sort_by(|a, b| {
        a.terms
            .partial_cmp(&b.terms)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(m)
}

/// One numbered edge while the model is built: the dependency, the body that makes it
/// active, its source version, and (when the build's features are followed) what makes it
/// active in the build and the features the build asks of its target.
struct EdgeDep<'d> {
    dep: &'d IndexDep,
    body: Vec<Vec<VarId>>,
    src: Option<PkgId>,
    build_body: Vec<Vec<VarId>>,
    build_features: Vec<String>,
}

/// The features of a bucket (its versions `members`) whose being on in the build can change
/// what builds: a value turns on an optional dependency or asks something of a dependency
/// (`dep:n`, `n/f`, `n?/f`), or turns on such a feature. The others (chains of leaf
/// features) get no build variable: nothing priced depends on them.
fn features_that_matter_in_build(
    members: &[PkgId],
    cand_of: &[&Candidate<'_>],
) -> std::collections::BTreeSet<String> {
    let mut matters = std::collections::BTreeSet::new();
    loop {
        let before = matters.len();
        for &p in members {
            for (f, vals) in &cand_of[p].table.features {
                let acts = vals.iter().any(|v| match v {
                    FeatureValue::Feature(g) => matters.contains(g),
                    FeatureValue::Dep(_) | FeatureValue::DepFeature { .. } => true,
                });
                if acts {
                    matters.insert(f.clone());
                }
            }
        }
        if matters.len() == before {
            return matters;
        }
    }
}

/// Which variable of the source version a raw rule assumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SrcVar {
    X,
    /// The source's variable for criterion c ([`Pkg::requires_var`]).
    Requires(usize),
    Built,
}

/// What makes two declarations of one dependency behave alike in the lockfile resolve.
fn dep_key(d: &IndexDep) -> String {
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{:?}\u{0}{:?}",
        d.name,
        d.crate_name(),
        d.req,
        d.optional,
        d.features,
        d.default_features,
        d.kind,
        d.target
    )
}

impl Builder<'_, '_, '_> {
    /// Candidate versions a dependency declaration can resolve to.
    fn matching(&self, d: &IndexDep) -> Vec<PkgId> {
        self.by_crate
            .get(d.crate_name())
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|q| d.registry.is_none() && d.req.matches(&self.m.pkgs[*q].version))
            .collect()
    }

    /// Versions that may be chosen without being built: those an edge that does not build
    /// can reach, then everything any edge reaches from them, closed over buckets. Any other
    /// chosen version is reached (in the least lock) only by built edges from built versions.
    fn maybe_unbuilt(&self, roots: &Roots, built: EdgeFilter<'_>) -> Vec<PkgId> {
        let mut seen = vec![false; self.m.pkgs.len()];
        let mut stack: Vec<PkgId> = Vec::new();
        for (i, r) in roots.packages.iter().enumerate() {
            for d in r.deps.iter().filter(|d| !built(EdgeFrom::Root(i), d)) {
                stack.extend(self.matching(d));
            }
        }
        for c in &self.cand_of {
            for d in c.live_deps() {
                // an optional dependency may be on in the lock and off in the build
                let maybe_off = self.features_built && d.optional;
                if maybe_off || !built(EdgeFrom::Pkg(c.name(), c.version()), d) {
                    stack.extend(self.matching(d));
                }
            }
        }
        while let Some(p) = stack.pop() {
            if std::mem::replace(&mut seen[p], true) {
                continue;
            }
            stack.extend(&self.group_members[self.m.group_of[p]]);
            for d in self.cand_of[p].live_deps() {
                stack.extend(self.matching(d).into_iter().filter(|q| !seen[*q]));
            }
        }
        (0..seen.len()).filter(|p| seen[*p]).collect()
    }

    /// Adds edge `ed.dep` (active when `active`, i.e. `ed.body` with `x[src]`; in the build,
    /// `ed.build_body` with `b[src]`); returns its number.
    fn add_edge(
        &mut self,
        ed: &EdgeDep<'_>,
        active: Lit,
        route_key: (Option<usize>, usize, String),
        built: bool,
        root: Option<usize>,
    ) -> usize {
        let (d, src, body, build_body) = (ed.dep, ed.src, &ed.body, &ed.build_body);
        let mut buckets: BTreeMap<Bucket, Vec<PkgId>> = BTreeMap::new();
        for &p in self
            .by_crate
            .get(d.crate_name())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if d.req.matches(&self.m.pkgs[p].version) {
                buckets.entry(self.m.pkgs[p].bucket).or_default().push(p);
            }
        }
        let e = self.m.edges.len();
        let targets = match buckets.len() {
            0 => {
                // nothing can satisfy it: the edge must stay inactive
                self.raws.push(Raw::new(vec![], body.clone(), src));
                vec![]
            }
            1 => {
                let pkgs: Vec<PkgId> = buckets.into_values().next().unwrap_or_default();
                let heads = pkgs.iter().map(|p| self.m.pkgs[*p].x).collect();
                self.raws.push(Raw::new(heads, body.clone(), src));
                vec![(active, pkgs)]
            }
            n => {
                let ts = match self.route_memo.get(&route_key) {
                    Some(ts) => ts.clone(),
                    None => {
                        let r = self.m.routes.len();
                        let ts: Vec<VarId> = (0..n)
                            .map(|i| self.m.new_var(VarKind::Route(r, i)))
                            .collect();
                        self.m.routes.push(Route {
                            options: ts.iter().copied().zip(buckets.values().cloned()).collect(),
                        });
                        // one target per edge
                        self.m.rows.push(Row {
                            terms: ts.iter().map(|t| (*t, 1.0)).collect(),
                            lo: f64::NEG_INFINITY,
                            hi: 1.0,
                        });
                        for (t, pkgs) in ts.iter().zip(buckets.values()) {
                            let heads = pkgs.iter().map(|p| self.m.pkgs[*p].x).collect();
                            self.raws.push(Raw::new(heads, vec![vec![*t]], None));
                        }
                        self.route_memo.insert(route_key, ts.clone());
                        ts
                    }
                };
                self.raws.push(Raw::new(ts.clone(), body.clone(), src));
                ts.into_iter()
                    .map(Lit::Var)
                    .zip(buckets.into_values())
                    .collect()
            }
        };
        let edge = Edge {
            from: src,
            active,
            targets,
        };
        // built flows along the edges that build (active in the build), into the versions
        // that have a b
        if self.filtered && built {
            for (body, pkgs) in edge.routed(build_body) {
                if pkgs.iter().any(|q| self.m.pkgs[*q].b.is_some()) {
                    let heads = pkgs.iter().map(|q| self.m.pkgs[*q].built_var()).collect();
                    self.built_raws.push(Raw::new(heads, body, src));
                }
            }
        }
        // requirements flow along the edges that build: a fixed set (a root's edge, a
        // `dependency-criteria`) from the source's presence, else the source's own criteria
        if built {
            let flow = match src {
                None => Flow::Set(self.rules.root_edge(root.unwrap_or(0), d)),
                Some(p) => {
                    let c = self.cand_of[p];
                    self.rules.edge(c.name(), c.version(), d)
                }
            };
            for (body, pkgs) in edge.routed(build_body) {
                self.require(flow, &body, &pkgs, src);
            }
        }
        self.m.edges.push(edge);
        self.edge_builds.push(built);
        e
    }

    /// Rules making whichever of `pkgs` (one bucket) is chosen require what the edge delivers,
    /// when `body` holds (with the source's variable for each criterion).
    fn require(&mut self, flow: Flow, body: &[Vec<VarId>], pkgs: &[PkgId], src: Option<PkgId>) {
        // only criteria some target can be required above its first step need rules
        let mut above = CriteriaSet::none();
        for &q in pkgs {
            let t = &self.m.pkgs[q].tiers;
            for step in &t[1..] {
                for c in step.set.indices().filter(|c| !t[0].set.has(*c)) {
                    above.set(c);
                }
            }
        }
        for c in above.indices() {
            let by = match flow {
                Flow::Set(s) if s.has(c) => SrcVar::Built,
                Flow::Set(_) => continue,
                Flow::Inherit => SrcVar::Requires(c),
            };
            if let (SrcVar::Requires(c), Some(p)) = (by, src) {
                if self.m.pkgs[p].requires_var(c).is_none() {
                    continue; // the source is never required c in any lock
                }
            }
            let heads = pkgs
                .iter()
                .map(|q| {
                    let q = &self.m.pkgs[*q];
                    q.requires_var(c).unwrap_or(q.built_var())
                })
                .collect();
            self.req_raws.push((c, Raw::new(heads, body.to_vec(), src)));
        }
    }

    /// Feature `f` requested on whichever of `pkgs` (one bucket) is chosen, when `body` holds
    /// (with `x[src]`). A version lacking `f` gets no head: choosing it then violates the row.
    fn request(&mut self, pkgs: &[PkgId], f: &str, body: Vec<Vec<VarId>>, src: Option<PkgId>) {
        let mut heads = Vec::new();
        for &q in pkgs {
            if let Some(&g) = self.m.features.get(&(q, f.to_string())) {
                heads.push(g);
            } else if self.cand_of[q].table.has(f) {
                heads.push(self.m.pkgs[q].x); // leaf feature: existence is all that matters
            }
        }
        heads.sort_unstable();
        heads.dedup();
        self.raws.push(Raw::new(heads, body, src));
    }

    /// Effects of one feature value inside package `p` when `body` (with `x[p]`) holds.
    fn apply_value(&mut self, p: PkgId, val: &FeatureValue, body: Vec<Vec<VarId>>) {
        let src = Some(p);
        match val {
            FeatureValue::Feature(f) => match self.m.features.get(&(p, f.clone())) {
                Some(&g) => self.raws.push(Raw::new(vec![g], body, src)),
                None if self.cand_of[p].table.has(f) => {} // leaf feature: nothing follows
                None => self.raws.push(Raw::new(vec![], body, src)),
            },
            FeatureValue::Dep(n) => {
                let heads = self.m.optdeps.get(&(p, n.clone())).copied();
                self.raws
                    .push(Raw::new(heads.into_iter().collect(), body, src));
            }
            FeatureValue::DepFeature { dep, feature, weak } => {
                if let Some(&o) = self.m.optdeps.get(&(p, dep.clone())) {
                    self.raws.push(Raw::new(vec![o], body.clone(), src));
                    if !*weak {
                        if let Some(&g) = self.m.features.get(&(p, dep.clone())) {
                            self.raws.push(Raw::new(vec![g], body.clone(), src));
                        }
                    }
                }
                let es = self
                    .edges_of
                    .get(&(p, dep.clone()))
                    .cloned()
                    .unwrap_or_default();
                for e in es {
                    // body implies the edge is active (it turned the dependency on)
                    for (b2, pkgs) in self.m.edges[e].routed(&body) {
                        self.request(&pkgs, feature, b2, src);
                    }
                }
            }
        }
    }

    /// What building edge `e` asks of its target in the build: its features (a root edge's
    /// as [`RootFeatures`] gives them) and `default`, while the edge is active in the build
    /// and its source is built (the raws assume b[src]).
    fn request_in_build(&mut self, e: usize, ed: &EdgeDep<'_>) {
        for (body, pkgs) in self.m.edges[e].routed(&ed.build_body) {
            for f in &ed.build_features {
                match FeatureValue::parse(f) {
                    FeatureValue::Feature(f) => {
                        self.request_in_build_of(&pkgs, &f, body.clone(), ed.src)
                    }
                    other => {
                        // `n/f` in a dependency's feature list acts inside the target version
                        for &q in &pkgs {
                            let mut b2 = body.clone();
                            if let Some(p) = ed.src {
                                b2.push(vec![self.m.pkgs[p].built_var()]);
                            }
                            self.apply_value_in_build(q, &other, b2);
                        }
                    }
                }
            }
            if ed.dep.default_features {
                let default = "default".to_string();
                let with: Vec<PkgId> = pkgs
                    .iter()
                    .copied()
                    .filter(|q| self.m.built_features.contains_key(&(*q, default.clone())))
                    .collect();
                if let Some(&q0) = with.first() {
                    let gb = self.m.built_features[&(q0, default)];
                    let mut body = body.clone();
                    if with.len() < pkgs.len() {
                        // only the versions that define a non-leaf `default` get it
                        body.push(with.iter().map(|q| self.m.pkgs[*q].x).collect());
                    }
                    self.built_raws.push(Raw::new(vec![gb], body, ed.src));
                }
            }
        }
    }

    /// Feature `f` asked in the build of whichever of `pkgs` (one bucket) is chosen, when
    /// `body` holds (with b[src]). A version where f is a leaf or absent is its own head:
    /// whatever the build asks, the lockfile resolve asks too, and its rule already decides
    /// about such versions. Nothing to write when no version has f as a non-leaf feature.
    fn request_in_build_of(
        &mut self,
        pkgs: &[PkgId],
        f: &str,
        body: Vec<Vec<VarId>>,
        src: Option<PkgId>,
    ) {
        let heads: Vec<VarId> = pkgs
            .iter()
            .map(|q| {
                self.m
                    .built_features
                    .get(&(*q, f.to_string()))
                    .copied()
                    .unwrap_or(self.m.pkgs[*q].x)
            })
            .collect();
        let non_leaf = pkgs
            .iter()
            .any(|q| self.m.built_features.contains_key(&(*q, f.to_string())));
        if non_leaf {
            self.built_raws.push(Raw::new(heads, body, src));
        }
    }

    /// Effects in the build of one feature value inside package `p` when `body` (with b[p])
    /// holds: like [`Self::apply_value`], except that a weak `n?/f` never turns n on and asks
    /// f only while n is on in the build (resolver v2).
    fn apply_value_in_build(&mut self, p: PkgId, val: &FeatureValue, body: Vec<Vec<VarId>>) {
        let src = Some(p);
        match val {
            FeatureValue::Feature(f) => {
                if let Some(&gb) = self.m.built_features.get(&(p, f.clone())) {
                    self.built_raws.push(Raw::new(vec![gb], body, src));
                }
            }
            FeatureValue::Dep(n) => {
                if let Some(&ob) = self.m.built_optdeps.get(&(p, n.clone())) {
                    self.built_raws.push(Raw::new(vec![ob], body, src));
                }
            }
            FeatureValue::DepFeature { dep, feature, weak } => {
                let mut asked = body.clone();
                if let Some(&ob) = self.m.built_optdeps.get(&(p, dep.clone())) {
                    if !*weak {
                        self.built_raws.push(Raw::new(vec![ob], body.clone(), src));
                        if let Some(&gb) = self.m.built_features.get(&(p, dep.clone())) {
                            self.built_raws.push(Raw::new(vec![gb], body.clone(), src));
                        }
                    }
                    asked.push(vec![ob]);
                }
                let es: Vec<usize> = self
                    .edges_of
                    .get(&(p, dep.clone()))
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|e| self.edge_builds[*e])
                    .collect();
                for e in es {
                    for (b2, pkgs) in self.m.edges[e].routed(&asked) {
                        self.request_in_build_of(&pkgs, feature, b2, src);
                    }
                }
            }
        }
    }

    /// Merges the raw implications that differ only in their source version (same bucket)
    /// and writes the model's implications. Plain rules assume `x[src]`, requirement rules
    /// the source's variable for their criterion.
    fn merge(&mut self) {
        let raws = std::mem::take(&mut self.raws);
        let reqs = std::mem::take(&mut self.req_raws);
        let built = std::mem::take(&mut self.built_raws);
        let mut out = self.merged(raws, SrcVar::X);
        let mut by_criterion: BTreeMap<usize, Vec<Raw>> = BTreeMap::new();
        for (c, r) in reqs {
            by_criterion.entry(c).or_default().push(r);
        }
        for (c, raws) in by_criterion {
            out.extend(self.merged(raws, SrcVar::Requires(c)));
        }
        out.extend(self.merged(built, SrcVar::Built));
        out.sort();
        out.dedup();
        self.m.implications = out;
    }

    fn merged(&self, raws: Vec<Raw>, by: SrcVar) -> Vec<Implication> {
        type Key = (Vec<VarId>, Vec<Vec<VarId>>, Option<usize>);
        let mut merged: HashMap<Key, Vec<PkgId>> = HashMap::new();
        let mut order: Vec<Key> = Vec::new();
        for mut r in raws {
            r.heads.sort_unstable();
            r.heads.dedup();
            for g in &mut r.body {
                g.sort_unstable();
                g.dedup();
            }
            r.body.sort();
            r.body.dedup();
            let key = (r.heads, r.body, r.src.map(|p| self.m.group_of[p]));
            let slot = merged.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                Vec::new()
            });
            if let Some(p) = r.src {
                slot.push(p);
            }
        }
        let mut out: Vec<Implication> = Vec::with_capacity(order.len());
        for key in order {
            let srcs = &merged[&key];
            let (heads, mut body, group) = key;
            if group.is_some() {
                let mut srcs = srcs.clone();
                srcs.sort_unstable();
                srcs.dedup();
                // a body variable whose guard lies inside the sources already implies their x
                // (never their d or b: those rules keep their source group)
                let implied =
                    by == SrcVar::X
                        && body.iter().any(|g| {
                            g.len() == 1
                                && self.m.guards.get(&g[0]).is_some_and(|gs| {
                                    gs.iter().all(|q| srcs.binary_search(q).is_ok())
                                })
                        });
                if !implied {
                    body.push(
                        srcs.iter()
                            .map(|p| {
                                let pkg = &self.m.pkgs[*p];
                                match by {
                                    SrcVar::X => pkg.x,
                                    SrcVar::Requires(c) => {
                                        pkg.requires_var(c).unwrap_or(pkg.built_var())
                                    }
                                    SrcVar::Built => pkg.built_var(),
                                }
                            })
                            .collect(),
                    );
                    body.sort();
                }
            }
            out.push(Implication { heads, body });
        }
        out
    }
}
