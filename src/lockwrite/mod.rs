//! The new Cargo.lock from a solved model (pure): current lock + model + assignment + index in,
//! a [`Lockfile`] out.
//!
//! Algorithm. Registry packages of the new lock are exactly the versions the assignment
//! chooses (checksum = index `cksum`, source = the registry source the current lock uses for
//! crates.io). Every other package (members, path and git packages) is kept with its identity,
//! checksum and `replace`. Dependencies are recomputed edge by edge:
//! - a chosen registry version: every non-dev index dependency that is non-optional or whose
//!   optional dependency `o[p,n]` is true, pointing at the chosen version of the real crate
//!   (renames resolved) that matches the requirement;
//! - a member or fixed package: its edges to non-registry packages as they are, plus one edge
//!   per registry dependency the model's roots list for it (same matching rule). A root the
//!   roots do not describe unambiguously keeps its registry edges re-pointed by bucket.
//!
//! A requirement matching chosen versions in several semver buckets is resolved by the model's
//! route variable. Edges are numbered exactly as `model::encode::build_with` numbers them
//! (`Model::edges`: root deps first, then each package's live deps), and every edge found that
//! way is checked against the model's (same active literal, same bucket partition), so a change
//! in the encoder's numbering is an error, never a silently wrong edge.
//!
//! The result is canonicalised with `Lockfile::canonicalize`, so `lockfile::render` writes it
//! exactly as Cargo would. [`same_resolve`] says whether two locks describe the same resolve;
//! callers leave the file untouched then (idempotence, byte identity).

pub mod atomic;
pub mod resolve_graph;

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use crate::index::{DepKind, IndexCrate, IndexDep, IndexVersion};
use crate::lockfile::{DependencyRef, DependencySpec, LockedPackage, Lockfile, PackageId};
use crate::model::{Bucket, Lit, Model, Roots};

/// crates.io as Cargo records it in a lock (also for sparse and source-replaced crates.io).
pub const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
const CRATES_IO_SPARSE: &str = "sparse+https://index.crates.io/";

/// What the writer needs from the solve.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub current: &'a Lockfile,
    pub model: &'a Model,
    /// One value per model variable (`Solution::values`).
    pub values: &'a [bool],
    /// The roots the model was built from.
    pub roots: &'a Roots,
    /// The index snapshot the candidates came from.
    pub index: &'a BTreeMap<String, IndexCrate>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LockwriteError {
    #[error("the assignment has {got} values but the model has {want} variables\nhint: pass the solution of this model")]
    WrongAssignment { got: usize, want: usize },
    #[error("{name} {version} is chosen but not in the index snapshot\nhint: build the lock from the snapshot the model was built from")]
    NotInIndex { name: String, version: Version },
    #[error("{from}: dependency `{dep}` ({req}) matches no chosen version\nhint: the assignment does not satisfy the model; this is a bug, please report it")]
    NoTarget {
        from: String,
        dep: String,
        req: String,
    },
    #[error("{from}: dependency `{dep}` ({req}) matches {count} chosen versions in one bucket\nhint: the assignment does not satisfy the model; this is a bug, please report it")]
    SeveralTargets {
        from: String,
        dep: String,
        req: String,
        count: usize,
    },
    #[error("{from}: no route variable for edge {edge} (`{dep}`): the model's edge numbering changed\nhint: this is a bug, please report it")]
    ModelMismatch {
        from: String,
        edge: usize,
        dep: String,
    },
    #[error(
        "{from} depends on `{dep}` from another registry\nhint: only one registry is supported"
    )]
    ForeignRegistry { from: String, dep: String },
    /// `from` and `dep` are `name version` (strings keep the error small).
    #[error("{from}: registry edge to {dep} cannot be re-pointed: no chosen version of it in bucket {bucket}\nhint: this is a bug, please report it")]
    Unmovable {
        from: String,
        dep: String,
        bucket: Bucket,
    },
}

/// Whether a lock source string is crates.io.
pub fn is_crates_io(source: Option<&str>) -> bool {
    matches!(source, Some(CRATES_IO) | Some(CRATES_IO_SPARSE))
}

/// Chosen versions of each crate: name -> (package index in the model, version, bucket).
type ChosenMap<'m> = BTreeMap<&'m str, Vec<(usize, &'m Version, Bucket)>>;

struct Ctx<'a> {
    plan: &'a Plan<'a>,
    chosen: ChosenMap<'a>,
    /// Model packages per crate name, in model order (the encoder's `by_crate`).
    by_crate: BTreeMap<&'a str, Vec<usize>>,
    source: String,
}

