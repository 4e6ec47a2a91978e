//! IO edge: write the optimal Cargo.lock, only after Cargo itself accepted it.
//!
//! Steps (the run holds the workspace's write lock throughout, `workspace_lock`):
//! 1. re-read Cargo.lock; it must still be the text the run was loaded from, else stop (another
//!    program changed it); build the new lock (`lockwrite::new_lock`, pure); the same resolve
//!    as now means "already optimal": nothing is touched (idempotence);
//! 2. Cargo checks the new lock in a private copy of the workspace (`check_copy`):
//!    `cargo metadata --locked --format-version 1` and `cargo update --workspace --locked`
//!    (`--offline` when asked) with the user's `CARGO_HOME`, so Cargo's index cache is used.
//!    A refusal aborts with the real lock untouched; Cargo then checks the current lock in
//!    the same copy, so the message says whether the new lock or the copy is at fault;
//! 3. replace the real Cargo.lock atomically (`lockwrite::atomic`: a symlinked lock keeps its
//!    link and its target is replaced), re-reading it just before the rename and aborting if
//!    it changed; then print cargo-style status lines and what cargo-vet needs next.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::index::IndexCrate;
use crate::lockfile::{self, Lockfile};
use crate::lockwrite::{self, atomic, Plan};

use super::check_copy::CheckCopy;
use crate::model::{Model, Roots};
use crate::report::Change;
use crate::shell::Shell;
use crate::workspace::Workspace;

/// Everything the writer needs from the optimiser run.
pub struct WriteRequest<'a> {
    pub workspace: &'a Workspace,
    /// The lock the run's graph is of: Cargo.lock, or Cargo's update of a stale or missing
    /// one (the new lock keeps its path and git packages and its format).
    pub current_text: &'a str,
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
    let on_disk = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if req.workspace.lock_text != on_disk {
        return Err(atomic::AtomicWriteError::Changed {
            target: path.clone(),
        }
        .into());
    }
    let current = lockfile::parse(req.current_text, path)?;
    let up_to_date = on_disk.as_deref() == Some(req.current_text);
    let new = lockwrite::new_lock(&Plan {
        current: &current,
        model: req.model,
        values: req.values,
        roots: req.roots,
        index: req.index,
    })
    .context("cannot build the new Cargo.lock; nothing was written")?;
    if up_to_date && lockwrite::same_resolve(&current, &new) {
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
    validate(
        &req.workspace.root,
        &rendered,
        req.current_text,
        req.offline,
    )?;
    atomic::write_if_unchanged(
        path,
        rendered.as_bytes(),
        on_disk.as_deref().map(str::as_bytes),
    )?;
    report_written(path, &new, &current, req.changes, shell);
    Ok(())
}

/// Cargo's verdict on `lock_text` for the workspace at `root`, in a private copy; when Cargo
/// refuses, the `current` lock is checked in the same copy to tell whose fault it is.
fn validate(root: &Path, lock_text: &str, current: &str, offline: bool) -> anyhow::Result<()> {
    let copy = CheckCopy::new(root, lock_text).with_context(|| {
        format!(
            "cannot copy the workspace {} to a temp dir to check the new lock; nothing was written\nhint: set TMPDIR to a writable directory with room for the workspace",
            root.display()
        )
    })?;
    let mut metadata = vec!["metadata", "--locked", "--format-version", "1"];
    let mut update = vec!["update", "--workspace", "--locked"];
    if offline {
        metadata.push("--offline");
        update.push("--offline");
    }
    for args in [&metadata, &update] {
        let Err(refusal) = run_cargo(&copy.workspace(), args)? else {
            continue;
        };
        copy.set_lock(current)
            .context("cannot write the current lock into the temp copy; nothing was written")?;
        let hint = match run_cargo(&copy.workspace(), args)? {
            Ok(()) => "Cargo accepts the current lock in the same copy, so this is a bug in cargo-minaudit's model; please report it with the output above",
            Err(_) => "Cargo refuses the current lock in that copy too: the copy lacks something the workspace needs (a `.cargo/config.toml` above the workspace root, or a file outside it); run cargo minaudit --dry-run and apply the changes with `cargo update --precise`",
        };
        anyhow::bail!(
            "cargo rejected the new lock in a temp copy of the workspace; Cargo.lock was not changed:\n{refusal}\nhint: {hint}"
        );
    }
    let after = copy.lock_text().unwrap_or_default();
    anyhow::ensure!(
        after == lock_text,
        "cargo accepted the new lock but rewrote it; nothing was written\nhint: this is a bug in cargo-minaudit's lock rendering, please report it"
    );
    Ok(())
}

/// Runs Cargo in `dir`: `Ok(Err(what it said))` when it refuses.
fn run_cargo(dir: &Path, args: &[&str]) -> anyhow::Result<Result<(), String>> {
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
    Ok(if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{shown}` exited with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ))
    })
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
