//! The search's line counts at the IO edge: full counts from the per-file count cache or the
//! downloaded `.crate` (checksum-verified, counted on the tar stream), exact deltas from git
//! (with the on-disk delta cache); and the search's notes on the shell.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use semver::Version;

use crate::optimise::search::{AuditKey, FileKey, LineCounts, Progress};
use crate::price::archive::crate_prefix;
use crate::price::audit_lines::{AuditLineCounter, VersionRef};
use crate::price::bounds::delta_lower_bound;
use crate::price::cache::LineCountCache;
use crate::price::crate_source::CrateId;
use crate::price::diffstat::GitDiffer;
use crate::price::file_counts;
use crate::price::linecount::{count_crate_lines, CrateLines};
use crate::price::ArchiveLimits;
use crate::shell::Shell;

use super::inputs::Session;
use super::pricing;

/// Line counts kept across searches (`what-if`): they depend only on the crate files, never
/// on the audit store or the roots, so every scenario reuses what earlier ones counted.
#[derive(Default, Clone)]
pub struct CountStore {
    full: BTreeMap<FileKey, Arc<CrateLines>>,
    exact: BTreeMap<AuditKey, u64>,
}

/// Line counts gathered during one search: full counts (exact) and exact delta counts.
pub struct CrateCounts<'a> {
    session: &'a Session,
    checksums: &'a pricing::Checksums,
    shell: &'a Shell,
    counted: CountStore,
    /// Where the counts go back when the search ends (on every path), for the next search.
    keep: Option<&'a mut CountStore>,
}

impl<'a> CrateCounts<'a> {
    /// Starts from what `keep` holds (taken), and gives everything back to it when dropped.
    pub fn new(
        session: &'a Session,
        checksums: &'a pricing::Checksums,
        shell: &'a Shell,
        mut keep: Option<&'a mut CountStore>,
    ) -> Self {
        let counted = keep.as_deref_mut().map(std::mem::take).unwrap_or_default();
        CrateCounts {
            session,
            checksums,
            shell,
            counted,
            keep,
        }
    }

    fn cksum(&self, name: &str, v: &Version) -> anyhow::Result<String> {
        self.checksums
            .get(&(name.to_owned(), v.clone()))
            .cloned()
            .with_context(|| {
                format!("cannot price {name} {v}: the registry index does not list that version")
            })
    }
}

impl Drop for CrateCounts<'_> {
    fn drop(&mut self) {
        if let Some(keep) = self.keep.take() {
            keep.full.append(&mut self.counted.full);
            keep.exact.append(&mut self.counted.exact);
        }
    }
}

