//! Real cargo accepts the fixture registries, resolves them the way a hand resolution says,
//! and the oracle rejects hand-broken locks (so it can fail).
//!
//! Every world comes from `fixtures/scenarios/*.toml`; its `[expected]` table lists, per
//! registry crate, the versions a hand resolution puts in the lock (independent of our code).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::registry_builder::cargo_oracle::{self, CargoOracle};
use crate::support::registry_builder::{
    crate_file, render_world, write::write_files, RegistryPath, RenderOptions, World,
};

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

type Files = BTreeMap<String, Vec<u8>>;

fn scenario(name: &str) -> (World, BTreeMap<String, Vec<String>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("scenario file");
    let mut table: toml::Table = toml::from_str(&text).expect("scenario toml");
    let expected = table
        .remove("expected")
        .map(|v| {
            v.try_into()
                .expect("[expected] maps names to version lists")
        })
        .unwrap_or_default();
    let world = World::from_toml(&toml::to_string(&table).expect("re-serialise"), name)
        .expect("valid world");
    (world, expected)
}

/// Write `world` into a fresh temp dir and let real cargo generate the lock.
fn build(world: &World, absolute: bool, oracle: &CargoOracle) -> (tempfile::TempDir, Files) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = RenderOptions {
        registry_path: if absolute {
            RegistryPath::Absolute(dir.path().to_path_buf())
        } else {
            RegistryPath::Relative
        },
        ..RenderOptions::default()
    };
    let files = render_world(world, &opts).expect("render");
    write_files(dir.path(), &files).expect("write");
    oracle
        .generate_lockfile(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
    (dir, files)
}

/// Registry packages in the lock: name → versions (in lock order), checking each records the
/// crates.io source and the checksum of the .crate we wrote.
fn locked(dir: &Path, files: &Files) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(dir.join("Cargo.lock")).expect("lock");
    let lock: toml::Table = toml::from_str(&text).expect("lock toml");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in lock["package"].as_array().expect("packages") {
        let name = p["name"].as_str().expect("name");
        let version = p["version"].as_str().expect("version");
        let Some(source) = p.get("source") else {
            continue;
        };
        assert_eq!(source.as_str(), Some(CRATES_IO), "{name} {version}");
        let krate = &files[&format!("registry/{name}-{version}.crate")];
        assert_eq!(
            p["checksum"].as_str(),
            Some(crate_file::sha256_hex(krate).as_str()),
            "{name} {version}"
        );
        out.entry(name.to_string())
            .or_default()
            .push(version.to_string());
    }
    out
}

fn check_scenario(name: &str, absolute: bool) -> (tempfile::TempDir, Files, CargoOracle) {
    let oracle = CargoOracle::new().expect("isolated cargo home");
    let (world, expected) = scenario(name);
    let (dir, files) = build(&world, absolute, &oracle);
    assert_eq!(
        locked(dir.path(), &files),
        expected,
        "{name}: lock differs from the hand resolution"
    );
    oracle
        .check_lock(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
    let meta = oracle.metadata(dir.path()).expect("metadata");
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("metadata json");
    assert!(meta["packages"].as_array().is_some_and(|p| !p.is_empty()));
    (dir, files, oracle)
}

#[test]
fn two_semver_buckets_resolve_and_pass_the_oracle() {
    check_scenario("two_buckets.toml", false);
}

#[test]
fn absolute_registry_path_works_too() {
    check_scenario("two_buckets.toml", true);
}

#[test]
fn optional_weak_renamed_build_dev_target_links_and_yanked_edges() {
    check_scenario("feature_edges.toml", false);
}

/// Move one locked package to another version (and checksum), fixing dependency strings.
fn edit_lock(dir: &Path, name: &str, from: &str, to: &str, checksum: &str) {
    let path = dir.join("Cargo.lock");
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&path)
        .expect("lock")
        .parse()
        .expect("lock toml");
    let pkgs = doc["package"].as_array_of_tables_mut().expect("packages");
    let mut hit = false;
    let old_ref = format!("{name} {from}");
    for p in pkgs.iter_mut() {
        if p["name"].as_str() == Some(name) && p["version"].as_str() == Some(from) {
            p["version"] = toml_edit::value(to);
            p["checksum"] = toml_edit::value(checksum);
            hit = true;
        }
        if let Some(deps) = p.get_mut("dependencies").and_then(|d| d.as_array_mut()) {
            for d in deps.iter_mut() {
                if d.as_str() == Some(old_ref.as_str()) {
                    *d = format!("{name} {to}").into();
                }
            }
        }
    }
    assert!(hit, "{name} {from} not in the lock");
    std::fs::write(&path, doc.to_string()).expect("write lock");
}

fn cksum(files: &Files, name: &str, version: &str) -> String {
    crate_file::sha256_hex(&files[&format!("registry/{name}-{version}.crate")])
}

