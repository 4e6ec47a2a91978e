//! The cargo-vet store file formats (`config.toml`, `audits.toml`, `imports.lock`) as plain data,
//! parsed from text that is already read (pure).
//!
//! Parsing is two-phase: serde reads each file into private "raw" structs that keep the byte span
//! of every entry (`toml::Spanned`), then a conversion step checks what serde cannot (exactly one
//! of `version`/`delta`/`violation`, versioned policy keys, dates) and reports the file and the
//! 1-based line of the offending entry. The public types carry no spans, only `line` where a later
//! phase (criteria validation, violation reports) may need to point at the entry.
//!
//! Semantics follow cargo-vet 0.10 (`src/format.rs`, `src/serialization.rs`): criteria may be a
//! string or a list; `[policy."name:1.2.3"]` keys make a versioned policy and must not be mixed
//! with an unversioned `[policy.name]`; an audit entry is a full audit (`version`), a delta
//! (`delta = "a -> b"`) or a `violation` (a version requirement); `importable` defaults to true;
//! exemptions default to `suggest = true`; wildcard/trusted entries name a crates.io user id or a
//! trusted publisher and a `[start, end)` date range.
//!
//! Imported audit files (fetched from a peer's URL) are parsed leniently, entry by entry, like
//! cargo-vet's `foreign_audit_file_to_local`: entries that do not parse or name no known criteria
//! are dropped (and counted), non-importable audits are dropped.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

pub const SAFE_TO_DEPLOY: &str = "safe-to-deploy";
pub const SAFE_TO_RUN: &str = "safe-to-run";

/// Which store file an error or entry belongs to.
pub const CONFIG_TOML: &str = "config.toml";
pub const AUDITS_TOML: &str = "audits.toml";
pub const IMPORTS_LOCK: &str = "imports.lock";

/// A malformed store file: names the file, the 1-based line when known, and a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}\nhint: {hint}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FormatError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl FormatError {
    pub(crate) fn new(
        file: &str,
        line: Option<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        FormatError {
            file: file.to_owned(),
            line,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn toml_error(file: &str, text: &str, err: toml::de::Error) -> FormatError {
    let line = err.span().map(|s| line_of(text, s.start));
    // Lowercase only the first letter: the rest may quote keys or versions.
    let msg = err.message().trim().trim_end_matches('.');
    let mut chars = msg.chars();
    let msg = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    FormatError::new(
        file,
        line,
        msg,
        format!("fix the entry in {file} (cargo vet fmt shows the expected layout)"),
    )
}

// ---------------------------------------------------------------------------------------------
// Versions and dates
// ---------------------------------------------------------------------------------------------

/// A version as cargo-vet names it: a semver version, optionally pinned to a git revision
/// (`1.2.3@git:<40 hex>`). Ordering is (semver, git_rev), `None` (no revision) first, as in
/// cargo-vet, which matters for "nearest version below/above" in `suggest`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VetVersion {
    pub semver: semver::Version,
    pub git_rev: Option<String>,
}

impl VetVersion {
    pub fn new(semver: semver::Version) -> Self {
        VetVersion {
            semver,
            git_rev: None,
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some((ver, rev)) = s.split_once('@') {
            let Some(hash) = rev.trim_start().strip_prefix("git:") else {
                return Err(format!("unknown revision kind in version '{s}'"));
            };
            if hash.len() != 40 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("invalid git hash in version '{s}'"));
            }
            let semver = ver
                .trim_end()
                .parse()
                .map_err(|e| format!("invalid version '{s}': {e}"))?;
            Ok(VetVersion {
                semver,
                git_rev: Some(hash.to_owned()),
            })
        } else {
            let semver = s
                .parse()
                .map_err(|e| format!("invalid version '{s}': {e}"))?;
            Ok(VetVersion::new(semver))
        }
    }
}

impl fmt::Display for VetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.git_rev {
            Some(hash) => write!(f, "{}@git:{}", self.semver, hash),
            None => self.semver.fmt(f),
        }
    }
}

impl<'de> Deserialize<'de> for VetVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        VetVersion::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A calendar date (`YYYY-MM-DD`), quoted or as a TOML local date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VetDate(pub jiff::civil::Date);

