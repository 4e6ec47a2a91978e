//! The world description: crates with versions, a workspace and an optional cargo-vet store.
//!
//! One set of types serves both the TOML form (`World::from_toml`) and the Rust builder API
//! (`CrateSpec::new(..).dep(..)`), so tests and fixture files describe worlds the same way.
//! Parsing and validation are pure: text in, typed world or a typed error out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::RegistryBuilderError;

/// A whole fixture world.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// Every published version, one entry each, in publish order (index line order).
    #[serde(rename = "crate", default)]
    pub crates: Vec<CrateSpec>,
    #[serde(default)]
    pub workspace: WorkspaceSpec,
    /// cargo-vet store written to `supply-chain/` as literal text.
    #[serde(default)]
    pub vet: Option<VetStore>,
}

/// One published version of one crate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CrateSpec {
    pub name: String,
    pub version: String,
    #[serde(default = "default_edition")]
    pub edition: String,
    #[serde(rename = "dep", default)]
    pub deps: Vec<DepSpec>,
    #[serde(default)]
    pub features: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub links: Option<String>,
    #[serde(default)]
    pub rust_version: Option<String>,
    #[serde(default)]
    pub yanked: bool,
    /// RFC 3339 publish time, copied to the index `pubtime` field.
    #[serde(default)]
    pub pubtime: Option<String>,
    /// Extra files (path inside the crate → contents). `src/lib.rs` here replaces the default.
    #[serde(default)]
    pub files: BTreeMap<String, FileSpec>,
}

/// Contents of one file: literal text, or a synthetic file of exactly `lines` lines.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FileSpec {
    Text(String),
    Synthetic { lines: u32 },
}

/// Kind of a dependency edge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepKind {
    #[default]
    Normal,
    Build,
    Dev,
}

/// One dependency, of a registry crate or of a workspace member.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DepSpec {
    /// The name the dependent uses (the rename when `package` is set).
    pub name: String,
    /// Version requirement as written in Cargo.toml; optional only for `path` deps.
    #[serde(default)]
    pub req: Option<String>,
    #[serde(default)]
    pub kind: DepKind,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default = "yes")]
    pub default_features: bool,
    /// `cfg(...)` or a target triple.
    #[serde(default)]
    pub target: Option<String>,
    /// Real crate name when renamed.
    #[serde(default)]
    pub package: Option<String>,
    /// Path dependency (workspace members only), relative to the member's directory.
    #[serde(default)]
    pub path: Option<String>,
}

/// The workspace: a virtual root with members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WorkspaceSpec {
    /// Applied to every member that has none of its own.
    #[serde(default)]
    pub rust_version: Option<String>,
    #[serde(rename = "member", default)]
    pub members: Vec<MemberSpec>,
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MemberSpec {
    pub name: String,
    /// Directory relative to the workspace root; defaults to `name`.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default = "default_member_version")]
    pub version: String,
    #[serde(default = "default_edition")]
    pub edition: String,
    #[serde(default)]
    pub rust_version: Option<String>,
    #[serde(rename = "dep", default)]
    pub deps: Vec<DepSpec>,
    #[serde(default)]
    pub features: BTreeMap<String, Vec<String>>,
}

/// A cargo-vet store given as literal file contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VetStore {
    pub config: String,
    pub audits: String,
    pub imports_lock: String,
}

fn default_edition() -> String {
    "2021".to_string()
}
fn default_member_version() -> String {
    "0.1.0".to_string()
}
fn yes() -> bool {
    true
}

impl World {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse and validate a TOML world description; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, RegistryBuilderError> {
        let world: World = toml::from_str(text).map_err(|e| RegistryBuilderError::Parse {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        world.validate()?;
        Ok(world)
    }

    pub fn add_crate(mut self, krate: CrateSpec) -> Self {
        self.crates.push(krate);
        self
    }

    pub fn member(mut self, member: MemberSpec) -> Self {
        self.workspace.members.push(member);
        self
    }

    pub fn workspace_rust_version(mut self, v: &str) -> Self {
        self.workspace.rust_version = Some(v.to_string());
        self
    }

    pub fn vet(mut self, store: VetStore) -> Self {
        self.vet = Some(store);
        self
    }

    /// Check what cargo would reject in a way that is hard to trace back from cargo's message.
    pub fn validate(&self) -> Result<(), RegistryBuilderError> {
        let mut seen = BTreeSet::new();
        for c in &self.crates {
            let at = format!("crate {} {}", c.name, c.version);
            check_name(&c.name, &at)?;
            let v = semver::Version::parse(&c.version).map_err(|e| {
                invalid(
                    &at,
                    format!("version: {e}"),
                    "write a semver version such as 1.2.3",
                )
            })?;
            if !seen.insert((c.name.to_ascii_lowercase(), v.clone())) {
                return Err(invalid(
                    &at,
                    "defined twice".into(),
                    "give each (name, version) one [[crate]] entry",
                ));
            }
            if let Some(t) = &c.pubtime {
                t.parse::<jiff::Timestamp>().map_err(|e| {
                    invalid(
                        &at,
                        format!("pubtime: {e}"),
                        "use RFC 3339, e.g. 2025-01-31T12:00:00Z",
                    )
                })?;
            }
            for d in &c.deps {
                check_dep(d, &at, false)?;
            }
            for path in c.files.keys() {
                check_file_path(path, &at)?;
            }
        }
        let mut dirs = BTreeSet::new();
        for m in &self.workspace.members {
            let at = format!("workspace member {}", m.name);
            check_name(&m.name, &at)?;
            semver::Version::parse(&m.version).map_err(|e| {
                invalid(
                    &at,
                    format!("version: {e}"),
                    "write a semver version such as 0.1.0",
                )
            })?;
            let dir = m.dir();
            check_file_path(dir, &at)?;
            if !dirs.insert(dir.to_string()) {
                return Err(invalid(
                    &at,
                    format!("directory {dir} is used twice"),
                    "give each member its own path",
                ));
            }
            for d in &m.deps {
                check_dep(d, &at, true)?;
            }
        }
        Ok(())
    }
}

impl MemberSpec {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            path: None,
            version: default_member_version(),
            edition: default_edition(),
            rust_version: None,
            deps: Vec::new(),
            features: BTreeMap::new(),
        }
    }
    /// Directory relative to the workspace root.
    pub fn dir(&self) -> &str {
        self.path.as_deref().unwrap_or(&self.name)
    }
    pub fn path(mut self, p: &str) -> Self {
        self.path = Some(p.to_string());
        self
    }
    pub fn dep(mut self, d: DepSpec) -> Self {
        self.deps.push(d);
        self
    }
    pub fn feature(mut self, name: &str, enables: &[&str]) -> Self {
        self.features.insert(
            name.to_string(),
            enables.iter().map(|s| s.to_string()).collect(),
        );
        self
    }
    pub fn rust_version(mut self, v: &str) -> Self {
        self.rust_version = Some(v.to_string());
        self
    }
}

