//! `--objective` on the demo workspace. Oracles: Cargo itself (`cargo update`, MSRV-aware,
//! picks the newest allowed version of every bucket, a lock with no lag: minimising lag alone
//! must land on the same versions), the current lock (fewest changes first must keep it, at its own backlog), and
//! the default order (lines first must never cost more than any other order's lock).

use crate::support::report_support;

use std::collections::BTreeSet;
use std::process::Command;

use report_support::{json_ok, stderr, Demo};

const OFFLINE: &[&str] = &["--frozen-imports", "--offline"];

fn plan(demo: &Demo, objective: &str) -> serde_json::Value {
    json_ok(&demo.plan(&[&format!("--objective={objective}")]))
}

/// Registry packages of a Cargo.lock, `name version`.
fn locked(lock: &str) -> BTreeSet<String> {
    let doc: toml::Table = lock.parse().expect("Cargo.lock is TOML");
    doc["package"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p.get("source").is_some())
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn fewest_changes_first_keeps_the_current_lock() {
    let demo = Demo::new();
    let default = plan(&demo, "-lines,-audits,-changed,-lag");
    assert!(
        !default["changes"].as_array().unwrap().is_empty(),
        "the demo's optimum changes versions, or this test proves nothing"
    );
    let keep = plan(&demo, "-changed,-lines");
    assert_eq!(keep["changes"], serde_json::json!([]), "{keep:#}");
    assert_eq!(keep["solver"]["status"], "optimal");
    assert_eq!(keep["solver"]["objective"], "-changed,-lines");
    assert_eq!(
        keep["optimal"]["backlog_lines"],
        keep["current"]["backlog_lines"]
    );
    // lines first is never worse on lines than any other order
    assert!(
        default["optimal"]["backlog_lines"].as_u64() < keep["optimal"]["backlog_lines"].as_u64()
    );
}

/// `cargo update --offline` with `args` in the demo copy, MSRV-aware like minaudit (the demo's
/// members declare rust-version 1.80; smallmap 1.1.0 needs 1.88).
fn cargo_update(demo: &Demo, args: &[&str]) {
    let status = Command::new("cargo")
        .current_dir(&demo.dir)
        .env("CARGO_HOME", &demo.cargo_home)
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .args(["update", "--offline"])
        .args(args)
        .status()
        .expect("cargo update");
    assert!(status.success(), "cargo update {args:?}");
}

fn lock_of(demo: &Demo) -> BTreeSet<String> {
    locked(&std::fs::read_to_string(demo.dir.join("Cargo.lock")).expect("lock"))
}

#[test]
fn minimising_lag_alone_gives_the_lock_cargo_update_writes() {
    // Cargo's own answer: the newest version of every bucket
    let cargos = Demo::new();
    cargo_update(&cargos, &[]);
    // a lock that lags: older versions taken on purpose
    let ours = Demo::new();
    for (pkg, old) in [
        ("ansi-paint", "2.0.0"),
        ("tinyrand@0.8.2", "0.8.0"),
        ("smallmap", "1.0.0"),
    ] {
        cargo_update(&ours, &["-p", pkg, "--precise", old]);
    }
    let lagging = lock_of(&ours);
    assert_ne!(lagging, lock_of(&cargos));
    let mut args = vec!["--objective=-lag"];
    args.extend(OFFLINE);
    let out = ours.minaudit(&args).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lock_of(&ours), lock_of(&cargos));
}

#[test]
fn objectives_it_cannot_honour_are_errors_that_change_nothing() {
    let demo = Demo::new();
    let before = report_support::tree(&demo.dir);
    for (objective, says) in [
        ("+lines", "only minimising"),
        ("-lines,-bytes", "unknown criterion `bytes`"),
        ("lines", "has no sign"),
        ("-lag,-lag", "appears twice"),
    ] {
        let flag = format!("--objective={objective}");
        let mut args = vec![flag.as_str()];
        args.extend(OFFLINE);
        let out = demo.minaudit(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{objective}");
        assert!(stderr(&out).contains(says), "{objective}: {}", stderr(&out));
    }
    assert_eq!(report_support::tree(&demo.dir), before);
}
