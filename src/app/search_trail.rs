//! Trails of finished searches in the cache (`search-trails-v1/KEY.json`, the newest
//! `KEPT_TRAILS`), keyed by a SHA-256 of everything a search's path depends on: this build,
//! the model as first solved (its rows, candidates and starting costs), the solve options, the
//! book and the versions priced first, the store and registry facts prices come from. A trail
//! only says what to price; every price is computed again from the counts, so a stale or
//! altered trail can cost time or pick another tied lock, never a wrong figure.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::Model;
use crate::optimise::search::{Book, PKey, Trail};
use crate::solve::SolveOptions;
use crate::vet::store::Store;
use crate::vet::suggest::PublishedVersions;

use super::pricing::Checksums;

const TRAILS_DIR: &str = "search-trails-v1";
/// Trails kept in the cache (one per workspace and set of inputs searched lately).
const KEPT_TRAILS: usize = 64;

/// What a search's path depends on besides the counts (a function of the crate files, which
/// `checksums` pins).
pub struct TrailInputs<'a> {
    pub model: &'a Model,
    pub opts: &'a SolveOptions,
    pub prune: bool,
    pub locked_outside: u64,
    pub full: bool,
    pub first: &'a [PKey],
    pub reqs: &'a BTreeMap<String, BTreeSet<String>>,
    pub book: &'a Book,
    pub store: &'a Store,
    pub published: &'a PublishedVersions,
    pub checksums: &'a Checksums,
}

/// Feeds formatted and serialised text into the hash without building it in memory.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// The key of a search with these inputs.
pub fn key(i: &TrailInputs<'_>) -> String {
    let mut h = HashWriter(Sha256::new());
    let _ = writeln!(
        h,
        "{} {}",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    );
    // the model's parts (serialised) and the store's files (its criteria mapper is derived
    // from them); hash maps go in sorted
    let m = i.model;
    let guards: BTreeMap<_, _> = m.guards.iter().collect();
    let parts = (
        &m.edges,
        &m.pkgs,
        &m.kinds,
        &m.implications,
        guards,
        &m.routes,
        &m.rows,
    );
    serde_json::to_writer(&mut h, &(parts, &m.group_of)).expect("a model always serialises");
    let st = i.store;
    let _ = write!(
        h,
        "\n{:?}\n{} {} {}\n{:?}\n{:?}\n{:?}\n{:?} {:?} {:?} {:?} {:?}\n{:?}\n{:?}",
        i.opts,
        i.prune,
        i.locked_outside,
        i.full,
        i.first,
        i.reqs,
        i.book,
        st.config,
        st.audits,
        st.imports,
        st.imported,
        st.universe,
        i.published,
        i.checksums
    );
    hex::encode(h.0.finalize())
}

fn path_of(cache_dir: &Path, key: &str) -> PathBuf {
    cache_dir.join(TRAILS_DIR).join(format!("{key}.json"))
}

/// The trail recorded under `key`, if any that reads.
pub fn load(cache_dir: &Path, key: &str) -> Option<Trail> {
    let bytes = std::fs::read(path_of(cache_dir, key)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Records `trail` under `key` (atomically), then keeps the newest `KEPT_TRAILS`.
pub fn save(cache_dir: &Path, key: &str, trail: &Trail) -> anyhow::Result<()> {
    let dir = cache_dir.join(TRAILS_DIR);
    let bytes = serde_json::to_vec(trail)?;
    crate::price::crate_source::write_atomic(&dir, &format!("{key}.json"), &bytes)?;
    let mut kept: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    kept.sort_by(|a, b| b.cmp(a));
    for (_, old) in kept.into_iter().skip(KEPT_TRAILS) {
        let _ = std::fs::remove_file(old);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_trail_loads_back_and_only_the_newest_are_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let trail = |n: usize| Trail {
            answer: vec![n],
            ..Trail::default()
        };
        for n in 0..KEPT_TRAILS + 3 {
            save(dir.path(), &format!("key{n:03}"), &trail(n)).expect("saved");
            // distinct modification times even on coarse clocks
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let kept = std::fs::read_dir(dir.path().join(TRAILS_DIR))
            .expect("dir")
            .count();
        assert_eq!(kept, KEPT_TRAILS);
        assert_eq!(load(dir.path(), "key000"), None, "the oldest is gone");
        let newest = format!("key{:03}", KEPT_TRAILS + 2);
        assert_eq!(load(dir.path(), &newest), Some(trail(KEPT_TRAILS + 2)));
        std::fs::write(path_of(dir.path(), &newest), "{").expect("write");
        assert_eq!(
            load(dir.path(), &newest),
            None,
            "an unreadable trail is none"
        );
    }
}
