//! `cargo minaudit report --target T` on the demo workspace (fixtures/demo), run as a user runs
//! it (the built binary inside a copy of the demo, offline, imports.lock only).
//!
//! Oracles: the hand-checked backlog (winconsole-sys 0.2.1 is a 762-line full audit: Cargo.toml
//! 29 + Cargo.toml.orig 7 + build.rs 1 + src/imp.rs 720 + src/lib.rs 5, counted with `wc -l`
//! on the unpacked `.crate`; it sits only behind ansi-paint's `cfg(windows)` dependency), and
//! `cargo tree --target T`, which must print exactly the packages minaudit keeps on the demo
//! (on real projects: at least those, see the corpus test).
//!
//! The opt-in corpus test (`--ignored`, needs index.crates.io / static.crates.io) runs glean and
//! cargo-vet from the shared corpus with `--target x86_64-unknown-linux-gnu`.

use crate::support::outside;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const LINUX: &str = "x86_64-unknown-linux-gnu";
const WINDOWS: &str = "x86_64-pc-windows-msvc";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// A private copy of a workspace and a private cache dir.
struct Sandbox {
    _dir: tempfile::TempDir,
    ws: PathBuf,
    cache: PathBuf,
}

fn sandbox(from: &Path) -> Sandbox {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("ws");
    copy_dir(from, &ws);
    let cache = dir.path().join("cache");
    Sandbox {
        _dir: dir,
        ws,
        cache,
    }
}

fn demo() -> Sandbox {
    sandbox(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"))
}

fn report(sb: &Sandbox, offline: bool, extra: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-minaudit"));
    cmd.current_dir(&sb.ws)
        .args([
            "minaudit",
            "report",
            "--frozen-imports",
            "-q",
            "--cache-dir",
        ])
        .arg(&sb.cache)
        .args(extra);
    if offline {
        cmd.arg("--offline");
    }
    let out = cmd.output().expect("run cargo-minaudit");
    assert!(
        out.status.success(),
        "cargo-minaudit {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json(sb: &Sandbox, offline: bool, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&report(sb, offline, &args)).expect("json")
}

/// crate, version, from, lines.
type Audit = (String, String, Option<String>, u64);

/// (crate, version, from, lines) of every audit, and the total.
fn audits(v: &Value) -> (BTreeSet<Audit>, u64) {
    let set = v["current"]["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| {
            (
                a["crate"].as_str().expect("crate").to_string(),
                a["version"].as_str().expect("version").to_string(),
                a["from"].as_str().map(str::to_string),
                a["lines"].as_u64().expect("lines"),
            )
        })
        .collect();
    (set, v["current"]["backlog_lines"].as_u64().expect("total"))
}

fn not_built(v: &Value) -> BTreeSet<(String, String)> {
    v["not_built"]
        .as_array()
        .expect("not_built")
        .iter()
        .map(|p| {
            (
                p["crate"].as_str().expect("crate").to_string(),
                p["version"].as_str().expect("version").to_string(),
            )
        })
        .collect()
}

/// `name version` of every package `cargo tree` prints for `target` (all features, like
/// cargo-vet; normal, build and dev edges).
fn cargo_tree(ws: &Path, target: &str, offline: bool) -> BTreeSet<(String, String)> {
    cargo_tree_with(
        ws,
        &["--all-features", "--workspace", "--target", target],
        offline,
    )
}

/// `name version` of every package `cargo tree ARGS -e normal,build,dev` prints.
fn cargo_tree_with(ws: &Path, args: &[&str], offline: bool) -> BTreeSet<(String, String)> {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(ws)
        .args(["tree", "--locked"])
        .args(args)
        .args(["-e", "normal,build,dev", "--prefix", "none"]);
    if offline {
        cmd.arg("--offline");
    }
    let out = cmd.output().expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            let version = parts.next()?.strip_prefix('v')?;
            Some((name.to_string(), version.to_string()))
        })
        .collect()
}

/// Every package of the lock, from `cargo metadata`.
fn all_packages(ws: &Path, offline: bool) -> BTreeSet<(String, String)> {
    packages_where(ws, offline, |_| true)
}

/// The path packages of the lock (members and other local packages), from `cargo metadata`.
fn path_packages(ws: &Path) -> BTreeSet<(String, String)> {
    packages_where(ws, false, |p| p["source"].is_null())
}

