//! `cargo minaudit report`: the backlog of the current lock, priced as `cargo vet suggest`
//! prices it, in the chosen audit universe, and the optimum `cargo minaudit --dry-run` finds
//! (the same search, `optimise::find_optimum`; skipped with `--no-optimum`). Writes nothing.
//!
//! CI gates (exit 1, message on stderr, data on stdout unchanged): `--fail-above LINES`,
//! `--fail-if-improvable LINES` (the optimum saves more than LINES, or the store's violation
//! conflicts leave no optimum to compare with), `--fail-on-violation`.
//!
//! `--target T` (repeatable) narrows what needs an audit to what compiles for T (and for the
//! host on behalf of build scripts and proc-macros): [`scope_to_targets`] runs the
//! target_filter walk, drops the packages no state reaches from the graph suggest sees, and
//! keeps on each remaining edge only the kinds (normal, build, dev) that apply in some context
//! its dependent is built in — so criteria flow only along built edges. The lock is untouched;
//! the dropped packages are listed with the edges that would have pulled them in. Without
//! `--target` the graph is cargo-vet's (every platform).
//!
//! `--count code` adds each audit's code count beside the vet count (see `pricing`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context;

use crate::cli::{CommonArgs, CountMode, OutputFormat, PlanMode, ReportArgs};
use crate::index::DepKind;
use crate::optimise::member_features::{filter_resolved, member_builds};
use crate::report::{
    self, AuditCode, Backlog, CutEdge, JointPlan, NotBuilt, Report, SuggestedAudit, TargetScope,
    Violation,
};
use crate::shell::Shell;
use crate::target_filter::{
    build_reach, parse_edge_target, BuildGraph, CfgSource, Platforms, TargetPlatform,
};
use crate::vet::audit_graph::{ConflictWith, ViolationConflict};
use crate::vet::format::{AuditKind, AUDITS_TOML, CONFIG_TOML};
use crate::vet::required::{EdgeKinds, GraphEdge, PackageGraph};
use crate::vet::suggest::SuggestOutcome;
use crate::workspace::ResolvedGraph;

use super::inputs::Session;
use super::pricing::{AuditKey, CodeFigure};
use super::{optimise, pricing, Outcome};

