//! Store parsing: the copied fixture store, every real store and audit source in the corpus
//! (skipped without ../shared), and malformed inputs with their file:line.
//!
//! Oracles: counts taken straight from the text with line scans (independent of serde), and the
//! corpus's SOURCE.json statistics for the peer audit files.

use crate::support::outside;

use std::path::{Path, PathBuf};

use minaudit::vet::format::{
    parse_audits, parse_config, parse_foreign_audits, parse_imports, AuditKind, PackagePolicy,
    PublisherId, VetVersion,
};
use minaudit::vet::store::{Store, StoreError};
use minaudit::vet::store_fs::read_store_dir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Count lines starting with `prefix` (after trimming), a serde-independent count of entries.
fn count_lines(text: &str, pred: impl Fn(&str) -> bool) -> usize {
    text.lines().filter(|l| pred(l.trim_start())).count()
}

fn v(s: &str) -> VetVersion {
    VetVersion::parse(s).unwrap()
}

#[test]
fn fixture_store_parses_with_hand_checked_facts() {
    let dir = repo().join("fixtures/vet/stores/incrementalmerkletree");
    let store = read_store_dir(&dir).expect("fixture store parses");
    let config_text = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let imports_text = std::fs::read_to_string(dir.join("imports.lock")).unwrap();

    assert_eq!(store.config.store_version, (0, 10));
    assert_eq!(store.config.default_criteria, "safe-to-deploy");
    let names: Vec<&str> = store.config.imports.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "bytecode-alliance",
            "embark-studios",
            "fermyon",
            "google",
            "isrg",
            "mozilla",
            "zcash"
        ]
    );
    assert_eq!(
        store.config.imports["zcash"].urls,
        ["https://raw.githubusercontent.com/zcash/rust-ecosystem/main/supply-chain/audits.toml"]
    );
    // [policy.shardtree] audit-as-crates-io = true
    let p = store
        .config
        .policy
        .get("shardtree", &v("0.5.0"))
        .expect("policy");
    assert_eq!(p.audit_as_crates_io, Some(true));
    let exemptions: usize = store.config.exemptions.values().map(Vec::len).sum();
    assert_eq!(
        exemptions,
        count_lines(&config_text, |l| l.starts_with("[[exemptions."))
    );
    let assert_matches = &store.config.exemptions["assert_matches"][0];
    assert_eq!(assert_matches.version, v("1.5.0"));
    assert_eq!(assert_matches.criteria, ["safe-to-deploy"]);
    assert!(assert_matches.suggest);

    // audits.toml: three trusted entries by user 169181, no audits.
    assert!(store.audits.audits.is_empty());
    let trusted: Vec<_> = store.audits.trusted.values().flatten().collect();
    assert_eq!(trusted.len(), 3);
    assert!(trusted
        .iter()
        .all(|t| t.source == PublisherId::User(169181)));
    assert_eq!(
        store.audits.trusted["shardtree"][0].start.to_string(),
        "2022-12-15"
    );

    let rows: usize = store.imports.publisher.values().map(Vec::len).sum();
    assert_eq!(
        rows,
        count_lines(&imports_text, |l| l.starts_with("[[publisher."))
    );
    let imported: usize = store
        .imports
        .audits
        .values()
        .flat_map(|f| f.audits.values())
        .map(Vec::len)
        .sum();
    assert_eq!(
        imported,
        count_lines(&imports_text, |l| l.starts_with("[[audits.")
            && l.contains(".audits.")
            && !l.contains("wildcard-audits"))
    );
}

