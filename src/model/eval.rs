//! Evaluating assignments of a [`Model`]: completing a chosen package set (for warm starts),
//! checking rows, and finding unfounded (self-supporting) sets for loop cuts.
//!
//! Loop cut: let U be the variables true in an assignment but not derivable from the roots by
//! their reasons (least fixed point capped by the assignment). In any founded assignment, the
//! first-derived member of U is an Or-node (an And-node in U always has a component in U), so
//! it was derived from a reason outside U: `y ≤ Σ_{s ∈ ext(U)} s` for every Or-node y in U,
//! with ext(U) the reasons of U's Or-nodes that are not in U. The current assignment violates
//! it (every external reason is false there), so each round makes progress.

use super::encode::{Lit, Model, Row, VarId, VarKind};

fn lit(val: &[bool], l: Lit) -> bool {
    match l {
        Lit::True => true,
        Lit::Var(v) => val[v],
    }
}

/// Completes the assignment for `chosen` (per package): least features/optional deps Cargo
/// would activate, a route for each multi-bucket edge, conjunctions.
pub fn complete(m: &Model, chosen: &[bool]) -> Vec<bool> {
    let mut val = vec![false; m.num_vars()];
    for (p, pkg) in m.pkgs.iter().enumerate() {
        val[pkg.x] = chosen[p];
    }
    let guard = |val: &[bool], v: VarId| match &m.kinds[v] {
        VarKind::Feature(p, _) | VarKind::OptDep(p, _) => val[m.pkgs[*p].x],
        _ => false,
    };
    let mut ands: Vec<(&VarId, &Vec<VarId>)> = m.ands.iter().collect();
    ands.sort();
    loop {
        let mut changed = false;
        for imp in &m.implications {
            if imp.body.iter().all(|b| val[*b]) {
                for &h in &imp.heads {
                    if !val[h] && guard(&val, h) {
                        val[h] = true;
                        changed = true;
                    }
                }
            }
        }
        for r in &m.routes {
            if lit(&val, r.active) && !r.options.iter().any(|(t, _)| val[*t]) {
                // prefer the newest bucket holding a chosen matching version
                if let Some((t, _)) = r
                    .options
                    .iter()
                    .rev()
                    .find(|(_, ps)| ps.iter().any(|p| chosen[*p]))
                {
                    val[*t] = true;
                    changed = true;
                }
            }
        }
        for (r, comps) in &ands {
            let v = comps.iter().all(|c| val[*c]);
            if val[**r] != v {
                val[**r] = v;
                changed = true;
            }
        }
        if !changed {
            return val;
        }
    }
}

/// Index of the first row the assignment violates, if any.
pub fn first_violated(rows: &[Row], val: &[bool]) -> Option<usize> {
    rows.iter().position(|r| {
        let s: f64 = r
            .terms
            .iter()
            .map(|(v, c)| if val[*v] { *c } else { 0.0 })
            .sum();
        s < r.lo - 1e-9 || s > r.hi + 1e-9
    })
}

/// Variables true in `val` that their reasons do not derive from the roots.
pub fn unfounded(m: &Model, val: &[bool]) -> Vec<VarId> {
    let mut fix = vec![false; m.num_vars()];
    loop {
        let mut changed = false;
        for v in 0..m.num_vars() {
            if !val[v] || fix[v] {
                continue;
            }
            let ok = match m.ands.get(&v) {
                Some(comps) => comps.iter().all(|c| fix[*c]),
                None => m.supports[v].iter().any(|s| match s {
                    Lit::True => true,
                    Lit::Var(s) => fix[*s],
                }),
            };
            if ok {
                fix[v] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (0..m.num_vars()).filter(|v| val[*v] && !fix[*v]).collect()
}

/// Loop inequalities excluding the unfounded set `u` (see the module header).
pub fn loop_cuts(m: &Model, u: &[VarId]) -> Vec<Row> {
    let in_u: std::collections::HashSet<VarId> = u.iter().copied().collect();
    let mut ext: Vec<VarId> = Vec::new();
    let ors: Vec<VarId> = u
        .iter()
        .copied()
        .filter(|v| !m.ands.contains_key(v))
        .collect();
    for &y in &ors {
        for s in &m.supports[y] {
            if let Lit::Var(s) = s {
                if !in_u.contains(s) {
                    ext.push(*s);
                }
            }
        }
    }
    ext.sort_unstable();
    ext.dedup();
    ors.iter()
        .map(|&y| {
            let mut terms = vec![(y, 1.0)];
            terms.extend(ext.iter().map(|s| (*s, -1.0)));
            Row {
                terms,
                lo: f64::NEG_INFINITY,
                hi: 0.0,
            }
        })
        .collect()
}

/// A cycle of packages linked by active edges (Cargo rejects those: "cyclic package
/// dependency"), as the literals that together create it; None when acyclic.
pub fn find_cycle(m: &Model, val: &[bool]) -> Option<Vec<VarId>> {
    // adjacency over chosen packages: (target, literals making this edge)
    let mut adj: Vec<Vec<(usize, Vec<VarId>)>> = vec![Vec::new(); m.pkgs.len()];
    for e in &m.pkg_edges {
        if !val[m.pkgs[e.from].x] || !lit(val, e.active) {
            continue;
        }
        for (route, pkgs) in &e.targets {
            if !lit(val, *route) {
                continue;
            }
            for &q in pkgs {
                if val[m.pkgs[q].x] {
                    let mut lits = Vec::new();
                    for l in [e.active, *route] {
                        if let Lit::Var(v) = l {
                            lits.push(v);
                        }
                    }
                    adj[e.from].push((q, lits));
                }
            }
        }
    }
    // iterative DFS with colours; on a back edge, walk the stack back to the target
    let n = m.pkgs.len();
    let mut colour = vec![0u8; n];
    for s in 0..n {
        if colour[s] != 0 || !val[m.pkgs[s].x] {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(s, 0)];
        colour[s] = 1;
        while let Some(&mut (u, ref mut i)) = stack.last_mut() {
            if *i < adj[u].len() {
                let (w, _) = adj[u][*i];
                *i += 1;
                if colour[w] == 1 {
                    // cycle: stack from w to u, then the edge u -> w
                    let start = stack.iter().position(|(x, _)| *x == w).unwrap_or(0);
                    let mut lits = Vec::new();
                    for &(a, ia) in &stack[start..] {
                        lits.push(m.pkgs[a].x);
                        lits.extend(adj[a][ia - 1].1.iter().copied());
                    }
                    lits.sort_unstable();
                    lits.dedup();
                    return Some(lits);
                }
                if colour[w] == 0 {
                    colour[w] = 1;
                    stack.push((w, 0));
                }
            } else {
                colour[u] = 2;
                stack.pop();
            }
        }
    }
    None
}

/// `Σ lits ≤ |lits| − 1`: not all of the cycle's literals at once.
pub fn cycle_cut(lits: &[VarId]) -> Row {
    Row {
        terms: lits.iter().map(|v| (*v, 1.0)).collect(),
        lo: f64::NEG_INFINITY,
        hi: lits.len() as f64 - 1.0,
    }
}