pub fn run(common: &CommonArgs, args: &ReportArgs, shell: &Shell) -> anyhow::Result<Outcome> {
    let s = Session::load(common, shell)?;
    let (graph, mut target_scope) = scope_session(&s, common, shell)?;

    let current = optimise::price_lock(&s, graph.as_ref().unwrap_or(&s.graph), shell)?;
    let violations = violations_of(&current.outcome);
    let found = match optimum_blocker(args, !violations.is_empty()) {
        None => Some(optimise::find_optimum(&s, common, &current, shell, None)?),
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
    current_backlog.joint = joint_of(&s, common, &current.outcome, &current.checksums, shell)?;
    let optimal = match &found {
        Some(f) => {
            let code = code_of(&f.optimal, &f.checksums)?;
            let mut b = backlog_of(&f.optimal, code.as_ref());
            b.joint = joint_of(&s, common, &f.optimal, &f.checksums, shell)?;
            Some(b)
        }
        None => None,
    };

    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        cost_universe: s.universe.clone(),
        current: current_backlog,
        optimal,
        changes: found
            .as_ref()
            .map(|f| f.changes.clone())
            .unwrap_or_default(),
        solver: found.map(|f| f.solver),
        violations,
        target_scope,
    };
    let text = match common.format {
        OutputFormat::Human => report::render_human(&report),
        OutputFormat::Json => report::render_json(&report),
        OutputFormat::Markdown => report::render_markdown(&report),
    };
    print!("{text}");
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

/// `--target` and `-p`/`--features`: the graph suggest prices (what builds) and what it leaves
/// out; `(None, None)` without those flags. The feature selection trims the resolve graph
/// first (`member_features::filter_resolved`), then the target walk runs on what is left.
pub(super) fn scope_session(
    s: &Session,
    common: &CommonArgs,
    shell: &Shell,
) -> anyhow::Result<(Option<PackageGraph>, Option<TargetScope>)> {
    let Some(scoped) = scope_resolved(s, common, &s.resolved)? else {
        return Ok((None, None));
    };
    for (target, message) in &scoped.unparsable {
        shell.warn(format!(
            "dependency target `{target}` cannot be evaluated ({message}); its edges count as built"
        ));
    }
    let mut what: Vec<String> = common.targets.clone();
    if super::optimise::feature_selection(common).filters() {
        what.push("the selected packages and features".to_string());
    }
    shell.status(
        "Filtered",
        format!(
            "{} of {} packages are not built for {}",
            scoped.scope.not_built.len(),
            s.graph.packages.len(),
            what.join(", ")
        ),
    );
    Ok((Some(scoped.graph), Some(scoped.scope)))
}

/// What `--target` and `-p`/`--features` leave of a resolve graph.
pub(super) struct ScopedLock {
    pub graph: PackageGraph,
    pub scope: TargetScope,
    /// Dependency targets that could not be evaluated (counted as built), with why.
    pub unparsable: BTreeMap<String, String>,
}

/// `--target` and `-p`/`--features` applied to `resolved` (the current lock's, or a lock the
/// optimiser chose); None without those flags. The feature selection trims the graph first
/// (`member_features::filter_resolved`), then the target walk runs on what is left.
pub(super) fn scope_resolved(
    s: &Session,
    common: &CommonArgs,
    resolved: &crate::workspace::ResolvedGraph,
) -> anyhow::Result<Option<ScopedLock>> {
    let selection = super::optimise::feature_selection(common);
    if common.targets.is_empty() && !selection.filters() {
        return Ok(None);
    }
    let mut not_built: Vec<NotBuilt> = Vec::new();
    let resolved = if selection.filters() {
        let builds = member_builds(&s.workspace.members, &selection)?;
        let (kept, dropped) = filter_resolved(resolved, &s.workspace.members, &builds);
        let by_id: HashMap<&str, &crate::workspace::GraphPackage> = resolved
            .packages
            .iter()
            .map(|p| (p.id.as_str(), p))
            .collect();
        for id in &dropped {
            let Some(p) = by_id.get(id.as_str()).filter(|p| p.source.is_some()) else {
                continue; // members and path packages need no audit anyway
            };
            not_built.push(NotBuilt {
                krate: p.name.clone(),
                version: p.version.to_string(),
                reason: "not built for the selected packages and features".to_string(),
                cut_edges: vec![],
            });
        }
        kept
    } else {
        resolved.clone()
    };
    let graph = crate::vet::metadata_graph::package_graph_from_resolved(&resolved)?;
    let mut unparsable = BTreeMap::new();
    let (graph, targets, host) = if common.targets.is_empty() {
        (graph, vec![], String::new())
    } else {
        let platforms = s.platforms(&common.targets)?;
        let scoped = scope_to_targets(&resolved, &graph, &platforms)?;
        unparsable = scoped.unparsable;
        not_built.extend(scoped.not_built);
        (
            scoped.graph,
            platforms.targets.iter().map(|t| t.name.clone()).collect(),
            platforms.host.name.clone(),
        )
    };
    not_built.sort_by(|a, b| (&a.krate, &a.version).cmp(&(&b.krate, &b.version)));
    let scope = TargetScope {
        targets,
        host,
        not_built,
        optimal_not_built: None,
    };
    Ok(Some(ScopedLock {
        graph,
        scope,
        unparsable,
    }))
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

/// The host and the `--target` platforms, from rustc.
pub(super) fn platforms_of(cfg: &dyn CfgSource, targets: &[String]) -> anyhow::Result<Platforms> {
    let host_name = cfg.host()?;
    let host = cfg
        .platform(&host_name)
        .with_context(|| format!("cannot read the cfg values of the host `{host_name}`"))?;
    let mut seen = BTreeSet::new();
    let mut platforms = Vec::new();
    for t in targets {
        if seen.insert(t.as_str()) {
            platforms.push(cfg.platform(t)?);
        }
    }
    Ok(Platforms {
        host,
        targets: platforms,
    })
}

/// The graph suggest should price for some targets, and what was left out.
#[derive(Debug, Clone)]
pub struct Scoped {
    pub graph: PackageGraph,
    pub not_built: Vec<NotBuilt>,
    /// Edge target strings that could not be parsed (their edges were kept) → error.
    pub unparsable: BTreeMap<String, String>,
}

pub(super) fn kind_name(kind: DepKind) -> &'static str {
    match kind {
        DepKind::Normal => "normal",
        DepKind::Build => "build",
        DepKind::Dev => "dev",
    }
}

/// Restricts `graph` (built by `package_graph_from_resolved(resolved)`, so its packages are
/// `resolved.nodes` in order and its edges are the nodes' deps in order) to what compiles for
/// `platforms` (pure; see the module header).
pub fn scope_to_targets(
    resolved: &ResolvedGraph,
    graph: &PackageGraph,
    platforms: &Platforms,
) -> anyhow::Result<Scoped> {
    anyhow::ensure!(
        graph.packages.len() == resolved.nodes.len(),
        "internal: the package graph does not match the resolve graph"
    );
    let proc_macros: BTreeSet<String> = resolved
        .packages
        .iter()
        .filter(|p| p.proc_macro)
        .map(|p| p.id.clone())
        .collect();
    let reach = build_reach(
        &BuildGraph::from_resolved(resolved, &proc_macros),
        platforms,
    );
    let host_only = [platforms.host.clone()];
    let targets: &[TargetPlatform] = if platforms.targets.is_empty() {
        &host_only
    } else {
        &platforms.targets
    };
    let members: BTreeSet<&str> = resolved
        .workspace_members
        .iter()
        .map(String::as_str)
        .collect();
    // Every platform `id` is compiled for (its contexts in the walk).
    let contexts_of = |id: &str| -> Vec<&TargetPlatform> {
        let mut out: Vec<&TargetPlatform> = reach
            .built_for_targets
            .get(id)
            .map(|names| targets.iter().filter(|t| names.contains(&t.name)).collect())
            .unwrap_or_default();
        if reach.built_for_host.contains(id) {
            out.push(&platforms.host);
        }
        out
    };
    // Whether one declared (kind, target) of an edge from `from` applies to a built context.
    let active = |from: &str, kind: DepKind, target: Option<&str>| -> bool {
        let matches = |p: &TargetPlatform| match target {
            None => true,
            Some(t) => parse_edge_target(t).map_or(true, |parsed| p.matches(&parsed)),
        };
        match kind {
            DepKind::Build => reach.built.contains(from) && matches(&platforms.host),
            DepKind::Normal => contexts_of(from).into_iter().any(matches),
            // Dev edges exist only in a member's own (root) contexts.
            DepKind::Dev => {
                members.contains(from)
                    && if proc_macros.contains(from) {
                        matches(&platforms.host)
                    } else {
                        targets.iter().any(matches)
                    }
            }
        }
    };

    let keep: Vec<bool> = resolved
        .nodes
        .iter()
        .map(|n| reach.built.contains(&n.id))
        .collect();
    let mut new_index = vec![usize::MAX; keep.len()];
    let mut packages = Vec::new();
    for (i, p) in graph.packages.iter().enumerate() {
        if keep[i] {
            new_index[i] = packages.len();
            packages.push(p.clone());
        }
    }
    let node_index: HashMap<&str, usize> = resolved
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let by_id: HashMap<&str, &crate::workspace::GraphPackage> = resolved
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p))
        .collect();
    let label = |id: &str| {
        by_id
            .get(id)
            .map(|p| format!("{} {}", p.name, p.version))
            .unwrap_or_else(|| id.to_string())
    };

    let mut edges = Vec::new();
    let mut old_edges = graph.edges.iter();
    let mut cut: BTreeMap<usize, Vec<CutEdge>> = BTreeMap::new();
    let mut unbuilt_dependents: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for (i, node) in resolved.nodes.iter().enumerate() {
        for dep in &node.deps {
            let old = old_edges
                .next()
                .filter(|e| e.from == i && Some(&e.to) == node_index.get(dep.pkg.as_str()))
                .context("internal: the package graph's edges do not match the resolve graph")?;
            let to = old.to;
            if !keep[i] {
                if !keep[to] {
                    unbuilt_dependents
                        .entry(to)
                        .or_default()
                        .insert(label(&node.id));
                }
                continue;
            }
            let declared: Vec<(DepKind, Option<&str>)> = if dep.dep_kinds.is_empty() {
                vec![(DepKind::Normal, None)]
            } else {
                dep.dep_kinds
                    .iter()
                    .map(|k| (k.kind, k.target.as_deref()))
                    .collect()
            };
            let mut kinds = EdgeKinds::default();
            for &(kind, target) in &declared {
                if active(&node.id, kind, target) {
                    match kind {
                        DepKind::Normal => kinds.normal = true,
                        DepKind::Build => kinds.build = true,
                        DepKind::Dev => kinds.dev = true,
                    }
                }
            }
            let any = kinds.normal || kinds.build || kinds.dev;
            if !keep[to] {
                anyhow::ensure!(
                    !any,
                    "internal: an active edge {} -> {} leads to a package the walk did not reach",
                    label(&node.id),
                    label(&dep.pkg)
                );
                cut.entry(to)
                    .or_default()
                    .extend(declared.iter().map(|&(kind, target)| CutEdge {
                        from: label(&node.id),
                        kind: kind_name(kind).to_string(),
                        target: target.map(str::to_string),
                    }));
                continue;
            }
            if any {
                edges.push(GraphEdge {
                    from: new_index[i],
                    to: new_index[to],
                    kinds,
                });
            }
        }
    }
    anyhow::ensure!(
        old_edges.next().is_none(),
        "internal: the package graph has more edges than the resolve graph"
    );

    let mut not_built: Vec<NotBuilt> = Vec::new();
    for (i, node) in resolved.nodes.iter().enumerate() {
        if keep[i] {
            continue;
        }
        let p = by_id
            .get(node.id.as_str())
            .with_context(|| format!("internal: package {} not in the metadata", node.id))?;
        not_built.push(NotBuilt::new(
            p.name.clone(),
            p.version.to_string(),
            cut.remove(&i).unwrap_or_default(),
            unbuilt_dependents.remove(&i).unwrap_or_default(),
            [],
        ));
    }
    not_built.sort_by(|a, b| (&a.krate, &a.version).cmp(&(&b.krate, &b.version)));
    Ok(Scoped {
        graph: PackageGraph { packages, edges },
        not_built,
        unparsable: reach.unparsable,
    })
}

