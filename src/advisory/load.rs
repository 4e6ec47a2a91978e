//! Reading an advisory-db checkout: the [`AdvisoryFiles`] trait (IO edge: [`DirAdvisoryFiles`];
//! fixture: [`MemoryAdvisoryFiles`]) and [`load_db`], which parses what it yields.
//!
//! Layout, as the `rustsec` crate's `Database::open` reads it: `crates/<package>/<id>.md`;
//! dotfiles are skipped; every other file must be `<id>.md` in the directory named after its
//! `package` (drafts `RUSTSEC-0000-0000.md` excepted from the name check). The `rust/`
//! collection (advisories about the toolchain) is not read: minaudit only chooses crates.

use std::path::{Path, PathBuf};

use super::{parse_advisory, AdvisoryDb, AdvisoryError};

/// The directory cargo-audit uses: `$CARGO_HOME/advisory-db`, where `CARGO_HOME` defaults to
/// `~/.cargo`. Returns it only when it exists and holds `crates/`. The caller passes the
/// environment (`CARGO_HOME`, `HOME`) so this stays testable.
pub fn default_db_dir(cargo_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let cargo_home = match cargo_home {
        Some(c) if !c.as_os_str().is_empty() => c.to_path_buf(),
        _ => home?.join(".cargo"),
    };
    let dir = cargo_home.join("advisory-db");
    dir.join("crates").is_dir().then_some(dir)
}

/// A source of advisory files.
pub trait AdvisoryFiles {
    /// Every advisory file as `(path relative to the database root, '/'-separated; text)`.
    fn advisory_files(&self) -> Result<Vec<(String, String)>, AdvisoryError>;

    /// One line for reports, e.g. `advisory-db at /home/me/.cargo/advisory-db`.
    fn describe(&self) -> String;
}

/// An advisory-db checkout on disk.
#[derive(Debug, Clone)]
pub struct DirAdvisoryFiles {
    pub root: PathBuf,
}

impl DirAdvisoryFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirAdvisoryFiles { root: root.into() }
    }
}

fn io(path: &Path, source: std::io::Error) -> AdvisoryError {
    AdvisoryError::Io {
        path: path.to_path_buf(),
        error: source,
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, AdvisoryError> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

impl AdvisoryFiles for DirAdvisoryFiles {
    fn advisory_files(&self) -> Result<Vec<(String, String)>, AdvisoryError> {
        let crates = self.root.join("crates");
        if !crates.is_dir() {
            return Err(AdvisoryError::NotADatabase {
                path: self.root.clone(),
                message: "no `crates/` directory".to_string(),
            });
        }
        let mut files = Vec::new();
        for package_dir in sorted_entries(&crates)? {
            let file_type = package_dir
                .file_type()
                .map_err(|e| io(&package_dir.path(), e))?;
            if !file_type.is_dir() {
                continue;
            }
            let package = package_dir.file_name().to_string_lossy().into_owned();
            for entry in sorted_entries(&package_dir.path())? {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                files.push((format!("crates/{package}/{name}"), text));
            }
        }
        Ok(files)
    }

    fn describe(&self) -> String {
        format!("advisory-db at {}", self.root.display())
    }
}

/// Advisory files held in memory (tests, embedded fixtures).
#[derive(Debug, Clone, Default)]
pub struct MemoryAdvisoryFiles {
    pub files: Vec<(String, String)>,
}

impl AdvisoryFiles for MemoryAdvisoryFiles {
    fn advisory_files(&self) -> Result<Vec<(String, String)>, AdvisoryError> {
        Ok(self.files.clone())
    }

    fn describe(&self) -> String {
        format!("{} in-memory advisory files", self.files.len())
    }
}

/// Parses every file of `source` and checks the layout rules of the module header.
pub fn load_db(source: &dyn AdvisoryFiles) -> Result<AdvisoryDb, AdvisoryError> {
    let mut advisories = Vec::new();
    for (rel, text) in source.advisory_files()? {
        let advisory = parse_advisory(&text, &rel)?;
        check_location(&rel, &advisory.id, &advisory.package)?;
        advisories.push((rel, advisory));
    }
    AdvisoryDb::from_advisories(advisories)
}

fn check_location(rel: &str, id: &str, package: &str) -> Result<(), AdvisoryError> {
    let mut parts = rel.rsplit('/');
    let file_name = parts.next().unwrap_or(rel);
    let dir = parts.next();
    let bad = |message: String| {
        AdvisoryError::Malformed {
        file: rel.to_string(),
        line: 1,
        message,
        hint: "advisory-db keeps each advisory in crates/<package>/<id>.md; fix or re-fetch the checkout",
    }
    };
    if !file_name.ends_with(".md") {
        return Err(bad("advisory files must end in `.md`".to_string()));
    }
    if file_name != format!("{id}.md") && file_name != "RUSTSEC-0000-0000.md" {
        return Err(bad(format!("file name does not match advisory id `{id}`")));
    }
    if let Some(dir) = dir {
        if dir != package {
            return Err(bad(format!(
                "advisory about `{package}` lies in directory `{dir}`"
            )));
        }
    }
    Ok(())
}
