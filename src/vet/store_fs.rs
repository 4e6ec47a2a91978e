//! IO edge: read a `supply-chain/` directory into a [`Store`]. The only file access in `vet`.

use std::path::{Path, PathBuf};

use super::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StoreLoadError {
    #[error("cannot read {path}: {source}\nhint: pass the workspace's supply-chain directory (run `cargo vet init` if it has none)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("in {dir}: {source}")]
    Parse {
        dir: PathBuf,
        source: Box<StoreError>,
    },
}

/// Read `config.toml`, `audits.toml` and `imports.lock` from `dir`. A missing `imports.lock` is
/// read as empty (cargo-vet creates it lazily); the other two must exist.
pub fn read_store_dir(dir: &Path) -> Result<Store, StoreLoadError> {
    let read = |name: &str, optional: bool| -> Result<String, StoreLoadError> {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(s),
            Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(source) => Err(StoreLoadError::Read { path, source }),
        }
    };
    let config = read("config.toml", false)?;
    let audits = read("audits.toml", false)?;
    let imports = read("imports.lock", true)?;
    Store::from_texts(&config, &audits, &imports).map_err(|source| StoreLoadError::Parse {
        dir: dir.to_owned(),
        source: Box::new(source),
    })
}
