//! Advisories as hard constraints, on the demo workspace: a RustSec advisory against the
//! version the optimum would pick makes the optimiser take the cheapest unaffected version,
//! as `explain` prices it, and say why; `--allow-advisory` waives it; an advisory against
//! every version is an error naming it (a PubGrub derivation: each version ruled out and the
//! requirement that needs one), and Cargo.lock stays untouched.

use crate::support::report_support;

use std::path::Path;

use report_support::{json_ok, stderr, Demo};
use serde_json::Value;

fn write_advisory(db: &Path, id: &str, krate: &str, patched: &[&str]) {
    let dir = db.join("crates").join(krate);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let patched = patched
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{krate}\"\ndate = \"2026-01-01\"\n\
         url = \"https://example.org/{id}\"\n\n[versions]\npatched = [{patched}]\n```\n\n\
         # A test advisory\n\nFor the optimiser's guard rails.\n"
    );
    std::fs::write(dir.join(format!("{id}.md")), text).expect("write advisory");
}

fn ansi_paint(plan: &Value) -> Vec<String> {
    // the optimal lock's ansi-paint versions: the change's `to`, else the current one
    let changed: Vec<String> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["crate"] == "ansi-paint")
        .map(|c| c["to"].as_str().unwrap_or_default().to_string())
        .collect();
    changed
}

#[test]
fn an_advisory_on_the_cheapest_version_moves_the_optimum_to_the_next_cheapest() {
    let demo = Demo::new();
    let run = |extra: &[&str]| demo.plan(extra);
    let free = json_ok(&run(&[]));
    let ex = json_ok(&demo.explain("ansi-paint"));
    let rows = ex["versions"].as_array().expect("versions");
    let chosen = rows
        .iter()
        .find(|r| r["chosen"] == true)
        .expect("the optimum holds ansi-paint");
    let chosen_version = chosen["version"].as_str().expect("version").to_string();
    // next cheapest: the cheapest lock holding another version (explain proves each)
    let next = rows
        .iter()
        .filter(|r| r["chosen"] != true && r["backlog_lines"].is_u64())
        .min_by_key(|r| r["backlog_lines"].as_u64())
        .expect("another version fits a lock");
    let db = demo.tmp.path().join("advisory-db");
    // affects every version up to the chosen one
    write_advisory(
        &db,
        "RUSTSEC-2099-0001",
        "ansi-paint",
        &[&format!("> {chosen_version}")],
    );
    let before = std::fs::read(demo.dir.join("Cargo.lock")).expect("lock");
    let out = run(&["--advisory-db", db.to_str().expect("utf-8")]);
    let guarded = json_ok(&out);
    assert_eq!(
        guarded["optimal"]["backlog_lines"], next["backlog_lines"],
        "the optimum moves to the next cheapest version explain priced"
    );
    assert!(
        !ansi_paint(&guarded).contains(&chosen_version),
        "{guarded:#}"
    );
    assert!(
        guarded["optimal"]["backlog_lines"].as_u64() > free["optimal"]["backlog_lines"].as_u64()
    );
    let err = stderr(&out);
    assert!(
        err.contains("RUSTSEC-2099-0001") || err.contains("affected by advisories"),
        "the binding advisory is reported: {err}"
    );
    // waived: back to the free optimum
    let waived = json_ok(&run(&[
        "--advisory-db",
        db.to_str().expect("utf-8"),
        "--allow-advisory",
        "RUSTSEC-2099-0001",
    ]));
    assert_eq!(waived["optimal"], free["optimal"]);
    // every version affected: an error naming the advisory, and no write
    write_advisory(&db, "RUSTSEC-2099-0002", "ansi-paint", &[">= 999.0.0"]);
    let out = demo
        .minaudit(&[
            "--frozen-imports",
            "--offline",
            "--advisory-db",
            db.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // PubGrub's derivation in plain words: each version ruled out, and the requirement
    let err = stderr(&out);
    // (the first advisory is still in the db and affects the two older versions too)
    for (version, ids) in [
        ("2.0.0", "RUSTSEC-2099-0001, RUSTSEC-2099-0002"),
        ("2.1.0", "RUSTSEC-2099-0001, RUSTSEC-2099-0002"),
        ("2.2.0", "RUSTSEC-2099-0002"),
    ] {
        assert!(
            err.contains(&format!(
                "ansi-paint {version} cannot be used (affected by {ids})"
            )),
            "{err}"
        );
    }
    assert!(
        err.contains("member `demo-app` depends on ansi-paint >=2.0.0, <3.0.0"),
        "{err}"
    );
    assert!(err.contains("--allow-advisory"), "{err}");
    assert_eq!(
        std::fs::read(demo.dir.join("Cargo.lock")).expect("lock"),
        before
    );
}
