//! Publish-time filters over an index snapshot (`--exclude-newer`, `--min-age`). Pure: the
//! clock comes in as `now`.
//!
//! A version is dropped when it has a `pubtime` and
//! - `--exclude-newer T`: `pubtime >= T` (uv's meaning: only what was published *before* T;
//!   a bare date `YYYY-MM-DD` is that day's 00:00 UTC — UTC, not local time, so results do
//!   not depend on the machine), or
//! - `--min-age D`: `pubtime > now - D` (younger than D).
//!
//! Versions without `pubtime` are kept and counted: the index field is recent (cargo reads
//! it since 2025) and a registry or mirror may not fill it for old versions, so "unknown"
//! must not mean "too new". Versions in `keep` (the current lock) are never dropped — a
//! cooldown must not force a downgrade of what is already locked — but are reported.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

use super::snapshot::IndexSnapshot;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CooldownError {
    #[error("invalid --exclude-newer value `{0}`\nhint: use an RFC 3339 timestamp (2025-06-01T12:00:00Z) or a date (2025-06-01, read as 00:00 UTC)")]
    BadDate(String),
    #[error("invalid --min-age value `{value}`: {reason}\nhint: use a number with a unit s, m, h, d or w, e.g. 7d or 1w12h")]
    BadDuration { value: String, reason: String },
}

/// The active filters; both `None` means no filtering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CooldownPolicy {
    pub exclude_newer: Option<Timestamp>,
    pub min_age: Option<SignedDuration>,
}

/// Which filter dropped (or would have dropped) a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CooldownRule {
    ExcludeNewer,
    MinAge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CooledVersion {
    pub name: String,
    pub version: semver::Version,
    pub pubtime: Timestamp,
    pub rule: CooldownRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CooldownOutcome {
    /// The snapshot without the dropped versions.
    pub snapshot: IndexSnapshot,
    pub dropped: Vec<CooledVersion>,
    /// Too new, but kept because they are locked.
    pub kept_locked: Vec<CooledVersion>,
    /// Versions kept because they have no `pubtime` (0 when no filter is active).
    pub without_pubtime: usize,
}

/// `2025-06-01T12:00:00Z` (any RFC 3339 offset) or `2025-06-01` (00:00 UTC).
pub fn parse_exclude_newer(value: &str) -> Result<Timestamp, CooldownError> {
    let v = value.trim();
    if let Ok(t) = v.parse::<Timestamp>() {
        return Ok(t);
    }
    let is_date = v.len() == 10
        && v.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if is_date {
        if let Ok(t) = format!("{v}T00:00:00Z").parse::<Timestamp>() {
            return Ok(t);
        }
    }
    Err(CooldownError::BadDate(value.to_string()))
}

/// `30s`, `15m`, `12h`, `7d`, `2w`, or a sum such as `1w2d12h`.
pub fn parse_min_age(value: &str) -> Result<SignedDuration, CooldownError> {
    let bad = |reason: &str| CooldownError::BadDuration {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let v = value.trim();
    if v.is_empty() {
        return Err(bad("empty"));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad(&format!("unknown unit `{c}`"))),
        };
        if digits.is_empty() {
            return Err(bad(&format!("unit `{c}` without a number")));
        }
        let n: i64 = digits.parse().map_err(|_| bad("number too large"))?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| bad("too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(bad("number without a unit"));
    }
    Ok(SignedDuration::from_secs(total))
}

/// Applies `policy` at time `now`, never dropping a `(name, version)` in `keep`.
pub fn apply_cooldown(
    snapshot: &IndexSnapshot,
    policy: &CooldownPolicy,
    now: Timestamp,
    keep: &BTreeSet<(String, semver::Version)>,
) -> CooldownOutcome {
    let min_age_cutoff = policy.min_age.and_then(|age| now.checked_sub(age).ok());
    let active = policy.exclude_newer.is_some() || policy.min_age.is_some();
    let rule_for = |t: Timestamp| -> Option<CooldownRule> {
        if policy.exclude_newer.is_some_and(|cut| t >= cut) {
            Some(CooldownRule::ExcludeNewer)
        } else if let Some(cut) = min_age_cutoff {
            (t > cut).then_some(CooldownRule::MinAge)
        } else if policy.min_age.is_some() {
            // `now - age` underflowed the timestamp range: everything is too young.
            Some(CooldownRule::MinAge)
        } else {
            None
        }
    };
    let mut out = CooldownOutcome {
        snapshot: snapshot.clone(),
        dropped: Vec::new(),
        kept_locked: Vec::new(),
        without_pubtime: 0,
    };
    if !active {
        return out;
    }
    for krate in out.snapshot.crates.values_mut() {
        krate.versions.retain(|v| {
            let Some(t) = v.pubtime else {
                out.without_pubtime += 1;
                return true;
            };
            let Some(rule) = rule_for(t) else {
                return true;
            };
            let cooled = CooledVersion {
                name: v.name.clone(),
                version: v.version.clone(),
                pubtime: t,
                rule,
            };
            if keep.contains(&(v.name.clone(), v.version.clone())) {
                out.kept_locked.push(cooled);
                true
            } else {
                out.dropped.push(cooled);
                false
            }
        });
    }
    out
}
