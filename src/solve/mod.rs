//! The optimiser: cheapest valid lock for a [`Model`], lexicographically.
//!
//! Criteria ([`criteria`]), in the order the user gives (`--objective`, default
//! `-lines,-audits,-changed,-lag`): `lines` (Σ price of chosen versions), `audits` (chosen
//! versions with a price > 0), `changed` (chosen versions the current lock does not hold: a bump
//! counts once; packages that fall out are a consequence, not a choice), `lag` (newer releases
//! in the chosen versions' buckets). Solved as one weighted sum (each weight above the largest
//! value of everything after it) while that sum's upper bound stays exact in a double (2^53),
//! which it does on every corpus project; otherwise as sequential MIP stages, each a weighted
//! sum of the criteria that fit, whose optimum becomes a row (`≤ value`) for the stages after
//! it. One stage is 2–6× faster than two: the row fixing the first stage's optimum is a dense
//! row of prices that slows presolve and weakens the LP relaxation ([`criteria::stages`]).
//! The model has no "nothing extra" rows: an answer may hold packages or features nothing
//! forces. Every answer is reduced to the least lock its choices force ([`eval::least`]), which
//! is valid and no worse on every criterion (all only grow with more packages), so the
//! reduced lock is optimal whenever the answer was. Package cycles (Cargo rejects "cyclic
//! package dependency") are cut off with no-goods and the stage is solved again; so is an
//! answer whose least lock drops a variable a row asks for (`explain` forcing a version in),
//! with a support cut ([`eval::support_cut`]).
//! Warm start: the current lock, completed with the features Cargo would activate, when it is a
//! valid assignment; each stage starts from the previous one's answer. Backend: HiGHS via
//! good_lp, gaps 0.

pub mod compact;
pub mod criteria;
pub mod highs_backend;

use std::collections::BTreeMap;

use semver::Version;

use crate::model::{eval, Model, Row};

pub use criteria::{Criterion, Order, OrderError};
use highs_backend::RawOutcome;

#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Per MIP stage, seconds (None: no limit).
    pub time_limit: Option<f64>,
    /// Rounds of loop cuts per stage before giving up.
    pub max_cut_rounds: usize,
    /// Pass the current lock as a MIP start.
    pub warm_start: bool,
    /// HiGHS log on stdout (debugging only).
    pub verbose: bool,
    /// The criteria, in priority order.
    pub order: criteria::Order,
    /// Stop after the first stage that reads prices (lines, audits): the later criteria are then
    /// not minimised. For the rounds of lazy pricing, where only that stage's optimum decides
    /// what to price next.
    pub until_priced: bool,
    /// HiGHS's presolve probing (off by default). Probing is an exact reduction: turning it on
    /// changes how long a solve takes, never what it proves; on these models (many small
    /// implication rows) it costs more than it saves.
    pub probing: bool,
    /// Lines in a MIP stage of its own, the other criteria after it, instead of one weighted
    /// stage when the weighted sum fits
    /// ([`criteria::stages`]). Experiments and tests comparing both; `MINAUDIT_STAGED=1`.
    pub staged: bool,
    /// Extra HiGHS options as (name, value) for experiments (the app reads them from
    /// `MINAUDIT_HIGHS_OPTIONS`); values parse as bool, int, float, else string.
    pub highs_options: Vec<(String, String)>,
    /// An assignment to start from instead of the current lock (a replayed search's answer),
    /// used when it satisfies every row.
    pub start: Option<Vec<bool>>,
}

/// `name=value,name=value` as (name, value) pairs for [`SolveOptions::highs_options`].
pub fn parse_highs_options(spec: &str) -> Vec<(String, String)> {
    spec.split(',')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            time_limit: None,
            max_cut_rounds: 50,
            warm_start: true,
            verbose: false,
            order: criteria::Order::default(),
            until_priced: false,
            probing: false,
            staged: false,
            highs_options: Vec::new(),
            start: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal (gap 0) on every stage.
    Optimal,
    /// A valid lock, optimality not proven (time limit).
    Feasible,
}

