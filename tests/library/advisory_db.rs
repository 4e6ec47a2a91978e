//! The advisory reader against real RustSec files (fixtures/advisory-db, CC0), with expected
//! answers checked by hand against each advisory's own prose, and against the whole shared
//! database when it is present.

use crate::support::outside;

use std::collections::BTreeSet;
use std::path::PathBuf;

use minaudit::advisory::{
    affects, load_db, parse_advisory, AdvisoryDb, AdvisoryError, BlockPolicy, DirAdvisoryFiles,
    Informational, MemoryAdvisoryFiles,
};
use semver::Version;

fn fixture_db() -> AdvisoryDb {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/advisory-db");
    load_db(&DirAdvisoryFiles::new(root)).unwrap_or_else(|e| panic!("{e}"))
}

fn v(s: &str) -> Version {
    Version::parse(s).expect("version")
}

fn advisory<'a>(db: &'a AdvisoryDb, package: &str, id: &str) -> &'a minaudit::advisory::Advisory {
    db.advisories_for(package)
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("{id} not loaded"))
}

/// (package, id, version, affected?) — each row checked against the advisory text.
const HAND_CHECKED: &[(&str, &str, &str, bool)] = &[
    // "The affected functions from time 0.2.7 through 0.2.22 ... in time 0.1 (all versions)"
    ("time", "RUSTSEC-2020-0071", "0.1.44", true),
    ("time", "RUSTSEC-2020-0071", "0.2.0", false),
    ("time", "RUSTSEC-2020-0071", "0.2.6", false),
    ("time", "RUSTSEC-2020-0071", "0.2.7", true),
    ("time", "RUSTSEC-2020-0071", "0.2.22", true),
    ("time", "RUSTSEC-2020-0071", "0.2.23", false),
    ("time", "RUSTSEC-2020-0071", "0.3.36", false),
    // insert_many overflow: introduced 0.6.3, fixed 0.6.14 on 0.6, reintroduced in 1.0, fixed 1.6.1
    ("smallvec", "RUSTSEC-2021-0003", "0.6.2", false),
    ("smallvec", "RUSTSEC-2021-0003", "0.6.3", true),
    ("smallvec", "RUSTSEC-2021-0003", "0.6.13", true),
    ("smallvec", "RUSTSEC-2021-0003", "0.6.14", false),
    ("smallvec", "RUSTSEC-2021-0003", "1.0.0", true),
    ("smallvec", "RUSTSEC-2021-0003", "1.6.0", true),
    ("smallvec", "RUSTSEC-2021-0003", "1.6.1", false),
    ("smallvec", "RUSTSEC-2021-0003", "1.13.2", false),
    // fixed in 2.2.1 (2.x line) and 3.0.0-beta.9
    ("actix-http", "RUSTSEC-2021-0081", "1.0.1", true),
    ("actix-http", "RUSTSEC-2021-0081", "2.2.0", true),
    ("actix-http", "RUSTSEC-2021-0081", "2.2.1", false),
    ("actix-http", "RUSTSEC-2021-0081", "2.2.2", false),
    ("actix-http", "RUSTSEC-2021-0081", "3.0.0-alpha.1", true),
    ("actix-http", "RUSTSEC-2021-0081", "3.0.0-beta.8", true),
    ("actix-http", "RUSTSEC-2021-0081", "3.0.0-beta.9", false),
    ("actix-http", "RUSTSEC-2021-0081", "3.0.0", false),
    // a later pre-release is after the fix (Cargo's `matches` would not accept it)
    ("actix-http", "RUSTSEC-2021-0081", "3.1.0-beta.1", false),
    // "The fix is also in axum-core 0.3.0.rc.2 but 0.3.0.rc.1 _is_ vulnerable"
    ("axum-core", "RUSTSEC-2022-0055", "0.2.7", true),
    ("axum-core", "RUSTSEC-2022-0055", "0.2.8", false),
    ("axum-core", "RUSTSEC-2022-0055", "0.2.9", false),
    ("axum-core", "RUSTSEC-2022-0055", "0.3.0-rc.1", true),
    ("axum-core", "RUSTSEC-2022-0055", "0.3.0-rc.2", false),
    ("axum-core", "RUSTSEC-2022-0055", "0.3.0", false),
    // fixed in 0.3.24 and 0.4.2: 0.4.0 and 0.4.1 are affected
    ("h2", "RUSTSEC-2024-0003", "0.3.23", true),
    ("h2", "RUSTSEC-2024-0003", "0.3.24", false),
    ("h2", "RUSTSEC-2024-0003", "0.3.26", false),
    ("h2", "RUSTSEC-2024-0003", "0.4.0", true),
    ("h2", "RUSTSEC-2024-0003", "0.4.1", true),
    ("h2", "RUSTSEC-2024-0003", "0.4.2", false),
    // "first published in 0.5.12 ... has been published in 0.5.15"
    ("crossbeam-channel", "RUSTSEC-2025-0024", "0.4.4", false),
    ("crossbeam-channel", "RUSTSEC-2025-0024", "0.5.11", false),
    ("crossbeam-channel", "RUSTSEC-2025-0024", "0.5.12", true),
    ("crossbeam-channel", "RUSTSEC-2025-0024", "0.5.14", true),
    ("crossbeam-channel", "RUSTSEC-2025-0024", "0.5.15", false),
    // patched = ["> 0.7.19"]
    ("actix-web", "RUSTSEC-2018-0019", "0.7.18", true),
    ("actix-web", "RUSTSEC-2018-0019", "0.7.19", true),
    ("actix-web", "RUSTSEC-2018-0019", "0.7.20", false),
    // informational, no patched version: every version
    ("atty", "RUSTSEC-2021-0145", "0.2.14", true),
    ("atty", "RUSTSEC-2024-0375", "0.1.0", true),
    // withdrawn: never applies
    ("daemonize", "RUSTSEC-2021-0147", "0.4.1", false),
];

