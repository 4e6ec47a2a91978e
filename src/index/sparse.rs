//! IO edge: a sparse (HTTP) registry index, crates.io's `https://index.crates.io/` by default.
//!
//! Per crate (`GET <base>/<prefix>/<name>`, cargo's path rule in [`super::layout`]):
//! 1. Find a previous copy: our cache (`<cache dir>/index/<host>/...`, see
//!    [`super::disk_cache`]) or else cargo's own `.cache` entry for the registry. Its
//!    validator goes out as `If-None-Match` (ETag) or `If-Modified-Since`.
//! 2. `200` → parse (errors name the URL and line), store body + validators in our cache;
//!    `304` → parse the previous copy; `404`/`410`/`451` → `None` (the registry does not have
//!    the crate; remembered so `--offline` can answer too); `429`/`5xx` and transport errors
//!    → retry (3 retries, exponential backoff, as cargo does); anything else → error with the
//!    URL, the status and a hint. Cargo's cache is only read, never written.
//!
//! Batches run on a scoped worker pool (48 threads) over one shared `ureq::Agent`
//! (connection pool, one TLS session per connection). HTTP/1.1 has one request in flight per
//! connection, and a warm run's walk is ~16 levels of revalidations (304s), so it is bound by
//! round trips: loot-condition-interpreter's 1,900 index files take 6.8 s with 16 workers,
//! 4.4 s with 48 (3.8 s with 96; cargo multiplexes up to 100 HTTP/2 streams). Name
//! resolution goes through a caching resolver that performs one lookup per host at a time:
//! concurrent lookups were measured to stall exactly 5 s on these machines, one cached lookup
//! does not. TLS uses the platform
//! verifier (a TLS-intercepting proxy's CA is only in the system store). The proxy is chosen
//! once from `HTTPS_PROXY`/`https_proxy`, then `ALL_PROXY`/`all_proxy`, unless `NO_PROXY`
//! matches the index host (curl's precedence; ureq's own default would also take
//! `HTTP_PROXY` and prefer `ALL_PROXY`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ureq::unversioned::transport::DefaultConnector;

use super::disk_cache::{CacheMeta, DiskCache};
use super::local_registry::{line_of_offset, non_empty, read_index_file};
use super::offline::{cargo_sparse_cache_dir, read_cargo_cache};
use super::parse::{parse_index_file, ParseError};
use super::{cargo_cache, layout, Index, IndexCrate, IndexError, CRATES_IO_URL};

/// Largest index file accepted (the biggest crates.io files are a few MB).
const MAX_BODY: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct SparseConfig {
    /// Base URL ending in `/` (`https://index.crates.io/`).
    pub index_url: String,
    /// Our cache root (`--cache-dir`).
    pub cache_dir: PathBuf,
    /// cargo's `.cache` directory for this registry, read as a fallback copy.
    pub cargo_cache: Option<PathBuf>,
    /// Proxy URL, already chosen (see [`proxy_from_env`]).
    pub proxy: Option<String>,
    pub threads: usize,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First retry delay; doubles each retry.
    pub backoff: Duration,
    /// Per-request time limit.
    pub timeout: Duration,
}

