//! The registry index: one trait, several sources.
//!
//! Every source yields the same owned, parsed [`IndexVersion`] values (one per line of a
//! registry index file), so the pure core never sees where a version came from. Sources:
//! - `sparse`: crates.io sparse index over HTTPS, with an on-disk cache (IO edge);
//! - `offline`: cargo's own index cache and ours, no network (IO edge);
//! - `local_registry`: a directory in Cargo's `local-registry` layout (IO edge).
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
    pub deps: Vec<IndexDep>,
    /// `features` and `features2` merged (features2 holds the `dep:` / `?/` forms).
    pub features: BTreeMap<String, Vec<String>>,
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
