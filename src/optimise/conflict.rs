//! Why no lock exists, in plain words: a PubGrub derivation over the workspace's requirements.
//!
//! The MIP only says "infeasible". To name the requirements in conflict, the same question is
//! put to PubGrub (which explains failures but does not optimise): one PubGrub package per
//! (crate, semver bucket), since a lock may hold one version per bucket; a requirement that
//! matches versions in several buckets goes through a proxy package whose versions are the
//! buckets (uv's pattern). Versions the optimiser may not choose (yanked, above the MSRV, too
//! new for the cooldown, affected by an advisory) are listed but unavailable, with the reason,
//! so the derivation says why each was ruled out. Features, optional dependencies and `links`
//! are not modelled here: when PubGrub finds a resolution anyway, the conflict lies there and
//! [`explain`] returns `None`. Pure: index, roots and reasons in, text out.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::fmt;

use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyConstraints, DependencyProvider, Derived,
    External, Map, PackageResolutionStatistics, PubGrubError, Ranges, ReportFormatter, Reporter,
    Term,
};
use semver::{Comparator, Op, Version, VersionReq};

use crate::index::{DepKind, IndexCrate, IndexDep};
use crate::model::candidates::{excluded, CandidateOptions, Skipped};
use crate::model::{Bucket, Locked, Roots};

/// A PubGrub package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Workspace,
    Member(String),
    /// One semver bucket of a registry crate.
    Crate(String, Bucket),
    /// A requirement spanning buckets; its versions are the buckets' newest matching versions.
    Across(String, String),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Workspace => f.write_str("the workspace"),
            Node::Member(n) => write!(f, "member `{n}`"),
            Node::Crate(n, _) => f.write_str(n),
            Node::Across(n, req) => write!(f, "{n} ({req})"),
        }
    }
}

type Set = Ranges<Version>;

/// Reasons beyond yanked and MSRV that rule a version out (advisories; cooldown, whose
/// versions the index given to [`explain`] no longer shows), by crate and version.
pub type Exclusions = BTreeMap<(String, Version), String>;

struct Provider<'a> {
    index: &'a BTreeMap<String, IndexCrate>,
    roots: &'a Roots,
    locked: &'a Locked,
    opts: &'a CandidateOptions,
    excluded: &'a Exclusions,
}

fn root_version() -> Version {
    Version::new(0, 0, 0)
}

