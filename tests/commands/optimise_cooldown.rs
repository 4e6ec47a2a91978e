//! `--exclude-newer` / `--min-age` on the optimiser: no version published at or after the cutoff
//! is ever chosen unless it is already locked, and the cutoff can change the optimum. The
//! publish times are read independently from the demo registry's index files.

use crate::support::report_support;

use std::collections::BTreeMap;

use report_support::{stdout, Demo};

/// (crate, version) -> pubtime, straight from the demo's local-registry index lines.
fn pubtimes(demo: &Demo) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![demo.dir.join("registry/index")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                out.insert(
                    (
                        v["name"].as_str().unwrap().to_owned(),
                        v["vers"].as_str().unwrap().to_owned(),
                    ),
                    v["pubtime"].as_str().unwrap_or("").to_owned(),
                );
            }
        }
    }
    out
}

fn plan(demo: &Demo, extra: &[&str]) -> serde_json::Value {
    let out = demo.plan(extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn exclude_newer_never_picks_a_version_published_after_the_cutoff() {
    let demo = Demo::new();
    let times = pubtimes(&demo);
    let free = plan(&demo, &[]);
    // The cutoff sits between publish dates the unconstrained optimum picks, so it must bind.
    let picked: Vec<String> = free["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["to"] != "-")
        .map(|c| {
            times[&(
                c["crate"].as_str().unwrap().to_owned(),
                c["to"].as_str().unwrap().to_owned(),
            )]
                .clone()
        })
        .collect();
    let cutoff = "2024-03-01";
    assert!(
        picked.iter().any(|t| t.as_str() >= cutoff),
        "the demo optimum should pick something published after {cutoff}: {picked:?}"
    );
    let cooled = plan(&demo, &["--exclude-newer", cutoff]);
    assert_eq!(cooled["solver"]["status"], "optimal");
    for c in cooled["changes"].as_array().unwrap() {
        if c["to"] == "-" {
            continue;
        }
        let t = &times[&(
            c["crate"].as_str().unwrap().to_owned(),
            c["to"].as_str().unwrap().to_owned(),
        )];
        assert!(
            t.as_str() < cutoff,
            "{c} was published {t}, not before {cutoff}"
        );
    }
    // A constraint can only make the optimum dearer (or equal).
    assert!(
        cooled["optimal"]["backlog_lines"].as_u64() >= free["optimal"]["backlog_lines"].as_u64()
    );
}

#[test]
fn a_malformed_cooldown_value_is_an_error() {
    let demo = Demo::new();
    let out = demo
        .minaudit(&[
            "--dry-run",
            "--frozen-imports",
            "--offline",
            "--min-age",
            "7 fortnights",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("7 fortnights"));
}
