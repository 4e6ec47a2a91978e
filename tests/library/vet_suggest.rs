//! `suggest` selection on small graphs with a synthetic line measure: every version has a
//! "size"; a full audit costs size(to), a delta |size(to) - size(from)|. Each expected choice
//! is derived by hand in a comment from cargo-vet's rule (for every version that reaches the
//! locked one: nearest root-reachable version strictly below, and nearest at or above).

use std::collections::{BTreeMap, BTreeSet};

use minaudit::vet::format::VetVersion;
use minaudit::vet::required::{EdgeKinds, GraphEdge, GraphPackage, PackageGraph};
use minaudit::vet::store::Store;
use minaudit::vet::suggest::{suggest, PublishedVersions, SuggestError, SuggestOutcome};

fn v(s: &str) -> VetVersion {
    VetVersion::parse(s).unwrap()
}

/// One workspace member `app` depending (normal) on each `(crate, version)`.
fn graph(deps: &[(&str, &str)]) -> PackageGraph {
    let mut packages = vec![GraphPackage {
        name: "app".into(),
        version: v("0.1.0"),
        is_crates_io: false,
        is_workspace_member: true,
    }];
    let mut edges = vec![];
    for (i, (name, version)) in deps.iter().enumerate() {
        packages.push(GraphPackage {
            name: (*name).into(),
            version: v(version),
            is_crates_io: true,
            is_workspace_member: false,
        });
        edges.push(GraphEdge {
            from: 0,
            to: i + 1,
            kinds: EdgeKinds::NORMAL,
        });
    }
    PackageGraph { packages, edges }
}

fn sizes(pairs: &[(&str, u64)]) -> BTreeMap<VetVersion, u64> {
    pairs.iter().map(|(s, n)| (v(s), *n)).collect()
}

/// The synthetic measure; a version without a size is an error (like a failed download).
fn cost(
    sizes: &BTreeMap<VetVersion, u64>,
) -> impl Fn(&str, Option<&VetVersion>, &VetVersion) -> Result<u64, String> + '_ {
    move |_krate, from, to| {
        let size = |x: &VetVersion| sizes.get(x).copied().ok_or(format!("no size for {x}"));
        let t = size(to)?;
        Ok(match from {
            None => t,
            Some(f) => t.abs_diff(size(f)?),
        })
    }
}

fn run(
    config: &str,
    audits: &str,
    deps: &[(&str, &str)],
    sizes: &BTreeMap<VetVersion, u64>,
    published: &PublishedVersions,
) -> SuggestOutcome {
    let store = Store::from_texts(config, audits, "").unwrap_or_else(|e| panic!("{e}"));
    suggest(&store, &graph(deps), published, &cost(sizes)).unwrap_or_else(|e| panic!("{e}"))
}

/// (crate, from, to, lines) of each suggestion.
fn picks(o: &SuggestOutcome) -> Vec<(String, Option<String>, String, u64)> {
    match o {
        SuggestOutcome::Suggestions { audits, .. } => audits
            .iter()
            .map(|a| {
                (
                    a.krate.clone(),
                    a.from.as_ref().map(|f| f.to_string()),
                    a.to.to_string(),
                    a.lines,
                )
            })
            .collect(),
        other => panic!("expected suggestions, got {other:?}"),
    }
}

const FULL_1_AND_2: &str = r#"
[[audits.s]]
criteria = "safe-to-deploy"
version = "1.0.0"

[[audits.s]]
criteria = "safe-to-deploy"
version = "2.0.0"
"#;

#[test]
fn nearest_below_wins_when_cheaper() {
    // s 1.5.0 locked; root reaches {root, 1.0.0, 2.0.0}. Below: 1.0.0 (|110-100| = 10),
    // above: 2.0.0 (|110-150| = 40). The root is not a candidate (1.0.0 is nearer below).
    let sz = sizes(&[("1.0.0", 100), ("1.5.0", 110), ("2.0.0", 150)]);
    let o = run("", FULL_1_AND_2, &[("s", "1.5.0")], &sz, &BTreeMap::new());
    assert_eq!(
        picks(&o),
        [("s".into(), Some("1.0.0".into()), "1.5.0".into(), 10)]
    );
    assert_eq!(o.total_lines(), 10);
}

