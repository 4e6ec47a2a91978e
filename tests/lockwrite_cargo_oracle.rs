//! Every lock the writer produces is one Cargo accepts: on random small local registries (real
//! `.crate` files, index lines, member manifests from `registry_builder`), Cargo generates the
//! first lock; then the library pipeline — `cargo metadata` workspace load, roots, index
//! snapshot, candidates, model, HiGHS solve with random prices — picks a lock, `lockwrite`
//! writes it, and the oracle `cargo metadata --locked --offline` + `cargo update --workspace
//! --locked --offline` (isolated CARGO_HOME) must accept it. Then, solved again from the written
//! lock with the same prices, the writer must reproduce the file byte for byte (idempotence).
//!
//! Worlds: 2–4 crates, versions from a pool spanning buckets, caret / tilde / exact and
//! cross-bucket requirements, optional dependencies behind features (`dep:`, implicit, weak and
//! strong `n/f`), renames, build and dev kinds, yanked versions, one or two members (dev,
//! optional and path dependencies). Seeds where Cargo itself finds no lock are skipped.
//! `MINAUDIT_LOCKWRITE_SEEDS` sets the number of seeds (default 80, ~10 s).

#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use crate::support::registry_builder::cargo_oracle::CargoOracle;
use crate::support::registry_builder::{
    render_world, write::write_files, CrateSpec, DepSpec, MemberSpec, RenderOptions, World,
};
use minaudit::index::local_registry::LocalRegistryIndex;
use minaudit::index::{load_snapshot_with, Root, WalkOptions};
use minaudit::lockfile;
use minaudit::lockwrite::{self, Plan};
use minaudit::model::{self, CandidateOptions, Locked};
use minaudit::optimise::roots::roots_from_workspace;
use minaudit::solve::{self, Outcome, SolveOptions};
use minaudit::workspace::{CargoMetadataSource, WorkspaceSource};
use semver::Version;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const POOL: &[&str] = &[
    "0.1.0", "0.1.1", "0.1.3", "0.2.0", "0.2.5", "1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.3.1",
    "2.0.0", "2.0.4",
];

fn req(rng: &mut Rng, versions: &[&str]) -> String {
    if rng.chance(10) {
        return rng.pick(&[">=0.1.0, <2.0.0", "*", ">=1.0.0"]).to_string();
    }
    let (a, b) = (rng.pick(versions), rng.pick(versions));
    let v = Version::parse(a)
        .expect("pool")
        .min(Version::parse(b).expect("pool"));
    let op = if rng.chance(10) {
        *rng.pick(&["~", "="])
    } else {
        "^"
    };
    format!("{op}{v}")
}

