//! Shrinking the candidate set without losing the optimum.
//!
//! Two versions of one crate are *interchangeable* when they sit in the same semver bucket,
//! have the same dependency list (names, renames, requirements, kinds, targets, optional,
//! features, default-features), the same feature table and `links`, and every requirement on
//! that crate anywhere in the model (roots and candidates) matches both or neither. Any valid
//! lock using one stays valid with the other swapped in (same edges, same features, same
//! requirements satisfied), so only their prices tell them apart. In a group that holds a
//! version already vetted for what the crate needs (price 0, no audit), every other member is
//! at least as expensive in lines and in audits, so one vetted member (the newest) is enough;
//! locked members are kept too, so the "changed" objective and the warm start are unaffected.
//! When the `lag` criterion counts, members newer than the kept vetted one are kept as well:
//! they lag less, and an unvetted version can cost 0 lines (a delta with no text change), so
//! only an older member is sure to be no better on every criterion.
//! Groups with no vetted member are kept whole (their prices are only known lazily).
//!
//! Once prices are known, [`dominated`] goes further in the separate full lexicographic solve
//! (which runs when the criteria do not fit one weighted MIP stage): in a group, a version no
//! cheaper than a newer, exactly priced member is left out of it. HiGHS's
//! presolve does not find this (the members differ in cost only); it removes about a third of
//! incrementalmerkletree's versions.

use std::collections::{BTreeMap, BTreeSet};

use semver::{Version, VersionReq};

use crate::index::DepKind;
use crate::model::Candidates;

/// Every requirement on each crate in the candidate graph and the roots.
pub fn requirements_by_crate(
    cands: &Candidates<'_>,
    roots: &crate::model::Roots,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let deps = roots.packages.iter().flat_map(|r| r.deps.iter()).chain(
        cands
            .iter()
            .flat_map(|c| c.index.deps.iter().filter(|d| d.kind != DepKind::Dev)),
    );
    for d in deps {
        out.entry(d.crate_name().to_string())
            .or_default()
            .insert(d.req.to_string());
    }
    out
}

fn signature(c: &crate::model::candidates::Candidate<'_>, reqs: &[VersionReq]) -> String {
    let mut deps: Vec<String> = c
        .index
        .deps
        .iter()
        .filter(|d| d.kind != DepKind::Dev)
        .map(|d| {
            let mut f = d.features.clone();
            f.sort();
            format!(
                "{}|{:?}|{}|{:?}|{}|{}|{:?}|{:?}",
                d.name, d.package, d.req, f, d.optional, d.default_features, d.target, d.kind
            )
        })
        .collect();
    deps.sort();
    let matches: Vec<bool> = reqs.iter().map(|r| r.matches(c.version())).collect();
    format!(
        "{:?}#{:?}#{:?}#{:?}#{:?}",
        c.bucket, deps, c.index.features, c.index.links, matches
    )
}

