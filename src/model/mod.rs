//! The 0/1 model of "every Cargo.lock Cargo's lockfile resolve accepts" (ARCHITECTURE.md, Semantics).
//!
//! Pure: index snapshot + roots + current lock + prices in, a [`Model`] of binaries and linear
//! rows out. Pipeline: [`candidates::generate`] then [`encode::build`].
//!
//! # Encoding
//! Variables, all binary:
//! - `x[p]` per candidate version p: p is in the lock;
//! - `g[b,f]` per (crate, bucket) and feature f that is non-leaf in some version of the bucket
//!   (implicit `n = ["dep:n"]` features included): f is active on the bucket's chosen version.
//!   Leaf features (empty value list) get none: only their existence matters, so a request on
//!   one reads `x[p]` of the versions where it is a leaf;
//! - `o[b,n]` per (crate, bucket) and optional normal/build dependency name n;
//! - `t[r,i]` per group of edges whose requirement matches versions in several buckets (the
//!   same declaration in the versions of one bucket shares them): Cargo records one target per
//!   edge, and t picks its bucket (`Σ_i t ≤ 1`, forced to 1 when the edge is active);
//! - `r[p,k]` per price step k ≥ 1 of a version ([`uses`]): cargo-vet requires at least the
//!   step's criteria set of p. Sets reach p along edges exactly as cargo-vet's
//!   `resolve_requirements` sends them: a root's edge its fixed set (safe-to-deploy, a dev
//!   edge's `dev-criteria`, a policy's set or `dependency-criteria`), a registry edge its
//!   source's own set or its policy's `dependency-criteria`; a version with a policy
//!   `criteria` takes exactly that. Step 0 is p's presence; p's price is the cost of its
//!   highest step on, `Σ (cost_k − cost_{k−1})·r[p,k]`. The usual steps are safe-to-run
//!   (dev-only use) then safe-to-deploy, and `{}` under a `criteria = []` policy.
//! - `b[p]` per version, under a target filter (`--target`, [`build_filtered`]), for the
//!   versions an edge that does not build for the listed targets can reach (closed over
//!   edges and buckets; any other chosen version is built, so `x` stands for its b): p is
//!   reached from a root through edges that build. `b[q] ≥ b[p] ∧ active ∧ route` along every
//!   building edge (roots' building edges force it); b is the step-0 variable, and
//!   requirements flow along building edges only. Costs are ≥ 0 and minimised,
//!   so b is 1 only where forced; the lock itself is unchanged in kind (every valid lock is
//!   still valid).
//! - `gb[b,f]`, `ob[b,n]` per (crate, bucket), under a feature filter (`-p`/`--features`,
//!   [`build_features_filtered`]): feature f / optional dependency n is on *in the build*,
//!   beside g and o (on in the lockfile resolve, every member feature on). They follow the
//!   same rules from building edges of built versions, with the features the build asks on
//!   root edges, except that a weak `n?/f` never turns n on and asks f only while n is on
//!   (resolver v2); an optional edge carries b (and requirements) only when its ob is on. What the build
//!   turns on, the lockfile resolve turns on too, so these only lower prices. Host and target
//!   features are unified (never less than what builds).
//!
//! Bucket-level variables are exact because a lock holds at most one version per bucket; a
//! guard `g[b,f] ≤ Σ x[p]` over the versions that have f ties them to the chosen version.
//!
//! An edge (dependency d of p, dev-deps only for roots) is active when: root → always; d
//! non-optional → `x[p]`; d optional → `o[b,d.name] ∧ x[p]`. Rules (implications):
//! 1. requirement: active ⇒ one of the matching versions in the edge's bucket (or one route,
//!    and route i ⇒ one matching version in bucket i);
//! 2. features: each feature f listed on an active edge ⇒ `g[b',f]` or a version of the target
//!    bucket where f is a leaf; a target lacking f has no head, so it cannot be chosen;
//!    `default` is requested only on versions that define it. Inside p, `g[b,h] ∧ x[p]` implies
//!    the values of h in p: `f` → `g[b,f]`, `dep:n` → `o[b,n]`, `n/f` → `o[b,n]` (+ `g[b,n]`
//!    when n is optional and has a feature of that name) and f on n's target; weak `n?/f` does
//!    the same minus `g[b,n]` (lockfile resolve, rust-lang/cargo#10801).
//! 3. at most one version per (name, bucket); at most one package per `links` value (a root's
//!    `links` forbids every registry version with the same value).
//!
//! Nothing says "only what is forced": an answer may carry extra packages or features. Every
//! objective only grows with more packages, so the solver never needs them, and each answer is
//! reduced to the least lock its choices force ([`eval::least`]), the lock Cargo builds. The
//! rules are written once per version and merged across the versions of a bucket that share
//! them ([`encode`]); the solver sees bucket sums in threshold form (`solve::compact`).
//!
//! Candidates are already filtered: not yanked unless locked, MSRV, valid feature tables.

pub mod bucket;
pub mod candidates;
pub mod encode;
pub mod eval;
pub mod features;
pub mod instance;
pub mod lag;
pub mod roots;
pub mod uses;

use std::collections::BTreeSet;

pub use bucket::Bucket;
pub use candidates::{generate, CandidateOptions, Candidates};
pub use encode::{
    build, build_features_filtered, build_filtered, build_with, EdgeFilter, EdgeFrom, Lit, Model,
    Pkg, Prices, RootFeatures, Row, Tier, VarId, VarKind,
};
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
