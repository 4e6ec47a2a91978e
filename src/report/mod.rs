//! Reports are data first (this module's types, serialised as the JSON contract of README, JSON output),
//! rendered late by one printer per format (`human`, `json`, `markdown`). Pure: renderers return
//! strings; `app` decides where they go.

mod human;
mod markdown;
pub mod whatif;

use std::collections::BTreeSet;

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
    /// `--target` only (keys `targets`, `host`, `not_built`; absent otherwise).
    #[serde(flatten)]
    pub target_scope: Option<TargetScope>,
    /// Set when Cargo.lock was missing or no longer matched the manifests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_lock: Option<StaleLock>,
    /// `--base`: the lock the change is reviewed against, priced the same way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseBacklog>,
}

/// The base lock's backlog, and how many crates.io versions each lock holds that it lacks.
#[derive(Debug, Clone, Serialize)]
pub struct BaseBacklog {
    /// The file or git revision named by `--base`.
    pub source: String,
    #[serde(flatten)]
    pub backlog: Backlog,
    /// Versions of the current lock not in the base.
    pub changed_current: usize,
    /// Versions of the optimal lock not in the base (absent without an optimum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_optimal: Option<usize>,
}

impl BaseBacklog {
    /// Audits `backlog` needs that the base does not (same crate, version and delta base).
    pub fn added_audits<'a>(&self, backlog: &'a Backlog) -> Vec<&'a SuggestedAudit> {
        backlog
            .audits
            .iter()
            .filter(|a| {
                !self
                    .backlog
                    .audits
                    .iter()
                    .any(|b| b.krate == a.krate && b.version == a.version && b.from == a.from)
            })
            .collect()
    }

    /// Crates `backlog` needs an audit of that the base needs none of.
    pub fn added_crates(&self, backlog: &Backlog) -> BTreeSet<String> {
        let base: BTreeSet<&str> = self
            .backlog
            .audits
            .iter()
            .map(|a| a.krate.as_str())
            .collect();
        backlog
            .audits
            .iter()
            .filter(|a| !base.contains(a.krate.as_str()))
            .map(|a| a.krate.clone())
            .collect()
    }
}

/// Cargo.lock could not be priced as it is: it is missing, or no longer satisfies the
/// manifests (cargo-vet needs the resolve graph of a lock that does). `current` is then the
/// lock Cargo writes for the manifests, which keeps every version of Cargo.lock still allowed;
/// `changes` and `changed` are counted against Cargo.lock as it is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StaleLock {
    /// `missing` or `out of date`.
    pub state: String,
    /// What Cargo's update changes from Cargo.lock (`from` is `-` for a version it adds, `to`
    /// `-` for one it drops).
    pub cargo_update: Vec<Change>,
}

/// What `--target` left out: the backlog only prices packages that compile for `targets` (or
/// for `host`, on behalf of build scripts and proc-macros).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TargetScope {
    /// `--target` values (absent when only `-p`/`--features` filtered).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// Packages in the lock that never compile for the targets: they need no audit.
    pub not_built: Vec<NotBuilt>,
    /// The same for the optimal lock (absent when no optimum was computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimal_not_built: Option<Vec<NotBuilt>>,
}

/// A locked package that does not compile for the requested targets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotBuilt {
    #[serde(rename = "crate")]
    pub krate: String,
    pub version: String,
    /// Why, in words: the edges that would pull it in and the platforms they need.
    pub reason: String,
    /// The dependency edges from built packages to this one (none of them active).
    pub cut_edges: Vec<CutEdge>,
}

impl NotBuilt {
    /// A package nothing builds, with the reason in words: the edges cut by the filter (and the
    /// platforms they need), else the unbuilt packages that alone depend on it, else the
    /// built packages whose optional dependency on it the selected features leave off, else
    /// that no member reaches it.
    pub fn new(
        krate: String,
        version: String,
        cut_edges: Vec<CutEdge>,
        unbuilt_dependents: impl IntoIterator<Item = String>,
        optional_off_in: impl IntoIterator<Item = String>,
    ) -> NotBuilt {
        let unbuilt: Vec<String> = unbuilt_dependents.into_iter().collect();
        let optional_off: Vec<String> = optional_off_in.into_iter().collect();
        let reason = if !cut_edges.is_empty() {
            let parts: Vec<String> = cut_edges
                .iter()
                .map(|e| {
                    format!(
                        "{} ({}, {})",
                        e.from,
                        e.kind,
                        e.target.as_deref().unwrap_or("all platforms")
                    )
                })
                .collect();
            format!("only needed by {}", parts.join("; "))
        } else if !unbuilt.is_empty() {
            format!("only needed by packages not built: {}", unbuilt.join(", "))
        } else if !optional_off.is_empty() {
            format!(
                "an optional dependency the selected features do not turn on, of {}",
                optional_off.join(", ")
            )
        } else {
            "not reached from the workspace members".to_string()
        };
        NotBuilt {
            krate,
            version,
            reason,
            cut_edges,
        }
    }
}

