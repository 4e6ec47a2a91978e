//! `--count code` (price::code_count) on synthetic crates with hand-computed totals, through a real `.crate`
//! stream, and over real unpacked crates in cargo's registry cache (skipped when absent).

use crate::support::price_support;

use std::collections::BTreeSet;
use std::path::Path;

use minaudit::price::code_count::{
    code_count, crate_targets, CodeCount, CodeRole, FileClass, NotCode,
};
use minaudit::price::linecount::{count_crate_lines, count_file_lines, is_skipped, FileLines};
use minaudit::price::ArchiveLimits;
use price_support::{build_crate, file};

fn files(list: &[(&str, u64)]) -> Vec<FileLines> {
    list.iter()
        .map(|&(path, lines)| FileLines {
            path: path.to_string(),
            lines,
            binary: false,
            bytes: lines * 10,
        })
        .collect()
}

fn class(count: &CodeCount, path: &str) -> FileClass {
    count
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} missing"))
        .class
}

const MODERN: &str = r#"
[package]
edition = "2021"
name = "demo"
version = "1.0.0"
build = "build.rs"
autolib = false
autobins = false
autoexamples = false
autotests = false
autobenches = false

[lib]
name = "demo"
path = "src/lib.rs"

[[bin]]
name = "demo"
path = "src/main.rs"

[[bin]]
name = "tool"
path = "src/bin/tool.rs"

[[bin]]
name = "big"
path = "src/bin/big/main.rs"

[[example]]
name = "e"
path = "examples/e.rs"

[[test]]
name = "it"
path = "tests/it.rs"

[dependencies.serde]
version = "1"
"#;

#[test]
fn modern_normalized_manifest() {
    let input = files(&[
        ("Cargo.toml", 30),
        ("Cargo.toml.orig", 25),
        ("README.md", 100),
        ("LICENSE-MIT", 20),
        ("build.rs", 15),
        ("src/lib.rs", 200),
        ("src/util/mod.rs", 50),
        ("src/util/helpers.rs", 40),
        ("src/data/table.bin", 0),
        ("src/data/words.txt", 300),
        ("src/main.rs", 10),
        ("src/bin/tool.rs", 60),
        ("src/bin/big/main.rs", 70),
        ("src/bin/big/cli.rs", 30),
        ("tests/it.rs", 80),
        ("benches/b.rs", 40),
        ("examples/e.rs", 25),
        ("fuzz/Cargo.toml", 10),
        ("fuzz/fuzz_targets/f.rs", 12),
        ("scripts/gen.rs", 33),
    ]);
    let count = code_count(MODERN, &input, "demo-1.0.0/Cargo.toml").expect("count");
    // lib: lib.rs + util/mod.rs + util/helpers.rs
    assert_eq!(count.lib_lines, 200 + 50 + 40);
    // bins: main.rs + tool.rs + big/main.rs + big/cli.rs
    assert_eq!(count.bin_lines, 10 + 60 + 70 + 30);
    // build: build.rs + scripts/gen.rs (a root-level build script spans the crate: documented)
    assert_eq!(count.build_lines, 15 + 33);
    assert_eq!(count.code_lines, 290 + 170 + 48);
    assert_eq!(count.total_lines, 1150);
    assert_eq!(class(&count, "src/main.rs"), FileClass::Code(CodeRole::Bin));
    assert_eq!(
        class(&count, "src/util/helpers.rs"),
        FileClass::Code(CodeRole::Lib)
    );
    assert_eq!(
        class(&count, "src/bin/big/cli.rs"),
        FileClass::Code(CodeRole::Bin)
    );
    assert_eq!(
        class(&count, "src/data/words.txt"),
        FileClass::NotCode(NotCode::NotRust)
    );
    assert_eq!(
        class(&count, "Cargo.toml"),
        FileClass::NotCode(NotCode::Manifest)
    );
    assert_eq!(
        class(&count, "benches/b.rs"),
        FileClass::NotCode(NotCode::TestsBenchesExamples)
    );
    assert_eq!(
        class(&count, "fuzz/fuzz_targets/f.rs"),
        FileClass::NotCode(NotCode::NestedPackage)
    );
    assert_eq!(count.files.len(), input.len());
}

