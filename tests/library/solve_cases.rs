//! Hand-computed small cases for the model and the optimiser: each expectation is worked out
//! from Cargo's rules (ARCHITECTURE.md, Semantics) in the comment above it, not read back from the code.

use std::collections::BTreeMap;

use minaudit::index::{IndexCrate, IndexDep, IndexVersion};
use minaudit::model::{self, CandidateOptions, Locked, ModelError, RootPackage, Roots};
use minaudit::solve::{self, Outcome, SolveOptions, Status};
use semver::{Version, VersionReq};

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn dep(name: &str, req: &str) -> IndexDep {
    IndexDep::normal(name, VersionReq::parse(req).unwrap())
}

fn opt(mut d: IndexDep) -> IndexDep {
    d.optional = true;
    d
}

fn feats(d: IndexDep, fs: &[&str]) -> IndexDep {
    IndexDep {
        features: fs.iter().map(|s| s.to_string()).collect(),
        ..d
    }
}

struct Ver {
    name: &'static str,
    version: &'static str,
    deps: Vec<IndexDep>,
    features: Vec<(&'static str, Vec<&'static str>)>,
    links: Option<&'static str>,
    yanked: bool,
    rust_version: Option<&'static str>,
    cost: u64,
}

fn ver(name: &'static str, version: &'static str, cost: u64) -> Ver {
    Ver {
        name,
        version,
        deps: vec![],
        features: vec![],
        links: None,
        yanked: false,
        rust_version: None,
        cost,
    }
}

struct Case {
    index: BTreeMap<String, IndexCrate>,
    costs: BTreeMap<(String, Version), u64>,
    roots: Roots,
    locked: Locked,
}

fn case(vers: Vec<Ver>, root_deps: Vec<IndexDep>, locked: &[(&str, &str)]) -> Case {
    let mut index: BTreeMap<String, IndexCrate> = BTreeMap::new();
    let mut costs = BTreeMap::new();
    for x in vers {
        costs.insert((x.name.to_string(), v(x.version)), x.cost);
        index
            .entry(x.name.to_string())
            .or_insert_with(|| IndexCrate {
                name: x.name.into(),
                versions: vec![],
            })
            .versions
            .push(IndexVersion {
                name: x.name.into(),
                version: v(x.version),
                deps: x.deps.into(),
                features: std::sync::Arc::new(
                    x.features
                        .into_iter()
                        .map(|(k, vs)| (k.to_string(), vs.into_iter().map(String::from).collect()))
                        .collect(),
                ),
                links: x.links.map(String::from),
                yanked: x.yanked,
                rust_version: x.rust_version.map(String::from),
                cksum: String::new(),
                pubtime: None,
            });
    }
    Case {
        index,
        costs,
        roots: Roots {
            packages: vec![RootPackage {
                name: "ws".into(),
                deps: root_deps,
                links: None,
            }],
        },
        locked: locked.iter().map(|(n, s)| (n.to_string(), v(s))).collect(),
    }
}

fn run(c: &Case, copts: &CandidateOptions) -> Outcome {
    let cands = model::generate(&c.index, &c.roots, &c.locked, copts);
    let m = model::build(&cands, &c.roots, &|n, ver| {
        c.costs.get(&(n.to_string(), ver.clone())).copied()
    })
    .unwrap();
    let inside: std::collections::BTreeSet<_> = m
        .pkgs
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let outside = c.locked.difference(&inside).count() as u64;
    solve::solve(&m, outside, &SolveOptions::default()).unwrap()
}

/// `run` with one version forced in (`x = 1`), as `explain` asks for the cheapest lock holding it.
fn run_holding(c: &Case, name: &str, version: &str) -> Outcome {
    let cands = model::generate(&c.index, &c.roots, &c.locked, &Default::default());
    let mut m = model::build(&cands, &c.roots, &|n, ver| {
        c.costs.get(&(n.to_string(), ver.clone())).copied()
    })
    .unwrap();
    let p = m
        .pkgs
        .iter()
        .position(|p| p.name == name && p.version == v(version))
        .expect("a candidate");
    m.rows.push(model::Row {
        terms: vec![(m.pkgs[p].x, 1.0)],
        lo: 1.0,
        hi: 1.0,
    });
    solve::solve(&m, 0, &SolveOptions::default()).unwrap()
}

