//! Publisher facts on private copies of `fixtures/demo`: a wildcard audit (crates.io user) and a
//! local trusted entry (Trusted Publishing, `github:org/repo`) cover a newer version only by its
//! publisher, so the cheapest lock exists only once that publisher is known. The crates.io API
//! is a loopback server answering with the records in `fixtures/publishers/` (crates.io's
//! format); no test leaves the machine except the opt-in live one.
//!
//! Figures by hand from the demo's optimum (2,908 lines, see tests/policy_demo.rs), whose lock
//! moves utf8-scan 0.1.1 -> 0.1.0 and packbits 1.2.0 -> 1.1.0:
//! - wildcard audit: utf8-scan 0.1.1 (published 2024-09-10 by user 4242) is covered, so the
//!   optimum keeps it instead of paying 0.1.0's 189 lines: 2,908 − 189 = 2,719;
//! - trusted entry: packbits 1.2.0 (2025-02-25, `github:demo-org/packbits`) is covered, so the
//!   optimum keeps it instead of 1.1.0 (328): 2,908 − 328 = 2,580;
//! - a covered version the workspace cannot use: textwrap-lite 0.4.0 (its `0.3` requirement
//!   rules it out) is covered by a wildcard audit, and cargo-vet prices 0.3.0 as the backwards
//!   delta 0.4.0 -> 0.3.0 (86 lines instead of 395): 2,908 − 395 + 86 = 2,599, same lock.
//!
//! Without the facts every world stays at 2,908 and the report counts the unchecked version.

use crate::support::loopback_http;
use crate::support::report_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use loopback_http::{serve, Reply, Req};
use report_support::{json_ok, stderr, Demo};

const WILDCARD: &str = "\n[[wildcard-audits.utf8-scan]]\nwho = \"Dana Demo <dana@example.com>\"\ncriteria = \"safe-to-deploy\"\nuser-id = 4242\nstart = \"2024-09-01\"\nend = \"2025-09-01\"\n";
const WILDCARD_ROW: &str = "\n[[publisher.utf8-scan]]\nversion = \"0.1.1\"\nwhen = \"2024-09-10\"\nuser-id = 4242\nuser-login = \"wrap-release-bot\"\nuser-name = \"Wrap Release Bot\"\n";
const TRUSTED: &str = "\n[[trusted.packbits]]\ncriteria = \"safe-to-deploy\"\ntrusted-publisher = \"github:demo-org/packbits\"\nstart = \"2025-01-01\"\nend = \"2026-06-01\"\n";
const TRUSTED_ROW: &str = "\n[[publisher.packbits]]\nversion = \"1.2.0\"\nwhen = \"2025-02-25\"\ntrusted-publisher = \"github:demo-org/packbits\"\n";
const UNUSABLE: &str = "\n[[wildcard-audits.textwrap-lite]]\nwho = \"Dana Demo <dana@example.com>\"\ncriteria = \"safe-to-deploy\"\nuser-id = 4242\nstart = \"2025-01-01\"\nend = \"2026-01-01\"\n";
const UNUSABLE_ROW: &str = "\n[[publisher.textwrap-lite]]\nversion = \"0.4.0\"\nwhen = \"2025-02-12\"\nuser-id = 4242\nuser-login = \"wrap-release-bot\"\nuser-name = \"Wrap Release Bot\"\n";

/// The demo's imported audits, as a whole peer file (so runs need not fetch example.org).
const PEER: &str = "[[audits.hexfmt]]\nwho = \"Erin Example <erin@example.org>\"\ncriteria = \"safe-to-deploy\"\nversion = \"0.2.1\"\n\n[[audits.tinyrand]]\nwho = \"Erin Example <erin@example.org>\"\ncriteria = \"safe-to-deploy\"\nversion = \"0.8.0\"\n";

struct World {
    name: &'static str,
    audits: &'static str,
    row: &'static str,
    /// The crate whose version the entry covers.
    krate: &'static str,
    /// The version of it the optimal lock holds, and where the default optimum moves it.
    holds: &'static str,
    default_to: &'static str,
    optimal: u64,
}