impl Provider<'_> {
    /// Why the optimiser may not choose this version, if it may not (the same rules as
    /// candidate generation, plus the extra exclusions).
    fn ruled_out(&self, name: &str, v: &Version) -> Option<String> {
        let key = (name.to_string(), v.clone());
        if let Some(why) = self.excluded.get(&key) {
            return Some(why.clone());
        }
        if self.locked.contains(&key) {
            return None;
        }
        let iv = self
            .index
            .get(name)?
            .versions
            .iter()
            .find(|x| &x.version == v)?;
        match excluded(iv, self.opts)? {
            Skipped::Yanked => Some("yanked".into()),
            Skipped::RustVersion(rv) => Some(format!(
                "needs Rust {rv}, above the workspace's rust-version{}",
                self.opts
                    .max_rust_version
                    .as_ref()
                    .map(|m| format!(" {m}"))
                    .unwrap_or_default()
            )),
            Skipped::BadFeatures(e) => Some(format!("invalid feature table: {e}")),
        }
    }

    /// Versions of one bucket, ascending: the index's (pre-releases only when locked) plus
    /// excluded versions the index no longer shows (cooldown).
    fn versions(&self, name: &str, bucket: Bucket) -> Vec<Version> {
        let mut out: BTreeSet<Version> = self
            .index
            .get(name)
            .into_iter()
            .flat_map(|c| &c.versions)
            .map(|v| &v.version)
            .filter(|v| Bucket::of(v) == bucket)
            .filter(|v| v.pre.is_empty() || self.locked.contains(&(name.to_string(), (*v).clone())))
            .cloned()
            .collect();
        out.extend(
            self.excluded
                .range((name.to_string(), Version::new(0, 0, 0))..)
                .take_while(|((n, _), _)| n == name)
                .map(|((_, v), _)| v)
                .filter(|v| Bucket::of(v) == bucket)
                .cloned(),
        );
        out.into_iter().collect()
    }

    /// The buckets holding versions `req` matches (excluded ones too).
    fn buckets_matching(&self, name: &str, req: &VersionReq) -> BTreeMap<Bucket, Version> {
        let mut out: BTreeMap<Bucket, Version> = BTreeMap::new();
        let listed = self
            .index
            .get(name)
            .into_iter()
            .flat_map(|c| &c.versions)
            .map(|v| &v.version)
            .chain(
                self.excluded
                    .keys()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v),
            );
        for v in listed.filter(|v| req.matches(v)) {
            let newest = out.entry(Bucket::of(v)).or_insert_with(|| v.clone());
            if v > newest {
                *newest = v.clone();
            }
        }
        out
    }

    fn edge(&self, d: &IndexDep) -> (Node, Set) {
        let name = d.crate_name().to_string();
        let range = req_to_set(&d.req);
        let buckets = self.buckets_matching(&name, &d.req);
        match buckets.len() {
            0 => {
                // nothing matches: any bucket node says so; take the requirement's lower end
                let low = d
                    .req
                    .comparators
                    .first()
                    .map_or(Version::new(0, 0, 0), |c| {
                        Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0))
                    });
                (Node::Crate(name, Bucket::of(&low)), range)
            }
            1 => {
                let b = *buckets.keys().next().expect("one bucket");
                (Node::Crate(name, b), range)
            }
            _ => (Node::Across(name, d.req.to_string()), Set::full()),
        }
    }

    fn constraints<'d>(
        &self,
        deps: impl Iterator<Item = &'d IndexDep>,
    ) -> DependencyConstraints<Node, Set> {
        // two edges to one node (a normal and a build dependency): both must hold
        let mut out: BTreeMap<Node, Set> = BTreeMap::new();
        for d in deps {
            let (node, set) = self.edge(d);
            let merged = match out.get(&node) {
                Some(prev) => prev.intersection(&set),
                None => set,
            };
            out.insert(node, merged);
        }
        out.into_iter().collect()
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Node;
    type V = Version;
    type VS = Set;
    type Priority = Reverse<usize>;
    type M = String;
    type Err = Infallible;

    fn prioritize(&self, p: &Node, range: &Set, _: &PackageResolutionStatistics) -> Reverse<usize> {
        // fewest versions left first: conflicts surface early
        let n = match p {
            Node::Crate(name, b) => self
                .versions(name, *b)
                .iter()
                .filter(|v| range.contains(v))
                .count(),
            _ => 1,
        };
        Reverse(n)
    }

    fn choose_version(&self, p: &Node, range: &Set) -> Result<Option<Version>, Infallible> {
        let newest = |vs: Vec<Version>| vs.into_iter().rev().find(|v| range.contains(v));
        Ok(match p {
            Node::Workspace | Node::Member(_) => Some(root_version()).filter(|v| range.contains(v)),
            Node::Crate(name, b) => newest(self.versions(name, *b)),
            Node::Across(name, req) => {
                let req = VersionReq::parse(req).expect("printed from a VersionReq");
                newest(self.buckets_matching(name, &req).into_values().collect())
            }
        })
    }

    fn get_dependencies(
        &self,
        p: &Node,
        v: &Version,
    ) -> Result<Dependencies<Node, Set, String>, Infallible> {
        let deps = match p {
            Node::Workspace => self
                .roots
                .packages
                .iter()
                .map(|r| (Node::Member(r.name.clone()), Set::singleton(root_version())))
                .collect(),
            Node::Member(name) => {
                let root = self.roots.packages.iter().find(|r| &r.name == name);
                self.constraints(
                    root.into_iter()
                        .flat_map(|r| &r.deps)
                        .filter(|d| d.registry.is_none()),
                )
            }
            Node::Crate(name, _) => {
                if let Some(why) = self.ruled_out(name, v) {
                    return Ok(Dependencies::Unavailable(why));
                }
                let version = self
                    .index
                    .get(name)
                    .and_then(|c| c.versions.iter().find(|x| &x.version == v));
                // optional dependencies hang on features, which this explanation leaves out
                self.constraints(
                    version
                        .into_iter()
                        .flat_map(|x| x.deps.iter())
                        .filter(|d| d.kind != DepKind::Dev && !d.optional && d.registry.is_none()),
                )
            }
            Node::Across(name, req) => {
                let req = VersionReq::parse(req).expect("printed from a VersionReq");
                std::iter::once((Node::Crate(name.clone(), Bucket::of(v)), req_to_set(&req)))
                    .collect()
            }
        };
        Ok(Dependencies::Available(deps))
    }
}