fn chosen(o: &Outcome) -> Vec<String> {
    match o {
        Outcome::Solved(s) => {
            assert_eq!(s.status, Status::Optimal);
            s.chosen
                .iter()
                .flat_map(|(n, vs)| vs.iter().map(move |x| format!("{n} {x}")))
                .collect()
        }
        Outcome::Unsat => vec!["UNSAT".into()],
    }
}

// Lines first: a 1.1.0 (3 lines) beats the locked a 1.0.0 (5 lines).
// With equal lines, keeping the locked version wins (fewer changes).
#[test]
fn lines_first_then_changes() {
    let c = case(
        vec![ver("a", "1.0.0", 5), ver("a", "1.1.0", 3)],
        vec![dep("a", "^1.0")],
        &[("a", "1.0.0")],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["a 1.1.0"]);
    let c = case(
        vec![ver("a", "1.0.0", 3), ver("a", "1.1.0", 3)],
        vec![dep("a", "^1.0")],
        &[("a", "1.0.0")],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["a 1.0.0"]);
}

// Audits second: lines tie at 4 between {a 1.0.0 (4) → b 1 (0)} and {a 1.1.0 (2) → c 1 (2)};
// the first needs one audit, the second two.
#[test]
fn audits_second() {
    let mut a1 = ver("a", "1.0.0", 4);
    a1.deps = vec![dep("b", "^1")];
    let mut a2 = ver("a", "1.1.0", 2);
    a2.deps = vec![dep("c", "^1")];
    let c = case(
        vec![a1, a2, ver("b", "1.0.0", 0), ver("c", "1.0.0", 2)],
        vec![dep("a", "^1.0")],
        &[],
    );
    assert_eq!(
        chosen(&run(&c, &Default::default())),
        ["a 1.0.0", "b 1.0.0"]
    );
}

// The cheapest lock holding c 0.2.0 (explain): only b 1.1.0 needs it, so 100 + 5 = 105. Holding
// it beside b 1.0.0 and c 0.1.0 (1 + 1 + 5 = 7) is no lock: nothing needs c 0.2.0 there, and
// Cargo would drop it (the answer the solver gave before support cuts, then a "violating row"
// error).
#[test]
fn a_version_forced_in_needs_a_package_that_needs_it() {
    let mut b1 = ver("b", "1.0.0", 1);
    b1.deps = vec![dep("c", "^0.1")];
    let mut b2 = ver("b", "1.1.0", 100);
    b2.deps = vec![dep("c", "^0.2")];
    let c = case(
        vec![b1, b2, ver("c", "0.1.0", 1), ver("c", "0.2.0", 5)],
        vec![dep("b", "^1")],
        &[],
    );
    assert_eq!(
        chosen(&run(&c, &Default::default())),
        ["b 1.0.0", "c 0.1.0"]
    );
    let held = run_holding(&c, "c", "0.2.0");
    assert_eq!(chosen(&held), ["b 1.1.0", "c 0.2.0"]);
    let Outcome::Solved(s) = held else {
        unreachable!()
    };
    assert_eq!(s.objective.lines, 105);
}

// One version per bucket: two requirements into the 1.x bucket must agree (=1.0.0 and ^1.1
// cannot both hold), while 0.3 and 1.x may coexist.
#[test]
fn one_version_per_bucket() {
    let mut x = ver("x", "1.0.0", 1);
    x.deps = vec![dep("a", "=1.0.0")];
    let c = case(
        vec![x, ver("a", "1.0.0", 1), ver("a", "1.1.0", 1)],
        vec![dep("x", "^1"), dep("a", "^1.1")],
        &[],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["UNSAT"]);
    let mut x = ver("x", "1.0.0", 1);
    x.deps = vec![dep("a", "^0.3")];
    let c = case(
        vec![x, ver("a", "0.3.0", 1), ver("a", "1.1.0", 1)],
        vec![dep("x", "^1"), dep("a", "^1.1")],
        &[],
    );
    assert_eq!(
        chosen(&run(&c, &Default::default())),
        ["a 0.3.0", "a 1.1.0", "x 1.0.0"]
    );
}

