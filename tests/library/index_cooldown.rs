//! Cooldown filters on the fixture snapshot with a fixed `now`. Expected sets are read off the
//! fixture pubtimes by hand (fixtures/index/registry).

use std::collections::BTreeSet;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use minaudit::index::cooldown::{
    apply_cooldown, parse_exclude_newer, parse_min_age, CooldownError, CooldownPolicy, CooldownRule,
};
use minaudit::index::local_registry::LocalRegistryIndex;
use minaudit::index::{load_snapshot_with, IndexSnapshot, Root, WalkOptions};

fn snapshot() -> IndexSnapshot {
    let r = LocalRegistryIndex::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/index/registry"),
    )
    .unwrap();
    // Dev-deps too, so that `dddd` (no pubtime) is in.
    let opts = WalkOptions {
        dev_deps: true,
        all_versions: false,
    };
    load_snapshot_with(&r, &[Root::all_versions("a")], opts, |_, _| {}).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn pairs<'a>(it: impl Iterator<Item = (&'a str, String)>) -> Vec<String> {
    let mut v: Vec<String> = it.map(|(n, v)| format!("{n}@{v}")).collect();
    v.sort();
    v
}

fn remaining(s: &IndexSnapshot) -> Vec<String> {
    pairs(s.crates.values().flat_map(|c| {
        c.versions
            .iter()
            .map(|v| (v.name.as_str(), v.version.to_string()))
    }))
}

const NOW: &str = "2025-10-08T00:00:00Z";

#[test]
fn no_policy_is_identity() {
    let snap = snapshot();
    let out = apply_cooldown(&snap, &CooldownPolicy::default(), ts(NOW), &BTreeSet::new());
    assert_eq!(out.snapshot, snap);
    assert!(out.dropped.is_empty() && out.kept_locked.is_empty());
    assert_eq!(out.without_pubtime, 0);
}

#[test]
fn exclude_newer_date_means_before_that_day_utc() {
    let policy = CooldownPolicy {
        exclude_newer: Some(parse_exclude_newer("2025-03-01").unwrap()),
        min_age: None,
    };
    let out = apply_cooldown(&snapshot(), &policy, ts(NOW), &BTreeSet::new());
    let dropped = pairs(
        out.dropped
            .iter()
            .map(|d| (d.name.as_str(), d.version.to_string())),
    );
    assert_eq!(dropped, ["MyCrate@1.0.0", "a@1.0.0", "a@1.1.0", "bb@1.2.0"]);
    assert!(out
        .dropped
        .iter()
        .all(|d| d.rule == CooldownRule::ExcludeNewer));
    assert_eq!(
        remaining(&out.snapshot),
        [
            "a@0.9.0",
            "bb@1.0.0",
            "ccc@0.3.0",
            "dddd@0.1.2",
            "eeeee@1.0.0"
        ]
    );
    // a 0.9.0 and dddd 0.1.2 have no pubtime: kept and counted.
    assert_eq!(out.without_pubtime, 2);
}

#[test]
fn exclude_newer_timestamp_boundary() {
    // a 1.0.0 was published at exactly 2025-03-01T10:00:00Z.
    for (cut, dropped) in [
        ("2025-03-01T10:00:00Z", true),
        ("2025-03-01T12:00:01+02:00", false),
    ] {
        let policy = CooldownPolicy {
            exclude_newer: Some(parse_exclude_newer(cut).unwrap()),
            min_age: None,
        };
        let out = apply_cooldown(&snapshot(), &policy, ts(NOW), &BTreeSet::new());
        let has = out
            .dropped
            .iter()
            .any(|d| d.name == "a" && d.version.to_string() == "1.0.0");
        assert_eq!(has, dropped, "{cut}");
    }
}

#[test]
fn min_age_boundary_with_fixed_now() {
    // bb 1.2.0: 2025-10-01T00:00:00Z, exactly 7 days before NOW.
    let policy = CooldownPolicy {
        exclude_newer: None,
        min_age: Some(parse_min_age("7d").unwrap()),
    };
    let out = apply_cooldown(&snapshot(), &policy, ts(NOW), &BTreeSet::new());
    assert!(
        out.dropped.is_empty(),
        "exactly 7 days old is old enough: {:?}",
        out.dropped
    );
    let out = apply_cooldown(
        &snapshot(),
        &policy,
        ts("2025-10-07T23:59:59Z"),
        &BTreeSet::new(),
    );
    let dropped = pairs(
        out.dropped
            .iter()
            .map(|d| (d.name.as_str(), d.version.to_string())),
    );
    assert_eq!(dropped, ["bb@1.2.0"]);
    assert_eq!(out.dropped[0].rule, CooldownRule::MinAge);
    // 30 weeks before 2025-10-08 is 2025-03-12: also drops MyCrate 1.0.0 and a 1.1.0.
    let policy = CooldownPolicy {
        exclude_newer: None,
        min_age: Some(parse_min_age("30w").unwrap()),
    };
    let out = apply_cooldown(&snapshot(), &policy, ts(NOW), &BTreeSet::new());
    let dropped = pairs(
        out.dropped
            .iter()
            .map(|d| (d.name.as_str(), d.version.to_string())),
    );
    assert_eq!(dropped, ["MyCrate@1.0.0", "a@1.1.0", "bb@1.2.0"]);
}

#[test]
fn locked_versions_are_kept_and_reported() {
    let policy = CooldownPolicy {
        exclude_newer: Some(ts("2025-06-01T00:00:00Z")),
        min_age: None,
    };
    let keep = BTreeSet::from([("bb".to_string(), semver::Version::new(1, 2, 0))]);
    let out = apply_cooldown(&snapshot(), &policy, ts(NOW), &keep);
    let dropped = pairs(
        out.dropped
            .iter()
            .map(|d| (d.name.as_str(), d.version.to_string())),
    );
    assert_eq!(dropped, ["a@1.1.0"]);
    assert_eq!(out.kept_locked.len(), 1);
    assert_eq!(out.kept_locked[0].name, "bb");
    assert!(out
        .snapshot
        .version("bb", &semver::Version::new(1, 2, 0))
        .is_some());
}

#[test]
fn duration_parsing() {
    let day = 86_400;
    for (s, secs) in [
        ("7d", 7 * day),
        ("2w", 14 * day),
        ("12h", 12 * 3600),
        ("90m", 5400),
        ("45s", 45),
        ("1w2d12h", 9 * day + 12 * 3600),
    ] {
        assert_eq!(
            parse_min_age(s).unwrap(),
            SignedDuration::from_secs(secs),
            "{s}"
        );
    }
    for bad in ["", "7", "d", "7y", "-7d", "7 d", "99999999999999999999d"] {
        let err = parse_min_age(bad).unwrap_err();
        assert!(matches!(err, CooldownError::BadDuration { .. }), "{bad}");
        assert!(err.to_string().contains("hint:"));
    }
}

#[test]
fn date_parsing() {
    assert_eq!(
        parse_exclude_newer("2025-06-01").unwrap(),
        ts("2025-06-01T00:00:00Z")
    );
    assert_eq!(
        parse_exclude_newer("2025-06-01T12:00:00+02:00").unwrap(),
        ts("2025-06-01T10:00:00Z")
    );
    for bad in [
        "2025-6-1",
        "yesterday",
        "2025-02-30",
        "",
        "2025-06-01T12:00:00",
    ] {
        assert!(parse_exclude_newer(bad).is_err(), "{bad}");
    }
}
