//! Test support: fixture registries that Cargo itself accepts.
//!
//! A small world (crates with versions, deps, features, links, rust-version, yanked, pubtime
//! and files; a workspace; optionally a cargo-vet store) is described in TOML or with the
//! builder API ([`model`]). [`render::render_world`] turns it into the exact bytes of every
//! file (pure): a registry in Cargo's `local-registry` layout (`index/<prefix>/<name>` lines in
//! crates.io's format, `<name>-<version>.crate` archives whose SHA-256 is the index `cksum`),
//! the workspace manifests, `.cargo/config.toml` replacing crates-io with that registry, and
//! `supply-chain/`. [`write::write_world`] puts them on disk. [`cargo_oracle`] runs real cargo
//! with an isolated `CARGO_HOME`, offline: it is the validity oracle for every lock we write.
//!
//! Why a local registry: cargo reads it offline, verifies checksums against the index, and the
//! lock still records the crates.io source, so fixtures behave like real crates.io workspaces.

// each test uses a part of it

pub mod cargo_oracle;
pub mod crate_file;
pub mod index_line;
pub mod manifest;
pub mod model;
pub mod render;
pub mod write;

use std::path::PathBuf;

pub use model::{
    CrateSpec, DepKind, DepSpec, FileSpec, MemberSpec, VetStore, WorkspaceSpec, World,
};
pub use render::{render_world, RegistryPath, RenderOptions};
pub use write::write_world;

/// Errors of the registry builder.
#[derive(Debug, thiserror::Error)]
pub enum RegistryBuilderError {
    #[error("{file}:{line}: {message}\nhint: fix the world description; keys are documented in tests/support/registry_builder/model.rs")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{at}: {message}\nhint: {hint}")]
    Invalid {
        at: String,
        message: String,
        hint: String,
    },
    #[error("cannot write {path}: {error}\nhint: check that the directory exists and is writable")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}
