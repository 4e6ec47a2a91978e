//! End to end on the committed demo (`fixtures/demo`, a local-registry workspace): the binary
//! without `--dry-run` rewrites Cargo.lock; real cargo accepts the new lock (`check_lock`);
//! a second run says "already optimal" and leaves the bytes alone; `report` on the new lock
//! prices exactly the backlog the first run predicted; and cargo-vet 0.10 (when installed)
//! prints the same figure. Faults that must leave Cargo.lock byte-identical with exit 2 live in
//! `lockwrite_faults.rs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::registry_builder::cargo_oracle;

pub fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// Copies a directory tree (files only; the demo has no symlinks).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dst = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).expect("copy");
        }
    }
}

/// Runs `cargo-minaudit minaudit ARGS` in `dir` with a private cache dir.
pub fn minaudit(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cargo-minaudit"))
        .arg("minaudit")
        .args(args)
        .args(["--frozen-imports", "--offline", "--cache-dir"])
        .arg(cache)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-minaudit")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}; stderr:\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// (crate, from, version, lines) of each audit, and the backlog.
fn backlog(v: &serde_json::Value) -> (u64, BTreeSet<(String, String, String, u64)>) {
    let audits = v["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| {
            (
                a["crate"].as_str().expect("crate").to_string(),
                a["from"].as_str().unwrap_or("-").to_string(),
                a["version"].as_str().expect("version").to_string(),
                a["lines"].as_u64().expect("lines"),
            )
        })
        .collect();
    (v["backlog_lines"].as_u64().expect("backlog_lines"), audits)
}

#[test]
fn demo_lock_is_rewritten_accepted_by_cargo_and_idempotent() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("demo");
    let cache = tmp.path().join("cache");
    copy_tree(&demo_dir(), &ws);
    let before = std::fs::read(ws.join("Cargo.lock")).expect("lock");

    let first = minaudit(&ws, &cache, &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    let plan = json(&first);
    let after = std::fs::read(ws.join("Cargo.lock")).expect("lock");
    assert_ne!(
        before, after,
        "the demo's lock is not optimal, so it must change"
    );
    let changes = plan["changes"].as_array().expect("changes").len();
    assert!(changes > 0);
    assert!(stderr.contains("Wrote"), "{stderr}");
    assert!(stderr.contains("cargo vet"), "{stderr}");
    // the independent oracle: cargo itself, --locked, isolated CARGO_HOME
    cargo_oracle::check_lock(&ws).unwrap_or_else(|e| panic!("{e}"));

    // the change table describes the written file (read back independently with toml)
    let lock: toml::Table = toml::from_str(&String::from_utf8_lossy(&after)).expect("toml");
    let locked: BTreeSet<(String, String)> = lock["package"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p.get("source").is_some())
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["version"].as_str().expect("version").to_string(),
            )
        })
        .collect();
    for c in plan["changes"].as_array().expect("changes") {
        let (k, to) = (
            c["crate"].as_str().expect("crate"),
            c["to"].as_str().expect("to"),
        );
        if to != "-" {
            assert!(
                locked.contains(&(k.to_string(), to.to_string())),
                "{k} {to}"
            );
        }
    }

    // second run: already optimal, file untouched
    let second = minaudit(&ws, &cache, &["--format", "json"]);
    let stderr2 = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr2}");
    assert!(stderr2.contains("already optimal"), "{stderr2}");
    assert_eq!(std::fs::read(ws.join("Cargo.lock")).expect("lock"), after);
    let again = json(&second);
    assert_eq!(again["changes"].as_array().map(Vec::len), Some(0));

    // `report` prices the new lock exactly as the first run predicted
    let report = minaudit(&ws, &cache, &["report", "--format", "json"]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let report = json(&report);
    assert_eq!(backlog(&report["current"]), backlog(&plan["optimal"]));
    // cargo-vet's own figure on the written lock: tests/policy_demo.rs (opt-in)
}