#[test]
fn oracle_rejects_a_version_violating_a_requirement() {
    let (dir, files, oracle) = check_scenario("two_buckets.toml", false);
    // demo-mid needs tinyrand ^0.7; 0.6.0 exists with a correct checksum but violates it.
    let sum = cksum(&files, "tinyrand", "0.6.0");
    edit_lock(dir.path(), "tinyrand", "0.7.3", "0.6.0", &sum);
    let before = std::fs::read(dir.path().join("Cargo.lock")).expect("lock");
    let err = oracle
        .metadata(dir.path())
        .expect_err("a violated requirement must fail cargo metadata --locked");
    assert!(err.contains("--locked"), "{err}");
    eprintln!("metadata said: {err}");
    let err = oracle
        .run(
            dir.path(),
            &["update", "--workspace", "--locked", "--offline"],
        )
        .expect_err("update must fail too");
    assert!(err.contains("--locked"), "{err}");
    let after = std::fs::read(dir.path().join("Cargo.lock")).expect("lock");
    assert_eq!(after, before, "--locked must not touch the lock");
}

#[test]
fn oracle_accepts_another_valid_version_with_its_checksum() {
    // Control for the negative tests: an older version inside the same requirement is valid.
    let (dir, files, oracle) = check_scenario("two_buckets.toml", false);
    let sum = cksum(&files, "tinyrand", "0.7.0");
    edit_lock(dir.path(), "tinyrand", "0.7.3", "0.7.0", &sum);
    oracle
        .check_lock(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn oracle_rejects_a_wrong_checksum() {
    let (dir, _files, oracle) = check_scenario("two_buckets.toml", false);
    edit_lock(dir.path(), "tinyrand", "0.7.3", "0.7.3", &"0".repeat(64));
    let err = oracle
        .metadata(dir.path())
        .expect_err("a wrong checksum must fail cargo metadata");
    assert!(err.contains("checksum"), "{err}");
    eprintln!("metadata said: {err}");
    let err = oracle
        .check_lock(dir.path())
        .expect_err("and the combined oracle");
    assert!(err.contains("checksum"), "{err}");
}

#[test]
fn locked_yanked_version_is_kept_by_a_local_registry() {
    // generate-lockfile skipped the yanked demo-zip 0.2.1 (see [expected]); a lock that
    // already pins it is still accepted, as with crates.io.
    let (dir, files, oracle) = check_scenario("feature_edges.toml", false);
    let sum = cksum(&files, "demo-zip", "0.2.1");
    edit_lock(dir.path(), "demo-zip", "0.2.0", "0.2.1", &sum);
    oracle
        .check_lock(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn free_function_oracle_passes_and_fails() {
    let oracle = CargoOracle::new().expect("home");
    let (world, _) = scenario("two_buckets.toml");
    let (dir, _files) = build(&world, false, &oracle);
    cargo_oracle::check_lock(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    // Without a lock, --locked cannot create one.
    std::fs::remove_file(dir.path().join("Cargo.lock")).expect("rm lock");
    let err = cargo_oracle::check_lock(dir.path()).expect_err("no lock must fail");
    assert!(err.contains("Cargo.lock"), "{err}");
    eprintln!("check_lock said: {err}");
}

#[test]
fn isolated_home_is_fresh_and_removed() {
    let oracle = CargoOracle::new().expect("home");
    let home = oracle.cargo_home().to_path_buf();
    assert_eq!(std::fs::read_dir(&home).expect("home").count(), 0);
    drop(oracle);
    assert!(!home.exists());
}

#[test]
fn relative_registry_path_is_relative_to_the_config_dirs_parent_not_the_cwd() {
    // Cargo resolves `local-registry = "registry"` in `<root>/.cargo/config.toml` against
    // `<root>`; running from the member directory proves it is not the working directory.
    let (dir, _files, oracle) = check_scenario("two_buckets.toml", false);
    oracle
        .check_lock(&dir.path().join("app"))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn builder_api_world_and_a_links_conflict_cargo_refuses() {
    use crate::support::registry_builder::{CrateSpec, DepSpec, MemberSpec};
    let oracle = CargoOracle::new().expect("home");
    let base = World::new()
        .add_crate(CrateSpec::new("sys-a", "1.0.0").links("zlib"))
        .add_crate(CrateSpec::new("sys-b", "1.0.0").links("zlib"))
        .add_crate(CrateSpec::new("sys-b", "2.0.0").links("zlib2"));
    // Two packages linking the same native library cannot share a graph: only sys-b 2 fits.
    let ok = base.clone().member(
        MemberSpec::new("app")
            .dep(DepSpec::new("sys-a", "1"))
            .dep(DepSpec::new("sys-b", ">=1, <3")),
    );
    let (dir, files) = build(&ok, false, &oracle);
    let got = locked(dir.path(), &files);
    assert_eq!(got["sys-b"], ["2.0.0"], "{got:?}");
    oracle
        .check_lock(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
    // Forcing sys-b 1 makes the world unsatisfiable: cargo must say so.
    let bad = base.member(
        MemberSpec::new("app")
            .dep(DepSpec::new("sys-a", "1"))
            .dep(DepSpec::new("sys-b", "1")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let files = render_world(&bad, &RenderOptions::default()).expect("render");
    write_files(dir.path(), &files).expect("write");
    let err = oracle
        .generate_lockfile(dir.path())
        .expect_err("links conflict");
    assert!(err.contains("links"), "{err}");
}
