//! IO edge: `cargo metadata` + root `Cargo.toml` + `Cargo.lock` -> [`Workspace`] and
//! [`ResolvedGraph`].
//!
//! Two loads, both through [`WorkspaceSource`] so the core can be fed fixtures:
//! - [`WorkspaceSource::workspace`]: `cargo metadata --format-version 1 --no-deps` (no index, no
//!   network, nothing built) gives members and their declared dependencies. What cargo metadata
//!   does not say comes from files: `[patch]` tables from the root manifest (read with `toml`),
//!   the cargo-vet store location from `[workspace.metadata.vet]` (or the root package's
//!   `[package.metadata.vet]`), and the packages minaudit must never move — non-member path
//!   packages and git packages — from the current `Cargo.lock`.
//! - [`WorkspaceSource::resolved_graph`]: `cargo metadata --format-version 1 --locked
//!   --all-features` gives the locked graph with edge kinds and targets. It needs the index (and
//!   Cargo may download packages), but builds nothing. `--locked` makes Cargo refuse a lock it
//!   would change; that refusal becomes [`WorkspaceError::LockfileOutOfDate`].
//!
//! The conversions from cargo's JSON ([`workspace_from_metadata`], [`graph_from_metadata`]) are
//! pure and public, so a saved `cargo metadata` output is a complete fixture
//! ([`FixtureSource::from_files_text`]). Patches from `.cargo/config.toml` are not read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand};

use crate::index::DepKind;
use crate::lockfile::{self, Lockfile, LockfileError, PackageId};

/// A workspace as minaudit needs it: who the members are, what they ask for, what is fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Directory holding the root `Cargo.toml` and `Cargo.lock`.
    pub root: PathBuf,
    pub root_manifest: PathBuf,
    pub lockfile_path: PathBuf,
    /// The Cargo.lock text this workspace was read from (`None`: no lock); a writer replaces
    /// the file only while it still holds exactly this text.
    pub lock_text: Option<String>,
    pub members: Vec<Member>,
    /// Packages in the current lock that minaudit keeps as they are: path packages that are not
    /// members, and git packages. Empty when there is no `Cargo.lock` yet.
    pub fixed_packages: Vec<FixedPackage>,
    /// `[patch.<registry or URL>]` entries of the root manifest.
    pub patches: Vec<PatchEntry>,
    /// `store.path` of `[workspace.metadata.vet]`, made absolute; `None` when not configured.
    pub vet_store: Option<PathBuf>,
}

impl Workspace {
    /// Where cargo-vet keeps its store: the configured path or `<root>/supply-chain`.
    pub fn vet_store_dir(&self) -> PathBuf {
        self.vet_store
            .clone()
            .unwrap_or_else(|| self.root.join("supply-chain"))
    }
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub version: semver::Version,
    pub manifest_path: PathBuf,
    /// `package.rust-version` (MSRV), if declared.
    pub rust_version: Option<semver::Version>,
    /// `[features]` as declared: feature -> what it enables.
    pub features: BTreeMap<String, Vec<String>>,
    pub dependencies: Vec<DeclaredDependency>,
}

/// One dependency as a member's manifest declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredDependency {
    /// The real package name (`package = ...` when renamed).
    pub name: String,
    /// The name the member uses when renamed; features refer to this one.
    pub rename: Option<String>,
    pub req: semver::VersionReq,
    pub kind: DepKind,
    /// `cfg(...)` or target triple of a `[target.X.dependencies]` table, as written by cargo.
    pub target: Option<String>,
    pub optional: bool,
    pub features: Vec<String>,
    pub default_features: bool,
    pub source: DependencySource,
}

/// Where a declared dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencySource {
    /// A registry; `index` is `None` for crates.io, else the registry's index URL.
    Registry { index: Option<String> },
    /// A path dependency (absolute path).
    Path(PathBuf),
    /// A git dependency: the source string cargo reports (`git+URL?branch=...`).
    Git(String),
}

