//! Brute-force oracle for the optimiser: on small random registries, enumerate every
//! assignment (per (name, bucket): absent or one version), keep those an independent checker
//! accepts, and compare the cheapest (lines, audits, changed) with what the solver returns.
//!
//! The checker below is written from Cargo's rules (ARCHITECTURE.md, Semantics), not from the model: it
//! walks the lockfile resolve from the roots through the chosen versions with feature sets.
//! Generated requirements are mostly caret/tilde/exact (one bucket each), sometimes spanning
//! buckets (`*`, `>=1.0.0`, `>=0.1.0, <2.0.0`): the checker then tries every routing. Dependencies may point back up (name-level cycles, which Cargo rejects
//! when they close at package level); feature tables are random and may be cyclic.
//!
//! Target filter (`--target`): on some worlds, edges get a `target`; `cfg(windows)` marks an
//! edge that does not build for the listed targets (`cfg(unix)` one that does). The lock is
//! still the all-targets resolve; a chosen version costs only when a path of building edges
//! reaches it from a root (deploy use only along building edges too). Mutations of
//! `model::encode` this oracle caught (default 600 seeds): built propagated along edges that
//! do not build (seed 7), deploy use propagated along them (seed 25), the filter ignored (no
//! built variables, seed 7), built variables only for direct targets of non-building edges,
//! without the closure (seed 27).
//!
//! Feature filter (`-p`/`--features`): on some worlds the root edges ask more features in the
//! lockfile resolve than in the build, and some are not built; the checker then walks the
//! build by resolver v2's rules (`build_walk`) and prices what it reaches. Mutations caught:
//! the lockfile features used on root edges in the build (seed 207). Two others are rare in
//! random worlds and are caught by the hand-derived cases in `tests/solve_cases.rs`: a weak
//! `n?/f` turning n on in the build, and no built variable for versions only an optional
//! edge reaches.

use std::collections::{BTreeMap, BTreeSet};

use minaudit::index::{DepKind, IndexCrate, IndexDep, IndexVersion};
use minaudit::model::Bucket;
use minaudit::model::{self, Locked, RootPackage, Roots};
use minaudit::optimise::downgrades;
use minaudit::optimise::prices::PriceContext;
use minaudit::optimise::reduce;
use minaudit::optimise::search::{
    self, book, AuditKey, Book, LineCounts, PKey, Search, SearchEnv, Silent,
};
use minaudit::solve::{self, Criterion, Objective, Order, Outcome, SolveOptions, Status};
use minaudit::vet::criteria::CriteriaSet;
use minaudit::vet::format::VetVersion;
use minaudit::vet::store::Store;
use minaudit::vet::suggest::PublishedVersions;
use semver::{Version, VersionReq};

/// xorshift RNG; `hard` picks the tighter of two instance profiles (see `pct`).
struct Rng(u64, bool);
impl Rng {
    /// Percentage for the current profile: tight instances (hard) or roomy ones.
    fn pct(&mut self, hard: u64, easy: u64) -> bool {
        let p = if self.1 { hard } else { easy };
        self.chance(p)
    }
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const POOL: &[&str] = &[
    "0.1.0",
    "0.1.3",
    "0.1.5",
    "0.2.0",
    "1.0.0",
    "1.2.0",
    "1.3.1",
    "1.4.0-beta.1",
    "2.0.0",
    "2.1.0",
];
const FEATS: &[&str] = &["default", "f1", "f2", "f3"];

struct World {
    index: BTreeMap<String, IndexCrate>,
    roots: Roots,
    locked: Locked,
    /// Price for deploy use (reached through a root's non-dev edge).
    cost: BTreeMap<(String, Version), u64>,
    /// Price when only dev-dependencies reach it (at most `cost`).
    cost_dev: BTreeMap<(String, Version), u64>,
    /// The criteria the solver is asked to minimise, in order.
    order: Order,
    /// Some edges carry a target; price only what the building edges reach.
    filtered: bool,
    /// Feature filter (`-p`/`--features`): per root dependency, the features the build asks
    /// of it, or None when the build leaves it out; then features and optional dependencies
    /// inside registry packages are those the build turns on ([`build_walk`]).
    root_build: Option<Vec<Option<Vec<String>>>>,
    /// cargo-vet policies, as levels on the chain nothing < safe-to-run < safe-to-deploy.
    policies: Policies,
}

/// A world's cargo-vet policies; levels: 0 nothing, 1 safe-to-run, 2 safe-to-deploy.
#[derive(Debug, Clone)]
struct Policies {
    /// The root's own set (`criteria` of the member; safe-to-deploy by default).
    root: u8,
    /// The root's `dev-criteria` (safe-to-run by default).
    dev: u8,
    /// `criteria` of a registry crate (every version).
    fixed: BTreeMap<String, u8>,
    /// `dependency-criteria`: (dependent crate, or "root0"; dependency crate) -> level.
    dep: BTreeMap<(String, String), u8>,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            root: 2,
            dev: 1,
            fixed: BTreeMap::new(),
            dep: BTreeMap::new(),
        }
    }
}

/// Gives some worlds random policies, from an RNG of its own.
fn add_policies(w: &mut World, seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0xA24B_AED4_963E_E407) | 1, false);
    if !rng.chance(60) {
        return;
    }
    let names: Vec<String> = w.index.keys().cloned().collect();
    let p = &mut w.policies;
    if rng.chance(30) {
        p.root = rng.below(3) as u8;
    }
    if rng.chance(30) {
        p.dev = rng.below(3) as u8;
    }
    for n in &names {
        if rng.chance(25) {
            p.fixed.insert(n.clone(), rng.below(3) as u8);
        }
        for d in names.iter().chain(std::iter::once(&"root0".to_string())) {
            if d != n && rng.chance(15) {
                // (from, to): from `d` (a crate or the root) to `n`
                p.dep.insert((d.clone(), n.clone()), rng.below(3) as u8);
            }
        }
    }
}

/// The criteria set of a level.
fn level_set(l: u8) -> CriteriaSet {
    match l {
        0 => CriteriaSet::none(),
        1 => model::uses::run_set(),
        _ => model::uses::deploy_set(),
    }
}

/// The world's policies as the model's rules; `ignore_fixed` is a deliberate mutation (a
/// model that ignores policy `criteria`), which the oracle must catch.
struct WorldRules<'w> {
    p: &'w Policies,
    ignore_fixed: bool,
}

impl model::uses::UseRules for WorldRules<'_> {
    fn root_edge(&self, _root: usize, dep: &IndexDep) -> CriteriaSet {
        let key = ("root0".to_string(), dep.crate_name().to_string());
        level_set(match self.p.dep.get(&key) {
            Some(l) => *l,
            None if dep.kind == DepKind::Dev => self.p.dev,
            None => self.p.root,
        })
    }
    fn edge(&self, from: &str, _: &Version, dep: &IndexDep) -> model::uses::Flow {
        match self
            .p
            .dep
            .get(&(from.to_string(), dep.crate_name().to_string()))
        {
            Some(l) => model::uses::Flow::Set(level_set(*l)),
            None => model::uses::Flow::Inherit,
        }
    }
    fn fixed(&self, name: &str, _: &Version) -> Option<CriteriaSet> {
        if self.ignore_fixed {
            return None;
        }
        self.p.fixed.get(name).map(|l| level_set(*l))
    }
}

/// What a lock's building edges give the requirements walk: the root's edges (target, kind,
/// dependency crate) and the registry edges (dependent -> dependencies).
struct Uses {
    root: Vec<(Pid, DepKind)>,
    edges: BTreeMap<Pid, BTreeSet<Pid>>,
}

/// cargo-vet's required level of every package the building edges reach (ARCHITECTURE.md, Semantics,
/// `resolve_requirements`): a policy `criteria` replaces what dependents ask; otherwise the
/// union (here the max) of what each dependent sends: its `dependency-criteria` for that
/// dependency, else its own level; the root sends its dev-criteria along dev edges.
fn levels(w: &World, uses: &Uses) -> BTreeMap<Pid, u8> {
    let p = &w.policies;
    let mut reached: BTreeSet<Pid> = BTreeSet::new();
    let mut todo: Vec<Pid> = uses.root.iter().map(|(t, _)| t.clone()).collect();
    while let Some(t) = todo.pop() {
        if reached.insert(t.clone()) {
            todo.extend(uses.edges.get(&t).into_iter().flatten().cloned());
        }
    }
    let mut lvl: BTreeMap<Pid, u8> = reached.iter().map(|t| (t.clone(), 0)).collect();
    loop {
        let mut next = lvl.clone();
        for t in &reached {
            next.insert(t.clone(), 0);
        }
        for (t, kind) in &uses.root {
            let from_root = match p.dep.get(&("root0".to_string(), t.0.clone())) {
                Some(l) => *l,
                None if *kind == DepKind::Dev => p.dev,
                None => p.root,
            };
            let e = next.get_mut(t).unwrap();
            *e = (*e).max(from_root);
        }
        for (u, vs) in &uses.edges {
            let Some(&own) = lvl.get(u) else {
                continue; // not built: it sends nothing
            };
            for v in vs {
                let sent = p
                    .dep
                    .get(&(u.0.clone(), v.0.clone()))
                    .copied()
                    .unwrap_or(own);
                let e = next.get_mut(v).unwrap();
                *e = (*e).max(sent);
            }
        }
        for t in &reached {
            if let Some(f) = p.fixed.get(&t.0) {
                next.insert(t.clone(), *f);
            }
        }
        if next == lvl {
            return lvl;
        }
        lvl = next;
    }
}

