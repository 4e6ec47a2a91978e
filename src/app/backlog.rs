//! A priced lock as the report shows it: its audits (with code counts under `--count code`),
//! the joint plan under `--plan joint`, and the store's violation conflicts.

use std::collections::BTreeMap;

use crate::cli::PlanMode;
use crate::report::{AuditCode, Backlog, BaseBacklog, JointPlan, SuggestedAudit, Violation};
use crate::shell::Shell;
use crate::vet::audit_graph::{ConflictWith, ViolationConflict};
use crate::vet::format::{AuditKind, AUDITS_TOML, CONFIG_TOML};
use crate::vet::suggest::SuggestOutcome;

use super::inputs::Session;
use super::pricing::{self, AuditKey, CodeFigure};

/// `--plan joint`: the joint audit plan of a priced lock (None without the flag).
pub(super) fn joint_of(
    s: &Session,
    plan: PlanMode,
    outcome: &SuggestOutcome,
    checksums: &pricing::Checksums,
    shell: &Shell,
) -> anyhow::Result<Option<JointPlan>> {
    if plan != PlanMode::Joint {
        return Ok(None);
    }
    let pricer = pricing::Pricer {
        source: s.source.as_ref(),
        checksums,
        cache_dir: &s.cache_dir,
        shell,
    };
    let Some(audits) = pricer.joint_plan(outcome)? else {
        return Ok(None);
    };
    let total_lines = audits.iter().map(|a| a.lines).sum();
    let plan = backlog_of(
        &SuggestOutcome::Suggestions {
            audits,
            total_lines,
        },
        None,
    );
    Ok(Some(JointPlan {
        backlog_lines: plan.backlog_lines,
        saved_lines: outcome.total_lines().saturating_sub(plan.backlog_lines),
        audits: plan.audits,
    }))
}

