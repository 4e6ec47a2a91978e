//! One entry point for "what does this audit cost in lines" (IO edge, composes the others).
//!
//! Order of lookup, cheapest first:
//! 1. our [`LineCountCache`] (keyed by checksums, so always safe to reuse);
//! 2. compute: a full audit from the tar stream ([`count_crate_lines`], equal to git's count,
//!    checked in the tests and on 21 real crates), a delta through git ([`GitDiffer`]), the only
//!    way to reproduce git's rename detection and xdiff heuristics exactly.
//!
//! Computed figures go into our cache; the caller saves it ([`LineCountCache::save`]).
//! `count` takes `&self`, so callers may price many audits from a thread pool.

use std::sync::Mutex;

use super::archive::crate_prefix;
use super::cache::{DiffKey, LineCountCache};
use super::crate_source::CrateSource;
use super::diffstat::{CrateArchive, DiffStat, GitDiffer};
use super::linecount::count_crate_lines;
use super::{ArchiveLimits, PriceError};

/// One side of an audit: a published version and its index checksum.
#[derive(Debug, Clone, Copy)]
pub struct VersionRef<'a> {
    pub version: &'a str,
    pub cksum: &'a str,
}

/// Where a figure came from, for reports that say how they know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountOrigin {
    OurCache,
    TarStream,
    Git,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditLines {
    pub stat: DiffStat,
    pub origin: CountOrigin,
}

pub struct AuditLineCounter<'a> {
    source: &'a dyn CrateSource,
    git: Option<GitDiffer>,
    cache: Mutex<LineCountCache>,
    limits: ArchiveLimits,
}

impl<'a> AuditLineCounter<'a> {
    /// `git` may be `None` when only full audits will be priced.
    pub fn new(source: &'a dyn CrateSource, git: Option<GitDiffer>, cache: LineCountCache) -> Self {
        AuditLineCounter {
            source,
            git,
            cache: Mutex::new(cache),
            limits: ArchiveLimits::default(),
        }
    }

    /// Lines of auditing `name` from `from` (`None` = full audit) to `to`.
    pub fn count(
        &self,
        name: &str,
        from: Option<VersionRef<'_>>,
        to: VersionRef<'_>,
    ) -> Result<AuditLines, PriceError> {
        let key = DiffKey::new(
            name,
            from.map(|f| (f.version, f.cksum)),
            (to.version, to.cksum),
        );
        if let Some(stat) = self.cache.lock().ok().and_then(|c| c.get(&key)) {
            return Ok(AuditLines {
                stat,
                origin: CountOrigin::OurCache,
            });
        }
        let new_bytes = self.source.crate_bytes(name, to.version, to.cksum)?;
        let (stat, origin) = match from {
            None => {
                let counted =
                    count_crate_lines(&new_bytes, &crate_prefix(name, to.version), self.limits)
                        .map_err(|source| PriceError::Archive {
                            name: name.to_owned(),
                            version: to.version.to_owned(),
                            error: source,
                        })?;
                let stat = DiffStat {
                    insertions: counted.total,
                    deletions: 0,
                    files_changed: counted.files.len() as u64,
                };
                (stat, CountOrigin::TarStream)
            }
            Some(f) => {
                let git = self.git.as_ref().ok_or_else(|| PriceError::Git {
                    message: format!(
                        "a delta count ({name} {} -> {}) needs git, and none was set up",
                        f.version, to.version
                    ),
                })?;
                let old_bytes = self.source.crate_bytes(name, f.version, f.cksum)?;
                let stat = git.diff_crates(
                    name,
                    Some(CrateArchive {
                        version: f.version,
                        bytes: &old_bytes,
                    }),
                    CrateArchive {
                        version: to.version,
                        bytes: &new_bytes,
                    },
                )?;
                (stat, CountOrigin::Git)
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, stat);
        }
        Ok(AuditLines { stat, origin })
    }

    /// The cache with everything counted so far, for [`LineCountCache::save`].
    pub fn into_cache(self) -> LineCountCache {
        self.cache
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
