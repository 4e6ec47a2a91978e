//! The optimiser's pure glue between the workspace, the vet store and the 0/1 model:
//! - [`roots`]: workspace -> the model's roots;
//! - [`prices`]: the price book of candidate versions (exact, or a proven lower bound) and the
//!   lazy-pricing loop's bookkeeping;
//! - [`requirements`]: the store's policies as the model's requirement rules;
//! - [`search`]: the lazy search for the cheapest lock (price book, pricing loop, `explain`);
//! - [`changes`]: current lock vs chosen versions -> the change table;
//! - [`downgrades`]: `--no-downgrade` removes versions below the reference lock's;
//! - [`advisories`]: RustSec advisories remove the versions they affect;
//! - [`member_features`]: `-p`/`--features`: which members and optional dependencies build.

pub mod advisories;
pub mod changes;
pub mod conflict;
pub mod downgrades;
pub mod member_features;
pub mod prices;
pub mod reduce;
pub mod requirements;
pub mod roots;
pub mod search;
