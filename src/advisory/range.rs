//! RustSec's version-range semantics (pure), written from the rules of the `rustsec` crate
//! (`osv/unaffected_range.rs`, `osv/ranges_for_advisory.rs`), not with `VersionReq::matches`.
//!
//! An advisory lists the versions that are *not* affected: `patched` and `unaffected`
//! requirements. RustSec does not evaluate those strings with Cargo's matching rules; it turns
//! each one into an interval of the semver precedence order and affects every version outside
//! all of them:
//! 1. each requirement becomes one [`UnaffectedRange`]: at most one lower bound (`>`, `>=`) and
//!    one upper bound (`<`, `<=`); `=`, `^` and `~` must stand alone and give both bounds (`^1.2`
//!    is `[1.2.0, 2.0.0-0)`, `~1.2` is `[1.2.0, 1.3.0-0)`; the `-0` keeps `2.0.0-alpha` outside);
//!    missing minor/patch numbers are zero (`<= 0.6` is `<= 0.6.0`, unlike Cargo where it means
//!    `< 0.7.0`); `*` (no comparators) is every version; wildcards like `1.*` are rejected;
//! 2. the ranges must not overlap (the advisory is rejected otherwise);
//! 3. their complement, written as OSV `[introduced, fixed)` ranges, is what is affected. The
//!    successor of an inclusive bound `v` is the smallest version above it (`1.2.3` → `1.2.4-0`,
//!    `1.2.3-rc.1` → `1.2.3-rc.1.0`).
//!
//! Because intervals use plain precedence, pre-releases are inside them: with
//! `patched = [">= 3.0.0-beta.9"]`, `3.1.0-beta.1` is patched, although Cargo's
//! `VersionReq::matches` would say it does not match.

use std::cmp::Ordering;
use std::fmt;

use semver::{Comparator, Op, Prerelease, Version, VersionReq};

/// One end of an [`UnaffectedRange`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bound {
    Unbounded,
    Exclusive(Version),
    Inclusive(Version),
}

impl Bound {
    fn version(&self) -> Option<&Version> {
        match self {
            Bound::Unbounded => None,
            Bound::Exclusive(v) | Bound::Inclusive(v) => Some(v),
        }
    }
}

/// `start <= end` where `start` is a lower and `end` an upper bound (possibly of different
/// ranges): true when some version could lie at or between them.
fn start_le_end(start: &Bound, end: &Bound) -> bool {
    match (start.version(), end.version()) {
        (None, _) | (_, None) => true,
        (Some(s), Some(e)) => {
            s < e || (s == e && matches!((start, end), (Bound::Inclusive(_), Bound::Inclusive(_))))
        }
    }
}

/// The versions one `patched` or `unaffected` requirement leaves out of an advisory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnaffectedRange {
    pub start: Bound,
    pub end: Bound,
}

impl UnaffectedRange {
    fn overlaps(&self, other: &UnaffectedRange) -> bool {
        start_le_end(&self.start, &other.end) && start_le_end(&other.start, &self.end)
    }
}

impl fmt::Display for UnaffectedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.start {
            Bound::Unbounded => f.write_str("[0")?,
            Bound::Exclusive(v) => write!(f, "({v}")?,
            Bound::Inclusive(v) => write!(f, "[{v}")?,
        }
        match &self.end {
            Bound::Unbounded => f.write_str(", ∞)"),
            Bound::Exclusive(v) => write!(f, ", {v})"),
            Bound::Inclusive(v) => write!(f, ", {v}]"),
        }
    }
}

/// Affected versions `[introduced, fixed)`; `None` is unbounded on that side (OSV's form).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AffectedRange {
    pub introduced: Option<Version>,
    pub fixed: Option<Version>,
}

impl AffectedRange {
    pub fn contains(&self, version: &Version) -> bool {
        self.introduced.as_ref().is_none_or(|lo| version >= lo)
            && self.fixed.as_ref().is_none_or(|hi| version < hi)
    }
}