// The weak form `b?/fast` turns b on in the lockfile resolve (cargo#10801), so b joins the
// lock, and b must be a version that has `fast` (1.1.0, dearer than 1.0.0).
#[test]
fn weak_dep_feature_activates_in_lockfile_resolve() {
    let mut a = ver("a", "1.0.0", 1);
    a.deps = vec![opt(dep("b", "^1"))];
    a.features = vec![("speed", vec!["b?/fast"])];
    let mut b2 = ver("b", "1.1.0", 9);
    b2.features = vec![("fast", vec![])];
    let c = case(
        vec![a, ver("b", "1.0.0", 1), b2],
        vec![feats(dep("a", "^1"), &["speed"])],
        &[],
    );
    assert_eq!(
        chosen(&run(&c, &Default::default())),
        ["a 1.0.0", "b 1.1.0"]
    );
}

// Without any feature turning the optional dep on, it must not be in the lock even when it is
// locked and free: Cargo would drop it. The feature cycle f1 ⇄ f2 (with f2 enabling b) must
// not count as a reason. Candidate generation already sees that no requested feature reaches
// f1 or f2, so b is not even a candidate; cycles that do survive generation cannot keep
// anything either, since answers are reduced to the least lock they force (see the
// brute-force test). Dropping b is not a change: `changed` counts versions the lock takes in.
#[test]
fn feature_cycle_does_not_keep_a_package() {
    let mut a = ver("a", "1.0.0", 1);
    a.deps = vec![opt(dep("b", "^1"))];
    a.features = vec![("f1", vec!["f2"]), ("f2", vec!["f1", "dep:b"])];
    let c = case(
        vec![a, ver("b", "1.0.0", 0)],
        vec![dep("a", "^1")],
        &[("a", "1.0.0"), ("b", "1.0.0")],
    );
    let o = run(&c, &Default::default());
    assert_eq!(chosen(&o), ["a 1.0.0"]);
    let Outcome::Solved(s) = o else {
        unreachable!()
    };
    assert!(!s.current_lock_valid);
    assert_eq!(s.objective.changed, 0);
}

// A feature requested on an edge must exist in the chosen version: only 1.0.0 has `std`.
#[test]
fn requested_feature_must_exist() {
    let mut b1 = ver("b", "1.0.0", 5);
    b1.features = vec![("std", vec![])];
    let c = case(
        vec![b1, ver("b", "1.1.0", 1)],
        vec![feats(dep("b", "^1"), &["std"])],
        &[],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["b 1.0.0"]);
}

// Two packages with the same `links` value cannot share a lock.
#[test]
fn links_at_most_once() {
    let mut a = ver("a", "1.0.0", 1);
    a.links = Some("z");
    let mut b = ver("b", "1.0.0", 1);
    b.links = Some("z");
    let c = case(vec![a, b], vec![dep("a", "^1"), dep("b", "^1")], &[]);
    assert_eq!(chosen(&run(&c, &Default::default())), ["UNSAT"]);
}

// Yanked versions are candidates only when already locked; a pre-release needs a requirement
// naming one; the MSRV filter drops versions needing a newer Rust.
#[test]
fn yanked_prerelease_and_msrv_filters() {
    let mut y = ver("a", "1.2.0", 0);
    y.yanked = true;
    let c = case(
        vec![ver("a", "1.0.0", 5), y, ver("a", "1.3.0-rc.1", 0)],
        vec![dep("a", "^1")],
        &[],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["a 1.0.0"]);
    let mut y = ver("a", "1.2.0", 0);
    y.yanked = true;
    let c = case(
        vec![ver("a", "1.0.0", 5), y],
        vec![dep("a", "^1")],
        &[("a", "1.2.0")],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["a 1.2.0"]);
    let mut new = ver("a", "1.1.0", 0);
    new.rust_version = Some("1.80");
    let c = case(vec![ver("a", "1.0.0", 5), new], vec![dep("a", "^1")], &[]);
    let msrv = CandidateOptions {
        max_rust_version: Some(v("1.75.0")),
    };
    assert_eq!(chosen(&run(&c, &msrv)), ["a 1.0.0"]);
    assert_eq!(chosen(&run(&c, &Default::default())), ["a 1.1.0"]);
}