/// `--plan joint`: the joint audit plan of a priced lock (None without the flag).
pub(super) fn joint_of(
    s: &Session,
    common: &CommonArgs,
    outcome: &SuggestOutcome,
    checksums: &pricing::Checksums,
    shell: &Shell,
) -> anyhow::Result<Option<JointPlan>> {
    if common.plan != PlanMode::Joint {
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

fn violations_of(outcome: &SuggestOutcome) -> Vec<Violation> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vet::metadata_graph::package_graph_from_resolved;
    use crate::workspace::{EdgeKind, GraphEdge as RGEdge, GraphNode, GraphPackage as RGPackage};

    fn pkg(name: &str, proc_macro: bool) -> RGPackage {
        RGPackage {
            id: name.to_string(),
            name: name.to_string(),
            version: semver::Version::new(1, 0, 0),
            source: Some("registry+https://github.com/rust-lang/crates.io-index".to_string()),
            dependencies: vec![],
            features: Default::default(),
            links: None,
            rust_version: None,
            proc_macro,
        }
    }

    /// A dependency: its id and its declared (kind, target) pairs.
    type Dep<'a> = (&'a str, &'a [(DepKind, Option<&'a str>)]);

    fn node(id: &str, deps: &[Dep<'_>]) -> GraphNode {
        GraphNode {
            id: id.to_string(),
            deps: deps
                .iter()
                .map(|(to, kinds)| RGEdge {
                    name: to.to_string(),
                    pkg: to.to_string(),
                    dep_kinds: kinds
                        .iter()
                        .map(|(kind, target)| EdgeKind {
                            kind: *kind,
                            target: target.map(str::to_string),
                        })
                        .collect(),
                })
                .collect(),
            features: vec![],
        }
    }

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
        }
    }

    /// Hand-computed: current 100, optimal 70 → saving 30.
    #[test]
    fn each_gate_fails_exactly_past_its_limit() {
        let args = |fail_above, fail_if_improvable, fail_on_violation| ReportArgs {
            no_optimum: false,
            fail_above,
            fail_if_improvable,
            fail_on_violation,
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

    /// Target windows, host linux: build edges and a proc-macro's edges are evaluated against
    /// linux, the member's normal and dev edges against windows (hand-derived expectations).
    #[test]
    fn edge_kinds_survive_only_where_they_are_built() {
        use DepKind::{Build, Dev, Normal};
        let win = Some("cfg(windows)");
        let unix = Some("cfg(unix)");
        let mut resolved = ResolvedGraph {
            packages: ["m", "a", "w", "v", "b", "h", "y", "z"]
                .iter()
                .map(|n| pkg(n, false))
                .collect(),
            nodes: vec![
                node(
                    "m",
                    &[
                        ("a", &[(Normal, None)]),
                        ("w", &[(Normal, win), (Dev, None)]),
                        ("v", &[(Normal, unix), (Dev, None)]),
                        ("pm", &[(Normal, None)]),
                    ],
                ),
                node("a", &[("b", &[(Build, win)]), ("h", &[(Build, unix)])]),
                node("w", &[]),
                node("v", &[]),
                node("b", &[]),
                node("h", &[]),
                node("pm", &[("z", &[(Normal, win)]), ("y", &[(Normal, unix)])]),
                node("y", &[]),
                node("z", &[]),
            ],
            workspace_members: vec!["m".to_string()],
        };
        resolved.packages.push(pkg("pm", true));
        resolved.packages[0].source = None;
        let graph = package_graph_from_resolved(&resolved).expect("graph");
        let platform =
            |name: &str, cfg: &str| TargetPlatform::from_rustc_cfg(name, cfg, "test").expect("cfg");
        let platforms = Platforms {
            host: platform("x86_64-unknown-linux-gnu", "unix\ntarget_os=\"linux\"\n"),
            targets: vec![platform(
                "x86_64-pc-windows-msvc",
                "windows\ntarget_os=\"windows\"\n",
            )],
        };
        let scoped = scope_to_targets(&resolved, &graph, &platforms).expect("scoped");

        let dropped: Vec<(&str, &str)> = scoped
            .not_built
            .iter()
            .map(|p| (p.krate.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(
            dropped,
            [
                ("b", "only needed by a 1.0.0 (build, cfg(windows))"),
                ("z", "only needed by pm 1.0.0 (normal, cfg(windows))"),
            ]
        );
        let name = |i: usize| scoped.graph.packages[i].name.as_str();
        let mut edges: Vec<(&str, &str, EdgeKinds)> = scoped
            .graph
            .edges
            .iter()
            .map(|e| (name(e.from), name(e.to), e.kinds))
            .collect();
        edges.sort_by_key(|e| (e.0, e.1));
        let k = |normal, build, dev| EdgeKinds { normal, build, dev };
        assert_eq!(
            edges,
            [
                ("a", "h", k(false, true, false)),
                ("m", "a", k(true, false, false)),
                ("m", "pm", k(true, false, false)),
                ("m", "v", k(false, false, true)),
                ("m", "w", k(true, false, true)),
                ("pm", "y", k(true, false, false)),
            ]
        );
    }
}
