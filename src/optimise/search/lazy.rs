//! The lazy pricing loop. Candidates start at a proven lower bound (0 until their crate is
//! touched, then the bound from full counts); the model is solved; the picked versions whose
//! price is only a bound are priced exactly, with some cheaper-bounded rivals; the model is
//! solved again, until every picked version is exact. Every candidate's exact price is at
//! least what the model used, so the last answer is optimal for exact prices.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use semver::Version;

use crate::model;
use crate::optimise::prices::{Price, PriceContext};
use crate::optimise::reduce::{dominated, interchangeable_groups};
use crate::solve::{self, SolveOptions};

use super::book::{keys_of, picked_uses, price_from_counts, set_exact, Book, PKey};
use super::counts::{AuditKey, FileKey, LineCounts, Progress};
use super::trail::{round_fingerprint, RoundProof, Step, Trail};

/// How many cheaper-bounded versions of a picked crate are priced exactly in the same round
/// (cheapest bound first). Each is a `git diff` when it is a delta (tens of milliseconds, then
/// cached), a solve round costs seconds: more rivals save rounds warm and cost diffs cold.
const RIVALS_PER_PICK: usize = 32;
/// For a crate an earlier round picked too: all its cheaper-bounded versions, up to a cap
/// that keeps a crate of thousands of releases from costing thousands of diffs in one round.
const RIVALS_PER_REPICK: usize = 256;

/// What every solve of one search reads and never changes.
pub struct SearchEnv<'e> {
    pub cands: &'e model::Candidates<'e>,
    /// Per crate, the requirements on it (interchangeable groups are built from them).
    pub reqs: &'e BTreeMap<String, BTreeSet<String>>,
    pub opts: &'e SolveOptions,
    /// Leave out dominated versions in the separate full solve (not with `explain`, which
    /// forces versions in, dominated or not).
    pub prune: bool,
    /// Locked packages the model does not hold (they count as changed in every answer).
    pub locked_outside: u64,
    pub log: &'e dyn Progress,
    /// Interchangeable groups, built on first use: only a separate full solve reads them, and
    /// when every criterion fits one weighted stage there is none.
    groups: OnceLock<Vec<Vec<(String, Version)>>>,
}

impl<'e> SearchEnv<'e> {
    pub fn new(
        cands: &'e model::Candidates<'e>,
        reqs: &'e BTreeMap<String, BTreeSet<String>>,
        opts: &'e SolveOptions,
        prune: bool,
        locked_outside: u64,
        log: &'e dyn Progress,
    ) -> Self {
        SearchEnv {
            cands,
            reqs,
            opts,
            prune,
            locked_outside,
            log,
            groups: OnceLock::new(),
        }
    }
}

/// What a search learns as it goes: the price book (exact prices and bounds), the counts, the
/// crates whose every candidate is bounded, and the crates a round has picked inexact versions
/// of (`refine` prices all their cheaper rivals when the solver comes back).
pub struct Search<'a, C: LineCounts> {
    ctx: PriceContext<'a>,
    pub counts: C,
    pub book: Book,
    pub bounded: BTreeSet<String>,
    picked_before: BTreeSet<String>,
    /// Solve rounds so far (forks count their own).
    pub rounds: usize,
    /// MIP solves so far (a round whose proof a trail held solves nothing).
    pub solves: usize,
    /// The steps so far, and how the last round was solved.
    trail: Trail,
    /// Set by [`Search::replay`]: the trail, whose last round the first round repeats.
    replayed: Option<Trail>,
}

impl<'a, C: LineCounts> Search<'a, C> {
    /// `bounded`: the crates `book` already bounds every candidate of.
    pub fn new(ctx: PriceContext<'a>, counts: C, book: Book, bounded: BTreeSet<String>) -> Self {
        Search {
            ctx,
            counts,
            book,
            bounded,
            picked_before: BTreeSet::new(),
            rounds: 0,
            solves: 0,
            trail: Trail::default(),
            replayed: None,
        }
    }

    /// The steps this search took, for a later search with the same inputs.
    pub fn trail(&self) -> Trail {
        Trail {
            picked_before: self.picked_before.iter().cloned().collect(),
            ..self.trail.clone()
        }
    }

    /// Whether [`Search::replay`] rebuilt the book.
    pub fn replayed(&self) -> bool {
        self.replayed.is_some()
    }

