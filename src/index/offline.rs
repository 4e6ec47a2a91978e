//! IO edge: the index without network.
//!
//! For each crate, in order: our cache (`--cache-dir`, filled by the sparse index; a cached
//! "not found" answers `None`), then cargo's own cache of the same registry
//! (`$CARGO_HOME/registry/index/index.crates.io-<hash>/.cache/<prefix>/<name>`, where cargo
//! ≥ 1.85 names the directory with its *stable* hash: `index.crates.io-1949cf8c6b5b557f`).
//! A crate in neither is an error: offline we cannot tell "not published" from "not cached".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::cargo_cache;
use super::disk_cache::DiskCache;
use super::local_registry::non_empty;
use super::parse::parse_index_lines;
use super::CRATES_IO_URL;
use super::{layout, Index, IndexCrate, IndexError};

/// cargo's `.cache` directory for a sparse index URL (`https://...` or `sparse+https://...`),
/// honouring `CARGO_HOME`. `None` if cargo's home cannot be determined.
pub fn cargo_sparse_cache_dir(index_url: &str) -> Option<PathBuf> {
    cargo_sparse_cache_dir_in(None, index_url)
}

/// Like [`cargo_sparse_cache_dir`] under an explicit cargo home (`None`: `CARGO_HOME` or
/// `~/.cargo`). Uses the stable hash of cargo >= 1.85; crates-index's default (legacy) hash
/// names the directory older cargo used, which cargo 1.95 no longer fills.
pub fn cargo_sparse_cache_dir_in(cargo_home: Option<&Path>, index_url: &str) -> Option<PathBuf> {
    let url = if index_url.starts_with("sparse+") {
        index_url.to_string()
    } else {
        format!("sparse+{index_url}")
    };
    let (dir, _) = crates_index::local_path_and_canonical_url_with_hash_kind(
        &url,
        cargo_home,
        &crates_index::HashKind::Stable,
    )
    .ok()?;
    Some(dir.join(".cache"))
}

/// One crate from cargo's cache: the parsed crate (or `None` if no line has this exact name)
/// and the `etag: ...` / `last-modified: ...` version cargo stored. `Ok(None)` if absent.
pub(crate) fn read_cargo_cache(
    cache_dir: &Path,
    name: &str,
) -> Result<Option<(Option<IndexCrate>, String)>, IndexError> {
    let mut path = cache_dir.to_path_buf();
    path.extend(layout::index_relative_components(name)?);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(IndexError::Io {
                path,
                error: source,
            })
        }
    };
    let entry = cargo_cache::decode(&bytes).map_err(|message| IndexError::CargoCache {
        path: path.clone(),
        message,
    })?;
    // Line numbers in errors are entry numbers within the cache file.
    let parsed = parse_index_lines(
        name,
        entry
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l.as_str())),
        &format!("{} (cargo cache entry)", path.display()),
    )?;
    Ok(Some((non_empty(parsed.krate), entry.index_version)))
}

#[derive(Debug, Clone)]
pub struct OfflineIndex {
    ours: Option<DiskCache>,
    cargo_cache: Option<PathBuf>,
}

impl OfflineIndex {
    /// Explicit caches; either may be absent.
    pub fn new(ours: Option<DiskCache>, cargo_cache: Option<PathBuf>) -> Self {
        Self { ours, cargo_cache }
    }

    /// crates.io: `cache_dir` (ours) and cargo's default cache location.
    pub fn crates_io(cache_dir: Option<&Path>) -> Self {
        Self::new(
            cache_dir.map(|d| DiskCache::new(d, CRATES_IO_URL)),
            cargo_sparse_cache_dir(CRATES_IO_URL),
        )
    }

    fn load_one(&self, name: &str) -> Result<Option<IndexCrate>, IndexError> {
        let mut searched = Vec::new();
        if let Some(ours) = &self.ours {
            if let Some(answer) = ours.read(name)? {
                return Ok(answer);
            }
            searched.push(ours.dir().display().to_string());
        }
        if let Some(cargo) = &self.cargo_cache {
            if let Some((krate, _)) = read_cargo_cache(cargo, name)? {
                return Ok(krate);
            }
            searched.push(cargo.display().to_string());
        }
        Err(IndexError::NotCached {
            name: name.to_string(),
            searched: if searched.is_empty() {
                "no cache directories".to_string()
            } else {
                searched.join(", ")
            },
        })
    }
}

impl Index for OfflineIndex {
    fn load_crates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError> {
        names
            .iter()
            .map(|n| Ok((n.clone(), self.load_one(n)?)))
            .collect()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.ours {
            parts.push(o.dir().display().to_string());
        }
        if let Some(c) = &self.cargo_cache {
            parts.push(format!("cargo cache {}", c.display()));
        }
        format!("offline index ({})", parts.join(", "))
    }
}
