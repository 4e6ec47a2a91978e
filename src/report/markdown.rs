//! Markdown report for a GitHub step summary or a PR comment: totals first, details folded.

use std::fmt::Write;

use super::{group_digits, Backlog, Report};

pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## cargo minaudit\n");
    let _ = writeln!(out, "| lock | backlog (lines) | audits |");
    let _ = writeln!(out, "|---|---:|---:|");
    let _ = writeln!(
        out,
        "| current | {} | {} |",
        group_digits(report.current.backlog_lines),
        report.current.audits.len()
    );
    if let Some(optimal) = &report.optimal {
        let _ = writeln!(
            out,
            "| optimal | {} | {} |",
            group_digits(optimal.backlog_lines),
            optimal.audits.len()
        );
    }
    let names: Vec<&str> = report
        .cost_universe
        .sources
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nAudit universe: `{}` ({})",
        report.cost_universe.kind,
        if names.is_empty() {
            "no imports".to_string()
        } else {
            names.join(", ")
        }
    );
    if !report.violations.is_empty() {
        let _ = writeln!(out, "\n### Violations\n");
        for v in &report.violations {
            let _ = writeln!(out, "- `{} {}`: {}", v.krate, v.version, v.detail);
        }
    }
    if !report.changes.is_empty() {
        let _ = writeln!(out, "\n### Changes to reach the optimum\n");
        let _ = writeln!(out, "| crate | from | to |\n|---|---|---|");
        for c in &report.changes {
            let _ = writeln!(out, "| {} | {} | {} |", c.krate, c.from, c.to);
        }
    }
    write_audits(
        &mut out,
        "Audits needed by the current lock",
        &report.current,
    );
    if let Some(optimal) = &report.optimal {
        write_audits(&mut out, "Audits needed by the optimal lock", optimal);
    }
    out
}

fn write_audits(out: &mut String, title: &str, backlog: &Backlog) {
    if backlog.audits.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n<details><summary>{title} ({})</summary>\n",
        backlog.audits.len()
    );
    let _ = writeln!(out, "| command | criteria | lines |\n|---|---|---:|");
    for a in &backlog.audits {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            a.command,
            a.criteria.join(", "),
            group_digits(a.lines)
        );
    }
    let _ = writeln!(out, "\n</details>");
}
