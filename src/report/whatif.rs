//! `what-if` comparison: one row per scenario against the baseline (the optimum with no
//! change), as data (the JSON shape) and as human and markdown tables. Pure.
//!
//! JSON keys: `schema_version`, `cost_universe`, `current_backlog_lines` (the current lock, as
//! `report` prices it), `baseline` and `scenarios[]`, each row {`name`, `status` ("optimal" |
//! "feasible" | "error"), `backlog_lines` (null unless solved), `delta_lines`
//! (vs the baseline; null unless solved), `audits[]` (the scenario optimum's audits),
//! `changes[]` ({crate, from, to} vs the current lock; `-` for added/removed), `eliminated[]`
//! (baseline audits the scenario no longer needs), `added[]` (audits it needs that the
//! baseline does not), `error` (the reason, for error rows)}.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;

use super::{group_digits, Change, CostUniverse, SuggestedAudit, SCHEMA_VERSION};

#[derive(Debug, Clone, Serialize)]
pub struct WhatIfReport {
    pub schema_version: u32,
    pub cost_universe: CostUniverse,
    pub current_backlog_lines: u64,
    /// `"lines, audits, changes"`: every criterion minimised, in order, as for the baseline
    /// (one weighted stage held them all, the usual case, or `--full-solve`); `"lines"`:
    /// scenario backlogs are proven optimal, their audits and changes are those of one such
    /// lock (the criteria needed stages of their own and `--full-solve` was not given).
    pub scenarios_solved_for: String,
    pub baseline: ScenarioRow,
    pub scenarios: Vec<ScenarioRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScenarioRow {
    pub name: String,
    pub status: String,
    pub backlog_lines: Option<u64>,
    pub delta_lines: Option<i64>,
    pub audits: Vec<SuggestedAudit>,
    pub changes: Vec<Change>,
    pub eliminated: Vec<SuggestedAudit>,
    pub added: Vec<SuggestedAudit>,
    pub error: Option<String>,
}

/// How one scenario's search ended.
pub enum RowOutcome {
    Solved {
        /// `optimal` or `feasible` (time limit).
        status: String,
        backlog_lines: u64,
        audits: Vec<SuggestedAudit>,
        changes: Vec<Change>,
    },
    /// The search failed (no valid lock, unknown crate, unreadable import, ...).
    Error(String),
}

fn key(a: &SuggestedAudit) -> (String, Option<String>, String) {
    (a.krate.clone(), a.from.clone(), a.version.clone())
}

impl ScenarioRow {
    /// The baseline row: the optimum with no change (delta 0, nothing eliminated).
    pub fn baseline(
        status: String,
        backlog_lines: u64,
        audits: Vec<SuggestedAudit>,
        changes: Vec<Change>,
    ) -> ScenarioRow {
        ScenarioRow {
            name: "baseline".into(),
            status,
            backlog_lines: Some(backlog_lines),
            delta_lines: Some(0),
            audits,
            changes,
            eliminated: vec![],
            added: vec![],
            error: None,
        }
    }

    /// A scenario's row, compared with `baseline`.
    pub fn compare(name: &str, baseline: &ScenarioRow, outcome: RowOutcome) -> ScenarioRow {
        let empty = |status: &str, error: String| ScenarioRow {
            name: name.to_owned(),
            status: status.into(),
            backlog_lines: None,
            delta_lines: None,
            audits: vec![],
            changes: vec![],
            eliminated: vec![],
            added: vec![],
            error: Some(error),
        };
        match outcome {
            RowOutcome::Error(e) => empty("error", e),
            RowOutcome::Solved {
                status,
                backlog_lines,
                audits,
                changes,
            } => {
                let mine: BTreeSet<_> = audits.iter().map(key).collect();
                let theirs: BTreeSet<_> = baseline.audits.iter().map(key).collect();
                let eliminated = baseline
                    .audits
                    .iter()
                    .filter(|a| !mine.contains(&key(a)))
                    .cloned()
                    .collect();
                let added = audits
                    .iter()
                    .filter(|a| !theirs.contains(&key(a)))
                    .cloned()
                    .collect();
                let delta = baseline
                    .backlog_lines
                    .map(|b| backlog_lines as i64 - b as i64);
                ScenarioRow {
                    name: name.to_owned(),
                    status,
                    backlog_lines: Some(backlog_lines),
                    delta_lines: delta,
                    audits,
                    changes,
                    eliminated,
                    added,
                    error: None,
                }
            }
        }
    }
}

impl WhatIfReport {
    pub fn new(
        cost_universe: CostUniverse,
        current_backlog_lines: u64,
        full_solve: bool,
        baseline: ScenarioRow,
        scenarios: Vec<ScenarioRow>,
    ) -> WhatIfReport {
        WhatIfReport {
            schema_version: SCHEMA_VERSION,
            cost_universe,
            current_backlog_lines,
            scenarios_solved_for: if full_solve {
                "lines, audits, changes"
            } else {
                "lines"
            }
            .into(),
            baseline,
            scenarios,
        }
    }

