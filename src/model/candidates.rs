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
use super::features::{FeatureTable, FeatureValue};
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

/// The part of `index` the optimiser still needs once `cands` are known: every version of the
/// crates candidate generation touched (lag counts them, explanations name the ruled-out
/// ones), but dependency lists and feature tables only for the candidates and for versions
/// skipped over their feature table. Generating again from it gives the same candidates (the
/// requirements come from the candidates' own dependency lists), at a fraction of the memory:
/// the walk holds every optional dependency's versions and their feature tables (28,545
/// versions of 1,882 crates on loot-condition-interpreter, against 8,081 of 342 candidates).
pub fn slim_index(
    index: &BTreeMap<String, IndexCrate>,
    roots: &Roots,
    cands: &Candidates<'_>,
) -> BTreeMap<String, IndexCrate> {
    let mut full: BTreeSet<(&str, &Version)> =
        cands.iter().map(|c| (c.name(), c.version())).collect();
    // every crate a requirement names, matched or not (a requirement nothing matches must still
    // find its crate, or the second generation would call it missing)
    let mut touched: BTreeSet<&str> = cands.by_crate.keys().map(String::as_str).collect();
    let named = roots
        .packages
        .iter()
        .flat_map(|r| &r.deps)
        .chain(cands.iter().flat_map(|c| c.index.deps.iter()));
    touched.extend(named.map(|d| d.crate_name()));
    for (name, version, why) in &cands.skipped {
        touched.insert(name);
        if matches!(why, Skipped::BadFeatures(_)) {
            full.insert((name, version));
        }
    }
    touched
        .into_iter()
        .filter_map(|name| index.get(name))
        .map(|krate| {
            let versions = krate
                .versions
                .iter()
                .map(
                    |v| match full.contains(&(krate.name.as_str(), &v.version)) {
                        true => v.clone(),
                        false => IndexVersion {
                            name: v.name.clone(),
                            version: v.version.clone(),
                            deps: Default::default(),
                            features: Default::default(),
                            links: v.links.clone(),
                            yanked: v.yanked,
                            rust_version: v.rust_version.clone(),
                            cksum: v.cksum.clone(),
                            pubtime: v.pubtime,
                        },
                    },
                )
                .collect();
            let slim = IndexCrate {
                name: krate.name.clone(),
                versions,
            };
            (krate.name.clone(), slim)
        })
        .collect()
}

/// Why a version that is not locked may not be chosen (yanked, above the MSRV), if it may not.
pub fn excluded(v: &IndexVersion, opts: &CandidateOptions) -> Option<Skipped> {
    if v.yanked {
        return Some(Skipped::Yanked);
    }
    let (Some(max), Some(rv)) = (&opts.max_rust_version, &v.rust_version) else {
        return None;
    };
    match parse_rust_version(rv) {
        Some(rv) if &rv > max => Some(Skipped::RustVersion(rv.to_string())),
        _ => None,
    }
}