impl SparseConfig {
    /// crates.io with the proxy from the environment and cargo's cache location.
    pub fn crates_io(cache_dir: &Path) -> Self {
        Self {
            index_url: CRATES_IO_URL.to_string(),
            cache_dir: cache_dir.to_path_buf(),
            cargo_cache: cargo_sparse_cache_dir(CRATES_IO_URL),
            proxy: proxy_from_env(|k| std::env::var(k).ok(), "index.crates.io"),
            threads: 48,
            retries: 3,
            backoff: Duration::from_millis(250),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Chooses the proxy for `host` from environment variables read through `get`: the
/// `HTTPS_PROXY` family first, then `ALL_PROXY`; none if `NO_PROXY` matches the host
/// (`*`, exact name, or a domain suffix with or without a leading `.`/`*.`). Pure.
pub fn proxy_from_env(get: impl Fn(&str) -> Option<String>, host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let no_proxy = get("NO_PROXY")
        .or_else(|| get("no_proxy"))
        .unwrap_or_default();
    for entry in no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.to_ascii_lowercase();
        let domain = entry.trim_start_matches('*').trim_start_matches('.');
        if entry == "*" || host == domain || host.ends_with(&format!(".{domain}")) {
            return None;
        }
    }
    ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter_map(|k| get(k))
        .find(|v| !v.trim().is_empty())
}

/// Counters for reports and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SparseStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// `200` answers.
    pub downloaded: u64,
    /// `304` answers (previous copy reused).
    pub not_modified: u64,
    /// `404`/`410`/`451` answers.
    pub not_found: u64,
    pub retries: u64,
    /// Conditional requests sent (a validator was available).
    pub conditional: u64,
}

type FetchResult = Result<Fetched, IndexError>;

/// What a fetch worker hands back. A fresh body is parsed (and cached once valid) on the
/// calling thread: the parsed index outlives the workers, and parsing it in each worker's own
/// malloc arena left ~200 MiB of fragmented memory behind on a 1,900-crate walk.
enum Fetched {
    Body {
        text: String,
        url: String,
        meta: CacheMeta,
    },
    Ready(Option<IndexCrate>),
}

pub struct SparseIndex {
    cfg: SparseConfig,
    cache: DiskCache,
    agent: ureq::Agent,
    stats: Mutex<SparseStats>,
    /// Crates whose copy in our cache the server confirmed during this run (200 stored, 304,
    /// 404): asked again (the lock's pricing, then the search's walk and candidates ask for
    /// the same crates), they are read from the cache without a request.
    confirmed: Mutex<std::collections::HashSet<String>>,
}

/// What we hold before asking the server.
enum Previous {
    None,
    Ours {
        meta: CacheMeta,
    },
    Cargo {
        krate: Option<IndexCrate>,
        index_version: String,
    },
}

impl SparseIndex {
    pub fn new(mut cfg: SparseConfig) -> Result<Self, IndexError> {
        if !cfg.index_url.ends_with('/') {
            cfg.index_url.push('/');
        }
        let proxy = match &cfg.proxy {
            None => None,
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| IndexError::BadProxy {
                url: p.clone(),
                message: e.to_string(),
            })?),
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let threads = cfg.threads.max(1);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .proxy(proxy)
            .user_agent(concat!("cargo-minaudit/", env!("CARGO_PKG_VERSION")))
            .max_idle_connections(threads * 2)
            .max_idle_connections_per_host(threads)
            .timeout_connect(Some(crate::http::CONNECT_TIMEOUT))
            .timeout_recv_response(Some(crate::http::RESPONSE_TIMEOUT))
            .timeout_global(Some(cfg.timeout))
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            crate::http::CachingResolver::default(),
        );
        Ok(Self {
            cache: DiskCache::new(&cfg.cache_dir, &cfg.index_url),
            cfg,
            agent,
            stats: Mutex::new(SparseStats::default()),
            confirmed: Mutex::new(std::collections::HashSet::new()),
        })
    }

    /// crates.io, proxy from the environment, our cache under `cache_dir`.
    pub fn crates_io(cache_dir: &Path) -> Result<Self, IndexError> {
        Self::new(SparseConfig::crates_io(cache_dir))
    }

    pub fn stats(&self) -> SparseStats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn crate_url(&self, name: &str) -> Result<String, IndexError> {
        Ok(format!(
            "{}{}",
            self.cfg.index_url,
            layout::index_relative_path(name)?
        ))
    }

    fn count(&self, f: impl FnOnce(&mut SparseStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn previous(&self, name: &str) -> Result<Previous, IndexError> {
        if let Some(meta) = self.cache.read_meta(name)? {
            if meta.status == 200 && self.cache.body_path(name)?.is_file() {
                return Ok(Previous::Ours { meta });
            }
        }
        if let Some(dir) = &self.cfg.cargo_cache {
            // A damaged cargo cache entry is only a missed optimisation online.
            if let Ok(Some((krate, index_version))) = read_cargo_cache(dir, name) {
                return Ok(Previous::Cargo {
                    krate,
                    index_version,
                });
            }
        }
        Ok(Previous::None)
    }

    fn confirm(&self, name: &str) {
        self.confirmed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned());
    }

    fn fetch_one(&self, name: &str) -> FetchResult {
        let url = self.crate_url(name)?;
        let confirmed = self
            .confirmed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name);
        if confirmed {
            if let Some(answer) = self.cache.read(name)? {
                return Ok(Fetched::Ready(answer));
            }
        }
        let previous = self.previous(name)?;
        let (etag, last_modified) = match &previous {
            Previous::None => (None, None),
            Previous::Ours { meta } => (meta.etag.clone(), meta.last_modified.clone()),
            Previous::Cargo { index_version, .. } => match cargo_cache::validator(index_version) {
                Some(("etag", v)) => (Some(v), None),
                Some((_, v)) => (None, Some(v)),
                None => (None, None),
            },
        };
        let conditional = etag.is_some() || last_modified.is_some();
        let mut last_error = String::new();
        let mut attempts = self.cfg.retries + 1;
        let mut attempt = 0;
        while attempt < attempts {
            attempt += 1;
            if attempt > 1 {
                self.count(|s| s.retries += 1);
                std::thread::sleep(self.cfg.backoff * 2u32.saturating_pow(attempt - 1));
            }
            let mut req = self
                .agent
                .get(&url)
                .header("accept", "text/plain")
                .header("cargo-protocol", "version=1");
            if let Some(e) = &etag {
                req = req.header("if-none-match", e);
            }
            if let Some(lm) = &last_modified {
                req = req.header("if-modified-since", lm);
            }
            self.count(|s| {
                s.requests += 1;
                s.conditional += u64::from(conditional);
            });
            let mut resp = match req.call() {
                Ok(r) => r,
                Err(e) if is_transient(&e) => {
                    if crate::http::is_no_answer(&e) {
                        attempts = attempts.min(crate::http::NO_ANSWER_RETRIES + 1);
                    }
                    last_error = e.to_string();
                    continue;
                }
                Err(e) => {
                    return Err(IndexError::Network {
                        url,
                        attempts: attempt,
                        message: e.to_string(),
                    })
                }
            };
            let status = resp.status().as_u16();
            match status {
                200 => {
                    let header = |h: &str| {
                        resp.headers()
                            .get(h)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    let meta = CacheMeta {
                        status: 200,
                        etag: header("etag"),
                        last_modified: header("last-modified"),
                    };
                    let body = match resp.body_mut().with_config().limit(MAX_BODY).read_to_vec() {
                        Ok(b) => b,
                        Err(e) => {
                            last_error = format!("reading the body: {e}");
                            continue;
                        }
                    };
                    self.count(|s| s.downloaded += 1);
                    let text = String::from_utf8(body).map_err(|e| {
                        IndexError::Parse(ParseError {
                            origin: url.clone(),
                            line: line_of_offset(e.as_bytes(), e.utf8_error().valid_up_to()),
                            message: "not valid UTF-8".to_string(),
                        })
                    })?;
                    return Ok(Fetched::Body { text, url, meta });
                }
                304 if conditional => {
                    self.count(|s| s.not_modified += 1);
                    return match previous {
                        Previous::Ours { .. } => {
                            self.confirm(name);
                            read_index_file(&self.cache.body_path(name)?, name).map(Fetched::Ready)
                        }
                        Previous::Cargo { krate, .. } => Ok(Fetched::Ready(krate)),
                        // unreachable: no validator was sent
                        Previous::None => Ok(Fetched::Ready(None)),
                    };
                }
                404 | 410 | 451 => {
                    self.count(|s| s.not_found += 1);
                    let meta = CacheMeta {
                        status: 404,
                        ..CacheMeta::default()
                    };
                    self.cache.store(name, &meta, None)?;
                    self.confirm(name);
                    return Ok(Fetched::Ready(None));
                }
                429 | 500..=599 => {
                    last_error = format!("server answered HTTP {status}");
                    continue;
                }
                _ => {
                    return Err(IndexError::HttpStatus {
                        url,
                        status,
                        hint: status_hint(status).to_string(),
                    })
                }
            }
        }
        Err(IndexError::Network {
            url,
            attempts: attempt,
            message: last_error,
        })
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 | 407 => "the index or a proxy refused the request; check HTTPS_PROXY / NO_PROXY and credentials, or use --offline to rely on cached index files",
        304 => "the server sent 304 to an unconditional request; clear the --cache-dir index directory and retry",
        _ => "unexpected answer from the index; retry later, or use --offline to rely on cached index files",
    }
}

