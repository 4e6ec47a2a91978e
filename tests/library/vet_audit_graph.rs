//! Audit graphs small enough to check by hand; each expected answer is derived in a comment.

use std::collections::BTreeSet;

use minaudit::vet::audit_graph::{AuditGraph, ConflictWith};
use minaudit::vet::criteria::localize_import;
use minaudit::vet::format::{parse_foreign_audits, VetVersion};
use minaudit::vet::store::{ImportMerge, Store};

const CONFIG: &str = "[cargo-vet]\nversion = \"0.10\"\n";

fn v(s: &str) -> VetVersion {
    VetVersion::parse(s).unwrap()
}

fn store(config: &str, audits: &str, imports: &str) -> Store {
    Store::from_texts(config, audits, imports).unwrap_or_else(|e| panic!("{e}"))
}

/// Names of the criteria `version` is vetted for (minimal names hidden: all, sorted).
fn vetted(s: &Store, krate: &str, version: &str) -> Vec<String> {
    let g = AuditGraph::build(s, krate).expect("no violations");
    (0..s.mapper.len())
        .filter(|&c| g.search(c, &v(version)).is_ok())
        .map(|c| s.mapper.name(c).to_owned())
        .collect()
}

fn set(items: &[Option<&str>]) -> BTreeSet<Option<VetVersion>> {
    items.iter().map(|i| i.map(v)).collect()
}

#[test]
fn delta_chain_criteria_follow_the_weakest_edge() {
    // root -deploy-> 1.0.0 -deploy-> 1.1.0 -run-> 1.2.0 ; nothing reaches 1.3.0.
    // 1.1.0: deploy path root,1.0.0,1.1.0 => deploy and (implied) run.
    // 1.2.0: last edge is run only => run, not deploy.
    let s = store(
        CONFIG,
        r#"
[[audits.a]]
criteria = "safe-to-deploy"
version = "1.0.0"

[[audits.a]]
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.1.0"

[[audits.a]]
criteria = "safe-to-run"
delta = "1.1.0 -> 1.2.0"
"#,
        "",
    );
    assert_eq!(vetted(&s, "a", "1.1.0"), ["safe-to-run", "safe-to-deploy"]);
    assert_eq!(vetted(&s, "a", "1.2.0"), ["safe-to-run"]);
    assert!(vetted(&s, "a", "1.3.0").is_empty());

    let g = AuditGraph::build(&s, "a").unwrap();
    let deploy = s.mapper.index_of("safe-to-deploy").unwrap();
    let run = s.mapper.index_of("safe-to-run").unwrap();
    let fail = g.search(deploy, &v("1.2.0")).unwrap_err();
    // deploy-reachable from root: root, 1.0.0, 1.1.0; 1.2.0 reaches only itself backwards
    // (its one incoming edge lacks deploy).
    assert_eq!(
        fail.reachable_from_root,
        set(&[None, Some("1.0.0"), Some("1.1.0")])
    );
    assert_eq!(fail.reachable_from_target, set(&[Some("1.2.0")]));
    let fail = g.search(run, &v("1.3.0")).unwrap_err();
    assert_eq!(
        fail.reachable_from_root,
        set(&[None, Some("1.0.0"), Some("1.1.0"), Some("1.2.0")])
    );
}

#[test]
fn backwards_delta_vets_the_older_version() {
    // root -> 2.0.0 -> 1.9.0 (a delta going down) => 1.9.0 vetted; 1.8.0 not.
    let s = store(
        CONFIG,
        r#"
[[audits.b]]
criteria = "safe-to-deploy"
version = "2.0.0"

[[audits.b]]
criteria = "safe-to-deploy"
delta = "2.0.0 -> 1.9.0"
"#,
        "",
    );
    assert_eq!(vetted(&s, "b", "1.9.0"), ["safe-to-run", "safe-to-deploy"]);
    assert!(vetted(&s, "b", "1.8.0").is_empty());
}

#[test]
fn custom_criteria_implies_transitively() {
    // strong implies safe-to-deploy implies safe-to-run; weak implies nothing.
    // An audit for strong at 1.0.0 vets all three; safe-to-deploy at 2.0.0 gives no strong.
    let s = store(
        CONFIG,
        r#"
[criteria.strong]
description = "s"
implies = "safe-to-deploy"

[criteria.weak]
description = "w"

[[audits.c]]
criteria = "strong"
version = "1.0.0"

[[audits.c]]
criteria = ["safe-to-deploy", "weak"]
version = "2.0.0"
"#,
        "",
    );
    assert_eq!(
        vetted(&s, "c", "1.0.0"),
        ["safe-to-run", "safe-to-deploy", "strong"]
    );
    assert_eq!(
        vetted(&s, "c", "2.0.0"),
        ["safe-to-run", "safe-to-deploy", "weak"]
    );
}

