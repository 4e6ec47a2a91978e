//! Publisher facts: who published each version of a crate and when, as cargo-vet matches them
//! against `wildcard-audits` and local `trusted` entries (DESIGN.md §3).
//!
//! The facts are not in the registry index. cargo-vet reads them from the crates.io API
//! (`/api/v1/crates/NAME`, each version's `published_by` or `trustpub_data`), keeps them in its
//! `crates-io-cache.json`, and writes `[[publisher.NAME]]` rows into imports.lock only for the
//! versions a lock uses. minaudit needs them for every version the optimiser may choose:
//! - [`relevant_crates`]: only crates with a wildcard audit or a local trusted entry need them;
//! - [`versions_needing_facts`]: of those, the published versions (yanked too: a covered one is
//!   a delta base) an entry could cover (publish date within some entry's range, when the index
//!   knows the date) and imports.lock has no row for;
//! - [`PublisherSource`]: where missing facts come from (`api`: the crates.io API with a cache;
//!   [`FixturePublishers`] for tests); `parse` reads the API's answer and cargo-vet's cache;
//! - [`rows_for`]: the facts as imports.lock rows, which the audit graph already matches.
//!
//! A version without facts stays "not covered" and is counted, never assumed covered.
//! Everything here but `api` is pure.

pub mod api;
pub mod parse;

use std::collections::{BTreeMap, BTreeSet};

use crate::vet::format::{PublisherId, PublisherRow, VetDate, VetVersion};
use crate::vet::store::Store;

/// What crates.io knows about one published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFacts {
    /// UTC date of `created_at` (cargo-vet compares dates, not times).
    pub when: VetDate,
    /// `None` for versions published before crates.io recorded publishers.
    pub source: Option<PublisherId>,
    pub user_login: Option<String>,
    pub user_name: Option<String>,
}

/// Facts for the versions of one crate.
pub type CrateFacts = BTreeMap<semver::Version, VersionFacts>;

/// Why a source could not answer; every variant names the URL and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublisherError {
    #[error("{url} answered HTTP 429 (rate limited)")]
    RateLimited { url: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("cannot reach {url}: {error}")]
    Transport { url: String, error: String },
    #[error("{url} sent an answer that is not a crates.io crate record: {error}")]
    Malformed { url: String, error: String },
}

/// A source of publisher facts, one crate at a time.
pub trait PublisherSource {
    /// One line for warnings, e.g. `the crates.io API (https://crates.io/)`.
    fn describe(&self) -> String;
    /// Facts for every published version of `krate`; `Ok(None)`: the registry has no such crate.
    fn crate_facts(&self, krate: &str) -> Result<Option<CrateFacts>, PublisherError>;
}

/// Recorded facts, for tests.
#[derive(Debug, Clone, Default)]
pub struct FixturePublishers {
    pub crates: BTreeMap<String, CrateFacts>,
}

impl PublisherSource for FixturePublishers {
    fn describe(&self) -> String {
        "recorded publisher facts".to_owned()
    }
    fn crate_facts(&self, krate: &str) -> Result<Option<CrateFacts>, PublisherError> {
        Ok(self.crates.get(krate).cloned())
    }
}

/// The crates whose versions a wildcard audit (local or imported) or a local trusted entry
/// could vet (imported `trusted` entries never vet), plus `extra` (e.g. what-if's
/// `--trust-publisher` crates), restricted to `names`.
pub fn relevant_crates<'a>(
    store: &Store,
    names: impl IntoIterator<Item = &'a str>,
    extra: &[String],
) -> BTreeSet<String> {
    let has_entry = |krate: &str| {
        store.audits.wildcard_audits.contains_key(krate)
            || store.audits.trusted.contains_key(krate)
            || store
                .imported
                .values()
                .any(|f| f.wildcard_audits.contains_key(krate))
            || extra.iter().any(|e| e == krate)
    };
    names
        .into_iter()
        .filter(|n| has_entry(n))
        .map(str::to_owned)
        .collect()
}

