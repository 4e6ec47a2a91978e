//! Solving replayed corpus instances (fixtures/instances/*.json.gz, written by
//! `cargo minaudit --dry-run --dump-instance FILE` on each corpus project; see
//! fixtures/instances/README.md): the priced model of a real workspace, solved again without
//! the workspace, the index or any crate file.
//! `cargo bench --bench replay --profile dev` (the dev profile reuses the HiGHS build).

use minaudit::model::Instance;
use minaudit::solve::{self, SolveOptions};

fn main() {
    divan::main();
}

const PROJECTS: &[&str] = &[
    "loot-condition-interpreter",
    "libloadorder",
    "incrementalmerkletree",
    "cargo-vet",
    "glean",
    "librustzcash",
];

fn load(name: &str) -> Instance {
    let path = format!(
        "{}/fixtures/instances/{name}.json.gz",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Instance::from_bytes(&bytes).expect("an instance of this format version")
}

/// Both stages (lines, then audits and changes), warm-started from the current lock.
#[divan::bench(args = PROJECTS, sample_count = 3, sample_size = 1)]
fn solve_corpus(bencher: divan::Bencher, name: &str) {
    let inst = load(name);
    bencher.bench(|| solve::solve(&inst.model, inst.locked_outside, &SolveOptions::default()));
}

/// Stage 1 only, as in each lazy-pricing round.
#[divan::bench(args = PROJECTS, sample_count = 3, sample_size = 1)]
fn solve_corpus_lines_only(bencher: divan::Bencher, name: &str) {
    let inst = load(name);
    let opts = SolveOptions {
        until_priced: true,
        ..SolveOptions::default()
    };
    bencher.bench(|| solve::solve(&inst.model, inst.locked_outside, &opts));
}
