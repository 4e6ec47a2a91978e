//! Warm caches: a second run takes its counts from the cache dir — per-file counts of whole
//! crates keyed by the archive's checksum (`file-counts-v1/`), audit counts keyed by both
//! checksums (`line-counts.json`) — instead of reading the `.crate` files again, and finds
//! the same plan. Without the caches the very same run needs those files (checked last, so the
//! test cannot pass by not needing them at all).

use crate::support::report_support;

use report_support::{stderr, stdout, Demo};

/// `name-version.crate` of every registry package in the demo's Cargo.lock.
fn locked_archives(demo: &Demo) -> Vec<String> {
    let lock = std::fs::read_to_string(demo.dir.join("Cargo.lock")).expect("Cargo.lock");
    let mut out = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            out.push(format!("{n}-{}.crate", v.trim_matches('"')));
        }
    }
    out
}

#[test]
fn a_warm_run_reads_no_archive_it_counted_before_and_finds_the_same_plan() {
    let demo = Demo::new();
    let cold = demo.plan(&[]);
    assert!(cold.status.success(), "{}", stderr(&cold));
    let entries = std::fs::read_dir(demo.cache.join("file-counts-v1"))
        .expect("the cold run records per-file counts")
        .count();
    assert!(entries > 0);

    // every archive the lock does not use is read by minaudit only (cargo needs the others)
    let locked = locked_archives(&demo);
    let registry = demo.dir.join("registry");
    let aside = demo.tmp.path().join("aside");
    std::fs::create_dir_all(&aside).expect("aside");
    let mut moved = 0;
    for entry in std::fs::read_dir(&registry).expect("registry") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if file.ends_with(".crate") && !locked.contains(&file) {
            std::fs::rename(&path, aside.join(&file)).expect("move");
            moved += 1;
        }
    }
    assert!(moved > 0, "the demo has unlocked versions to price");

    let warm = demo.plan(&[]);
    assert!(warm.status.success(), "{}", stderr(&warm));
    assert_eq!(stdout(&warm), stdout(&cold));
    assert!(
        stderr(&warm).contains("Fetched 0 crate files"),
        "{}",
        stderr(&warm)
    );

    std::fs::remove_dir_all(&demo.cache).expect("drop the caches");
    let cold_again = demo.plan(&[]);
    assert_eq!(cold_again.status.code(), Some(2), "{}", stderr(&cold_again));
    assert!(
        stderr(&cold_again).contains("not found"),
        "{}",
        stderr(&cold_again)
    );
}