impl Status {
    /// The name reports use (`solver.status` in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Feasible => "feasible",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Objective {
    pub lines: u64,
    pub audits: u64,
    pub changed: u64,
    pub lag: u64,
}

impl Objective {
    pub fn get(&self, c: Criterion) -> u64 {
        match c {
            Criterion::Lines => self.lines,
            Criterion::Audits => self.audits,
            Criterion::Changed => self.changed,
            Criterion::Lag => self.lag,
        }
    }

    /// The values in `order`'s priority, for comparing two answers lexicographically.
    pub fn key(&self, order: &Order) -> Vec<u64> {
        order.criteria().iter().map(|c| self.get(*c)).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Chosen registry versions per crate name, ascending.
    pub chosen: BTreeMap<String, Vec<Version>>,
    pub objective: Objective,
    pub status: Status,
    /// Largest relative MIP gap over the stages (0 when optimal).
    pub gap: f64,
    /// Whether the current lock was a valid assignment of the model (then used as warm start).
    pub current_lock_valid: bool,
    /// Objective of the current lock when it was valid.
    pub current: Option<Objective>,
    /// Cut rounds needed (loop or cycle cuts; 0 when the first answer was valid).
    pub cut_rounds: usize,
    /// Whether every criterion was minimised (false when `until_priced` stopped before the
    /// last stage).
    pub complete: bool,
    /// The final assignment, one value per model variable (packages, features, optional
    /// dependencies, routes, and-nodes): what a lock writer reads edges and routes from.
    pub values: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Solved(Solution),
    /// No lock satisfies the model (explanations come later).
    Unsat,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SolveError {
    #[error("solver backend error: {0}")]
    Backend(String),
    #[error("no valid lock found within the time limit; raise --time-limit")]
    NoSolution,
    #[error("package cycles or unsupported forced versions still present after {0} cut rounds; this is a bug, please report it")]
    CutLimit(usize),
    #[error(
        "the solver returned an assignment violating row {0}; this is a bug, please report it"
    )]
    Inconsistent(usize),
}

/// Objective values of a complete assignment.
pub fn objective_of(m: &Model, val: &[bool]) -> Objective {
    let mut o = Objective::default();
    for p in &m.pkgs {
        if val[p.x] {
            // a version not built for the listed targets (b = 0) costs nothing: no audit
            let price = p.price(val);
            o.lines += price;
            o.audits += u64::from(price > 0);
            o.changed += u64::from(!p.locked);
            o.lag += p.lag;
        }
    }
    o
}