    /// Replays a finished search's steps on this fresh one (see [`Trail`]). False, with nothing
    /// done, when the trail names a crate or key this search does not have, or this search has
    /// steps of its own already.
    pub fn replay(
        &mut self,
        cands: &model::Candidates<'_>,
        trail: &Trail,
        log: &dyn Progress,
    ) -> anyhow::Result<bool> {
        let known = trail.steps.iter().all(|step| match step {
            Step::Bound(names) => names.iter().all(|n| cands.by_crate.contains_key(n)),
            Step::Exact(keys) => keys.iter().all(|k| self.book.contains_key(k)),
        });
        if !known || !self.trail.steps.is_empty() || self.replayed() {
            return Ok(false);
        }
        for step in &trail.steps {
            match step {
                Step::Bound(names) => {
                    self.bound_crates(cands, names.iter().cloned().collect())?;
                }
                Step::Exact(keys) => self.price_exactly(keys, log)?,
            }
        }
        self.picked_before = trail.picked_before.iter().cloned().collect();
        self.replayed = Some(trail.clone());
        Ok(true)
    }

    /// What outlives the search: its counts, book and bounded crates.
    pub fn into_parts(self) -> (C, Book, BTreeSet<String>) {
        (self.counts, self.book, self.bounded)
    }

    /// A copy to search on elsewhere (another thread), from what this one knows now.
    pub fn fork(&self) -> Self {
        Search {
            ctx: self.ctx.clone(),
            counts: self.counts.fork(),
            book: self.book.clone(),
            bounded: self.bounded.clone(),
            picked_before: self.picked_before.clone(),
            rounds: 0,
            solves: 0,
            trail: self.trail.clone(),
            replayed: None,
        }
    }

    /// Takes in what a fork counted and its rounds, so the summary counts all of it.
    pub fn absorb(&mut self, fork: &mut Search<'_, C>) {
        self.counts.absorb(&mut fork.counts);
        self.rounds += fork.rounds;
    }

