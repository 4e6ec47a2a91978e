//! A writing run never damages the user's files, on copies of the demo workspace:
//! - a symlinked Cargo.lock: Cargo's check never writes through the link (its target stays
//!   byte-identical when Cargo refuses); on success the link stays and its target is replaced;
//! - a lock changed by another program while the run works is not overwritten;
//! - a second writing run waits for the first ("Blocking waiting for file lock");
//! - SIGTERM/SIGINT during Cargo's check leave no workspace copy in the temp dir, and what a
//!   killed run left (copy, temp lock file) goes on the next run;
//! - a path dependency outside the workspace root does not stop the rewrite.
//!
//! `CARGO` points to a wrapper script around the real cargo that misbehaves on `cargo update`
//! (only the check runs it) in the way each test needs.

use crate::support::report_support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use report_support::{copy_tree, demo_src};

struct World {
    _tmp: tempfile::TempDir,
    ws: PathBuf,
    cache: PathBuf,
    /// TMPDIR of the runs: where check copies go.
    tmpdir: PathBuf,
    /// Files the wrapper writes (its signals to the test).
    marks: PathBuf,
}

fn world() -> World {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("demo");
    copy_tree(&demo_src(), &ws);
    let (cache, tmpdir, marks) = (
        tmp.path().join("cache"),
        tmp.path().join("tmp"),
        tmp.path().join("marks"),
    );
    for d in [&tmpdir, &marks] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    World {
        _tmp: tmp,
        ws,
        cache,
        tmpdir,
        marks,
    }
}

fn real_cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// A `cargo` wrapper running `on_update` (shell) before a real `cargo update`, which it then
/// runs unless `on_update` exits.
fn wrapper(w: &World, on_update: &str) -> PathBuf {
    let path = w.marks.join("cargo-wrapper.sh");
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = update ]; then\n{on_update}\nfi\nexec '{}' \"$@\"\n",
        real_cargo()
    );
    std::fs::write(&path, script).expect("write wrapper");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    path
}

fn command(w: &World, cargo: Option<&Path>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-minaudit"));
    cmd.arg("minaudit")
        .args(["--frozen-imports", "--offline", "--cache-dir"])
        .arg(&w.cache)
        .current_dir(&w.ws)
        .env("NO_COLOR", "1")
        .env("TMPDIR", &w.tmpdir);
    if let Some(c) = cargo {
        cmd.env("CARGO", c);
    }
    cmd
}

fn run(w: &World, cargo: Option<&Path>) -> Output {
    command(w, cargo).output().expect("run cargo-minaudit")
}

fn check_copies(w: &World) -> Vec<String> {
    std::fs::read_dir(&w.tmpdir)
        .expect("ls tmp")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("minaudit-check-"))
        .collect()
}

/// Moves the demo's lock to `shared/Cargo.lock` beside the workspace and links it back, as
/// monorepos do (an absolute or a relative link); returns the link's target and its text.
#[cfg(unix)]
fn symlink_lock(w: &World, absolute: bool) -> (PathBuf, PathBuf) {
    let shared = w.ws.parent().expect("parent").join("shared");
    std::fs::create_dir_all(&shared).expect("mkdir");
    let target = shared.join("Cargo.lock");
    std::fs::rename(w.ws.join("Cargo.lock"), &target).expect("move lock");
    let link = if absolute {
        target.clone()
    } else {
        PathBuf::from("../shared/Cargo.lock")
    };
    std::os::unix::fs::symlink(&link, w.ws.join("Cargo.lock")).expect("link");
    (target, link)
}

#[cfg(unix)]
#[test]
fn an_absolute_symlinked_lock_is_never_written_through_and_keeps_its_link() {
    symlinked_lock_is_never_written_through_and_keeps_its_link(true);
}

#[cfg(unix)]
#[test]
fn a_relative_symlinked_lock_is_never_written_through_and_keeps_its_link() {
    symlinked_lock_is_never_written_through_and_keeps_its_link(false);
}

#[cfg(unix)]
fn symlinked_lock_is_never_written_through_and_keeps_its_link(absolute: bool) {
    let w = world();
    let (target, link_text) = symlink_lock(&w, absolute);
    let before = std::fs::read(&target).expect("lock");

    // Cargo refuses: the target must be exactly as before, the link still a link
    let refuse = wrapper(&w, "echo 'error: refused by the test' >&2; exit 101");
    let out = run(&w, Some(&refuse));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("refused by the test"), "{stderr}");
    assert_eq!(std::fs::read(&target).expect("lock"), before, "{stderr}");
    let link = w.ws.join("Cargo.lock");
    assert!(std::fs::symlink_metadata(&link).expect("meta").is_symlink());
    // the current lock fails the wrapper too, so the copy, not the model, is blamed
    assert!(
        !stderr.contains("bug in cargo-minaudit's model"),
        "{stderr}"
    );

    // Cargo accepts: the target is replaced, the link kept, no temp file left beside either
    let out = run(&w, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(std::fs::symlink_metadata(&link).expect("meta").is_symlink());
    assert_eq!(std::fs::read_link(&link).expect("link"), link_text);
    let after = std::fs::read(&target).expect("lock");
    assert_ne!(after, before, "the demo's lock is not optimal: it changes");
    let names: Vec<_> = std::fs::read_dir(target.parent().expect("dir"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("Cargo.lock")]);
    let status = Command::new(real_cargo())
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(&w.ws)
        .stdout(Stdio::null())
        .status()
        .expect("cargo metadata");
    assert!(status.success(), "cargo accepts the written lock");
    assert!(check_copies(&w).is_empty(), "{:?}", check_copies(&w));
}