fn packages_where(
    ws: &Path,
    offline: bool,
    keep: impl Fn(&Value) -> bool,
) -> BTreeSet<(String, String)> {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(ws).args([
        "metadata",
        "--locked",
        "--all-features",
        "--format-version",
        "1",
    ]);
    if offline {
        cmd.arg("--offline");
    }
    let out = cmd.output().expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed");
    let v: Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| keep(p))
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["version"].as_str().expect("version").to_string(),
            )
        })
        .collect()
}

#[test]
fn linux_target_drops_exactly_the_windows_only_audit() {
    let sb = demo();
    let default = json(&sb, true, &[]);
    let linux = json(&sb, true, &["--target", LINUX]);
    let (all, total) = audits(&default);
    let (kept, linux_total) = audits(&linux);
    // Hand-checked figures (module header).
    assert_eq!(total, 3_538);
    let winconsole = (
        "winconsole-sys".to_string(),
        "0.2.1".to_string(),
        None,
        762u64,
    );
    assert!(all.contains(&winconsole), "{all:?}");
    let dropped: Vec<_> = all.difference(&kept).collect();
    assert_eq!(dropped, [&winconsole]);
    assert!(kept.is_subset(&all));
    assert_eq!(linux_total, 3_538 - 762);
    assert_eq!(linux_total, 2_776);

    assert_eq!(
        not_built(&linux),
        BTreeSet::from([("winconsole-sys".to_string(), "0.2.1".to_string())])
    );
    let entry = &linux["not_built"][0];
    assert_eq!(entry["cut_edges"][0]["from"], "ansi-paint 2.2.0");
    assert_eq!(entry["cut_edges"][0]["kind"], "normal");
    assert_eq!(entry["cut_edges"][0]["target"], "cfg(windows)");
    assert_eq!(linux["targets"], serde_json::json!([LINUX]));
    assert!(linux["host"].is_string());
}

#[test]
fn windows_target_or_both_targets_keep_the_whole_backlog() {
    let sb = demo();
    let (all, total) = audits(&json(&sb, true, &[]));
    for extra in [
        vec!["--target", WINDOWS],
        vec!["--target", LINUX, "--target", WINDOWS],
    ] {
        let v = json(&sb, true, &extra);
        assert_eq!(audits(&v), (all.clone(), total), "{extra:?}");
        assert!(not_built(&v).is_empty(), "{extra:?}");
    }
}

#[test]
fn kept_packages_are_exactly_what_cargo_tree_prints_for_the_target() {
    let sb = demo();
    let every = all_packages(&sb.ws, true);
    for target in [LINUX, WINDOWS] {
        let excluded = not_built(&json(&sb, true, &["--target", target]));
        let built = cargo_tree(&sb.ws, target, true);
        let expected: BTreeSet<_> = every.difference(&built).cloned().collect();
        assert_eq!(excluded, expected, "target {target}");
    }
}

#[test]
fn human_and_markdown_list_what_is_not_built() {
    let sb = demo();
    let human = report(&sb, true, &["--target", LINUX]);
    assert!(
        human.contains("not built for your targets (1 packages, no audit needed):"),
        "{human}"
    );
    assert!(
        human.contains(
            "winconsole-sys 0.2.1: only needed by ansi-paint 2.2.0 (normal, cfg(windows))"
        ),
        "{human}"
    );
    assert!(
        human.contains("estimated audit backlog: 2,776 lines"),
        "{human}"
    );
    assert!(
        !human.contains("cargo vet inspect winconsole-sys"),
        "{human}"
    );
    let md = report(&sb, true, &["--format", "markdown", "--target", LINUX]);
    assert!(md.contains("| current | 2,776 | 10 |"), "{md}");
    assert!(
        md.contains(
            "| winconsole-sys | 0.2.1 | only needed by ansi-paint 2.2.0 (normal, cfg(windows)) |"
        ),
        "{md}"
    );
    // Without --target nothing of this appears.
    let plain = report(&sb, true, &[]);
    assert!(!plain.contains("not built"), "{plain}");
    assert!(!plain.contains("targets:"), "{plain}");
}

fn optimal_lines(v: &Value) -> u64 {
    v["optimal"]["backlog_lines"]
        .as_u64()
        .expect("optimal backlog")
}

