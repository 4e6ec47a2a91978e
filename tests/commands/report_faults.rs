//! The fault matrix: `cargo minaudit report` and the main command (which rewrites Cargo.lock)
//! on a broken copy of `fixtures/demo`. Every fault must exit 2 with a message that names the
//! file and line (malformed input) or the crate (bad archive, missing index entry), print no
//! data on stdout, and leave the workspace (Cargo.lock, the supply-chain store, the registry)
//! byte-identical; both commands give the same error. A fault is never priced as 0 lines.
//! (Write-side faults, Cargo rejecting the lock, unsatisfiable requirements, a crash before the
//! rename and an unwritable directory are in `lockwrite_faults.rs`.)
//!
//! Faults in `.crate` files are put into versions the lock does NOT use (delta bases such as
//! ansi-paint 2.1.0), because `cargo metadata` already rejects bad locked packages; these are
//! the files only minaudit reads, so only its own checks stand between them and a wrong figure.

use crate::support::report_support;

use std::path::Path;
use std::process::Output;

use report_support::{stderr, stdout, tree, Demo};
use sha2::{Digest, Sha256};

/// Runs `args` on `demo` and checks the common contract of a failed report; returns stderr.
fn fails(demo: &Demo, args: &[&str]) -> String {
    let before = tree(&demo.dir);
    let out: Output = demo.minaudit(args).output().expect("run cargo-minaudit");
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2; stderr:\n{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no data may be printed on failure, got:\n{}",
        stdout(&out)
    );
    assert!(err.contains("error"), "{err}");
    assert_hints_once_and_last(&err);
    let after = tree(&demo.dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files were added or removed in the workspace"
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{path} changed");
    }
    err
}

/// The error (from its `error:` line on) states each `hint:` once, and hints are its last lines:
/// no wrapped error repeats its text, and no cause is printed after a hint.
fn assert_hints_once_and_last(stderr: &str) {
    let start = stderr.find("error:").unwrap_or(0);
    let lines: Vec<&str> = stderr[start..]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let hints: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("hint:"))
        .collect();
    // Each hint's text occurs once, also not as the start of a longer line (a wrapped message
    // repeated after its own hint: `hint: X: file:1: msg\nhint: X`).
    for hint in &hints {
        assert_eq!(
            stderr[start..].matches(hint).count(),
            1,
            "a hint is printed twice:\n{stderr}"
        );
    }
    if let Some(first) = lines.iter().position(|l| l.starts_with("hint:")) {
        assert!(
            lines[first..].iter().all(|l| l.starts_with("hint:")),
            "the hint must be the last line:\n{stderr}"
        );
    }
}

/// Runs the fault through `report` and through the main command (no `--dry-run`: it would
/// rewrite Cargo.lock); both must fail the same way. Returns the error.
fn frozen(demo: &Demo) -> String {
    let report = fails(demo, &["report", "--frozen-imports", "--offline"]);
    let write = fails(demo, &["--frozen-imports", "--offline"]);
    let error_part = |s: &str| s[s.find("error:").unwrap_or(0)..].to_string();
    assert_eq!(
        error_part(&report),
        error_part(&write),
        "report and the main command disagree on the error"
    );
    report
}

/// Replaces line `n` (1-based) of `path` by `text`.
fn replace_line(path: &Path, n: usize, text: &str) {
    let old = std::fs::read_to_string(path).expect("read");
    let mut lines: Vec<&str> = old.lines().collect();
    assert!(
        n >= 1 && n <= lines.len(),
        "{} has no line {n}",
        path.display()
    );
    lines[n - 1] = text;
    std::fs::write(path, lines.join("\n") + "\n").expect("write");
}

/// The 1-based number of the first line of `path` that starts with `prefix`.
fn line_starting(path: &Path, prefix: &str) -> usize {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in {}", path.display()))
        + 1
}

fn assert_names_line(err: &str, file: &str, line: usize) {
    let want = format!("{file}:{line}");
    assert!(
        err.contains(&want),
        "the message should name `{want}`:\n{err}"
    );
}

#[test]
fn malformed_config_toml_names_file_and_line() {
    let demo = Demo::new();
    let path = demo.dir.join("supply-chain/config.toml");
    let n = line_starting(&path, "version");
    replace_line(&path, n, "version = ");
    let err = demo.redact(&frozen(&demo));
    assert_names_line(&err, "config.toml", n);
    // The path comes first and is the file's full path, stated once.
    let want = format!("error: [DEMO]/supply-chain/config.toml:{n}:");
    assert!(err.contains(&want), "expected `{want}`:\n{err}");
    assert_eq!(err.matches("config.toml:").count(), 1, "{err}");
}

#[test]
fn malformed_audits_toml_names_file_and_line() {
    let demo = Demo::new();
    let path = demo.dir.join("supply-chain/audits.toml");
    let n = line_starting(&path, "criteria");
    replace_line(&path, n, "criteria = safe-to-deploy");
    let err = frozen(&demo);
    assert_names_line(&err, "audits.toml", n);
}

