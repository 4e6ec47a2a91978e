//! Where `.crate` files come from, each checked against the index SHA-256 (IO edge).
//!
//! [`CrateSource`] is the seam: real sources read a local registry directory, cargo's download
//! cache, our own cache dir, or download from static.crates.io; [`MemorySource`] is the fixture.
//! Every implementation passes its bytes through [`verify_cksum`] before returning them, so no
//! caller ever sees an unchecked buffer (cargo-vet does not check, see its TODO #116).
//! [`ChainSource`] tries sources in order: a missing file moves on; a corrupt cached copy also
//! moves on (a later source may have good bytes, and they are checked too), but if nothing
//! succeeds the checksum mismatch is the error reported. [`prefetch`] fetches many crates on a
//! bounded pool of threads and reports progress through a callback; this module never prints.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::PriceError;

/// Gives the verified bytes of one `.crate` file.
pub trait CrateSource: Send + Sync {
    /// The `.crate` of `name` `version`, whose SHA-256 must equal `expected_cksum` (lowercase
    /// hex, as the index `cksum` field).
    fn crate_bytes(
        &self,
        name: &str,
        version: &str,
        expected_cksum: &str,
    ) -> Result<Vec<u8>, PriceError>;

    /// Where this source looks, for "not found" messages.
    fn describe(&self) -> String;
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks `bytes` against the index checksum; `origin` names the file they came from.
pub fn verify_cksum(
    name: &str,
    version: &str,
    expected_cksum: &str,
    bytes: &[u8],
    origin: Option<&Path>,
) -> Result<(), PriceError> {
    let expected = expected_cksum.trim().to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PriceError::BadExpectedChecksum {
            name: name.to_owned(),
            version: version.to_owned(),
            cksum: expected_cksum.to_owned(),
        });
    }
    let actual = sha256_hex(bytes);
    if actual != expected {
        return Err(PriceError::ChecksumMismatch {
            name: name.to_owned(),
            version: version.to_owned(),
            expected,
            actual,
            origin: origin.map(Path::to_owned),
        });
    }
    Ok(())
}

fn file_name(name: &str, version: &str) -> String {
    format!("{name}-{version}.crate")
}

/// For the caches (cargo's and ours): the file may simply not have been downloaded yet.
fn cache_hint(name: &str, version: &str) -> String {
    format!("run without --offline to download it, or pass --registry-dir with a directory holding {name}-{version}.crate")
}

fn not_found(name: &str, version: &str, looked_in: String, hint: String) -> PriceError {
    PriceError::NotFound {
        name: name.to_owned(),
        version: version.to_owned(),
        looked_in,
        hint,
    }
}

/// Reads `dir/<name>-<version>.crate` if present and verifies it.
fn read_verified_from(
    dirs: &[PathBuf],
    name: &str,
    version: &str,
    expected_cksum: &str,
    describe: impl FnOnce() -> String,
    hint: impl FnOnce() -> String,
) -> Result<Vec<u8>, PriceError> {
    let mut mismatch = None;
    for dir in dirs {
        let path = dir.join(file_name(name, version));
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(PriceError::io(path, e)),
        };
        match verify_cksum(name, version, expected_cksum, &bytes, Some(&path)) {
            Ok(()) => return Ok(bytes),
            Err(e @ PriceError::ChecksumMismatch { .. }) => mismatch = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(mismatch.unwrap_or_else(|| not_found(name, version, describe(), hint())))
}

/// Writes `bytes` to `dir/<file>` atomically: a temporary file in the same directory, then a
/// rename, so readers see either nothing or the whole file.
pub fn write_atomic(dir: &Path, file: &str, bytes: &[u8]) -> Result<PathBuf, PriceError> {
    fs::create_dir_all(dir).map_err(|e| PriceError::io(dir, e))?;
    let target = dir.join(file);
    let tmp = super::unpack::unique_sibling(dir, file);
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        PriceError::io(&target, e)
    })?;
    Ok(target)
}

/// A `local-registry` directory: `<dir>/<name>-<version>.crate`.
#[derive(Debug, Clone)]
pub struct LocalRegistrySource {
    pub dir: PathBuf,
}

impl CrateSource for LocalRegistrySource {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        read_verified_from(
            std::slice::from_ref(&self.dir),
            name,
            version,
            cksum,
            || self.describe(),
            // Nothing is downloaded into a local registry: --offline is irrelevant here.
            || {
                format!(
                    "the index of the local registry lists this version but {name}-{version}.crate is missing; add the file to {}, or remove the version from the registry's index",
                    self.dir.display()
                )
            },
        )
    }
    fn describe(&self) -> String {
        format!("local registry {}", self.dir.display())
    }
}

/// Cargo's download cache: `$CARGO_HOME/registry/cache/<index dir>/<name>-<version>.crate`.
#[derive(Debug, Clone)]
pub struct CargoCacheSource {
    pub dirs: Vec<PathBuf>,
}