const WORLDS: [World; 3] = [
    World {
        name: "wildcard audit by user id",
        audits: WILDCARD,
        row: WILDCARD_ROW,
        krate: "utf8-scan",
        holds: "0.1.1",
        default_to: "0.1.0",
        optimal: 2719,
    },
    World {
        name: "trusted entry by Trusted Publishing",
        audits: TRUSTED,
        row: TRUSTED_ROW,
        krate: "packbits",
        holds: "1.2.0",
        default_to: "1.1.0",
        optimal: 2580,
    },
    World {
        name: "backwards delta from a covered version the workspace cannot use",
        audits: UNUSABLE,
        row: UNUSABLE_ROW,
        krate: "textwrap-lite",
        holds: "0.3.0",
        default_to: "0.3.0",
        optimal: 2599,
    },
];

const DEFAULT_OPTIMUM: u64 = 2908;

/// What the loopback API answers for a crate: the recorded record, or a failure.
#[derive(Clone, Copy)]
enum Answer {
    Recorded,
    Status(u16),
    Malformed,
}

/// Serves `/api/v1/crates/NAME` on a loopback port; returns the base URL and the request log.
fn crates_io(answer: Answer) -> (String, Arc<Mutex<Vec<Req>>>) {
    let recorded: BTreeMap<String, String> =
        ["utf8-scan", "packbits", "textwrap-lite", "glyph-tables"]
            .iter()
            .map(|k| {
                let path = fixtures().join(format!("{k}.json"));
                (
                    k.to_string(),
                    std::fs::read_to_string(path).expect("record"),
                )
            })
            .collect();
    serve(Arc::new(move |req: &Req, _| -> Reply {
        let name = req.path.trim_start_matches("/api/v1/crates/");
        let (status, body) = match (answer, recorded.get(name)) {
            (Answer::Recorded, Some(text)) => (200, text.clone()),
            (Answer::Recorded, None) => (404, "{\"errors\":[]}".to_owned()),
            (Answer::Status(s), _) => (s, "{\"errors\":[]}".to_owned()),
            (Answer::Malformed, _) => (200, "<html>maintenance</html>".to_owned()),
        };
        let json = vec![("content-type", "application/json".to_owned())];
        (status, json, body.into_bytes())
    }))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/publishers")
}

/// A demo copy with `audits` appended to audits.toml and `rows` to imports.lock.
fn world(audits: &str, rows: &str) -> Demo {
    let demo = Demo::new();
    let append = |file: &str, text: &str| {
        let path = demo.dir.join("supply-chain").join(file);
        let mut all = std::fs::read_to_string(&path).expect("store file");
        all.push_str(text);
        std::fs::write(&path, all).expect("write store file");
    };
    append("audits.toml", audits);
    append("imports.lock", rows);
    std::fs::write(demo.tmp.path().join("peer.toml"), PEER).expect("peer");
    demo
}

/// `cargo minaudit ARGS --format json` with the API at `api` and the whole peer file as the
/// import (no `--offline`: the API may be asked), in a private XDG cache (no cargo-vet cache).
fn run(demo: &Demo, api: &str, args: &[&str]) -> std::process::Output {
    let import = format!(
        "example-org={}",
        demo.tmp.path().join("peer.toml").display()
    );
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--import", &import]);
    demo.minaudit(&all)
        .env("MINAUDIT_CRATES_IO_API", api)
        .env("XDG_CACHE_HOME", demo.tmp.path().join("xdg"))
        .output()
        .expect("run cargo-minaudit")
}

/// The version of `krate` in the copy's Cargo.lock (one version of it there).
fn current_version(demo: &Demo, krate: &str) -> String {
    let lock = std::fs::read_to_string(demo.dir.join("Cargo.lock")).expect("lock");
    let at = lock
        .find(&format!("name = \"{krate}\"\nversion = \""))
        .expect("locked");
    let rest = &lock[at..];
    let v = rest.split('"').nth(3).expect("version");
    v.to_owned()
}

fn backlog(v: &serde_json::Value, side: &str) -> u64 {
    v[side]["backlog_lines"].as_u64().expect("backlog")
}

fn changed_to(v: &serde_json::Value, krate: &str) -> Option<String> {
    v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["crate"] == krate)
        .map(|c| c["to"].as_str().expect("to").to_owned())
}