    fn rows(&self) -> impl Iterator<Item = &ScenarioRow> {
        std::iter::once(&self.baseline).chain(&self.scenarios)
    }
}

/// `+1,234`, `-56`, `0`.
pub fn signed(n: i64) -> String {
    match n {
        0 => "0".into(),
        n if n > 0 => format!("+{}", group_digits(n as u64)),
        n => format!("-{}", group_digits(n.unsigned_abs())),
    }
}

fn audit_label(a: &SuggestedAudit) -> String {
    match &a.from {
        Some(from) => format!(
            "{} {from} -> {} ({})",
            a.krate,
            a.version,
            group_digits(a.lines)
        ),
        None => format!("{} {} ({})", a.krate, a.version, group_digits(a.lines)),
    }
}

fn change_label(c: &Change) -> String {
    match (c.from.as_str(), c.to.as_str()) {
        ("-", to) => format!("+{} {to}", c.krate),
        (from, "-") => format!("-{} {from}", c.krate),
        (from, to) => format!("{} {from} -> {to}", c.krate),
    }
}

/// Backlog, delta, audits, changes and eliminated cells of one row (error rows: the status).
fn cells(row: &ScenarioRow) -> [String; 5] {
    match row.backlog_lines {
        Some(b) => [
            group_digits(b)
                + if row.status == "feasible" {
                    " (not proven)"
                } else {
                    ""
                },
            row.delta_lines.map(signed).unwrap_or_default(),
            row.audits.len().to_string(),
            row.changes.len().to_string(),
            row.eliminated.len().to_string(),
        ],
        None => [
            row.status.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}

/// `PREFIXlabel: a, b, c`, nothing when there are no items.
fn list(out: &mut String, prefix: &str, label: &str, items: Vec<String>) {
    if !items.is_empty() {
        let _ = writeln!(out, "{prefix}{label}: {}", items.join(", "));
    }
}

fn universe_line(u: &CostUniverse) -> String {
    let names: Vec<&str> = u.sources.iter().map(|s| s.name.as_str()).collect();
    format!(
        "audit universe: {} ({})",
        u.kind,
        if names.is_empty() {
            "no imports".to_string()
        } else {
            names.join(", ")
        }
    )
}

pub fn render_human(report: &WhatIfReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", universe_line(&report.cost_universe));
    let _ = writeln!(
        out,
        "current lock: {} lines; baseline = the optimal lock with no change\n",
        group_digits(report.current_backlog_lines)
    );
    let header = [
        "scenario",
        "backlog",
        "vs baseline",
        "audits",
        "changes",
        "eliminated",
    ];
    let rows: Vec<[String; 6]> = report
        .rows()
        .map(|r| {
            let [a, b, c, d, e] = cells(r);
            [r.name.clone(), a, b, c, d, e]
        })
        .collect();
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: [&str; 6]| {
        let mut s = format!("{:<w$}", cols[0], w = width[0]);
        for (i, c) in cols.iter().enumerate().skip(1) {
            let _ = write!(s, "  {:>w$}", c, w = width[i]);
        }
        s.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(header));
    for r in &rows {
        let _ = writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]));
    }
    if report.scenarios_solved_for == "lines" {
        let _ = writeln!(out, "\n{LINES_ONLY_NOTE}");
    }
    for row in report.rows() {
        let _ = writeln!(out, "\n{}:", row.name);
        if let Some(e) = &row.error {
            let _ = writeln!(out, "    {}: {}", row.status, e.replace('\n', "\n    "));
            continue;
        }
        if row.name != "baseline" && row.changes == report.baseline.changes {
            if !row.changes.is_empty() {
                let _ = writeln!(out, "    changes: the baseline's");
            }
        } else {
            list(
                &mut out,
                "    ",
                "changes",
                row.changes.iter().map(change_label).collect(),
            );
        }
        list(
            &mut out,
            "    ",
            "new audits",
            row.added.iter().map(audit_label).collect(),
        );
        list(
            &mut out,
            "    ",
            "eliminated",
            row.eliminated.iter().map(audit_label).collect(),
        );
        if row.changes.is_empty() && row.added.is_empty() && row.eliminated.is_empty() {
            let _ = writeln!(out, "    no change");
        }
    }
    out
}

