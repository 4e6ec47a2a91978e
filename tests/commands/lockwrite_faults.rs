//! Faults while writing Cargo.lock: each must end with exit 2, a message that says what went
//! wrong, and Cargo.lock byte-identical to before.
//!
//! - cargo rejects the new lock (a real rejection: the index copy cargo reads has a different
//!   checksum for a version the optimum picks, while minaudit reads an intact copy);
//! - the lock's directory is read-only (skipped when running as root, which ignores it);
//! - unsatisfiable requirements (a member requires a version that does not exist);
//! - a crash between the temp-file write and the rename (the atomic helper, directly): the old
//!   file stays, the temp file goes (a killed run's goes on the next replace); the old file
//!   also stays when the temp path cannot be created at all.

use std::path::{Path, PathBuf};
use std::process::Output;

use minaudit::lockwrite::atomic;

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dst = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).expect("copy");
        }
    }
}

/// Runs `cargo-minaudit minaudit ARGS` (writing mode) in `dir` with a private cache dir.
fn minaudit(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cargo-minaudit"))
        .arg("minaudit")
        .args(args)
        .args(["--frozen-imports", "--offline", "--cache-dir"])
        .arg(cache)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-minaudit")
}

/// `chattr +i` on a directory for as long as the guard lives (root ignores mode bits).
struct Immutable(PathBuf);
impl Immutable {
    fn set(dir: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(dir.to_path_buf()))
    }
}
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

fn demo_copy() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("demo");
    copy_tree(&demo_dir(), &ws);
    let cache = tmp.path().join("cache");
    (tmp, ws, cache)
}

/// The index file of `name` in a local registry (searched, not computed).
fn index_file(registry: &Path, name: &str) -> std::path::PathBuf {
    fn walk(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
        for e in std::fs::read_dir(dir).ok()? {
            let p = e.ok()?.path();
            if p.is_dir() {
                if let Some(f) = walk(&p, name) {
                    return Some(f);
                }
            } else if p.file_name().is_some_and(|f| f == name) {
                return Some(p);
            }
        }
        None
    }
    walk(&registry.join("index"), name).expect("index file")
}

