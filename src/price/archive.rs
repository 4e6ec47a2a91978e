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
//! - the sum of entry sizes, the number of entries, the lines of one file (git needs ~44 bytes
//!   of memory a line to diff it) and the decompressed stream itself are capped
//!   ([`ArchiveLimits`]);
//! - GNU long names and links and pax headers are read here, in tar's raw mode, and refused
//!   above [`MAX_META_BYTES`] before anything is buffered (tar's own reader buffers them
//!   whole, whatever size the header claims); a pax `size` that disagrees with the entry
//!   header is refused, so every reader sees the same entries;
//! - names in messages are cut to [`SHOWN_NAME_CHARS`] characters;
//! - after the tar end marker the gzip stream is read to its end, so a missing or wrong gzip
//!   trailer (a truncated download) is an error, not a silently shorter crate.

use std::io::{self, Read};

use super::{ArchiveError, ArchiveLimits};

/// Largest GNU long name, long link or pax header accepted (paths are at most 4 KiB on Linux).
pub const MAX_META_BYTES: u64 = 64 * 1024;

/// Longest entry name an error message shows.
pub const SHOWN_NAME_CHARS: usize = 200;

/// Header and padding bytes one entry may add to the stream beyond its data.
const ENTRY_OVERHEAD: u64 = 1024;

/// `raw` as text for messages: lossy UTF-8, cut to [`SHOWN_NAME_CHARS`] characters.
pub(crate) fn shown_name(raw: &[u8]) -> String {
    let head = &raw[..raw.len().min(SHOWN_NAME_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(SHOWN_NAME_CHARS).collect();
    if chars.next().is_some() || head.len() < raw.len() {
        out.push_str(&format!("... ({} bytes)", raw.len()));
    }
    out
}

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
    archive_error_of(&err).unwrap_or_else(|| ArchiveError::Corrupt {
        entry,
        message: err.to_string(),
    })
}

/// GNU long name and pax headers seen since the last entry; they describe the next one.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<Vec<u8>>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.long_name.is_none() && self.long_link.is_none() && self.pax.is_none()
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
    let stream_cap = limits.max_total_bytes.saturating_add(
        limits
            .max_entries
            .saturating_add(20)
            .saturating_mul(ENTRY_OVERHEAD),
    );
    let gunzip = CappedReader {
        inner: flate2::read::GzDecoder::new(bytes),
        left: stream_cap,
        cap: stream_cap,
    };
    let mut archive = tar::Archive::new(gunzip);
    let entries = archive.entries().map_err(|e| corrupt(None, e))?.raw(true);
    let mut total_bytes: u64 = 0;
    let mut count: u64 = 0;
    let mut last_path: Option<String> = None;
    let mut pending = Pending::default();
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(last_path.clone().map(after), e))?;
        let header_path = shown_name(&entry.header().path_bytes());
        count += 1;
        if count > limits.max_entries {
            return Err(ArchiveError::TooLarge {
                entry: header_path,
                limit: limits.max_entries,
                what: "entries",
            }
            .into());
        }
        let header = entry.header();
        let entry_type = header.entry_type();
        let is_old_header = header.as_ustar().is_none() && header.as_gnu().is_none();
        let slot = match entry_type {
            _ if is_old_header => None,
            tar::EntryType::GNULongName => Some(&mut pending.long_name),
            tar::EntryType::GNULongLink => Some(&mut pending.long_link),
            tar::EntryType::XHeader => Some(&mut pending.pax),
            _ => None,
        };
        let is_meta = slot.is_some();
        if let Some(slot) = slot {
            last_path = Some(header_path.clone());
            *slot = Some(read_meta(&mut entry, slot.is_some(), &header_path)?);
        }
        total_bytes = total_bytes.saturating_add(entry.size());
        if total_bytes > limits.max_total_bytes {
            return Err(ArchiveError::TooLarge {
                entry: header_path,
                limit: limits.max_total_bytes,
                what: "bytes once unpacked",
            }
            .into());
        }
        if is_meta {
            continue;
        }
        let meta = std::mem::take(&mut pending);
        let raw_path = entry_path(&entry, &meta)?;
        let shown = shown_name(&raw_path);
        last_path = Some(shown.clone());
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
                lines: 0,
                max_lines: limits.max_file_lines,
            },
        )?;
    }
    if !pending.is_empty() {
        return Err(ArchiveError::Corrupt {
            entry: last_path,
            message: "a long name or pax header describes an entry that never comes".to_owned(),
        }
        .into());
    }
    // Read what follows the tar end marker so flate2 checks the gzip trailer (CRC and length).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| corrupt(None, e))?;
    Ok(())
}

