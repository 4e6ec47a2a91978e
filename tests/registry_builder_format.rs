//! The registry files read back through independent parsers: crates-index (index lines),
//! tar + flate2 + toml (the .crate archives), and the builder's input errors.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use minaudit::registry_builder::{
    crate_file, index_line, render_world, CrateSpec, DepSpec, FileSpec, RegistryBuilderError,
    RenderOptions, World,
};

fn scenario_world(name: &str) -> World {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name);
    let mut table: toml::Table =
        toml::from_str(&std::fs::read_to_string(path).expect("read")).expect("toml");
    table.remove("expected");
    World::from_toml(&toml::to_string(&table).expect("ser"), name).expect("world")
}

#[test]
fn index_lines_parse_with_crates_index_and_keep_every_field() {
    let world = scenario_world("feature_edges.toml");
    let files = render_world(&world, &RenderOptions::default()).expect("render");
    let index = &files[&format!("registry/index/{}", index_line::index_path("demo-codec"))];
    let krate = crates_index::Crate::from_slice(index).expect("crates-index parses our line");
    let v = &krate.versions()[0];
    assert_eq!((v.name(), v.version()), ("demo-codec", "1.1.0"));
    assert_eq!(v.links(), Some("codec"));
    assert_eq!(v.rust_version(), Some("1.70"));
    assert_eq!(v.pubtime(), Some("2025-03-01T10:00:00Z"));
    assert!(!v.is_yanked());
    // features2 (dep: / ?/ syntax) merged back by the parser.
    assert_eq!(v.features()["compress"], ["dep:demo-zip"]);
    assert_eq!(v.features()["fast"], ["demo-simd?/avx"]);
    let crate_bytes = &files["registry/demo-codec-1.1.0.crate"];
    assert_eq!(
        hex::encode(v.checksum()),
        crate_file::sha256_hex(crate_bytes)
    );
    let deps: BTreeMap<&str, (&str, bool, crates_index::DependencyKind)> = v
        .dependencies()
        .iter()
        .map(|d| (d.name(), (d.requirement(), d.is_optional(), d.kind())))
        .collect();
    use crates_index::DependencyKind as K;
    assert_eq!(deps["demo-zip"], ("^0.2", true, K::Normal));
    assert_eq!(deps["demo-cc"], ("^1.0", false, K::Build));
    assert_eq!(deps["demo-bench"], ("^1", false, K::Dev));

    let zip = &files[&format!("registry/index/{}", index_line::index_path("demo-zip"))];
    let zip = crates_index::Crate::from_slice(zip).expect("parse");
    let yanked: Vec<(&str, bool)> = zip
        .versions()
        .iter()
        .map(|v| (v.version(), v.is_yanked()))
        .collect();
    assert_eq!(yanked, [("0.2.0", false), ("0.2.1", true)]);
}

#[test]
fn renamed_and_targeted_deps_in_the_index() {
    let c = CrateSpec::new("demo-app-lib", "1.0.0")
        .dep(DepSpec::new("json", "2").package("demo-json"))
        .dep(
            DepSpec::new("demo-winapi", "0.1")
                .target("cfg(windows)")
                .no_default_features()
                .features(&["a", "b"]),
        );
    let world = World::new().add_crate(c);
    let files = render_world(&world, &RenderOptions::default()).expect("render");
    let index = &files["registry/index/de/mo/demo-app-lib"];
    let krate = crates_index::Crate::from_slice(index).expect("parse");
    let deps = krate.versions()[0].dependencies();
    let json = deps.iter().find(|d| d.name() == "json").expect("json");
    assert_eq!(
        (json.crate_name(), json.package()),
        ("demo-json", Some("demo-json"))
    );
    let win = deps
        .iter()
        .find(|d| d.name() == "demo-winapi")
        .expect("winapi");
    assert_eq!(win.target(), Some("cfg(windows)"));
    assert!(!win.has_default_features());
    assert_eq!(win.features(), ["a", "b"]);
}