#[test]
fn cargo_rejection_leaves_the_lock_untouched() {
    let (tmp, ws, cache) = demo_copy();
    // minaudit prices from an intact copy; cargo reads `registry/` via .cargo/config.toml
    let intact = tmp.path().join("intact-registry");
    copy_tree(&ws.join("registry"), &intact);
    let file = index_file(&ws.join("registry"), "ansi-paint");
    let text = std::fs::read_to_string(&file).expect("index");
    let bad: String = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("line");
            if v["vers"] == "2.1.0" {
                let ck = v["cksum"].as_str().expect("cksum");
                l.replace(ck, &"0".repeat(64))
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(bad, text, "ansi-paint 2.1.0 is in the demo registry");
    std::fs::write(&file, bad).expect("corrupt");
    let before = std::fs::read(ws.join("Cargo.lock")).expect("lock");
    let out = minaudit(&ws, &cache, &["--registry-dir", &intact.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cargo rejected the new lock"), "{stderr}");
    assert!(
        stderr.contains("ansi-paint"),
        "cargo's own message is shown: {stderr}"
    );
    assert_eq!(std::fs::read(ws.join("Cargo.lock")).expect("lock"), before);
}

#[cfg(unix)]
#[test]
fn read_only_directory_leaves_the_lock_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, ws, cache) = demo_copy();
    let before = std::fs::read(ws.join("Cargo.lock")).expect("lock");
    std::fs::set_permissions(&ws, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = ws.join(".probe");
    let mut guard = None;
    if std::fs::write(&probe, b"x").is_ok() {
        // root ignores mode bits: make the directory immutable instead, if the fs allows it
        let _ = std::fs::remove_file(&probe);
        guard = Immutable::set(&ws);
        if guard.is_none() || std::fs::write(&probe, b"x").is_ok() {
            let _ = std::fs::remove_file(&probe);
            drop(guard);
            std::fs::set_permissions(&ws, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            panic!("cannot make a directory unwritable here (root without chattr +i support)");
        }
    }
    let out = minaudit(&ws, &cache, &[]);
    drop(guard);
    std::fs::set_permissions(&ws, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Cargo.lock was not changed") || stderr.contains("was not changed"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(ws.join("Cargo.lock")).expect("lock"), before);
}

#[test]
fn unsatisfiable_requirement_is_named_and_the_lock_untouched() {
    let (_tmp, ws, cache) = demo_copy();
    let manifest = ws.join("app/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let doc: toml::Table = toml::from_str(&text).expect("toml");
    assert!(
        doc["dependencies"].get("packbits").is_some(),
        "demo-app depends on packbits"
    );
    // no packbits 9.x is published
    let mut edited: toml_edit::DocumentMut = text.parse().expect("toml_edit");
    edited["dependencies"]["packbits"] = toml_edit::value("9");
    std::fs::write(&manifest, edited.to_string()).expect("write manifest");
    let before = std::fs::read(ws.join("Cargo.lock")).expect("lock");
    let out = minaudit(&ws, &cache, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("packbits"), "{stderr}");
    assert!(stderr.contains('9'), "{stderr}");
    assert_eq!(std::fs::read(ws.join("Cargo.lock")).expect("lock"), before);
}

#[test]
fn crash_before_rename_keeps_the_old_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("Cargo.lock");
    std::fs::write(&target, b"old contents\n").expect("write");
    // an aborted write: the hook sees the complete temp file, then fails
    let mut seen = Vec::new();
    let err = atomic::replace_with_hook(&target, b"new contents\n", &mut |tmp| {
        seen = std::fs::read(tmp).map_err(|e| e.to_string())?;
        Err("killed".to_string())
    })
    .expect_err("aborted");
    assert_eq!(seen, b"new contents\n");
    assert!(err.to_string().contains("was not changed"), "{err}");
    assert_eq!(std::fs::read(&target).expect("read"), b"old contents\n");
    assert!(!atomic::temp_path(&target).exists(), "temp file removed");

    // a panic in the same place: unwinding removes the temp file too
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = atomic::replace_with_hook(&target, b"new contents\n", &mut |_| panic!("killed"));
    }));
    assert!(result.is_err());
    assert_eq!(std::fs::read(&target).expect("read"), b"old contents\n");
    assert!(!atomic::temp_path(&target).exists(), "temp file removed");
    // a killed process's leftover (its pid is gone) is removed by the next replace
    let mut gone = std::process::Command::new("true").spawn().expect("spawn");
    let dead = gone.id();
    gone.wait().expect("wait");
    let leftover = dir.path().join(format!(".Cargo.lock.minaudit-{dead}.tmp"));
    std::fs::write(&leftover, b"half").expect("write");
    atomic::replace(&target, b"new contents\n").expect("replace");
    assert_eq!(std::fs::read(&target).expect("read"), b"new contents\n");
    assert!(!atomic::temp_path(&target).exists() && !leftover.exists());
    // only the target remains in the directory
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("Cargo.lock")]);
}

#[test]
fn unwritable_temp_path_keeps_the_old_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("Cargo.lock");
    std::fs::write(&target, b"old\n").expect("write");
    // a non-empty directory where the temp file must go: creating it fails even for root
    let tmp = atomic::temp_path(&target);
    std::fs::create_dir(&tmp).expect("mkdir");
    std::fs::write(tmp.join("x"), b"x").expect("write");
    let err = atomic::replace(&target, b"new\n").expect_err("cannot create the temp file");
    assert!(err.to_string().contains("was not changed"), "{err}");
    assert_eq!(std::fs::read(&target).expect("read"), b"old\n");
}

#[test]
fn replace_keeps_permissions() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("Cargo.lock");
        std::fs::write(&target, b"old\n").expect("write");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        atomic::replace(&target, b"new\n").expect("replace");
        let mode = std::fs::metadata(&target)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o640);
    }
}
