//! `--target` filtering: cfg evaluation (hand-checked), the rustc edge (real rustc, skipped
//! when absent), and build reachability checked both by hand and against `cargo tree --target`
//! on a small path-only workspace (offline, nothing built).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use minaudit::index::DepKind;
use minaudit::target_filter::{
    build_reach, edge_matches_any, parse_edge_target, BuildEdge, BuildGraph, BuildPackage,
    CfgSource, FixtureCfgSource, Platforms, RustcCfgSource, TargetFilterError, TargetPlatform,
};

const LINUX: &str = "x86_64-unknown-linux-gnu";
const WINDOWS: &str = "x86_64-pc-windows-msvc";
const ARM_LINUX: &str = "aarch64-unknown-linux-gnu";

// Hand-written subsets of what rustc prints for these targets (the cfgs the cases use).
const LINUX_CFG: &str = "panic=\"unwind\"\ntarget_arch=\"x86_64\"\ntarget_endian=\"little\"\ntarget_env=\"gnu\"\ntarget_family=\"unix\"\ntarget_os=\"linux\"\ntarget_pointer_width=\"64\"\ntarget_vendor=\"unknown\"\nunix\n";
const WINDOWS_CFG: &str = "panic=\"unwind\"\ntarget_abi=\"\"\ntarget_arch=\"x86_64\"\ntarget_endian=\"little\"\ntarget_env=\"msvc\"\ntarget_family=\"windows\"\ntarget_os=\"windows\"\ntarget_pointer_width=\"64\"\ntarget_vendor=\"pc\"\nwindows\n";
const ARM_LINUX_CFG: &str = "target_arch=\"aarch64\"\ntarget_env=\"gnu\"\ntarget_family=\"unix\"\ntarget_os=\"linux\"\ntarget_pointer_width=\"64\"\nunix\n";

fn fixture_source() -> FixtureCfgSource {
    FixtureCfgSource::new(LINUX)
        .with(LINUX, LINUX_CFG)
        .with(WINDOWS, WINDOWS_CFG)
        .with(ARM_LINUX, ARM_LINUX_CFG)
}

fn platform(source: &dyn CfgSource, name: &str) -> TargetPlatform {
    source.platform(name).unwrap_or_else(|e| panic!("{e}"))
}

/// (edge target, linux, windows, aarch64-linux), hand-checked.
const CASES: &[(&str, bool, bool, bool)] = &[
    ("cfg(windows)", false, true, false),
    ("cfg(unix)", true, false, true),
    ("cfg(not(windows))", true, false, true),
    ("cfg(not(unix))", false, true, false),
    (
        "cfg(all(target_os = \"linux\", target_arch = \"x86_64\"))",
        true,
        false,
        false,
    ),
    (
        "cfg(any(target_os = \"macos\", target_env = \"msvc\"))",
        false,
        true,
        false,
    ),
    ("cfg(target_pointer_width = \"64\")", true, true, true),
    ("cfg(target_os = \"wasi\")", false, false, false),
    (WINDOWS, false, true, false),
    (LINUX, true, false, false),
];

fn check_cases(source: &dyn CfgSource) {
    let linux = platform(source, LINUX);
    let windows = platform(source, WINDOWS);
    let arm = platform(source, ARM_LINUX);
    for &(target, on_linux, on_windows, on_arm) in CASES {
        let got = |p: &TargetPlatform| {
            edge_matches_any(Some(target), std::slice::from_ref(p)).expect("parses")
        };
        assert_eq!(
            (got(&linux), got(&windows), got(&arm)),
            (on_linux, on_windows, on_arm),
            "{target}"
        );
        // a set of targets matches when any member does
        assert_eq!(
            edge_matches_any(Some(target), &[linux.clone(), windows.clone()]).expect("parses"),
            on_linux || on_windows,
            "{target} on linux+windows"
        );
    }
    assert!(edge_matches_any(None, &[windows]).expect("no target"));
}

