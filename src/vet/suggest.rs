//! `cargo vet suggest`'s backlog (cargo-vet `compute_suggest` + `suggest_delta`), pure; line
//! counts come from a caller-supplied [`DiffCost`].
//!
//! Phases:
//! 1. Resolve against [`Store::for_suggest`] (exemptions removed except `suggest = false`).
//!    If any third-party package's crate has a violation conflict, cargo-vet fails the run and
//!    suggests nothing: reported as [`SuggestOutcome::ViolationConflict`].
//! 2. For each third-party package (in (name, version) order), the criteria it requires but is
//!    not vetted for. No failures anywhere: [`SuggestOutcome::Vetted`].
//! 3. Per failing package: intersect over its failing criteria the versions reachable from the
//!    root (R) and the versions that reach the package's version (T) — keeping only versions
//!    with sources: the root, the package's own git revision, and versions in the registry's
//!    version list (all index entries, yanked too; when the list is unknown cargo-vet assumes
//!    every version has sources). For every `dest` in T: candidates are the delta from the
//!    nearest member of R strictly below `dest` (the root sorts lowest, giving a full audit of
//!    `dest`) and from the nearest member of R at or above `dest`. The cheapest candidate wins;
//!    ties go to the first in (dest ascending, below before above) order. Note `to` may be a
//!    version other than the locked one (e.g. a version with an existing delta to it).
//!    For a git revision whose nearest published version at or below is not reachable from the
//!    root, that version replaces the revision in T and an extra delta published→revision is
//!    suggested too.
//! 4. Sort all suggestions by (lines, crate, to) (stable), drop adjacent duplicates with the
//!    same crate and the same diff (from, to, lines), and sum the lines: the backlog.
//!
//! cargo-vet turns a failed download or diff into a warning and drops that candidate (a package
//! whose candidates all fail vanishes from the backlog); here a `DiffCost` error aborts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::audit_graph::{AuditGraph, SearchFailure, ViolationConflict};
use super::criteria::CriteriaSet;
use super::format::VetVersion;
use super::required::{resolve_requirements, PackageGraph, RequiredError, Requirements};
use super::store::Store;

/// Lines to review for one audit: `from = None` is a full audit of `to`.
pub trait DiffCost {
    type Error;
    fn lines(
        &self,
        krate: &str,
        from: Option<&VetVersion>,
        to: &VetVersion,
    ) -> Result<u64, Self::Error>;
}

impl<F, E> DiffCost for F
where
    F: Fn(&str, Option<&VetVersion>, &VetVersion) -> Result<u64, E>,
{
    type Error = E;
    fn lines(&self, krate: &str, from: Option<&VetVersion>, to: &VetVersion) -> Result<u64, E> {
        self(krate, from, to)
    }
}