impl fmt::Display for AffectedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.introduced, &self.fixed) {
            (None, None) => f.write_str("every version"),
            (Some(lo), None) => write!(f, ">={lo}"),
            (None, Some(hi)) => write!(f, "<{hi}"),
            (Some(lo), Some(hi)) => write!(f, ">={lo}, <{hi}"),
        }
    }
}

/// Why a requirement list cannot be turned into ranges (the rules RustSec enforces).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("requirement `{req}` has more than two comparators")]
    TooManyComparators { req: String },
    #[error("requirement `{req}` has more than one lower bound")]
    TwoLowerBounds { req: String },
    #[error("requirement `{req}` has more than one upper bound")]
    TwoUpperBounds { req: String },
    #[error("requirement `{req}`: `{comparator}` sets both bounds and must stand alone")]
    NotAlone { req: String, comparator: String },
    #[error("requirement `{req}`: operator of `{comparator}` is not supported by RustSec (use `>=`, `>`, `<`, `<=`, `=`, `^` or `~`)")]
    UnsupportedOperator { req: String, comparator: String },
    #[error("requirement `{req}` is empty: its lower bound lies above its upper bound")]
    Empty { req: String },
    #[error("unaffected ranges {a} and {b} overlap")]
    Overlap { a: String, b: String },
}

fn comparator_version(c: &Comparator) -> Version {
    Version {
        major: c.major,
        minor: c.minor.unwrap_or(0),
        patch: c.patch.unwrap_or(0),
        pre: c.pre.clone(),
        build: semver::BuildMetadata::EMPTY,
    }
}

fn with_zero_pre(mut v: Version) -> Version {
    // "-0" is the lowest pre-release, so an exclusive end at X.Y.Z-0 also excludes X.Y.Z-alpha.
    v.pre = Prerelease::new("0").unwrap_or(Prerelease::EMPTY);
    v
}

/// The interval one requirement string stands for, with RustSec's rules (module header).
pub fn unaffected_range(req: &VersionReq) -> Result<UnaffectedRange, RangeError> {
    let text = || req.to_string();
    if req.comparators.len() > 2 {
        return Err(RangeError::TooManyComparators { req: text() });
    }
    let alone = req.comparators.len() == 1;
    let mut start = Bound::Unbounded;
    let mut end = Bound::Unbounded;
    for c in &req.comparators {
        let v = comparator_version(c);
        match c.op {
            Op::Greater | Op::GreaterEq => {
                if start != Bound::Unbounded {
                    return Err(RangeError::TwoLowerBounds { req: text() });
                }
                start = if c.op == Op::Greater {
                    Bound::Exclusive(v)
                } else {
                    Bound::Inclusive(v)
                };
            }
            Op::Less | Op::LessEq => {
                if end != Bound::Unbounded {
                    return Err(RangeError::TwoUpperBounds { req: text() });
                }
                end = if c.op == Op::Less {
                    Bound::Exclusive(v)
                } else {
                    Bound::Inclusive(v)
                };
            }
            Op::Exact | Op::Caret | Op::Tilde => {
                if !alone {
                    return Err(RangeError::NotAlone {
                        req: text(),
                        comparator: c.to_string(),
                    });
                }
                let upper = match c.op {
                    Op::Exact => Bound::Inclusive(v.clone()),
                    Op::Caret => Bound::Exclusive(with_zero_pre(caret_upper(c))),
                    _ => Bound::Exclusive(with_zero_pre(tilde_upper(c))),
                };
                start = Bound::Inclusive(v);
                end = upper;
            }
            _ => {
                return Err(RangeError::UnsupportedOperator {
                    req: text(),
                    comparator: c.to_string(),
                })
            }
        }
    }
    if !start_le_end(&start, &end) {
        return Err(RangeError::Empty { req: text() });
    }
    Ok(UnaffectedRange { start, end })
}

