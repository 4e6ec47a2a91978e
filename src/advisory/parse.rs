//! One advisory file → [`Advisory`] (pure over text).
//!
//! The layout is RustSec's "V3/V4 markdown" format, split the way the `rustsec` crate splits it
//! (`advisory/parts.rs`): the file starts with ```` ```toml ````, the TOML runs to the first line
//! starting with ```` ``` ````, then the markdown must start with a `# ` heading (the title); the
//! rest is the description. V4 files may omit the leading `[advisory]` header; it is implied.
//! Every requirement string is checked against RustSec's range rules ([`super::range`]) here,
//! so a loaded advisory always has valid `affected_ranges`. Unknown keys are ignored, so newer
//! database fields do not break older minaudit builds.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::range::{affected_ranges, unaffected_range};
use super::{Advisory, AdvisoryError, Affected, Informational};

const HINT: &str = "this advisory file does not follow the RustSec format; update the advisory-db checkout (`git pull`, or `cargo audit fetch`) and report the file to rustsec/advisory-db if it persists";

#[derive(Deserialize)]
struct RawFile {
    advisory: RawMeta,
    versions: RawVersions,
    affected: Option<RawAffected>,
}

#[derive(Deserialize)]
struct RawMeta {
    id: Spanned<String>,
    package: Spanned<String>,
    date: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    url: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    cvss: Option<String>,
    informational: Option<String>,
    withdrawn: Option<Spanned<String>>,
    source: Option<String>,
}

#[derive(Deserialize)]
struct RawVersions {
    patched: Vec<Spanned<String>>,
    #[serde(default)]
    unaffected: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    arch: Vec<String>,
    #[serde(default)]
    os: Vec<String>,
    #[serde(default)]
    functions: BTreeMap<String, Vec<Spanned<String>>>,
}

/// Maps byte offsets of the (possibly header-prefixed) TOML text back to file lines.
struct Locator<'a> {
    text: &'a str,
    /// Byte offset of the TOML front matter in `text`.
    front_start: usize,
    /// Bytes prepended to the front matter before parsing (the implied `[advisory]` header).
    prefix_len: usize,
}

impl Locator<'_> {
    fn line_of_text_offset(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn line_of_toml_offset(&self, offset: usize) -> usize {
        let in_front = offset.saturating_sub(self.prefix_len);
        self.line_of_text_offset(self.front_start + in_front)
    }
}

fn malformed(file: &str, line: usize, message: impl Into<String>) -> AdvisoryError {
    AdvisoryError::Malformed {
        file: file.to_string(),
        line,
        message: message.into(),
        hint: HINT,
    }
}