/// Solves one stage, adding loop cuts to `rows` until the answer is founded.
fn run_stage(
    m: &Model,
    rows: &mut Vec<Row>,
    objective: &[(usize, f64)],
    start: Option<&[bool]>,
    opts: &SolveOptions,
    rounds: &mut usize,
) -> Result<Option<(Vec<bool>, bool, f64)>, SolveError> {
    let mut start = start.map(<[bool]>::to_vec);
    for _ in 0..=opts.max_cut_rounds {
        let c = compact::compact(m, rows);
        let start_full = start.as_deref().map(|s| c.extend(s));
        let started = start_full.is_some();
        let raw = highs_backend::solve(
            c.num_vars,
            m.num_vars(),
            &c.rows,
            objective,
            start_full.as_deref(),
            opts,
        )?;
        let (values, proven, gap) = match raw {
            RawOutcome::Infeasible => return Ok(None),
            RawOutcome::NoSolution => return Err(SolveError::NoSolution),
            RawOutcome::Solved {
                values,
                proven,
                gap,
                objective: proved,
            } => {
                // HiGHS 1.16 can map a MIP start into its presolved space with another
                // objective value, then call that value optimal and return the start
                // (glean under --target: start 995,572, "optimal" 980,841, true optimum
                // 985,020). The answer must have the value HiGHS proved: else solve again
                // without the start, and never call a mismatch proven.
                let ours: f64 = objective
                    .iter()
                    .filter(|(v, _)| values.get(*v) == Some(&true))
                    .map(|(_, c)| c)
                    .sum();
                // integral values within HiGHS's integrality tolerance (1e-6) on weighted stages
                let tolerance = 0.5 + 1e-6 * ours.abs().max(proved.abs());
                let consistent = (ours - proved).abs() <= tolerance;
                if !consistent && started {
                    start = None;
                    continue;
                }
                (values, proven && consistent, gap)
            }
        };
        if let Some(r) = eval::first_violated(rows, &values) {
            return Err(SolveError::Inconsistent(r));
        }
        // the lock Cargo builds from these choices: a subset, at least as good on every objective
        let least = eval::least(m, &values);
        if let Some(r) = eval::first_violated(rows, &least) {
            // a row asking for a variable nothing in the lock needs (`explain` forcing a
            // version in): cut off answers that hold it without support, and solve again
            let cut = rows[r]
                .terms
                .iter()
                .filter(|(_, c)| *c > 0.0)
                .find_map(|(v, _)| eval::support_cut(m, &values, &least, *v));
            rows.push(cut.ok_or(SolveError::Inconsistent(r))?);
        } else if let Some(cycle) = eval::find_cycle(m, &least) {
            rows.push(eval::cycle_cut(&cycle));
        } else {
            return Ok(Some((least, proven, gap)));
        }
        *rounds += 1;
        // the start stays valid unless the cut removed it
        start = start.filter(|s| eval::first_violated(rows, s).is_none());
    }
    Err(SolveError::CutLimit(opts.max_cut_rounds))
}

/// Finds the lexicographically cheapest valid lock under `opts.order`. `locked_outside` counts
/// current-lock registry packages that are not candidates (each is a change whatever is chosen).
pub fn solve(m: &Model, locked_outside: u64, opts: &SolveOptions) -> Result<Outcome, SolveError> {
    let mut rows = m.all_rows();
    // rows without variables (an always-active edge nothing can satisfy): decided right here
    if rows
        .iter()
        .any(|r| r.terms.is_empty() && (0.0 < r.lo - 1e-9 || 0.0 > r.hi + 1e-9))
    {
        return Ok(Outcome::Unsat);
    }
    rows.retain(|r| !r.terms.is_empty());

    let (current, current_ok) = current_lock(m, &rows, locked_outside);
    let mut rounds = 0;

    let given = opts
        .start
        .clone()
        .filter(|s| s.len() == m.num_vars() && eval::first_violated(&rows, s).is_none());
    let mut start: Option<Vec<bool>> =
        given.or_else(|| (opts.warm_start && current_ok).then(|| current.clone()));
    let stages = criteria::stages(&opts.order, m, opts.staged, start.as_deref());
    // with `until_priced`, the stages up to the first that reads prices (all when none does)
    let last = match opts.until_priced {
        true => stages
            .iter()
            .position(criteria::Stage::reads_prices)
            .unwrap_or(stages.len() - 1),
        false => stages.len() - 1,
    };
    let (mut proven_all, mut gap_max) = (true, 0.0f64);
    for (i, stage) in stages[..=last].iter().enumerate() {
        let objective = stage.terms(m);
        let Some((values, proven, gap)) = run_stage(
            m,
            &mut rows,
            &objective,
            start.as_deref(),
            opts,
            &mut rounds,
        )?
        else {
            if i == 0 {
                return Ok(Outcome::Unsat);
            }
            break; // cannot happen: the previous answer satisfies every row so far
        };
        // later stages keep this one's optimum
        let value: f64 = objective
            .iter()
            .filter(|(v, _)| values[*v])
            .map(|(_, c)| c)
            .sum();
        rows.push(Row {
            terms: objective,
            lo: f64::NEG_INFINITY,
            hi: value,
        });
        start = Some(values);
        proven_all &= proven;
        gap_max = gap_max.max(gap);
    }
    let values = start.expect("the first stage found an answer");
    let proof = Proof {
        proven: proven_all,
        gap: gap_max,
        cut_rounds: rounds,
        complete: last == stages.len() - 1,
    };
    Ok(Outcome::Solved(solution(
        m, values, proof, current_ok, &current,
    )))
}