fn caret_upper(c: &Comparator) -> Version {
    if c.major > 0 {
        return Version::new(c.major + 1, 0, 0);
    }
    match (c.minor, c.patch) {
        (Some(0), Some(patch)) => Version::new(0, 0, patch + 1),
        (Some(minor), _) => Version::new(0, minor + 1, 0),
        // `^0` (a patch without a minor cannot be written)
        (None, _) => Version::new(1, 0, 0),
    }
}

fn tilde_upper(c: &Comparator) -> Version {
    match c.minor {
        Some(minor) => Version::new(c.major, minor + 1, 0),
        None => Version::new(c.major + 1, 0, 0),
    }
}

/// The smallest version above `v` in semver precedence (build metadata dropped).
pub fn successor(v: &Version) -> Version {
    let mut next = v.clone();
    next.build = semver::BuildMetadata::EMPTY;
    if next.pre.is_empty() {
        next.patch += 1;
        next.pre = Prerelease::new("0").unwrap_or(Prerelease::EMPTY);
    } else {
        // One more (lowest possible) identifier sorts right after, all else equal.
        let longer = format!("{}.0", next.pre);
        next.pre = Prerelease::new(&longer).unwrap_or(Prerelease::EMPTY);
    }
    next
}

fn start_order(a: &UnaffectedRange, b: &UnaffectedRange) -> Ordering {
    match (a.start.version(), b.start.version()) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y).then_with(|| {
            // `[v` starts before `(v`
            let rank = |bound: &Bound| u8::from(matches!(bound, Bound::Exclusive(_)));
            rank(&a.start).cmp(&rank(&b.start))
        }),
    }
}

