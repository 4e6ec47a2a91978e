//! The 0/1 model of Cargo's lockfile resolve (see the module header in `model/mod.rs`).
//!
//! Built as a small logic program over binaries, then written out as linear rows:
//! - implications `Σ heads ≥ AND(body)` force what Cargo would activate;
//! - supports `y ≤ Σ terms` forbid anything Cargo would not reach (exact on acyclic support;
//!   cyclic self-support is removed lazily by loop cuts, see `eval.rs`);
//! - And-nodes `r = AND(components)` name conjunctions used as support terms;
//! - plain rows: at most one version per (name, bucket), per `links` value, route choice.

use std::collections::{BTreeMap, HashMap};

use semver::Version;

use crate::index::IndexDep;

use super::bucket::Bucket;
use super::candidates::Candidates;
use super::features::FeatureValue;
use super::roots::Roots;
use super::ModelError;

pub type VarId = usize;
pub type PkgId = usize;

/// A literal: a variable or constant true (root edges are always active).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lit {
    True,
    Var(VarId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarKind {
    /// x[p]: package version p is in the lock.
    Pkg(PkgId),
    /// g[p, f]: feature f of p is active.
    Feature(PkgId, String),
    /// o[p, n]: optional dependency named n of p is active.
    OptDep(PkgId, String),
    /// t[e, b]: edge e (requirement spanning buckets) resolves into its b-th bucket.
    Route(usize, usize),
    /// Conjunction of other variables.
    And,
}

/// A registry package version in the model.
#[derive(Debug, Clone)]
pub struct Pkg {
    pub name: String,
    pub version: Version,
    pub bucket: Bucket,
    pub cost: u64,
    pub locked: bool,
    pub x: VarId,
}

/// `Σ heads ≥ AND(body)`; body holds variables only (constant-true literals dropped).
#[derive(Debug, Clone)]
pub struct Implication {
    pub heads: Vec<VarId>,
    pub body: Vec<VarId>,
}

/// A requirement whose matching candidates span several buckets: Cargo records one target.
#[derive(Debug, Clone)]
pub struct Route {
    pub active: Lit,
    /// (route variable, matching package versions in that bucket)
    pub options: Vec<(VarId, Vec<PkgId>)>,
}

/// Linear row `lo ≤ Σ coef·var ≤ hi`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub terms: Vec<(VarId, f64)>,
    pub lo: f64,
    pub hi: f64,
}

/// One edge (a dependency of a root or of a package version) after bucketing its targets.
#[derive(Debug, Clone)]
struct Edge {
    /// Per bucket: route literal (== active when there is one bucket) and matching versions.
    buckets: Vec<(Lit, Vec<PkgId>)>,
}

/// A dependency edge of a registry package, kept to find package cycles in answers.
#[derive(Debug, Clone)]
pub struct PkgEdge {
    pub from: PkgId,
    pub active: Lit,
    /// Per bucket: route literal and matching versions.
    pub targets: Vec<(Lit, Vec<PkgId>)>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Edges between registry packages (root edges are not listed).
    pub pkg_edges: Vec<PkgEdge>,
    pub pkgs: Vec<Pkg>,
    pub kinds: Vec<VarKind>,
    pub implications: Vec<Implication>,
    /// Per variable: support terms (Or-nodes); empty for And-nodes (see `ands`).
    pub supports: Vec<Vec<Lit>>,
    pub ands: HashMap<VarId, Vec<VarId>>,
    pub routes: Vec<Route>,
    /// Rows beyond implications/supports/ands: buckets, links, route sums, cuts.
    pub rows: Vec<Row>,
    pub features: HashMap<(PkgId, String), VarId>,
    pub optdeps: HashMap<(PkgId, String), VarId>,
    and_memo: HashMap<Vec<VarId>, VarId>,
}

impl Model {
    fn new_var(&mut self, kind: VarKind) -> VarId {
        self.kinds.push(kind);
        self.supports.push(Vec::new());
        self.kinds.len() - 1
    }

    pub fn num_vars(&self) -> usize {
        self.kinds.len()
    }

    pub fn x(&self, p: PkgId) -> VarId {
        self.pkgs[p].x
    }

