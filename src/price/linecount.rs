//! Full-audit line count read straight from the `.crate` gzip tar stream (pure over bytes).
//!
//! cargo-vet prices a full audit as `git diff --no-index --numstat` against an empty directory,
//! which for every added file reports its line count. This module computes the same number
//! without unpacking or running git:
//! - only regular files count, and the last entry for a path wins (as when unpacking);
//! - `Cargo.lock`, `.cargo_vcs_info.json` and `.cargo-ok` are skipped at the crate root only
//!   (cargo-vet compares the whole crate-relative path; `sub/Cargo.lock` counts);
//! - binary (git's heuristic, `buffer_is_binary`: a NUL byte in the first 8,000 bytes) → 0;
//! - otherwise lines = number of `\n` + 1 if the file is non-empty and does not end in `\n`
//!   (git's xdiff records; `\r` is not a line end, so CRLF files count the same).
//!
//! Tests check this against git itself (`tests/library/price_linecount.rs`).

use std::collections::BTreeMap;

use super::archive::{walk, EntryKind};
use super::{ArchiveError, ArchiveLimits, DIFF_SKIP_PATHS};

/// git looks this far into a file for a NUL byte to call it binary (`FIRST_FEW_BYTES`).
pub const BINARY_PROBE_BYTES: usize = 8_000;

/// The count of one file of a crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLines {
    /// Path relative to the crate directory, `/`-separated.
    pub path: String,
    /// Lines as git's numstat counts them for an added file; 0 when binary.
    pub lines: u64,
    pub binary: bool,
    pub bytes: u64,
}

/// The full-audit count of one crate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrateLines {
    /// Sum of `files[..].lines`: what cargo-vet's full audit costs.
    pub total: u64,
    /// Every counted file, sorted by path (skipped files are not listed here).
    pub files: Vec<FileLines>,
    /// Skip-list files present in the crate, sorted.
    pub skipped: Vec<String>,
}

/// Counts lines incrementally, so files are never held in memory whole.
#[derive(Debug, Clone, Default)]
pub struct LineCounter {
    len: u64,
    newlines: u64,
    binary: bool,
    last: Option<u8>,
}

impl LineCounter {
    pub fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let probed = usize::try_from(self.len).unwrap_or(usize::MAX);
        if probed < BINARY_PROBE_BYTES {
            let probe_end = (BINARY_PROBE_BYTES - probed).min(chunk.len());
            if chunk[..probe_end].contains(&0) {
                self.binary = true;
            }
        }
        self.newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        self.len += chunk.len() as u64;
        self.last = chunk.last().copied();
    }

    /// `(lines, binary)`: lines is 0 for binary files.
    pub fn finish(&self) -> (u64, bool) {
        if self.binary {
            return (0, true);
        }
        let unterminated = matches!(self.last, Some(b) if b != b'\n');
        (self.newlines + u64::from(unterminated), false)
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// `(lines, binary)` of one whole file, as git's numstat counts an added file.
pub fn count_file_lines(content: &[u8]) -> (u64, bool) {
    let mut counter = LineCounter::default();
    counter.feed(content);
    counter.finish()
}

/// Whether cargo-vet leaves this crate-relative path out of line counts.
pub fn is_skipped(rel_path: &str) -> bool {
    DIFF_SKIP_PATHS.contains(&rel_path)
}

/// The full-audit count of the `.crate` in `bytes`, whose entries must all live under
/// `prefix` (`<name>-<version>`, see [`super::archive::crate_prefix`]).
pub fn count_crate_lines(
    bytes: &[u8],
    prefix: &str,
    limits: ArchiveLimits,
) -> Result<CrateLines, ArchiveError> {
    let mut files: BTreeMap<String, FileLines> = BTreeMap::new();
    let mut skipped: BTreeMap<String, ()> = BTreeMap::new();
    let mut buf = vec![0u8; 64 * 1024];
    walk(bytes, prefix, limits, |entry, reader| {
        if !matches!(entry.kind, EntryKind::File) {
            return Ok::<(), ArchiveError>(());
        }
        let mut counter = LineCounter::default();
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(super::archive::archive_error_of(&e).unwrap_or(
                        ArchiveError::Corrupt {
                            entry: Some(entry.rel_path.clone()),
                            message: e.to_string(),
                        },
                    ))
                }
            };
            counter.feed(&buf[..n]);
        }
        if is_skipped(&entry.rel_path) {
            skipped.insert(entry.rel_path.clone(), ());
            files.remove(&entry.rel_path);
            return Ok(());
        }
        let (lines, binary) = counter.finish();
        files.insert(
            entry.rel_path.clone(),
            FileLines {
                path: entry.rel_path.clone(),
                lines,
                binary,
                bytes: counter.len(),
            },
        );
        Ok(())
    })?;
    let files: Vec<FileLines> = files.into_values().collect();
    Ok(CrateLines {
        total: files.iter().map(|f| f.lines).sum(),
        files,
        skipped: skipped.into_keys().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-computed: git counts xdiff records, i.e. '\n'-terminated lines plus a final
    // unterminated one.
    #[test]
    fn counts_match_hand_computed_cases() {
        assert_eq!(count_file_lines(b""), (0, false));
        assert_eq!(count_file_lines(b"\n"), (1, false));
        assert_eq!(count_file_lines(b"a"), (1, false));
        assert_eq!(count_file_lines(b"a\nb"), (2, false));
        assert_eq!(count_file_lines(b"a\r\nb\r\n"), (2, false));
        assert_eq!(count_file_lines(b"a\rb\r"), (1, false));
        assert_eq!(count_file_lines(b"a\n\n\n"), (3, false));
        assert_eq!(count_file_lines(b"a\0\nb\n"), (0, true));
    }

    #[test]
    fn nul_after_probe_window_is_text() {
        let mut content = vec![b'x'; BINARY_PROBE_BYTES];
        content.push(0);
        content.push(b'\n');
        assert_eq!(count_file_lines(&content), (1, false));
        content[BINARY_PROBE_BYTES - 1] = 0;
        assert_eq!(count_file_lines(&content), (0, true));
    }

    #[test]
    fn chunked_feeding_equals_whole_feeding() {
        let mut content = vec![b'a'; 7_990];
        content.extend_from_slice(b"\n\nxx\0yy\nzz");
        content.extend_from_slice(b"\nmore");
        for split in [0, 1, 7_995, 7_999, 8_000, 8_001, content.len()] {
            let mut c = LineCounter::default();
            c.feed(&content[..split]);
            c.feed(&content[split..]);
            assert_eq!(c.finish(), count_file_lines(&content), "split at {split}");
        }
        assert_eq!(count_file_lines(&content), (0, true));
    }

    #[test]
    fn skip_list_is_root_only() {
        assert!(is_skipped("Cargo.lock"));
        assert!(is_skipped(".cargo-ok"));
        assert!(is_skipped(".cargo_vcs_info.json"));
        assert!(!is_skipped("sub/Cargo.lock"));
        assert!(!is_skipped("Cargo.toml"));
    }
}
