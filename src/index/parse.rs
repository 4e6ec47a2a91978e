//! Parse one registry index file (JSON lines) into an [`IndexCrate`]. Pure: text in, data out.
//!
//! Per line, in this order (mirroring cargo's `IndexSummary::parse`):
//! 1. blank lines are ignored;
//! 2. the schema version `v` is read first: lines with `v > 2` come from a newer index schema
//!    that cargo ignores, so they are skipped (reported) before the rest of the line is
//!    interpreted — a future schema may legally change other fields;
//! 3. the full line is decoded; a line that is not a JSON object with `name`, `vers`, `deps`
//!    and `cksum` is an error naming the file (or URL) and the 1-based line;
//! 4. a line whose JSON is fine but whose content cargo cannot use (an unparsable version
//!    requirement or publish time) is skipped and reported, as cargo marks it `Invalid`
//!    rather than failing the whole crate;
//! 5. a line whose `name` differs from the requested name (case variants: crates.io names
//!    are case-insensitive and the file path is lowercased) is skipped, because cargo matches
//!    the package name exactly and would not use it either;
//! 6. `features2` (the `dep:` / `x?/y` forms, kept apart for cargo < 1.19) is merged into
//!    `features` by extending each list, and empty feature names on dependency edges are
//!    dropped, both as cargo does.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::{DepKind, IndexCrate, IndexDep, IndexVersion};

/// The highest index schema version understood (cargo's `INDEX_V_MAX`).
pub const INDEX_V_MAX: u32 = 2;

/// A malformed index line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: malformed index line: {message}\nhint: if this file is a cached copy, delete it (or run without --offline) to fetch it again")]
pub struct ParseError {
    /// File path or URL the text came from.
    pub origin: String,
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// Why a line was left out although the file parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// `v` greater than [`INDEX_V_MAX`].
    UnsupportedSchema(u32),
    /// Valid JSON that cargo could not use either.
    Invalid(String),
    /// The line names another case variant of the crate.
    OtherName(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based line number.
    pub line: usize,
    pub version: Option<String>,
    pub reason: SkipReason,
}

/// The parsed file plus what was skipped (so reports can say so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedIndexFile {
    pub krate: IndexCrate,
    pub skipped: Vec<SkippedLine>,
}

#[derive(Deserialize)]
struct SchemaOnly {
    v: Option<u32>,
}

#[derive(Deserialize)]
struct RawLine {
    name: String,
    vers: String,
    deps: Vec<RawDep>,
    cksum: String,
    #[serde(default)]
    features: BTreeMap<String, Vec<String>>,
    features2: Option<BTreeMap<String, Vec<String>>>,
    yanked: Option<bool>,
    links: Option<String>,
    rust_version: Option<String>,
    pubtime: Option<String>,
}

#[derive(Deserialize)]
struct RawDep {
    name: String,
    req: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default = "default_true")]
    default_features: bool,
    target: Option<String>,
    kind: Option<String>,
    registry: Option<String>,
    package: Option<String>,
}

fn default_true() -> bool {
    true
}

/// Parses the text of `name`'s index file. `origin` (path or URL) goes into errors.
pub fn parse_index_file(
    name: &str,
    text: &str,
    origin: &str,
) -> Result<ParsedIndexFile, ParseError> {
    parse_index_lines(
        name,
        text.lines().enumerate().map(|(i, l)| (i + 1, l)),
        origin,
    )
}

/// Like [`parse_index_file`] over already-split lines, each with its 1-based number (the
/// cargo cache stores one JSON blob per entry instead of newline-separated text).
pub fn parse_index_lines<'a>(
    name: &str,
    lines: impl IntoIterator<Item = (usize, &'a str)>,
    origin: &str,
) -> Result<ParsedIndexFile, ParseError> {
    let mut versions = Vec::new();
    let mut skipped = Vec::new();
    let mut shared = Shared::default();
    for (line_no, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let err = |message: String| ParseError {
            origin: origin.to_string(),
            line: line_no,
            message,
        };
        let schema: SchemaOnly = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        let v = schema.v.unwrap_or(1);
        if v > INDEX_V_MAX {
            skipped.push(SkippedLine {
                line: line_no,
                version: peek_version(line),
                reason: SkipReason::UnsupportedSchema(v),
            });
            continue;
        }
        let raw: RawLine = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        if raw.name != name {
            skipped.push(SkippedLine {
                line: line_no,
                version: Some(raw.vers.clone()),
                reason: SkipReason::OtherName(raw.name),
            });
            continue;
        }
        let version = semver::Version::parse(&raw.vers)
            .map_err(|e| err(format!("invalid version `{}`: {e}", raw.vers)))?;
        match convert(raw, version) {
            Ok(v) => versions.push(shared.share(v)),
            Err((vers, message)) => skipped.push(SkippedLine {
                line: line_no,
                version: Some(vers),
                reason: SkipReason::Invalid(message),
            }),
        }
    }
    Ok(ParsedIndexFile {
        krate: IndexCrate {
            name: name.to_string(),
            versions,
        },
        skipped,
    })
}