#[test]
fn a_lock_changed_by_another_program_during_the_run_is_not_overwritten() {
    let w = world();
    let lock = w.ws.join("Cargo.lock");
    // another program edits the lock while Cargo checks the new one
    let edited = format!(
        "{}# edited meanwhile\n",
        std::fs::read_to_string(&lock).expect("lock")
    );
    let edit = w.marks.join("edited.lock");
    std::fs::write(&edit, &edited).expect("write");
    let cargo = wrapper(&w, &format!("cp '{}' '{}'", edit.display(), lock.display()));
    let out = run(&w, Some(&cargo));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} changed since cargo-minaudit read it",
            lock.display()
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&lock).expect("lock"), edited);
    let leftovers: Vec<_> = std::fs::read_dir(&w.ws)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".minaudit-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Reads `child`'s stderr lines into a channel.
fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn a_second_writing_run_waits_for_the_first() {
    let w = world();
    let before = std::fs::read(w.ws.join("Cargo.lock")).expect("lock");
    // this test holds the workspace's write lock, as a first run would
    let held = std::fs::File::open(&w.ws).expect("open dir");
    held.lock().expect("lock");
    let mut child = command(&w, None)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let lines = stderr_lines(&mut child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains("Blocking") && l.contains("waiting for file lock on"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no blocking status line: {seen:?}"),
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        child.try_wait().expect("try_wait"),
        None,
        "the run waits while the lock is held"
    );
    assert_eq!(
        std::fs::read(w.ws.join("Cargo.lock")).expect("lock"),
        before
    );
    drop(held);
    let status = child.wait().expect("wait");
    seen.extend(lines.iter());
    assert!(status.success(), "{seen:?}");
    assert_ne!(
        std::fs::read(w.ws.join("Cargo.lock")).expect("lock"),
        before
    );
}

/// `(crate, from, to)` of a JSON plan's `changes`.
fn changes_of(stdout: &[u8]) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("json plan");
    v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().expect("string").to_string();
            (s("crate"), s("from"), s("to"))
        })
        .collect()
}

