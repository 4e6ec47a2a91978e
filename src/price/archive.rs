//! Walking a `.crate` archive (gzip + tar) entry by entry, with every safety check in one place.
//!
//! Both the line counter and the unpacker use `walk`, so they accept and refuse exactly the
//! same archives and see exactly the same files. The rules:
//! - each entry path is UTF-8 (cargo-vet reads git's output as UTF-8 and fails otherwise),
//!   relative, free of `..`, `\` and NUL, and starts with the `<name>-<version>/` directory
//!   (cargo-vet's own `unpack_package` refuses anything else);
//! - regular files (tar types `0`, NUL, `7`) and directories are the only entry kinds:
//!   symlinks, hard links, devices and FIFOs are refused (`cargo package` never writes them);
//!   pax global headers carry no file and are passed over, as tar's own unpacker does;
//! - the sum of entry sizes and the number of entries are capped ([`ArchiveLimits`]);
//! - after the tar end marker the gzip stream is read to its end, so a missing or wrong gzip
//!   trailer (a truncated download) is an error, not a silently shorter crate.

use std::io::{self, Read};

use super::{ArchiveError, ArchiveLimits};

/// What a checked entry is.
pub(crate) enum EntryKind {
    File,
    Dir,
}

/// One checked entry: its path relative to the crate directory (`/`-separated, never empty
/// for files) and its kind.
pub(crate) struct CheckedEntry {
    pub rel_path: String,
    pub kind: EntryKind,
}

/// The directory every entry of `name`'s `version` must live in.
pub fn crate_prefix(name: &str, version: &str) -> String {
    format!("{name}-{version}")
}

fn corrupt(entry: Option<String>, err: io::Error) -> ArchiveError {
    ArchiveError::Corrupt {
        entry,
        message: err.to_string(),
    }
}

/// Walks the archive in `bytes`, calling `visit` with each checked entry and a reader over its
/// contents (empty for directories). `visit` may leave the reader unread.
pub(crate) fn walk<E: From<ArchiveError>>(
    bytes: &[u8],
    prefix: &str,
    limits: ArchiveLimits,
    mut visit: impl FnMut(&CheckedEntry, &mut dyn Read) -> Result<(), E>,
) -> Result<(), E> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = archive.entries().map_err(|e| corrupt(None, e))?;
    let mut total_bytes: u64 = 0;
    let mut count: u64 = 0;
    let mut last_path: Option<String> = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(last_path.clone().map(after), e))?;
        let raw_path = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw_path).into_owned();
        last_path = Some(shown.clone());
        count += 1;
        if count > limits.max_entries {
            return Err(ArchiveError::TooLarge {
                entry: shown,
                limit: limits.max_entries,
                what: "entries",
            }
            .into());
        }
        let header = entry.header();
        let entry_type = header.entry_type();
        let is_old_header = header.as_ustar().is_none() && header.as_gnu().is_none();
        let size = entry.size();
        total_bytes = total_bytes.saturating_add(size);
        if total_bytes > limits.max_total_bytes {
            return Err(ArchiveError::TooLarge {
                entry: shown,
                limit: limits.max_total_bytes,
                what: "bytes",
            }
            .into());
        }
        let kind = match entry_type {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                // Old (v7) tar marks directories with a trailing slash only.
                if is_old_header && raw_path.ends_with(b"/") {
                    EntryKind::Dir
                } else {
                    EntryKind::File
                }
            }
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::XGlobalHeader => continue,
            other => {
                return Err(ArchiveError::UnsupportedEntry {
                    entry: shown,
                    kind: entry_kind_name(other),
                }
                .into())
            }
        };
        let rel_path = check_path(&raw_path, &shown, prefix)?;
        if rel_path.is_empty() && matches!(kind, EntryKind::File) {
            return Err(ArchiveError::UnsafePath {
                entry: shown,
                reason: "is a file in place of the crate directory".to_owned(),
            }
            .into());
        }
        let checked = CheckedEntry { rel_path, kind };
        visit(
            &checked,
            &mut CheckedReader {
                inner: &mut entry,
                entry: &shown,
            },
        )?;
    }
    // Read what follows the tar end marker so flate2 checks the gzip trailer (CRC and length).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| corrupt(None, e))?;
    Ok(())
}