    /// Prices `keys` exactly (deltas counted) and records the prices.
    pub fn price_exactly(&mut self, keys: &[PKey], log: &dyn Progress) -> anyhow::Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        self.trail.steps.push(Step::Exact(keys.to_vec()));
        let mut need_exact: BTreeSet<AuditKey> = BTreeSet::new();
        for key in keys {
            for (from, to) in self.ctx.candidate_audits(&key.0, &key.1, key.2)? {
                need_exact.insert((key.0.clone(), from, to));
            }
        }
        self.counts.count_deltas(&need_exact)?;
        for key in keys {
            let price = price_from_counts(&mut self.ctx, &self.counts, key)?;
            anyhow::ensure!(
                price.is_exact(),
                "internal: {} {} still inexact after exact counting",
                key.0,
                key.1
            );
            set_exact(&mut self.book, key, price, log);
        }
        Ok(())
    }

    /// Bounds every candidate of the crates `names` not bounded yet (full counts): the proven
    /// lower bound replaces the 0 they start with. Returns (keys bounded, files needed).
    pub fn bound_crates(
        &mut self,
        cands: &model::Candidates<'_>,
        names: BTreeSet<String>,
    ) -> anyhow::Result<(usize, usize)> {
        let touched: BTreeSet<String> = names
            .into_iter()
            .filter(|n| !self.bounded.contains(n) && cands.by_crate.contains_key(n))
            .collect();
        if !touched.is_empty() {
            self.trail
                .steps
                .push(Step::Bound(touched.iter().cloned().collect()));
        }
        let mut need_files: BTreeSet<FileKey> = BTreeSet::new();
        let mut to_bound: Vec<PKey> = Vec::new();
        for name in &touched {
            for c in &cands.by_crate[name] {
                for key in keys_of(&self.book, name, c.version()) {
                    if self.book[&key] == Price::Vetted {
                        continue;
                    }
                    for (from, to) in self.ctx.candidate_audits(name, c.version(), key.2)? {
                        need_files.insert((name.clone(), to));
                        if let Some(f) = from {
                            need_files.insert((name.clone(), f));
                        }
                    }
                    to_bound.push(key);
                }
            }
        }
        self.counts.count_files(&need_files)?;
        for key in &to_bound {
            let price = price_from_counts(&mut self.ctx, &self.counts, key)?;
            self.book.insert(key.clone(), price);
        }
        self.bounded.extend(touched);
        Ok((to_bound.len(), need_files.len()))
    }

    /// Bounds every candidate of the crates `picked` touches, then prices the picked versions
    /// exactly, with some of their cheaper-bounded rivals; all of them (up to
    /// `RIVALS_PER_REPICK`) for crates picked in an earlier round: a crate the solver comes
    /// back to round after round would otherwise cost a solve round per batch of rivals.
    pub fn refine(
        &mut self,
        cands: &model::Candidates<'_>,
        picked: &[PKey],
        log: &dyn Progress,
    ) -> anyhow::Result<()> {
        let started = log.seconds();
        // Bound every candidate of the crates the solver touched, so it stops picking unknowns.
        let touched: BTreeSet<String> = picked.iter().map(|(n, _, _)| n.clone()).collect();
        let (bounded_keys, files) = self.bound_crates(cands, touched)?;
        let bounds_secs = log.seconds() - started;
        // Exact prices for what was picked (and is still inexact).
        let inexact: Vec<PKey> = picked
            .iter()
            .filter(|k| !self.book[*k].is_exact())
            .cloned()
            .collect();
        self.price_exactly(&inexact, log)?;
        // The versions of the same crates whose bound is below what the picked version turned
        // out to cost would be picked next, one solve round each: price them now.
        let mut rivals: Vec<PKey> = Vec::new();
        for key in picked {
            let exact = self.book[key].model_cost();
            let mut cheaper: Vec<(u64, PKey)> = cands.by_crate[&key.0]
                .iter()
                .map(|c| (key.0.clone(), c.version().clone(), key.2))
                .filter_map(|k| {
                    let p = self.book.get(&k)?;
                    (!p.is_exact() && p.model_cost() < exact).then(|| (p.model_cost(), k))
                })
                .collect();
            cheaper.sort();
            let take = if self.picked_before.contains(&key.0) {
                RIVALS_PER_REPICK
            } else {
                RIVALS_PER_PICK
            };
            rivals.extend(cheaper.into_iter().take(take).map(|(_, k)| k));
        }
        rivals.sort();
        rivals.dedup();
        self.price_exactly(&rivals, log)?;
        log.note(
            "Priced",
            format!(
                "{} rivals exact; {} crates bounded ({} files, {bounds_secs:.2}s), {} versions exact ({:.2}s)",
                rivals.len(),
                bounded_keys,
                files,
                picked.len(),
                log.seconds() - started - bounds_secs
            ),
        );
        Ok(())
    }
}

