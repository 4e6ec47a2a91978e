//! `explain`'s table: for each candidate version of a crate, the cheapest valid lock holding
//! it, proven optimal with the same lazy pricing as the optimum. The forced solves are
//! independent, so they run on `jobs` threads.

use std::collections::HashMap;

use semver::Version;

use crate::model;
use crate::solve::{self, Status};

use super::counts::LineCounts;
use super::lazy::{lazy_solve, Search, SearchEnv};

/// One version of an explained crate: the cheapest valid lock that contains it.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub version: Version,
    /// The optimum already holds it.
    pub chosen: bool,
    /// Backlog of the cheapest lock with this version (None: no valid lock contains it).
    pub backlog: Option<u64>,
    pub status: Option<Status>,
    /// What this version itself adds to that backlog, and what it is used for ("deploy",
    /// "dev only", "nothing").
    pub own_lines: Option<u64>,
    pub used_for: Option<&'static str>,
    /// Why the row's lock could not be confirmed (its backlog is then not shown).
    pub error: Option<String>,
}

/// The cheapest lock holding a version (None: no valid lock does), and what the version adds
/// to it, for which use.
type Answer = (Option<solve::Solution>, Option<(u64, &'static str)>);

/// One row per version of `versions` (package index, version), in that order, with its lock:
/// the optimum's own answer for the version it holds, a forced solve for each other one. The
/// rows' backlogs are the model's until the caller re-checks them.
///
/// The other versions are dealt out to `jobs` runs in turn, so each run gets old and new
/// versions alike (contiguous runs left one thread with the quick, often unsatisfiable old
/// versions and the other with the expensive new ones) and still neighbouring versions,
/// which need much the same exact prices. Each run searches on its own copy of the search as
/// the optimum left it and of the model, so a row depends on `jobs` only where tied locks
/// differ in the forced version's own use, never in its backlog, which is proven optimal.
/// What the runs counted, and their rounds, go back to `st`.
pub fn cheapest_with_each<C: LineCounts>(
    env: &SearchEnv<'_>,
    st: &mut Search<'_, C>,
    m: &model::Model,
    optimum: &solve::Solution,
    versions: Vec<(usize, Version)>,
    jobs: usize,
) -> anyhow::Result<Vec<(Alternative, Option<solve::Solution>)>> {
    let forced: Vec<usize> = versions
        .iter()
        .map(|(i, _)| *i)
        .filter(|i| !optimum.values[m.pkgs[*i].x])
        .collect();
    let jobs = jobs.clamp(1, forced.len().max(1));
    let runs: Vec<Vec<usize>> = (0..jobs)
        .map(|k| forced.iter().skip(k).step_by(jobs).copied().collect())
        .collect();
    // the forks copy `st` before the first run (on this thread, on `st` itself) adds to it
    let mut forks: Vec<Search<'_, C>> = runs.iter().skip(1).map(|_| st.fork()).collect();
    let results: Vec<anyhow::Result<Vec<Answer>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .skip(1)
            .zip(forks.iter_mut())
            .map(|(run, fork)| scope.spawn(move || forced_run(env, fork, m, run)))
            .collect();
        // `jobs` is at least 1, so there is a first run (empty when every version is chosen)
        let mut results = vec![forced_run(env, st, m, &runs[0])];
        results.extend(
            handles
                .into_iter()
                .map(|h| h.join().expect("an explain thread panicked")),
        );
        results
    });
    for fork in &mut forks {
        st.absorb(fork);
    }
    let mut by_pkg: HashMap<usize, Answer> = HashMap::new();
    for (run, result) in runs.iter().zip(results) {
        by_pkg.extend(run.iter().copied().zip(result?));
    }
    Ok(versions
        .into_iter()
        .map(|(i, version)| {
            let chosen = optimum.values[m.pkgs[i].x];
            let (found, own) = if chosen {
                let own = own_price(&m.pkgs[i], optimum);
                (Some(optimum.clone()), Some(own))
            } else {
                by_pkg.remove(&i).expect("every other version was solved")
            };
            let row = Alternative {
                version,
                chosen,
                backlog: found.as_ref().map(|s| s.objective.lines),
                status: found.as_ref().map(|s| s.status),
                own_lines: own.map(|o| o.0),
                used_for: own.map(|o| o.1),
                error: None,
            };
            (row, found)
        })
        .collect())
}

/// The cheapest lock with each package of `run` forced in, one after the other on `st`.
fn forced_run<C: LineCounts>(
    env: &SearchEnv<'_>,
    st: &mut Search<'_, C>,
    m: &model::Model,
    run: &[usize],
) -> anyhow::Result<Vec<Answer>> {
    let mut answers = Vec::with_capacity(run.len());
    if run.is_empty() {
        return Ok(answers);
    }
    let mut m = m.clone();
    for &i in run {
        m.rows.push(model::Row {
            terms: vec![(m.pkgs[i].x, 1.0)],
            lo: 1.0,
            hi: 1.0,
        });
        let found = lazy_solve(env, st, &mut m, false);
        m.rows.pop();
        let found = found?;
        // the last round priced the forced version exactly (it was picked)
        let own = found.as_ref().map(|sol| own_price(&m.pkgs[i], sol));
        answers.push((found, own));
    }
    Ok(answers)
}

/// What a chosen version adds to its lock's backlog, and what it is used for: "deploy"
/// (safe-to-deploy required), "dev only" (safe-to-run), "nothing" (a policy asks nothing of
/// it). A version not built for the listed targets adds nothing.
fn own_price(pkg: &model::Pkg, sol: &solve::Solution) -> (u64, &'static str) {
    match pkg.tier_of(&sol.values) {
        None => (0, "deploy"),
        Some(k) => {
            let set = pkg.tiers[k].set;
            let used = if set.has(1) {
                "deploy"
            } else if set.is_empty() {
                "nothing"
            } else {
                "dev only"
            };
            (pkg.tiers[k].cost, used)
        }
    }
}