#[test]
fn the_publisher_from_the_api_makes_the_cheapest_lock() {
    for w in &WORLDS {
        let (api, log) = crates_io(Answer::Recorded);
        let demo = world(w.audits, "");
        let out = run(&demo, &api, &["report"]);
        let v = json_ok(&out);
        assert_eq!(backlog(&v, "optimal"), w.optimal, "{}", w.name);
        let to = changed_to(&v, w.krate).unwrap_or_else(|| current_version(&demo, w.krate));
        assert_eq!(to, w.holds, "{}", w.name);
        let facts = &v["cost_universe"]["publisher_facts"];
        assert_eq!(facts["crates"], 1, "{}: {facts}", w.name);
        assert_eq!(facts["versions_looked_up"], 1, "{}: {facts}", w.name);
        assert_eq!(facts["versions_covered"], 1, "{}: {facts}", w.name);
        assert_eq!(facts["versions_unchecked"], 0, "{}: {facts}", w.name);
        assert_eq!(facts["requests"], 1, "{}: {facts}", w.name);
        {
            let log = log.lock().unwrap();
            assert_eq!(log.len(), 1, "{}: one request", w.name);
            assert_eq!(log[0].path, format!("/api/v1/crates/{}", w.krate));
            assert!(
                log[0].headers["user-agent"].starts_with("cargo-minaudit/")
                    && log[0].headers["user-agent"].contains("cargo-vet"),
                "a descriptive User-Agent: {}",
                log[0].headers["user-agent"]
            );
        }

        // the cache answers the next runs: no request online, the same figure offline
        let again = json_ok(&run(&demo, &api, &["report"]));
        assert_eq!(backlog(&again, "optimal"), w.optimal, "{}", w.name);
        assert_eq!(again["cost_universe"]["publisher_facts"]["requests"], 0);
        let offline = json_ok(&run(&demo, &api, &["report", "--offline"]));
        assert_eq!(backlog(&offline, "optimal"), w.optimal, "{}", w.name);
        assert_eq!(log.lock().unwrap().len(), 1, "{}: cached", w.name);

        // the writing run writes that lock (Cargo's check and the re-check pass)
        let written = json_ok(&run(&demo, &api, &[]));
        assert_eq!(backlog(&written, "optimal"), w.optimal, "{}", w.name);
        let lock = std::fs::read_to_string(demo.dir.join("Cargo.lock")).expect("lock");
        assert!(
            lock.contains(&format!(
                "name = \"{}\"\nversion = \"{}\"",
                w.krate, w.holds
            )),
            "{}: the written lock holds {} {}",
            w.name,
            w.krate,
            w.holds
        );
        let now = json_ok(&run(&demo, &api, &["report", "--no-optimum"]));
        assert_eq!(backlog(&now, "current"), w.optimal, "{}", w.name);
    }
}

