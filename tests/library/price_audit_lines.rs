//! The composed counter: computes once (tar stream for full audits, git for deltas), then
//! answers from our cache; reuses cargo-vet's diff cache; persists across runs; errors are
//! errors, never 0 lines.

use crate::support::price_support;

use minaudit::price::audit_lines::{AuditLineCounter, CountOrigin, VersionRef};
use minaudit::price::cache::{LineCountCache, LINE_COUNT_CACHE_FILE};
use minaudit::price::crate_source::MemorySource;
use minaudit::price::diffstat::GitDiffer;
use minaudit::price::PriceError;
use price_support::*;

#[test]
fn computes_then_caches_then_persists() {
    let (old, new) = hand_pair();
    let (old_ck, new_ck) = (sha256_hex(&old), sha256_hex(&new));
    let mut mem = MemorySource::default();
    mem.insert("demo", "1.0.0", old.clone());
    mem.insert("demo", "1.1.0", new.clone());
    let tmp = tempdir();
    let git = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
    let counter = AuditLineCounter::new(&mem, Some(git), LineCountCache::default());
    let v_old = VersionRef {
        version: "1.0.0",
        cksum: &old_ck,
    };
    let v_new = VersionRef {
        version: "1.1.0",
        cksum: &new_ck,
    };
    // Hand counts from tests/price_diffstat.rs: full 1.1.0 = 64 lines, delta = 10.
    let full = counter.count("demo", None, v_new).unwrap();
    assert_eq!(
        (full.stat.count(), full.origin),
        (64, CountOrigin::TarStream)
    );
    let delta = counter.count("demo", Some(v_old), v_new).unwrap();
    assert_eq!((delta.stat.count(), delta.origin), (10, CountOrigin::Git));
    let again = counter.count("demo", Some(v_old), v_new).unwrap();
    assert_eq!(
        (again.stat, again.origin),
        (delta.stat, CountOrigin::OurCache)
    );

    counter.into_cache().save(tmp.path()).unwrap();
    assert!(tmp.path().join(LINE_COUNT_CACHE_FILE).exists());
    let reloaded = LineCountCache::load(tmp.path()).unwrap();
    assert_eq!(reloaded.len(), 2);
    // A fresh counter over an EMPTY source still answers from the saved cache.
    let empty = MemorySource::default();
    let counter = AuditLineCounter::new(&empty, None, reloaded);
    let hit = counter.count("demo", Some(v_old), v_new).unwrap();
    assert_eq!((hit.stat.count(), hit.origin), (10, CountOrigin::OurCache));
    // ...but not for other checksums, and a missing crate is an error, not 0 lines.
    let other = VersionRef {
        version: "1.1.0",
        cksum: &old_ck,
    };
    assert!(matches!(
        counter.count("demo", Some(v_old), other),
        Err(PriceError::NotFound { .. })
    ));
}

#[test]
fn deltas_need_git() {
    let (old, new) = hand_pair();
    let mut mem = MemorySource::default();
    mem.insert("demo", "1.0.0", old.clone());
    mem.insert("demo", "1.1.0", new.clone());
    let counter = AuditLineCounter::new(&mem, None, LineCountCache::default());
    let err = counter
        .count(
            "demo",
            Some(VersionRef {
                version: "1.0.0",
                cksum: &sha256_hex(&old),
            }),
            VersionRef {
                version: "1.1.0",
                cksum: &sha256_hex(&new),
            },
        )
        .unwrap_err();
    assert!(matches!(err, PriceError::Git { .. }), "{err}");
}