#[test]
#[ignore = "needs ../shared/realworld"]
fn every_corpus_store_parses() {
    let shared = outside::shared_dir();
    let projects = shared.join("realworld/projects");
    let mut seen = 0;
    for entry in std::fs::read_dir(&projects).unwrap() {
        let dir = entry.unwrap().path().join("supply-chain");
        if !dir.is_dir() {
            continue;
        }
        let store = read_store_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
        let audits = std::fs::read_to_string(dir.join("audits.toml")).unwrap();
        let imports = std::fs::read_to_string(dir.join("imports.lock")).unwrap();
        let ex: usize = store.config.exemptions.values().map(Vec::len).sum();
        assert_eq!(
            ex,
            count_lines(&config, |l| l.starts_with("[[exemptions.")),
            "{}",
            dir.display()
        );
        let no_suggest = store
            .config
            .exemptions
            .values()
            .flatten()
            .filter(|e| !e.suggest)
            .count();
        assert_eq!(
            no_suggest,
            count_lines(&config, |l| l.replace(' ', "") == "suggest=false")
        );
        let local: usize = store.audits.audits.values().map(Vec::len).sum();
        assert_eq!(
            local,
            count_lines(&audits, |l| l.starts_with("[[audits.")),
            "{}",
            dir.display()
        );
        let trusted: usize = store.audits.trusted.values().map(Vec::len).sum();
        assert_eq!(
            trusted,
            count_lines(&audits, |l| l.starts_with("[[trusted."))
        );
        let rows: usize = store.imports.publisher.values().map(Vec::len).sum();
        assert_eq!(
            rows,
            count_lines(&imports, |l| l.starts_with("[[publisher.")),
            "{}",
            dir.display()
        );
        let wild: usize = store
            .imports
            .audits
            .values()
            .flat_map(|f| f.wildcard_audits.values())
            .map(Vec::len)
            .sum();
        assert_eq!(
            wild,
            count_lines(&imports, |l| l.starts_with("[[audits.")
                && l.contains(".wildcard-audits."))
        );
        seen += 1;
    }
    assert_eq!(seen, 6, "six corpus projects");
}

