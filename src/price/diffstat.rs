//! Delta line counts from git itself, exactly as cargo-vet computes them (IO edge).
//!
//! cargo-vet (`src/storage.rs`, `diffstat_package`) runs
//! `git diff --ignore-cr-at-eol --no-index --numstat -z OLD NEW` on two unpacked crates
//! (`<cache>/src/<name>-<version>`; a full audit uses the empty `<cache>/empty` as OLD), with no
//! other flags: rename detection is git's default (`diff.renames = true`, on since git 2.9), so
//! a renamed file counts only its changed lines. It then reads NUL-separated triples
//! `"{ins}\t{del}\t" OLD_PATH NEW_PATH` (no-index always uses this two-path form; an added or
//! removed side is `/dev/null`), takes the crate-relative path from NEW (from OLD when NEW is
//! `/dev/null`), skips it when it equals a [`DIFF_SKIP_PATHS`] entry, and sums insertions and
//! deletions; a binary file (`-\t-`) adds 0 lines but still counts as a changed file. Exit
//! status 0 (no difference) and 1 (differences) are both success.
//!
//! The rows themselves ([`NumstatRow`], [`parse_numstat_rows_z`], [`GitDiffer::diff_crates_rows`])
//! are exposed too, so `--count code` can classify each file of a delta; [`sum_rows`] of them
//! is exactly the figure above.
//!
//! Our differences from cargo-vet are deliberate and cannot change a number under git's default
//! configuration: git runs with a clean environment (empty `HOME`, `GIT_CONFIG_NOSYSTEM=1`,
//! `GIT_CONFIG_GLOBAL` pointing to an empty file, no repository around the working directory),
//! so a user's `diff.renames`, `diff.algorithm`, attributes or external diff drivers cannot
//! move the figure. A cargo-vet user with such settings gets other numbers; we price the
//! default. The trees are laid out as cargo-vet lays them out (siblings `src/<name>-<version>`
//! and `empty` under one root) so git sees the same relative paths.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::unpack::{unique_sibling, unpack_crate};
use super::{ArchiveLimits, PriceError, DIFF_SKIP_PATHS};

/// The numbers cargo-vet stores per diff (`DiffStat` in its `format.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DiffStat {
    pub insertions: u64,
    pub deletions: u64,
    pub files_changed: u64,
}

impl DiffStat {
    /// The audit cost in lines: insertions + deletions.
    pub fn count(&self) -> u64 {
        self.insertions + self.deletions
    }
}

/// One side of a diff: a crate version and its verified `.crate` bytes.
pub struct CrateArchive<'a> {
    pub version: &'a str,
    pub bytes: &'a [u8],
}

/// Runs git diffs in a private scratch directory with a clean git environment.
#[derive(Debug)]
pub struct GitDiffer {
    git: PathBuf,
    path_env: Option<OsString>,
    scratch: PathBuf,
    home: PathBuf,
    empty: PathBuf,
    limits: ArchiveLimits,
}

impl GitDiffer {
    /// Prepares `scratch` (created if missing; our cache dir's `diff-work` is a good place) and
    /// checks that `git` runs. The git found on `PATH` is used.
    pub fn new(scratch: &Path) -> Result<Self, PriceError> {
        let home = scratch.join("git-home");
        let empty = scratch.join("empty");
        for dir in [scratch, &home, &empty] {
            fs::create_dir_all(dir).map_err(|e| PriceError::io(dir, e))?;
        }
        // Absolute paths: GIT_CEILING_DIRECTORIES requires them, and git echoes the paths we
        // pass, which `parse_numstat_z` strips again.
        let scratch = fs::canonicalize(scratch).map_err(|e| PriceError::io(scratch, e))?;
        let home = scratch.join("git-home");
        let empty = scratch.join("empty");
        let gitconfig = home.join("gitconfig-empty");
        fs::write(&gitconfig, b"").map_err(|e| PriceError::io(&gitconfig, e))?;
        let differ = GitDiffer {
            git: PathBuf::from("git"),
            path_env: std::env::var_os("PATH"),
            scratch,
            home,
            empty,
            limits: ArchiveLimits::default(),
        };
        let out = differ
            .command()
            .arg("--version")
            .output()
            .map_err(|e| PriceError::Git {
                message: format!("cannot run `git --version`: {e}"),
            })?;
        if !out.status.success() {
            return Err(PriceError::Git {
                message: format!("`git --version` exited with {}", out.status),
            });
        }
        Ok(differ)
    }

