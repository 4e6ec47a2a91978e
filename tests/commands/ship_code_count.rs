//! `cargo minaudit report --count code`: each audit's lines in files that compile into the
//! crate's lib or build script, beside cargo-vet's count. Run as a user runs it (the built
//! binary in a copy of the workspace, offline, imports.lock only).
//!
//! Oracles are hand computations from the fixture descriptions:
//! - the demo (fixtures/demo): every crate is `Cargo.toml`, `Cargo.toml.orig`, `src/lib.rs`
//!   (5 lines; the version on lines 1 and 4), `src/imp.rs` (synthetic, N lines) and, for
//!   `links` crates, `build.rs` (1 line). So a full audit's code is imp + 5 (+ 1), and a delta's
//!   code is |ΔN| + 4 (synthetic lines do not name the version, so N → N+k is k added lines).
//!   Checked with `wc -l` on the unpacked crates.
//! - a small world built here with registry_builder, whose crates carry tests/, examples/,
//!   benches/, a README, data, a nested package, a build script, and files added and deleted
//!   between versions.
//!
//! The opt-in corpus test (`--ignored`, needs index.crates.io / static.crates.io) checks that
//! the code backlog is smaller than the vet backlog on the six shared corpus projects.

use crate::support::outside;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::registry_builder::{cargo_oracle, write::write_world, RenderOptions, World};
use serde_json::Value;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn run(ws: &Path, cache: &Path, offline: bool, extra: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-minaudit"));
    cmd.current_dir(ws)
        .args([
            "minaudit",
            "report",
            "--no-optimum",
            "--frozen-imports",
            "-q",
            "--cache-dir",
        ])
        .arg(cache)
        .args(extra);
    if offline {
        cmd.arg("--offline");
    }
    let out = cmd.output().expect("run cargo-minaudit");
    assert!(
        out.status.success(),
        "cargo-minaudit {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn run_json(ws: &Path, cache: &Path, offline: bool, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&run(ws, cache, offline, &args)).expect("json")
}

/// command → (vet lines, code lines, bin lines), checking code ≤ vet on the way.
fn per_audit(v: &Value) -> BTreeMap<String, (u64, u64, u64)> {
    let mut out = BTreeMap::new();
    for a in v["current"]["audits"].as_array().expect("audits") {
        let command = a["command"].as_str().expect("command").to_string();
        let lines = a["lines"].as_u64().expect("lines");
        let code = a["code_lines"]
            .as_u64()
            .unwrap_or_else(|| panic!("{command}: code unknown: {}", a["code_error"]));
        let bin = a["code_bin_lines"].as_u64().expect("bin lines");
        assert!(
            code + bin <= lines,
            "{command}: code {code} + bin {bin} > {lines}"
        );
        out.insert(command, (lines, code, bin));
    }
    out
}

fn demo() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("ws");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"),
        &ws,
    );
    let cache = dir.path().join("cache");
    (dir, ws, cache)
}

