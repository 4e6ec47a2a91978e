//! Joint audit plans (`--plan joint`): when a lock holds several unaudited versions of one
//! crate, `cargo vet suggest` prices each on its own (a full audit, or a delta from a version
//! already audited). Once one of them is audited, a delta from it to the next is often far
//! cheaper than that one's own suggestion. The cheapest set of audits that covers every
//! version is a minimum-cost arborescence: nodes are the versions to audit plus a root
//! standing for "what is vetted today"; the root's edge to a version costs its own suggestion,
//! the edge from one version to another costs the delta between them (only between versions
//! that need the same criteria: a delta certifies what its base was certified for). Solved
//! exactly with Chu–Liu/Edmonds. Pure: suggestions and a delta-count lookup in, a plan out.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use super::suggest::SuggestedAudit;

/// The deltas a joint plan may use: both directions between every two suggested versions of
/// one crate that need the same criteria, as `(crate, from, to)`.
pub fn candidate_deltas(audits: &[SuggestedAudit]) -> BTreeSet<(String, Version, Version)> {
    let mut out = BTreeSet::new();
    for group in groups(audits).values() {
        for &a in group {
            for &b in group {
                let (a, b) = (&audits[a], &audits[b]);
                if a.to != b.to && a.criteria == b.criteria {
                    out.insert((a.krate.clone(), a.to.semver.clone(), b.to.semver.clone()));
                }
            }
        }
    }
    out
}

/// Audit indices per crate, for crates with at least two audits.
fn groups(audits: &[SuggestedAudit]) -> BTreeMap<&str, Vec<usize>> {
    let mut by_crate: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in audits.iter().enumerate() {
        by_crate.entry(a.krate.as_str()).or_default().push(i);
    }
    by_crate.retain(|_, v| v.len() > 1);
    by_crate
}

