//! The writer on real workspaces (`../shared/realworld/projects/*`, crates.io index over the
//! network), without pricing: prices are synthetic so the answer is known in kind.
//! - "keep" prices (0 for every locked version, 1 for any other): the optimum is the current
//!   lock, and the writer must reproduce Cargo's own Cargo.lock byte for byte;
//! - "move" prices (1 for every locked version, 0 for any other): the solver moves as many
//!   packages as it can; the written lock must pass `cargo update --workspace --locked` and
//!   `cargo metadata --locked` in a copy of the project.
//!
//! `MINAUDIT_REALWORLD_PROJECTS=a,b` picks projects (default: the three smallest).

use crate::support::outside;

use std::process::Command;
use std::time::Instant;

use minaudit::index::sparse::SparseIndex;
use minaudit::index::{load_snapshot_with, Root, WalkOptions};
use minaudit::lockfile;
use minaudit::lockwrite::{self, Plan};
use minaudit::model::{self, CandidateOptions, Locked};
use minaudit::optimise::roots::roots_from_workspace;
use minaudit::solve::{self, Outcome, SolveOptions};
use minaudit::workspace::{CargoMetadataSource, WorkspaceSource};

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dst = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).expect("copy");
        }
    }
}

fn cargo_ok(dir: &std::path::Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
#[ignore = "needs network: crates.io sparse index and crate downloads for cargo metadata"]
fn writer_on_realworld_projects() {
    let shared = outside::shared_dir();
    let projects = std::env::var("MINAUDIT_REALWORLD_PROJECTS").unwrap_or_else(|_| {
        "incrementalmerkletree,loot-condition-interpreter,libloadorder".to_string()
    });
    let cache = tempfile::tempdir().expect("cache");
    let index = SparseIndex::crates_io(&cache.path().join("index")).expect("index");
    let mut failures = Vec::new();
    for project in projects.split(',') {
        let t0 = Instant::now();
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws_dir = tmp.path().join(project);
        copy_tree(&shared.join("realworld/projects").join(project), &ws_dir);
        let lock_path = ws_dir.join("Cargo.lock");
        let original = std::fs::read_to_string(&lock_path).expect("lock");
        let src = CargoMetadataSource {
            manifest_path: Some(ws_dir.join("Cargo.toml")),
            offline: false,
        };
        let ws = src.workspace().expect("workspace");
        let graph = src.resolved_graph().expect("graph");
        let roots = roots_from_workspace(&ws, &graph);
        let walk: Vec<Root> = roots
            .packages
            .iter()
            .flat_map(|r| &r.deps)
            .filter(|d| d.registry.is_none())
            .map(|d| Root::matching(d.crate_name(), d.req.clone()))
            .collect();
        let snapshot =
            load_snapshot_with(&index, &walk, WalkOptions::default(), |_, _| {}).expect("snap");
        let current = lockfile::parse(&original, &lock_path).expect("parse");
        let locked: Locked = current
            .packages
            .iter()
            .filter(|p| lockwrite::is_crates_io(p.id.source.as_deref()))
            .map(|p| (p.id.name.clone(), p.id.version.clone()))
            .collect();
        let msrv = ws
            .members
            .iter()
            .filter_map(|m| m.rust_version.clone())
            .min();
        let cands = model::generate(
            &snapshot.crates,
            &roots,
            &locked,
            &CandidateOptions {
                max_rust_version: msrv,
            },
        );
        let outside = locked
            .iter()
            .filter(|(n, v)| {
                !cands
                    .by_crate
                    .get(n)
                    .is_some_and(|c| c.iter().any(|c| c.version() == v))
            })
            .count() as u64;
        let opts = SolveOptions {
            time_limit: Some(60.0),
            ..SolveOptions::default()
        };
        let mut line = format!("{project}: {} candidates", cands.len());
        for (mode, keep) in [("keep", true), ("move", false)] {
            let m = model::build(&cands, &roots, &|n, v| {
                let is_locked = locked.contains(&(n.to_string(), v.clone()));
                Some(u64::from(is_locked != keep))
            })
            .expect("model");
            let sol = match solve::solve(&m, outside, &opts) {
                Ok(Outcome::Solved(s)) => s,
                // the solver's limits are not the writer's: report, do not fail
                other => {
                    line.push_str(&format!("; {mode}: no lock to write (solver: {other:?})"));
                    continue;
                }
            };
            let new = match lockwrite::new_lock(&Plan {
                current: &current,
                model: &m,
                values: &sol.values,
                roots: &roots,
                index: &snapshot.crates,
            }) {
                Ok(l) => l,
                Err(e) => {
                    failures.push(format!("{project} {mode}: {e}"));
                    continue;
                }
            };
            let text = lockfile::render(&new);
            let before = lockwrite::registry_versions(&current);
            let after = lockwrite::registry_versions(&new);
            let moved = before
                .iter()
                .filter(|(n, vs)| after.get(*n) != Some(*vs))
                .count();
            line.push_str(&format!(
                "; {mode}: {:?} current_valid={} crates_moved={moved}",
                sol.status, sol.current_lock_valid
            ));
            if keep {
                if sol.current_lock_valid && text != original {
                    failures.push(format!("{project} keep: not byte-identical"));
                }
                line.push_str(&format!(" byte_identical={}", text == original));
                continue;
            }
            std::fs::write(&lock_path, &text).expect("write");
            let verdict =
                cargo_ok(&ws_dir, &["update", "--workspace", "--locked"]).and_then(|_| {
                    cargo_ok(&ws_dir, &["metadata", "--locked", "--format-version", "1"])
                });
            line.push_str(&format!(" cargo_accepts={}", verdict.is_ok()));
            if let Err(e) = verdict {
                failures.push(format!("{project} move: cargo rejected:\n{e}"));
            }
            std::fs::write(&lock_path, &original).expect("restore");
        }
        eprintln!("{line}; {:.1}s", t0.elapsed().as_secs_f64());
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
