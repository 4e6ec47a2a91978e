//! Delta line counts through git: a hand-computed small case (renames, CRLF, binary, skip list,
//! unterminated lines) and larger generated version pairs checked against an independent git
//! run (system `tar`, plain `--numstat` output parsed by the test's own code).

use crate::support::price_support;

use minaudit::price::diffstat::{CrateArchive, GitDiffer};
use minaudit::price::linecount::count_crate_lines;
use minaudit::price::ArchiveLimits;
use price_support::*;

#[test]
fn hand_computed_delta() {
    let (old, new) = hand_pair();
    let tmp = tempdir();
    let differ = GitDiffer::new(tmp.path()).unwrap();
    let stat = differ
        .diff_crates(
            "demo",
            Some(CrateArchive {
                version: "1.0.0",
                bytes: &old,
            }),
            CrateArchive {
                version: "1.1.0",
                bytes: &new,
            },
        )
        .unwrap();
    // By hand: Cargo.toml +1 -1; lib.rs +1 -1; old_name.rs -> new_name.rs renamed unchanged 0;
    // crlf.rs only CR changes 0 (--ignore-cr-at-eol); Cargo.lock skipped; logo.bin binary 0;
    // tail.rs "two" gains its final newline and "three" is added: +1 only, because
    // --ignore-cr-at-eol also ignores a missing newline at end of file (plain git says +2 -1);
    // gone.rs -3; sub/Cargo.lock +2 (only the root Cargo.lock is skipped);
    // .cargo_vcs_info.json skipped.
    assert_eq!((stat.insertions, stat.deletions), (5, 5), "{stat:?}");
    assert_eq!(stat.count(), 10);

    // The same through the independent oracle.
    let a = system_untar(&old, &tmp.path().join("o/src"), "demo-1.0.0");
    let b = system_untar(&new, &tmp.path().join("o/src"), "demo-1.1.0");
    assert_eq!(git_oracle(&a, &b, &tmp.path().join("o/home")), 10);

    // Backwards deltas swap insertions and deletions.
    let back = differ
        .diff_crates(
            "demo",
            Some(CrateArchive {
                version: "1.1.0",
                bytes: &new,
            }),
            CrateArchive {
                version: "1.0.0",
                bytes: &old,
            },
        )
        .unwrap();
    assert_eq!((back.insertions, back.deletions), (5, 5));

    // A version against itself costs nothing.
    let same = differ
        .diff_crates(
            "demo",
            Some(CrateArchive {
                version: "1.1.0",
                bytes: &new,
            }),
            CrateArchive {
                version: "1.1.0",
                bytes: &new,
            },
        )
        .unwrap();
    assert_eq!(same.count(), 0);
}

#[test]
fn full_audit_through_git_equals_tar_stream_count() {
    let (_, new) = hand_pair();
    let tmp = tempdir();
    let differ = GitDiffer::new(tmp.path()).unwrap();
    let stat = differ
        .diff_crates(
            "demo",
            None,
            CrateArchive {
                version: "1.1.0",
                bytes: &new,
            },
        )
        .unwrap();
    // By hand: 3 + 3 + 50 + 3 + 0 (binary) + 3 + 2 = 64.
    assert_eq!(stat.count(), 64);
    let counted = count_crate_lines(&new, "demo-1.1.0", ArchiveLimits::default()).unwrap();
    assert_eq!(counted.total, 64);
}

struct Version {
    files: Vec<(String, Vec<u8>)>,
}

fn random_text(rng: &mut Rng, lines: u64) -> Vec<Vec<u8>> {
    (0..lines).map(|_| fake_line(rng).into_bytes()).collect()
}

fn join(lines: &[Vec<u8>], crlf: bool, terminated: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        out.extend_from_slice(l);
        if i + 1 < lines.len() || terminated {
            out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
    }
    out
}

/// A next version: edits, deletions, insertions, renames (some with edits), CRLF flips, new
/// and removed files, binary changes.
fn evolve(
    rng: &mut Rng,
    prev: &[(String, Vec<Vec<u8>>, bool, bool)],
) -> Vec<(String, Vec<Vec<u8>>, bool, bool)> {
    let mut next = Vec::new();
    for (i, (path, lines, crlf, term)) in prev.iter().enumerate() {
        let roll = rng.below(10);
        if roll == 0 {
            continue; // removed
        }
        let mut lines = lines.clone();
        let mut path = path.clone();
        let mut crlf = *crlf;
        let mut term = *term;
        match roll {
            1 => path = format!("src/moved/r{}_{}.rs", i, rng.below(1000)),
            2 => {
                path = format!("src/moved/e{}_{}.rs", i, rng.below(1000));
                if !lines.is_empty() {
                    let at = rng.below(lines.len() as u64) as usize;
                    lines[at] = fake_line(rng).into_bytes();
                }
            }
            3 => crlf = !crlf,
            4 => term = !term,
            5 | 6 => {
                for _ in 0..rng.below(6) {
                    if lines.is_empty() {
                        break;
                    }
                    let at = rng.below(lines.len() as u64) as usize;
                    match rng.below(3) {
                        0 => {
                            lines.remove(at);
                        }
                        1 => lines.insert(at, fake_line(rng).into_bytes()),
                        _ => lines[at] = fake_line(rng).into_bytes(),
                    }
                }
            }
            _ => {}
        }
        next.push((path, lines, crlf, term));
    }
    for j in 0..rng.below(4) {
        let n = rng.below(120);
        next.push((
            format!("src/new{}_{j}.rs", rng.below(100_000)),
            random_text(rng, n),
            false,
            true,
        ));
    }
    next.sort_by(|a, b| a.0.cmp(&b.0));
    next.dedup_by(|a, b| a.0 == b.0);
    next
}

