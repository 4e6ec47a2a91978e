//! The committed demo workspace (`fixtures/demo/`): real cargo accepts it offline, it is
//! exactly what `fixtures/demo/world.toml` produces, and it has the promised shape (checked on
//! `cargo metadata` output and the committed supply-chain files, not on the builder's data).
//!
//! Regenerate after editing world.toml:
//! `cargo test --test library -- --ignored cargo_oracle_demo::regenerate_demo`

use crate::support::outside;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::registry_builder::cargo_oracle::{self, CargoOracle};
use crate::support::registry_builder::{render_world, write::write_files, RenderOptions, World};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

fn demo_world() -> World {
    let path = demo_dir().join("world.toml");
    let text = std::fs::read_to_string(&path).expect("fixtures/demo/world.toml");
    World::from_toml(&text, "fixtures/demo/world.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Every file under `root` (relative `/` paths → bytes), skipping `world.toml`.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let e = e.expect("entry");
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                if rel != "world.toml" {
                    out.insert(rel, std::fs::read(&p).expect("read"));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn demo_passes_the_cargo_oracle() {
    cargo_oracle::check_lock(&demo_dir()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn demo_is_exactly_what_world_toml_produces() {
    let files = render_world(&demo_world(), &RenderOptions::default()).expect("render");
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(dir.path(), &files).expect("write");
    cargo_oracle::generate_lockfile(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let fresh = tree(dir.path());
    let committed = tree(&demo_dir());
    let fresh_names: BTreeSet<&String> = fresh.keys().collect();
    let committed_names: BTreeSet<&String> = committed.keys().collect();
    let hint = "run `cargo test --test library -- --ignored cargo_oracle_demo::regenerate_demo`";
    assert_eq!(committed_names, fresh_names, "file sets differ; {hint}");
    let differing: Vec<&String> = fresh
        .iter()
        .filter(|(k, v)| committed.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(differing.is_empty(), "files differ: {differing:?}; {hint}");
}

#[test]
#[ignore = "rewrites fixtures/demo from world.toml; run after editing world.toml"]
fn regenerate_demo() {
    let root = demo_dir();
    let world = demo_world();
    for e in std::fs::read_dir(&root).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.file_name().is_some_and(|n| n == "world.toml") {
            continue;
        }
        if p.is_dir() {
            std::fs::remove_dir_all(&p).expect("rm dir");
        } else {
            std::fs::remove_file(&p).expect("rm file");
        }
    }
    let files = render_world(&world, &RenderOptions::default()).expect("render");
    write_files(&root, &files).expect("write");
    cargo_oracle::generate_lockfile(&root).unwrap_or_else(|e| panic!("{e}"));
    cargo_oracle::check_lock(&root).unwrap_or_else(|e| panic!("{e}"));
}

fn toml_file(rel: &str) -> toml::Table {
    let text = std::fs::read_to_string(demo_dir().join(rel)).expect(rel);
    toml::from_str(&text).expect(rel)
}

/// `[[audits.NAME]]` entries of an audits table: name → list of (version or delta) strings.
fn audit_entries(audits: &toml::Table) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, entries) in audits {
        for e in entries.as_array().expect("array of audits") {
            let what = e
                .get("version")
                .map(|v| format!("full {}", v.as_str().expect("str")))
                .or_else(|| {
                    e.get("delta")
                        .map(|v| format!("delta {}", v.as_str().expect("str")))
                })
                .expect("version or delta");
            out.entry(name.clone()).or_default().push(what);
        }
    }
    out
}

#[test]
fn demo_has_the_promised_shape() {
    let oracle = CargoOracle::new().expect("home");
    let meta = oracle
        .metadata(&demo_dir())
        .unwrap_or_else(|e| panic!("{e}"));
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("json");
    // id → (name, version, third-party?)
    let mut pkgs: BTreeMap<String, (String, String, bool)> = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        pkgs.insert(
            p["id"].as_str().expect("id").to_string(),
            (
                p["name"].as_str().expect("name").to_string(),
                p["version"].as_str().expect("version").to_string(),
                !p["source"].is_null(),
            ),
        );
    }
    let mut locked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, version, third) in pkgs.values() {
        if *third {
            locked.entry(name).or_default().push(version);
        }
    }
    assert!((10..=15).contains(&locked.len()), "{locked:?}");

    // Several versions of each crate are published in the registry.
    for name in locked.keys() {
        let n = std::fs::read_dir(demo_dir().join("registry"))
            .expect("registry")
            .filter(|e| {
                let f = e.as_ref().expect("entry").file_name();
                let f = f.to_string_lossy();
                f.starts_with(&format!("{name}-"))
                    && f.ends_with(".crate")
                    && f[name.len() + 1..].starts_with(|c: char| c.is_ascii_digit())
            })
            .count();
        assert!(n >= 2, "{name} has {n} published versions");
    }

    // Edges from the resolve: (from name, to name) → [(kind, target)].
    let mut edges: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("nodes") {
        let from = &pkgs[node["id"].as_str().expect("id")].0;
        for d in node["deps"].as_array().expect("deps") {
            let to = &pkgs[d["pkg"].as_str().expect("pkg")].0;
            for k in d["dep_kinds"].as_array().expect("dep_kinds") {
                edges.entry((from.clone(), to.clone())).or_default().push((
                    k["kind"].as_str().unwrap_or("normal").to_string(),
                    k["target"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    let into = |name: &str| -> Vec<(&String, &Vec<(String, String)>)> {
        edges
            .iter()
            .filter(|((_, to), _)| to == name)
            .map(|((from, _), kinds)| (from, kinds))
            .collect()
    };
    // mockfs: only a dev-dependency of demo-app.
    let m = into("mockfs");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].0, "demo-app");
    assert!(m[0].1.iter().all(|(k, _)| k == "dev"), "{m:?}");
    // winconsole-sys: only behind cfg(windows).
    let w = into("winconsole-sys");
    assert!(!w.is_empty());
    assert!(
        w.iter()
            .all(|(_, ks)| ks.iter().all(|(_, t)| t == "cfg(windows)")),
        "{w:?}"
    );
    // tinyrand: two semver buckets.
    assert_eq!(locked["tinyrand"].len(), 2, "{locked:?}");

    let audits = audit_entries(
        toml_file("supply-chain/audits.toml")["audits"]
            .as_table()
            .expect("audits"),
    );
    let imports = toml_file("supply-chain/imports.lock");
    let imported = audit_entries(
        imports["audits"]["example-org"]["audits"]
            .as_table()
            .expect("imported audits"),
    );
    let config = toml_file("supply-chain/config.toml");
    assert!(config["imports"]["example-org"]["url"].is_str());
    assert!(config["policy"].is_table());
    assert!(config["exemptions"].is_table());

    // An older version fully audited while the locked newer one is not.
    assert_eq!(locked["quill-json"], ["1.3.0"]);
    assert_eq!(audits["quill-json"], ["full 1.1.0"]);
    // A delta chain from an imported full audit up to the locked version.
    assert!(locked["tinyrand"].contains(&"0.8.2"));
    assert_eq!(imported["tinyrand"], ["full 0.8.0"]);
    assert_eq!(
        audits["tinyrand"],
        ["delta 0.8.0 -> 0.8.1", "delta 0.8.1 -> 0.8.2"]
    );
    // Some locked crates audited (own or imported), some not at all.
    let audited: BTreeSet<&str> = audits
        .keys()
        .chain(imported.keys())
        .map(|s| s.as_str())
        .collect();
    let unaudited: Vec<&&str> = locked.keys().filter(|n| !audited.contains(**n)).collect();
    assert!(audited.len() >= 4 && unaudited.len() >= 3, "{unaudited:?}");
}

#[test]
fn demo_config_uses_a_relative_registry_path() {
    let config = toml_file(".cargo/config.toml");
    let path = config["source"]["fixture"]["local-registry"]
        .as_str()
        .expect("local-registry");
    assert!(Path::new(path).is_relative(), "{path}");
    assert_eq!(
        config["source"]["crates-io"]["replace-with"].as_str(),
        Some("fixture")
    );
}

#[test]
fn demo_works_when_copied_anywhere() {
    // A fresh clone lives at another path: copy the committed files and run the oracle there.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("somewhere/else/demo");
    write_files(&copy, &tree(&demo_dir())).expect("copy");
    cargo_oracle::check_lock(&copy).unwrap_or_else(|e| panic!("{e}"));
}

/// The store is canonical cargo-vet 0.10 and vets the lock as world.toml's comments promise.
/// Needs `cargo-vet` 0.10 on PATH (`cargo install --locked cargo-vet@0.10.3`); skips otherwise.
/// cargo-vet reads crates from `<cache-dir>/cache/<name>-<version>.crate` before downloading,
/// so the demo registry's archives are copied there and everything runs offline.
#[test]
#[ignore = "needs cargo-vet 0.10 on PATH"]
fn demo_store_is_canonical_cargo_vet_and_vets_as_designed() {
    let oracle = CargoOracle::new().expect("home");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("demo");
    let committed = tree(&demo_dir());
    write_files(&copy, &committed).expect("copy");
    outside::require_cargo_vet(oracle.run(&copy, &["vet", "--version"]));
    let cache = dir.path().join("vet-cache");
    let crates: BTreeMap<String, Vec<u8>> = committed
        .iter()
        .filter_map(|(k, v)| {
            let f = k.strip_prefix("registry/")?;
            (f.ends_with(".crate") && !f.contains('/')).then(|| (format!("cache/{f}"), v.clone()))
        })
        .collect();
    write_files(&cache, &crates).expect("prefill cargo-vet cache");
    let cache = cache.to_string_lossy().into_owned();
    // `cargo vet [SUBCOMMAND] --locked --frozen --cache-dir C --output-format json`
    let vet = |sub: &[&str]| -> serde_json::Value {
        let mut all = vec!["vet"];
        all.extend_from_slice(sub);
        all.extend_from_slice(&["--locked", "--frozen", "--cache-dir", cache.as_str()]);
        all.extend_from_slice(&["--output-format", "json"]);
        let out = oracle.command(&copy, &all).output().expect("run cargo vet");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };

    let out = oracle
        .command(&copy, &["vet", "fmt", "--cache-dir", cache.as_str()])
        .output()
        .expect("cargo vet fmt");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["config.toml", "audits.toml", "imports.lock"] {
        let rel = format!("supply-chain/{f}");
        let after = std::fs::read(copy.join(&rel)).expect("read");
        assert_eq!(after, committed[&rel], "cargo vet fmt changed {rel}");
    }

    let check = vet(&[]);
    let failures: BTreeSet<(String, String, String)> = check["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().expect("name").to_string(),
                f["version"].as_str().expect("version").to_string(),
                f["missing_criteria"][0]
                    .as_str()
                    .expect("criteria")
                    .to_string(),
            )
        })
        .collect();
    // Hand-derived from world.toml: tinyrand 0.8.2 (imported 0.8.0 + delta chain), hexfmt
    // (imported), cc-shim (full audit) are vetted; logfmt and winconsole-sys are exempted.
    let d = "safe-to-deploy";
    let r = "safe-to-run";
    let expected: BTreeSet<(String, String, String)> = [
        ("ansi-paint", "2.2.0", d),
        ("mockfs", "0.9.1", r),
        ("packbits", "1.2.0", d),
        ("quill-derive", "1.3.0", d),
        ("quill-json", "1.3.0", d),
        ("smallmap", "1.1.0", d),
        ("textwrap-lite", "0.3.1", d),
        ("tinyrand", "0.7.3", r),
        ("utf8-scan", "0.1.1", d),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(failures, expected);

    // quill-json 1.1.0 -> 1.3.0 by hand: src/imp.rs 900 -> 1200 lines (+300); src/lib.rs two
    // version strings (+2 -2); Cargo.toml and Cargo.toml.orig each: version, description and
    // the quill-derive requirement change, rust-version is added (+4 -3 each) = +310 -8.
    let suggest = vet(&["suggest"]);
    let quill = suggest["suggest"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .find(|s| s["name"] == "quill-json")
        .expect("quill-json suggestion");
    let diff = &quill["suggested_diff"];
    assert_eq!(
        (diff["from"].as_str(), diff["to"].as_str()),
        (Some("1.1.0"), Some("1.3.0"))
    );
    assert_eq!(diff["diffstat"]["insertions"], 310);
    assert_eq!(diff["diffstat"]["deletions"], 8);
}
