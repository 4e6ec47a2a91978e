//! Version lag: how many releases newer than a chosen version its semver bucket holds, i.e.
//! how far `cargo update` could still move it. Pure: index in, one number per package out.

use std::collections::BTreeMap;

use super::candidates::{excluded, CandidateOptions};
use super::{Bucket, Model};
use crate::index::IndexCrate;

/// Sets `lag` of every package: newer versions of the same crate in the same bucket that could
/// be chosen (not yanked, within the MSRV filter, not pre-releases: `cargo update` does not move
/// to those). The index is the one the candidates came from (after the cooldown filter, so a
/// release too young to take is not lag either).
pub fn fill(m: &mut Model, index: &BTreeMap<String, IndexCrate>, opts: &CandidateOptions) {
    for p in m.pkgs.iter_mut() {
        p.lag = index.get(&p.name).map_or(0, |krate| {
            krate
                .versions
                .iter()
                .filter(|v| {
                    v.version > p.version
                        && v.version.pre.is_empty()
                        && Bucket::of(&v.version) == p.bucket
                        && excluded(v, opts).is_none()
                })
                .count() as u64
        });
    }
}
