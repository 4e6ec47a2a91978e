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
//!
//! `--count code` adds a third step, only for the audits suggest finally chose (parallel): each
//! version's files are classified by [`code_count`] from its own normalized `Cargo.toml`; a
//! full audit sums its lib and build-script files, a delta sums the `git diff --numstat` rows
//! (the same rows whose sum is the vet count) whose path is lib or build-script code in the new
//! version, or in the old version for a deleted file. Bins are summed apart. A manifest that
//! cannot be read makes that audit's code count *unknown* (with the reason), never 0; a failed
//! download or diff is an error as for the vet count. Code counts are not cached yet (the
//! tar-stream part is cheap; deltas run git once more).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use rayon::prelude::*;

use crate::index::Index;
use crate::price::archive::{crate_prefix, walk};
use crate::price::audit_lines::{AuditLineCounter, VersionRef};
use crate::price::cache::{DiffKey, LineCountCache};
use crate::price::code_count::{code_count, CodeCount, CodeRole, FileClass};
use crate::price::crate_source::{prefetch, CrateId, CrateSource};
use crate::price::diffstat::{CrateArchive, GitDiffer, NumstatRow};
use crate::price::linecount::count_crate_lines;
use crate::price::{ArchiveError, ArchiveLimits};
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
pub type AuditKey = (String, Option<semver::Version>, semver::Version);

/// Lines of an audit per code role (the rest of its lines are not code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeSplit {
    pub lib: u64,
    pub build: u64,
    pub bin: u64,
}

impl CodeSplit {
    /// What a dependency compiles: lib + build script (bins are not built for dependents).
    pub fn code(&self) -> u64 {
        self.lib + self.build
    }

    fn add(&mut self, role: CodeRole, lines: u64) {
        match role {
            CodeRole::Lib => self.lib += lines,
            CodeRole::BuildScript => self.build += lines,
            CodeRole::Bin => self.bin += lines,
        }
    }
}

/// An audit's code count, or why it is unknown (a manifest that cannot be classified).
pub type CodeFigure = Result<CodeSplit, String>;

/// The code split of a full audit: the classified files of the version.
pub fn split_full(count: &CodeCount) -> CodeSplit {
    CodeSplit {
        lib: count.lib_lines,
        build: count.build_lines,
        bin: count.bin_lines,
    }
}

/// The code split of a delta (pure): each numstat row is classified by its path in the new
/// version, or in the old version when the file was deleted. A row naming a file the
/// classification does not know is an error (the trees and the rows disagree).
pub fn split_rows(
    rows: &[NumstatRow],
    old: &CodeCount,
    new: &CodeCount,
) -> Result<CodeSplit, String> {
    let class_in = |count: &CodeCount, path: &str| {
        count.files.iter().find(|f| f.path == path).map(|f| f.class)
    };
    let mut split = CodeSplit::default();
    for row in rows {
        let side = if row.deleted { old } else { new };
        let class = class_in(side, &row.path).ok_or_else(|| {
            format!(
                "git reports `{}` but the {} version has no such file",
                row.path,
                if row.deleted { "old" } else { "new" }
            )
        })?;
        if let FileClass::Code(role) = class {
            split.add(role, row.count());
        }
    }
    Ok(split)
}

/// `Cargo.toml` of a `.crate` (the normalized manifest cargo publishes), if present.
fn manifest_text(bytes: &[u8], prefix: &str) -> Result<Option<String>, ArchiveError> {
    let mut text = None;
    walk(bytes, prefix, ArchiveLimits::default(), |entry, reader| {
        if entry.rel_path == "Cargo.toml" {
            // a manifest is read whole: far below this in any real crate
            const MAX_MANIFEST_BYTES: u64 = 16 << 20;
            let mut buf = Vec::new();
            std::io::Read::take(reader, MAX_MANIFEST_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| ArchiveError::Corrupt {
                    entry: Some(entry.rel_path.clone()),
                    message: e.to_string(),
                })?;
            if buf.len() as u64 > MAX_MANIFEST_BYTES {
                return Err(ArchiveError::TooLarge {
                    entry: entry.rel_path.clone(),
                    limit: MAX_MANIFEST_BYTES,
                    what: "bytes in Cargo.toml",
                });
            }
            text = Some(String::from_utf8_lossy(&buf).into_owned());
        }
        Ok::<(), ArchiveError>(())
    })?;
    Ok(text)
}

