//! `cargo minaudit report`: the backlog of the current lock, priced as `cargo vet suggest`
//! prices it, in the chosen audit universe. Writes nothing.

use crate::cli::{CommonArgs, OutputFormat, ReportArgs};
use crate::report::{self, Backlog, Report, SuggestedAudit, Violation};
use crate::shell::Shell;
use crate::vet::metadata_graph::package_graph_from_resolved;
use crate::vet::store_fs::read_store_dir;
use crate::vet::suggest::SuggestOutcome;

use super::{imports, inputs, pricing, Outcome};

pub fn run(common: &CommonArgs, args: &ReportArgs, shell: &Shell) -> anyhow::Result<Outcome> {
    let cache_dir = inputs::cache_dir(common)?;
    let loaded = inputs::load_workspace(common, shell)?;
    let store_dir = loaded.workspace.vet_store_dir();
    let mut store = read_store_dir(&store_dir)?;
    let universe = imports::apply_universe(&mut store, common, &store_dir, &cache_dir, shell)?;
    let graph = package_graph_from_resolved(&loaded.graph)?;

    let registry = inputs::choose_registry(common, &loaded.workspace.root)?;
    let index = inputs::open_index(&registry, common, &cache_dir)?;
    let (published, checksums) = pricing::load_registry_facts(index.as_ref(), &graph, shell)?;
    let source = inputs::crate_source(&registry, common, &cache_dir);
    let pricer = pricing::Pricer {
        source: source.as_ref(),
        checksums: &checksums,
        cache_dir: &cache_dir,
        shell,
    };
    let outcome = pricer.price(&store, &graph, &published)?;

    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        cost_universe: universe,
        current: backlog_of(&outcome),
        optimal: None,
        changes: Vec::new(),
        solver: None,
        violations: violations_of(&outcome),
    };
    let text = match common.format {
        OutputFormat::Human => report::render_human(&report),
        OutputFormat::Json => report::render_json(&report),
        OutputFormat::Markdown => report::render_markdown(&report),
    };
    print!("{text}");
    if let Some(limit) = args.fail_above {
        if report.current.backlog_lines > limit {
            shell.error(format!(
                "audit backlog {} lines is above --fail-above {}",
                report::group_digits(report.current.backlog_lines),
                report::group_digits(limit)
            ));
            return Ok(Outcome::GateFailed);
        }
    }
    Ok(Outcome::Ok)
}

fn backlog_of(outcome: &SuggestOutcome) -> Backlog {
    let audits: Vec<SuggestedAudit> = match outcome {
        SuggestOutcome::Suggestions { audits, .. } => audits
            .iter()
            .map(|a| {
                let from = a.from.as_ref().map(|f| f.to_string());
                let version = a.to.to_string();
                SuggestedAudit {
                    command: SuggestedAudit::vet_command(&a.krate, from.as_deref(), &version),
                    krate: a.krate.clone(),
                    version,
                    from,
                    lines: a.lines,
                    criteria: a.criteria.clone(),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    Backlog {
        backlog_lines: outcome.total_lines(),
        audits,
    }
}

fn violations_of(outcome: &SuggestOutcome) -> Vec<Violation> {
    match outcome {
        SuggestOutcome::ViolationConflict(conflicts) => conflicts
            .iter()
            .map(|c| Violation {
                krate: c.krate.clone(),
                version: String::new(),
                detail: format!("{c:?}"),
            })
            .collect(),
        _ => Vec::new(),
    }
}
