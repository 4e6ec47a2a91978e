//! Real crates from static.crates.io (opt-in:
//! `cargo test --test library -- --ignored price_network:: --nocapture`). Checksums come from the crates.io sparse index; numbers are checked against
//! figures counted by hand with cargo-vet's method (ARCHITECTURE.md, Semantics) and against git.

use crate::support::price_support;

use std::path::Path;
use std::time::Instant;

use minaudit::price::crate_source::{
    prefetch, CacheDirSource, CargoCacheSource, ChainSource, CrateId, CrateSource, HttpsSource,
};
use minaudit::price::diffstat::{CrateArchive, GitDiffer};
use minaudit::price::http::registry_agent;
use minaudit::price::linecount::count_crate_lines;
use minaudit::price::ArchiveLimits;
use price_support::*;

fn index_path(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    match n.len() {
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}

/// The index `cksum` of `name` `version`, from index.crates.io.
fn index_cksum(agent: &ureq::Agent, name: &str, version: &str) -> String {
    let url = format!("https://index.crates.io/{}", index_path(name));
    let body = agent
        .get(&url)
        .call()
        .unwrap()
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    for line in body.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["vers"] == version {
            return v["cksum"].as_str().unwrap().to_owned();
        }
    }
    panic!("{name} {version} not in the index");
}

fn chain(cache: &Path, agent: ureq::Agent) -> ChainSource {
    let cache_src = CacheDirSource::new(cache);
    let store = cache_src.crates_dir.clone();
    ChainSource {
        sources: vec![
            Box::new(CargoCacheSource::from_env()),
            Box::new(cache_src),
            Box::new(HttpsSource::new(agent, Some(store))),
        ],
    }
}

fn fetch(src: &dyn CrateSource, agent: &ureq::Agent, name: &str, version: &str) -> Vec<u8> {
    let cksum = index_cksum(agent, name, version);
    src.crate_bytes(name, version, &cksum).unwrap()
}

#[test]
#[ignore = "needs network: static.crates.io"]
fn memchr_2_7_5_full_audit_is_16198() {
    let agent = registry_agent();
    let tmp = tempdir();
    let src = chain(tmp.path(), agent.clone());
    let bytes = fetch(&src, &agent, "memchr", "2.7.5");
    let counted = count_crate_lines(&bytes, "memchr-2.7.5", ArchiveLimits::default()).unwrap();
    assert_eq!(counted.total, 16_198);
    let differ = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
    let stat = differ
        .diff_crates(
            "memchr",
            None,
            CrateArchive {
                version: "2.7.5",
                bytes: &bytes,
            },
        )
        .unwrap();
    assert_eq!((stat.insertions, stat.deletions), (16_198, 0));
}

#[test]
#[ignore = "needs network: static.crates.io"]
fn nom_7_1_3_to_8_0_0_is_12916() {
    let agent = registry_agent();
    let tmp = tempdir();
    let src = chain(tmp.path(), agent.clone());
    let old = fetch(&src, &agent, "nom", "7.1.3");
    let new = fetch(&src, &agent, "nom", "8.0.0");
    let differ = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
    let start = Instant::now();
    let stat = differ
        .diff_crates(
            "nom",
            Some(CrateArchive {
                version: "7.1.3",
                bytes: &old,
            }),
            CrateArchive {
                version: "8.0.0",
                bytes: &new,
            },
        )
        .unwrap();
    eprintln!("nom 7.1.3 -> 8.0.0: {stat:?} in {:?}", start.elapsed());
    assert_eq!((stat.insertions, stat.deletions), (8_838, 4_078));
    assert_eq!(stat.count(), 12_916);
}

const REAL: &[(&str, &str)] = &[
    ("syn", "2.0.87"),
    ("serde", "1.0.210"),
    ("libc", "0.2.161"),
    ("regex", "1.11.1"),
    ("tokio", "1.41.0"),
    ("rand", "0.8.5"),
    ("memchr", "2.7.4"),
    ("itoa", "1.0.11"),
    ("ryu", "1.0.18"),
    ("proc-macro2", "1.0.89"),
    ("quote", "1.0.37"),
    ("unicode-ident", "1.0.13"),
    ("bitflags", "2.6.0"),
    ("log", "0.4.22"),
    ("cfg-if", "1.0.0"),
    ("hashbrown", "0.15.0"),
    ("smallvec", "1.13.2"),
    ("once_cell", "1.20.2"),
    ("anyhow", "1.0.91"),
    ("aho-corasick", "1.1.3"),
    ("windows-sys", "0.52.0"),
    ("libgit2-sys", "0.14.2+1.5.1"),
];

