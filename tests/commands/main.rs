//! The built `cargo-minaudit` run end to end on private copies of fixture workspaces: the
//! reports and their snapshots, the written locks (Cargo accepts them), the data-driven cases
//! (`fixtures/cases`), bad input, faults and file safety.

#[path = "../support/mod.rs"]
mod support;

mod base_review;
mod cases;
mod cli_input;
mod explain_demo;
mod lockwrite_demo;
mod lockwrite_faults;
mod lockwrite_safety;
mod optimise_advisories;
mod optimise_cooldown;
mod optimise_objective;
mod policy_demo;
mod price_hostile_archives;
mod price_warm_caches;
mod publisher_demo;
mod report_ci_demo;
mod report_corpus_oracle;
mod report_demo;
mod report_faults;
mod report_joint_plan;
mod report_manifest_path;
mod report_network;
mod search_trail;
mod ship_code_count;
mod stale_lock;
mod target_report_demo;
mod whatif_demo;
