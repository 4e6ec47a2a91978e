//! The optimiser at the IO edge, shared by every command: [`price_lock`] prices a lock as
//! `cargo vet suggest --locked` does; [`find_optimum`] finds the cheapest valid lock and proves
//! it optimal:
//! 1. roots from the workspace, the registry closure they can reach (index walk, cooldown), the
//!    build filter (`--target`, `-p`), the candidate versions the flags allow, their price steps
//!    and the 0/1 model (`model`);
//! 2. the search (`optimise::search`, pure): lazy pricing over this edge's line counts
//!    (`app::counts`), rounds until every picked version is exactly priced;
//! 3. the plan: the chosen lock re-checked as the current lock is priced (`recheck`), explain's
//!    rows, the change table, the solver's status.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Context;
use semver::Version;

use crate::index::cooldown::{apply_cooldown, CooldownPolicy, CooldownRule, CooledVersion};
use crate::index::{load_snapshot_with, DepKind, Root, WalkOptions};
use crate::model::{self, CandidateOptions, Locked};
use crate::optimise::advisories::{exclude_advisories, Blocked};
use crate::optimise::changes::{by_crate, changes};
use crate::optimise::conflict;
use crate::optimise::downgrades::{exclude_downgrades, Downgrade};
use crate::optimise::prices::{Price, PriceContext};
use crate::optimise::reduce::{drop_interchangeable, requirements_by_crate};
use crate::optimise::requirements::StoreRules;
use crate::optimise::roots::roots_from_workspace;
use crate::optimise::search::{
    self, book, Alternative, Book, LineCounts, ModelFigures, PKey, Search, SearchEnv,
};
use crate::report::{Change, CutEdge, NotBuilt, SolverSummary};
use crate::shell::Shell;
use crate::solve::{self, SolveOptions, Status};
use crate::vet::criteria::CriteriaSet;
use crate::vet::required::PackageGraph;
use crate::vet::suggest::{PublishedVersions, SuggestOutcome};

use super::build_filter::BuildFilter;
use super::config::{AdvisorySource, SearchConfig};
use super::counts::{CountStore, CrateCounts, ShellProgress};
use super::inputs::Session;
use super::pricing::{self, Pricer};
use super::search_trail;

/// What searches share across `what-if` scenarios.
#[derive(Default, Clone)]
pub struct SharedCounts {
    /// Line counts: they depend only on the crate files, never on the audit store or the
    /// roots, so every scenario reuses what earlier ones counted.
    counts: CountStore,
    /// The price book of the searches with the session's store, and the crates whose every
    /// candidate it bounds: a later search with the same store starts from it.
    book: Book,
    bounded: BTreeSet<String>,
    /// The versions (with their use) of the first search's answer, the baseline optimum: a
    /// scenario prices those of them its store makes inexact before its first solve.
    picked: Option<Vec<PKey>>,
    /// The slimmed index walk of the first search with the session's roots and no cooldown:
    /// a later search with the same roots, no cooldown and no `--target` starts from it (the
    /// walk, the cooldown and candidate generation are deterministic in those inputs).
    slim: Option<std::sync::Arc<crate::index::IndexSnapshot>>,
}

/// What a `what-if` scenario changes in the search: the model roots and the audit store
/// (`None`: the session's), and the counts shared across searches.
#[derive(Default)]
pub struct Variant<'v> {
    pub roots: Option<model::Roots>,
    pub store: Option<&'v crate::vet::store::Store>,
    pub counts: Option<&'v mut SharedCounts>,
    /// Start from the shared price book, except for these crates (whose audits the store
    /// changes); `None`: price from scratch.
    pub reuse_prices_except: Option<BTreeSet<String>>,
    /// Stop after the lines stage (the backlog is proven; audits and changes are those of one
    /// lines-optimal lock, not minimised).
    pub lines_only: bool,
    /// What-if scenario shortcuts, none of which changes what is proven: before the first
    /// solve, bound every candidate of the crates the scenario's store re-prices that an
    /// earlier search had bounded (their files are counted already) and price exactly the
    /// baseline optimum's versions that became inexact (one pricing round less, usually);
    /// and start from the baseline's slimmed index walk when the roots, cooldown and targets
    /// are the baseline's (the same walk, not redone).
    pub shortcuts: bool,
}

/// The current lock priced by `suggest` over the whole graph, with the registry facts the
/// pricing used (the optimiser extends them).
pub struct PricedLock {
    pub outcome: SuggestOutcome,
    pub published: PublishedVersions,
    pub checksums: pricing::Checksums,
}