/// Generates the candidates reachable from `roots` in the closed-world `index`.
///
/// Optional dependencies are followed only when some feature that could be active enables them,
/// computed as a monotone fixpoint: per crate, the features any edge could request (edge
/// features, `default` unless `default-features = false`, and `n/f` / `n?/f` values of
/// reachable features); per candidate version, the closure of those features in its own table
/// decides which optional deps are live. This over-approximates every valid lock's activation,
/// so no valid lock loses a package, while the ecosystem-wide optional dependencies nobody can
/// turn on (thousands of versions on real workspaces) stay out of the model.
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
    // Features some edge may request, per crate.
    let mut requested: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // (crate, version, dep index) edges already followed.
    let mut followed: BTreeSet<(String, Version, usize)> = BTreeSet::new();
    let mut pending: VecDeque<IndexDep> = VecDeque::new();

    let request = |requested: &mut BTreeMap<String, BTreeSet<String>>, d: &IndexDep| -> bool {
        let set = requested.entry(d.crate_name().to_string()).or_default();
        let mut grew = false;
        for f in &d.features {
            grew |= set.insert(f.clone());
        }
        if d.default_features {
            grew |= set.insert("default".to_string());
        }
        grew
    };
    for r in &roots.packages {
        for d in &r.deps {
            request(&mut requested, d);
            pending.push_back(d.clone());
        }
    }
    loop {
        while let Some(d) = pending.pop_front() {
            expand(index, &d, locked, opts, &mut out, &mut seen_req, &mut taken);
        }
        let mut changed = false;
        let mut new_requests: Vec<(String, String)> = Vec::new();
        for (name, list) in &out.by_crate {
            let feats = requested.get(name).cloned().unwrap_or_default();
            for cand in list {
                let live = live_optional_deps(&cand.table, &feats, &mut new_requests);
                for (i, d) in cand.index.deps.iter().enumerate() {
                    if d.kind == DepKind::Dev || (d.optional && !live.contains(&d.name)) {
                        continue;
                    }
                    if followed.insert((name.clone(), cand.index.version.clone(), i)) {
                        changed = true;
                        request(&mut requested, d);
                        pending.push_back(d.clone());
                    }
                }
                // `n/f` values request f on every live dependency named n.
                for (dep, feature) in new_requests.drain(..) {
                    for d in cand
                        .index
                        .deps
                        .iter()
                        .filter(|d| d.kind != DepKind::Dev && d.name == dep)
                    {
                        changed |= requested
                            .entry(d.crate_name().to_string())
                            .or_default()
                            .insert(feature.clone());
                    }
                }
            }
        }
        if !changed && pending.is_empty() {
            break;
        }
    }
    for list in out.by_crate.values_mut() {
        list.sort_by(|a, b| a.index.version.cmp(&b.index.version));
    }
    out
}

/// Optional deps of one version that the features in `feats` (closed under the table) turn on;
/// pushes the `(dep, feature)` requests of reachable `n/f` values into `requests`.
fn live_optional_deps(
    table: &FeatureTable,
    feats: &BTreeSet<String>,
    requests: &mut Vec<(String, String)>,
) -> BTreeSet<String> {
    let mut live = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = feats
        .iter()
        .filter(|f| table.features.contains_key(*f))
        .map(String::as_str)
        .collect();
    while let Some(f) = stack.pop() {
        if !seen.insert(f) {
            continue;
        }
        for value in &table.features[f] {
            match value {
                FeatureValue::Feature(g) => stack.push(g),
                FeatureValue::Dep(n) => {
                    live.insert(n.clone());
                }
                FeatureValue::DepFeature { dep, feature, weak } => {
                    // Lockfile resolve: strong and weak forms both turn the dependency on.
                    live.insert(dep.clone());
                    if !weak && table.features.contains_key(dep) {
                        stack.push(dep);
                    }
                    requests.push((dep.clone(), feature.clone()));
                }
            }
        }
    }
    live
}

/// Adds every usable version of `d`'s target crate that `d.req` matches.
fn expand<'a>(
    index: &'a BTreeMap<String, IndexCrate>,
    d: &IndexDep,
    locked: &Locked,
    opts: &CandidateOptions,
    out: &mut Candidates<'a>,
    seen_req: &mut BTreeSet<(String, String)>,
    taken: &mut BTreeSet<(String, Version)>,
) {
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
        if !d.req.matches(&v.version) || taken.contains(&(name.to_string(), v.version.clone())) {
            continue;
        }
        let is_locked = locked.contains(&(name.to_string(), v.version.clone()));
        let skip = if is_locked { None } else { excluded(v, opts) };
        taken.insert((name.to_string(), v.version.clone()));
        if let Some(s) = skip {
            out.skipped.push((name.to_string(), v.version.clone(), s));
            continue;
        }
        let table = match FeatureTable::new(v) {
            Ok(t) => t,
            Err(e) => {
                out.skipped
                    .push((name.to_string(), v.version.clone(), Skipped::BadFeatures(e)));
                continue;
            }
        };
        let cand = Candidate {
            index: v,
            bucket: Bucket::of(&v.version),
            locked: is_locked,
            table,
        };
        out.by_crate.entry(name.to_string()).or_default().push(cand);
    }
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
