//! Opt-in: `scripts/vet-oracle-compare.sh` on every corpus project of
//! `../shared/realworld/projects` (or `$MINAUDIT_SHARED/realworld/projects`): the backlog of
//! `cargo minaudit report --frozen-imports` must equal `cargo vet suggest --locked`, with
//! cargo-vet's crate cache filled from what minaudit read and no failed download.
//! And `scripts/optimum-oracle.sh` on each: the main command rewrites a copy's Cargo.lock,
//! `cargo metadata --locked` accepts it, `cargo vet suggest --locked` on it prints exactly
//! the predicted optimal backlog, and `report --format json` agrees with the plan.
//! Run: `cargo test --test commands -- --ignored report_corpus_oracle:: --nocapture`.

use crate::support::outside;

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> (PathBuf, Vec<String>) {
    let projects = outside::shared_dir().join("realworld/projects");
    let mut names: Vec<String> = std::fs::read_dir(&projects)
        .expect("projects")
        .filter_map(|e| {
            let p = e.ok()?.path();
            p.join("supply-chain")
                .is_dir()
                .then(|| p.file_name()?.to_str().map(str::to_owned))
                .flatten()
        })
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no project with a supply-chain/ in {}",
        projects.display()
    );
    (projects, names)
}

/// Runs `script PROJECT` for every corpus project; the names whose output lacks PASS.
fn run_script(script: &str) -> Vec<String> {
    let (projects, names) = corpus();
    let mut failed = Vec::new();
    for name in &names {
        let out = Command::new("bash")
            .arg(repo().join(script))
            .arg(projects.join(name))
            .env("MINAUDIT_BIN", env!("CARGO_BIN_EXE_cargo-minaudit"))
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap_or_else(|e| panic!("run {script}: {e}"));
        let text = String::from_utf8_lossy(&out.stdout);
        eprintln!("{text}");
        if !out.status.success() || !text.lines().any(|l| l == "PASS") {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            failed.push(name.clone());
        }
    }
    failed
}

#[test]
#[ignore = "needs network and cargo-vet: runs scripts/vet-oracle-compare.sh"]
fn corpus_backlogs_equal_cargo_vet() {
    let failed = run_script("scripts/vet-oracle-compare.sh");
    assert!(
        failed.is_empty(),
        "differs from cargo-vet (or could not compare): {failed:?}"
    );
}

#[test]
#[ignore = "needs network and cargo-vet; minutes per project: runs scripts/optimum-oracle.sh"]
fn corpus_optimal_locks_are_accepted_and_priced_as_predicted() {
    let failed = run_script("scripts/optimum-oracle.sh");
    assert!(
        failed.is_empty(),
        "written lock rejected or priced differently by cargo-vet: {failed:?}"
    );
}