impl<'de> Deserialize<'de> for VetDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = match toml::Value::deserialize(d)? {
            toml::Value::String(s) => s,
            toml::Value::Datetime(dt) => dt.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a date, found {}",
                    other.type_str()
                )))
            }
        };
        text.parse::<jiff::civil::Date>()
            .map(VetDate)
            .map_err(|e| serde::de::Error::custom(format!("invalid date '{text}': {e}")))
    }
}

impl fmt::Display for VetDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `criteria = "a"` or `criteria = ["a", "b"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct StringOrVec(Vec<String>);

impl<'de> Deserialize<'de> for StringOrVec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            One(String),
            Many(Vec<String>),
        }
        match Either::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected a string or a list of strings"))?
        {
            Either::One(s) => Ok(StringOrVec(vec![s])),
            Either::Many(v) => Ok(StringOrVec(v)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public data
// ---------------------------------------------------------------------------------------------

/// `supply-chain/config.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// `[cargo-vet] version = "0.10"` as (major, minor); cargo-vet assumes 0.4 when missing.
    pub store_version: (u64, u64),
    pub default_criteria: String,
    pub imports: BTreeMap<String, RemoteImport>,
    pub policy: Policy,
    pub exemptions: BTreeMap<String, Vec<Exemption>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemoteImport {
    pub urls: Vec<String>,
    pub exclude: Vec<String>,
    /// foreign criteria name -> local criteria names
    pub criteria_map: BTreeMap<String, Vec<String>>,
}

/// `[policy.*]`, keyed by crate name; versioned keys (`"name:1.2.3"`) group under the name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub packages: BTreeMap<String, PackagePolicy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackagePolicy {
    Unversioned(PolicyEntry),
    Versioned(BTreeMap<VetVersion, PolicyEntry>),
}

impl Policy {
    /// The policy entry for one package version (cargo-vet `Policy::get`).
    pub fn get(&self, name: &str, version: &VetVersion) -> Option<&PolicyEntry> {
        match self.packages.get(name)? {
            PackagePolicy::Unversioned(e) => Some(e),
            PackagePolicy::Versioned(v) => v.get(version),
        }
    }

