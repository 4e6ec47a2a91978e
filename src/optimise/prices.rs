//! The price book: what each candidate version would add to the backlog if it were locked.
//!
//! A candidate's price is `cargo vet suggest`'s choice for that version alone under the
//! criteria its crate needs ([`suggest_for_version`]): 0 when the audit graph already vets it,
//! else the cheapest of a full audit and the deltas from the nearest vetted versions below and
//! at-or-above. Exact deltas need git (tens of milliseconds a pair), so the optimiser works
//! lazily (see `app::optimise`): every candidate starts with a proven lower bound (full audits
//! are exact from the tar stream; a delta is bounded below by the change in text lines,
//! [`crate::price::bounds`]), the model is solved on those, and only the versions the solver
//! picks are priced exactly, until the picked versions are all exact. Because every other
//! candidate's price is at least its bound, that answer is optimal for the exact prices.
//!
//! Criteria: each version has a price per [`Use`]: under the policy's deploy criteria (what a
//! member builds) and under its dev criteria (what only dev-dependencies pull in). The model
//! decides the use (`model::VarKind::Deploy`), so a package that moves between dev-only and
//! normal use in the new lock is priced as `cargo vet suggest` will price it. Criteria the
//! current lock asks beyond those two (a `dependency-criteria`) are added to both.
//! This module is pure: line counts come from the caller through [`DiffCost`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use semver::Version;

use crate::model::Bucket;
use crate::vet::audit_graph::AuditGraph;
use crate::vet::criteria::CriteriaSet;
use crate::vet::format::{VetVersion, SAFE_TO_DEPLOY, SAFE_TO_RUN};
use crate::vet::required::{resolve_requirements, PackageGraph};
use crate::vet::store::Store;
use crate::vet::suggest::{
    suggest_for_version, DiffCost, PublishedVersions, SuggestError, SuggestedAudit,
};

/// How a locked package is used, which decides the criteria it needs (cargo-vet's policy
/// `criteria` for what members build, `dev-criteria` for what only their dev-dependencies
/// pull in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Use {
    Deploy,
    Dev,
}

/// What the optimiser knows about one candidate's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Price {
    /// Already vetted for the criteria it needs: 0, no audit.
    Vetted,
    /// The exact audit(s) `cargo vet suggest` would ask for, and their lines.
    Exact {
        lines: u64,
        audits: Vec<SuggestedAudit>,
    },
    /// A proven lower bound; the exact figure is computed only if the solver picks it.
    AtLeast(u64),
}

impl Price {
    /// The figure the model uses: exact or the bound.
    pub fn model_cost(&self) -> u64 {
        match self {
            Price::Vetted => 0,
            Price::Exact { lines, .. } => *lines,
            Price::AtLeast(lb) => *lb,
        }
    }
    pub fn is_exact(&self) -> bool {
        !matches!(self, Price::AtLeast(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error("crate {krate} has audits that contradict a violation ({count} conflicts)\nhint: run `cargo vet` to see them; minaudit cannot price a crate whose audits conflict")]
    ViolationConflict { krate: String, count: usize },
    #[error("{0}")]
    Requirements(String),
    #[error("{0}")]
    Count(String),
}

/// Per-crate audit graphs and required criteria, shared by every pricing of the run.
#[derive(Clone)]
pub struct PriceContext<'a> {
    store: Store,
    published: &'a PublishedVersions,
    /// Criteria per (crate, semver bucket) in the current lock: a crate used as a dev-only
    /// dependency in one bucket and a normal one in another needs different criteria.
    required_by_bucket: BTreeMap<(String, Bucket), CriteriaSet>,
    required: BTreeMap<String, CriteriaSet>,
    /// Union of the members' `criteria` (safe-to-deploy by default).
    deploy: CriteriaSet,
    /// Union of the members' `dev-criteria` (safe-to-run by default).
    dev: CriteriaSet,
    graphs: HashMap<String, AuditGraph>,
}

impl<'a> PriceContext<'a> {
    /// `store` as loaded (exemptions are removed here, as `suggest` does); `current` is the
    /// current lock's package graph, from which each crate's criteria are taken.
    pub fn new(
        store: &Store,
        current: &PackageGraph,
        published: &'a PublishedVersions,
    ) -> Result<Self, PricingError> {
        let store = store.for_suggest();
        let req = resolve_requirements(current, &store.config.policy, &store.mapper)
            .map_err(|e| PricingError::Requirements(e.to_string()))?;
        let mut required: BTreeMap<String, CriteriaSet> = BTreeMap::new();
        let mut required_by_bucket: BTreeMap<(String, Bucket), CriteriaSet> = BTreeMap::new();
        for (i, pkg) in current.packages.iter().enumerate() {
            if req.third_party[i] {
                required
                    .entry(pkg.name.clone())
                    .or_default()
                    .union_with(&req.required[i]);
                required_by_bucket
                    .entry((pkg.name.clone(), Bucket::of(&pkg.version.semver)))
                    .or_default()
                    .union_with(&req.required[i]);
            }
        }
        // Per use, the union over every policy entry (and the defaults): never less than what
        // any member asks, exact when members share one policy.
        let mut deploy = store
            .mapper
            .set_from(&[SAFE_TO_DEPLOY], None)
            .unwrap_or_default();
        let mut dev = store
            .mapper
            .set_from(&[SAFE_TO_RUN], None)
            .unwrap_or_default();
        for (_, _, entry) in store.config.policy.iter() {
            if let Some(c) = &entry.criteria {
                if let Ok(set) = store.mapper.set_from(c, None) {
                    deploy.union_with(&set);
                }
            }
            if let Some(c) = &entry.dev_criteria {
                if let Ok(set) = store.mapper.set_from(c, None) {
                    dev.union_with(&set);
                }
            }
        }
        Ok(PriceContext {
            store,
            published,
            required_by_bucket,
            required,
            deploy,
            dev,
            graphs: HashMap::new(),
        })
    }