#[test]
fn malformed_imports_lock_names_file_and_line() {
    let demo = Demo::new();
    let path = demo.dir.join("supply-chain/imports.lock");
    let n = line_starting(&path, "who");
    replace_line(&path, n, "who = Erin Example");
    let err = frozen(&demo);
    assert_names_line(&err, "imports.lock", n);
}

#[test]
fn missing_supply_chain_dir_is_an_error_with_a_hint() {
    let demo = Demo::new();
    std::fs::remove_dir_all(demo.dir.join("supply-chain")).expect("rm supply-chain");
    let err = frozen(&demo);
    assert!(err.contains("supply-chain"), "{err}");
    assert!(err.contains("cargo vet init"), "hint expected: {err}");
    assert!(err.contains("[workspace.metadata.vet] store"), "{err}");
    // There is no flag to pass a store directory.
    assert!(!err.contains("pass the workspace"), "{err}");
}

#[test]
fn malformed_cargo_lock_names_file_and_line() {
    let demo = Demo::new();
    let path = demo.dir.join("Cargo.lock");
    let n = line_starting(&path, "name = \"ansi-paint\"");
    replace_line(&path, n, "name = ansi-paint");
    let err = frozen(&demo);
    assert_names_line(&err, "Cargo.lock", n);
}

fn registry_crate(demo: &Demo, stem: &str) -> std::path::PathBuf {
    demo.dir.join("registry").join(format!("{stem}.crate"))
}

/// The `cksum` of `version` in the demo registry's index file for `ansi-paint`.
fn ansi_paint_index() -> (&'static str, &'static str) {
    ("registry/index/an/si/ansi-paint", "2.1.0")
}