/// One published version as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedVersion {
    pub version: semver::Version,
    /// Publish date from the index (`pubtime`), when it has one.
    pub published: Option<jiff::civil::Date>,
}

/// The versions of `krate` whose publisher must be known to decide coverage: those without an
/// imports.lock row whose publish date (when the index knows it) falls within one day of some
/// entry's `[start, end)` (the index time and crates.io's `created_at` may straddle midnight).
/// With `any_date` every version qualifies (what-if's pretended trust spans all dates).
pub fn versions_needing_facts(
    store: &Store,
    krate: &str,
    versions: &[IndexedVersion],
    any_date: bool,
) -> BTreeSet<semver::Version> {
    let mut ranges: Vec<(VetDate, VetDate)> = Vec::new();
    let files = std::iter::once(&store.audits).chain(store.imported.values());
    for f in files {
        for w in f.wildcard_audits.get(krate).into_iter().flatten() {
            ranges.push((w.start, w.end));
        }
    }
    for t in store.audits.trusted.get(krate).into_iter().flatten() {
        ranges.push((t.start, t.end));
    }
    let have: BTreeSet<&semver::Version> = store
        .imports
        .publisher
        .get(krate)
        .into_iter()
        .flatten()
        .map(|r| &r.version.semver)
        .collect();
    let one_day = jiff::Span::new().days(1);
    let in_some_range = |d: jiff::civil::Date| {
        ranges.iter().any(|(start, end)| {
            let lo = start.0.checked_sub(one_day).unwrap_or(start.0);
            let hi = end.0.checked_add(one_day).unwrap_or(end.0);
            lo <= d && d < hi
        })
    };
    versions
        .iter()
        .filter(|v| !have.contains(&v.version))
        .filter(|v| any_date || v.published.is_none_or(in_some_range))
        .map(|v| v.version.clone())
        .collect()
}

/// imports.lock rows for the `wanted` versions that `facts` names a publisher for. Versions
/// crates.io knows without a publisher get no row (cargo-vet makes none either).
pub fn rows_for(facts: &CrateFacts, wanted: &BTreeSet<semver::Version>) -> Vec<PublisherRow> {
    wanted
        .iter()
        .filter_map(|v| {
            let f = facts.get(v)?;
            let source = f.source.clone()?;
            Some(PublisherRow {
                version: VetVersion::new(v.clone()),
                when: f.when,
                source,
                user_login: f.user_login.clone(),
                user_name: f.user_name.clone(),
            })
        })
        .collect()
}

/// Whether a wildcard audit (local or imported) or a local trusted entry of `krate` names
/// `row`'s publisher over its date: the row then vets its version for that entry's criteria.
pub fn row_is_covered(store: &Store, krate: &str, row: &PublisherRow) -> bool {
    let files = std::iter::once(&store.audits).chain(store.imported.values());
    let in_range = |source: &PublisherId, start: VetDate, end: VetDate| {
        *source == row.source && start <= row.when && row.when < end
    };
    files
        .flat_map(|f| f.wildcard_audits.get(krate).into_iter().flatten())
        .any(|w| in_range(&w.source, w.start, w.end))
        || store
            .audits
            .trusted
            .get(krate)
            .into_iter()
            .flatten()
            .any(|t| in_range(&t.source, t.start, t.end))
}