#[test]
#[ignore = "needs ../shared/realworld"]
fn corpus_audit_sources_match_their_statistics() {
    let shared = outside::shared_dir();
    let sources = shared.join("realworld/audit-sources");
    let mut checked = 0;
    for entry in std::fs::read_dir(&sources).unwrap() {
        let dir = entry.unwrap().path();
        let (Ok(text), Ok(meta)) = (
            std::fs::read_to_string(dir.join("audits.toml")),
            std::fs::read_to_string(dir.join("SOURCE.json")),
        ) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
        let Some(full) = meta["full"].as_u64() else {
            continue; // no statistics recorded for this source
        };
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        // Strict parse (as a local audits.toml) gives the raw counts.
        let strict = parse_audits(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let count = |pred: fn(&AuditKind) -> bool| {
            strict
                .audits
                .values()
                .flatten()
                .filter(|a| pred(&a.kind))
                .count() as u64
        };
        assert_eq!(
            count(|k| matches!(k, AuditKind::Full { .. })),
            full,
            "{name}"
        );
        assert_eq!(
            count(|k| matches!(k, AuditKind::Delta { .. })),
            meta["delta"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            count(|k| matches!(k, AuditKind::Violation { .. })),
            meta["violations"].as_u64().unwrap(),
            "{name}"
        );
        let wild: usize = strict.wildcard_audits.values().map(Vec::len).sum();
        assert_eq!(
            wild as u64,
            meta["wildcard_audits"].as_u64().unwrap(),
            "{name}"
        );
        let trusted: usize = strict.trusted.values().map(Vec::len).sum();
        assert_eq!(
            trusted as u64,
            meta["trusted_entries"].as_u64().unwrap(),
            "{name}"
        );
        let crit: Vec<String> = strict.criteria.keys().cloned().collect();
        let want: Vec<String> = meta["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(crit, want, "{name}");

        // Lenient parse drops only non-importable audits (none of these name unknown criteria).
        let (foreign, report) = parse_foreign_audits(&name, &text).unwrap();
        assert!(report.ignored_audits.is_empty(), "{name}: {report:?}");
        let importable = strict
            .audits
            .values()
            .flatten()
            .filter(|a| a.importable)
            .count();
        let kept: usize = foreign.audits.values().map(Vec::len).sum();
        assert_eq!(kept, importable, "{name}");
        checked += 1;
    }
    assert!(checked >= 8, "checked {checked} audit sources");
}

#[test]
fn fixture_isrg_source_parses_leniently() {
    // ISRG's audits.toml (MPL-2.0, unmodified copy): SOURCE.json says 43 full + 202 delta,
    // 3 wildcard audits, 50 trusted entries, no custom criteria.
    let text = std::fs::read_to_string(repo().join("fixtures/vet/audit-sources/isrg/audits.toml"))
        .unwrap();
    let (f, report) = parse_foreign_audits("isrg", &text).unwrap();
    assert_eq!(report.ignored_audits.len(), 0);
    let all: usize = f.audits.values().map(Vec::len).sum();
    assert_eq!(all, 245);
    assert_eq!(f.wildcard_audits.values().map(Vec::len).sum::<usize>(), 3);
    assert_eq!(f.trusted.values().map(Vec::len).sum::<usize>(), 50);
}

#[test]
fn versioned_policies_criteria_maps_and_url_lists() {
    let config = r#"
[cargo-vet]
version = "0.9"

[imports.peer]
url = ["https://a.example/audits.toml", "https://b.example/audits.toml"]
exclude = ["foo"]

[imports.peer.criteria-map]
their-crypto = "crypto-reviewed"
safe-to-run = ["safe-to-run", "crypto-reviewed"]

[policy."bar:1.2.3"]
criteria = ["safe-to-run", "crypto-reviewed"]

[policy."bar:2.0.0"]
audit-as-crates-io = true

[policy.baz]
dev-criteria = "safe-to-deploy"
dependency-criteria = { qux = "safe-to-run", quux = ["crypto-reviewed"] }

[[exemptions.foo]]
version = "0.1.0"
criteria = "safe-to-run"
suggest = false
notes = "kept"
"#;
    let c = parse_config(config).unwrap();
    assert_eq!(c.store_version, (0, 9));
    let peer = &c.imports["peer"];
    assert_eq!(peer.urls.len(), 2);
    assert_eq!(peer.exclude, ["foo"]);
    assert_eq!(peer.criteria_map["their-crypto"], ["crypto-reviewed"]);
    assert_eq!(
        peer.criteria_map["safe-to-run"],
        ["safe-to-run", "crypto-reviewed"]
    );
    match &c.policy.packages["bar"] {
        PackagePolicy::Versioned(m) => assert_eq!(m.len(), 2),
        other => panic!("expected versioned, got {other:?}"),
    }
    assert_eq!(
        c.policy
            .get("bar", &v("1.2.3"))
            .unwrap()
            .criteria
            .as_deref(),
        Some(&["safe-to-run".to_owned(), "crypto-reviewed".to_owned()][..])
    );
    assert!(c.policy.get("bar", &v("1.2.4")).is_none());
    let baz = c.policy.get("baz", &v("9.9.9")).unwrap();
    assert_eq!(
        baz.dev_criteria.as_deref(),
        Some(&["safe-to-deploy".to_owned()][..])
    );
    assert_eq!(baz.dependency_criteria["quux"], ["crypto-reviewed"]);
    assert!(!c.config_exemption_suggest("foo"));

    // Criteria validation needs the custom criterion declared in audits.toml.
    let audits_ok = "[criteria.crypto-reviewed]\ndescription = \"x\"\n\n[audits]\n";
    assert!(Store::from_texts(config, audits_ok, "").is_ok());
    let err = Store::from_texts(config, "[audits]\n", "").unwrap_err();
    match &err {
        StoreError::Criteria { file, line, .. } => {
            assert_eq!(file, "config.toml");
            // [policy."bar:1.2.3"] holds the first unknown name; its table starts on line 13.
            assert_eq!(*line, Some(13), "{err}");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err
        .to_string()
        .contains("unknown criteria 'crypto-reviewed'"));
    assert!(err.to_string().contains("hint:"));
}

trait ExemptionSuggest {
    fn config_exemption_suggest(&self, name: &str) -> bool;
}
impl ExemptionSuggest for minaudit::vet::format::ConfigFile {
    fn config_exemption_suggest(&self, name: &str) -> bool {
        self.exemptions[name][0].suggest
    }
}

#[test]
fn mixing_versioned_and_unversioned_policy_is_an_error() {
    let e = parse_config("[policy.a]\ncriteria = \"safe-to-run\"\n\n[policy.\"a:1.0.0\"]\n")
        .unwrap_err();
    assert_eq!(e.file, "config.toml");
    assert!(e.message.contains("cannot mix"), "{e}");
}

#[test]
fn malformed_audits_name_file_and_line() {
    // Line 1 comment, lines 3-6 a valid audit, lines 8-12 an audit with version AND delta.
    let text = "# audits\n\n[[audits.a]]\nwho = \"x\"\ncriteria = \"safe-to-run\"\nversion = \"1.0.0\"\n\n[[audits.a]]\nwho = \"x\"\ncriteria = \"safe-to-run\"\nversion = \"1.0.0\"\ndelta = \"1.0.0 -> 1.1.0\"\n";
    let e = parse_audits(text).unwrap_err();
    assert_eq!(e.file, "audits.toml");
    assert_eq!(e.line, Some(8), "{e}");
    assert!(e.message.contains("exactly one of"));
    assert!(e.to_string().starts_with("audits.toml:8: "));

    // A bad version string inside an entry: toml's own span, line 4.
    let e =
        parse_audits("[[audits.a]]\nwho = \"x\"\ncriteria = \"safe-to-run\"\nversion = \"1.0\"\n")
            .unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");

    // delta without "->"
    let e = parse_audits("\n[[audits.a]]\ncriteria = \"safe-to-run\"\ndelta = \"1.0.0\"\n")
        .unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");

    // Unknown field in an audit entry (cargo-vet denies them).
    let e =
        parse_audits("[[audits.a]]\ncriteria = \"safe-to-run\"\nversion = \"1.0.0\"\ncolour = 1\n")
            .unwrap_err();
    assert!(e.line.is_some(), "{e}");

    // imports.lock publisher row without user-id or trusted-publisher.
    let e = parse_imports("\n\n[[publisher.a]]\nversion = \"1.0.0\"\nwhen = \"2024-01-01\"\n")
        .unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("imports.lock", Some(3)));
}

#[test]
fn git_versions_dates_and_trusted_publishers() {
    let text = r#"
[[audits.g]]
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.0.0@git:0123456789abcdef0123456789abcdef01234567"

[[wildcard-audits.w]]
criteria = "safe-to-run"
trusted-publisher = "github:owner/repo"
start = 2024-01-01
end = "2025-01-01"
"#;
    let f = parse_audits(text).unwrap();
    match &f.audits["g"][0].kind {
        AuditKind::Delta { from, to } => {
            assert_eq!(from, &v("1.0.0"));
            assert_eq!(
                to.git_rev.as_deref(),
                Some("0123456789abcdef0123456789abcdef01234567")
            );
            assert!(from < to, "a git revision sorts after the bare version");
        }
        other => panic!("{other:?}"),
    }
    let w = &f.wildcard_audits["w"][0];
    assert_eq!(
        w.source,
        PublisherId::TrustedPublisher("github:owner/repo".into())
    );
    assert_eq!(w.start.to_string(), "2024-01-01");
    assert_eq!(w.end.to_string(), "2025-01-01");
    assert!(VetVersion::parse("1.0.0@git:abc").is_err());
    assert!(VetVersion::parse("1.0.0@svn:0123456789abcdef0123456789abcdef01234567").is_err());
}

#[test]
fn missing_store_file_is_a_read_error_with_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = read_store_dir(dir.path()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("config.toml") && msg.contains("hint:"),
        "{msg}"
    );
}

#[test]
fn missing_store_dir_hints_at_cargo_vet_init() {
    let e = read_store_dir(Path::new("/nonexistent/supply-chain")).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("cannot read /nonexistent/supply-chain: "),
        "{msg}"
    );
    assert!(msg.contains("\nhint: run `cargo vet init`"), "{msg}");
    assert!(msg.contains("[workspace.metadata.vet] store"), "{msg}");
    // Only the message: nothing is exposed again as a source (the app prints the chain).
    assert!(std::error::Error::source(&e).is_none());
}
