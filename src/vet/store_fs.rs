//! IO edge: read a `supply-chain/` directory into a [`Store`]. The only file access in `vet`.

use std::path::{Path, PathBuf};

use super::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StoreLoadError {
    /// The store directory itself is missing: cargo-vet was never set up for this workspace.
    #[error("cannot read {path}: {error}\nhint: run `cargo vet init` in the workspace, or point `[workspace.metadata.vet] store` in Cargo.toml at the existing store directory")]
    MissingDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot read {path}: {error}\nhint: check that the file exists and is readable (`cargo vet init` creates it)")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A malformed store file. Its message is the store error with the file named by its full
    /// path, so the user sees `DIR/config.toml:23: ...` once, with the hint last.
    #[error("{error}")]
    Parse {
        dir: PathBuf,
        error: Box<StoreError>,
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
            Err(error) if !dir.is_dir() => Err(StoreLoadError::MissingDir {
                path: dir.to_owned(),
                error,
            }),
            Err(error) => Err(StoreLoadError::Read { path, error }),
        }
    };
    let config = read("config.toml", false)?;
    let audits = read("audits.toml", false)?;
    let imports = read("imports.lock", true)?;
    Store::from_texts(&config, &audits, &imports).map_err(|error| StoreLoadError::Parse {
        dir: dir.to_owned(),
        error: Box::new(in_dir(error, dir)),
    })
}

/// Names the store file by its path under `dir` (`supply-chain/config.toml`), so the message
/// starts with a path the user can open.
fn in_dir(error: StoreError, dir: &Path) -> StoreError {
    let full = |file: String| dir.join(file).display().to_string();
    match error {
        StoreError::Format(mut e) => {
            e.file = full(e.file);
            StoreError::Format(e)
        }
        StoreError::Criteria { file, line, error } => StoreError::Criteria {
            file: full(file),
            line,
            error,
        },
    }
}