/// Merges `more` into `base`; what `base` already holds wins (a fresher source comes first).
pub fn merge_facts(base: &mut CrateFacts, more: &CrateFacts) {
    for (v, f) in more {
        base.entry(v.clone()).or_insert_with(|| f.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDITS: &str = r#"
[[wildcard-audits.wasm-enc]]
who = "W <w@example.com>"
criteria = "safe-to-deploy"
user-id = 73222
start = "2023-01-01"
end = "2025-01-01"

[[trusted.tp-crate]]
criteria = "safe-to-deploy"
trusted-publisher = "github:org/tp-crate"
start = "2024-06-01"
end = "2026-06-01"
"#;
    const IMPORTS: &str = r#"
[[publisher.wasm-enc]]
version = "1.0.0"
when = "2023-03-01"
user-id = 73222
"#;

    fn store() -> Store {
        Store::from_texts("[cargo-vet]\nversion = \"0.10\"\n", AUDITS, IMPORTS).unwrap()
    }

    fn v(s: &str) -> semver::Version {
        s.parse().unwrap()
    }

    fn iv(s: &str, date: Option<&str>) -> IndexedVersion {
        IndexedVersion {
            version: v(s),
            published: date.map(|d| d.parse().unwrap()),
        }
    }

    #[test]
    fn only_crates_with_a_wildcard_or_local_trusted_entry_are_relevant() {
        let s = store();
        let got = relevant_crates(&s, ["wasm-enc", "tp-crate", "serde"], &[]);
        assert_eq!(got, ["tp-crate", "wasm-enc"].map(String::from).into());
        let got = relevant_crates(&s, ["serde"], &["serde".to_owned()]);
        assert_eq!(got, ["serde".to_owned()].into());
    }

    #[test]
    fn versions_with_a_row_or_a_date_outside_every_range_need_no_facts() {
        let s = store();
        let versions = [
            iv("1.0.0", Some("2023-03-01")), // has a row
            iv("1.1.0", Some("2024-05-01")), // in range
            iv("1.2.0", Some("2025-01-01")), // the end date itself: within a day
            iv("1.3.0", Some("2025-03-01")), // after the range
            iv("0.9.0", None),               // date unknown
        ];
        let got = versions_needing_facts(&s, "wasm-enc", &versions, false);
        assert_eq!(got, [v("0.9.0"), v("1.1.0"), v("1.2.0")].into());
        let all = versions_needing_facts(&s, "wasm-enc", &versions, true);
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn rows_are_made_only_for_wanted_versions_with_a_publisher() {
        let date = |d: &str| VetDate(d.parse().unwrap());
        let facts: CrateFacts = [
            (
                v("1.1.0"),
                VersionFacts {
                    when: date("2024-05-01"),
                    source: Some(PublisherId::User(73222)),
                    user_login: Some("w".into()),
                    user_name: None,
                },
            ),
            (
                v("1.2.0"),
                VersionFacts {
                    when: date("2024-07-01"),
                    source: None,
                    user_login: None,
                    user_name: None,
                },
            ),
            (
                v("1.3.0"),
                VersionFacts {
                    when: date("2024-08-01"),
                    source: Some(PublisherId::User(1)),
                    user_login: None,
                    user_name: None,
                },
            ),
        ]
        .into();
        let rows = rows_for(&facts, &[v("1.1.0"), v("1.2.0"), v("9.9.9")].into());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].version.semver, v("1.1.0"));
        assert_eq!(rows[0].source, PublisherId::User(73222));
        assert_eq!(rows[0].when, date("2024-05-01"));
    }

    #[test]
    fn a_row_from_the_api_makes_the_audit_graph_cover_the_version() {
        use crate::vet::audit_graph::AuditGraph;
        let mut s = store();
        let facts: CrateFacts = [(
            v("1.1.0"),
            VersionFacts {
                when: VetDate("2024-05-01".parse().unwrap()),
                source: Some(PublisherId::User(73222)),
                user_login: None,
                user_name: None,
            },
        )]
        .into();
        let deploy = s.mapper.index_of("safe-to-deploy").unwrap();
        let target = VetVersion::new(v("1.1.0"));
        let before = AuditGraph::build(&s, "wasm-enc").unwrap();
        assert!(before.search(deploy, &target).is_err());
        let rows = rows_for(&facts, &[v("1.1.0")].into());
        assert!(row_is_covered(&s, "wasm-enc", &rows[0]));
        assert!(!row_is_covered(&s, "tp-crate", &rows[0]));
        s.add_publisher_rows("wasm-enc", rows);
        let after = AuditGraph::build(&s, "wasm-enc").unwrap();
        assert!(after.search(deploy, &target).is_ok());
    }
}