/// Rounds solve the stages up to the first that reads prices (every criterion when they fit
/// one weighted stage, else lines alone) until the picked versions are all exactly priced;
/// then, if stages remain, the full lexicographic solve, which may pick other versions tied
/// on those criteria (priced in turn). Exact prices of the picked versions and lower bounds
/// elsewhere make the answer optimal for the exact prices too. `full`: end with every
/// criterion; else stop after the first that reads prices. None when no lock satisfies the
/// model (with its extra rows).
pub fn lazy_solve<C: LineCounts>(
    env: &SearchEnv<'_>,
    st: &mut Search<'_, C>,
    m: &mut model::Model,
    full: bool,
) -> anyhow::Result<Option<solve::Solution>> {
    // a replayed search solves its first round as the trail's last one was solved, from
    // the trail's answer (taken once: later rounds and `explain`'s solves start as usual)
    let mut replayed = st.replayed.as_mut().map(std::mem::take);
    let mut until_priced = !replayed.as_ref().is_some_and(|t| t.last_round_full);
    loop {
        st.trail.last_round_full = !until_priced;
        st.trail.proof = None;
        let recorded_proof = replayed.as_ref().and_then(|t| t.proof.clone());
        let recorded = replayed.take().map(|t| {
            let n = m.num_vars();
            let mut values = vec![false; n];
            for &v in t.answer.iter().filter(|&&v| v < n) {
                values[v] = true;
            }
            values
        });
        st.rounds += 1;
        for p in m.pkgs.iter_mut() {
            let (name, version) = (p.name.clone(), p.version.clone());
            p.set_costs(|set| st.book[&(name.clone(), version.clone(), set)].model_cost());
        }
        if let (Some(values), Some(proof)) = (&recorded, &recorded_proof) {
            if let Some(sol) = proven_before(env, st, m, values, proof, until_priced) {
                env.log.note(
                    "Reused",
                    "the proof of an earlier search: the same MIP, solved optimal".to_owned(),
                );
                st.trail.answer = set_vars(&sol.values);
                st.trail.proof = Some(proof.clone());
                return Ok(Some(sol));
            }
        }
        let t = env.log.seconds();
        let round_opts = SolveOptions {
            until_priced,
            start: recorded.clone(),
            ..env.opts.clone()
        };
        // The separate full solve (criteria in stages of their own) leaves out versions a
        // cheaper, newer interchangeable one makes useless (fixed to 0 for it; rows taken
        // out again, so the model stays whole): its later stage, under the row fixing lines,
        // presolves faster. Not the pricing rounds: there it changes which tied answer HiGHS
        // returns, and so the pricing path, without making the rounds faster.
        let left_out = if env.prune && !until_priced {
            let exact = |i: usize| {
                let p = &m.pkgs[i];
                p.tiers
                    .iter()
                    .all(|t| st.book[&(p.name.clone(), p.version.clone(), t.set)].is_exact())
            };
            let groups = env
                .groups
                .get_or_init(|| interchangeable_groups(env.cands, env.reqs));
            dominated(groups, &m.pkgs, &exact)
        } else {
            Vec::new()
        };
        let whole = m.rows.len();
        m.rows.extend(left_out.iter().map(|&i| model::Row {
            terms: vec![(m.pkgs[i].x, 1.0)],
            lo: 0.0,
            hi: 0.0,
        }));
        env.log.before_solve();
        st.solves += 1;
        let outcome = solve::solve(m, env.locked_outside, &round_opts);
        m.rows.truncate(whole);
        let outcome = outcome?;
        let cuts = match &outcome {
            solve::Outcome::Solved(sol) if sol.cut_rounds > 0 => {
                format!(" ({} cut rounds)", sol.cut_rounds)
            }
            _ => String::new(),
        };
        env.log.note(
            "Solved",
            format!("round {} in {:.2}s{cuts}", st.rounds, env.log.seconds() - t),
        );
        let mut sol = match outcome {
            solve::Outcome::Solved(sol) => sol,
            solve::Outcome::Unsat => return Ok(None),
        };
        if let Some(recorded) = recorded {
            // the recorded answer, when it is as good as what the solver returned
            sol = solve::prefer(m, sol, recorded);
        }
        let picked: Vec<PKey> = picked_uses(m, &sol.values)
            .into_iter()
            .filter(|k| !st.book[k].is_exact())
            .collect();
        if picked.is_empty() {
            // one weighted stage holds every criterion when it fits (`criteria::stages`):
            // then the round's answer is already the full solve's
            if until_priced && full && !sol.complete {
                until_priced = false;
                continue;
            }
            st.trail.answer = set_vars(&sol.values);
            st.trail.proof = (sol.status == solve::Status::Optimal).then(|| RoundProof {
                fingerprint: round_fingerprint(m, &st.book, until_priced, &st.trail.answer),
                complete: sol.complete,
            });
            return Ok(Some(sol));
        }
        env.log.note(
            "Pricing",
            format!(
                "round {}: {} picked versions need exact prices",
                st.rounds,
                picked.len()
            ),
        );
        st.refine(env.cands, &picked, env.log)?;
        st.picked_before.extend(picked.into_iter().map(|k| k.0));
    }
}

/// The variables set in an assignment, as a trail records an answer.
fn set_vars(values: &[bool]) -> Vec<usize> {
    (0..values.len()).filter(|&v| values[v]).collect()
}

/// The recorded answer with the recorded proof, when this round is the MIP that proof was for
/// (same fingerprint) and the answer is still a valid lock whose every pick is exactly priced.
fn proven_before<C: LineCounts>(
    env: &SearchEnv<'_>,
    st: &Search<'_, C>,
    m: &model::Model,
    values: &[bool],
    proof: &RoundProof,
    until_priced: bool,
) -> Option<solve::Solution> {
    if proof.fingerprint != round_fingerprint(m, &st.book, until_priced, &set_vars(values)) {
        return None;
    }
    let exact = picked_uses(m, values)
        .iter()
        .all(|k| st.book.get(k).is_some_and(Price::is_exact));
    if !exact {
        return None;
    }
    solve::proven_answer(m, env.locked_outside, values.to_vec(), proof.complete)
}
