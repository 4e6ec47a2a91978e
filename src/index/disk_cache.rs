//! IO edge: our own on-disk copy of sparse index files, shared by `sparse` and `offline`.
//!
//! Layout: `<cache dir>/index/<host dir>/<prefix>/<name>` holds the index file exactly as the
//! server sent it (so the directory also reads like a `local-registry` index), and
//! `<...>/<name>.meta` a small JSON record: HTTP status (200, or 404 for "not in the
//! registry") and the validators (`ETag`, `Last-Modified`) for revalidation. Crate names
//! cannot contain `.`, so the sidecar never collides with an index file. Files are written
//! to a temporary name and renamed, so a crashed run never leaves a half-written entry.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::local_registry::read_index_file;
use super::{layout, IndexCrate, IndexError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheMeta {
    /// 200 (body cached) or 404 (the registry does not have the crate).
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

/// Directory name for an index URL: `https://index.crates.io/` → `index.crates.io`.
pub fn host_dir(base_url: &str) -> String {
    let rest = base_url
        .trim_start_matches("sparse+")
        .split_once("://")
        .map_or(base_url, |(_, r)| r);
    let cleaned: String = rest
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned
}

impl DiskCache {
    /// The cache for index `base_url` under `cache_dir`.
    pub fn new(cache_dir: &Path, base_url: &str) -> Self {
        Self {
            dir: cache_dir.join("index").join(host_dir(base_url)),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn body_path(&self, name: &str) -> Result<PathBuf, IndexError> {
        let mut p = self.dir.clone();
        p.extend(layout::index_relative_components(name)?);
        Ok(p)
    }

    fn meta_path(&self, name: &str) -> Result<PathBuf, IndexError> {
        let mut p = self.body_path(name)?;
        p.set_extension("meta");
        Ok(p)
    }

    /// The cached record, if any. A damaged meta file counts as absent (it is only a cache).
    pub fn read_meta(&self, name: &str) -> Result<Option<CacheMeta>, IndexError> {
        let path = self.meta_path(name)?;
        match std::fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(IndexError::Io {
                path,
                error: source,
            }),
        }
    }

    /// The cached answer for `name`: `Some(None)` when the registry said it has no such
    /// crate, `Some(Some(_))` for a stored body, `None` when nothing usable is cached.
    pub fn read(&self, name: &str) -> Result<Option<Option<IndexCrate>>, IndexError> {
        let Some(meta) = self.read_meta(name)? else {
            return Ok(None);
        };
        if meta.status == 404 {
            return Ok(Some(None));
        }
        let path = self.body_path(name)?;
        if path.is_file() {
            return read_index_file(&path, name).map(Some);
        }
        Ok(None)
    }

    /// Stores a fresh response: `body` for 200, `None` for "not found".
    pub fn store(
        &self,
        name: &str,
        meta: &CacheMeta,
        body: Option<&[u8]>,
    ) -> Result<(), IndexError> {
        let body_path = self.body_path(name)?;
        if let Some(body) = body {
            write_atomic(&body_path, body)?;
        } else if body_path.exists() {
            let _ = std::fs::remove_file(&body_path);
        }
        let meta_bytes = serde_json::to_vec(meta).unwrap_or_default();
        write_atomic(&self.meta_path(name)?, &meta_bytes)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let err = |source| IndexError::CacheWrite {
        path: path.to_path_buf(),
        error: source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_dirs() {
        assert_eq!(host_dir("https://index.crates.io/"), "index.crates.io");
        assert_eq!(
            host_dir("sparse+https://index.crates.io/"),
            "index.crates.io"
        );
        assert_eq!(host_dir("http://127.0.0.1:8080/"), "127.0.0.1_8080");
        assert_eq!(host_dir("https://h/a/b/"), "h_a_b");
    }
}