#[test]
fn crate_archive_unpacks_to_a_manifest_cargo_would_read() {
    let c = CrateSpec::new("demo-codec", "1.1.0")
        .links("codec")
        .file("src/codec.rs", FileSpec::Synthetic { lines: 40 })
        .file("README.md", FileSpec::Text("hello\n".into()));
    let bytes = crate_file::build(&c).expect("build");
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    let mut got = BTreeMap::new();
    for e in ar.entries().expect("entries") {
        let mut e = e.expect("entry");
        let path = e.path().expect("path").to_string_lossy().into_owned();
        assert_eq!(e.header().mtime().expect("mtime"), crate_file::ENTRY_MTIME);
        let mut s = String::new();
        e.read_to_string(&mut s).expect("utf8");
        got.insert(path, s);
    }
    let names: Vec<&str> = got.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "demo-codec-1.1.0/Cargo.toml",
            "demo-codec-1.1.0/Cargo.toml.orig",
            "demo-codec-1.1.0/README.md",
            "demo-codec-1.1.0/build.rs",
            "demo-codec-1.1.0/src/codec.rs",
            "demo-codec-1.1.0/src/lib.rs",
        ]
    );
    assert_eq!(got["demo-codec-1.1.0/src/codec.rs"].lines().count(), 40);
    let manifest: toml::Table =
        toml::from_str(&got["demo-codec-1.1.0/Cargo.toml"]).expect("manifest");
    assert_eq!(manifest["package"]["name"].as_str(), Some("demo-codec"));
    assert_eq!(manifest["package"]["version"].as_str(), Some("1.1.0"));
    assert_eq!(manifest["package"]["links"].as_str(), Some("codec"));
}

#[test]
fn synthetic_files_differ_by_exactly_the_added_lines() {
    let a = crate_file::contents("src/x.rs", &FileSpec::Synthetic { lines: 10 });
    let b = crate_file::contents("src/x.rs", &FileSpec::Synthetic { lines: 13 });
    assert!(b.starts_with(&a));
    assert_eq!(b[a.len()..].iter().filter(|c| **c == b'\n').count(), 3);
}

#[test]
fn malformed_toml_names_file_and_line() {
    let text = "[[crate]]\nname = \"a\"\nversion = \"1.0.0\"\nbogus = 3\n";
    let err = World::from_toml(text, "w.toml").expect_err("unknown key");
    match &err {
        RegistryBuilderError::Parse { file, line, .. } => {
            assert_eq!((file.as_str(), *line), ("w.toml", 4), "{err}");
        }
        other => panic!("wrong error {other:?}"),
    }
    assert!(err.to_string().starts_with("w.toml:4: "), "{err}");
}

#[test]
fn invalid_worlds_are_rejected_with_a_hint() {
    let cases = [
        (
            "[[crate]]\nname = \"a\"\nversion = \"1.0\"\n",
            "crate a 1.0: version",
        ),
        (
            "[[crate]]\nname = \"a\"\nversion = \"1.0.0\"\n[[crate]]\nname = \"a\"\nversion = \"1.0.0\"\n",
            "defined twice",
        ),
        (
            "[[crate]]\nname = \"a\"\nversion = \"1.0.0\"\n[[crate.dep]]\nname = \"b\"\nreq = \"~>1\"\n",
            "dependency b req",
        ),
        (
            "[[crate]]\nname = \"a\"\nversion = \"1.0.0\"\n[crate.files]\n\"../x\" = \"\"\n",
            "bad file path",
        ),
        (
            "[[crate]]\nname = \"a\"\nversion = \"1.0.0\"\npubtime = \"yesterday\"\n",
            "pubtime",
        ),
    ];
    for (text, needle) in cases {
        let err = World::from_toml(text, "w.toml").expect_err(needle);
        let msg = err.to_string();
        assert!(msg.contains(needle), "{msg}");
        assert!(msg.contains("\nhint: "), "{msg}");
    }
}

#[test]
fn rendering_is_deterministic() {
    let world = scenario_world("feature_edges.toml");
    let a = render_world(&world, &RenderOptions::default()).expect("render");
    let b = render_world(&world, &RenderOptions::default()).expect("render");
    assert_eq!(a, b);
}