impl CargoCacheSource {
    /// Finds the crates.io cache directories under `cargo_home`: the sparse index
    /// (`index.crates.io-<hash>`; the hash changed with cargo 1.85, so every such directory is
    /// taken) and the old git index (`github.com-1ecc6299db9ec823`). Missing directories give
    /// an empty source, not an error.
    pub fn discover(cargo_home: &Path) -> Self {
        let cache = cargo_home.join("registry").join("cache");
        let mut dirs: Vec<PathBuf> = match fs::read_dir(&cache) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n.starts_with("index.crates.io-") || n == "github.com-1ecc6299db9ec823"
                })
                .map(|e| e.path())
                .collect(),
            Err(_) => Vec::new(),
        };
        dirs.sort();
        CargoCacheSource { dirs }
    }

    /// `CARGO_HOME` if set, else `<home>/.cargo`; the caller passes the environment in.
    pub fn cargo_home(
        cargo_home_env: Option<PathBuf>,
        home_dir: Option<PathBuf>,
    ) -> Option<PathBuf> {
        cargo_home_env
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| home_dir.map(|h| h.join(".cargo")))
    }

    /// [`Self::discover`] in the directory this process's environment names.
    pub fn from_env() -> Self {
        #[allow(deprecated)]
        // std::env::home_dir is correct on unix and fixed on windows since 1.85
        let home = std::env::home_dir();
        match Self::cargo_home(std::env::var_os("CARGO_HOME").map(PathBuf::from), home) {
            Some(h) => Self::discover(&h),
            None => CargoCacheSource { dirs: Vec::new() },
        }
    }
}

impl CrateSource for CargoCacheSource {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        read_verified_from(
            &self.dirs,
            name,
            version,
            cksum,
            || self.describe(),
            || cache_hint(name, version),
        )
    }
    fn describe(&self) -> String {
        if self.dirs.is_empty() {
            "cargo's download cache (none found)".to_owned()
        } else {
            let dirs: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
            format!("cargo's download cache {}", dirs.join(", "))
        }
    }
}

/// Our cache dir: `<cache>/crates/<name>-<version>.crate`, filled by [`HttpsSource`].
#[derive(Debug, Clone)]
pub struct CacheDirSource {
    pub crates_dir: PathBuf,
}

impl CacheDirSource {
    pub fn new(cache_dir: &Path) -> Self {
        CacheDirSource {
            crates_dir: cache_dir.join("crates"),
        }
    }
}

impl CrateSource for CacheDirSource {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        read_verified_from(
            std::slice::from_ref(&self.crates_dir),
            name,
            version,
            cksum,
            || self.describe(),
            || cache_hint(name, version),
        )
    }
    fn describe(&self) -> String {
        format!("cache dir {}", self.crates_dir.display())
    }
}

/// Downloads from static.crates.io (or another base URL), retrying transient failures, and
/// stores verified files into our cache dir.
#[derive(Debug)]
pub struct HttpsSource {
    agent: ureq::Agent,
    /// `https://static.crates.io/crates`; the file is `{base}/{name}/{name}-{version}.crate`.
    pub base_url: String,
    /// Where verified downloads are stored ([`CacheDirSource::crates_dir`]); `None` = nowhere.
    pub store_dir: Option<PathBuf>,
    /// Retries after the first attempt (cargo's `net.retry` default is 3).
    pub retries: u32,
    /// First backoff; doubled on each retry.
    pub backoff: Duration,
    /// Largest body accepted (crates.io's own upload limit is far below this).
    pub max_bytes: u64,
}

pub const STATIC_CRATES_IO: &str = "https://static.crates.io/crates";

impl HttpsSource {
    pub fn new(agent: ureq::Agent, store_dir: Option<PathBuf>) -> Self {
        HttpsSource {
            agent,
            base_url: STATIC_CRATES_IO.to_owned(),
            store_dir,
            retries: 3,
            backoff: Duration::from_millis(250),
            max_bytes: 256 * 1024 * 1024,
        }
    }

    pub fn url(&self, name: &str, version: &str) -> String {
        format!(
            "{}/{name}/{}",
            self.base_url.trim_end_matches('/'),
            file_name(name, version)
        )
    }

    /// One attempt: `Ok(Some(bytes))`, `Ok(None)` for 404, `Err((message, retries left
    /// at most))`.
    fn attempt(&self, url: &str) -> Result<Option<Vec<u8>>, (String, u32)> {
        let response = self.agent.get(url).call().map_err(|e| {
            let retries = if crate::http::is_no_answer(&e) {
                crate::http::NO_ANSWER_RETRIES
            } else {
                self.retries
            };
            (e.to_string(), retries)
        })?;
        let status = response.status().as_u16();
        if status == 404 || status == 410 {
            return Ok(None);
        }
        if status != 200 {
            let retryable = status == 429 || status >= 500;
            return Err((
                format!("http status {status}"),
                if retryable { self.retries } else { 0 },
            ));
        }
        response
            .into_body()
            .with_config()
            .limit(self.max_bytes)
            .read_to_vec()
            .map(Some)
            .map_err(|e| (format!("reading body: {e}"), self.retries))
    }
}

