//! IO edge: write the optimal Cargo.lock, only after Cargo itself accepted it.
//!
//! Steps:
//! 1. read and parse the current Cargo.lock, build the new one (`lockwrite::new_lock`, pure);
//!    the same resolve as now means "already optimal": nothing is touched (idempotence);
//! 2. copy the workspace (every file except `target/` at the root and `.git/` directories:
//!    cargo needs each member's manifest and its target files, `.cargo/config.toml` and
//!    whatever local registry it names) to a temp dir, put the new lock there, and run
//!    `cargo metadata --locked --format-version 1` and `cargo update --workspace --locked`
//!    (`--offline` when asked) with the user's `CARGO_HOME`, so Cargo's index cache is used;
//!    any refusal aborts with Cargo's message and the real lock untouched;
//! 3. replace the real Cargo.lock atomically (`lockwrite::atomic`), then print cargo-style
//!    status lines and what cargo-vet needs next.
//!
//! Known limit: `.cargo/config.toml` files in directories *above* the workspace root do not
//! apply to the copy (those in the workspace and in `CARGO_HOME` do).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::index::IndexCrate;
use crate::lockfile::{self, Lockfile};
use crate::lockwrite::{self, atomic, Plan};
use crate::model::{Model, Roots};
use crate::report::Change;
use crate::shell::Shell;
use crate::workspace::Workspace;

/// Everything the writer needs from the optimiser run.
pub struct WriteRequest<'a> {
    pub workspace: &'a Workspace,
    pub model: &'a Model,
    pub values: &'a [bool],
    pub roots: &'a Roots,
    pub index: &'a BTreeMap<String, IndexCrate>,
    pub changes: &'a [Change],
    pub offline: bool,
    /// Whether the solver proved the answer optimal (else it is the best found in time).
    pub proven: bool,
}

/// Builds, validates and writes the new lock. Errors leave Cargo.lock byte-identical.
pub fn write(req: &WriteRequest<'_>, shell: &Shell) -> anyhow::Result<()> {
    let path = &req.workspace.lockfile_path;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let current = lockfile::parse(&text, path)?;
    let new = lockwrite::new_lock(&Plan {
        current: &current,
        model: req.model,
        values: req.values,
        roots: req.roots,
        index: req.index,
    })
    .context("cannot build the new Cargo.lock; nothing was written")?;
    if lockwrite::same_resolve(&current, &new) {
        let why = if req.proven {
            "is already optimal"
        } else {
            "is the best lock found (optimality not proven; raise --time-limit)"
        };
        shell.status(
            "Finished",
            format!("{} {why}; nothing to write", path.display()),
        );
        return Ok(());
    }
    let rendered = lockfile::render(&new);
    shell.status("Checking", "the new Cargo.lock with cargo (--locked)");
    validate(&req.workspace.root, &rendered, req.offline)?;
    atomic::replace(path, rendered.as_bytes())?;
    report_written(path, &new, &current, req.changes, shell);
    Ok(())
}

/// Cargo's verdict on `lock_text` for the workspace at `root`, in a temp copy.
fn validate(root: &Path, lock_text: &str, offline: bool) -> anyhow::Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix("minaudit-check-")
        .tempdir()
        .context("cannot create a temp dir to check the new lock\nhint: set TMPDIR to a writable directory")?;
    let copy = tmp.path().join("ws");
    copy_workspace(root, &copy).with_context(|| {
        format!(
            "cannot copy the workspace {} to check the new lock; nothing was written",
            root.display()
        )
    })?;
    std::fs::write(copy.join("Cargo.lock"), lock_text)
        .context("cannot write the new lock into the temp copy; nothing was written")?;
    let mut metadata = vec!["metadata", "--locked", "--format-version", "1"];
    let mut update = vec!["update", "--workspace", "--locked"];
    if offline {
        metadata.push("--offline");
        update.push("--offline");
    }
    for args in [metadata, update] {
        run_cargo(&copy, &args)?;
    }
    let after = std::fs::read_to_string(copy.join("Cargo.lock")).unwrap_or_default();
    anyhow::ensure!(
        after == lock_text,
        "cargo accepted the new lock but rewrote it; nothing was written\nhint: this is a bug in cargo-minaudit's lock rendering, please report it"
    );
    Ok(())
}

fn run_cargo(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into());
    let shown = format!("cargo {}", args.join(" "));
    let out = Command::new(&cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .with_context(|| {
            format!(
                "cannot run `{shown}` ({})\nhint: make sure cargo is on PATH (or set CARGO)",
                cargo.display()
            )
        })?;
    if !out.status.success() {
        anyhow::bail!(
            "cargo rejected the new lock (`{shown}` exited with {}); Cargo.lock was not changed:\n{}\nhint: this is a bug in cargo-minaudit's model, please report it with the output above",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

/// Copies `from` to `to`: every file and directory, except `target/` at the root and `.git/`
/// anywhere; symlinks are recreated as symlinks.
fn copy_workspace(from: &Path, to: &Path) -> std::io::Result<()> {
    fn walk(from: &Path, to: &Path, top: bool) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            let name = e.file_name();
            if name == ".git" || (top && name == "target") {
                continue;
            }
            let (src, dst) = (e.path(), to.join(&name));
            let ty = e.file_type()?;
            if ty.is_symlink() {
                let target = std::fs::read_link(&src)?;
                #[cfg(unix)]
                std::os::unix::fs::symlink(&target, &dst)?;
                #[cfg(not(unix))]
                std::fs::copy(&src, &dst).map(|_| ())?;
            } else if ty.is_dir() {
                walk(&src, &dst, false)?;
            } else {
                std::fs::copy(&src, &dst)?;
            }
        }
        Ok(())
    }
    walk(from, to, true)
}

/// Cargo-style status lines for what changed, and cargo-vet's follow-ups.
fn report_written(
    path: &Path,
    new: &Lockfile,
    current: &Lockfile,
    changes: &[Change],
    shell: &Shell,
) {
    for c in changes {
        let (verb, msg) = match (c.from.as_str(), c.to.as_str()) {
            ("-", to) => ("Adding", format!("{} v{to}", c.krate)),
            (from, "-") => ("Removing", format!("{} v{from}", c.krate)),
            (from, to) => {
                let up = match (semver::Version::parse(from), semver::Version::parse(to)) {
                    (Ok(a), Ok(b)) => a < b,
                    _ => true,
                };
                (
                    if up { "Updating" } else { "Downgrading" },
                    format!("{} v{from} -> v{to}", c.krate),
                )
            }
        };
        shell.status(verb, msg);
    }
    let (before, after) = (
        lockwrite::registry_versions(current),
        lockwrite::registry_versions(new),
    );
    let count =
        |m: &BTreeMap<String, Vec<semver::Version>>| m.values().map(Vec::len).sum::<usize>();
    shell.status(
        "Wrote",
        format!(
            "{} ({} registry packages, was {}; {} changes)",
            path.display(),
            count(&after),
            count(&before),
            changes.len()
        ),
    );
    // what cargo-vet needs after a lock change (cargo-vet 0.10 commands)
    for step in [
        "`cargo vet regenerate imports` records in supply-chain/imports.lock the imported audits the new versions use (plain `cargo vet` does it too)",
        "`cargo vet certify` each audit in the plan above, or `cargo vet regenerate exemptions` to exempt what is not audited yet",
        "`cargo vet prune` drops exemptions and imports the new lock no longer needs",
    ] {
        shell.status("Next", step);
    }
}