#[test]
fn affects_matches_hand_checked_versions() {
    let db = fixture_db();
    let mut failures = Vec::new();
    for &(package, id, version, expected) in HAND_CHECKED {
        let a = advisory(&db, package, id);
        if affects(a, &v(version)) != expected {
            failures.push(format!("{id} {package} {version}: expected {expected}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn rustsec_ranges_differ_from_cargo_matching_on_prereleases() {
    // The row above that makes this module necessary: Cargo's matching rejects a pre-release
    // of another version triple, so "not matched by any patched requirement" would wrongly
    // call 3.1.0-beta.1 affected.
    let req = semver::VersionReq::parse(">= 3.0.0-beta.9").expect("req");
    assert!(!req.matches(&v("3.1.0-beta.1")));
    let db = fixture_db();
    assert!(!affects(
        advisory(&db, "actix-http", "RUSTSEC-2021-0081"),
        &v("3.1.0-beta.1")
    ));
}

#[test]
fn fields_are_read() {
    let db = fixture_db();
    assert_eq!(db.len(), 10);
    let time = advisory(&db, "time", "RUSTSEC-2020-0071");
    assert_eq!(time.title, "Potential segfault in the time crate");
    assert!(time.description.starts_with("### Impact"));
    assert_eq!(time.date.to_string(), "2020-11-18");
    assert_eq!(time.aliases, ["CVE-2020-26235", "GHSA-wcg3-cvx6-7396"]);
    assert_eq!(
        time.url.as_deref(),
        Some("https://github.com/time-rs/time/issues/293")
    );
    assert_eq!(time.patched.len(), 1);
    assert_eq!(time.unaffected.len(), 7);
    let affected = time.affected.as_ref().expect("[affected]");
    assert!(affected.os.iter().any(|o| o == "linux"));
    assert_eq!(affected.functions.len(), 9);
    assert!(affected.functions.contains_key("time::at"));
    assert_eq!(time.informational, None);

    let daemonize = advisory(&db, "daemonize", "RUSTSEC-2021-0147");
    assert_eq!(
        daemonize.withdrawn.map(|d| d.to_string()).as_deref(),
        Some("2023-02-19")
    );
    // withdrawal is what stops it, not its ranges
    assert!(daemonize.version_in_affected_range(&v("0.4.1")));

    let atty: Vec<_> = db
        .advisories_for("atty")
        .iter()
        .map(|a| &a.informational)
        .collect();
    assert_eq!(
        atty,
        [
            &Some(Informational::Unsound),
            &Some(Informational::Unmaintained)
        ]
    );
    assert!(db.advisories_for("serde").is_empty());
}

#[test]
fn blocking_policy() {
    let db = fixture_db();
    let none = BTreeSet::new();
    let ids = |list: Vec<&minaudit::advisory::Advisory>| -> Vec<String> {
        list.into_iter().map(|a| a.id.clone()).collect()
    };
    assert_eq!(
        ids(db.blocking("time", &v("0.2.10"), &none)),
        ["RUSTSEC-2020-0071"]
    );
    assert!(db.blocking("time", &v("0.3.0"), &none).is_empty());
    // allowed by id or by alias
    let by_id = BTreeSet::from(["RUSTSEC-2020-0071".to_string()]);
    assert!(db.blocking("time", &v("0.2.10"), &by_id).is_empty());
    let by_alias = BTreeSet::from(["CVE-2020-26235".to_string()]);
    assert!(db.blocking("time", &v("0.2.10"), &by_alias).is_empty());
    // informational: reported, not blocking by default
    assert_eq!(
        ids(db.applicable("atty", &v("0.2.14"))),
        ["RUSTSEC-2021-0145", "RUSTSEC-2024-0375"]
    );
    assert!(db.blocking("atty", &v("0.2.14"), &none).is_empty());
    let deny_unsound = BlockPolicy {
        allow: BTreeSet::new(),
        block_informational: BTreeSet::from([Informational::Unsound]),
    };
    assert_eq!(
        ids(db.blocking_with("atty", &v("0.2.14"), &deny_unsound)),
        ["RUSTSEC-2021-0145"]
    );
    // withdrawn: neither reported nor blocking
    assert!(db.applicable("daemonize", &v("0.4.1")).is_empty());
}

const GOOD: &str = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"demo\"\ndate = \"2099-01-02\"\n\n[versions]\npatched = [\">= 1.2.3, < 1.3\", \">= 1.3.5\"]\n```\n\n# Demo title\n\nBody.\n";

fn malformed_line(text: &str) -> (usize, String) {
    match parse_advisory(text, "crates/demo/RUSTSEC-2099-0001.md") {
        Err(AdvisoryError::Malformed {
            file,
            line,
            message,
            ..
        }) => {
            assert_eq!(file, "crates/demo/RUSTSEC-2099-0001.md");
            (line, message)
        }
        other => panic!("expected a malformed error, got {other:?}"),
    }
}

#[test]
fn synthetic_advisory_and_errors_name_file_and_line() {
    let a = parse_advisory(GOOD, "x.md").expect("good");
    assert_eq!(a.title, "Demo title");
    assert_eq!(a.description, "Body.");
    // ">= 1.2.3, < 1.3" is [1.2.3, 1.3.0); 1.3.5 and up patched
    for (version, expected) in [
        ("1.2.2", true),
        ("1.2.3", false),
        ("1.2.99", false),
        ("1.3.0", true),
        ("1.3.4", true),
        ("1.3.5", false),
    ] {
        assert_eq!(affects(&a, &v(version)), expected, "{version}");
    }

    // line 8 holds the bad requirement
    let bad_req = GOOD.replace("\">= 1.3.5\"", "\">= 1.3.five\"");
    let (line, message) = malformed_line(&bad_req);
    assert_eq!(line, 8, "{message}");
    assert!(message.contains("1.3.five"), "{message}");
    // wildcard requirement: valid semver, rejected by RustSec's rules
    let (line, message) = malformed_line(&GOOD.replace("\">= 1.3.5\"", "\"1.*\""));
    assert_eq!(line, 8, "{message}");
    // bad date on line 5
    let (line, message) = malformed_line(&GOOD.replace("2099-01-02", "2099-13-02"));
    assert_eq!(line, 5, "{message}");
    // TOML syntax error on line 3
    let (line, _) = malformed_line(&GOOD.replace("id = \"RUSTSEC-2099-0001\"", "id = RUSTSEC"));
    assert_eq!(line, 3);
    // overlapping ranges
    let (_, message) = malformed_line(&GOOD.replace("\">= 1.3.5\"", "\">= 1.2.9\""));
    assert!(message.contains("overlap"), "{message}");
    // no front matter, no title
    assert_eq!(malformed_line("# title\n").0, 1);
    let (line, _) = malformed_line(&GOOD.replace("# Demo title", "Demo title"));
    assert_eq!(line, 11);
    // missing [versions]
    let no_versions = GOOD.replace(
        "[versions]\npatched = [\">= 1.2.3, < 1.3\", \">= 1.3.5\"]\n",
        "",
    );
    assert!(malformed_line(&no_versions).1.contains("versions"));
}

#[test]
fn v4_front_matter_without_advisory_header() {
    let v4 = GOOD.replace("[advisory]\n", "");
    let a = parse_advisory(&v4, "x.md").expect("v4");
    assert_eq!(a.package, "demo");
    // line numbers still refer to the file: the date is now on line 4
    let (line, _) = malformed_line(&v4.replace("2099-01-02", "yesterday"));
    assert_eq!(line, 4);
}

#[test]
fn layout_rules() {
    let load = |path: &str| {
        load_db(&MemoryAdvisoryFiles {
            files: vec![(path.to_string(), GOOD.to_string())],
        })
    };
    assert!(load("crates/demo/RUSTSEC-2099-0001.md").is_ok());
    assert!(load("crates/other/RUSTSEC-2099-0001.md").is_err());
    assert!(load("crates/demo/RUSTSEC-2099-0002.md").is_err());
    let twice = load_db(&MemoryAdvisoryFiles {
        files: vec![
            (
                "crates/demo/RUSTSEC-2099-0001.md".to_string(),
                GOOD.to_string(),
            ),
            (
                "crates/demo/RUSTSEC-0000-0000.md".to_string(),
                GOOD.to_string(),
            ),
        ],
    });
    assert!(matches!(twice, Err(AdvisoryError::Duplicate { .. })));
}

#[test]
fn default_location_is_cargo_home_advisory_db() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cargo_home = tmp.path().join("ch");
    assert_eq!(
        minaudit::advisory::default_db_dir(Some(&cargo_home), None),
        None
    );
    std::fs::create_dir_all(cargo_home.join("advisory-db/crates")).expect("mkdir");
    assert_eq!(
        minaudit::advisory::default_db_dir(Some(&cargo_home), None),
        Some(cargo_home.join("advisory-db"))
    );
    std::fs::create_dir_all(tmp.path().join("home/.cargo/advisory-db/crates")).expect("mkdir");
    assert_eq!(
        minaudit::advisory::default_db_dir(None, Some(&tmp.path().join("home"))),
        Some(tmp.path().join("home/.cargo/advisory-db"))
    );
}

/// Every file of the shared snapshot parses, and the blocking answer agrees with a brute-force
/// reading of each advisory's own requirement strings on versions where RustSec's interval
/// rules and Cargo's matching coincide (release versions, fully written requirements).
#[test]
#[ignore = "needs ../shared/realworld/advisory-db"]
fn whole_shared_database_parses() {
    let dir = outside::shared_dir().join("realworld/advisory-db");
    let files = DirAdvisoryFiles::new(&dir);
    let db = load_db(&files).unwrap_or_else(|e| panic!("{e}"));
    let count = walk_md_files(&dir.join("crates"));
    assert_eq!(db.len(), count, "every .md file becomes one advisory");
    assert!(count > 1000, "{count}");

    // Independent oracle: for requirements whose comparators all name full release versions,
    // RustSec's interval and Cargo's `matches` agree on release versions; so "affected" must
    // equal "not matched by any patched/unaffected requirement" there.
    let mut compared = 0;
    for a in db.iter() {
        let reqs: Vec<&semver::VersionReq> = a.patched.iter().chain(&a.unaffected).collect();
        let simple = reqs.iter().all(|r| {
            r.comparators.iter().all(|c| {
                c.minor.is_some()
                    && c.patch.is_some()
                    && c.pre.is_empty()
                    && matches!(
                        c.op,
                        semver::Op::Greater
                            | semver::Op::GreaterEq
                            | semver::Op::Less
                            | semver::Op::LessEq
                            | semver::Op::Exact
                    )
            })
        });
        if !simple {
            continue;
        }
        for probe in probe_versions(&reqs) {
            let by_matching = !reqs.iter().any(|r| r.matches(&probe));
            assert_eq!(
                a.version_in_affected_range(&probe),
                by_matching,
                "{} at {probe}",
                a.id
            );
            compared += 1;
        }
    }
    assert!(compared > 1000, "{compared}");
}

fn walk_md_files(crates: &std::path::Path) -> usize {
    let mut n = 0;
    for dir in std::fs::read_dir(crates).expect("crates").flatten() {
        if let Ok(entries) = std::fs::read_dir(dir.path()) {
            n += entries
                .flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".md") && !name.starts_with('.')
                })
                .count();
        }
    }
    n
}

/// Versions around every bound named in the requirements.
fn probe_versions(reqs: &[&semver::VersionReq]) -> Vec<Version> {
    let mut out = vec![Version::new(0, 0, 0), Version::new(999, 0, 0)];
    for r in reqs {
        for c in &r.comparators {
            let (major, minor, patch) = (c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
            out.push(Version::new(major, minor, patch));
            out.push(Version::new(major, minor, patch + 1));
            if patch > 0 {
                out.push(Version::new(major, minor, patch - 1));
            }
            out.push(Version::new(major, minor + 1, 0));
        }
    }
    out
}
