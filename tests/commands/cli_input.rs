//! Input is checked before any work: a bad flag value fails at parse time (exit 2, the flag
//! named, no file read: the manifest path given with it does not even exist), `explain
//! NAME@VERSION` answers for that version only (exit 2 for a version never published),
//! every `--format` works for `explain`, and misplaced paths are named as such.

use crate::support::report_support;

use report_support::{json_ok, stderr, stdout, Demo};

fn refused(demo: &Demo, args: &[&str]) -> String {
    let out = demo.minaudit(args).output().expect("run cargo-minaudit");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: {}", stdout(&out));
    err
}

#[test]
fn bad_flag_values_fail_before_anything_is_read() {
    let demo = Demo::new();
    let missing = demo.tmp.path().join("nowhere/Cargo.toml");
    let missing = missing.to_str().expect("utf-8 path");
    for (args, flag) in [
        (
            &["report", "--no-optimum", "--objective=bogus"][..],
            "--objective",
        ),
        (&["report", "--time-limit", "NaN"], "--time-limit"),
        (&["report", "--time-limit", "inf"], "--time-limit"),
        (&["explain", "ansi-paint", "--jobs", "0"], "--jobs"),
        (&["what-if", "--trust", "x", "--jobs", "0"], "--jobs"),
        (
            &["report", "--exclude-newer", "last-week"],
            "--exclude-newer",
        ),
        (&["report", "--min-age", "7 fortnights"], "--min-age"),
        (&["explain", "ansi-paint@garbage!!"], "<KRATE>"),
    ] {
        let mut argv = args.to_vec();
        argv.extend(["--manifest-path", missing]);
        let err = refused(&demo, &argv);
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(
            !err.contains("nowhere"),
            "{args:?} read the manifest: {err}"
        );
    }
}

#[test]
fn a_manifest_path_into_a_missing_directory_says_so() {
    let demo = Demo::new();
    let missing = demo.tmp.path().join("nowhere/Cargo.toml");
    let err = refused(
        &demo,
        &[
            "report",
            "--offline",
            "--manifest-path",
            missing.to_str().expect("utf-8"),
        ],
    );
    assert!(
        err.contains("does not exist") && err.contains("nowhere"),
        "{err}"
    );
    assert!(!err.contains("PATH"), "{err}");
}

#[test]
fn an_unknown_member_feature_is_refused() {
    let demo = Demo::new();
    let err = refused(
        &demo,
        &[
            "report",
            "--frozen-imports",
            "--offline",
            "--no-optimum",
            "--features",
            "demo-app/nope",
        ],
    );
    assert!(err.contains("demo-app/nope"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_only_cache_dir_is_an_error_with_a_hint() {
    let demo = Demo::new();
    std::fs::create_dir_all(&demo.cache).expect("mkdir");
    // root ignores mode bits; the immutable attribute holds for root too
    let ok = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&demo.cache)
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "chattr +i needs a filesystem with attributes (ext4, xfs, btrfs)"
    );
    let out = demo.report(&["--no-optimum"]);
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(&demo.cache)
        .status();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write in the cache dir"), "{err}");
    assert!(
        err.contains("hint:") && err.contains("--cache-dir"),
        "{err}"
    );
}

#[test]
fn explain_with_a_version_prints_that_version_only() {
    let demo = Demo::new();
    let all = json_ok(&demo.explain("ansi-paint"));
    let rows = all["versions"].as_array().expect("versions");
    let other = rows
        .iter()
        .find(|r| r["chosen"] == false)
        .expect("a version the optimum does not hold");
    let version = other["version"].as_str().expect("version");
    let one = json_ok(&demo.explain(&format!("ansi-paint@{version}")));
    assert_eq!(
        one["versions"].as_array().expect("versions"),
        &vec![other.clone()]
    );
    assert_eq!(one["optimal_backlog_lines"], all["optimal_backlog_lines"]);

    let out = demo.explain("ansi-paint@9.9.9");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        err.contains("ansi-paint 9.9.9 is not a published version"),
        "{err}"
    );
    assert!(
        !err.contains("Fetched"),
        "refused before any crate is fetched: {err}"
    );
}

#[test]
fn explain_prints_every_format() {
    let demo = Demo::new();
    let run = |format: &str| {
        let out = demo
            .minaudit(&[
                "explain",
                "ansi-paint",
                "--frozen-imports",
                "--offline",
                "--format",
                format,
            ])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let (human, markdown) = (run("human"), run("markdown"));
    assert!(
        human.contains("cheapest lock holding each version"),
        "{human}"
    );
    assert!(markdown.starts_with("### `ansi-paint`"), "{markdown}");
    assert!(markdown.contains("|---|---:|---:|---:|"), "{markdown}");
    assert_ne!(human, markdown);
}
