//! Persistent per-file counts of whole crates: what [`count_crate_lines`] read from a `.crate`
//! file, kept so a warm run never inflates the same archive again.
//!
//! The optimiser bounds every candidate of a crate it touches from the per-file counts of its
//! versions ([`super::bounds::delta_lower_bound`] needs the files, not only the total), which
//! on a warm cache was half of a `report`'s CPU time: gunzip, tar walk and SHA-256 of ~1,250
//! archives (incrementalmerkletree) on every run. The counts are a pure function of the file's
//! bytes, so the key is the index checksum those bytes were verified against: one small JSON
//! file per archive, `<cache dir>/file-counts-v1/<sha256>.json`, written atomically. A
//! republished file has another checksum and can never meet a stale count. The version in the
//! directory name changes whenever counting changes.
//!
//! Parsing and rendering are pure ([`to_json`], [`from_json`]); [`load`] and [`save`] are the
//! IO edge. An unreadable or mismatched entry is a miss (the archive is counted again), never
//! an error: the cache only saves time.
//!
//! [`count_crate_lines`]: super::linecount::count_crate_lines

use std::path::{Path, PathBuf};

use super::linecount::{CrateLines, FileLines};

/// The directory inside the cache dir (bump the suffix when counting changes).
pub const FILE_COUNTS_DIR: &str = "file-counts-v1";

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    #[serde(rename = "crate")]
    crate_name: String,
    version: String,
    cksum: String,
    total: u64,
    /// (path, lines, binary, bytes), sorted by path
    files: Vec<(String, u64, bool, u64)>,
    skipped: Vec<String>,
}

/// The JSON form of one crate's counts (pure).
pub fn to_json(name: &str, version: &str, cksum: &str, lines: &CrateLines) -> String {
    let entry = Entry {
        crate_name: name.to_owned(),
        version: version.to_owned(),
        cksum: cksum.to_owned(),
        total: lines.total,
        files: lines
            .files
            .iter()
            .map(|f| (f.path.clone(), f.lines, f.binary, f.bytes))
            .collect(),
        skipped: lines.skipped.clone(),
    };
    serde_json::to_string(&entry).unwrap_or_default()
}

/// Parses one entry (pure); `None` unless it is well formed, about exactly this file, and its
/// total is the sum of its files.
pub fn from_json(text: &str, name: &str, version: &str, cksum: &str) -> Option<CrateLines> {
    let e: Entry = serde_json::from_str(text).ok()?;
    if e.crate_name != name || e.version != version || e.cksum != cksum {
        return None;
    }
    let files: Vec<FileLines> = e
        .files
        .into_iter()
        .map(|(path, lines, binary, bytes)| FileLines {
            path,
            lines,
            binary,
            bytes,
        })
        .collect();
    if files.iter().map(|f| f.lines).sum::<u64>() != e.total {
        return None;
    }
    Some(CrateLines {
        total: e.total,
        files,
        skipped: e.skipped,
    })
}

fn entry_path(cache_dir: &Path, cksum: &str) -> Option<PathBuf> {
    // a checksum is 64 hex digits; anything else must not become a path
    (cksum.len() == 64 && cksum.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
        cache_dir
            .join(FILE_COUNTS_DIR)
            .join(format!("{cksum}.json"))
    })
}

/// The cached counts of the archive with this checksum, if any.
pub fn load(cache_dir: &Path, name: &str, version: &str, cksum: &str) -> Option<CrateLines> {
    let text = std::fs::read_to_string(entry_path(cache_dir, cksum)?).ok()?;
    from_json(&text, name, version, cksum)
}

/// Records the counts (temp file + rename, no fsync: a lost entry is only counted again).
pub fn save(
    cache_dir: &Path,
    name: &str,
    version: &str,
    cksum: &str,
    lines: &CrateLines,
) -> std::io::Result<()> {
    let Some(path) = entry_path(cache_dir, cksum) else {
        return Ok(());
    };
    let dir = cache_dir.join(FILE_COUNTS_DIR);
    std::fs::create_dir_all(&dir)?;
    let tmp = super::unpack::unique_sibling(&dir, &format!("{cksum}.json"));
    std::fs::write(&tmp, to_json(name, version, cksum, lines)).and_then(|()| {
        std::fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CrateLines {
        CrateLines {
            total: 12,
            files: vec![
                FileLines {
                    path: "Cargo.toml".into(),
                    lines: 10,
                    binary: false,
                    bytes: 200,
                },
                FileLines {
                    path: "logo.png".into(),
                    lines: 0,
                    binary: true,
                    bytes: 9000,
                },
                FileLines {
                    path: "src/lib.rs".into(),
                    lines: 2,
                    binary: false,
                    bytes: 30,
                },
            ],
            skipped: vec!["Cargo.lock".into()],
        }
    }

    const SUM: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trips_and_refuses_another_file() {
        let text = to_json("foo", "1.0.0", SUM, &sample());
        assert_eq!(from_json(&text, "foo", "1.0.0", SUM), Some(sample()));
        assert_eq!(from_json(&text, "foo", "1.0.1", SUM), None);
        assert_eq!(from_json(&text, "bar", "1.0.0", SUM), None);
        let other = SUM.replace('0', "f");
        assert_eq!(from_json(&text, "foo", "1.0.0", &other), None);
    }

    #[test]
    fn a_total_that_is_not_the_sum_of_the_files_is_a_miss() {
        let mut bad = sample();
        bad.total += 1;
        assert_eq!(
            from_json(&to_json("foo", "1.0.0", SUM, &bad), "foo", "1.0.0", SUM),
            None
        );
        assert_eq!(from_json("{ not json", "foo", "1.0.0", SUM), None);
    }

    #[test]
    fn saves_and_loads_by_checksum_and_never_builds_a_path_from_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "foo", "1.0.0", SUM, &sample()).unwrap();
        assert_eq!(load(dir.path(), "foo", "1.0.0", SUM), Some(sample()));
        assert_eq!(
            load(dir.path(), "foo", "1.0.0", &SUM.replace('a', "b")),
            None
        );
        save(dir.path(), "foo", "1.0.0", "../../etc/x", &sample()).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join(FILE_COUNTS_DIR))
                .unwrap()
                .count(),
            1
        );
    }
}