fn optimal_not_built(v: &Value) -> BTreeSet<(String, String)> {
    not_built(&serde_json::json!({ "not_built": v["optimal_not_built"].clone() }))
}

/// The optimum under `--target`: the same search, with winconsole-sys free. Default optimum
/// 2,908 lines moves winconsole-sys to 0.2.0 (742 lines, cheaper than 0.2.1's 762); under
/// linux it is not built, so its audit goes (2,908 − 742 = 2,166) and it stays at 0.2.1 (no
/// change needed for a free package).
#[test]
fn linux_target_optimum_drops_the_windows_only_audit_and_lists_it() {
    let sb = demo();
    let default = json(&sb, true, &[]);
    let linux = json(&sb, true, &["--target", LINUX]);
    assert_eq!(optimal_lines(&default), 2_908);
    assert_eq!(optimal_lines(&linux), 2_908 - 742);
    assert_eq!(linux["solver"]["status"], "optimal");
    let optimal_audits: Vec<&str> = linux["optimal"]["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| a["crate"].as_str().expect("crate"))
        .collect();
    assert!(
        !optimal_audits.contains(&"winconsole-sys"),
        "{optimal_audits:?}"
    );
    assert_eq!(
        optimal_not_built(&linux),
        BTreeSet::from([("winconsole-sys".to_string(), "0.2.1".to_string())])
    );
    assert_eq!(
        linux["optimal_not_built"][0]["cut_edges"][0]["from"],
        "ansi-paint 2.1.0"
    );
    // No --target: no new keys.
    assert!(default.get("optimal_not_built").is_none());
    // Windows builds everything: the same optimum as the default.
    let windows = json(&sb, true, &["--target", WINDOWS]);
    assert_eq!(optimal_lines(&windows), 2_908);
    assert!(optimal_not_built(&windows).is_empty());
}

/// `cargo minaudit --target T` writes the targeted optimum, and Cargo accepts it (the write
/// path checks it with `cargo metadata --locked` first; checked again here).
#[test]
fn main_command_with_target_writes_a_lock_cargo_accepts() {
    let sb = demo();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-minaudit"))
        .current_dir(&sb.ws)
        .args([
            "minaudit",
            "--frozen-imports",
            "-q",
            "--offline",
            "--cache-dir",
        ])
        .arg(&sb.cache)
        .args(["--target", LINUX])
        .output()
        .expect("run cargo-minaudit");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("not built for your targets in the optimal lock (1 packages"),
        "{stdout}"
    );
    let every = all_packages(&sb.ws, true);
    assert!(every.contains(&("winconsole-sys".to_string(), "0.2.1".to_string())));
    assert!(every.contains(&("ansi-paint".to_string(), "2.1.0".to_string())));
    // The written lock is the optimum: the current lock now prices at it.
    let after = json(&sb, true, &["--target", LINUX]);
    assert_eq!(after["current"]["backlog_lines"], 2_166);
    assert_eq!(optimal_lines(&after), 2_166);
}

/// `name version`.
type Pkg = (String, String);

/// `report ARGS` on the demo (offline, JSON) and `cargo tree TREE`: the third-party packages
/// the report leaves out of the current lock must be exactly those of `every` (the lock)
/// that cargo tree does not print. Returns the report, cargo tree's packages and that set.
fn selection_against_cargo_tree(
    sb: &Sandbox,
    every: &BTreeSet<Pkg>,
    args: &[&str],
    tree: &[&str],
) -> (Value, BTreeSet<Pkg>, BTreeSet<Pkg>) {
    let v = json(sb, true, args);
    let built = cargo_tree_with(&sb.ws, tree, true);
    let expected: BTreeSet<_> = every
        .difference(&built)
        .filter(|(n, _)| !n.starts_with("demo-"))
        .cloned()
        .collect();
    assert_eq!(not_built(&v), expected, "{args:?}");
    (v, built, expected)
}

