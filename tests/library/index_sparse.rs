//! Sparse HTTP index. Default tests talk to a tiny HTTP/1.1 server on 127.0.0.1 that serves
//! the fixture registry with scripted validators and failures; the oracle for parsed content
//! is the same files read through the local-registry implementation. The crates.io tests
//! need the network and are `#[ignore]`d.

use crate::support::loopback_http;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loopback_http::{serve, Handler, Reply, Req};
use minaudit::index::disk_cache::DiskCache;
use minaudit::index::local_registry::LocalRegistryIndex;
use minaudit::index::offline::OfflineIndex;
use minaudit::index::sparse::{proxy_from_env, SparseConfig, SparseIndex, SparseStats};
use minaudit::index::{
    load_snapshot, load_snapshot_with, Index, IndexCrate, IndexError, Root, WalkOptions,
};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/index")
}

fn file(rel: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(rel)).unwrap()
}

const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

fn scripted() -> Arc<Handler> {
    Arc::new(|req: &Req, nth: usize| -> Reply {
        let h = |k: &str| req.headers.get(k).cloned();
        match req.path.as_str() {
            "/1/a" if h("if-none-match").as_deref() == Some("\"v1\"") => (304, vec![], vec![]),
            "/1/a" => (
                200,
                vec![("etag", "\"v1\"".into())],
                file("registry/index/1/a"),
            ),
            "/2/bb" if h("if-modified-since").as_deref() == Some(LAST_MODIFIED) => {
                (304, vec![], vec![])
            }
            "/2/bb" => (
                200,
                vec![("last-modified", LAST_MODIFIED.into())],
                file("registry/index/2/bb"),
            ),
            "/3/c/ccc" if nth == 0 => (503, vec![], b"busy".to_vec()),
            "/3/c/ccc" => (200, vec![], file("registry/index/3/c/ccc")),
            "/dd/dd/dddd" => (200, vec![], file("registry/index/dd/dd/dddd")),
            "/ee/ee/eeeee" => (403, vec![], b"no".to_vec()),
            "/3/b/bad" => (200, vec![], file("malformed/index/3/b/bad")),
            "/my/cr/mycrate" => (500, vec![], vec![]),
            _ => (404, vec![], vec![]),
        }
    })
}

fn config(base: &str, cache_dir: &Path, cargo_cache: Option<PathBuf>) -> SparseConfig {
    SparseConfig {
        index_url: base.to_string(),
        cache_dir: cache_dir.to_path_buf(),
        cargo_cache,
        proxy: None,
        threads: 4,
        retries: 3,
        backoff: Duration::from_millis(1),
        timeout: Duration::from_secs(10),
    }
}

fn names(n: &[&str]) -> Vec<String> {
    n.iter().map(|s| s.to_string()).collect()
}

fn fixture_crates(n: &[&str]) -> std::collections::BTreeMap<String, Option<IndexCrate>> {
    LocalRegistryIndex::open(fixture_dir().join("registry"))
        .unwrap()
        .load_crates(&names(n))
        .unwrap()
}