#[test]
fn cyclic_implies_is_an_error() {
    let e = Store::from_texts(
        CONFIG,
        "[criteria.x]\ndescription = \"x\"\nimplies = \"y\"\n\n[criteria.y]\ndescription = \"y\"\nimplies = \"x\"\n",
        "",
    )
    .unwrap_err();
    assert!(e.to_string().contains("implies itself"), "{e}");
}

#[test]
fn wildcard_audits_use_publisher_rows_and_half_open_dates() {
    // wildcard: user 1, [2020-01-01, 2021-01-01).
    // 1.0.0 published 2019-12-31 by 1: before start -> no.
    // 1.1.0 published 2020-01-01 by 1: start is inclusive -> yes.
    // 1.2.0 published 2021-01-01 by 1: end is exclusive -> no.
    // 1.3.0 published 2020-06-01 by 2: other publisher -> no.
    // 1.4.0: no publisher row (unknown publisher) -> no.
    // The imported wildcard (imports.lock) for user 2 covers 1.3.0.
    let audits = r#"
[[wildcard-audits.w]]
criteria = "safe-to-deploy"
user-id = 1
start = "2020-01-01"
end = "2021-01-01"
"#;
    let imports = r#"
[[publisher.w]]
version = "1.0.0"
when = "2019-12-31"
user-id = 1
user-login = "one"

[[publisher.w]]
version = "1.1.0"
when = "2020-01-01"
user-id = 1
user-login = "one"

[[publisher.w]]
version = "1.2.0"
when = "2021-01-01"
user-id = 1
user-login = "one"

[[publisher.w]]
version = "1.3.0"
when = "2020-06-01"
user-id = 2
user-login = "two"

[[audits.peer.wildcard-audits.w]]
criteria = "safe-to-run"
user-id = 2
start = "2020-01-01"
end = "2030-01-01"

[audits.peer.audits]
"#;
    let s = store(CONFIG, audits, imports);
    assert!(vetted(&s, "w", "1.0.0").is_empty());
    assert_eq!(vetted(&s, "w", "1.1.0"), ["safe-to-run", "safe-to-deploy"]);
    assert!(vetted(&s, "w", "1.2.0").is_empty());
    assert_eq!(vetted(&s, "w", "1.3.0"), ["safe-to-run"]);
    assert!(vetted(&s, "w", "1.4.0").is_empty());
}

#[test]
fn local_trusted_vets_but_imported_trusted_does_not() {
    // Local trusted: crate t by user 7; imported trusted (imports.lock): crate u by user 7.
    let audits = r#"
[[trusted.t]]
criteria = "safe-to-deploy"
user-id = 7
start = "2020-01-01"
end = "2030-01-01"
"#;
    let imports = r#"
[[publisher.t]]
version = "1.0.0"
when = "2024-01-01"
user-id = 7
user-login = "seven"

[[publisher.u]]
version = "1.0.0"
when = "2024-01-01"
user-id = 7
user-login = "seven"

[[audits.peer.trusted.u]]
criteria = "safe-to-deploy"
user-id = 7
start = "2020-01-01"
end = "2030-01-01"

[audits.peer.audits]
"#;
    let s = store(CONFIG, audits, imports);
    assert_eq!(vetted(&s, "t", "1.0.0"), ["safe-to-run", "safe-to-deploy"]);
    assert!(vetted(&s, "u", "1.0.0").is_empty());
}

