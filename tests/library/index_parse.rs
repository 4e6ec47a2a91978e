//! Index line parsing: fields, features2 merge, renamed deps, skips, malformed lines.
//! Expected values are read off the fixture text by hand (fixtures/index/README.md).

use std::path::PathBuf;

use minaudit::index::parse::{parse_index_file, SkipReason};
use minaudit::index::DepKind;
use sha2::{Digest, Sha256};

fn fixture(rel: &str) -> (PathBuf, String) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/index")
        .join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    (p, text)
}

fn v(s: &str) -> semver::Version {
    semver::Version::parse(s).unwrap()
}

#[test]
fn parses_all_fields_of_the_fixture_root() {
    let (_, text) = fixture("registry/index/1/a");
    let parsed = parse_index_file("a", &text, "1/a").unwrap();
    let k = parsed.krate;
    let versions: Vec<_> = k.versions.iter().map(|x| x.version.to_string()).collect();
    assert_eq!(versions, ["0.9.0", "1.0.0", "1.1.0"]);

    let old = &k.versions[0];
    assert_eq!(old.links.as_deref(), Some("a-native"));
    assert_eq!(old.pubtime, None);
    assert!(!old.yanked);
    assert!(old.features["std"].is_empty());

    let one = &k.versions[1];
    // Independent oracle: the fixture generator used sha256("a-1.0.0").
    assert_eq!(one.cksum, hex::encode(Sha256::digest(b"a-1.0.0")));
    assert_eq!(one.rust_version.as_deref(), Some("1.70"));
    assert_eq!(one.pubtime, Some("2025-03-01T10:00:00Z".parse().unwrap()));
    assert_eq!(one.links, None);
    // features2 extends features; `dep:` and weak `?/` forms kept verbatim.
    assert_eq!(one.features["default"], ["b2/f", "b2/g"]);
    assert_eq!(one.features["win"], ["dep:ccc", "ccc?/fast"]);
    assert_eq!(one.features.len(), 2);

    let b2 = &one.deps[0];
    assert_eq!(b2.name, "b2");
    assert_eq!(b2.package.as_deref(), Some("bb"));
    assert_eq!(b2.crate_name(), "bb");
    assert!(!b2.default_features);
    assert_eq!(b2.features, ["f"]);
    assert_eq!(b2.req, semver::VersionReq::parse("^1").unwrap());
    assert_eq!(b2.kind, DepKind::Normal);

    let ccc = &one.deps[1];
    assert!(ccc.optional);
    assert_eq!(ccc.target.as_deref(), Some("cfg(windows)"));
    assert_eq!(
        ccc.features,
        ["fast"],
        "empty feature names are dropped, like cargo"
    );

    let dddd = &one.deps[2];
    assert_eq!(dddd.kind, DepKind::Dev);
    assert!(dddd.req.matches(&v("0.1.2")) && !dddd.req.matches(&v("0.1.3")));

    let foreign = &one.deps[3];
    assert_eq!(
        foreign.registry.as_deref(),
        Some("https://example.com/other-index")
    );

    let yanked = &k.versions[2];
    assert!(yanked.yanked);
    assert_eq!(yanked.deps[0].kind, DepKind::Build);

    // Line 4 has `"v":3` and is skipped like cargo does.
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].line, 4);
    assert_eq!(parsed.skipped[0].version.as_deref(), Some("2.0.0"));
    assert_eq!(parsed.skipped[0].reason, SkipReason::UnsupportedSchema(3));
}

#[test]
fn future_schema_lines_are_skipped_before_being_interpreted() {
    // A v3 line whose other fields would not decode must not fail the file.
    let text = concat!(
        r#"{"name":"x","vers":"1.0.0","deps":[],"cksum":"aa","features":{}}"#,
        "\n",
        r#"{"name":"x","vers":"2.0.0","deps":"new-format","v":3}"#,
        "\n"
    );
    let p = parse_index_file("x", text, "x").unwrap();
    assert_eq!(p.krate.versions.len(), 1);
    assert_eq!(p.skipped[0].reason, SkipReason::UnsupportedSchema(3));
}

#[test]
fn case_variants_do_not_count_as_the_crate() {
    let (_, text) = fixture("registry/index/my/cr/mycrate");
    let upper = parse_index_file("MyCrate", &text, "f").unwrap();
    assert_eq!(upper.krate.versions.len(), 1);
    assert_eq!(upper.krate.versions[0].version, v("1.0.0"));
    assert_eq!(
        upper.skipped[0].reason,
        SkipReason::OtherName("mycrate".into())
    );
    let lower = parse_index_file("mycrate", &text, "f").unwrap();
    assert_eq!(lower.krate.versions.len(), 1);
    assert_eq!(lower.krate.versions[0].version, v("0.1.0"));
}