impl CrateSpec {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            edition: default_edition(),
            deps: Vec::new(),
            features: BTreeMap::new(),
            links: None,
            rust_version: None,
            yanked: false,
            pubtime: None,
            files: BTreeMap::new(),
        }
    }
    pub fn dep(mut self, d: DepSpec) -> Self {
        self.deps.push(d);
        self
    }
    pub fn feature(mut self, name: &str, enables: &[&str]) -> Self {
        self.features.insert(
            name.to_string(),
            enables.iter().map(|s| s.to_string()).collect(),
        );
        self
    }
    pub fn links(mut self, l: &str) -> Self {
        self.links = Some(l.to_string());
        self
    }
    pub fn rust_version(mut self, v: &str) -> Self {
        self.rust_version = Some(v.to_string());
        self
    }
    pub fn yanked(mut self) -> Self {
        self.yanked = true;
        self
    }
    pub fn pubtime(mut self, t: &str) -> Self {
        self.pubtime = Some(t.to_string());
        self
    }
    pub fn file(mut self, path: &str, contents: FileSpec) -> Self {
        self.files.insert(path.to_string(), contents);
        self
    }
    /// Rust identifier of the library target (`-` → `_`).
    pub fn lib_name(&self) -> String {
        self.name.replace('-', "_")
    }
}

impl DepSpec {
    pub fn new(name: &str, req: &str) -> Self {
        Self {
            name: name.to_string(),
            req: Some(req.to_string()),
            kind: DepKind::Normal,
            optional: false,
            features: Vec::new(),
            default_features: true,
            target: None,
            package: None,
            path: None,
        }
    }
    /// A path dependency on another member (`path` relative to the dependent's directory).
    pub fn path(name: &str, path: &str) -> Self {
        let mut d = Self::new(name, "*");
        d.req = None;
        d.path = Some(path.to_string());
        d
    }
    pub fn dev(mut self) -> Self {
        self.kind = DepKind::Dev;
        self
    }
    pub fn build(mut self) -> Self {
        self.kind = DepKind::Build;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn features(mut self, f: &[&str]) -> Self {
        self.features = f.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn no_default_features(mut self) -> Self {
        self.default_features = false;
        self
    }
    pub fn target(mut self, t: &str) -> Self {
        self.target = Some(t.to_string());
        self
    }
    /// Rename: `name` stays what the dependent uses, `real` is the crate in the registry.
    pub fn package(mut self, real: &str) -> Self {
        self.package = Some(real.to_string());
        self
    }
    /// The crate this edge points at (the real name, not the rename).
    pub fn crate_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn invalid(at: &str, message: String, hint: &str) -> RegistryBuilderError {
    RegistryBuilderError::Invalid {
        at: at.to_string(),
        message,
        hint: hint.to_string(),
    }
}

fn check_name(name: &str, at: &str) -> Result<(), RegistryBuilderError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            at,
            format!("bad crate name {name:?}"),
            "use ASCII letters, digits, - and _, starting with a letter",
        ))
    }
}

fn check_dep(d: &DepSpec, at: &str, member: bool) -> Result<(), RegistryBuilderError> {
    check_name(&d.name, at)?;
    if let Some(p) = &d.package {
        check_name(p, at)?;
    }
    if d.path.is_some() && !member {
        return Err(invalid(
            at,
            format!("dependency {} has a path", d.name),
            "only workspace members may have path dependencies",
        ));
    }
    match (&d.req, &d.path) {
        (Some(r), _) => {
            semver::VersionReq::parse(r).map_err(|e| {
                invalid(
                    at,
                    format!("dependency {} req {r:?}: {e}", d.name),
                    "write a requirement such as ^1.2 or =0.3.1",
                )
            })?;
        }
        (None, Some(_)) => {}
        (None, None) => {
            return Err(invalid(
                at,
                format!("dependency {} has no req", d.name),
                "add req = \"...\"",
            ));
        }
    }
    Ok(())
}

fn check_file_path(path: &str, at: &str) -> Result<(), RegistryBuilderError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        || path == "Cargo.toml";
    if bad {
        Err(invalid(
            at,
            format!("bad file path {path:?}"),
            "use a relative path with / separators, no . or .. parts, not Cargo.toml",
        ))
    } else {
        Ok(())
    }
}