#[test]
fn demo_code_counts_match_the_hand_computed_breakdown() {
    let (_dir, ws, cache) = demo();
    let v = run_json(&ws, &cache, true, &["--count", "code"]);
    let got = per_audit(&v);
    // (command, vet lines, code lines): code = imp + lib.rs 5 (+ build.rs 1) for full audits,
    // |Δimp| + 4 for deltas; the rest of the vet count is the two manifests.
    let expected: &[(&str, u64, u64)] = &[
        ("cargo vet diff mockfs 0.9.0 0.9.1", 21, 5 + 4),
        ("cargo vet diff ansi-paint 2.1.0 2.2.0", 32, 20 + 4),
        ("cargo vet diff tinyrand 0.8.0 0.7.3", 57, 45 + 4),
        ("cargo vet inspect utf8-scan 0.1.1", 209, 170 + 5),
        ("cargo vet inspect logfmt 0.4.1", 224, 185 + 5),
        ("cargo vet diff quill-json 1.1.0 1.3.0", 318, 300 + 4),
        ("cargo vet inspect packbits 1.2.0", 348, 300 + 5 + 1),
        ("cargo vet inspect textwrap-lite 0.3.1", 405, 360 + 5),
        ("cargo vet inspect quill-derive 1.3.0", 501, 460 + 5),
        ("cargo vet inspect smallmap 1.1.0", 661, 620 + 5),
        ("cargo vet inspect winconsole-sys 0.2.1", 762, 720 + 5 + 1),
    ];
    let want: BTreeMap<String, (u64, u64, u64)> = expected
        .iter()
        .map(|(c, l, code)| (c.to_string(), (*l, *code, 0)))
        .collect();
    assert_eq!(got, want);
    let code_total: u64 = expected.iter().map(|e| e.2).sum();
    assert_eq!(code_total, 3_238);
    assert_eq!(v["current"]["code_backlog_lines"], 3_238);
    assert_eq!(v["current"]["code_unknown_audits"], 0);
    // The vet figures are those of a run without --count code.
    let plain = run_json(&ws, &cache, true, &[]);
    assert_eq!(plain["current"], {
        let mut c = v["current"].clone();
        let obj = c.as_object_mut().expect("object");
        obj.remove("code_backlog_lines");
        obj.remove("code_unknown_audits");
        for a in obj["audits"].as_array_mut().expect("audits") {
            let a = a.as_object_mut().expect("audit");
            a.remove("code_lines");
            a.remove("code_bin_lines");
        }
        c
    });
}

#[test]
fn human_and_markdown_show_both_counts_only_when_asked() {
    let (_dir, ws, cache) = demo();
    let human = run(&ws, &cache, true, &["--count", "code"]);
    assert!(
        human.contains("cargo vet inspect winconsole-sys 0.2.1          762          726"),
        "{human}"
    );
    assert!(
        human.contains(
            "of which code (lib + build script; bins, tests, examples, docs excluded): 3,238 lines"
        ),
        "{human}"
    );
    let md = run(
        &ws,
        &cache,
        true,
        &["--count", "code", "--format", "markdown"],
    );
    assert!(md.contains("| current | 3,538 | 3,238 | 11 |"), "{md}");
    assert!(
        md.contains(
            "- [ ] `cargo vet inspect packbits 1.2.0`: 348 lines (code 306), safe-to-deploy"
        ),
        "{md}"
    );
    let plain = run(&ws, &cache, true, &[]);
    assert!(!plain.contains("code"), "{plain}");
    let plain_json = run(&ws, &cache, true, &["--format", "json"]);
    assert!(!plain_json.contains("code_"), "{plain_json}");
}

/// A world whose crates have much that is not code. Line numbers are the synthetic files'.
const WORLD: &str = r#"
[[crate]]
name = "widget"
version = "1.0.0"
[crate.files]
"build.rs" = { lines = 12 }
"src/imp.rs" = { lines = 100 }
"src/util/mod.rs" = { lines = 40 }
"src/old.rs" = { lines = 9 }
"tests/it.rs" = { lines = 30 }
"examples/demo.rs" = { lines = 20 }
"benches/b.rs" = { lines = 10 }
"README.md" = { lines = 50 }

[[crate]]
name = "widget"
version = "1.1.0"
[crate.files]
"build.rs" = { lines = 15 }
"src/imp.rs" = { lines = 107 }
"src/util/mod.rs" = { lines = 40 }
"src/new.rs" = { lines = 6 }
"tests/it.rs" = { lines = 45 }
"benches/b.rs" = { lines = 10 }
"README.md" = { lines = 58 }

[[crate]]
name = "gadget"
version = "0.3.0"
[crate.files]
"src/imp.rs" = { lines = 200 }
"tests/t.rs" = { lines = 70 }
"examples/e.rs" = { lines = 33 }
"README.md" = { lines = 44 }
"data/table.csv" = { lines = 25 }
"nested/Cargo.toml" = "[package]\nname = \"nested\"\nversion = \"0.0.0\"\n"
"nested/src/lib.rs" = { lines = 11 }

