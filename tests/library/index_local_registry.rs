//! Local-registry index and the snapshot BFS, on fixtures/index/registry (see its README
//! for the hand-derived closure).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use minaudit::index::local_registry::LocalRegistryIndex;
use minaudit::index::{
    load_snapshot, load_snapshot_with, Index, IndexCrate, IndexError, IndexSnapshot, Root,
    WalkOptions,
};

fn registry() -> LocalRegistryIndex {
    LocalRegistryIndex::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/index/registry"),
    )
    .unwrap()
}

fn names(n: &[&str]) -> Vec<String> {
    n.iter().map(|s| s.to_string()).collect()
}

#[test]
fn loads_present_missing_and_case_variants() {
    let r = registry();
    let got = r
        .load_crates(&names(&["a", "nope", "MyCrate", "mycrate"]))
        .unwrap();
    assert_eq!(got.len(), 4);
    assert_eq!(got["a"].as_ref().unwrap().versions.len(), 3);
    assert!(got["nope"].is_none());
    let upper = got["MyCrate"].as_ref().unwrap();
    assert_eq!(upper.name, "MyCrate");
    assert_eq!(upper.versions[0].version.to_string(), "1.0.0");
    assert_eq!(
        got["mycrate"].as_ref().unwrap().versions[0]
            .version
            .to_string(),
        "0.1.0"
    );
    assert_eq!(
        r.crate_file("MyCrate", &"1.0.0".parse().unwrap()),
        r.root().join("MyCrate-1.0.0.crate")
    );
}

#[test]
fn not_a_registry_is_an_error_with_a_hint() {
    let err = LocalRegistryIndex::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/index/registry/index"),
    )
    .unwrap_err();
    assert!(matches!(err, IndexError::NotALocalRegistry { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("is not a local registry") && msg.contains("hint:"),
        "{msg}"
    );
}

#[test]
fn malformed_file_error_names_path_and_line() {
    let r = LocalRegistryIndex::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/index/malformed"),
    )
    .unwrap();
    let msg = r.load_crates(&names(&["bad"])).unwrap_err().to_string();
    assert!(
        msg.contains("malformed/index/3/b/bad:3: malformed index line"),
        "{msg}"
    );
}

#[test]
fn invalid_names_are_refused_not_turned_into_paths() {
    let err = registry().load_crates(&names(&["../1/a"])).unwrap_err();
    assert!(matches!(err, IndexError::InvalidName(_)));
}

/// Records each batch, to check the BFS asks one batch per layer.
struct Recording<'a> {
    inner: &'a dyn Index,
    batches: RefCell<Vec<Vec<String>>>,
}

impl Index for Recording<'_> {
    fn load_crates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError> {
        self.batches.borrow_mut().push(names.to_vec());
        self.inner.load_crates(names)
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

fn walk(opts: WalkOptions) -> (IndexSnapshot, Vec<Vec<String>>) {
    let r = registry();
    let rec = Recording {
        inner: &r,
        batches: RefCell::new(Vec::new()),
    };
    let mut layers = Vec::new();
    let snap = load_snapshot_with(&rec, &[Root::all_versions("a")], opts, |depth, n| {
        layers.push((depth, n))
    })
    .unwrap();
    let batches = rec.batches.into_inner();
    let sizes: Vec<_> = batches
        .iter()
        .enumerate()
        .map(|(i, b)| (i, b.len()))
        .collect();
    assert_eq!(layers, sizes, "progress reports each batch");
    (snap, batches)
}

fn versions(snap: &IndexSnapshot) -> Vec<String> {
    snap.crates
        .values()
        .flat_map(|c| {
            c.versions
                .iter()
                .map(|v| format!("{}@{}", v.name, v.version))
        })
        .collect()
}

#[test]
fn default_walk_is_the_hand_derived_lockable_closure() {
    let (snap, batches) = walk(WalkOptions::default());
    // No dev-deps of registry crates; `ccc 0.2.0` is not matched by `^0.3`, so its dep
    // `hhhh` is never asked for; `MyCrate` comes through `ccc 0.3.0`.
    assert_eq!(
        batches,
        vec![
            names(&["a"]),
            names(&["bb", "ccc", "eeeee"]),
            names(&["MyCrate", "gone"])
        ]
    );
    assert_eq!(
        versions(&snap),
        [
            "MyCrate@1.0.0",
            "a@0.9.0",
            "a@1.0.0",
            "a@1.1.0",
            "bb@1.0.0",
            "bb@1.2.0",
            "ccc@0.3.0",
            "eeeee@1.0.0"
        ]
    );
    assert_eq!(
        snap.not_found,
        BTreeMap::from([("gone".to_string(), BTreeSet::from(["bb".to_string()]))])
    );
    assert_eq!(snap.foreign_registry_deps, 1);
    assert!(snap.source.starts_with("local registry "));
    assert_eq!(
        snap.version("a", &"1.0.0".parse().unwrap())
            .unwrap()
            .deps
            .len(),
        4
    );
    // The same through the convenience entry point.
    assert_eq!(
        load_snapshot(&registry(), &names(&["a"]), |_, _| {}).unwrap(),
        snap
    );
}

#[test]
fn dev_deps_and_names_only_walks() {
    let (snap, batches) = walk(WalkOptions {
        dev_deps: true,
        all_versions: false,
    });
    assert_eq!(batches[1], names(&["bb", "ccc", "dddd", "eeeee"]));
    assert_eq!(snap.version_count(), 9);

    let (snap, batches) = walk(WalkOptions {
        dev_deps: true,
        all_versions: true,
    });
    assert_eq!(batches[2], names(&["MyCrate", "gone", "hhhh"]));
    assert_eq!(
        snap.version_count(),
        10,
        "every version of every loaded crate"
    );
    assert_eq!(snap.not_found["hhhh"], BTreeSet::from(["ccc".to_string()]));
}

#[test]
fn root_requirement_limits_the_walk() {
    // Only `a 1.1.0` matches `>=1.1`: its single build dep `eeeee` is all that is reached.
    let req = semver::VersionReq::parse(">=1.1").unwrap();
    let snap = load_snapshot_with(
        &registry(),
        &[Root::matching("a", req)],
        WalkOptions::default(),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(versions(&snap), ["a@1.1.0", "eeeee@1.0.0"]);
}

#[test]
fn missing_root_is_reported_not_fatal() {
    let snap = load_snapshot(&registry(), &names(&["nope", "dddd"]), |_, _| {}).unwrap();
    assert_eq!(snap.crates.len(), 1);
    assert_eq!(snap.not_found.get("nope"), Some(&BTreeSet::new()));
}
