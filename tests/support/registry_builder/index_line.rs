//! One registry index line for one published version, in crates.io's exact format.
//!
//! Field order and omissions follow crates.io's `crates_io_index::Crate`: `name, vers, deps,
//! cksum, features, features2?, yanked, links?, rust_version?, v?, pubtime?`; deps sorted by
//! (name, kind normal<build<dev, req, ...) and written with every field, `package` only when
//! renamed. Features that use the `dep:` or `x?/f` syntax go to `features2` and set `v: 2`,
//! because cargo older than 1.19 cannot parse them in `features` (crates.io does the same split).
//! The requirement is written the way cargo publishes it: `semver::VersionReq` display (`^1`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{CrateSpec, DepKind};

#[derive(Serialize)]
struct Line<'a> {
    name: &'a str,
    vers: &'a str,
    deps: Vec<Dep<'a>>,
    cksum: &'a str,
    features: BTreeMap<&'a str, &'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    features2: Option<BTreeMap<&'a str, &'a [String]>>,
    yanked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rust_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pubtime: Option<&'a str>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Dep<'a> {
    name: &'a str,
    req: String,
    features: &'a [String],
    optional: bool,
    default_features: bool,
    target: Option<&'a str>,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<&'a str>,
}

/// Does this feature value need the v2 index syntax?
fn is_v2_syntax(value: &str) -> bool {
    value.starts_with("dep:") || value.contains("?/")
}

fn kind_str(k: DepKind) -> &'static str {
    match k {
        DepKind::Normal => "normal",
        DepKind::Build => "build",
        DepKind::Dev => "dev",
    }
}

/// Render the index line (no trailing newline). `cksum` is the `.crate` SHA-256, lowercase hex.
/// The crate must have passed `World::validate` (requirements parse).
pub fn render(c: &CrateSpec, cksum: &str) -> String {
    let mut deps: Vec<(DepKind, Dep<'_>)> = c
        .deps
        .iter()
        .map(|d| {
            let req = d
                .req
                .as_deref()
                .and_then(|r| semver::VersionReq::parse(r).ok())
                .map(|r| r.to_string())
                .unwrap_or_else(|| d.req.clone().unwrap_or_default());
            (
                d.kind,
                Dep {
                    name: &d.name,
                    req,
                    features: &d.features,
                    optional: d.optional,
                    default_features: d.default_features,
                    target: d.target.as_deref(),
                    kind: kind_str(d.kind),
                    package: d.package.as_deref(),
                },
            )
        })
        .collect();
    // crates.io's Ord: name, kind (normal < build < dev), req, optional, default_features,
    // target, package, features.
    deps.sort_by(|(ka, a), (kb, b)| {
        (
            a.name,
            ka,
            &a.req,
            a.optional,
            a.default_features,
            a.target,
            a.package,
            a.features,
        )
            .cmp(&(
                b.name,
                kb,
                &b.req,
                b.optional,
                b.default_features,
                b.target,
                b.package,
                b.features,
            ))
    });
    let mut features = BTreeMap::new();
    let mut features2 = BTreeMap::new();
    for (k, vals) in &c.features {
        if vals.iter().any(|v| is_v2_syntax(v)) {
            features2.insert(k.as_str(), vals.as_slice());
        } else {
            features.insert(k.as_str(), vals.as_slice());
        }
    }
    let (features2, v) = if features2.is_empty() {
        (None, None)
    } else {
        (Some(features2), Some(2))
    };
    let line = Line {
        name: &c.name,
        vers: &c.version,
        deps: deps.into_iter().map(|(_, d)| d).collect(),
        cksum,
        features,
        features2,
        yanked: c.yanked,
        links: c.links.as_deref(),
        rust_version: c.rust_version.as_deref(),
        v,
        pubtime: c.pubtime.as_deref(),
    };
    // Serialising plain structs of strings, bools and maps with string keys cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// Index path of a crate inside `index/`, as cargo computes it (lowercased name).
pub fn index_path(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    match n.len() {
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}