#[test]
fn unusable_but_valid_json_is_skipped_with_a_reason() {
    let text = concat!(
        r#"{"name":"x","vers":"1.0.0","deps":[{"name":"y","req":"not a req"}],"cksum":"aa"}"#,
        "\r\n",
        r#"{"name":"x","vers":"1.0.1","deps":[],"cksum":"aa","pubtime":"yesterday"}"#,
        "\r\n",
        r#"{"name":"x","vers":"1.0.2","deps":[{"name":"y","req":"^1"}],"cksum":"aa"}"#,
        "\r\n"
    );
    let p = parse_index_file("x", text, "x").unwrap();
    assert_eq!(p.krate.versions.len(), 1);
    let dep = &p.krate.versions[0].deps[0];
    // Defaults of absent fields, as cargo's schema sets them.
    assert!(dep.default_features && !dep.optional && dep.kind == DepKind::Normal);
    assert_eq!(p.skipped.len(), 2);
    match &p.skipped[0].reason {
        SkipReason::Invalid(m) => assert!(m.contains("not a req"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.skipped[1].line, 2);
}

#[test]
fn malformed_lines_name_origin_and_line() {
    let cases = [
        // (text, line, fragment of the message)
        (
            "{\"name\":\"x\",\"vers\":\"1.0.0\",\"deps\":[],\"cksum\":\"a\"}\ngarbage\n",
            2,
            "expected",
        ),
        (
            "\n\n{\"name\":\"x\",\"vers\":\"1.0.0\",\"deps\":[]}\n",
            3,
            "cksum",
        ),
        (
            "{\"name\":\"x\",\"vers\":\"one\",\"deps\":[],\"cksum\":\"a\"}\n",
            1,
            "invalid version `one`",
        ),
        ("[1,2]\n", 1, ""),
    ];
    for (text, line, fragment) in cases {
        let err = parse_index_file("x", text, "https://host/1/x").unwrap_err();
        assert_eq!(err.line, line, "{text:?}");
        assert_eq!(err.origin, "https://host/1/x");
        assert!(err.message.contains(fragment), "{}", err.message);
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("https://host/1/x:{line}: malformed index line")),
            "{shown}"
        );
        assert!(shown.contains("hint:"));
    }
}

#[test]
fn malformed_fixture_file() {
    let (path, text) = fixture("malformed/index/3/b/bad");
    let err = parse_index_file("bad", &text, &path.display().to_string()).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err
        .to_string()
        .contains("fixtures/index/malformed/index/3/b/bad:3:"));
}

/// Versions repeating a recent version's dependency list or feature table share its
/// allocation; every version still reads exactly what its own line says.
#[test]
fn versions_repeating_a_recent_list_share_it() {
    let line = |vers: &str, dep_req: &str, feature: &str| {
        format!(
            r#"{{"name":"s","vers":"{vers}","deps":[{{"name":"d","req":"{dep_req}","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal"}}],"cksum":"00","features":{{"{feature}":[]}},"yanked":false}}"#
        )
    };
    let mut text = vec![
        line("1.0.0", "^1", "std"),
        line("1.0.1", "^1", "std"),   // repeats 1.0.0: shared
        line("1.1.0", "^2", "std"),   // new deps, same features
        line("1.1.1", "^1", "alloc"), // deps of 1.0.0 again (within the window), new features
    ];
    // five distinct lists after 1.0.0's push it out of the window: a new allocation again
    for (i, req) in ["^3", "^4", "^5", "^6"].iter().enumerate() {
        text.push(line(&format!("1.2.{i}"), req, "std"));
    }
    text.push(line("1.3.0", "^1", "std"));
    let k = parse_index_file("s", &text.join("\n"), "inline")
        .unwrap()
        .krate;
    let reqs: Vec<String> = k
        .versions
        .iter()
        .map(|x| x.deps[0].req.to_string())
        .collect();
    assert_eq!(reqs, ["^1", "^1", "^2", "^1", "^3", "^4", "^5", "^6", "^1"]);
    let same_deps =
        |a: usize, b: usize| std::sync::Arc::ptr_eq(&k.versions[a].deps, &k.versions[b].deps);
    let same_features = |a: usize, b: usize| {
        std::sync::Arc::ptr_eq(&k.versions[a].features, &k.versions[b].features)
    };
    assert!(same_deps(0, 1) && same_features(0, 1));
    assert!(!same_deps(1, 2) && same_features(1, 2));
    assert!(same_deps(0, 3) && !same_features(0, 3));
    assert!(k.versions[3].features.contains_key("alloc"));
    assert!(!same_deps(0, 8), "four other lists came in between");
    assert_eq!(k.versions[8].deps, k.versions[0].deps);
}
