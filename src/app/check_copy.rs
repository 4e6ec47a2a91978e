//! IO edge: a private copy of the workspace for Cargo to check a new lock in.
//!
//! Cargo has no stable way to check a lock file kept elsewhere, so the check runs on a copy
//! of the workspace root in the temp dir, and nothing in that copy may lead back to the
//! user's files for writing:
//! - the new lock is a fresh regular file (`create_new`), never a copy of a symlinked one, so
//!   Cargo writing it (it does not under `--locked`) could only touch the copy;
//! - other symlinks are recreated pointing at what they resolve to (absolute), so a relative
//!   link leaving the root still resolves; Cargo only reads through them;
//! - relative paths leaving the root in manifests (`path` of dependencies, `[patch]`,
//!   `[replace]`, `[workspace.dependencies]`) and in `.cargo/config.toml` (`local-registry`,
//!   `directory`, `paths`) are made absolute, so path dependencies anywhere are found;
//! - `target/` at the root and `.git/` anywhere are left out.
//!
//! The copy is named `minaudit-check-<pid>-...` and removed on every exit path
//! (`cleanup::Registered`, signals included); copies of killed runs go on the next check.
//!
//! Known limit: `.cargo/config.toml` files in directories above the workspace root do not
//! apply to the copy (those in the workspace and in `CARGO_HOME` do).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::cleanup::{self, Registered};

const PREFIX: &str = "minaudit-check-";

/// The copy; removed when dropped.
pub struct CheckCopy {
    dir: Registered,
}

/// Removes the copies that killed runs left in the temp dir.
pub fn remove_stale() {
    cleanup::remove_stale(&std::env::temp_dir(), PREFIX, "");
}

impl CheckCopy {
    /// Copies the workspace at `root` and puts `lock_text` there as its Cargo.lock.
    pub fn new(root: &Path, lock_text: &str) -> std::io::Result<CheckCopy> {
        let copy = CheckCopy::without_lock(root)?;
        copy.set_lock(lock_text)?;
        Ok(copy)
    }

    /// Copies the workspace at `root` without a Cargo.lock.
    pub fn without_lock(root: &Path) -> std::io::Result<CheckCopy> {
        let temp = std::env::temp_dir();
        remove_stale();
        let dir = tempfile::Builder::new()
            .prefix(&cleanup::owned_prefix(PREFIX))
            .tempdir_in(&temp)?
            .keep();
        let copy = CheckCopy {
            dir: Registered::new(dir),
        };
        copy_dir(root, &copy.workspace(), root, root)?;
        Ok(copy)
    }

    /// The workspace root inside the copy.
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// Replaces the copy's Cargo.lock with a fresh regular file holding `text`.
    pub fn set_lock(&self, text: &str) -> std::io::Result<()> {
        let path = self.workspace().join("Cargo.lock");
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(text.as_bytes())
    }

    pub fn lock_text(&self) -> std::io::Result<String> {
        std::fs::read_to_string(self.workspace().join("Cargo.lock"))
    }
}

/// Copies directory `from` (at `orig` in the user's tree) to `to`.
fn copy_dir(from: &Path, to: &Path, orig: &Path, root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    let top = orig == root;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if name == ".git" || (top && (name == "target" || name == "Cargo.lock")) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        let ty = e.file_type()?;
        if ty.is_symlink() {
            let target = std::fs::canonicalize(&src).or_else(|_| std::fs::read_link(&src))?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, &dst)?;
            #[cfg(not(unix))]
            std::fs::copy(&src, &dst).map(|_| ())?;
        } else if ty.is_dir() {
            copy_dir(&src, &dst, &orig.join(&name), root)?;
        } else {
            let rewritten = match name.to_str() {
                Some("Cargo.toml") => {
                    rewrite_file(&src, |t| absolute_manifest_paths(t, orig, root))?
                }
                Some("config" | "config.toml") if orig.ends_with(".cargo") => {
                    let base = orig.parent().unwrap_or(orig);
                    rewrite_file(&src, |t| absolute_config_paths(t, base, root))?
                }
                _ => None,
            };
            match rewritten {
                Some(text) => std::fs::write(&dst, text)?,
                None => std::fs::copy(&src, &dst).map(|_| ())?,
            }
        }
    }
    Ok(())
}

/// The rewritten text of `path`, or `None` when it is not valid UTF-8 or needs no change.
fn rewrite_file(
    path: &Path,
    rewrite: impl Fn(&str) -> Option<String>,
) -> std::io::Result<Option<String>> {
    let bytes = std::fs::read(path)?;
    Ok(std::str::from_utf8(&bytes).ok().and_then(rewrite))
}

const DEP_TABLES: &[&str] = &[
    "dependencies",
    "dev-dependencies",
    "dev_dependencies",
    "build-dependencies",
    "build_dependencies",
];

