//! Publisher facts for every version a wildcard audit or a local trusted entry could cover,
//! added to the store as imports.lock rows before anything is priced (`report`, the optimiser,
//! `explain`, `what-if` all price from that store).
//!
//! Per relevant crate (`publishers::relevant_crates` over the lock's registry packages at
//! session load, then over the crates only the optimiser's candidates hold), the versions
//! without an imports.lock row are looked up, in order:
//! 1. minaudit's cache (`<cache>/publishers/NAME.json`) and cargo-vet's `crates-io-cache.json`;
//! 2. the crates.io API, only when those lack a version the index lists (cargo-vet's rule),
//!    and the answer replaces minaudit's cache file.
//!
//! `--frozen-imports` reads imports.lock rows only, exactly what `cargo vet --locked` sees;
//! `--offline` reads the caches but asks no API. A version still without facts counts as not
//! covered; the report says how many, and a failed request is a warning naming the count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::cli::CommonArgs;
use crate::index::Index;
use crate::publishers::api::{CratesIoApi, CRATES_IO_API};
use crate::publishers::parse::{parse_own_cache, parse_vet_cache, render_own_cache};
use crate::publishers::{
    merge_facts, relevant_crates, row_is_covered, rows_for, versions_needing_facts, CrateFacts,
    IndexedVersion, PublisherError, PublisherSource,
};
use crate::report::PublisherFacts;
use crate::shell::Shell;
use crate::vet::store::Store;
use crate::workspace::ResolvedGraph;

/// Environment variable naming another API root (a mirror, or a test server).
pub const API_URL_ENV: &str = "MINAUDIT_CRATES_IO_API";

/// Which sources a run may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactsMode {
    /// imports.lock rows only (`--frozen-imports`).
    ImportsLock,
    /// imports.lock rows and the caches (`--offline`).
    Caches,
    /// imports.lock rows, the caches, then the API.
    Online,
}

impl FactsMode {
    pub fn of(common: &CommonArgs) -> FactsMode {
        if common.frozen_imports {
            FactsMode::ImportsLock
        } else if common.offline {
            FactsMode::Caches
        } else {
            FactsMode::Online
        }
    }
}

/// What to look up: the store to extend, the registry crates to consider (the lock's, or the
/// optimiser's candidates), and crates that need facts for every version whatever the store
/// says (what-if's `--trust-publisher`).
pub struct FactsRequest<'a> {
    pub crates: &'a BTreeSet<String>,
    pub index: &'a dyn Index,
    pub cache_dir: &'a Path,
    pub mode: FactsMode,
    pub extra_crates: &'a [String],
    /// cargo-vet's `crates-io-cache.json` ([`vet_cache_path`] for real runs).
    pub vet_cache: Option<PathBuf>,
}

/// cargo-vet's `crates-io-cache.json`: `$XDG_CACHE_HOME/cargo-vet/`, else `~/.cache/cargo-vet/`
/// (its `dirs::cache_dir()` on Linux).
pub fn vet_cache_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("cargo-vet").join("crates-io-cache.json"))
}