/// A locked package minaudit must keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedPackage {
    pub id: PackageId,
    pub kind: FixedKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedKind {
    /// A path package that is not a workspace member.
    NonMemberPath,
    Git,
}

/// One entry of a `[patch.X]` table of the root manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchEntry {
    /// `crates-io`, a registry name, or a source URL.
    pub patched_source: String,
    /// The key in the patch table.
    pub name: String,
    /// `package = ...` when the key is a rename.
    pub package: Option<String>,
    pub version: Option<String>,
    /// Absolute path for `path = ...` (relative to the workspace root).
    pub path: Option<PathBuf>,
    pub git: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub rev: Option<String>,
    pub registry: Option<String>,
}

/// The locked dependency graph, as `cargo metadata --locked --all-features` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvedGraph {
    pub packages: Vec<GraphPackage>,
    pub nodes: Vec<GraphNode>,
    /// Cargo's opaque ids of the workspace members.
    pub workspace_members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphPackage {
    /// Cargo's opaque package id.
    pub id: String,
    pub name: String,
    pub version: semver::Version,
    /// Lock-file source string; `None` for path packages.
    pub source: Option<String>,
    /// Declared dependencies (all kinds): for fixed path/git packages these are requirements
    /// the registry versions must still satisfy.
    pub dependencies: Vec<DeclaredDependency>,
    /// `[features]` as declared.
    pub features: BTreeMap<String, Vec<String>>,
    pub links: Option<String>,
    pub rust_version: Option<semver::Version>,
    /// The package's lib target is a `proc-macro` (it compiles for the host, like a build
    /// script; `--target` filtering needs this).
    pub proc_macro: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    pub id: String,
    pub deps: Vec<GraphEdge>,
    /// Features enabled on this package in this resolve.
    pub features: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    /// The dependent's name for the dependency (library target name, rename applied).
    pub name: String,
    /// Cargo's opaque id of the dependency.
    pub pkg: String,
    /// Every (kind, target) under which the dependent declares this edge.
    pub dep_kinds: Vec<EdgeKind>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeKind {
    pub kind: DepKind,
    pub target: Option<String>,
}

/// Why a workspace could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("`cargo metadata` failed for {manifest}:\n{stderr}\nhint: {hint}")]
    CargoMetadata {
        manifest: String,
        stderr: String,
        hint: String,
    },
    #[error("{lockfile} does not match the workspace manifests (cargo refused it under --locked):\n{stderr}\nhint: run `cargo update --workspace` (or any cargo build) to bring Cargo.lock up to date, then run cargo-minaudit again")]
    LockfileOutOfDate { lockfile: String, stderr: String },
    #[error("could not run `cargo metadata`: {message}\nhint: make sure `cargo` is on PATH (or set CARGO)")]
    Spawn { message: String },
    #[error("could not read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}:{line}: invalid TOML: {message}\nhint: fix the manifest; `cargo metadata` reports the same error")]
    ManifestSyntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}\nhint: {hint}")]
    Manifest {
        path: PathBuf,
        message: String,
        hint: String,
    },
    #[error("unreadable `cargo metadata` output: {message}\nhint: this cargo may be too old or too new for cargo_metadata 0.23")]
    Json { message: String },
    #[error(transparent)]
    Lockfile(#[from] LockfileError),
}

/// One seam between the core and the world: where workspaces come from.
pub trait WorkspaceSource {
    /// Members, declared dependencies, patches, fixed packages (no index needed).
    fn workspace(&self) -> Result<Workspace, WorkspaceError>;
    /// The locked graph with all features of all members enabled.
    fn resolved_graph(&self) -> Result<ResolvedGraph, WorkspaceError>;
}

/// The real source: runs `cargo metadata` (never a build).
#[derive(Debug, Clone, Default)]
pub struct CargoMetadataSource {
    /// `--manifest-path`; `None` lets cargo search from the current directory.
    pub manifest_path: Option<PathBuf>,
    /// Pass `--offline`.
    pub offline: bool,
}

