//! The lock a run works from. When Cargo.lock matches the manifests, it is that file. When it
//! is missing or no longer satisfies them (a dependency added, removed, renamed, re-featured
//! or bumped), Cargo resolves the manifests in a private copy of the workspace (it keeps every
//! locked version still allowed, as any cargo build would) and that lock is the current one;
//! the old lock's versions stay the reference for `changed` and the change table. Cargo.lock
//! itself is never touched here.

use std::collections::BTreeSet;

use anyhow::Context;
use semver::Version;

use crate::lockfile::{self, Lockfile};
use crate::optimise::changes::{by_crate, changes};
use crate::report::StaleLock;
use crate::shell::Shell;
use crate::vet::required::PackageGraph;
use crate::workspace::{CargoMetadataSource, ResolvedGraph, Workspace, WorkspaceError};

use super::check_copy::CheckCopy;

/// Why Cargo.lock could not be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    Missing,
    OutOfDate,
}

/// The lock the session's graph is of.
pub struct SessionLock {
    /// Its text: Cargo.lock, or Cargo's update of it.
    pub text: String,
    /// Set when Cargo.lock is missing or stale.
    pub stale: Option<Staleness>,
    /// With a stale or missing Cargo.lock, its crates.io versions as it is on disk (empty when
    /// it is missing); otherwise they are the resolve graph's (`Session::reference`).
    pub stale_reference: Option<BTreeSet<(String, Version)>>,
}

impl SessionLock {
    /// The lock the graph is of, parsed.
    pub fn parsed(&self, workspace: &Workspace) -> anyhow::Result<Lockfile> {
        Ok(lockfile::parse(&self.text, &workspace.lockfile_path)?)
    }
}

/// The crates.io versions of a lock (the ones the optimiser chooses).
pub fn registry_versions(lock: &Lockfile) -> BTreeSet<(String, Version)> {
    lock.packages
        .iter()
        .filter(|p| {
            p.id.source
                .as_deref()
                .is_some_and(crate::vet::metadata_graph::is_crates_io_source)
        })
        .map(|p| (p.id.name.clone(), p.id.version.clone()))
        .collect()
}

/// The resolved graph and the lock it is of: Cargo.lock under `--locked`, else Cargo's
/// resolution of the manifests in a private copy.
pub fn resolve(
    workspace: &mut Workspace,
    source: &CargoMetadataSource,
    shell: &Shell,
) -> anyhow::Result<(ResolvedGraph, SessionLock)> {
    use crate::workspace::WorkspaceSource;
    let on_disk = workspace.lock_text.clone();
    let staleness = match &on_disk {
        None => Staleness::Missing,
        Some(text) => match source.resolved_graph() {
            Ok(graph) => {
                return Ok((
                    graph,
                    SessionLock {
                        text: text.clone(),
                        stale: None,
                        stale_reference: None,
                    },
                ));
            }
            Err(WorkspaceError::LockfileOutOfDate { .. }) => Staleness::OutOfDate,
            Err(e) => return Err(e.into()),
        },
    };
    let path = workspace.lockfile_path.display().to_string();
    shell.warn(match staleness {
        Staleness::Missing => format!(
            "{path} does not exist; solving from the manifests (the current lock is the one Cargo would write)"
        ),
        Staleness::OutOfDate => format!(
            "{path} does not match the manifests; solving from them (the current lock is Cargo's update of it, which keeps every version still allowed)"
        ),
    });
    let copy = match &on_disk {
        Some(text) => CheckCopy::new(&workspace.root, text),
        None => CheckCopy::without_lock(&workspace.root),
    }
    .with_context(|| {
        format!(
            "cannot copy the workspace {} to a temp dir for Cargo to resolve it\nhint: set TMPDIR to a writable directory with room for the workspace",
            workspace.root.display()
        )
    })?;
    let in_copy = CargoMetadataSource {
        manifest_path: Some(copy.workspace().join("Cargo.toml")),
        offline: source.offline,
    };
    let graph = in_copy
        .resolved_graph_updating()
        .context("Cargo could not resolve the manifests (in a private copy of the workspace)")?
        .rebased(&copy.workspace(), &workspace.root);
    let text = copy
        .lock_text()
        .context("cannot read the lock Cargo wrote in the private copy")?;
    let updated = lockfile::parse(&text, &workspace.lockfile_path)?;
    workspace.fix_packages_from(&updated);
    let reference = match &on_disk {
        Some(old) => match lockfile::parse(old, &workspace.lockfile_path) {
            Ok(lock) => registry_versions(&lock),
            Err(e) => {
                shell.warn(format!("{e:#}; changes are counted against an empty lock"));
                BTreeSet::new()
            }
        },
        None => BTreeSet::new(),
    };
    Ok((
        graph,
        SessionLock {
            text,
            stale: Some(staleness),
            stale_reference: Some(reference),
        },
    ))
}

/// What the report says of a stale or missing Cargo.lock: Cargo's update against it.
pub fn stale_report(lock: &SessionLock, graph: &PackageGraph) -> Option<StaleLock> {
    let state = match lock.stale.as_ref()? {
        Staleness::Missing => "missing",
        Staleness::OutOfDate => "out of date",
    };
    let reference = lock.stale_reference.as_ref()?;
    Some(StaleLock {
        state: state.to_string(),
        cargo_update: if reference.is_empty() {
            Vec::new()
        } else {
            changes(&by_crate(reference), &by_crate(&graph.crates_io_versions()))
        },
    })
}
