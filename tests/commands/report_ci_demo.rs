//! `cargo minaudit report` as a CI step, on a private copy of `fixtures/demo` (offline):
//! the report prices the optimum with the same search as `--dry-run` (the two commands must
//! agree key by key), `--no-optimum` skips it, the JSON keeps the types of README, JSON output, and
//! each gate (`--fail-above`, `--fail-if-improvable`, `--fail-on-violation`) exits 1 exactly
//! when its condition holds, with its message on stderr and the data on stdout unchanged.
//! The gate limits are placed around figures read from the JSON, whose current backlog is
//! checked against git in `report_demo.rs` and whose optimum is checked against brute force
//! in `solve_bruteforce.rs`.

use crate::support::report_support;

use std::process::Output;

use report_support::{stderr, stdout, Demo};
use serde_json::Value;

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not only JSON ({e}):\n{}", stdout(out)))
}

fn report_json(demo: &Demo, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = demo.report(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    json_of(&out)
}

fn lines(v: &Value) -> u64 {
    v["backlog_lines"].as_u64().expect("backlog_lines")
}

#[test]
fn report_and_dry_run_find_the_same_optimum_and_price_the_same_current_lock() {
    let demo = Demo::new();
    let report = report_json(&demo, &[]);
    let out = demo.plan(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dry = json_of(&out);
    for key in [
        "schema_version",
        "cost_universe",
        "current",
        "optimal",
        "changes",
        "solver",
    ] {
        assert_eq!(report[key], dry[key], "`{key}` differs");
    }
    // Without the solve, the current lock is priced exactly as before (cargo-vet parity).
    let plain = report_json(&demo, &["--no-optimum"]);
    assert_eq!(plain["current"], report["current"]);
    assert_eq!(plain["cost_universe"], report["cost_universe"]);
    assert!(
        plain["optimal"].is_null() && plain["solver"].is_null(),
        "{plain:#}"
    );
    assert_eq!(plain["changes"], Value::Array(vec![]));
    // The demo has a cheaper lock and the search proves it.
    assert_eq!(report["solver"]["status"], "optimal");
    assert!(
        lines(&report["optimal"]) < lines(&report["current"]),
        "{report:#}"
    );
    assert!(!report["changes"].as_array().expect("changes").is_empty());
}

/// The keys and types of README, JSON output, with the optimum present.
#[test]
fn json_schema_of_a_report_with_the_optimum() {
    let demo = Demo::new();
    let v = report_json(&demo, &[]);
    assert_eq!(v["schema_version"].as_u64(), Some(1));
    let universe = &v["cost_universe"];
    assert!(
        matches!(universe["kind"].as_str(), Some("imports.lock" | "imports")),
        "{universe}"
    );
    for s in universe["sources"].as_array().expect("sources") {
        assert!(s["name"].is_string() && s["origin"].is_string(), "{s}");
    }
    for lock in ["current", "optimal"] {
        let b = &v[lock];
        let audits = b["audits"]
            .as_array()
            .unwrap_or_else(|| panic!("{lock}.audits"));
        let mut sum = 0;
        for a in audits {
            assert!(a["crate"].is_string(), "{lock}: {a}");
            assert!(a["version"].is_string(), "{lock}: {a}");
            assert!(a["from"].is_string() || a["from"].is_null(), "{lock}: {a}");
            assert!(a["command"].is_string(), "{lock}: {a}");
            let criteria = a["criteria"].as_array().expect("criteria");
            assert!(!criteria.is_empty() && criteria.iter().all(Value::is_string));
            sum += a["lines"].as_u64().expect("lines");
        }
        assert_eq!(b["backlog_lines"].as_u64(), Some(sum), "{lock}");
    }
    for c in v["changes"].as_array().expect("changes") {
        let keys: Vec<&str> = c
            .as_object()
            .expect("change")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["crate", "from", "to"], "{c}");
        assert!(c.as_object().expect("obj").values().all(Value::is_string));
        assert_ne!(c["from"], c["to"]);
    }
    assert!(matches!(
        v["solver"]["status"].as_str(),
        Some("optimal" | "feasible" | "infeasible")
    ));
    let gap = v["solver"]["gap"].as_f64().expect("gap is a number");
    assert!((0.0..=1.0).contains(&gap), "{gap}");
    assert!(v["violations"].is_array());
}

/// Every change's `from` is the version `current` locks and its `to` a version the optimal
/// audits or the registry know; checked against the demo's own Cargo.lock text.
#[test]
fn changes_start_from_the_versions_in_cargo_lock() {
    let demo = Demo::new();
    let v = report_json(&demo, &[]);
    let lock = std::fs::read_to_string(demo.dir.join("Cargo.lock")).expect("Cargo.lock");
    for c in v["changes"].as_array().expect("changes") {
        let (name, from, to) = (
            c["crate"].as_str().expect("crate"),
            c["from"].as_str().expect("from"),
            c["to"].as_str().expect("to"),
        );
        let entry = format!("name = \"{name}\"\nversion = \"{from}\"");
        assert!(lock.contains(&entry), "{name} {from} is not in Cargo.lock");
        assert!(
            demo.dir
                .join("registry")
                .join(format!("{name}-{to}.crate"))
                .is_file(),
            "{name} {to} is not in the demo registry"
        );
    }
}

/// Cargo as the oracle for the optimum: applying `changes` with `cargo update --precise`
/// gives a lock Cargo accepts, whose backlog — priced by the cargo-vet-parity path with
/// `--no-optimum` — is exactly the reported `optimal`; and on that lock the search finds
/// nothing left to change.
#[test]
fn the_optimum_is_a_lock_cargo_accepts_and_prices_as_reported() {
    let demo = Demo::new();
    let v = report_json(&demo, &[]);
    let mut todo: Vec<(String, String)> = v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().expect("string").to_owned();
            (format!("{}@{}", s("crate"), s("from")), s("to"))
        })
        .collect();
    // Some intermediate locks may be invalid: retry what failed until nothing moves.
    while !todo.is_empty() {
        let before = todo.len();
        todo.retain(|(spec, to)| {
            let out = std::process::Command::new("cargo")
                .current_dir(&demo.dir)
                .env("CARGO_HOME", &demo.cargo_home)
                .env_remove("CARGO_TARGET_DIR")
                .args(["update", "--offline", "-p", spec, "--precise", to])
                .output()
                .expect("run cargo update");
            !out.status.success()
        });
        assert!(todo.len() < before, "cargo rejects the changes {todo:?}");
    }
    let after = report_json(&demo, &["--no-optimum"]);
    // The optimiser prices each version under the criteria of the locked version in its semver
    // bucket (`optimise::prices`), so on the demo (tinyrand 0.7 dev-only, 0.8 normal) the
    // predicted audits, criteria included, must be exactly what suggest prices on the lock
    // Cargo wrote.
    assert_eq!(
        after["current"], v["optimal"],
        "the optimal lock prices differently"
    );
    let again = report_json(&demo, &[]);
    assert_eq!(again["changes"], Value::Array(vec![]), "{again:#}");
    assert_eq!(again["optimal"], again["current"]);
}