[[workspace.member]]
name = "app"
[[workspace.member.dep]]
name = "widget"
req = "1.1"
[[workspace.member.dep]]
name = "gadget"
req = "0.3"

[vet]
config = """
[cargo-vet]
version = "0.10"

[policy.app]
criteria = "safe-to-deploy"
"""
audits = """
[[audits.widget]]
who = "Dana Demo <dana@example.com>"
criteria = "safe-to-deploy"
version = "1.0.0"
"""
imports-lock = ""
"#;

#[test]
fn tests_examples_docs_and_nested_packages_are_not_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("ws");
    let world = World::from_toml(WORLD, "ship_code_count.rs").unwrap_or_else(|e| panic!("{e}"));
    write_world(&world, &ws, &RenderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    cargo_oracle::generate_lockfile(&ws).unwrap_or_else(|e| panic!("{e}"));
    let v = run_json(&ws, &dir.path().join("cache"), true, &["--count", "code"]);
    let got = per_audit(&v);
    let commands: Vec<&String> = got.keys().collect();
    assert_eq!(
        commands,
        [
            "cargo vet diff widget 1.0.0 1.1.0",
            "cargo vet inspect gadget 0.3.0"
        ]
    );
    // widget 1.0.0 -> 1.1.0: lib = src/lib.rs 4 (version on two lines) + src/imp.rs 7 +
    // src/new.rs 6 (added) + src/old.rs 9 (deleted: classified as the old version's lib);
    // build = build.rs 3. Not code: tests +15, examples -20 (deleted), README +8, manifests.
    let (widget_lines, widget_code, widget_bin) = got["cargo vet diff widget 1.0.0 1.1.0"];
    assert_eq!((widget_code, widget_bin), (4 + 7 + 6 + 9 + 3, 0));
    assert!(widget_lines >= widget_code + 15 + 20 + 8, "{widget_lines}");
    // gadget 0.3.0: lib = src/lib.rs 5 + src/imp.rs 200; tests, examples, README, data and
    // the nested package's files are not code.
    let (gadget_lines, gadget_code, gadget_bin) = got["cargo vet inspect gadget 0.3.0"];
    assert_eq!((gadget_code, gadget_bin), (205, 0));
    assert!(
        gadget_lines >= 205 + 70 + 33 + 44 + 25 + 3 + 11,
        "{gadget_lines}"
    );
    assert_eq!(v["current"]["code_backlog_lines"], 29 + 205);
}

#[test]
#[ignore = "needs network: index.crates.io and static.crates.io for the corpus projects"]
fn corpus_code_backlog_is_below_the_vet_backlog() {
    let shared = outside::shared_dir();
    let cache = tempfile::tempdir().expect("tempdir");
    for project in [
        "cargo-vet",
        "glean",
        "incrementalmerkletree",
        "libloadorder",
        "librustzcash",
        "loot-condition-interpreter",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = dir.path().join("ws");
        copy_dir(&shared.join("realworld/projects").join(project), &ws);
        let v = run_json(&ws, cache.path(), false, &["--count", "code"]);
        let vet = v["current"]["backlog_lines"].as_u64().expect("vet");
        let code = v["current"]["code_backlog_lines"]
            .as_u64()
            .unwrap_or_else(|| panic!("{project}: code backlog unknown"));
        let audits = per_audit(&v);
        eprintln!(
            "{project}: {} audits, vet {vet} lines, code {code} lines ({:.1}%)",
            audits.len(),
            code as f64 * 100.0 / vet.max(1) as f64
        );
        assert!(code < vet, "{project}");
        assert_eq!(
            audits.values().map(|a| a.1).sum::<u64>(),
            code,
            "{project}: total is the sum"
        );
    }
}