pub(super) fn backlog_of(
    outcome: &SuggestOutcome,
    code: Option<&BTreeMap<AuditKey, CodeFigure>>,
) -> Backlog {
    let audits: Vec<SuggestedAudit> = match outcome {
        SuggestOutcome::Suggestions { audits, .. } => audits
            .iter()
            .map(|a| {
                let from = a.from.as_ref().map(|f| f.to_string());
                let version = a.to.to_string();
                let key: AuditKey = (
                    a.krate.clone(),
                    a.from.as_ref().map(|f| f.semver.clone()),
                    a.to.semver.clone(),
                );
                let code = code.map(|counts| match counts.get(&key) {
                    Some(Ok(split)) => AuditCode {
                        code_lines: Some(split.code()),
                        code_bin_lines: Some(split.bin),
                        code_error: None,
                    },
                    Some(Err(e)) => AuditCode {
                        code_lines: None,
                        code_bin_lines: None,
                        code_error: Some(e.clone()),
                    },
                    None => AuditCode {
                        code_lines: None,
                        code_bin_lines: None,
                        code_error: Some("internal: this audit was not classified".to_string()),
                    },
                });
                SuggestedAudit {
                    command: SuggestedAudit::vet_command(&a.krate, from.as_deref(), &version),
                    krate: a.krate.clone(),
                    version,
                    from,
                    lines: a.lines,
                    criteria: a.criteria.clone(),
                    code,
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    Backlog {
        backlog_lines: outcome.total_lines(),
        code: Backlog::code_total(&audits, code.is_some()),
        audits,
        joint: None,
    }
}

pub(super) fn violations_of(outcome: &SuggestOutcome) -> Vec<Violation> {
    match outcome {
        SuggestOutcome::ViolationConflict(conflicts) => {
            conflicts.iter().map(describe_violation).collect()
        }
        _ => Vec::new(),
    }
}

/// One conflict as the user reads it: `version` is the violation's range, `detail` a sentence
/// naming the violation, the audit or exemption it forbids, and where each comes from.
fn describe_violation(c: &ViolationConflict) -> Violation {
    let range = match &c.violation.kind {
        AuditKind::Violation { violation } => violation.to_string(),
        // audit_graph only reports violation entries here; say what we got rather than panic.
        other => audit_what(&c.krate, other),
    };
    let conflict = match &c.conflict {
        ConflictWith::Exemption(e) => format!(
            "the exemption of {} {} ({}) {}",
            c.krate,
            e.version,
            e.criteria.join(", "),
            located(&None, CONFIG_TOML, e.line)
        ),
        ConflictWith::Audit { source, audit } => format!(
            "the {} ({}) {}",
            audit_what(&c.krate, &audit.kind),
            audit.criteria.join(", "),
            located(source, AUDITS_TOML, audit.line)
        ),
    };
    Violation {
        krate: c.krate.clone(),
        version: range.clone(),
        detail: format!(
            "violation `{range}` ({}) {} forbids {conflict}",
            c.violation.criteria.join(", "),
            located(&c.violation_source, AUDITS_TOML, c.violation.line)
        ),
    }
}

/// `full audit of x 1.0.0` / `delta audit of x 1.0.0 -> 1.1.0`.
fn audit_what(krate: &str, kind: &AuditKind) -> String {
    match kind {
        AuditKind::Full { version } => format!("full audit of {krate} {version}"),
        AuditKind::Delta { from, to } => format!("delta audit of {krate} {from} -> {to}"),
        AuditKind::Violation { violation } => format!("violation `{violation}` of {krate}"),
    }
}

/// `in audits.toml:12` for a local entry, `from import `name`` for an imported one (its line
/// would point into imports.lock or the peer's file, so it is left out).
fn located(import: &Option<String>, local_file: &str, line: Option<usize>) -> String {
    match (import, line) {
        (Some(name), _) => format!("from import `{name}`"),
        (None, Some(l)) => format!("in {local_file}:{l}"),
        (None, None) => format!("in {local_file}"),
    }
}

/// `--base`: the base lock priced like the current one (scoped the same way), and the versions
/// the current and the optimal lock hold that it lacks.
pub(super) fn base_backlog(
    s: &Session,
    scope: &super::config::BuildScope,
    found: Option<&super::optimise::OptimumResult>,
    shell: &Shell,
) -> anyhow::Result<Option<BaseBacklog>> {
    let Some(base) = &s.base else {
        return Ok(None);
    };
    let graph = match super::scope::scope_resolved(s, scope, &base.resolved)? {
        Some(scoped) => scoped.graph,
        None => base.graph.clone(),
    };
    let priced = super::optimise::price_lock(s, &graph, shell)?;
    let changed_current = s
        .graph
        .crates_io_versions()
        .difference(&base.versions)
        .count();
    let changed_optimal = found.map(|f| {
        f.solution
            .chosen
            .iter()
            .flat_map(|(n, vs)| vs.iter().map(move |v| (n.clone(), v.clone())))
            .filter(|k| !base.versions.contains(k))
            .count()
    });
    Ok(Some(BaseBacklog {
        source: base.source.clone(),
        backlog: backlog_of(&priced.outcome, None),
        changed_current,
        changed_optimal,
    }))
}

/// The session's audit universe, with the publisher facts the search looked up for crates only
/// its candidates hold.
pub(super) fn universe_with(
    s: &Session,
    candidate_facts: Option<&crate::report::PublisherFacts>,
) -> crate::report::CostUniverse {
    crate::report::CostUniverse {
        publisher_facts: super::publishers::merged(
            s.universe.publisher_facts.as_ref(),
            candidate_facts,
        ),
        ..s.universe.clone()
    }
}

/// A report in the format asked for.
pub(super) fn render(report: &crate::report::Report, format: crate::cli::OutputFormat) -> String {
    use crate::cli::OutputFormat;
    match format {
        OutputFormat::Human => crate::report::render_human(report),
        OutputFormat::Json => crate::report::render_json(report),
        OutputFormat::Markdown => crate::report::render_markdown(report),
    }
}