#[test]
fn old_manifest_uses_auto_discovery() {
    // `[project]` instead of `[package]`, no edition (2015), no declared targets.
    let manifest = "[project]\nname = \"old\"\nversion = \"0.1.0\"\nbuild = false\n";
    let input = files(&[
        ("Cargo.toml", 4),
        ("src/lib.rs", 10),
        ("src/foo.rs", 3),
        ("src/main.rs", 5),
        ("src/bin/x.rs", 7),
        ("build.rs", 9),
    ]);
    let count = code_count(manifest, &input, "old/Cargo.toml").expect("count");
    assert_eq!(count.targets.lib.as_deref(), Some("src/lib.rs"));
    assert_eq!(count.targets.bins, ["src/bin/x.rs", "src/main.rs"]);
    assert!(count.targets.build_scripts.is_empty());
    assert_eq!(count.lib_lines, 13);
    assert_eq!(count.bin_lines, 12);
    assert_eq!(count.build_lines, 0);
    // `build = false`: build.rs is not compiled
    assert_eq!(
        class(&count, "build.rs"),
        FileClass::NotCode(NotCode::OutsideTargets)
    );
    assert_eq!(count.total_lines, 38);
}

#[test]
fn custom_target_paths() {
    let manifest = "[package]\nname = \"c\"\nedition = \"2018\"\nbuild = \"tools/build/main.rs\"\n\n[lib]\npath = \"./lib.rs\"\n\n[[bin]]\nname = \"c\"\n";
    let input = files(&[
        ("Cargo.toml", 9),
        ("lib.rs", 10),
        ("other.rs", 5),
        ("tools/build/main.rs", 8),
        ("tools/build/gen.rs", 4),
        ("tools/readme.md", 6),
        ("examples/x.rs", 11),
        ("src/main.rs", 2),
    ]);
    let count = code_count(manifest, &input, "c/Cargo.toml").expect("count");
    assert_eq!(count.targets.lib.as_deref(), Some("lib.rs"));
    // `[[bin]] name = "c"` without a path is the package's own src/main.rs
    assert_eq!(count.targets.bins, ["src/main.rs"]);
    assert_eq!(count.targets.build_scripts, ["tools/build/main.rs"]);
    // lib.rs at the crate root spans the crate: lib.rs + other.rs (src/main.rs is a deeper bin)
    assert_eq!(count.lib_lines, 15);
    assert_eq!(count.bin_lines, 2);
    assert_eq!(count.build_lines, 12);
    assert_eq!(count.code_lines, 29);
    assert_eq!(count.total_lines, 55);
}

#[test]
fn malformed_manifest_names_file_and_line() {
    let err = code_count(
        "[package]\nname = \"x\"\n\n[lib]\npath = 3\n",
        &[],
        "x-1.0.0/Cargo.toml",
    )
    .expect_err("bad");
    assert_eq!(err.file, "x-1.0.0/Cargo.toml");
    assert_eq!(err.line, 5, "{err}");
    assert!(
        err.to_string().starts_with("x-1.0.0/Cargo.toml:5:"),
        "{err}"
    );
}