fn to_crate(prefix: &str, files: &[(String, Vec<Vec<u8>>, bool, bool)], bin_seed: u64) -> Version {
    let mut out: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, lines, crlf, term)| (p.clone(), join(lines, *crlf, *term)))
        .collect();
    let mut bin = vec![0u8, 1, 2];
    bin.extend_from_slice(&bin_seed.to_le_bytes());
    out.push(("assets/blob.bin".into(), bin));
    out.push((
        "Cargo.lock".into(),
        format!("seed {bin_seed}\n").repeat(30).into_bytes(),
    ));
    let _ = prefix;
    Version { files: out }
}

fn pack(prefix: &str, v: &Version) -> Vec<u8> {
    let entries: Vec<Entry> = v
        .files
        .iter()
        .map(|(p, c)| Entry::File(format!("{prefix}/{p}"), c.clone()))
        .collect();
    build_crate(&entries)
}

#[test]
fn generated_version_chains_match_independent_git_run() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let tmp = tempdir();
    let differ = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
    let mut files: Vec<(String, Vec<Vec<u8>>, bool, bool)> = (0..25)
        .map(|i| {
            let n = 5 + rng.below(200);
            (
                format!("src/f{i}.rs"),
                random_text(&mut rng, n),
                i % 7 == 0,
                i % 5 != 0,
            )
        })
        .collect();
    let mut prev: Option<(String, Vec<u8>)> = None;
    let mut steps_where_renames_matter = 0;
    for step in 0..8 {
        let version = format!("0.{step}.0");
        let prefix = format!("gen-{version}");
        let bytes = pack(&prefix, &to_crate(&prefix, &files, step));
        if let Some((pv, pbytes)) = &prev {
            let ours = differ
                .diff_crates(
                    "gen",
                    Some(CrateArchive {
                        version: pv,
                        bytes: pbytes,
                    }),
                    CrateArchive {
                        version: &version,
                        bytes: &bytes,
                    },
                )
                .unwrap();
            let root = tmp.path().join(format!("oracle{step}"));
            let a = system_untar(pbytes, &root.join("src"), &format!("gen-{pv}"));
            let b = system_untar(&bytes, &root.join("src"), &prefix);
            let oracle = git_oracle(&a, &b, &root.join("home"));
            assert_eq!(ours.count(), oracle, "step {step}: {pv} -> {version}");
            // The optimiser's lower bound from full counts never exceeds git's figure.
            let old_lines =
                count_crate_lines(pbytes, &format!("gen-{pv}"), Default::default()).unwrap();
            let new_lines = count_crate_lines(&bytes, &prefix, Default::default()).unwrap();
            let bound = minaudit::price::bounds::delta_lower_bound(&old_lines, &new_lines);
            assert!(bound <= oracle, "step {step}: bound {bound} > git {oracle}");
            // The chain must exercise rename detection: without it git would count more.
            let no_renames = git_oracle_with(&a, &b, &root.join("home"), &["--no-renames"]);
            assert!(no_renames >= oracle);
            if no_renames > oracle {
                steps_where_renames_matter += 1;
            }
        }
        prev = Some((version, bytes));
        files = evolve(&mut rng, &files);
    }
    assert!(
        steps_where_renames_matter >= 3,
        "{steps_where_renames_matter}"
    );
}

/// Real deltas: every git-counted delta in a minaudit cache (`MINAUDIT_CACHE_DIR`, default
/// `~/.cache/cargo-minaudit`, filled by any corpus run) whose two `.crate` files are cached too
/// is at least the optimiser's lower bound. Prints how much of git's figure the bound reaches.
/// Opt-in: needs a filled cache.
#[test]
#[ignore = "needs a minaudit cache filled by a corpus run"]
fn cached_git_deltas_are_never_below_the_bound() {
    let dir = std::env::var_os("MINAUDIT_CACHE_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cache/cargo-minaudit"))
        })
        .expect("a cache dir");
    let text = std::fs::read_to_string(dir.join("line-counts.json"))
        .unwrap_or_else(|e| panic!("{}: {e} (fill it with a corpus run)", dir.display()));
    let cache: serde_json::Value = serde_json::from_str(&text).expect("cache json");
    let lines = |name: &str, version: &str| {
        let prefix = format!("{name}-{version}");
        let bytes = std::fs::read(dir.join("crates").join(format!("{prefix}.crate"))).ok()?;
        count_crate_lines(&bytes, &prefix, ArchiveLimits::default()).ok()
    };
    let (mut checked, mut git_total, mut bound_total) = (0u64, 0u64, 0u64);
    for e in cache["entries"].as_array().expect("entries") {
        let (Some(name), Some(from), Some(to)) =
            (e["crate"].as_str(), e["from"].as_str(), e["to"].as_str())
        else {
            continue;
        };
        let (Some(old), Some(new)) = (lines(name, from), lines(name, to)) else {
            continue;
        };
        let git = e["insertions"].as_u64().unwrap() + e["deletions"].as_u64().unwrap();
        let bound = minaudit::price::bounds::delta_lower_bound(&old, &new);
        assert!(
            bound <= git,
            "{name} {from} -> {to}: bound {bound} > git {git}"
        );
        checked += 1;
        git_total += git;
        bound_total += bound;
    }
    eprintln!(
        "{checked} cached deltas: git {git_total} lines, bound {bound_total} ({:.1} %)",
        100.0 * bound_total as f64 / git_total.max(1) as f64
    );
    assert!(checked > 0, "no delta with both crate files cached");
}
