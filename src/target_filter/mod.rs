//! `--target TRIPLE` support: which packages compile for the targets the user ships.
//!
//! README: packages reachable only through edges that never build for the listed
//! targets cost 0 (they stay in the lock). Three parts:
//! - [`rustc_cfg`] (IO edge): the cfg values of a target, from `rustc --print cfg --target T`
//!   (prints, never compiles; works for targets whose std is not installed), behind
//!   [`CfgSource`] with a canned fixture implementation;
//! - this module (pure): evaluate one edge's `target` string — a `cfg(...)` expression or a
//!   plain triple — with `cargo-platform`, exactly the parser and evaluator Cargo uses;
//! - [`graph`] (pure): reachability from the workspace members through the edges that match,
//!   with Cargo's host/target split (build dependencies and proc-macros compile for the host);
//! - [`edges`] (pure): the same decision per edge of the optimiser's model, which prices a
//!   version only when building edges reach it (`model::build_filtered`).
//!
//! A target string cargo-platform cannot parse counts as matching (the edge is assumed built)
//! and is reported: an unknown edge must never make a package look free.

pub mod edges;
pub mod graph;
pub mod rustc_cfg;
pub mod scope;

use std::str::FromStr;

use cargo_platform::{Cfg, Platform};

pub use edges::{EdgeBuilds, HostFacts};
pub use graph::{build_reach, BuildEdge, BuildGraph, BuildPackage, BuildReach, Platforms};
pub use rustc_cfg::{platforms_of, CfgSource, FixtureCfgSource, RustcCfgSource};

/// One platform to evaluate edges against: its name (target triple, or the file stem of a
/// custom target `.json`, as Cargo names it) and the cfg values rustc prints for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPlatform {
    pub name: String,
    pub cfg: Vec<Cfg>,
}

impl TargetPlatform {
    /// Builds a platform from the text `rustc --print cfg --target <name>` printed.
    /// `origin` names the text in errors (e.g. the command line).
    pub fn from_rustc_cfg(
        name: &str,
        output: &str,
        origin: &str,
    ) -> Result<TargetPlatform, TargetFilterError> {
        let mut cfg = Vec::new();
        for (i, line) in output.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let value = Cfg::from_str(line).map_err(|e| TargetFilterError::CfgLine {
                origin: origin.to_string(),
                line: i + 1,
                text: line.to_string(),
                message: e.to_string(),
            })?;
            cfg.push(value);
        }
        Ok(TargetPlatform {
            name: platform_name(name),
            cfg,
        })
    }

    /// Whether `platform` (a parsed edge target) holds on this platform.
    pub fn matches(&self, platform: &Platform) -> bool {
        platform.matches(&self.name, &self.cfg)
    }
}

/// Cargo's short name of a target: a path to a custom target `.json` is known by its stem.
pub fn platform_name(target: &str) -> String {
    if let Some(stripped) = target.strip_suffix(".json") {
        let stem = stripped.rsplit(['/', '\\']).next().unwrap_or(stripped);
        return stem.to_string();
    }
    target.to_string()
}

/// Parses an edge's target string (`cfg(unix)`, `x86_64-pc-windows-msvc`).
pub fn parse_edge_target(target: &str) -> Result<Platform, TargetFilterError> {
    Platform::from_str(target).map_err(|e| TargetFilterError::BadEdgeTarget {
        target: target.to_string(),
        message: e.to_string(),
    })
}

/// Whether an edge with this `target` (None: every platform) builds on any of `platforms`.
pub fn edge_matches_any(
    target: Option<&str>,
    platforms: &[TargetPlatform],
) -> Result<bool, TargetFilterError> {
    let Some(target) = target else {
        return Ok(true);
    };
    let parsed = parse_edge_target(target)?;
    Ok(platforms.iter().any(|p| p.matches(&parsed)))
}

/// Errors of target evaluation and of the rustc edge.
#[derive(Debug, thiserror::Error)]
pub enum TargetFilterError {
    #[error("cannot parse dependency target `{target}`: {message}\nhint: Cargo accepts `cfg(...)` expressions or a target triple here")]
    BadEdgeTarget { target: String, message: String },
    #[error("{origin}:{line}: cannot parse cfg value `{text}`: {message}\nhint: this rustc prints a cfg syntax minaudit does not know; update minaudit")]
    CfgLine {
        origin: String,
        line: usize,
        text: String,
        message: String,
    },
    #[error("`{command}` failed: {message}\nhint: {hint}")]
    Rustc {
        command: String,
        message: String,
        hint: String,
    },
    #[error(
        "no canned cfg for target `{target}` in the fixture\nhint: add it to the FixtureCfgSource"
    )]
    FixtureMissing { target: String },
}
