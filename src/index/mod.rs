//! The registry index: one trait, several sources.
//!
//! Every source yields the same owned, parsed [`IndexVersion`] values (one per line of a
//! registry index file), so the pure core never sees where a version came from. Sources:
//! - `sparse`: crates.io sparse index over HTTPS, with an on-disk cache (IO edge);
//! - `offline`: cargo's own index cache and ours, no network (IO edge);
//! - `local_registry`: a directory in Cargo's `local-registry` layout (IO edge).
//!
//! `cooldown` filters versions by publish time (pure; the clock is passed in).

use std::collections::BTreeMap;

/// Kind of a dependency edge, as the index records it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

impl DepKind {
    /// The kind as Cargo's metadata and the report spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            DepKind::Normal => "normal",
            DepKind::Build => "build",
            DepKind::Dev => "dev",
        }
    }
}

/// One dependency of one published version, exactly as the index line states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDep {
    /// The name the dependent uses (a rename when `package` is set); features refer to it.
    pub name: String,
    /// The real crate name when the dependency is renamed.
    pub package: Option<String>,
    pub req: semver::VersionReq,
    pub features: Vec<String>,
    pub optional: bool,
    pub default_features: bool,
    /// `cfg(...)` expression or target triple, unparsed.
    pub target: Option<String>,
    pub kind: DepKind,
    /// Index URL of another registry; `None` means the same registry.
    pub registry: Option<String>,
}

impl IndexDep {
    /// A normal dependency on `name` from the same registry: not renamed, not optional, default
    /// features, every platform, no extra features.
    pub fn normal(name: &str, req: semver::VersionReq) -> IndexDep {
        IndexDep {
            name: name.to_string(),
            package: None,
            req,
            features: Vec::new(),
            optional: false,
            default_features: true,
            target: None,
            kind: DepKind::Normal,
            registry: None,
        }
    }

    /// The crate this edge points at (the real name, not the rename).
    pub fn crate_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
}

/// One published version of a crate (one index line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion {
    pub name: String,
    pub version: semver::Version,
    pub deps: std::sync::Arc<Vec<IndexDep>>,
    /// `features` and `features2` merged (features2 holds the `dep:` / `?/` forms).
    pub features: std::sync::Arc<BTreeMap<String, Vec<String>>>,
    pub links: Option<String>,
    pub yanked: bool,
    pub rust_version: Option<String>,
    /// SHA-256 of the `.crate` file, lowercase hex.
    pub cksum: String,
    /// Publish time (RFC 3339), present on crates.io lines published since 2025.
    pub pubtime: Option<jiff::Timestamp>,
}

/// All versions of one crate, in index order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexCrate {
    pub name: String,
    pub versions: Vec<IndexVersion>,
}

pub mod cargo_cache; // pure: decode cargo's `.cache` entry format
pub mod cooldown; // pure: publish-time filters over a snapshot
pub mod disk_cache; // IO edge: our cache of sparse index files
pub mod layout; // pure: cargo's index path rule (prefix directories)
pub mod local_registry; // IO edge: `local-registry` directory
pub mod memo; // what-if: remembers every crate loaded, across scenarios
pub mod offline; // IO edge: our cache dir, then cargo's cache
pub mod parse; // pure: index file text -> IndexCrate
pub mod snapshot; // closed-world BFS over an Index
pub mod sparse; // IO edge: crates.io sparse index over HTTPS

/// crates.io's sparse index.
pub const CRATES_IO_URL: &str = "https://index.crates.io/";

pub use snapshot::{load_snapshot, load_snapshot_with, IndexSnapshot, Root, WalkOptions};

use std::path::PathBuf;

/// A source of registry index files. Implementations are IO edges; everything after
/// [`load_snapshot`] works on owned data.
pub trait Index {
    /// Loads every named crate. Batch API so network implementations can fetch in parallel.
    /// `None` means the registry does not have that crate (HTTP 404/410/451, no file).
    fn load_crates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError>;

    /// One line for reports, e.g. `crates.io sparse index (https://index.crates.io/)`.
    fn describe(&self) -> String;

    /// [`Index::load_crates`] for readers that only look: an index that keeps its crates in
    /// memory ([`memo::MemoIndex`]) hands out shared references instead of deep copies.
    #[allow(clippy::type_complexity)]
    fn load_shared(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<std::sync::Arc<IndexCrate>>>, IndexError> {
        Ok(self
            .load_crates(names)?
            .into_iter()
            .map(|(n, c)| (n, c.map(std::sync::Arc::new)))
            .collect())
    }
}

/// Errors of every index source. Each names the file or URL and carries a hint.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Parse(#[from] parse::ParseError),
    #[error("invalid crate name `{0}`")]
    InvalidName(String),
    #[error("cannot read {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot write cache file {path}: {error}\nhint: check that --cache-dir is writable")]
    CacheWrite {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("malformed cargo index cache file {path}: {message}\nhint: delete the file; cargo recreates it on its next online run")]
    CargoCache { path: PathBuf, message: String },
    #[error("{path} is not a local registry: {message}\nhint: --registry-dir expects a directory with `index/<prefix>/<name>` files and `<name>-<version>.crate` files beside `index/`")]
    NotALocalRegistry { path: PathBuf, message: String },
    #[error("crate `{name}` is not in the offline index caches (looked in {searched})\nhint: run once without --offline (or run `cargo fetch`) to fill the cache")]
    NotCached { name: String, searched: String },
    #[error("invalid proxy URL `{url}`: {message}\nhint: fix or unset HTTPS_PROXY / ALL_PROXY")]
    BadProxy { url: String, message: String },
    #[error("{url}: server answered HTTP {status}\nhint: {hint}")]
    HttpStatus {
        url: String,
        status: u16,
        hint: String,
    },
    #[error("{url}: request failed after {attempts} attempts: {message}\nhint: check the network and proxy settings (HTTPS_PROXY, NO_PROXY), or use --offline to rely on cached index files")]
    Network {
        url: String,
        attempts: u32,
        message: String,
    },
}
