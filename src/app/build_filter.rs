//! What builds, for the model: under `--target`, which edges build for the listed targets
//! (rustc's cfg values, read at this edge); under `-p`/`--features`, which member edges build
//! and with which features (resolver v2). Without either, every edge builds.

use crate::index::IndexDep;
use crate::model::{self, Roots};
use crate::optimise::member_features::{member_builds, RootBuilds};
use crate::shell::Shell;
use crate::target_filter::{EdgeBuilds, HostFacts};

use super::config::BuildScope;
use super::inputs::Session;

pub struct BuildFilter {
    edges: Option<EdgeBuilds>,
    roots: Option<RootBuilds>,
}

impl BuildFilter {
    pub fn new(
        s: &Session,
        scope: &BuildScope,
        roots: &Roots,
        index: &std::collections::BTreeMap<String, crate::index::IndexCrate>,
        shell: &Shell,
    ) -> anyhow::Result<BuildFilter> {
        // `--target`: which model edges build for the listed targets (prices follow them)
        let edges = if scope.targets.is_empty() {
            None
        } else {
            let platforms = s.platforms(&scope.targets)?;
            let facts = host_facts(&s.workspace, &s.resolved);
            let eb = EdgeBuilds::new(&platforms, index, roots, &facts);
            for (target, message) in &eb.unparsable {
                shell.warn(format!(
                    "dependency target `{target}` cannot be evaluated ({message}); its edges count as built"
                ));
            }
            Some(eb)
        };
        // `-p`/`--features`: what each root builds: the members as selected, then the
        // non-member path and git packages their builds reach, with what those turn on
        let roots = if scope.features.filters() {
            let builds = member_builds(&s.workspace.members, &scope.features)?;
            Some(RootBuilds::new(
                roots,
                &s.resolved,
                &s.workspace.members,
                &builds,
            ))
        } else {
            None
        };
        Ok(BuildFilter { edges, roots })
    }

    /// True when some edge may not build.
    pub fn filters(&self) -> bool {
        self.edges.is_some() || self.roots.is_some()
    }

    /// True when the model follows the build's features from the roots.
    pub fn follows_features(&self) -> bool {
        self.roots.is_some()
    }

    /// Whether the edge `d` of `from` builds.
    pub fn builds(&self, from: model::EdgeFrom<'_>, d: &IndexDep) -> bool {
        let by_features = match (&self.roots, from) {
            (Some(rb), model::EdgeFrom::Root(i)) => rb.builds(i, d),
            _ => true, // registry packages: the model follows the build's features
        };
        by_features && self.edges.as_ref().is_none_or(|eb| eb.builds(from, d))
    }

    /// The features root `i`'s build asks of its dependency `d`.
    pub fn features(&self, i: usize, d: &IndexDep) -> Vec<String> {
        self.roots
            .as_ref()
            .map(|rb| rb.features(i, d))
            .unwrap_or_default()
    }
}

/// Host facts for the target filter: which roots may compile for the host (proc-macro
/// members; path and git packages that are not members) and which registry crates are
/// proc-macros in the current resolve. Roots are the members then the fixed packages
/// (`roots_from_workspace`).
fn host_facts(
    workspace: &crate::workspace::Workspace,
    resolved: &crate::workspace::ResolvedGraph,
) -> HostFacts {
    let mut facts = HostFacts::default();
    for (i, member) in workspace.members.iter().enumerate() {
        let proc_macro = resolved.packages.iter().any(|p| {
            p.source.is_none()
                && p.name == member.name
                && p.version == member.version
                && p.proc_macro
        });
        if proc_macro {
            facts.host_roots.insert(i);
        }
    }
    facts
        .host_roots
        .extend(workspace.members.len()..workspace.members.len() + workspace.fixed_packages.len());
    for p in resolved.packages.iter().filter(|p| p.source.is_some()) {
        facts.known.insert(p.name.clone());
        if p.proc_macro {
            facts.proc_macros.insert(p.name.clone());
        }
    }
    facts
}
