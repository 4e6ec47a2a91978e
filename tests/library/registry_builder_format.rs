//! The registry files read back through independent parsers: crates-index (index lines),
//! tar + flate2 + toml (the .crate archives), and the builder's input errors.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::support::registry_builder::{
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

/// The builder's `crate_file` module.
mod crate_file_unit {
    use crate::support::registry_builder::crate_file::build;
    use crate::support::registry_builder::{CrateSpec, FileSpec};
    use std::io::Read;

    #[test]
    fn archive_is_reproducible_and_prefixed() {
        let c =
            CrateSpec::new("demo-x", "0.2.0").file("src/big.rs", FileSpec::Synthetic { lines: 3 });
        let a = build(&c).expect("build");
        let b = build(&c).expect("build");
        assert_eq!(a, b);
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(a.as_slice()));
        let mut names = Vec::new();
        for e in ar.entries().expect("entries") {
            let mut e = e.expect("entry");
            let p = e.path().expect("path").to_string_lossy().into_owned();
            if p.ends_with("big.rs") {
                let mut s = String::new();
                e.read_to_string(&mut s).expect("read");
                assert_eq!(s.lines().count(), 3);
            }
            names.push(p);
        }
        assert_eq!(
            names,
            [
                "demo-x-0.2.0/Cargo.toml",
                "demo-x-0.2.0/Cargo.toml.orig",
                "demo-x-0.2.0/src/big.rs",
                "demo-x-0.2.0/src/lib.rs"
            ]
        );
    }
}

/// The builder's `index_line` module.
mod index_line_unit {
    use crate::support::registry_builder::index_line::{index_path, render};
    use crate::support::registry_builder::model::DepSpec;
    use crate::support::registry_builder::CrateSpec;

    #[test]
    fn index_paths_match_cargo_layout() {
        // Hand-checked against the crates.io index layout.
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("Abc"), "3/a/abc");
        assert_eq!(index_path("serde"), "se/rd/serde");
    }

    #[test]
    fn line_matches_hand_written_crates_io_line() {
        let c = CrateSpec::new("demo", "1.2.0")
            .dep(DepSpec::new("zeta", "1").dev())
            .dep(DepSpec::new("zeta", "1.0"))
            .dep(
                DepSpec::new("alpha", "0.3")
                    .optional()
                    .package("alpha-real"),
            )
            .feature("default", &["std"])
            .feature("std", &[])
            .feature("fast", &["dep:alpha", "zeta?/simd"])
            .links("demo")
            .rust_version("1.70");
        let expected = concat!(
            r#"{"name":"demo","vers":"1.2.0","deps":["#,
            r#"{"name":"alpha","req":"^0.3","features":[],"optional":true,"default_features":true,"target":null,"kind":"normal","package":"alpha-real"},"#,
            r#"{"name":"zeta","req":"^1.0","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal"},"#,
            r#"{"name":"zeta","req":"^1","features":[],"optional":false,"default_features":true,"target":null,"kind":"dev"}],"#,
            r#""cksum":"ab","features":{"default":["std"],"std":[]},"features2":{"fast":["dep:alpha","zeta?/simd"]},"#,
            r#""yanked":false,"links":"demo","rust_version":"1.70","v":2}"#
        );
        assert_eq!(render(&c, "ab"), expected);
    }

    #[test]
    fn plain_line_has_no_v_or_features2() {
        let c = CrateSpec::new("x", "0.1.0")
            .yanked()
            .pubtime("2025-01-01T00:00:00Z");
        assert_eq!(
            render(&c, "00"),
            r#"{"name":"x","vers":"0.1.0","deps":[],"cksum":"00","features":{},"yanked":true,"pubtime":"2025-01-01T00:00:00Z"}"#
        );
    }
}

/// The builder's `manifest` module.
mod manifest_unit {
    use crate::support::registry_builder::manifest::{normalized, q};
    use crate::support::registry_builder::{CrateSpec, DepSpec};

    #[test]
    fn normalized_manifest_parses_and_keeps_every_field() {
        let c = CrateSpec::new("a-b", "1.0.0")
            .links("ab")
            .rust_version("1.70")
            .feature("x", &["dep:z", "y?/q"])
            .dep(
                DepSpec::new("z", "1")
                    .optional()
                    .package("zz")
                    .no_default_features(),
            )
            .dep(DepSpec::new("w", "0.2").target("cfg(windows)"))
            .dep(DepSpec::new("bb", "1").build());
        let text = normalized(&c);
        let v: toml::Table = toml::from_str(&text).expect("valid toml");
        let pkg = v["package"].as_table().expect("package");
        assert_eq!(pkg["links"].as_str(), Some("ab"));
        assert_eq!(pkg["build"].as_str(), Some("build.rs"));
        assert_eq!(v["dependencies"]["z"]["package"].as_str(), Some("zz"));
        assert_eq!(
            v["dependencies"]["z"]["default-features"].as_bool(),
            Some(false)
        );
        assert_eq!(
            v["target"]["cfg(windows)"]["dependencies"]["w"]["version"].as_str(),
            Some("0.2")
        );
        assert_eq!(v["build-dependencies"]["bb"]["version"].as_str(), Some("1"));
        assert_eq!(v["lib"]["name"].as_str(), Some("a_b"));
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(q("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}