#[test]
fn nearest_above_wins_when_cheaper() {
    // sizes 100 / 140 / 150: below costs 40, above 10 -> delta 2.0.0 -> 1.5.0 (backwards).
    let sz = sizes(&[("1.0.0", 100), ("1.5.0", 140), ("2.0.0", 150)]);
    let o = run("", FULL_1_AND_2, &[("s", "1.5.0")], &sz, &BTreeMap::new());
    assert_eq!(
        picks(&o),
        [("s".into(), Some("2.0.0".into()), "1.5.0".into(), 10)]
    );
}

#[test]
fn full_audit_when_nothing_reachable_below_and_it_is_cheaper() {
    // s 0.5.0: below is the root (full audit, 5 lines); above is 1.0.0 (|5-100| = 95).
    let sz = sizes(&[("0.5.0", 5), ("1.0.0", 100), ("2.0.0", 150)]);
    let o = run("", FULL_1_AND_2, &[("s", "0.5.0")], &sz, &BTreeMap::new());
    assert_eq!(picks(&o), [("s".into(), None, "0.5.0".into(), 5)]);
    // ... but a delta when that is cheaper: size(0.5.0) = 90 -> full 90 vs delta 10.
    let sz = sizes(&[("0.5.0", 90), ("1.0.0", 100), ("2.0.0", 150)]);
    let o = run("", FULL_1_AND_2, &[("s", "0.5.0")], &sz, &BTreeMap::new());
    assert_eq!(
        picks(&o),
        [("s".into(), Some("1.0.0".into()), "0.5.0".into(), 10)]
    );
}

