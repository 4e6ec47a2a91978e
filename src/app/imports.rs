//! The audit universe: which imported audit sets price the backlog.
//!
//! - `--frozen-imports`: imports.lock only, exactly what `cargo vet --locked` uses;
//! - otherwise every import in config.toml is read whole: from `--import NAME=PATH|URL` when
//!   given, else from its URL(s) in config.toml (cached under `<cache>/imports/`; with
//!   `--offline` only the cache). A fetch that fails is an error with a hint, never a silent
//!   fallback to imports.lock, because the figures differ (ARCHITECTURE.md, Semantics).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::cli::CommonArgs;
use crate::report::{AuditSource, CostUniverse};
use crate::shell::Shell;
use crate::vet::store::{ImportMerge, Store};

/// Applies the chosen universe to `store` and says what it used.
pub fn apply_universe(
    store: &mut Store,
    common: &CommonArgs,
    store_dir: &Path,
    cache_dir: &Path,
    shell: &Shell,
) -> anyhow::Result<CostUniverse> {
    let overrides = parse_overrides(&common.imports)?;
    if common.frozen_imports {
        if !overrides.is_empty() {
            anyhow::bail!("--import cannot be combined with --frozen-imports\nhint: --frozen-imports prices with imports.lock only; drop one of the two");
        }
        let sources = store
            .imported
            .keys()
            .map(|name| AuditSource {
                name: name.clone(),
                origin: store_dir.join("imports.lock").display().to_string(),
            })
            .collect();
        return Ok(CostUniverse {
            kind: "imports.lock".into(),
            sources,
            publisher_facts: None,
        });
    }
    for name in overrides.keys() {
        if !store.config.imports.contains_key(name) {
            shell.warn(format!(
                "--import {name}: config.toml has no [imports.{name}]; its audits are used with the built-in criteria mapping"
            ));
        }
    }
    let mut names: Vec<String> = store.config.imports.keys().cloned().collect();
    names.extend(
        overrides
            .keys()
            .filter(|n| !store.config.imports.contains_key(*n))
            .cloned(),
    );
    let mut sources = Vec::new();
    for name in names {
        let origins: Vec<String> = match overrides.get(&name) {
            Some(origin) => vec![origin.clone()],
            None => store.config.imports[&name].urls.clone(),
        };
        let mut texts = Vec::new();
        for origin in &origins {
            texts.push(read_origin(
                &name,
                origin,
                common.offline,
                cache_dir,
                shell,
            )?);
        }
        // Several URLs for one import are one audit set, as in cargo-vet.
        let mut first = true;
        for text in texts {
            let merge = if first {
                ImportMerge::Replace
            } else {
                ImportMerge::Union
            };
            first = false;
            store
                .with_full_import(&name, &text, merge)
                .with_context(|| format!("import `{name}` ({})", origins.join(", ")))?;
        }
        sources.push(AuditSource {
            name,
            origin: origins.join(", "),
        });
    }
    Ok(CostUniverse {
        kind: "imports".into(),
        sources,
        publisher_facts: None,
    })
}

fn parse_overrides(raw: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in raw {
        let Some((name, origin)) = item.split_once('=') else {
            anyhow::bail!("--import {item}: expected NAME=PATH or NAME=URL\nhint: e.g. --import mozilla=./mozilla-audits.toml");
        };
        out.insert(name.trim().to_owned(), origin.trim().to_owned());
    }
    Ok(out)
}

pub(super) fn is_url(origin: &str) -> bool {
    origin.starts_with("https://") || origin.starts_with("http://")
}

pub(super) fn read_origin(
    name: &str,
    origin: &str,
    offline: bool,
    cache_dir: &Path,
    shell: &Shell,
) -> anyhow::Result<String> {
    if !is_url(origin) {
        return std::fs::read_to_string(origin)
            .with_context(|| format!("cannot read audit file {origin} for import `{name}`"));
    }
    let cached = cache_dir.join("imports").join(cache_file_name(origin));
    if offline {
        // The OS error goes into the message before the hint: the hint must stay the last line.
        return std::fs::read_to_string(&cached).map_err(|e| {
            anyhow::anyhow!(
                "import `{name}` ({origin}) is not cached and --offline forbids fetching it: cannot read {}: {e}\nhint: run once online, pass --import {name}=PATH, or use --frozen-imports",
                cached.display()
            )
        });
    }
    shell.status("Fetching", format!("audits of `{name}` from {origin}"));
    let agent = crate::price::http::registry_agent();
    let fetched = agent
        .get(origin)
        .call()
        .map_err(|e| e.to_string())
        .and_then(|mut resp| {
            if resp.status().is_success() {
                resp.body_mut().read_to_string().map_err(|e| e.to_string())
            } else {
                Err(format!("HTTP {}", resp.status()))
            }
        });
    match fetched {
        Ok(text) => {
            if let Some(dir) = cached.parent() {
                let _ = std::fs::create_dir_all(dir);
                let tmp = cached.with_extension("tmp");
                if std::fs::write(&tmp, &text).is_ok() {
                    let _ = std::fs::rename(&tmp, &cached);
                }
            }
            Ok(text)
        }
        Err(e) => anyhow::bail!(
            "cannot fetch the audits of import `{name}` from {origin}: {e}\nhint: pass a local copy with --import {name}=PATH, or price with imports.lock only using --frozen-imports"
        ),
    }
}

/// A file name for a URL: readable prefix plus a hash, so two URLs never share a file.
fn cache_file_name(url: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(url.as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let readable: String = url
        .trim_start_matches("https://")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect();
    format!("{readable}-{short}.toml")
}
