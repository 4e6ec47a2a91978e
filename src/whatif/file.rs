//! The scenarios file (pure: the caller reads it). TOML, one `[[scenario]]` table per
//! scenario, every key but `name` optional:
//!
//! ```toml
//! [[scenario]]
//! name = "bump tokio"
//! require = ["tokio@1.40"]
//!
//! [[scenario]]
//! name = "serde with derive"
//! add = ["itoa@1", { crate = "serde@1", features = ["derive"], member = "app", kind = "normal", default-features = true }]
//! remove = ["old-dep"]
//! certify = ["foo@1.2.3", "bar@1.0.0->1.1.0"]
//! trust = ["baz"]
//! trust-publisher = ["baz=3618"]
//! import = ["mozilla=./mozilla-audits.toml"]   # a path is relative to the scenarios file
//! target = ["x86_64-unknown-linux-gnu"]
//! exclude-newer = "2025-01-01"
//! min-age = "7d"
//! ```
//!
//! Every error names the file and the line of the offending value.

use std::collections::BTreeSet;

use serde::Deserialize;
use toml::Spanned;

use super::{
    parse_certify, parse_import, parse_kind, parse_name_req, parse_require, parse_trust_publisher,
    AddDep, Scenario, SpecError,
};
use crate::index::DepKind;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    scenario: Vec<Spanned<RawScenario>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScenario {
    name: Spanned<String>,
    #[serde(default)]
    add: Vec<Spanned<RawAdd>>,
    #[serde(default)]
    remove: Vec<Spanned<String>>,
    #[serde(default)]
    require: Vec<Spanned<String>>,
    #[serde(default)]
    import: Vec<Spanned<String>>,
    #[serde(default)]
    trust: Vec<Spanned<String>>,
    #[serde(default)]
    trust_publisher: Vec<Spanned<String>>,
    #[serde(default)]
    certify: Vec<Spanned<String>>,
    #[serde(default)]
    target: Vec<Spanned<String>>,
    exclude_newer: Option<Spanned<String>>,
    min_age: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAdd {
    Spec(String),
    Table(RawAddTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAddTable {
    #[serde(rename = "crate")]
    krate: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default = "yes")]
    default_features: bool,
    member: Option<String>,
    kind: Option<String>,
}

fn yes() -> bool {
    true
}

/// A scenarios-file error: `FILE:LINE: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses the scenarios file `text` (`file` names it in errors).
pub fn parse_scenarios(file: &str, text: &str) -> Result<Vec<Scenario>, FileError> {
    let err = |offset: usize, message: String| FileError {
        file: file.to_owned(),
        line: line_of(text, offset),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        err(offset, e.message().trim().to_owned())
    })?;
    if raw.scenario.is_empty() {
        return Err(err(
            0,
            "no scenario: add `[[scenario]]` tables with a `name` and the changes to price".into(),
        ));
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for spanned in raw.scenario {
        let raw = spanned.into_inner();
        let at = |s: &Spanned<String>, m: SpecError| err(s.span().start, m);
        let name = raw.name.get_ref().trim().to_owned();
        if name.is_empty() || name == "baseline" {
            return Err(err(
                raw.name.span().start,
                format!("scenario name `{name}` is reserved or empty: pick another"),
            ));
        }
        if !names.insert(name.clone()) {
            return Err(err(
                raw.name.span().start,
                format!("two scenarios are named `{name}`"),
            ));
        }
        let mut sc = Scenario {
            name,
            ..Scenario::default()
        };
        for a in &raw.add {
            let add = match a.get_ref() {
                RawAdd::Spec(spec) => parse_name_req(spec).map(|(name, req)| AddDep {
                    name,
                    req,
                    features: vec![],
                    default_features: true,
                    member: None,
                    kind: DepKind::Normal,
                }),
                RawAdd::Table(t) => parse_name_req(&t.krate).and_then(|(name, req)| {
                    Ok(AddDep {
                        name,
                        req,
                        features: t.features.clone(),
                        default_features: t.default_features,
                        member: t.member.clone(),
                        kind: t
                            .kind
                            .as_deref()
                            .map(parse_kind)
                            .transpose()?
                            .unwrap_or(DepKind::Normal),
                    })
                }),
            };
            sc.add
                .push(add.map_err(|m| err(a.span().start, format!("add: {m}")))?);
        }
        for s in &raw.remove {
            sc.remove.push(s.get_ref().trim().to_owned());
        }
        for s in &raw.require {
            sc.require
                .push(parse_require(s.get_ref()).map_err(|m| at(s, m))?);
        }
        for s in &raw.import {
            sc.imports
                .push(parse_import(s.get_ref()).map_err(|m| at(s, m))?);
        }
        for s in &raw.trust {
            sc.trust.push(s.get_ref().trim().to_owned());
        }
        for s in &raw.trust_publisher {
            sc.trust_publishers
                .push(parse_trust_publisher(s.get_ref()).map_err(|m| at(s, m))?);
        }
        for s in &raw.certify {
            sc.certify
                .push(parse_certify(s.get_ref()).map_err(|m| at(s, m))?);
        }
        for s in &raw.target {
            sc.targets.push(s.get_ref().trim().to_owned());
        }
        if let Some(s) = &raw.exclude_newer {
            check_exclude_newer(s.get_ref()).map_err(|m| at(s, m))?;
            sc.exclude_newer = Some(s.get_ref().clone());
        }
        if let Some(s) = &raw.min_age {
            check_min_age(s.get_ref()).map_err(|m| at(s, m))?;
            sc.min_age = Some(s.get_ref().clone());
        }
        out.push(sc);
    }
    Ok(out)
}

/// `--exclude-newer`'s syntax, checked up front (pure: no clock involved).
pub fn check_exclude_newer(s: &str) -> Result<(), SpecError> {
    crate::index::cooldown::parse_exclude_newer(s)
        .map(|_| ())
        .map_err(|e| format!("exclude-newer `{s}`: {e}"))
}

/// `--min-age`'s syntax, checked up front.
pub fn check_min_age(s: &str) -> Result<(), SpecError> {
    crate::index::cooldown::parse_min_age(s)
        .map(|_| ())
        .map_err(|e| format!("min-age `{s}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let text = r#"
[[scenario]]
name = "bump"
require = ["tokio@1.40"]

[[scenario]]
name = "many"
add = ["itoa@1", { crate = "serde@1", features = ["derive"], member = "app", kind = "dev", default-features = false }]
remove = ["old"]
certify = ["foo@1.2.3", "bar@1.0.0 -> 1.1.0"]
trust = ["baz"]
trust-publisher = ["baz=3618"]
import = ["mozilla=./m.toml"]
target = ["x86_64-unknown-linux-gnu"]
exclude-newer = "2025-01-01"
min-age = "7d"
"#;
        let s = parse_scenarios("s.toml", text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "bump");
        assert_eq!(s[0].require[0].req.to_string(), "^1.40");
        let m = &s[1];
        assert_eq!(m.add.len(), 2);
        assert_eq!(m.add[1].features, ["derive"]);
        assert_eq!(m.add[1].kind, DepKind::Dev);
        assert!(!m.add[1].default_features);
        assert_eq!(m.add[1].member.as_deref(), Some("app"));
        assert_eq!(m.certify.len(), 2);
        assert_eq!(m.trust_publishers, [("baz".to_string(), 3618)]);
        assert_eq!(m.imports, [("mozilla".to_string(), "./m.toml".to_string())]);
        assert_eq!(m.exclude_newer.as_deref(), Some("2025-01-01"));
    }

    #[test]
    fn errors_name_the_file_and_the_line_of_the_bad_value() {
        let text = "[[scenario]]\nname = \"a\"\n\ncertify = [\n  \"ok@1.0.0\",\n  \"bad@1\",\n]\n";
        let e = parse_scenarios("s.toml", text).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("s.toml", 6), "{e}");
        assert!(e.message.contains("bad@1"), "{e}");

        let e =
            parse_scenarios("s.toml", "[[scenario]]\nname = \"a\"\nadd = [\"x\"]\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().starts_with("s.toml:3: add:"), "{e}");

        let e =
            parse_scenarios("s.toml", "[[scenario]]\nname = \"a\"\nfrobnicate = 1\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("frobnicate"), "{e}");

        let e = parse_scenarios(
            "s.toml",
            "[[scenario]]\nname = \"a\"\n[[scenario]]\nname = \"a\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 4, "{e}");

        let e = parse_scenarios(
            "s.toml",
            "[[scenario]]\nname = \"a\"\nexclude-newer = \"soon\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(parse_scenarios("s.toml", "").is_err());
    }
}
