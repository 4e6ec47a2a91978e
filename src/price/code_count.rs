//! `--count code`: which files of a crate compile into it (pure over the manifest text and the
//! per-file breakdown of [`super::linecount`]).
//!
//! cargo-vet's full-audit count covers every file in the `.crate`: README, licences, test data,
//! examples. The code count is the part rustc may compile, found without running anything:
//! 1. *Targets*, from the crate's (normalized) `Cargo.toml`: the lib (`[lib] path`, default
//!    `src/lib.rs`), the bins (`[[bin]] path`; default `src/main.rs`, `src/bin/<name>.rs`,
//!    `src/bin/<name>/main.rs`; plus auto-discovery of those paths unless `autobins = false`,
//!    or 2015-edition manifests that declare bins), and the build script(s) (`package.build`:
//!    a path, a list of paths, `false`; default `build.rs`). Bins count although Cargo builds
//!    only the lib and build script of a dependency: `cargo install` and artifact dependencies
//!    build them, and the per-role totals let a caller leave them out.
//! 2. *Code* is every `.rs` file under the directory of a target's root file — Rust's module
//!    rules (`mod x;` → `x.rs`, `x/mod.rs`, nested further) only reach below that directory —
//!    except files under the crate root's `tests/`, `benches/`, `examples/`, files declared as
//!    `[[test]]`/`[[bench]]`/`[[example]]` roots, and files inside nested packages (a directory
//!    with its own `Cargo.toml`). A file under several target directories belongs to the
//!    deepest one (`src/bin/x.rs` is a bin even with a lib in `src/`).
//! 3. Everything else is not code: non-`.rs` files, manifests, the excluded directories.
//!
//! Known approximations: files pulled in by `include!`/`include_str!`/`include_bytes!`
//! (generated tables, data) are missed unless they are `.rs` files under a target directory;
//! `#[path = "../elsewhere.rs"]` modules outside the target directories are missed; `.rs`
//! files under a target directory that no module declares (dead files, `cfg`-disabled
//! platforms) are counted; a root-level target (`build.rs`, `[lib] path = "lib.rs"`) makes the
//! whole crate its directory, so stray `.rs` files elsewhere (scripts) count as build code.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::linecount::FileLines;

/// The kind of target a code file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodeRole {
    Lib,
    Bin,
    BuildScript,
}

/// Why a file does not count as code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotCode {
    /// Not a `.rs` file (docs, licences, data, scripts).
    NotRust,
    /// `Cargo.toml` / `Cargo.toml.orig` at the crate root.
    Manifest,
    /// Under `tests/`, `benches/`, `examples/`, or a declared test/bench/example root.
    TestsBenchesExamples,
    /// Inside a directory with its own `Cargo.toml`.
    NestedPackage,
    /// A `.rs` file outside every target directory.
    OutsideTargets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileClass {
    Code(CodeRole),
    NotCode(NotCode),
}

/// One file and its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifiedFile {
    pub path: String,
    pub lines: u64,
    pub class: FileClass,
}

/// The compile targets found in the manifest (paths relative to the crate, `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrateTargets {
    pub lib: Option<String>,
    pub bins: Vec<String>,
    pub build_scripts: Vec<String>,
    /// Declared `[[test]]`, `[[bench]]`, `[[example]]` root files.
    pub excluded: Vec<String>,
}

/// The code count of one crate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CodeCount {
    pub targets: CrateTargets,
    /// Every input file, in input order.
    pub files: Vec<ClassifiedFile>,
    /// Lines of every input file (cargo-vet's full-audit count when the input is complete).
    pub total_lines: u64,
    /// Lines of code files: `lib_lines + bin_lines + build_lines`.
    pub code_lines: u64,
    pub lib_lines: u64,
    pub bin_lines: u64,
    pub build_lines: u64,
}

