//! Workspace loading through real `cargo metadata` on small path-only fixture workspaces
//! (offline, nothing built), checked against the hand-written manifests, against the Cargo.lock
//! parser (an independent reading of the same graph), and against saved metadata JSON.

use crate::support::outside;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use minaudit::index::DepKind;
use minaudit::lockfile;
use minaudit::workspace::{
    CargoMetadataSource, DependencySource, FixedKind, FixtureSource, WorkspaceError,
    WorkspaceSource,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/workspaces")
        .join(name)
}

fn source_for(dir: &Path) -> CargoMetadataSource {
    CargoMetadataSource {
        manifest_path: Some(dir.join("Cargo.toml")),
        offline: true,
    }
}

/// Copy a fixture workspace into a temp dir (tests that edit files or need a fresh path).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

#[test]
fn paths_workspace_members_dependencies_patches_and_store() {
    let root = fixture("paths");
    let ws = source_for(&root)
        .workspace()
        .unwrap_or_else(|e| panic!("{e}"));
    let root = root.canonicalize().expect("root");
    assert_eq!(ws.root, root);
    assert_eq!(ws.lockfile_path, root.join("Cargo.lock"));
    let names: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["app", "util"]);

    let util = &ws.members[1];
    assert_eq!(util.version, semver::Version::new(0, 3, 0)); // from [workspace.package]
    assert_eq!(util.rust_version, Some(semver::Version::new(1, 70, 0)));

    let app = &ws.members[0];
    assert_eq!(app.rust_version, Some(semver::Version::new(1, 74, 0)));
    assert_eq!(app.features["fancy"], ["dep:leaf"]);
    let dup01 = app
        .dependencies
        .iter()
        .find(|d| d.rename.as_deref() == Some("dup01"))
        .expect("renamed dep");
    assert_eq!(dup01.name, "dup");
    assert_eq!(
        dup01.source,
        DependencySource::Path(root.join("vendor/dup-0.1"))
    );
    let util_normal = app
        .dependencies
        .iter()
        .find(|d| d.name == "util" && d.kind == DepKind::Normal)
        .expect("util normal");
    assert!(!util_normal.default_features);
    assert_eq!(util_normal.features, ["extra"]);
    assert_eq!(util_normal.req.to_string(), "^0.3.0");
    assert!(app
        .dependencies
        .iter()
        .any(|d| d.name == "util" && d.kind == DepKind::Dev));
    let leaf_kinds: BTreeSet<(String, bool, Option<String>)> = app
        .dependencies
        .iter()
        .filter(|d| d.name == "leaf")
        .map(|d| (format!("{:?}", d.kind), d.optional, d.target.clone()))
        .collect();
    assert_eq!(
        leaf_kinds,
        BTreeSet::from([
            ("Build".to_string(), false, None),
            ("Normal".to_string(), true, None),
            (
                "Normal".to_string(),
                false,
                Some("cfg(windows)".to_string())
            ),
        ])
    );

    assert_eq!(ws.patches.len(), 1);
    assert_eq!(ws.patches[0].patched_source, "crates-io");
    assert_eq!(ws.patches[0].name, "unused-patch");
    assert_eq!(
        ws.patches[0].path.as_deref(),
        Some(root.join("vendor/unused-patch").as_path())
    );
    assert_eq!(ws.vet_store, Some(root.join("./audits")));

    // Fixed packages: the lock's path packages that are not members.
    let fixed: BTreeSet<String> = ws
        .fixed_packages
        .iter()
        .inspect(|f| assert_eq!(f.kind, FixedKind::NonMemberPath))
        .map(|f| f.id.to_string())
        .collect();
    assert_eq!(
        fixed,
        BTreeSet::from([
            "dup 0.1.0".to_string(),
            "dup 0.2.0".to_string(),
            "leaf 1.2.3".to_string()
        ])
    );
}