fn read_vet_cache(path: Option<&Path>, shell: &Shell) -> BTreeMap<String, CrateFacts> {
    let Some(path) = path else {
        return BTreeMap::new();
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    parse_vet_cache(&text).unwrap_or_else(|e| {
        shell.warn(format!(
            "ignoring cargo-vet's publisher cache {}: {e}",
            path.display()
        ));
        BTreeMap::new()
    })
}

fn own_cache_path(cache_dir: &Path, krate: &str) -> PathBuf {
    cache_dir.join("publishers").join(format!("{krate}.json"))
}

fn read_own_cache(cache_dir: &Path, krate: &str) -> Option<CrateFacts> {
    let text = std::fs::read_to_string(own_cache_path(cache_dir, krate)).ok()?;
    parse_own_cache(&text).ok()
}

fn write_own_cache(cache_dir: &Path, krate: &str, facts: &CrateFacts) {
    let path = own_cache_path(cache_dir, krate);
    // a cache that cannot be written only costs a request next time
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, render_own_cache(facts)).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

/// What minaudit's cache and cargo-vet's say about `krate` (minaudit's first).
fn cached_facts(
    cache_dir: &Path,
    vet_cache: &BTreeMap<String, CrateFacts>,
    krate: &str,
) -> CrateFacts {
    let mut facts = read_own_cache(cache_dir, krate).unwrap_or_default();
    if let Some(vet) = vet_cache.get(krate) {
        merge_facts(&mut facts, vet);
    }
    facts
}

/// Asks `source` and caches its answer; the answer wins over `cached`, which is handed back
/// with the error when the source fails.
fn fetch(
    source: &dyn PublisherSource,
    cache_dir: &Path,
    krate: &str,
    cached: CrateFacts,
) -> Result<CrateFacts, (PublisherError, CrateFacts)> {
    match source.crate_facts(krate) {
        Ok(Some(mut fresh)) => {
            write_own_cache(cache_dir, krate, &fresh);
            merge_facts(&mut fresh, &cached);
            Ok(fresh)
        }
        Ok(None) => Ok(cached),
        Err(e) => Err((e, cached)),
    }
}

/// The registry crates of a resolve graph (those whose versions publisher facts can concern).
pub fn registry_crates(resolved: &ResolvedGraph) -> BTreeSet<String> {
    resolved
        .packages
        .iter()
        .filter(|p| {
            p.source
                .as_deref()
                .is_some_and(|s| s.starts_with("registry+"))
        })
        .map(|p| p.name.clone())
        .collect()
}

/// The facts for the optimiser's candidates the session did not look up: crates only the
/// candidates hold, and (with a what-if store) crates of the lock that only that store gives a
/// wildcard audit or trusted entry (`session_store` and `lock`: what the session looked up
/// facts for). `store` with their rows added and what was looked up, or None when no such
/// crate has an entry.
pub fn add_candidate_facts(
    store: &Store,
    session_store: &Store,
    lock: &ResolvedGraph,
    candidates: &BTreeSet<String>,
    sources: (&dyn Index, &Path, FactsMode),
    shell: &Shell,
) -> anyhow::Result<Option<(Store, PublisherFacts)>> {
    let locked = registry_crates(lock);
    let handled = relevant_crates(session_store, locked.iter().map(String::as_str), &[]);
    let crates: BTreeSet<String> = candidates.difference(&handled).cloned().collect();
    if relevant_crates(store, crates.iter().map(String::as_str), &[]).is_empty() {
        return Ok(None);
    }
    let mut with_facts = store.clone();
    let (index, cache_dir, mode) = sources;
    let request = FactsRequest {
        crates: &crates,
        index,
        cache_dir,
        mode,
        extra_crates: &[],
        vet_cache: vet_cache_path(),
    };
    let summary = add_publisher_facts(&mut with_facts, &request, shell)?;
    Ok(summary.map(|s| (with_facts, s)))
}

/// Two lookups' summaries as one (the lock's, then the candidates').
pub fn merged(a: Option<&PublisherFacts>, b: Option<&PublisherFacts>) -> Option<PublisherFacts> {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (Some(a), Some(b)) => {
            let mut unchecked: BTreeSet<String> = a.unchecked_crates.iter().cloned().collect();
            unchecked.extend(b.unchecked_crates.iter().cloned());
            Some(PublisherFacts {
                crates: a.crates + b.crates,
                source: a.source.clone(),
                versions_from_imports_lock: a.versions_from_imports_lock
                    + b.versions_from_imports_lock,
                versions_looked_up: a.versions_looked_up + b.versions_looked_up,
                versions_covered: a.versions_covered + b.versions_covered,
                versions_unchecked: a.versions_unchecked + b.versions_unchecked,
                unchecked_crates: unchecked.into_iter().collect(),
                requests: a.requests + b.requests,
            })
        }
    }
}