/// The oracle's target filter: an edge marked `cfg(windows)` does not build.
fn builds(d: &IndexDep) -> bool {
    d.target.as_deref() != Some("cfg(windows)")
}

/// Marks random edges with a target, from an RNG of its own (the worlds themselves stay
/// those of the unfiltered generator).
fn add_targets(w: &mut World, seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1, false);
    w.filtered = rng.chance(50);
    if !w.filtered {
        return;
    }
    let mut mark = |d: &mut IndexDep| {
        let r = rng.below(100);
        d.target = if r < 30 {
            Some("cfg(windows)".to_string())
        } else if r < 40 {
            Some("cfg(unix)".to_string())
        } else {
            None
        };
    };
    for r in &mut w.roots.packages {
        r.deps.iter_mut().for_each(&mut mark);
    }
    for c in w.index.values_mut() {
        for v in &mut c.versions {
            std::sync::Arc::make_mut(&mut v.deps)
                .iter_mut()
                .for_each(&mut mark);
        }
    }
}

fn random_req(rng: &mut Rng, existing: &[&'static str]) -> VersionReq {
    // mostly a requirement some published version meets, sometimes any pool version
    let v = if rng.chance(92) {
        // the lowest of two picks: lower bounds leave room to choose
        let (a, b) = (rng.pick(existing), rng.pick(existing));
        let (a, b) = (Version::parse(a).unwrap(), Version::parse(b).unwrap());
        a.min(b)
    } else {
        Version::parse(rng.pick::<&str>(POOL)).unwrap()
    };
    if rng.chance(6) {
        // spans buckets: Cargo records one target per edge
        return VersionReq::parse(rng.pick::<&str>(&[">=0.1.0, <2.0.0", "*", ">=1.0.0"])).unwrap();
    }
    let op = if rng.pct(22, 5) {
        *rng.pick(&["~", "="])
    } else {
        "^"
    };
    VersionReq::parse(&format!("{op}{v}")).unwrap()
}

fn random_dep(
    rng: &mut Rng,
    target: &str,
    existing: &[&'static str],
    allow_optional: bool,
) -> IndexDep {
    let renamed = rng.chance(10);
    let mut features = Vec::new();
    for f in &FEATS[1..] {
        if rng.pct(8, 2) {
            features.push(f.to_string());
        }
    }
    IndexDep {
        name: if renamed {
            format!("r_{target}")
        } else {
            target.to_string()
        },
        package: renamed.then(|| target.to_string()),
        req: random_req(rng, existing),
        features,
        optional: allow_optional && rng.chance(45),
        default_features: rng.chance(70),
        target: None,
        kind: *rng.pick(&[
            DepKind::Normal,
            DepKind::Normal,
            DepKind::Normal,
            DepKind::Build,
            DepKind::Dev,
        ]),
        registry: None,
    }
}

fn random_world(seed: u64) -> World {
    let mut rng = Rng(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        seed.is_multiple_of(2),
    );
    let n = 2 + rng.below(3) as usize;
    let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let mut index = BTreeMap::new();
    let mut cost = BTreeMap::new();
    let mut cost_dev = BTreeMap::new();
    let sets: Vec<Vec<&'static str>> = (0..n)
        .map(|_| {
            let mut vs: BTreeSet<&'static str> = BTreeSet::new();
            for _ in 0..2 + rng.below(4) {
                vs.insert(*rng.pick(POOL));
            }
            vs.into_iter().collect()
        })
        .collect();
    for i in 0..n {
        let mut versions = Vec::new();
        for &v in &sets[i] {
            let version = Version::parse(v).unwrap();
            let mut deps = Vec::new();
            for _ in 0..rng.below(3) {
                // mostly downwards; sometimes back up, which makes name-level cycles
                let j = if i + 1 < n && !rng.chance(15) {
                    i + 1 + rng.below((n - i - 1) as u64) as usize
                } else {
                    rng.below(n as u64) as usize
                };
                if j != i {
                    deps.push(random_dep(&mut rng, &names[j], &sets[j], true));
                }
            }
            // feature table: valid by construction, possibly cyclic
            let optional: Vec<String> = deps
                .iter()
                .filter(|d| d.optional && d.kind != DepKind::Dev)
                .map(|d| d.name.clone())
                .collect();
            let dep_syntax: BTreeSet<String> = optional
                .iter()
                .filter(|_| rng.chance(50))
                .cloned()
                .collect();
            let fnames: Vec<&str> = FEATS.iter().copied().filter(|_| rng.chance(70)).collect();
            let mut features: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for f in &fnames {
                let mut vals = Vec::new();
                for _ in 0..rng.below(3) {
                    match rng.below(7) {
                        0 => vals.push(rng.pick(&fnames).to_string()),
                        1..=3 if !optional.is_empty() => {
                            let o = rng.pick(&optional);
                            if dep_syntax.contains(o) {
                                vals.push(format!("dep:{o}"));
                            } else {
                                vals.push(o.clone());
                            }
                        }
                        4 if !deps.is_empty() && rng.pct(100, 30) => {
                            let d = rng.pick(&deps);
                            let weak = if d.optional && rng.chance(50) {
                                "?"
                            } else {
                                ""
                            };
                            vals.push(format!("{}{}/{}", d.name, weak, rng.pick(&FEATS[1..])));
                        }
                        _ => {}
                    }
                }
                vals.retain(|v| v != f);
                features.insert(f.to_string(), vals);
            }
            // the `serde = ["dep:serde", "chrono/serde"]` pattern: an explicit feature named like
            // a dep-syntax optional dep, which a strong `n/f` turns on and a weak one does not
            for o in &dep_syntax {
                if !fnames.is_empty() && rng.chance(50) {
                    let other = rng.pick(&fnames).to_string();
                    features.insert(o.clone(), vec![format!("dep:{o}"), other]);
                }
            }
            // a weak or strong `n/f` on a dep-syntax optional dep is fine; a bare name of a
            // dep-syntax dep would be invalid, never generated above
            let links = rng.pct(8, 3).then(|| "L".to_string());
            let yanked = rng.pct(5, 3);
            let c = rng.below(6);
            cost.insert((names[i].clone(), version.clone()), c);
            // safe-to-run is often cheaper to reach than safe-to-deploy
            let dev = if rng.chance(40) { rng.below(c + 1) } else { c };
            cost_dev.insert((names[i].clone(), version.clone()), dev);
            versions.push(IndexVersion {
                name: names[i].clone(),
                version,
                deps: deps.into(),
                features: features.into(),
                links,
                yanked,
                rust_version: None,
                cksum: String::new(),
                pubtime: None,
            });
        }
        index.insert(
            names[i].clone(),
            IndexCrate {
                name: names[i].clone(),
                versions,
            },
        );
    }
    let mut root_deps = Vec::new();
    for _ in 0..(1 + rng.below(2)) {
        let j = rng.below(n as u64) as usize;
        let mut d = random_dep(&mut rng, &names[j], &sets[j], false);
        d.optional = false;
        root_deps.push(d);
    }
    // a member's dev-dependency: what it reaches is priced for dev use unless deploy reaches it
    if rng.chance(50) {
        let j = rng.below(n as u64) as usize;
        let mut d = random_dep(&mut rng, &names[j], &sets[j], false);
        d.optional = false;
        d.kind = DepKind::Dev;
        root_deps.push(d);
    }
    let links = rng.chance(5).then(|| "L".to_string());
    let roots = Roots {
        packages: vec![RootPackage {
            name: "ws".into(),
            deps: root_deps,
            links,
        }],
    };
    let mut locked = Locked::new();
    for c in index.values() {
        if rng.chance(50) {
            let v = rng.pick(&c.versions);
            locked.insert((c.name.clone(), v.version.clone()));
        }
    }
    let mut w = World {
        index,
        roots,
        locked,
        cost,
        cost_dev,
        order: random_order(seed),
        filtered: false,
        root_build: None,
        policies: Policies::default(),
    };
    add_targets(&mut w, seed);
    add_feature_filter(&mut w, seed);
    add_policies(&mut w, seed);
    w
}

/// Gives some worlds a feature filter, from an RNG of its own: root edges ask for more
/// features in the lockfile resolve (every member feature on) than the build does, and some
/// root edges are not built at all.
fn add_feature_filter(w: &mut World, seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0xA076_1D64_78BD_642F) | 1, false);
    if !rng.chance(50) {
        return;
    }
    let mut builds = Vec::new();
    for d in &mut w.roots.packages[0].deps {
        for f in &FEATS[1..] {
            if rng.chance(25) && !d.features.iter().any(|x| x == f) {
                d.features.push(f.to_string());
            }
        }
        builds.push((!rng.chance(15)).then(|| {
            d.features
                .iter()
                .filter(|_| rng.chance(50))
                .cloned()
                .collect()
        }));
    }
    w.root_build = Some(builds);
}

