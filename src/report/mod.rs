//! Reports are data first (this module's types, serialised as the JSON contract of DESIGN.md §5),
//! rendered late by one printer per format (`human`, `json`, `markdown`). Pure: renderers return
//! strings; `app` decides where they go.

mod human;
mod markdown;

use serde::Serialize;

pub use human::render_human;
pub use markdown::render_markdown;

/// Bumped whenever a key changes meaning or disappears (adding keys does not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// Everything `cargo minaudit report` knows, in the shape scripts consume.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    /// Which audit sources priced this report (see [`CostUniverse`]).
    pub cost_universe: CostUniverse,
    pub current: Backlog,
    /// The cheapest valid lock; `None` until an optimiser has run.
    pub optimal: Option<Backlog>,
    /// Version changes from the current lock to the optimal one.
    pub changes: Vec<Change>,
    pub solver: Option<SolverSummary>,
    /// Audit violations cargo-vet would fail on (crate, version, the audit that forbids it).
    pub violations: Vec<Violation>,
}

/// Where the audits that vet packages came from. Numbers differ between universes
/// (DESIGN.md §3: imports.lock alone vs the whole imported files), so every report says which.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CostUniverse {
    /// `"imports.lock"` (frozen, like `cargo vet --locked`) or `"imports"` (whole import files).
    pub kind: String,
    /// One entry per imported audit source: its name and where its audits were read from.
    pub sources: Vec<AuditSource>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditSource {
    pub name: String,
    pub origin: String,
}

/// A backlog: the audits cargo-vet would suggest for one lock, and their total.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Backlog {
    pub backlog_lines: u64,
    pub audits: Vec<SuggestedAudit>,
}

/// One audit cargo-vet would suggest: a full audit (`from == None`) or a delta.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SuggestedAudit {
    #[serde(rename = "crate")]
    pub krate: String,
    pub version: String,
    pub from: Option<String>,
    pub lines: u64,
    pub criteria: Vec<String>,
    /// The cargo-vet command that shows exactly this audit's code.
    pub command: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    #[serde(rename = "crate")]
    pub krate: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SolverSummary {
    /// `"optimal"`, `"feasible"` or `"infeasible"`.
    pub status: String,
    pub gap: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Violation {
    #[serde(rename = "crate")]
    pub krate: String,
    pub version: String,
    pub detail: String,
}

impl SuggestedAudit {
    /// `cargo vet inspect` for a full audit, `cargo vet diff` for a delta.
    pub fn vet_command(krate: &str, from: Option<&str>, version: &str) -> String {
        match from {
            Some(from) => format!("cargo vet diff {krate} {from} {version}"),
            None => format!("cargo vet inspect {krate} {version}"),
        }
    }
}

/// The JSON contract: pretty-printed, one trailing newline.
pub fn render_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("report types always serialise");
    text.push('\n');
    text
}

/// Thousands separators, as cargo-vet prints line counts ("194,757").
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_in_threes_from_the_right() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(194_757), "194,757");
        assert_eq!(group_digits(6_584_381), "6,584,381");
    }
}
