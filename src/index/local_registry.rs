//! IO edge: a directory in Cargo's `local-registry` layout.
//!
//! ```text
//! DIR/index/<prefix>/<lowercase name>   index lines, as on crates.io
//! DIR/<name>-<version>.crate            the packages
//! ```
//! Used by `--registry-dir` and by the test fixtures. A missing index file means the
//! registry does not have the crate (`None`), exactly as cargo treats it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::parse::parse_index_file;
use super::{layout, Index, IndexCrate, IndexError};

#[derive(Debug, Clone)]
pub struct LocalRegistryIndex {
    root: PathBuf,
}

impl LocalRegistryIndex {
    /// Opens `root`; it must contain an `index/` directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, IndexError> {
        let root = root.into();
        let index = root.join("index");
        if !index.is_dir() {
            return Err(IndexError::NotALocalRegistry {
                message: format!("{} is not a directory", index.display()),
                path: root,
            });
        }
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the index file of `name` is (whether or not it exists).
    pub fn index_file(&self, name: &str) -> Result<PathBuf, IndexError> {
        let mut p = self.root.join("index");
        p.extend(layout::index_relative_components(name)?);
        Ok(p)
    }

    /// Where cargo expects the `.crate` file of `name` `version`.
    pub fn crate_file(&self, name: &str, version: &semver::Version) -> PathBuf {
        self.root.join(format!("{name}-{version}.crate"))
    }
}

/// Reads and parses one index file; `Ok(None)` when the file does not exist or has no line
/// for exactly this name.
pub(crate) fn read_index_file(path: &Path, name: &str) -> Result<Option<IndexCrate>, IndexError> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(IndexError::Io {
                path: path.to_path_buf(),
                error: source,
            })
        }
    };
    let origin = path.display().to_string();
    let text = String::from_utf8(text).map_err(|e| {
        IndexError::Parse(super::parse::ParseError {
            origin: origin.clone(),
            line: line_of_offset(e.as_bytes(), e.utf8_error().valid_up_to()),
            message: "not valid UTF-8".to_string(),
        })
    })?;
    let parsed = parse_index_file(name, &text, &origin)?;
    Ok(non_empty(parsed.krate))
}

/// A file whose lines all belong to another case variant means "no such crate" for cargo.
pub(crate) fn non_empty(krate: IndexCrate) -> Option<IndexCrate> {
    (!krate.versions.is_empty()).then_some(krate)
}

/// 1-based line of a byte offset.
pub(crate) fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Index for LocalRegistryIndex {
    fn load_crates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError> {
        let mut out = BTreeMap::new();
        for name in names {
            let path = self.index_file(name)?;
            out.insert(name.clone(), read_index_file(&path, name)?);
        }
        Ok(out)
    }

    fn describe(&self) -> String {
        format!("local registry {}", self.root.display())
    }
}
