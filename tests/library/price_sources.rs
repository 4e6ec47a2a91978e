//! Crate sources: every buffer is checked against the index checksum, the chain falls through
//! in order, downloads retry and are stored atomically, failures are errors (never 0 lines).
//! HTTP is exercised against a scripted server on 127.0.0.1 (no network).

use crate::support::price_support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use minaudit::price::crate_source::{
    prefetch, CacheDirSource, CargoCacheSource, ChainSource, CrateId, CrateSource, HttpsSource,
    LocalRegistrySource, MemorySource,
};
use minaudit::price::http::registry_agent;
use minaudit::price::PriceError;
use price_support::*;

fn demo_crate(version: &str, body: &str) -> Vec<u8> {
    build_crate(&[file(&format!("demo-{version}/src/lib.rs"), body)])
}

#[test]
fn checksum_mismatch_names_crate_version_and_both_hashes() {
    let tmp = tempdir();
    let good = demo_crate("1.0.0", "fn a() {}\n");
    let other = demo_crate("1.0.0", "fn b() {}\n");
    let expected = sha256_hex(&good);
    let actual = sha256_hex(&other);
    std::fs::write(tmp.path().join("demo-1.0.0.crate"), &other).unwrap();
    let src = LocalRegistrySource {
        dir: tmp.path().to_owned(),
    };
    let err = src.crate_bytes("demo", "1.0.0", &expected).unwrap_err();
    assert!(matches!(err, PriceError::ChecksumMismatch { .. }));
    let msg = err.to_string();
    for needle in [
        "demo",
        "1.0.0",
        expected.as_str(),
        actual.as_str(),
        "demo-1.0.0.crate",
    ] {
        assert!(msg.contains(needle), "`{needle}` missing from: {msg}");
    }
    // Uppercase index checksums are accepted; malformed ones are their own error.
    std::fs::write(tmp.path().join("demo-1.0.0.crate"), &good).unwrap();
    assert_eq!(
        src.crate_bytes("demo", "1.0.0", &expected.to_uppercase())
            .unwrap(),
        good
    );
    assert!(matches!(
        src.crate_bytes("demo", "1.0.0", "abc"),
        Err(PriceError::BadExpectedChecksum { .. })
    ));
    assert!(matches!(
        src.crate_bytes("demo", "9.9.9", &expected),
        Err(PriceError::NotFound { .. })
    ));
}

#[test]
fn cargo_cache_is_found_under_cargo_home() {
    let tmp = tempdir();
    let bytes = demo_crate("2.0.0", "x\n");
    let dir = tmp
        .path()
        .join("registry/cache/index.crates.io-1949cf8c6b5b557f");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(tmp.path().join("registry/cache/my-other-registry-0123")).unwrap();
    std::fs::write(dir.join("demo-2.0.0.crate"), &bytes).unwrap();
    let home = CargoCacheSource::cargo_home(Some(tmp.path().to_owned()), Some("/nohome".into()));
    assert_eq!(home.as_deref(), Some(tmp.path()));
    assert_eq!(
        CargoCacheSource::cargo_home(None, Some("/h".into())),
        Some("/h/.cargo".into())
    );
    let src = CargoCacheSource::discover(tmp.path());
    assert_eq!(src.dirs, vec![dir]);
    assert_eq!(
        src.crate_bytes("demo", "2.0.0", &sha256_hex(&bytes))
            .unwrap(),
        bytes
    );
    assert!(CargoCacheSource::discover(&tmp.path().join("missing"))
        .dirs
        .is_empty());
}

#[test]
fn chain_tries_in_order_and_skips_a_corrupt_copy() {
    let tmp = tempdir();
    let good = demo_crate("1.0.0", "good\n");
    let cksum = sha256_hex(&good);
    let first = tmp.path().join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::write(first.join("demo-1.0.0.crate"), b"corrupt").unwrap();
    let mut mem = MemorySource::default();
    mem.insert("demo", "1.0.0", good.clone());
    let chain = ChainSource {
        sources: vec![
            Box::new(LocalRegistrySource { dir: first.clone() }),
            Box::new(mem),
        ],
    };
    assert_eq!(chain.crate_bytes("demo", "1.0.0", &cksum).unwrap(), good);
    // With nothing good anywhere the mismatch, not "not found", is reported.
    let only_bad = ChainSource {
        sources: vec![
            Box::new(LocalRegistrySource { dir: first }),
            Box::new(MemorySource::default()),
        ],
    };
    assert!(matches!(
        only_bad.crate_bytes("demo", "1.0.0", &cksum),
        Err(PriceError::ChecksumMismatch { .. })
    ));
    let err = only_bad.crate_bytes("demo", "7.0.0", &cksum).unwrap_err();
    assert!(matches!(err, PriceError::NotFound { .. }));
    assert!(err.to_string().contains("in-memory fixture"), "{err}");
}

/// A scripted HTTP/1.1 server: answers each request with the next (status, body) and records
/// request paths. Runs until the listener is dropped with the process.
struct Server {
    base: String,
    paths: Arc<Mutex<Vec<String>>>,
}

fn serve(script: Vec<(u16, Vec<u8>)>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = paths.clone();
    let next = AtomicUsize::new(0);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            seen.lock()
                .unwrap()
                .push(request_line.split(' ').nth(1).unwrap_or("").to_owned());
            let i = next.fetch_add(1, Ordering::SeqCst);
            let (status, body) = script
                .get(i)
                .cloned()
                .unwrap_or((500, b"script exhausted".to_vec()));
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    Server { base, paths }
}