/// The versions of one crate (`list`, ascending) grouped by interchangeability, as indices.
fn groups_of(
    name: &str,
    list: &[crate::model::candidates::Candidate<'_>],
    reqs: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Vec<usize>> {
    let parsed: Vec<VersionReq> = reqs
        .get(name)
        .map(|set| {
            set.iter()
                .filter_map(|r| VersionReq::parse(r).ok())
                .collect()
        })
        .unwrap_or_default();
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in list.iter().enumerate() {
        groups.entry(signature(c, &parsed)).or_default().push(i);
    }
    groups.into_values().collect()
}

/// Removes versions made redundant by an interchangeable vetted version; returns how many.
/// With `keep_newer` (lag is a criterion), versions newer than the vetted one stay.
pub fn drop_interchangeable(
    cands: &mut Candidates<'_>,
    reqs: &BTreeMap<String, BTreeSet<String>>,
    keep_newer: bool,
    is_vetted: &mut dyn FnMut(&str, &Version) -> bool,
) -> usize {
    let mut dropped = 0;
    for (name, list) in cands.by_crate.iter_mut() {
        let mut keep = vec![true; list.len()];
        for members in &groups_of(name, list, reqs) {
            // Newest vetted member, if any (list is ascending by version).
            let Some(&rep) = members
                .iter()
                .rev()
                .find(|&&i| is_vetted(name, list[i].version()))
            else {
                continue;
            };
            for &i in members {
                if i != rep && !list[i].locked && !(keep_newer && i > rep) {
                    keep[i] = false;
                    dropped += 1;
                }
            }
        }
        let mut i = 0;
        list.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
    cands.by_crate.retain(|_, l| !l.is_empty());
    dropped
}

/// The groups of interchangeable versions (two members or more), each ascending by version.
pub fn interchangeable_groups(
    cands: &Candidates<'_>,
    reqs: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Vec<(String, Version)>> {
    let mut out = Vec::new();
    for (name, list) in &cands.by_crate {
        out.extend(
            groups_of(name, list, reqs)
                .into_iter()
                .filter(|g| g.len() > 1)
                .map(|g| {
                    g.into_iter()
                        .map(|i| (name.clone(), list[i].version().clone()))
                        .collect()
                }),
        );
    }
    out
}

/// The versions (indices into `pkgs`) the full solve may leave out: `b` when a newer member
/// `a` of its interchangeable group (it lags no more) is exactly priced (`exact(a)`) and no
/// dearer in either use (`b`'s figures may be lower bounds: its true price is only higher);
/// `b` must not be locked (a change otherwise, and the warm start). "Newer and no dearer" is
/// a strict partial order, so every left-out version has a dominator that stays, in the same
/// bucket: swapping it in keeps a lock valid (same edges, features and requirements met) and
/// no worse on any criterion, so the optimum is unchanged.
pub fn dominated(
    groups: &[Vec<(String, Version)>],
    pkgs: &[crate::model::Pkg],
    exact: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let index: BTreeMap<(&str, &Version), usize> = pkgs
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.name.as_str(), &p.version), i))
        .collect();
    let mut out = Vec::new();
    for group in groups {
        let members: Vec<usize> = group
            .iter()
            .filter_map(|(n, v)| index.get(&(n.as_str(), v)).copied())
            .collect();
        let exacts: Vec<usize> = members.iter().copied().filter(|&a| exact(a)).collect();
        for &b in &members {
            let pb = &pkgs[b];
            let beaten = !pb.locked
                && exacts.iter().any(|&a| {
                    let pa = &pkgs[a];
                    pa.version > pb.version
                        && pa.tiers.len() == pb.tiers.len()
                        && pa
                            .tiers
                            .iter()
                            .zip(&pb.tiers)
                            .all(|(ta, tb)| ta.set == tb.set && ta.cost <= tb.cost)
                });
            if beaten {
                out.push(b);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::uses::{deploy_set, run_set};
    use crate::model::{Bucket, Pkg, Tier};

    fn pkg(version: &str, cost: u64, cost_dev: u64, locked: bool) -> Pkg {
        let version = Version::parse(version).unwrap();
        Pkg {
            name: "foo".into(),
            bucket: Bucket::of(&version),
            version,
            tiers: vec![
                Tier {
                    set: run_set(),
                    var: 0,
                    cost: cost_dev,
                },
                Tier {
                    set: deploy_set(),
                    var: 1,
                    cost,
                },
            ],
            locked,
            x: 0,
            lag: 0,
            b: None,
        }
    }

    fn group(pkgs: &[Pkg]) -> Vec<Vec<(String, Version)>> {
        vec![pkgs
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect()]
    }

    #[test]
    fn only_an_older_member_no_cheaper_than_a_newer_exact_one_is_left_out() {
        // 1.0.0 dearer and older than 1.0.2; 1.0.1 cheaper than 1.0.2 but older: it stays
        let pkgs = [
            pkg("1.0.0", 50, 50, false),
            pkg("1.0.1", 10, 10, false),
            pkg("1.0.2", 30, 30, false),
        ];
        assert_eq!(dominated(&group(&pkgs), &pkgs, &|_| true), vec![0]);
        // a tie goes to the newer one
        let pkgs = [pkg("1.0.0", 7, 7, false), pkg("1.0.1", 7, 7, false)];
        assert_eq!(dominated(&group(&pkgs), &pkgs, &|_| true), vec![0]);
        // cheaper for dev use only is cheaper: neither beats the other
        let pkgs = [pkg("1.0.0", 7, 1, false), pkg("1.0.1", 7, 5, false)];
        assert!(dominated(&group(&pkgs), &pkgs, &|_| true).is_empty());
    }

    #[test]
    fn locked_versions_stay_and_only_exact_members_dominate() {
        let pkgs = [pkg("1.0.0", 50, 50, true), pkg("1.0.1", 30, 30, false)];
        assert!(dominated(&group(&pkgs), &pkgs, &|_| true).is_empty());
        let pkgs = [pkg("1.0.0", 50, 50, false), pkg("1.0.1", 30, 30, false)];
        // 1.0.1's price is a lower bound only: it cannot stand in for anyone
        assert!(dominated(&group(&pkgs), &pkgs, &|i| i == 0).is_empty());
        // 1.0.0's own figure may be a bound: its true price is only higher
        assert_eq!(dominated(&group(&pkgs), &pkgs, &|i| i == 1), vec![0]);
    }
}