fn after(path: String) -> String {
    format!("after {path}")
}

/// Turns read errors on entry data into [`ArchiveError::Corrupt`] naming the entry: the caller
/// sees an `io::Error` whose inner error is the archive error.
struct CheckedReader<'a, R> {
    inner: &'a mut R,
    entry: &'a str,
}

impl<R: Read> Read for CheckedReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                corrupt(Some(self.entry.to_owned()), e),
            )
        })
    }
}

/// Recovers the archive error hidden in an `io::Error` from a [`CheckedReader`], if any.
pub(crate) fn archive_error_of(err: &io::Error) -> Option<ArchiveError> {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<ArchiveError>())
        .cloned()
}

fn entry_kind_name(t: tar::EntryType) -> String {
    match t {
        tar::EntryType::Symlink => "symbolic link".to_owned(),
        tar::EntryType::Link => "hard link".to_owned(),
        tar::EntryType::Char => "character device".to_owned(),
        tar::EntryType::Block => "block device".to_owned(),
        tar::EntryType::Fifo => "fifo".to_owned(),
        tar::EntryType::GNUSparse => "gnu sparse file".to_owned(),
        other => format!("tar entry type {:?}", other.as_byte() as char),
    }
}

/// Checks one raw entry path and returns it relative to `prefix` (`""` for the prefix itself).
fn check_path(raw: &[u8], shown: &str, prefix: &str) -> Result<String, ArchiveError> {
    let unsafe_path = |reason: &str| ArchiveError::UnsafePath {
        entry: shown.to_owned(),
        reason: reason.to_owned(),
    };
    let text = std::str::from_utf8(raw).map_err(|_| unsafe_path("is not valid UTF-8"))?;
    if text.starts_with('/') {
        return Err(unsafe_path("is an absolute path"));
    }
    if text.contains('\\') || text.contains('\0') {
        return Err(unsafe_path("contains a backslash or NUL byte"));
    }
    let mut parts = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_path("contains a `..` component")),
            p => parts.push(p),
        }
    }
    match parts.first() {
        Some(first) if *first == prefix => Ok(parts[1..].join("/")),
        _ => Err(ArchiveError::OutsidePrefix {
            entry: shown.to_owned(),
            prefix: prefix.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_against_prefix_and_traversal() {
        let ok = |p: &str| check_path(p.as_bytes(), p, "x-1.0.0");
        assert_eq!(ok("x-1.0.0/src/lib.rs").unwrap(), "src/lib.rs");
        assert_eq!(ok("./x-1.0.0//src/./lib.rs").unwrap(), "src/lib.rs");
        assert_eq!(ok("x-1.0.0/").unwrap(), "");
        assert!(matches!(
            ok("/x-1.0.0/a"),
            Err(ArchiveError::UnsafePath { .. })
        ));
        assert!(matches!(
            ok("x-1.0.0/../a"),
            Err(ArchiveError::UnsafePath { .. })
        ));
        assert!(matches!(
            ok("x-1.0.0/a\\..\\b"),
            Err(ArchiveError::UnsafePath { .. })
        ));
        assert!(matches!(
            ok("y-1.0.0/a"),
            Err(ArchiveError::OutsidePrefix { .. })
        ));
        assert!(matches!(
            ok("x-1.0.00/a"),
            Err(ArchiveError::OutsidePrefix { .. })
        ));
        assert!(matches!(
            check_path(b"x-1.0.0/\xff", "?", "x-1.0.0"),
            Err(ArchiveError::UnsafePath { .. })
        ));
    }
}
