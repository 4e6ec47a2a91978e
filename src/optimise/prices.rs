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
//! Criteria: each version has a price per required set (the model's price steps,
//! `model::uses`): the sets cargo-vet can require of it on the locks the model allows, so a
//! package that moves between uses in the new lock is priced as `cargo vet suggest` will
//! price it.
//! This module is pure: line counts come from the caller through [`DiffCost`].

use std::collections::{BTreeSet, HashMap};

use semver::Version;

use crate::vet::audit_graph::AuditGraph;
use crate::vet::criteria::CriteriaSet;
use crate::vet::format::VetVersion;
use crate::vet::store::Store;
use crate::vet::suggest::{
    suggest_for_version, DiffCost, PublishedVersions, SuggestError, SuggestedAudit,
};

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
    Count(String),
}

/// Per-crate audit graphs, shared by every pricing of the run.
#[derive(Clone)]
pub struct PriceContext<'a> {
    store: Store,
    published: &'a PublishedVersions,
    graphs: HashMap<String, AuditGraph>,
}

impl<'a> PriceContext<'a> {
    /// `store` as loaded (exemptions are removed here, as `suggest` does).
    pub fn new(store: &Store, published: &'a PublishedVersions) -> Self {
        PriceContext {
            store: store.for_suggest(),
            published,
            graphs: HashMap::new(),
        }
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

    /// True when the audit graph vets this version for `required` (price 0).
    pub fn is_vetted(
        &mut self,
        krate: &str,
        version: &Version,
        required: CriteriaSet,
    ) -> Result<bool, PricingError> {
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
        required: CriteriaSet,
        cost: &C,
    ) -> Result<Option<(u64, Vec<SuggestedAudit>)>, PricingError>
    where
        C::Error: std::fmt::Display,
    {
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
        required: CriteriaSet,
    ) -> Result<BTreeSet<(Option<Version>, Version)>, PricingError> {
        let seen = std::sync::Mutex::new(BTreeSet::new());
        let record = |_: &str, from: Option<&VetVersion>, to: &VetVersion| {
            seen.lock()
                .expect("not poisoned")
                .insert((from.map(|f| f.semver.clone()), to.semver.clone()));
            Ok::<u64, std::convert::Infallible>(0)
        };
        self.price_with(krate, version, required, &record)?;
        Ok(seen.into_inner().expect("not poisoned"))
    }
}