/// `explain` and `what-if --trust-publisher` price from the same facts: explain's row for the
/// covered version is the optimum; a pretended trusted publisher looks up every version of its
/// crate (the entry spans all dates) and covers the one that publisher released.
#[test]
fn explain_and_what_if_trust_publisher_use_the_facts() {
    let (api, log) = crates_io(Answer::Recorded);
    let demo = world(WILDCARD, "");
    let v = json_ok(&run(&demo, &api, &["explain", "utf8-scan"]));
    assert_eq!(v["optimal_backlog_lines"], 2719);
    let row = v["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|r| r["version"] == "0.1.1")
        .expect("0.1.1's row");
    assert_eq!(row["chosen"], true);
    assert_eq!(row["own_lines"], 0);

    // what-if's baseline reads the imports config.toml names: point it at the local peer file
    let plain = world("", "");
    let config = plain.dir.join("supply-chain/config.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    let peer = plain.tmp.path().join("peer.toml");
    let text = text.replacen(
        "https://example.org/supply-chain/audits.toml",
        &peer.display().to_string(),
        1,
    );
    std::fs::write(&config, text).expect("config");
    let v = json_ok(&run(
        &plain,
        &api,
        &["what-if", "--trust-publisher", "utf8-scan=4242"],
    ));
    assert_eq!(v["baseline"]["backlog_lines"], DEFAULT_OPTIMUM);
    assert_eq!(v["scenarios"][0]["backlog_lines"], 2719);
    assert_eq!(
        v["cost_universe"]["publisher_facts"]["versions_looked_up"],
        2
    );
    // a trusted publisher that released nothing here changes nothing
    let v = json_ok(&run(
        &plain,
        &api,
        &["what-if", "--trust-publisher", "utf8-scan=9999"],
    ));
    assert_eq!(v["scenarios"][0]["backlog_lines"], DEFAULT_OPTIMUM);
    let paths: Vec<String> = log.lock().unwrap().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/api/v1/crates/utf8-scan", "/api/v1/crates/utf8-scan"],
        "one request per fresh cache dir"
    );
}

/// Frozen imports read imports.lock rows only: without a row the version stays not covered
/// and the report counts it; with the row the figure is the API's.
#[test]
fn frozen_imports_use_imports_lock_rows_and_count_what_they_lack() {
    for w in &WORLDS {
        let demo = world(w.audits, "");
        let out = demo.report(&["--format", "json"]);
        let v = json_ok(&out);
        assert_eq!(backlog(&v, "optimal"), DEFAULT_OPTIMUM, "{}", w.name);
        assert_eq!(
            changed_to(&v, w.krate).as_deref(),
            Some(w.default_to),
            "{}",
            w.name
        );
        let facts = &v["cost_universe"]["publisher_facts"];
        assert_eq!(facts["source"], "imports.lock", "{}", w.name);
        assert_eq!(facts["versions_unchecked"], 1, "{}: {facts}", w.name);
        assert_eq!(facts["unchecked_crates"][0], w.krate, "{}", w.name);
        let err = stderr(&out);
        assert!(
            err.contains("1 version of") && err.contains("count as not covered"),
            "{}: {err}",
            w.name
        );

        let with_row = world(w.audits, w.row);
        let v = json_ok(&with_row.report(&["--format", "json"]));
        assert_eq!(backlog(&v, "optimal"), w.optimal, "{}", w.name);
        assert_eq!(
            v["cost_universe"]["publisher_facts"]["versions_unchecked"], 0,
            "{}",
            w.name
        );
    }
}

/// An API that fails leaves the figures where they were without facts, says so with the count,
/// and the run still succeeds.
#[test]
fn api_failures_are_warnings_with_the_unchecked_count() {
    let w = &WORLDS[0];
    for (answer, says) in [
        (Answer::Status(503), "HTTP 503"),
        (Answer::Status(429), "rate limited"),
        (Answer::Malformed, "not a crates.io crate record"),
    ] {
        let (api, _log) = crates_io(answer);
        let demo = world(w.audits, "");
        let out = run(&demo, &api, &["report"]);
        let err = stderr(&out);
        let v = json_ok(&out);
        assert_eq!(backlog(&v, "optimal"), DEFAULT_OPTIMUM, "{says}");
        assert_eq!(
            v["cost_universe"]["publisher_facts"]["versions_unchecked"], 1,
            "{says}"
        );
        assert!(err.contains(says), "{says}: {err}");
        assert!(
            err.contains("cannot read the publishers of `utf8-scan`")
                && err.contains("1 version of utf8-scan"),
            "{says}: {err}"
        );
    }
    // nobody listening
    let demo = world(w.audits, "");
    let out = run(&demo, "http://127.0.0.1:9/", &["report"]);
    let v = json_ok(&out);
    assert_eq!(backlog(&v, "optimal"), DEFAULT_OPTIMUM);
    assert!(stderr(&out).contains("cannot reach http://127.0.0.1:9/api/v1/crates/utf8-scan"));
}

/// minaudit's cache is refreshed only when it lacks a version the index lists: a cache file
/// without utf8-scan 0.1.1 sends one request, whose answer then covers it.
#[test]
fn a_cache_lacking_a_listed_version_is_refreshed() {
    let (api, log) = crates_io(Answer::Recorded);
    let demo = world(WILDCARD, "");
    let dir = demo.cache.join("publishers");
    std::fs::create_dir_all(&dir).expect("cache dir");
    let stale =
        "{\"version\":1,\"versions\":{\"0.1.0\":{\"when\":\"2024-01-10\",\"user-id\":1111}}}";
    std::fs::write(dir.join("utf8-scan.json"), stale).expect("stale cache");
    let offline = json_ok(&run(&demo, &api, &["report", "--offline"]));
    assert_eq!(backlog(&offline, "optimal"), DEFAULT_OPTIMUM);
    assert!(log.lock().unwrap().is_empty());
    let v = json_ok(&run(&demo, &api, &["report"]));
    assert_eq!(backlog(&v, "optimal"), 2719);
    assert_eq!(log.lock().unwrap().len(), 1);
    let cached = std::fs::read_to_string(dir.join("utf8-scan.json")).expect("cache");
    assert!(cached.contains("0.1.1"), "{cached}");
}

/// Both entries at once: two requests, at least a second apart (crates.io's crawler policy).
#[test]
fn requests_are_one_per_second() {
    let (api, log) = crates_io(Answer::Recorded);
    let demo = world(&format!("{WILDCARD}{TRUSTED}"), "");
    let v = json_ok(&run(&demo, &api, &["report"]));
    assert_eq!(backlog(&v, "optimal"), DEFAULT_OPTIMUM - 189 - 328);
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2);
    let gap = log[1].at.duration_since(log[0].at);
    assert!(gap.as_millis() >= 990, "{gap:?}");
}

