//! The search for the cheapest lock, proven optimal: the price book, the lazy pricing loop
//! over a [`LineCounts`] the caller provides, and `explain`'s forced solves. Pure: counting,
//! and saying what it does, go through the traits in [`counts`].

pub mod book;
pub mod counts;
pub mod explain;
pub mod lazy;
pub mod trail;

pub use book::{Book, ModelFigures, PKey};
pub use counts::{AuditKey, FileKey, LineCounts, Progress, Silent};
pub use explain::{cheapest_with_each, Alternative};
pub use lazy::{lazy_solve, Search, SearchEnv};
pub use trail::{Step, Trail};

use crate::model;
use crate::solve;

/// The cheapest lock of `m` under `env`: the versions in `first` (those the first solve
/// would pick anyway, e.g. the current lock's unvetted ones) are priced before it, which
/// saves a round; then the lazy loop. A search resumed from a trail ([`Search::replay`])
/// skips that: the trail holds it. `full`: every criterion of the order; else only up to
/// the first that reads prices. None when no lock satisfies the model.
pub fn optimum<C: LineCounts>(
    env: &SearchEnv<'_>,
    st: &mut Search<'_, C>,
    m: &mut model::Model,
    first: &[PKey],
    full: bool,
) -> anyhow::Result<Option<solve::Solution>> {
    if !st.replayed() {
        st.refine(env.cands, first, env.log)?;
    }
    lazy_solve(env, st, m, full)
}
