//! `--base FILE|REV`: the lock a change is reviewed against, priced with its own manifests.
//! A file is a lock for the current manifests (Cargo must accept it as it is); a git revision
//! is read with its manifests: the workspace's tree at REV (`git archive REV:<dir>`) is
//! unpacked in a private temp dir and `cargo metadata --locked` gives its resolve graph there.
//! The base's crates.io versions are the reference for `changed` and `--no-downgrade`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use semver::Version;

use crate::cleanup::Registered;
use crate::lockfile;
use crate::shell::Shell;
use crate::vet::required::PackageGraph;
use crate::workspace::{CargoMetadataSource, Workspace, WorkspaceSource};

use super::check_copy::CheckCopy;
use super::lock_state::registry_versions;

/// The base lock and the graph it prices.
pub struct BaseLock {
    /// How the user named it (`origin/main`, `base.lock`).
    pub source: String,
    /// Its resolve graph (with `--target`/`-p` it is scoped like the current one).
    pub resolved: crate::workspace::ResolvedGraph,
    pub graph: PackageGraph,
    /// Its crates.io versions.
    pub versions: BTreeSet<(String, Version)>,
}

/// Reads and resolves the base `spec` names: a file when one exists at that path, else a git
/// revision of the repository holding the workspace.
pub fn load(
    workspace: &Workspace,
    spec: &str,
    offline: bool,
    shell: &Shell,
) -> anyhow::Result<BaseLock> {
    let file = Path::new(spec);
    let (text, resolved) = if file.is_file() {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the base lock {}", file.display()))?;
        let copy = CheckCopy::new(&workspace.root, &text).context(
            "cannot copy the workspace to a temp dir to resolve the base lock\nhint: set TMPDIR to a writable directory",
        )?;
        let graph = resolve_locked(&copy.workspace(), offline).with_context(|| {
            format!(
                "the base lock {} does not match the current manifests, so it cannot be priced with them\nhint: name a git revision instead (`--base origin/main`): it is priced with its own manifests",
                file.display()
            )
        })?;
        (text, graph.rebased(&copy.workspace(), &workspace.root))
    } else {
        let tree = checkout(&workspace.root, spec)?;
        let text = std::fs::read_to_string(tree.path().join("Cargo.lock")).with_context(|| {
            format!("revision `{spec}` has no Cargo.lock beside the workspace's Cargo.toml")
        })?;
        let graph = resolve_locked(tree.path(), offline).with_context(|| {
            format!("Cargo cannot resolve the workspace as it was at `{spec}` with its Cargo.lock\nhint: a path dependency outside the workspace root is not part of the revision's copy; use --base FILE with a lock for the current manifests")
        })?;
        (text, graph.rebased(tree.path(), &workspace.root))
    };
    let lock = lockfile::parse(&text, Path::new(spec))?;
    let graph = crate::vet::metadata_graph::package_graph_from_resolved(&resolved)?;
    shell.status("Base", format!("{spec}: {} packages", graph.packages.len()));
    Ok(BaseLock {
        source: spec.to_string(),
        resolved,
        graph,
        versions: registry_versions(&lock),
    })
}

fn resolve_locked(root: &Path, offline: bool) -> anyhow::Result<crate::workspace::ResolvedGraph> {
    let source = CargoMetadataSource {
        manifest_path: Some(root.join("Cargo.toml")),
        offline,
    };
    Ok(source.resolved_graph()?)
}

/// The workspace's directory as it is at `rev`, unpacked in a private temp dir.
fn checkout(root: &Path, rev: &str) -> anyhow::Result<Registered> {
    let git = |args: &[&str]| -> anyhow::Result<Vec<u8>> {
        let out = Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .context("cannot run git (needed for --base REV)")?;
        anyhow::ensure!(
            out.status.success(),
            "`git {}` failed in {}: {}\nhint: --base takes a lock file or a git revision of the repository holding the workspace",
            args.join(" "),
            root.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(out.stdout)
    };
    let prefix = String::from_utf8(git(&["rev-parse", "--show-prefix"])?)?
        .trim()
        .to_string();
    let tree = format!("{rev}:{prefix}");
    let tar = git(&["archive", "--format=tar", &tree])?;
    crate::cleanup::remove_stale(&std::env::temp_dir(), "minaudit-base-", "");
    let dir: PathBuf = tempfile::Builder::new()
        .prefix(&crate::cleanup::owned_prefix("minaudit-base-"))
        .tempdir()?
        .keep();
    let dir = Registered::new(dir);
    tar::Archive::new(tar.as_slice())
        .unpack(dir.path())
        .with_context(|| format!("cannot unpack the tree of `{rev}`"))?;
    Ok(dir)
}