/// `-p` (feature filter, part 2): the packages left out are exactly those `cargo tree -p`
/// (every target) does not print, for the current lock and for the optimum (which, on the
/// demo, keeps them: free packages need no change).
#[test]
fn package_selection_prices_what_cargo_tree_prints_for_it() {
    let sb = demo();
    let every = all_packages(&sb.ws, true);
    for (args, tree) in [
        (
            vec!["-p", "demo-core"],
            vec!["-p", "demo-core", "--target", "all"],
        ),
        (
            vec!["-p", "demo-app", "--no-default-features"],
            vec!["-p", "demo-app", "--no-default-features", "--target", "all"],
        ),
    ] {
        let (v, _, expected) = selection_against_cargo_tree(&sb, &every, &args, &tree);
        let optimal = optimal_not_built(&v);
        // nothing the optimum leaves out is something cargo builds for the selection (in
        // the current lock; on the demo the optimum keeps the free packages' versions)
        assert!(optimal.is_subset(&expected), "{args:?}: {optimal:?}");
        assert!(v.get("targets").is_none(), "no --target, no targets key");
        assert!(optimal_lines(&v) <= v["current"]["backlog_lines"].as_u64().unwrap());
    }
    // -p demo-core prices less than the whole workspace, current and optimal
    let all = json(&sb, true, &[]);
    let core = json(&sb, true, &["-p", "demo-core"]);
    assert!(core["current"]["backlog_lines"].as_u64() < all["current"]["backlog_lines"].as_u64());
    assert!(optimal_lines(&core) < optimal_lines(&all));
}

/// A non-member path package (outside the workspace directory, so not a member) that only
/// an unselected member depends on is not built, nor its registry dependencies: the optimum
/// agrees with the current-lock scope (packbits, reached only through it and demo-app).
#[test]
fn package_selection_leaves_out_path_packages_of_unselected_members() {
    let sb = demo();
    let vendored = sb.ws.parent().expect("sandbox").join("vendored");
    std::fs::create_dir_all(vendored.join("src")).expect("mkdir");
    std::fs::write(
        vendored.join("Cargo.toml"),
        "[package]\nname = \"vendored\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\npackbits = { version = \"1.1\" }\n",
    )
    .expect("write");
    std::fs::write(vendored.join("src/lib.rs"), "").expect("write");
    let app = sb.ws.join("app/Cargo.toml");
    let text = std::fs::read_to_string(&app).expect("read");
    let text = text.replace(
        "demo-core = { path = \"../core\" }",
        "demo-core = { path = \"../core\" }\nvendored = { path = \"../../vendored\" }",
    );
    std::fs::write(&app, text).expect("write");
    // record the new path package in Cargo.lock (nothing else moves)
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&sb.ws)
        .args(["metadata", "--offline", "--format-version", "1"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("cargo metadata");
    assert!(status.success());
    let core = json(&sb, true, &["-p", "demo-core"]);
    assert_eq!(optimal_lines(&core), 1_197, "{core:#}");
    assert!(optimal_not_built(&core)
        .iter()
        .any(|(n, _)| n == "packbits"));
    assert!(not_built(&core).iter().any(|(n, _)| n == "packbits"));
    let app = json(&sb, true, &["-p", "demo-app"]);
    assert!(!optimal_not_built(&app).iter().any(|(n, _)| n == "packbits"));
}

/// Features inside registry packages follow the build (resolver v2), not the lockfile
/// resolve: demo-core asks quill-json for `derive` (which turns on quill-json's optional
/// quill-derive) only under its own non-default feature `derive`. The lock keeps quill-derive
/// (every member feature is on in the lockfile resolve), but `-p demo-core` does not build it:
/// the packages left out are exactly those `cargo tree` does not print, with and without
/// `--features derive`; the difference in backlog is quill-derive's own audit; and the optimum
/// lists it as an optional dependency left off.
#[test]
fn registry_optional_dependencies_follow_the_selected_features() {
    let sb = demo();
    let core = sb.ws.join("core/Cargo.toml");
    let text = std::fs::read_to_string(&core).expect("read");
    let edited = text
        .replace(
            "quill-json = { version = \"1.1\", features = [\"derive\"] }",
            "quill-json = { version = \"1.1\" }",
        )
        .replace(
            "pretty = [\"quill-json/pretty\"]",
            "pretty = [\"quill-json/pretty\"]\nderive = [\"quill-json/derive\"]",
        );
    assert_ne!(edited, text, "the demo manifest changed shape");
    std::fs::write(&core, edited).expect("write");
    let lock_before = std::fs::read(sb.ws.join("Cargo.lock")).expect("lock");
    let every = all_packages(&sb.ws, true);
    assert_eq!(
        std::fs::read(sb.ws.join("Cargo.lock")).expect("lock"),
        lock_before,
        "the lockfile resolve still holds quill-derive"
    );
    let derive = |set: &BTreeSet<(String, String)>| set.iter().any(|(n, _)| n == "quill-derive");
    let mut backlog = Vec::new();
    for (args, tree) in [
        (
            vec!["-p", "demo-core"],
            vec!["-p", "demo-core", "--target", "all"],
        ),
        (
            vec!["-p", "demo-core", "--features", "derive"],
            vec!["-p", "demo-core", "--features", "derive", "--target", "all"],
        ),
    ] {
        let (v, built, _) = selection_against_cargo_tree(&sb, &every, &args, &tree);
        assert!(optimal_lines(&v) <= v["current"]["backlog_lines"].as_u64().unwrap());
        backlog.push((v, built));
    }
    let ((plain, plain_tree), (with_derive, derive_tree)) = (&backlog[0], &backlog[1]);
    assert!(
        !derive(plain_tree) && derive(derive_tree),
        "cargo tree: {plain_tree:?}"
    );
    let (_, plain_total) = audits(plain);
    let (derive_audits, derive_total) = audits(with_derive);
    let quill_derive: u64 = derive_audits
        .iter()
        .filter(|a| a.0 == "quill-derive")
        .map(|a| a.3)
        .sum();
    assert!(quill_derive > 0, "quill-derive is not audited in the demo");
    assert_eq!(plain_total, derive_total - quill_derive);
    // the optimum: quill-derive stays in the lock for free, and the report says why
    let off: Vec<&Value> = plain["optimal_not_built"]
        .as_array()
        .expect("optimal_not_built")
        .iter()
        .filter(|p| p["crate"] == "quill-derive")
        .collect();
    assert_eq!(off.len(), 1, "{:#}", plain["optimal_not_built"]);
    let reason = off[0]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("optional dependency the selected features do not turn on, of quill-json"),
        "{reason}"
    );
    assert!(!derive(&optimal_not_built(with_derive)));
    assert!(optimal_lines(plain) < optimal_lines(with_derive));
}

