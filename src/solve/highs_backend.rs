//! One MIP solve of a [`Model`] with HiGHS, modelled through good_lp.
//!
//! good_lp builds the problem; we take the `highs::Model` out of it (`try_into_inner`) to set
//! options ourselves and to read the MIP gap, which good_lp's solution type hides. Gaps are 0
//! (`mip_rel_gap`, `mip_abs_gap`): with HiGHS's default 1e-4 "optimal" would not be proven.

use good_lp::{variable, Expression, ProblemVariables, Variable};
use highs::{HighsModelStatus, HighsSolutionStatus};

use crate::model::Row;

use super::SolveError;

/// Result of one backend call.
#[derive(Debug, Clone)]
pub enum RawOutcome {
    /// Values per variable, whether optimality was proven, the relative gap, and the
    /// objective value HiGHS reports (checked against the values by the caller).
    Solved {
        values: Vec<bool>,
        proven: bool,
        gap: f64,
        objective: f64,
    },
    Infeasible,
    /// Stopped (time limit) with no incumbent.
    NoSolution,
}

/// `kPresolveRuleProbing`'s position in HiGHS 1.16's presolve rule enum (`HConst.h`).
const PRESOLVE_RULE_PROBING: u32 = 15;

/// HiGHS's `mip_pool_soft_limit` (cuts kept in the pool); see where it is set.
const MIP_POOL_SOFT_LIMIT: i32 = 1000;

fn expression(terms: &[(usize, f64)], vars: &[Variable]) -> Expression {
    let mut e = Expression::with_capacity(terms.len());
    for (v, c) in terms {
        e.add_mul(*c, vars[*v]);
    }
    e
}

fn opt<V: highs::HighsOptionValue>(m: &mut highs::Model, k: &str, v: V) -> Result<(), SolveError> {
    m.try_set_option(k, v)
        .map_err(|e| SolveError::Backend(format!("cannot set HiGHS option {k}: {e:?}")))
}

/// Minimises `objective` subject to `rows`; variables below `num_binary` are binary, the rest
/// continuous in [0, 1].
pub fn solve(
    num_vars: usize,
    num_binary: usize,
    rows: &[Row],
    objective: &[(usize, f64)],
    start: Option<&[bool]>,
    opts: &super::SolveOptions,
) -> Result<RawOutcome, SolveError> {
    let (time_limit, verbose, probing) = (opts.time_limit, opts.verbose, opts.probing);
    let mut pv = ProblemVariables::new();
    let vars: Vec<Variable> = (0..num_vars)
        .map(|i| {
            if i < num_binary {
                pv.add(variable().binary())
            } else {
                pv.add(variable().min(0.0).max(1.0))
            }
        })
        .collect();
    let mut problem = pv
        .minimise(expression(objective, &vars))
        .using(good_lp::highs);
    for r in rows {
        let e = expression(&r.terms, &vars);
        use good_lp::SolverModel;
        if r.lo == r.hi {
            problem.add_constraint(e.eq(r.lo));
        } else {
            if r.lo.is_finite() {
                problem.add_constraint(e.clone().geq(r.lo));
            }
            if r.hi.is_finite() {
                problem.add_constraint(e.leq(r.hi));
            }
        }
    }
    let mut model = problem
        .try_into_inner()
        .map_err(|e| SolveError::Backend(e.to_string()))?;
    opt(&mut model, "output_flag", verbose)?;
    opt(&mut model, "log_to_console", verbose)?;
    opt(&mut model, "mip_rel_gap", 0.0)?;
    opt(&mut model, "mip_abs_gap", 0.0)?;
    // one thread: the machines are shared, and HiGHS's MIP search is mostly serial anyway
    opt(&mut model, "threads", 1)?;
    // A smaller cut pool than HiGHS's 10,000: a full pool holds much memory on long branch and
    // bound searches and searched no faster; cuts only strengthen the relaxation, so what is
    // proven is the same.
    opt(&mut model, "mip_pool_soft_limit", MIP_POOL_SOFT_LIMIT)?;
    if !probing {
        // HiGHS's presolve rule bit for probing (kPresolveRuleProbing in HConst.h, 1.16)
        opt(
            &mut model,
            "presolve_rule_off",
            1i32 << PRESOLVE_RULE_PROBING,
        )?;
    }
    for (k, v) in &opts.highs_options {
        if let Ok(b) = v.parse::<bool>() {
            opt(&mut model, k, b)?;
        } else if let Ok(i) = v.parse::<i32>() {
            opt(&mut model, k, i)?;
        } else if let Ok(f) = v.parse::<f64>() {
            opt(&mut model, k, f)?;
        } else {
            opt(&mut model, k, v.as_str())?;
        }
    }
    if let Some(t) = time_limit {
        opt(&mut model, "time_limit", t)?;
    }
    if let Some(start) = start {
        let cols: Vec<f64> = start.iter().map(|b| if *b { 1.0 } else { 0.0 }).collect();
        model
            .try_set_solution(Some(&cols), None, None, None)
            .map_err(|e| SolveError::Backend(format!("cannot pass the warm start: {e:?}")))?;
    }
    let solved = model
        .try_solve()
        .map_err(|e| SolveError::Backend(format!("HiGHS failed: {e:?}")))?;
    let status = solved.status();
    let proven = match status {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Ok(RawOutcome::Infeasible)
        }
        HighsModelStatus::Optimal => true,
        HighsModelStatus::ModelEmpty => true,
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit
        | HighsModelStatus::ObjectiveBound
        | HighsModelStatus::ObjectiveTarget => false,
        other => return Err(SolveError::Backend(format!("HiGHS status {other:?}"))),
    };
    if status != HighsModelStatus::ModelEmpty
        && solved.primal_solution_status() != HighsSolutionStatus::Feasible
    {
        return Ok(RawOutcome::NoSolution);
    }
    let gap = if proven { 0.0 } else { solved.mip_gap() };
    let objective_value = solved.objective_value();
    let sol = solved.get_solution();
    let values = (0..num_binary)
        .map(|i| sol.columns().get(i).is_some_and(|v| *v > 0.5))
        .collect();
    Ok(RawOutcome::Solved {
        values,
        proven,
        gap,
        objective: objective_value,
    })
}
