//! Human report: aligned tables in the style of `cargo vet suggest`.

use std::fmt::Write;

use super::{group_digits, AuditCode, Backlog, JointPlan, Report, TargetScope};

pub fn render_human(report: &Report) -> String {
    let mut out = String::new();
    let universe: Vec<String> = report
        .cost_universe
        .sources
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let _ = writeln!(
        out,
        "audit universe: {} ({})",
        report.cost_universe.kind,
        if universe.is_empty() {
            "no imports".to_string()
        } else {
            universe.join(", ")
        }
    );
    if let Some(facts) = &report.cost_universe.publisher_facts {
        let _ = writeln!(out, "{}", super::publisher_facts_line(facts));
    }
    if let Some(stale) = &report.stale_lock {
        let _ = writeln!(out, "{}", super::stale_lock_line(stale));
    }
    for v in &report.violations {
        let _ = writeln!(out, "violation: {} {}: {}", v.krate, v.version, v.detail);
    }
    out.push('\n');
    write_backlog(&mut out, "current lock", &report.current);
    if let Some(optimal) = &report.optimal {
        out.push('\n');
        write_backlog(&mut out, "optimal lock", optimal);
        let saving = report
            .current
            .backlog_lines
            .saturating_sub(optimal.backlog_lines);
        let solver = report
            .solver
            .as_ref()
            .map(|s| {
                // the order is worth a word only when the user changed it
                match s.objective == crate::solve::Order::default().to_string() {
                    true => format!("{}, gap {}", s.status, s.gap),
                    false => format!("{}, gap {}, objective {}", s.status, s.gap, s.objective),
                }
            })
            .unwrap_or_else(|| "unknown".to_string());
        let _ = writeln!(
            out,
            "saving: {} lines (solver: {solver})",
            group_digits(saving)
        );
    }
    if !report.changes.is_empty() {
        let _ = writeln!(out, "\nchanges:");
        for c in &report.changes {
            let _ = writeln!(out, "    {} {} -> {}", c.krate, c.from, c.to);
        }
    }
    if let Some(scope) = &report.target_scope {
        write_scope(&mut out, scope);
    }
    if let Some(base) = &report.base {
        let _ = writeln!(out, "\n{}", super::base_sentence(report, base));
        let sides = std::iter::once(("current lock", &report.current))
            .chain(report.optimal.as_ref().map(|o| ("optimal lock", o)));
        for (name, backlog) in sides {
            let added = base.added_audits(backlog);
            if added.is_empty() {
                let _ = writeln!(out, "audits the {name} adds over the base: none");
                continue;
            }
            let _ = writeln!(out, "audits the {name} adds over the base:");
            for a in added {
                let _ = writeln!(out, "    {}  {} lines", a.command, group_digits(a.lines));
            }
        }
    }
    out
}

fn write_scope(out: &mut String, scope: &TargetScope) {
    if scope.targets.is_empty() {
        let _ = writeln!(out, "\nfiltered by the selected packages and features");
    } else {
        let _ = writeln!(
            out,
            "\ntargets: {} (host {})",
            scope.targets.join(", "),
            scope.host
        );
    }
    let what = if scope.targets.is_empty() {
        "not built for the selected packages and features"
    } else {
        "not built for your targets"
    };
    write_not_built(out, what, "", &scope.not_built);
    if let Some(optimal) = &scope.optimal_not_built {
        write_not_built(out, what, " in the optimal lock", optimal);
    }
}

fn write_not_built(out: &mut String, what: &str, which: &str, not_built: &[super::NotBuilt]) {
    if not_built.is_empty() {
        let _ = writeln!(out, "{what}{which}: none");
        return;
    }
    let _ = writeln!(
        out,
        "{what}{which} ({} packages, no audit needed):",
        not_built.len()
    );
    for p in not_built {
        let _ = writeln!(out, "    {} {}: {}", p.krate, p.version, p.reason);
    }
}

/// The code column's text: the count, or `unknown` (never a made-up 0).
fn code_cell(code: Option<&AuditCode>) -> String {
    match code.and_then(|c| c.code_lines) {
        Some(n) => group_digits(n),
        None => "unknown".to_string(),
    }
}

fn write_backlog(out: &mut String, title: &str, backlog: &Backlog) {
    write_audits(out, title, backlog);
    if let Some(joint) = &backlog.joint {
        write_joint(out, backlog, joint);
    }
}

/// The audits a joint plan does differently, and its total.
fn write_joint(out: &mut String, backlog: &Backlog, joint: &JointPlan) {
    let _ = writeln!(
        out,
        "joint audit plan: {} lines (saves {})",
        group_digits(joint.backlog_lines),
        group_digits(joint.saved_lines)
    );
    for (alone, planned) in backlog.audits.iter().zip(&joint.audits) {
        if alone != planned {
            let _ = writeln!(
                out,
                "    {}  {:>11}  instead of {} ({})",
                planned.command,
                group_digits(planned.lines),
                alone.command,
                group_digits(alone.lines)
            );
        }
    }
}

fn write_audits(out: &mut String, title: &str, backlog: &Backlog) {
    if backlog.audits.is_empty() {
        let _ = writeln!(out, "{title}: fully audited");
        return;
    }
    let n = backlog.audits.len();
    let noun = if n == 1 { "audit" } else { "audits" };
    let _ = writeln!(out, "{title}: {n} {noun} needed");
    let criteria_width = backlog
        .audits
        .iter()
        .map(|a| a.criteria.join(", ").len())
        .max()
        .unwrap_or(0)
        .max(8);
    let command_width = backlog
        .audits
        .iter()
        .map(|a| a.command.len())
        .max()
        .unwrap_or(0)
        .max(7);
    let Some(code) = &backlog.code else {
        let _ = writeln!(
            out,
            "    {:<criteria_width$}  {:<command_width$}  {:>11}",
            "criteria", "command", "lines"
        );
        for audit in &backlog.audits {
            let _ = writeln!(
                out,
                "    {:<criteria_width$}  {:<command_width$}  {:>11}",
                audit.criteria.join(", "),
                audit.command,
                group_digits(audit.lines)
            );
        }
        let _ = writeln!(
            out,
            "estimated audit backlog: {} lines",
            group_digits(backlog.backlog_lines)
        );
        return;
    };
    let _ = writeln!(
        out,
        "    {:<criteria_width$}  {:<command_width$}  {:>11}  {:>11}",
        "criteria", "command", "lines", "code"
    );
    for audit in &backlog.audits {
        let _ = writeln!(
            out,
            "    {:<criteria_width$}  {:<command_width$}  {:>11}  {:>11}",
            audit.criteria.join(", "),
            audit.command,
            group_digits(audit.lines),
            code_cell(audit.code.as_ref())
        );
    }
    let _ = writeln!(
        out,
        "estimated audit backlog: {} lines",
        group_digits(backlog.backlog_lines)
    );
    match code.code_backlog_lines {
        Some(n) => {
            let _ = writeln!(
                out,
                "of which code (lib + build script; bins, tests, examples, docs excluded): {} lines",
                group_digits(n)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "of which code: unknown ({} audits could not be classified)",
                code.code_unknown_audits
            );
            for audit in &backlog.audits {
                if let Some(err) = audit.code.as_ref().and_then(|c| c.code_error.as_ref()) {
                    let first = err.lines().next().unwrap_or_default();
                    let _ = writeln!(out, "    {}: {first}", audit.command);
                }
            }
        }
    }
}
