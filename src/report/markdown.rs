//! Markdown report for a GitHub step summary or a PR comment: totals first (current, optimal,
//! saving), one line on the solver's proof, then folded `<details>`: the version changes, the
//! audit to-do list (task-list items with the `cargo vet` command of each audit) for the lock
//! to aim at (the optimal one when known), and the current lock's audits for comparison.

use std::fmt::Write;

use super::{group_digits, Backlog, Report};

/// A backlog's code total for the summary table (`unknown`, never 0, when not all audits
/// could be classified).
fn code_total_cell(backlog: &Backlog) -> String {
    match backlog.code.as_ref().and_then(|c| c.code_backlog_lines) {
        Some(n) => group_digits(n),
        None => "unknown".to_string(),
    }
}

/// `part` as a percentage of `whole`, one decimal (`None` when `whole` is 0).
fn percent(part: u64, whole: u64) -> Option<String> {
    (whole > 0).then(|| format!("{:.1} %", part as f64 * 100.0 / whole as f64))
}

pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## cargo minaudit\n");
    if let Some(stale) = &report.stale_lock {
        let _ = writeln!(out, "{}\n", super::stale_lock_line(stale));
    }
    if let Some(base) = &report.base {
        let mut sentence = super::base_sentence(report, base);
        if let Some(first) = sentence.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        let _ = writeln!(out, "**{sentence}.**\n");
        let sides = std::iter::once(("this change", &report.current))
            .chain(report.optimal.as_ref().map(|o| ("the cheapest lock", o)));
        for (name, backlog) in sides {
            let added = base.added_audits(backlog);
            let _ = writeln!(
                out,
                "<details><summary>Audits {name} adds over the base ({})</summary>\n",
                added.len()
            );
            for a in &added {
                let _ = writeln!(out, "- `{}`: {} lines", a.command, group_digits(a.lines));
            }
            if added.is_empty() {
                let _ = writeln!(out, "none");
            }
            let _ = writeln!(out, "\n</details>\n");
        }
    }
    let with_code = report.current.code.is_some();
    if with_code {
        let _ = writeln!(out, "| lock | backlog (lines) | code (lines) | audits |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
    } else {
        let _ = writeln!(out, "| lock | backlog (lines) | audits |");
        let _ = writeln!(out, "|---|---:|---:|");
    }
    let rows = std::iter::once(("current", &report.current))
        .chain(report.optimal.as_ref().map(|o| ("optimal", o)));
    for (name, backlog) in rows {
        if let Some(joint) = &backlog.joint {
            // the joint plan first: it is what the to-do list below follows
            let cells = if with_code { "| – " } else { "" };
            let _ = writeln!(
                out,
                "| {name}, joint plan | {} {cells}| {} |",
                group_digits(joint.backlog_lines),
                joint.audits.len()
            );
        }
        if with_code {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} |",
                group_digits(backlog.backlog_lines),
                code_total_cell(backlog),
                backlog.audits.len()
            );
        } else {
            let _ = writeln!(
                out,
                "| {name} | {} | {} |",
                group_digits(backlog.backlog_lines),
                backlog.audits.len()
            );
        }
    }
    if let Some(optimal) = &report.optimal {
        write_saving_row(&mut out, &report.current, optimal, with_code);
    }
    if with_code {
        let _ = writeln!(
            out,
            "\nCode: lines in files that compile into the lib or build script (bins, tests, examples, docs excluded)."
        );
    }
    match (&report.optimal, &report.solver) {
        (Some(_), Some(solver)) => {
            let proof = match solver.status.as_str() {
                "optimal" => "proven optimal".to_string(),
                "feasible" => format!(
                    "best found within the time limit, not proven optimal (gap {:.1} %)",
                    solver.gap * 100.0
                ),
                other => other.to_string(),
            };
            let _ = writeln!(
                out,
                "\nOptimal lock: {proof}; `cargo minaudit` switches to it ({} version changes).",
                report.changes.len()
            );
        }
        _ => {
            let _ = writeln!(out, "\nOptimal lock: not computed.");
        }
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
    if let Some(facts) = &report.cost_universe.publisher_facts {
        let _ = writeln!(out, "\n{}", super::publisher_facts_line(facts));
    }
    if !report.violations.is_empty() {
        let _ = writeln!(out, "\n### Violations\n");
        for v in &report.violations {
            let _ = writeln!(out, "- `{} {}`: {}", v.krate, v.version, v.detail);
        }
    }
    if let Some(scope) = &report.target_scope {
        if scope.targets.is_empty() {
            let _ = writeln!(out, "\nFiltered by the selected packages and features");
        } else {
            let _ = writeln!(
                out,
                "\nTargets: {} (host `{}`)",
                scope
                    .targets
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                scope.host
            );
        }
        let lists = [
            ("", Some(&scope.not_built)),
            (" in the optimal lock", scope.optimal_not_built.as_ref()),
        ];
        for (which, list) in lists {
            let Some(list) = list.filter(|l| !l.is_empty()) else {
                continue;
            };
            let _ = writeln!(
                out,
                "\n<details><summary>Not built for your targets{which} ({}, no audit needed)</summary>\n",
                list.len()
            );
            let _ = writeln!(out, "| crate | version | reason |\n|---|---|---|");
            for p in list {
                let _ = writeln!(out, "| {} | {} | {} |", p.krate, p.version, p.reason);
            }
            let _ = writeln!(out, "\n</details>");
        }
    }
    if !report.changes.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Changes to reach the optimum ({})</summary>\n",
            report.changes.len()
        );
        let _ = writeln!(out, "| crate | from | to |\n|---|---|---|");
        for c in &report.changes {
            let _ = writeln!(out, "| {} | {} | {} |", c.krate, c.from, c.to);
        }
        let _ = writeln!(out, "\n</details>");
    }
    match &report.optimal {
        Some(optimal) => {
            write_todo(&mut out, "Audit to-do for the optimal lock", optimal);
            write_audits(
                &mut out,
                "Audits needed by the current lock",
                &report.current,
            );
        }
        None => write_todo(
            &mut out,
            "Audit to-do for the current lock",
            &report.current,
        ),
    }
    out
}