impl<'a> Ctx<'a> {
    fn new(plan: &'a Plan<'a>) -> Ctx<'a> {
        let m = plan.model;
        let mut chosen: ChosenMap<'a> = BTreeMap::new();
        let mut by_crate: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (p, pkg) in m.pkgs.iter().enumerate() {
            by_crate.entry(pkg.name.as_str()).or_default().push(p);
            if plan.values[pkg.x] {
                chosen
                    .entry(pkg.name.as_str())
                    .or_default()
                    .push((p, &pkg.version, pkg.bucket));
            }
        }
        let source = plan
            .current
            .packages
            .iter()
            .filter_map(|p| p.id.source.as_deref())
            .find(|s| is_crates_io(Some(s)))
            .unwrap_or(CRATES_IO)
            .to_string();
        Ctx {
            plan,
            chosen,
            by_crate,
            source,
        }
    }

    fn id(&self, p: usize) -> PackageId {
        let pkg = &self.plan.model.pkgs[p];
        PackageId {
            name: pkg.name.clone(),
            version: pkg.version.clone(),
            source: Some(self.source.clone()),
        }
    }

    /// The encoder's bucket partition of a requirement over the model's packages.
    fn partition(&self, d: &IndexDep) -> Vec<Vec<usize>> {
        let m = self.plan.model;
        let mut buckets: BTreeMap<Bucket, Vec<usize>> = BTreeMap::new();
        for &p in self
            .by_crate
            .get(d.crate_name())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if d.req.matches(&m.pkgs[p].version) {
                buckets.entry(m.pkgs[p].bucket).or_default().push(p);
            }
        }
        buckets.into_values().collect()
    }

    /// Target of edge number `e` (dependency `d`, active under `active`), which is active.
    fn target(
        &self,
        from: &str,
        e: usize,
        d: &IndexDep,
        active: Lit,
    ) -> Result<usize, LockwriteError> {
        let m = self.plan.model;
        let val = self.plan.values;
        let parts = self.partition(d);
        let mismatch = || LockwriteError::ModelMismatch {
            from: from.to_string(),
            edge: e,
            dep: d.name.clone(),
        };
        let edge = m.edges.get(e).ok_or_else(mismatch)?;
        let same = edge.active == active
            && edge.targets.len() == parts.len()
            && edge.targets.iter().zip(&parts).all(|((_, a), b)| a == b);
        if !same {
            return Err(mismatch());
        }
        let bucket_pkgs: Vec<usize> = if parts.len() > 1 {
            match edge.targets.iter().find(|(t, _)| match t {
                Lit::True => true,
                Lit::Var(v) => val[*v],
            }) {
                Some((_, pkgs)) => pkgs.clone(),
                None => Vec::new(),
            }
        } else {
            parts.into_iter().next().unwrap_or_default()
        };
        let hits: Vec<usize> = bucket_pkgs
            .into_iter()
            .filter(|p| val[m.pkgs[*p].x])
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(LockwriteError::NoTarget {
                from: from.to_string(),
                dep: d.name.clone(),
                req: d.req.to_string(),
            }),
            many => Err(LockwriteError::SeveralTargets {
                from: from.to_string(),
                dep: d.name.clone(),
                req: d.req.to_string(),
                count: many.len(),
            }),
        }
    }
}

fn dep_ref(target: PackageId) -> DependencyRef {
    DependencyRef {
        raw: String::new(),
        parsed: DependencySpec {
            name: target.name.clone(),
            version: None,
            source: None,
        },
        target,
    }
}

fn index_version<'a>(
    index: &'a BTreeMap<String, IndexCrate>,
    name: &str,
    version: &Version,
) -> Option<&'a IndexVersion> {
    index
        .get(name)?
        .versions
        .iter()
        .find(|v| &v.version == version)
}