#[test]
fn violations_conflict_with_matching_audits_and_exemptions() {
    // violation "<1.5" for safe-to-run (closure {run}).
    // full 1.4.0 safe-to-deploy: {run,deploy} contains {run}, 1.4.0 < 1.5 -> conflict.
    // full 1.6.0 safe-to-deploy: outside the range -> fine.
    // delta 1.3.0 -> 1.6.0 safe-to-run: `from` is in range -> conflict.
    // exemption 1.2.0 safe-to-run (config) -> conflict.
    let audits = r#"
[[audits.x]]
criteria = "safe-to-run"
violation = "<1.5"

[[audits.x]]
criteria = "safe-to-deploy"
version = "1.4.0"

[[audits.x]]
criteria = "safe-to-deploy"
version = "1.6.0"

[[audits.x]]
criteria = "safe-to-run"
delta = "1.3.0 -> 1.6.0"
"#;
    let config =
        format!("{CONFIG}\n[[exemptions.x]]\nversion = \"1.2.0\"\ncriteria = \"safe-to-run\"\n");
    let s = store(&config, audits, "");
    let conflicts = AuditGraph::build(&s, "x").unwrap_err();
    let mut what: Vec<String> = conflicts
        .iter()
        .map(|c| match &c.conflict {
            ConflictWith::Exemption(e) => format!("exemption {}", e.version),
            ConflictWith::Audit { audit, .. } => format!("audit line {}", audit.line.unwrap()),
        })
        .collect();
    what.sort();
    // 1.4.0 audit is on line 6, the delta on line 14.
    assert_eq!(what, ["audit line 14", "audit line 6", "exemption 1.2.0"]);

    // A safe-to-deploy violation does not hit a safe-to-run audit ({run} lacks deploy).
    let s = store(
        CONFIG,
        r#"
[[audits.y]]
criteria = "safe-to-deploy"
violation = "*"

[[audits.y]]
criteria = "safe-to-run"
version = "1.0.0"
"#,
        "",
    );
    assert_eq!(vetted(&s, "y", "1.0.0"), ["safe-to-run"]);
}

#[test]
fn exemptions_vet_and_suggest_drops_all_but_suggest_false() {
    // e 1.0.0 exempted (suggest default true), e 2.0.0 exempted with suggest = false.
    let config = format!(
        "{CONFIG}\n[[exemptions.e]]\nversion = \"1.0.0\"\ncriteria = \"safe-to-deploy\"\n\n[[exemptions.e]]\nversion = \"2.0.0\"\ncriteria = \"safe-to-run\"\nsuggest = false\n"
    );
    let s = store(&config, "[audits]\n", "");
    assert_eq!(vetted(&s, "e", "1.0.0"), ["safe-to-run", "safe-to-deploy"]);
    assert_eq!(vetted(&s, "e", "2.0.0"), ["safe-to-run"]);
    let for_suggest = s.for_suggest();
    assert!(vetted(&for_suggest, "e", "1.0.0").is_empty());
    assert_eq!(vetted(&for_suggest, "e", "2.0.0"), ["safe-to-run"]);
}

#[test]
fn unpublished_rows_and_imported_audits_are_edges() {
    // imports.lock: peer full audit 1.0.0 (deploy); unpublished 1.0.1 audited as 1.0.0.
    // => 1.0.1 is vetted through root -> 1.0.0 -> 1.0.1 (unpublished edges carry all criteria).
    let imports = r#"
[[unpublished.p]]
version = "1.0.1"
audited_as = "1.0.0"

[[audits.peer.audits.p]]
who = "someone"
criteria = "safe-to-deploy"
version = "1.0.0"
"#;
    let s = store(CONFIG, "[audits]\n", imports);
    assert_eq!(vetted(&s, "p", "1.0.1"), ["safe-to-run", "safe-to-deploy"]);
}

