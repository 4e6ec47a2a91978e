//! A cargo-vet store (`config.toml` + `audits.toml` + `imports.lock`) and the universe of
//! imported audits the resolver sees (pure).
//!
//! Universes (always say which one a figure comes from):
//! - [`ImportUniverse::ImportsLock`]: only what `imports.lock` holds — what `cargo vet --locked`
//!   sees (`--frozen-imports` in minaudit). imports.lock caches only the imported audits and
//!   publisher rows the current lock uses.
//! - [`ImportUniverse::FullSources`]: some imports replaced by their complete peer files (fetched
//!   from the URLs in config.toml, or given locally), mapped into local criteria like cargo-vet
//!   does when it runs online ([`Store::with_full_import`]). Publisher rows still come from
//!   imports.lock plus whatever the caller adds ([`Store::add_publisher_rows`]).
//!
//! Validation mirrors cargo-vet's `Store::validate`: every criteria name used in config.toml and
//! audits.toml must be built-in or declared in audits.toml; imports.lock entries are already in
//! local names (cargo-vet would panic on an unknown one, we report it). cargo-vet also rejects
//! wildcard audits ending more than a year from "today"; that needs a clock and is left to the
//! caller. `default-criteria` only affects `cargo vet certify`, never required criteria.

use std::collections::BTreeMap;

use super::criteria::{localize_import, CriteriaError, CriteriaMapper};
use super::format::{
    parse_audits, parse_config, parse_foreign_audits, parse_imports, AuditsFile, ConfigFile,
    ForeignParseReport, FormatError, ImportsFile, PublisherRow, AUDITS_TOML, CONFIG_TOML,
    IMPORTS_LOCK,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("{file}{}: {error}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Criteria {
        file: String,
        line: Option<usize>,
        error: CriteriaError,
    },
}

/// How a full peer file combines with imports.lock's copy of that import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMerge {
    Replace,
    Union,
}

