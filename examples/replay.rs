//! Replays a dumped instance (`cargo minaudit --dump-instance FILE`) through the solver and
//! prints the outcome and time; `MINAUDIT_SOLVER_LOG=1` shows HiGHS's log.
//! Usage: cargo run --release --example replay -- FILE[.gz] [OBJECTIVE]
//! (OBJECTIVE as `--objective`, default `-lines,-audits,-changed,-lag`)

use std::time::Instant;

use minaudit::model::Instance;
use minaudit::solve::{self, SolveOptions};

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).expect("usage: replay FILE[.gz]");
    let inst = Instance::from_bytes(&std::fs::read(&path)?)?;
    let m = &inst.model;
    println!(
        "{}: {} packages, {} variables, {} rows",
        inst.origin,
        m.pkgs.len(),
        m.num_vars(),
        m.all_rows().len()
    );
    let order = match std::env::args().nth(2) {
        Some(text) => solve::Order::parse(&text)?,
        None => solve::Order::default(),
    };
    // MINAUDIT_STAGED=1: a MIP stage per criterion (`SolveOptions::staged`)
    let staged = std::env::var_os("MINAUDIT_STAGED").is_some();
    for stage in solve::criteria::stages(&order, m, staged, None) {
        println!("stage {:?}", stage.criteria);
    }
    let opts = SolveOptions {
        verbose: std::env::var_os("MINAUDIT_SOLVER_LOG").is_some(),
        order,
        staged,
        highs_options: solve::parse_highs_options(
            &std::env::var("MINAUDIT_HIGHS_OPTIONS").unwrap_or_default(),
        ),
        ..SolveOptions::default()
    };
    if std::env::var_os("MINAUDIT_REPLAY_CURRENT").is_some() {
        // what the current lock costs in the model, package by package
        let locked: Vec<bool> = m.pkgs.iter().map(|p| p.locked).collect();
        let val = minaudit::model::eval::complete(m, &locked);
        for p in m.pkgs.iter().filter(|p| val[p.x] && p.price(&val) > 0) {
            let steps: Vec<String> = p
                .tiers
                .iter()
                .map(|t| format!("{:?}: {}", t.set, t.cost))
                .collect();
            println!(
                "  {} {} price={} (steps {})",
                p.name,
                p.version,
                p.price(&val),
                steps.join(", ")
            );
        }
    }
    let t = Instant::now();
    let out = solve::solve(m, inst.locked_outside, &opts)?;
    let secs = t.elapsed().as_secs_f64();
    match out {
        solve::Outcome::Solved(s) => println!(
            "{:?} {:?} in {secs:.2}s (cut rounds {}); current lock valid: {}, {:?}",
            s.status, s.objective, s.cut_rounds, s.current_lock_valid, s.current
        ),
        solve::Outcome::Unsat => println!("unsat in {secs:.2}s"),
    }
    Ok(())
}
