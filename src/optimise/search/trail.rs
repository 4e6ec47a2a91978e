//! The trail of a search: the bounding and exact pricing it did, in order, and how its last
//! round was solved. The price book a round reads is a function of that sequence alone (each
//! step prices from the counts the steps before it asked for), so replaying a finished
//! search's trail before the first solve rebuilds the book of its last round; with the same
//! inputs the solver, given the same model, returns the same answer, which is exactly priced:
//! one round instead of the whole path, and the same lock. Inputs the trail was not recorded
//! for may make the replayed book another one; every price in it is still exact or a proven
//! lower bound, so the answer is still optimal (another tied lock may be chosen). The answer
//! is recorded too: the replayed round starts from it (the solver then has an optimal
//! incumbent from the start and only proves it) and keeps it whenever it is still optimal, so
//! the lock does not hang on which of several tied optima the solver returns. When the
//! replayed round is the very MIP the recorded one proved optimal (same fingerprint), the
//! answer is taken with that proof and nothing is solved.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::book::{Book, PKey};
use crate::model;

/// One pricing step of a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Every candidate of these crates bounded from full counts.
    Bound(Vec<String>),
    /// These keys priced exactly.
    Exact(Vec<PKey>),
}

/// A search's steps and the state its last round was solved in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    pub steps: Vec<Step>,
    /// Crates a round picked inexact versions of (they get more rivals priced).
    pub picked_before: Vec<String>,
    /// Whether the last round minimised every criterion (the stages after the first that
    /// reads prices), not only up to that stage.
    pub last_round_full: bool,
    /// The answer: the model's variables set in it. The replayed round starts from it, and
    /// keeps it when it is still optimal (another lock tied with it is not taken).
    pub answer: Vec<usize>,
    /// Set when the last round proved the answer optimal: the fingerprint of what that round
    /// solved. A replayed round with the same fingerprint solves the very same MIP, so the
    /// proof holds as it is and no MIP runs.
    #[serde(default)]
    pub proof: Option<RoundProof>,
}

/// What a round proved optimal, as a fingerprint of its MIP's variable part (every price step's
/// cost and whether it is exact, which decides the rows leaving dominated versions out; the
/// stages solved) and of the answer. The rest of the MIP is the model's structure and
/// options, which the trail's key pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundProof {
    pub fingerprint: String,
    /// Whether that solve minimised every criterion ([`crate::solve::Solution::complete`]).
    pub complete: bool,
}

/// The fingerprint of a round over `m` (costs set from `book`), solving every stage or only up
/// to the first that reads prices, and the answer it proved optimal (`answer`'s variables set).
pub fn round_fingerprint(
    m: &model::Model,
    book: &Book,
    until_priced: bool,
    answer: &[usize],
) -> String {
    let mut h = Sha256::new();
    h.update([u8::from(until_priced)]);
    for v in answer {
        h.update(v.to_le_bytes());
    }
    for p in &m.pkgs {
        for t in &p.tiers {
            let exact = book
                .get(&(p.name.clone(), p.version.clone(), t.set))
                .is_some_and(|price| price.is_exact());
            h.update(t.cost.to_le_bytes());
            h.update([u8::from(exact)]);
        }
    }
    hex::encode(h.finalize())
}
