//! IO edge: replace a file atomically (temp file in the same directory, fsync, rename).
//!
//! Readers see the old bytes or the new bytes, never a partial file: the new contents go to a
//! fresh file next to the target (same filesystem, so `rename` is atomic on POSIX), are flushed
//! to disk, take over the old file's permissions, and only then replace it; the directory is
//! synced afterwards so the rename itself survives a crash. A symlinked target keeps its link:
//! the file it resolves to is the one replaced, with the temp file in that file's directory.
//! Any failure removes the temp file and leaves the target untouched; so do panics and
//! SIGINT/SIGTERM (`cleanup::Registered`), and a temp file a killed run left is removed by the
//! next replace in that directory. A hook runs between the fsync and the rename, where
//! [`replace_if_unchanged`] re-reads the target and aborts if another program changed it.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum AtomicWriteError {
    // the io error is part of the message, not chained, so `{:#}` prints it once
    #[error("cannot write {path}: {error}\nhint: check that the directory is writable; {target} was not changed")]
    Temp {
        path: PathBuf,
        target: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot replace {target}: {error}\nhint: check permissions; {target} was not changed")]
    Rename {
        target: PathBuf,
        error: std::io::Error,
    },
    #[error("{target}: {message}; {target} was not changed")]
    Interrupted { target: PathBuf, message: String },
    #[error("{target} changed since cargo-minaudit read it; nothing was written\nhint: another program (or another cargo-minaudit run) wrote it meanwhile; run cargo minaudit again")]
    Changed { target: PathBuf },
    #[error("cannot resolve the symlink {target}: {error}\nhint: make the link point to an existing file; {target} was not changed")]
    Resolve {
        target: PathBuf,
        error: std::io::Error,
    },
}

/// The temp file name used for `target` (hidden, beside it, unique per process).
pub fn temp_path(target: &Path) -> PathBuf {
    target.with_file_name(format!("{}{}.tmp", temp_prefix(target), std::process::id()))
}

/// Removes the temp files that killed runs left beside `target` (resolved like [`replace`]).
pub fn remove_stale_temps(target: &Path) {
    if let Ok(real) = resolve_target(target) {
        crate::cleanup::remove_stale(parent_dir(&real), &temp_prefix(&real), ".tmp");
    }
}

/// `.<name>.minaudit-`: what every run's temp file for `target` starts with.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    format!(".{name}.minaudit-")
}

/// The file `path` stands for: itself, or what its symlinks resolve to.
pub fn resolve_target(path: &Path) -> Result<PathBuf, AtomicWriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|error| AtomicWriteError::Resolve {
                target: path.to_path_buf(),
                error,
            })
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// Replaces `target` with `bytes` only if it still holds `expected` just before the rename
/// (another writer in between makes it [`AtomicWriteError::Changed`], nothing written).
pub fn replace_if_unchanged(
    target: &Path,
    bytes: &[u8],
    expected: &[u8],
) -> Result<(), AtomicWriteError> {
    const CHANGED: &str = "changed since it was read";
    let result = replace_with_hook(target, bytes, &mut |_| match std::fs::read(target) {
        Ok(now) if now == expected => Ok(()),
        _ => Err(CHANGED.to_string()),
    });
    match result {
        Err(AtomicWriteError::Interrupted { message, .. }) if message == CHANGED => {
            Err(AtomicWriteError::Changed {
                target: target.to_path_buf(),
            })
        }
        other => other,
    }
}

/// [`replace_if_unchanged`] where `expected` None means the file must still be absent (it is
/// then created).
pub fn write_if_unchanged(
    target: &Path,
    bytes: &[u8],
    expected: Option<&[u8]>,
) -> Result<(), AtomicWriteError> {
    match expected {
        Some(old) => replace_if_unchanged(target, bytes, old),
        None => {
            const APPEARED: &str = "created since the run started";
            let result = replace_with_hook(
                target,
                bytes,
                &mut |_| match std::fs::symlink_metadata(target) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(APPEARED.to_string()),
                },
            );
            match result {
                Err(AtomicWriteError::Interrupted { message, .. }) if message == APPEARED => {
                    Err(AtomicWriteError::Changed {
                        target: target.to_path_buf(),
                    })
                }
                other => other,
            }
        }
    }
}

/// Replaces `target` with `bytes` atomically.
pub fn replace(target: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    replace_with_hook(target, bytes, &mut |_| Ok(()))
}

/// [`replace`] with `before_rename(temp_path)` called after the temp file is durable and
/// before the rename; an `Err(message)` from the hook aborts like a crash would (the temp
/// file is removed, the target untouched).
pub fn replace_with_hook(
    target: &Path,
    bytes: &[u8],
    before_rename: &mut dyn FnMut(&Path) -> Result<(), String>,
) -> Result<(), AtomicWriteError> {
    let shown = target;
    let target = &resolve_target(shown)?;
    crate::cleanup::remove_stale(parent_dir(target), &temp_prefix(target), ".tmp");
    let tmp = temp_path(target);
    let temp_err = |error| AtomicWriteError::Temp {
        path: tmp.clone(),
        target: shown.to_path_buf(),
        error,
    };
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .or_else(|e| {
                // a leftover from a killed run of this very process id: replace it
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    std::fs::remove_file(&tmp)?;
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&tmp)
                } else {
                    Err(e)
                }
            })
            .map_err(temp_err)?;
        let guard = crate::cleanup::Registered::new(tmp.clone());
        f.write_all(bytes).map_err(temp_err)?;
        if let Ok(meta) = std::fs::metadata(target) {
            f.set_permissions(meta.permissions()).map_err(temp_err)?;
        }
        f.sync_all().map_err(temp_err)?;
        drop(f);
        before_rename(&tmp).map_err(|message| AtomicWriteError::Interrupted {
            target: shown.to_path_buf(),
            message,
        })?;
        std::fs::rename(&tmp, target).map_err(|error| AtomicWriteError::Rename {
            target: shown.to_path_buf(),
            error,
        })?;
        guard.disarm();
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // make the rename durable; failure here cannot undo it, so it is not an error
    if let Ok(d) = std::fs::File::open(parent_dir(target)) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}
