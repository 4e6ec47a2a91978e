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
        let mut keep = vec![true; list.len()];
        for members in groups.values() {
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
