//! `cargo minaudit report`: the backlog of the current lock, priced as `cargo vet suggest`
//! prices it, in the chosen audit universe, and the optimum `cargo minaudit --dry-run` finds
//! (the same search, `optimise::find_optimum`; skipped with `--no-optimum`). Writes nothing.
//!
//! CI gates (exit 1, message on stderr, data on stdout unchanged): `--fail-above LINES`,
//! `--fail-if-improvable LINES` (the optimum saves more than LINES, or the store's violation
//! conflicts leave no optimum to compare with), `--fail-on-violation`.
//!
//! `--target T` (repeatable) narrows what needs an audit to what compiles for T
//! (`target_filter::scope`); the lock is untouched. Without `--target` the graph is
//! cargo-vet's (every platform).
//!
//! `--count code` adds each audit's code count beside the vet count (see `pricing`).

use crate::cli::{CommonArgs, CountMode, ReportArgs};
use crate::report::{self, Report};
use crate::shell::Shell;
use crate::vet::suggest::SuggestOutcome;

use super::backlog::{backlog_of, joint_of, violations_of};
use super::config::SearchConfig;
use super::inputs::Session;
use super::scope::scope_session;
use super::{optimise, pricing, Outcome};

pub fn run(common: &CommonArgs, args: &ReportArgs, shell: &Shell) -> anyhow::Result<Outcome> {
    let cfg = SearchConfig::from_args(common)?;
    let s = Session::load(common, shell)?;
    let (graph, mut target_scope) = scope_session(&s, &cfg.scope, shell)?;

    let current = optimise::price_lock(&s, graph.as_ref().unwrap_or(&s.graph), shell)?;
    let violations = violations_of(&current.outcome);
    let found = match optimum_blocker(args, !violations.is_empty()) {
        None => Some(optimise::find_optimum(&s, &cfg, &current, shell, None)?),
        Some(reason) if !args.no_optimum => {
            shell.warn(format!("the optimum is not computed: {reason}"));
            None
        }
        Some(_) => None,
    };
    if let (Some(scope), Some(f)) = (target_scope.as_mut(), found.as_ref()) {
        scope.optimal_not_built = f.not_built.clone();
    }
    let code_of = |outcome: &SuggestOutcome, checksums: &pricing::Checksums| match common.count {
        CountMode::Vet => Ok(None),
        CountMode::Code => pricing::Pricer {
            source: s.source.as_ref(),
            checksums,
            cache_dir: &s.cache_dir,
            shell,
        }
        .code_counts(outcome)
        .map(Some),
    };
    let current_code = code_of(&current.outcome, &current.checksums)?;
    let mut current_backlog = backlog_of(&current.outcome, current_code.as_ref());
    current_backlog.joint = joint_of(&s, common.plan, &current.outcome, &current.checksums, shell)?;
    let optimal = match &found {
        Some(f) => {
            let code = code_of(&f.optimal, &f.checksums)?;
            let mut b = backlog_of(&f.optimal, code.as_ref());
            b.joint = joint_of(&s, common.plan, &f.optimal, &f.checksums, shell)?;
            Some(b)
        }
        None => None,
    };

    let base = super::backlog::base_backlog(&s, &cfg.scope, found.as_ref(), shell)?;
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        cost_universe: super::backlog::universe_with(
            &s,
            found.as_ref().and_then(|f| f.publisher_facts.as_ref()),
        ),
        current: current_backlog,
        optimal,
        changes: found
            .as_ref()
            .map(|f| f.changes.clone())
            .unwrap_or_default(),
        solver: found.map(|f| f.solver),
        violations,
        target_scope,
        stale_lock: super::lock_state::stale_report(&s.lock, &s.graph),
        base,
    };
    print!("{}", super::backlog::render(&report, common.format));
    let failed = gate_failures(&report, args);
    for message in &failed {
        shell.error(message);
    }
    Ok(if failed.is_empty() {
        Outcome::Ok
    } else {
        Outcome::GateFailed
    })
}

/// Why the optimum cannot (or should not) be searched for, if so.
fn optimum_blocker(args: &ReportArgs, violations: bool) -> Option<&'static str> {
    if args.no_optimum {
        Some("--no-optimum was given")
    } else if violations {
        Some("the audit store has violation conflicts (cargo-vet fails on them too)")
    } else {
        None
    }
}