#[test]
fn resolved_graph_agrees_with_the_lock_file() {
    let root = fixture("paths");
    let graph = source_for(&root)
        .resolved_graph()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(root.join("Cargo.lock")).expect("lock");
    let lock = lockfile::parse(&text, &root.join("Cargo.lock")).expect("lock parses");

    let name_of = |id: &str| {
        let p = graph
            .packages
            .iter()
            .find(|p| p.id == id)
            .expect("node id is a package");
        format!("{} {}", p.name, p.version)
    };
    let graph_edges: BTreeSet<(String, String)> = graph
        .nodes
        .iter()
        .flat_map(|n| n.deps.iter().map(|d| (name_of(&n.id), name_of(&d.pkg))))
        .collect();
    let lock_edges: BTreeSet<(String, String)> = lock
        .packages
        .iter()
        .flat_map(|p| {
            p.dependencies.iter().map(|d| {
                (
                    format!("{} {}", p.id.name, p.id.version),
                    format!("{} {}", d.target.name, d.target.version),
                )
            })
        })
        .collect();
    assert_eq!(graph_edges, lock_edges);
    assert_eq!(graph.workspace_members.len(), 2);

    let app = graph
        .nodes
        .iter()
        .find(|n| name_of(&n.id) == "app 0.1.0")
        .expect("app");
    let leaf = app
        .deps
        .iter()
        .find(|d| d.name == "leaf")
        .expect("leaf edge");
    let kinds: BTreeSet<(String, Option<String>)> = leaf
        .dep_kinds
        .iter()
        .map(|k| (format!("{:?}", k.kind), k.target.clone()))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            ("Build".to_string(), None),
            ("Normal".to_string(), None),
            ("Normal".to_string(), Some("cfg(windows)".to_string())),
        ])
    );
    assert!(app.features.contains(&"fancy".to_string()));
}

#[test]
fn saved_metadata_json_gives_the_same_workspace_and_graph() {
    let root = fixture("paths").canonicalize().expect("root");
    let root_str = root.to_str().expect("utf-8 path");
    let saved = fixture("saved-metadata");
    let load = |name: &str| {
        std::fs::read_to_string(saved.join(name))
            .expect("saved json")
            .replace("@ROOT@", root_str)
    };
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("manifest");
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("lock");
    let fixture_source = FixtureSource::from_files_text(
        &load("paths.nodeps.json"),
        &manifest,
        Some(&lock),
        Some(&load("paths.full.json")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let live = source_for(&root);
    assert_eq!(
        fixture_source.workspace().expect("fixture"),
        live.workspace().expect("live")
    );
    assert_eq!(
        fixture_source.resolved_graph().expect("fixture"),
        live.resolved_graph().expect("live")
    );
}

#[test]
fn malformed_manifest_error_names_path_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("src/lib.rs"), "").expect("lib");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = 2021 oops\n",
    )
    .expect("manifest");
    let err = source_for(dir.path())
        .workspace()
        .expect_err("malformed manifest");
    let msg = err.to_string();
    assert!(matches!(err, WorkspaceError::CargoMetadata { .. }), "{msg}");
    assert!(msg.contains("Cargo.toml"), "{msg}");
    // Cargo 1.95 writes ` --> <relative path>/Cargo.toml:4:11`.
    let dir_name = dir
        .path()
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name");
    assert!(msg.contains(&format!("{dir_name}/Cargo.toml:4:")), "{msg}");
    assert!(msg.contains("hint: fix the manifest"), "{msg}");
}

