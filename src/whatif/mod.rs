//! `what-if` scenarios (pure): what a hypothetical change is, how it is written (command-line
//! specs and the scenarios file, [`file`]), and how it edits the optimiser's inputs
//! ([`apply`]): the model roots for `add` / `remove` / `require`, an in-memory copy of the
//! cargo-vet store for `certify` / `trust` / `trust-publisher` / `import`. The user's files are
//! never touched; `app::whatif_cmd` does the IO (reading import files, solving, printing).

pub mod apply;
pub mod file;

use semver::{Version, VersionReq};

use crate::index::DepKind;

/// One hypothetical change set, run against the same session as the baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    /// New dependencies of a member.
    pub add: Vec<AddDep>,
    /// Crates no member depends on directly any more.
    pub remove: Vec<String>,
    /// New requirements for existing direct dependencies.
    pub require: Vec<Requirement>,
    /// Audit sets adopted: (import name, path or URL).
    pub imports: Vec<(String, String)>,
    /// Crates whose every version counts as audited (as if their publisher were trusted).
    pub trust: Vec<String>,
    /// Trusted publishers: (crate, crates.io user id).
    pub trust_publishers: Vec<(String, u64)>,
    /// Audits that are pretended to exist.
    pub certify: Vec<Certify>,
    /// `--target`: price only what builds for these triples.
    pub targets: Vec<String>,
    pub exclude_newer: Option<String>,
    pub min_age: Option<String>,
}

impl Scenario {
    /// Whether the scenario edits the model roots (else the baseline's roots are reused).
    pub fn changes_roots(&self) -> bool {
        !self.add.is_empty() || !self.remove.is_empty() || !self.require.is_empty()
    }

    /// Whether the scenario edits the audit store.
    pub fn changes_store(&self) -> bool {
        !self.imports.is_empty()
            || !self.trust.is_empty()
            || !self.trust_publishers.is_empty()
            || !self.certify.is_empty()
    }

    /// No change at all: the scenario is the baseline.
    pub fn is_empty(&self) -> bool {
        !self.changes_roots()
            && !self.changes_store()
            && self.targets.is_empty()
            && self.exclude_newer.is_none()
            && self.min_age.is_none()
    }
}

/// A new dependency: `NAME@REQ`, with features, on a member (default: the first member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddDep {
    pub name: String,
    pub req: VersionReq,
    pub features: Vec<String>,
    pub default_features: bool,
    pub member: Option<String>,
    pub kind: DepKind,
}

/// `NAME@REQ`: the new requirement of every direct dependency on NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub name: String,
    pub req: VersionReq,
}

/// A pretended audit: full (`CRATE@VERSION`) or delta (`CRATE@FROM->TO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certify {
    pub krate: String,
    pub from: Option<Version>,
    pub to: Version,
}

/// What went wrong with one spec; the caller adds where it came from (flag or file:line).
pub type SpecError = String;

fn split_at<'a>(spec: &'a str, what: &str, example: &str) -> Result<(&'a str, &'a str), SpecError> {
    let (name, rest) = spec
        .split_once('@')
        .ok_or_else(|| format!("`{spec}`: expected {what}, e.g. `{example}`"))?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("`{spec}`: `{name}` is not a crate name"));
    }
    Ok((name, rest.trim()))
}

/// `NAME@REQ` (`serde@1`, `tokio@^1.40`, `rand@>=0.8, <0.10`).
pub fn parse_name_req(spec: &str) -> Result<(String, VersionReq), SpecError> {
    let (name, req) = split_at(spec, "NAME@REQ", "tokio@1.40")?;
    let req = VersionReq::parse(req)
        .map_err(|e| format!("`{spec}`: `{req}` is not a version requirement ({e})"))?;
    Ok((name.to_owned(), req))
}

pub fn parse_require(spec: &str) -> Result<Requirement, SpecError> {
    let (name, req) = parse_name_req(spec)?;
    Ok(Requirement { name, req })
}

/// `CRATE@VERSION` or `CRATE@FROM->TO` (spaces around `->` allowed).
pub fn parse_certify(spec: &str) -> Result<Certify, SpecError> {
    let (krate, rest) = split_at(spec, "CRATE@VERSION or CRATE@FROM->TO", "serde@1.0.200")?;
    let version = |s: &str| {
        Version::parse(s.trim())
            .map_err(|e| format!("`{spec}`: `{}` is not a version ({e})", s.trim()))
    };
    let (from, to) = match rest.split_once("->") {
        Some((f, t)) => (Some(version(f)?), version(t)?),
        None => (None, version(rest)?),
    };
    Ok(Certify {
        krate: krate.to_owned(),
        from,
        to,
    })
}

/// `NAME=PATH|URL`.
pub fn parse_import(spec: &str) -> Result<(String, String), SpecError> {
    match spec.split_once('=') {
        Some((n, o)) if !n.trim().is_empty() && !o.trim().is_empty() => {
            Ok((n.trim().to_owned(), o.trim().to_owned()))
        }
        _ => Err(format!(
            "`{spec}`: expected NAME=PATH or NAME=URL, e.g. `mozilla=./mozilla-audits.toml`"
        )),
    }
}

/// `CRATE=USER_ID` (a crates.io user id, a number).
pub fn parse_trust_publisher(spec: &str) -> Result<(String, u64), SpecError> {
    let Some((krate, id)) = spec.split_once('=') else {
        return Err(format!(
            "`{spec}`: expected CRATE=USER_ID (a crates.io user id), e.g. `serde=3618`"
        ));
    };
    let id = id.trim().parse::<u64>().map_err(|_| {
        format!(
            "`{spec}`: `{}` is not a crates.io user id (a number)",
            id.trim()
        )
    })?;
    Ok((krate.trim().to_owned(), id))
}

/// `normal`, `build` or `dev`.
pub fn parse_kind(s: &str) -> Result<DepKind, SpecError> {
    match s {
        "normal" => Ok(DepKind::Normal),
        "build" => Ok(DepKind::Build),
        "dev" => Ok(DepKind::Dev),
        other => Err(format!(
            "`{other}` is not a dependency kind (normal, build or dev)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_say_what_was_expected() {
        let (n, r) = parse_name_req("tokio@1.40").unwrap();
        assert_eq!((n.as_str(), r.to_string().as_str()), ("tokio", "^1.40"));
        assert!(parse_name_req("tokio").unwrap_err().contains("NAME@REQ"));
        assert!(parse_name_req("tokio@x.y")
            .unwrap_err()
            .contains("not a version requirement"));
        assert!(parse_name_req("@1")
            .unwrap_err()
            .contains("not a crate name"));
        let c = parse_certify("serde@1.0.1 -> 1.0.2").unwrap();
        assert_eq!(c.from, Some(Version::new(1, 0, 1)));
        assert_eq!(c.to, Version::new(1, 0, 2));
        assert_eq!(parse_certify("serde@1.0.2").unwrap().from, None);
        assert!(parse_certify("serde@1").is_err());
        assert_eq!(
            parse_import("m = a.toml").unwrap(),
            ("m".to_owned(), "a.toml".to_owned())
        );
        assert!(parse_import("m").is_err());
        assert_eq!(parse_trust_publisher("a=12").unwrap(), ("a".into(), 12));
        assert!(parse_trust_publisher("a=bob").is_err());
        assert!(parse_kind("dev").is_ok() && parse_kind("test").is_err());
    }
}