impl CargoMetadataSource {
    fn command(&self) -> MetadataCommand {
        let mut cmd = MetadataCommand::new();
        if let Some(path) = &self.manifest_path {
            // Absolute, because the command runs in the manifest's directory (below).
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            cmd.manifest_path(&path);
            // Cargo reads `.cargo/config.toml` from the current directory upwards, so run it
            // where the manifest is: source replacement (e.g. a local registry) then applies as
            // it does for `cargo build` inside the workspace.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                cmd.current_dir(dir);
            }
        }
        cmd
    }

    fn manifest_label(&self) -> String {
        self.manifest_path.as_ref().map_or_else(
            || "the current directory".to_string(),
            |p| p.display().to_string(),
        )
    }

    /// The directory cargo runs in (the manifest's), when `--manifest-path` was given.
    fn run_dir(&self) -> Option<PathBuf> {
        let path = std::path::absolute(self.manifest_path.as_ref()?).ok()?;
        path.parent().map(Path::to_path_buf)
    }

    fn run(&self, cmd: &MetadataCommand, locked: bool) -> Result<Metadata, WorkspaceError> {
        // cargo runs in the manifest's directory: a missing one would read as a missing cargo
        if let Some(dir) = self.run_dir().filter(|d| !d.is_dir()) {
            return Err(WorkspaceError::Manifest {
                path: self.manifest_path.clone().unwrap_or_default(),
                message: format!("the directory {} does not exist", dir.display()),
                hint: "check --manifest-path; it names the workspace's Cargo.toml".to_string(),
            });
        }
        cmd.exec().map_err(|e| match e {
            cargo_metadata::Error::CargoMetadata { stderr } => {
                let stderr = match self.run_dir() {
                    Some(dir) => absolutize_locations(&stderr, &dir),
                    None => stderr,
                };
                classify_cargo_failure(&self.manifest_label(), stderr, locked, self.offline)
            }
            cargo_metadata::Error::Io(e) => WorkspaceError::Spawn {
                message: e.to_string(),
            },
            other => WorkspaceError::Json {
                message: other.to_string(),
            },
        })
    }
}