    /// Criteria a version is priced under for `use_`: the policy's deploy or dev criteria,
    /// plus whatever else the current lock asks of the crate (a `dependency-criteria` such as
    /// a custom criterion): the locked version in its bucket, else the union over the crate's
    /// locked versions.
    pub fn required_for(&self, krate: &str, version: &Version, use_: Use) -> CriteriaSet {
        let mut set = match use_ {
            Use::Deploy => self.deploy,
            Use::Dev => self.dev,
        };
        let locked = self
            .required_by_bucket
            .get(&(krate.to_owned(), Bucket::of(version)))
            .or_else(|| self.required.get(krate));
        if let Some(r) = locked {
            let mut both = self.deploy;
            both.union_with(&self.dev);
            if !both.contains(r) {
                set.union_with(r);
            }
        }
        set
    }

    fn graph(&mut self, krate: &str) -> Result<&AuditGraph, PricingError> {
        if !self.graphs.contains_key(krate) {
            let g = AuditGraph::build(&self.store, krate).map_err(|c| {
                PricingError::ViolationConflict {
                    krate: krate.to_owned(),
                    count: c.len(),
                }
            })?;
            self.graphs.insert(krate.to_owned(), g);
        }
        Ok(&self.graphs[krate])
    }

    /// True when the audit graph vets this version for what its crate needs (price 0).
    pub fn is_vetted(
        &mut self,
        krate: &str,
        version: &Version,
        use_: Use,
    ) -> Result<bool, PricingError> {
        let required = self.required_for(krate, version, use_);
        let v = VetVersion::new(version.clone());
        Ok(self
            .graph(krate)?
            .failing_criteria(&required, &v)
            .is_empty())
    }

    /// suggest's choice for this version, priced with `cost`; `None` when vetted.
    pub fn price_with<C: DiffCost>(
        &mut self,
        krate: &str,
        version: &Version,
        use_: Use,
        cost: &C,
    ) -> Result<Option<(u64, Vec<SuggestedAudit>)>, PricingError>
    where
        C::Error: std::fmt::Display,
    {
        let required = self.required_for(krate, version, use_);
        let published = self.published.get(krate);
        let v = VetVersion::new(version.clone());
        self.graph(krate)?;
        let audits = suggest_for_version(
            &self.store.mapper,
            &self.graphs[krate],
            krate,
            &v,
            &required,
            published,
            cost,
        )
        .map_err(|e: SuggestError<C::Error>| PricingError::Count(e.to_string()))?;
        Ok(audits.map(|a| (a.iter().map(|x| x.lines).sum(), a)))
    }

    /// Every (from, to) audit suggest would consider for this version (priced or not).
    pub fn candidate_audits(
        &mut self,
        krate: &str,
        version: &Version,
        use_: Use,
    ) -> Result<BTreeSet<(Option<Version>, Version)>, PricingError> {
        let seen = std::sync::Mutex::new(BTreeSet::new());
        let record = |_: &str, from: Option<&VetVersion>, to: &VetVersion| {
            seen.lock()
                .expect("not poisoned")
                .insert((from.map(|f| f.semver.clone()), to.semver.clone()));
            Ok::<u64, std::convert::Infallible>(0)
        };
        self.price_with(krate, version, use_, &record)?;
        Ok(seen.into_inner().expect("not poisoned"))
    }
}
