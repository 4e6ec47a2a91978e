//! A registry host that accepts connections and never answers fails a run in about half a
//! minute, naming the host, with the product's own timeouts and retries (the index walk over
//! more crates than it has threads, and a `.crate` download). The host is a loopback listener
//! that holds every connection open and writes nothing.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use minaudit::index::sparse::{SparseConfig, SparseIndex};
use minaudit::index::Index;
use minaudit::price::crate_source::{CrateSource, HttpsSource};

/// A listener on 127.0.0.1 that accepts and never answers; returns `host:port`.
fn silent_host() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

const BOUND: Duration = Duration::from_secs(35);

#[test]
fn an_index_host_that_never_answers_fails_the_walk_in_half_a_minute() {
    let host = silent_host();
    let cache = tempfile::tempdir().expect("tempdir");
    let cfg = SparseConfig {
        index_url: format!("http://{host}/"),
        proxy: None,
        cargo_cache: None,
        ..SparseConfig::crates_io(cache.path())
    };
    let index = SparseIndex::new(cfg).expect("index");
    // more names than worker threads: a second wave must not wait as long again
    let names: Vec<String> = (0..40).map(|i| format!("crate{i}")).collect();
    let started = Instant::now();
    let err = index.load_crates(&names).expect_err("no answer");
    let took = started.elapsed();
    assert!(err.to_string().contains(&host), "{err}");
    assert!(took < BOUND, "took {took:?}");
}

#[test]
fn a_download_host_that_never_answers_fails_in_half_a_minute() {
    let host = silent_host();
    let mut source = HttpsSource::new(minaudit::http::registry_agent(), None);
    source.base_url = format!("http://{host}/crates");
    let started = Instant::now();
    let err = source
        .crate_bytes("demo", "1.0.0", &"0".repeat(64))
        .expect_err("no answer");
    let took = started.elapsed();
    assert!(err.to_string().contains(&host), "{err}");
    assert!(took < BOUND, "took {took:?}");
}
