//! `cargo minaudit explain CRATE`: why the optimum holds the version of CRATE it holds, and
//! what the cheapest lock with each other candidate version would cost (each one forced into
//! the model and solved to proven optimality for lines, with the same lazy exact pricing).

use serde::Serialize;

use crate::cli::{CommonArgs, OutputFormat};
use crate::report::group_digits;
use crate::shell::Shell;
use crate::solve::Status;

use super::inputs::Session;
use super::optimise::{find_optimum, price_lock, ExplainRequest};
use super::Outcome;

#[derive(Debug, Serialize)]
struct ExplainRow {
    version: String,
    chosen: bool,
    /// Backlog of the cheapest valid lock holding this version; null when none exists.
    backlog_lines: Option<u64>,
    /// `backlog_lines` minus the optimum's.
    extra_lines: Option<i64>,
    /// What this version itself adds to that backlog, and the criteria use it is priced for.
    own_lines: Option<u64>,
    used_for: Option<&'static str>,
    solver: Option<&'static str>,
    /// Why this row's lock could not be confirmed by pricing it as cargo-vet does.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Explanation {
    schema_version: u32,
    krate: String,
    optimal_backlog_lines: u64,
    versions: Vec<ExplainRow>,
}

pub fn run(common: &CommonArgs, spec: &str, jobs: usize, shell: &Shell) -> anyhow::Result<Outcome> {
    let name = spec.split('@').next().unwrap_or(spec);
    let s = Session::load(common, shell)?;
    let current = price_lock(&s, &s.graph, shell)?;
    let request = ExplainRequest { krate: name, jobs };
    let found = find_optimum(&s, common, &current, shell, Some(request))?;
    let best = found.optimal.total_lines();
    let versions: Vec<ExplainRow> = found
        .alternatives
        .iter()
        .map(|a| ExplainRow {
            version: a.version.to_string(),
            chosen: a.chosen,
            backlog_lines: a.backlog,
            extra_lines: a.backlog.map(|b| b as i64 - best as i64),
            own_lines: a.own_lines,
            used_for: a.used_for,
            solver: a.status.map(Status::as_str),
            error: a.error.clone(),
        })
        .collect();
    let ex = Explanation {
        schema_version: 1,
        krate: name.to_string(),
        optimal_backlog_lines: best,
        versions,
    };
    let text = match common.format {
        OutputFormat::Json => serde_json::to_string_pretty(&ex)? + "\n",
        _ => human(&ex),
    };
    print!("{text}");
    let failed: Vec<&str> = ex
        .versions
        .iter()
        .filter(|r| r.error.is_some())
        .map(|r| r.version.as_str())
        .collect();
    anyhow::ensure!(
        failed.is_empty(),
        "the locks for {} could not be confirmed by cargo-vet's rules (see their rows)",
        failed.join(", ")
    );
    Ok(Outcome::Ok)
}

fn human(ex: &Explanation) -> String {
    let mut out = String::new();
    let chosen: Vec<&ExplainRow> = ex.versions.iter().filter(|r| r.chosen).collect();
    if chosen.is_empty() {
        out += &format!(
            "{}: the optimal lock does not need it (backlog {} lines)\n",
            ex.krate,
            group_digits(ex.optimal_backlog_lines)
        );
    } else {
        for r in &chosen {
            out += &format!(
                "{} {}: in the optimal lock (backlog {} lines); it adds {} lines ({})\n",
                ex.krate,
                r.version,
                group_digits(ex.optimal_backlog_lines),
                group_digits(r.own_lines.unwrap_or(0)),
                r.used_for.unwrap_or("deploy")
            );
        }
    }
    out += "\ncheapest lock holding each version:\n";
    out += &format!(
        "    {:<24} {:>14} {:>12} {:>16}\n",
        "version", "backlog", "vs optimum", "this version"
    );
    for r in &ex.versions {
        match (r.backlog_lines, r.extra_lines) {
            (Some(b), Some(x)) => {
                let mark = if r.chosen { " *" } else { "" };
                out += &format!(
                    "    {:<24} {:>14} {:>12} {:>16}{mark}\n",
                    r.version,
                    group_digits(b),
                    if x == 0 {
                        "=".to_string()
                    } else {
                        format!("+{}", group_digits(x as u64))
                    },
                    format!(
                        "{} ({})",
                        group_digits(r.own_lines.unwrap_or(0)),
                        r.used_for.unwrap_or("deploy")
                    )
                );
            }
            _ if r.error.is_some() => {
                let why = r.error.as_deref().unwrap_or_default();
                let first = why.lines().next().unwrap_or_default();
                out += &format!("    {:<24} error: {first}\n", r.version);
            }
            _ => {
                out += &format!(
                    "    {:<24} {:>14}\n",
                    r.version, "no valid lock (the workspace's requirements exclude it)"
                );
            }
        }
    }
    out += "\n(* in the optimal lock; ties are broken by fewer audits, then fewer changes)\n";
    out
}
