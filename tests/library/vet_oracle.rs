//! cargo-vet 0.10.3 itself as the oracle, on the real corpus projects.
//!
//! fixtures/vet/oracle/ holds, per project, what `gen.sh` + `distill.py` recorded from
//! `cargo metadata --all-features --locked` and `cargo vet suggest --locked --output-format
//! json` (crates prefetched so no diff failed): the package graph, cargo-vet's failures,
//! suggestions and backlog, and the line count of every diff cargo-vet computed (its
//! diff-cache). The store comes from ../shared (skipped when absent). Pricing with cargo-vet's
//! own diff table, our resolver + suggest must reproduce cargo-vet's failures, its suggestions
//! (crate, from, to, lines, in order) and its backlog exactly; a candidate cargo-vet never
//! diffed is an error. libloadorder (GPL) is not copied into fixtures: point
//! MINAUDIT_VET_ORACLE_DIR at a distill.py output that includes it to check it too.

use crate::support::outside;

use std::collections::BTreeSet;
use std::path::PathBuf;

use minaudit::vet::audit_graph::AuditGraph;
use minaudit::vet::format::VetVersion;
use minaudit::vet::required::{
    resolve_requirements, EdgeKinds, GraphEdge, GraphPackage, PackageGraph,
};
use minaudit::vet::store::ImportMerge;
use minaudit::vet::store_fs::read_store_dir;
use minaudit::vet::suggest::{check, suggest_with_requirements, PublishedVersions, SuggestOutcome};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn load_graph(v: &serde_json::Value) -> PackageGraph {
    let packages = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| GraphPackage {
            name: p[0].as_str().unwrap().to_owned(),
            version: VetVersion::parse(p[1].as_str().unwrap()).unwrap(),
            is_crates_io: p[2].as_bool().unwrap(),
            is_workspace_member: p[3].as_bool().unwrap(),
        })
        .collect();
    let edges = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let k = e[2].as_str().unwrap();
            GraphEdge {
                from: e[0].as_u64().unwrap() as usize,
                to: e[1].as_u64().unwrap() as usize,
                kinds: EdgeKinds {
                    normal: k.contains('n'),
                    build: k.contains('b'),
                    dev: k.contains('d'),
                },
            }
        })
        .collect();
    PackageGraph { packages, edges }
}

type Suggestion = (String, Option<String>, String, u64);

/// The project's supply-chain store: the copy in fixtures/vet/stores if there is one, else
/// ../shared's; `None` when neither exists.
fn store_dir(shared: Option<&std::path::Path>, project: &str) -> Option<PathBuf> {
    let fixture = repo().join("fixtures/vet/stores").join(project);
    if fixture.is_dir() {
        return Some(fixture);
    }
    let dir = shared?
        .join("realworld/projects")
        .join(project)
        .join("supply-chain");
    dir.is_dir().then_some(dir)
}