/// The contents of a long name, long link or pax header, refused above [`MAX_META_BYTES`]
/// (by the size its header claims) before any of it is read.
fn read_meta<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    twice: bool,
    shown: &str,
) -> Result<Vec<u8>, ArchiveError> {
    if twice {
        return Err(ArchiveError::Corrupt {
            entry: Some(shown.to_owned()),
            message: "two long name or pax headers describe the same entry".to_owned(),
        });
    }
    if entry.size() > MAX_META_BYTES {
        return Err(ArchiveError::TooLarge {
            entry: shown.to_owned(),
            limit: MAX_META_BYTES,
            what: "bytes in a long name or pax header",
        });
    }
    let mut data = Vec::new();
    entry
        .read_to_end(&mut data)
        .map_err(|e| corrupt(Some(shown.to_owned()), e))?;
    Ok(data)
}

/// The entry's path as tar resolves it (GNU long name, else pax `path`, else the header's),
/// after checking that a pax `size` agrees with the header's size.
fn entry_path<R: Read>(entry: &tar::Entry<'_, R>, meta: &Pending) -> Result<Vec<u8>, ArchiveError> {
    let pax = |key: &[u8]| {
        meta.pax.as_deref().and_then(|pax| {
            tar::PaxExtensions::new(pax)
                .filter_map(Result::ok)
                .find(|e| e.key_bytes() == key)
                .map(|e| e.value_bytes().to_vec())
        })
    };
    if let Some(size) = pax(b"size") {
        let agrees = std::str::from_utf8(&size)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            == Some(entry.size());
        if !agrees {
            return Err(ArchiveError::Corrupt {
                entry: Some(shown_name(&entry.header().path_bytes())),
                message: "the pax header's size disagrees with the entry header's".to_owned(),
            });
        }
    }
    Ok(match &meta.long_name {
        Some(name) => name.strip_suffix(&[0]).unwrap_or(name).to_vec(),
        None => pax(b"path").unwrap_or_else(|| entry.header().path_bytes().into_owned()),
    })
}

/// Fails once more than `cap` bytes come out of `inner` (the decompressed stream).
struct CappedReader<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                ArchiveError::TooLarge {
                    entry: "(the decompressed stream)".to_owned(),
                    limit: self.cap,
                    what: "bytes once decompressed",
                },
            )
        })?;
        Ok(n)
    }
}

fn after(path: String) -> String {
    format!("after {path}")
}

/// Turns read errors on entry data into [`ArchiveError::Corrupt`] naming the entry, and
/// refuses a file of more than `max_lines` lines: the caller sees an `io::Error` whose inner
/// error is the archive error.
struct CheckedReader<'a, R> {
    inner: &'a mut R,
    entry: &'a str,
    lines: u64,
    max_lines: u64,
}

impl<R: Read> Read for CheckedReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                corrupt(Some(self.entry.to_owned()), e),
            )
        })?;
        self.lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        if self.lines > self.max_lines {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                ArchiveError::TooLarge {
                    entry: self.entry.to_owned(),
                    limit: self.max_lines,
                    what: "lines in one file",
                },
            ));
        }
        Ok(n)
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