#[test]
fn downloads_revalidates_retries_and_feeds_offline() {
    let (base, log) = serve(scripted());
    let tmp = tempfile::tempdir().unwrap();
    let wanted = names(&["a", "bb", "ccc", "dddd", "nope"]);
    let mut expected = fixture_crates(&["a", "bb", "ccc", "dddd"]);
    expected.insert("nope".into(), None);

    let first = SparseIndex::new(config(&base, tmp.path(), None)).unwrap();
    assert_eq!(first.load_crates(&wanted).unwrap(), expected);
    assert_eq!(
        first.stats(),
        SparseStats {
            requests: 6,
            downloaded: 4,
            not_modified: 0,
            not_found: 1,
            retries: 1,
            conditional: 0,
        }
    );

    // A fresh instance over the same cache revalidates what had validators.
    let second = SparseIndex::new(config(&base, tmp.path(), None)).unwrap();
    assert_eq!(second.load_crates(&wanted).unwrap(), expected);
    let s = second.stats();
    assert_eq!(
        (s.not_modified, s.conditional, s.downloaded, s.retries),
        (2, 2, 2, 0)
    );
    // Copy the log: the server needs the lock for the requests below.
    let log: Vec<Req> = log.lock().unwrap().clone();
    let last = |p: &str| log.iter().rev().find(|r| r.path == p).unwrap().clone();
    assert_eq!(
        last("/1/a")
            .headers
            .get("if-none-match")
            .map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(
        last("/2/bb")
            .headers
            .get("if-modified-since")
            .map(String::as_str),
        Some(LAST_MODIFIED)
    );
    assert!(!last("/dd/dd/dddd").headers.contains_key("if-none-match"));
    assert_eq!(
        last("/1/a")
            .headers
            .get("cargo-protocol")
            .map(String::as_str),
        Some("version=1")
    );

    // What was fetched is available offline, including the 404.
    let offline = OfflineIndex::new(Some(DiskCache::new(tmp.path(), &base)), None);
    assert_eq!(offline.load_crates(&wanted).unwrap(), expected);

    // The snapshot BFS over HTTP: `eeeee` answers 403, which must stop the walk.
    let err = load_snapshot(&second, &names(&["a"]), |_, _| {}).unwrap_err();
    assert!(
        matches!(err, IndexError::HttpStatus { status: 403, .. }),
        "{err}"
    );
}

/// Within one run a crate the server has confirmed (200 stored, 304, 404) is asked again from
/// the cache, without a request: the lock's pricing, the walk and the candidates' registry
/// facts ask for the same crates.
#[test]
fn a_crate_confirmed_in_this_run_is_not_asked_again() {
    let (base, log) = serve(scripted());
    let tmp = tempfile::tempdir().unwrap();
    let wanted = names(&["a", "bb", "dddd", "nope"]);
    let mut expected = fixture_crates(&["a", "bb", "dddd"]);
    expected.insert("nope".into(), None);
    let index = SparseIndex::new(config(&base, tmp.path(), None)).unwrap();
    assert_eq!(index.load_crates(&wanted).unwrap(), expected);
    let asked = log.lock().unwrap().len();
    assert_eq!(asked, 4);
    assert_eq!(index.load_crates(&wanted).unwrap(), expected);
    assert_eq!(log.lock().unwrap().len(), asked, "nothing asked twice");
    // a new run revalidates (conditional requests for the crates with validators)
    let next = SparseIndex::new(config(&base, tmp.path(), None)).unwrap();
    assert_eq!(next.load_crates(&wanted).unwrap(), expected);
    assert_eq!(log.lock().unwrap().len(), asked + 4);
    assert_eq!(next.stats().not_modified, 2);
}

#[test]
fn errors_name_the_url_status_and_a_hint() {
    let (base, _) = serve(scripted());
    let tmp = tempfile::tempdir().unwrap();
    let idx = SparseIndex::new(config(&base, tmp.path(), None)).unwrap();

    let msg = idx.load_crates(&names(&["eeeee"])).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{base}ee/ee/eeeee: server answered HTTP 403")),
        "{msg}"
    );
    assert!(msg.contains("hint:") && msg.contains("--offline"), "{msg}");

    let msg = idx.load_crates(&names(&["bad"])).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{base}3/b/bad:3: malformed index line")),
        "{msg}"
    );

    let err = idx.load_crates(&names(&["MyCrate"])).unwrap_err();
    assert!(
        matches!(err, IndexError::Network { attempts: 4, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{base}my/cr/mycrate")) && msg.contains("HTTP 500"),
        "{msg}"
    );
}

#[test]
fn reuses_cargos_cache_entry_for_revalidation() {
    let (base, log) = serve(scripted());
    let tmp = tempfile::tempdir().unwrap();
    // Cargo's cache entry for `a` (written by crates-index's cargo-compatible writer) carries
    // the ETag the server still has, so no body needs to travel.
    let cargo_index = tmp.path().join("cargo-index");
    let idx = crates_index::SparseIndex::at_path(cargo_index.clone(), format!("sparse+{base}"));
    // crates-index cannot decode the fixture's `v: 3` line (cargo would skip it): leave it out.
    let text = String::from_utf8(file("registry/index/1/a")).unwrap();
    let body: String = text
        .lines()
        .filter(|l| !l.contains("\"v\":3"))
        .map(|l| format!("{l}\n"))
        .collect();
    let resp = crates_index::http::Response::builder()
        .status(200)
        .header("etag", "\"v1\"")
        .body(body.into_bytes())
        .unwrap();
    idx.parse_cache_response("a", resp, true).unwrap();

    let sparse = SparseIndex::new(config(
        &base,
        &tmp.path().join("ours"),
        Some(cargo_index.join(".cache")),
    ))
    .unwrap();
    let got = sparse.load_crates(&names(&["a"])).unwrap();
    let s = sparse.stats();
    assert_eq!((s.not_modified, s.downloaded), (1, 0));
    let versions: Vec<_> = got["a"]
        .as_ref()
        .unwrap()
        .versions
        .iter()
        .map(|v| (v.version.to_string(), v.cksum.clone()))
        .collect();
    let want: Vec<_> = fixture_crates(&["a"])["a"]
        .as_ref()
        .unwrap()
        .versions
        .iter()
        .map(|v| (v.version.to_string(), v.cksum.clone()))
        .collect();
    assert_eq!(versions, want);
    assert_eq!(
        log.lock().unwrap()[0]
            .headers
            .get("if-none-match")
            .map(String::as_str),
        Some("\"v1\"")
    );
}

#[test]
fn bad_proxy_is_reported_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = SparseConfig {
        proxy: Some("not a url at all ::".into()),
        ..config("http://127.0.0.1:9/", tmp.path(), None)
    };
    let err = SparseIndex::new(cfg).err().unwrap();
    assert!(matches!(err, IndexError::BadProxy { .. }), "{err}");
    assert!(err.to_string().contains("HTTPS_PROXY"));
}