/// Why a scenario's audits and changes may differ from what `report` would pick.
const LINES_ONLY_NOTE: &str = "scenario backlogs are proven optimal; their audits and changes are those of one lock with that backlog (--full-solve also minimises audits, then changes)";

pub fn render_markdown(report: &WhatIfReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## cargo minaudit what-if\n");
    let _ = writeln!(
        out,
        "Current lock: {} lines of audit. Baseline: the optimal lock with no change. {}.\n",
        group_digits(report.current_backlog_lines),
        universe_line(&report.cost_universe)
    );
    let _ = writeln!(
        out,
        "| scenario | backlog (lines) | vs baseline | audits | changes | eliminated audits |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for row in report.rows() {
        let [a, b, c, d, e] = cells(row);
        let name = row.name.replace('|', "\\|");
        let _ = writeln!(out, "| {name} | {a} | {b} | {c} | {d} | {e} |");
    }
    if report.scenarios_solved_for == "lines" {
        let _ = writeln!(out, "\nNote: {LINES_ONLY_NOTE}.");
    }
    for row in report.rows() {
        let _ = writeln!(out, "\n<details><summary>{}</summary>\n", row.name);
        if let Some(e) = &row.error {
            let _ = writeln!(out, "**{}**: {}", row.status, e.replace('\n', " "));
        } else {
            if row.name != "baseline" && row.changes == report.baseline.changes {
                if !row.changes.is_empty() {
                    let _ = writeln!(out, "- changes vs the current lock: the baseline's");
                }
            } else {
                list(
                    &mut out,
                    "- ",
                    "changes vs the current lock",
                    row.changes
                        .iter()
                        .map(|c| format!("`{}`", change_label(c)))
                        .collect(),
                );
            }
            list(
                &mut out,
                "- ",
                "new audits",
                row.added
                    .iter()
                    .map(|a| format!("`{}`", audit_label(a)))
                    .collect(),
            );
            list(
                &mut out,
                "- ",
                "eliminated audits",
                row.eliminated
                    .iter()
                    .map(|a| format!("`{}`", audit_label(a)))
                    .collect(),
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

pub fn render_json(report: &WhatIfReport) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("what-if types always serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit(krate: &str, from: Option<&str>, version: &str, lines: u64) -> SuggestedAudit {
        SuggestedAudit {
            krate: krate.into(),
            version: version.into(),
            from: from.map(Into::into),
            lines,
            criteria: vec!["safe-to-deploy".into()],
            command: SuggestedAudit::vet_command(krate, from, version),
            code: None,
        }
    }

    #[test]
    fn rows_compare_with_the_baseline_and_errors_are_never_zero() {
        let base = ScenarioRow::baseline(
            "optimal".into(),
            30,
            vec![audit("a", None, "1.0.0", 10), audit("b", None, "1.0.0", 20)],
            vec![],
        );
        let row = ScenarioRow::compare(
            "s",
            &base,
            RowOutcome::Solved {
                status: "optimal".into(),
                backlog_lines: 25,
                audits: vec![audit("a", None, "1.0.0", 10), audit("c", None, "2.0.0", 15)],
                changes: vec![],
            },
        );
        assert_eq!(row.delta_lines, Some(-5));
        assert_eq!(row.eliminated, [audit("b", None, "1.0.0", 20)]);
        assert_eq!(row.added, [audit("c", None, "2.0.0", 15)]);
        let err = ScenarioRow::compare("e", &base, RowOutcome::Error("no lock".into()));
        assert_eq!((err.backlog_lines, err.delta_lines), (None, None));
        let report = WhatIfReport::new(
            CostUniverse {
                publisher_facts: None,
                kind: "imports.lock".into(),
                sources: vec![],
            },
            40,
            false,
            base,
            vec![row, err],
        );
        let human = render_human(&report);
        assert!(human.contains("error: no lock"), "{human}");
        let json: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
        assert_eq!(
            json["scenarios"][1]["backlog_lines"],
            serde_json::Value::Null
        );
        assert_eq!(json["scenarios"][0]["delta_lines"], -5);
    }
}
