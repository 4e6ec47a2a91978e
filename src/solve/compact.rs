//! The threshold form of a model's rows (ARCHITECTURE.md), built just before the backend call.
//!
//! Per (name, bucket) with versions `v_0 < … < v_{n−1}`, chain variables
//! `s_a = Σ_{j≥a} x[v_j]` (`s_a = x[v_a] + s_{a+1}`, `s_{n−1}` is `x[v_{n−1}]` itself). A
//! caret or tilde requirement matches a run of consecutive versions, and so do the versions
//! sharing a dependency list or defining a feature; a run `a..=b` is `s_a − s_{b+1}`: two
//! terms instead of `b − a + 1`. Each row's terms with the same coefficient over one bucket are
//! covered by maximal runs, runs of three or more versions are rewritten. The rewrite is an
//! exact linear substitution (same integer points, same LP relaxation), only smaller: on
//! loot-condition-interpreter the rows lose most of their nonzeros (serde's 228 versions
//! appear in hundreds of rows). Deploy variables `d` of a bucket get chains of their own.
//! Chain variables are continuous: integral whenever `x` is.

use std::collections::BTreeMap;

use crate::model::{Model, Row, VarId};

/// Rows in threshold form plus what is needed to map assignments both ways.
pub struct Compact {
    pub rows: Vec<Row>,
    /// Total variables: the model's, then the chain variables (continuous).
    pub num_vars: usize,
    /// Per chain variable: the model variables it sums.
    chains: Vec<Vec<VarId>>,
}

/// Per package variable: (bucket group, position in the bucket).
struct Position {
    group: usize,
    pos: usize,
}

pub fn compact(m: &Model, rows: &[Row]) -> Compact {
    let first_chain = m.num_vars();
    // families in version order: per bucket its x variables, its built variables (b ≤ x)
    // and its variables per price step k ≥ 1 (r ≤ x): each family holds at most one true
    let mut members: BTreeMap<usize, Vec<(semver::Version, VarId)>> = BTreeMap::new();
    let kinds = 1 + m.pkgs.iter().map(|p| p.tiers.len()).max().unwrap_or(1);
    let family = |g: usize, kind: usize| g * kinds + kind;
    for (p, pkg) in m.pkgs.iter().enumerate() {
        let g = m.group_of.get(p).copied().unwrap_or(p);
        members
            .entry(family(g, 0))
            .or_default()
            .push((pkg.version.clone(), pkg.x));
        if let Some(b) = pkg.b {
            members
                .entry(family(g, 1))
                .or_default()
                .push((pkg.version.clone(), b));
        }
        for (k, t) in pkg.tiers.iter().enumerate().skip(1) {
            members
                .entry(family(g, 1 + k))
                .or_default()
                .push((pkg.version.clone(), t.var));
        }
    }
    let mut at: Vec<Option<Position>> = (0..m.num_vars()).map(|_| None).collect();
    // chain[g][a] = variable for s_a (a < n−1; s_{n−1} is the last x)
    let mut chain_var: BTreeMap<usize, Vec<VarId>> = BTreeMap::new();
    let mut xs_of: BTreeMap<usize, Vec<VarId>> = BTreeMap::new();
    let mut chains: Vec<Vec<VarId>> = Vec::new();
    let mut out: Vec<Row> = Vec::new();
    for (g, mut vs) in members {
        vs.sort();
        let xs: Vec<VarId> = vs.iter().map(|(_, x)| *x).collect();
        for (pos, x) in xs.iter().enumerate() {
            at[*x] = Some(Position { group: g, pos });
        }
        if xs.len() >= 3 {
            let n = xs.len();
            let ids: Vec<VarId> = (0..n - 1).map(|a| first_chain + chains.len() + a).collect();
            for a in 0..n - 1 {
                chains.push(xs[a..].to_vec());
            }
            // s_a − x_a − s_{a+1} = 0
            for a in 0..n - 1 {
                let next = if a + 1 == n - 1 {
                    xs[n - 1]
                } else {
                    ids[a + 1]
                };
                out.push(Row {
                    terms: vec![(ids[a], 1.0), (xs[a], -1.0), (next, -1.0)],
                    lo: 0.0,
                    hi: 0.0,
                });
            }
            chain_var.insert(g, ids);
        }
        xs_of.insert(g, xs);
    }
    let s_of = |g: usize, a: usize| -> VarId {
        let xs = &xs_of[&g];
        if a == xs.len() - 1 {
            xs[a]
        } else {
            chain_var[&g][a]
        }
    };
    for r in rows {
        // merge duplicate terms, then split by (bucket, coefficient)
        let mut coef: BTreeMap<VarId, f64> = BTreeMap::new();
        for (v, c) in &r.terms {
            *coef.entry(*v).or_default() += c;
        }
        let mut terms: Vec<(VarId, f64)> = Vec::new();
        let mut runs: BTreeMap<(usize, i64), Vec<usize>> = BTreeMap::new();
        for (v, c) in coef {
            if c == 0.0 {
                continue;
            }
            match &at[v] {
                Some(p) if chain_var.contains_key(&p.group) && c.fract() == 0.0 => {
                    runs.entry((p.group, c as i64)).or_default().push(p.pos)
                }
                _ => terms.push((v, c)),
            }
        }
        for ((g, c), mut ps) in runs {
            let c = c as f64;
            ps.sort_unstable();
            let xs = &xs_of[&g];
            let mut i = 0;
            while i < ps.len() {
                let mut j = i;
                while j + 1 < ps.len() && ps[j + 1] == ps[j] + 1 {
                    j += 1;
                }
                let (a, b) = (ps[i], ps[j]);
                if b - a + 1 >= 3 {
                    terms.push((s_of(g, a), c));
                    if b + 1 < xs.len() {
                        terms.push((s_of(g, b + 1), -c));
                    }
                } else {
                    terms.extend((a..=b).map(|k| (xs[k], c)));
                }
                i = j + 1;
            }
        }
        out.push(Row {
            terms,
            lo: r.lo,
            hi: r.hi,
        });
    }
    Compact {
        rows: out,
        num_vars: first_chain + chains.len(),
        chains,
    }
}

impl Compact {
    /// Extends a model assignment with its chain values.
    pub fn extend(&self, val: &[bool]) -> Vec<bool> {
        let mut out = val.to_vec();
        out.extend(self.chains.iter().map(|xs| xs.iter().any(|x| val[*x])));
        out
    }
}
