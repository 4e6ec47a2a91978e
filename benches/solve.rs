//! Model building and solving on synthetic Cargo-shaped registries (tests/support/synth.rs).
//! `cargo bench --bench solve --profile dev` (divan; the dev profile reuses the HiGHS build,
//! which is compiled as Release C++ in every profile — `--release` would rebuild it).

#[path = "../tests/support/synth.rs"]
mod synth;

use minaudit::model;
use minaudit::solve::{self, SolveOptions};

fn main() {
    divan::main();
}

#[divan::bench(args = [100, 300, 1000], sample_count = 3, sample_size = 1)]
fn build_model(bencher: divan::Bencher, n: usize) {
    let s = synth::synth(n, n as u64 * 10);
    bencher.bench(|| {
        let cands = model::generate(&s.index, &s.roots, &s.locked, &Default::default());
        model::build(&cands, &s.roots, &|name, v| {
            s.cost.get(&(name.to_string(), v.clone())).copied()
        })
        .unwrap()
    });
}

/// The scale curve: synthetic registries of 100 to 5,000 crates.
#[divan::bench(args = [100, 300, 1000, 3000, 5000], sample_count = 3, sample_size = 1)]
fn solve_lexicographic(bencher: divan::Bencher, n: usize) {
    let s = synth::synth(n, n as u64 * 10);
    let cands = model::generate(&s.index, &s.roots, &s.locked, &Default::default());
    let m = model::build(&cands, &s.roots, &|name, v| {
        s.cost.get(&(name.to_string(), v.clone())).copied()
    })
    .unwrap();
    bencher.bench(|| solve::solve(&m, 0, &SolveOptions::default()).unwrap());
}
