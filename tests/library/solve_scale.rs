//! Solver measurements on synthetic Cargo-shaped registries (tests/support/synth.rs).
//! Not an oracle test: it prints sizes and times (the solver itself re-checks every answer
//! against the model's rows, the least-lock reduction and package cycles).
//! Run: `cargo test --test library -- --ignored solve_scale:: --nocapture`
//! (env MINAUDIT_SCALE="100,300", MINAUDIT_TIME_LIMIT=seconds per stage, MINAUDIT_VERBOSE=1
//! for HiGHS logs).
//!
//! Second table: warm start. The cold optimum becomes the current lock, 10 % of the prices
//! change (as after new audits are imported), and the instance is solved again with and
//! without the current lock as MIP start.

use crate::support::synth;

use std::collections::BTreeMap;
use std::time::Instant;

use minaudit::model::{self, Model};
use minaudit::solve::{self, Outcome, SolveOptions};
use semver::Version;

fn build(s: &synth::Synth) -> (usize, Model, u128) {
    let t0 = Instant::now();
    let cands = model::generate(&s.index, &s.roots, &s.locked, &Default::default());
    let m = model::build(&cands, &s.roots, &|name, v| {
        s.cost.get(&(name.to_string(), v.clone())).copied()
    })
    .unwrap();
    (cands.len(), m, t0.elapsed().as_millis())
}

fn outside(s: &synth::Synth, m: &Model) -> u64 {
    let inside: std::collections::BTreeSet<(String, Version)> = m
        .pkgs
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    s.locked.difference(&inside).count() as u64
}

fn timed(m: &Model, outside: u64, opts: &SolveOptions) -> (f64, Result<Outcome, String>) {
    let t = Instant::now();
    let out = solve::solve(m, outside, opts).map_err(|e| e.to_string());
    (t.elapsed().as_secs_f64(), out)
}

#[test]
#[ignore = "measurement: prints solve times of synthetic instances; run with --ignored --nocapture"]
fn solve_times_on_synthetic_registries() {
    let sizes: Vec<usize> = std::env::var("MINAUDIT_SCALE")
        .unwrap_or_else(|_| "100,300,1000,3000,5000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let limit: f64 = std::env::var("MINAUDIT_TIME_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300.0);
    let opts = SolveOptions {
        time_limit: Some(limit),
        verbose: std::env::var_os("MINAUDIT_VERBOSE").is_some(),
        ..Default::default()
    };
    let cold_opts = SolveOptions {
        warm_start: false,
        ..opts.clone()
    };
    let mut warm_rows = Vec::new();
    println!("| crates | index versions | candidates | vars | rows | model ms | solve s | status | gap | lines | audits | cut rounds |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in &sizes {
        let s = synth::synth(n, n as u64 * 10);
        let versions: usize = s.index.values().map(|c| c.versions.len()).sum();
        let (cands, m, model_ms) = build(&s);
        let rows = m.all_rows().len();
        let (secs, out) = timed(&m, 0, &opts);
        let Ok(Outcome::Solved(sol)) = out else {
            println!(
                "| {n} | {versions} | {cands} | {} | {rows} | {model_ms} | {secs:.2} | {out:?} | | | | |",
                m.num_vars()
            );
            continue;
        };
        println!(
            "| {n} | {versions} | {cands} | {} | {rows} | {model_ms} | {secs:.2} | {:?} | {:.4} | {} | {} | {} |",
            m.num_vars(),
            sol.status,
            sol.gap,
            sol.objective.lines,
            sol.objective.audits,
            sol.cut_rounds
        );
        // warm start experiment: lock the optimum, re-price 10 % of versions
        let mut s2 = synth::synth(n, n as u64 * 10);
        s2.locked = sol
            .chosen
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
            .collect();
        let mut x = 0x1234_5678_9abc_def1u64 ^ n as u64;
        let mut repriced = BTreeMap::new();
        for (k, c) in &s2.cost {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let c = if x.is_multiple_of(10) {
                (x >> 20) % 20_000
            } else {
                *c
            };
            repriced.insert(k.clone(), c);
        }
        s2.cost = repriced;
        let (_, m2, _) = build(&s2);
        let out2 = outside(&s2, &m2);
        let (warm_s, warm) = timed(&m2, out2, &opts);
        let (cold_s, cold) = timed(&m2, out2, &cold_opts);
        let describe = |o: &Result<Outcome, String>| match o {
            Ok(Outcome::Solved(s)) => format!(
                "{:?} lines {} changed {} (current lock: {:?})",
                s.status,
                s.objective.lines,
                s.objective.changed,
                s.current.map(|c| c.lines)
            ),
            Ok(Outcome::Unsat) => "Unsat".into(),
            Err(e) => e.clone(),
        };
        warm_rows.push(format!(
            "| {n} | {warm_s:.2} | {cold_s:.2} | {} | {} |",
            describe(&warm),
            describe(&cold)
        ));
    }
    println!();
    println!("| crates | warm-start solve s | cold solve s | warm result | cold result |");
    println!("|---|---|---|---|---|");
    for r in warm_rows {
        println!("{r}");
    }
}
