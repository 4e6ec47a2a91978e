//! IO edge: one writing run per workspace at a time (an exclusive advisory lock).
//!
//! A run that may rewrite Cargo.lock locks the directory holding the real lock file (for a
//! symlinked Cargo.lock, the directory of its target, so workspaces sharing one lock exclude
//! each other) before it reads anything, and holds it until it ends. A second run waits and
//! says so, as Cargo does: "Blocking waiting for file lock on ...". The lock is `flock` on the
//! directory itself: no file appears in the user's tree, and the OS drops it when the process
//! dies, however it dies.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::cli::CommonArgs;
use crate::lockwrite::atomic::{remove_stale_temps, resolve_target};
use crate::shell::Shell;

/// Held for as long as the run may write; dropping it releases the lock.
#[derive(Debug)]
pub struct WorkspaceLock {
    _dir: File,
}

/// Locks the workspace `common` names for writing, waiting for another run to finish, then
/// removes what killed runs left (temp lock files, check copies), whether or not this run
/// writes. `None` when Cargo cannot locate the workspace: loading it reports why.
pub fn lock_for_writing(
    common: &CommonArgs,
    shell: &Shell,
) -> anyhow::Result<Option<WorkspaceLock>> {
    let Some(root_manifest) = locate_workspace(common) else {
        return Ok(None);
    };
    let lock_path = root_manifest.with_file_name("Cargo.lock");
    let real = resolve_target(&lock_path).unwrap_or_else(|_| lock_path.clone());
    let dir = real.parent().unwrap_or(Path::new(".")).to_path_buf();
    let lock = acquire(&dir, shell)?;
    remove_stale_temps(&lock_path);
    super::check_copy::remove_stale();
    Ok(Some(lock))
}

/// An exclusive lock on directory `dir`, waiting for it if another process holds it.
pub fn acquire(dir: &Path, shell: &Shell) -> anyhow::Result<WorkspaceLock> {
    let file = File::open(dir).with_context(|| {
        format!(
            "cannot open {} to lock it for writing Cargo.lock\nhint: check that the directory exists and is readable",
            dir.display()
        )
    })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            shell.status(
                "Blocking",
                format!("waiting for file lock on {}", dir.display()),
            );
            file.lock()
                .with_context(|| format!("cannot lock {}", dir.display()))?;
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| {
                format!(
                    "cannot lock {} for writing Cargo.lock\nhint: the filesystem may not support file locks; use --dry-run",
                    dir.display()
                )
            })
        }
    }
    Ok(WorkspaceLock { _dir: file })
}

/// The workspace's root Cargo.toml as `cargo locate-project --workspace` finds it.
fn locate_workspace(common: &CommonArgs) -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["locate-project", "--workspace", "--message-format", "plain"]);
    if let Some(p) = &common.manifest_path {
        cmd.arg("--manifest-path").arg(p);
    }
    if common.offline {
        cmd.arg("--offline");
    }
    let out = cmd.env("CARGO_TERM_COLOR", "never").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let path = PathBuf::from(text.trim_end_matches(['\n', '\r']));
    path.is_absolute().then_some(path)
}
