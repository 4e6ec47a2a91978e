//! Publisher facts from text (pure): the crates.io API's crate record, cargo-vet's
//! `crates-io-cache.json`, and minaudit's own per-crate cache file.
//!
//! The API record is read as cargo-vet 0.10 reads it (`CratesAPICrate` in its `format.rs`):
//! each of `versions[]` has `num`, `created_at` (RFC 3339), `published_by` (`{id, login, name}`
//! or null) and `trustpub_data` (`{provider: "github", repository: "org/repo"}` or null).
//! A user wins over Trusted Publishing; a GitHub publisher reads `github:org/repo`; another
//! provider names no publisher (cargo-vet's `as_signature`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CrateFacts, VersionFacts};
use crate::vet::format::{PublisherId, VetDate};

#[derive(Deserialize)]
struct ApiCrate {
    versions: Vec<ApiVersion>,
}

#[derive(Deserialize)]
struct ApiVersion {
    num: semver::Version,
    created_at: String,
    published_by: Option<ApiUser>,
    trustpub_data: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ApiUser {
    id: u64,
    login: String,
    name: Option<String>,
}

/// The UTC calendar date of an RFC 3339 time (cargo-vet's `created_at.date_naive()`).
fn utc_date(time: &str) -> Result<VetDate, String> {
    let ts: jiff::Timestamp = time
        .parse()
        .map_err(|e| format!("created_at `{time}`: {e}"))?;
    Ok(VetDate(ts.to_zoned(jiff::tz::TimeZone::UTC).date()))
}

/// `github:org/repo` for GitHub Trusted Publishing, nothing for other or unknown providers.
fn trusted_publisher(data: &serde_json::Value) -> Option<String> {
    let provider = data.get("provider")?.as_str()?;
    let repository = data.get("repository")?.as_str()?;
    (provider == "github").then(|| format!("github:{repository}"))
}

/// Parses a `GET /api/v1/crates/NAME` answer.
pub fn parse_api_crate(text: &str) -> Result<CrateFacts, String> {
    let raw: ApiCrate = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for v in raw.versions {
        let (source, user_login, user_name) = match (v.published_by, &v.trustpub_data) {
            (Some(u), _) => (Some(PublisherId::User(u.id)), Some(u.login), u.name),
            (None, Some(tp)) => (
                trusted_publisher(tp).map(PublisherId::TrustedPublisher),
                None,
                None,
            ),
            (None, None) => (None, None, None),
        };
        out.insert(
            v.num,
            VersionFacts {
                when: utc_date(&v.created_at)?,
                source,
                user_login,
                user_name,
            },
        );
    }
    Ok(out)
}

#[derive(Deserialize)]
struct VetCache {
    version: String,
    #[serde(default)]
    users: BTreeMap<u64, VetCacheUser>,
    #[serde(default)]
    crates: BTreeMap<String, VetCacheEntry>,
}

#[derive(Deserialize)]
struct VetCacheUser {
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct VetCacheEntry {
    versions: BTreeMap<semver::Version, VetCacheVersion>,
}

#[derive(Deserialize)]
struct VetCacheVersion {
    created_at: String,
    source: Option<SourceId>,
}

/// cargo-vet's `CratesSourceId` (untagged), also the publisher fields of minaudit's cache.
#[derive(Deserialize, Serialize, Clone)]
#[serde(untagged)]
enum SourceId {
    User {
        #[serde(rename = "user-id")]
        user_id: u64,
    },
    TrustedPublisher {
        #[serde(rename = "trusted-publisher")]
        trusted_publisher: String,
    },
}

impl From<SourceId> for PublisherId {
    fn from(s: SourceId) -> Self {
        match s {
            SourceId::User { user_id } => PublisherId::User(user_id),
            SourceId::TrustedPublisher { trusted_publisher } => {
                PublisherId::TrustedPublisher(trusted_publisher)
            }
        }
    }
}

/// Parses cargo-vet's `crates-io-cache.json` (cache file version "2") into facts per crate.
pub fn parse_vet_cache(text: &str) -> Result<BTreeMap<String, CrateFacts>, String> {
    let raw: VetCache = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if raw.version != "2" {
        return Err(format!(
            "cache file version \"{}\", expected \"2\"",
            raw.version
        ));
    }
    let mut out = BTreeMap::new();
    for (name, entry) in raw.crates {
        let mut facts = CrateFacts::new();
        for (num, v) in entry.versions {
            let source: Option<PublisherId> = v.source.map(Into::into);
            let user = match &source {
                Some(PublisherId::User(id)) => raw.users.get(id),
                _ => None,
            };
            facts.insert(
                num,
                VersionFacts {
                    when: utc_date(&v.created_at)?,
                    source,
                    user_login: user.map(|u| u.login.clone()),
                    user_name: user.and_then(|u| u.name.clone()),
                },
            );
        }
        out.insert(name, facts);
    }
    Ok(out)
}

/// Version of minaudit's per-crate cache file.
const OWN_CACHE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct OwnCache {
    version: u32,
    versions: BTreeMap<semver::Version, OwnVersion>,
}

#[derive(Serialize, Deserialize)]
struct OwnVersion {
    when: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    source: Option<SourceId>,
    #[serde(rename = "user-login", skip_serializing_if = "Option::is_none")]
    user_login: Option<String>,
    #[serde(rename = "user-name", skip_serializing_if = "Option::is_none")]
    user_name: Option<String>,
}

/// minaudit's cache file for one crate (what the API said, reduced to the facts).
pub fn render_own_cache(facts: &CrateFacts) -> String {
    let versions = facts
        .iter()
        .map(|(v, f)| {
            let source = f.source.as_ref().map(|s| match s {
                PublisherId::User(id) => SourceId::User { user_id: *id },
                PublisherId::TrustedPublisher(tp) => SourceId::TrustedPublisher {
                    trusted_publisher: tp.clone(),
                },
            });
            let own = OwnVersion {
                when: f.when.0.to_string(),
                source,
                user_login: f.user_login.clone(),
                user_name: f.user_name.clone(),
            };
            (v.clone(), own)
        })
        .collect();
    let file = OwnCache {
        version: OWN_CACHE_VERSION,
        versions,
    };
    serde_json::to_string_pretty(&file).expect("facts serialise")
}

pub fn parse_own_cache(text: &str) -> Result<CrateFacts, String> {
    let raw: OwnCache = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if raw.version != OWN_CACHE_VERSION {
        return Err(format!("cache file version {}", raw.version));
    }
    raw.versions
        .into_iter()
        .map(|(num, v)| {
            let when = v
                .when
                .parse()
                .map(VetDate)
                .map_err(|e| format!("when `{}`: {e}", v.when))?;
            let facts = VersionFacts {
                when,
                source: v.source.map(Into::into),
                user_login: v.user_login,
                user_name: v.user_name,
            };
            Ok((num, facts))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> semver::Version {
        s.parse().unwrap()
    }

    const API: &str = r#"{
      "crate": {"name": "wasm-enc", "description": "x", "repository": null},
      "versions": [
        {"num": "1.2.0", "created_at": "2024-07-01T23:59:59.5+00:00", "yanked": false,
         "published_by": null,
         "trustpub_data": {"provider": "github", "repository": "org/wasm-enc", "run_id": "1", "sha": "ab"}},
        {"num": "1.1.0", "created_at": "2024-05-01T01:00:00.000000Z",
         "published_by": {"id": 73222, "login": "wasmbot", "name": "Wasm Bot", "avatar": null},
         "trustpub_data": null},
        {"num": "1.0.1", "created_at": "2024-04-30T22:30:00-03:00",
         "published_by": null,
         "trustpub_data": {"provider": "gitlab", "project_path": "org/x"}},
        {"num": "0.1.0", "created_at": "2015-05-01T00:00:00Z", "published_by": null}
      ],
      "meta": {"total": 4}
    }"#;

    #[test]
    fn the_api_record_reads_as_cargo_vet_reads_it() {
        let facts = parse_api_crate(API).unwrap();
        let date = |d: &str| VetDate(d.parse().unwrap());
        let tp = &facts[&v("1.2.0")];
        assert_eq!(
            tp.source,
            Some(PublisherId::TrustedPublisher("github:org/wasm-enc".into()))
        );
        assert_eq!(tp.when, date("2024-07-01"));
        let user = &facts[&v("1.1.0")];
        assert_eq!(user.source, Some(PublisherId::User(73222)));
        assert_eq!(user.user_login.as_deref(), Some("wasmbot"));
        assert_eq!(user.user_name.as_deref(), Some("Wasm Bot"));
        // a non-UTC offset counts in UTC, as chrono's DateTime<Utc> does
        assert_eq!(facts[&v("1.0.1")].when, date("2024-05-01"));
        assert_eq!(facts[&v("1.0.1")].source, None, "gitlab: no signature");
        assert_eq!(facts[&v("0.1.0")].source, None);
    }

    #[test]
    fn a_malformed_answer_is_an_error() {
        assert!(parse_api_crate("{\"errors\":[{\"detail\":\"Not Found\"}]}").is_err());
        assert!(parse_api_crate("<html>").is_err());
        let bad_date = API.replace("2015-05-01T00:00:00Z", "yesterday");
        assert!(parse_api_crate(&bad_date).is_err());
    }

    #[test]
    fn cargo_vets_cache_reads_users_and_trusted_publishers() {
        let text = r#"{
          "version": "2",
          "users": {"73222": {"login": "wasmbot", "name": null}},
          "crates": {"wasm-enc": {
            "versions": {
              "1.1.0": {"created_at": "2024-05-01T01:00:00Z", "source": {"user-id": 73222}},
              "1.2.0": {"created_at": "2024-07-01T10:00:00Z", "source": {"trusted-publisher": "github:org/wasm-enc"}},
              "0.1.0": {"created_at": "2015-05-01T00:00:00Z", "source": null}
            },
            "metadata": {"description": null, "repository": null}
          }}
        }"#;
        let all = parse_vet_cache(text).unwrap();
        let facts = &all["wasm-enc"];
        assert_eq!(facts[&v("1.1.0")].source, Some(PublisherId::User(73222)));
        assert_eq!(facts[&v("1.1.0")].user_login.as_deref(), Some("wasmbot"));
        assert_eq!(
            facts[&v("1.2.0")].source,
            Some(PublisherId::TrustedPublisher("github:org/wasm-enc".into()))
        );
        assert_eq!(facts[&v("0.1.0")].source, None);
        assert!(parse_vet_cache(&text.replace("\"2\"", "\"1\"")).is_err());
    }

    #[test]
    fn own_cache_round_trips() {
        let facts = parse_api_crate(API).unwrap();
        let back = parse_own_cache(&render_own_cache(&facts)).unwrap();
        assert_eq!(back, facts);
    }
}
