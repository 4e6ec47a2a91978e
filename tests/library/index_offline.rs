//! Offline index over a temp cache dir seeded with our format and with cargo's `.cache`
//! format (written by crates-index's own cargo-compatible writer, not by our code).

use std::path::{Path, PathBuf};

use minaudit::index::disk_cache::{CacheMeta, DiskCache};
use minaudit::index::local_registry::LocalRegistryIndex;
use minaudit::index::offline::{cargo_sparse_cache_dir_in, OfflineIndex};
use minaudit::index::CRATES_IO_URL;
use minaudit::index::{Index, IndexError};

fn fixture_text(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/index/registry/index")
            .join(rel),
    )
    .unwrap()
}

fn fixture_registry() -> LocalRegistryIndex {
    LocalRegistryIndex::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/index/registry"),
    )
    .unwrap()
}

fn names(n: &[&str]) -> Vec<String> {
    n.iter().map(|s| s.to_string()).collect()
}

/// Writes `name`'s cargo cache entry under `cargo_home` with crates-index's writer, as if
/// cargo had fetched it with this ETag.
fn seed_cargo_cache(cargo_home: &Path, name: &str, body: Vec<u8>, etag: &str) {
    let idx = crates_index::SparseIndex::with_path_and_hash_kind(
        cargo_home,
        crates_index::sparse::URL,
        &crates_index::HashKind::Stable,
    )
    .unwrap();
    let resp = crates_index::http::Response::builder()
        .status(200)
        .header("etag", etag)
        .body(body)
        .unwrap();
    idx.parse_cache_response(name, resp, true).unwrap().unwrap();
}

#[test]
fn cargo_cache_dir_uses_cargo_1_85_stable_hash() {
    // Oracle: the directory cargo 1.95 created on the development machine
    // (~/.cargo/registry/index/index.crates.io-1949cf8c6b5b557f).
    let home = Path::new("/h");
    assert_eq!(
        cargo_sparse_cache_dir_in(Some(home), CRATES_IO_URL).unwrap(),
        home.join("registry/index/index.crates.io-1949cf8c6b5b557f/.cache")
    );
    assert_eq!(
        cargo_sparse_cache_dir_in(Some(home), "sparse+https://index.crates.io/"),
        cargo_sparse_cache_dir_in(Some(home), CRATES_IO_URL)
    );
}

#[test]
fn reads_our_cache_then_cargos_and_fails_clearly_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = DiskCache::new(&tmp.path().join("ours"), CRATES_IO_URL);
    let ok = CacheMeta {
        status: 200,
        etag: Some("\"x\"".into()),
        last_modified: None,
    };
    ours.store("a", &ok, Some(&fixture_text("1/a"))).unwrap();
    let gone = CacheMeta {
        status: 404,
        ..CacheMeta::default()
    };
    ours.store("gone", &gone, None).unwrap();

    let cargo_home = tmp.path().join("cargo-home");
    seed_cargo_cache(&cargo_home, "bb", fixture_text("2/bb"), "W/\"bb1\"");
    seed_cargo_cache(
        &cargo_home,
        "MyCrate",
        fixture_text("my/cr/mycrate"),
        "W/\"m\"",
    );
    let cargo_cache = cargo_sparse_cache_dir_in(Some(&cargo_home), CRATES_IO_URL).unwrap();
    assert!(
        cargo_cache.join("2/bb").is_file(),
        "crates-index wrote where we read"
    );

    let offline = OfflineIndex::new(Some(ours), Some(cargo_cache.clone()));
    let got = offline
        .load_crates(&names(&["a", "bb", "gone", "MyCrate"]))
        .unwrap();
    // Oracle: the same files read as a local registry.
    let want = fixture_registry()
        .load_crates(&names(&["a", "bb", "MyCrate"]))
        .unwrap();
    assert_eq!(got["a"], want["a"]);
    assert!(
        got["gone"].is_none(),
        "a cached 404 answers 'not in the registry'"
    );
    // crates-index re-serialises the lines it writes; compare what must survive that.
    for name in ["bb", "MyCrate"] {
        let (g, w) = (got[name].as_ref().unwrap(), want[name].as_ref().unwrap());
        let key = |c: &minaudit::index::IndexCrate| -> Vec<_> {
            c.versions
                .iter()
                .map(|v| {
                    (
                        v.name.clone(),
                        v.version.clone(),
                        v.cksum.clone(),
                        v.deps.len(),
                        v.yanked,
                    )
                })
                .collect()
        };
        assert_eq!(key(g), key(w), "{name}");
    }

    let err = offline.load_crates(&names(&["a", "ccc"])).unwrap_err();
    assert!(matches!(err, IndexError::NotCached { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("`ccc`") && msg.contains("without --offline"),
        "{msg}"
    );
    assert!(msg.contains(&cargo_cache.display().to_string()), "{msg}");
}

#[test]
fn damaged_cargo_cache_entry_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("2/bb");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"\x07garbage").unwrap();
    let offline = OfflineIndex::new(None, Some(tmp.path().to_path_buf()));
    let msg = offline
        .load_crates(&names(&["bb"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("malformed cargo index cache file") && msg.contains("2/bb"),
        "{msg}"
    );
}
