//! The library's parts against their oracles: index, lockfile and cargo-vet store parsing,
//! line counts against git, the model and solver against brute force and Cargo, the lazy
//! search against enumeration, and the fixture builder against Cargo.

#[path = "../support/mod.rs"]
mod support;

mod advisory_db;
mod cargo_oracle_demo;
mod cargo_oracle_scenarios;
mod code_count_classify;
mod index_cooldown;
mod index_local_registry;
mod index_offline;
mod index_parse;
mod index_sparse;
mod lockfile_cargo_oracle;
mod lockfile_roundtrip;
mod lockwrite_hand;
mod lockwrite_realworld;
mod net_no_answer;
mod price_audit_lines;
mod price_diffstat;
mod price_linecount;
mod price_network;
mod price_sources;
mod price_unpack;
mod registry_builder_format;
mod replay_instances;
mod solve_bruteforce;
mod solve_cases;
mod solve_scale;
mod target_filter;
mod vet_audit_graph;
mod vet_oracle;
mod vet_required;
mod vet_store;
mod vet_suggest;
mod workspace_load;