#[test]
fn markdown_snapshot_without_the_optimum() {
    let demo = Demo::new();
    let out = demo.report(&["--format", "markdown", "--no-optimum"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("ci_demo_markdown_no_optimum", demo.redact(&stdout(&out)));
}

/// Runs `report --format json EXTRA`; returns (exit code, stdout, stderr).
fn gated(demo: &Demo, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = demo.report(&args);
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn fail_if_improvable_gates_around_the_saving() {
    let demo = Demo::new();
    let (code, ungated, _) = gated(&demo, &[]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&ungated).expect("json");
    let saving = lines(&v["current"]) - lines(&v["optimal"]);
    assert!(saving > 0);
    for (limit, want) in [(0, 1), (saving - 1, 1), (saving, 0), (saving + 1, 0)] {
        let limit_s = limit.to_string();
        let (code, data, err) = gated(&demo, &["--fail-if-improvable", &limit_s]);
        assert_eq!(
            code,
            Some(want),
            "--fail-if-improvable {limit}, saving {saving}: {err}"
        );
        assert_eq!(data, ungated, "the gate changed stdout");
        if want == 1 {
            assert!(err.contains("--fail-if-improvable"), "{err}");
        } else {
            assert!(!err.contains("error"), "{err}");
        }
    }
}

#[test]
fn fail_if_improvable_is_an_error_without_the_optimum() {
    let demo = Demo::new();
    let (code, data, err) = gated(&demo, &["--no-optimum", "--fail-if-improvable", "0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--fail-if-improvable") && err.contains("--no-optimum"),
        "{err}"
    );
    assert!(data.is_empty(), "{data}");
}

#[test]
fn fail_above_still_gates_on_the_current_lock_with_the_optimum() {
    let demo = Demo::new();
    let (_, ungated, _) = gated(&demo, &[]);
    let v: Value = serde_json::from_str(&ungated).expect("json");
    let (current, optimal) = (lines(&v["current"]), lines(&v["optimal"]));
    // Between the optimal and the current backlog: the gate must look at the current one.
    let limit = (current + optimal) / 2;
    let (code, data, err) = gated(&demo, &["--fail-above", &limit.to_string()]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(data, ungated);
    let (code, _, err) = gated(&demo, &["--fail-above", &current.to_string()]);
    assert_eq!(code, Some(0), "{err}");
}

/// Adds an audit violation on a crate the demo has a safe-to-deploy audit for (ansi-paint
/// 2.1.0): cargo-vet fails on such a conflict.
fn add_violation(demo: &Demo) {
    let path = demo.dir.join("supply-chain/audits.toml");
    let mut text = std::fs::read_to_string(&path).expect("audits.toml");
    text.push_str(
        "\n[[audits.ansi-paint]]\nwho = \"Eve <eve@example.com>\"\ncriteria = \"safe-to-deploy\"\nviolation = \"*\"\n",
    );
    std::fs::write(&path, text).expect("write audits.toml");
}

#[test]
fn fail_on_violation_gates_only_when_there_is_a_violation() {
    let demo = Demo::new();
    let (code, data, err) = gated(&demo, &["--fail-on-violation"]);
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&data).expect("json");
    assert_eq!(v["violations"], Value::Array(vec![]));

    add_violation(&demo);
    let (code, ungated, err) = gated(&demo, &[]);
    assert_eq!(
        code,
        Some(0),
        "a violation alone is data, not a failure: {err}"
    );
    let v: Value = serde_json::from_str(&ungated).expect("json");
    let crates: Vec<&str> = v["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|x| x["crate"].as_str().expect("crate"))
        .collect();
    assert_eq!(crates, ["ansi-paint"]);
    // cargo-vet prints no suggestions when a violation conflicts, and there is no optimum.
    assert!(v["optimal"].is_null(), "{v:#}");
    assert!(err.contains("optimum is not computed"), "{err}");

    let (code, data, err) = gated(&demo, &["--fail-on-violation"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("--fail-on-violation"), "{err}");
    assert_eq!(data, ungated, "the gate changed stdout");
}

/// A one-step CI gate (`report --format markdown --fail-if-improvable 0 >>
/// $GITHUB_STEP_SUMMARY`) still writes its summary when violation conflicts leave no optimum:
/// the gate fails (exit 1) and says why, and stdout is the report of the current lock.
#[test]
fn the_one_step_ci_gate_writes_its_summary_despite_violation_conflicts() {
    let demo = Demo::new();
    add_violation(&demo);
    let ungated = demo.report(&["--format", "markdown"]);
    assert_eq!(ungated.status.code(), Some(0), "{}", stderr(&ungated));
    let out = demo.report(&["--format", "markdown", "--fail-if-improvable", "0"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--fail-if-improvable cannot be checked") && err.contains("violation"),
        "{err}"
    );
    assert!(!stdout(&out).is_empty());
    assert_eq!(stdout(&out), stdout(&ungated), "the gate changed stdout");
    for extra in [&["--fail-above", "0"][..], &["--fail-on-violation"]] {
        let mut args = vec!["--format", "markdown", "--fail-if-improvable", "0"];
        args.extend_from_slice(extra);
        let out = demo.report(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&ungated), "{extra:?} changed stdout");
    }
}

/// `--target` prices the optimum too (it used to be refused), and the gates read the
/// targeted figures.
#[test]
fn targets_price_the_optimum_and_gate_on_it() {
    let demo = Demo::new();
    let host = {
        let out = std::process::Command::new("rustc")
            .arg("-vV")
            .output()
            .expect("rustc -vV");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
            .expect("host line")
    };
    let (code, data, err) = gated(&demo, &["--target", &host]);
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&data).expect("json");
    assert_eq!(v["solver"]["status"], "optimal", "{v:#}");
    let current = v["current"]["backlog_lines"].as_u64().expect("current");
    let optimal = v["optimal"]["backlog_lines"].as_u64().expect("optimal");
    assert!(optimal <= current, "{v:#}");
    assert!(v["optimal_not_built"].is_array(), "{v:#}");
    assert!(!err.contains("optimum is not computed"), "{err}");
    let (code, _, err) = gated(&demo, &["--target", &host, "--fail-if-improvable", "0"]);
    assert_eq!(code, Some(if optimal < current { 1 } else { 0 }), "{err}");
}

/// `--count code` with the optimum: the optimal audits carry their code counts too, the
/// audits themselves are the plain report's, and the totals add up.
#[test]
fn count_code_covers_the_optimal_lock() {
    let demo = Demo::new();
    let plain = report_json(&demo, &[]);
    let coded = report_json(&demo, &["--count", "code"]);
    for lock in ["current", "optimal"] {
        let audits = coded[lock]["audits"].as_array().expect("audits");
        let mut sum = 0;
        for (a, p) in audits
            .iter()
            .zip(plain[lock]["audits"].as_array().expect("audits"))
        {
            let mut stripped = a.clone();
            let obj = stripped.as_object_mut().expect("audit");
            let code = obj.remove("code_lines").and_then(|c| c.as_u64());
            let bin = obj.remove("code_bin_lines").and_then(|c| c.as_u64());
            let code = code.unwrap_or_else(|| panic!("{lock}: code unknown: {a}"));
            assert!(
                code + bin.expect("bin") <= a["lines"].as_u64().expect("lines"),
                "{a}"
            );
            assert_eq!(&stripped, p, "{lock}");
            sum += code;
        }
        assert_eq!(
            audits.len(),
            plain[lock]["audits"].as_array().expect("a").len()
        );
        assert_eq!(
            coded[lock]["code_backlog_lines"].as_u64(),
            Some(sum),
            "{lock}"
        );
    }
}