#[test]
fn proxy_choice_follows_curl_precedence_and_no_proxy() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    let host = "index.crates.io";
    assert_eq!(proxy_from_env(env(&[]), host), None);
    assert_eq!(
        proxy_from_env(
            env(&[("ALL_PROXY", "http://all:1"), ("HTTPS_PROXY", "http://s:2")]),
            host
        ),
        Some("http://s:2".into())
    );
    assert_eq!(
        proxy_from_env(env(&[("all_proxy", "http://all:1")]), host),
        Some("http://all:1".into())
    );
    // HTTP_PROXY is for http:// URLs only (curl); the index is https.
    assert_eq!(
        proxy_from_env(env(&[("HTTP_PROXY", "http://h:3")]), host),
        None
    );
    for no in [
        "*",
        "crates.io",
        ".crates.io",
        "*.crates.io",
        "other, index.crates.io",
    ] {
        let pairs: &'static [(&'static str, &'static str)] =
            Box::leak(Box::new([("HTTPS_PROXY", "http://s:2"), ("NO_PROXY", no)]));
        assert_eq!(proxy_from_env(env(pairs), host), None, "{no}");
    }
    assert_eq!(
        proxy_from_env(
            env(&[
                ("https_proxy", "http://s:2"),
                ("no_proxy", "rates.io,crates.io.evil")
            ]),
            host
        ),
        Some("http://s:2".into())
    );
}

// ---- crates.io (network) ----

fn crates_io(cache: &Path) -> SparseIndex {
    SparseIndex::crates_io(cache).unwrap()
}