#[test]
fn through_a_crate_file() {
    // The same numbers as the line counter reads them from a gzip tar stream.
    let p = "demo-1.0.0";
    let bytes = build_crate(&[
        file(&format!("{p}/Cargo.toml"), MODERN),
        file(&format!("{p}/Cargo.lock"), "# skipped\n"),
        file(&format!("{p}/src/lib.rs"), "pub mod a;\n\nfn f() {}\n"),
        file(&format!("{p}/src/a.rs"), "// a\n"),
        file(&format!("{p}/src/main.rs"), "fn main() {}"),
        file(&format!("{p}/build.rs"), "fn main() {}\n"),
        file(&format!("{p}/README.md"), "# demo\n\ntext\n"),
        file(&format!("{p}/tests/it.rs"), "#[test]\nfn t() {}\n"),
    ]);
    let lines = count_crate_lines(&bytes, p, ArchiveLimits::default()).expect("lines");
    let count = code_count(MODERN, &lines.files, "Cargo.toml").expect("count");
    let manifest_lines = MODERN.lines().count() as u64;
    assert_eq!(count.total_lines, lines.total);
    assert_eq!(count.lib_lines, 3 + 1);
    assert_eq!(count.bin_lines, 1);
    assert_eq!(count.build_lines, 1);
    assert_eq!(lines.total, manifest_lines + 4 + 1 + 1 + 3 + 2);
}

/// Deterministic xorshift, so the property test needs no extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn code_never_exceeds_full_count_on_random_crates() {
    let paths = [
        "Cargo.toml",
        "build.rs",
        "lib.rs",
        "README.md",
        "src/lib.rs",
        "src/main.rs",
        "src/a.rs",
        "src/a/b.rs",
        "src/bin/x.rs",
        "src/bin/y/main.rs",
        "src/data.json",
        "tests/t.rs",
        "benches/b.rs",
        "examples/e.rs",
        "sub/Cargo.toml",
        "sub/src/lib.rs",
        "tools/gen.rs",
        "x/y/z.rs",
    ];
    let manifests = [
        MODERN,
        "[package]\nname = \"r\"\n",
        "[package]\nname = \"r\"\nedition = \"2021\"\nautobins = false\nbuild = false\n",
        "[package]\nname = \"r\"\n[lib]\npath = \"lib.rs\"\n",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..500 {
        let n = 1 + rng.next() % 12;
        let mut chosen = BTreeSet::new();
        for _ in 0..n {
            chosen.insert(rng.pick(&paths));
        }
        let input: Vec<FileLines> = chosen
            .iter()
            .map(|p| FileLines {
                path: p.to_string(),
                lines: rng.next() % 1000,
                binary: false,
                bytes: 0,
            })
            .collect();
        let manifest = rng.pick(&manifests);
        let count = code_count(manifest, &input, "Cargo.toml").expect("count");
        let full: u64 = input.iter().map(|f| f.lines).sum();
        assert_eq!(count.total_lines, full);
        assert!(count.code_lines <= full);
        assert_eq!(
            count.code_lines,
            count.lib_lines + count.bin_lines + count.build_lines
        );
        let by_class: u64 = count
            .files
            .iter()
            .filter(|f| matches!(f.class, FileClass::Code(_)))
            .map(|f| f.lines)
            .sum();
        assert_eq!(by_class, count.code_lines);
    }
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<FileLines>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, root, out);
        } else if ft.is_file() {
            let rel = path
                .strip_prefix(root)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            if is_skipped(&rel) {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let (lines, binary) = count_file_lines(&bytes);
            out.push(FileLines {
                path: rel,
                lines,
                binary,
                bytes: bytes.len() as u64,
            });
        }
    }
}

/// The crates Cargo unpacked to build these tests (`$CARGO_HOME/registry/src`): real crates,
/// always there once the tests are built.
fn unpacked_crates() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set where cargo runs");
    let src = home.join("registry/src");
    let mut crate_dirs = Vec::new();
    for reg in std::fs::read_dir(&src).into_iter().flatten().flatten() {
        if let Ok(crates) = std::fs::read_dir(reg.path()) {
            crate_dirs.extend(crates.flatten().map(|c| c.path()));
        }
    }
    assert!(
        !crate_dirs.is_empty(),
        "no unpacked crates under {} (Cargo unpacks this project's dependencies there)",
        src.display()
    );
    crate_dirs.sort();
    crate_dirs
}

