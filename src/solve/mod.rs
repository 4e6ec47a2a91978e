//! The optimiser: cheapest valid lock for a [`Model`], lexicographically.
//!
//! Objectives, in order: `lines` (Σ price of chosen versions), `audits` (chosen versions with a
//! price > 0), `changed` (chosen versions the current lock does not hold: a bump counts once;
//! packages that fall out are a consequence, not a choice). Solved as two sequential MIPs rather than one weighted sum,
//! because line counts reach 10^9 and weights on top would leave double precision:
//! stage 1 minimises lines; stage 2 adds `lines ≤ L*` and minimises `audits·W + changed` with
//! `W = max changed + 1` (both small integers, so that weighted sum is exact).
//! The model has no "nothing extra" rows: an answer may hold packages or features nothing
//! forces. Every answer is reduced to the least lock its choices force ([`eval::least`]), which
//! is valid and no worse on every objective (all three only grow with more packages), so the
//! reduced lock is optimal whenever the answer was. Package cycles (Cargo rejects "cyclic
//! package dependency") are cut off with no-goods and the stage is solved again.
//! Warm start: the current lock, completed with the features Cargo would activate, when it is a
//! valid assignment; stage 2 starts from stage 1's answer. Backend: HiGHS via good_lp, gaps 0.

pub mod compact;
pub mod highs_backend;

use std::collections::BTreeMap;

use semver::Version;

use crate::model::{eval, Model, Row};

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
    /// Stop after the first stage (lines): audits and changed are then not minimised. For the
    /// rounds of lazy pricing, where only the lines optimum decides what to price next.
    pub lines_only: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            time_limit: None,
            max_cut_rounds: 50,
            warm_start: true,
            verbose: false,
            lines_only: false,
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
    #[error("self-supporting sets or package cycles still present after {0} cut rounds; raise the limit or report it")]
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
        }
    }
    o
}

struct Stage {
    objective: Vec<(usize, f64)>,
}

/// Solves one stage, adding loop cuts to `rows` until the answer is founded.
fn run_stage(
    m: &Model,
    rows: &mut Vec<Row>,
    stage: &Stage,
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
            &stage.objective,
            start_full.as_deref(),
            opts.time_limit,
            opts.verbose,
        )?;
        let (values, proven, gap) = match raw {
            RawOutcome::Infeasible => return Ok(None),
            RawOutcome::NoSolution => return Err(SolveError::NoSolution),
            RawOutcome::Solved {
                values,
                proven,
                gap,
                objective,
            } => {
                // HiGHS 1.16 can map a MIP start into its presolved space with another
                // objective value, then call that value optimal and return the start
                // (glean under --target: start 995,572, "optimal" 980,841, true optimum
                // 985,020). The answer must have the value HiGHS proved: else solve again
                // without the start, and never call a mismatch proven.
                let ours: f64 = stage
                    .objective
                    .iter()
                    .filter(|(v, _)| values.get(*v) == Some(&true))
                    .map(|(_, c)| c)
                    .sum();
                let consistent = (ours - objective).abs() <= 0.5;
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
        let values = eval::least(m, &values);
        if let Some(r) = eval::first_violated(rows, &values) {
            return Err(SolveError::Inconsistent(r));
        }
        if let Some(cycle) = eval::find_cycle(m, &values) {
            rows.push(eval::cycle_cut(&cycle));
        } else {
            return Ok(Some((values, proven, gap)));
        }
        *rounds += 1;
        // the start stays valid unless the cut removed it
        start = start.filter(|s| eval::first_violated(rows, s).is_none());
    }
    Err(SolveError::CutLimit(opts.max_cut_rounds))
}

/// Finds the lexicographically cheapest valid lock. `locked_outside` counts current-lock
/// registry packages that are not candidates (each is a change whatever is chosen).
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

    let locked: Vec<bool> = m.pkgs.iter().map(|p| p.locked).collect();
    let current = eval::complete(m, &locked);
    // a locked package outside the candidates is one Cargo would drop: the lock is not a fixed point
    let current_ok = locked_outside == 0
        && eval::first_violated(&rows, &current).is_none()
        && eval::least(m, &current) == current
        && eval::find_cycle(m, &current).is_none();
    let mut rounds = 0;

    // stage 1: lines
    // a package priced `cost_dev` for dev use, plus `cost − cost_dev` when deploy needs it
    // (under a target filter, b stands for x: a version not built costs nothing)
    let mut lines: Vec<(usize, f64)> = Vec::new();
    for p in &m.pkgs {
        match p.d {
            None => lines.push((p.built_var(), p.cost as f64)),
            Some(d) => {
                lines.push((p.built_var(), p.cost_dev as f64));
                lines.push((d, (p.cost - p.cost_dev) as f64));
            }
        }
    }
    lines.retain(|(_, c)| *c != 0.0);
    let start = (opts.warm_start && current_ok).then_some(current.as_slice());
    let Some((v1, proven1, gap1)) = run_stage(
        m,
        &mut rows,
        &Stage {
            objective: lines.clone(),
        },
        start,
        opts,
        &mut rounds,
    )?
    else {
        return Ok(Outcome::Unsat);
    };
    let best_lines = objective_of(m, &v1).lines;
    if opts.lines_only {
        return Ok(Outcome::Solved(solution(
            m, v1, proven1, gap1, current_ok, &current, rounds,
        )));
    }

    // stage 2: audits · W + changed, with lines fixed at (at most) the stage-1 value
    rows.push(Row {
        terms: lines.clone(),
        lo: f64::NEG_INFINITY,
        hi: best_lines as f64,
    });
    let w = (m.pkgs.len() + 1) as f64;
    let mut objective2: BTreeMap<usize, f64> = BTreeMap::new();
    for p in &m.pkgs {
        let change = if p.locked { 0.0 } else { 1.0 };
        let dev_audit = match p.d {
            None => p.cost > 0,
            Some(_) => p.cost_dev > 0,
        };
        *objective2.entry(p.x).or_default() += change;
        if dev_audit {
            *objective2.entry(p.built_var()).or_default() += w;
        }
        if let Some(d) = p.d {
            if p.cost_dev == 0 && p.cost > 0 {
                *objective2.entry(d).or_default() += w;
            }
        }
    }
    let objective2: Vec<(usize, f64)> = objective2.into_iter().filter(|(_, c)| *c != 0.0).collect();
    let (v2, proven2, gap2) = run_stage(
        m,
        &mut rows,
        &Stage {
            objective: objective2,
        },
        Some(&v1),
        opts,
        &mut rounds,
    )?
    .unwrap_or((v1, proven1, gap1)); // cannot be infeasible: v1 satisfies it

    Ok(Outcome::Solved(solution(
        m,
        v2,
        proven1 && proven2,
        gap1.max(gap2),
        current_ok,
        &current,
        rounds,
    )))
}

fn solution(
    m: &Model,
    values: Vec<bool>,
    proven: bool,
    gap: f64,
    current_ok: bool,
    current: &[bool],
    cut_rounds: usize,
) -> Solution {
    let mut chosen: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for p in &m.pkgs {
        if values[p.x] {
            chosen
                .entry(p.name.clone())
                .or_default()
                .push(p.version.clone());
        }
    }
    for vs in chosen.values_mut() {
        vs.sort();
    }
    Solution {
        chosen,
        objective: objective_of(m, &values),
        status: if proven {
            Status::Optimal
        } else {
            Status::Feasible
        },
        gap,
        current_lock_valid: current_ok,
        current: current_ok.then(|| objective_of(m, current)),
        cut_rounds,
        values,
    }
}
