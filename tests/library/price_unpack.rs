//! Safe extraction: hostile archives are refused naming the entry and leave nothing behind;
//! good archives unpack to exactly what the system `tar` produces.

use crate::support::price_support;

use std::collections::BTreeMap;
use std::path::Path;

use minaudit::price::unpack::unpack_crate;
use minaudit::price::{ArchiveError, ArchiveLimits, PriceError};
use price_support::*;

const P: &str = "demo-0.1.0";

fn unpack(bytes: &[u8], parent: &Path) -> Result<std::path::PathBuf, PriceError> {
    unpack_crate(bytes, "demo", "0.1.0", parent, ArchiveLimits::default())
}

fn archive_err(r: Result<std::path::PathBuf, PriceError>) -> ArchiveError {
    match r {
        Err(PriceError::Archive { error, .. }) => error,
        other => panic!("expected an archive error, got {other:?}"),
    }
}

fn list(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if ft.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                stack.push(e.path());
            } else {
                assert!(ft.is_file(), "{rel} is neither file nor dir");
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn good_crate_unpacks_like_system_tar() {
    let bytes = build_crate(&[
        Entry::Dir(format!("{P}/")),
        file(&format!("{P}/Cargo.toml"), "[package]\n"),
        file(&format!("{P}/src/a/b/c.rs"), "deep\r\n"),
        file(&format!("{P}/src/empty.rs"), ""),
        file(&format!("{P}/bin.dat"), b"\0\x01\x02"),
        file(&format!("{P}/src/lib.rs"), "first\n"),
        file(&format!("{P}/src/lib.rs"), "second\n"),
    ]);
    let tmp = tempdir();
    let ours = unpack(&bytes, &tmp.path().join("ours")).unwrap();
    assert_eq!(ours, tmp.path().join("ours").join(P));
    let theirs = system_untar(&bytes, &tmp.path().join("theirs"), P);
    assert_eq!(tree(&ours), tree(&theirs));
    assert_eq!(std::fs::read(ours.join("src/lib.rs")).unwrap(), b"second\n");
    // Nothing but the crate dir is left in the parent (no staging leftovers).
    assert_eq!(list(&tmp.path().join("ours")), vec![P.to_owned()]);
    // Unpacking again replaces the tree.
    unpack(&bytes, &tmp.path().join("ours")).unwrap();
    assert_eq!(tree(&ours), tree(&theirs));
}

#[test]
fn hostile_entries_are_refused_naming_the_entry() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "dotdot",
            build_crate(&[Entry::RawFile(
                format!("{P}/../evil.rs").into_bytes(),
                b"x\n".to_vec(),
            )]),
        ),
        (
            "bare-dotdot",
            build_crate(&[Entry::RawFile(b"../evil.rs".to_vec(), b"x\n".to_vec())]),
        ),
        (
            "absolute",
            build_crate(&[Entry::RawFile(
                b"/tmp/minaudit-evil.rs".to_vec(),
                b"x\n".to_vec(),
            )]),
        ),
        (
            "symlink",
            build_crate(&[Entry::Symlink(format!("{P}/link"), "/etc".into())]),
        ),
        (
            "hardlink",
            build_crate(&[
                file(&format!("{P}/a"), "x\n"),
                Entry::HardLink(format!("{P}/b"), format!("{P}/a")),
            ]),
        ),
        (
            "outside-prefix",
            build_crate(&[file("demo-0.1.1/src/lib.rs", "x\n")]),
        ),
        ("no-prefix", build_crate(&[file("lib.rs", "x\n")])),
    ];
    for (label, bytes) in cases {
        let tmp = tempdir();
        let parent = tmp.path().join("parent");
        let err = archive_err(unpack(&bytes, &parent));
        let msg = err.to_string();
        match label {
            "dotdot" | "bare-dotdot" => {
                assert!(
                    matches!(err, ArchiveError::UnsafePath { .. }),
                    "{label}: {err:?}"
                );
                assert!(msg.contains("evil.rs"), "{label}: {msg}");
            }
            "absolute" => {
                assert!(
                    matches!(err, ArchiveError::UnsafePath { .. }),
                    "{label}: {err:?}"
                );
                assert!(msg.contains("/tmp/minaudit-evil.rs"), "{label}: {msg}");
            }
            "symlink" | "hardlink" => {
                assert!(
                    matches!(err, ArchiveError::UnsupportedEntry { .. }),
                    "{label}: {err:?}"
                );
                assert!(
                    msg.contains("/link") || msg.contains("/b"),
                    "{label}: {msg}"
                );
            }
            _ => {
                assert!(
                    matches!(err, ArchiveError::OutsidePrefix { .. }),
                    "{label}: {err:?}"
                );
                assert!(msg.contains("lib.rs") && msg.contains(P), "{label}: {msg}");
            }
        }
        // Nothing escaped and nothing was left behind.
        assert!(list(&parent).is_empty(), "{label}: {:?}", list(&parent));
        assert_eq!(list(tmp.path()), vec!["parent".to_owned()], "{label}");
        assert!(!Path::new("/tmp/minaudit-evil.rs").exists());
    }
}

#[test]
fn size_and_entry_caps_apply() {
    let bytes = build_crate(&[
        file(&format!("{P}/a"), vec![b'a'; 600]),
        file(&format!("{P}/b"), vec![b'b'; 600]),
        file(&format!("{P}/c"), "c\n"),
    ]);
    let tmp = tempdir();
    let small = ArchiveLimits {
        max_total_bytes: 1_000,
        max_entries: 100,
        ..ArchiveLimits::default()
    };
    let err = unpack_crate(&bytes, "demo", "0.1.0", tmp.path(), small).unwrap_err();
    assert!(err.to_string().contains("/b`"), "{err}");
    let few = ArchiveLimits {
        max_total_bytes: 1 << 20,
        max_entries: 2,
        ..ArchiveLimits::default()
    };
    let err = unpack_crate(&bytes, "demo", "0.1.0", tmp.path(), few).unwrap_err();
    assert!(
        err.to_string().contains("/c`") && err.to_string().contains("entries"),
        "{err}"
    );
    assert!(list(tmp.path()).is_empty());
}

#[test]
fn truncated_archive_is_an_error_and_leaves_nothing() {
    let bytes = build_crate(&[file(&format!("{P}/big.rs"), "line\n".repeat(10_000))]);
    let tmp = tempdir();
    for cut in [bytes.len() / 3, bytes.len() - 3] {
        let err = archive_err(unpack(&bytes[..cut], tmp.path()));
        assert!(
            matches!(err, ArchiveError::Corrupt { .. }),
            "cut {cut}: {err:?}"
        );
        assert!(list(tmp.path()).is_empty());
    }
}
