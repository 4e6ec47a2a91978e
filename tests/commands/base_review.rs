//! `--base REV` on a private copy of the demo in a git repository: the base commit has no
//! `quill-json` dependency; the change (the demo as it is, uncommitted) adds it. Figures by
//! hand from the demo's report (tests/commands/report_demo.rs snapshots): the demo's current
//! backlog is 3,538 lines, of which quill-json's delta 1.1.0 -> 1.3.0 (318) and quill-derive
//! 1.3.0 (501) come with quill-json (hexfmt, its other dependency, is covered by an import);
//! so the base costs 3,538 − 318 − 501 = 2,719 and the change adds 819. The cheapest lock for
//! the demo's manifests takes quill-json 1.1.0, which is audited: quill-json is a crate the
//! change needs an audit of and the cheapest lock does not.

use std::path::Path;
use std::process::Command;

use crate::support::registry_builder::cargo_oracle::CargoOracle;
use crate::support::report_support::{demo_src, json_ok, stderr, stdout, Demo};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .expect("git (needed by this test and by --base REV)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The demo copy with the base commit (no quill-json) in git and the demo itself on disk.
fn reviewed_change() -> Demo {
    let demo = Demo::new();
    let core = demo.dir.join("core/Cargo.toml");
    let text = std::fs::read_to_string(&core).expect("core manifest");
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("quill-json"))
        .map(|l| match l {
            "default = [\"pretty\"]" | "pretty = [\"quill-json/pretty\"]" => "",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&core, without).expect("base manifest");
    CargoOracle::new()
        .expect("cargo")
        .generate_lockfile(&demo.dir)
        .expect("the base lock");
    git(&demo.dir, &["init", "-q"]);
    git(&demo.dir, &["add", "-A"]);
    git(&demo.dir, &["commit", "-q", "-m", "base"]);
    // the change: the demo's manifest and lock as they are
    std::fs::write(&core, text).expect("restore");
    std::fs::copy(demo_src().join("Cargo.lock"), demo.dir.join("Cargo.lock")).expect("lock");
    demo
}

#[test]
fn a_change_is_priced_against_its_base_revision() {
    let demo = reviewed_change();
    let v = json_ok(&demo.report(&["--base", "HEAD", "--format", "json"]));
    let base = &v["base"];
    assert_eq!(base["source"], "HEAD", "{base:#}");
    assert_eq!(v["current"]["backlog_lines"], 3538);
    assert_eq!(base["backlog_lines"], 2719, "{base:#}");
    assert_eq!(
        base["changed_current"], 3,
        "quill-json, quill-derive, hexfmt: {base:#}"
    );
    let base_crates: Vec<&str> = base["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| a["crate"].as_str().expect("crate"))
        .collect();
    assert!(
        !base_crates.contains(&"quill-json") && !base_crates.contains(&"quill-derive"),
        "{base_crates:?}"
    );
    let md = stdout(&demo.report(&["--base", "HEAD", "--format", "markdown"]));
    assert!(
        md.contains("This change adds +819 lines of audit backlog over HEAD (2,719 -> 3,538)"),
        "{md}"
    );
    assert!(
        md.contains("`cargo vet diff quill-json 1.1.0 1.3.0`: 318 lines"),
        "{md}"
    );

    // the gates: 819 added, quill-json avoidable
    let gate = demo.report(&["--base", "HEAD", "--fail-added-above", "800"]);
    assert_eq!(gate.status.code(), Some(1), "{}", stderr(&gate));
    assert!(
        stderr(&gate).contains("adds 819 lines"),
        "{}",
        stderr(&gate)
    );
    let gate = demo.report(&["--base", "HEAD", "--fail-added-above", "819"]);
    assert_eq!(gate.status.code(), Some(0), "{}", stderr(&gate));
    // under --target the base is scoped like the current lock: winconsole-sys 0.2.1 (762
    // lines) builds only on Windows, so the base costs 2,719 − 762 for Linux
    let linux = json_ok(&demo.report(&[
        "--base",
        "HEAD",
        "--target",
        "x86_64-unknown-linux-gnu",
        "--format",
        "json",
    ]));
    assert_eq!(linux["base"]["backlog_lines"], 1957, "{}", linux["base"]);
    let gate = demo.report(&["--base", "HEAD", "--fail-on-avoidable"]);
    assert_eq!(gate.status.code(), Some(1), "{}", stderr(&gate));
    let message = stderr(&gate);
    assert!(
        message.contains("needs audits of quill-json that HEAD does not"),
        "{message}"
    );
}

/// The base is the reference for `--no-downgrade`: the written lock holds no version below
/// the base's in its bucket, and Cargo accepts it.
#[test]
fn no_downgrade_against_the_base() {
    let demo = reviewed_change();
    let out = demo
        .minaudit(&[
            "--frozen-imports",
            "--offline",
            "--base",
            "HEAD",
            "--no-downgrade",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let v = json_ok(&out);
    crate::support::registry_builder::cargo_oracle::check_lock(&demo.dir)
        .unwrap_or_else(|e| panic!("{e}"));
    // every crate the base holds keeps its version or moves up (the demo's base is the newest
    // of everything, so nothing it holds moves)
    let base_lock = {
        let out = Command::new("git")
            .current_dir(&demo.dir)
            .args(["show", "HEAD:Cargo.lock"])
            .output()
            .expect("git show");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    for c in v["changes"].as_array().expect("changes") {
        let name = c["crate"].as_str().expect("crate");
        assert!(
            !base_lock.contains(&format!("name = \"{name}\"\n")),
            "{name} is in the base and moved: {c}"
        );
    }
}

/// A base file that does not match the current manifests cannot be priced with them: the
/// error says to name a revision.
#[test]
fn a_base_file_for_other_manifests_is_refused_with_a_hint() {
    let demo = reviewed_change();
    let old = demo.tmp.path().join("base.lock");
    let out = Command::new("git")
        .current_dir(&demo.dir)
        .args(["show", "HEAD:Cargo.lock"])
        .output()
        .expect("git show");
    std::fs::write(&old, out.stdout).expect("base file");
    let out = demo.report(&["--base", old.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--base origin/main"),
        "{}",
        stderr(&out)
    );
}