/// The versions a requirement allows, as a range (pre-release subtleties aside: bucket
/// listings leave unlocked pre-releases out).
pub fn req_to_set(req: &VersionReq) -> Set {
    req.comparators.iter().fold(Set::full(), |acc, c| {
        acc.intersection(&comparator_to_set(c))
    })
}

fn comparator_to_set(c: &Comparator) -> Set {
    let (major, minor, patch) = (c.major, c.minor, c.patch);
    let at = |mi: u64, pa: u64| {
        let mut v = Version::new(major, mi, pa);
        v.pre = c.pre.clone();
        v
    };
    let lower = at(minor.unwrap_or(0), patch.unwrap_or(0));
    // the first version past the stated precision: `1` → 2.0.0, `1.2` → 1.3.0
    let past_precision = || match (minor, patch) {
        (None, _) => Version::new(major + 1, 0, 0),
        (Some(mi), None) => Version::new(major, mi + 1, 0),
        (Some(mi), Some(pa)) => Version::new(major, mi, pa + 1),
    };
    match c.op {
        Op::Exact | Op::Wildcard => match (minor, patch) {
            (Some(_), Some(_)) => Set::singleton(lower),
            _ => Set::between(lower, past_precision()),
        },
        Op::Greater => match (minor, patch) {
            (Some(_), Some(_)) => Set::strictly_higher_than(lower),
            _ => Set::higher_than(past_precision()),
        },
        Op::GreaterEq => Set::higher_than(lower),
        Op::Less => Set::strictly_lower_than(lower),
        Op::LessEq => match (minor, patch) {
            (Some(_), Some(_)) => Set::lower_than(lower),
            _ => Set::strictly_lower_than(past_precision()),
        },
        Op::Tilde => match minor {
            None => Set::between(lower, Version::new(major + 1, 0, 0)),
            Some(mi) => Set::between(lower, Version::new(major, mi + 1, 0)),
        },
        Op::Caret => {
            let upper = match (major, minor, patch) {
                (0, None, _) => Version::new(1, 0, 0),
                (0, Some(0), Some(pa)) => Version::new(0, 0, pa + 1),
                (0, Some(mi), _) => Version::new(0, mi + 1, 0),
                (ma, _, _) => Version::new(ma + 1, 0, 0),
            };
            Set::between(lower, upper)
        }
        _ => Set::full(), // future operators: no narrowing (only weakens the explanation)
    }
}

/// Plain-words formatting: a set of versions reads as the published versions it holds, a
/// requirement as a range; excluded versions say why; workspace members carry no version.
struct Words<'a>(&'a Provider<'a>);

impl Words<'_> {
    /// ` 1.2.0 or 1.3.0`, ` 2.x` (every published version of the series), or a range.
    fn versions(&self, p: &Node, set: &Set) -> String {
        let (name, bucket) = match p {
            Node::Crate(name, bucket) => (name, bucket),
            Node::Across(name, req) => {
                // its versions stand for series: name the ones the set keeps
                let req = VersionReq::parse(req).expect("printed from a VersionReq");
                let series = self.0.buckets_matching(name, &req);
                let inside: Vec<String> = series
                    .iter()
                    .filter(|(_, v)| set.contains(*v))
                    .map(|(b, _)| b.to_string())
                    .collect();
                return match inside.len() == series.len() {
                    true => String::new(),
                    false => format!(" in {}", inside.join(" or ")),
                };
            }
            _ => return String::new(),
        };
        let listed = self.0.versions(name, *bucket);
        let inside: Vec<&Version> = listed.iter().filter(|v| set.contains(*v)).collect();
        if inside.len() > 1 && inside.len() == listed.len() {
            return format!(" {bucket}");
        }
        match inside.len() {
            0 => format!(" {}", hull(set)),
            1..=4 => {
                let vs: Vec<String> = inside.iter().map(|v| v.to_string()).collect();
                format!(" {}", vs.join(" or "))
            }
            _ => format!(" {}", set.simplify(listed.iter())),
        }
    }

    /// A requirement's range within the node's series (nothing for a member or the workspace).
    fn requirement(p: &Node, set: &Set) -> String {
        match p {
            Node::Crate(_, b) if set != &Set::full() => format!(" {}", in_series(set, *b)),
            _ => String::new(),
        }
    }

    fn term(&self, p: &Node, t: &Term<Set>) -> String {
        match t {
            Term::Positive(set) => format!("{p}{}", self.versions(p, set)),
            Term::Negative(set) => format!("not {p}{}", self.versions(p, set)),
        }
    }
}