/// The registry's version list per crate (cargo-vet reads `index.crates.io`); a crate missing
/// from the map is "unknown" and every version is assumed to have sources, as cargo-vet does
/// when the index is unreachable.
pub type PublishedVersions = BTreeMap<String, BTreeSet<semver::Version>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedAudit {
    pub krate: String,
    pub from: Option<VetVersion>,
    pub to: VetVersion,
    /// Minimal names of the criteria the package failed (cargo-vet's "suggested criteria").
    pub criteria: Vec<String>,
    pub lines: u64,
    /// The locked version(s) this audit is for (after dedup, all of them).
    pub for_versions: Vec<VetVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuggestOutcome {
    /// Every third-party package is vetted: nothing to suggest, backlog 0.
    Vetted,
    /// cargo-vet fails with these conflicts and prints no suggestions.
    ViolationConflict(Vec<ViolationConflict>),
    Suggestions {
        audits: Vec<SuggestedAudit>,
        total_lines: u64,
    },
}

impl SuggestOutcome {
    /// The backlog figure `cargo vet suggest` prints (0 when nothing is suggested).
    pub fn total_lines(&self) -> u64 {
        match self {
            SuggestOutcome::Suggestions { total_lines, .. } => *total_lines,
            _ => 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SuggestError<E> {
    #[error(transparent)]
    Required(#[from] RequiredError),
    #[error("cannot count lines for {krate} {delta}: {error}")]
    Diff {
        krate: String,
        delta: String,
        error: E,
    },
}

/// The chosen diff and, for a git revision, the extra published -> revision delta.
pub type DeltaSuggestion = (DiffChoice, Option<DiffChoice>);

/// One diff candidate chosen for one failing package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffChoice {
    pub from: Option<VetVersion>,
    pub to: VetVersion,
    pub lines: u64,
}

/// What `cargo vet check` concludes before suggesting: the audit graph of every third-party
/// crate and the packages (index into the graph, failing criteria) that are not vetted, in
/// cargo-vet's package order (name, version).
pub struct CheckResult {
    pub graphs: HashMap<String, AuditGraph>,
    pub failures: Vec<(usize, CriteriaSet)>,
}

/// Vet every third-party package against `store`; `Err` with all violation conflicts when any
/// third-party crate has one (cargo-vet then fails before suggesting).
pub fn check(
    store: &Store,
    graph: &PackageGraph,
    req: &Requirements,
) -> Result<CheckResult, Vec<ViolationConflict>> {
    let mut order: Vec<usize> = (0..graph.packages.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&graph.packages[a], &graph.packages[b]);
        (&pa.name, &pa.version, a).cmp(&(&pb.name, &pb.version, b))
    });
    let mut built: HashMap<String, Result<AuditGraph, Vec<ViolationConflict>>> = HashMap::new();
    let mut conflicts = Vec::new();
    let mut failures = Vec::new();
    for &i in &order {
        if !req.third_party[i] {
            continue;
        }
        let pkg = &graph.packages[i];
        let g = built
            .entry(pkg.name.clone())
            .or_insert_with(|| AuditGraph::build(store, &pkg.name));
        match g {
            // Reported per package, as cargo-vet does.
            Err(c) => conflicts.extend(c.iter().cloned()),
            Ok(g) => {
                let failing = g.failing_criteria(&req.required[i], &pkg.version);
                if !failing.is_empty() {
                    failures.push((i, failing));
                }
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let graphs = built
        .into_iter()
        .filter_map(|(k, g)| g.ok().map(|g| (k, g)))
        .collect();
    Ok(CheckResult { graphs, failures })
}

/// `cargo vet suggest` on `store` (the caller's store; exemptions are removed here) for the
/// package graph, pricing with `cost`.
pub fn suggest<C: DiffCost>(
    store: &Store,
    graph: &PackageGraph,
    published: &PublishedVersions,
    cost: &C,
) -> Result<SuggestOutcome, SuggestError<C::Error>> {
    let store = store.for_suggest();
    let req = resolve_requirements(graph, &store.config.policy, &store.mapper)?;
    suggest_with_requirements(&store, graph, &req, published, cost)
}

/// As [`suggest`], with requirements already resolved and `store` already prepared with
/// [`Store::for_suggest`] (or deliberately not, to price with exemptions kept).
pub fn suggest_with_requirements<C: DiffCost>(
    store: &Store,
    graph: &PackageGraph,
    req: &Requirements,
    published: &PublishedVersions,
    cost: &C,
) -> Result<SuggestOutcome, SuggestError<C::Error>> {
    let checked = match check(store, graph, req) {
        Ok(c) => c,
        Err(conflicts) => return Ok(SuggestOutcome::ViolationConflict(conflicts)),
    };
    if checked.failures.is_empty() {
        return Ok(SuggestOutcome::Vetted);
    }
    let graphs = checked.graphs;
    let failures = checked.failures;

    let mut items: Vec<SuggestedAudit> = Vec::new();
    for (i, failing) in failures {
        let pkg = &graph.packages[i];
        let Some(g) = graphs.get(pkg.name.as_str()) else {
            continue;
        };
        let search_failures: Vec<SearchFailure> = failing
            .indices()
            .filter_map(|c| g.search(c, &pkg.version).err())
            .collect();
        let criteria = store.mapper.minimal_names(&failing);
        let chosen = suggest_delta(
            &pkg.name,
            &pkg.version,
            &search_failures,
            published.get(&pkg.name),
            cost,
        )?;
        let Some((main, extra)) = chosen else {
            continue;
        };
        for d in extra.into_iter().chain([main]) {
            items.push(SuggestedAudit {
                krate: pkg.name.clone(),
                from: d.from,
                to: d.to,
                criteria: criteria.clone(),
                lines: d.lines,
                for_versions: vec![pkg.version.clone()],
            });
        }
    }

    items.sort_by(|a, b| (a.lines, &a.krate, &a.to).cmp(&(b.lines, &b.krate, &b.to)));
    let mut audits: Vec<SuggestedAudit> = Vec::with_capacity(items.len());
    for item in items {
        if let Some(last) = audits.last_mut() {
            if last.krate == item.krate
                && last.from == item.from
                && last.to == item.to
                && last.lines == item.lines
            {
                last.for_versions.extend(item.for_versions);
                last.for_versions.sort();
                last.for_versions.dedup();
                continue;
            }
        }
        audits.push(item);
    }
    let total_lines = audits.iter().map(|a| a.lines).sum();
    Ok(SuggestOutcome::Suggestions {
        audits,
        total_lines,
    })
}

/// cargo-vet's `suggest_delta` for one package version and its failed searches: the cheapest
/// candidate, plus the extra published→git-revision delta when one is needed. `None` when there
/// is no candidate (cannot happen for a real failure: the target always has sources).
pub fn suggest_delta<C: DiffCost>(
    krate: &str,
    version: &VetVersion,
    failures: &[SearchFailure],
    published: Option<&BTreeSet<semver::Version>>,
    cost: &C,
) -> Result<Option<DeltaSuggestion>, SuggestError<C::Error>> {
    let Some((first, rest)) = failures.split_first() else {
        return Ok(Some((
            DiffChoice {
                from: Some(version.clone()),
                to: version.clone(),
                lines: 0,
            },
            None,
        )));
    };
    let has_sources = |v: &Option<VetVersion>| match v {
        None => true,
        Some(v) if v.git_rev.is_some() => v == version,
        Some(v) => published.is_none_or(|p| p.contains(&v.semver)),
    };
    let mut from_root: BTreeSet<Option<VetVersion>> = first
        .reachable_from_root
        .iter()
        .filter(|v| has_sources(v))
        .cloned()
        .collect();
    let mut from_target: BTreeSet<Option<VetVersion>> = first
        .reachable_from_target
        .iter()
        .filter(|v| has_sources(v))
        .cloned()
        .collect();
    for f in rest {
        from_root.retain(|v| f.reachable_from_root.contains(v));
        from_target.retain(|v| f.reachable_from_target.contains(v));
    }

    let mut extra_delta: Option<(Option<VetVersion>, VetVersion)> = None;
    if version.git_rev.is_some() {
        let closest_below = match published {
            Some(p) => p.range(..=&version.semver).next_back().cloned(),
            None => Some(version.semver.clone()),
        };
        let published_version = closest_below.map(VetVersion::new);
        if !from_root.contains(&published_version) {
            from_target.remove(&Some(version.clone()));
            if from_target.insert(published_version.clone()) {
                // cargo-vet's Delta here has `from: Option<VetVersion>`, so a missing published
                // version makes this a full audit of the revision.
                extra_delta = Some((published_version, version.clone()));
            }
        }
    }

    let mut candidates: Vec<(Option<VetVersion>, VetVersion)> = Vec::new();
    for dest in &from_target {
        // `dest` is None only if the root reaches the target, i.e. no failure; skip defensively.
        let Some(dest_version) = dest else {
            continue;
        };
        let below = from_root.range::<Option<VetVersion>, _>(..dest).next_back();
        let above = from_root.range::<Option<VetVersion>, _>(dest..).next();
        for closest in below.into_iter().chain(above) {
            candidates.push((closest.clone(), dest_version.clone()));
        }
    }

    let price = |from: &Option<VetVersion>, to: &VetVersion| {
        cost.lines(krate, from.as_ref(), to)
            .map_err(|source| SuggestError::Diff {
                krate: krate.to_owned(),
                delta: match from {
                    Some(f) => format!("{f} -> {to}"),
                    None => to.to_string(),
                },
                error: source,
            })
    };
    let mut best: Option<DiffChoice> = None;
    for (from, to) in candidates {
        let lines = price(&from, &to)?;
        if best.as_ref().is_none_or(|b| lines < b.lines) {
            best = Some(DiffChoice { from, to, lines });
        }
    }
    let extra = match extra_delta {
        Some((from, to)) => {
            let lines = price(&from, &to)?;
            Some(DiffChoice { from, to, lines })
        }
        None => None,
    };
    Ok(best.map(|b| (b, extra)))
}

/// Price one (crate, version) under a required criteria set, as `suggest` would if that version
/// were locked: `Ok(None)` when it is already vetted, else the chosen audit (and the extra
/// git-revision delta). For pricing candidate versions that are not in the current lock;
/// `audit_graph` must come from the same (for-suggest) store.
pub fn suggest_for_version<C: DiffCost>(
    mapper: &super::criteria::CriteriaMapper,
    audit_graph: &AuditGraph,
    krate: &str,
    version: &VetVersion,
    required: &CriteriaSet,
    published: Option<&BTreeSet<semver::Version>>,
    cost: &C,
) -> Result<Option<Vec<SuggestedAudit>>, SuggestError<C::Error>> {
    let failing = audit_graph.failing_criteria(required, version);
    if failing.is_empty() {
        return Ok(None);
    }
    let failures: Vec<SearchFailure> = failing
        .indices()
        .filter_map(|c| audit_graph.search(c, version).err())
        .collect();
    let criteria = mapper.minimal_names(&failing);
    let Some((main, extra)) = suggest_delta(krate, version, &failures, published, cost)? else {
        return Ok(Some(Vec::new()));
    };
    Ok(Some(
        extra
            .into_iter()
            .chain([main])
            .map(|d| SuggestedAudit {
                krate: krate.to_owned(),
                from: d.from,
                to: d.to,
                criteria: criteria.clone(),
                lines: d.lines,
                for_versions: vec![version.clone()],
            })
            .collect(),
    ))
}
