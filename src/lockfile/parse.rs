//! Cargo.lock text -> [`Lockfile`].
//!
//! Phases: (1) parse TOML with spans (`toml::de::DeTable`), so every later error can name a
//! line; (2) read the header and detect the format version (unversioned v1/v2 are refused); (3) read packages,
//! unused patches and metadata; (4) resolve every dependency string to the one package it names,
//! using the same rule Cargo writes them with (name alone, name + version, or all three).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{
    source_without_precise, DependencyRef, DependencySpec, LockedPackage, Lockfile, LockfileError,
    PackageId, UnusedPatch,
};

const KNOWN_TOP_LEVEL: &[&str] = &["version", "package", "root", "metadata", "patch"];

/// Parse the text of a Cargo.lock; `path` is only used to name the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Lockfile, LockfileError> {
    let line_starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let p = Ctx { path, line_starts };
    let doc = DeTable::parse(text).map_err(|e| LockfileError::Syntax {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| p.line(s.start)),
        message: e.message().trim_end().to_string(),
    })?;
    let doc = doc.get_ref();

    let header_comments = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(str::to_string)
        .collect();

    let metadata = match doc.get("metadata") {
        Some(m) => p.metadata(m)?,
        None => BTreeMap::new(),
    };
    let version = p.format_version(doc, &metadata)?;

    let mut packages = Vec::new();
    let mut raw_deps = Vec::new();
    if let Some(list) = doc.get("package") {
        for entry in p.array_of_tables(list, "package")? {
            let (pkg, deps) = p.package(entry)?;
            packages.push(pkg);
            raw_deps.push(deps);
        }
    }

    let mut patch_unused = Vec::new();
    if let Some(patch) = doc.get("patch") {
        let table = p.table(patch, "patch")?;
        if let Some(unused) = table.get("unused") {
            for entry in p.array_of_tables(unused, "patch.unused")? {
                let (pkg, _) = p.package(entry)?;
                patch_unused.push(UnusedPatch {
                    id: pkg.id,
                    checksum: pkg.checksum,
                });
            }
        }
    }

    resolve_dependencies(&p, &mut packages, raw_deps)?;

    let mut extra = toml::Table::new();
    if doc
        .iter()
        .any(|(k, _)| !KNOWN_TOP_LEVEL.contains(&k.get_ref().as_ref()))
    {
        // Rare: re-read through serde to get owned values for the unknown keys.
        if let Ok(all) = toml::from_str::<toml::Table>(text) {
            for (k, v) in all {
                if !KNOWN_TOP_LEVEL.contains(&k.as_str()) {
                    extra.insert(k, v);
                }
            }
        }
    }

    Ok(Lockfile {
        version,
        header_comments,
        packages,
        patch_unused,
        metadata,
        extra,
    })
}

/// A dependency string still to be resolved: its text, its parts and its line.
struct RawDep {
    raw: String,
    spec: DependencySpec,
    line: usize,
    /// The `replace = ...` value rather than a `dependencies` entry.
    is_replace: bool,
}