const PAIRS: &[(&str, &str, &str)] = &[
    ("syn", "2.0.87", "2.0.90"),
    ("regex", "1.10.6", "1.11.1"),
    ("tokio", "1.40.0", "1.41.0"),
    ("serde", "1.0.210", "1.0.215"),
    ("hashbrown", "0.14.5", "0.15.0"),
    ("rand", "0.8.5", "0.9.0"),
];

#[test]
#[ignore = "needs network: static.crates.io"]
fn real_crates_tar_stream_equals_git_and_deltas_equal_plain_git() {
    let agent = registry_agent();
    let tmp = tempdir();
    let cache = tmp.path().join("cache");
    let src = chain(&cache, agent.clone());
    let mut wanted: Vec<(String, String)> = REAL
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    for (n, a, b) in PAIRS {
        for v in [a, b] {
            if !wanted.iter().any(|(wn, wv)| wn == n && wv == v) {
                wanted.push((n.to_string(), v.to_string()));
            }
        }
    }
    let t = Instant::now();
    let items: Vec<CrateId> = wanted
        .iter()
        .map(|(n, v)| CrateId {
            name: n.clone(),
            version: v.clone(),
            cksum: index_cksum(&agent, n, v),
        })
        .collect();
    eprintln!(
        "index lookups for {} versions: {:?}",
        items.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let results = prefetch(&src, &items, 8, &|_| {});
    for (r, item) in results.iter().zip(&items) {
        assert!(r.is_ok(), "{} {}: {r:?}", item.name, item.version);
    }
    eprintln!(
        "prefetch of {} crates (8 workers): {:?}",
        items.len(),
        t.elapsed()
    );
    let bytes_of = |n: &str, v: &str| {
        let item = items
            .iter()
            .find(|i| i.name == n && i.version == v)
            .unwrap();
        src.crate_bytes(n, v, &item.cksum).unwrap()
    };

    let differ = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
    let (mut total_lines, mut tar_time, mut git_time) = (0u64, 0.0f64, 0.0f64);
    for (name, version) in REAL {
        let bytes = bytes_of(name, version);
        let t = Instant::now();
        let counted = count_crate_lines(
            &bytes,
            &format!("{name}-{version}"),
            ArchiveLimits::default(),
        )
        .unwrap();
        let dt_tar = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let stat = differ
            .diff_crates(
                name,
                None,
                CrateArchive {
                    version,
                    bytes: &bytes,
                },
            )
            .unwrap();
        let dt_git = t.elapsed().as_secs_f64();
        eprintln!(
            "{name} {version}: tar-stream {} git {} ({} files; {:.1} ms vs {:.1} ms)",
            counted.total,
            stat.count(),
            counted.files.len(),
            dt_tar * 1e3,
            dt_git * 1e3
        );
        assert_eq!(counted.total, stat.count(), "{name} {version}");
        total_lines += counted.total;
        tar_time += dt_tar;
        git_time += dt_git;
    }
    eprintln!(
        "{} crates, {total_lines} lines: tar-stream {:.0} ms, unpack+git {:.0} ms",
        REAL.len(),
        tar_time * 1e3,
        git_time * 1e3
    );

    for (name, a, b) in PAIRS {
        let (old, new) = (bytes_of(name, a), bytes_of(name, b));
        let t = Instant::now();
        let ours = differ
            .diff_crates(
                name,
                Some(CrateArchive {
                    version: a,
                    bytes: &old,
                }),
                CrateArchive {
                    version: b,
                    bytes: &new,
                },
            )
            .unwrap();
        let dt = t.elapsed();
        let root = tmp.path().join(format!("oracle-{name}"));
        let da = system_untar(&old, &root.join("src"), &format!("{name}-{a}"));
        let db = system_untar(&new, &root.join("src"), &format!("{name}-{b}"));
        let oracle = git_oracle(&da, &db, &root.join("home"));
        let no_renames = git_oracle_with(&da, &db, &root.join("home"), &["--no-renames"]);
        eprintln!(
            "{name} {a} -> {b}: {} (+{} -{}; oracle {oracle}; without renames {no_renames}) in {dt:?}",
            ours.count(),
            ours.insertions,
            ours.deletions
        );
        assert_eq!(ours.count(), oracle, "{name} {a} -> {b}");
    }
}