/// The part of a set inside one semver series (a requirement across series, seen from one).
fn in_series(set: &Set, b: Bucket) -> Set {
    let (lo, hi) = match b {
        Bucket::Major(m) => (Version::new(m, 0, 0), Version::new(m + 1, 0, 0)),
        Bucket::Minor(m) => (Version::new(0, m, 0), Version::new(0, m + 1, 0)),
        Bucket::Patch(p) => (Version::new(0, 0, p), Version::new(0, 0, p + 1)),
    };
    set.intersection(&Set::between(lo, hi))
}

/// The smallest single interval holding the set (`>2.0.0, <2.1.0 | >2.1.0, <3.0.0` →
/// `>2.0.0, <3.0.0`): what "no other version in" means to a reader.
fn hull(set: &Set) -> Set {
    match set.bounding_range() {
        Some((lo, hi)) => Set::from_range_bounds((lo.cloned(), hi.cloned())),
        None => set.clone(),
    }
}

impl ReportFormatter<Node, Set, String> for Words<'_> {
    type Output = String;

    fn format_external(&self, e: &External<Node, Set, String>) -> String {
        match e {
            External::NotRoot(..) => "we are resolving the workspace".into(),
            External::NoVersions(p, set) => {
                let set = match p {
                    Node::Crate(_, b) => in_series(set, *b),
                    _ => set.clone(),
                };
                match set.iter().count() {
                    0 => format!("no version of {p} is published"),
                    1 => format!("no version of {p} matching {set} is published"),
                    // holes around versions already ruled out
                    _ => format!(
                        "no other version of {p} matching {} is published",
                        hull(&set)
                    ),
                }
            }
            External::Custom(p, set, why) => {
                format!("{p}{} cannot be used ({why})", self.versions(p, set))
            }
            External::FromDependencyOf(p, sp, d, sd) => format!(
                "{p}{} depends on {d}{}",
                self.versions(p, sp),
                Words::requirement(d, sd)
            ),
        }
    }

    fn format_terms(&self, terms: &Map<Node, Term<Set>>) -> String {
        let terms: Vec<(&Node, &Term<Set>)> = terms.iter().collect();
        match terms.as_slice() {
            [] => "no lock satisfies the workspace".into(),
            [(Node::Workspace, Term::Positive(_))] => "no lock satisfies the workspace".into(),
            [(p, Term::Positive(set))] => format!("{p}{} cannot be used", self.versions(p, set)),
            [(p, Term::Negative(set))] => format!("{p}{} is required", self.versions(p, set)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => self.format_external(
                &External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()),
            ),
            more if more.iter().all(|(_, t)| matches!(t, Term::Positive(_))) => {
                let parts: Vec<String> = more.iter().map(|(p, t)| self.term(p, t)).collect();
                let both = if parts.len() == 2 { "both" } else { "all" };
                format!("{} cannot {both} be in the lock", parts.join(" and "))
            }
            more => {
                let parts: Vec<String> = more.iter().map(|(p, t)| self.term(p, t)).collect();
                format!("{} cannot all hold", parts.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        e1: &External<Node, Set, String>,
        e2: &External<Node, Set, String>,
        now: &Map<Node, Term<Set>>,
    ) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(now)
        )
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<Node, Set, String>,
        id2: usize,
        d2: &Derived<Node, Set, String>,
        now: &Map<Node, Term<Set>>,
    ) -> String {
        format!(
            "Because {} ({id1}) and {} ({id2}), {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(now)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &Derived<Node, Set, String>,
        e: &External<Node, Set, String>,
        now: &Map<Node, Term<Set>>,
    ) -> String {
        format!(
            "Because {} ({id}) and {}, {}.",
            self.format_terms(&d.terms),
            self.format_external(e),
            self.format_terms(now)
        )
    }

    fn and_explain_external(
        &self,
        e: &External<Node, Set, String>,
        now: &Map<Node, Term<Set>>,
    ) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(e),
            self.format_terms(now)
        )
    }

    fn and_explain_ref(
        &self,
        id: usize,
        d: &Derived<Node, Set, String>,
        now: &Map<Node, Term<Set>>,
    ) -> String {
        format!(
            "And because {} ({id}), {}.",
            self.format_terms(&d.terms),
            self.format_terms(now)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior: &External<Node, Set, String>,
        e: &External<Node, Set, String>,
        now: &Map<Node, Term<Set>>,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior),
            self.format_external(e),
            self.format_terms(now)
        )
    }
}

