//! Candidate generation: which registry versions may appear in the lock at all.
//!
//! Breadth-first from the roots' requirements: a version is a candidate when some requirement
//! of a root or of another candidate (normal/build edges, optional ones included) matches it.
//! `semver::VersionReq::matches` already applies Cargo's pre-release rule (a pre-release only
//! matches a comparator naming a pre-release of the same major.minor.patch), so a requirement
//! that names no pre-release never pulls one in. Excluded: yanked versions that are not in the
//! current lock, versions whose `rust_version` exceeds the MSRV (when given), versions whose
//! feature table Cargo would reject, and edges to other registries (reported).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use semver::Version;

use crate::index::{DepKind, IndexCrate, IndexDep, IndexVersion};

use super::bucket::Bucket;
use super::features::FeatureTable;
use super::roots::Roots;
use super::Locked;

/// Knobs of candidate generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateOptions {
    /// Keep only versions whose `rust_version` is at most this (None: no MSRV filter).
    pub max_rust_version: Option<Version>,
}

/// One usable version.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub index: &'a IndexVersion,
    pub bucket: Bucket,
    pub locked: bool,
    pub table: FeatureTable,
}

impl Candidate<'_> {
    pub fn name(&self) -> &str {
        &self.index.name
    }
    pub fn version(&self) -> &Version {
        &self.index.version
    }
    /// The edges that take part in a non-member's lockfile resolve.
    pub fn live_deps(&self) -> impl Iterator<Item = &IndexDep> {
        self.index.deps.iter().filter(|d| d.kind != DepKind::Dev)
    }
}

/// Why a version that a requirement matched is not a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    Yanked,
    RustVersion(String),
    BadFeatures(String),
}

#[derive(Debug, Clone, Default)]
pub struct Candidates<'a> {
    /// Per crate, candidates in ascending version order.
    pub by_crate: BTreeMap<String, Vec<Candidate<'a>>>,
    /// Crates some requirement names that the index snapshot does not hold.
    pub missing: BTreeSet<String>,
    /// Crates reached only through an edge to another registry (not modelled).
    pub foreign: BTreeSet<String>,
    pub skipped: Vec<(String, Version, Skipped)>,
}

impl<'a> Candidates<'a> {
    /// Number of candidate versions.
    pub fn len(&self) -> usize {
        self.by_crate.values().map(Vec::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = &Candidate<'a>> {
        self.by_crate.values().flatten()
    }
}

/// `rust_version` strings are `1.70` or `1.70.1`; missing components count as 0.
fn parse_rust_version(s: &str) -> Option<Version> {
    let mut parts = s.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    Some(Version::new(major, minor, patch))
}

/// Generates the candidates reachable from `roots` in the closed-world `index`.
pub fn generate<'a>(
    index: &'a BTreeMap<String, IndexCrate>,
    roots: &Roots,
    locked: &Locked,
    opts: &CandidateOptions,
) -> Candidates<'a> {
    let mut out = Candidates::default();
    // (crate, req) pairs already expanded; requirements repeat a lot across versions.
    let mut seen_req: BTreeSet<(String, String)> = BTreeSet::new();
    let mut taken: BTreeSet<(String, Version)> = BTreeSet::new();
    let mut queue: VecDeque<&IndexDep> = VecDeque::new();
    // Root deps are borrowed from `roots`, registry deps from `index`: expand root deps first
    // with a separate loop so the queue can hold index borrows only.
    let mut expand = |d: &IndexDep,
                      out: &mut Candidates<'a>,
                      queue: &mut VecDeque<&'a IndexDep>,
                      taken: &mut BTreeSet<(String, Version)>| {
        let name = d.crate_name();
        if d.registry.is_some() {
            out.foreign.insert(name.to_string());
            return;
        }
        if !seen_req.insert((name.to_string(), d.req.to_string())) {
            return;
        }
        let Some(krate) = index.get(name) else {
            out.missing.insert(name.to_string());
            return;
        };
        for v in &krate.versions {
            if !d.req.matches(&v.version) || taken.contains(&(name.to_string(), v.version.clone()))
            {
                continue;
            }
            let is_locked = locked.contains(&(name.to_string(), v.version.clone()));
            let skip = if v.yanked && !is_locked {
                Some(Skipped::Yanked)
            } else if let (Some(max), Some(rv)) = (&opts.max_rust_version, &v.rust_version) {
                match parse_rust_version(rv) {
                    Some(rv) if &rv > max => Some(Skipped::RustVersion(rv.to_string())),
                    _ => None,
                }
            } else {
                None
            };
            taken.insert((name.to_string(), v.version.clone()));
            if let Some(s) = skip {
                out.skipped.push((name.to_string(), v.version.clone(), s));
                continue;
            }
            let table = match FeatureTable::new(v) {
                Ok(t) => t,
                Err(e) => {
                    out.skipped.push((
                        name.to_string(),
                        v.version.clone(),
                        Skipped::BadFeatures(e),
                    ));
                    continue;
                }
            };
            let cand = Candidate {
                index: v,
                bucket: Bucket::of(&v.version),
                locked: is_locked,
                table,
            };
            queue.extend(cand.index.deps.iter().filter(|d| d.kind != DepKind::Dev));
            out.by_crate.entry(name.to_string()).or_default().push(cand);
        }
    };
    for r in &roots.packages {
        for d in &r.deps {
            expand(d, &mut out, &mut queue, &mut taken);
        }
    }
    while let Some(d) = queue.pop_front() {
        expand(d, &mut out, &mut queue, &mut taken);
    }
    for list in out.by_crate.values_mut() {
        list.sort_by(|a, b| a.index.version.cmp(&b.index.version));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_version_parse() {
        assert_eq!(parse_rust_version("1.70"), Some(Version::new(1, 70, 0)));
        assert_eq!(parse_rust_version("1.70.2"), Some(Version::new(1, 70, 2)));
        assert_eq!(parse_rust_version("x"), None);
    }

    #[test]
    fn semver_applies_cargo_prerelease_rule() {
        let req = semver::VersionReq::parse("^1.0").unwrap();
        assert!(!req.matches(&Version::parse("1.1.0-alpha.1").unwrap()));
        let pre = semver::VersionReq::parse("^1.1.0-alpha.1").unwrap();
        assert!(pre.matches(&Version::parse("1.1.0-alpha.2").unwrap()));
        assert!(pre.matches(&Version::parse("1.1.0").unwrap()));
        assert!(!pre.matches(&Version::parse("1.2.0-alpha.1").unwrap()));
    }
}