fn check_project(
    oracle: &std::path::Path,
    store_dir: &std::path::Path,
    shared: Option<&std::path::Path>,
    project: &str,
) {
    let graph = load_graph(&read_json(&oracle.join(format!("{project}.graph.json"))));
    let expected = read_json(&oracle.join(format!("{project}.expected.json")));
    let diffs = read_json(&oracle.join(format!("{project}.diffs.json")));
    let unpublished = read_json(&oracle.join(format!("{project}.unpublished.json")));
    let mut store = read_store_dir(store_dir).unwrap();
    // "P+full": the universe where the listed imports are merged in full (union with
    // imports.lock), as gen_full.sh built it for cargo-vet.
    let imports = oracle.join(format!("{project}.imports.json"));
    if imports.exists() {
        let shared = shared.expect("a +full project is checked with ../shared's audit sources");
        let map = read_json(&imports);
        for (name, dir) in map.as_object().unwrap() {
            let path = shared
                .join("realworld/audit-sources")
                .join(dir.as_str().unwrap())
                .join("audits.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            store
                .with_full_import(name, &text, ImportMerge::Union)
                .unwrap_or_else(|e| panic!("{project}: {name}: {e}"));
        }
    }
    let store = store.for_suggest();
    let req = resolve_requirements(&graph, &store.config.policy, &store.mapper).unwrap();

    // Failures (name, version, minimal missing criteria), in cargo-vet's order.
    let checked = check(&store, &graph, &req).expect("no violation conflicts in the corpus");
    let ours: Vec<(String, String, Vec<String>)> = checked
        .failures
        .iter()
        .map(|(i, failing)| {
            let p = &graph.packages[*i];
            (
                p.name.clone(),
                p.version.to_string(),
                store.mapper.minimal_names(failing),
            )
        })
        .collect();
    let theirs: Vec<(String, String, Vec<String>)> = expected["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f[0].as_str().unwrap().to_owned(),
                f[1].as_str().unwrap().to_owned(),
                f[2].as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(ours, theirs, "{project}: failures differ from cargo-vet's");

    // Registry version lists: only exceptions matter (versions named in the store that the
    // index does not list); every other version is published.
    let mut published = PublishedVersions::new();
    if let Some(map) = unpublished.as_object() {
        for (krate, missing) in map {
            let missing: BTreeSet<String> = missing
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap().to_owned())
                .collect();
            let mut all: BTreeSet<semver::Version> = AuditGraph::build(&store, krate)
                .map(|g| g.versions().into_iter().map(|v| v.semver).collect())
                .unwrap_or_default();
            all.extend(
                graph
                    .packages
                    .iter()
                    .filter(|p| &p.name == krate)
                    .map(|p| p.version.semver.clone()),
            );
            all.retain(|v| !missing.contains(&v.to_string()));
            published.insert(krate.clone(), all);
        }
    }

    let cost = |krate: &str, from: Option<&VetVersion>, to: &VetVersion| -> Result<u64, String> {
        let key = match from {
            Some(f) => format!("{f} -> {to}"),
            None => to.to_string(),
        };
        diffs[krate][&key]
            .as_u64()
            .ok_or_else(|| format!("cargo-vet never diffed {krate} {key}"))
    };
    let outcome = suggest_with_requirements(&store, &graph, &req, &published, &cost)
        .unwrap_or_else(|e| panic!("{project}: {e}"));
    let SuggestOutcome::Suggestions {
        audits,
        total_lines,
    } = &outcome
    else {
        panic!("{project}: expected suggestions, got {outcome:?}");
    };
    let ours: Vec<Suggestion> = audits
        .iter()
        .map(|a| {
            (
                a.krate.clone(),
                a.from.as_ref().map(|f| f.to_string()),
                a.to.to_string(),
                a.lines,
            )
        })
        .collect();
    let theirs: Vec<Suggestion> = expected["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s[0].as_str().unwrap().to_owned(),
                s[1].as_str().map(str::to_owned),
                s[2].as_str().unwrap().to_owned(),
                s[3].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ours, theirs,
        "{project}: suggestions differ from cargo-vet's"
    );
    assert_eq!(
        *total_lines,
        expected["total_lines"].as_u64().unwrap(),
        "{project}"
    );
    eprintln!("{project}: backlog {total_lines} lines, as cargo-vet");
}

/// The corpus projects whose stores are in fixtures (no ../shared needed).
#[test]
fn resolver_and_suggest_reproduce_cargo_vet_on_the_fixture_stores() {
    reproduce_cargo_vet(None);
}

/// Every corpus project, with ../shared's stores and audit sources.
#[test]
#[ignore = "needs ../shared/realworld"]
fn resolver_and_suggest_reproduce_cargo_vet_on_the_whole_corpus() {
    reproduce_cargo_vet(Some(outside::shared_dir()));
}

fn reproduce_cargo_vet(shared: Option<PathBuf>) {
    let oracle = std::env::var_os("MINAUDIT_VET_ORACLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("fixtures/vet/oracle"));
    let mut projects: Vec<String> = std::fs::read_dir(&oracle)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".graph.json").map(str::to_owned)
        })
        .collect();
    projects.sort();
    assert!(
        !projects.is_empty(),
        "no oracle data in {}",
        oracle.display()
    );
    let mut checked = 0;
    for p in &projects {
        let base = p.strip_suffix("+full").unwrap_or(p);
        let full = oracle.join(format!("{p}.imports.json")).exists();
        match (store_dir(shared.as_deref(), base), &shared) {
            (Some(dir), Some(_)) => check_project(&oracle, &dir, shared.as_deref(), p),
            // without ../shared: the stores in fixtures, in imports.lock's universe
            (Some(dir), None) if !full => check_project(&oracle, &dir, None, p),
            (None, Some(s)) => panic!("{p}: no store in fixtures or {}", s.display()),
            _ => continue,
        }
        checked += 1;
    }
    // incrementalmerkletree's store is in fixtures, so at least one project always runs.
    assert!(checked >= 1);
}

/// `package_graph_from_metadata` against distill.py's independent reading of the same
/// `cargo metadata` output (needs ../shared and cargo able to resolve the project offline).
#[test]
#[ignore = "needs ../shared/realworld and Cargo's index cache for incrementalmerkletree"]
fn metadata_graph_matches_the_distilled_graph() {
    let shared = outside::shared_dir();
    let project = "incrementalmerkletree";
    let manifest = shared
        .join("realworld/projects")
        .join(project)
        .join("Cargo.toml");
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--all-features", "--offline"])
        .args(["--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata --offline failed for {project} (fill Cargo's index cache first): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: cargo_metadata::Metadata = serde_json::from_slice(&out.stdout).unwrap();
    let ours = minaudit::vet::metadata_graph::package_graph_from_metadata(&metadata).unwrap();
    let theirs = load_graph(&read_json(
        &repo().join(format!("fixtures/vet/oracle/{project}.graph.json")),
    ));
    let key = |g: &PackageGraph| {
        let pkgs: BTreeSet<String> = g.packages.iter().map(|p| format!("{p:?}")).collect();
        let edges: BTreeSet<String> = g
            .edges
            .iter()
            .map(|e| {
                let (f, t) = (&g.packages[e.from], &g.packages[e.to]);
                format!(
                    "{} {} -> {} {} {:?}",
                    f.name, f.version, t.name, t.version, e.kinds
                )
            })
            .collect();
        (pkgs, edges)
    };
    assert_eq!(key(&ours), key(&theirs));
    assert!(ours.packages.iter().any(|p| p.is_workspace_member));
}