fn random_world(seed: u64) -> World {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let n = 2 + rng.below(3) as usize;
    let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let sets: Vec<Vec<&str>> = (0..n)
        .map(|_| {
            let mut vs: BTreeSet<&str> = BTreeSet::new();
            for _ in 0..3 + rng.below(4) {
                vs.insert(*rng.pick(POOL));
            }
            vs.into_iter().collect()
        })
        .collect();
    let mut world = World::new();
    for i in 0..n {
        for v in &sets[i] {
            let mut c = CrateSpec::new(&names[i], v);
            let mut optional: Vec<(String, bool)> = Vec::new(); // (dep name, dep: syntax)
            let mut all: Vec<String> = Vec::new();
            for _ in 0..rng.below(3) {
                if i + 1 >= n {
                    break;
                }
                let j = i + 1 + rng.below((n - i - 1) as u64) as usize;
                let dep_name = if rng.chance(10) {
                    format!("r{j}")
                } else {
                    names[j].clone()
                };
                // one edge per target crate: cargo metadata refuses a crate depending on
                // another twice under different names
                if all
                    .iter()
                    .any(|a| a.trim_start_matches(['c', 'r']) == j.to_string())
                {
                    continue;
                }
                let mut d = DepSpec::new(&dep_name, &req(&mut rng, &sets[j]));
                if dep_name != names[j] {
                    d = d.package(&names[j]);
                }
                match rng.below(10) {
                    0 => d = d.build(),
                    1 => d = d.dev(),
                    _ => {}
                }
                if rng.chance(20) {
                    d = d.features(&["f1"]);
                }
                if rng.chance(30) {
                    d = d.no_default_features();
                }
                if d.kind != crate::support::registry_builder::DepKind::Dev && rng.chance(40) {
                    d = d.optional();
                    optional.push((dep_name.clone(), rng.chance(50)));
                }
                all.push(dep_name);
                c = c.dep(d);
            }
            // every version defines `f1` and `default`, so requested features always exist
            let mut f1: Vec<String> = Vec::new();
            if !all.is_empty() && rng.chance(50) {
                let d = rng.pick(&all).clone();
                let is_opt = optional.iter().any(|(o, _)| *o == d);
                f1.push(match rng.below(3) {
                    0 if is_opt => format!("{d}?/f1"),
                    _ => format!("{d}/f1"),
                });
            }
            for (o, dep_syntax) in &optional {
                if *dep_syntax {
                    c = c.feature(&format!("with-{o}"), &[&format!("dep:{o}")]);
                } else if rng.chance(30) {
                    f1.push(o.clone());
                }
            }
            let f1: Vec<&str> = f1.iter().map(String::as_str).collect();
            c = c.feature("f1", &f1);
            c = c.feature("default", if rng.chance(30) { &["f1"] } else { &[] });
            if rng.chance(4) {
                c = c.yanked();
            }
            world = world.add_crate(c);
        }
    }
    let mut app = MemberSpec::new("app");
    let mut used = BTreeSet::new();
    for _ in 0..1 + rng.below(3) {
        let j = rng.below(n as u64) as usize;
        if !used.insert(j) {
            continue;
        }
        let mut d = DepSpec::new(&names[j], &req(&mut rng, &sets[j]));
        match rng.below(6) {
            0 => d = d.dev(),
            1 => d = d.build(),
            2 => {
                d = d.optional();
                app = app.feature("extra", &[&names[j]]);
            }
            _ => {}
        }
        if rng.chance(20) {
            d = d.features(&["f1"]);
        }
        app = app.dep(d);
    }
    if rng.chance(40) {
        let j = rng.below(n as u64) as usize;
        let core = MemberSpec::new("core").dep(DepSpec::new(&names[j], &req(&mut rng, &sets[j])));
        world = world.member(core);
        app = app.dep(DepSpec::path("core", "../core"));
    }
    world.member(app)
}

#[derive(Default, Debug)]
struct Stats {
    seeds: usize,
    cargo_unsat: usize,
    written: usize,
    changed: usize,
    multi_version: usize,
    routes: usize,
}