fn index_cksum(demo: &Demo, version: &str) -> String {
    let text = std::fs::read_to_string(demo.dir.join(ansi_paint_index().0)).expect("index");
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("index json"))
        .find(|v| v["vers"] == version)
        .and_then(|v| v["cksum"].as_str().map(str::to_owned))
        .expect("version in index")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn report_prices_the_unlocked_delta_base_used_by_the_fault_tests() {
    // Guard for the tests below: the healthy demo's report reads ansi-paint 2.1.0 (delta base),
    // which the lock does not contain, so cargo never looks at that file.
    let demo = Demo::new();
    let out = demo.report(&["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["current"]["audits"]
            .as_array()
            .expect("audits")
            .iter()
            .any(|a| a["crate"] == "ansi-paint" && a["from"] == "2.1.0"),
        "{v:#}"
    );
    let lock = std::fs::read_to_string(demo.dir.join("Cargo.lock")).expect("lock");
    assert!(
        !lock.contains("version = \"2.1.0\""),
        "2.1.0 must not be locked"
    );
}

#[test]
fn modified_crate_bytes_name_the_crate_and_both_hashes() {
    let demo = Demo::new();
    let (_, version) = ansi_paint_index();
    let path = registry_crate(&demo, "ansi-paint-2.1.0");
    let mut bytes = std::fs::read(&path).expect("crate");
    bytes[100] ^= 0x20;
    std::fs::write(&path, &bytes).expect("write");
    let expected = index_cksum(&demo, version);
    let actual = sha256_hex(&bytes);
    assert_ne!(expected, actual);
    let err = frozen(&demo);
    assert!(err.contains("ansi-paint 2.1.0"), "{err}");
    assert!(err.contains(&expected), "expected hash missing: {err}");
    assert!(err.contains(&actual), "actual hash missing: {err}");
}

#[test]
fn truncated_crate_with_matching_checksum_is_an_archive_error_not_zero_lines() {
    let demo = Demo::new();
    let (index_rel, version) = ansi_paint_index();
    let path = registry_crate(&demo, "ansi-paint-2.1.0");
    let original = std::fs::read(&path).expect("crate");
    let truncated = &original[..original.len() / 2];
    std::fs::write(&path, truncated).expect("write");
    // Make the index agree with the truncated bytes, so only the archive check can catch it.
    let index_path = demo.dir.join(index_rel);
    let index = std::fs::read_to_string(&index_path).expect("index");
    let old = index_cksum(&demo, version);
    assert_eq!(old, sha256_hex(&original));
    std::fs::write(&index_path, index.replace(&old, &sha256_hex(truncated))).expect("index");
    let err = frozen(&demo);
    assert!(err.contains("ansi-paint 2.1.0"), "{err}");
    assert!(err.contains("archive"), "an archive error expected: {err}");
}

#[test]
fn crate_missing_from_the_registry_is_named() {
    let demo = Demo::new();
    std::fs::remove_file(registry_crate(&demo, "ansi-paint-2.1.0")).expect("rm crate");
    let err = frozen(&demo);
    assert!(err.contains("ansi-paint 2.1.0"), "{err}");
    assert!(err.contains("not found"), "{err}");
    // A local registry downloads nothing: --offline is no remedy.
    assert!(!err.contains("without --offline"), "{err}");
    assert!(err.contains("local registry"), "{err}");
}

#[test]
fn malformed_index_line_names_file_and_line() {
    let demo = Demo::new();
    let (index_rel, _) = ansi_paint_index();
    let path = demo.dir.join(index_rel);
    // Line 1 is 2.0.0, a version the lock does not use (cargo skips such lines silently).
    let first = std::fs::read_to_string(&path).expect("index");
    assert!(first.lines().next().expect("line 1").contains("\"2.0.0\""));
    replace_line(&path, 1, "{\"name\":\"ansi-paint\",\"vers\":");
    let err = frozen(&demo);
    assert_names_line(&err, "index/an/si/ansi-paint", 1);
}

#[test]
fn import_from_a_missing_file_names_the_file() {
    let demo = Demo::new();
    let missing = demo.tmp.path().join("no-such-audits.toml");
    let spec = format!("example-org={}", missing.display());
    let err = fails(&demo, &["report", "--offline", "--import", &spec]);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(err.contains("example-org"), "{err}");
}

#[test]
fn offline_without_a_cached_import_hints_at_frozen_imports() {
    let demo = Demo::new();
    let err = fails(&demo, &["report", "--offline"]);
    assert!(err.contains("example-org"), "{err}");
    assert!(
        err.contains("https://example.org/"),
        "the URL should be named: {err}"
    );
    assert!(err.contains("--frozen-imports"), "hint expected: {err}");
    // The OS error is part of the message, before the hint (checked in `fails`).
    assert!(err.contains("os error"), "{err}");
    assert!(
        err.lines()
            .filter(|l| l.trim_start().starts_with("hint:"))
            .all(|l| !l.contains("os error")),
        "the OS error belongs before the hint:\n{err}"
    );
    assert!(
        !demo.cache.join("imports").is_dir()
            || std::fs::read_dir(demo.cache.join("imports"))
                .expect("imports cache")
                .next()
                .is_none(),
        "nothing may be cached from a failed offline run"
    );
}

#[test]
fn missing_index_entry_is_named() {
    let demo = Demo::new();
    // ansi-paint is locked; its index file vanishing is the "index entry missing" fault
    // (Cargo's own offline resolve reports it first, and minaudit passes that on)
    std::fs::remove_file(demo.dir.join(ansi_paint_index().0)).expect("rm index file");
    let err = frozen(&demo);
    assert!(err.contains("ansi-paint"), "{err}");
}

/// A .crate whose tar stream holds `entry` (a `../` path or a symlink), registered in the
/// index under the delta base ansi-paint 2.1.0 with a matching checksum, so only the archive
/// checks stand in the way.
fn plant_hostile_crate(demo: &Demo, build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) {
    let (index_rel, version) = ansi_paint_index();
    let mut b = tar::Builder::new(Vec::new());
    let body = b"fn main() {}\n";
    let mut h = tar::Header::new_gnu();
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "ansi-paint-2.1.0/src/lib.rs", &body[..])
        .expect("entry");
    build(&mut b);
    let tar_bytes = b.into_inner().expect("tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar_bytes).expect("gz");
    let bytes = gz.finish().expect("gz");
    let path = registry_crate(demo, "ansi-paint-2.1.0");
    let old = index_cksum(demo, version);
    std::fs::write(&path, &bytes).expect("write crate");
    let index_path = demo.dir.join(index_rel);
    let index = std::fs::read_to_string(&index_path).expect("index");
    std::fs::write(&index_path, index.replace(&old, &sha256_hex(&bytes))).expect("index");
}

#[test]
fn tarball_with_a_parent_path_is_refused() {
    let demo = Demo::new();
    plant_hostile_crate(&demo, |b| {
        let body = b"evil";
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        // tar::Builder refuses `..` in paths; write the name bytes directly
        h.as_old_mut().name[..22].copy_from_slice(b"ansi-paint-2.1.0/../ev");
        h.set_cksum();
        b.append(&h, &body[..]).expect("entry");
    });
    let err = frozen(&demo);
    assert!(err.contains("ansi-paint 2.1.0"), "{err}");
    assert!(err.contains(".."), "the entry should be named: {err}");
}

#[test]
fn tarball_with_a_symlink_is_refused() {
    let demo = Demo::new();
    plant_hostile_crate(&demo, |b| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, "ansi-paint-2.1.0/src/evil", "/etc/passwd")
            .expect("link");
    });
    let err = frozen(&demo);
    assert!(err.contains("ansi-paint 2.1.0"), "{err}");
    assert!(err.contains("evil"), "the entry should be named: {err}");
}