#[test]
#[ignore = "needs network: crates.io sparse index"]
fn crates_io_serde_and_memchr() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = crates_io(tmp.path());
    let got = idx
        .load_crates(&names(&["serde", "memchr", "no-such-crate-minaudit-zz"]))
        .unwrap();
    assert!(got["no-such-crate-minaudit-zz"].is_none());
    for name in ["serde", "memchr"] {
        let k = got[name].as_ref().unwrap();
        assert!(k.versions.len() > 40, "{name}: {}", k.versions.len());
        for v in &k.versions {
            assert_eq!(v.cksum.len(), 64, "{name} {}", v.version);
            assert!(v.cksum.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        let newest = k.versions.last().unwrap();
        assert!(
            newest.pubtime.is_some(),
            "{name} {} has no pubtime",
            newest.version
        );
        let without = k.versions.iter().filter(|v| v.pubtime.is_none()).count();
        eprintln!(
            "{name}: {} versions, {without} without pubtime",
            k.versions.len()
        );
    }
    // memchr 2.7.5 is the version priced by hand in tests/report_network.rs; it must be there.
    assert!(got["memchr"]
        .as_ref()
        .unwrap()
        .versions
        .iter()
        .any(|v| v.version.to_string() == "2.7.5"));

    let cache = DiskCache::new(tmp.path(), "https://index.crates.io/");
    let had_validators = ["serde", "memchr"].iter().all(|n| {
        std::fs::read_to_string(cache.body_path(n).unwrap().with_extension("meta"))
            .map(|m| m.contains("\"etag\":\"") || m.contains("\"last_modified\":\""))
            .unwrap_or(false)
    });
    let again = crates_io(tmp.path());
    let got2 = again.load_crates(&names(&["serde", "memchr"])).unwrap();
    assert_eq!(got2["serde"], got["serde"]);
    assert_eq!(got2["memchr"], got["memchr"]);
    let s = again.stats();
    eprintln!("second load: {s:?}");
    if had_validators {
        assert_eq!(s.conditional, 2);
        assert_eq!(s.not_modified + s.downloaded, 2);
    } else {
        eprintln!("note: the server sent neither ETag nor Last-Modified; nothing to revalidate");
        assert_eq!(s.conditional, 0);
    }
}

/// Every registry package `cargo generate-lockfile` picks for a project depending on the
/// roots must be in the snapshot (cargo is the oracle for "lockable").
fn cargo_lock_packages(dir: &Path) -> Vec<(String, String)> {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        concat!(
            "[package]\nname = \"probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n",
            "[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n",
            "clap = { version = \"4\", features = [\"derive\"] }\nserde_json = \"1\"\n"
        ),
    )
    .unwrap();
    let st = std::process::Command::new("cargo")
        .arg("generate-lockfile")
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
    let lock: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("Cargo.lock")).unwrap()).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("source").is_some())
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs network: crates.io sparse index"]
fn crates_io_closure_timing() {
    let tmp = tempfile::tempdir().unwrap();
    // The probe project's requirements, as a workspace member would state them.
    let roots = [("tokio", "1"), ("clap", "4"), ("serde_json", "1")]
        .map(|(n, r)| Root::matching(n, semver::VersionReq::parse(r).unwrap()));
    let mut default_snap = None;
    for (round, opts) in [
        ("cold", WalkOptions::default()),
        ("warm", WalkOptions::default()),
        (
            "dev-deps",
            WalkOptions {
                dev_deps: true,
                all_versions: false,
            },
        ),
    ] {
        let idx = crates_io(&tmp.path().join("cache"));
        let t = Instant::now();
        let mut layers = Vec::new();
        let snap = load_snapshot_with(&idx, &roots, opts, |d, n| layers.push((d, n))).unwrap();
        let el = t.elapsed();
        let no_pubtime = snap
            .crates
            .values()
            .flat_map(|c| &c.versions)
            .filter(|v| v.pubtime.is_none())
            .count();
        eprintln!(
            "{round}: {} crates, {} versions ({no_pubtime} without pubtime), layers {:?}, not found {:?}, {:.2?}; {:?}",
            snap.crates.len(),
            snap.version_count(),
            layers.iter().map(|l| l.1).collect::<Vec<_>>(),
            snap.not_found.keys().collect::<Vec<_>>(),
            el,
            idx.stats()
        );
        if default_snap.is_none() {
            default_snap = Some(snap);
        }
    }
    let snap = default_snap.unwrap();
    // One batch of 200 names into an empty cache: the parallel fetch alone.
    let batch: Vec<String> = snap.crates.keys().take(200).cloned().collect();
    let idx = crates_io(&tmp.path().join("cache-batch"));
    let t = Instant::now();
    let got = idx.load_crates(&batch).unwrap();
    eprintln!(
        "one batch of {} names: {:.2?}; {:?}",
        got.len(),
        t.elapsed(),
        idx.stats()
    );
    let locked = cargo_lock_packages(&tmp.path().join("probe"));
    assert!(locked.len() > 30);
    for (name, version) in &locked {
        assert!(
            snap.version(name, &version.parse().unwrap()).is_some(),
            "cargo locked {name} {version}, missing from the snapshot"
        );
    }
    eprintln!(
        "all {} packages of cargo's lock are in the snapshot",
        locked.len()
    );
}