/// The derivation of why no lock satisfies `roots`, or `None` when one exists once features,
/// optional dependencies and `links` are set aside (the conflict is in those).
pub fn explain(
    index: &BTreeMap<String, IndexCrate>,
    roots: &Roots,
    locked: &Locked,
    opts: &CandidateOptions,
    excluded: &Exclusions,
) -> Option<String> {
    let provider = Provider {
        index,
        roots,
        locked,
        opts,
        excluded,
    };
    match pubgrub::resolve(&provider, Node::Workspace, root_version()) {
        Ok(_) => None,
        Err(PubGrubError::NoSolution(mut tree)) => {
            tree.collapse_no_versions();
            Some(DefaultStringReporter::report_with_formatter(
                &tree,
                &Words(&provider),
            ))
        }
        Err(other) => unreachable!("the provider never fails: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RootPackage;

    /// `(version, yanked, rust_version, [(dep, req)])`
    type Row<'a> = (&'a str, bool, Option<&'a str>, &'a [(&'a str, &'a str)]);

    /// One index crate from rows.
    fn krate(name: &str, rows: &[Row<'_>]) -> IndexCrate {
        let text: Vec<String> = rows
            .iter()
            .map(|(v, yanked, rv, deps)| {
                let deps: Vec<serde_json::Value> = deps
                    .iter()
                    .map(|(d, req)| {
                        serde_json::json!({"name": d, "req": req, "features": [],
                            "optional": false, "default_features": true, "target": null,
                            "kind": "normal"})
                    })
                    .collect();
                serde_json::json!({"name": name, "vers": v, "deps": deps, "features": {},
                    "cksum": "00", "yanked": yanked, "rust_version": rv})
                .to_string()
            })
            .collect();
        crate::index::parse::parse_index_file(name, &text.join("\n"), "test")
            .expect("valid index lines")
            .krate
    }

    fn member(name: &str, deps: &[(&str, &str)]) -> Roots {
        let deps = deps
            .iter()
            .map(|(d, req)| IndexDep::normal(d, VersionReq::parse(req).unwrap()))
            .collect();
        Roots {
            packages: vec![RootPackage {
                name: name.to_string(),
                deps,
                links: None,
            }],
        }
    }

    fn index(crates: Vec<IndexCrate>) -> BTreeMap<String, IndexCrate> {
        crates.into_iter().map(|c| (c.name.clone(), c)).collect()
    }

    fn msrv(v: &str) -> CandidateOptions {
        CandidateOptions {
            max_rust_version: Some(Version::parse(v).unwrap()),
        }
    }

    #[test]
    fn every_allowed_version_ruled_out_names_each_reason_and_the_requirement() {
        let idx = index(vec![krate(
            "a",
            &[
                ("1.1.0", false, None, &[]),
                ("1.2.0", true, None, &[]),
                ("1.3.0", false, Some("1.90"), &[]),
            ],
        )]);
        let text = explain(
            &idx,
            &member("app", &[("a", "^1.2")]),
            &Locked::new(),
            &msrv("1.80.0"),
            &Exclusions::new(),
        )
        .expect("no lock exists");
        assert!(text.contains("a 1.2.0 cannot be used (yanked)"), "{text}");
        assert!(
            text.contains("a 1.3.0 cannot be used (needs Rust 1.90"),
            "{text}"
        );
        assert!(
            text.contains("member `app` depends on a >=1.2.0, <2.0.0"),
            "{text}"
        );
        assert!(!text.contains("1.1.0"), "1.1.0 does not match ^1.2: {text}");
        // a locked yanked version is allowed: then a lock exists
        let locked: Locked = [("a".to_string(), Version::new(1, 2, 0))].into();
        let member_app = member("app", &[("a", "^1.2")]);
        assert_eq!(
            explain(
                &idx,
                &member_app,
                &locked,
                &msrv("1.80.0"),
                &Exclusions::new()
            ),
            None
        );
    }

    #[test]
    fn conflicting_requirements_of_two_dependencies_are_both_named() {
        let idx = index(vec![
            krate("b", &[("1.0.0", false, None, &[("d", "=1.0.0")])]),
            krate("c", &[("1.0.0", false, None, &[("d", "^1.1")])]),
            krate(
                "d",
                &[("1.0.0", false, None, &[]), ("1.1.0", false, None, &[])],
            ),
        ]);
        let text = explain(
            &idx,
            &member("app", &[("b", "^1"), ("c", "^1")]),
            &Locked::new(),
            &CandidateOptions::default(),
            &Exclusions::new(),
        )
        .expect("no lock exists");
        assert!(text.contains("b 1.0.0 depends on d 1.0.0"), "{text}");
        assert!(
            text.contains("c 1.0.0 depends on d >=1.1.0, <2.0.0"),
            "{text}"
        );
        assert!(
            text.contains("b 1.0.0 and c 1.0.0 cannot both be in the lock"),
            "{text}"
        );
    }

    #[test]
    fn a_requirement_across_series_and_extra_exclusions() {
        // `>=0.1, <2` may take 0.1.x, 0.2.x or 1.x; each is ruled out differently
        let idx = index(vec![krate(
            "e",
            &[
                ("0.1.0", true, None, &[]),
                ("0.2.0", false, None, &[]),
                ("1.0.0", false, None, &[("missing", "^3")]),
            ],
        )]);
        let excluded: Exclusions = [(
            ("e".to_string(), Version::new(0, 2, 0)),
            "affected by RUSTSEC-2099-0001".to_string(),
        )]
        .into();
        let text = explain(
            &idx,
            &member("app", &[("e", ">=0.1, <2")]),
            &Locked::new(),
            &CandidateOptions::default(),
            &excluded,
        )
        .expect("no lock exists");
        assert!(text.contains("e 0.1.0 cannot be used (yanked)"), "{text}");
        assert!(
            text.contains("e 0.2.0 cannot be used (affected by RUSTSEC-2099-0001)"),
            "{text}"
        );
        assert!(
            text.contains("e 1.0.0 depends on missing >=3.0.0, <4.0.0"),
            "{text}"
        );
        // without the exclusion, 0.2.0 resolves
        assert_eq!(
            explain(
                &idx,
                &member("app", &[("e", ">=0.1, <2")]),
                &Locked::new(),
                &CandidateOptions::default(),
                &Exclusions::new()
            ),
            None
        );
    }

    #[test]
    fn requirements_become_the_ranges_semver_means() {
        let cases = [
            ("^1.2.3", "1.2.3", "2.0.0", "1.2.2"),
            ("^0.2.3", "0.2.3", "0.3.0", "0.2.2"),
            ("^0.0.3", "0.0.3", "0.0.4", "0.0.2"),
            ("~1.2", "1.2.0", "1.3.0", "1.1.9"),
            ("1.*", "1.0.0", "2.0.0", "0.9.0"),
            ("=1.2", "1.2.0", "1.3.0", "1.1.0"),
            (">=1.2, <1.5", "1.2.0", "1.5.0", "1.1.0"),
            ("<=1.2", "0.0.0", "1.3.0", "1.3.0"),
            (">1.2", "1.3.0", "9.0.0", "1.2.9"),
        ];
        for (req, first_in, first_out_above, below) in cases {
            let r = VersionReq::parse(req).unwrap();
            let set = req_to_set(&r);
            for v in [first_in, first_out_above, below] {
                let v = Version::parse(v).unwrap();
                assert_eq!(set.contains(&v), r.matches(&v), "{req} on {v}");
            }
        }
    }
}