#[test]
fn cfg_cases_with_fixture_cfg_lists() {
    check_cases(&fixture_source());
}

#[test]
fn cfg_cases_with_real_rustc() {
    let rustc = RustcCfgSource::new(std::env::var_os("RUSTC"));
    // rustc prints cfg for targets whose std is not installed, so this needs no rustup target.
    let p = rustc
        .platform(WINDOWS)
        .expect("rustc (the one cargo builds these tests with) prints cfg");
    assert!(p.cfg.iter().any(|c| c.to_string() == "windows"), "{p:?}");
    check_cases(&rustc);
    let host = rustc.host().expect("host");
    assert!(host.contains('-'), "{host}");
}

#[test]
fn bad_inputs_are_errors_naming_the_text() {
    let err = parse_edge_target("cfg(unix").expect_err("unclosed");
    assert!(err.to_string().contains("cfg(unix"), "{err}");
    let err = TargetPlatform::from_rustc_cfg("t", "unix\ntarget_os=\"linux\n", "canned")
        .expect_err("bad line");
    assert!(
        matches!(err, TargetFilterError::CfgLine { line: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("canned:2:"), "{err}");
    assert!(matches!(
        fixture_source().platform("riscv64gc-unknown-linux-gnu"),
        Err(TargetFilterError::FixtureMissing { .. })
    ));
    assert_eq!(
        minaudit::target_filter::platform_name("/specs/my-board.json"),
        "my-board"
    );
}

// --- reachability --------------------------------------------------------------------------

/// The demo graph, as manifests (for cargo) and as edges (for `build_reach`). Every entry:
/// (from, to, kind, target).
const EDGES: &[(&str, &str, DepKind, Option<&str>)] = &[
    ("app", "b", DepKind::Normal, None),
    ("app", "pm", DepKind::Normal, None),
    ("app", "a", DepKind::Normal, Some("cfg(windows)")),
    ("app", "x", DepKind::Normal, Some("cfg(windows)")),
    (
        "app",
        "lin",
        DepKind::Normal,
        Some("cfg(target_os = \"linux\")"),
    ),
    (
        "app",
        "linx64",
        DepKind::Normal,
        Some("cfg(all(target_os = \"linux\", target_arch = \"x86_64\"))"),
    ),
    ("app", "wintriple", DepKind::Normal, Some(WINDOWS)),
    ("app", "notunix", DepKind::Normal, Some("cfg(not(unix))")),
    ("app", "cc", DepKind::Build, None),
    ("app", "winres", DepKind::Build, Some("cfg(windows)")),
    ("app", "devdep", DepKind::Dev, None),
    // `a` is reachable both ways: directly on windows, through b on unix
    ("b", "a", DepKind::Normal, Some("cfg(unix)")),
    ("b", "bdev", DepKind::Dev, None),
    ("x", "y", DepKind::Normal, Some("cfg(unix)")),
    ("pm", "pmdep", DepKind::Normal, Some("cfg(unix)")),
];
const PROC_MACROS: &[&str] = &["pm"];

fn all_names() -> BTreeSet<&'static str> {
    EDGES.iter().flat_map(|e| [e.0, e.1]).collect()
}

fn demo_graph() -> BuildGraph {
    BuildGraph {
        packages: all_names()
            .into_iter()
            .map(|n| BuildPackage {
                id: n.to_string(),
                proc_macro: PROC_MACROS.contains(&n),
            })
            .collect(),
        edges: EDGES
            .iter()
            .map(|&(from, to, kind, target)| BuildEdge {
                from: from.to_string(),
                to: to.to_string(),
                kind,
                target: target.map(str::to_string),
            })
            .collect(),
        roots: vec!["app".to_string()],
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Hand-computed with Cargo's rules, host = linux: build-deps and everything below a
/// proc-macro are evaluated for the host; dev-deps only from the member; per-target chains.
fn expected_not_built(targets: &[&str]) -> BTreeSet<String> {
    match targets {
        [LINUX] => set(&["x", "y", "wintriple", "notunix", "winres", "bdev"]),
        [WINDOWS] => set(&["y", "lin", "linx64", "winres", "bdev"]),
        [LINUX, WINDOWS] => set(&["y", "winres", "bdev"]),
        _ => unreachable!(),
    }
}

fn reach_with(source: &dyn CfgSource, targets: &[&str]) -> minaudit::target_filter::BuildReach {
    let host = source.host().expect("host");
    let platforms = Platforms {
        host: platform(source, &host),
        targets: targets.iter().map(|t| platform(source, t)).collect(),
    };
    build_reach(&demo_graph(), &platforms)
}

#[test]
fn reachability_matches_hand_computed_sets() {
    let source = fixture_source();
    for targets in [&[LINUX][..], &[WINDOWS], &[LINUX, WINDOWS]] {
        let reach = reach_with(&source, targets);
        assert_eq!(reach.not_built, expected_not_built(targets), "{targets:?}");
        let all: BTreeSet<String> = all_names().iter().map(|s| s.to_string()).collect();
        let union: BTreeSet<String> = reach.built.union(&reach.not_built).cloned().collect();
        assert_eq!(union, all);
        assert!(reach.unparsable.is_empty());
    }
    // `a` on linux comes through b; on windows directly. pmdep and cc are host builds.
    let windows = reach_with(&source, &[WINDOWS]);
    assert!(windows.built_for_targets["a"].contains(WINDOWS));
    assert!(windows.built_for_host.contains("pmdep"));
    assert!(windows.built_for_host.contains("cc"));
    assert!(!windows.built_for_targets.contains_key("cc"));
    // no --target means the host
    let host_only = build_reach(
        &demo_graph(),
        &Platforms {
            host: platform(&source, LINUX),
            targets: vec![],
        },
    );
    assert_eq!(host_only.not_built, expected_not_built(&[LINUX]));
}

#[test]
fn unparsable_edge_targets_are_followed_and_reported() {
    let mut graph = demo_graph();
    graph.packages.push(BuildPackage {
        id: "odd".to_string(),
        proc_macro: false,
    });
    graph.edges.push(BuildEdge {
        from: "app".to_string(),
        to: "odd".to_string(),
        kind: DepKind::Normal,
        target: Some("cfg(windows".to_string()),
    });
    let source = fixture_source();
    let platforms = Platforms {
        host: platform(&source, LINUX),
        targets: vec![platform(&source, LINUX)],
    };
    let reach = build_reach(&graph, &platforms);
    assert!(reach.built.contains("odd"));
    assert!(reach.unparsable.contains_key("cfg(windows"));
}

// --- cargo tree oracle -----------------------------------------------------------------------

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A graph to write as path-only packages: names, edges (from, to, kind, target), proc-macros.
/// The first name is the workspace and its only member.
struct Spec {
    names: Vec<String>,
    edges: Vec<(String, String, DepKind, Option<String>)>,
    proc_macros: BTreeSet<String>,
}

fn demo_spec() -> Spec {
    let mut names: Vec<String> = all_names().iter().map(|s| s.to_string()).collect();
    names.retain(|n| n != "app");
    names.insert(0, "app".to_string());
    Spec {
        names,
        edges: EDGES
            .iter()
            .map(|&(f, t, k, c)| (f.to_string(), t.to_string(), k, c.map(str::to_string)))
            .collect(),
        proc_macros: PROC_MACROS.iter().map(|s| s.to_string()).collect(),
    }
}

/// Writes `spec` as sibling directories `<root>/<name>`, outside the member's directory so
/// only the member is a workspace member.
fn write_workspace(root: &Path, spec: &Spec) {
    for (i, name) in spec.names.iter().enumerate() {
        let mut manifest =
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
        if i == 0 {
            manifest.push_str("\n[workspace]\n");
        }
        if spec.proc_macros.contains(name) {
            manifest.push_str("\n[lib]\nproc-macro = true\n");
        }
        // one table per header: TOML forbids repeating `[dependencies]`
        let mut tables: std::collections::BTreeMap<String, String> = Default::default();
        for (_, to, kind, target) in spec.edges.iter().filter(|e| &e.0 == name) {
            let table = match kind {
                DepKind::Normal => "dependencies",
                DepKind::Build => "build-dependencies",
                DepKind::Dev => "dev-dependencies",
            };
            let header = match target {
                None => format!("[{table}]"),
                Some(t) => format!("[target.'{t}'.{table}]"),
            };
            tables
                .entry(header)
                .or_default()
                .push_str(&format!("{to} = {{ path = \"../{to}\" }}\n"));
        }
        for (header, body) in tables {
            manifest.push_str(&format!("\n{header}\n{body}"));
        }
        let dir = root.join(name);
        write(&dir.join("Cargo.toml"), &manifest);
        write(&dir.join("src/lib.rs"), "");
    }
}

fn cargo(root: &Path, args: &[&str]) -> Option<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .ok()?;
    if !out.status.success() {
        panic!(
            "cargo {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some(String::from_utf8(out.stdout).expect("utf8"))
}

/// The whole pipeline (cargo metadata → ResolvedGraph → BuildGraph → build_reach with real
/// rustc cfg) against what `cargo tree --target` lists for the same workspace.
#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")),
    ignore = "the hand-computed sets assume an x86_64-unknown-linux-gnu host"
)]
fn agrees_with_cargo_tree() {
    let rustc = RustcCfgSource::new(std::env::var_os("RUSTC"));
    let host = rustc.host().expect("rustc prints its host");
    assert_eq!(host, LINUX, "the hand-computed sets assume this host");
    let tmp = tempfile::tempdir().expect("tmp");
    let spec = demo_spec();
    for targets in [&[LINUX][..], &[WINDOWS], &[LINUX, WINDOWS]] {
        let result = ours_and_cargo_tree(tmp.path(), &spec, &rustc, &host, targets)
            .expect("cargo tree runs");
        assert_eq!(result.ours, result.cargo_tree, "built for {targets:?}");
        // Cargo does not even resolve dev-dependencies of non-members (bdev is absent).
        assert!(!result.in_graph.contains("bdev"));
        let expected: BTreeSet<String> = expected_not_built(targets)
            .intersection(&result.in_graph)
            .cloned()
            .collect();
        assert_eq!(result.not_built, expected, "{targets:?}");
    }
}

struct Compared {
    ours: BTreeSet<String>,
    not_built: BTreeSet<String>,
    cargo_tree: BTreeSet<String>,
    in_graph: BTreeSet<String>,
}

/// Writes `spec` under `dir` (once), then runs the whole pipeline (cargo metadata →
/// ResolvedGraph → BuildGraph → build_reach with real rustc cfg) and `cargo tree --target`.
fn ours_and_cargo_tree(
    dir: &Path,
    spec: &Spec,
    rustc: &RustcCfgSource,
    host: &str,
    targets: &[&str],
) -> Option<Compared> {
    let root = dir.join(&spec.names[0]);
    if !root.join("Cargo.toml").is_file() {
        write_workspace(dir, spec);
    }
    let json = cargo(
        &root,
        &[
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--all-features",
        ],
    )?;
    let meta = minaudit::workspace::parse_metadata_json(&json).expect("metadata");
    let proc_macros: BTreeSet<String> = meta
        .packages
        .iter()
        .filter(|p| {
            p.targets
                .iter()
                .any(|t| t.kind.iter().any(|k| k.to_string() == "proc-macro"))
        })
        .map(|p| p.id.repr.clone())
        .collect();
    let resolved = minaudit::workspace::graph_from_metadata(&meta).expect("graph");
    let graph = BuildGraph::from_resolved(&resolved, &proc_macros);
    let name_of = |id: &String| -> String {
        resolved
            .packages
            .iter()
            .find(|p| &p.id == id)
            .map(|p| p.name.clone())
            .expect("package")
    };
    let platforms = Platforms {
        host: platform(rustc, host),
        targets: targets.iter().map(|t| platform(rustc, t)).collect(),
    };
    let reach = build_reach(&graph, &platforms);

    let mut args = vec![
        "tree",
        "--offline",
        "-e",
        "normal,build,dev",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    for t in targets {
        args.push("--target");
        args.push(t);
    }
    let tree = cargo(&root, &args)?;
    Some(Compared {
        ours: reach.built.iter().map(name_of).collect(),
        not_built: reach.not_built.iter().map(name_of).collect(),
        cargo_tree: tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect(),
        in_graph: resolved.packages.iter().map(|p| p.name.clone()).collect(),
    })
}

/// Random acyclic graphs over the hand-checked target strings, each compared with
/// `cargo tree` for three target sets.
#[test]
fn random_graphs_agree_with_cargo_tree() {
    let rustc = RustcCfgSource::new(std::env::var_os("RUSTC"));
    let host = rustc.host().expect("rustc prints its host");
    let targets_pool: Vec<Option<String>> = std::iter::once(None)
        .chain(CASES.iter().map(|c| Some(c.0.to_string())))
        .collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut compared = 0;
    for round in 0..16 {
        let n = 5 + (next() % 4) as usize;
        let names: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let mut edges = Vec::new();
        let mut headers = BTreeSet::new();
        for from in 0..n {
            for to in from + 1..n {
                if next() % 3 != 0 {
                    continue;
                }
                let kind = match next() % 5 {
                    0 => DepKind::Build,
                    1 if from == 0 => DepKind::Dev,
                    _ => DepKind::Normal,
                };
                let target = targets_pool[(next() % targets_pool.len() as u64) as usize].clone();
                if headers.insert((from, to, kind, target.clone())) {
                    edges.push((names[from].clone(), names[to].clone(), kind, target));
                }
            }
        }
        let proc_macros: BTreeSet<String> = names[1..]
            .iter()
            .filter(|_| next() % 3 == 0)
            .cloned()
            .collect();
        let spec = Spec {
            names,
            edges,
            proc_macros,
        };
        let tmp = tempfile::tempdir().expect("tmp");
        for targets in [&[LINUX][..], &[WINDOWS], &[LINUX, WINDOWS]] {
            let result = ours_and_cargo_tree(tmp.path(), &spec, &rustc, &host, targets)
                .expect("cargo tree runs");
            assert_eq!(
                result.ours, result.cargo_tree,
                "round {round}, targets {targets:?}, edges {:?}, proc-macros {:?}",
                spec.edges, spec.proc_macros
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 48);
}

// ------------------------------------------------- the optimiser's per-edge view (EdgeBuilds)

fn dep(name: &str, kind: DepKind, target: Option<&str>) -> minaudit::index::IndexDep {
    minaudit::index::IndexDep {
        name: name.to_string(),
        package: None,
        req: semver::VersionReq::STAR,
        features: vec![],
        optional: false,
        default_features: true,
        target: target.map(str::to_string),
        kind,
        registry: None,
    }
}

fn krate(name: &str, deps: Vec<minaudit::index::IndexDep>) -> minaudit::index::IndexCrate {
    minaudit::index::IndexCrate {
        name: name.to_string(),
        versions: vec![minaudit::index::IndexVersion {
            name: name.to_string(),
            version: semver::Version::new(1, 0, 0),
            deps: deps.into(),
            features: Default::default(),
            links: None,
            yanked: false,
            rust_version: None,
            cksum: String::new(),
            pubtime: None,
        }],
    }
}

/// Host linux, target windows (hand-derived, the same choices as `report --target`): build
/// edges are evaluated on the host and make their targets host-side; a proc-macro's, a
/// build dependency's and an unknown crate's normal edges may build for the host too; a plain
/// library's `cfg(unix)` edge does not; a member's dev edges follow the target.
#[test]
fn optimiser_edges_follow_the_host_target_split() {
    use minaudit::model::{EdgeFrom, RootPackage, Roots};
    use minaudit::target_filter::{EdgeBuilds, HostFacts};
    use DepKind::{Build, Dev, Normal};
    let src = fixture_source();
    let platforms = Platforms {
        host: platform(&src, LINUX),
        targets: vec![platform(&src, WINDOWS)],
    };
    let unix = Some("cfg(unix)");
    let win = Some("cfg(windows)");
    let lib_deps = vec![
        dep("u", Normal, unix),
        dep("w", Normal, win),
        dep("b", Build, unix),
        dep("bw", Build, win),
        dep("any", Normal, None),
    ];
    let index: std::collections::BTreeMap<_, _> = [
        krate("lib", lib_deps.clone()),
        krate("pm", vec![dep("pu", Normal, unix), dep("pw", Normal, win)]),
        krate("b", vec![dep("bu", Normal, unix)]),
        krate("mystery", vec![dep("mu", Normal, unix)]),
    ]
    .into_iter()
    .map(|c| (c.name.clone(), c))
    .collect();
    let roots = Roots {
        packages: vec![RootPackage {
            name: "member".into(),
            deps: vec![
                dep("lib", Normal, None),
                dep("du", Dev, unix),
                dep("dw", Dev, win),
                dep("nu", Normal, unix),
            ],
            links: None,
        }],
    };
    let facts = HostFacts {
        host_roots: Default::default(),
        proc_macros: set(&["pm"]),
        known: set(&["lib", "pm", "b"]),
    };
    let eb = EdgeBuilds::new(&platforms, &index, &roots, &facts);
    let v = semver::Version::new(1, 0, 0);
    let from = |n: &'static str| EdgeFrom::Pkg(n, &v);
    let on = |f: EdgeFrom<'_>, d: &minaudit::index::IndexDep| eb.builds(f, d);
    assert_eq!(
        lib_deps
            .iter()
            .map(|d| on(from("lib"), d))
            .collect::<Vec<_>>(),
        [false, true, true, false, true]
    );
    assert!(on(from("pm"), &dep("pu", Normal, unix)), "proc-macro: host");
    assert!(
        on(from("pm"), &dep("pw", Normal, win)),
        "proc-macro: target"
    );
    assert!(on(from("b"), &dep("bu", Normal, unix)), "build dep: host");
    assert!(
        on(from("mystery"), &dep("mu", Normal, unix)),
        "unknown: host"
    );
    assert!(!on(EdgeFrom::Root(0), &dep("du", Dev, unix)));
    assert!(on(EdgeFrom::Root(0), &dep("dw", Dev, win)));
    assert!(!on(EdgeFrom::Root(0), &dep("nu", Normal, unix)));
    assert!(eb.is_host_side("b") && eb.is_host_side("bu") && !eb.is_host_side("lib"));
    // a path package that is not a member may be a build dependency: host too
    let host_root = HostFacts {
        host_roots: [0].into(),
        ..facts.clone()
    };
    let eb2 = EdgeBuilds::new(&platforms, &index, &roots, &host_root);
    assert!(eb2.builds(EdgeFrom::Root(0), &dep("nu", Normal, unix)));
    // linux target on a linux host: a plain library's cfg(unix) edge builds, cfg(windows) not
    let linux = Platforms {
        host: platform(&src, LINUX),
        targets: vec![platform(&src, LINUX)],
    };
    let eb3 = EdgeBuilds::new(&linux, &index, &roots, &facts);
    assert_eq!(
        lib_deps
            .iter()
            .map(|d| eb3.builds(from("lib"), d))
            .collect::<Vec<_>>(),
        [true, false, true, false, true]
    );
}