impl CrateSource for HttpsSource {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        let url = self.url(name, version);
        let mut attempts = 0;
        let mut delay = self.backoff;
        let bytes = loop {
            attempts += 1;
            match self.attempt(&url) {
                Ok(Some(bytes)) => break bytes,
                Ok(None) => {
                    return Err(not_found(
                        name,
                        version,
                        format!("{url} (http 404)"),
                        "the registry's index lists this version but the download host has no file for it; check the version on crates.io, or lock another version".to_owned(),
                    ));
                }
                Err((message, retries)) => {
                    if attempts > retries.min(self.retries) {
                        return Err(PriceError::Download {
                            name: name.to_owned(),
                            version: version.to_owned(),
                            url,
                            attempts,
                            message,
                        });
                    }
                    std::thread::sleep(delay);
                    delay *= 2;
                }
            }
        };
        verify_cksum(name, version, cksum, &bytes, None)?;
        if let Some(dir) = &self.store_dir {
            write_atomic(dir, &file_name(name, version), &bytes)?;
        }
        Ok(bytes)
    }
    fn describe(&self) -> String {
        format!("{}/…", self.base_url)
    }
}

/// Fixture source: crates held in memory, verified like every other source.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    pub crates: HashMap<(String, String), Vec<u8>>,
}

impl MemorySource {
    pub fn insert(&mut self, name: &str, version: &str, bytes: Vec<u8>) {
        self.crates
            .insert((name.to_owned(), version.to_owned()), bytes);
    }
}

impl CrateSource for MemorySource {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        let bytes = self
            .crates
            .get(&(name.to_owned(), version.to_owned()))
            .ok_or_else(|| {
                not_found(
                    name,
                    version,
                    self.describe(),
                    "add the crate to the fixture".to_owned(),
                )
            })?;
        verify_cksum(name, version, cksum, bytes, None)?;
        Ok(bytes.clone())
    }
    fn describe(&self) -> String {
        "in-memory fixture".to_owned()
    }
}

/// Tries sources in order. See the module header for how failures combine.
pub struct ChainSource {
    pub sources: Vec<Box<dyn CrateSource>>,
}

impl CrateSource for ChainSource {
    fn crate_bytes(&self, name: &str, version: &str, cksum: &str) -> Result<Vec<u8>, PriceError> {
        let mut mismatch = None;
        let mut other = None;
        // The last source tried decides the hint: offline that is a cache ("run without
        // --offline"), online the download host.
        let mut hint = None;
        for source in &self.sources {
            match source.crate_bytes(name, version, cksum) {
                Ok(bytes) => return Ok(bytes),
                Err(PriceError::NotFound { hint: h, .. }) => hint = Some(h),
                Err(e @ PriceError::ChecksumMismatch { .. }) => {
                    mismatch.get_or_insert(e);
                }
                Err(e @ PriceError::BadExpectedChecksum { .. }) => return Err(e),
                Err(e) => other = Some(e),
            }
        }
        Err(mismatch.or(other).unwrap_or_else(|| {
            let hint = hint.unwrap_or_else(|| cache_hint(name, version));
            not_found(name, version, self.describe(), hint)
        }))
    }
    fn describe(&self) -> String {
        let parts: Vec<String> = self.sources.iter().map(|s| s.describe()).collect();
        parts.join("; ")
    }
}

/// One crate to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateId {
    pub name: String,
    pub version: String,
    pub cksum: String,
}

/// Progress of [`prefetch`]: called once per finished crate, from worker threads.
pub struct PrefetchProgress<'a> {
    pub done: usize,
    pub total: usize,
    pub item: &'a CrateId,
    pub ok: bool,
}

/// Fetches every item through `source` (which stores downloads, e.g. a chain ending in an
/// [`HttpsSource`]) on at most `workers` threads. Returns one result per item, in order; the
/// bytes themselves are dropped.
pub fn prefetch(
    source: &dyn CrateSource,
    items: &[CrateId],
    workers: usize,
    on_progress: &(dyn Fn(PrefetchProgress<'_>) + Sync),
) -> Vec<Result<(), PriceError>> {
    let results: Vec<Mutex<Option<Result<(), PriceError>>>> =
        items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers = workers.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = source
                    .crate_bytes(&item.name, &item.version, &item.cksum)
                    .map(|_| ());
                let ok = result.is_ok();
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(result);
                }
                on_progress(PrefetchProgress {
                    done: done.fetch_add(1, Ordering::Relaxed) + 1,
                    total: items.len(),
                    item,
                    ok,
                });
            });
        }
    });
    results
        .into_iter()
        .zip(items)
        .map(|(slot, item)| {
            slot.into_inner().ok().flatten().unwrap_or_else(|| {
                Err(not_found(
                    &item.name,
                    &item.version,
                    "prefetch worker did not finish".to_owned(),
                    "this is a bug in cargo-minaudit; please report it".to_owned(),
                ))
            })
        })
        .collect()
}
