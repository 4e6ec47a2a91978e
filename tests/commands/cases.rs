//! The data-driven harness (`fixtures/cases/README.md`): every `fixtures/cases/*.toml` is a
//! world with hand-derived expectations. Each is written out, Cargo generates its lock
//! offline, and `report` runs on it (offline, private `CARGO_HOME` and cache):
//! - the three formats are insta snapshots (`cases__NAME_{human,json,markdown}`);
//! - the current and optimal audits and the changes are the case's `[expected]` ones;
//! - every audit's lines equal `git diff` on the unpacked `.crate` files (git is the oracle);
//! - the main command then writes the optimum, Cargo accepts the lock, and `report` on it
//!   prints the optimum as its current backlog.
//!
//! With cargo-vet 0.10 installed, an opt-in test checks each case's current backlog, and the
//! optimum on the lock written, against `cargo vet suggest`.

use crate::support::report_support;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::support::registry_builder::cargo_oracle;
use crate::support::registry_builder::{write_world, RenderOptions, World};
use report_support::{git_lines, json_ok, stderr, stdout, unpack, Demo};

/// What the case's author derived by hand from the world.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    current: Vec<String>,
    optimal: Vec<String>,
    changes: Vec<String>,
}

pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) ws: Demo,
    expected: Expected,
    /// Flags every run of the case adds (`flags = [...]` in the file).
    pub(crate) flags: Vec<String>,
}

impl Case {
    /// `report --frozen-imports --offline`, the case's flags, then `extra`.
    fn report(&self, extra: &[&str]) -> std::process::Output {
        let mut args: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        self.ws.report(&args)
    }
}

pub(crate) fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "fixtures/cases holds the harness's cases");
    files
}

/// The case's world written to a private directory, with the lock Cargo generates for it.
pub(crate) fn load(path: &Path) -> Case {
    let name = path
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(path).expect("case file");
    let mut table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let expected: Expected = table
        .remove("expected")
        .unwrap_or_else(|| panic!("{name}: no [expected] table"))
        .try_into()
        .unwrap_or_else(|e| panic!("{name}: [expected]: {e}"));
    let strings = |table: &mut toml::Table, key: &str| -> Vec<String> {
        table
            .remove(key)
            .map(|v| {
                v.try_into()
                    .unwrap_or_else(|e| panic!("{name}: `{key}`: {e}"))
            })
            .unwrap_or_default()
    };
    let flags = strings(&mut table, "flags");
    let precise = strings(&mut table, "precise");
    let world_text = toml::to_string(&table).expect("re-serialise");
    let world = World::from_toml(&world_text, &name).unwrap_or_else(|e| panic!("{e}"));
    let ws = Demo::empty();
    write_world(&world, &ws.dir, &RenderOptions::default()).expect("write the world");
    let cargo = cargo_oracle::CargoOracle::new().expect("cargo");
    cargo
        .generate_lockfile(&ws.dir)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    // `precise = ["NAME@VERSION"]`: the current lock holds that version, as `cargo update
    // --precise` leaves it
    for spec in &precise {
        let (krate, version) = spec.split_once('@').expect("NAME@VERSION");
        cargo
            .run(
                &ws.dir,
                &["update", "--offline", "-p", krate, "--precise", version],
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    Case {
        name,
        ws,
        expected,
        flags,
    }
}

/// The audits of a backlog as the commands the report prints.
fn commands(backlog: &serde_json::Value) -> Vec<String> {
    backlog["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| a["command"].as_str().expect("command").to_owned())
        .collect()
}

fn changes(report: &serde_json::Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let side = |k: &str| c[k].as_str().unwrap_or("(none)").to_owned();
            format!("{} {} -> {}", side("crate"), side("from"), side("to"))
        })
        .collect()
}

/// Every audit's lines (and the total) recomputed by git on the unpacked `.crate` files.
fn check_lines_with_git(case: &Case, label: &str, backlog: &serde_json::Value) {
    let scratch = case.ws.tmp.path().join("git-oracle");
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).expect("empty dir");
    let registry = case.ws.dir.join("registry");
    let mut total = 0;
    for a in backlog["audits"].as_array().expect("audits") {
        let name = a["crate"].as_str().expect("crate");
        let to = unpack(
            &registry,
            name,
            a["version"].as_str().expect("version"),
            &scratch,
        );
        let from = match a["from"].as_str() {
            Some(from) => unpack(&registry, name, from, &scratch),
            None => empty.clone(),
        };
        let lines = git_lines(&from, &to, &scratch);
        assert_eq!(
            a["lines"].as_u64(),
            Some(lines),
            "{} ({label}): {a}: minaudit vs git",
            case.name
        );
        total += lines;
    }
    assert_eq!(
        backlog["backlog_lines"].as_u64(),
        Some(total),
        "{} ({label}): total vs git",
        case.name
    );
}

#[test]
fn every_case_reports_its_hand_derived_answer() {
    for path in case_files() {
        let case = load(&path);
        let name = &case.name;
        let report = json_ok(&case.report(&["--format", "json"]));
        assert_eq!(report["solver"]["status"], "optimal", "{name}");
        assert_eq!(
            commands(&report["current"]),
            case.expected.current,
            "{name}: current audits"
        );
        assert_eq!(
            commands(&report["optimal"]),
            case.expected.optimal,
            "{name}: optimal audits"
        );
        assert_eq!(changes(&report), case.expected.changes, "{name}: changes");
        check_lines_with_git(&case, "current", &report["current"]);
        check_lines_with_git(&case, "optimal", &report["optimal"]);
        insta::assert_snapshot!(
            format!("{name}_json"),
            case.ws
                .redact(&serde_json::to_string_pretty(&report).expect("json"))
        );
        for format in ["human", "markdown"] {
            let out = case.report(&["--format", format]);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            insta::assert_snapshot!(format!("{name}_{format}"), case.ws.redact(&stdout(&out)));
        }

        // the optimum written, accepted by Cargo, and priced as predicted on the new lock
        let mut args = vec!["--frozen-imports", "--offline"];
        args.extend(case.flags.iter().map(String::as_str));
        let out = case.ws.minaudit(&args).output().expect("run");
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        cargo_oracle::check_lock(&case.ws.dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        let after = json_ok(&case.report(&["--format", "json"]));
        assert_eq!(
            after["current"]["backlog_lines"], report["optimal"]["backlog_lines"],
            "{name}: the written lock's backlog"
        );
        assert_eq!(
            changes(&after),
            Vec::<String>::new(),
            "{name}: a second run moves nothing"
        );
    }
}

#[test]
#[ignore = "needs cargo-vet 0.10 on PATH"]
fn cargo_vet_suggest_agrees_on_every_case() {
    for path in case_files() {
        let case = load(&path);
        let report = json_ok(&case.report(&["--format", "json"]));
        let vet = case.ws.cargo_vet_suggest(&case.name, true);
        assert_eq!(
            report["current"]["backlog_lines"].as_u64(),
            Some(vet),
            "{}: minaudit vs cargo vet suggest",
            case.name
        );
        let mut args = vec!["--frozen-imports", "--offline"];
        args.extend(case.flags.iter().map(String::as_str));
        let out = case.ws.minaudit(&args).output().expect("run");
        assert!(out.status.success(), "{}: {}", case.name, stderr(&out));
        let vet = case.ws.cargo_vet_suggest(&case.name, true);
        assert_eq!(
            report["optimal"]["backlog_lines"].as_u64(),
            Some(vet),
            "{}: the optimum vs cargo vet suggest on the written lock",
            case.name
        );
    }
}
