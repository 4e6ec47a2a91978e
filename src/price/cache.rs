//! Persistent line-count cache, and reuse of cargo-vet's own `diff-cache.toml`.
//!
//! Our cache (`<cache dir>/line-counts.json`) keys each [`DiffStat`] by crate, both versions
//! and both `.crate` checksums, so a republished or replaced file can never reuse a stale
//! count. Parsing and rendering are pure ([`LineCountCache::from_json`], [`to_json`]); the
//! IO edge is [`LineCountCache::load`] / [`LineCountCache::save`]. Saving re-reads the file and
//! merges before an atomic write (temp file + rename), so two runs sharing a cache dir lose
//! nothing but a race on the same key (both would hold the same number).
//!
//! cargo-vet keeps `diff-cache.toml` in its cache dir (`dirs::cache_dir()/cargo-vet`, or
//! `--cache-dir`): `version = "2"` and `[diffs.<crate>."<from> -> <to>"]` or
//! `[diffs.<crate>."<to>"]` (full audit) tables of `insertions`, `deletions`, `files_changed`
//! (mozilla/cargo-vet `src/format.rs`, `DiffCache`). Other versions are ignored, as cargo-vet
//! ignores them; git-revision entries (`1.0.0@git:<sha>`) are not registry versions and are
//! dropped. Those entries carry no checksums: crates.io files are immutable, so (crate,
//! from, to) is enough for crates.io, and nothing else should be looked up there.
//!
//! [`to_json`]: LineCountCache::to_json

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::crate_source::write_atomic;
use super::diffstat::DiffStat;
use super::PriceError;

/// The file name of our cache inside the cache dir.
pub const LINE_COUNT_CACHE_FILE: &str = "line-counts.json";
const SCHEMA_VERSION: u32 = 1;

/// What a cached count is about. `from == None` is a full audit.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct DiffKey {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub from: Option<String>,
    pub from_cksum: Option<String>,
    pub to: String,
    pub to_cksum: String,
}

impl DiffKey {
    /// The key of an audit of `name` from `from` (None: a full audit) to `to`, each side a
    /// (version, index checksum) pair; checksums are compared in lowercase hex.
    pub fn new(name: &str, from: Option<(&str, &str)>, to: (&str, &str)) -> DiffKey {
        let cksum = |c: &str| c.trim().to_ascii_lowercase();
        DiffKey {
            crate_name: name.to_owned(),
            from: from.map(|(v, _)| v.to_owned()),
            from_cksum: from.map(|(_, c)| cksum(c)),
            to: to.0.to_owned(),
            to_cksum: cksum(to.1),
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    schema_version: u32,
    entries: Vec<CacheEntry>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheEntry {
    #[serde(flatten)]
    key: DiffKey,
    #[serde(flatten)]
    stat: DiffStat,
}

/// Our line-count cache.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineCountCache {
    entries: BTreeMap<DiffKey, DiffStat>,
}

impl LineCountCache {
    pub fn get(&self, key: &DiffKey) -> Option<DiffStat> {
        self.entries.get(key).copied()
    }

    pub fn insert(&mut self, key: DiffKey, stat: DiffStat) {
        self.entries.insert(key, stat);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses the JSON form (pure). `origin` names the file in errors.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self, PriceError> {
        let file: CacheFile = serde_json::from_str(text).map_err(|e| PriceError::CacheFile {
            path: origin.to_owned(),
            message: format!("line {}: {e}", e.line()),
        })?;
        if file.schema_version != SCHEMA_VERSION {
            return Err(PriceError::CacheFile {
                path: origin.to_owned(),
                message: format!(
                    "schema_version {} is not the {SCHEMA_VERSION} this build reads",
                    file.schema_version
                ),
            });
        }
        Ok(LineCountCache {
            entries: file.entries.into_iter().map(|e| (e.key, e.stat)).collect(),
        })
    }

    /// Renders the JSON form (pure, deterministic: entries sorted by key).
    pub fn to_json(&self) -> String {
        let file = CacheFile {
            schema_version: SCHEMA_VERSION,
            entries: self
                .entries
                .iter()
                .map(|(key, stat)| CacheEntry {
                    key: key.clone(),
                    stat: *stat,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Loads `<cache_dir>/line-counts.json`; a missing file is an empty cache.
    pub fn load(cache_dir: &Path) -> Result<Self, PriceError> {
        let path = cache_dir.join(LINE_COUNT_CACHE_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_json(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(PriceError::io(path, e)),
        }
    }

    /// Merges with what is on disk now (ours win) and writes atomically. An unreadable file
    /// on disk is replaced.
    pub fn save(&self, cache_dir: &Path) -> Result<PathBuf, PriceError> {
        let mut merged = Self::load(cache_dir).unwrap_or_default();
        merged.entries.extend(self.entries.clone());
        write_atomic(
            cache_dir,
            LINE_COUNT_CACHE_FILE,
            merged.to_json().as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(from: Option<&str>) -> DiffKey {
        DiffKey {
            crate_name: "nom".into(),
            from: from.map(Into::into),
            from_cksum: from.map(|_| "aa".repeat(32)),
            to: "8.0.0".into(),
            to_cksum: "bb".repeat(32),
        }
    }

    #[test]
    fn json_round_trips_and_keys_by_checksum() {
        let mut c = LineCountCache::default();
        let stat = DiffStat {
            insertions: 8838,
            deletions: 4078,
            files_changed: 70,
        };
        c.insert(key(Some("7.1.3")), stat);
        c.insert(key(None), DiffStat::default());
        let back = LineCountCache::from_json(&c.to_json(), Path::new("x")).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.get(&key(Some("7.1.3"))), Some(stat));
        let mut other = key(Some("7.1.3"));
        other.to_cksum = "cc".repeat(32);
        assert_eq!(back.get(&other), None);
    }

    #[test]
    fn bad_json_names_the_file() {
        let err = LineCountCache::from_json("{", Path::new("/c/line-counts.json")).unwrap_err();
        assert!(err.to_string().contains("/c/line-counts.json"), "{err}");
    }
}