/// Parses one advisory file. `file` names it in errors (e.g. `crates/time/RUSTSEC-2020-0071.md`).
pub fn parse_advisory(text: &str, file: &str) -> Result<Advisory, AdvisoryError> {
    let Some(after_fence) = text.strip_prefix("```toml") else {
        return Err(malformed(
            file,
            1,
            "advisory does not start with a ```toml front-matter block",
        ));
    };
    let Some(close) = after_fence.find("\n```") else {
        return Err(malformed(
            file,
            1,
            "the ```toml front-matter block is never closed with ```",
        ));
    };
    let raw_front = &after_fence[..close];
    let front = raw_front.trim();
    let front_start = 7 + (raw_front.len() - raw_front.trim_start().len());
    let close_at = 7 + close + 1; // the line holding the closing fence
    let (toml_text, prefix_len) = if front.starts_with("[advisory]") {
        (front.to_string(), 0)
    } else {
        const HEADER: &str = "[advisory]\n";
        (format!("{HEADER}{front}"), HEADER.len())
    };
    let loc = Locator {
        text,
        front_start,
        prefix_len,
    };

    // Markdown: skip the fence line's remaining three backticks, then blank space.
    let after_close = &text[close_at + 3..];
    let markdown = after_close.trim_start();
    let markdown_at = text.len() - markdown.len();
    let Some(heading) = markdown.strip_prefix("# ") else {
        return Err(malformed(
            file,
            loc.line_of_text_offset(markdown_at),
            "expected a `# ` title heading after the TOML front matter",
        ));
    };
    let (title, description) = match heading.find('\n') {
        Some(nl) => (heading[..nl].trim_end(), heading[nl + 1..].trim()),
        None => (heading.trim_end(), ""),
    };

    let raw: RawFile = toml::from_str(&toml_text).map_err(|e| {
        let line = e
            .span()
            .map(|s| loc.line_of_toml_offset(s.start))
            .unwrap_or_else(|| loc.line_of_text_offset(front_start));
        malformed(
            file,
            line,
            format!("invalid advisory TOML: {}", e.message()),
        )
    })?;
    let at = |span: std::ops::Range<usize>| loc.line_of_toml_offset(span.start);

    let meta = raw.advisory;
    let date = parse_date(&meta.date, file, &at)?;
    let withdrawn = match &meta.withdrawn {
        Some(w) => Some(parse_date(w, file, &at)?),
        None => None,
    };
    if meta.id.get_ref().trim().is_empty() {
        return Err(malformed(file, at(meta.id.span()), "empty advisory `id`"));
    }
    if meta.package.get_ref().trim().is_empty() {
        return Err(malformed(
            file,
            at(meta.package.span()),
            "empty advisory `package`",
        ));
    }

    let patched = parse_reqs(&raw.versions.patched, file, &at, "versions.patched")?;
    let unaffected = parse_reqs(&raw.versions.unaffected, file, &at, "versions.unaffected")?;
    let mut intervals = Vec::with_capacity(patched.len() + unaffected.len());
    for (req, spanned) in unaffected
        .iter()
        .zip(&raw.versions.unaffected)
        .chain(patched.iter().zip(&raw.versions.patched))
    {
        let range = unaffected_range(req)
            .map_err(|e| malformed(file, at(spanned.span()), e.to_string()))?;
        intervals.push(range);
    }
    let first_req_line = raw
        .versions
        .unaffected
        .first()
        .or(raw.versions.patched.first())
        .map(|s| at(s.span()))
        .unwrap_or_else(|| loc.line_of_text_offset(front_start));
    let ranges = affected_ranges(&intervals)
        .map_err(|e| malformed(file, first_req_line, format!("in [versions]: {e}")))?;

    let affected = match raw.affected {
        None => None,
        Some(a) => {
            let mut functions = BTreeMap::new();
            for (path, reqs) in a.functions {
                let key = format!("affected.functions.\"{path}\"");
                functions.insert(path, parse_reqs(&reqs, file, &at, &key)?);
            }
            Some(Affected {
                arch: a.arch,
                os: a.os,
                functions,
            })
        }
    };

    Ok(Advisory {
        id: meta.id.into_inner(),
        package: meta.package.into_inner(),
        date,
        title: title.to_string(),
        description: description.to_string(),
        aliases: meta.aliases,
        related: meta.related,
        url: meta.url,
        references: meta.references,
        categories: meta.categories,
        keywords: meta.keywords,
        cvss: meta.cvss,
        informational: meta.informational.as_deref().map(Informational::parse),
        withdrawn,
        source: meta.source,
        patched,
        unaffected,
        affected_ranges: ranges,
        affected,
    })
}

fn parse_date(
    value: &Spanned<String>,
    file: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> Result<jiff::civil::Date, AdvisoryError> {
    value.get_ref().parse::<jiff::civil::Date>().map_err(|e| {
        malformed(
            file,
            at(value.span()),
            format!(
                "invalid date `{}` (expected YYYY-MM-DD): {e}",
                value.get_ref()
            ),
        )
    })
}

fn parse_reqs(
    values: &[Spanned<String>],
    file: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
    key: &str,
) -> Result<Vec<semver::VersionReq>, AdvisoryError> {
    values
        .iter()
        .map(|v| {
            semver::VersionReq::parse(v.get_ref()).map_err(|e| {
                malformed(
                    file,
                    at(v.span()),
                    format!(
                        "invalid version requirement `{}` in {key}: {e}",
                        v.get_ref()
                    ),
                )
            })
        })
        .collect()
}