/// Classifies every file of one `.crate` (outer error: the archive; inner: the manifest).
pub fn classify_crate(
    name: &str,
    version: &str,
    bytes: &[u8],
) -> Result<Result<CodeCount, String>, ArchiveError> {
    let prefix = crate_prefix(name, version);
    let lines = count_crate_lines(bytes, &prefix, ArchiveLimits::default())?;
    let label = format!("{prefix}/Cargo.toml");
    let Some(manifest) = manifest_text(bytes, &prefix)? else {
        return Ok(Err(format!("{label}: missing from the .crate file")));
    };
    Ok(code_count(&manifest, &lines.files, &label).map_err(|e| e.to_string()))
}

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
    let mut published = PublishedVersions::new();
    let mut checksums = Checksums::new();
    let missing = record_registry_facts(index.load_crates(&names)?, &mut published, &mut checksums);
    if let Some(name) = missing.first() {
        anyhow::bail!(
            "crate `{name}` is locked but the registry ({}) does not have it\nhint: check the registry or source replacement in .cargo/config.toml",
            index.describe()
        );
    }
    Ok((published, checksums))
}

/// Records every published version (yanked too, as cargo-vet reads the index) and its
/// checksum; returns the names the registry does not have.
pub fn record_registry_facts(
    loaded: BTreeMap<String, Option<crate::index::IndexCrate>>,
    published: &mut PublishedVersions,
    checksums: &mut Checksums,
) -> Vec<String> {
    let mut missing = Vec::new();
    for (name, krate) in loaded {
        let Some(krate) = krate else {
            missing.push(name);
            continue;
        };
        let versions = published.entry(name.clone()).or_default();
        for v in krate.versions {
            versions.insert(v.version.clone());
            checksums.insert((name.clone(), v.version), v.cksum);
        }
    }
    missing
}

/// Downloads (or finds in a cache) every crate file, checksum-verified, on 8 threads with a
/// progress bar; the first failure is the error.
pub fn fetch_all(source: &dyn CrateSource, ids: &[CrateId], shell: &Shell) -> anyhow::Result<()> {
    let bar = shell.progress("Fetching", ids.len() as u64);
    let results = prefetch(source, ids, 8, &|p| {
        bar.set_position(p.done as u64);
        bar.set_message(format!("{} {}", p.item.name, p.item.version));
    });
    bar.finish_and_clear();
    for result in results {
        result?;
    }
    Ok(())
}

pub struct Pricer<'a> {
    pub source: &'a dyn CrateSource,
    pub checksums: &'a Checksums,
    pub cache_dir: &'a Path,
    pub shell: &'a Shell,
}

/// One version's classification, or why its manifest could not be read.
type Classified = std::sync::Arc<Result<CodeCount, String>>;