/// The default order for a quarter of the seeds, else a random order of a random non-empty
/// subset of the criteria (its own generator: the worlds stay those of earlier runs).
fn random_order(seed: u64) -> Order {
    if seed.is_multiple_of(4) {
        return Order::default();
    }
    let mut rng = Rng(seed.wrapping_mul(0xD6E8_FEB8_6659_FD93) | 1, false);
    let mut pool = Criterion::ALL.to_vec();
    let mut picked = Vec::new();
    while !pool.is_empty() && (picked.is_empty() || rng.chance(70)) {
        picked.push(pool.remove(rng.below(pool.len() as u64) as usize));
    }
    Order::new(picked).expect("distinct criteria")
}

// ---------------------------------------------------------------- independent checker

fn bucket(v: &Version) -> (u64, u64, u64) {
    if v.major > 0 {
        (v.major, u64::MAX, u64::MAX)
    } else if v.minor > 0 {
        (0, v.minor, u64::MAX)
    } else {
        (0, 0, v.patch)
    }
}

/// Feature table with cargo's implicit features: optional dep `n` not named as `dep:n`.
fn table(v: &IndexVersion) -> BTreeMap<String, Vec<String>> {
    let mut t = (*v.features).clone();
    for d in v.deps.iter() {
        if d.optional && d.kind != DepKind::Dev {
            let named = v
                .features
                .values()
                .flatten()
                .any(|s| *s == format!("dep:{}", d.name));
            if !named {
                t.entry(d.name.clone())
                    .or_insert_with(|| vec![format!("dep:{}", d.name)]);
            }
        }
    }
    t
}

#[derive(Default, Clone)]
struct State {
    feats: BTreeSet<String>,
}

/// Chosen versions a dependency may resolve to (several only for cross-bucket requirements).
fn find<'a>(
    w: &'a World,
    chosen: &BTreeSet<(String, Version)>,
    d: &IndexDep,
) -> Vec<&'a IndexVersion> {
    let name = d.package.as_deref().unwrap_or(&d.name);
    let Some(krate) = w.index.get(name) else {
        return vec![];
    };
    krate
        .versions
        .iter()
        .filter(|v| {
            d.req.matches(&v.version) && chosen.contains(&(name.to_string(), v.version.clone()))
        })
        .collect()
}

/// Which of the possible targets each ambiguous edge takes: (source, dep index) -> choice.
type Routing = BTreeMap<(String, usize), usize>;

fn pick<'a>(
    w: &'a World,
    chosen: &BTreeSet<(String, Version)>,
    routing: &Routing,
    src: &str,
    i: usize,
    d: &IndexDep,
) -> Option<&'a IndexVersion> {
    let hits = find(w, chosen, d);
    let k = routing.get(&(src.to_string(), i)).copied().unwrap_or(0);
    hits.get(k).copied()
}

/// Is `chosen` a lock Cargo's lockfile resolve would keep?
fn valid(w: &World, chosen: &BTreeSet<(String, Version)>) -> bool {
    best_routing(w, chosen).is_some()
}

/// The cheapest objective of `chosen` over the edge routings that make it a valid lock (the
/// routing decides which packages deploy use reaches); None when no routing is valid.
fn best_routing(w: &World, chosen: &BTreeSet<(String, Version)>) -> Option<Objective> {
    // per (name, bucket) at most one; yanked only if locked; links unique
    let mut seen = BTreeSet::new();
    let mut links: Vec<&str> = w
        .roots
        .packages
        .iter()
        .filter_map(|r| r.links.as_deref())
        .collect();
    for (n, v) in chosen {
        if !seen.insert((n.clone(), bucket(v))) {
            return None;
        }
        let iv = w.index[n]
            .versions
            .iter()
            .find(|x| &x.version == v)
            .unwrap();
        if iv.yanked && !w.locked.contains(&(n.clone(), v.clone())) {
            return None;
        }
        if let Some(l) = &iv.links {
            links.push(l);
        }
    }
    let uniq: BTreeSet<&str> = links.iter().copied().collect();
    if uniq.len() != links.len() {
        return None;
    }
    // Cargo records one target per edge: the lock is valid if some routing of the ambiguous
    // edges (requirements matching chosen versions in several buckets) works
    let mut ambiguous: Vec<((String, usize), usize)> = Vec::new();
    for (r, root) in w.roots.packages.iter().enumerate() {
        for (i, d) in root.deps.iter().enumerate() {
            let n = find(w, chosen, d).len();
            if n > 1 {
                ambiguous.push(((format!("root{r}"), i), n));
            }
        }
    }
    for (name, v) in chosen {
        let iv = w.index[name]
            .versions
            .iter()
            .find(|x| &x.version == v)
            .unwrap();
        for (i, d) in iv.deps.iter().enumerate() {
            let n = find(w, chosen, d).len();
            if n > 1 && d.kind != DepKind::Dev {
                ambiguous.push(((format!("{name} {v}"), i), n));
            }
        }
    }
    let mut choice = vec![0usize; ambiguous.len()];
    let mut best: Option<Objective> = None;
    loop {
        let routing: Routing = ambiguous
            .iter()
            .zip(&choice)
            .map(|((k, _), c)| (k.clone(), *c))
            .collect();
        if let Some(uses) = walk(w, chosen, &routing) {
            let uses = match &w.root_build {
                Some(rb) => build_walk(w, rb, chosen, &routing),
                None => uses,
            };
            let o = objective(w, chosen, &levels(w, &uses));
            best = Some(best.map_or(
                o,
                |b: Objective| if key(w, &o) < key(w, &b) { o } else { b },
            ));
        }
        let mut k = 0;
        loop {
            if k == ambiguous.len() {
                return best;
            }
            choice[k] += 1;
            if choice[k] < ambiguous[k].1 {
                break;
            }
            choice[k] = 0;
            k += 1;
        }
    }
}

/// The lockfile resolve from the roots through `chosen` with fixed edge targets: valid iff
/// every active edge finds its target with the requested features, no package cycle, and
/// exactly the chosen versions are reached. Returns the building edges (the root's and the
/// registry packages'), from which [`levels`] computes what cargo-vet requires.
fn walk(w: &World, chosen: &BTreeSet<(String, Version)>, routing: &Routing) -> Option<Uses> {
    let mut root_uses: Vec<(Pid, DepKind)> = Vec::new();
    let mut state: BTreeMap<(String, Version), State> = BTreeMap::new();
    let mut edges: BTreeMap<(String, Version), BTreeSet<(String, Version)>> = BTreeMap::new();
    let mut built_edges: BTreeMap<Pid, BTreeSet<Pid>> = BTreeMap::new();
    let mut pending: Vec<(&IndexVersion, BTreeSet<String>)> = Vec::new();
    let request =
        |iv: &IndexVersion, d: &IndexDep, extra: &BTreeSet<String>| -> Option<BTreeSet<String>> {
            let t = table(iv);
            let mut req: BTreeSet<String> = d.features.iter().cloned().collect();
            req.extend(extra.iter().cloned());
            if req.iter().any(|f| !t.contains_key(f)) {
                return None;
            }
            if d.default_features && t.contains_key("default") {
                req.insert("default".into());
            }
            Some(req)
        };
    for (r, root) in w.roots.packages.iter().enumerate() {
        for (i, d) in root.deps.iter().enumerate() {
            let iv = pick(w, chosen, routing, &format!("root{r}"), i, d)?;
            let req = request(iv, d, &BTreeSet::new())?;
            if !w.filtered || builds(d) {
                root_uses.push(((iv.name.clone(), iv.version.clone()), d.kind));
            }
            pending.push((iv, req));
        }
    }
    while let Some((iv, req)) = pending.pop() {
        let key = (iv.name.clone(), iv.version.clone());
        let fresh = !state.contains_key(&key);
        let st = state.entry(key.clone()).or_default();
        let before = st.feats.len();
        st.feats.extend(req);
        if !fresh && st.feats.len() == before {
            continue;
        }
        let (feats, on_deps, dep_feats) = feature_closure(iv, st.feats.clone(), true);
        state.get_mut(&key).unwrap().feats = feats;
        let src = format!("{} {}", iv.name, iv.version);
        for (i, d) in iv.deps.iter().enumerate() {
            if d.kind == DepKind::Dev || (d.optional && !on_deps.contains(&d.name)) {
                continue;
            }
            let target = pick(w, chosen, routing, &src, i, d)?;
            let extra = dep_feats.get(&d.name).cloned().unwrap_or_default();
            let req = request(target, d, &extra)?;
            edges
                .entry(key.clone())
                .or_default()
                .insert((target.name.clone(), target.version.clone()));
            if !w.filtered || builds(d) {
                built_edges
                    .entry(key.clone())
                    .or_default()
                    .insert((target.name.clone(), target.version.clone()));
            }
            pending.push((target, req));
        }
    }
    if has_cycle(&edges) {
        return None; // cargo: "cyclic package dependency"
    }
    let reached: BTreeSet<(String, Version)> = state.into_keys().collect();
    if &reached != chosen {
        return None;
    }
    Some(Uses {
        root: root_uses,
        edges: built_edges,
    })
}