/// `other` instead of `sol` when it is a valid lock of `m` (every row, the least lock its
/// choices force, no package cycle) with the same objective: of tied optima, the one a caller
/// had before.
pub fn prefer(m: &Model, sol: Solution, other: Vec<bool>) -> Solution {
    let valid = other.len() == m.num_vars()
        && other != sol.values
        && objective_of(m, &other) == sol.objective
        && is_lock(m, &m.all_rows(), &other);
    if !valid {
        return sol;
    }
    // the same objective and proof; only the choices differ
    Solution {
        chosen: chosen_of(m, &other),
        values: other,
        ..sol
    }
}

/// `values` as an optimal answer proven by an earlier solve of the same MIP (a replayed
/// search's), when it is a valid lock of `m`: every row, the least lock its choices force, no
/// package cycle. `complete`: whether that solve minimised every criterion.
pub fn proven_answer(
    m: &Model,
    locked_outside: u64,
    values: Vec<bool>,
    complete: bool,
) -> Option<Solution> {
    let rows = m.all_rows();
    if !is_lock(m, &rows, &values) {
        return None;
    }
    let (current, current_ok) = current_lock(m, &rows, locked_outside);
    let proof = Proof {
        proven: true,
        gap: 0.0,
        cut_rounds: 0,
        complete,
    };
    Some(solution(m, values, proof, current_ok, &current))
}

/// Whether `values` is a valid lock of `m`: every row, the least lock its choices force, no
/// package cycle.
fn is_lock(m: &Model, rows: &[Row], values: &[bool]) -> bool {
    values.len() == m.num_vars()
        && eval::first_violated(rows, values).is_none()
        && eval::least(m, values) == values
        && eval::find_cycle(m, values).is_none()
}

/// The current lock as an assignment (completed with the features Cargo would activate), and
/// whether it is a valid answer of `m` (then the MIP start).
fn current_lock(m: &Model, rows: &[Row], locked_outside: u64) -> (Vec<bool>, bool) {
    let locked: Vec<bool> = m.pkgs.iter().map(|p| p.locked).collect();
    let current = eval::complete(m, &locked);
    // a locked package outside the candidates is one Cargo would drop: the lock is not a fixed point
    let current_ok = locked_outside == 0 && is_lock(m, rows, &current);
    (current, current_ok)
}

/// The registry versions an assignment chooses, per crate name, ascending.
fn chosen_of(m: &Model, values: &[bool]) -> BTreeMap<String, Vec<Version>> {
    let mut chosen: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for p in m.pkgs.iter().filter(|p| values[p.x]) {
        chosen
            .entry(p.name.clone())
            .or_default()
            .push(p.version.clone());
    }
    for vs in chosen.values_mut() {
        vs.sort();
    }
    chosen
}

/// How far a solve got: what [`Solution`] reports besides the assignment.
struct Proof {
    proven: bool,
    gap: f64,
    cut_rounds: usize,
    complete: bool,
}

fn solution(
    m: &Model,
    values: Vec<bool>,
    proof: Proof,
    current_ok: bool,
    current: &[bool],
) -> Solution {
    Solution {
        chosen: chosen_of(m, &values),
        objective: objective_of(m, &values),
        status: if proof.proven {
            Status::Optimal
        } else {
            Status::Feasible
        },
        gap: proof.gap,
        current_lock_valid: current_ok,
        current: current_ok.then(|| objective_of(m, current)),
        cut_rounds: proof.cut_rounds,
        complete: proof.complete,
        values,
    }
}
