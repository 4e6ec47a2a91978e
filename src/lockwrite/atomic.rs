//! IO edge: replace a file atomically (temp file in the same directory, fsync, rename).
//!
//! Readers see the old bytes or the new bytes, never a partial file: the new contents go to a
//! fresh file next to the target (same filesystem, so `rename` is atomic on POSIX), are flushed
//! to disk, take over the old file's permissions, and only then replace it; the directory is
//! synced afterwards so the rename itself survives a crash. Any failure removes the temp file
//! and leaves the target untouched. A test hook runs between the fsync and the rename, which is
//! where a killed process would leave things.

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
}

/// The temp file name used for `target` (hidden, beside it, unique per process).
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    target.with_file_name(format!(".{name}.minaudit-{}.tmp", std::process::id()))
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
    let tmp = temp_path(target);
    let temp_err = |error| AtomicWriteError::Temp {
        path: tmp.clone(),
        target: target.to_path_buf(),
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
        f.write_all(bytes).map_err(temp_err)?;
        if let Ok(meta) = std::fs::metadata(target) {
            f.set_permissions(meta.permissions()).map_err(temp_err)?;
        }
        f.sync_all().map_err(temp_err)?;
        drop(f);
        before_rename(&tmp).map_err(|message| AtomicWriteError::Interrupted {
            target: target.to_path_buf(),
            message,
        })?;
        std::fs::rename(&tmp, target).map_err(|error| AtomicWriteError::Rename {
            target: target.to_path_buf(),
            error,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // make the rename durable; failure here cannot undo it, so it is not an error
    if let Some(dir) = target.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
