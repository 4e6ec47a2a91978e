//! What cargo-vet requires of each version, as rules the model follows on every lock it can
//! choose (cargo-vet's `resolve_requirements`, ARCHITECTURE.md, Semantics), and the price tiers they give.
//!
//! A version's required set is the union of what its incoming edges deliver: a root's edge
//! delivers a fixed set (the roots' own sets never depend on the registry versions chosen);
//! a registry edge delivers its policy's `dependency-criteria` for that dependency, else the
//! dependent's own set ([`Flow::Inherit`]); a version whose policy sets `criteria` gets exactly
//! that, whatever its dependents deliver. [`tiers`] over-approximates, per candidate, the sets
//! that can reach it; when they form a chain (the usual case: {} ⊂ safe-to-run ⊂
//! safe-to-deploy) the model prices the version exactly with one variable per step.

use semver::Version;

use crate::index::{DepKind, IndexDep};
use crate::vet::criteria::CriteriaSet;

use super::candidates::Candidates;
use super::roots::Roots;

/// What a registry version's edge delivers to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The dependent's own required set.
    Inherit,
    /// A fixed set (`dependency-criteria`).
    Set(CriteriaSet),
}

/// The store's policies, as the model asks them.
pub trait UseRules {
    /// What edge `dep` of root `root` (index into [`Roots`]) asks of its target.
    fn root_edge(&self, root: usize, dep: &IndexDep) -> CriteriaSet;
    /// What a registry version's (normal or build) edge delivers.
    fn edge(&self, from: &str, version: &Version, dep: &IndexDep) -> Flow;
    /// A policy `criteria` for this version: exactly this set, whatever its dependents ask.
    fn fixed(&self, name: &str, version: &Version) -> Option<CriteriaSet>;
}

/// safe-to-run (criteria index 0).
pub fn run_set() -> CriteriaSet {
    let mut s = CriteriaSet::none();
    s.set(0);
    s
}

/// safe-to-deploy with what it implies (indices 1 and 0).
pub fn deploy_set() -> CriteriaSet {
    let mut s = run_set();
    s.set(1);
    s
}

/// cargo-vet's defaults with no policy: members ask safe-to-deploy of their normal and build
/// dependencies and safe-to-run of their dev-dependencies; everything else inherits.
pub struct DefaultRules;

impl UseRules for DefaultRules {
    fn root_edge(&self, _root: usize, dep: &IndexDep) -> CriteriaSet {
        if dep.kind == DepKind::Dev {
            run_set()
        } else {
            deploy_set()
        }
    }
    fn edge(&self, _: &str, _: &Version, _: &IndexDep) -> Flow {
        Flow::Inherit
    }
    fn fixed(&self, _: &str, _: &Version) -> Option<CriteriaSet> {
        None
    }
}

/// Per candidate (in [`Candidates::iter`] order): the required sets its price steps stand
/// for, smallest first, each containing the one before. Every set any lock can require of the
/// version is covered by the smallest step containing it; when the sets that can reach it are
/// not a chain the steps are their running unions (`exact` is then false for that version:
/// the model may price it above cargo-vet, which the final check reports).
pub struct Tiers {
    pub steps: Vec<Vec<CriteriaSet>>,
    pub exact: Vec<bool>,
}

/// The sets each candidate can be required: a least fixpoint over every candidate edge
/// (optional ones included), so it covers every lock the model allows.
pub fn tiers(cands: &Candidates<'_>, roots: &Roots, rules: &dyn UseRules) -> Tiers {
    let list: Vec<_> = cands.iter().collect();
    let mut id: std::collections::HashMap<(&str, &Version), usize> = Default::default();
    for (i, c) in list.iter().enumerate() {
        id.insert((c.name(), c.version()), i);
    }
    let matching = |d: &IndexDep| -> Vec<usize> {
        cands
            .by_crate
            .get(d.crate_name())
            .map(|cs| {
                cs.iter()
                    .filter(|c| d.registry.is_none() && d.req.matches(c.version()))
                    .map(|c| id[&(c.name(), c.version())])
                    .collect()
            })
            .unwrap_or_default()
    };
    let fixed: Vec<Option<CriteriaSet>> = list
        .iter()
        .map(|c| rules.fixed(c.name(), c.version()))
        .collect();
    let mut reach: Vec<Vec<CriteriaSet>> =
        fixed.iter().map(|f| f.iter().copied().collect()).collect();
    let mut queue: Vec<usize> = Vec::new();
    let add = |reach: &mut Vec<Vec<CriteriaSet>>, queue: &mut Vec<usize>, q: usize, s| {
        if fixed[q].is_none() && !reach[q].contains(&s) {
            reach[q].push(s);
            queue.push(q);
        }
    };
    for (i, r) in roots.packages.iter().enumerate() {
        for d in &r.deps {
            let s = rules.root_edge(i, d);
            for q in matching(d) {
                add(&mut reach, &mut queue, q, s);
            }
        }
    }
    queue.extend(0..list.len());
    queue.sort_unstable();
    queue.dedup();
    while let Some(p) = queue.pop() {
        let c = list[p];
        for d in c.live_deps() {
            let sets: Vec<CriteriaSet> = match rules.edge(c.name(), c.version(), d) {
                Flow::Set(s) => vec![s],
                Flow::Inherit => reach[p].clone(),
            };
            for q in matching(d) {
                for &s in &sets {
                    add(&mut reach, &mut queue, q, s);
                }
            }
        }
    }
    let mut steps = Vec::with_capacity(list.len());
    let mut exact = Vec::with_capacity(list.len());
    for mut sets in reach {
        sets.sort_by_key(|s| (s.indices().count(), *s));
        let chain = sets.windows(2).all(|w| w[1].contains(&w[0]));
        let mut out: Vec<CriteriaSet> = Vec::with_capacity(sets.len());
        for s in sets {
            let mut u = out.last().copied().unwrap_or_default();
            u.union_with(&s);
            if out.last() != Some(&u) {
                out.push(u);
            }
        }
        if out.is_empty() {
            // nothing can reach it: only an answer's extra choice, dropped from the lock
            out.push(CriteriaSet::none());
        }
        steps.push(out);
        exact.push(chain);
    }
    Tiers { steps, exact }
}