fn run_seed(seed: u64, oracle: &CargoOracle, stats: &mut Stats) {
    let world = random_world(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = render_world(&world, &RenderOptions::default()).expect("render");
    write_files(dir.path(), &files).expect("write");
    if oracle.generate_lockfile(dir.path()).is_err() {
        stats.cargo_unsat += 1;
        return;
    }
    let lock_path = dir.path().join("Cargo.lock");
    let before = std::fs::read_to_string(&lock_path).expect("lock");

    // cargo finds `.cargo/config.toml` (the local-registry replacement) from the current
    // directory, as when a user runs `cargo minaudit` there; this binary has a single test
    std::env::set_current_dir(dir.path()).expect("cd");
    let src = CargoMetadataSource {
        manifest_path: Some(dir.path().join("Cargo.toml")),
        offline: true,
    };
    let ws = src
        .workspace()
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let graph = src
        .resolved_graph()
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let roots = roots_from_workspace(&ws, &graph);
    let index = LocalRegistryIndex::open(dir.path().join("registry")).expect("registry");
    let walk: Vec<Root> = roots
        .packages
        .iter()
        .flat_map(|r| &r.deps)
        .map(|d| Root::matching(d.crate_name(), d.req.clone()))
        .collect();
    let snapshot =
        load_snapshot_with(&index, &walk, WalkOptions::default(), |_, _| {}).expect("snapshot");
    let solve_and_write = |current_text: &str| -> Option<(String, usize, usize)> {
        let current = lockfile::parse(current_text, &lock_path).expect("parse lock");
        let locked: Locked = current
            .packages
            .iter()
            .filter(|p| lockwrite::is_crates_io(p.id.source.as_deref()))
            .map(|p| (p.id.name.clone(), p.id.version.clone()))
            .collect();
        let cands = model::generate(
            &snapshot.crates,
            &roots,
            &locked,
            &CandidateOptions::default(),
        );
        let mut price = Rng(seed ^ 0xABCD);
        let mut cost: BTreeMap<(String, Version), u64> = BTreeMap::new();
        for c in cands.iter() {
            cost.insert((c.name().to_string(), c.version().clone()), price.below(6));
        }
        let m = model::build(&cands, &roots, &|n, v| {
            cost.get(&(n.to_string(), v.clone())).copied()
        })
        .expect("model");
        let outside = locked
            .iter()
            .filter(|(n, v)| !m.pkgs.iter().any(|p| &p.name == n && &p.version == v))
            .count() as u64;
        let sol = match solve::solve(&m, outside, &SolveOptions::default()).expect("solve") {
            Outcome::Solved(s) => s,
            Outcome::Unsat => return None,
        };
        let new = lockwrite::new_lock(&Plan {
            current: &current,
            model: &m,
            values: &sol.values,
            roots: &roots,
            index: &snapshot.crates,
        })
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        // the written registry set is exactly the solver's choice
        assert_eq!(
            lockwrite::registry_versions(&new),
            sol.chosen,
            "seed {seed}"
        );
        let multi = sol.chosen.values().filter(|vs| vs.len() > 1).count();
        // same versions as the current lock: the writer must reproduce Cargo's bytes exactly
        if lockwrite::registry_versions(&new) == lockwrite::registry_versions(&current) {
            assert_eq!(
                lockfile::render(&new),
                current_text,
                "seed {seed}: same versions, other bytes"
            );
        }
        Some((lockfile::render(&new), multi, m.routes.len()))
    };
    let Some((text, multi, routes)) = solve_and_write(&before) else {
        // Cargo found a lock, so the model must too
        panic!("seed {seed}: the model found no lock but cargo did:\n{before}");
    };
    stats.written += 1;
    stats.changed += usize::from(text != before);
    stats.multi_version += usize::from(multi > 0);
    stats.routes += usize::from(routes > 0);
    std::fs::write(&lock_path, &text).expect("write lock");
    if let Err(e) = oracle.check_lock(dir.path()) {
        panic!(
            "seed {seed}: cargo rejected the written lock:\n{e}\nlock:\n{text}\nbefore:\n{before}"
        );
    }
    // idempotence: from the written lock, the same prices give the same bytes
    let (again, _, _) = solve_and_write(&text).expect("still solvable");
    assert_eq!(again, text, "seed {seed}: second run changed the lock");
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("cd back");
}

#[test]
fn written_locks_pass_cargo_on_random_registries() {
    let seeds: u64 = std::env::var("MINAUDIT_LOCKWRITE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(80);
    let oracle = CargoOracle::new().expect("cargo home");
    let mut stats = Stats::default();
    for seed in 0..seeds {
        stats.seeds += 1;
        run_seed(seed, &oracle, &mut stats);
    }
    eprintln!("{stats:?}");
    // the generator must produce real changes and multi-version locks, or this proves little
    assert!(stats.written * 2 > stats.seeds, "{stats:?}");
    assert!(stats.changed * 4 >= stats.written, "{stats:?}");
    assert!(stats.multi_version > 0 && stats.routes > 0, "{stats:?}");
}