/// The `saving` row: current minus optimal (lines, code, audits).
fn write_saving_row(out: &mut String, current: &Backlog, optimal: &Backlog, with_code: bool) {
    let saving = current.backlog_lines.saturating_sub(optimal.backlog_lines);
    let lines = match percent(saving, current.backlog_lines) {
        Some(p) => format!("{} ({p})", group_digits(saving)),
        None => group_digits(saving),
    };
    let audits = current.audits.len() as i64 - optimal.audits.len() as i64;
    if with_code {
        let code = |b: &Backlog| b.code.as_ref().and_then(|c| c.code_backlog_lines);
        let code_saving = match (code(current), code(optimal)) {
            (Some(c), Some(o)) => (c as i64 - o as i64).to_string(),
            _ => "unknown".to_string(),
        };
        let _ = writeln!(
            out,
            "| **saving** | **{lines}** | {code_saving} | {audits} |"
        );
    } else {
        let _ = writeln!(out, "| **saving** | **{lines}** | {audits} |");
    }
}

/// The audits of a lock as a task list of `cargo vet` commands, folded.
fn write_todo(out: &mut String, title: &str, backlog: &Backlog) {
    if backlog.audits.is_empty() {
        let _ = writeln!(out, "\n{title}: nothing, every package is vetted.");
        return;
    }
    // with `--plan joint`, the to-do list is the joint plan
    let (audits, lines, how) = match &backlog.joint {
        Some(j) => (&j.audits, j.backlog_lines, ", joint plan"),
        None => (&backlog.audits, backlog.backlog_lines, ""),
    };
    let noun = if audits.len() == 1 { "audit" } else { "audits" };
    let _ = writeln!(
        out,
        "\n<details><summary>{title} ({} {noun}, {} lines{how})</summary>\n",
        audits.len(),
        group_digits(lines)
    );
    for a in audits {
        let code = match &a.code {
            None => String::new(),
            Some(c) => match c.code_lines {
                Some(n) => format!(" (code {})", group_digits(n)),
                None => " (code unknown)".to_string(),
            },
        };
        let _ = writeln!(
            out,
            "- [ ] `{}`: {} lines{code}, {}",
            a.command,
            group_digits(a.lines),
            a.criteria.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nThen record each audit with `cargo vet certify CRATE VERSION` (or `FROM TO` for a delta)."
    );
    let _ = writeln!(out, "\n</details>");
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
    if backlog.code.is_some() {
        let _ = writeln!(
            out,
            "| command | criteria | lines | code |\n|---|---|---:|---:|"
        );
        for a in &backlog.audits {
            let code = match a.code.as_ref().and_then(|c| c.code_lines) {
                Some(n) => group_digits(n),
                None => "unknown".to_string(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {code} |",
                a.command,
                a.criteria.join(", "),
                group_digits(a.lines)
            );
        }
    } else {
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
    }
    let _ = writeln!(out, "\n</details>");
}
