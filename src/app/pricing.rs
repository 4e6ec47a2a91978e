//! Pricing a lock the way `cargo vet suggest` does, with the downloads and diffs done in
//! parallel. `vet::suggest` is pure and asks a `DiffCost` for each candidate audit in turn; to
//! keep the network and git busy we run it twice:
//! 1. with a recording cost that answers 0, collecting every candidate (the candidate set does
//!    not depend on prices: suggest prices all of them and then keeps the cheapest);
//! 2. after fetching every `.crate` involved (parallel, SHA-256 checked) and counting every
//!    candidate (parallel; tar stream for full audits, git for deltas), with the real prices.
//!
//! Nothing is ever priced as 0 by accident: a version missing from the index, a failed
//! download or a failed diff is an error naming the crate and the audit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use rayon::prelude::*;

use crate::index::Index;
use crate::price::audit_lines::{AuditLineCounter, VersionRef};
use crate::price::cache::LineCountCache;
use crate::price::crate_source::{prefetch, CrateId, CrateSource};
use crate::price::diffstat::GitDiffer;
use crate::shell::Shell;
use crate::vet::format::VetVersion;
use crate::vet::required::PackageGraph;
use crate::vet::store::Store;
use crate::vet::suggest::{suggest, PublishedVersions, SuggestOutcome};

/// Checksums of every published version of the priced crates, from the index.
pub type Checksums = BTreeMap<(String, semver::Version), String>;

/// A pricing failure inside `suggest` (its `DiffCost` error type), with the whole cause chain.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CountFailure(pub String);

/// One audit to count: crate, `from` (`None` = full audit), `to`.
type AuditKey = (String, Option<semver::Version>, semver::Version);

/// Registry facts suggest needs: every published version (yanked too, as cargo-vet reads the
/// index) and their checksums, for the third-party crates of the graph.
pub fn load_registry_facts(
    index: &dyn Index,
    graph: &PackageGraph,
    shell: &Shell,
) -> anyhow::Result<(PublishedVersions, Checksums)> {
    let names: Vec<String> = graph
        .packages
        .iter()
        .filter(|p| p.is_crates_io)
        .map(|p| p.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    shell.status(
        "Updating",
        format!("index for {} crates ({})", names.len(), index.describe()),
    );
    let loaded = index.load_crates(&names)?;
    let mut published = PublishedVersions::new();
    let mut checksums = Checksums::new();
    for (name, krate) in loaded {
        let Some(krate) = krate else {
            anyhow::bail!(
                "crate `{name}` is locked but the registry ({}) does not have it\nhint: check the registry or source replacement in .cargo/config.toml",
                index.describe()
            );
        };
        let versions = published.entry(name.clone()).or_default();
        for v in krate.versions {
            versions.insert(v.version.clone());
            checksums.insert((name.clone(), v.version), v.cksum);
        }
    }
    Ok((published, checksums))
}

pub struct Pricer<'a> {
    pub source: &'a dyn CrateSource,
    pub checksums: &'a Checksums,
    pub cache_dir: &'a Path,
    pub shell: &'a Shell,
}

impl Pricer<'_> {
    /// `cargo vet suggest` for `graph`, with exact line counts.
    pub fn price(
        &self,
        store: &Store,
        graph: &PackageGraph,
        published: &PublishedVersions,
    ) -> anyhow::Result<SuggestOutcome> {
        let wanted: Mutex<BTreeSet<AuditKey>> = Mutex::default();
        let record = |krate: &str, from: Option<&VetVersion>, to: &VetVersion| {
            let key = (
                krate.to_owned(),
                from.map(|f| f.semver.clone()),
                to.semver.clone(),
            );
            if from.is_some_and(|f| f.git_rev.is_some()) || to.git_rev.is_some() {
                return Err(CountFailure(format!(
                    "auditing a git revision of {krate} is not supported yet"
                )));
            }
            wanted.lock().expect("not poisoned").insert(key);
            Ok::<u64, CountFailure>(0)
        };
        suggest(store, graph, published, &record)?;
        let wanted = wanted.into_inner().expect("not poisoned");
        let counts = self.count_all(&wanted)?;
        let lookup = |krate: &str, from: Option<&VetVersion>, to: &VetVersion| {
            let key = (
                krate.to_owned(),
                from.map(|f| f.semver.clone()),
                to.semver.clone(),
            );
            counts.get(&key).copied().ok_or_else(|| {
                CountFailure(format!("internal: {krate} {to} was not counted in pass 1"))
            })
        };
        Ok(suggest(store, graph, published, &lookup)?)
    }

    fn checksum(&self, krate: &str, version: &semver::Version) -> anyhow::Result<&str> {
        self.checksums
            .get(&(krate.to_owned(), version.clone()))
            .map(String::as_str)
            .with_context(|| {
                format!(
                    "cannot price {krate} {version}: the registry index does not list that version, so its checksum is unknown\nhint: it may have been deleted from the registry; an audit naming it cannot be verified"
                )
            })
    }

    fn count_all(&self, wanted: &BTreeSet<AuditKey>) -> anyhow::Result<BTreeMap<AuditKey, u64>> {
        let mut crates: BTreeSet<(String, semver::Version)> = BTreeSet::new();
        for (krate, from, to) in wanted {
            crates.insert((krate.clone(), to.clone()));
            if let Some(from) = from {
                crates.insert((krate.clone(), from.clone()));
            }
        }
        let ids = crates
            .iter()
            .map(|(name, version)| {
                Ok(CrateId {
                    name: name.clone(),
                    version: version.to_string(),
                    cksum: self.checksum(name, version)?.to_owned(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let bar = self.shell.progress("Fetching", ids.len() as u64);
        let results = prefetch(self.source, &ids, 8, &|p| {
            bar.set_position(p.done as u64);
            bar.set_message(format!("{} {}", p.item.name, p.item.version));
        });
        bar.finish_and_clear();
        for result in results {
            result?;
        }
        self.shell.status(
            "Fetched",
            format!("{} crate files (checksums verified)", ids.len()),
        );

        let cache = LineCountCache::load(self.cache_dir).unwrap_or_default();
        let git = GitDiffer::new(&self.cache_dir.join("diff-work"))?;
        let counter = AuditLineCounter::new(self.source, Some(git), cache, None);
        let bar = self.shell.progress("Counting", wanted.len() as u64);
        let counted = wanted
            .par_iter()
            .map(|key| {
                let (krate, from, to) = key;
                let from_cksum = from.as_ref().map(|f| self.checksum(krate, f)).transpose()?;
                let from_ref = from
                    .as_ref()
                    .zip(from_cksum)
                    .map(|(f, cksum)| (f.to_string(), cksum));
                let to_string = to.to_string();
                let lines = counter
                    .count(
                        krate,
                        from_ref.as_ref().map(|(v, c)| VersionRef {
                            version: v,
                            cksum: c,
                        }),
                        VersionRef {
                            version: &to_string,
                            cksum: self.checksum(krate, to)?,
                        },
                    )
                    .with_context(|| match from {
                        Some(f) => format!("cannot count lines of {krate} {f} -> {to}"),
                        None => format!("cannot count lines of {krate} {to}"),
                    })?;
                bar.inc(1);
                Ok((key.clone(), lines.stat.count()))
            })
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
        bar.finish_and_clear();
        if let Err(e) = counter.into_cache().save(self.cache_dir) {
            self.shell
                .warn(format!("could not save the line-count cache: {e}"));
        }
        Ok(counted)
    }
}