/// Looks the facts up and adds them to `store` as publisher rows, with the real API.
pub fn add_publisher_facts(
    store: &mut Store,
    req: &FactsRequest<'_>,
    shell: &Shell,
) -> anyhow::Result<Option<PublisherFacts>> {
    let base = std::env::var(API_URL_ENV).unwrap_or_else(|_| CRATES_IO_API.to_owned());
    let api = CratesIoApi::new(&base);
    add_publisher_facts_from(store, req, &api, shell)
}

/// [`add_publisher_facts`] with any source (tests pass a fixture).
pub fn add_publisher_facts_from(
    store: &mut Store,
    req: &FactsRequest<'_>,
    source: &dyn PublisherSource,
    shell: &Shell,
) -> anyhow::Result<Option<PublisherFacts>> {
    let registry_names: BTreeSet<&str> = req.crates.iter().map(String::as_str).collect();
    let relevant = relevant_crates(store, registry_names, req.extra_crates);
    if relevant.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = relevant.iter().cloned().collect();
    let loaded = req.index.load_crates(&names)?;
    let vet_cache = match req.mode {
        FactsMode::ImportsLock => BTreeMap::new(),
        FactsMode::Caches | FactsMode::Online => read_vet_cache(req.vet_cache.as_deref(), shell),
    };

    let mut summary = PublisherFacts {
        crates: relevant.len(),
        ..PublisherFacts::default()
    };
    let mut failures: Vec<(String, PublisherError)> = Vec::new();
    // a host that refuses or rate-limits is not asked again in this run
    let mut stop_asking = false;
    let mut unchecked_crates = BTreeSet::new();
    for krate in &relevant {
        let Some(Some(ic)) = loaded.get(krate) else {
            continue;
        };
        // yanked versions too: a covered one is a delta base for cargo-vet's suggest
        let versions: Vec<IndexedVersion> = ic
            .versions
            .iter()
            .map(|v| IndexedVersion {
                version: v.version.clone(),
                published: v
                    .pubtime
                    .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date()),
            })
            .collect();
        let any_date = req.extra_crates.contains(krate);
        let needed = versions_needing_facts(store, krate, &versions, any_date);
        summary.versions_from_imports_lock += versions.len() - needed.len();
        if needed.is_empty() {
            continue;
        }
        let cached = match req.mode {
            FactsMode::ImportsLock => CrateFacts::new(),
            FactsMode::Caches | FactsMode::Online => cached_facts(req.cache_dir, &vet_cache, krate),
        };
        let lacking = needed.iter().any(|v| !cached.contains_key(v));
        let facts = if lacking && req.mode == FactsMode::Online && !stop_asking {
            shell.status("Fetching", format!("publishers of `{krate}`"));
            summary.requests += 1;
            match fetch(source, req.cache_dir, krate, cached) {
                Ok(facts) => facts,
                Err((e, cached)) => {
                    stop_asking |= matches!(
                        e,
                        PublisherError::RateLimited { .. } | PublisherError::Transport { .. }
                    );
                    failures.push((krate.clone(), e));
                    cached
                }
            }
        } else {
            cached
        };
        let rows = rows_for(&facts, &needed);
        let known = needed.iter().filter(|v| facts.contains_key(*v)).count();
        summary.versions_looked_up += known;
        summary.versions_covered += rows
            .iter()
            .filter(|r| row_is_covered(store, krate, r))
            .count();
        summary.versions_unchecked += needed.len() - known;
        if known < needed.len() {
            unchecked_crates.insert(krate.clone());
        }
        store.add_publisher_rows(krate, rows);
    }
    summary.unchecked_crates = unchecked_crates.into_iter().collect();
    summary.source = match req.mode {
        FactsMode::ImportsLock => "imports.lock",
        FactsMode::Caches => "imports.lock and caches",
        FactsMode::Online => "imports.lock, caches and the crates.io API",
    }
    .to_owned();

    for (krate, e) in &failures {
        shell.warn(format!("cannot read the publishers of `{krate}`: {e}"));
    }
    if summary.versions_unchecked > 0 {
        let why = match req.mode {
            FactsMode::ImportsLock => "--frozen-imports reads imports.lock rows only".to_owned(),
            FactsMode::Caches => "--offline reads the caches only".to_owned(),
            FactsMode::Online if !failures.is_empty() => {
                format!("{} could not answer", source.describe())
            }
            FactsMode::Online => format!("{} does not list them", source.describe()),
        };
        let hint = match req.mode {
            FactsMode::ImportsLock => "hint: drop --frozen-imports to look them up (crates.io API, cached), or run `cargo vet` online: it records the publishers of locked versions in imports.lock",
            FactsMode::Caches => "hint: run once without --offline to look them up",
            FactsMode::Online => "hint: run again later; the figures may fall once the publishers are known",
        };
        let n = summary.versions_unchecked;
        shell.warn(format!(
            "{n} version{} of {} that wildcard audits or trusted entries could cover {} no publisher facts ({why}); they count as not covered\n{hint}",
            if n == 1 { "" } else { "s" },
            summary.unchecked_crates.join(", "),
            if n == 1 { "has" } else { "have" },
        ));
    }
    Ok(Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexCrate, IndexError, IndexVersion};
    use crate::publishers::{FixturePublishers, VersionFacts};
    use crate::shell::Verbosity;
    use crate::vet::format::{PublisherId, VetDate};
    use crate::workspace::GraphPackage;

    struct Fixed(IndexCrate);

    impl Index for Fixed {
        fn load_crates(
            &self,
            names: &[String],
        ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError> {
            Ok(names
                .iter()
                .map(|n| (n.clone(), (*n == self.0.name).then(|| self.0.clone())))
                .collect())
        }
        fn describe(&self) -> String {
            "fixed".into()
        }
    }

    /// A source that must not be asked.
    struct Refuses;

    impl PublisherSource for Refuses {
        fn describe(&self) -> String {
            "nothing".into()
        }
        fn crate_facts(&self, krate: &str) -> Result<Option<CrateFacts>, PublisherError> {
            panic!("asked for {krate}")
        }
    }

    fn version(v: &str, pubtime: &str, yanked: bool) -> IndexVersion {
        IndexVersion {
            name: "wasm-enc".into(),
            version: v.parse().unwrap(),
            deps: Default::default(),
            features: Default::default(),
            links: None,
            yanked,
            rust_version: None,
            cksum: String::new(),
            pubtime: Some(pubtime.parse().unwrap()),
        }
    }

    fn resolved() -> ResolvedGraph {
        ResolvedGraph {
            packages: vec![GraphPackage {
                id: "wasm-enc 1.0.0".into(),
                name: "wasm-enc".into(),
                version: "1.0.0".parse().unwrap(),
                source: Some("registry+https://github.com/rust-lang/crates.io-index".into()),
                dependencies: vec![],
                features: BTreeMap::new(),
                links: None,
                rust_version: None,
                proc_macro: false,
            }],
            nodes: vec![],
            workspace_members: vec![],
        }
    }

    fn store() -> Store {
        let audits = "[[wildcard-audits.wasm-enc]]\nwho = \"W\"\ncriteria = \"safe-to-deploy\"\nuser-id = 7\nstart = \"2023-01-01\"\nend = \"2025-01-01\"\n";
        let imports = "[[publisher.wasm-enc]]\nversion = \"1.0.0\"\nwhen = \"2023-03-01\"\nuser-id = 7\nuser-login = \"w\"\n";
        Store::from_texts("[cargo-vet]\nversion = \"0.10\"\n", audits, imports).unwrap()
    }

    fn facts() -> FixturePublishers {
        let f = |d: &str, id: u64| VersionFacts {
            when: VetDate(d.parse().unwrap()),
            source: Some(PublisherId::User(id)),
            user_login: None,
            user_name: None,
        };
        let krate: CrateFacts = [
            ("1.0.0".parse().unwrap(), f("2023-03-01", 7)),
            ("1.1.0".parse().unwrap(), f("2024-02-01", 7)),
            ("1.2.0".parse().unwrap(), f("2024-06-01", 8)),
            ("1.3.0".parse().unwrap(), f("2024-07-01", 7)),
        ]
        .into();
        FixturePublishers {
            crates: [("wasm-enc".to_owned(), krate)].into(),
        }
    }

    /// 1.0.0 has a row; 1.1.0, 1.2.0 and the yanked 1.3.0 (a delta base) need facts; 2.0.0
    /// falls after the entry's end (by its index date).
    fn index() -> Fixed {
        Fixed(IndexCrate {
            name: "wasm-enc".into(),
            versions: vec![
                version("1.0.0", "2023-03-01T10:00:00Z", false),
                version("1.1.0", "2024-02-01T10:00:00Z", false),
                version("1.2.0", "2024-06-01T10:00:00Z", false),
                version("1.3.0", "2024-07-01T10:00:00Z", true),
                version("2.0.0", "2025-06-01T10:00:00Z", false),
            ],
        })
    }

    fn run(mode: FactsMode, source: &dyn PublisherSource, cache: &Path) -> (Store, PublisherFacts) {
        let mut s = store();
        let (graph, index) = (resolved(), index());
        let crates = registry_crates(&graph);
        let req = FactsRequest {
            crates: &crates,
            index: &index,
            cache_dir: cache,
            mode,
            extra_crates: &[],
            vet_cache: None,
        };
        let shell = Shell::new(Verbosity::Quiet);
        let summary = add_publisher_facts_from(&mut s, &req, source, &shell)
            .unwrap()
            .expect("a relevant crate");
        (s, summary)
    }

    #[test]
    fn online_facts_become_rows_and_the_cache_answers_offline() {
        let dir = tempfile::tempdir().unwrap();
        let (s, summary) = run(FactsMode::Online, &facts(), dir.path());
        let rows: Vec<String> = s.imports.publisher["wasm-enc"]
            .iter()
            .map(|r| r.version.semver.to_string())
            .collect();
        assert_eq!(rows, ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]);
        assert_eq!(summary.requests, 1);
        assert_eq!(summary.versions_looked_up, 3);
        assert_eq!(summary.versions_covered, 2, "1.2.0 is user 8's");
        assert_eq!(summary.versions_unchecked, 0);
        // the cache now holds every version: offline needs no source, and gives the same rows
        let (s2, summary) = run(FactsMode::Caches, &Refuses, dir.path());
        assert_eq!(s2.imports.publisher, s.imports.publisher);
        assert_eq!(summary.requests, 0);
        // online too: nothing is missing, so nothing is asked
        let (_, summary) = run(FactsMode::Online, &Refuses, dir.path());
        assert_eq!(summary.requests, 0);
    }

    #[test]
    fn frozen_imports_read_rows_only_and_count_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        run(FactsMode::Online, &facts(), dir.path());
        let (s, summary) = run(FactsMode::ImportsLock, &Refuses, dir.path());
        assert_eq!(s.imports.publisher["wasm-enc"].len(), 1);
        assert_eq!(summary.versions_unchecked, 3);
        assert_eq!(summary.unchecked_crates, ["wasm-enc"]);
        let (_, summary) = run(
            FactsMode::Caches,
            &Refuses,
            tempfile::tempdir().unwrap().path(),
        );
        assert_eq!(
            summary.versions_unchecked, 3,
            "an empty cache checks nothing"
        );
    }
}