/// The affected versions left outside every unaffected range (step 3 of the module header).
pub fn affected_ranges(unaffected: &[UnaffectedRange]) -> Result<Vec<AffectedRange>, RangeError> {
    if unaffected.is_empty() {
        return Ok(vec![AffectedRange {
            introduced: None,
            fixed: None,
        }]);
    }
    for (i, a) in unaffected.iter().enumerate() {
        for b in &unaffected[i + 1..] {
            if a.overlaps(b) {
                return Err(RangeError::Overlap {
                    a: a.to_string(),
                    b: b.to_string(),
                });
            }
        }
    }
    let mut sorted = unaffected.to_vec();
    sorted.sort_by(start_order);
    let mut result = Vec::new();
    // Below the first range.
    match &sorted[0].start {
        Bound::Unbounded => {}
        Bound::Exclusive(v) => result.push(AffectedRange {
            introduced: None,
            fixed: Some(successor(v)),
        }),
        Bound::Inclusive(v) => result.push(AffectedRange {
            introduced: None,
            fixed: Some(v.clone()),
        }),
    }
    // Between neighbours. Disjoint sorted ranges have bounded inner ends.
    for pair in sorted.windows(2) {
        let introduced = match &pair[0].end {
            Bound::Unbounded => continue,
            Bound::Exclusive(v) => v.clone(),
            Bound::Inclusive(v) => successor(v),
        };
        let fixed = match &pair[1].start {
            Bound::Unbounded => continue,
            Bound::Exclusive(v) => successor(v),
            Bound::Inclusive(v) => v.clone(),
        };
        if introduced < fixed {
            result.push(AffectedRange {
                introduced: Some(introduced),
                fixed: Some(fixed),
            });
        }
    }
    // Above the last range.
    match &sorted[sorted.len() - 1].end {
        Bound::Unbounded => {}
        Bound::Exclusive(v) => result.push(AffectedRange {
            introduced: Some(v.clone()),
            fixed: None,
        }),
        Bound::Inclusive(v) => result.push(AffectedRange {
            introduced: Some(successor(v)),
            fixed: None,
        }),
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect("version")
    }

    fn range(s: &str) -> UnaffectedRange {
        unaffected_range(&VersionReq::parse(s).expect("req")).expect("range")
    }

    #[test]
    fn successor_is_the_next_version_in_precedence() {
        assert_eq!(successor(&v("1.2.3")), v("1.2.4-0"));
        assert!(successor(&v("1.2.3")) > v("1.2.3"));
        assert!(successor(&v("1.2.3")) < v("1.2.4-alpha"));
        assert_eq!(successor(&v("1.2.3-rc.1")), v("1.2.3-rc.1.0"));
        assert!(successor(&v("1.2.3-rc.1")) < v("1.2.3-rc.2"));
        assert!(successor(&v("1.2.3-9")) < v("1.2.3-10"));
    }

    #[test]
    fn requirement_shapes_give_hand_checked_intervals() {
        assert_eq!(range(">= 1.2.3, < 1.3").to_string(), "[1.2.3, 1.3.0)");
        assert_eq!(range("^1.2").to_string(), "[1.2.0, 2.0.0-0)");
        assert_eq!(range("^0.3.24").to_string(), "[0.3.24, 0.4.0-0)");
        assert_eq!(range("^0.0.3").to_string(), "[0.0.3, 0.0.4-0)");
        assert_eq!(range("~1.2.3").to_string(), "[1.2.3, 1.3.0-0)");
        assert_eq!(range("=0.2.1").to_string(), "[0.2.1, 0.2.1]");
        // RustSec, unlike Cargo, fills missing numbers with zero for `<=` and `>`.
        assert_eq!(range("<= 0.6").to_string(), "[0, 0.6.0]");
        assert_eq!(range("> 0.7").to_string(), "(0.7.0, ∞)");
        assert_eq!(range("*").to_string(), "[0, ∞)");
    }

    #[test]
    fn rejected_requirements() {
        let err = |s: &str| unaffected_range(&VersionReq::parse(s).expect("req")).expect_err(s);
        assert!(matches!(err("1.*"), RangeError::UnsupportedOperator { .. }));
        assert!(matches!(
            err(">= 1, >= 2"),
            RangeError::TwoLowerBounds { .. }
        ));
        assert!(matches!(
            err("< 1, <= 2"),
            RangeError::TwoUpperBounds { .. }
        ));
        assert!(matches!(err("^1, < 2"), RangeError::NotAlone { .. }));
        assert!(matches!(err(">= 2, < 1"), RangeError::Empty { .. }));
        assert!(matches!(
            err(">= 1, < 2, < 3"),
            RangeError::TooManyComparators { .. }
        ));
    }

    #[test]
    fn overlap_is_rejected_and_touching_is_not() {
        assert!(affected_ranges(&[range(">= 1.2.3"), range("<= 1.2.3")]).is_err());
        assert!(affected_ranges(&[range(">= 1.2.3"), range("< 1.2.3")])
            .expect("disjoint")
            .is_empty());
        // `=1.0.0` and `>1.0.0` share a start version but not a version.
        let ranges = affected_ranges(&[range("> 1.0.0"), range("= 1.0.0")]).expect("disjoint");
        assert_eq!(ranges.len(), 1);
        assert!(ranges[0].contains(&v("0.9.0")));
        assert!(!ranges[0].contains(&v("1.0.0")));
    }

    #[test]
    fn complement_of_gaps() {
        // patched >= 0.6.14, < 1.0.0 and >= 1.6.1; unaffected < 0.6.3 (smallvec 2021-0003).
        let ranges = affected_ranges(&[
            range(">= 0.6.14, < 1.0.0"),
            range(">= 1.6.1"),
            range("< 0.6.3"),
        ])
        .expect("ranges");
        let text: Vec<String> = ranges.iter().map(|r| r.to_string()).collect();
        assert_eq!(text, [">=0.6.3, <0.6.14", ">=1.0.0, <1.6.1"]);
    }
}
