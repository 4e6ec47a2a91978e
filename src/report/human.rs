//! Human report: aligned tables in the style of `cargo vet suggest`.

use std::fmt::Write;

use super::{group_digits, Backlog, Report};

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
    for v in &report.violations {
        let _ = writeln!(out, "violation: {} {}: {}", v.krate, v.version, v.detail);
    }
    out.push('\n');
    write_backlog(&mut out, "current lock", &report.current);
    if let Some(optimal) = &report.optimal {
        out.push('\n');
        write_backlog(&mut out, "optimal lock", optimal);
    }
    if !report.changes.is_empty() {
        let _ = writeln!(out, "\nchanges:");
        for c in &report.changes {
            let _ = writeln!(out, "    {} {} -> {}", c.krate, c.from, c.to);
        }
    }
    out
}

fn write_backlog(out: &mut String, title: &str, backlog: &Backlog) {
    if backlog.audits.is_empty() {
        let _ = writeln!(out, "{title}: fully audited");
        return;
    }
    let _ = writeln!(out, "{title}: {} audits needed", backlog.audits.len());
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
}
