//! Edited locks judged by Cargo itself (offline, path-only fixture, nothing built).
//!
//! After an edit through the model (`set_version`, `from_resolved`) and `render`, Cargo must
//! (1) accept the lock under `cargo metadata --locked --offline` and (2) leave it byte-identical
//! when allowed to rewrite it (`cargo metadata --offline`): Cargo rewrites a lock only when its
//! own serialization differs, so (2) checks order, dependency strings and layout.

use std::path::{Path, PathBuf};
use std::process::Command;

use minaudit::lockfile::{parse, render, Lockfile, PackageId};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/workspaces")
        .join(name)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

fn cargo_metadata(dir: &Path, locked: bool) -> std::process::Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("metadata")
        .args(["--format-version", "1", "--offline", "--all-features"])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"));
    if locked {
        cmd.arg("--locked");
    }
    cmd.output().expect("run cargo")
}

/// Write `text` as the lock and check Cargo accepts it and would write exactly it.
fn assert_cargo_keeps(dir: &Path, text: &str) {
    let lock_path = dir.join("Cargo.lock");
    std::fs::write(&lock_path, text).expect("write lock");
    let out = cargo_metadata(dir, true);
    assert!(
        out.status.success(),
        "cargo refused the lock:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cargo_metadata(dir, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&lock_path).expect("lock"),
        text,
        "cargo rewrote the lock"
    );
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn set_version_output_is_kept_by_cargo() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture("paths"), dir.path());
    edit(
        &dir.path().join("vendor/leaf/Cargo.toml"),
        "version = \"1.2.3\"",
        "version = \"1.3.0\"",
    );
    let lock_path = dir.path().join("Cargo.lock");
    let text = std::fs::read_to_string(&lock_path).expect("lock");
    let mut lock = parse(&text, &lock_path).expect("parse");
    let leaf = PackageId {
        name: "leaf".into(),
        version: semver::Version::new(1, 2, 3),
        source: None,
    };
    lock.set_version(&leaf, semver::Version::new(1, 3, 0), None)
        .expect("leaf is locked");
    let new_text = render(&lock);
    assert_ne!(new_text, text);
    assert_cargo_keeps(dir.path(), &new_text);
}

#[test]
fn dropping_a_second_version_shortens_dependency_strings_like_cargo() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture("paths"), dir.path());
    edit(
        &dir.path().join("app/Cargo.toml"),
        "dup01 = { package = \"dup\", path = \"../vendor/dup-0.1\" }\n",
        "",
    );
    let lock_path = dir.path().join("Cargo.lock");
    let text = std::fs::read_to_string(&lock_path).expect("lock");
    assert!(text.contains(" \"dup 0.2.0\",\n"));
    let lock = parse(&text, &lock_path).expect("parse");
    let gone = semver::Version::new(0, 1, 0);
    let resolved = lock
        .resolved()
        .into_iter()
        .filter(|p| !(p.id.name == "dup" && p.id.version == gone))
        .map(|mut p| {
            p.dependencies
                .retain(|d| !(d.name == "dup" && d.version == gone));
            p
        })
        .collect();
    let patches = lock.patch_unused.clone();
    let new = Lockfile::from_resolved(
        lock.version,
        lock.header_comments.clone(),
        resolved,
        patches,
        lock.metadata.clone(),
    )
    .expect("consistent");
    let new_text = render(&new);
    assert!(new_text.contains(" \"dup\",\n"), "{new_text}");
    assert_cargo_keeps(dir.path(), &new_text);
}