type Pid = (String, Version);

/// Features on inside `iv` from `start`, the optional dependencies they turn on, and the
/// features they ask of each dependency (by the name `iv` uses). `lockfile`: the lockfile
/// resolve, where a weak `n?/f` turns n on too (rust-lang/cargo#10801); else resolver v2's
/// build, where a weak `n?/f` asks f only of an n that is not optional or that something
/// else turned on.
#[allow(clippy::type_complexity)]
fn feature_closure(
    iv: &IndexVersion,
    start: BTreeSet<String>,
    lockfile: bool,
) -> (
    BTreeSet<String>,
    BTreeSet<String>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let t = table(iv);
    let optional = |n: &str| {
        iv.deps
            .iter()
            .any(|d| d.name == n && d.optional && d.kind != DepKind::Dev)
    };
    let mut feats = start;
    let mut on: BTreeSet<String> = BTreeSet::new();
    let mut asked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut weak_asks: Vec<(String, String)> = Vec::new();
    loop {
        let mut grew = false;
        for f in feats.clone() {
            for val in t.get(&f).into_iter().flatten() {
                if let Some(n) = val.strip_prefix("dep:") {
                    on.insert(n.to_string());
                } else if let Some((n, sub)) = val.split_once('/') {
                    let (n, weak) = match n.strip_suffix('?') {
                        Some(n) => (n, true),
                        None => (n, false),
                    };
                    if weak && !lockfile {
                        weak_asks.push((n.to_string(), sub.to_string()));
                        continue;
                    }
                    on.insert(n.to_string());
                    if !weak && optional(n) && t.contains_key(n) && feats.insert(n.to_string()) {
                        grew = true;
                    }
                    asked
                        .entry(n.to_string())
                        .or_default()
                        .insert(sub.to_string());
                } else if feats.insert(val.clone()) {
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    for (n, sub) in weak_asks {
        if !optional(&n) || on.contains(&n) {
            asked.entry(n).or_default().insert(sub);
        }
    }
    (feats, on, asked)
}

/// Feature filter: what the build reaches in a valid lock (`walk` accepted it), by resolver
/// v2's rules, written apart from the model. Root edges build with the features `root_build`
/// gives (None: not built) plus `default` unless `default-features = false`; inside a built
/// version a feature turns on what its values say, except that a weak `n?/f` never turns n on
/// and asks f of n only when something else turned n on; a non-dev dependency builds when it
/// is not optional or is on (and, under the target filter, does not need `cfg(windows)`).
/// Returns (deploy, built) like `walk`: deploy from the non-dev root edges.
fn build_walk(
    w: &World,
    root_build: &[Option<Vec<String>>],
    chosen: &BTreeSet<Pid>,
    routing: &Routing,
) -> Uses {
    let pid = |iv: &IndexVersion| (iv.name.clone(), iv.version.clone());
    let with_default = |iv: &IndexVersion, d: &IndexDep, mut req: BTreeSet<String>| {
        if d.default_features && table(iv).contains_key("default") {
            req.insert("default".to_string());
        }
        req
    };
    let mut root_uses: Vec<(Pid, DepKind)> = Vec::new();
    let mut pending: Vec<(&IndexVersion, BTreeSet<String>)> = Vec::new();
    for (i, d) in w.roots.packages[0].deps.iter().enumerate() {
        let Some(asked) = &root_build[i] else {
            continue;
        };
        if w.filtered && !builds(d) {
            continue;
        }
        let iv = pick(w, chosen, routing, "root0", i, d).expect("a valid lock");
        root_uses.push((pid(iv), d.kind));
        pending.push((iv, with_default(iv, d, asked.iter().cloned().collect())));
    }
    let mut feats: BTreeMap<Pid, BTreeSet<String>> = BTreeMap::new();
    let mut edges: BTreeMap<Pid, BTreeSet<Pid>> = BTreeMap::new();
    while let Some((iv, req)) = pending.pop() {
        let key = pid(iv);
        let fresh = !feats.contains_key(&key);
        let on_now = feats.entry(key.clone()).or_default();
        let before = on_now.len();
        on_now.extend(req);
        if !fresh && on_now.len() == before {
            continue;
        }
        let (fs, on, asked) = feature_closure(iv, on_now.clone(), false);
        *feats.get_mut(&key).unwrap() = fs;
        let src = format!("{} {}", iv.name, iv.version);
        for (i, d) in iv.deps.iter().enumerate() {
            let off = d.optional && !on.contains(&d.name);
            if d.kind == DepKind::Dev || off || (w.filtered && !builds(d)) {
                continue;
            }
            let target = pick(w, chosen, routing, &src, i, d).expect("a valid lock");
            let mut req: BTreeSet<String> = d.features.iter().cloned().collect();
            req.extend(asked.get(&d.name).into_iter().flatten().cloned());
            edges.entry(key.clone()).or_default().insert(pid(target));
            pending.push((target, with_default(target, d, req)));
        }
    }
    Uses {
        root: root_uses,
        edges,
    }
}

fn has_cycle(edges: &BTreeMap<Pid, BTreeSet<Pid>>) -> bool {
    // repeatedly strip nodes without outgoing edges; a cycle is what remains
    let mut out: BTreeMap<Pid, BTreeSet<Pid>> = edges.clone();
    loop {
        let sinks: Vec<Pid> = out
            .iter()
            .filter(|(_, ts)| ts.iter().all(|t| !out.contains_key(t)))
            .map(|(k, _)| k.clone())
            .collect();
        if sinks.is_empty() {
            return !out.is_empty();
        }
        for k in sinks {
            out.remove(&k);
        }
    }
}

fn objective(w: &World, chosen: &BTreeSet<Pid>, levels: &BTreeMap<Pid, u8>) -> Objective {
    let mut o = Objective::default();
    for k in chosen {
        let c = match levels.get(k) {
            Some(2) => w.cost[k],
            Some(1) => w.cost_dev[k],
            // nothing required, or not built for the listed targets: stays in the lock free
            _ => 0,
        };
        o.lines += c;
        o.audits += u64::from(c > 0);
    }
    o.changed = chosen.difference(&w.locked).count() as u64;
    o.lag = lag(w, chosen);
    o
}

/// Newer releases in the same bucket that `cargo update` could move to, summed.
fn lag(w: &World, chosen: &BTreeSet<Pid>) -> u64 {
    chosen
        .iter()
        .map(|(n, v)| {
            w.index[n]
                .versions
                .iter()
                .filter(|x| {
                    x.version > *v
                        && x.version.pre.is_empty()
                        && !x.yanked
                        && bucket(&x.version) == bucket(v)
                })
                .count() as u64
        })
        .sum()
}

/// Cheapest valid lock by enumeration, None if there is none; also the number of locks.
fn brute_force(w: &World) -> (Option<Objective>, usize) {
    brute_force_holding(w, None)
}

/// Like [`brute_force`], over the valid locks that hold `must` when given.
fn brute_force_holding(w: &World, must: Option<&(String, Version)>) -> (Option<Objective>, usize) {
    brute_force_where(w, &|chosen| must.is_none_or(|p| chosen.contains(p)))
}

/// Like [`brute_force`], over the valid locks `keep` accepts.
fn brute_force_where(
    w: &World,
    keep: &dyn Fn(&BTreeSet<Pid>) -> bool,
) -> (Option<Objective>, usize) {
    type Groups = BTreeMap<(String, (u64, u64, u64)), Vec<Version>>;
    let mut groups: Groups = BTreeMap::new();
    for c in w.index.values() {
        for v in &c.versions {
            groups
                .entry((c.name.clone(), bucket(&v.version)))
                .or_default()
                .push(v.version.clone());
        }
    }
    let groups: Vec<(String, Vec<Version>)> =
        groups.into_iter().map(|((n, _), vs)| (n, vs)).collect();
    let mut best: Option<Objective> = None;
    let mut count = 0;
    let mut idx = vec![0usize; groups.len()];
    loop {
        let chosen: BTreeSet<(String, Version)> = groups
            .iter()
            .zip(&idx)
            .filter(|(_, i)| **i > 0)
            .map(|((n, vs), i)| (n.clone(), vs[*i - 1].clone()))
            .collect();
        if !keep(&chosen) {
            // not a lock this search is about
        } else if let Some(o) = best_routing(w, &chosen) {
            count += 1;
            best = Some(best.map_or(o, |b| if key(w, &o) < key(w, &b) { o } else { b }));
        }
        // next combination (odometer)
        let mut k = 0;
        loop {
            if k == groups.len() {
                return (best, count);
            }
            idx[k] += 1;
            if idx[k] <= groups[k].1.len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

fn key(w: &World, o: &Objective) -> Vec<u64> {
    o.key(&w.order)
}

fn model_of(w: &World) -> model::Model {
    model_with(
        w,
        &WorldRules {
            p: &w.policies,
            ignore_fixed: false,
        },
    )
}

fn model_with(w: &World, rules: &dyn model::uses::UseRules) -> model::Model {
    let full = model::generate(&w.index, &w.roots, &w.locked, &Default::default());
    // the optimiser generates again from the slimmed index: it must give the same candidates
    let slim = model::candidates::slim_index(&w.index, &w.roots, &full);
    let cands = model::generate(&slim, &w.roots, &w.locked, &Default::default());
    let ids = |c: &model::Candidates<'_>| -> Vec<(String, Version)> {
        c.iter()
            .map(|c| (c.name().to_string(), c.version().clone()))
            .collect()
    };
    assert_eq!(ids(&cands), ids(&full), "slim_index changed the candidates");
    assert_eq!(cands.missing, full.missing, "slim_index lost a crate");
    assert_eq!(
        cands.skipped, full.skipped,
        "slim_index changed what is skipped"
    );
    build_model(w, &cands, rules, &|n, v, set| {
        let k = (n.to_string(), v.clone());
        let prices = model::Prices {
            deploy: *w.cost.get(&k)?,
            dev: *w.cost_dev.get(&k)?,
        };
        Some(prices.for_set(set))
    })
}

/// The model of `cands` with the world's target and feature filters, priced by `cost`.
fn build_model(
    w: &World,
    cands: &model::Candidates<'_>,
    rules: &dyn model::uses::UseRules,
    cost: &dyn Fn(&str, &Version, CriteriaSet) -> Option<u64>,
) -> model::Model {
    let root_deps = &w.roots.packages[0].deps;
    let root_build = |i: usize, d: &IndexDep| -> Option<&Vec<String>> {
        let rb = w.root_build.as_ref()?;
        assert_eq!(i, 0, "one root");
        rb[root_deps.iter().position(|x| x == d)?].as_ref()
    };
    let filter = |from: model::EdgeFrom<'_>, d: &IndexDep| {
        let by_features = match from {
            model::EdgeFrom::Root(i) => w.root_build.is_none() || root_build(i, d).is_some(),
            model::EdgeFrom::Pkg(..) => true,
        };
        by_features && (!w.filtered || builds(d))
    };
    let features = |i: usize, d: &IndexDep| root_build(i, d).cloned().unwrap_or_default();
    model::build_features_filtered(
        cands,
        &w.roots,
        cost,
        rules,
        (w.filtered || w.root_build.is_some()).then_some(&filter as model::EdgeFilter<'_>),
        w.root_build
            .is_some()
            .then_some(&features as model::RootFeatures<'_>),
    )
    .expect("every version is priced")
}

/// The model as the solver gets it (lag filled), and the locked packages outside it.
fn solver_model(w: &World) -> (model::Model, u64) {
    solver_model_with(
        w,
        &WorldRules {
            p: &w.policies,
            ignore_fixed: false,
        },
    )
}

fn solver_model_with(w: &World, rules: &dyn model::uses::UseRules) -> (model::Model, u64) {
    let mut m = model_with(w, rules);
    let in_model: BTreeSet<(String, Version)> = m
        .pkgs
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let outside = w.locked.difference(&in_model).count() as u64;
    model::lag::fill(&mut m, &w.index, &Default::default());
    (m, outside)
}

/// `staged`: a MIP stage per criterion (`SolveOptions::staged`) instead of one weighted stage.
fn run_solver(w: &World, staged: bool) -> Outcome {
    let (m, outside) = solver_model(w);
    let opts = SolveOptions {
        order: w.order.clone(),
        staged,
        ..SolveOptions::default()
    };
    solve::solve(&m, outside, &opts).expect("solver runs")
}

/// Solves with the versions `reduce::dominated` leaves out fixed to 0 (every price here is
/// exact); returns the outcome and how many versions were left out.
fn run_solver_dominance(w: &World) -> (Outcome, usize) {
    let (mut m, outside) = solver_model(w);
    let full = model::generate(&w.index, &w.roots, &w.locked, &Default::default());
    let groups =
        reduce::interchangeable_groups(&full, &reduce::requirements_by_crate(&full, &w.roots));
    let out = reduce::dominated(&groups, &m.pkgs, &|_| true);
    for &i in &out {
        let x = m.pkgs[i].x;
        m.rows.push(model::Row {
            terms: vec![(x, 1.0)],
            lo: 0.0,
            hi: 0.0,
        });
    }
    let opts = SolveOptions {
        order: w.order.clone(),
        ..SolveOptions::default()
    };
    let outcome = solve::solve(&m, outside, &opts).expect("solver runs");
    (outcome, out.len())
}

/// How many random worlds a test runs: `MINAUDIT_BF_SEEDS`, else `default`.
fn seeds_or(default: u64) -> u64 {
    std::env::var("MINAUDIT_BF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn solver_matches_brute_force_on_random_registries() {
    let seeds = seeds_or(600u64);
    let (mut sat, mut unsat, mut cut_runs, mut locks, mut multi) = (0, 0, 0, 0usize, 0u64);
    // solvable worlds whose current lock no longer satisfies the roots (a stale lock): the
    // answer is still the cheapest lock for the roots, `changed` counted against the old one
    let mut stale = 0u64;
    // a world with several valid locks is solved under more orders: trade-offs between the
    // criteria only show there
    let mut runs: Vec<(u64, Order)> = Vec::new();
    for seed in 0..seeds {
        runs.push((seed, random_order(seed)));
        if brute_force(&random_world(seed)).1 > 1 {
            runs.extend((1..=3).map(|k| (seed, random_order(seed * 101 + k))));
        }
    }
    let total = runs.len();
    // filtered worlds, and those whose optimum holds a version not built (priced 0)
    let (mut filtered, mut unbuilt) = (0u64, 0u64);
    // feature-filtered worlds, and those whose optimum holds a version the build leaves out
    let (mut feature_filtered, mut feature_unbuilt) = (0u64, 0u64);
    // worlds with policies, and those whose optimum holds a version priced below its default
    // (a policy asks less than deploy or dev use would)
    let (mut with_policies, mut policy_lowered) = (0u64, 0u64);
    for (seed, order) in runs {
        let mut w = random_world(seed);
        w.order = order;
        let policies = !w.policies.fixed.is_empty()
            || !w.policies.dep.is_empty()
            || (w.policies.root, w.policies.dev) != (2, 1);
        with_policies += u64::from(policies);
        filtered += u64::from(w.filtered);
        feature_filtered += u64::from(w.root_build.is_some());
        let (best, count) = brute_force(&w);
        locks += count;
        multi += u64::from(count > 1);
        // one weighted stage (the default) on most worlds, a stage per criterion on a third
        match (best, run_solver(&w, seed % 3 == 0)) {
            (None, Outcome::Unsat) => unsat += 1,
            (Some(b), Outcome::Solved(s)) => {
                sat += 1;
                assert_eq!(s.status, Status::Optimal, "seed {seed}");
                assert_eq!(
                    key(&w, &s.objective),
                    key(&w, &b),
                    "seed {seed}, order {}: solver vs brute force",
                    w.order
                );
                let chosen: BTreeSet<(String, Version)> = s
                    .chosen
                    .iter()
                    .flat_map(|(n, vs)| vs.iter().map(move |v| (n.clone(), v.clone())))
                    .collect();
                let checked = best_routing(&w, &chosen)
                    .unwrap_or_else(|| panic!("seed {seed}: solver's lock fails the checker"));
                assert_eq!(key(&w, &checked), key(&w, &b), "seed {seed}");
                if s.cut_rounds > 0 {
                    cut_runs += 1;
                }
                if policies {
                    let m = model_of(&w);
                    policy_lowered += u64::from(m.pkgs.iter().any(|p| {
                        p.tier_of(&s.values).is_some_and(|k| {
                            let top = *w.cost.get(&(p.name.clone(), p.version.clone())).unwrap();
                            p.tiers[k].cost < top && !p.tiers[k].set.has(0)
                        })
                    }));
                }
                if w.filtered || w.root_build.is_some() {
                    let m = model_of(&w);
                    let any_unbuilt = u64::from(m.pkgs.iter().any(|p| {
                        s.values.get(p.x) == Some(&true) && p.b.is_some_and(|b| !s.values[b])
                    }));
                    if w.filtered {
                        unbuilt += any_unbuilt;
                    } else {
                        feature_unbuilt += any_unbuilt;
                    }
                }
                if let Some(cur) = s.current {
                    // the current lock is rarely optimal: its lag checks the lag of every version
                    assert_eq!(
                        cur.lag,
                        lag(&w, &w.locked),
                        "seed {seed}: lag of the current lock"
                    );
                    assert!(
                        valid(&w, &w.locked),
                        "seed {seed}: model accepted an invalid current lock"
                    );
                    assert!(key(&w, &s.objective) <= key(&w, &cur));
                } else {
                    assert!(
                        !valid(&w, &w.locked),
                        "seed {seed}: model rejected a valid current lock"
                    );
                    stale += 1;
                }
            }
            (b, o) => panic!("seed {seed}: brute force {b:?} vs solver {o:?}"),
        }
    }
    println!(
        "{seeds} seeds, {total} (world, order) runs: {sat} solvable ({multi} with several valid locks, \
         {stale} with a stale current lock), {unsat} unsat, {cut_runs} needed loop cuts, {locks} valid locks enumerated; {filtered} \
         with a target filter, {unbuilt} of them with a version not built in the optimum; \
         {feature_filtered} with a feature filter, {feature_unbuilt} of those without a target \
         filter with a version the build leaves out; {with_policies} with policies, \
         {policy_lowered} of them with a version a policy leaves unrequired in the optimum"
    );
    // the generator must exercise both outcomes, or the test proves little
    assert!(
        sat > seeds / 2
            && multi > seeds / 10
            && stale > seeds / 10
            && unsat > 0
            && unbuilt > seeds / 20
            && feature_unbuilt > seeds / 40
            && with_policies > seeds / 3
            && policy_lowered > seeds / 40,
        "sat {sat} multi {multi} unsat {unsat} unbuilt {unbuilt} feature_unbuilt {feature_unbuilt} \
         with_policies {with_policies} policy_lowered {policy_lowered}"
    );
}

/// The oracle is strong enough to catch a model that ignores a policy `criteria` override:
/// on some random world the mutated model's optimum differs from the enumerated one.
#[test]
fn brute_force_catches_a_model_that_ignores_policy_criteria() {
    let mut caught = 0;
    for seed in 0..seeds_or(300) {
        let w = random_world(seed);
        if w.policies.fixed.is_empty() {
            continue;
        }
        let (m, outside) = solver_model_with(
            &w,
            &WorldRules {
                p: &w.policies,
                ignore_fixed: true,
            },
        );
        let opts = SolveOptions {
            order: w.order.clone(),
            ..SolveOptions::default()
        };
        let mutated = solve::solve(&m, outside, &opts).expect("solver runs");
        if let (Some(b), Outcome::Solved(s)) = (brute_force(&w).0, mutated) {
            if key(&w, &s.objective) != key(&w, &b) {
                caught += 1;
            }
        }
    }
    assert!(caught > 0, "no world told the mutated model apart");
    println!("the mutation was caught on {caught} worlds");
}

/// Makes versions interchangeable, from an RNG of its own: a release often keeps the previous
/// release's dependency list, feature table and `links` in its bucket (patch releases), which
/// the random generator above almost never does (8 dominated versions in 966 runs).
fn share_dep_lists(w: &mut World, seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0xA076_1D64_78BD_642F) | 1, false);
    for c in w.index.values_mut() {
        for i in 1..c.versions.len() {
            let (before, after) = c.versions.split_at_mut(i);
            let (prev, v) = (&before[i - 1], &mut after[0]);
            if bucket(&prev.version) == bucket(&v.version) && rng.chance(90) {
                v.deps = prev.deps.clone();
                v.features = prev.features.clone();
                v.links = prev.links.clone();
                // and sometimes the same price: ties must fall one way only
                if rng.chance(30) {
                    let (p, k) = (
                        (c.name.clone(), prev.version.clone()),
                        (c.name.clone(), v.version.clone()),
                    );
                    for table in [&mut w.cost, &mut w.cost_dev] {
                        if let Some(&price) = table.get(&p) {
                            table.insert(k.clone(), price);
                        }
                    }
                }
            }
        }
    }
}

/// `reduce::dominated` (versions a newer, no dearer interchangeable one makes useless, left
/// out of the full solve) against brute force: the same optimum on every criterion, in each
/// world's random order (800 seeds; 84 solves leave out 93 versions). Mutations caught:
/// locked versions left out (seed 76), an older version allowed to dominate, so lag is
/// ignored (seed 9), the dev-use price ignored (seed 435). The count guard is loose enough for
/// `MINAUDIT_BF_SEEDS=3000` (268 of 3,000 solves leave versions out).
#[test]
fn leaving_out_dominated_versions_keeps_the_optimum() {
    let seeds = seeds_or(800u64);
    let (mut solved, mut left_out, mut runs_with) = (0u64, 0usize, 0u64);
    for seed in 0..seeds {
        let mut w = random_world(seed);
        share_dep_lists(&mut w, seed);
        let Some(best) = brute_force(&w).0 else {
            continue;
        };
        solved += 1;
        let (o, n) = run_solver_dominance(&w);
        left_out += n;
        runs_with += u64::from(n > 0);
        let Outcome::Solved(d) = o else {
            panic!("seed {seed}: unsat with dominated versions left out")
        };
        assert_eq!(
            key(&w, &d.objective),
            key(&w, &best),
            "seed {seed}, order {}: dominated versions left out",
            w.order
        );
    }
    println!("{seeds} seeds: {solved} solvable, {runs_with} solves left out {left_out} versions");
    assert!(
        solved > seeds / 5 * 2 && runs_with > seeds / 15,
        "solved {solved} runs with dominated versions {runs_with}"
    );
}

/// `explain` forces a version in (`x = 1`) and asks for the cheapest lock holding it. The
/// solver may hold the version without any package needing it; the lock Cargo builds then
/// drops it, and support cuts ([`minaudit::model::eval::support_cut`]) solve again. Oracle: the
/// cheapest valid lock that holds the version, by enumeration, for every candidate version of
/// a random crate of each world (the checker requires every chosen version to be reached).
/// Mutations caught (default 600 seeds): no cut, the old behaviour ("violating row", seed 13);
/// frontier heads from every implication reaching the version, not only those whose body holds
/// in the least lock (no cut the answer violates, seed 13); the support set `B` not closed
/// (only the version's direct parents: a version two steps away reported unsat, seed 15).
#[test]
fn forcing_a_version_in_matches_brute_force() {
    let seeds = seeds_or(600u64);
    let (mut runs, mut held, mut none, mut cut) = (0u64, 0u64, 0u64, 0u64);
    for seed in 0..seeds {
        let w = random_world(seed);
        let (m, outside) = solver_model(&w);
        for (i, p) in m.pkgs.iter().enumerate() {
            let target = (p.name.clone(), p.version.clone());
            let mut forced = m.clone();
            forced.rows.push(model::Row {
                terms: vec![(m.pkgs[i].x, 1.0)],
                lo: 1.0,
                hi: 1.0,
            });
            let opts = SolveOptions {
                order: w.order.clone(),
                ..SolveOptions::default()
            };
            let outcome = solve::solve(&forced, outside, &opts)
                .unwrap_or_else(|e| panic!("seed {seed}, {target:?}: {e}"));
            runs += 1;
            match (brute_force_holding(&w, Some(&target)).0, outcome) {
                (None, Outcome::Unsat) => none += 1,
                (Some(b), Outcome::Solved(s)) => {
                    held += 1;
                    cut += u64::from(s.cut_rounds > 0);
                    assert_eq!(s.status, Status::Optimal, "seed {seed}");
                    assert!(
                        s.chosen
                            .get(&target.0)
                            .is_some_and(|vs| vs.contains(&target.1)),
                        "seed {seed}: the answer does not hold {target:?}"
                    );
                    assert_eq!(
                        key(&w, &s.objective),
                        key(&w, &b),
                        "seed {seed}, {target:?}, order {}: solver vs brute force",
                        w.order
                    );
                }
                (b, o) => panic!("seed {seed}, {target:?}: brute force {b:?} vs solver {o:?}"),
            }
        }
    }
    println!("{seeds} seeds: {runs} forced versions, {held} held by some lock ({cut} needed cut rounds), {none} by none");
    // both outcomes, and cuts that mattered, or the test proves little
    assert!(
        held > runs / 4 && none > 0 && cut > seeds / 20,
        "runs {runs} held {held} none {none} cut {cut}"
    );
}

// ---- the lazy search over random audit stores and line counts ----

/// Line counts from a table: every file's full count, every delta's exact figure, and the
/// lower bound the search sees before it asks for the delta. `bound_above`: a deliberate
/// mutation (some bounds above the exact figure), which the oracle must catch.
#[derive(Clone)]
struct TableCounts {
    full: BTreeMap<(String, Version), u64>,
    salt: u64,
    bound_above: bool,
    files: BTreeSet<(String, Version)>,
    deltas: BTreeSet<AuditKey>,
}

impl TableCounts {
    fn mix(&self, key: &AuditKey) -> u64 {
        let text = format!("{}:{:?}:{}:{}", key.0, key.1, key.2, self.salt);
        text.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        })
    }
    /// A delta's exact figure (any size, possibly above the full audit's) and its bound.
    fn delta(&self, key: &AuditKey) -> (u64, u64) {
        let h = self.mix(key);
        let exact = 1 + h % 400;
        let bound = if self.bound_above && h.is_multiple_of(3) {
            exact + 1 + (h >> 20) % 300
        } else {
            exact * ((h >> 10) % 101) / 100
        };
        (exact, bound)
    }
}

impl LineCounts for TableCounts {
    fn count_files(&mut self, files: &BTreeSet<(String, Version)>) -> anyhow::Result<()> {
        for f in files {
            anyhow::ensure!(self.full.contains_key(f), "no such file {f:?}");
        }
        self.files.extend(files.iter().cloned());
        Ok(())
    }
    fn count_deltas(&mut self, audits: &BTreeSet<AuditKey>) -> anyhow::Result<()> {
        for (n, from, to) in audits {
            self.files.insert((n.clone(), to.clone()));
            if let Some(f) = from {
                self.files.insert((n.clone(), f.clone()));
            }
        }
        self.deltas.extend(audits.iter().cloned());
        Ok(())
    }
    fn figure(&self, key: &AuditKey) -> Option<(u64, bool)> {
        let (n, from, to) = key;
        let to_file = (n.clone(), to.clone());
        if !self.files.contains(&to_file) {
            return None;
        }
        match from {
            None => Some((self.full[&to_file], true)),
            Some(f) if self.files.contains(&(n.clone(), f.clone())) => {
                let (exact, bound) = self.delta(key);
                Some(if self.deltas.contains(key) {
                    (exact, true)
                } else {
                    (bound, false)
                })
            }
            Some(_) => None,
        }
    }
    fn fork(&self) -> Self {
        self.clone()
    }
    fn absorb(&mut self, fork: &mut Self) {
        self.files.append(&mut fork.files);
        self.deltas.append(&mut fork.deltas);
    }
    fn tally(&self) -> (usize, usize) {
        (self.files.len(), self.deltas.len())
    }
}

/// A random audit store for a world: some versions fully audited (safe-to-run or
/// safe-to-deploy), some deltas on top, so most candidates are priced by a delta (bounded
/// until counted), some are vetted and some need a full audit.
fn random_store(w: &World, seed: u64) -> Store {
    let mut rng = Rng(seed.wrapping_mul(0xD6E8_FEB8_6659_FD93) | 1, false);
    let criteria = ["safe-to-run", "safe-to-deploy"];
    let mut audits = String::from("[audits]\n");
    for c in w.index.values() {
        let versions: Vec<&Version> = c.versions.iter().map(|v| &v.version).collect();
        if !rng.chance(70) {
            continue;
        }
        let base = *rng.pick(&versions);
        audits.push_str(&format!(
            "\n[[audits.{}]]\nwho = \"t\"\ncriteria = \"{}\"\nversion = \"{base}\"\n",
            c.name,
            rng.pick(&criteria)
        ));
        if rng.chance(40) {
            let to = *rng.pick(&versions);
            if to != base {
                audits.push_str(&format!(
                    "\n[[audits.{}]]\nwho = \"t\"\ncriteria = \"{}\"\ndelta = \"{base} -> {to}\"\n",
                    c.name,
                    rng.pick(&criteria)
                ));
            }
        }
    }
    Store::from_texts("", &audits, "").unwrap_or_else(|e| panic!("seed {seed}: {e}\n{audits}"))
}

/// A world priced by a random store and line table: the world's deploy and dev prices become
/// the exact prices (suggest's choice with exact counts), which the brute force enumerates with.
fn priced_world(seed: u64, bound_above: bool) -> (World, Store, PublishedVersions, TableCounts) {
    let mut w = random_world(seed);
    let store = random_store(&w, seed);
    let published: PublishedVersions = w
        .index
        .values()
        .map(|c| {
            let vs = c.versions.iter().map(|v| v.version.clone()).collect();
            (c.name.clone(), vs)
        })
        .collect();
    let mut rng = Rng(seed.wrapping_mul(0x94D0_49BB_1331_11EB) | 1, false);
    let full: BTreeMap<(String, Version), u64> = w
        .index
        .values()
        .flat_map(|c| {
            c.versions
                .iter()
                .map(|v| (c.name.clone(), v.version.clone()))
        })
        .map(|k| (k, 1 + rng.below(500)))
        .collect();
    let table = TableCounts {
        full,
        salt: seed,
        bound_above: false,
        files: BTreeSet::new(),
        deltas: BTreeSet::new(),
    };
    let mut ctx = PriceContext::new(&store, &published);
    let exact = |krate: &str, from: Option<&VetVersion>, to: &VetVersion| {
        let key: AuditKey = (
            krate.to_owned(),
            from.map(|f| f.semver.clone()),
            to.semver.clone(),
        );
        Ok::<u64, String>(match from {
            None => table.full[&(key.0.clone(), key.2.clone())],
            Some(_) => table.delta(&key).0,
        })
    };
    for (k, _) in table.full.iter() {
        let mut price = |set| {
            ctx.price_with(&k.0, &k.1, set, &exact)
                .expect("priced")
                .map_or(0, |(lines, _)| lines)
        };
        let (deploy, dev) = (
            price(model::uses::deploy_set()),
            price(model::uses::run_set()),
        );
        w.cost.insert(k.clone(), deploy);
        w.cost_dev.insert(k.clone(), dev);
    }
    let table = TableCounts {
        bound_above,
        ..table
    };
    (w, store, published, table)
}

/// The lazy search's answer on a priced world: every candidate starts at a bound of 0 (or
/// vetted), the current lock's unvetted versions are priced first, then rounds until every
/// picked version is exact. Also whether every version of the answer is exactly priced.
fn lazy_answer(
    w: &World,
    store: &Store,
    published: &PublishedVersions,
    table: TableCounts,
) -> (Option<solve::Solution>, bool, usize) {
    let run = lazy_answer_from(w, store, published, table, None);
    (run.found, run.exact, run.rounds)
}

/// One lazy search (see [`lazy_answer`]).
struct LazyRun {
    found: Option<solve::Solution>,
    /// Every version of the answer exactly priced.
    exact: bool,
    rounds: usize,
    /// MIP solves (fewer than rounds when a trail held a round's proof).
    solves: usize,
    trail: search::Trail,
    /// The model with the last round's costs, and the book.
    model: model::Model,
    book: Book,
}

/// [`lazy_answer`] with fresh counts, first replaying `trail` (a finished search's).
fn lazy_answer_from(
    w: &World,
    store: &Store,
    published: &PublishedVersions,
    table: TableCounts,
    trail: Option<&search::Trail>,
) -> LazyRun {
    let rules = WorldRules {
        p: &w.policies,
        ignore_fixed: false,
    };
    let cands = model::generate(&w.index, &w.roots, &w.locked, &Default::default());
    let steps = model::uses::tiers(&cands, &w.roots, &rules);
    let sets_of: BTreeMap<(String, Version), Vec<CriteriaSet>> = cands
        .iter()
        .zip(steps.steps)
        .map(|(c, s)| ((c.name().to_owned(), c.version().clone()), s))
        .collect();
    let mut ctx = PriceContext::new(store, published);
    let book = book::initial_book(&cands, &sets_of, &mut ctx, &Book::new()).expect("book");
    let mut m = build_model(w, &cands, &rules, &|n, v, set| {
        book.get(&(n.to_owned(), v.clone(), set))
            .map(|p| p.model_cost())
    });
    let in_model: BTreeSet<(String, Version)> = m
        .pkgs
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let outside = w.locked.difference(&in_model).count() as u64;
    model::lag::fill(&mut m, &w.index, &Default::default());
    let first: Vec<PKey> = book
        .keys()
        .filter(|k| !book[*k].is_exact() && w.locked.contains(&(k.0.clone(), k.1.clone())))
        .cloned()
        .collect();
    let reqs = reduce::requirements_by_crate(&cands, &w.roots);
    let opts = SolveOptions {
        order: w.order.clone(),
        ..SolveOptions::default()
    };
    let env = SearchEnv::new(&cands, &reqs, &opts, true, outside, &Silent);
    let mut st = Search::new(ctx, table, book, BTreeSet::new());
    if let Some(trail) = trail {
        assert!(st.replay(&cands, trail, &Silent).expect("replays"));
    }
    let found = search::optimum(&env, &mut st, &mut m, &first, true).expect("search runs");
    let exact = found.as_ref().is_none_or(|sol| {
        book::picked_uses(&m, &sol.values)
            .iter()
            .all(|k| st.book[k].is_exact())
    });
    LazyRun {
        found,
        exact,
        rounds: st.rounds,
        solves: st.solves,
        trail: st.trail(),
        model: m,
        book: st.book,
    }
}

/// A search replaying a finished one's trail, with counts of its own, rebuilds the book of the
/// last round, whose MIP the trail's proof covers: one round, no solve, the very same
/// assignment and the same trail. Without the proof, one solve and the same assignment. A trail
/// cut short still gives an optimum (its prices are still exact or bounds).
#[test]
fn a_replayed_trail_gives_the_same_answer_in_one_round() {
    let seeds = seeds_or(300);
    let mut replayed_multi = 0;
    for seed in 0..seeds {
        let (w, store, published, table) = priced_world(seed, false);
        let cold = lazy_answer_from(&w, &store, &published, table.clone(), None);
        let (cold_rounds, trail) = (cold.rounds, cold.trail);
        let Some(cold) = cold.found else { continue };
        assert!(
            trail.proof.is_some(),
            "seed {seed}: an optimum leaves its proof"
        );
        let warm = lazy_answer_from(&w, &store, &published, table.clone(), Some(&trail));
        let found = warm
            .found
            .expect("the replayed search finds the answer too");
        assert!(warm.exact, "seed {seed}");
        assert_eq!(found.values, cold.values, "seed {seed}: another assignment");
        assert_eq!(found.objective, cold.objective, "seed {seed}");
        assert_eq!(warm.rounds, 1, "seed {seed}: {cold_rounds} rounds cold");
        assert_eq!(warm.solves, 0, "seed {seed}: the same MIP solved again");
        assert_eq!(warm.trail, trail, "seed {seed}: another trail");
        replayed_multi += u64::from(cold_rounds > 1);
        // without the proof: one solve, the same assignment
        let unproven = search::Trail {
            proof: None,
            ..trail.clone()
        };
        let solved = lazy_answer_from(&w, &store, &published, table.clone(), Some(&unproven));
        assert_eq!(solved.solves, 1, "seed {seed}");
        assert_eq!(
            solved.found.expect("solvable").values,
            cold.values,
            "seed {seed}"
        );
        if trail.steps.len() > 1 {
            let mut cut = trail.clone();
            cut.steps.truncate(trail.steps.len() / 2);
            let part = lazy_answer_from(&w, &store, &published, table, Some(&cut))
                .found
                .expect("still solvable");
            assert_eq!(
                key(&w, &part.objective),
                key(&w, &cold.objective),
                "seed {seed}: a cut trail"
            );
        }
    }
    println!("{seeds} seeds: {replayed_multi} replayed searches of more than one round");
    assert!(
        replayed_multi > seeds / 10,
        "{replayed_multi}: too few multi-round searches"
    );
}

#[test]
fn lazy_search_matches_brute_force_with_random_bounds() {
    let seeds = seeds_or(300);
    let (mut sat, mut unsat, mut multi_round) = (0, 0, 0);
    for seed in 0..seeds {
        let (w, store, published, table) = priced_world(seed, false);
        let (best, _) = brute_force(&w);
        let (found, exact, rounds) = lazy_answer(&w, &store, &published, table);
        match (best, found) {
            (None, None) => unsat += 1,
            (Some(b), Some(s)) => {
                sat += 1;
                multi_round += u64::from(rounds > 1);
                assert!(
                    exact,
                    "seed {seed}: the answer holds a version priced by a bound"
                );
                assert_eq!(s.status, Status::Optimal, "seed {seed}");
                assert_eq!(
                    key(&w, &s.objective),
                    key(&w, &b),
                    "seed {seed}, order {}: lazy search vs brute force",
                    w.order
                );
            }
            (b, s) => panic!(
                "seed {seed}: brute force {b:?} vs lazy search {:?}",
                s.map(|s| s.objective)
            ),
        }
    }
    println!(
        "{seeds} seeds: {sat} solvable ({multi_round} needed more than one round), {unsat} unsat"
    );
    assert!(
        sat > seeds / 2 && unsat > 0 && multi_round > seeds / 10,
        "sat {sat} unsat {unsat} multi-round {multi_round}: the generator exercises too little"
    );
}

/// The oracle catches a counter whose bounds are sometimes above the exact figure (the
/// optimality proof's one assumption): on some world the lazy answer is no longer optimal.
#[test]
fn brute_force_catches_bounds_above_exact_prices() {
    let mut caught = 0;
    for seed in 0..seeds_or(300) {
        let (w, store, published, table) = priced_world(seed, true);
        let (found, _, _) = lazy_answer(&w, &store, &published, table);
        if let (Some(b), Some(s)) = (brute_force(&w).0, found) {
            if key(&w, &s.objective) != key(&w, &b) {
                caught += 1;
            }
        }
    }
    assert!(caught > 0, "no world told the mutated counter apart");
    println!("the mutation was caught on {caught} worlds");
}

/// Of tied optima, a replayed search keeps the trail's answer: a trail whose answer is
/// another lock tied with the search's own (found by solving the last round's model again
/// with the search's answer cut off) gives back that lock, not the solver's choice.
#[test]
fn a_replayed_search_keeps_the_recorded_answer_among_tied_optima() {
    let mut kept = 0;
    for seed in 0..seeds_or(300) {
        let (w, store, published, table) = priced_world(seed, false);
        let run = lazy_answer_from(&w, &store, &published, table.clone(), None);
        let (trail, mut m, book) = (run.trail, run.model, run.book);
        let Some(cold) = run.found else { continue };
        // every other lock: at least one package in or out that the answer has out or in
        let pkgs: Vec<usize> = m.pkgs.iter().map(|p| p.x).collect();
        let inside = pkgs.iter().filter(|&&x| cold.values[x]).count();
        m.rows.push(model::Row {
            terms: pkgs
                .iter()
                .map(|&x| (x, if cold.values[x] { -1.0 } else { 1.0 }))
                .collect(),
            lo: 1.0 - inside as f64,
            hi: f64::INFINITY,
        });
        let opts = SolveOptions {
            order: w.order.clone(),
            ..SolveOptions::default()
        };
        let Ok(Outcome::Solved(other)) = solve::solve(&m, 0, &opts) else {
            continue;
        };
        m.rows.pop();
        let exact = book::picked_uses(&m, &other.values)
            .iter()
            .all(|k| book[k].is_exact());
        if other.objective != cold.objective || !exact {
            continue;
        }
        let recorded = search::Trail {
            answer: (0..other.values.len())
                .filter(|&v| other.values[v])
                .collect(),
            ..trail
        };
        // the proof is for the search's own answer: this one is solved for again
        let warm = lazy_answer_from(&w, &store, &published, table, Some(&recorded));
        assert_eq!(
            warm.solves, 1,
            "seed {seed}: a proof taken for another answer"
        );
        let found = warm.found.expect("solvable");
        assert_eq!(
            found.values, other.values,
            "seed {seed}: the solver's tie, not the trail's"
        );
        kept += 1;
    }
    println!("{kept} worlds with a tied optimum kept from the trail");
    assert!(kept > 0, "no world has a tied optimum: nothing tested");
}

// ---- --no-downgrade ----

/// No chosen version below a locked version of the same crate in its bucket.
fn moves_nothing_down(w: &World, chosen: &BTreeSet<(String, Version)>) -> bool {
    chosen.iter().all(|(n, v)| {
        !w.locked
            .iter()
            .any(|(ln, lv)| ln == n && Bucket::of(lv) == Bucket::of(v) && v < lv)
    })
}

#[test]
fn no_downgrade_matches_brute_force() {
    let seeds = seeds_or(400);
    let (mut sat, mut unsat, mut bound, mut restricted) = (0, 0, 0, 0);
    for seed in 0..seeds {
        let mut w = random_world(seed);
        if seed % 2 == 0 {
            // a lock at the newest release of each of its buckets: every older one is a
            // downgrade, so the rule binds often
            w.locked = w
                .locked
                .iter()
                .map(|(n, v)| {
                    let newest = w.index[n]
                        .versions
                        .iter()
                        .map(|x| &x.version)
                        .filter(|x| Bucket::of(x) == Bucket::of(v))
                        .max()
                        .expect("the locked version is published");
                    (n.clone(), newest.clone())
                })
                .collect();
        }
        let rules = WorldRules {
            p: &w.policies,
            ignore_fixed: false,
        };
        let mut cands = model::generate(&w.index, &w.roots, &w.locked, &Default::default());
        let excluded = downgrades::exclude_downgrades(&mut cands, &w.locked);
        restricted += u64::from(!excluded.is_empty());
        let mut m = build_model(&w, &cands, &rules, &|n, v, set| {
            let k = (n.to_string(), v.clone());
            let prices = model::Prices {
                deploy: *w.cost.get(&k)?,
                dev: *w.cost_dev.get(&k)?,
            };
            Some(prices.for_set(set))
        });
        let in_model: BTreeSet<(String, Version)> = m
            .pkgs
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        let outside = w.locked.difference(&in_model).count() as u64;
        model::lag::fill(&mut m, &w.index, &Default::default());
        let opts = SolveOptions {
            order: w.order.clone(),
            ..SolveOptions::default()
        };
        let found = solve::solve(&m, outside, &opts).expect("solver runs");
        let (best, _) = brute_force_where(&w, &|chosen| moves_nothing_down(&w, chosen));
        match (best, found) {
            (None, Outcome::Unsat) => unsat += 1,
            (Some(b), Outcome::Solved(s)) => {
                sat += 1;
                let unrestricted = brute_force(&w).0.expect("a lock exists");
                bound += u64::from(key(&w, &unrestricted) < key(&w, &b));
                assert_eq!(s.status, Status::Optimal, "seed {seed}");
                assert_eq!(key(&w, &s.objective), key(&w, &b), "seed {seed}");
                let chosen: BTreeSet<(String, Version)> = s
                    .chosen
                    .iter()
                    .flat_map(|(n, vs)| vs.iter().map(move |v| (n.clone(), v.clone())))
                    .collect();
                assert!(moves_nothing_down(&w, &chosen), "seed {seed}: {excluded:?}");
            }
            (b, o) => panic!("seed {seed}: brute force {b:?} vs solver {o:?}"),
        }
    }
    println!(
        "{seeds} seeds: {sat} solvable, {unsat} unsat; {restricted} with versions kept out, {bound} where that costs something"
    );
    assert!(
        sat > seeds / 2 && restricted > seeds / 10 && bound > 0,
        "sat {sat} restricted {restricted} bound {bound}"
    );
}