fn https_source(server: &Server, store: &Path) -> HttpsSource {
    let mut src = HttpsSource::new(registry_agent(), Some(store.to_owned()));
    src.base_url = server.base.clone();
    src.backoff = Duration::from_millis(5);
    src
}

#[test]
fn download_retries_verifies_and_stores_atomically() {
    let bytes = demo_crate("1.2.3", "downloaded\n");
    let server = serve(vec![
        (500, b"oops".to_vec()),
        (503, b"busy".to_vec()),
        (200, bytes.clone()),
    ]);
    let tmp = tempdir();
    let store = tmp.path().join("crates");
    let src = https_source(&server, &store);
    let got = src
        .crate_bytes("demo", "1.2.3", &sha256_hex(&bytes))
        .unwrap();
    assert_eq!(got, bytes);
    assert_eq!(
        *server.paths.lock().unwrap(),
        vec!["/demo/demo-1.2.3.crate"; 3]
    );
    // Stored under its name, no temporary files left, readable by the cache-dir source.
    let names: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["demo-1.2.3.crate"]);
    let cached = CacheDirSource::new(tmp.path());
    assert_eq!(
        cached
            .crate_bytes("demo", "1.2.3", &sha256_hex(&bytes))
            .unwrap(),
        bytes
    );
}

#[test]
fn download_failures_are_errors_and_bad_bytes_are_never_stored() {
    let bytes = demo_crate("1.0.0", "real\n");
    let cksum = sha256_hex(&bytes);
    let tmp = tempdir();
    let store = tmp.path().join("crates");

    let always_down = serve(vec![(500, vec![]); 4]);
    let err = https_source(&always_down, &store)
        .crate_bytes("demo", "1.0.0", &cksum)
        .unwrap_err();
    match &err {
        PriceError::Download { attempts, .. } => assert_eq!(*attempts, 4),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("demo 1.0.0"), "{err}");

    let missing = serve(vec![(404, vec![])]);
    assert!(matches!(
        https_source(&missing, &store).crate_bytes("demo", "1.0.0", &cksum),
        Err(PriceError::NotFound { .. })
    ));
    assert_eq!(missing.paths.lock().unwrap().len(), 1, "404 is not retried");

    let tampered = serve(vec![(200, demo_crate("1.0.0", "evil\n"))]);
    assert!(matches!(
        https_source(&tampered, &store).crate_bytes("demo", "1.0.0", &cksum),
        Err(PriceError::ChecksumMismatch { .. })
    ));
    assert!(!store.join("demo-1.0.0.crate").exists());

    // Nothing listening at all.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let mut src = HttpsSource::new(registry_agent(), None);
    src.base_url = closed;
    src.backoff = Duration::from_millis(1);
    assert!(matches!(
        src.crate_bytes("demo", "1.0.0", &cksum),
        Err(PriceError::Download { .. })
    ));
}

#[test]
fn prefetch_runs_all_items_reports_progress_and_keeps_order() {
    let mut mem = MemorySource::default();
    let mut items = Vec::new();
    for i in 0..25 {
        let version = format!("0.{i}.0");
        let bytes = demo_crate(&version, &"l\n".repeat(i + 1));
        let cksum = if i == 7 {
            "0".repeat(64)
        } else {
            sha256_hex(&bytes)
        };
        mem.insert("demo", &version, bytes);
        items.push(CrateId {
            name: "demo".into(),
            version,
            cksum,
        });
    }
    items.push(CrateId {
        name: "absent".into(),
        version: "1.0.0".into(),
        cksum: "1".repeat(64),
    });
    let seen = Mutex::new(Vec::new());
    let results = prefetch(&mem, &items, 4, &|p| {
        seen.lock().unwrap().push((p.done, p.total, p.ok));
    });
    assert_eq!(results.len(), items.len());
    for (i, r) in results.iter().enumerate() {
        match i {
            7 => assert!(matches!(r, Err(PriceError::ChecksumMismatch { .. }))),
            25 => assert!(matches!(r, Err(PriceError::NotFound { .. }))),
            _ => assert!(r.is_ok(), "{i}: {r:?}"),
        }
    }
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    let dones: Vec<usize> = seen.iter().map(|s| s.0).collect();
    assert_eq!(dones, (1..=26).collect::<Vec<_>>());
    assert!(seen.iter().all(|s| s.1 == 26));
    assert_eq!(seen.iter().filter(|s| !s.2).count(), 2);
}

/// Counts how many calls run at once.
struct Gauge {
    inner: MemorySource,
    now: AtomicUsize,
    max: AtomicUsize,
}

impl CrateSource for Gauge {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(10));
        let r = self.inner.crate_bytes(name, version, cksum);
        self.now.fetch_sub(1, Ordering::SeqCst);
        r
    }
    fn describe(&self) -> String {
        "gauge".into()
    }
}

#[test]
fn prefetch_pool_is_bounded() {
    let mut inner = MemorySource::default();
    let mut items = Vec::new();
    for i in 0..24 {
        let version = format!("1.{i}.0");
        let bytes = demo_crate(&version, "x\n");
        items.push(CrateId {
            name: "demo".into(),
            version: version.clone(),
            cksum: sha256_hex(&bytes),
        });
        inner.insert("demo", &version, bytes);
    }
    let gauge = Gauge {
        inner,
        now: AtomicUsize::new(0),
        max: AtomicUsize::new(0),
    };
    let results = prefetch(&gauge, &items, 3, &|_| {});
    assert!(results.iter().all(Result::is_ok));
    let max = gauge.max.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max concurrency {max}");
}