// Renamed dependency: features refer to the rename, the edge points at the real crate.
#[test]
fn renamed_dependency() {
    let mut a = ver("a", "1.0.0", 1);
    let mut d = opt(dep("bee", "^1"));
    d.package = Some("b".into());
    a.deps = vec![d];
    a.features = vec![("default", vec!["bee/x"])];
    let mut b1 = ver("b", "1.0.0", 1);
    b1.features = vec![("x", vec![])];
    let c = case(vec![a, b1, ver("b", "1.1.0", 0)], vec![dep("a", "^1")], &[]);
    // default on a → bee (= b) on with feature x → only b 1.0.0 has x
    assert_eq!(
        chosen(&run(&c, &Default::default())),
        ["a 1.0.0", "b 1.0.0"]
    );
}

// A missing price is an error naming the version, never a silent 0.
#[test]
fn unknown_cost_is_an_error() {
    let c = case(vec![ver("a", "1.0.0", 1)], vec![dep("a", "^1")], &[]);
    let cands = model::generate(&c.index, &c.roots, &c.locked, &Default::default());
    let err = model::build(&cands, &c.roots, &|_, _| None).unwrap_err();
    assert_eq!(
        err,
        ModelError::UnknownCost {
            name: "a".into(),
            version: v("1.0.0")
        }
    );
}

// A requirement spanning buckets (`>=0.9, <2`) resolves into one of them; with a 0.9 and a 1.x
// candidate the cheaper one wins and only it is in the lock.
#[test]
fn requirement_spanning_buckets() {
    let c = case(
        vec![ver("a", "0.9.0", 2), ver("a", "1.0.0", 7)],
        vec![dep("a", ">=0.9, <2")],
        &[],
    );
    assert_eq!(chosen(&run(&c, &Default::default())), ["a 0.9.0"]);
}

// Cargo rejects a package cycle among normal/build edges ("cyclic package dependency"), so
// a 1.0.0 ⇄ b 1.0.0 is not a lock; b 1.1.0 (no dependency back, dearer) breaks the cycle.
#[test]
fn package_cycles_are_rejected() {
    let mut a = ver("a", "1.0.0", 1);
    a.deps = vec![dep("b", "^1")];
    let mut b1 = ver("b", "1.0.0", 1);
    b1.deps = vec![dep("a", "^1")];
    let c = case(vec![a, b1, ver("b", "1.1.0", 5)], vec![dep("a", "^1")], &[]);
    assert_eq!(
        chosen(&run(&c, &Default::default())),
        ["a 1.0.0", "b 1.1.0"]
    );
    let mut a = ver("a", "1.0.0", 1);
    a.deps = vec![dep("b", "^1")];
    let mut b1 = ver("b", "1.0.0", 1);
    b1.deps = vec![dep("a", "^1")];
    let c = case(vec![a, b1], vec![dep("a", "^1")], &[]);
    assert_eq!(chosen(&run(&c, &Default::default())), ["UNSAT"]);
}

// `b = ["dep:b", "extra"]`, `extra = ["dep:c"]`: the strong `b/x` turns feature b on (so
// extra, so c joins the lock); the weak `b?/x` turns dep b on (lockfile resolve) but not
// feature b, so c stays out.
#[test]
fn strong_dep_feature_enables_the_same_named_feature_weak_does_not() {
    let mk = |value: &'static str| {
        let mut a = ver("a", "1.0.0", 1);
        a.deps = vec![opt(dep("b", "^1")), opt(dep("c", "^1"))];
        a.features = vec![
            ("b", vec!["dep:b", "extra"]),
            ("extra", vec!["dep:c"]),
            ("w", vec![value]),
        ];
        let mut b = ver("b", "1.0.0", 1);
        b.features = vec![("x", vec![])];
        case(
            vec![a, b, ver("c", "1.0.0", 1)],
            vec![feats(dep("a", "^1"), &["w"])],
            &[],
        )
    };
    assert_eq!(
        chosen(&run(&mk("b/x"), &Default::default())),
        ["a 1.0.0", "b 1.0.0", "c 1.0.0"]
    );
    assert_eq!(
        chosen(&run(&mk("b?/x"), &Default::default())),
        ["a 1.0.0", "b 1.0.0"]
    );
}

