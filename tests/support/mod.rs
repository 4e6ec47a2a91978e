//! What the test binaries share: fixture registries (`registry_builder`), private copies of
//! the demo and the built command run on them (`report_support`), synthetic crates and counts
//! (`price_support`, `synth`), a loopback HTTP server, and what opt-in tests need from outside
//! the repository (`outside`).

// each binary uses a part of it
#![allow(dead_code, unused_imports)]

pub mod loopback_http;
pub mod outside;
pub mod price_support;
pub mod registry_builder;
pub mod report_support;
pub mod synth;
