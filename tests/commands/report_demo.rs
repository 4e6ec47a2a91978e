//! `cargo minaudit report` end to end on a private copy of `fixtures/demo` (offline, private
//! `CARGO_HOME` and `--cache-dir`): the three output formats (insta snapshots), the JSON
//! contract of README, JSON output, every suggested audit's line count recomputed with git itself on
//! the unpacked `.crate` files (git is the oracle, not our counting code), cargo-vet's own
//! `suggest` on the same copy when cargo-vet 0.10 is installed, and the `--fail-above` gate
//! placed around the git-computed total.

use crate::support::report_support;

use crate::support::outside;

use std::process::Command as StdCommand;

use report_support::{git_lines, stderr, stdout, unpack, Demo};

fn report_json(demo: &Demo) -> serde_json::Value {
    let out = demo.report(&["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not only JSON ({e}):\n{}", stdout(&out)))
}

#[test]
fn human_output_snapshot() {
    let demo = Demo::new();
    let out = demo.report(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("demo_human", demo.redact(&stdout(&out)));
}

#[test]
fn json_output_snapshot() {
    let demo = Demo::new();
    let out = demo.report(&["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("demo_json", demo.redact(&stdout(&out)));
}

#[test]
fn markdown_output_snapshot() {
    let demo = Demo::new();
    let out = demo.report(&["--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("demo_markdown", demo.redact(&stdout(&out)));
}

#[test]
fn json_has_the_design_contract_keys_and_a_consistent_total() {
    let demo = Demo::new();
    let v = report_json(&demo);
    assert_eq!(v["schema_version"], 1);
    for key in [
        "current",
        "optimal",
        "changes",
        "solver",
        "cost_universe",
        "violations",
    ] {
        assert!(v.get(key).is_some(), "missing top-level key `{key}`: {v:#}");
    }
    assert_eq!(v["cost_universe"]["kind"], "imports.lock");
    let sources = v["cost_universe"]["sources"].as_array().expect("sources");
    assert_eq!(
        sources
            .iter()
            .map(|s| s["name"].as_str().expect("name"))
            .collect::<Vec<_>>(),
        ["example-org"],
        "the demo imports exactly one audit set"
    );
    assert!(v["changes"].is_array());
    let audits = v["current"]["audits"].as_array().expect("current.audits");
    assert!(!audits.is_empty());
    let mut sum = 0;
    for a in audits {
        let ctx = format!("{a:#}");
        assert!(a["crate"].is_string(), "{ctx}");
        assert!(a["version"].is_string(), "{ctx}");
        assert!(a["from"].is_string() || a["from"].is_null(), "{ctx}");
        let criteria = a["criteria"].as_array().expect("criteria array");
        assert!(!criteria.is_empty(), "{ctx}");
        assert!(
            criteria
                .iter()
                .all(|c| c == "safe-to-deploy" || c == "safe-to-run"),
            "the demo has only the built-in criteria: {ctx}"
        );
        sum += a["lines"].as_u64().expect("lines");
    }
    assert_eq!(v["current"]["backlog_lines"].as_u64(), Some(sum));
}

#[test]
fn every_suggested_audit_matches_git_on_the_unpacked_crates() {
    let demo = Demo::new();
    let v = report_json(&demo);
    let scratch = demo.tmp.path().join("git-oracle");
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).expect("empty dir");
    let mut git_total = 0;
    let mut deltas = 0;
    for a in v["current"]["audits"].as_array().expect("audits") {
        let name = a["crate"].as_str().expect("crate");
        let version = a["version"].as_str().expect("version");
        let to = unpack(&demo.dir.join("registry"), name, version, &scratch);
        let from = match a["from"].as_str() {
            Some(from) => {
                deltas += 1;
                unpack(&demo.dir.join("registry"), name, from, &scratch)
            }
            None => empty.clone(),
        };
        let lines = git_lines(&from, &to, &scratch);
        assert_eq!(
            a["lines"].as_u64(),
            Some(lines),
            "{name} {:?} -> {version}: minaudit vs git",
            a["from"]
        );
        git_total += lines;
    }
    assert!(deltas > 0, "the demo should exercise delta audits too");
    assert_eq!(v["current"]["backlog_lines"].as_u64(), Some(git_total));
}

/// cargo-vet 0.10 itself on the same copy, offline: its crate cache
/// (`<cache-dir>/cache/NAME-VERSION.crate`, read before any download) is filled from the demo
/// registry.
#[test]
#[ignore = "needs cargo-vet 0.10 on PATH"]
fn cargo_vet_suggest_agrees() {
    let demo = Demo::new();
    let vet = |args: &[&str]| {
        StdCommand::new("cargo")
            .current_dir(&demo.dir)
            .env("CARGO_HOME", &demo.cargo_home)
            .env("CARGO_NET_OFFLINE", "true")
            .env_remove("CARGO_TARGET_DIR")
            .arg("vet")
            .args(args)
            .output()
    };
    outside::require_cargo_vet(
        vet(&["--version"]).map(|out| String::from_utf8_lossy(&out.stdout).into_owned()),
    );
    let v = report_json(&demo);
    let vet_cache = demo.tmp.path().join("vet-cache");
    std::fs::create_dir_all(vet_cache.join("cache")).expect("vet cache");
    for e in std::fs::read_dir(demo.dir.join("registry")).expect("registry") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "crate") {
            std::fs::copy(
                &p,
                vet_cache.join("cache").join(p.file_name().expect("name")),
            )
            .expect("copy crate");
        }
    }
    let cache = vet_cache.to_string_lossy().into_owned();
    let out = vet(&[
        "suggest",
        "--locked",
        "--frozen",
        "--cache-dir",
        &cache,
        "--output-format",
        "json",
    ])
    .expect("run cargo vet");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("failed to start download"),
        "cargo-vet could not read a crate; its figure would be too small: {err}"
    );
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("cargo vet json ({e}): {err}"));
    let suggest = &theirs["suggest"];
    let theirs_audits: Vec<(String, Option<String>, String, u64)> = suggest["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .map(|s| {
            let d = &s["suggested_diff"];
            (
                s["name"].as_str().expect("name").to_owned(),
                d["from"].as_str().map(str::to_owned),
                d["to"].as_str().expect("to").to_owned(),
                d["diffstat"]["insertions"].as_u64().expect("ins")
                    + d["diffstat"]["deletions"].as_u64().expect("del"),
            )
        })
        .collect();
    let ours: Vec<(String, Option<String>, String, u64)> = v["current"]["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| {
            (
                a["crate"].as_str().expect("crate").to_owned(),
                a["from"].as_str().map(str::to_owned),
                a["version"].as_str().expect("version").to_owned(),
                a["lines"].as_u64().expect("lines"),
            )
        })
        .collect();
    let sorted = |mut x: Vec<(String, Option<String>, String, u64)>| {
        x.sort();
        x
    };
    assert_eq!(sorted(ours), sorted(theirs_audits), "suggestions differ");
    assert_eq!(
        v["current"]["backlog_lines"].as_u64(),
        suggest["total_lines"].as_u64(),
        "backlog differs from cargo vet suggest"
    );
}

