//! `--target` and `-p`/`--features` applied to the session's lock (or a lock the optimiser
//! chose): the graph suggest prices and what it leaves out.

use std::collections::{BTreeMap, HashMap};

use crate::optimise::member_features::{filter_resolved, member_builds};
use crate::report::{NotBuilt, TargetScope};
use crate::shell::Shell;
use crate::target_filter::scope::scope_to_targets;
use crate::vet::required::PackageGraph;

use super::config::BuildScope;
use super::inputs::Session;

/// `--target` and `-p`/`--features`: the graph suggest prices (what builds) and what it leaves
/// out; `(None, None)` without those flags. The feature selection trims the resolve graph
/// first (`member_features::filter_resolved`), then the target walk runs on what is left.
pub(super) fn scope_session(
    s: &Session,
    scope: &BuildScope,
    shell: &Shell,
) -> anyhow::Result<(Option<PackageGraph>, Option<TargetScope>)> {
    let Some(scoped) = scope_resolved(s, scope, &s.resolved)? else {
        return Ok((None, None));
    };
    for (target, message) in &scoped.unparsable {
        shell.warn(format!(
            "dependency target `{target}` cannot be evaluated ({message}); its edges count as built"
        ));
    }
    let mut what: Vec<String> = scope.targets.clone();
    if scope.features.filters() {
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
    build: &BuildScope,
    resolved: &crate::workspace::ResolvedGraph,
) -> anyhow::Result<Option<ScopedLock>> {
    let selection = &build.features;
    if !build.filters() {
        return Ok(None);
    }
    let mut not_built: Vec<NotBuilt> = Vec::new();
    let resolved = if selection.filters() {
        let builds = member_builds(&s.workspace.members, selection)?;
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
    let (graph, targets, host) = if build.targets.is_empty() {
        (graph, vec![], String::new())
    } else {
        let platforms = s.platforms(&build.targets)?;
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