/// The cheapest audits covering the same versions: each suggestion is kept, or replaced by a
/// delta from another planned version when that is cheaper overall. `delta(krate, from, to)`
/// gives the lines of a delta from [`candidate_deltas`] (None: not counted, not used). The
/// result never costs more than the suggestions (the arborescence of root edges is one
/// candidate), in the order of `audits`.
pub fn plan(
    audits: &[SuggestedAudit],
    delta: &dyn Fn(&str, &Version, &Version) -> Option<u64>,
) -> Vec<SuggestedAudit> {
    let mut out: Vec<SuggestedAudit> = audits.to_vec();
    for group in groups(audits).values() {
        // node 0 is the root, node i + 1 is group[i]
        let mut edges: Vec<Edge> = Vec::new();
        for (i, &a) in group.iter().enumerate() {
            edges.push(Edge {
                from: 0,
                to: i + 1,
                cost: audits[a].lines,
            });
            for (j, &b) in group.iter().enumerate() {
                let (base, next) = (&audits[b], &audits[a]);
                if i == j || base.criteria != next.criteria || base.to == next.to {
                    continue;
                }
                if let Some(lines) = delta(&next.krate, &base.to.semver, &next.to.semver) {
                    edges.push(Edge {
                        from: j + 1,
                        to: i + 1,
                        cost: lines,
                    });
                }
            }
        }
        let parents =
            min_arborescence(group.len() + 1, 0, &edges).expect("every node has its root edge");
        for (i, &a) in group.iter().enumerate() {
            let e = &edges[parents[i + 1].expect("not the root")];
            if e.from != 0 {
                let base = &audits[group[e.from - 1]];
                out[a].from = Some(base.to.clone());
                out[a].lines = e.cost;
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub cost: u64,
}

/// Chu–Liu/Edmonds: per node, the index (into `edges`) of its incoming edge in a cheapest
/// spanning arborescence rooted at `root` (None for the root); None when some node cannot be
/// reached. O(V·E), fine for the handful of versions of one crate.
pub fn min_arborescence(n: usize, root: usize, edges: &[Edge]) -> Option<Vec<Option<usize>>> {
    // cheapest incoming edge per node
    let mut best: Vec<Option<usize>> = vec![None; n];
    for (i, e) in edges.iter().enumerate() {
        if e.to != root && e.from != e.to && best[e.to].is_none_or(|j| e.cost < edges[j].cost) {
            best[e.to] = Some(i);
        }
    }
    if (0..n).any(|v| v != root && best[v].is_none()) {
        return None;
    }
    // cycles among the chosen edges
    const NONE: usize = usize::MAX;
    let mut comp = vec![NONE; n];
    let mut seen_from = vec![NONE; n];
    let mut parts = 0;
    for start in 0..n {
        let mut u = start;
        while u != root && seen_from[u] == NONE && comp[u] == NONE {
            seen_from[u] = start;
            u = edges[best[u].expect("checked")].from;
        }
        if u != root && seen_from[u] == start && comp[u] == NONE {
            let mut w = u;
            loop {
                comp[w] = parts;
                w = edges[best[w].expect("checked")].from;
                if w == u {
                    break;
                }
            }
            parts += 1;
        }
    }
    if parts == 0 {
        return Some(best);
    }
    for c in comp.iter_mut().filter(|c| **c == NONE) {
        *c = parts;
        parts += 1;
    }
    // contract: an edge into v costs what it saves over v's cheapest incoming edge
    let mut contracted: Vec<Edge> = Vec::new();
    let mut original: Vec<usize> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        let (cu, cv) = (comp[e.from], comp[e.to]);
        if cu != cv && e.to != root {
            let floor = edges[best[e.to].expect("not the root")].cost;
            contracted.push(Edge {
                from: cu,
                to: cv,
                cost: e.cost - floor,
            });
            original.push(i);
        }
    }
    let sub = min_arborescence(parts, comp[root], &contracted)?;
    let mut out = best;
    out[root] = None;
    for (c, chosen) in sub.iter().enumerate() {
        if c == comp[root] {
            continue;
        }
        let i = original[chosen.expect("not the contracted root")];
        out[edges[i].to] = Some(i);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vet::format::VetVersion;

    fn total(edges: &[Edge], parents: &[Option<usize>]) -> u64 {
        parents.iter().flatten().map(|&i| edges[i].cost).sum()
    }

    /// Every parent assignment, the cheapest one that is a tree (no cycles).
    fn brute_force(n: usize, edges: &[Edge]) -> Option<u64> {
        let incoming: Vec<Vec<usize>> = (0..n)
            .map(|v| (0..edges.len()).filter(|&i| edges[i].to == v).collect())
            .collect();
        let mut best: Option<u64> = None;
        let mut pick = vec![0usize; n];
        loop {
            let parents: Option<Vec<Option<usize>>> = (0..n)
                .map(|v| match v {
                    0 => Some(None),
                    _ => incoming[v].get(pick[v]).map(|&i| Some(i)),
                })
                .collect();
            if let Some(parents) = parents {
                let acyclic = (1..n).all(|v| {
                    let mut u = v;
                    for _ in 0..n {
                        match parents[u] {
                            None => return true,
                            Some(i) => u = edges[i].from,
                        }
                    }
                    false
                });
                if acyclic {
                    let t = total(edges, &parents);
                    best = Some(best.map_or(t, |b| b.min(t)));
                }
            }
            let mut k = 1;
            loop {
                if k == n {
                    return best;
                }
                pick[k] += 1;
                if pick[k] < incoming[k].len().max(1) {
                    break;
                }
                pick[k] = 0;
                k += 1;
            }
        }
    }

    #[test]
    fn edmonds_equals_brute_force_on_random_graphs() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let mut with_cycles = 0;
        for _ in 0..3000 {
            let n = 2 + next(5) as usize;
            let mut edges = Vec::new();
            for from in 0..n {
                for to in 1..n {
                    if from != to && next(100) < 60 {
                        edges.push(Edge {
                            from,
                            to,
                            cost: next(20),
                        });
                    }
                }
            }
            let ours = min_arborescence(n, 0, &edges);
            let truth = brute_force(n, &edges);
            assert_eq!(ours.as_ref().map(|p| total(&edges, p)), truth, "{edges:?}");
            if let Some(p) = &ours {
                // a real tree: every node reaches the root
                for v in 1..n {
                    let mut u = v;
                    for _ in 0..=n {
                        if u == 0 {
                            break;
                        }
                        u = edges[p[u].unwrap()].from;
                    }
                    assert_eq!(u, 0, "{edges:?} {p:?}");
                }
                // the greedy choice would have had a cycle at least sometimes
                let greedy: u64 = (1..n)
                    .map(|v| {
                        edges
                            .iter()
                            .filter(|e| e.to == v)
                            .map(|e| e.cost)
                            .min()
                            .unwrap()
                    })
                    .sum();
                with_cycles += usize::from(greedy < total(&edges, p));
            }
        }
        assert!(with_cycles > 50, "cycles exercised {with_cycles} times");
    }

    fn audit(krate: &str, from: Option<&str>, to: &str, lines: u64, crit: &str) -> SuggestedAudit {
        let v = |s: &str| VetVersion::new(Version::parse(s).unwrap());
        SuggestedAudit {
            krate: krate.into(),
            from: from.map(v),
            to: v(to),
            criteria: vec![crit.into()],
            lines,
            for_versions: vec![v(to)],
        }
    }

    #[test]
    fn a_delta_from_one_planned_version_replaces_a_full_audit_of_another() {
        let audits = vec![
            audit("syn", None, "1.0.109", 50_000, "safe-to-deploy"),
            audit("syn", None, "2.0.50", 60_000, "safe-to-deploy"),
            audit("log", None, "0.4.20", 3_000, "safe-to-deploy"),
            // a different criterion: no delta to or from it
            audit("syn", Some("1.0.100"), "1.0.99", 900, "safe-to-run"),
        ];
        let delta = |k: &str, from: &Version, to: &Version| {
            (k == "syn").then_some(match (from.major, to.major) {
                (2, 1) => 20_000,
                (1, 2) => 35_000,
                _ => 500,
            })
        };
        let joint = plan(&audits, &delta);
        assert_eq!(
            joint[0].from.as_ref().map(|v| v.to_string()).as_deref(),
            Some("2.0.50")
        );
        assert_eq!(joint[0].lines, 20_000);
        assert_eq!(joint[1], audits[1], "the full audit of 2.0.50 stays");
        assert_eq!(joint[2], audits[2], "log has one version");
        assert_eq!(
            joint[3], audits[3],
            "safe-to-run cannot build on safe-to-deploy here"
        );
        let asked = candidate_deltas(&audits);
        assert_eq!(asked.len(), 2, "{asked:?}");
    }
}