    /// Variable for the conjunction of `lits` (True when empty).
    fn and_lit(&mut self, lits: &[Lit]) -> Lit {
        let mut vars: Vec<VarId> = lits
            .iter()
            .filter_map(|l| match l {
                Lit::Var(v) => Some(*v),
                Lit::True => None,
            })
            .collect();
        vars.sort_unstable();
        vars.dedup();
        match vars.len() {
            0 => Lit::True,
            1 => Lit::Var(vars[0]),
            _ => {
                if let Some(v) = self.and_memo.get(&vars) {
                    return Lit::Var(*v);
                }
                let v = self.new_var(VarKind::And);
                self.ands.insert(v, vars.clone());
                self.and_memo.insert(vars, v);
                Lit::Var(v)
            }
        }
    }

    fn implies(&mut self, heads: Vec<VarId>, body: &[Lit]) {
        let body = body
            .iter()
            .filter_map(|l| match l {
                Lit::Var(v) => Some(*v),
                Lit::True => None,
            })
            .collect();
        self.implications.push(Implication { heads, body });
    }

    fn support(&mut self, var: VarId, term: Lit) {
        if !self.supports[var].contains(&term) {
            self.supports[var].push(term);
        }
    }

    /// `body ⇒ head` with `term` recorded as a reason for `head`.
    fn activate(&mut self, head: VarId, body: &[Lit], term: Lit) {
        self.implies(vec![head], body);
        self.support(head, term);
    }

    /// Every linear row of the model: implications, supports, and-nodes and plain rows.
    pub fn all_rows(&self) -> Vec<Row> {
        let mut rows = self.rows.clone();
        for imp in &self.implications {
            // Σ heads − Σ body ≥ 1 − |body|
            let mut terms: Vec<(VarId, f64)> = imp.heads.iter().map(|h| (*h, 1.0)).collect();
            terms.extend(imp.body.iter().map(|b| (*b, -1.0)));
            rows.push(Row {
                terms,
                lo: 1.0 - imp.body.len() as f64,
                hi: f64::INFINITY,
            });
        }
        for (v, sup) in self.supports.iter().enumerate() {
            if self.kinds[v] == VarKind::And || sup.contains(&Lit::True) {
                continue;
            }
            let mut terms = vec![(v, 1.0)];
            for s in sup {
                if let Lit::Var(s) = s {
                    terms.push((*s, -1.0));
                }
            }
            rows.push(Row {
                terms,
                lo: f64::NEG_INFINITY,
                hi: 0.0,
            });
        }
        for (r, comps) in &self.ands {
            for c in comps {
                rows.push(Row {
                    terms: vec![(*r, 1.0), (*c, -1.0)],
                    lo: f64::NEG_INFINITY,
                    hi: 0.0,
                });
            }
        }
        // deterministic order of and-node lower rows
        let mut ands: Vec<_> = self.ands.iter().collect();
        ands.sort();
        for (r, comps) in ands {
            let mut terms = vec![(*r, 1.0)];
            terms.extend(comps.iter().map(|c| (*c, -1.0)));
            rows.push(Row {
                terms,
                lo: 1.0 - comps.len() as f64,
                hi: f64::INFINITY,
            });
        }
        rows
    }
}

/// Knobs of model building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// Add closure inequalities (valid cuts that tighten the LP relaxation; see
    /// [`closure_cuts`]).
    pub closure_cuts: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { closure_cuts: true }
    }
}

/// Builds the model. `cost` must price every candidate; `None` is an error, never 0.
pub fn build(
    cands: &Candidates<'_>,
    roots: &Roots,
    cost: &dyn Fn(&str, &Version) -> Option<u64>,
) -> Result<Model, ModelError> {
    build_with(cands, roots, cost, &BuildOptions::default())
}