/// How many of the latest distinct dependency lists (and feature tables) of a crate a new
/// version is compared with. Most versions repeat the one before; a crate with maintained
/// branches alternates between a few.
const SHARE_WINDOW: usize = 4;

/// One crate's distinct dependency lists and feature tables, so versions that repeat one hold
/// the same allocation. Across the index files cached here (4,806 crates, 75,427 versions)
/// a third of all dependency entries and two thirds of all feature entries repeat an earlier
/// version's list of the same crate exactly. The walk holds every version of every crate it
/// loads, and that was incrementalmerkletree's peak (valgrind's massif): with sharing, its
/// warm `--dry-run` peaks at 161 MiB instead of 272.
#[derive(Default)]
struct Shared {
    deps: Vec<Arc<Vec<IndexDep>>>,
    features: Vec<Arc<BTreeMap<String, Vec<String>>>>,
}

impl Shared {
    fn share(&mut self, mut v: IndexVersion) -> IndexVersion {
        v.deps = Self::one_of(&mut self.deps, v.deps);
        v.features = Self::one_of(&mut self.features, v.features);
        v
    }

    /// `new`, or an equal value seen recently (then remembered as the most recent).
    fn one_of<T: PartialEq>(seen: &mut Vec<Arc<T>>, new: Arc<T>) -> Arc<T> {
        let hit = seen.iter().rposition(|s| **s == *new);
        let kept = match hit {
            Some(i) => seen.remove(i),
            None => new,
        };
        seen.push(kept.clone());
        if seen.len() > SHARE_WINDOW {
            seen.remove(0);
        }
        kept
    }
}

/// Best-effort `vers` of a line we will not interpret, for the skip report.
fn peek_version(line: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Vers {
        vers: Option<String>,
    }
    serde_json::from_str::<Vers>(line).ok().and_then(|v| v.vers)
}

fn convert(raw: RawLine, version: semver::Version) -> Result<IndexVersion, (String, String)> {
    let vers = raw.vers;
    let bad = |m: String| (vers.clone(), m);
    let mut deps = Vec::with_capacity(raw.deps.len());
    for d in raw.deps {
        let req = semver::VersionReq::parse(&d.req).map_err(|e| {
            bad(format!(
                "dependency `{}` has an invalid requirement `{}`: {e}",
                d.name, d.req
            ))
        })?;
        let kind = match d.kind.as_deref() {
            Some("dev") => DepKind::Dev,
            Some("build") => DepKind::Build,
            // cargo maps anything else (including absent and "normal") to normal.
            _ => DepKind::Normal,
        };
        deps.push(IndexDep {
            name: d.name,
            package: d.package,
            req,
            features: d.features.into_iter().filter(|f| !f.is_empty()).collect(),
            optional: d.optional,
            default_features: d.default_features,
            target: d.target,
            kind,
            registry: d.registry,
        });
    }
    let mut features = raw.features;
    for (feature, values) in raw.features2.unwrap_or_default() {
        features.entry(feature).or_default().extend(values);
    }
    let pubtime = match raw.pubtime {
        None => None,
        Some(t) => Some(
            t.parse::<jiff::Timestamp>()
                .map_err(|e| bad(format!("invalid pubtime `{t}`: {e}")))?,
        ),
    };
    Ok(IndexVersion {
        name: raw.name,
        version,
        deps: Arc::new(deps),
        features: Arc::new(features),
        links: raw.links,
        yanked: raw.yanked.unwrap_or(false),
        rust_version: raw.rust_version,
        cksum: raw.cksum,
        pubtime,
    })
}