#[test]
fn a_version_leading_to_the_target_can_be_the_suggested_end() {
    // Existing delta 1.4.0 -> 1.5.0 (deploy), but 1.4.0 is not reachable from the root.
    // Versions reaching 1.5.0: {1.4.0, 1.5.0}. Candidates: 1.0.0->1.4.0 (|101-100| = 1),
    // 2.0.0->1.4.0 (49), 1.0.0->1.5.0 (30), 2.0.0->1.5.0 (20). Cheapest: 1.0.0 -> 1.4.0.
    let audits = format!(
        "{FULL_1_AND_2}\n[[audits.s]]\ncriteria = \"safe-to-deploy\"\ndelta = \"1.4.0 -> 1.5.0\"\n"
    );
    let sz = sizes(&[
        ("1.0.0", 100),
        ("1.4.0", 101),
        ("1.5.0", 130),
        ("2.0.0", 150),
    ]);
    let o = run("", &audits, &[("s", "1.5.0")], &sz, &BTreeMap::new());
    assert_eq!(
        picks(&o),
        [("s".into(), Some("1.0.0".into()), "1.4.0".into(), 1)]
    );

    // If the registry does not list 1.4.0 (no sources), it cannot be a candidate end:
    // only 1.0.0->1.5.0 (30) and 2.0.0->1.5.0 (20) remain.
    let published: PublishedVersions = [(
        "s".to_owned(),
        ["1.0.0", "1.5.0", "2.0.0"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect::<BTreeSet<_>>(),
    )]
    .into_iter()
    .collect();
    let o = run("", &audits, &[("s", "1.5.0")], &sz, &published);
    assert_eq!(
        picks(&o),
        [("s".into(), Some("2.0.0".into()), "1.5.0".into(), 20)]
    );
}

#[test]
fn same_diff_for_two_locked_versions_is_counted_once() {
    // s 1.5.0 and s 1.6.0 both locked; deltas 1.4.0 -> 1.5.0 and 1.4.0 -> 1.6.0 exist, 1.4.0
    // unreachable. Each package's cheapest is 1.0.0 -> 1.4.0 (1 line): one suggestion, total 1.
    let audits = format!(
        "{FULL_1_AND_2}\n[[audits.s]]\ncriteria = \"safe-to-deploy\"\ndelta = \"1.4.0 -> 1.5.0\"\n\n[[audits.s]]\ncriteria = \"safe-to-deploy\"\ndelta = \"1.4.0 -> 1.6.0\"\n"
    );
    let sz = sizes(&[
        ("1.0.0", 100),
        ("1.4.0", 101),
        ("1.5.0", 130),
        ("1.6.0", 135),
        ("2.0.0", 150),
    ]);
    let o = run(
        "",
        &audits,
        &[("s", "1.5.0"), ("s", "1.6.0")],
        &sz,
        &BTreeMap::new(),
    );
    assert_eq!(
        picks(&o),
        [("s".into(), Some("1.0.0".into()), "1.4.0".into(), 1)]
    );
    assert_eq!(o.total_lines(), 1);
    let SuggestOutcome::Suggestions { audits, .. } = &o else {
        unreachable!()
    };
    assert_eq!(audits[0].for_versions, [v("1.5.0"), v("1.6.0")]);
}

#[test]
fn suggestions_sort_by_lines_and_sum() {
    // a 1.0.0: nothing audited -> full (size 7). b 2.0.0: full (size 3). Sorted by lines: b, a.
    let sz = sizes(&[("1.0.0", 7), ("2.0.0", 3)]);
    let o = run(
        "",
        "[audits]\n",
        &[("a", "1.0.0"), ("b", "2.0.0")],
        &sz,
        &BTreeMap::new(),
    );
    assert_eq!(
        picks(&o),
        [
            ("b".into(), None, "2.0.0".into(), 3),
            ("a".into(), None, "1.0.0".into(), 7)
        ]
    );
    assert_eq!(o.total_lines(), 10);
}

#[test]
fn exemptions_are_dropped_except_suggest_false() {
    // a exempted (suggest = true): dropped -> full audit of a (7); b exempted with
    // suggest = false: still vetted, nothing suggested for b.
    let config = "[[exemptions.a]]\nversion = \"1.0.0\"\ncriteria = \"safe-to-deploy\"\n\n[[exemptions.b]]\nversion = \"2.0.0\"\ncriteria = \"safe-to-deploy\"\nsuggest = false\n";
    let sz = sizes(&[("1.0.0", 7), ("2.0.0", 3)]);
    let o = run(
        config,
        "[audits]\n",
        &[("a", "1.0.0"), ("b", "2.0.0")],
        &sz,
        &BTreeMap::new(),
    );
    assert_eq!(picks(&o), [("a".into(), None, "1.0.0".into(), 7)]);

    // With both suggest = false, everything is vetted: backlog 0.
    let config = config.replace(
        "criteria = \"safe-to-deploy\"\n\n",
        "criteria = \"safe-to-deploy\"\nsuggest = false\n\n",
    );
    let o = run(
        &config,
        "[audits]\n",
        &[("a", "1.0.0"), ("b", "2.0.0")],
        &sz,
        &BTreeMap::new(),
    );
    assert_eq!(o, SuggestOutcome::Vetted);
}

#[test]
fn failing_several_criteria_intersects_reachability() {
    // Required: safe-to-deploy (default) and crypto (dependency-criteria adds... no: policy on
    // app gives s both). Audits: 1.0.0 deploy only, 2.0.0 [deploy, crypto].
    // deploy-reachable: {root, 1.0.0, 2.0.0}; crypto-reachable: {root, 2.0.0}; intersection
    // {root, 2.0.0}. For 1.5.0: below = root (full, 110), above = 2.0.0 (|110-150| = 40).
    let config = "[policy.app]\ndependency-criteria = { s = [\"safe-to-deploy\", \"crypto\"] }\n";
    let audits = "[criteria.crypto]\ndescription = \"c\"\n\n[[audits.s]]\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\n\n[[audits.s]]\ncriteria = [\"safe-to-deploy\", \"crypto\"]\nversion = \"2.0.0\"\n";
    let sz = sizes(&[("1.0.0", 100), ("1.5.0", 110), ("2.0.0", 150)]);
    let o = run(config, audits, &[("s", "1.5.0")], &sz, &BTreeMap::new());
    assert_eq!(
        picks(&o),
        [("s".into(), Some("2.0.0".into()), "1.5.0".into(), 40)]
    );
    let SuggestOutcome::Suggestions { audits, .. } = &o else {
        unreachable!()
    };
    // Minimal failing criteria: safe-to-deploy (implies safe-to-run) and crypto.
    assert_eq!(audits[0].criteria, ["safe-to-deploy", "crypto"]);
}

#[test]
fn violation_conflict_means_no_suggestions() {
    let audits = "[[audits.s]]\ncriteria = \"safe-to-run\"\nviolation = \"*\"\n\n[[audits.s]]\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\n";
    let sz = sizes(&[("1.0.0", 1)]);
    let o = run("", audits, &[("s", "1.0.0")], &sz, &BTreeMap::new());
    assert!(matches!(o, SuggestOutcome::ViolationConflict(ref c) if c.len() == 1));
    assert_eq!(o.total_lines(), 0);
}

#[test]
fn git_revision_gets_an_extra_delta_from_the_nearest_published_version() {
    // Locked s 1.0.0@git:<rev>, audit-as-crates-io via policy; registry lists 0.9.0, 1.0.0.
    // Nearest published at or below 1.0.0 is 1.0.0, not reachable from root -> it replaces the
    // revision in the target set and an extra delta 1.0.0 -> rev is suggested.
    // Main: full audit of 1.0.0 (size 50); extra: |52 - 50| = 2.
    let rev = "1.0.0@git:0123456789abcdef0123456789abcdef01234567";
    let store = Store::from_texts(
        "[policy.\"s:1.0.0@git:0123456789abcdef0123456789abcdef01234567\"]\naudit-as-crates-io = true\n",
        "[audits]\n",
        "",
    )
    .unwrap();
    let mut g = graph(&[("s", rev)]);
    g.packages[1].is_crates_io = false;
    let sz = sizes(&[("1.0.0", 50), (rev, 52)]);
    let published: PublishedVersions = [(
        "s".to_owned(),
        ["0.9.0", "1.0.0"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect(),
    )]
    .into_iter()
    .collect();
    let o = suggest(&store, &g, &published, &cost(&sz)).unwrap();
    assert_eq!(
        picks(&o),
        [
            ("s".into(), Some("1.0.0".into()), rev.into(), 2),
            ("s".into(), None, "1.0.0".into(), 50)
        ]
    );
}

#[test]
fn diff_cost_errors_abort_with_the_delta_named() {
    let sz = sizes(&[("1.0.0", 100)]); // 1.5.0 has no size
    let store = Store::from_texts("", FULL_1_AND_2, "").unwrap();
    let e = suggest(
        &store,
        &graph(&[("s", "1.5.0")]),
        &BTreeMap::new(),
        &cost(&sz),
    )
    .unwrap_err();
    assert!(matches!(e, SuggestError::Diff { .. }));
    assert!(e.to_string().contains("s 1.0.0 -> 1.5.0"), "{e}");
}

#[test]
fn pricing_a_candidate_version_matches_suggest_on_a_lock_holding_it() {
    // The per-version API must agree with the whole-lock suggest for each version alone.
    use minaudit::vet::audit_graph::AuditGraph;
    use minaudit::vet::suggest::suggest_for_version;
    let sz = sizes(&[
        ("0.5.0", 5),
        ("1.0.0", 100),
        ("1.5.0", 110),
        ("2.0.0", 150),
        ("3.0.0", 500),
    ]);
    let store = Store::from_texts("", FULL_1_AND_2, "")
        .unwrap()
        .for_suggest();
    let g = AuditGraph::build(&store, "s").unwrap();
    let deploy = store.mapper.set_from(&["safe-to-deploy"], None).unwrap();
    for ver in ["0.5.0", "1.0.0", "1.5.0", "2.0.0", "3.0.0"] {
        let alone = run("", FULL_1_AND_2, &[("s", ver)], &sz, &BTreeMap::new());
        let priced =
            suggest_for_version(&store.mapper, &g, "s", &v(ver), &deploy, None, &cost(&sz))
                .unwrap();
        match (alone, priced) {
            (SuggestOutcome::Vetted, None) => {}
            (SuggestOutcome::Suggestions { audits, .. }, Some(p)) => assert_eq!(audits, p),
            (a, p) => panic!("{ver}: {a:?} vs {p:?}"),
        }
    }
    // 3.0.0: nothing above; below is 2.0.0 (|500-150| = 350) -> that delta.
    let p = suggest_for_version(
        &store.mapper,
        &g,
        "s",
        &v("3.0.0"),
        &deploy,
        None,
        &cost(&sz),
    )
    .unwrap()
    .unwrap();
    assert_eq!((p[0].from.clone(), p[0].lines), (Some(v("2.0.0")), 350));
}