/// Cargo names files relative to the directory it ran in (` --> Cargo.toml:4:11`); since that
/// is the manifest's directory rather than the user's, make those locations absolute.
fn absolutize_locations(stderr: &str, dir: &Path) -> String {
    let mut out = String::with_capacity(stderr.len());
    for line in stderr.split_inclusive('\n') {
        match line.find("--> ") {
            Some(at) if !Path::new(line[at + 4..].trim_start()).is_absolute() => {
                out.push_str(&line[..at + 4]);
                out.push_str(&format!("{}/", dir.display()));
                out.push_str(&line[at + 4..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Turn cargo's stderr into an error with a hint that fits the cause.
fn classify_cargo_failure(
    manifest: &str,
    stderr: String,
    locked: bool,
    offline: bool,
) -> WorkspaceError {
    let stderr = stderr.trim_end().to_string();
    if locked && stderr.contains("--locked was passed") {
        let lockfile = stderr
            .split_once("the lock file ")
            .and_then(|(_, rest)| rest.split_once(" needs to be updated"))
            .map_or_else(|| "Cargo.lock".to_string(), |(path, _)| path.to_string());
        return WorkspaceError::LockfileOutOfDate { lockfile, stderr };
    }
    let hint = if offline && stderr.contains("offline") {
        "Cargo's local index cache lacks something this workspace needs; run once without --offline so Cargo can fetch it"
    } else if stderr.contains("failed to parse manifest")
        || stderr.contains("TOML parse error")
        || stderr.contains("Cargo.toml:")
    {
        // Cargo 1.95 points at the spot as ` --> path/Cargo.toml:LINE:COL`.
        "fix the manifest at the file and line cargo names above"
    } else {
        "run the same `cargo metadata` command yourself to see the full context"
    };
    WorkspaceError::CargoMetadata {
        manifest: manifest.to_string(),
        stderr,
        hint: hint.to_string(),
    }
}

impl WorkspaceSource for CargoMetadataSource {
    fn workspace(&self) -> Result<Workspace, WorkspaceError> {
        let mut cmd = self.command();
        cmd.no_deps();
        if self.offline {
            cmd.other_options(vec!["--offline".to_string()]);
        }
        let meta = self.run(&cmd, false)?;
        let root_manifest = meta.workspace_root.as_std_path().join("Cargo.toml");
        let manifest_text = read(&root_manifest)?;
        let lockfile_path = meta.workspace_root.as_std_path().join("Cargo.lock");
        let lock_text = if lockfile_path.is_file() {
            Some(read(&lockfile_path)?)
        } else {
            None
        };
        let lock = match &lock_text {
            Some(text) => Some(lockfile::parse(text, &lockfile_path)?),
            None => None,
        };
        let mut workspace = workspace_from_metadata(&meta, &manifest_text, lock.as_ref())?;
        workspace.lock_text = lock_text;
        Ok(workspace)
    }

    fn resolved_graph(&self) -> Result<ResolvedGraph, WorkspaceError> {
        self.resolve(true)
    }
}

impl CargoMetadataSource {
    /// The graph Cargo resolves when it may update Cargo.lock (the workspace must be a private
    /// copy: Cargo writes the updated lock there).
    pub fn resolved_graph_updating(&self) -> Result<ResolvedGraph, WorkspaceError> {
        self.resolve(false)
    }

    fn resolve(&self, locked: bool) -> Result<ResolvedGraph, WorkspaceError> {
        let mut cmd = self.command();
        cmd.features(cargo_metadata::CargoOpt::AllFeatures);
        let mut options = Vec::new();
        if locked {
            options.push("--locked".to_string());
        }
        if self.offline {
            options.push("--offline".to_string());
        }
        cmd.other_options(options);
        let meta = self.run(&cmd, locked)?;
        graph_from_metadata(&meta)
    }
}

impl ResolvedGraph {
    /// The graph of a copy of a workspace, as if resolved in the workspace itself: path
    /// package ids and path dependencies under `copy` are moved under `root`.
    pub fn rebased(mut self, copy: &Path, root: &Path) -> ResolvedGraph {
        let (from, to) = (copy.display().to_string(), root.display().to_string());
        let id = |s: &mut String| {
            if s.contains(&from) {
                *s = s.replace(&from, &to);
            }
        };
        for p in &mut self.packages {
            id(&mut p.id);
            for d in &mut p.dependencies {
                if let DependencySource::Path(path) = &mut d.source {
                    if let Ok(rest) = path.strip_prefix(copy) {
                        *path = root.join(rest);
                    }
                }
            }
        }
        for n in &mut self.nodes {
            id(&mut n.id);
            for e in &mut n.deps {
                id(&mut e.pkg);
            }
        }
        self.workspace_members.iter_mut().for_each(id);
        self
    }
}

impl Workspace {
    /// The path and git packages Cargo keeps, read from `lock` (the lock the session's graph
    /// is of, when Cargo.lock itself is stale or missing).
    pub fn fix_packages_from(&mut self, lock: &Lockfile) {
        self.fixed_packages = fixed_packages(lock, &self.members);
    }
}

/// A source that returns prepared data: built in code or from saved `cargo metadata` JSON.
#[derive(Debug, Clone)]
pub struct FixtureSource {
    pub workspace: Workspace,
    pub graph: Option<ResolvedGraph>,
}

impl FixtureSource {
    /// From the texts of a saved `cargo metadata --no-deps` output, the root `Cargo.toml`,
    /// optionally the `Cargo.lock` and a saved full `cargo metadata --locked` output.
    pub fn from_files_text(
        no_deps_json: &str,
        root_manifest: &str,
        lockfile: Option<&str>,
        full_json: Option<&str>,
    ) -> Result<FixtureSource, WorkspaceError> {
        let meta = parse_metadata_json(no_deps_json)?;
        let lock_path = meta.workspace_root.as_std_path().join("Cargo.lock");
        let lock = match lockfile {
            Some(text) => Some(lockfile::parse(text, &lock_path)?),
            None => None,
        };
        let mut workspace = workspace_from_metadata(&meta, root_manifest, lock.as_ref())?;
        workspace.lock_text = lockfile.map(str::to_owned);
        let graph = match full_json {
            Some(json) => Some(graph_from_metadata(&parse_metadata_json(json)?)?),
            None => None,
        };
        Ok(FixtureSource { workspace, graph })
    }
}

impl WorkspaceSource for FixtureSource {
    fn workspace(&self) -> Result<Workspace, WorkspaceError> {
        Ok(self.workspace.clone())
    }

    fn resolved_graph(&self) -> Result<ResolvedGraph, WorkspaceError> {
        self.graph.clone().ok_or_else(|| WorkspaceError::Json {
            message: "this fixture has no resolved graph".to_string(),
        })
    }
}

fn read(path: &Path) -> Result<String, WorkspaceError> {
    std::fs::read_to_string(path).map_err(|e| WorkspaceError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Parse `cargo metadata --format-version 1` JSON.
pub fn parse_metadata_json(json: &str) -> Result<Metadata, WorkspaceError> {
    MetadataCommand::parse(json).map_err(|e| WorkspaceError::Json {
        message: e.to_string(),
    })
}

fn dep_kind(kind: DependencyKind) -> DepKind {
    match kind {
        DependencyKind::Development => DepKind::Dev,
        DependencyKind::Build => DepKind::Build,
        // `Unknown` only appears for kinds newer than cargo_metadata; treat as normal (the
        // conservative choice: normal edges carry the strictest audit criteria).
        _ => DepKind::Normal,
    }
}

/// A package's declared dependencies as cargo metadata reports them.
fn declared_dependencies(pkg: &cargo_metadata::Package) -> Vec<DeclaredDependency> {
    pkg.dependencies
        .iter()
        .map(|d| {
            let source = match (&d.path, &d.source) {
                (Some(path), _) => DependencySource::Path(path.as_std_path().to_path_buf()),
                (None, Some(s)) if s.repr.starts_with("git+") => {
                    DependencySource::Git(s.repr.clone())
                }
                _ => DependencySource::Registry {
                    index: d.registry.clone(),
                },
            };
            DeclaredDependency {
                name: d.name.clone(),
                rename: d.rename.clone(),
                req: d.req.clone(),
                kind: dep_kind(d.kind),
                target: d.target.as_ref().map(|t| t.to_string()),
                optional: d.optional,
                features: d.features.clone(),
                default_features: d.uses_default_features,
                source,
            }
        })
        .collect()
}

/// Build a [`Workspace`] from `cargo metadata` output (with or without `--no-deps`), the text
/// of the root `Cargo.toml`, and the current lock if there is one. Pure.
pub fn workspace_from_metadata(
    meta: &Metadata,
    root_manifest_text: &str,
    lock: Option<&Lockfile>,
) -> Result<Workspace, WorkspaceError> {
    let root = meta.workspace_root.as_std_path().to_path_buf();
    let root_manifest = root.join("Cargo.toml");

    let mut members = Vec::new();
    for pkg in meta.workspace_packages() {
        let dependencies = declared_dependencies(pkg);
        members.push(Member {
            name: pkg.name.to_string(),
            version: pkg.version.clone(),
            manifest_path: pkg.manifest_path.as_std_path().to_path_buf(),
            rust_version: pkg.rust_version.clone(),
            features: pkg.features.clone(),
            dependencies,
        });
    }
    members.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));

    let manifest: toml::Table = toml::from_str(root_manifest_text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            root_manifest_text[..s.start.min(root_manifest_text.len())]
                .matches('\n')
                .count()
                + 1
        });
        WorkspaceError::ManifestSyntax {
            path: root_manifest.clone(),
            line,
            message: e.message().trim_end().to_string(),
        }
    })?;
    let patches = patches_from_manifest(&manifest, &root, &root_manifest)?;

    let vet_store = vet_store_path(&meta.workspace_metadata)
        .or_else(|| {
            meta.root_package()
                .and_then(|p| vet_store_path(&p.metadata))
        })
        .map(|p| root.join(p));

    let fixed_packages = match lock {
        Some(lock) => fixed_packages(lock, &members),
        None => Vec::new(),
    };

    Ok(Workspace {
        lockfile_path: root.join("Cargo.lock"),
        lock_text: None,
        root,
        root_manifest,
        members,
        fixed_packages,
        patches,
        vet_store,
    })
}

/// `metadata.vet.store.path` (cargo-vet's `[workspace.metadata.vet] store = { path = ... }`).
fn vet_store_path(metadata: &serde_json::Value) -> Option<String> {
    metadata
        .get("vet")?
        .get("store")?
        .get("path")?
        .as_str()
        .map(str::to_string)
}

/// Lock packages that are neither members nor registry packages: Cargo keeps them as they are.
fn fixed_packages(lock: &Lockfile, members: &[Member]) -> Vec<FixedPackage> {
    lock.packages
        .iter()
        .filter_map(|p| {
            let kind = match p.id.source.as_deref() {
                None => {
                    let member = members
                        .iter()
                        .any(|m| m.name == p.id.name && m.version == p.id.version);
                    if member {
                        return None;
                    }
                    FixedKind::NonMemberPath
                }
                Some(s) if s.starts_with("git+") => FixedKind::Git,
                Some(_) => return None,
            };
            Some(FixedPackage {
                id: p.id.clone(),
                kind,
            })
        })
        .collect()
}

fn patches_from_manifest(
    manifest: &toml::Table,
    root: &Path,
    manifest_path: &Path,
) -> Result<Vec<PatchEntry>, WorkspaceError> {
    let Some(patch) = manifest.get("patch") else {
        return Ok(Vec::new());
    };
    let bad = |message: String| {
        WorkspaceError::Manifest {
        path: manifest_path.to_path_buf(),
        message,
        hint: "`[patch.<registry or URL>]` tables map crate names to dependency specifications; see https://doc.rust-lang.org/cargo/reference/overriding-dependencies.html".to_string(),
    }
    };
    let Some(patch) = patch.as_table() else {
        return Err(bad("`patch` is not a table".to_string()));
    };
    let mut out = Vec::new();
    for (source, entries) in patch {
        let Some(entries) = entries.as_table() else {
            return Err(bad(format!("`patch.{source}` is not a table")));
        };
        for (name, spec) in entries {
            let s = |key: &str| spec.get(key).and_then(|v| v.as_str()).map(str::to_string);
            let entry = match spec {
                toml::Value::String(version) => PatchEntry {
                    patched_source: source.clone(),
                    name: name.clone(),
                    package: None,
                    version: Some(version.clone()),
                    path: None,
                    git: None,
                    branch: None,
                    tag: None,
                    rev: None,
                    registry: None,
                },
                toml::Value::Table(_) => PatchEntry {
                    patched_source: source.clone(),
                    name: name.clone(),
                    package: s("package"),
                    version: s("version"),
                    path: s("path").map(|p| root.join(p)),
                    git: s("git"),
                    branch: s("branch"),
                    tag: s("tag"),
                    rev: s("rev"),
                    registry: s("registry"),
                },
                _ => {
                    return Err(bad(format!(
                        "`patch.{source}.{name}` is neither a version string nor a table"
                    )))
                }
            };
            out.push(entry);
        }
    }
    Ok(out)
}

/// Build a [`ResolvedGraph`] from full `cargo metadata` output. Pure.
pub fn graph_from_metadata(meta: &Metadata) -> Result<ResolvedGraph, WorkspaceError> {
    let Some(resolve) = &meta.resolve else {
        return Err(WorkspaceError::Json {
            message: "`cargo metadata` output has no `resolve` (was it run with --no-deps?)"
                .to_string(),
        });
    };
    let packages = meta
        .packages
        .iter()
        .map(|p| GraphPackage {
            id: p.id.repr.clone(),
            name: p.name.to_string(),
            version: p.version.clone(),
            source: p.source.as_ref().map(|s| s.repr.clone()),
            dependencies: declared_dependencies(p),
            features: p.features.clone(),
            links: p.links.clone(),
            rust_version: p.rust_version.clone(),
            proc_macro: p
                .targets
                .iter()
                .any(|t| t.kind.contains(&cargo_metadata::TargetKind::ProcMacro)),
        })
        .collect();
    let nodes = resolve
        .nodes
        .iter()
        .map(|n| GraphNode {
            id: n.id.repr.clone(),
            deps: n
                .deps
                .iter()
                .map(|d| GraphEdge {
                    name: d.name.clone(),
                    pkg: d.pkg.repr.clone(),
                    dep_kinds: d
                        .dep_kinds
                        .iter()
                        .map(|k| EdgeKind {
                            kind: dep_kind(k.kind),
                            target: k.target.as_ref().map(|t| t.to_string()),
                        })
                        .collect(),
                })
                .collect(),
            features: n.features.iter().map(|f| f.to_string()).collect(),
        })
        .collect();
    Ok(ResolvedGraph {
        packages,
        nodes,
        workspace_members: meta
            .workspace_members
            .iter()
            .map(|id| id.repr.clone())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_refusal_becomes_out_of_date() {
        let stderr = "error: the lock file /w/Cargo.lock needs to be updated but --locked was passed to prevent this\nIf you want to try to generate the lock file without accessing the network, remove the --locked flag and use --offline instead.\n".to_string();
        match classify_cargo_failure("/w/Cargo.toml", stderr, true, false) {
            WorkspaceError::LockfileOutOfDate { lockfile, .. } => {
                assert_eq!(lockfile, "/w/Cargo.lock")
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn patch_entries_are_read_with_paths_made_absolute() {
        let manifest: toml::Table = toml::from_str(
            "[patch.crates-io]\nfoo = { path = \"vendor/foo\" }\nbar = \"1.2\"\n\n[patch.'https://github.com/x/y']\nbaz = { git = \"https://github.com/me/y\", branch = \"fix\", package = \"baz-core\" }\n",
        )
        .expect("toml");
        let patches =
            patches_from_manifest(&manifest, Path::new("/ws"), Path::new("/ws/Cargo.toml"))
                .expect("patches");
        assert_eq!(patches.len(), 3);
        let foo = patches.iter().find(|p| p.name == "foo").expect("foo");
        assert_eq!(foo.path.as_deref(), Some(Path::new("/ws/vendor/foo")));
        let bar = patches.iter().find(|p| p.name == "bar").expect("bar");
        assert_eq!(bar.version.as_deref(), Some("1.2"));
        let baz = patches.iter().find(|p| p.name == "baz").expect("baz");
        assert_eq!(baz.patched_source, "https://github.com/x/y");
        assert_eq!(baz.package.as_deref(), Some("baz-core"));
        assert_eq!(baz.branch.as_deref(), Some("fix"));
    }

    #[test]
    fn bad_patch_shape_names_the_manifest() {
        let manifest: toml::Table = toml::from_str("[patch.crates-io]\nfoo = 3\n").expect("toml");
        let err = patches_from_manifest(&manifest, Path::new("/ws"), Path::new("/ws/Cargo.toml"))
            .expect_err("bad");
        let msg = err.to_string();
        assert!(
            msg.starts_with("/ws/Cargo.toml:") && msg.contains("patch.crates-io.foo"),
            "{msg}"
        );
    }
}
