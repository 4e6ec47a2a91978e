//! The 0/1 model of "every Cargo.lock Cargo's lockfile resolve accepts" (DESIGN.md §2).
//!
//! Pure: index snapshot + roots + current lock + prices in, a [`Model`] of binaries and linear
//! rows out. Pipeline: [`candidates::generate`] then [`encode::build`].
//!
//! # Encoding (first cut: exact, not yet the threshold formulation of DESIGN.md §8)
//! Variables, all binary:
//! - `x[p]` per candidate version p: p is in the lock;
//! - `g[p,f]` per feature f of p (implicit `n = ["dep:n"]` features included): f is active;
//!   leaf features (empty value list) get none: only their existence matters, so a request
//!   on one reads `x[p]` in place of `g[p,f]`;
//! - `o[p,n]` per optional normal/build dependency name n of p: n is active;
//! - `t[e,b]` per edge e whose requirement matches versions in several buckets: Cargo records
//!   one target per edge, and t picks its bucket (`Σ_b t[e,b] = active(e)`);
//! - And-nodes naming conjunctions that serve as reasons (support terms).
//!
//! An edge (dependency d of p, dev-deps only for roots) is active when: root → always; d
//! non-optional → `x[p]`; d optional → `o[p,d.name]`. Rules:
//! 1. requirement: `active(e) ≤ Σ x[q]` over q matching d.req in the edge's bucket (or
//!    `t[e,b] ≤ Σ …` per bucket). At most one version per (name, bucket) makes the target unique.
//! 2. features: each feature f listed on an active edge needs `Σ_{q in bucket, f ∈ q} g[q,f] ≥
//!    route` — this also forces the chosen target to *have* f; `default` is requested only on
//!    versions that define it. Inside p, `g[p,h]` implies its values: `f` → `g[p,f]`, `dep:n` →
//!    `o[p,n]`, `n/f` → `o[p,n]` (+ `g[p,n]` when n is optional and has a feature of that name)
//!    and f on n's target; weak `n?/f` does the same minus `g[p,n]` (lockfile resolve,
//!    rust-lang/cargo#10801). `g[p,f] ≤ x[p]`, `o[p,n] ≤ x[p]`.
//! 3. no extra packages or features: every `x`, `g`, `o`, `t` is at most the sum of its reasons
//!    (the literals that rule 1/2 used to force it). This is the least fixed point only when the
//!    reason graph is acyclic; a self-supporting cycle (possible across versions and feature
//!    tables) is detected after solving by [`eval::unfounded`] and cut off with a loop
//!    inequality (as in ASP solvers), then the model is solved again.
//! 4. at most one version per (name, bucket); at most one package per `links` value (a root's
//!    `links` forbids every registry version with the same value).
//!
//! Optional strengthening (on by default, [`BuildOptions`]): closure inequalities over the
//! newest-first suffixes of a bucket whose versions all depend on the same target bucket.
//!
//! Candidates are already filtered: not yanked unless locked, MSRV, valid feature tables.

pub mod bucket;
pub mod candidates;
pub mod encode;
pub mod eval;
pub mod features;
pub mod instance;
pub mod roots;

use std::collections::BTreeSet;

pub use bucket::Bucket;
pub use candidates::{generate, CandidateOptions, Candidates};
pub use encode::{build, build_with, BuildOptions, Lit, Model, Pkg, Row, VarId, VarKind};
pub use features::{FeatureTable, FeatureValue};
pub use instance::Instance;
pub use roots::{RootPackage, Roots};

/// Registry packages of the current lock, `(name, version)`.
pub type Locked = BTreeSet<(String, semver::Version)>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("no price for {name} {version}; price every candidate version (unknown is not 0)")]
    UnknownCost {
        name: String,
        version: semver::Version,
    },
    #[error("{from} depends on {dep} from another registry; only one registry is supported")]
    ForeignRegistry { from: String, dep: String },
}