/// A manifest at `dir` (in the user's tree) with every relative dependency `path` that leaves
/// `root` made absolute; `None` when nothing changes or the text does not parse (Cargo reports
/// that one itself).
pub fn absolute_manifest_paths(text: &str, dir: &Path, root: &Path) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().ok()?;
    let mut changed = false;
    let mut fix_deps = |deps: &mut toml_edit::Item| {
        let Some(deps) = deps.as_table_like_mut() else {
            return;
        };
        for (_, dep) in deps.iter_mut() {
            if let Some(dep) = dep.as_table_like_mut() {
                if let Some(item) = dep.get_mut("path") {
                    changed |= absolutise(item, dir, root);
                }
            }
        }
    };
    for key in DEP_TABLES {
        if let Some(deps) = doc.get_mut(key) {
            fix_deps(deps);
        }
    }
    if let Some(targets) = doc.get_mut("target").and_then(|t| t.as_table_like_mut()) {
        for (_, platform) in targets.iter_mut() {
            if let Some(platform) = platform.as_table_like_mut() {
                for key in DEP_TABLES {
                    if let Some(deps) = platform.get_mut(key) {
                        fix_deps(deps);
                    }
                }
            }
        }
    }
    if let Some(deps) = doc
        .get_mut("workspace")
        .and_then(|w| w.as_table_like_mut())
        .and_then(|w| w.get_mut("dependencies"))
    {
        fix_deps(deps);
    }
    if let Some(patches) = doc.get_mut("patch").and_then(|p| p.as_table_like_mut()) {
        for (_, source) in patches.iter_mut() {
            fix_deps(source);
        }
    }
    if let Some(replace) = doc.get_mut("replace") {
        fix_deps(replace);
    }
    changed.then(|| doc.to_string())
}

/// A Cargo config file whose relative paths are relative to `base` (the directory holding
/// `.cargo/`), with those leaving `root` made absolute: `[source.*]` `local-registry` and
/// `directory`, `paths`, and `[patch]` paths.
pub fn absolute_config_paths(text: &str, base: &Path, root: &Path) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().ok()?;
    let mut changed = false;
    if let Some(sources) = doc.get_mut("source").and_then(|s| s.as_table_like_mut()) {
        for (_, source) in sources.iter_mut() {
            if let Some(source) = source.as_table_like_mut() {
                for key in ["local-registry", "directory"] {
                    if let Some(item) = source.get_mut(key) {
                        changed |= absolutise(item, base, root);
                    }
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_array_mut()) {
        for value in paths.iter_mut() {
            if let Some(new) = value.as_str().and_then(|p| outside(p, base, root)) {
                set_keeping_decor(value, new);
                changed = true;
            }
        }
    }
    if let Some(patches) = doc.get_mut("patch").and_then(|p| p.as_table_like_mut()) {
        for (_, source) in patches.iter_mut() {
            if let Some(source) = source.as_table_like_mut() {
                for (_, dep) in source.iter_mut() {
                    if let Some(item) = dep.as_table_like_mut().and_then(|d| d.get_mut("path")) {
                        changed |= absolutise(item, base, root);
                    }
                }
            }
        }
    }
    changed.then(|| doc.to_string())
}

/// Makes a relative path string in `item` absolute when it leaves `root`; true if changed.
fn absolutise(item: &mut toml_edit::Item, base: &Path, root: &Path) -> bool {
    let Some(new) = item.as_str().and_then(|p| outside(p, base, root)) else {
        return false;
    };
    match item.as_value_mut() {
        Some(value) => {
            set_keeping_decor(value, new);
            true
        }
        None => false,
    }
}

fn set_keeping_decor(value: &mut toml_edit::Value, new: String) {
    let decor = value.decor().clone();
    *value = toml_edit::Value::from(new);
    *value.decor_mut() = decor;
}

/// `base/path`, normalised, when `path` is relative and that lies outside `root`.
fn outside(path: &str, base: &Path, root: &Path) -> Option<String> {
    if Path::new(path).is_absolute() {
        return None;
    }
    let full = normalize(&base.join(path));
    if full.starts_with(normalize(root)) {
        return None;
    }
    full.to_str().map(str::to_owned)
}

/// `.` and `..` resolved lexically, as Cargo resolves manifest paths.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_paths_leaving_the_root_become_absolute_and_others_stay() {
        let root = Path::new("/w/ws");
        let text = r#"[package]
name = "a"

[dependencies]
inside = { path = "../b" }  # kept
outside = { path = "../../lib/x", version = "1" }
reg = "1"

[target.'cfg(unix)'.dev-dependencies.far]
path = "../../../far"

[workspace.dependencies]
w = { path = "../../w" }

[patch.crates-io]
p = { path = "/abs/p" }
q = { path = "../../q" }
"#;
        let out = absolute_manifest_paths(text, &root.join("a"), root).expect("changed");
        assert!(
            out.contains(r#"inside = { path = "../b" }  # kept"#),
            "{out}"
        );
        assert!(out.contains(r#"path = "/w/lib/x""#), "{out}");
        assert!(out.contains(r#"path = "/far""#), "{out}");
        assert!(out.contains(r#"w = { path = "/w/w" }"#), "{out}");
        assert!(out.contains(r#"p = { path = "/abs/p" }"#), "{out}");
        assert!(out.contains(r#"q = { path = "/w/q" }"#), "{out}");
        assert_eq!(
            absolute_manifest_paths("[dependencies]\nx = \"1\"\n", root, root),
            None
        );
    }

    #[test]
    fn config_paths_are_relative_to_the_directory_holding_dot_cargo() {
        let root = Path::new("/w/ws");
        let text = "paths = [\"../o\", \"in\"]\n[source.fixture]\nlocal-registry = \"../registry\"\n[source.v]\ndirectory = \"vendor\"\n";
        let out = absolute_config_paths(text, root, root).expect("changed");
        assert!(out.contains(r#"paths = ["/w/o", "in"]"#), "{out}");
        assert!(out.contains(r#"local-registry = "/w/registry""#), "{out}");
        assert!(out.contains(r#"directory = "vendor""#), "{out}");
    }
}