#[test]
fn stdout_has_only_data_and_stderr_only_status() {
    let demo = Demo::new();
    for format in ["human", "json", "markdown"] {
        let out = demo.report(&["--format", format]);
        assert!(out.status.success(), "{}", stderr(&out));
        let (data, status) = (stdout(&out), stderr(&out));
        for word in ["Loading", "Updating", "Fetched"] {
            assert!(
                status.contains(word),
                "{format}: no `{word}` status: {status}"
            );
            assert!(!data.contains(word), "{format}: status `{word}` on stdout");
        }
        assert!(
            !status.contains("estimated audit backlog") && !status.contains("\"schema_version\""),
            "{format}: data on stderr: {status}"
        );
    }
    let quiet = demo.report(&["--quiet"]);
    assert!(quiet.status.success());
    assert!(
        quiet.stderr.is_empty(),
        "--quiet: stderr not empty: {}",
        stderr(&quiet)
    );
}

#[test]
fn fail_above_gates_around_the_git_computed_total() {
    let demo = Demo::new();
    let total = report_json(&demo)["current"]["backlog_lines"]
        .as_u64()
        .expect("total");
    // The total itself is checked against git in
    // `every_suggested_audit_matches_git_on_the_unpacked_crates`.
    assert!(total > 100);
    for (limit, code) in [(100, 1), (total - 1, 1), (total, 0), (1_000_000, 0)] {
        let limit_s = limit.to_string();
        let out = demo.report(&["--format", "json", "--fail-above", &limit_s]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "--fail-above {limit} with a backlog of {total}: {}",
            stderr(&out)
        );
        // The data is printed either way, and stays valid JSON on stdout.
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
        assert_eq!(v["current"]["backlog_lines"].as_u64(), Some(total));
        let err = stderr(&out);
        if code == 1 {
            assert!(
                err.contains("--fail-above") && !stdout(&out).contains("--fail-above"),
                "the gate message belongs on stderr: {err}"
            );
        } else {
            assert!(!err.contains("error"), "{err}");
        }
    }
}

#[test]
fn report_writes_nothing_into_the_workspace() {
    let demo = Demo::new();
    let before = report_support::tree(&demo.dir);
    let out = demo.report(&["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = report_support::tree(&demo.dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert!(before == after, "report changed a file in the workspace");
}

/// A violation in audits.toml that contradicts the existing full audit of ansi-paint 2.1.0: the
/// report names the range, both entries (file and line, counted here from the text we wrote)
/// and prints no Rust debug text.
#[test]
fn violation_conflicting_with_an_audit_is_a_sentence() {
    let demo = Demo::new();
    let path = demo.dir.join("supply-chain/audits.toml");
    let mut text = std::fs::read_to_string(&path).expect("audits.toml");
    let audit_line = text
        .lines()
        .position(|l| l == "[[audits.ansi-paint]]")
        .expect("the demo audits ansi-paint")
        + 1;
    assert!(
        text.lines().nth(audit_line + 1) == Some("criteria = \"safe-to-deploy\"")
            && text.lines().nth(audit_line + 2) == Some("version = \"2.1.0\""),
        "the demo's first ansi-paint audit should be the full safe-to-deploy audit of 2.1.0"
    );
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    let violation_line = text.lines().count() + 1;
    text.push_str(
        "[[audits.ansi-paint]]\nwho = \"Vic Violation <vic@example.com>\"\ncriteria = \"safe-to-deploy\"\nviolation = \">=2.0.0\"\n",
    );
    std::fs::write(&path, text).expect("write audits.toml");

    let want = format!(
        "violation `>=2.0.0` (safe-to-deploy) in audits.toml:{violation_line} forbids the full audit of ansi-paint 2.1.0 (safe-to-deploy) in audits.toml:{audit_line}"
    );

    let out = demo.report(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let human = stdout(&out);
    let line = format!("violation: ansi-paint >=2.0.0: {want}");
    assert!(
        human.lines().any(|l| l == line),
        "expected `{line}` in:\n{human}"
    );
    assert!(!human.contains("ViolationConflict"), "{human}");

    let json = report_json(&demo);
    let violations = json["violations"].as_array().expect("violations[]");
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["crate"], "ansi-paint");
    assert_eq!(violations[0]["version"], ">=2.0.0");
    assert_eq!(violations[0]["detail"], want.as_str());
}