#[test]
fn imported_criteria_map_into_local_names() {
    // Peer declares peer-strong (implies safe-to-deploy) and peer-crypto.
    // criteria-map: peer-crypto -> crypto-reviewed; safe-to-run -> [] (overrides the built-in).
    // a 1.0.0 [peer-strong]: closure {peer-strong, deploy, run} -> {} u {deploy} u {} = deploy.
    // a 2.0.0 [peer-crypto]: -> crypto-reviewed only.
    // a 3.0.0 [safe-to-run]: mapped to nothing -> no criteria, vets nothing.
    // excluded crate z loses its audits but keeps its wildcard audit.
    let peer = r#"
[criteria.peer-strong]
description = "s"
implies = "safe-to-deploy"

[criteria.peer-crypto]
description = "c"

[[audits.a]]
who = "p"
criteria = "peer-strong"
version = "1.0.0"

[[audits.a]]
who = "p"
criteria = "peer-crypto"
version = "2.0.0"

[[audits.a]]
who = "p"
criteria = "safe-to-run"
version = "3.0.0"

[[audits.z]]
who = "p"
criteria = "safe-to-deploy"
version = "1.0.0"

[[wildcard-audits.z]]
criteria = "safe-to-deploy"
user-id = 3
start = "2020-01-01"
end = "2030-01-01"
"#;
    let config = format!(
        "{CONFIG}\n[imports.peer]\nurl = \"https://example.invalid/audits.toml\"\nexclude = [\"z\"]\n\n[imports.peer.criteria-map]\npeer-crypto = \"crypto-reviewed\"\nsafe-to-run = []\n"
    );
    let audits = "[criteria.crypto-reviewed]\ndescription = \"c\"\n\n[audits]\n";
    let mut s = store(&config, audits, "");
    s.with_full_import("peer", peer, ImportMerge::Replace)
        .unwrap();
    let a = &s.imported["peer"].audits["a"];
    assert_eq!(a[0].criteria, ["safe-to-deploy"]);
    assert_eq!(a[1].criteria, ["crypto-reviewed"]);
    assert!(a[2].criteria.is_empty());
    assert!(!s.imported["peer"].audits.contains_key("z"));
    assert_eq!(s.imported["peer"].wildcard_audits["z"].len(), 1);
    assert_eq!(vetted(&s, "a", "1.0.0"), ["safe-to-run", "safe-to-deploy"]);
    assert_eq!(vetted(&s, "a", "2.0.0"), ["crypto-reviewed"]);
    assert!(vetted(&s, "a", "3.0.0").is_empty());
    // Only mapped criteria are kept in the import's criteria table.
    assert_eq!(
        s.imported["peer"].criteria.keys().collect::<Vec<_>>(),
        ["peer-crypto"]
    );

    // localize_import directly: an unknown local name in criteria-map is an error.
    let (foreign, _) = parse_foreign_audits("peer", peer).unwrap();
    let bad_map = [("peer-crypto".to_owned(), vec!["nope".to_owned()])]
        .into_iter()
        .collect();
    assert!(localize_import(foreign, &[], &bad_map, &s.mapper).is_err());
}

#[test]
fn search_prefers_audits_over_exemptions() {
    // 1.0.0 is both exempted and fully audited: cargo-vet's search takes the audit (no caveat).
    let config =
        format!("{CONFIG}\n[[exemptions.q]]\nversion = \"1.0.0\"\ncriteria = \"safe-to-deploy\"\n");
    let s = store(
        &config,
        "[[audits.q]]\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\n",
        "",
    );
    let g = AuditGraph::build(&s, "q").unwrap();
    let path = g.search(1, &v("1.0.0")).unwrap();
    assert_eq!(path.len(), 1);
    assert!(
        matches!(
            path[0],
            minaudit::vet::audit_graph::EdgeOrigin::LocalAudit { .. }
        ),
        "{path:?}"
    );
}

#[test]
fn full_import_replace_versus_union() {
    // imports.lock holds peer's full audit of m 1.0.0; the fetched full file no longer has it
    // but has m 2.0.0. Replace (cargo-vet online): only 2.0.0 vetted. Union: both.
    let config = format!("{CONFIG}\n[imports.peer]\nurl = \"https://example.invalid/a.toml\"\n");
    let imports = "[[audits.peer.audits.m]]\nwho = \"p\"\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\n";
    let full = "[[audits.m]]\nwho = \"p\"\ncriteria = \"safe-to-deploy\"\nversion = \"2.0.0\"\n\n[[audits.m]]\nwho = \"p\"\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\nimportable = false\n";
    let base = store(&config, "[audits]\n", imports);
    assert_eq!(
        vetted(&base, "m", "1.0.0"),
        ["safe-to-run", "safe-to-deploy"]
    );
    assert!(vetted(&base, "m", "2.0.0").is_empty());

    let mut replaced = base.clone();
    replaced
        .with_full_import("peer", full, ImportMerge::Replace)
        .unwrap();
    // The 1.0.0 entry in the full file is not importable, so it is dropped.
    assert!(vetted(&replaced, "m", "1.0.0").is_empty());
    assert_eq!(
        vetted(&replaced, "m", "2.0.0"),
        ["safe-to-run", "safe-to-deploy"]
    );

    let mut unioned = base.clone();
    unioned
        .with_full_import("peer", full, ImportMerge::Union)
        .unwrap();
    assert_eq!(
        vetted(&unioned, "m", "1.0.0"),
        ["safe-to-run", "safe-to-deploy"]
    );
    assert_eq!(
        vetted(&unioned, "m", "2.0.0"),
        ["safe-to-run", "safe-to-deploy"]
    );
    assert_eq!(unioned.imported["peer"].audits["m"].len(), 2);
}
