//! `--no-downgrade` (pure): no version below the reference lock's version of the same crate in
//! the same semver bucket. The reference is the current lock, or the base with `--base`. A
//! bucket the reference does not hold is free, and so is moving up or leaving a bucket.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use crate::model::{Bucket, Candidates};

/// One version kept out because the reference holds a newer one in its bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downgrade {
    pub name: String,
    pub version: Version,
    /// The reference lock's version in that bucket.
    pub floor: Version,
}

/// Removes from `cands` every version below the reference's in its bucket; returns them.
pub fn exclude_downgrades(
    cands: &mut Candidates<'_>,
    reference: &BTreeSet<(String, Version)>,
) -> Vec<Downgrade> {
    let floors: BTreeMap<(&str, Bucket), &Version> = reference
        .iter()
        .map(|(n, v)| ((n.as_str(), Bucket::of(v)), v))
        .collect();
    let mut out = Vec::new();
    for (name, list) in cands.by_crate.iter_mut() {
        list.retain(|c| {
            let v = c.version();
            match floors.get(&(name.as_str(), Bucket::of(v))) {
                Some(floor) if v < *floor => {
                    out.push(Downgrade {
                        name: name.clone(),
                        version: v.clone(),
                        floor: (*floor).clone(),
                    });
                    false
                }
                _ => true,
            }
        });
    }
    cands.by_crate.retain(|_, l| !l.is_empty());
    out
}