#[test]
fn stale_lock_is_reported_as_out_of_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture("paths"), dir.path());
    let lock_path = dir.path().join("Cargo.lock");
    let text = std::fs::read_to_string(&lock_path).expect("lock");
    // The manifest says leaf 1.2.3; a lock claiming 1.2.4 is one Cargo must rewrite.
    std::fs::write(&lock_path, text.replace("1.2.3", "1.2.4")).expect("write");
    let err = source_for(dir.path())
        .resolved_graph()
        .expect_err("stale lock");
    assert!(
        matches!(err, WorkspaceError::LockfileOutOfDate { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("cargo update --workspace"),
        "{err}"
    );
    // `--locked` must leave the file alone.
    assert_eq!(
        std::fs::read_to_string(&lock_path).expect("lock"),
        text.replace("1.2.3", "1.2.4")
    );
}

/// The corpus projects need index data Cargo's offline cache here does not hold (checked:
/// `cargo metadata --locked --offline` fails on cargo-vet), hence network.
#[test]
#[ignore = "needs network: cargo metadata --locked fetches the crates.io index for corpus projects"]
fn corpus_graphs_agree_with_their_locks() {
    let projects = outside::shared_dir().join("realworld/projects");
    let entries = std::fs::read_dir(&projects).expect("the corpus projects");
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.join("Cargo.lock").is_file() {
            continue;
        }
        let source = CargoMetadataSource {
            manifest_path: Some(dir.join("Cargo.toml")),
            offline: false,
        };
        let graph = source.resolved_graph().unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(dir.join("Cargo.lock")).expect("lock");
        let lock = lockfile::parse(&text, &dir.join("Cargo.lock")).expect("lock");
        let graph_pkgs: BTreeSet<String> = graph
            .packages
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect();
        let lock_pkgs: BTreeSet<String> = lock
            .packages
            .iter()
            .map(|p| format!("{} {}", p.id.name, p.id.version))
            .collect();
        assert_eq!(graph_pkgs, lock_pkgs, "{}", dir.display());
        eprintln!("{}: {} packages agree", dir.display(), graph_pkgs.len());
    }
}

#[test]
fn git_packages_are_fixed_and_git_sources_declared() {
    // `cargo metadata --no-deps` does not fetch git dependencies, so this runs offline even
    // though the repository URL (file:///tmp/...) only existed when the lock was generated.
    let root = fixture("git");
    let ws = source_for(&root)
        .workspace()
        .unwrap_or_else(|e| panic!("{e}"));
    let members: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(members, ["gitws", "leaf"]); // path deps inside the root become members
    let gitws = &ws.members[0];
    let sources: BTreeSet<String> = gitws
        .dependencies
        .iter()
        .filter_map(|d| match &d.source {
            DependencySource::Git(s) => Some(format!("{}={s}", d.name)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from([
            "gitdep=git+file:///tmp/minaudit-fixture-git/repo?branch=feature".to_string(),
            "gitdep=git+file:///tmp/minaudit-fixture-git/repo?tag=v1".to_string(),
        ])
    );
    // The lock's git packages (two gitdep, two leaf) are fixed; the member leaf is not.
    assert_eq!(ws.fixed_packages.len(), 4);
    assert!(ws
        .fixed_packages
        .iter()
        .all(|f| f.kind == FixedKind::Git && f.id.source.is_some()));
    assert_eq!(ws.vet_store, None);
    assert_eq!(ws.vet_store_dir(), ws.root.join("supply-chain"));
}

#[test]
#[ignore = "needs Cargo's index cache to hold this fixture's crates (cargo metadata --offline)"]
fn registry_graph_sources_match_the_lock_when_the_index_is_cached() {
    let root = fixture("registry");
    let graph = source_for(&root)
        .resolved_graph()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(root.join("Cargo.lock")).expect("lock");
    let lock = lockfile::parse(&text, &root.join("Cargo.lock")).expect("lock");
    let graph_ids: BTreeSet<String> = graph
        .packages
        .iter()
        .map(|p| format!("{} {} {:?}", p.name, p.version, p.source))
        .collect();
    let lock_ids: BTreeSet<String> = lock
        .packages
        .iter()
        .map(|p| format!("{} {} {:?}", p.id.name, p.id.version, p.id.source))
        .collect();
    assert_eq!(graph_ids, lock_ids);
}

#[test]
fn graph_packages_carry_declared_dependencies_of_fixed_packages() {
    let graph = source_for(&fixture("paths"))
        .resolved_graph()
        .unwrap_or_else(|e| panic!("{e}"));
    // vendor/dup-0.2/Cargo.toml declares exactly `leaf = { path = "../leaf" }`.
    let dup = graph
        .packages
        .iter()
        .find(|p| p.name == "dup" && p.version == semver::Version::new(0, 2, 0))
        .expect("dup 0.2.0");
    let deps: Vec<(&str, String)> = dup
        .dependencies
        .iter()
        .map(|d| (d.name.as_str(), d.req.to_string()))
        .collect();
    assert_eq!(deps, [("leaf", "*".to_string())]);
    assert!(matches!(
        dup.dependencies[0].source,
        DependencySource::Path(_)
    ));
}
