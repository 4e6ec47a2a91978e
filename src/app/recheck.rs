//! No answer on the model's word alone (ARCHITECTURE.md, Re-check): the lock the optimiser chose is
//! rendered, turned into the resolve graph `cargo metadata` would report for it, scoped like
//! the current lock (`--target`, `-p`/`--features`) and priced by the code that prices the
//! current lock. That figure is the one shown and the lock is written only if it equals the
//! model's; otherwise the run fails naming the packages whose prices differ.

use std::collections::BTreeMap;

use anyhow::Context;
use semver::Version;

use crate::lockwrite::{self, resolve_graph::resolved_graph, Plan};
use crate::model;
use crate::shell::Shell;
use crate::vet::criteria::CriteriaSet;
use crate::vet::required::{resolve_requirements, PackageGraph};
use crate::vet::store::Store;
use crate::vet::suggest::{PublishedVersions, SuggestOutcome};

use crate::optimise::search::ModelFigures;

use super::config::SearchConfig;
use super::inputs::Session;
use super::pricing::{Checksums, Pricer};

/// The chosen lock's inputs, and the registry facts and store that price it.
pub(super) struct Chosen<'a> {
    /// The current Cargo.lock, the base the chosen lock is rendered on.
    pub current: &'a crate::lockfile::Lockfile,
    pub model: &'a model::Model,
    pub values: &'a [bool],
    pub roots: &'a model::Roots,
    pub index: &'a BTreeMap<String, crate::index::IndexCrate>,
    pub store: &'a Store,
    pub published: &'a PublishedVersions,
    pub checksums: &'a Checksums,
}

/// The chosen lock priced as the current lock is.
pub(super) struct Checked {
    /// The figure to show.
    pub outcome: SuggestOutcome,
    /// False when, under a build scope, the model priced the lock above its exact figure: the
    /// lock and its figure stand, its optimality is not proven.
    pub proven: bool,
}

/// Prices the chosen lock exactly as the current lock is priced, and checks the model's
/// figures against it.
pub(super) fn check(
    s: &Session,
    cfg: &SearchConfig,
    chosen: &Chosen<'_>,
    figures: &ModelFigures,
    shell: &Shell,
) -> anyhow::Result<Checked> {
    let store = chosen.store;
    let new = lockwrite::new_lock(&Plan {
        current: chosen.current,
        model: chosen.model,
        values: chosen.values,
        roots: chosen.roots,
        index: chosen.index,
    })
    .context("cannot build the chosen Cargo.lock; nothing was written")?;
    let resolved = resolved_graph(&s.resolved, &new, chosen.roots, chosen.index)?;
    let (graph, scoped) = match super::scope::scope_resolved(s, &cfg.scope, &resolved)? {
        Some(scope) => (scope.graph, true),
        None => (
            crate::vet::metadata_graph::package_graph_from_resolved(&resolved)?,
            false,
        ),
    };
    let exact = Pricer {
        source: s.source.as_ref(),
        checksums: chosen.checksums,
        cache_dir: &s.cache_dir,
        shell,
    }
    .price(store, &graph, chosen.published)?;
    let mut prices = figures.prices.clone();
    // first-party packages audited as crates.io (`audit-as-crates-io`) are not the model's
    // to choose: their audits are the same on every lock and count on both sides
    let first_party: std::collections::BTreeSet<&str> = graph
        .packages
        .iter()
        .filter(|p| !p.is_crates_io)
        .map(|p| p.name.as_str())
        .collect();
    let fixed_lines: u64 = match &exact {
        SuggestOutcome::Suggestions { audits, .. } => audits
            .iter()
            .filter(|a| first_party.contains(a.krate.as_str()))
            .map(|a| a.lines)
            .sum(),
        _ => 0,
    };
    let mut total = figures.total + fixed_lines;
    if let Some(fault) = &cfg.tuning.fault_model_price {
        for ((name, version), (lines, _)) in prices.iter_mut() {
            if format!("{name}@{version}") == *fault {
                *lines += 1;
                total += 1;
            }
        }
    }
    if scoped && exact.total_lines() < total {
        // under --target / -p the model's "built" bit may price an edge cargo would not
        // build for these targets: the lock's figure is exact, its optimality not proven
        let why = differences(store, &graph, &prices, &exact, &first_party);
        shell.warn(format!(
            "the optimiser priced the lock it chose at {total} lines for what you build, cargo-vet's rules give {}; the lower figure is shown, but it is not proven the cheapest\n{why}",
            exact.total_lines()
        ));
        return Ok(Checked {
            outcome: exact,
            proven: false,
        });
    }
    if total != exact.total_lines() {
        let why = differences(store, &graph, &prices, &exact, &first_party);
        anyhow::bail!(
            "the optimiser's figure for the lock it chose ({total} lines) is not what cargo-vet counts on that lock ({} lines); nothing was written\n{why}\nhint: this is a bug in cargo-minaudit; please report it with the output of --dump-instance",
            exact.total_lines()
        );
    }
    Ok(Checked {
        outcome: exact,
        proven: true,
    })
}

/// One line per package whose model price differs from cargo-vet's, with the criteria each
/// side priced and the dependents that decided cargo-vet's.
fn differences(
    store: &Store,
    graph: &PackageGraph,
    model: &BTreeMap<(String, Version), (u64, CriteriaSet)>,
    exact: &SuggestOutcome,
    first_party: &std::collections::BTreeSet<&str>,
) -> String {
    let store = store.for_suggest();
    let mut exact_lines: BTreeMap<(String, Version), u64> = BTreeMap::new();
    if let SuggestOutcome::Suggestions { audits, .. } = exact {
        for a in audits
            .iter()
            .filter(|a| !first_party.contains(a.krate.as_str()))
        {
            for v in &a.for_versions {
                *exact_lines
                    .entry((a.krate.clone(), v.semver.clone()))
                    .or_default() += a.lines;
            }
        }
    }
    let req = resolve_requirements(graph, &store.config.policy, &store.mapper).ok();
    let names = |set: &CriteriaSet| {
        let n = store.mapper.minimal_names(set);
        if n.is_empty() {
            "nothing".to_owned()
        } else {
            n.join(", ")
        }
    };
    let mut out = Vec::new();
    let mut keys: Vec<&(String, Version)> = model.keys().chain(exact_lines.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (m, mset) = model.get(key).copied().unwrap_or_default();
        let e = exact_lines.get(key).copied().unwrap_or_default();
        if m == e {
            continue;
        }
        let at = graph
            .packages
            .iter()
            .position(|p| p.name == key.0 && p.version.semver == key.1);
        let (eset, by) = match (&req, at) {
            (Some(r), Some(i)) => {
                let mut by: Vec<String> = r.reverse_deps[i]
                    .iter()
                    .map(|d| {
                        let p = &graph.packages[*d];
                        format!("{} {}", p.name, p.version.semver)
                    })
                    .collect();
                by.sort();
                (names(&r.required[i]), by.join(", "))
            }
            _ => ("nothing (not in the lock)".to_owned(), String::new()),
        };
        out.push(format!(
            "  {} {}: model {m} lines for {}, cargo-vet {e} lines for {eset}{}",
            key.0,
            key.1,
            names(&mset),
            if by.is_empty() {
                String::new()
            } else {
                format!(" (required by {by})")
            }
        ));
    }
    out.join("\n")
}
