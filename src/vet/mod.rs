//! cargo-vet's store and audit semantics, exactly as cargo-vet 0.10 decides them.
//!
//! Pipeline (all pure except `store_fs`):
//! - `format`: parse `config.toml`, `audits.toml`, `imports.lock` and peers' audit files from text;
//! - `store`: the three files together, validated (criteria names exist), plus the universe of
//!   imported audits in use (imports.lock only, or full peer files mapped into local criteria);
//! - `criteria`: criteria sets with `implies` closure; mapping a peer's criteria via criteria-map;
//! - `audit_graph`: per crate, the graph root→versions whose paths prove criteria; violations;
//! - `required`: which criteria each package of a dependency graph needs (policies, dev-deps);
//! - `metadata_graph`: `cargo metadata` JSON (parsed) -> the package graph `required` takes;
//! - `suggest`: `cargo vet suggest`'s choice of audits for what fails, priced by a `DiffCost`;
//! - `store_fs` (IO edge): read a `supply-chain/` directory.

pub mod audit_graph;
pub mod criteria;
pub mod format;
pub mod joint;
pub mod metadata_graph;
pub mod required;
pub mod store;
pub mod store_fs;
pub mod suggest;
