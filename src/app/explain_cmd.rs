//! `cargo minaudit explain CRATE`: why the optimum holds the version of CRATE it holds, and
//! what the cheapest lock with each other candidate version would cost (each one forced into
//! the model and solved to proven optimality for lines, with the same lazy exact pricing).
//! `explain NAME@VERSION` prints that version's row only; a version the registry never
//! published is an error before anything is priced.

use serde::Serialize;

use anyhow::Context;

use crate::cli::{CommonArgs, CrateSpec, OutputFormat};
use crate::report::group_digits;
use crate::shell::Shell;
use crate::solve::Status;

use super::config::SearchConfig;
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
    /// Publisher facts behind wildcard audits and trusted entries: the lock's and the
    /// candidates' (as in `report`'s `cost_universe`); absent when no crate has such an entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher_facts: Option<crate::report::PublisherFacts>,
    krate: String,
    optimal_backlog_lines: u64,
    versions: Vec<ExplainRow>,
    /// The versions the optimal lock holds (also when `versions` is one other version's row).
    #[serde(skip)]
    chosen: Vec<String>,
}

pub fn run(
    common: &CommonArgs,
    spec: &CrateSpec,
    jobs: usize,
    shell: &Shell,
) -> anyhow::Result<Outcome> {
    let name = spec.name.as_str();
    let cfg = SearchConfig::from_args(common)?;
    let s = Session::load(common, shell)?;
    if let Some(version) = &spec.version {
        check_published(&s, name, version)?;
    }
    let current = price_lock(&s, &s.graph, shell)?;
    let request = ExplainRequest { krate: name, jobs };
    let found = find_optimum(&s, &cfg, &current, shell, Some(request))?;
    let best = found.optimal.total_lines();
    let chosen: Vec<String> = found
        .alternatives
        .iter()
        .filter(|a| a.chosen)
        .map(|a| a.version.to_string())
        .collect();
    let versions: Vec<ExplainRow> = found
        .alternatives
        .iter()
        .filter(|a| spec.version.as_ref().is_none_or(|v| &a.version == v))
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
    let mut versions = versions;
    if let (Some(v), true) = (&spec.version, versions.is_empty()) {
        // published, but no requirement of the workspace admits it: not a candidate
        versions.push(ExplainRow {
            version: v.to_string(),
            chosen: false,
            backlog_lines: None,
            extra_lines: None,
            own_lines: None,
            used_for: None,
            solver: None,
            error: None,
        });
    }
    let ex = Explanation {
        schema_version: 1,
        publisher_facts: super::publishers::merged(
            s.universe.publisher_facts.as_ref(),
            found.publisher_facts.as_ref(),
        ),
        krate: name.to_string(),
        optimal_backlog_lines: best,
        versions,
        chosen,
    };
    let text = match common.format {
        OutputFormat::Json => serde_json::to_string_pretty(&ex)? + "\n",
        OutputFormat::Human => human(&ex),
        OutputFormat::Markdown => markdown(&ex),
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

/// Errors unless the registry index lists `version` of `name`.
fn check_published(s: &Session, name: &str, version: &semver::Version) -> anyhow::Result<()> {
    let found = s
        .index
        .load_crates(&[name.to_owned()])
        .with_context(|| format!("cannot read {name}'s versions from the registry index"))?;
    let Some(Some(krate)) = found.get(name) else {
        anyhow::bail!(
            "{name} is not in the registry ({})\nhint: check the crate name",
            s.index.describe()
        );
    };
    if krate.versions.iter().any(|v| &v.version == version) {
        return Ok(());
    }
    let mut published: Vec<&semver::Version> = krate.versions.iter().map(|v| &v.version).collect();
    published.sort();
    let newest: Vec<String> = published
        .iter()
        .rev()
        .take(5)
        .map(|v| v.to_string())
        .collect();
    anyhow::bail!(
        "{name} {version} is not a published version of {name}\nhint: published versions include {}",
        newest.join(", ")
    )
}

fn markdown(ex: &Explanation) -> String {
    let mut out = format!(
        "### `{}`: the cheapest lock holding each version\n\nOptimal backlog: **{}** lines.\n\n",
        ex.krate,
        group_digits(ex.optimal_backlog_lines)
    );
    out += "| version | backlog | vs optimum | this version |\n|---|---:|---:|---:|\n";
    for r in &ex.versions {
        let version = if r.chosen {
            format!("**{}** (optimal lock)", r.version)
        } else {
            r.version.clone()
        };
        match (r.backlog_lines, r.extra_lines) {
            (Some(b), Some(x)) => {
                out += &format!(
                    "| {version} | {} | {} | {} ({}) |\n",
                    group_digits(b),
                    if x == 0 {
                        "=".to_string()
                    } else {
                        format!("+{}", group_digits(x as u64))
                    },
                    group_digits(r.own_lines.unwrap_or(0)),
                    r.used_for.unwrap_or("deploy")
                );
            }
            _ if r.error.is_some() => {
                let why = r.error.as_deref().unwrap_or_default();
                let first = why.lines().next().unwrap_or_default();
                out += &format!("| {version} | error: {first} | | |\n");
            }
            _ => out += &format!("| {version} | no valid lock holds it | | |\n"),
        }
    }
    out
}

fn human(ex: &Explanation) -> String {
    let mut out = String::new();
    let chosen: Vec<&ExplainRow> = ex.versions.iter().filter(|r| r.chosen).collect();
    if chosen.is_empty() && !ex.chosen.is_empty() {
        out += &format!(
            "{} {}: the optimal lock holds it (backlog {} lines)\n",
            ex.krate,
            ex.chosen.join(", "),
            group_digits(ex.optimal_backlog_lines)
        );
    } else if chosen.is_empty() {
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
