//! `cargo minaudit explain CRATE` on the demo workspace. Oracles: the chosen version's row is
//! the optimum `--dry-run` reports; every other version's "cheapest lock holding it" is never
//! below the optimum, and never above the backlog of the lock Cargo itself makes with that
//! version (`cargo update --precise`, priced by `report`, which equals `cargo vet suggest`).

use crate::support::report_support;

use std::process::Command;

use report_support::{json_ok, Demo};

#[test]
fn explain_prices_every_version_between_the_optimum_and_cargos_own_lock() {
    let demo = Demo::new();
    let before = report_support::tree(&demo.dir);
    let ex = json_ok(&demo.explain("ansi-paint"));
    assert_eq!(
        report_support::tree(&demo.dir),
        before,
        "explain writes nothing"
    );
    let plan = json_ok(&demo.plan(&[]));
    let best = plan["optimal"]["backlog_lines"].as_u64().expect("optimum");
    assert_eq!(ex["optimal_backlog_lines"].as_u64(), Some(best));
    let rows = ex["versions"].as_array().expect("versions");
    assert!(rows.len() >= 2, "{ex:#}");
    let mut others = 0;
    for r in rows {
        let version = r["version"].as_str().expect("version");
        let backlog = r["backlog_lines"]
            .as_u64()
            .expect("every demo version fits a lock");
        if r["chosen"] == true {
            assert_eq!(backlog, best, "{r}");
            continue;
        }
        assert!(backlog >= best, "{r}");
        // Cargo's own lock with this version: an upper bound on the cheapest one
        let copy = Demo::new();
        let status = Command::new("cargo")
            .current_dir(&copy.dir)
            .env("CARGO_HOME", &copy.cargo_home)
            .args([
                "update",
                "--offline",
                "-p",
                "ansi-paint",
                "--precise",
                version,
            ])
            .status()
            .expect("cargo update");
        assert!(status.success(), "cargo update --precise {version}");
        let priced = json_ok(&copy.report(&["--no-optimum", "--format", "json"]));
        let cargo_lock = priced["current"]["backlog_lines"]
            .as_u64()
            .expect("backlog");
        assert!(
            backlog <= cargo_lock,
            "explain says {backlog} for {version}, but Cargo's lock with it costs {cargo_lock}"
        );
        others += 1;
    }
    assert!(others >= 1);
}

/// `--jobs` runs the forced solves on several threads, each run of versions from its own copy
/// of the search. With tinyrand's two 0.8 delta audits removed, three of its five versions are
/// forced in (0.7.2, 0.8.1, 0.8.2), so one, two and three jobs split them differently; every
/// row must come out the same and in version order. tinyrand has no dependencies, so the
/// cheapest lock holding a version differs from the optimum only in that version: its extra
/// lines are its own price minus the price of the version the optimum holds in its bucket.
#[test]
fn forced_versions_solved_on_several_jobs_give_the_same_rows() {
    let demo = Demo::new();
    let audits = demo.dir.join("supply-chain/audits.toml");
    let text = std::fs::read_to_string(&audits).expect("audits.toml");
    let mut kept = String::new();
    for entry in text.split("\n\n") {
        if !(entry.contains("[[audits.tinyrand]]") && entry.contains("delta = \"0.8.")) {
            kept.push_str(entry);
            kept.push_str("\n\n");
        }
    }
    assert_ne!(
        kept.len(),
        text.len() + 2,
        "the 0.8 delta audits were found"
    );
    std::fs::write(&audits, kept).expect("write audits.toml");

    let explain = |jobs: &str| {
        let out = demo
            .minaudit(&[
                "explain",
                "tinyrand",
                "--jobs",
                jobs,
                "--frozen-imports",
                "--offline",
                "--format",
                "json",
            ])
            .output()
            .expect("run cargo-minaudit");
        json_ok(&out)
    };
    let one = explain("1");
    let rows = one["versions"].as_array().expect("versions");
    let forced = rows.iter().filter(|r| r["chosen"] == false).count();
    assert_eq!(forced, 3, "{one:#}");
    for jobs in ["2", "3"] {
        assert_eq!(explain(jobs), one, "--jobs {jobs}");
    }

    let bucket = |v: &str| {
        let v = semver::Version::parse(v).expect("version");
        if v.major == 0 {
            (0, v.minor)
        } else {
            (v.major, 0)
        }
    };
    for r in rows.iter().filter(|r| r["chosen"] == false) {
        let version = r["version"].as_str().expect("version");
        let held = rows
            .iter()
            .find(|o| {
                o["chosen"] == true && bucket(o["version"].as_str().unwrap()) == bucket(version)
            })
            .expect("the optimum holds a version of each bucket");
        let own = r["own_lines"].as_i64().expect("own");
        let held_own = held["own_lines"].as_i64().expect("own");
        assert_eq!(r["extra_lines"].as_i64(), Some(own - held_own), "{r}");
    }
}
