//! Local-registry index and the snapshot BFS, on fixtures/index/registry (see its README
//! for the hand-derived closure).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use minaudit::index::local_registry::LocalRegistryIndex;
use minaudit::index::{load_snapshot, Index, IndexCrate, IndexError};

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

#[test]
fn snapshot_is_the_hand_derived_closure_loaded_layer_by_layer() {
    let r = registry();
    let rec = Recording {
        inner: &r,
        batches: RefCell::new(Vec::new()),
    };
    let mut layers = Vec::new();
    let snap = load_snapshot(&rec, &names(&["a"]), |depth, n| layers.push((depth, n))).unwrap();
    let crates: Vec<_> = snap.crates.keys().cloned().collect();
    assert_eq!(crates, ["MyCrate", "a", "bb", "ccc", "dddd", "eeeee"]);
    // 3 of a + 2 of bb + 1 each of ccc, dddd, eeeee, MyCrate.
    assert_eq!(snap.version_count(), 9);
    assert_eq!(
        snap.not_found,
        BTreeMap::from([("gone".to_string(), BTreeSet::from(["bb".to_string()]))])
    );
    assert_eq!(snap.foreign_registry_deps, 1);
    assert!(snap.source.starts_with("local registry "));
    assert_eq!(
        *rec.batches.borrow(),
        vec![
            names(&["a"]),
            names(&["bb", "ccc", "dddd", "eeeee"]),
            names(&["MyCrate", "gone"]),
        ]
    );
    assert_eq!(layers, [(0, 1), (1, 4), (2, 2)]);
    let one = snap.version("a", &"1.0.0".parse().unwrap()).unwrap();
    assert_eq!(one.deps.len(), 4);
}

#[test]
fn missing_root_is_reported_not_fatal() {
    let snap = load_snapshot(&registry(), &names(&["nope", "dddd"]), |_, _| {}).unwrap();
    assert_eq!(snap.crates.len(), 1);
    assert_eq!(snap.not_found.get("nope"), Some(&BTreeSet::new()));
}
