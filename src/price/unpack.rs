//! Safe extraction of a `.crate` into a directory, for git to diff (IO edge).
//!
//! Every entry goes through `archive::walk` (relative UTF-8 paths under
//! `<name>-<version>/`, no `..`, regular files and directories only, size and entry caps), and
//! this module writes files itself instead of trusting tar's unpacker: it only ever creates
//! directories and regular files below the destination, never links, so nothing can point
//! outside it. Extraction goes to a fresh temporary directory which is renamed into place at the
//! end, so a half-unpacked crate is never mistaken for a whole one. No `.cargo-ok` marker is
//! written (cargo-vet writes one, and skips it when counting, so the numbers agree either way).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::archive::{archive_error_of, walk, EntryKind};
use super::{ArchiveError, ArchiveLimits, PriceError};

/// Unpacks the verified `.crate` `bytes` of `name` `version` into `parent/<name>-<version>`,
/// replacing whatever was there, and returns that directory.
pub fn unpack_crate(
    bytes: &[u8],
    name: &str,
    version: &str,
    parent: &Path,
    limits: ArchiveLimits,
) -> Result<PathBuf, PriceError> {
    let prefix = super::archive::crate_prefix(name, version);
    fs::create_dir_all(parent).map_err(|e| PriceError::io(parent, e))?;
    let staging = unique_sibling(parent, &prefix);
    let result = unpack_into(bytes, &prefix, &staging, limits);
    let archive_err = |source| PriceError::Archive {
        name: name.to_owned(),
        version: version.to_owned(),
        error: source,
    };
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(match e {
            UnpackError::Archive(a) => archive_err(a),
            UnpackError::Price(p) => p,
        });
    }
    let target = parent.join(&prefix);
    if target.exists() {
        fs::remove_dir_all(&target).map_err(|e| PriceError::io(&target, e))?;
    }
    fs::rename(&staging, &target).map_err(|e| PriceError::io(&target, e))?;
    Ok(target)
}

/// A path next to `base` that no other thread or process is using.
pub(crate) fn unique_sibling(parent: &Path, base: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(".{base}.tmp-{}-{n}", std::process::id()))
}

enum UnpackError {
    Archive(ArchiveError),
    Price(PriceError),
}

impl From<ArchiveError> for UnpackError {
    fn from(e: ArchiveError) -> Self {
        UnpackError::Archive(e)
    }
}

fn unpack_into(
    bytes: &[u8],
    prefix: &str,
    root: &Path,
    limits: ArchiveLimits,
) -> Result<(), UnpackError> {
    fs::create_dir(root).map_err(|e| UnpackError::Price(PriceError::io(root, e)))?;
    walk(bytes, prefix, limits, |entry, reader| {
        // `walk` guarantees `rel_path` has only normal components, so joining stays inside.
        let dest = root.join(&entry.rel_path);
        let io_err = |e: io::Error, path: &Path| match archive_error_of(&e) {
            Some(a) => UnpackError::Archive(a),
            None => UnpackError::Price(PriceError::io(path, e)),
        };
        match entry.kind {
            EntryKind::Dir => fs::create_dir_all(&dest).map_err(|e| io_err(e, &dest)),
            EntryKind::File => {
                if let Some(dir) = dest.parent() {
                    fs::create_dir_all(dir).map_err(|e| io_err(e, dir))?;
                }
                write_file(&dest, reader).map_err(|e| io_err(e, &dest))
            }
        }
    })
}

fn write_file(dest: &Path, reader: &mut dyn Read) -> io::Result<()> {
    // A duplicate entry replaces the earlier file, as tar's unpacker does.
    if let Ok(meta) = fs::symlink_metadata(dest) {
        if meta.is_dir() {
            return Err(io::Error::other("a directory already has this path"));
        }
        fs::remove_file(dest)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)?;
    io::copy(reader, &mut file)?;
    Ok(())
}