/// Classification per (crate, version), shared by the audits that touch it.
type ClassCache = Mutex<BTreeMap<(String, semver::Version), Classified>>;

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

    /// `--plan joint`: the cheapest audits covering the versions `outcome` suggests audits
    /// for, every delta between two of them counted exactly first (None: nothing to audit).
    pub fn joint_plan(
        &self,
        outcome: &SuggestOutcome,
    ) -> anyhow::Result<Option<Vec<crate::vet::suggest::SuggestedAudit>>> {
        let SuggestOutcome::Suggestions { audits, .. } = outcome else {
            return Ok(None);
        };
        let wanted: BTreeSet<AuditKey> = crate::vet::joint::candidate_deltas(audits)
            .into_iter()
            .map(|(krate, from, to)| (krate, Some(from), to))
            .collect();
        let counts = match wanted.is_empty() {
            true => BTreeMap::new(),
            false => self.count_all(&wanted)?,
        };
        let lookup = |krate: &str, from: &semver::Version, to: &semver::Version| {
            counts
                .get(&(krate.to_owned(), Some(from.clone()), to.clone()))
                .copied()
        };
        Ok(Some(crate::vet::joint::plan(audits, &lookup)))
    }

    /// The code count of every audit `outcome` suggests (step 3 of the module header).
    pub fn code_counts(
        &self,
        outcome: &SuggestOutcome,
    ) -> anyhow::Result<BTreeMap<AuditKey, CodeFigure>> {
        let SuggestOutcome::Suggestions { audits, .. } = outcome else {
            return Ok(BTreeMap::new());
        };
        let keys: BTreeSet<AuditKey> = audits
            .iter()
            .map(|a| {
                (
                    a.krate.clone(),
                    a.from.as_ref().map(|f| f.semver.clone()),
                    a.to.semver.clone(),
                )
            })
            .collect();
        let git = GitDiffer::new(&self.cache_dir.join("diff-work"))?;
        let classes: ClassCache = Mutex::default();
        let bar = self.shell.progress("Classifying", keys.len() as u64);
        let counted = keys
            .par_iter()
            .map(|key| {
                let figure = self.code_count_of(key, &git, &classes).with_context(|| {
                    let (krate, from, to) = key;
                    match from {
                        Some(f) => format!("cannot count code lines of {krate} {f} -> {to}"),
                        None => format!("cannot count code lines of {krate} {to}"),
                    }
                })?;
                bar.inc(1);
                Ok((key.clone(), figure))
            })
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
        bar.finish_and_clear();
        Ok(counted)
    }

    fn classified(
        &self,
        krate: &str,
        version: &semver::Version,
        classes: &ClassCache,
    ) -> anyhow::Result<(Vec<u8>, Classified)> {
        let v = version.to_string();
        let bytes = self
            .source
            .crate_bytes(krate, &v, self.checksum(krate, version)?)?;
        let key = (krate.to_owned(), version.clone());
        if let Some(done) = classes.lock().expect("not poisoned").get(&key) {
            return Ok((bytes, done.clone()));
        }
        let count = std::sync::Arc::new(classify_crate(krate, &v, &bytes).map_err(|source| {
            crate::price::PriceError::Archive {
                name: krate.to_owned(),
                version: v.clone(),
                error: source,
            }
        })?);
        classes
            .lock()
            .expect("not poisoned")
            .insert(key, count.clone());
        Ok((bytes, count))
    }

    fn code_count_of(
        &self,
        key: &AuditKey,
        git: &GitDiffer,
        classes: &ClassCache,
    ) -> anyhow::Result<CodeFigure> {
        let (krate, from, to) = key;
        let (new_bytes, new) = self.classified(krate, to, classes)?;
        let Some(from) = from else {
            return Ok(new.as_ref().as_ref().map(split_full).map_err(Clone::clone));
        };
        let (old_bytes, old) = self.classified(krate, from, classes)?;
        let (old, new) = match (old.as_ref(), new.as_ref()) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e.clone())),
        };
        let from_s = from.to_string();
        let to_s = to.to_string();
        let rows = git.diff_crates_rows(
            krate,
            Some(CrateArchive {
                version: &from_s,
                bytes: &old_bytes,
            }),
            CrateArchive {
                version: &to_s,
                bytes: &new_bytes,
            },
        )?;
        Ok(split_rows(&rows, old, new))
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
        let cache = LineCountCache::load(self.cache_dir).unwrap_or_default();
        // only the files of audits no earlier run counted are fetched (and read)
        let mut crates: BTreeSet<(String, semver::Version)> = BTreeSet::new();
        let mut counted_before = 0;
        for (krate, from, to) in wanted {
            let (fv, tv) = (from.as_ref().map(|f| f.to_string()), to.to_string());
            let from_side = match (&fv, from) {
                (Some(v), Some(f)) => Some((v.as_str(), self.checksum(krate, f)?)),
                _ => None,
            };
            let key = DiffKey::new(krate, from_side, (&tv, self.checksum(krate, to)?));
            if cache.get(&key).is_some() {
                counted_before += 1;
                continue;
            }
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
        fetch_all(self.source, &ids, self.shell)?;
        self.shell.status(
            "Fetched",
            format!(
                "{} crate files (checksums verified; {counted_before} of {} audits counted before)",
                ids.len(),
                wanted.len()
            ),
        );

        let git = GitDiffer::new(&self.cache_dir.join("diff-work"))?;
        let counter = AuditLineCounter::new(self.source, Some(git), cache);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.crate` of `name`-`version`: a plain manifest and `src/lib.rs`, then `files`
    /// (path, content; a number is that many synthetic lines), which may replace them.
    fn crate_bytes(name: &str, version: &str, files: &[(&str, File<'_>)]) -> Vec<u8> {
        let mut tree: BTreeMap<String, String> = BTreeMap::new();
        tree.insert(
            "Cargo.toml".into(),
            format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n"),
        );
        tree.insert("src/lib.rs".into(), "pub fn f() {}\n".into());
        for (path, file) in files {
            let text = match file {
                File::Text(t) => t.to_string(),
                File::Lines(n) => (1..=*n).map(|i| format!("// {path} line {i}\n")).collect(),
            };
            tree.insert(path.to_string(), text);
        }
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (path, text) in tree {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, format!("{name}-{version}/{path}"), text.as_bytes())
                .expect("append");
        }
        tar.into_inner().expect("tar").finish().expect("gzip")
    }

    enum File<'a> {
        Text(&'a str),
        Lines(usize),
    }

    fn row(path: &str, deleted: bool, ins: u64, del: u64) -> NumstatRow {
        NumstatRow {
            path: path.to_string(),
            deleted,
            insertions: ins,
            deletions: del,
            binary: false,
        }
    }

    fn classified(
        name: &str,
        version: &str,
        files: &[(&str, File<'_>)],
    ) -> Result<CodeCount, String> {
        let bytes = crate_bytes(name, version, files);
        classify_crate(name, version, &bytes).expect("archive reads")
    }

    #[test]
    fn a_malformed_manifest_makes_the_code_count_unknown_not_zero() {
        let err = classified(
            "broken",
            "1.0.0",
            &[
                ("Cargo.toml", File::Text("[package\nname = 1\n")),
                ("src/imp.rs", File::Lines(50)),
            ],
        )
        .expect_err("unknown");
        assert!(
            err.starts_with("broken-1.0.0/Cargo.toml:1:"),
            "names the manifest and line: {err}"
        );
    }

    #[test]
    fn delta_rows_are_classified_by_the_side_that_has_the_file() {
        // Old: lib.rs, a.rs (lib), gone.rs (lib), tests/t.rs. New: lib.rs, a.rs, build.rs,
        // README.md, tests/t.rs.
        let old = classified(
            "x",
            "1.0.0",
            &[
                ("src/a.rs", File::Lines(10)),
                ("src/gone.rs", File::Lines(7)),
                ("tests/t.rs", File::Lines(3)),
            ],
        )
        .expect("old");
        let new = classified(
            "x",
            "1.1.0",
            &[
                ("src/a.rs", File::Lines(12)),
                ("build.rs", File::Lines(4)),
                ("README.md", File::Lines(9)),
                ("tests/t.rs", File::Lines(5)),
            ],
        )
        .expect("new");
        let rows = [
            row("src/lib.rs", false, 2, 2),
            row("src/a.rs", false, 2, 0),
            row("src/gone.rs", true, 0, 7),
            row("build.rs", false, 4, 0),
            row("README.md", false, 9, 0),
            row("tests/t.rs", false, 2, 0),
            row("Cargo.toml", false, 3, 3),
        ];
        let split = split_rows(&rows, &old, &new).expect("split");
        // Hand sum: lib 2+2 + 2 + 7 (deleted, old side) = 13; build 4; the rest is not code.
        assert_eq!(
            split,
            CodeSplit {
                lib: 13,
                build: 4,
                bin: 0
            }
        );
        assert_eq!(split.code(), 17);
        // A deleted row looked up on the new side does not exist there: an error, not 0.
        let err = split_rows(&[row("src/gone.rs", false, 0, 7)], &old, &new).expect_err("bad");
        assert!(err.contains("src/gone.rs"), "{err}");
    }
}