/// Phase 1: prices `graph` (the session's graph, or a target-scoped one) exactly as
/// `cargo vet suggest --locked` would.
pub fn price_lock(s: &Session, graph: &PackageGraph, shell: &Shell) -> anyhow::Result<PricedLock> {
    let (published, checksums) = pricing::load_registry_facts(s.index.as_ref(), graph, shell)?;
    let pricer = Pricer {
        source: s.source.as_ref(),
        checksums: &checksums,
        cache_dir: &s.cache_dir,
        shell,
    };
    let outcome = pricer.price(&s.store, graph, &published)?;
    Ok(PricedLock {
        outcome,
        published,
        checksums,
    })
}

/// What the search found. `optimal` is a `suggest` outcome of the chosen lock, with exact
/// prices only, its audits sorted by (lines, crate).
pub struct OptimumResult {
    pub optimal: SuggestOutcome,
    /// Publisher facts looked up for crates only the candidates hold (the report adds them to
    /// the session's).
    pub publisher_facts: Option<crate::report::PublisherFacts>,
    /// Version changes from the current lock to the chosen one.
    pub changes: Vec<Change>,
    pub solver: SolverSummary,
    /// The chosen lock (registry versions per crate), for writing Cargo.lock.
    pub solution: solve::Solution,
    /// Checksums of every version the search priced (the current lock's and the candidates').
    pub checksums: pricing::Checksums,
    /// The solved model, its roots and the index closure it was built from: the lock writer
    /// reads the active edges and routes off them.
    pub model: model::Model,
    pub roots: model::Roots,
    pub index: BTreeMap<String, crate::index::IndexCrate>,
    /// With `explain`: every candidate version of the crate and the optimum that forces it.
    pub alternatives: Vec<Alternative>,
    /// With `--target` or a feature selection: the versions of the chosen lock that do not
    /// build (they stay in the lock and cost nothing).
    pub not_built: Option<Vec<NotBuilt>>,
}

/// `explain CRATE`: the crate whose versions to force in, one solve each, on `jobs` threads.
#[derive(Debug, Clone, Copy)]
pub struct ExplainRequest<'r> {
    pub krate: &'r str,
    pub jobs: usize,
}

/// Candidates that a publisher row and a wildcard audit or trusted entry vet.
fn covered_by_publisher(store: &crate::vet::store::Store, cands: &model::Candidates) -> usize {
    let mut n = 0;
    for (krate, rows) in &store.imports.publisher {
        let Some(list) = cands.by_crate.get(krate) else {
            continue;
        };
        n += rows
            .iter()
            .filter(|r| list.iter().any(|c| c.version() == &r.version.semver))
            .filter(|r| crate::publishers::row_is_covered(store, krate, r))
            .count();
    }
    n
}

/// Phases 2–4: the cheapest valid lock for the session's workspace. `current` must be
/// [`price_lock`] of `s.graph` (the whole graph, without violation conflicts).
pub fn find_optimum(
    s: &Session,
    cfg: &SearchConfig,
    current: &PricedLock,
    shell: &Shell,
    explain: Option<ExplainRequest<'_>>,
) -> anyhow::Result<OptimumResult> {
    find_optimum_with(s, cfg, current, shell, explain, Variant::default())
}

