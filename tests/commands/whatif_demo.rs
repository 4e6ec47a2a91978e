//! `what-if` on the demo world. Every scenario's optimum is checked against an independent
//! figure: `report` (the optimum) on a private copy of the world where the change was really
//! made (Cargo.toml edited and the lock updated by Cargo, or the audit written into
//! audits.toml), and, where the change is simple enough, the per-audit prices the baseline
//! `report` lists (certify every suggested audit → 0; trust a crate → minus its audit; remove a
//! dependency → minus its audit). Files are never touched: the workspace stays byte-identical.

use crate::support::report_support;

use std::path::Path;
use std::process::Command as StdCommand;

use report_support::{json_ok, stderr, stdout, tree, Demo};
use serde_json::Value;

/// Lets Cargo update the copy's lock after a manifest edit (offline, the local registry).
fn relock(demo: &Demo) {
    let mut cmd = StdCommand::new("cargo");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("CARGO_") && k != "CARGO_TARGET_DIR" {
            cmd.env_remove(&k);
        }
    }
    let out = cmd
        .args(["metadata", "--offline", "--format-version", "1"])
        .current_dir(&demo.dir)
        .env("CARGO_HOME", &demo.cargo_home)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn append(path: &Path, text: &str) {
    let mut all = std::fs::read_to_string(path).expect("read");
    all.push_str(text);
    std::fs::write(path, all).expect("write");
}

/// `report --format json` (frozen imports, offline) on a world, plus `extra` flags.
fn report(demo: &Demo, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    json_ok(&demo.report(&args))
}

fn optimal_lines(report: &Value) -> u64 {
    report["optimal"]["backlog_lines"]
        .as_u64()
        .expect("optimal backlog")
}

/// Lines of the audit of `krate` (full or delta to `version`) in a backlog's audit list.
fn audit_lines(backlog: &Value, krate: &str, version: &str) -> u64 {
    backlog["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .find(|a| a["crate"] == krate && a["version"] == version)
        .unwrap_or_else(|| panic!("no audit of {krate} {version} in {backlog:#}"))["lines"]
        .as_u64()
        .expect("lines")
}

fn whatif(demo: &Demo, args: &[&str]) -> std::process::Output {
    let mut all = vec!["what-if", "--frozen-imports", "--offline"];
    all.extend_from_slice(args);
    demo.minaudit(&all).output().expect("run what-if")
}

fn row<'a>(out: &'a Value, name: &str) -> &'a Value {
    out["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn lines_of(row: &Value) -> u64 {
    row["backlog_lines"]
        .as_u64()
        .unwrap_or_else(|| panic!("row not solved: {row:#}"))
}