// A dumped instance (`--dump-instance`) replays to the same answer: routes, bucket-level
// features, optional deps and a cycle cut all survive the JSON round trip, infinite row
// bounds included (JSON has no infinities).
#[test]
fn dumped_instance_replays_to_the_same_answer() {
    let mut a = ver("a", "1.0.0", 3);
    a.deps = vec![dep("b", "^1"), opt(dep("c", ">=0.1, <2"))];
    a.features = vec![("default", vec!["c"]), ("c", vec!["dep:c", "c/x"])];
    let mut b1 = ver("b", "1.0.0", 1);
    b1.deps = vec![dep("a", "^1")];
    let mut c1 = ver("c", "1.0.0", 2);
    c1.features = vec![("x", vec![])];
    let mut c01 = ver("c", "0.1.0", 9);
    c01.features = vec![("x", vec![])];
    let c = case(
        vec![a, b1, ver("b", "1.1.0", 5), c1, c01],
        vec![dep("a", "^1")],
        &[("a", "1.0.0"), ("b", "1.0.0")],
    );
    let cands = model::generate(&c.index, &c.roots, &c.locked, &Default::default());
    let m = model::build(&cands, &c.roots, &|n, ver| {
        c.costs.get(&(n.to_string(), ver.clone())).copied()
    })
    .unwrap();
    let json = model::Instance::new("test", 0, m.clone()).to_json();
    let back = model::Instance::from_json(&json).unwrap();
    assert_eq!(back.model.all_rows(), m.all_rows());
    let gz = model::Instance::new("test", 0, m.clone()).to_gzip();
    assert_eq!(
        model::Instance::from_bytes(&gz).unwrap().model.all_rows(),
        m.all_rows()
    );
    assert_eq!(
        model::Instance::from_bytes(&json).unwrap().model.all_rows(),
        m.all_rows()
    );
    let opts = SolveOptions::default();
    let direct = solve::solve(&m, 0, &opts).unwrap();
    let replayed = solve::solve(&back.model, back.locked_outside, &opts).unwrap();
    assert_eq!(direct, replayed);
    assert_eq!(chosen(&direct), ["a 1.0.0", "b 1.1.0", "c 1.0.0"]);
    let mut bad = json.clone();
    let text =
        String::from_utf8(bad.clone())
            .unwrap()
            .replacen("\"version\":3", "\"version\":99", 1);
    bad = text.into_bytes();
    assert!(model::Instance::from_json(&bad)
        .unwrap_err()
        .to_string()
        .contains("dump it again"));
}

/// Solves `c` with the build's features followed inside registry packages (`-p` /
/// `--features`): root dependency i is built with the features `build[i]` (None: not built).
/// Returns the chosen versions and the optimal backlog in lines.
fn run_built(c: &Case, build: &[Option<&[&str]>]) -> (Vec<String>, u64) {
    let cands = model::generate(&c.index, &c.roots, &c.locked, &Default::default());
    let root_deps = &c.roots.packages[0].deps;
    let slot = |d: &IndexDep| build[root_deps.iter().position(|x| x == d).expect("root dep")];
    let edges = |from: model::EdgeFrom<'_>, d: &IndexDep| match from {
        model::EdgeFrom::Root(_) => slot(d).is_some(),
        model::EdgeFrom::Pkg(..) => true,
    };
    let features = |_: usize, d: &IndexDep| -> Vec<String> {
        slot(d)
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let m = model::build_features_filtered(
        &cands,
        &c.roots,
        &|n, ver, _| c.costs.get(&(n.to_string(), ver.clone())).copied(),
        &model::uses::DefaultRules,
        Some(&edges),
        Some(&features),
    )
    .unwrap();
    let outcome = solve::solve(&m, 0, &SolveOptions::default()).unwrap();
    let lines = match &outcome {
        Outcome::Solved(s) => s.objective.lines,
        Outcome::Unsat => u64::MAX,
    };
    (chosen(&outcome), lines)
}