/// The CI gates (`--fail-above`, `--fail-if-improvable`, `--fail-on-violation`): one message
/// per failed gate, for stderr; the data on stdout is the same either way. Pure.
pub fn gate_failures(report: &Report, args: &ReportArgs) -> Vec<String> {
    let mut failed = Vec::new();
    let current = report.current.backlog_lines;
    if let Some(limit) = args.fail_above {
        if current > limit {
            failed.push(format!(
                "audit backlog {} lines is above --fail-above {}",
                report::group_digits(current),
                report::group_digits(limit)
            ));
        }
    }
    match (args.fail_if_improvable, &report.optimal) {
        (Some(_), None) => failed.push(
            "--fail-if-improvable cannot be checked: the audit store has violation conflicts, so the optimum is not computed\nhint: run `cargo vet` for the details and resolve them".to_string(),
        ),
        (Some(limit), Some(optimal)) => {
        let saving = current.saturating_sub(optimal.backlog_lines);
        if saving > limit {
            failed.push(format!(
                "the optimal lock needs {} fewer lines of audit ({} instead of {}), more than --fail-if-improvable {}\nhint: run `cargo minaudit` to switch to it ({} version changes)",
                report::group_digits(saving),
                report::group_digits(optimal.backlog_lines),
                report::group_digits(current),
                report::group_digits(limit),
                report.changes.len()
            ));
        }
        }
        (None, _) => {}
    }
    if let Some(base) = &report.base {
        let (b, c) = (base.backlog.backlog_lines, report.current.backlog_lines);
        if let Some(limit) = args.fail_added_above {
            if c > b && c - b > limit {
                failed.push(format!(
                    "this change adds {} lines of audit backlog over {}, more than --fail-added-above {}",
                    report::group_digits(c - b),
                    base.source,
                    report::group_digits(limit)
                ));
            }
        }
        if args.fail_on_avoidable && report.optimal.is_none() {
            failed.push(
                "--fail-on-avoidable cannot be checked: the audit store has violation conflicts, so the optimum is not computed\nhint: run `cargo vet` for the details and resolve them".to_string(),
            );
        }
        if let (true, Some(optimal)) = (args.fail_on_avoidable, &report.optimal) {
            let needed = base.added_crates(optimal);
            let avoidable: Vec<String> = base
                .added_crates(&report.current)
                .into_iter()
                .filter(|k| !needed.contains(k))
                .collect();
            if !avoidable.is_empty() {
                failed.push(format!(
                    "this change needs audits of {} that {} does not, and the cheapest lock for these manifests needs none either (--fail-on-avoidable)\nhint: run `cargo minaudit` to take that lock",
                    avoidable.join(", "),
                    base.source
                ));
            }
        }
    }
    if args.fail_on_violation && !report.violations.is_empty() {
        let crates: Vec<&str> = report.violations.iter().map(|v| v.krate.as_str()).collect();
        failed.push(format!(
            "{} audit violation conflicts ({}), --fail-on-violation\nhint: run `cargo vet` for the details",
            report.violations.len(),
            crates.join(", ")
        ));
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Backlog, Violation};

    fn backlog(lines: u64) -> Backlog {
        Backlog {
            backlog_lines: lines,
            audits: vec![],
            code: None,
            joint: None,
        }
    }

    fn report_with(current: u64, optimal: Option<u64>, violations: usize) -> Report {
        Report {
            schema_version: report::SCHEMA_VERSION,
            cost_universe: report::CostUniverse {
                publisher_facts: None,
                kind: "imports.lock".into(),
                sources: vec![],
            },
            current: backlog(current),
            optimal: optimal.map(backlog),
            changes: vec![],
            solver: None,
            violations: (0..violations)
                .map(|i| Violation {
                    krate: format!("c{i}"),
                    version: String::new(),
                    detail: String::new(),
                })
                .collect(),
            target_scope: None,
            stale_lock: None,
            base: None,
        }
    }

    fn audit(krate: &str, lines: u64) -> crate::report::SuggestedAudit {
        crate::report::SuggestedAudit {
            command: format!("cargo vet inspect {krate} 1.0.0"),
            krate: krate.to_string(),
            version: "1.0.0".to_string(),
            from: None,
            lines,
            criteria: vec!["safe-to-deploy".to_string()],
            code: None,
        }
    }

    /// Hand-computed: base 100 (crate a), current 130 (a, b 30), optimal 110 (a, c 10): the
    /// change adds 30; b is avoidable (the optimum needs c, not b); without an optimum the
    /// avoidable gate cannot be checked and says so.
    #[test]
    fn base_gates_fail_exactly_past_their_limit() {
        let with = |audits: Vec<crate::report::SuggestedAudit>| Backlog {
            backlog_lines: audits.iter().map(|a| a.lines).sum(),
            audits,
            code: None,
            joint: None,
        };
        let mut r = report_with(0, None, 0);
        r.current = with(vec![audit("a", 100), audit("b", 30)]);
        r.optimal = Some(with(vec![audit("a", 100), audit("c", 10)]));
        r.base = Some(crate::report::BaseBacklog {
            source: "main".into(),
            backlog: with(vec![audit("a", 100)]),
            changed_current: 1,
            changed_optimal: Some(1),
        });
        let args = |added: Option<u64>, avoidable: bool| ReportArgs {
            no_optimum: false,
            fail_above: None,
            fail_if_improvable: None,
            fail_on_violation: false,
            fail_added_above: added,
            fail_on_avoidable: avoidable,
        };
        assert_eq!(gate_failures(&r, &args(Some(29), false)).len(), 1);
        assert!(gate_failures(&r, &args(Some(30), false)).is_empty());
        let failed = gate_failures(&r, &args(None, true));
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0].starts_with("this change needs audits of b that main"),
            "{failed:?}"
        );
        r.optimal = None;
        let failed = gate_failures(&r, &args(None, true));
        assert!(failed[0].contains("cannot be checked"), "{failed:?}");
    }

    /// Hand-computed: current 100, optimal 70 → saving 30.
    #[test]
    fn each_gate_fails_exactly_past_its_limit() {
        let args = |fail_above, fail_if_improvable, fail_on_violation| ReportArgs {
            no_optimum: false,
            fail_above,
            fail_if_improvable,
            fail_on_violation,
            fail_added_above: None,
            fail_on_avoidable: false,
        };
        let r = report_with(100, Some(70), 0);
        assert!(gate_failures(&r, &args(None, None, true)).is_empty());
        assert_eq!(gate_failures(&r, &args(Some(99), None, false)).len(), 1);
        assert!(gate_failures(&r, &args(Some(100), None, false)).is_empty());
        assert_eq!(gate_failures(&r, &args(None, Some(29), false)).len(), 1);
        assert!(gate_failures(&r, &args(None, Some(30), false)).is_empty());
        // Two failures, two messages.
        assert_eq!(gate_failures(&r, &args(Some(0), Some(0), true)).len(), 2);
        let bad = report_with(100, None, 2);
        let failed = gate_failures(&bad, &args(None, None, true));
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0].starts_with("2 audit violation conflicts (c0, c1)"),
            "{failed:?}"
        );
    }
}
