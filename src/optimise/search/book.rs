//! The price book: every candidate version, per set cargo-vet can require of it, with its
//! price (vetted, exact, or a proven lower bound), and the figures of an assignment.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use crate::model;
use crate::optimise::prices::{Price, PriceContext, PricingError};
use crate::vet::criteria::CriteriaSet;
use crate::vet::format::VetVersion;

use super::counts::{AuditKey, LineCounts, Progress};

/// A candidate version priced for one required set.
pub type PKey = (String, Version, CriteriaSet);
/// The price of every (version, required set) the model can pick.
pub type Book = BTreeMap<PKey, Price>;

pub fn audit_key(krate: &str, from: Option<&VetVersion>, to: &VetVersion) -> AuditKey {
    (
        krate.to_owned(),
        from.map(|f| f.semver.clone()),
        to.semver.clone(),
    )
}

/// The book a search starts from: `seed`'s price when it has one (what an earlier search with
/// the same audits found), else vetted (0) or a bound of 0 until the crate is touched.
pub fn initial_book(
    cands: &model::Candidates<'_>,
    sets_of: &BTreeMap<(String, Version), Vec<CriteriaSet>>,
    ctx: &mut PriceContext<'_>,
    seed: &Book,
) -> Result<Book, PricingError> {
    let mut book = Book::new();
    for c in cands.iter() {
        for &set in &sets_of[&(c.name().to_owned(), c.version().clone())] {
            let key = (c.name().to_owned(), c.version().clone(), set);
            let price = if let Some(p) = seed.get(&key) {
                p.clone()
            } else if ctx.is_vetted(&key.0, &key.1, set)? {
                Price::Vetted
            } else {
                Price::AtLeast(0)
            };
            book.insert(key, price);
        }
    }
    Ok(book)
}

/// Prices one candidate from the counts gathered so far: exact when every audit of suggest's
/// choice is exact, else the (proven) lower bound.
pub fn price_from_counts(
    ctx: &mut PriceContext<'_>,
    counts: &impl LineCounts,
    key: &PKey,
) -> Result<Price, PricingError> {
    let cost = |krate: &str, from: Option<&VetVersion>, to: &VetVersion| {
        counts
            .figure(&audit_key(krate, from, to))
            .map(|(n, _)| n)
            .ok_or_else(|| format!("internal: {krate} {to} was not counted"))
    };
    // Whether the *chosen* audit's figure is exact decides the state.
    let priced = ctx.price_with(&key.0, &key.1, key.2, &cost)?;
    Ok(match priced {
        None => Price::Vetted,
        Some((lines, audits)) => {
            let all_exact = audits.iter().all(|a| {
                counts
                    .figure(&audit_key(&a.krate, a.from.as_ref(), &a.to))
                    .is_some_and(|(_, e)| e)
            });
            if all_exact {
                Price::Exact { lines, audits }
            } else {
                Price::AtLeast(lines)
            }
        }
    })
}

/// Records a price that replaces a bound, and says so loudly if the bound was above it: the
/// optimality proof rests on every bound being at most the exact price.
pub fn set_exact(book: &mut Book, key: &PKey, price: Price, log: &dyn Progress) {
    if let Some(Price::AtLeast(bound)) = book.get(key) {
        if price.model_cost() < *bound {
            log.warn(format!(
                "internal: the lower bound {bound} of {} {} ({:?}) is above its exact price {}; the optimum may have been missed, please report it",
                key.0,
                key.1,
                key.2,
                price.model_cost()
            ));
        }
    }
    book.insert(key.clone(), price);
}

/// The book's keys of one version (one per required set the model can give it).
pub fn keys_of(book: &Book, name: &str, version: &Version) -> Vec<PKey> {
    let lo = (name.to_owned(), version.clone(), CriteriaSet::none());
    let hi = (name.to_owned(), version.clone(), CriteriaSet::full());
    book.range(lo..=hi).map(|(k, _)| k.clone()).collect()
}

/// The chosen versions with the set the assignment requires of each (their highest price
/// step on); versions not built for the listed targets are left out (they cost nothing).
pub fn picked_uses(m: &model::Model, values: &[bool]) -> Vec<PKey> {
    m.pkgs
        .iter()
        .filter_map(|p| {
            let k = p.tier_of(values)?;
            Some((p.name.clone(), p.version.clone(), p.tiers[k].set))
        })
        .collect()
}

/// What the model says an assignment costs, to hold against the exact re-check.
#[derive(Debug, Clone, Default)]
pub struct ModelFigures {
    /// (crate, version) -> (lines, the set the model priced it for).
    pub prices: BTreeMap<(String, Version), (u64, CriteriaSet)>,
    /// The model's backlog (audits shared by versions counted once).
    pub total: u64,
}

/// The model's figures for an assignment: each chosen version's price and set, and the
/// backlog with audits shared by versions counted once.
pub fn model_figures(m: &model::Model, values: &[bool], book: &Book) -> ModelFigures {
    let mut seen: BTreeSet<AuditKey> = BTreeSet::new();
    let mut total = 0;
    let mut prices: BTreeMap<(String, Version), (u64, CriteriaSet)> = BTreeMap::new();
    for key in picked_uses(m, values) {
        let price = &book[&key];
        prices.insert((key.0.clone(), key.1.clone()), (price.model_cost(), key.2));
        if let Price::Exact { audits, .. } = price {
            for a in audits {
                if seen.insert(audit_key(&a.krate, a.from.as_ref(), &a.to)) {
                    total += a.lines;
                }
            }
        }
    }
    ModelFigures { total, prices }
}