// The lockfile resolve turns b on through the weak `b?/fast` (so the lock holds b 1.1.0, the
// only b with `fast`), but a build never does (resolver v2): with `speed` asked in the build,
// b stays in the lock for free (1 line: a). A strong `b/fast` builds it (1 + 9).
#[test]
fn weak_dep_feature_does_not_build_the_dependency() {
    let world = |value: &'static str| {
        let mut a = ver("a", "1.0.0", 1);
        a.deps = vec![opt(dep("b", "^1"))];
        a.features = vec![("speed", vec![value])];
        let mut b2 = ver("b", "1.1.0", 9);
        b2.features = vec![("fast", vec![])];
        case(
            vec![a, ver("b", "1.0.0", 1), b2],
            vec![feats(dep("a", "^1"), &["speed"])],
            &[],
        )
    };
    let weak = run_built(&world("b?/fast"), &[Some(&["speed"])]);
    assert_eq!(weak, (vec!["a 1.0.0".into(), "b 1.1.0".into()], 1));
    let strong = run_built(&world("b/fast"), &[Some(&["speed"])]);
    assert_eq!(strong, (vec!["a 1.0.0".into(), "b 1.1.0".into()], 10));
}

// Every member feature is on in the lockfile resolve (root asks `tls` of a, which turns on
// optional b: 4 lines), but the build asks nothing of a: b is not built (a: 2 lines). `default`
// follows the edge: a's default turns on optional c (3 lines) unless default-features = false.
// A root edge the build leaves out prices nothing.
#[test]
fn root_features_of_the_build_decide_what_registry_packages_build() {
    let world = |default_features: bool| {
        let mut a = ver("a", "1.0.0", 2);
        a.deps = vec![opt(dep("b", "^1")), opt(dep("c", "^1"))];
        a.features = vec![("tls", vec!["dep:b"]), ("default", vec!["dep:c"])];
        let mut root = feats(dep("a", "^1"), &["tls"]);
        root.default_features = default_features;
        case(
            vec![a, ver("b", "1.0.0", 4), ver("c", "1.0.0", 3)],
            vec![root],
            &[],
        )
    };
    let every: Vec<String> = vec!["a 1.0.0".into(), "b 1.0.0".into(), "c 1.0.0".into()];
    assert_eq!(
        run_built(&world(true), &[Some(&["tls"])]),
        (every.clone(), 9)
    );
    assert_eq!(run_built(&world(true), &[Some(&[])]), (every.clone(), 5));
    let no_default = run_built(&world(false), &[Some(&[])]);
    assert_eq!(no_default, (vec!["a 1.0.0".into(), "b 1.0.0".into()], 2));
    assert_eq!(run_built(&world(true), &[None]), (every, 0));
}

// A built registry package asks its own dependency for features: a needs c with `x`, and c's
// `x` turns on optional d (5 lines). Only when a is built (root edge built) is d priced.
#[test]
fn registry_edges_ask_features_in_the_build() {
    let mut a = ver("a", "1.0.0", 1);
    a.deps = vec![feats(dep("c", "^1"), &["x"])];
    let mut c1 = ver("c", "1.0.0", 1);
    c1.deps = vec![opt(dep("d", "^1"))];
    c1.features = vec![("x", vec!["dep:d"]), ("y", vec![])];
    let world = case(
        vec![a, c1, ver("d", "1.0.0", 5)],
        vec![dep("a", "^1"), feats(dep("c", "^1"), &["y"])],
        &[],
    );
    let every: Vec<String> = vec!["a 1.0.0".into(), "c 1.0.0".into(), "d 1.0.0".into()];
    assert_eq!(
        run_built(&world, &[Some(&[]), Some(&["y"])]),
        (every.clone(), 7)
    );
    // a not built: c is built through the root's own edge, without x: d is not
    assert_eq!(run_built(&world, &[None, Some(&["y"])]), (every, 1));
}
