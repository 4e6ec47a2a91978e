//! `cargo minaudit explain CRATE` on the demo workspace. Oracles: the chosen version's row is
//! the optimum `--dry-run` reports; every other version's "cheapest lock holding it" is never
//! below the optimum, and never above the backlog of the lock Cargo itself makes with that
//! version (`cargo update --precise`, priced by `report`, which equals `cargo vet suggest`).

mod report_support;

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