    /// `git` with nothing from the user's environment that could change diff output.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.git);
        cmd.env_clear();
        if let Some(path) = &self.path_env {
            cmd.env("PATH", path);
        }
        #[cfg(windows)]
        for var in ["SYSTEMROOT", "SystemRoot", "TEMP", "TMP"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("xdg"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join("gitconfig-empty"))
            .env("GIT_CEILING_DIRECTORIES", &self.scratch)
            .env("LC_ALL", "C")
            .current_dir(&self.home);
        cmd
    }

    /// cargo-vet's diffstat between two directories.
    pub fn diff_dirs(&self, old: &Path, new: &Path) -> Result<DiffStat, PriceError> {
        Ok(sum_rows(&self.diff_dirs_rows(old, new)?))
    }

    /// The per-file rows behind [`GitDiffer::diff_dirs`] (their sum is its figure).
    pub fn diff_dirs_rows(&self, old: &Path, new: &Path) -> Result<Vec<NumstatRow>, PriceError> {
        let out = self
            .command()
            .args([
                "diff",
                "--ignore-cr-at-eol",
                "--no-index",
                "--numstat",
                "-z",
            ])
            .arg(old)
            .arg(new)
            .output()
            .map_err(|e| PriceError::Git {
                message: format!("cannot run `git diff --no-index`: {e}"),
            })?;
        match out.status.code() {
            Some(0) | Some(1) => parse_numstat_rows_z(&out.stdout, old, new),
            _ => Err(PriceError::Git {
                message: format!(
                    "`git diff --no-index {} {}` exited with {}: {}",
                    old.display(),
                    new.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            }),
        }
    }

    /// cargo-vet's diffstat of `name` from `old` (`None` = full audit) to `new`. The archives
    /// must already be checked against the index checksum.
    pub fn diff_crates(
        &self,
        name: &str,
        old: Option<CrateArchive<'_>>,
        new: CrateArchive<'_>,
    ) -> Result<DiffStat, PriceError> {
        Ok(sum_rows(&self.diff_crates_rows(name, old, new)?))
    }

    /// The per-file rows behind [`GitDiffer::diff_crates`] (their sum is its figure).
    pub fn diff_crates_rows(
        &self,
        name: &str,
        old: Option<CrateArchive<'_>>,
        new: CrateArchive<'_>,
    ) -> Result<Vec<NumstatRow>, PriceError> {
        let work = unique_sibling(&self.scratch, name);
        let src = work.join("src");
        let _cleanup = RemoveOnDrop(work.clone());
        let old_dir = match &old {
            Some(a) => unpack_crate(a.bytes, name, a.version, &src, self.limits)?,
            None => self.empty.clone(),
        };
        let new_dir = if old.as_ref().is_some_and(|a| a.version == new.version) {
            // Same version on both sides: a second copy under another parent.
            unpack_crate(
                new.bytes,
                name,
                new.version,
                &work.join("src2"),
                self.limits,
            )?
        } else {
            unpack_crate(new.bytes, name, new.version, &src, self.limits)?
        };
        self.diff_dirs_rows(&old_dir, &new_dir)
    }
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One file of a diff, as cargo-vet reads it from `git diff --numstat -z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumstatRow {
    /// Crate-relative, `/`-separated: the path in the new tree, or in the old tree when the
    /// file was deleted (`deleted`).
    pub path: String,
    /// The new side is `/dev/null`: `path` names a file of the old version only.
    pub deleted: bool,
    pub insertions: u64,
    pub deletions: u64,
    /// `-\t-`: git saw a binary file (counts 0 lines, still a changed file).
    pub binary: bool,
}

impl NumstatRow {
    /// This file's share of the audit cost.
    pub fn count(&self) -> u64 {
        self.insertions + self.deletions
    }
}

/// cargo-vet's figure from its rows: every row is a changed file, lines are summed.
pub fn sum_rows(rows: &[NumstatRow]) -> DiffStat {
    let mut stat = DiffStat::default();
    for row in rows {
        stat.files_changed += 1;
        stat.insertions += row.insertions;
        stat.deletions += row.deletions;
    }
    stat
}

/// Sums `git diff --numstat -z` output as cargo-vet does (pure). `old_root` and `new_root` are
/// the directories passed to git, used to make paths crate-relative for the skip list.
pub fn parse_numstat_z(
    stdout: &[u8],
    old_root: &Path,
    new_root: &Path,
) -> Result<DiffStat, PriceError> {
    Ok(sum_rows(&parse_numstat_rows_z(stdout, old_root, new_root)?))
}

/// The rows of `git diff --numstat -z` output that cargo-vet counts (skip-list paths left
/// out), in git's order (pure).
pub fn parse_numstat_rows_z(
    stdout: &[u8],
    old_root: &Path,
    new_root: &Path,
) -> Result<Vec<NumstatRow>, PriceError> {
    let bad = |message: String| PriceError::GitOutput { message };
    let text = std::str::from_utf8(stdout)
        .map_err(|_| bad("not valid UTF-8 (a file name in the crate is not UTF-8)".into()))?;
    let mut rows = Vec::new();
    let mut chunks = text.split('\0');
    while let (Some(changes), Some(from), Some(to)) = (chunks.next(), chunks.next(), chunks.next())
    {
        let deleted = to == "/dev/null";
        let rel = if !deleted {
            Path::new(to).strip_prefix(new_root)
        } else {
            if from == "/dev/null" {
                return Err(bad("a diff from /dev/null to /dev/null".into()));
            }
            Path::new(from).strip_prefix(old_root)
        }
        .map_err(|_| bad(format!("path outside the diffed trees: `{from}` -> `{to}`")))?;
        if DIFF_SKIP_PATHS.iter().any(|p| Path::new(p) == rel) {
            continue;
        }
        let path = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let (insertions, deletions, binary) = match changes.trim().split_once('\t') {
            Some(("-", "-")) => (0, 0, true),
            Some((ins, del)) => {
                let num = |s: &str| {
                    s.parse::<u64>()
                        .map_err(|_| bad(format!("bad count `{s}` for `{to}`")))
                };
                (num(ins)?, num(del)?, false)
            }
            None => return Err(bad(format!("bad numstat field `{changes}`"))),
        };
        rows.push(NumstatRow {
            path,
            deleted,
            insertions,
            deletions,
            binary,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cargo_vet_style_triples_and_skips_root_files_only() {
        let out = b"3\t1\t\0/r/a/x-1/src/lib.rs\0/r/b/x-2/src/lib.rs\0\
-\t-\t\0/dev/null\0/r/b/x-2/logo.png\0\
7\t0\t\0/dev/null\0/r/b/x-2/Cargo.lock\0\
0\t5\t\0/r/a/x-1/.cargo_vcs_info.json\0/dev/null\0\
2\t0\t\0/dev/null\0/r/b/x-2/sub/Cargo.lock\0\
0\t4\t\0/r/a/x-1/old.rs\0/dev/null\0";
        let stat = parse_numstat_z(out, Path::new("/r/a/x-1"), Path::new("/r/b/x-2")).unwrap();
        // Hand sum: lib.rs 3+1, logo.png binary 0, sub/Cargo.lock 2, old.rs 4; two skipped.
        assert_eq!(
            stat,
            DiffStat {
                insertions: 5,
                deletions: 5,
                files_changed: 4
            }
        );
    }

    #[test]
    fn rows_carry_crate_relative_paths_and_the_deleted_side() {
        let out = b"3\t1\t\0/r/a/x-1/src/lib.rs\0/r/b/x-2/src/lib.rs\0\
-\t-\t\0/dev/null\0/r/b/x-2/logo.png\0\
7\t0\t\0/dev/null\0/r/b/x-2/Cargo.lock\0\
0\t4\t\0/r/a/x-1/old.rs\0/dev/null\0";
        let rows = parse_numstat_rows_z(out, Path::new("/r/a/x-1"), Path::new("/r/b/x-2")).unwrap();
        let seen: Vec<(&str, bool, u64, bool)> = rows
            .iter()
            .map(|r| (r.path.as_str(), r.deleted, r.count(), r.binary))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("src/lib.rs", false, 4, false),
                ("logo.png", false, 0, true),
                ("old.rs", true, 4, false),
            ]
        );
    }

    #[test]
    fn rejects_garbage() {
        let r = Path::new("/r");
        assert!(parse_numstat_z(b"x\t1\t\0/dev/null\0/r/a\0", r, r).is_err());
        assert!(parse_numstat_z(b"1\t1\t\0/dev/null\0/elsewhere/a\0", r, r).is_err());
        assert!(parse_numstat_z(b"1\t1\t\0/dev/null\0/dev/null\0", r, r).is_err());
        assert_eq!(parse_numstat_z(b"", r, r).unwrap(), DiffStat::default());
    }
}
