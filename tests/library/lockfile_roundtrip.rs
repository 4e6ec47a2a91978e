//! Cargo.lock round trips against files Cargo itself wrote.
//!
//! Oracle: every `.lock` under `fixtures/lockfiles/` (except `*.input.lock`) and every
//! `Cargo.lock` of the shared real-world corpus was written by Cargo, so
//! - `render(parse(x)) == x` (the printer reproduces Cargo's bytes), and
//! - re-deriving order and dependency strings from the parsed graph (`canonicalize`) and
//!   printing again still gives `x` (the ambiguity rule and sort match Cargo's choices).
//!
//! `noncanonical-registry.input.lock` was hand-scrambled (reversed packages, no blank lines,
//! long dependency strings, an unknown key, trailing blank lines); Cargo rewrote it into
//! `noncanonical-registry.cargo-output.lock`, which canonicalize + render must reproduce.

use crate::support::outside;

use std::path::{Path, PathBuf};

use minaudit::lockfile::{parse, render};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_round_trip(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("readable lock");
    let lock = parse(&text, path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        render(&lock),
        text,
        "render(parse(x)) != x for {}",
        path.display()
    );

    let mut rederived = lock.clone();
    rederived.canonicalize();
    for (a, b) in lock.packages.iter().zip(&rederived.packages) {
        assert_eq!(a.id, b.id, "{}: package order", path.display());
        let raw_a: Vec<&str> = a.dependencies.iter().map(|d| d.raw.as_str()).collect();
        let raw_b: Vec<&str> = b.dependencies.iter().map(|d| d.raw.as_str()).collect();
        assert_eq!(
            raw_a,
            raw_b,
            "{}: dependency strings of {}",
            path.display(),
            a.id
        );
    }
    assert_eq!(
        render(&rederived),
        text,
        "canonicalize changed {}",
        path.display()
    );
    lock.packages.len()
}

fn fixture_locks() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join("fixtures/lockfiles"))
        .expect("fixtures/lockfiles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".lock") && !name.ends_with(".input.lock")
        })
        .collect();
    for ws in ["git", "paths", "registry"] {
        out.push(
            repo()
                .join("fixtures/workspaces")
                .join(ws)
                .join("Cargo.lock"),
        );
    }
    out.sort();
    out
}

#[test]
fn fixture_locks_round_trip() {
    let locks = fixture_locks();
    assert!(
        locks.len() >= 7,
        "expected the fixture locks, found {locks:?}"
    );
    for path in locks {
        check_round_trip(&path);
    }
}

#[test]
#[ignore = "needs ../shared/realworld/projects"]
fn corpus_locks_round_trip() {
    let projects = outside::shared_dir().join("realworld/projects");
    let entries = std::fs::read_dir(&projects).expect("the corpus projects");
    let mut checked = 0;
    for entry in entries.flatten() {
        let lock = entry.path().join("Cargo.lock");
        if lock.is_file() {
            let n = check_round_trip(&lock);
            eprintln!("{}: {n} packages round-trip", lock.display());
            checked += 1;
        }
    }
    assert!(checked > 0, "no Cargo.lock under {}", projects.display());
}

#[test]
fn canonicalize_matches_cargo_rewrite_of_scrambled_lock() {
    let dir = repo().join("fixtures/lockfiles");
    let input_path = dir.join("noncanonical-registry.input.lock");
    let input = std::fs::read_to_string(&input_path).expect("input");
    let expected = std::fs::read_to_string(dir.join("noncanonical-registry.cargo-output.lock"))
        .expect("cargo output");
    let mut lock = parse(&input, &input_path).unwrap_or_else(|e| panic!("{e}"));
    assert!(lock.extra.contains_key("unknown-key"));
    assert_ne!(
        render(&lock),
        expected,
        "the input must really be scrambled"
    );
    lock.canonicalize();
    assert_eq!(render(&lock), expected);
}

#[test]
fn malformed_fixture_lock_names_file_and_line() {
    let path = repo().join("fixtures/lockfiles/malformed/bad-dependency.lock.txt");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let err = parse(&text, &path).expect_err("malformed").to_string();
    let expected_line = text
        .lines()
        .position(|l| l.contains("\"nonexistent 9.9.9\""))
        .expect("marker line")
        + 1;
    assert!(
        err.starts_with(&format!("{}:{expected_line}:", path.display())),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
}