/// The version of `krate` a row's lock holds: its change's `to`, else `locked`.
fn chosen(row: &Value, krate: &str, locked: &str) -> String {
    row["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["crate"] == krate)
        .map(|c| c["to"].as_str().expect("to").to_string())
        .unwrap_or_else(|| locked.to_string())
}

const SCENARIOS: &str = r#"
[[scenario]]
name = "add-logfmt-0.5"
add = [{ crate = "logfmt@0.5", member = "demo-app" }]

[[scenario]]
name = "remove-packbits"
remove = ["packbits"]

[[scenario]]
name = "require-quill-json-1.3"
require = ["quill-json@1.3"]

[[scenario]]
name = "trust-utf8-scan"
trust = ["utf8-scan"]

[[scenario]]
name = "import-other"
import = ["other=other-audits.toml"]

[[scenario]]
name = "certify-smallmap-1.0.1"
certify = ["smallmap@1.0.1"]

[[scenario]]
name = "certify-smallmap-1.0.1-before-june"
certify = ["smallmap@1.0.1"]
exclude-newer = "2024-06-01"

[[scenario]]
name = "target"
target = ["x86_64-unknown-linux-gnu"]

[[scenario]]
name = "unknown-crate"
add = ["no-such-crate@1"]

[[scenario]]
name = "unsatisfiable"
require = ["quill-json@9"]
"#;

const OTHER_AUDITS: &str = r#"
[[audits.smallmap]]
who = "Other Org"
criteria = "safe-to-deploy"
version = "1.0.0"
"#;

#[test]
fn each_scenario_equals_report_on_a_world_where_the_change_was_made() {
    let demo = Demo::new();
    let files = demo.tmp.path().join("scenarios");
    std::fs::create_dir_all(&files).expect("mkdir");
    std::fs::write(files.join("s.toml"), SCENARIOS).expect("write");
    std::fs::write(files.join("other-audits.toml"), OTHER_AUDITS).expect("write");
    let before = tree(&demo.dir);
    let out = whatif(
        &demo,
        &[
            "--scenarios",
            files.join("s.toml").to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    );
    let got = json_ok(&out);
    assert_eq!(tree(&demo.dir), before, "what-if wrote into the workspace");

    // baseline = report's optimum on the untouched world
    let base = report(&demo, &[]);
    let baseline = optimal_lines(&base);
    assert_eq!(got["baseline"]["backlog_lines"], baseline);
    assert_eq!(
        got["current_backlog_lines"],
        base["current"]["backlog_lines"]
    );

    // add: the world where demo-app really depends on logfmt 0.5
    let world = Demo::new();
    edit(
        &world.dir.join("app/Cargo.toml"),
        "[dependencies]\n",
        "[dependencies]\nlogfmt = { version = \"0.5\" }\n",
    );
    relock(&world);
    let real = report(&world, &[]);
    let added = row(&got, "add-logfmt-0.5");
    assert_eq!(lines_of(added), optimal_lines(&real));
    // ... and it adds exactly the cheapest audit of logfmt 0.5.0 that world's report lists
    assert_eq!(
        lines_of(added),
        baseline + audit_lines(&real["optimal"], "logfmt", "0.5.0")
    );
    assert_eq!(added["added"].as_array().expect("added").len(), 1);

    // remove: the world without packbits; and the baseline minus packbits' audit
    let world = Demo::new();
    edit(
        &world.dir.join("app/Cargo.toml"),
        "packbits = { version = \"1.1\" }\n",
        "",
    );
    relock(&world);
    let removed = row(&got, "remove-packbits");
    assert_eq!(lines_of(removed), optimal_lines(&report(&world, &[])));
    assert_eq!(
        lines_of(removed),
        baseline - audit_lines(&base["optimal"], "packbits", "1.1.0")
    );

    // require: the world whose demo-core asks quill-json 1.3
    let world = Demo::new();
    edit(
        &world.dir.join("core/Cargo.toml"),
        "quill-json = { version = \"1.1\"",
        "quill-json = { version = \"1.3\"",
    );
    relock(&world);
    let real = report(&world, &[]);
    let required = row(&got, "require-quill-json-1.3");
    assert_eq!(lines_of(required), optimal_lines(&real));
    assert_eq!(chosen(required, "quill-json", "1.3.0"), "1.3.0");
    assert!(
        lines_of(required) > baseline,
        "forcing the unaudited 1.3.0 costs more"
    );

    // trust: every utf8-scan version counts as audited → its audit vanishes
    let trusted = row(&got, "trust-utf8-scan");
    assert_eq!(
        lines_of(trusted),
        baseline - audit_lines(&base["optimal"], "utf8-scan", "0.1.0")
    );
    assert!(!trusted["audits"].to_string().contains("utf8-scan"));
    let world = Demo::new();
    append(
        &world.dir.join("supply-chain/audits.toml"),
        "\n[[audits.utf8-scan]]\nwho = \"x\"\ncriteria = \"safe-to-deploy\"\nversion = \"0.1.0\"\n\n[[audits.utf8-scan]]\nwho = \"x\"\ncriteria = \"safe-to-deploy\"\nversion = \"0.1.1\"\n",
    );
    assert_eq!(lines_of(trusted), optimal_lines(&report(&world, &[])));

    // import: the imported audit of smallmap 1.0.0 eliminates exactly that suggested audit
    let imported = row(&got, "import-other");
    let eliminated: Vec<(String, u64)> = imported["eliminated"]
        .as_array()
        .expect("eliminated")
        .iter()
        .map(|a| {
            (
                format!(
                    "{} {}",
                    a["crate"].as_str().unwrap(),
                    a["version"].as_str().unwrap()
                ),
                a["lines"].as_u64().unwrap(),
            )
        })
        .collect();
    let smallmap = audit_lines(&base["optimal"], "smallmap", "1.0.0");
    assert_eq!(eliminated, [("smallmap 1.0.0".to_string(), smallmap)]);
    assert_eq!(lines_of(imported), baseline - smallmap);
    let world = Demo::new();
    append(&world.dir.join("supply-chain/audits.toml"), OTHER_AUDITS);
    assert_eq!(lines_of(imported), optimal_lines(&report(&world, &[])));

    // certify (+ exclude-newer): the world with the audit really written, with and without
    // the cooldown; the certified 1.0.1 is picked, and the cooldown moves back to 1.0.0
    let world = Demo::new();
    append(
        &world.dir.join("supply-chain/audits.toml"),
        "\n[[audits.smallmap]]\nwho = \"x\"\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.1\"\n",
    );
    let certified = row(&got, "certify-smallmap-1.0.1");
    assert_eq!(lines_of(certified), optimal_lines(&report(&world, &[])));
    assert_eq!(chosen(certified, "smallmap", "1.1.0"), "1.0.1");
    let cooled = row(&got, "certify-smallmap-1.0.1-before-june");
    assert_eq!(
        lines_of(cooled),
        optimal_lines(&report(&world, &["--exclude-newer", "2024-06-01"]))
    );
    assert_eq!(
        chosen(cooled, "smallmap", "1.1.0"),
        "1.0.0",
        "1.0.1 (2024-06-02) is excluded: the older version is chosen"
    );

    // failing scenarios: a reason, never a figure
    // target: report --target's optimum on the same world (winconsole-sys is windows-only)
    let target = row(&got, "target");
    let targeted = report(&demo, &["--target", "x86_64-unknown-linux-gnu"]);
    assert_eq!(lines_of(target), optimal_lines(&targeted), "{target:#}");
    assert!(
        lines_of(target) < baseline,
        "the windows-only crate is not built"
    );
    let unknown = row(&got, "unknown-crate");
    assert_eq!(unknown["status"], "error");
    assert!(unknown["backlog_lines"].is_null());
    assert!(
        unknown["error"].as_str().unwrap().contains("no-such-crate"),
        "{unknown:#}"
    );
    let unsat = row(&got, "unsatisfiable");
    assert_eq!(unsat["status"], "error");
    assert!(unsat["backlog_lines"].is_null() && unsat["delta_lines"].is_null());
    assert!(
        unsat["error"]
            .as_str()
            .unwrap()
            .contains("no lock satisfies"),
        "{unsat:#}"
    );
}

#[test]
fn certifying_every_suggested_audit_from_the_command_line_drops_the_backlog_to_zero() {
    let demo = Demo::new();
    let base = report(&demo, &[]);
    let mut args: Vec<String> = vec!["--format".into(), "json".into()];
    for a in base["optimal"]["audits"].as_array().expect("audits") {
        let krate = a["crate"].as_str().unwrap();
        let version = a["version"].as_str().unwrap();
        args.push("--certify".into());
        args.push(match a["from"].as_str() {
            Some(from) => format!("{krate}@{from}->{version}"),
            None => format!("{krate}@{version}"),
        });
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let got = json_ok(&whatif(&demo, &args));
    let cli = row(&got, "cli");
    assert_eq!(cli["backlog_lines"], 0, "{cli:#}");
    assert_eq!(
        cli["delta_lines"].as_i64(),
        Some(-(optimal_lines(&base) as i64))
    );
    assert_eq!(
        cli["eliminated"].as_array().unwrap().len(),
        base["optimal"]["audits"].as_array().unwrap().len()
    );

    // one audit only: exactly its lines come off
    let one = json_ok(&whatif(
        &demo,
        &["--certify", "utf8-scan@0.1.0", "--format", "json"],
    ));
    assert_eq!(
        row(&one, "cli")["delta_lines"].as_i64(),
        Some(-(audit_lines(&base["optimal"], "utf8-scan", "0.1.0") as i64))
    );
}

#[test]
fn bad_input_is_an_error_naming_the_file_line_or_flag() {
    let demo = Demo::new();
    let before = tree(&demo.dir);
    let file = demo.tmp.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[scenario]]\nname = \"a\"\ncertify = [\n  \"serde@1\",\n]\n",
    )
    .expect("write");
    let out = whatif(&demo, &["--scenarios", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.toml:4:"), "{err}");
    assert!(err.contains("serde@1"), "{err}");
    assert!(stdout(&out).is_empty());

    let out = whatif(
        &demo,
        &["--scenarios", file.to_str().unwrap(), "--target", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--target cannot be combined with --scenarios"));

    let out = whatif(&demo, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs a change"), "{}", stderr(&out));

    let out = whatif(&demo, &["--require", "tokio"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--require"), "{}", stderr(&out));

    let out = whatif(
        &demo,
        &[
            "--scenarios",
            file.to_str().unwrap(),
            "--certify",
            "a@1.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "clap rejects the mix");
    assert_eq!(tree(&demo.dir), before);
}

#[test]
fn human_and_markdown_tables() {
    let demo = Demo::new();
    let file = demo.tmp.path().join("s.toml");
    std::fs::write(
        &file,
        r#"
[[scenario]]
name = "certify utf8-scan"
certify = ["utf8-scan@0.1.0"]

[[scenario]]
name = "add logfmt 0.5"
add = [{ crate = "logfmt@0.5", member = "demo-app" }]

[[scenario]]
name = "bump quill-json"
require = ["quill-json@1.3"]

[[scenario]]
name = "linux only"
target = ["x86_64-unknown-linux-gnu"]
"#,
    )
    .expect("write");
    let path = file.to_str().unwrap();
    let human = whatif(&demo, &["--scenarios", path]);
    assert!(human.status.success(), "{}", stderr(&human));
    insta::assert_snapshot!("whatif_human", demo.redact(&stdout(&human)));
    let md = whatif(&demo, &["--scenarios", path, "--format", "markdown"]);
    assert!(md.status.success(), "{}", stderr(&md));
    insta::assert_snapshot!("whatif_markdown", demo.redact(&stdout(&md)));
    // a status line per scenario on stderr
    let err = stderr(&human);
    assert!(err.contains("[1/4] certify utf8-scan"), "{err}");
    assert!(err.contains("[4/4] linux only"), "{err}");
}

#[test]
fn trusting_a_publisher_equals_the_trusted_entry_written_into_audits_toml() {
    // a publisher row for utf8-scan 0.1.0 (the version the baseline optimum holds)
    let row_text = "\n[[publisher.utf8-scan]]\nversion = \"0.1.0\"\nwhen = \"2024-01-10\"\nuser-id = 42\nuser-login = \"dana\"\n";
    let demo = Demo::new();
    append(&demo.dir.join("supply-chain/imports.lock"), row_text);
    let base = report(&demo, &[]);
    let got = json_ok(&whatif(
        &demo,
        &["--trust-publisher", "utf8-scan=42", "--format", "json"],
    ));
    let cli = row(&got, "cli");
    assert_eq!(
        lines_of(cli),
        optimal_lines(&base) - audit_lines(&base["optimal"], "utf8-scan", "0.1.0")
    );
    // the world where the trusted entry really is in audits.toml
    let world = Demo::new();
    append(&world.dir.join("supply-chain/imports.lock"), row_text);
    append(
        &world.dir.join("supply-chain/audits.toml"),
        "\n[[trusted.utf8-scan]]\ncriteria = \"safe-to-deploy\"\nuser-id = 42\nstart = \"2019-01-01\"\nend = \"2099-01-01\"\n",
    );
    assert_eq!(lines_of(cli), optimal_lines(&report(&world, &[])));
    // another user id covers nothing
    let other = json_ok(&whatif(
        &demo,
        &["--trust-publisher", "utf8-scan=7", "--format", "json"],
    ));
    assert_eq!(row(&other, "cli")["delta_lines"], 0);
}

#[test]
fn full_solve_gives_the_same_backlogs() {
    let demo = Demo::new();
    let files = demo.tmp.path().join("scenarios");
    std::fs::create_dir_all(&files).expect("mkdir");
    std::fs::write(files.join("s.toml"), SCENARIOS).expect("write");
    std::fs::write(files.join("other-audits.toml"), OTHER_AUDITS).expect("write");
    let path = files.join("s.toml");
    // staged: a MIP stage per criterion (`SolveOptions::staged`), where a lines-only search
    // stops after the lines stage; by default every criterion fits one weighted stage, so
    // every search minimises them all
    let run = |extra: &[&str], staged: bool| {
        let mut args = vec![
            "what-if",
            "--frozen-imports",
            "--offline",
            "--scenarios",
            path.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let mut cmd = demo.minaudit(&args);
        if staged {
            cmd.env("MINAUDIT_STAGED", "1");
        }
        json_ok(&cmd.output().expect("run what-if"))
    };
    let fast = run(&[], true);
    let full = run(&["--full-solve"], true);
    let merged = run(&[], false);
    assert_eq!(fast["scenarios_solved_for"], "lines");
    assert_eq!(full["scenarios_solved_for"], "lines, audits, changes");
    assert_eq!(merged["scenarios_solved_for"], "lines, audits, changes");
    // one weighted stage finds what the stages find, audits and changes included
    assert_eq!(merged["scenarios"], full["scenarios"]);
    assert_eq!(merged["baseline"], full["baseline"]);
    let rows = |v: &Value| -> Vec<(String, Value, Value)> {
        v["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].to_string(),
                    r["backlog_lines"].clone(),
                    r["status"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(rows(&fast), rows(&full));
}

#[test]
fn scenarios_in_parallel_give_the_same_table_as_one_at_a_time() {
    let demo = Demo::new();
    let files = demo.tmp.path().join("scenarios");
    std::fs::create_dir_all(&files).expect("mkdir");
    std::fs::write(files.join("s.toml"), SCENARIOS).expect("write");
    std::fs::write(files.join("other-audits.toml"), OTHER_AUDITS).expect("write");
    let path = files.join("s.toml");
    let run = |jobs: &str| {
        let out = whatif(
            &demo,
            &["--scenarios", path.to_str().unwrap(), "--jobs", jobs],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(run("1"), run("3"));
}

/// The what-if shortcuts (`optimise::Variant::shortcuts`: the baseline's index walk reused by
/// scenarios with the baseline's roots, cooldown and targets; the re-priced crates bounded and
/// the baseline's versions priced before the first solve) change how long
/// a scenario takes, never its figure: every row equals the plain search's
/// (`MINAUDIT_WHATIF_NO_SHORTCUTS=1`). The file interleaves scenarios that must not reuse the
/// walk (add, remove, require, cooldown, target) with store scenarios that do, one worker,
/// so a walk cached from the wrong scenario would show in a later row.
#[test]
fn shortcuts_give_the_same_rows_as_the_plain_search() {
    let demo = Demo::new();
    let files = demo.tmp.path().join("scenarios");
    std::fs::create_dir_all(&files).expect("mkdir");
    let interleaved = format!(
        "{SCENARIOS}{}",
        r#"
[[scenario]]
name = "certify-smallmap-1.0.1-again"
certify = ["smallmap@1.0.1"]

[[scenario]]
name = "before-june"
exclude-newer = "2024-06-01"

[[scenario]]
name = "trust-utf8-scan-again"
trust = ["utf8-scan"]
"#
    );
    std::fs::write(files.join("s.toml"), interleaved).expect("write");
    std::fs::write(files.join("other-audits.toml"), OTHER_AUDITS).expect("write");
    let path = files.join("s.toml");
    let run = |plain: bool| {
        let mut cmd = demo.minaudit(&[
            "what-if",
            "--frozen-imports",
            "--offline",
            "--scenarios",
            path.to_str().unwrap(),
            "--jobs",
            "1",
            "--format",
            "json",
        ]);
        if plain {
            cmd.env("MINAUDIT_WHATIF_NO_SHORTCUTS", "1");
        }
        json_ok(&cmd.output().expect("run what-if"))
    };
    let (fast, plain) = (run(false), run(true));
    assert_eq!(fast["baseline"], plain["baseline"]);
    let rows = |v: &Value| -> Vec<Value> {
        v["scenarios"]
            .as_array()
            .expect("scenarios")
            .iter()
            .map(|r| {
                serde_json::json!([
                    r["name"],
                    r["status"],
                    r["backlog_lines"],
                    r["delta_lines"],
                    r["error"]
                ])
            })
            .collect()
    };
    let (fast_rows, plain_rows) = (rows(&fast), rows(&plain));
    assert_eq!(fast_rows.len(), plain_rows.len());
    for (f, p) in fast_rows.iter().zip(&plain_rows) {
        assert_eq!(f, p);
    }
    // the repeated scenarios give the figures of their first run
    let lines = |name: &str| row(&fast, name)["backlog_lines"].clone();
    assert_eq!(
        lines("certify-smallmap-1.0.1-again"),
        lines("certify-smallmap-1.0.1")
    );
    assert_eq!(lines("trust-utf8-scan-again"), lines("trust-utf8-scan"));
    assert_ne!(lines("before-june"), Value::Null);
}