/// [`find_optimum`] with the roots and store a `what-if` scenario gives (see [`Variant`]).
pub fn find_optimum_with(
    s: &Session,
    cfg: &SearchConfig,
    current: &PricedLock,
    shell: &Shell,
    explain: Option<ExplainRequest<'_>>,
    mut variant: Variant<'_>,
) -> anyhow::Result<OptimumResult> {
    let started = Instant::now();
    let mut published = current.published.clone();
    let mut checksums = current.checksums.clone();

    // Phase 2: the model.
    // the baseline's inputs to candidate generation: its slimmed walk serves again (what-if)
    let roots_given = variant.roots.is_some();
    let same_walk = variant.roots.is_none() && !cfg.cools_down() && variant.shortcuts;
    let cached_slim = match variant.counts.as_deref() {
        Some(sh) if same_walk && cfg.scope.targets.is_empty() => sh.slim.clone(),
        _ => None,
    };
    let roots = variant
        .roots
        .unwrap_or_else(|| roots_from_workspace(&s.workspace, &s.resolved));
    let walk: Vec<Root> = roots
        .packages
        .iter()
        .flat_map(|r| &r.deps)
        .filter(|d| d.registry.is_none())
        .map(|d| Root::matching(d.crate_name(), d.req.clone()))
        .collect();
    let (mut snapshot, cooled) = match &cached_slim {
        Some(slim) => ((**slim).clone(), Vec::new()),
        None => {
            let snapshot =
                load_snapshot_with(s.index.as_ref(), &walk, WalkOptions::default(), |_, _| {})?;
            apply_cooldown_flags(&cfg.cooldown, snapshot, &s.graph, shell)?
        }
    };
    let filter = BuildFilter::new(s, &cfg.scope, &roots, &snapshot.crates, shell)?;
    let edge_filter =
        |from: model::EdgeFrom<'_>, d: &crate::index::IndexDep| filter.builds(from, d);
    let root_features = |i: usize, d: &crate::index::IndexDep| filter.features(i, d);
    let filtered = filter.filters();
    // the change table is against Cargo.lock as it is on disk (with a stale lock, its
    // versions; the current graph is Cargo's update of it); `changed` and `--no-downgrade`
    // against the base with `--base`, else the same
    let reference = s.reference();
    let current_versions = by_crate(&reference);
    let locked: Locked = match &s.base {
        Some(base) => base.versions.clone(),
        None => reference,
    };
    let msrv = s
        .workspace
        .members
        .iter()
        .filter_map(|m| m.rust_version.clone())
        .min();
    let cand_opts = CandidateOptions {
        max_rust_version: if cfg.ignore_rust_version { None } else { msrv },
    };
    let order = cfg.order.clone();
    // keep only what the candidates need of the walk before the solver's memory comes in
    // (a cached walk is slim already: slimming is idempotent, the candidates are the same)
    if cached_slim.is_none() {
        let first = model::generate(&snapshot.crates, &roots, &locked, &cand_opts);
        snapshot.crates = model::candidates::slim_index(&snapshot.crates, &roots, &first);
        if same_walk {
            if let Some(sh) = variant.counts.as_deref_mut() {
                if sh.slim.is_none() {
                    sh.slim = Some(std::sync::Arc::new(snapshot.clone()));
                }
            }
        }
    }
    let mut cands = model::generate(&snapshot.crates, &roots, &locked, &cand_opts);
    let (blocked, held_up) = restrict(&mut cands, &snapshot.source, &locked, cfg, shell)?;
    // Registry facts for crates the current lock does not have.
    let new_names: Vec<String> = cands
        .by_crate
        .keys()
        .filter(|n| !published.contains_key(*n))
        .cloned()
        .collect();
    // Candidate generation already reported crates the registry lacks.
    pricing::record_registry_facts(
        s.index.load_crates(&new_names)?,
        &mut published,
        &mut checksums,
    );
    let locked_outside = locked
        .iter()
        .filter(|(n, v)| {
            !cands
                .by_crate
                .get(n)
                .is_some_and(|c| c.iter().any(|c| c.version() == v))
        })
        .count() as u64;

    // Phase 3: lazy pricing.
    let store = variant.store.unwrap_or(&s.store);
    // publisher facts for the crates only candidates hold (the session looked up the lock's)
    let names: BTreeSet<String> = cands.by_crate.keys().cloned().collect();
    let candidate_facts = super::publishers::add_candidate_facts(
        store,
        &s.store,
        &s.resolved,
        &names,
        (s.index.as_ref(), &s.cache_dir, s.facts_mode),
        shell,
    )?;
    let (store, publisher_facts) = match &candidate_facts {
        Some((with_facts, summary)) => (with_facts, Some(summary.clone())),
        None => (store, None),
    };
    let by_publisher = covered_by_publisher(store, &cands);
    if by_publisher > 0 {
        shell.status(
            "Publishers",
            format!("{by_publisher} candidate versions covered by wildcard audits or trusted entries through their publisher"),
        );
    }
    let mut ctx = PriceContext::new(store, &published);
    // what cargo-vet can require of each candidate, under the store's policies
    let rules = StoreRules::new(&store.config.policy, &store.mapper, &s.graph, &roots)?;
    let reqs = requirements_by_crate(&cands, &roots);
    let lag_counts = order.criteria().contains(&solve::Criterion::Lag);
    let (dropped, sets_of) =
        reduce_and_step(&mut cands, &roots, &rules, &reqs, lag_counts, &mut ctx);
    shell.verbose(
        "Reduced",
        format!(
            "{dropped} versions interchangeable with a vetted one; {} left",
            cands.len()
        ),
    );
    let mut shared = variant.counts;
    // a search of its own (no counts shared with an earlier one) follows a trail
    let own_search = shared.is_none();
    // What-if: a price depends only on the crate's audits (and the current lock's criteria),
    // so what an earlier search with the same audits found (bounds and exact) still holds.
    let store_unchanged = variant.store.is_none();
    let variant_is_baseline = store_unchanged && !roots_given;
    let (seed, seeded_bounded) = match (&variant.reuse_prices_except, shared.as_deref()) {
        (Some(stale), Some(sh)) => reused_prices(sh, stale, &cands, &sets_of),
        _ => Default::default(),
    };
    let book = book::initial_book(&cands, &sets_of, &mut ctx, &seed)?;
    drop(seed);
    // what an earlier search shared, read before the counts take their part of it
    let earlier = shared
        .as_deref()
        .map(|sh| (sh.bounded.clone(), sh.picked.clone()));
    let counts = CrateCounts::new(
        s,
        &checksums,
        shell,
        shared.as_deref_mut().map(|sh| &mut sh.counts),
    );
    let log = ShellProgress {
        shell,
        started: Instant::now(),
    };
    let mut st = Search::new(ctx, counts, book, seeded_bounded);
    let t = Instant::now();
    let mut m = model::build_features_filtered(
        &cands,
        &roots,
        &|n, v, set| {
            st.book
                .get(&(n.to_owned(), v.clone(), set))
                .map(Price::model_cost)
        },
        &rules,
        filtered.then_some(&edge_filter as model::EdgeFilter<'_>),
        filter
            .follows_features()
            .then_some(&root_features as model::RootFeatures<'_>),
    )?;
    model::lag::fill(&mut m, &snapshot.crates, &cand_opts);
    shell.verbose(
        "Breakdown",
        format!(
            "{} implications, {} guards, {} other rows, {} pkgs",
            m.implications.len(),
            m.guards.len(),
            m.rows.len(),
            m.pkgs.len()
        ),
    );
    shell.verbose(
        "Modelled",
        format!(
            "{} variables, {} rows in {:.2}s",
            m.num_vars(),
            m.all_rows().len(),
            t.elapsed().as_secs_f64()
        ),
    );
    // Under a build filter HiGHS 1.16 tends to misprice the current lock as MIP start in its
    // presolved space (the solver then re-solves without it, `solve::run_stage`): start
    // without it, unless a time limit needs the start as a fallback answer.
    let opts = SolveOptions {
        time_limit: cfg.time_limit,
        order,
        warm_start: !filtered || cfg.time_limit.is_some(),
        staged: cfg.tuning.staged,
        highs_options: cfg.tuning.highs_options.clone(),
        ..SolveOptions::default()
    };
    // The current lock's unvetted versions will be picked first anyway: price them (and bound
    // their crates) before the first solve, which saves a whole solve round.
    let mut locked_unvetted: Vec<PKey> = st
        .book
        .iter()
        .filter(|(k, p)| !p.is_exact() && locked.contains(&(k.0.clone(), k.1.clone())))
        .map(|(k, _)| k.clone())
        .collect();
    if let (true, Some((bounded, picked))) = (variant.shortcuts, &earlier) {
        let again = prefetch(
            &mut st,
            &cands,
            bounded,
            picked.as_deref(),
            variant.reuse_prices_except.as_ref(),
            shell,
        )?;
        locked_unvetted.extend(again);
        locked_unvetted.sort();
        locked_unvetted.dedup();
    }
    shell.verbose(
        "Prepared",
        format!("the search in {:.2}s", started.elapsed().as_secs_f64()),
    );
    // `explain` forces versions in, dominated or not
    let prune = explain.is_none() && !cfg.tuning.no_dominance;
    let env = SearchEnv::new(&cands, &reqs, &opts, prune, locked_outside, &log);
    let full = !variant.lines_only;
    let trail_key = own_search.then(|| {
        search_trail::key(&search_trail::TrailInputs {
            model: &m,
            opts: &opts,
            prune,
            locked_outside,
            full,
            first: &locked_unvetted,
            reqs: &reqs,
            book: &st.book,
            store,
            published: &published,
            checksums: &checksums,
        })
    });
    let trail = trail_key
        .as_deref()
        .and_then(|key| search_trail::load(&s.cache_dir, key));
    if let Some(trail) = &trail {
        let t = Instant::now();
        if st.replay(&cands, trail, &log)? {
            shell.verbose(
                "Replayed",
                format!(
                    "an earlier search of these inputs: {} pricing steps in {:.2}s",
                    trail.steps.len(),
                    t.elapsed().as_secs_f64()
                ),
            );
        }
    }
    let found = search::optimum(&env, &mut st, &mut m, &locked_unvetted, full)?;
    // saved again when replayed unchanged too: the trails kept are the newest
    if let (Some(key), Some(_)) = (&trail_key, &found) {
        if let Err(e) = search_trail::save(&s.cache_dir, key, &st.trail()) {
            shell.verbose(
                "Warning",
                format!("could not save the search's trail: {e:#}"),
            );
        }
    }
    let Some(solution) = found else {
        let excluded = exclusions(&blocked, &cooled, &held_up);
        let why = conflict::explain(&snapshot.crates, &roots, &locked, &cand_opts, &excluded);
        anyhow::bail!("{}", unsatisfiable_message(why, &blocked));
    };

    // `explain`: the optimum with each other candidate version of the crate forced in.
    let mut alternatives: Vec<(Alternative, Option<solve::Solution>)> = Vec::new();
    if let Some(req) = &explain {
        let krate = req.krate;
        let versions: Vec<(usize, Version)> = m
            .pkgs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.name == krate)
            .map(|(i, p)| (i, p.version.clone()))
            .collect();
        anyhow::ensure!(
            !versions.is_empty(),
            "`{krate}` is not a registry crate this workspace can depend on\nhint: name a crate from Cargo.lock (path and git packages are fixed)"
        );
        alternatives =
            search::cheapest_with_each(&env, &mut st, &m, &solution, versions, req.jobs)?;
    }

    if let Some(path) = &cfg.dump_instance {
        write_instance(
            path,
            &model::Instance::new(
                &s.workspace.root_manifest.display().to_string(),
                locked_outside,
                m.clone(),
            ),
        )?;
        shell.status(
            "Dumped",
            format!("the solved instance to {}", path.display()),
        );
    }

    // Phase 4: the plan, priced by the model, then again on the chosen lock as the current
    // lock is priced: only that figure is shown or written.
    let figures = book::model_figures(&m, &solution.values, &st.book);
    let current_lock = s.lock.parsed(&s.workspace)?;
    let check_lock = |values: &[bool], figures: &ModelFigures| {
        super::recheck::check(
            s,
            cfg,
            &super::recheck::Chosen {
                current: &current_lock,
                model: &m,
                values,
                roots: &roots,
                index: &snapshot.crates,
                store,
                published: &published,
                checksums: &checksums,
            },
            figures,
            shell,
        )
    };
    let checked = check_lock(&solution.values, &figures)?;
    let optimal = checked.outcome;
    // explain's rows: each forced lock re-checked the same way; a row that fails says why
    let alternatives: Vec<Alternative> = alternatives
        .into_iter()
        .map(|(row, sol)| {
            let figures = sol
                .as_ref()
                .map(|sol| book::model_figures(&m, &sol.values, &st.book));
            rechecked_row(
                row,
                sol.as_ref().zip(figures.as_ref()),
                &optimal,
                &check_lock,
            )
        })
        .collect();
    // never worse than the lock the user has, when that lock is an answer the model allows
    // and lines come first
    let lines_first = opts.order.criteria().first() == Some(&solve::Criterion::Lines);
    if variant_is_baseline
        && lines_first
        && solution.current_lock_valid
        && optimal.total_lines() > current.outcome.total_lines()
    {
        anyhow::bail!(
            "the lock the optimiser chose needs {} lines of audits, more than the current lock's {}; nothing was written\nhint: this is a bug in cargo-minaudit; please report it with the output of --dump-instance",
            optimal.total_lines(),
            current.outcome.total_lines()
        );
    }
    let status = if checked.proven {
        solution.status
    } else {
        Status::Feasible
    };
    let solver = SolverSummary {
        status: status.as_str().into(),
        gap: solution.gap,
        objective: opts.order.to_string(),
    };
    let (files, deltas) = st.counts.tally();
    shell.status(
        "Solved",
        format!(
            "{} in {:.1}s ({} pricing rounds, {} candidates, {files} crate files counted, {deltas} deltas diffed)",
            solver.status,
            started.elapsed().as_secs_f64(),
            st.rounds,
            cands.len(),
        ),
    );
    let not_built = filtered
        .then(|| optimum_not_built(&m, &solution.values, &roots, &snapshot.crates, &edge_filter));
    drop(env);
    drop(cands);
    let (counts, book, bounded) = st.into_parts();
    // the counts go back to the shared store here, before it is borrowed again
    drop(counts);
    if let Some(sh) = shared {
        if sh.picked.is_none() {
            sh.picked = Some(book::picked_uses(&m, &solution.values));
        }
        if store_unchanged {
            sh.book.extend(book);
            sh.bounded.extend(bounded);
        }
    }
    Ok(OptimumResult {
        not_built,
        optimal,
        publisher_facts,
        changes: changes(&current_versions, &solution.chosen),
        solver,
        solution,
        checksums,
        model: m,
        roots,
        index: snapshot.crates,
        alternatives,
    })
}

/// Drops the versions interchangeable with a vetted one (vetted for the largest set it can be
/// required is vetted for every set), then gives each remaining candidate its price steps (the
/// sets cargo-vet can require of it). Returns how many were dropped, and the steps.
fn reduce_and_step(
    cands: &mut model::Candidates<'_>,
    roots: &model::Roots,
    rules: &StoreRules,
    reqs: &BTreeMap<String, BTreeSet<String>>,
    lag_counts: bool,
    ctx: &mut PriceContext<'_>,
) -> (usize, BTreeMap<(String, Version), Vec<CriteriaSet>>) {
    let largest: BTreeMap<(String, Version), CriteriaSet> = {
        let steps = model::uses::tiers(cands, roots, rules);
        cands
            .iter()
            .zip(steps.steps)
            .map(|(c, s)| ((c.name().to_owned(), c.version().clone()), s[s.len() - 1]))
            .collect()
    };
    let dropped = drop_interchangeable(cands, reqs, lag_counts, &mut |n, v| {
        let set = largest[&(n.to_owned(), v.clone())];
        ctx.is_vetted(n, v, set).unwrap_or(false)
    });
    drop(largest);
    let steps = model::uses::tiers(cands, roots, rules);
    let sets_of = cands
        .iter()
        .zip(steps.steps)
        .map(|(c, s)| ((c.name().to_owned(), c.version().clone()), s))
        .collect();
    (dropped, sets_of)
}

/// What-if's shortcut before the first solve: bounds again the crates an earlier search bounded
/// whose prices this store changes (all of them when nothing is reused; their files are
/// counted already), and returns the baseline optimum's versions that are inexact here (they
/// would be picked, and priced, one round later).
fn prefetch(
    st: &mut Search<'_, CrateCounts<'_>>,
    cands: &model::Candidates<'_>,
    earlier_bounded: &BTreeSet<String>,
    earlier_picked: Option<&[PKey]>,
    reuse_prices_except: Option<&BTreeSet<String>>,
    shell: &Shell,
) -> anyhow::Result<Vec<PKey>> {
    let rebound: BTreeSet<String> = earlier_bounded
        .iter()
        .filter(|n| reuse_prices_except.is_none_or(|stale| stale.contains(*n)))
        .cloned()
        .collect();
    let again: Vec<PKey> = earlier_picked
        .into_iter()
        .flatten()
        .filter(|k| st.book.get(*k).is_some_and(|p| !p.is_exact()))
        .cloned()
        .collect();
    let t = Instant::now();
    let (keys, files) = st.bound_crates(cands, rebound)?;
    shell.verbose(
        "Prefetch",
        format!(
            "{keys} versions bounded ({files} files) in {:.2}s; {} of the baseline's versions to price",
            t.elapsed().as_secs_f64(),
            again.len()
        ),
    );
    Ok(again)
}

/// What an earlier search with the same audits found that still holds (prices depend only on
/// a crate's audits): its book without the crates in `stale`, and the crates whose every
/// candidate that book bounds.
fn reused_prices(
    shared: &SharedCounts,
    stale: &BTreeSet<String>,
    cands: &model::Candidates<'_>,
    sets_of: &BTreeMap<(String, Version), Vec<CriteriaSet>>,
) -> (Book, BTreeSet<String>) {
    let seed: Book = shared
        .book
        .iter()
        .filter(|(k, _)| !stale.contains(&k.0))
        .map(|(k, p)| (k.clone(), p.clone()))
        .collect();
    if seed.is_empty() {
        return (seed, BTreeSet::new());
    }
    let bounded = shared
        .bounded
        .iter()
        .filter(|n| {
            cands.by_crate.get(*n).is_some_and(|cs| {
                cs.iter().all(|c| {
                    let v = c.version().clone();
                    sets_of[&((*n).clone(), v.clone())]
                        .iter()
                        .all(|set| seed.contains_key(&((*n).clone(), v.clone(), *set)))
                })
            })
        })
        .cloned()
        .collect();
    (seed, bounded)
}

/// What the filters took out of the candidates, each with its reason, for the explanation of
/// an unsatisfiable workspace.
fn exclusions(
    blocked: &[Blocked],
    cooled: &[CooledVersion],
    held_up: &[Downgrade],
) -> conflict::Exclusions {
    let mut excluded = conflict::Exclusions::new();
    for b in blocked {
        excluded.insert(
            (b.name.clone(), b.version.clone()),
            format!("affected by {}", b.ids.join(", ")),
        );
    }
    for c in cooled {
        let flag = match c.rule {
            CooldownRule::ExcludeNewer => "--exclude-newer",
            CooldownRule::MinAge => "--min-age",
        };
        excluded.insert(
            (c.name.clone(), c.version.clone()),
            format!("published {}, too recent for {flag}", c.pubtime),
        );
    }
    for d in held_up {
        excluded.insert(
            (d.name.clone(), d.version.clone()),
            format!("below the reference lock's {} (--no-downgrade)", d.floor),
        );
    }
    excluded
}

/// One `explain` row once its lock is re-checked: the optimum's own figure for the version
/// it holds, the exact figure of the forced lock (`feasible` when it is not proven), or the
/// reason the forced lock could not be confirmed.
fn rechecked_row(
    mut row: Alternative,
    forced: Option<(&solve::Solution, &ModelFigures)>,
    optimal: &SuggestOutcome,
    check: &dyn Fn(&[bool], &ModelFigures) -> anyhow::Result<super::recheck::Checked>,
) -> Alternative {
    match (forced, row.chosen) {
        (_, true) => row.backlog = Some(optimal.total_lines()),
        (Some((sol, figures)), false) => match check(&sol.values, figures) {
            Ok(exact) => {
                row.backlog = Some(exact.outcome.total_lines());
                if !exact.proven {
                    row.status = Some(Status::Feasible);
                }
            }
            Err(e) => {
                row.backlog = None;
                row.error = Some(format!("{e:#}"));
            }
        },
        (None, false) => {}
    }
    row
}

/// The candidates the flags allow: none missing from the registry, none an advisory blocks
/// (they are reported), none below the reference lock's under `--no-downgrade`. Returns what
/// was taken out, for the error when no lock is left.
fn restrict(
    cands: &mut model::Candidates<'_>,
    registry: &str,
    reference: &Locked,
    cfg: &SearchConfig,
    shell: &Shell,
) -> anyhow::Result<(Vec<Blocked>, Vec<Downgrade>)> {
    if !cands.missing.is_empty() {
        anyhow::bail!(
            "the registry ({registry}) lacks crates the workspace requires: {}",
            cands.missing.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let blocked = match load_advisories(&cfg.advisories)? {
        Some((db, from)) => {
            let blocked = exclude_advisories(cands, &db, &cfg.allow_advisories);
            shell.verbose("Advisories", format!("{} from {from}", db.len()));
            report_blocked(&blocked, shell);
            blocked
        }
        None => Vec::new(),
    };
    // `--no-downgrade`: nothing below the reference lock's version in its bucket
    let held_up = if cfg.no_downgrade {
        let held = exclude_downgrades(cands, reference);
        shell.status(
            "Keeping",
            format!(
                "{} candidate versions below the reference lock's out (--no-downgrade)",
                held.len()
            ),
        );
        held
    } else {
        Vec::new()
    };
    shell.status(
        "Modelling",
        format!(
            "{} candidate versions of {} crates",
            cands.len(),
            cands.by_crate.len()
        ),
    );
    Ok((blocked, held_up))
}

/// The error for "no lock exists": PubGrub's derivation when it finds the conflict, the
/// advisories that took versions away, and what to try.
fn unsatisfiable_message(why: Option<String>, blocked: &[Blocked]) -> String {
    let mut text = String::from(
        "no lock satisfies the workspace's requirements with the allowed versions (yanked, MSRV, cooldown and advisory filters applied)",
    );
    match why {
        Some(why) => {
            text.push_str(":\n");
            text.push_str(why.trim_end());
        }
        None => text.push_str(
            "; the conflict involves features, optional dependencies or `links`, which the explanation does not cover",
        ),
    }
    let ids: BTreeSet<&str> = blocked
        .iter()
        .flat_map(|b| b.ids.iter().map(String::as_str))
        .collect();
    if ids.is_empty() {
        text.push_str("\nhint: relax the requirement named above (--ignore-rust-version lifts the rust-version filter), or run `cargo update --workspace --dry-run` for Cargo's view");
    } else {
        text.push_str(&format!(
            "\nhint: upgrade the requirement that pins a version affected by {}, or waive an advisory with --allow-advisory ID",
            ids.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    text
}

/// `--exclude-newer` / `--min-age`: drop versions published too recently (locked ones stay,
/// so the current lock remains a valid starting point); also returns the dropped versions.
/// The clock is read here, at the edge.
fn apply_cooldown_flags(
    policy: &CooldownPolicy,
    snapshot: crate::index::IndexSnapshot,
    graph: &crate::vet::required::PackageGraph,
    shell: &Shell,
) -> anyhow::Result<(crate::index::IndexSnapshot, Vec<CooledVersion>)> {
    if policy.exclude_newer.is_none() && policy.min_age.is_none() {
        return Ok((snapshot, Vec::new()));
    }
    let keep = graph.crates_io_versions();
    let outcome = apply_cooldown(&snapshot, policy, jiff::Timestamp::now(), &keep);
    shell.status(
        "Cooldown",
        format!(
            "{} versions published too recently are not considered ({} locked ones kept, {} without a publish time kept)",
            outcome.dropped.len(),
            outcome.kept_locked.len(),
            outcome.without_pubtime
        ),
    );
    Ok((outcome.snapshot, outcome.dropped))
}

/// Writes a replayable instance (gzipped when the name ends in `.gz`).
fn write_instance(path: &std::path::Path, inst: &model::Instance) -> anyhow::Result<()> {
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        inst.to_gzip()
    } else {
        inst.to_json()
    };
    std::fs::write(path, bytes)
        .with_context(|| format!("cannot write the instance to {}", path.display()))
}

/// The versions of the chosen lock that do not build for the listed targets, each with the
/// declared edges from built packages (or roots) that would have pulled it in.
fn optimum_not_built(
    m: &model::Model,
    values: &[bool],
    roots: &model::Roots,
    index: &BTreeMap<String, crate::index::IndexCrate>,
    builds: model::EdgeFilter<'_>,
) -> Vec<NotBuilt> {
    let chosen: Vec<(usize, &model::Pkg)> = m
        .pkgs
        .iter()
        .enumerate()
        .filter(|(_, p)| values[p.x])
        .collect();
    // the version's shared list (an `Arc`), not a copy: this runs per pair of packages
    let deps_of = |p: &model::Pkg| -> std::sync::Arc<Vec<crate::index::IndexDep>> {
        index
            .get(&p.name)
            .and_then(|c| c.versions.iter().find(|v| v.version == p.version))
            .map(|v| v.deps.clone())
            .unwrap_or_default()
    };
    let hits = |d: &crate::index::IndexDep, q: &model::Pkg| {
        d.registry.is_none() && d.crate_name() == q.name && d.req.matches(&q.version)
    };
    let mut out = Vec::new();
    for (_, q) in chosen.iter().filter(|(_, q)| !q.built(values)) {
        let mut cut_edges = Vec::new();
        let mut unbuilt_dependents: BTreeSet<String> = BTreeSet::new();
        let mut optional_off: BTreeSet<String> = BTreeSet::new();
        for (i, r) in roots.packages.iter().enumerate() {
            for d in r.deps.iter().filter(|d| hits(d, q)) {
                if !builds(model::EdgeFrom::Root(i), d) {
                    cut_edges.push(CutEdge {
                        from: r.name.clone(),
                        kind: d.kind.as_str().to_string(),
                        target: d.target.clone(),
                    });
                }
            }
        }
        for (id, p) in &chosen {
            for d in deps_of(p)
                .iter()
                .filter(|d| d.kind != DepKind::Dev && hits(d, q))
            {
                let label = format!("{} {}", p.name, p.version);
                let off_in_build = d.optional
                    && m.built_optdeps
                        .get(&(*id, d.name.clone()))
                        .is_some_and(|ob| !values[*ob]);
                if !p.built(values) {
                    unbuilt_dependents.insert(label);
                } else if off_in_build {
                    optional_off.insert(label);
                } else if !builds(model::EdgeFrom::Pkg(&p.name, &p.version), d) {
                    cut_edges.push(CutEdge {
                        from: label,
                        kind: d.kind.as_str().to_string(),
                        target: d.target.clone(),
                    });
                }
            }
        }
        out.push(NotBuilt::new(
            q.name.clone(),
            q.version.to_string(),
            cut_edges,
            unbuilt_dependents,
            optional_off,
        ));
    }
    out.sort_by(|a, b| (&a.krate, &a.version).cmp(&(&b.krate, &b.version)));
    out
}

/// The advisory database the optimiser honours: `--advisory-db`, else cargo-audit's default
/// location when it exists; None with `--no-advisories` or when there is none.
fn load_advisories(
    source: &AdvisorySource,
) -> anyhow::Result<Option<(crate::advisory::AdvisoryDb, String)>> {
    let dir = match source {
        AdvisorySource::Off => return Ok(None),
        AdvisorySource::Dir(d) => d.clone(),
        AdvisorySource::CargoAuditDefault => {
            let cargo_home = std::env::var_os("CARGO_HOME").map(std::path::PathBuf::from);
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            match crate::advisory::load::default_db_dir(cargo_home.as_deref(), home.as_deref()) {
                Some(d) => d,
                None => return Ok(None),
            }
        }
    };
    let files = crate::advisory::load::DirAdvisoryFiles::new(&dir);
    let db = crate::advisory::load::load_db(&files)
        .with_context(|| format!("cannot read the advisory database at {}", dir.display()))?;
    Ok(Some((db, dir.display().to_string())))
}

/// Says which advisories bind: always for locked versions (the lock must move), in verbose
/// mode for the other candidates they remove.
fn report_blocked(blocked: &[Blocked], shell: &Shell) {
    for b in blocked.iter().filter(|b| b.locked) {
        shell.warn(format!(
            "{} {} (in Cargo.lock) is affected by {}; the new lock will not use it",
            b.name,
            b.version,
            b.ids.join(", ")
        ));
    }
    let others = blocked.iter().filter(|b| !b.locked).count();
    if others > 0 {
        shell.status(
            "Excluded",
            format!("{others} candidate versions affected by advisories (-v lists them)"),
        );
        for b in blocked.iter().filter(|b| !b.locked) {
            shell.verbose(
                "Excluded",
                format!("{} {}: {}", b.name, b.version, b.ids.join(", ")),
            );
        }
    }
}