struct Ctx<'a> {
    path: &'a Path,
    /// Byte offset of the first byte of every line.
    line_starts: Vec<usize>,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        // Number of line starts at or before `offset` = 1-based line.
        self.line_starts.partition_point(|&start| start <= offset)
    }

    fn invalid(&self, offset: usize, message: String, hint: &str) -> LockfileError {
        LockfileError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line(offset),
            message,
            hint: hint.to_string(),
        }
    }

    fn damaged(&self, offset: usize, message: String) -> LockfileError {
        self.invalid(
            offset,
            message,
            "the lock file was edited by hand or damaged; restore it from version control, or run `cargo update --workspace` to let Cargo rewrite it",
        )
    }

    fn table<'t, 'i>(
        &self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<&'t DeTable<'i>, LockfileError> {
        value.get_ref().as_table().ok_or_else(|| {
            self.damaged(
                value.span().start,
                format!(
                    "`{what}` must be a table, found {}",
                    value.get_ref().type_str()
                ),
            )
        })
    }

    fn array_of_tables<'t, 'i>(
        &self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<Vec<&'t Spanned<DeValue<'i>>>, LockfileError> {
        let Some(items) = value.get_ref().as_array() else {
            return Err(self.damaged(
                value.span().start,
                format!("`{what}` must be an array of tables (`[[{what}]]`)"),
            ));
        };
        Ok(items.iter().collect())
    }

    fn string<'t>(
        &self,
        table: &'t DeTable<'_>,
        key: &str,
        at: usize,
        required: bool,
    ) -> Result<Option<(&'t str, usize)>, LockfileError> {
        match table.get(key) {
            None if required => Err(self.damaged(at, format!("package entry has no `{key}`"))),
            None => Ok(None),
            Some(v) => match v.get_ref().as_str() {
                Some(s) => Ok(Some((s, v.span().start))),
                None => Err(self.damaged(
                    v.span().start,
                    format!("`{key}` must be a string, found {}", v.get_ref().type_str()),
                )),
            },
        }
    }

    fn metadata(
        &self,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<BTreeMap<String, String>, LockfileError> {
        let table = self.table(value, "metadata")?;
        let mut out = BTreeMap::new();
        for (k, v) in table.iter() {
            let Some(s) = v.get_ref().as_str() else {
                return Err(self.damaged(
                    v.span().start,
                    format!(
                        "`metadata.{}` must be a string, found {} (Cargo only accepts strings here)",
                        k.get_ref(),
                        v.get_ref().type_str()
                    ),
                ));
            };
            out.insert(k.get_ref().to_string(), s.to_string());
        }
        Ok(out)
    }

    fn format_version(
        &self,
        doc: &DeTable<'_>,
        metadata: &BTreeMap<String, String>,
    ) -> Result<Option<u32>, LockfileError> {
        let regenerate = "this Cargo.lock format is not one Cargo 1.95 writes by default; use a lock written by a stable Cargo (`version = 3` or `version = 4`)";
        let unsupported = |found: String| LockfileError::UnsupportedVersion {
            path: self.path.to_path_buf(),
            found,
            hint: regenerate.to_string(),
        };
        match doc.get("version") {
            Some(v) => {
                let n = v
                    .get_ref()
                    .as_integer()
                    .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
                match n {
                    Some(3) => Ok(Some(3)),
                    Some(4) => Ok(Some(4)),
                    Some(n) => Err(unsupported(format!(
                        "{n} (line {})",
                        self.line(v.span().start)
                    ))),
                    None => {
                        Err(self
                            .damaged(v.span().start, "`version` must be an integer".to_string()))
                    }
                }
            }
            None => {
                // No version key: v1 (checksums in [metadata], or a [root] table) or v2. Cargo
                // 1.95 rewrites both as v3/v4 the next time it touches the lock (checked: any
                // `cargo metadata` run does), so there is no "byte-identical" v1/v2 to produce.
                let v1 = doc.get("root").is_some()
                    || metadata.keys().any(|k| k.starts_with("checksum "));
                Err(LockfileError::UnsupportedVersion {
                    path: self.path.to_path_buf(),
                    found: if v1 { "1" } else { "2" }.to_string(),
                    hint: "this lock has no `version = N` line (an old format that current Cargo rewrites on its next run); let Cargo upgrade it first with `cargo metadata --format-version 1 > /dev/null` (keeps every locked version), then run cargo-minaudit again".to_string(),
                })
            }
        }
    }

    fn package(
        &self,
        entry: &Spanned<DeValue<'_>>,
    ) -> Result<(LockedPackage, Vec<RawDep>), LockfileError> {
        let at = entry.span().start;
        let table = self.table(entry, "package")?;
        let (name, _) = self.string(table, "name", at, true)?.unwrap_or(("", at));
        let (version_text, version_at) =
            self.string(table, "version", at, true)?.unwrap_or(("", at));
        let version = semver::Version::parse(version_text).map_err(|e| {
            self.damaged(
                version_at,
                format!("package `{name}` has an invalid version `{version_text}`: {e}"),
            )
        })?;
        let source = self
            .string(table, "source", at, false)?
            .map(|(s, _)| s.to_string());
        let checksum = self
            .string(table, "checksum", at, false)?
            .map(|(s, _)| s.to_string());

        let mut deps = Vec::new();
        if let Some(list) = table.get("dependencies") {
            let Some(items) = list.get_ref().as_array() else {
                return Err(self.damaged(
                    list.span().start,
                    format!("`dependencies` of `{name}` must be an array of strings"),
                ));
            };
            for item in items.iter() {
                deps.push(self.dependency_string(item, name)?);
            }
        }
        let replace = match table.get("replace") {
            Some(r) => Some(self.dependency_string(r, name)?),
            None => None,
        };
        let pkg = LockedPackage {
            id: PackageId {
                name: name.to_string(),
                version,
                source,
            },
            checksum,
            dependencies: Vec::new(),
            replace: None,
            line: self.line(at),
        };
        let mut all = deps;
        if let Some(r) = replace {
            all.push(RawDep {
                is_replace: true,
                ..r
            });
        }
        Ok((pkg, all))
    }

    fn dependency_string(
        &self,
        item: &Spanned<DeValue<'_>>,
        owner: &str,
    ) -> Result<RawDep, LockfileError> {
        let at = item.span().start;
        let Some(raw) = item.get_ref().as_str() else {
            return Err(self.damaged(at, format!("a dependency of `{owner}` must be a string")));
        };
        let spec = match DependencySpec::from_raw(raw) {
            Some(Ok(spec)) => spec,
            Some(Err(e)) => {
                return Err(self.damaged(
                    at,
                    format!("dependency `{raw}` of `{owner}` has an invalid version: {e}"),
                ))
            }
            None => {
                return Err(self.damaged(
                    at,
                    format!("dependency `{raw}` of `{owner}` is not `name [version [(source)]]`"),
                ))
            }
        };
        Ok(RawDep {
            raw: raw.to_string(),
            spec,
            line: self.line(at),
            is_replace: false,
        })
    }
}

/// Point every dependency string at the single package it names.
fn resolve_dependencies(
    p: &Ctx<'_>,
    packages: &mut [LockedPackage],
    raw_deps: Vec<Vec<RawDep>>,
) -> Result<(), LockfileError> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, pkg) in packages.iter().enumerate() {
        by_name.entry(pkg.id.name.as_str()).or_default().push(i);
    }
    let mut resolved: Vec<(Vec<DependencyRef>, Option<DependencyRef>)> = Vec::new();
    for (owner, deps) in packages.iter().zip(raw_deps) {
        let mut list = Vec::new();
        let mut replace = None;
        for dep in deps {
            let mut candidates: Vec<usize> = by_name
                .get(dep.spec.name.as_str())
                .map(|c| {
                    c.iter()
                        .copied()
                        .filter(|&i| matches(&packages[i].id, &dep.spec))
                        .collect()
                })
                .unwrap_or_default();
            if candidates.len() > 1 && dep.spec.version.is_some() && dep.spec.source.is_none() {
                // Path packages have no source to write, so `name version` with several
                // same-version candidates names the path one (Cargo reads it the same way).
                candidates.retain(|&i| packages[i].id.source.is_none());
            }
            let line = dep.line;
            let target = match candidates.as_slice() {
                [one] => packages[*one].id.clone(),
                [] => {
                    return Err(LockfileError::Invalid {
                        path: p.path.to_path_buf(),
                        line,
                        message: format!(
                            "dependency `{}` of `{} {}` names no package in the lock file",
                            dep.raw, owner.id.name, owner.id.version
                        ),
                        hint: "the lock file is inconsistent (a bad merge?); restore it from version control, or run `cargo update --workspace` to let Cargo repair it".to_string(),
                    })
                }
                _ => {
                    return Err(LockfileError::Invalid {
                        path: p.path.to_path_buf(),
                        line,
                        message: format!(
                            "dependency `{}` of `{} {}` is ambiguous: {} packages match",
                            dep.raw,
                            owner.id.name,
                            owner.id.version,
                            candidates.len()
                        ),
                        hint: "the lock file is inconsistent (a bad merge?); run `cargo update --workspace` to let Cargo repair it".to_string(),
                    })
                }
            };
            let r = DependencyRef {
                raw: dep.raw,
                parsed: dep.spec,
                target,
            };
            if dep.is_replace {
                replace = Some(r);
            } else {
                list.push(r);
            }
        }
        resolved.push((list, replace));
    }
    for (pkg, (deps, replace)) in packages.iter_mut().zip(resolved) {
        pkg.dependencies = deps;
        pkg.replace = replace;
    }
    Ok(())
}

fn matches(id: &PackageId, spec: &DependencySpec) -> bool {
    if let Some(v) = &spec.version {
        if &id.version != v {
            return false;
        }
    }
    match (&spec.source, &id.source) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(want), Some(have)) => {
            let have = source_without_precise(have);
            // v2 locks name `?branch=master` git sources without the query.
            have == want || have.strip_suffix("?branch=master") == Some(want.as_str())
        }
    }
}