/// One declared dependency edge that does not apply to the requested targets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CutEdge {
    /// `name version` of the dependent.
    pub from: String,
    /// `normal`, `build` or `dev`.
    pub kind: String,
    /// The edge's `cfg(...)` or triple; `null` if it applies everywhere (then the dependent
    /// is only built where this kind of edge is not evaluated).
    pub target: Option<String>,
}

/// Where the audits that vet packages came from. Numbers differ between universes
/// (ARCHITECTURE.md, Semantics: imports.lock alone vs the whole imported files), so every report says which.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CostUniverse {
    /// `"imports.lock"` (frozen, like `cargo vet --locked`) or `"imports"` (whole import files).
    pub kind: String,
    /// One entry per imported audit source: its name and where its audits were read from.
    pub sources: Vec<AuditSource>,
    /// Publisher facts behind wildcard audits and trusted entries; absent when no package of
    /// the lock has such an entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher_facts: Option<PublisherFacts>,
}

/// One line on publisher facts for the human and markdown reports, when there are any.
pub fn publisher_facts_line(facts: &PublisherFacts) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "publisher facts ({}): {} with wildcard audits or trusted entries, {} looked up, {} covered",
        facts.source,
        plural(facts.crates, "crate"),
        plural(facts.versions_looked_up, "version"),
        facts.versions_covered
    );
    if facts.versions_unchecked > 0 {
        line.push_str(&format!(
            ", {} without facts counted as not covered ({})",
            facts.versions_unchecked,
            facts.unchecked_crates.join(", ")
        ));
    }
    line
}

/// One line on a stale or missing Cargo.lock, for the human and markdown reports.
pub fn stale_lock_line(stale: &StaleLock) -> String {
    let moved: Vec<String> = stale
        .cargo_update
        .iter()
        .map(|c| format!("{} {} -> {}", c.krate, c.from, c.to))
        .collect();
    let what = if stale.state == "missing" {
        "Cargo.lock does not exist: `current` is the lock Cargo would write for the manifests"
            .to_string()
    } else {
        format!(
            "Cargo.lock does not match the manifests: `current` is Cargo's update of it ({})",
            if moved.is_empty() {
                "no version moves".to_string()
            } else {
                moved.join(", ")
            }
        )
    };
    format!("{what}; changes are counted against Cargo.lock as it is")
}

/// Which versions' publishers were known: a wildcard audit or trusted entry covers a version
/// only by its publisher and publish date, and a version without them counts as not covered.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PublisherFacts {
    /// Crates of the lock with a wildcard audit or a local trusted entry.
    pub crates: usize,
    /// Where facts were read: `imports.lock` (`--frozen-imports`), `imports.lock and caches`
    /// (`--offline`), or `imports.lock, caches and the crates.io API`.
    pub source: String,
    /// Published versions of those crates that imports.lock's rows decide, or that no entry's
    /// date range can cover.
    pub versions_from_imports_lock: usize,
    /// Versions whose publisher was read from a cache or the API.
    pub versions_looked_up: usize,
    /// Of those, the versions a wildcard audit or trusted entry covers by that publisher.
    pub versions_covered: usize,
    /// Versions an entry could cover whose publisher is unknown: counted as not covered.
    pub versions_unchecked: usize,
    /// The crates those unchecked versions belong to.
    pub unchecked_crates: Vec<String>,
    /// Requests sent to the crates.io API.
    pub requests: usize,
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
    /// `--count code` only (keys `code_backlog_lines`, `code_unknown_audits`).
    #[serde(flatten)]
    pub code: Option<BacklogCode>,
    /// `--plan joint` only: the cheapest audits covering the same versions when one audited
    /// version of a crate may serve as the base of a delta to another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joint: Option<JointPlan>,
}

/// A joint audit plan: `audits` in the order of the independent ones (same versions), some
/// replaced by a delta from another planned version of the same crate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JointPlan {
    pub backlog_lines: u64,
    /// Independent backlog minus the joint one.
    pub saved_lines: u64,
    pub audits: Vec<SuggestedAudit>,
}

/// The code count of a whole backlog.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BacklogCode {
    /// Sum of the audits' `code_lines`; `null` when some audit's code count is unknown (an
    /// unknown count is never taken as 0).
    pub code_backlog_lines: Option<u64>,
    /// How many audits have an unknown code count.
    pub code_unknown_audits: usize,
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
    /// `--count code` only (keys `code_lines`, `code_bin_lines`, `code_error`).
    #[serde(flatten)]
    pub code: Option<AuditCode>,
}

/// The code count of one audit: the part of `lines` in files that compile into the crate's lib
/// or build script. Bins are counted apart (`code_bin_lines`), since a dependency's bins are
/// not built; tests, benches, examples and non-Rust files are not code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditCode {
    /// `null` when unknown (see `code_error`).
    pub code_lines: Option<u64>,
    pub code_bin_lines: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_error: Option<String>,
}