impl LineCounts for CrateCounts<'_> {
    /// Counts every crate file not counted yet: from the per-file count cache when it has the
    /// file (no download, no gunzip), else downloaded (parallel, checksum-verified), counted
    /// and recorded there.
    fn count_files(&mut self, keys: &BTreeSet<FileKey>) -> anyhow::Result<()> {
        let todo: Vec<FileKey> = keys
            .iter()
            .filter(|k| !self.counted.full.contains_key(*k))
            .cloned()
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let ids = todo
            .iter()
            .map(|(n, v)| {
                Ok(CrateId {
                    name: n.clone(),
                    version: v.to_string(),
                    cksum: self.cksum(n, v)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cache_dir = &self.session.cache_dir;
        let cached: Vec<Option<CrateLines>> = ids
            .par_iter()
            .map(|id| file_counts::load(cache_dir, &id.name, &id.version, &id.cksum))
            .collect();
        let mut misses: Vec<(&CrateId, &FileKey)> = Vec::new();
        for ((id, key), lines) in ids.iter().zip(&todo).zip(cached) {
            match lines {
                Some(lines) => {
                    self.counted.full.insert(key.clone(), Arc::new(lines));
                }
                None => misses.push((id, key)),
            }
        }
        if misses.is_empty() {
            return Ok(());
        }
        let source = self.session.source.as_ref();
        let fetch: Vec<CrateId> = misses.iter().map(|(id, _)| (*id).clone()).collect();
        pricing::fetch_all(source, &fetch, self.shell)?;
        let counted = misses
            .par_iter()
            .map(|(id, key)| {
                let bytes = source.crate_bytes(&id.name, &id.version, &id.cksum)?;
                let lines = count_crate_lines(
                    &bytes,
                    &crate_prefix(&id.name, &id.version),
                    ArchiveLimits::default(),
                )
                .with_context(|| format!("cannot count lines of {} {}", id.name, id.version))?;
                // a cache that cannot be written only costs the next run this count
                let _ = file_counts::save(cache_dir, &id.name, &id.version, &id.cksum, &lines);
                Ok(((*key).clone(), Arc::new(lines)))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.counted.full.extend(counted);
        Ok(())
    }

    /// Exact counts (git for deltas) of every audit not counted yet.
    fn count_deltas(&mut self, audits: &BTreeSet<AuditKey>) -> anyhow::Result<()> {
        let todo: Vec<AuditKey> = audits
            .iter()
            .filter(|a| !self.counted.exact.contains_key(*a))
            .cloned()
            .collect();
        if todo.is_empty() {
            // nothing to diff: skip loading and rewriting the on-disk count cache
            return Ok(());
        }
        let mut files = BTreeSet::new();
        for (n, from, to) in &todo {
            files.insert((n.clone(), to.clone()));
            if let Some(f) = from {
                files.insert((n.clone(), f.clone()));
            }
        }
        self.count_files(&files)?;
        let cache_dir = &self.session.cache_dir;
        let git = GitDiffer::new(&cache_dir.join("diff-work"))?;
        let counter = AuditLineCounter::new(
            self.session.source.as_ref(),
            Some(git),
            LineCountCache::load(cache_dir).unwrap_or_default(),
        );
        let counted = todo
            .par_iter()
            .map(|key| {
                let (n, from, to) = key;
                let lines = match from {
                    None => self.counted.full[&(n.clone(), to.clone())].total,
                    Some(f) => {
                        let (fv, tv) = (f.to_string(), to.to_string());
                        let (fc, tc) = (self.cksum(n, f)?, self.cksum(n, to)?);
                        counter
                            .count(
                                n,
                                Some(VersionRef {
                                    version: &fv,
                                    cksum: &fc,
                                }),
                                VersionRef {
                                    version: &tv,
                                    cksum: &tc,
                                },
                            )
                            .with_context(|| format!("cannot count lines of {n} {f} -> {to}"))?
                            .stat
                            .count()
                    }
                };
                Ok((key.clone(), lines))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if let Err(e) = counter.into_cache().save(cache_dir) {
            self.shell
                .warn(format!("could not save the line-count cache: {e}"));
        }
        self.counted.exact.extend(counted);
        Ok(())
    }

    /// Exact when counted, else a proven lower bound. (Deltas an earlier run counted are not
    /// taken as exact before this search asks for them: the search, and so the lock among
    /// equally good ones, must not depend on what the cache dir happens to hold.
    /// `count_deltas` reads them from there instead of diffing.)
    fn figure(&self, key: &AuditKey) -> Option<(u64, bool)> {
        if let Some(&n) = self.counted.exact.get(key) {
            return Some((n, true));
        }
        let (n, from, to) = key;
        let new = self.counted.full.get(&(n.clone(), to.clone()))?;
        match from {
            None => Some((new.total, true)),
            Some(f) => Some((
                delta_lower_bound(self.counted.full.get(&(n.clone(), f.clone()))?, new),
                false,
            )),
        }
    }

    /// Its counts do not go back to a what-if's store.
    fn fork(&self) -> Self {
        CrateCounts {
            session: self.session,
            checksums: self.checksums,
            shell: self.shell,
            counted: self.counted.clone(),
            keep: None,
        }
    }

    fn absorb(&mut self, fork: &mut Self) {
        self.counted.full.append(&mut fork.counted.full);
        self.counted.exact.append(&mut fork.counted.exact);
    }

    fn tally(&self) -> (usize, usize) {
        (self.counted.full.len(), self.counted.exact.len())
    }
}

/// The search's notes as verbose status lines, timed from when the search started.
pub struct ShellProgress<'a> {
    pub shell: &'a Shell,
    pub started: Instant,
}

impl Progress for ShellProgress<'_> {
    fn note(&self, label: &str, text: String) {
        self.shell.verbose(label, text);
    }
    fn warn(&self, text: String) {
        self.shell.warn(text);
    }
    fn before_solve(&self) {
        super::memory::return_free_memory();
    }
    fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
