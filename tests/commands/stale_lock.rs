//! A Cargo.lock that no longer matches the manifests, or none at all, is the default path:
//! minaudit solves from the manifests, prices Cargo's own update of the lock as `current`,
//! counts changes against Cargo.lock as it is, and writes a lock Cargo accepts. Each case edits
//! a private copy of the demo the way a change would (dependency added, requirement moved to
//! another bucket, dependency removed, dependency renamed, lock deleted).

use crate::support::registry_builder::cargo_oracle;
use crate::support::report_support::{json_ok, stderr, Demo};

/// Replaces `from` by `to` in the copy's file `rel` (which must contain it).
fn edit(demo: &Demo, rel: &str, from: &str, to: &str) {
    let path = demo.dir.join(rel);
    let text = std::fs::read_to_string(&path).expect("manifest");
    assert!(text.contains(from), "{rel} has `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write manifest");
}

struct Change {
    name: &'static str,
    apply: fn(&Demo),
    /// `missing`, `out of date`, or None when the lock still matches.
    state: Option<&'static str>,
}

const CHANGES: [Change; 5] = [
    Change {
        name: "dependency added",
        apply: |d| {
            edit(
                d,
                "app/Cargo.toml",
                "[dependencies]\n",
                "[dependencies]\nhexfmt = { version = \"0.2\" }\n",
            )
        },
        state: Some("out of date"),
    },
    Change {
        name: "requirement moved to another bucket",
        apply: |d| {
            edit(
                d,
                "core/Cargo.toml",
                "tinyrand = { version = \"0.8\" }",
                "tinyrand = { version = \"0.7\" }",
            )
        },
        state: Some("out of date"),
    },
    Change {
        name: "dependency removed",
        apply: |d| {
            edit(
                d,
                "core/Cargo.toml",
                "smallmap = { version = \"1.0\" }\n",
                "",
            )
        },
        state: Some("out of date"),
    },
    Change {
        name: "dependency renamed",
        apply: |d| {
            edit(
                d,
                "app/Cargo.toml",
                "wrap = { version",
                "textwrap = { version",
            )
        },
        state: None,
    },
    Change {
        name: "lock deleted",
        apply: |d| std::fs::remove_file(d.dir.join("Cargo.lock")).expect("rm lock"),
        state: Some("missing"),
    },
];

#[test]
fn every_change_gets_a_lock_cargo_accepts() {
    for change in &CHANGES {
        let demo = Demo::new();
        (change.apply)(&demo);
        let before = std::fs::read(demo.dir.join("Cargo.lock")).ok();
        let report = demo.report(&["--format", "json"]);
        let v = json_ok(&report);
        assert_eq!(
            v["stale_lock"]["state"].as_str(),
            change.state,
            "{}: {}",
            change.name,
            v["stale_lock"]
        );
        if change.state.is_some() {
            assert!(
                stderr(&report).contains("Cargo.lock"),
                "{}: the warning names the lock: {}",
                change.name,
                stderr(&report)
            );
        }
        assert_eq!(v["solver"]["status"], "optimal", "{}", change.name);
        // report writes nothing, a stale lock included
        assert_eq!(
            std::fs::read(demo.dir.join("Cargo.lock")).ok(),
            before,
            "{}",
            change.name
        );
        let optimal = v["optimal"]["backlog_lines"].as_u64().expect("optimal");
        assert!(
            optimal <= v["current"]["backlog_lines"].as_u64().expect("current"),
            "{}: {v:#}",
            change.name
        );

        let out = demo
            .minaudit(&["--frozen-imports", "--offline"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}: {}", change.name, stderr(&out));
        cargo_oracle::check_lock(&demo.dir).unwrap_or_else(|e| panic!("{}: {e}", change.name));
        let after = json_ok(&demo.report(&["--format", "json"]));
        assert!(
            after.get("stale_lock").is_none(),
            "{}: the written lock matches the manifests",
            change.name
        );
        assert_eq!(
            after["current"]["backlog_lines"].as_u64(),
            Some(optimal),
            "{}: the written lock costs what was predicted",
            change.name
        );
    }
}

/// The change table of a stale lock is against Cargo.lock as it is: removing `smallmap` drops
/// it (`smallmap 1.1.0 -> -`), and Cargo's update says the same.
#[test]
fn changes_are_counted_against_the_stale_lock() {
    let demo = Demo::new();
    edit(
        &demo,
        "core/Cargo.toml",
        "smallmap = { version = \"1.0\" }\n",
        "",
    );
    let v = json_ok(&demo.report(&["--format", "json"]));
    let has = |list: &serde_json::Value| {
        list.as_array()
            .expect("list")
            .iter()
            .any(|c| c["crate"] == "smallmap" && c["from"] == "1.1.0" && c["to"] == "-")
    };
    assert!(has(&v["stale_lock"]["cargo_update"]), "{v:#}");
    assert!(has(&v["changes"]), "{v:#}");
    let human = demo.report(&[]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("Cargo.lock does not match the manifests"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
}
