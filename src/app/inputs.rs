//! Loading the inputs every subcommand shares: the workspace and its locked graph, the
//! cargo-vet store in the chosen audit universe, the registry index and the crate source.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cargo_config::find_local_registry_replacement;
use crate::cli::CommonArgs;
use crate::index::local_registry::LocalRegistryIndex;
use crate::index::offline::OfflineIndex;
use crate::index::sparse::SparseIndex;
use crate::index::Index;
use crate::price::crate_source::{
    CacheDirSource, CargoCacheSource, ChainSource, CrateSource, HttpsSource, LocalRegistrySource,
};
use crate::shell::Shell;
use crate::workspace::{CargoMetadataSource, ResolvedGraph, Workspace, WorkspaceSource};

/// minaudit's cache root: `--cache-dir`, else `$XDG_CACHE_HOME/cargo-minaudit`, else
/// `~/.cache/cargo-minaudit`.
pub fn cache_dir(common: &CommonArgs) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &common.cache_dir {
        return Ok(dir.clone());
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .context("cannot find a cache directory\nhint: pass --cache-dir DIR")?;
    Ok(base.join("cargo-minaudit"))
}

/// Creates `dir` if needed and checks that files can be made in it: every pricing run writes
/// there (index copies, counts, unpacked crates for git), so a read-only one fails up front.
pub fn ensure_writable(dir: &Path) -> anyhow::Result<()> {
    let hint = "hint: make the directory writable, or pass --cache-dir DIR (or set MINAUDIT_CACHE_DIR) to use another one";
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!("cannot create the cache dir {}: {e}\n{hint}", dir.display())
    })?;
    let probe = dir.join(format!(".minaudit-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| {
        anyhow::anyhow!(
            "cannot write in the cache dir {}: {e}\n{hint}",
            dir.display()
        )
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

pub struct LoadedWorkspace {
    pub workspace: Workspace,
    pub graph: ResolvedGraph,
    pub lock: super::lock_state::SessionLock,
}

pub fn load_workspace(common: &CommonArgs, shell: &Shell) -> anyhow::Result<LoadedWorkspace> {
    let source = CargoMetadataSource {
        manifest_path: common.manifest_path.clone(),
        offline: common.offline,
    };
    let mut workspace = source.workspace()?;
    shell.status(
        "Loading",
        format!(
            "workspace {} ({} members)",
            workspace.root.display(),
            workspace.members.len()
        ),
    );
    let (graph, lock) = super::lock_state::resolve(&mut workspace, &source, shell)?;
    Ok(LoadedWorkspace {
        workspace,
        graph,
        lock,
    })
}

/// Where registry data comes from, in the order a user expects: `--registry-dir`, then a
/// local-registry replacement of crates-io in `.cargo/config.toml`, then crates.io (its cache
/// only when `--offline`).
pub enum RegistryChoice {
    LocalDir(PathBuf),
    CratesIo,
}

pub fn choose_registry(common: &CommonArgs, root: &Path) -> anyhow::Result<RegistryChoice> {
    if let Some(dir) = &common.registry_dir {
        return Ok(RegistryChoice::LocalDir(dir.clone()));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let replacement =
        find_local_registry_replacement(root, cargo_home.as_deref()).map_err(anyhow::Error::msg)?;
    Ok(match replacement {
        Some(r) => RegistryChoice::LocalDir(r.dir),
        None => RegistryChoice::CratesIo,
    })
}

pub fn open_index(
    choice: &RegistryChoice,
    common: &CommonArgs,
    cache: &Path,
) -> anyhow::Result<Box<dyn Index + Sync>> {
    Ok(match choice {
        RegistryChoice::LocalDir(dir) => Box::new(LocalRegistryIndex::open(dir.clone())?),
        RegistryChoice::CratesIo if common.offline => {
            Box::new(OfflineIndex::crates_io(Some(&cache.join("index"))))
        }
        RegistryChoice::CratesIo => Box::new(SparseIndex::crates_io(&cache.join("index"))?),
    })
}

/// `.crate` files: the local registry, or cargo's download cache, ours, then static.crates.io
/// (not when `--offline`). Every source checks the index SHA-256.
pub fn crate_source(
    choice: &RegistryChoice,
    common: &CommonArgs,
    cache: &Path,
) -> Box<dyn CrateSource + Sync> {
    match choice {
        RegistryChoice::LocalDir(dir) => Box::new(LocalRegistrySource { dir: dir.clone() }),
        RegistryChoice::CratesIo => {
            let mut sources: Vec<Box<dyn CrateSource>> = vec![
                Box::new(CargoCacheSource::from_env()),
                Box::new(CacheDirSource::new(cache)),
            ];
            if !common.offline {
                sources.push(Box::new(HttpsSource::new(
                    crate::price::http::registry_agent(),
                    Some(cache.join("crates")),
                )));
            }
            Box::new(ChainSource { sources })
        }
    }
}

/// Everything a pricing subcommand loads before the pure core runs.
pub struct Session {
    pub cache_dir: PathBuf,
    pub workspace: Workspace,
    pub resolved: ResolvedGraph,
    pub store: crate::vet::store::Store,
    pub universe: crate::report::CostUniverse,
    pub graph: crate::vet::required::PackageGraph,
    pub index: Box<dyn Index + Sync>,
    pub source: Box<dyn CrateSource + Sync>,
    /// The host's and `--target` platforms per target list, read from rustc once.
    pub platforms: PlatformsMemo,
    /// Where publisher facts may be read (`--frozen-imports`, `--offline`, or online): the
    /// optimiser looks up its candidates' the same way.
    pub facts_mode: super::publishers::FactsMode,
    /// The lock the graph is of (Cargo.lock, or Cargo's update of a stale or missing one).
    pub lock: super::lock_state::SessionLock,
    /// `--base`: the lock the change is reviewed against.
    pub base: Option<super::base::BaseLock>,
}

/// rustc's cfg for each target list asked (the optimiser, the reports and every re-check of a
/// run ask the same ones).
#[derive(Default)]
pub struct PlatformsMemo(
    std::sync::Mutex<std::collections::HashMap<Vec<String>, crate::target_filter::Platforms>>,
);

impl Session {
    /// The host and the `--target` platforms, from rustc (`RUSTC`), once per target list.
    pub fn platforms(&self, targets: &[String]) -> anyhow::Result<crate::target_filter::Platforms> {
        let mut memo = self.platforms.0.lock().expect("not poisoned");
        if let Some(p) = memo.get(targets) {
            return Ok(p.clone());
        }
        let cfg = crate::target_filter::RustcCfgSource::new(std::env::var_os("RUSTC"));
        let p = crate::target_filter::platforms_of(&cfg, targets)?;
        memo.insert(targets.to_vec(), p.clone());
        Ok(p)
    }
}

impl Session {
    /// The reference for `changed` and the change table: Cargo.lock's crates.io versions as
    /// it is on disk (the graph's, unless the lock is stale or missing).
    pub fn reference(&self) -> std::collections::BTreeSet<(String, semver::Version)> {
        match &self.lock.stale_reference {
            Some(versions) => versions.clone(),
            None => self.graph.crates_io_versions(),
        }
    }

    pub fn load(common: &CommonArgs, shell: &Shell) -> anyhow::Result<Session> {
        Session::load_with(common, shell, &[])
    }

    /// [`Session::load`], with publisher facts for every version of `publisher_crates` too
    /// (what-if's `--trust-publisher` crates).
    pub fn load_with(
        common: &CommonArgs,
        shell: &Shell,
        publisher_crates: &[String],
    ) -> anyhow::Result<Session> {
        let cache_dir = cache_dir(common)?;
        ensure_writable(&cache_dir)?;
        let LoadedWorkspace {
            workspace,
            graph: resolved,
            lock,
        } = load_workspace(common, shell)?;
        let store_dir = workspace.vet_store_dir();
        let mut store = crate::vet::store_fs::read_store_dir(&store_dir)?;
        let mut universe =
            super::imports::apply_universe(&mut store, common, &store_dir, &cache_dir, shell)?;
        let graph = crate::vet::metadata_graph::package_graph_from_resolved(&resolved)?;
        let registry = choose_registry(common, &workspace.root)?;
        let index = open_index(&registry, common, &cache_dir)?;
        let facts_mode = super::publishers::FactsMode::of(common);
        let lock_crates = super::publishers::registry_crates(&resolved);
        let request = super::publishers::FactsRequest {
            crates: &lock_crates,
            index: index.as_ref(),
            cache_dir: &cache_dir,
            mode: facts_mode,
            extra_crates: publisher_crates,
            vet_cache: super::publishers::vet_cache_path(),
        };
        universe.publisher_facts =
            super::publishers::add_publisher_facts(&mut store, &request, shell)?;
        let source = crate_source(&registry, common, &cache_dir);
        let base = match &common.base {
            Some(spec) => Some(super::base::load(&workspace, spec, common.offline, shell)?),
            None => None,
        };
        Ok(Session {
            cache_dir,
            workspace,
            resolved,
            store,
            universe,
            graph,
            index,
            source,
            platforms: PlatformsMemo::default(),
            facts_mode,
            base,
            lock,
        })
    }
}