/// Two runs with different objectives started together end as the same two runs one after
/// the other: the second waits for the first and plans from the lock the first wrote (it used
/// to plan from the lock both had read, report no change and leave the first's lock behind).
#[test]
fn a_second_run_plans_from_the_lock_the_first_wrote() {
    const FIRST: &str = "--objective=-lines,-audits,-changed,-lag";
    const SECOND: &str = "--objective=-lag";
    let json = ["--format", "json"];
    // the reference: one after the other
    let alone = world();
    for objective in [FIRST, SECOND] {
        let out = command(&alone, None)
            .args(json)
            .arg(objective)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let reference = command(&alone, None)
        .args(json)
        .arg(SECOND)
        .arg("--dry-run")
        .output()
        .expect("run");
    assert!(
        changes_of(&reference.stdout).is_empty(),
        "the reference ends at the second's optimum"
    );
    let final_lock = std::fs::read(alone.ws.join("Cargo.lock")).expect("lock");

    let w = world();
    let original = std::fs::read(w.ws.join("Cargo.lock")).expect("lock");
    // the first run's check takes a while, so the second starts while it holds the lock
    let slow = wrapper(&w, "sleep 2");
    let mut first = command(&w, Some(&slow))
        .args(json)
        .arg(FIRST)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let lines = stderr_lines(&mut first);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lines
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .expect("the first run reports its progress")
        .contains("Checking")
    {}
    let second = command(&w, None)
        .args(json)
        .arg(SECOND)
        .output()
        .expect("second run");
    let first_out = first.wait_with_output().expect("first run");
    assert!(first_out.status.success());
    let second_err = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{second_err}");
    let (down, up) = (changes_of(&first_out.stdout), changes_of(&second.stdout));
    assert!(
        !down.is_empty() && !up.is_empty(),
        "both runs change the lock"
    );
    // the second's changes start where the first's ended
    for (krate, from, _) in &up {
        let was = down
            .iter()
            .find(|(k, _, _)| k == krate)
            .map(|(_, _, to)| to);
        assert_eq!(was, Some(from), "{krate}: {second_err}");
    }
    let written = std::fs::read(w.ws.join("Cargo.lock")).expect("lock");
    assert_eq!(
        written, final_lock,
        "the same lock as one run after the other"
    );
    assert_ne!(written, original);
    assert!(second_err.contains("waiting for file lock"), "{second_err}");
}

#[cfg(unix)]
fn interrupted_check_leaves_no_copy(signal: i32) {
    let w = world();
    let before = std::fs::read(w.ws.join("Cargo.lock")).expect("lock");
    let started = w.marks.join("started");
    // the check's `cargo update` announces itself, then hangs until the test kills it
    let cargo = wrapper(
        &w,
        &format!(
            "echo $$ > '{}.tmp'; mv '{0}.tmp' '{0}'; exec sleep 60",
            started.display()
        ),
    );
    let mut child = command(&w, Some(&cargo))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !started.exists() {
        assert!(Instant::now() < deadline, "the check never started");
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "exited early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(check_copies(&w).len(), 1, "the check runs in a copy");
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let status = child.wait().expect("wait");
    let sleeper: libc::pid_t = std::fs::read_to_string(&started)
        .expect("pid")
        .trim()
        .parse()
        .expect("pid");
    unsafe { libc::kill(sleeper, libc::SIGKILL) };
    assert!(!status.success());
    assert!(check_copies(&w).is_empty(), "{:?}", check_copies(&w));
    assert_eq!(
        std::fs::read(w.ws.join("Cargo.lock")).expect("lock"),
        before
    );
}

#[cfg(unix)]
#[test]
fn sigterm_during_the_check_leaves_no_workspace_copy() {
    interrupted_check_leaves_no_copy(libc::SIGTERM);
}

#[cfg(unix)]
#[test]
fn sigint_during_the_check_leaves_no_workspace_copy() {
    interrupted_check_leaves_no_copy(libc::SIGINT);
}

#[cfg(unix)]
#[test]
fn what_a_killed_run_left_is_removed_by_the_next_run() {
    let w = world();
    // a process that has exited: its pid names the leftovers
    let mut gone = Command::new("true").spawn().expect("spawn");
    let dead = gone.id();
    gone.wait().expect("wait");
    let copy = w.tmpdir.join(format!("minaudit-check-{dead}-AbC123"));
    std::fs::create_dir_all(copy.join("ws")).expect("mkdir");
    let temp_lock = w.ws.join(format!(".Cargo.lock.minaudit-{dead}.tmp"));
    std::fs::write(&temp_lock, "half a lock").expect("write");
    // one of a live process (this test) stays
    let live = w
        .tmpdir
        .join(format!("minaudit-check-{}-XyZ", std::process::id()));
    std::fs::create_dir_all(&live).expect("mkdir");

    let out = run(&w, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!copy.exists() && !temp_lock.exists());
    assert!(live.exists());

    // a run with nothing to write (the lock is optimal now) cleans up too
    std::fs::create_dir_all(copy.join("ws")).expect("mkdir");
    std::fs::write(&temp_lock, "half a lock").expect("write");
    let out = run(&w, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("nothing to write"),
        "{stderr}"
    );
    assert!(!copy.exists() && !temp_lock.exists());
}

#[test]
fn a_path_dependency_outside_the_workspace_root_does_not_stop_the_rewrite() {
    let w = world();
    // a path crate beside the workspace, used by the demo's app
    let lib = w.ws.parent().expect("parent").join("outside-lib");
    std::fs::create_dir_all(lib.join("src")).expect("mkdir");
    std::fs::write(
        lib.join("Cargo.toml"),
        "[package]\nname = \"outside-lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(lib.join("src/lib.rs"), "").expect("write");
    let manifest = w.ws.join("app/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let text = text.replacen(
        "[dependencies]\n",
        "[dependencies]\noutside-lib = { path = \"../../outside-lib\" }\n",
        1,
    );
    assert!(
        text.contains("outside-lib"),
        "the app has a [dependencies] table"
    );
    std::fs::write(&manifest, text).expect("write");
    // Cargo adds the path package to the lock and keeps every registry version
    let status = Command::new(real_cargo())
        .args(["metadata", "--offline", "--format-version", "1"])
        .current_dir(&w.ws)
        .stdout(Stdio::null())
        .status()
        .expect("cargo metadata");
    assert!(status.success());
    let before = std::fs::read_to_string(w.ws.join("Cargo.lock")).expect("lock");
    assert!(before.contains("name = \"outside-lib\""));

    let out = run(&w, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let after = std::fs::read_to_string(w.ws.join("Cargo.lock")).expect("lock");
    assert_ne!(after, before, "the demo's lock is not optimal: it changes");
    assert!(after.contains("name = \"outside-lib\""));
    // the user's files outside the root are as they were
    assert_eq!(
        std::fs::read_dir(&lib).expect("ls").count(),
        2,
        "Cargo.toml and src/ only"
    );
}