/// Builds the new lock. Checks the assignment's edges as it goes (every active edge finds
/// exactly one target); validity against Cargo is the caller's job (`cargo --locked`).
pub fn new_lock(plan: &Plan<'_>) -> Result<Lockfile, LockwriteError> {
    let m = plan.model;
    if plan.values.len() != m.num_vars() {
        return Err(LockwriteError::WrongAssignment {
            got: plan.values.len(),
            want: m.num_vars(),
        });
    }
    let ctx = Ctx::new(plan);
    let mut edge = 0usize;

    // Root edges (always active), per root name.
    let mut root_targets: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut root_count: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &plan.roots.packages {
        *root_count.entry(r.name.as_str()).or_default() += 1;
        let set = root_targets.entry(r.name.as_str()).or_default();
        for d in &r.deps {
            if d.registry.is_some() {
                return Err(LockwriteError::ForeignRegistry {
                    from: r.name.clone(),
                    dep: d.crate_name().to_string(),
                });
            }
            set.insert(ctx.target(&r.name, edge, d, Lit::True)?);
            edge += 1;
        }
    }

    // Registry packages: numbered over every model package, listed for the chosen ones.
    let mut registry: Vec<LockedPackage> = Vec::new();
    let current_checksum: std::collections::HashMap<&PackageId, Option<&String>> = plan
        .current
        .packages
        .iter()
        .map(|p| (&p.id, p.checksum.as_ref()))
        .collect();
    for (p, pkg) in m.pkgs.iter().enumerate() {
        let iv = index_version(plan.index, &pkg.name, &pkg.version).ok_or_else(|| {
            LockwriteError::NotInIndex {
                name: pkg.name.clone(),
                version: pkg.version.clone(),
            }
        })?;
        let on = plan.values[pkg.x];
        let from = format!("{} {}", pkg.name, pkg.version);
        let mut targets: BTreeSet<usize> = BTreeSet::new();
        for d in iv.deps.iter().filter(|d| d.kind != DepKind::Dev) {
            let active = if d.optional {
                match m.optdeps.get(&(p, d.name.clone())) {
                    Some(o) => Lit::Var(*o),
                    None => continue, // no variable: the encoder made no edge either
                }
            } else {
                Lit::Var(pkg.x)
            };
            let is_on = on
                && match active {
                    Lit::True => true,
                    Lit::Var(v) => plan.values[v],
                };
            if d.registry.is_some() {
                if is_on {
                    return Err(LockwriteError::ForeignRegistry {
                        from,
                        dep: d.crate_name().to_string(),
                    });
                }
                continue; // the encoder forbids it and makes no edge
            }
            if is_on {
                targets.insert(ctx.target(&from, edge, d, active)?);
            }
            edge += 1;
        }
        if on {
            let id = ctx.id(p);
            let checksum = if iv.cksum.is_empty() {
                current_checksum.get(&id).copied().flatten().cloned()
            } else {
                Some(iv.cksum.clone())
            };
            registry.push(LockedPackage {
                id,
                checksum,
                dependencies: targets.into_iter().map(|t| dep_ref(ctx.id(t))).collect(),
                replace: None,
                line: 0,
            });
        }
    }

    // Non-registry packages: kept, registry edges recomputed.
    let mut kept_names: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &plan.current.packages {
        if !is_crates_io(p.id.source.as_deref()) {
            *kept_names.entry(p.id.name.as_str()).or_default() += 1;
        }
    }
    let mut packages: Vec<LockedPackage> = Vec::new();
    for p in &plan.current.packages {
        if is_crates_io(p.id.source.as_deref()) {
            continue;
        }
        let mut pkg = p.clone();
        pkg.line = 0;
        let described = root_count.contains_key(p.id.name.as_str())
            && kept_names.get(p.id.name.as_str()) == Some(&1);
        let mut deps: Vec<DependencyRef> = pkg
            .dependencies
            .iter()
            .filter(|d| !is_crates_io(d.target.source.as_deref()))
            .cloned()
            .collect();
        if described {
            let ts = &root_targets[p.id.name.as_str()];
            deps.extend(ts.iter().map(|t| dep_ref(ctx.id(*t))));
        } else {
            // not a root of the model (or ambiguous by name): same bucket, chosen version
            let mut ts: BTreeSet<usize> = BTreeSet::new();
            for d in pkg
                .dependencies
                .iter()
                .filter(|d| is_crates_io(d.target.source.as_deref()))
            {
                let b = Bucket::of(&d.target.version);
                let hit = ctx
                    .chosen
                    .get(d.target.name.as_str())
                    .and_then(|vs| vs.iter().find(|(_, _, cb)| *cb == b));
                match hit {
                    Some((t, _, _)) => {
                        ts.insert(*t);
                    }
                    None => {
                        return Err(LockwriteError::Unmovable {
                            from: format!("{} {}", p.id.name, p.id.version),
                            dep: format!("{} {}", d.target.name, d.target.version),
                            bucket: b,
                        })
                    }
                }
            }
            deps.extend(ts.iter().map(|t| dep_ref(ctx.id(*t))));
        }
        pkg.dependencies = deps;
        packages.push(pkg);
    }
    packages.extend(registry);

    let mut lock = Lockfile {
        packages,
        ..plan.current.clone()
    };
    lock.canonicalize();
    Ok(lock)
}

/// Whether two locks hold the same resolve: same packages (identity and checksum), the same
/// dependency targets and replacements. Formatting details are not compared.
pub fn same_resolve(a: &Lockfile, b: &Lockfile) -> bool {
    type Entry<'x> = (Option<&'x String>, BTreeSet<String>, Option<String>);
    fn view(l: &Lockfile) -> BTreeMap<String, Entry<'_>> {
        l.packages
            .iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    (
                        p.checksum.as_ref(),
                        p.dependencies
                            .iter()
                            .map(|d| d.target.to_string())
                            .collect(),
                        p.replace.as_ref().map(|r| r.target.to_string()),
                    ),
                )
            })
            .collect()
    }
    view(a) == view(b) && a.patch_unused == b.patch_unused && a.metadata == b.metadata
}

/// Registry packages of a lock: name -> versions (for change tables and tests).
pub fn registry_versions(l: &Lockfile) -> BTreeMap<String, Vec<Version>> {
    let mut out: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for p in &l.packages {
        if is_crates_io(p.id.source.as_deref()) {
            out.entry(p.id.name.clone())
                .or_default()
                .push(p.id.version.clone());
        }
    }
    for vs in out.values_mut() {
        vs.sort();
    }
    out
}
