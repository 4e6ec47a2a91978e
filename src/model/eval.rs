//! Evaluating assignments of a [`Model`]: completing a chosen package set (for warm starts),
//! checking rows, reducing a solver answer to the lock Cargo would build ([`least`]), and
//! finding package cycles (Cargo rejects them) for no-good cuts.

use super::encode::{Lit, Model, Row, VarId, VarKind};

fn lit(val: &[bool], l: Lit) -> bool {
    match l {
        Lit::True => true,
        Lit::Var(v) => val[v],
    }
}

/// Completes the assignment for `chosen` (per package): the features and optional
/// dependencies Cargo would activate, a route for each active multi-bucket edge.
pub fn complete(m: &Model, chosen: &[bool]) -> Vec<bool> {
    let mut val = vec![false; m.num_vars()];
    for (p, pkg) in m.pkgs.iter().enumerate() {
        val[pkg.x] = chosen[p];
    }
    let mut route_of: std::collections::HashMap<VarId, (usize, usize)> = Default::default();
    for (r, route) in m.routes.iter().enumerate() {
        for (i, (t, _)) in route.options.iter().enumerate() {
            route_of.insert(*t, (r, i));
        }
    }
    loop {
        let mut changed = false;
        for imp in &m.implications {
            if !holds(&imp.body, &val) || imp.heads.iter().any(|h| val[*h]) {
                continue;
            }
            // a route: the newest bucket holding a chosen matching version
            if let Some(&(r, _)) = imp.heads.first().and_then(|h| route_of.get(h)) {
                let pick = m.routes[r]
                    .options
                    .iter()
                    .rev()
                    .find(|(t, ps)| imp.heads.contains(t) && ps.iter().any(|p| chosen[*p]));
                if let Some((t, _)) = pick {
                    val[*t] = true;
                    changed = true;
                }
                continue;
            }
            for &h in &imp.heads {
                let ok = matches!(
                    m.kinds[h],
                    VarKind::Feature(..)
                        | VarKind::OptDep(..)
                        | VarKind::Requires(..)
                        | VarKind::Built(..)
                        | VarKind::BuiltFeature(..)
                        | VarKind::BuiltOptDep(..)
                ) && m.guards[&h].iter().any(|p| chosen[*p]);
                if ok {
                    val[h] = true;
                    changed = true;
                    break;
                }
            }
        }
        if !changed {
            return val;
        }
    }
}

fn holds(body: &[Vec<VarId>], val: &[bool]) -> bool {
    body.iter().all(|g| g.iter().any(|v| val[*v]))
}

/// The lock Cargo would build from the versions and routes `s` chooses: the least set of
/// variables the implications force from the roots, each forced head taken from `s`.
/// `s` must satisfy every row; then at most one head of each implication is true in `s`
/// (heads lie in one bucket, and a feature's variable and its leaf versions exclude each
/// other by the guards), so the result is determined, is a subset of `s`, and satisfies
/// every row again. This is how answers of the model without "no extra package" rows
/// become locks: extra choices only cost, so the subset is at least as good.
pub fn least(m: &Model, s: &[bool]) -> Vec<bool> {
    let mut val = vec![false; m.num_vars()];
    // watch lists: implications per body variable, plus those with an empty body
    let mut watch: Vec<Vec<usize>> = vec![Vec::new(); m.num_vars()];
    let mut queue: Vec<usize> = Vec::new();
    for (i, imp) in m.implications.iter().enumerate() {
        if imp.body.is_empty() {
            queue.push(i);
        }
        for g in &imp.body {
            for &v in g {
                watch[v].push(i);
            }
        }
    }
    while let Some(i) = queue.pop() {
        let imp = &m.implications[i];
        if !holds(&imp.body, &val) {
            continue;
        }
        for &h in &imp.heads {
            if s[h] && !val[h] {
                val[h] = true;
                queue.extend(watch[h].iter().copied());
            }
        }
    }
    val
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

/// A cycle of packages linked by active edges (Cargo rejects those: "cyclic package
/// dependency"), as the literals that together create it; None when acyclic.
pub fn find_cycle(m: &Model, val: &[bool]) -> Option<Vec<VarId>> {
    // adjacency over chosen packages: (target, literals making this edge)
    let mut adj: Vec<Vec<(usize, Vec<VarId>)>> = vec![Vec::new(); m.pkgs.len()];
    for e in &m.edges {
        let Some(from) = e.from else { continue };
        if !val[m.pkgs[from].x] || !lit(val, e.active) {
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
                    adj[from].push((q, lits));
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

/// A cut for `w`, a variable the answer `s` holds but its least lock `l` (`least(m, s)`) drops
/// although a row asks for it (`explain` forces a version in with `x = 1`, and the solver may
/// hold that version without any package needing it). Every lock holding `w` satisfies
/// `w ≤ Σ h` over the frontier heads `h` below, and `s` does not, so adding the row and solving
/// again never loses a lock and never returns `s`.
///
/// Why it holds. Let `B` be everything `w` can be derived from (the bodies of the implications
/// with a head in `B`, closed from `w`). Take any lock `A` holding `w`: `A` is its own least
/// set, so its variables are derived in some order. The first variable of `B \ l` derived there
/// comes from an implication whose body was derived before it, inside `B` and outside
/// `B \ l`, so inside `l`: that implication fires in `l` too, and the head it gave `A` lies in
/// `B \ l`. So every lock holding `w` holds a head, in `B \ l`, of an implication firing in `l`;
/// `w` is in `B \ l`, so there is one to take. In `s` every such head is false: `least` takes
/// the head `s` holds from each implication firing in `l`, which would put it in `l`. No head at
/// all means no lock holds `w` (the row is then `w ≤ 0`).
///
/// None when `w` is not in `s \ l` (nothing to cut).
pub fn support_cut(m: &Model, s: &[bool], l: &[bool], w: VarId) -> Option<Row> {
    if !s[w] || l[w] {
        return None;
    }
    let n = m.num_vars();
    let mut by_head: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, imp) in m.implications.iter().enumerate() {
        for &h in &imp.heads {
            by_head[h].push(i);
        }
    }
    // B: what w can be derived from; the implications with a head in B, each once
    let mut in_b = vec![false; n];
    let mut seen = vec![false; m.implications.len()];
    let mut reached: Vec<usize> = Vec::new();
    let mut stack = vec![w];
    in_b[w] = true;
    while let Some(u) = stack.pop() {
        for &i in &by_head[u] {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            reached.push(i);
            for &y in m.implications[i].body.iter().flatten() {
                if !std::mem::replace(&mut in_b[y], true) {
                    stack.push(y);
                }
            }
        }
    }
    let mut frontier: Vec<VarId> = reached
        .iter()
        .map(|&i| &m.implications[i])
        .filter(|imp| holds(&imp.body, l))
        .flat_map(|imp| imp.heads.iter().copied())
        .filter(|&h| in_b[h] && !l[h])
        .collect();
    frontier.sort_unstable();
    frontier.dedup();
    // by the argument above the answer holds none of them; a cut it satisfies would loop
    if frontier.iter().any(|&h| s[h] || h == w) {
        return None;
    }
    let mut terms = vec![(w, 1.0)];
    terms.extend(frontier.into_iter().map(|h| (h, -1.0)));
    Some(Row {
        terms,
        lo: f64::NEG_INFINITY,
        hi: 0.0,
    })
}
