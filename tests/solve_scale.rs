//! Solver measurements on synthetic Cargo-shaped registries (tests/support/synth.rs).
//! Not an oracle test: it prints sizes and times, and checks only that each answer is a valid
//! assignment of the model (the solver itself re-checks rows and foundedness).
//! Run: `cargo test --test solve_scale -- --ignored --nocapture` (env MINAUDIT_SCALE="100,300").

#[path = "support/synth.rs"]
mod synth;

use std::time::Instant;

use minaudit::model;
use minaudit::solve::{self, Outcome, SolveOptions};

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
    println!("| crates | index versions | candidates | vars | rows | model ms | solve s | status | gap | lines | audits | cut rounds |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in &sizes {
        for seed in 0..3u64 {
            let s = synth::synth(n, n as u64 * 10 + seed);
            let versions: usize = s.index.values().map(|c| c.versions.len()).sum();
            let t0 = Instant::now();
            let cands = model::generate(&s.index, &s.roots, &s.locked, &Default::default());
            let m = model::build(&cands, &s.roots, &|name, v| {
                s.cost.get(&(name.to_string(), v.clone())).copied()
            })
            .unwrap();
            let rows = m.all_rows().len();
            let t_model = t0.elapsed();
            let t1 = Instant::now();
            let opts = SolveOptions {
                time_limit: Some(limit),
                ..Default::default()
            };
            let out = solve::solve(&m, 0, &opts);
            let t_solve = t1.elapsed();
            match out {
            Ok(Outcome::Solved(sol)) => println!(
                "| {n} | {versions} | {} | {} | {rows} | {} | {:.2} | {:?} | {:.4} | {} | {} | {} |",
                cands.len(),
                m.num_vars(),
                t_model.as_millis(),
                t_solve.as_secs_f64(),
                sol.status,
                sol.gap,
                sol.objective.lines,
                sol.objective.audits,
                sol.cut_rounds
            ),
            Ok(Outcome::Unsat) => {
                println!("| {n} | {versions} | {} | {} | {rows} | {} | {:.2} | Unsat (seed {seed}, next) | | | | |",
                    cands.len(), m.num_vars(), t_model.as_millis(), t_solve.as_secs_f64());
                continue;
            }
            other => println!(
                "| {n} | {versions} | {} | {} | {rows} | {} | {:.2} | {other:?} | | | | |",
                cands.len(),
                m.num_vars(),
                t_model.as_millis(),
                t_solve.as_secs_f64()
            ),
        }
            break;
        }
    }
}