/// cargo-vet's own `crates-io-cache.json` is a second source: with it, `--offline` needs no
/// request and covers the version.
#[test]
fn cargo_vets_cache_is_read_offline() {
    let w = &WORLDS[1];
    let demo = world(w.audits, "");
    // no cache yet: offline checks nothing, asks nothing, and says so
    let out = run(&demo, "http://127.0.0.1:9/", &["report", "--offline"]);
    let v = json_ok(&out);
    assert_eq!(backlog(&v, "optimal"), DEFAULT_OPTIMUM);
    assert_eq!(
        v["cost_universe"]["publisher_facts"]["versions_unchecked"],
        1
    );
    assert!(stderr(&out).contains("--offline reads the caches only"));
    let dir = demo.tmp.path().join("xdg/cargo-vet");
    std::fs::create_dir_all(&dir).expect("vet cache dir");
    let cache = r#"{"version":"2","users":{"1111":{"login":"dana-demo","name":"Dana Demo"}},"crates":{"packbits":{"versions":{
        "1.0.0":{"created_at":"2024-02-25T10:00:01.220305Z","source":{"user-id":1111}},
        "1.1.0":{"created_at":"2024-08-25T10:00:02.517700Z","source":{"user-id":1111}},
        "1.2.0":{"created_at":"2025-02-25T10:00:06.772810Z","source":{"trusted-publisher":"github:demo-org/packbits"}}},
        "metadata":{"description":"PackBits run-length coding","repository":null}}}}"#;
    std::fs::write(dir.join("crates-io-cache.json"), cache).expect("write vet cache");
    let v = json_ok(&run(&demo, "http://127.0.0.1:9/", &["report", "--offline"]));
    assert_eq!(backlog(&v, "optimal"), w.optimal);
    assert_eq!(v["cost_universe"]["publisher_facts"]["requests"], 0);
}

/// cargo-vet 0.10, fed the same publisher rows in imports.lock, prices each written lock as
/// minaudit printed it (opt-in: needs cargo-vet on PATH; `cargo install --locked
/// cargo-vet@0.10.3`).
#[test]
#[ignore]
fn cargo_vet_agrees_given_the_same_publisher_rows() {
    for w in &WORLDS {
        let demo = world(w.audits, w.row);
        let out = demo
            .minaudit(&["--frozen-imports", "--offline", "--format", "json"])
            .output()
            .expect("run cargo-minaudit");
        let v = json_ok(&out);
        assert_eq!(backlog(&v, "optimal"), w.optimal, "{}", w.name);
        let total = demo.cargo_vet_suggest(w.name, true);
        assert_eq!(total, w.optimal, "{}: cargo vet suggest", w.name);
        // and cargo-vet without the row does not cover the version: the written lock costs more
        let imports = demo.dir.join("supply-chain/imports.lock");
        let text = std::fs::read_to_string(&imports).expect("imports.lock");
        let start = text
            .find(&format!("[[publisher.{}]]", w.krate))
            .expect("row");
        let end = text[start..]
            .find("\n\n")
            .map(|e| start + e + 2)
            .unwrap_or(text.len());
        std::fs::write(&imports, format!("{}{}", &text[..start], &text[end..])).expect("drop");
        // cargo-vet annotates a wildcard's user id from the rows: formatted again without it
        let total = demo.cargo_vet_suggest(w.name, false);
        assert!(total > w.optimal, "{}: without the row {total}", w.name);
    }
}