/// Errors worth retrying: network and server hiccups, not configuration or certificates.
fn is_transient(e: &ureq::Error) -> bool {
    !matches!(
        e,
        ureq::Error::BadUri(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::BodyExceedsLimit(_)
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired
    )
}

impl Index for SparseIndex {
    fn load_crates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, FetchResult)>> = Mutex::new(Vec::with_capacity(names.len()));
        let workers = self.cfg.threads.clamp(1, names.len().max(1));
        // one request that got no answer fails the walk: the others would wait as long
        let failed = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(name) = names.get(i) else { break };
                    let r = self.fetch_one(name);
                    if matches!(r, Err(IndexError::Network { .. })) {
                        failed.store(true, Ordering::Relaxed);
                    }
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, r));
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        // Deterministic: report the error of the first name in input order.
        results.sort_by_key(|(i, _)| *i);
        let mut out = BTreeMap::new();
        for (i, r) in results {
            let krate = match r? {
                Fetched::Ready(krate) => krate,
                Fetched::Body { text, url, meta } => {
                    // only a body that parses is cached
                    let parsed = parse_index_file(&names[i], &text, &url)?;
                    self.cache.store(&names[i], &meta, Some(text.as_bytes()))?;
                    self.confirm(&names[i]);
                    non_empty(parsed.krate)
                }
            };
            out.insert(names[i].clone(), krate);
        }
        Ok(out)
    }

    fn describe(&self) -> String {
        format!(
            "sparse index {} (cache {})",
            self.cfg.index_url,
            self.cache.dir().display()
        )
    }
}