#[test]
#[ignore = "needs network: index.crates.io and static.crates.io for the corpus projects"]
fn corpus_projects_with_windows_only_crates_shrink_for_linux() {
    let shared = outside::shared_dir();
    for project in ["glean", "cargo-vet"] {
        let sb = sandbox(&shared.join("realworld/projects").join(project));
        let default = json(&sb, false, &[]);
        let linux = json(&sb, false, &["--target", LINUX]);
        let (all, total) = audits(&default);
        let (kept, linux_total) = audits(&linux);
        let excluded = not_built(&linux);
        // (An audit may still name an excluded version: cargo-vet suggests a full audit of
        // an unlocked or other version when an imported delta leads from it to a locked one,
        // as cargo-vet does for getrandom 0.2.7 -> 0.3.3.)
        eprintln!(
            "{project}: backlog {total} lines / {} audits; --target {LINUX}: {linux_total} lines / {} audits; {} packages not built",
            all.len(),
            kept.len(),
            excluded.len()
        );
        assert!(linux_total < total, "{project}");
        assert!(
            excluded.iter().any(|(name, _)| name.starts_with("windows")),
            "{project}: {excluded:?}"
        );
        // Never less than cargo tree builds: everything excluded is absent from `cargo tree`.
        // The converse can fail: minaudit evaluates each declared (kind, target) of an edge
        // but not whether that declaration is an optional dependency left disabled (glean:
        // rustix 0.38.20 declares errno optionally under its linux cfg, cargo tree drops it,
        // minaudit keeps it and prices it: conservative).
        let every = all_packages(&sb.ws, false);
        let built = cargo_tree(&sb.ws, LINUX, false);
        let not_in_tree: BTreeSet<_> = every.difference(&built).cloned().collect();
        assert!(
            excluded.is_subset(&not_in_tree),
            "{project}: excluded but built by cargo: {:?}",
            excluded.difference(&not_in_tree).collect::<Vec<_>>()
        );
        eprintln!(
            "{project}: kept although cargo tree does not build them: {:?}",
            not_in_tree.difference(&excluded).collect::<Vec<_>>()
        );
    }
}