impl Backlog {
    /// The backlog's code total from its audits (`None` when no audit carries a code count
    /// and `--count code` was not asked: pass `counted = false`).
    pub fn code_total(audits: &[SuggestedAudit], counted: bool) -> Option<BacklogCode> {
        if !counted {
            return None;
        }
        let mut sum = Some(0u64);
        let mut unknown = 0;
        for a in audits {
            match a.code.as_ref().and_then(|c| c.code_lines) {
                Some(n) => sum = sum.map(|s| s + n),
                None => {
                    unknown += 1;
                    sum = None;
                }
            }
        }
        Some(BacklogCode {
            code_backlog_lines: sum,
            code_unknown_audits: unknown,
        })
    }
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
    /// The criteria minimised, in priority order (`--objective`), e.g.
    /// `-lines,-audits,-changed,-lag`.
    pub objective: String,
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
/// `after − before` with its sign (`+1,234`, `−20`, `0`).
pub fn signed_difference(before: u64, after: u64) -> String {
    match after.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", group_digits(after - before)),
        std::cmp::Ordering::Less => format!("−{}", group_digits(before - after)),
        std::cmp::Ordering::Equal => "0".to_string(),
    }
}

/// The sentence a review starts with: what this change adds over the base, and what the
/// cheapest lock for the same manifests would add.
pub fn base_sentence(report: &Report, base: &BaseBacklog) -> String {
    let b = base.backlog.backlog_lines;
    let c = report.current.backlog_lines;
    let mut text = format!(
        "this change adds {} lines of audit backlog over {} ({} -> {})",
        signed_difference(b, c),
        base.source,
        group_digits(b),
        group_digits(c)
    );
    if let (Some(optimal), Some(k)) = (&report.optimal, base.changed_optimal) {
        let fewer = base.changed_current as i64 - k as i64;
        text.push_str(&format!(
            "; the cheapest lock for these manifests adds {} and changes {} version{} {} than the base",
            signed_difference(b, optimal.backlog_lines),
            fewer.unsigned_abs(),
            if fewer.unsigned_abs() == 1 { "" } else { "s" },
            if fewer >= 0 { "fewer" } else { "more" }
        ));
    }
    text
}

pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
    fn the_publisher_facts_line_counts_what_stayed_unchecked() {
        let facts = PublisherFacts {
            crates: 1,
            source: "imports.lock".into(),
            versions_from_imports_lock: 3,
            versions_looked_up: 2,
            versions_covered: 1,
            versions_unchecked: 4,
            unchecked_crates: vec!["uniffi".into()],
            requests: 0,
        };
        assert_eq!(
            publisher_facts_line(&facts),
            "publisher facts (imports.lock): 1 crate with wildcard audits or trusted entries, 2 versions looked up, 1 covered, 4 without facts counted as not covered (uniffi)"
        );
    }

    #[test]
    fn digits_are_grouped_in_threes_from_the_right() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(194_757), "194,757");
        assert_eq!(group_digits(6_584_381), "6,584,381");
    }

    fn audit(code: Option<Option<u64>>) -> SuggestedAudit {
        SuggestedAudit {
            krate: "x".into(),
            version: "1.0.0".into(),
            from: None,
            lines: 10,
            criteria: vec![],
            command: String::new(),
            code: code.map(|c| AuditCode {
                code_lines: c,
                code_bin_lines: c.map(|_| 0),
                code_error: c.is_none().then(|| "bad manifest".into()),
            }),
        }
    }

    #[test]
    fn an_unknown_code_count_makes_the_total_unknown_not_smaller() {
        let known = [audit(Some(Some(3))), audit(Some(Some(4)))];
        assert_eq!(
            Backlog::code_total(&known, true),
            Some(BacklogCode {
                code_backlog_lines: Some(7),
                code_unknown_audits: 0
            })
        );
        let one_unknown = [audit(Some(Some(3))), audit(Some(None))];
        assert_eq!(
            Backlog::code_total(&one_unknown, true),
            Some(BacklogCode {
                code_backlog_lines: None,
                code_unknown_audits: 1
            })
        );
        assert_eq!(Backlog::code_total(&known, false), None);
    }

    #[test]
    fn json_without_the_new_flags_has_no_new_keys() {
        let report = Report {
            schema_version: SCHEMA_VERSION,
            cost_universe: CostUniverse {
                publisher_facts: None,
                kind: "imports.lock".into(),
                sources: vec![],
            },
            current: Backlog {
                backlog_lines: 10,
                audits: vec![audit(None)],
                code: None,
                joint: None,
            },
            optimal: None,
            changes: vec![],
            solver: None,
            violations: vec![],
            target_scope: None,
            stale_lock: None,
            base: None,
        };
        let json = render_json(&report);
        for key in ["code", "not_built", "targets", "host", "joint"] {
            assert!(!json.contains(&format!("\"{key}")), "{key} in {json}");
        }
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut keys: Vec<&str> = value["current"]["audits"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["command", "crate", "criteria", "from", "lines", "version"]
        );
    }
}