/// `base` plus every entry of `extra` not already in it (same kind and criteria; same publisher,
/// dates and criteria for wildcard/trusted entries), in order.
fn union_audits(mut base: AuditsFile, extra: AuditsFile) -> AuditsFile {
    for (krate, list) in extra.audits {
        let have = base.audits.entry(krate).or_default();
        for a in list {
            if !have
                .iter()
                .any(|h| h.kind == a.kind && h.criteria == a.criteria)
            {
                have.push(a);
            }
        }
    }
    for (krate, list) in extra.wildcard_audits {
        let have = base.wildcard_audits.entry(krate).or_default();
        for w in list {
            if !have.iter().any(|h| {
                h.source == w.source
                    && h.start == w.start
                    && h.end == w.end
                    && h.criteria == w.criteria
            }) {
                have.push(w);
            }
        }
    }
    for (krate, list) in extra.trusted {
        let have = base.trusted.entry(krate).or_default();
        for t in list {
            if !have.iter().any(|h| {
                h.source == t.source
                    && h.start == t.start
                    && h.end == t.end
                    && h.criteria == t.criteria
            }) {
                have.push(t);
            }
        }
    }
    for (name, c) in extra.criteria {
        base.criteria.entry(name).or_insert(c);
    }
    base
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportUniverse {
    ImportsLock,
    FullSources,
}

/// The loaded store plus the imported audit sets in use.
#[derive(Debug, Clone)]
pub struct Store {
    pub config: ConfigFile,
    pub audits: AuditsFile,
    pub imports: ImportsFile,
    /// Imported audit sets by import name, in our criteria names (imports.lock's, or full
    /// sources that replaced them). Ordered by name, as cargo-vet indexes imports.
    pub imported: BTreeMap<String, AuditsFile>,
    pub universe: ImportUniverse,
    pub mapper: CriteriaMapper,
}

impl Store {
    /// Parse and validate the three store files (texts already read).
    pub fn from_texts(config: &str, audits: &str, imports: &str) -> Result<Store, StoreError> {
        let config = parse_config(config)?;
        let audits = parse_audits(audits)?;
        let imports = parse_imports(imports)?;
        Store::new(config, audits, imports)
    }

    pub fn new(
        config: ConfigFile,
        audits: AuditsFile,
        imports: ImportsFile,
    ) -> Result<Store, StoreError> {
        let mapper = CriteriaMapper::new(&audits.criteria).map_err(|source| {
            let line = None;
            StoreError::Criteria {
                file: AUDITS_TOML.to_owned(),
                line,
                error: source,
            }
        })?;
        let store = Store {
            imported: imports.audits.clone(),
            config,
            audits,
            imports,
            universe: ImportUniverse::ImportsLock,
            mapper,
        };
        store.validate()?;
        Ok(store)
    }

    fn validate(&self) -> Result<(), StoreError> {
        let check = |file: &str, line: Option<usize>, names: &[String], what: &str| {
            self.mapper
                .set_from(names, Some(what))
                .map(|_| ())
                .map_err(|source| StoreError::Criteria {
                    file: file.to_owned(),
                    line,
                    error: source,
                })
        };
        for (name, list) in &self.config.exemptions {
            for e in list {
                check(
                    CONFIG_TOML,
                    e.line,
                    &e.criteria,
                    &format!("exemption for {name}"),
                )?;
            }
        }
        for (name, _, p) in self.config.policy.iter() {
            let what = format!("policy for {name}");
            check(
                CONFIG_TOML,
                p.line,
                p.criteria.as_deref().unwrap_or(&[]),
                &what,
            )?;
            check(
                CONFIG_TOML,
                p.line,
                p.dev_criteria.as_deref().unwrap_or(&[]),
                &what,
            )?;
            for c in p.dependency_criteria.values() {
                check(CONFIG_TOML, p.line, c, &what)?;
            }
        }
        for (file, set) in std::iter::once((AUDITS_TOML, &self.audits))
            .chain(self.imports.audits.values().map(|a| (IMPORTS_LOCK, a)))
        {
            for (name, list) in &set.audits {
                for a in list {
                    check(file, a.line, &a.criteria, &format!("audit of {name}"))?;
                }
            }
            for (name, list) in &set.wildcard_audits {
                for w in list {
                    check(
                        file,
                        w.line,
                        &w.criteria,
                        &format!("wildcard audit of {name}"),
                    )?;
                }
            }
            for (name, list) in &set.trusted {
                for t in list {
                    check(file, t.line, &t.criteria, &format!("trusted entry {name}"))?;
                }
            }
        }
        Ok(())
    }

    /// Bring in import `name`'s complete peer audit file (text), mapped into local criteria with
    /// that import's `exclude` and `criteria-map` from config.toml (an import name not in
    /// config.toml gets neither). [`ImportMerge::Replace`] is what cargo-vet does online (the
    /// live file replaces imports.lock's copy); [`ImportMerge::Union`] keeps imports.lock's
    /// entries too, as `../shared/oracle/make_fat_imports_lock.py` builds the oracle's universe.
    pub fn with_full_import(
        &mut self,
        name: &str,
        peer_audits_text: &str,
        merge: ImportMerge,
    ) -> Result<ForeignParseReport, StoreError> {
        let (foreign, report) = parse_foreign_audits(name, peer_audits_text)?;
        let (exclude, map) = match self.config.imports.get(name) {
            Some(imp) => (imp.exclude.clone(), imp.criteria_map.clone()),
            None => (Vec::new(), BTreeMap::new()),
        };
        let local = localize_import(foreign, &exclude, &map, &self.mapper).map_err(|source| {
            StoreError::Criteria {
                file: format!("imported audits '{name}'"),
                line: None,
                error: source,
            }
        })?;
        let merged = match (merge, self.imported.remove(name)) {
            (ImportMerge::Union, Some(existing)) => union_audits(existing, local),
            (_, _) => local,
        };
        self.imported.insert(name.to_owned(), merged);
        self.universe = ImportUniverse::FullSources;
        Ok(report)
    }

    /// Add publisher facts (e.g. from the crates.io API) beside imports.lock's rows; rows for a
    /// (crate, version) already present are kept as they are.
    pub fn add_publisher_rows(
        &mut self,
        krate: &str,
        rows: impl IntoIterator<Item = PublisherRow>,
    ) {
        let list = self.imports.publisher.entry(krate.to_owned()).or_default();
        for row in rows {
            if !list.iter().any(|r| r.version == row.version) {
                list.push(row);
            }
        }
    }

    /// The store `cargo vet suggest` resolves against: exemptions removed except
    /// `suggest = false` ones (cargo-vet `clone_for_suggest(true)`). Unpublished entries stay:
    /// cargo-vet only drops stale ones from live (online) imports.
    pub fn for_suggest(&self) -> Store {
        let mut s = self.clone();
        for list in s.config.exemptions.values_mut() {
            list.retain(|e| !e.suggest);
        }
        s
    }
}
