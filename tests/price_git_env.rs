//! The user's git configuration must not change our numbers. This file holds one test because
//! it points this process's git environment at a hostile config (`diff.renames = false`,
//! `diff.algorithm = histogram`, an external diff driver): a plain `git` run inheriting that
//! environment counts differently, `GitDiffer` does not.

#[path = "support/mod.rs"]
mod support;

use support::price_support;

use std::process::Command;

use minaudit::price::diffstat::{CrateArchive, GitDiffer};
use price_support::*;

#[test]
fn user_git_config_cannot_change_counts() {
    let (old, new) = hand_pair();
    let tmp = tempdir();
    let cfg = tmp.path().join("hostile-gitconfig");
    std::fs::write(
        &cfg,
        "[diff]\n\trenames = false\n\talgorithm = histogram\n\texternal = /bin/false\n",
    )
    .unwrap();
    // SAFETY of intent: this test binary runs only this one test, so no other thread reads
    // the environment concurrently.
    std::env::set_var("GIT_CONFIG_GLOBAL", &cfg);
    std::env::set_var("HOME", tmp.path());

    let a = system_untar(&old, &tmp.path().join("o/src"), "demo-1.0.0");
    let b = system_untar(&new, &tmp.path().join("o/src"), "demo-1.1.0");
    let plain = Command::new("git")
        .args([
            "diff",
            "--no-ext-diff",
            "--ignore-cr-at-eol",
            "--no-index",
            "--numstat",
        ])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let plain_text = String::from_utf8(plain.stdout).unwrap();
    let plain_total: u64 = plain_text
        .lines()
        .map(|l| l.trim_end_matches('}'))
        .filter(|l| !l.ends_with("Cargo.lock") || l.ends_with("sub/Cargo.lock"))
        .filter(|l| !l.ends_with(".cargo_vcs_info.json"))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(f.next()?.parse::<u64>().ok()? + f.next()?.parse::<u64>().ok()?)
        })
        .sum();
    // With renames off, the unchanged 50-line renamed file costs 50 + 50.
    assert_eq!(plain_total, 10 + 100);

    let differ = GitDiffer::new(&tmp.path().join("scratch")).unwrap();
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
    assert_eq!(stat.count(), 10);
}