/// A malformed manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}\nhint: the crate's Cargo.toml is not one cargo would accept; report the crate, or price it with the full count")]
pub struct CodeCountError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize, Default)]
struct RawManifest {
    #[serde(alias = "project")]
    package: Option<RawPackage>,
    lib: Option<RawTarget>,
    #[serde(default)]
    bin: Vec<RawTarget>,
    #[serde(default)]
    example: Vec<RawTarget>,
    #[serde(default)]
    test: Vec<RawTarget>,
    #[serde(default)]
    bench: Vec<RawTarget>,
}

#[derive(Deserialize, Default)]
struct RawPackage {
    name: Option<String>,
    edition: Option<String>,
    build: Option<RawBuild>,
    autolib: Option<bool>,
    autobins: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawBuild {
    Enabled(bool),
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
struct RawTarget {
    name: Option<String>,
    path: Option<String>,
}

/// `./src\lib.rs` → `src/lib.rs`; `None` when the path leaves the crate or is absolute.
fn normalize(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Reads the targets of the manifest (step 1 of the module header). `files` is every path in
/// the crate (for defaults that depend on a file existing); `manifest_label` names the
/// manifest in errors.
pub fn crate_targets(
    manifest: &str,
    files: &BTreeSet<&str>,
    manifest_label: &str,
) -> Result<CrateTargets, CodeCountError> {
    let raw: RawManifest = toml::from_str(manifest).map_err(|e| CodeCountError {
        file: manifest_label.to_string(),
        line: e
            .span()
            .map(|s| {
                manifest.as_bytes()[..s.start.min(manifest.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            })
            .unwrap_or(1),
        message: e.message().to_string(),
    })?;
    let package = raw.package.unwrap_or_default();
    let exists = |p: &str| files.contains(p);
    let lib = match &raw.lib {
        Some(lib) => normalize(lib.path.as_deref().unwrap_or("src/lib.rs")),
        None if package.autolib != Some(false) && exists("src/lib.rs") => {
            Some("src/lib.rs".to_string())
        }
        None => None,
    };

    let mut bins: Vec<String> = Vec::new();
    for bin in &raw.bin {
        let path = match (&bin.path, &bin.name) {
            (Some(p), _) => normalize(p),
            (None, Some(name)) => [
                format!("src/bin/{name}.rs"),
                format!("src/bin/{name}/main.rs"),
            ]
            .into_iter()
            .chain((package.name.as_deref() == Some(name)).then(|| "src/main.rs".to_string()))
            .find(|p| exists(p)),
            (None, None) => None,
        };
        bins.extend(path);
    }
    let edition_2015 = package.edition.as_deref().is_none_or(|e| e == "2015");
    let autobins = package
        .autobins
        .unwrap_or(!edition_2015 || raw.bin.is_empty());
    if autobins {
        for f in files {
            let discovered = *f == "src/main.rs"
                || f.strip_prefix("src/bin/").is_some_and(|rest| {
                    (rest.ends_with(".rs") && !rest.contains('/'))
                        || rest
                            .strip_suffix("/main.rs")
                            .is_some_and(|dir| !dir.contains('/'))
                });
            if discovered {
                bins.push(f.to_string());
            }
        }
    }
    bins.sort();
    bins.dedup();

    let build_scripts = match &package.build {
        None | Some(RawBuild::Enabled(true)) => {
            if exists("build.rs") {
                vec!["build.rs".to_string()]
            } else {
                vec![]
            }
        }
        Some(RawBuild::Enabled(false)) => vec![],
        Some(RawBuild::One(p)) => normalize(p).into_iter().collect(),
        Some(RawBuild::Many(ps)) => ps.iter().filter_map(|p| normalize(p)).collect(),
    };

    let excluded = raw
        .example
        .iter()
        .chain(&raw.test)
        .chain(&raw.bench)
        .filter_map(|t| t.path.as_deref().and_then(normalize))
        .collect();
    Ok(CrateTargets {
        lib,
        bins,
        build_scripts,
        excluded,
    })
}

fn dir_of(path: &str) -> &str {
    path.rfind('/').map(|i| &path[..i]).unwrap_or("")
}

/// Whether `path` lies under directory `dir` (`""` is the crate root).
fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// Classifies every file (steps 2 and 3 of the module header).
pub fn classify(targets: &CrateTargets, files: &[FileLines]) -> CodeCount {
    let roots: Vec<(&str, CodeRole)> = targets
        .lib
        .iter()
        .map(|p| (p.as_str(), CodeRole::Lib))
        .chain(targets.bins.iter().map(|p| (p.as_str(), CodeRole::Bin)))
        .chain(
            targets
                .build_scripts
                .iter()
                .map(|p| (p.as_str(), CodeRole::BuildScript)),
        )
        .collect();
    let nested_packages: Vec<&str> = files
        .iter()
        .filter_map(|f| f.path.strip_suffix("/Cargo.toml"))
        .collect();
    let excluded: BTreeSet<&str> = targets.excluded.iter().map(String::as_str).collect();

    let class_of = |path: &str| -> FileClass {
        if path == "Cargo.toml" || path == "Cargo.toml.orig" {
            return FileClass::NotCode(NotCode::Manifest);
        }
        if !path.ends_with(".rs") {
            return FileClass::NotCode(NotCode::NotRust);
        }
        if let Some(&(_, role)) = roots.iter().find(|(root, _)| *root == path) {
            return FileClass::Code(role);
        }
        if excluded.contains(path)
            || ["tests", "benches", "examples"]
                .iter()
                .any(|d| under(path, d))
        {
            return FileClass::NotCode(NotCode::TestsBenchesExamples);
        }
        if nested_packages.iter().any(|d| under(path, d)) {
            return FileClass::NotCode(NotCode::NestedPackage);
        }
        // Deepest containing target directory; on a tie the earlier role (lib, bin, build).
        roots
            .iter()
            .filter(|(root, _)| under(path, dir_of(root)))
            .max_by(|a, b| {
                dir_of(a.0)
                    .len()
                    .cmp(&dir_of(b.0).len())
                    .then(b.1.cmp(&a.1))
            })
            .map(|&(_, role)| FileClass::Code(role))
            .unwrap_or(FileClass::NotCode(NotCode::OutsideTargets))
    };

    let mut count = CodeCount {
        targets: targets.clone(),
        ..CodeCount::default()
    };
    for f in files {
        let class = class_of(&f.path);
        count.total_lines += f.lines;
        if let FileClass::Code(role) = class {
            count.code_lines += f.lines;
            match role {
                CodeRole::Lib => count.lib_lines += f.lines,
                CodeRole::Bin => count.bin_lines += f.lines,
                CodeRole::BuildScript => count.build_lines += f.lines,
            }
        }
        count.files.push(ClassifiedFile {
            path: f.path.clone(),
            lines: f.lines,
            class,
        });
    }
    count
}

/// [`crate_targets`] then [`classify`].
pub fn code_count(
    manifest: &str,
    files: &[FileLines],
    manifest_label: &str,
) -> Result<CodeCount, CodeCountError> {
    let paths: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let targets = crate_targets(manifest, &paths, manifest_label)?;
    Ok(classify(&targets, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize("./src/lib.rs").as_deref(), Some("src/lib.rs"));
        assert_eq!(normalize("src\\main.rs").as_deref(), Some("src/main.rs"));
        assert_eq!(normalize("a/../b.rs").as_deref(), Some("b.rs"));
        assert_eq!(normalize("../outside.rs"), None);
        assert_eq!(normalize("/abs.rs"), None);
    }

    #[test]
    fn under_and_dir_of() {
        assert!(under("src/a.rs", "src"));
        assert!(!under("srcx/a.rs", "src"));
        assert!(under("anything.rs", ""));
        assert_eq!(dir_of("build.rs"), "");
        assert_eq!(dir_of("src/bin/x.rs"), "src/bin");
    }
}