/// [`build`] with options.
pub fn build_with(
    cands: &Candidates<'_>,
    roots: &Roots,
    cost: &dyn Fn(&str, &Version) -> Option<u64>,
    opts: &BuildOptions,
) -> Result<Model, ModelError> {
    let mut m = Model::default();
    // 1. package variables
    let mut pkg_of: BTreeMap<(&str, &Version), PkgId> = BTreeMap::new();
    let mut by_crate: BTreeMap<&str, Vec<PkgId>> = BTreeMap::new();
    let mut cand_of: Vec<&super::candidates::Candidate<'_>> = Vec::new();
    for c in cands.iter() {
        let price = cost(c.name(), c.version()).ok_or_else(|| ModelError::UnknownCost {
            name: c.name().to_string(),
            version: c.version().clone(),
        })?;
        let id = m.pkgs.len();
        let x = m.new_var(VarKind::Pkg(id));
        m.pkgs.push(Pkg {
            name: c.name().to_string(),
            version: c.version().clone(),
            bucket: c.bucket,
            cost: price,
            locked: c.locked,
            x,
        });
        pkg_of.insert((c.index.name.as_str(), &c.index.version), id);
        by_crate.entry(c.index.name.as_str()).or_default().push(id);
        cand_of.push(c);
    }
    // 2. feature and optional-dependency variables. A leaf feature (empty value list) has no
    // consequence but its existence, so it gets no variable: requests on it point at x[p].
    for (p, c) in cand_of.iter().enumerate() {
        for (f, vals) in &c.table.features {
            if vals.is_empty() {
                continue;
            }
            let v = m.new_var(VarKind::Feature(p, f.clone()));
            m.features.insert((p, f.clone()), v);
        }
        for n in &c.table.optional_deps {
            let v = m.new_var(VarKind::OptDep(p, n.clone()));
            m.optdeps.insert((p, n.clone()), v);
        }
    }
    // 3. edges: roots (always active) and every live dep of every candidate
    let mut edges: Vec<Edge> = Vec::new();
    let mut edges_of: HashMap<(PkgId, &str), Vec<usize>> = HashMap::new();
    let mut edge_deps: Vec<&IndexDep> = Vec::new();
    let add_edge = |m: &mut Model, d: &IndexDep, active: Lit, edges: &mut Vec<Edge>| {
        let mut buckets: BTreeMap<Bucket, Vec<PkgId>> = BTreeMap::new();
        if d.registry.is_none() {
            for &p in by_crate
                .get(d.crate_name())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if d.req.matches(&m.pkgs[p].version) {
                    buckets.entry(m.pkgs[p].bucket).or_default().push(p);
                }
            }
        }
        let e = edges.len();
        let edge = match buckets.len() {
            0 => {
                // nothing can satisfy it: the edge must stay inactive
                m.implies(vec![], &[active]);
                Edge { buckets: vec![] }
            }
            1 => {
                let pkgs: Vec<PkgId> = buckets.into_values().next().unwrap_or_default();
                let heads = pkgs.iter().map(|p| m.pkgs[*p].x).collect();
                m.implies(heads, &[active]);
                for p in &pkgs {
                    let x = m.pkgs[*p].x;
                    m.support(x, active);
                }
                Edge {
                    buckets: vec![(active, pkgs)],
                }
            }
            _ => {
                let mut out = Vec::new();
                let mut route = Route {
                    active,
                    options: vec![],
                };
                for (i, (_, pkgs)) in buckets.into_iter().enumerate() {
                    let t = m.new_var(VarKind::Route(e, i));
                    m.support(t, active);
                    let heads = pkgs.iter().map(|p| m.pkgs[*p].x).collect();
                    m.implies(heads, &[Lit::Var(t)]);
                    for p in &pkgs {
                        let x = m.pkgs[*p].x;
                        m.support(x, Lit::Var(t));
                    }
                    route.options.push((t, pkgs.clone()));
                    out.push((Lit::Var(t), pkgs));
                }
                // Σ t = active
                let mut terms: Vec<(VarId, f64)> =
                    route.options.iter().map(|(t, _)| (*t, 1.0)).collect();
                let rhs = match active {
                    Lit::True => 1.0,
                    Lit::Var(a) => {
                        terms.push((a, -1.0));
                        0.0
                    }
                };
                m.rows.push(Row {
                    terms,
                    lo: rhs,
                    hi: rhs,
                });
                m.routes.push(route);
                Edge { buckets: out }
            }
        };
        edges.push(edge);
        e
    };
    for r in &roots.packages {
        for d in &r.deps {
            if d.registry.is_some() {
                return Err(ModelError::ForeignRegistry {
                    from: r.name.clone(),
                    dep: d.crate_name().to_string(),
                });
            }
            add_edge(&mut m, d, Lit::True, &mut edges);
            edge_deps.push(d);
        }
    }
    for (p, c) in cand_of.iter().enumerate() {
        for d in c.live_deps() {
            let active = if d.optional {
                match m.optdeps.get(&(p, d.name.clone())) {
                    Some(o) => Lit::Var(*o),
                    None => continue,
                }
            } else {
                Lit::Var(m.pkgs[p].x)
            };
            if d.registry.is_some() {
                // an active edge to another registry cannot be modelled: forbid it
                m.implies(vec![], &[active]);
                continue;
            }
            let e = add_edge(&mut m, d, active, &mut edges);
            edge_deps.push(d);
            edges_of.entry((p, d.name.as_str())).or_default().push(e);
            m.pkg_edges.push(PkgEdge {
                from: p,
                active,
                targets: edges[e].buckets.clone(),
            });
        }
    }
    let ctx = Ctx {
        cand_of: &cand_of,
        edges: &edges,
        edges_of: &edges_of,
    };
    // 4. what each edge requests on its target: listed features, `default`
    for (e, d) in edge_deps.iter().enumerate() {
        for (route, pkgs) in edges[e].buckets.clone() {
            for f in &d.features {
                match FeatureValue::parse(f) {
                    FeatureValue::Feature(f) => {
                        feature_on_bucket(&mut m, &ctx, &pkgs, &f, &[route], route)
                    }
                    other => {
                        // `n/f` in a dependency's feature list acts inside the target version
                        for &p in &pkgs {
                            let x = Lit::Var(m.pkgs[p].x);
                            let term = m.and_lit(&[x, route]);
                            apply_value(&mut m, &ctx, p, &other, &[x, route], term);
                        }
                    }
                }
            }
            if d.default_features {
                for &p in &pkgs {
                    if let Some(&g) = m.features.get(&(p, "default".to_string())) {
                        let x = Lit::Var(m.pkgs[p].x);
                        m.activate(g, &[x, route], route);
                    }
                }
            }
        }
    }
    // 5. feature values inside each version
    for (p, c) in cand_of.iter().enumerate() {
        for (h, vals) in c.table.features.iter().filter(|(_, v)| !v.is_empty()) {
            let g = Lit::Var(m.features[&(p, h.clone())]);
            for val in vals {
                apply_value(&mut m, &ctx, p, val, &[g], g);
            }
        }
    }
    if opts.closure_cuts {
        closure_cuts(&mut m);
    }
    // 6. g ≤ x, o ≤ x; one version per (name, bucket); one package per `links`
    let mut owned: Vec<(PkgId, VarId)> = m
        .features
        .iter()
        .chain(m.optdeps.iter())
        .map(|(&(p, _), &g)| (p, g))
        .collect();
    owned.sort_unstable();
    for (p, g) in owned {
        let x = m.pkgs[p].x;
        m.rows.push(Row {
            terms: vec![(g, 1.0), (x, -1.0)],
            lo: f64::NEG_INFINITY,
            hi: 0.0,
        });
    }
    let mut groups: BTreeMap<(&str, Bucket), Vec<VarId>> = BTreeMap::new();
    let mut links: BTreeMap<&str, Vec<VarId>> = BTreeMap::new();
    for (p, c) in cand_of.iter().enumerate() {
        groups
            .entry((c.name(), c.bucket))
            .or_default()
            .push(m.pkgs[p].x);
        if let Some(l) = &c.index.links {
            links.entry(l.as_str()).or_default().push(m.pkgs[p].x);
        }
    }
    for (_, xs) in groups {
        if xs.len() > 1 {
            m.rows.push(Row {
                terms: xs.into_iter().map(|x| (x, 1.0)).collect(),
                lo: f64::NEG_INFINITY,
                hi: 1.0,
            });
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

struct Ctx<'c, 'a> {
    cand_of: &'c [&'c super::candidates::Candidate<'a>],
    edges: &'c [Edge],
    edges_of: &'c HashMap<(PkgId, &'c str), Vec<usize>>,
}

/// Feature `f` requested on whichever of `pkgs` (one bucket) is chosen, when `body` holds.
fn feature_on_bucket(m: &mut Model, ctx: &Ctx, pkgs: &[PkgId], f: &str, body: &[Lit], term: Lit) {
    let mut heads = Vec::new();
    for &p in pkgs {
        if let Some(&g) = m.features.get(&(p, f.to_string())) {
            heads.push(g);
            m.support(g, term);
        } else if ctx.cand_of[p].table.has(f) {
            heads.push(m.pkgs[p].x); // leaf feature: existence is all that matters
        }
    }
    // no head for a version lacking `f`: choosing it while `body` holds violates the row
    m.implies(heads, body);
}

/// Effects of one feature value inside package `p` when `body` holds; `term` is the reason.
fn apply_value(m: &mut Model, ctx: &Ctx, p: PkgId, val: &FeatureValue, body: &[Lit], term: Lit) {
    match val {
        FeatureValue::Feature(f) => match m.features.get(&(p, f.clone())) {
            Some(&g) => m.activate(g, body, term),
            None if ctx.cand_of[p].table.has(f) => {} // leaf feature: nothing follows
            None => m.implies(vec![], body),
        },
        FeatureValue::Dep(n) => match m.optdeps.get(&(p, n.clone())) {
            Some(&o) => m.activate(o, body, term),
            None => m.implies(vec![], body),
        },
        FeatureValue::DepFeature { dep, feature, weak } => {
            if let Some(&o) = m.optdeps.get(&(p, dep.clone())) {
                m.activate(o, body, term);
                if !*weak {
                    if let Some(&g) = m.features.get(&(p, dep.clone())) {
                        m.activate(g, body, term);
                    }
                }
            }
            let es = ctx
                .edges_of
                .get(&(p, dep.as_str()))
                .cloned()
                .unwrap_or_default();
            for e in es {
                let single = ctx.edges[e].buckets.len() == 1;
                for (route, pkgs) in ctx.edges[e].buckets.clone() {
                    if single {
                        // body implies the edge is active (it turned the dependency on)
                        feature_on_bucket(m, ctx, &pkgs, feature, body, term);
                    } else {
                        let mut b2 = body.to_vec();
                        b2.push(route);
                        let t2 = m.and_lit(&[term, route]);
                        feature_on_bucket(m, ctx, &pkgs, feature, &b2, t2);
                    }
                }
            }
        }
    }
}

/// Closure inequalities (DESIGN.md §8, in x-form). Take the versions of one (crate, bucket)
/// from the newest down, as long as each has a non-optional edge into the same bucket of a
/// crate q; for every such suffix U: `Σ_{u∈U} x[u] ≤ Σ_{w ∈ ∪ M_u} x[q,w]`, M_u the versions
/// u's requirement matches. Valid: at most one u is chosen, and its edge is active, so one
/// of its matches is chosen. Stronger than summing the per-version rows, whose right-hand
/// sides can add up past 1 in the LP relaxation.
fn closure_cuts(m: &mut Model) {
    // (source crate, source bucket, target crate, target bucket) -> version -> matches
    type Key = (String, Bucket, String, Bucket);
    let mut groups: BTreeMap<Key, BTreeMap<Version, Vec<PkgId>>> = BTreeMap::new();
    let mut bucket_members: BTreeMap<(String, Bucket), Vec<(Version, PkgId)>> = BTreeMap::new();
    for (p, pkg) in m.pkgs.iter().enumerate() {
        bucket_members
            .entry((pkg.name.clone(), pkg.bucket))
            .or_default()
            .push((pkg.version.clone(), p));
    }
    for e in &m.pkg_edges {
        let src = &m.pkgs[e.from];
        if e.active != Lit::Var(src.x) || e.targets.len() != 1 {
            continue; // optional or spanning buckets
        }
        let tgt = &e.targets[0].1;
        let Some(&first) = tgt.first() else { continue };
        let key = (
            src.name.clone(),
            src.bucket,
            m.pkgs[first].name.clone(),
            m.pkgs[first].bucket,
        );
        let slot = groups
            .entry(key)
            .or_default()
            .entry(src.version.clone())
            .or_insert_with(|| tgt.clone());
        if tgt.len() < slot.len() {
            *slot = tgt.clone();
        }
    }
    let mut new_rows = Vec::new();
    for ((sname, sbucket, _, _), by_version) in groups {
        let Some(members) = bucket_members.get(&(sname, sbucket)) else {
            continue;
        };
        let mut sorted = members.clone();
        sorted.sort();
        let mut lhs: Vec<PkgId> = Vec::new();
        let mut rhs: std::collections::BTreeSet<PkgId> = std::collections::BTreeSet::new();
        for (v, p) in sorted.iter().rev() {
            let Some(matches) = by_version.get(v) else {
                break;
            };
            lhs.push(*p);
            rhs.extend(matches.iter().copied());
            if lhs.len() >= 2 {
                let mut terms: Vec<(VarId, f64)> =
                    lhs.iter().map(|u| (m.pkgs[*u].x, 1.0)).collect();
                terms.extend(rhs.iter().map(|w| (m.pkgs[*w].x, -1.0)));
                new_rows.push(Row {
                    terms,
                    lo: f64::NEG_INFINITY,
                    hi: 0.0,
                });
            }
        }
    }
    m.rows.extend(new_rows);
}