/// A what-if scenario that imports an audit set with a wildcard audit for a crate of the lock
/// gets that crate's publishers looked up too (the session, whose store has no such entry, did
/// not): utf8-scan 0.1.1 is covered and the scenario's optimum is the wildcard world's 2,719.
#[test]
fn what_if_import_with_a_wildcard_audit_looks_the_publisher_up() {
    let (api, log) = crates_io(Answer::Recorded);
    let plain = world("", "");
    let config = plain.dir.join("supply-chain/config.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    let peer = plain.tmp.path().join("peer.toml");
    std::fs::write(
        &config,
        text.replacen(
            "https://example.org/supply-chain/audits.toml",
            &peer.display().to_string(),
            1,
        ),
    )
    .expect("config");
    let with_wildcard = plain.tmp.path().join("peer-with-wildcard.toml");
    std::fs::write(&with_wildcard, format!("{PEER}{WILDCARD}")).expect("peer file");
    let import = format!("example-org={}", with_wildcard.display());
    let out = plain
        .minaudit(&["what-if", "--import", &import, "--format", "json"])
        .env("MINAUDIT_CRATES_IO_API", &api)
        .env("XDG_CACHE_HOME", plain.tmp.path().join("xdg"))
        .output()
        .expect("run cargo-minaudit");
    let v = json_ok(&out);
    assert_eq!(v["baseline"]["backlog_lines"], DEFAULT_OPTIMUM, "{v:#}");
    assert_eq!(v["scenarios"][0]["backlog_lines"], 2719, "{v:#}");
    let paths: Vec<String> = log.lock().unwrap().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/api/v1/crates/utf8-scan"]);
}

/// Adds to the copy's registry a crate only a candidate needs: `utf8-scan 0.1.2` (fully
/// audited in audits.toml) depends on `glyph-tables 1.0.0` (500 lines of code, never
/// audited, but covered by a wildcard audit of user 4242, who published it on 2025-03-01).
fn with_a_candidate_only_crate(demo: &Demo) {
    use crate::support::registry_builder::{crate_file, index_line, CrateSpec, DepSpec, FileSpec};
    let registry = demo.dir.join("registry");
    for spec in [
        CrateSpec::new("glyph-tables", "1.0.0")
            .pubtime("2025-03-01T12:00:00Z")
            .file("src/imp.rs", FileSpec::Synthetic { lines: 500 }),
        CrateSpec::new("utf8-scan", "0.1.2")
            .pubtime("2025-03-02T12:00:00Z")
            .file("src/imp.rs", FileSpec::Synthetic { lines: 172 })
            .dep(DepSpec::new("glyph-tables", "1")),
    ] {
        let bytes = crate_file::build(&spec).expect("crate");
        let line = index_line::render(&spec, &crate_file::sha256_hex(&bytes));
        std::fs::write(
            registry.join(format!("{}-{}.crate", spec.name, spec.version)),
            &bytes,
        )
        .expect("write crate");
        let index = registry
            .join("index")
            .join(index_line::index_path(&spec.name));
        std::fs::create_dir_all(index.parent().expect("dir")).expect("index dir");
        let mut text = std::fs::read_to_string(&index).unwrap_or_default();
        text.push_str(&line);
        text.push('\n');
        std::fs::write(&index, text).expect("write index");
    }
}

const CANDIDATE_ONLY: &str = "\n[[audits.utf8-scan]]\nwho = \"Dana Demo <dana@example.com>\"\ncriteria = \"safe-to-deploy\"\nversion = \"0.1.2\"\n\n[[wildcard-audits.glyph-tables]]\nwho = \"Dana Demo <dana@example.com>\"\ncriteria = \"safe-to-deploy\"\nuser-id = 4242\nstart = \"2025-01-01\"\nend = \"2026-01-01\"\n";

/// A crate the current lock does not hold, that only a newer version of a locked crate brings
/// in, is looked up too. By hand: the default optimum pays 189 lines for utf8-scan 0.1.0;
/// utf8-scan 0.1.2 is audited and its new dependency covered by the wildcard audit, so the
/// optimum takes them: 2,908 − 189 = 2,719. Without the publisher (the API fails) glyph-tables
/// costs its full size, more than 189: the optimum keeps utf8-scan 0.1.1, now a backwards delta
/// from the audited 0.1.2, and counts one unchecked version.
#[test]
fn a_crate_only_candidates_hold_is_looked_up_too() {
    let (api, log) = crates_io(Answer::Recorded);
    let demo = world(CANDIDATE_ONLY, "");
    with_a_candidate_only_crate(&demo);
    let v = json_ok(&run(&demo, &api, &["report"]));
    assert_eq!(backlog(&v, "optimal"), 2719, "{v:#}");
    assert_eq!(changed_to(&v, "utf8-scan").as_deref(), Some("0.1.2"));
    assert!(
        v["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["crate"] == "glyph-tables" && c["to"] == "1.0.0"),
        "the optimum takes glyph-tables in: {}",
        v["changes"]
    );
    let facts = &v["cost_universe"]["publisher_facts"];
    assert_eq!(facts["crates"], 1, "{facts}");
    assert_eq!(facts["versions_covered"], 1, "{facts}");
    assert_eq!(facts["versions_unchecked"], 0, "{facts}");
    let paths: Vec<String> = log.lock().unwrap().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/api/v1/crates/glyph-tables"]);
    // explain reports the same facts
    let ex = json_ok(&run(&demo, &api, &["explain", "utf8-scan"]));
    assert_eq!(ex["optimal_backlog_lines"], 2719, "{ex:#}");
    assert_eq!(ex["publisher_facts"]["versions_covered"], 1, "{ex:#}");

    let (down, _) = crates_io(Answer::Status(503));
    let demo = world(CANDIDATE_ONLY, "");
    with_a_candidate_only_crate(&demo);
    let out = run(&demo, &down, &["report"]);
    let v = json_ok(&out);
    // without the publisher, utf8-scan 0.1.1 stays, priced as the backwards delta from the
    // audited 0.1.2 instead of 0.1.0's 189 lines; glyph-tables stays out
    let delta = v["optimal"]["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .find(|a| a["command"] == "cargo vet diff utf8-scan 0.1.2 0.1.1")
        .and_then(|a| a["lines"].as_u64())
        .unwrap_or_else(|| panic!("the optimum pays the backwards delta: {v:#}"));
    assert_eq!(
        backlog(&v, "optimal"),
        DEFAULT_OPTIMUM - 189 + delta,
        "{v:#}"
    );
    assert!(changed_to(&v, "glyph-tables").is_none(), "{}", v["changes"]);
    let facts = &v["cost_universe"]["publisher_facts"];
    assert_eq!(facts["versions_unchecked"], 1, "{facts}");
    assert_eq!(
        facts["unchecked_crates"],
        serde_json::json!(["glyph-tables"])
    );
    assert!(
        stderr(&out).contains("glyph-tables"),
        "the warning names the crate: {}",
        stderr(&out)
    );
}

/// cargo-vet given glyph-tables' publisher row prices the lock written for the candidate-only
/// world at the predicted optimum (opt-in: cargo-vet 0.10).
#[test]
#[ignore]
fn cargo_vet_agrees_on_the_candidate_only_crate() {
    let row = "\n[[publisher.glyph-tables]]\nversion = \"1.0.0\"\nwhen = \"2025-03-01\"\nuser-id = 4242\nuser-login = \"wrap-release-bot\"\nuser-name = \"Wrap Release Bot\"\n";
    let demo = world(CANDIDATE_ONLY, row);
    with_a_candidate_only_crate(&demo);
    let out = demo
        .minaudit(&["--frozen-imports", "--offline", "--format", "json"])
        .output()
        .expect("run cargo-minaudit");
    let v = json_ok(&out);
    assert_eq!(backlog(&v, "optimal"), 2719, "{v:#}");
    assert_eq!(demo.cargo_vet_suggest("candidate-only crate", true), 2719);
}

/// The live crates.io API answers as the parser expects (opt-in: needs the network).
#[test]
#[ignore]
fn live_crates_io_api() {
    use minaudit::publishers::api::CratesIoApi;
    use minaudit::publishers::PublisherSource;
    use minaudit::vet::format::PublisherId;
    let api = CratesIoApi::new(minaudit::publishers::api::CRATES_IO_API);
    let facts = api
        .crate_facts("wasmtime")
        .expect("crates.io answers")
        .expect("wasmtime exists");
    let v: semver::Version = "20.0.0".parse().unwrap();
    assert!(
        matches!(facts[&v].source, Some(PublisherId::User(_))),
        "wasmtime 20.0.0 has a publisher"
    );
    assert!(facts.len() > 100);
}