/// `-p MEMBER` on corpus projects (current lock, `--no-optimum`), against `cargo tree -p
/// MEMBER --target all -e normal,build,dev`: nothing minaudit leaves out is something Cargo
/// builds (never less), and on these projects the third-party packages left out are exactly
/// those Cargo does not build (the members and path packages it does not build need no
/// audit and are not listed). Host and target features are unified here, which resolver v2
/// keeps apart, so on other projects minaudit could keep a few more; the test prints them.
/// `MINAUDIT_FEATURE_CORPUS` picks `project:member` pairs.
#[test]
#[ignore = "needs network (index.crates.io, static.crates.io) for the corpus projects"]
fn corpus_package_selection_never_leaves_out_what_cargo_builds() {
    let shared = outside::shared_dir();
    let pairs = std::env::var("MINAUDIT_FEATURE_CORPUS").unwrap_or_else(|_| {
        "glean:glean-core,librustzcash:zcash_primitives,incrementalmerkletree:shardtree".into()
    });
    for pair in pairs.split(',') {
        let (project, member) = pair.split_once(':').expect("project:member");
        let sb = sandbox(&shared.join("realworld/projects").join(project));
        let v = json(&sb, false, &["-p", member, "--no-optimum"]);
        let all = json(&sb, false, &["--no-optimum"]);
        let every = all_packages(&sb.ws, false);
        let built = cargo_tree_with(&sb.ws, &["-p", member, "--target", "all"], false);
        let not_in_tree: BTreeSet<_> = every.difference(&built).cloned().collect();
        let excluded = not_built(&v);
        assert!(
            excluded.is_subset(&not_in_tree),
            "{pair}: left out but built by cargo: {:?}",
            excluded.difference(&not_in_tree).collect::<Vec<_>>()
        );
        let kept_third_party: Vec<_> = not_in_tree
            .difference(&excluded)
            .filter(|p| !path_packages(&sb.ws).contains(*p))
            .collect();
        let (_, total) = audits(&all);
        let (_, selected) = audits(&v);
        assert!(kept_third_party.is_empty(), "{pair}: {kept_third_party:?}");
        eprintln!(
            "{pair}: {} of {} packages not built (cargo tree: {}); backlog {selected} of {total} lines; kept although cargo tree does not print them: {:?}",
            excluded.len(),
            every.len(),
            not_in_tree.len(),
            not_in_tree.difference(&excluded).collect::<Vec<_>>()
        );
        assert!(selected <= total, "{pair}");
    }
}

/// The optimum itself shrinks under `--target` on a corpus project with Windows-only crates
/// (not only the current lock): `report` solves both ways and the targeted optimum must be
/// cheaper, with the packages it does not build listed. Slow (two proven solves, minutes in
/// a debug build); `MINAUDIT_TARGET_CORPUS` picks the projects (default glean).
#[test]
#[ignore = "needs network (index.crates.io, static.crates.io) and minutes: two corpus solves"]
fn corpus_optimum_shrinks_for_linux() {
    let shared = outside::shared_dir();
    let projects = std::env::var("MINAUDIT_TARGET_CORPUS").unwrap_or_else(|_| "glean".into());
    for project in projects.split(',') {
        let sb = sandbox(&shared.join("realworld/projects").join(project));
        let default = json(&sb, false, &[]);
        let linux = json(&sb, false, &["--target", LINUX]);
        let excluded = optimal_not_built(&linux);
        eprintln!(
            "{project}: optimum {} lines ({}); --target {LINUX}: {} lines ({}), {} packages of the optimal lock not built: {excluded:?}",
            optimal_lines(&default),
            default["solver"]["status"],
            optimal_lines(&linux),
            linux["solver"]["status"],
            excluded.len()
        );
        assert_eq!(default["solver"]["status"], "optimal", "{project}");
        assert_eq!(linux["solver"]["status"], "optimal", "{project}");
        assert!(optimal_lines(&linux) < optimal_lines(&default), "{project}");
        assert!(
            excluded.iter().any(|(name, _)| name.starts_with("windows")),
            "{project}: {excluded:?}"
        );
        // the targeted optimum is never above the targeted current lock
        assert!(
            optimal_lines(&linux) <= linux["current"]["backlog_lines"].as_u64().expect("current"),
            "{project}"
        );
    }
}
