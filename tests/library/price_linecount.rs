//! Full-audit line counts from the tar stream, checked against hand-computed numbers and against
//! git itself (system `tar` to unpack, `git diff --no-index --numstat` against an empty dir).

use crate::support::price_support;

use minaudit::price::diffstat::{CrateArchive, GitDiffer};
use minaudit::price::linecount::count_crate_lines;
use minaudit::price::{ArchiveError, ArchiveLimits};
use price_support::*;

const P: &str = "demo-0.1.0";

fn p(path: &str) -> String {
    format!("{P}/{path}")
}

fn hand_crate() -> Vec<u8> {
    let mut late_nul = vec![b'a'; 7_999];
    late_nul.extend_from_slice(b"\n\0\n"); // NUL at byte 8,000: outside git's probe → text
    let mut early_nul = vec![b'a'; 7_999];
    early_nul.extend_from_slice(b"\0\n"); // NUL at byte 7,999: binary
    build_crate(&[
        Entry::Dir(p("")),
        file(&p("Cargo.toml"), "[package]\nname = \"demo\"\n"), // 2
        file(&p("src/lib.rs"), "fn a() {}\r\nfn b() {}\r\n"),   // 2 (CRLF)
        file(&p("src/unterminated.rs"), "x\ny"),                // 2
        file(&p("src/empty.rs"), ""),                           // 0
        file(&p("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\n"), // binary: 0
        file(&p("Cargo.lock"), "a\nb\nc\n"),                    // skipped
        file(&p(".cargo_vcs_info.json"), "{}\n"),               // skipped
        file(&p(".cargo-ok"), "ok"),                            // skipped
        Entry::Dir(p("nested/deep/dir")),
        file(&p("nested/deep/dir/mod.rs"), "1\n2\n3\n4\n"), // 4
        file(&p("nested/Cargo.lock"), "q\n"),               // 1: only the root one is skipped
        file(&p("late-nul.txt"), late_nul),                 // 2
        file(&p("early-nul.txt"), early_nul),               // binary: 0
    ])
}

#[test]
fn hand_computed_crate_counts_13_and_git_agrees() {
    let bytes = hand_crate();
    let counted = count_crate_lines(&bytes, P, ArchiveLimits::default()).unwrap();
    assert_eq!(counted.total, 2 + 2 + 2 + 4 + 1 + 2);
    assert_eq!(
        counted.skipped,
        vec![".cargo-ok", ".cargo_vcs_info.json", "Cargo.lock"]
    );
    let by_path = |path: &str| counted.files.iter().find(|f| f.path == path).unwrap();
    assert!(by_path("logo.png").binary);
    assert!(by_path("early-nul.txt").binary);
    assert!(!by_path("late-nul.txt").binary);
    assert_eq!(by_path("nested/Cargo.lock").lines, 1);
    assert_eq!(counted.files.len(), 9); // 12 files less the 3 skipped

    let tmp = tempdir();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let tree = system_untar(&bytes, &tmp.path().join("src"), P);
    assert_eq!(git_oracle(&empty, &tree, &tmp.path().join("home")), 13);
}

fn random_crate(rng: &mut Rng, prefix: &str, files: usize) -> Vec<u8> {
    let mut entries = vec![Entry::Dir(format!("{prefix}/"))];
    for i in 0..files {
        let dir = ["src", "src/a", "src/a/b", "tests", "benches", ""][rng.below(6) as usize];
        let path = if dir.is_empty() {
            format!("{prefix}/f{i}.rs")
        } else {
            format!("{prefix}/{dir}/f{i}.rs")
        };
        let kind = rng.below(10);
        let mut content = Vec::new();
        if kind == 0 {
            // binary-looking
            for _ in 0..rng.below(20_000) {
                content.push(rng.below(256) as u8);
            }
            content.insert(rng.below(content.len() as u64 + 1) as usize, 0);
        } else if kind == 1 {
            // empty
        } else {
            let crlf = kind == 2;
            for _ in 0..rng.below(400) {
                content.extend_from_slice(fake_line(rng).as_bytes());
                content.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            if rng.below(3) == 0 {
                content.extend_from_slice(b"// no newline at end");
            }
        }
        entries.push(Entry::File(path, content));
    }
    entries.push(file(&format!("{prefix}/Cargo.lock"), "x\n".repeat(50)));
    entries.push(file(
        &format!("{prefix}/.cargo_vcs_info.json"),
        "{\n  \"git\": {}\n}\n",
    ));
    entries.push(file(&format!("{prefix}/sub/Cargo.lock"), "y\n".repeat(7)));
    build_crate(&entries)
}

#[test]
fn random_crates_tar_stream_equals_git_numstat_and_our_git_runner() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let tmp = tempdir();
    let differ = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for round in 0..6 {
        let version = format!("1.{round}.0");
        let prefix = format!("rnd-{version}");
        let bytes = random_crate(&mut rng, &prefix, 20 + 10 * round);
        let counted = count_crate_lines(&bytes, &prefix, ArchiveLimits::default()).unwrap();
        let tree = system_untar(&bytes, &tmp.path().join(format!("src{round}")), &prefix);
        let oracle = git_oracle(&empty, &tree, &tmp.path().join("home"));
        assert_eq!(counted.total, oracle, "round {round}: tar stream vs git");
        assert!(oracle > 0);
        let ours = differ
            .diff_crates(
                "rnd",
                None,
                CrateArchive {
                    version: &version,
                    bytes: &bytes,
                },
            )
            .unwrap();
        assert_eq!(ours.count(), oracle, "round {round}: GitDiffer vs git");
        assert_eq!(ours.deletions, 0);
        // git lists every added file, empty and binary ones included.
        assert_eq!(
            ours.files_changed,
            counted.files.len() as u64,
            "round {round}"
        );
    }
}

#[test]
fn duplicate_entries_last_one_wins_like_tar() {
    let bytes = build_crate(&[
        file(&p("src/lib.rs"), "1\n2\n3\n"),
        file(&p("src/lib.rs"), "only\n"),
    ]);
    let counted = count_crate_lines(&bytes, P, ArchiveLimits::default()).unwrap();
    let tmp = tempdir();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let tree = system_untar(&bytes, &tmp.path().join("src"), P);
    assert_eq!(counted.total, 1);
    assert_eq!(git_oracle(&empty, &tree, &tmp.path().join("home")), 1);
}

#[test]
fn truncated_or_corrupt_archives_are_errors() {
    let bytes = hand_crate();
    for cut in [10, bytes.len() / 2, bytes.len() - 4, bytes.len() - 1] {
        let err = count_crate_lines(&bytes[..cut], P, ArchiveLimits::default()).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Corrupt { .. }),
            "cut at {cut}: {err:?}"
        );
    }
    let mut flipped = bytes.clone();
    let at = flipped.len() - 6; // inside the gzip CRC trailer
    flipped[at] ^= 0xff;
    assert!(matches!(
        count_crate_lines(&flipped, P, ArchiveLimits::default()),
        Err(ArchiveError::Corrupt { .. })
    ));
    assert!(count_crate_lines(b"not a gzip file", P, ArchiveLimits::default()).is_err());
}

#[test]
fn links_and_foreign_prefixes_are_refused_by_the_counter_too() {
    let symlink = build_crate(&[Entry::Symlink(p("link"), "/etc/passwd".into())]);
    assert!(matches!(
        count_crate_lines(&symlink, P, ArchiveLimits::default()),
        Err(ArchiveError::UnsupportedEntry { .. })
    ));
    let foreign = build_crate(&[file("other-1.0.0/src/lib.rs", "x\n")]);
    assert!(matches!(
        count_crate_lines(&foreign, P, ArchiveLimits::default()),
        Err(ArchiveError::OutsidePrefix { .. })
    ));
}
