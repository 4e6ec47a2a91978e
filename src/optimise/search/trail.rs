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
//! the lock does not hang on which of several tied optima the solver returns.

use serde::{Deserialize, Serialize};

use super::book::PKey;

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
}