/// Real crates: every normalized manifest parses, the lib root is code, and code ≤ full.
#[test]
fn real_crates_in_cargo_registry_cache() {
    let crate_dirs = unpacked_crates();
    // a spread sample keeps the test fast; CODE_COUNT_STEP=1 checks every crate
    let step = sample_step(crate_dirs.len(), 150);
    let (mut checked, mut code, mut full) = (0, 0u64, 0u64);
    for dir in crate_dirs.iter().step_by(step) {
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let mut input = Vec::new();
        walk(dir, dir, &mut input);
        let label = dir.join("Cargo.toml").display().to_string();
        let count = code_count(&manifest, &input, &label).unwrap_or_else(|e| panic!("{e}"));
        assert!(count.code_lines <= count.total_lines, "{label}");
        if let Some(lib) = &count.targets.lib {
            if input.iter().any(|f| &f.path == lib) {
                assert_eq!(
                    class(&count, lib),
                    FileClass::Code(CodeRole::Lib),
                    "{label}"
                );
            }
        }
        let paths: BTreeSet<&str> = input.iter().map(|f| f.path.as_str()).collect();
        crate_targets(&manifest, &paths, &label).expect("targets");
        checked += 1;
        code += count.code_lines;
        full += count.total_lines;
    }
    eprintln!(
        "{checked} real crates: code {code} of {full} lines ({:.1} %)",
        100.0 * code as f64 / full.max(1) as f64
    );
    assert!(checked > 0);
}

/// Step 1 (targets) against Cargo itself: `cargo metadata --no-deps` on real unpacked crates
/// lists each target's `src_path`; ours must be the same lib, bins and build scripts.
#[test]
fn targets_agree_with_cargo_metadata_on_real_crates() {
    let crate_dirs = unpacked_crates();
    let step = sample_step(crate_dirs.len(), 60);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut compared = 0;
    for dir in crate_dirs.iter().step_by(step) {
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let out = std::process::Command::new(&cargo)
            .args([
                "metadata",
                "--no-deps",
                "--offline",
                "--format-version",
                "1",
            ])
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .output()
            .expect("cargo");
        if !out.status.success() {
            // e.g. manifests needing a newer or older cargo; not our parser's business
            continue;
        }
        let meta: cargo_metadata::Metadata = serde_json::from_slice(&out.stdout).expect("json");
        let Some(pkg) = meta.packages.first() else {
            continue;
        };
        let rel = |p: &cargo_metadata::camino::Utf8PathBuf| -> String {
            p.as_std_path()
                .strip_prefix(dir)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| p.to_string())
        };
        let (mut lib, mut bins, mut builds) = (None, Vec::new(), Vec::new());
        for t in &pkg.targets {
            let kinds: Vec<String> = t.kind.iter().map(|k| k.to_string()).collect();
            if kinds.iter().any(|k| k == "bin") {
                bins.push(rel(&t.src_path));
            } else if kinds.iter().any(|k| k == "custom-build") {
                builds.push(rel(&t.src_path));
            } else if kinds.iter().any(|k| {
                ["lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"].contains(&k.as_str())
            }) {
                lib = Some(rel(&t.src_path));
            }
        }
        bins.sort();
        let mut input = Vec::new();
        walk(dir, dir, &mut input);
        let paths: BTreeSet<&str> = input.iter().map(|f| f.path.as_str()).collect();
        let label = dir.display().to_string();
        let ours = crate_targets(&manifest, &paths, &label).expect("targets");
        assert_eq!(ours.lib, lib, "lib of {label}");
        assert_eq!(ours.bins, bins, "bins of {label}");
        assert_eq!(ours.build_scripts, builds, "build of {label}");
        compared += 1;
    }
    eprintln!("{compared} real crates: targets agree with cargo metadata");
    assert!(compared > 0);
}

/// Every n-th crate so that about `want` are checked; `CODE_COUNT_STEP` overrides.
fn sample_step(len: usize, want: usize) -> usize {
    std::env::var("CODE_COUNT_STEP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or((len / want).max(1))
}
