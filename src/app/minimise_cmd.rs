//! `cargo minaudit [--dry-run]`: the cheapest valid lock, proven optimal, printed as a plan
//! and (without `--dry-run`) written to Cargo.lock.

use crate::cli::CommonArgs;
use crate::report::{self, Report};
use crate::shell::Shell;
use crate::solve::Status;

use super::backlog::{backlog_of, joint_of};
use super::config::SearchConfig;
use super::inputs::Session;
use super::optimise::{find_optimum, price_lock};
use super::scope::scope_session;
use super::Outcome;

pub fn run(common: &CommonArgs, dry_run: bool, shell: &Shell) -> anyhow::Result<Outcome> {
    let cfg = SearchConfig::from_args(common)?;
    // held from before the lock is read until it is written: one writing run at a time
    let _write_lock = match dry_run {
        false => super::workspace_lock::lock_for_writing(common, shell)?,
        true => None,
    };
    let s = Session::load(common, shell)?;
    // `--target`: the current lock priced for what builds, like `report --target`
    let (graph, mut target_scope) = scope_session(&s, &cfg.scope, shell)?;
    let current = price_lock(&s, graph.as_ref().unwrap_or(&s.graph), shell)?;
    let found = find_optimum(&s, &cfg, &current, shell, None)?;
    let mut current_backlog = backlog_of(&current.outcome, None);
    current_backlog.joint = joint_of(&s, common.plan, &current.outcome, &current.checksums, shell)?;
    let mut optimal = backlog_of(&found.optimal, None);
    optimal.joint = joint_of(&s, common.plan, &found.optimal, &found.checksums, shell)?;
    if let Some(scope) = target_scope.as_mut() {
        scope.optimal_not_built = found.not_built.clone();
    }
    let base = super::backlog::base_backlog(&s, &cfg.scope, Some(&found), shell)?;
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        cost_universe: super::backlog::universe_with(&s, found.publisher_facts.as_ref()),
        current: current_backlog,
        optimal: Some(optimal),
        changes: found.changes.clone(),
        solver: Some(found.solver.clone()),
        violations: Vec::new(),
        target_scope,
        stale_lock: super::lock_state::stale_report(&s.lock, &s.graph),
        base,
    };
    print!("{}", super::backlog::render(&report, common.format));
    if !dry_run {
        let req = super::write_lock::WriteRequest {
            workspace: &s.workspace,
            current_text: &s.lock.text,
            model: &found.model,
            values: &found.solution.values,
            roots: &found.roots,
            index: &found.index,
            changes: &report.changes,
            offline: common.offline,
            proven: found.solver.status == Status::Optimal.as_str(),
        };
        super::write_lock::write(&req, shell)?;
    }
    Ok(Outcome::Ok)
}