    /// Every entry with its crate name and (for versioned policies) version.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&VetVersion>, &PolicyEntry)> {
        self.packages.iter().flat_map(
            |(name, p)| -> Vec<(&str, Option<&VetVersion>, &PolicyEntry)> {
                match p {
                    PackagePolicy::Unversioned(e) => vec![(name.as_str(), None, e)],
                    PackagePolicy::Versioned(m) => {
                        m.iter().map(|(v, e)| (name.as_str(), Some(v), e)).collect()
                    }
                }
            },
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyEntry {
    pub audit_as_crates_io: Option<bool>,
    pub criteria: Option<Vec<String>>,
    pub dev_criteria: Option<Vec<String>>,
    /// dependency name -> criteria required of it through this package's edges
    pub dependency_criteria: BTreeMap<String, Vec<String>>,
    pub notes: Option<String>,
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    pub version: VetVersion,
    pub criteria: Vec<String>,
    pub suggest: bool,
    pub notes: Option<String>,
    pub line: Option<usize>,
}

/// `audits.toml`, or one imported audit set (in `imports.lock` or a peer's file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditsFile {
    pub criteria: BTreeMap<String, CriteriaEntry>,
    pub wildcard_audits: BTreeMap<String, Vec<WildcardEntry>>,
    pub audits: BTreeMap<String, Vec<AuditEntry>>,
    pub trusted: BTreeMap<String, Vec<TrustEntry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CriteriaEntry {
    pub description: Option<String>,
    pub description_url: Option<String>,
    pub implies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditKind {
    Full {
        version: VetVersion,
    },
    /// May go backwards (`from > to`); cargo-vet treats it as an edge like any other.
    Delta {
        from: VetVersion,
        to: VetVersion,
    },
    Violation {
        violation: semver::VersionReq,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub who: Vec<String>,
    pub criteria: Vec<String>,
    pub kind: AuditKind,
    pub importable: bool,
    pub notes: Option<String>,
    pub line: Option<usize>,
}

/// Who published a version, as wildcard audits and trusted entries name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PublisherId {
    User(u64),
    TrustedPublisher(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WildcardEntry {
    pub who: Vec<String>,
    pub criteria: Vec<String>,
    pub source: PublisherId,
    pub start: VetDate,
    pub end: VetDate,
    pub renew: Option<bool>,
    pub notes: Option<String>,
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    pub criteria: Vec<String>,
    pub source: PublisherId,
    pub start: VetDate,
    pub end: VetDate,
    pub notes: Option<String>,
    pub line: Option<usize>,
}

/// `imports.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportsFile {
    pub unpublished: BTreeMap<String, Vec<UnpublishedEntry>>,
    pub publisher: BTreeMap<String, Vec<PublisherRow>>,
    pub audits: BTreeMap<String, AuditsFile>,
}

/// One `[[publisher.NAME]]` row: who published `version` and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherRow {
    pub version: VetVersion,
    pub when: VetDate,
    pub source: PublisherId,
    pub user_login: Option<String>,
    pub user_name: Option<String>,
}

/// One `[[unpublished.NAME]]` row: an unpublished version vetted as if it were `audited_as`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpublishedEntry {
    pub version: VetVersion,
    pub audited_as: VetVersion,
}

// ---------------------------------------------------------------------------------------------
// Raw serde structs
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct RawConfig {
    #[serde(rename = "cargo-vet")]
    cargo_vet: Option<RawCargoVet>,
    #[serde(rename = "default-criteria")]
    default_criteria: Option<String>,
    #[serde(default)]
    imports: BTreeMap<String, RawImport>,
    #[serde(default)]
    policy: BTreeMap<String, Spanned<RawPolicy>>,
    #[serde(default, alias = "unaudited")]
    exemptions: BTreeMap<String, Vec<Spanned<RawExemption>>>,
}

#[derive(Deserialize)]
struct RawCargoVet {
    version: String,
}

#[derive(Deserialize)]
struct RawImport {
    url: StringOrVec,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(rename = "criteria-map", default)]
    criteria_map: BTreeMap<String, StringOrVec>,
}

#[derive(Deserialize)]
struct RawPolicy {
    #[serde(rename = "audit-as-crates-io")]
    audit_as_crates_io: Option<bool>,
    criteria: Option<StringOrVec>,
    #[serde(rename = "dev-criteria")]
    dev_criteria: Option<StringOrVec>,
    #[serde(rename = "dependency-criteria", default)]
    dependency_criteria: BTreeMap<String, StringOrVec>,
    notes: Option<String>,
}

#[derive(Deserialize)]
struct RawExemption {
    version: VetVersion,
    #[serde(default)]
    criteria: StringOrVec,
    #[serde(default = "yes")]
    suggest: bool,
    notes: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct RawAuditsFile {
    #[serde(default)]
    criteria: BTreeMap<String, RawCriteria>,
    #[serde(rename = "wildcard-audits", default)]
    wildcard_audits: BTreeMap<String, Vec<Spanned<RawWildcard>>>,
    #[serde(default)]
    audits: BTreeMap<String, Vec<Spanned<RawAudit>>>,
    #[serde(default)]
    trusted: BTreeMap<String, Vec<Spanned<RawTrust>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriteria {
    description: Option<String>,
    #[serde(rename = "description-url")]
    description_url: Option<String>,
    #[serde(default)]
    implies: StringOrVec,
    #[serde(rename = "aggregated-from", default)]
    _aggregated_from: Option<StringOrVec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    #[serde(default)]
    who: StringOrVec,
    #[serde(default)]
    criteria: StringOrVec,
    version: Option<VetVersion>,
    delta: Option<String>,
    violation: Option<String>,
    importable: Option<bool>,
    notes: Option<String>,
    #[serde(rename = "aggregated-from", default)]
    _aggregated_from: Option<StringOrVec>,
}

#[derive(Deserialize)]
struct RawWildcard {
    #[serde(default)]
    who: StringOrVec,
    criteria: StringOrVec,
    #[serde(rename = "user-id")]
    user_id: Option<u64>,
    #[serde(rename = "trusted-publisher")]
    trusted_publisher: Option<String>,
    start: VetDate,
    end: VetDate,
    renew: Option<bool>,
    notes: Option<String>,
}

#[derive(Deserialize)]
struct RawTrust {
    criteria: StringOrVec,
    #[serde(rename = "user-id")]
    user_id: Option<u64>,
    #[serde(rename = "trusted-publisher")]
    trusted_publisher: Option<String>,
    start: VetDate,
    end: VetDate,
    notes: Option<String>,
}

#[derive(Deserialize)]
struct RawImportsFile {
    #[serde(default)]
    unpublished: BTreeMap<String, Vec<RawUnpublished>>,
    #[serde(default)]
    publisher: BTreeMap<String, Vec<Spanned<RawPublisher>>>,
    #[serde(default)]
    audits: BTreeMap<String, RawAuditsFile>,
}

#[derive(Deserialize)]
struct RawUnpublished {
    version: VetVersion,
    #[serde(rename = "audited_as")]
    audited_as: VetVersion,
}

#[derive(Deserialize)]
struct RawPublisher {
    version: VetVersion,
    when: VetDate,
    #[serde(rename = "user-id")]
    user_id: Option<u64>,
    #[serde(rename = "user-login")]
    user_login: Option<String>,
    #[serde(rename = "user-name")]
    user_name: Option<String>,
    #[serde(rename = "trusted-publisher")]
    trusted_publisher: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------

/// Context for converting raw entries: the file name and text for line numbers.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(line_of(self.text, s.span().start))
    }
    fn err(&self, line: Option<usize>, message: String, hint: &str) -> FormatError {
        FormatError::new(self.file, line, message, hint)
    }
}

fn publisher_id(
    user_id: Option<u64>,
    trusted_publisher: Option<String>,
) -> Result<PublisherId, String> {
    match (user_id, trusted_publisher) {
        (Some(id), None) => Ok(PublisherId::User(id)),
        (None, Some(tp)) => Ok(PublisherId::TrustedPublisher(tp)),
        _ => Err("entry must have exactly one of 'user-id' and 'trusted-publisher'".to_owned()),
    }
}

fn parse_store_version(s: &str) -> Option<(u64, u64)> {
    let (major, minor) = s.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Parse `config.toml`.
pub fn parse_config(text: &str) -> Result<ConfigFile, FormatError> {
    let ctx = Ctx {
        file: CONFIG_TOML,
        text,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(CONFIG_TOML, text, e))?;
    let store_version = match &raw.cargo_vet {
        None => (0, 4),
        Some(cv) => parse_store_version(&cv.version).ok_or_else(|| {
            ctx.err(
                None,
                format!("invalid store version '{}'", cv.version),
                "write [cargo-vet] version = \"MAJOR.MINOR\", e.g. \"0.10\"",
            )
        })?,
    };
    let imports = raw
        .imports
        .into_iter()
        .map(|(name, imp)| {
            (
                name,
                RemoteImport {
                    urls: imp.url.0,
                    exclude: imp.exclude,
                    criteria_map: imp
                        .criteria_map
                        .into_iter()
                        .map(|(k, v)| (k, v.0))
                        .collect(),
                },
            )
        })
        .collect();

    let mut policy = Policy::default();
    for (key, spanned) in raw.policy {
        let line = ctx.line(&spanned);
        let rp = spanned.into_inner();
        let entry = PolicyEntry {
            audit_as_crates_io: rp.audit_as_crates_io,
            criteria: rp.criteria.map(|c| c.0),
            dev_criteria: rp.dev_criteria.map(|c| c.0),
            dependency_criteria: rp
                .dependency_criteria
                .into_iter()
                .map(|(k, v)| (k, v.0))
                .collect(),
            notes: rp.notes,
            line,
        };
        let mixed = |name: &str| {
            ctx.err(
                line,
                format!("cannot mix versioned and unversioned policies for {name}"),
                "use either [policy.NAME] or [policy.\"NAME:VERSION\"] entries for one crate",
            )
        };
        match key.split_once(':') {
            Some((name, version)) => {
                let version = VetVersion::parse(version)
                    .map_err(|e| ctx.err(line, e, "a versioned policy key is \"NAME:VERSION\""))?;
                match policy
                    .packages
                    .entry(name.to_owned())
                    .or_insert_with(|| PackagePolicy::Versioned(BTreeMap::new()))
                {
                    PackagePolicy::Versioned(map) => {
                        map.insert(version, entry);
                    }
                    PackagePolicy::Unversioned(_) => return Err(mixed(name)),
                }
            }
            None => {
                if policy
                    .packages
                    .insert(key.clone(), PackagePolicy::Unversioned(entry))
                    .is_some()
                {
                    return Err(mixed(&key));
                }
            }
        }
    }

    let exemptions = raw
        .exemptions
        .into_iter()
        .map(|(name, list)| {
            let list = list
                .into_iter()
                .map(|s| {
                    let line = ctx.line(&s);
                    let e = s.into_inner();
                    Exemption {
                        version: e.version,
                        criteria: e.criteria.0,
                        suggest: e.suggest,
                        notes: e.notes,
                        line,
                    }
                })
                .collect();
            (name, list)
        })
        .collect();

    Ok(ConfigFile {
        store_version,
        default_criteria: raw
            .default_criteria
            .unwrap_or_else(|| SAFE_TO_DEPLOY.to_owned()),
        imports,
        policy,
        exemptions,
    })
}

fn convert_audit(ctx: &Ctx<'_>, s: Spanned<RawAudit>) -> Result<AuditEntry, FormatError> {
    let line = ctx.line(&s);
    let a = s.into_inner();
    let hint =
        "an audit has exactly one of version = \"X\", delta = \"A -> B\", violation = \"REQ\"";
    let kind = match (a.version, a.delta, a.violation) {
        (Some(version), None, None) => AuditKind::Full { version },
        (None, Some(delta), None) => {
            let Some((from, to)) = delta.split_once("->") else {
                return Err(ctx.err(
                    line,
                    "'delta' must be a delta of the form 'VERSION -> VERSION'".to_owned(),
                    hint,
                ));
            };
            let from = VetVersion::parse(from.trim()).map_err(|e| ctx.err(line, e, hint))?;
            let to = VetVersion::parse(to.trim()).map_err(|e| ctx.err(line, e, hint))?;
            AuditKind::Delta { from, to }
        }
        (None, None, Some(req)) => {
            let violation = semver::VersionReq::parse(&req).map_err(|e| {
                ctx.err(
                    line,
                    format!("invalid violation requirement '{req}': {e}"),
                    hint,
                )
            })?;
            AuditKind::Violation { violation }
        }
        _ => {
            return Err(ctx.err(
                line,
                "audit entries must have exactly one of 'version', 'delta', and 'violation'"
                    .to_owned(),
                hint,
            ))
        }
    };
    Ok(AuditEntry {
        who: a.who.0,
        criteria: a.criteria.0,
        kind,
        importable: a.importable.unwrap_or(true),
        notes: a.notes,
        line,
    })
}

fn convert_wildcard(ctx: &Ctx<'_>, s: Spanned<RawWildcard>) -> Result<WildcardEntry, FormatError> {
    let line = ctx.line(&s);
    let w = s.into_inner();
    let source = publisher_id(w.user_id, w.trusted_publisher).map_err(|e| {
        ctx.err(
            line,
            e,
            "a wildcard audit names user-id = N or trusted-publisher = \"...\"",
        )
    })?;
    Ok(WildcardEntry {
        who: w.who.0,
        criteria: w.criteria.0,
        source,
        start: w.start,
        end: w.end,
        renew: w.renew,
        notes: w.notes,
        line,
    })
}

fn convert_trust(ctx: &Ctx<'_>, s: Spanned<RawTrust>) -> Result<TrustEntry, FormatError> {
    let line = ctx.line(&s);
    let t = s.into_inner();
    let source = publisher_id(t.user_id, t.trusted_publisher).map_err(|e| {
        ctx.err(
            line,
            e,
            "a trusted entry names user-id = N or trusted-publisher = \"...\"",
        )
    })?;
    Ok(TrustEntry {
        criteria: t.criteria.0,
        source,
        start: t.start,
        end: t.end,
        notes: t.notes,
        line,
    })
}

fn convert_audits_file(ctx: &Ctx<'_>, raw: RawAuditsFile) -> Result<AuditsFile, FormatError> {
    let criteria = raw
        .criteria
        .into_iter()
        .map(|(name, c)| {
            (
                name,
                CriteriaEntry {
                    description: c.description,
                    description_url: c.description_url,
                    implies: c.implies.0,
                },
            )
        })
        .collect();
    let mut audits = BTreeMap::new();
    for (name, list) in raw.audits {
        let list = list
            .into_iter()
            .map(|s| convert_audit(ctx, s))
            .collect::<Result<Vec<_>, _>>()?;
        audits.insert(name, list);
    }
    let mut wildcard_audits = BTreeMap::new();
    for (name, list) in raw.wildcard_audits {
        let list = list
            .into_iter()
            .map(|s| convert_wildcard(ctx, s))
            .collect::<Result<Vec<_>, _>>()?;
        wildcard_audits.insert(name, list);
    }
    let mut trusted = BTreeMap::new();
    for (name, list) in raw.trusted {
        let list = list
            .into_iter()
            .map(|s| convert_trust(ctx, s))
            .collect::<Result<Vec<_>, _>>()?;
        trusted.insert(name, list);
    }
    Ok(AuditsFile {
        criteria,
        wildcard_audits,
        audits,
        trusted,
    })
}

/// Parse the local `audits.toml`.
pub fn parse_audits(text: &str) -> Result<AuditsFile, FormatError> {
    let ctx = Ctx {
        file: AUDITS_TOML,
        text,
    };
    let raw: RawAuditsFile = toml::from_str(text).map_err(|e| toml_error(AUDITS_TOML, text, e))?;
    convert_audits_file(&ctx, raw)
}

/// Parse `imports.lock`.
pub fn parse_imports(text: &str) -> Result<ImportsFile, FormatError> {
    let ctx = Ctx {
        file: IMPORTS_LOCK,
        text,
    };
    let raw: RawImportsFile =
        toml::from_str(text).map_err(|e| toml_error(IMPORTS_LOCK, text, e))?;
    let mut audits = BTreeMap::new();
    for (name, file) in raw.audits {
        audits.insert(name, convert_audits_file(&ctx, file)?);
    }
    let mut publisher = BTreeMap::new();
    for (name, rows) in raw.publisher {
        let mut out = Vec::with_capacity(rows.len());
        for s in rows {
            let line = ctx.line(&s);
            let r = s.into_inner();
            let source = publisher_id(r.user_id, r.trusted_publisher).map_err(|e| {
                ctx.err(
                    line,
                    e,
                    "re-run `cargo vet` online to refresh imports.lock publisher rows",
                )
            })?;
            out.push(PublisherRow {
                version: r.version,
                when: r.when,
                source,
                user_login: r.user_login,
                user_name: r.user_name,
            });
        }
        publisher.insert(name, out);
    }
    let unpublished = raw
        .unpublished
        .into_iter()
        .map(|(name, rows)| {
            let rows = rows
                .into_iter()
                .map(|r| UnpublishedEntry {
                    version: r.version,
                    audited_as: r.audited_as,
                })
                .collect();
            (name, rows)
        })
        .collect();
    Ok(ImportsFile {
        unpublished,
        publisher,
        audits,
    })
}

/// What lenient parsing of a peer's audit file dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForeignParseReport {
    pub ignored_criteria: Vec<String>,
    /// crate names whose entries could not be read (one per dropped entry)
    pub ignored_audits: Vec<String>,
}

/// Parse a peer's `audits.toml` (the full import source behind an `[imports.X]` URL) the way
/// cargo-vet's `foreign_audit_file_to_local` does: every criteria and entry is parsed on its
/// own; unreadable ones are dropped; criteria names that are neither built-in nor declared in the
/// file are removed from entries, and entries left with none are dropped; non-importable audits
/// are dropped. The criteria are still the peer's names: map them with
/// [`crate::vet::criteria::localize_import`].
pub fn parse_foreign_audits(
    name: &str,
    text: &str,
) -> Result<(AuditsFile, ForeignParseReport), FormatError> {
    #[derive(Deserialize)]
    struct RawForeign {
        #[serde(default)]
        criteria: BTreeMap<String, toml::Table>,
        #[serde(rename = "wildcard-audits", default)]
        wildcard_audits: BTreeMap<String, Vec<Spanned<toml::Table>>>,
        #[serde(default)]
        audits: BTreeMap<String, Vec<Spanned<toml::Table>>>,
        #[serde(default)]
        trusted: BTreeMap<String, Vec<Spanned<toml::Table>>>,
    }
    let file_label = format!("imported audits '{name}'");
    let raw: RawForeign = toml::from_str(text).map_err(|e| toml_error(&file_label, text, e))?;
    let ctx = Ctx {
        file: &file_label,
        text,
    };
    let mut report = ForeignParseReport::default();

    let mut criteria = BTreeMap::new();
    for (cname, table) in raw.criteria {
        match toml::Value::Table(table).try_into::<RawCriteria>() {
            Ok(c) => {
                criteria.insert(
                    cname,
                    CriteriaEntry {
                        description: c.description,
                        description_url: c.description_url,
                        implies: c.implies.0,
                    },
                );
            }
            Err(_) => report.ignored_criteria.push(cname),
        }
    }
    let known_names: Vec<String> = criteria.keys().cloned().collect();
    let is_known = |c: &String| c == SAFE_TO_RUN || c == SAFE_TO_DEPLOY || known_names.contains(c);
    // Unknown criteria are removed from implies sets.
    for entry in criteria.values_mut() {
        entry.implies.retain(is_known);
    }

    let mut audits: BTreeMap<String, Vec<AuditEntry>> = BTreeMap::new();
    for (pkg, list) in raw.audits {
        let mut parsed = Vec::new();
        for s in list {
            let span = s.span();
            let table = s.into_inner();
            let entry = toml::Value::Table(table)
                .try_into::<RawAudit>()
                .ok()
                .map(|a| Spanned::new(span.clone(), a))
                .and_then(|a| convert_audit(&ctx, a).ok());
            match entry {
                Some(mut a) => {
                    a.criteria.retain(is_known);
                    if a.criteria.is_empty() {
                        report.ignored_audits.push(pkg.clone());
                    } else if a.importable {
                        parsed.push(a);
                    }
                }
                None => report.ignored_audits.push(pkg.clone()),
            }
        }
        if !parsed.is_empty() {
            audits.insert(pkg, parsed);
        }
    }
    let mut wildcard_audits: BTreeMap<String, Vec<WildcardEntry>> = BTreeMap::new();
    for (pkg, list) in raw.wildcard_audits {
        let mut parsed = Vec::new();
        for s in list {
            let span = s.span();
            let entry = toml::Value::Table(s.into_inner())
                .try_into::<RawWildcard>()
                .ok()
                .and_then(|w| convert_wildcard(&ctx, Spanned::new(span.clone(), w)).ok());
            match entry {
                Some(mut w) => {
                    w.criteria.retain(is_known);
                    if w.criteria.is_empty() {
                        report.ignored_audits.push(pkg.clone());
                    } else {
                        parsed.push(w);
                    }
                }
                None => report.ignored_audits.push(pkg.clone()),
            }
        }
        if !parsed.is_empty() {
            wildcard_audits.insert(pkg, parsed);
        }
    }
    let mut trusted: BTreeMap<String, Vec<TrustEntry>> = BTreeMap::new();
    for (pkg, list) in raw.trusted {
        let mut parsed = Vec::new();
        for s in list {
            let span = s.span();
            if let Some(mut t) = toml::Value::Table(s.into_inner())
                .try_into::<RawTrust>()
                .ok()
                .and_then(|t| convert_trust(&ctx, Spanned::new(span.clone(), t)).ok())
            {
                t.criteria.retain(is_known);
                if !t.criteria.is_empty() {
                    parsed.push(t);
                }
            }
        }
        if !parsed.is_empty() {
            trusted.insert(pkg, parsed);
        }
    }
    Ok((
        AuditsFile {
            criteria,
            wildcard_audits,
            audits,
            trusted,
        },
        report,
    ))
}
