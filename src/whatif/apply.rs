//! Applying a scenario to the optimiser's inputs (pure): the model roots for `add` / `remove` /
//! `require`, an in-memory copy of the cargo-vet store for `certify` / `trust` /
//! `trust-publisher` / `import` (import texts already read by the caller).

use semver::Version;

use crate::index::IndexDep;
use crate::model::Roots;
use crate::vet::format::{AuditEntry, AuditKind, PublisherId, TrustEntry, VetDate, VetVersion};
use crate::vet::store::{ImportMerge, Store};

use super::{Scenario, SpecError};

/// Who the pretended audits name (never written anywhere).
const WHO: &str = "cargo minaudit what-if";

/// `add` / `remove` / `require` on `roots`, whose first `members.len()` packages are the
/// workspace members in that order (as `optimise::roots_from_workspace` builds them).
pub fn apply_to_roots(
    roots: &mut Roots,
    members: &[String],
    scenario: &Scenario,
) -> Result<(), SpecError> {
    if roots.packages.len() < members.len()
        || roots
            .packages
            .iter()
            .zip(members)
            .any(|(r, m)| &r.name != m)
    {
        return Err("internal: the model roots do not start with the workspace members".into());
    }
    let member_roots = &mut roots.packages[..members.len()];
    for name in &scenario.remove {
        let mut found = false;
        for root in member_roots.iter_mut() {
            let before = root.deps.len();
            root.deps.retain(|d| d.crate_name() != name);
            found |= root.deps.len() != before;
        }
        if !found {
            return Err(format!(
                "remove `{name}`: no workspace member depends on it directly (only direct dependencies can be removed)"
            ));
        }
    }
    for r in &scenario.require {
        let mut found = false;
        for root in member_roots.iter_mut() {
            for d in root.deps.iter_mut().filter(|d| d.crate_name() == r.name) {
                d.req = r.req.clone();
                found = true;
            }
        }
        if !found {
            return Err(format!(
                "require `{}@{}`: no workspace member depends on `{}` directly\nhint: use add to introduce a new dependency",
                r.name, r.req, r.name
            ));
        }
    }
    for a in &scenario.add {
        let index = match &a.member {
            None => 0,
            Some(m) => members.iter().position(|n| n == m).ok_or_else(|| {
                format!(
                    "add `{}`: `{m}` is not a workspace member (members: {})",
                    a.name,
                    members.join(", ")
                )
            })?,
        };
        let Some(root) = member_roots.get_mut(index) else {
            return Err(format!("add `{}`: the workspace has no members", a.name));
        };
        if root
            .deps
            .iter()
            .any(|d| d.crate_name() == a.name && d.kind == a.kind)
        {
            return Err(format!(
                "add `{}`: `{}` already depends on it\nhint: use require `{}@REQ` to change the requirement",
                a.name, root.name, a.name
            ));
        }
        root.deps.push(IndexDep {
            features: a.features.clone(),
            default_features: a.default_features,
            kind: a.kind,
            ..IndexDep::normal(&a.name, a.req.clone())
        });
    }
    Ok(())
}

fn pretend_audit(store: &Store, kind: AuditKind) -> AuditEntry {
    AuditEntry {
        who: vec![WHO.to_owned()],
        criteria: vec![store.config.default_criteria.clone()],
        kind,
        importable: false,
        notes: Some("what-if: pretended audit".to_owned()),
        line: None,
    }
}

/// `certify`, `trust`, `trust-publisher` and `import` on a copy of the store. `versions_of`
/// lists a crate's published versions (for `trust`); `import_texts` holds the text of each of
/// the scenario's imports, in order. Pretended audits and trust entries use the store's
/// `default-criteria`, as `cargo vet certify` and `cargo vet trust` do.
pub fn apply_to_store(
    store: &Store,
    scenario: &Scenario,
    versions_of: &dyn Fn(&str) -> Vec<Version>,
    import_texts: &[String],
) -> Result<Store, SpecError> {
    let mut out = store.clone();
    for c in &scenario.certify {
        let kind = match &c.from {
            None => AuditKind::Full {
                version: VetVersion::new(c.to.clone()),
            },
            Some(from) => AuditKind::Delta {
                from: VetVersion::new(from.clone()),
                to: VetVersion::new(c.to.clone()),
            },
        };
        let audit = pretend_audit(&out, kind);
        out.audits
            .audits
            .entry(c.krate.clone())
            .or_default()
            .push(audit);
    }
    for krate in &scenario.trust {
        let versions = versions_of(krate);
        if versions.is_empty() {
            return Err(format!(
                "trust `{krate}`: the registry lists no version of it"
            ));
        }
        for v in versions {
            let audit = pretend_audit(
                &out,
                AuditKind::Full {
                    version: VetVersion::new(v),
                },
            );
            out.audits
                .audits
                .entry(krate.clone())
                .or_default()
                .push(audit);
        }
    }
    for (krate, user) in &scenario.trust_publishers {
        let start = VetDate(jiff::civil::date(1970, 1, 1));
        let end = VetDate(jiff::civil::date(9999, 12, 31));
        out.audits
            .trusted
            .entry(krate.clone())
            .or_default()
            .push(TrustEntry {
                criteria: vec![out.config.default_criteria.clone()],
                source: PublisherId::User(*user),
                start,
                end,
                notes: Some("what-if: pretended trust".to_owned()),
                line: None,
            });
    }
    if import_texts.len() != scenario.imports.len() {
        return Err("internal: one text per import expected".into());
    }
    for ((name, origin), text) in scenario.imports.iter().zip(import_texts) {
        out.with_full_import(name, text, ImportMerge::Union)
            .map_err(|e| format!("import `{name}` ({origin}): {e}"))?;
    }
    Ok(out)
}

/// The crates whose audit entries differ between two stores (local audits, wildcard audits,
/// trusted entries, every imported set, publisher and unpublished rows): only their prices can
/// differ, since a price depends on the crate's own audit graph. `None` when the criteria
/// definitions differ (then every price may change).
pub fn crates_with_other_audits(
    old: &Store,
    new: &Store,
) -> Option<std::collections::BTreeSet<String>> {
    use crate::vet::format::AuditsFile;
    use std::collections::{BTreeMap, BTreeSet};
    if old.audits.criteria != new.audits.criteria
        || old.config.exemptions != new.config.exemptions
        || old.config.policy != new.config.policy
    {
        return None;
    }
    fn diff<T: PartialEq>(
        a: &BTreeMap<String, Vec<T>>,
        b: &BTreeMap<String, Vec<T>>,
        out: &mut BTreeSet<String>,
    ) {
        for k in a.keys().chain(b.keys()) {
            if a.get(k) != b.get(k) {
                out.insert(k.clone());
            }
        }
    }
    fn diff_file(a: &AuditsFile, b: &AuditsFile, out: &mut BTreeSet<String>) {
        diff(&a.audits, &b.audits, out);
        diff(&a.wildcard_audits, &b.wildcard_audits, out);
        diff(&a.trusted, &b.trusted, out);
    }
    let mut out = BTreeSet::new();
    diff_file(&old.audits, &new.audits, &mut out);
    let empty = AuditsFile::default();
    for name in old.imported.keys().chain(new.imported.keys()) {
        let (a, b) = (
            old.imported.get(name).unwrap_or(&empty),
            new.imported.get(name).unwrap_or(&empty),
        );
        if a.criteria != b.criteria {
            return None;
        }
        diff_file(a, b, &mut out);
    }
    diff(&old.imports.publisher, &new.imports.publisher, &mut out);
    diff(&old.imports.unpublished, &new.imports.unpublished, &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::DepKind;
    use crate::model::RootPackage;
    use crate::whatif::{AddDep, Certify, Requirement};
    use semver::VersionReq;

    fn dep(name: &str, req: &str) -> IndexDep {
        IndexDep::normal(name, VersionReq::parse(req).unwrap())
    }

    fn roots() -> Roots {
        Roots {
            packages: vec![
                RootPackage {
                    name: "app".into(),
                    deps: vec![dep("a", "1"), dep("b", "0.3")],
                    links: None,
                },
                RootPackage {
                    name: "core".into(),
                    deps: vec![dep("b", "0.3")],
                    links: None,
                },
                RootPackage {
                    name: "vendored".into(),
                    deps: vec![dep("b", "0.3")],
                    links: None,
                },
            ],
        }
    }

    #[test]
    fn roots_edits_touch_members_only_and_unknown_names_are_errors() {
        let members = ["app".to_string(), "core".to_string()];
        let mut r = roots();
        let s = Scenario {
            remove: vec!["b".into()],
            require: vec![Requirement {
                name: "a".into(),
                req: VersionReq::parse("1.4").unwrap(),
            }],
            add: vec![AddDep {
                name: "c".into(),
                req: VersionReq::parse("2").unwrap(),
                features: vec!["x".into()],
                default_features: true,
                member: Some("core".into()),
                kind: DepKind::Dev,
            }],
            ..Scenario::default()
        };
        apply_to_roots(&mut r, &members, &s).unwrap();
        assert_eq!(r.packages[0].deps.len(), 1);
        assert_eq!(r.packages[0].deps[0].req.to_string(), "^1.4");
        assert_eq!(r.packages[1].deps.len(), 1);
        assert_eq!(r.packages[1].deps[0].name, "c");
        assert_eq!(r.packages[1].deps[0].kind, DepKind::Dev);
        // the non-member keeps its edge: the user cannot edit it
        assert_eq!(r.packages[2].deps.len(), 1);

        for bad in [
            Scenario {
                remove: vec!["zzz".into()],
                ..Scenario::default()
            },
            Scenario {
                require: vec![Requirement {
                    name: "zzz".into(),
                    req: VersionReq::STAR,
                }],
                ..Scenario::default()
            },
            Scenario {
                add: vec![AddDep {
                    name: "a".into(),
                    req: VersionReq::STAR,
                    features: vec![],
                    default_features: true,
                    member: None,
                    kind: DepKind::Normal,
                }],
                ..Scenario::default()
            },
        ] {
            let err = apply_to_roots(&mut roots(), &members, &bad).unwrap_err();
            assert!(err.contains("zzz") || err.contains("already"), "{err}");
        }
    }

    #[test]
    fn store_edits_add_pretended_audits_with_the_default_criteria() {
        let store = Store::from_texts("", "", "").unwrap();
        let s = Scenario {
            certify: vec![
                Certify {
                    krate: "a".into(),
                    from: None,
                    to: Version::new(1, 0, 0),
                },
                Certify {
                    krate: "a".into(),
                    from: Some(Version::new(1, 0, 0)),
                    to: Version::new(1, 1, 0),
                },
            ],
            trust: vec!["b".into()],
            trust_publishers: vec![("c".into(), 7)],
            ..Scenario::default()
        };
        let versions = |n: &str| {
            if n == "b" {
                vec![Version::new(0, 1, 0), Version::new(0, 2, 0)]
            } else {
                vec![]
            }
        };
        let out = apply_to_store(&store, &s, &versions, &[]).unwrap();
        assert_eq!(out.audits.audits["a"].len(), 2);
        assert_eq!(out.audits.audits["b"].len(), 2);
        assert!(out.audits.audits["a"]
            .iter()
            .all(|a| a.criteria == [store.config.default_criteria.clone()]));
        assert_eq!(out.audits.trusted["c"][0].source, PublisherId::User(7));
        // the original is untouched
        assert!(store.audits.audits.is_empty());
        let changed = crates_with_other_audits(&store, &out).expect("same criteria");
        assert_eq!(
            changed.into_iter().collect::<Vec<_>>(),
            ["a", "b", "c"],
            "exactly the crates whose audits changed"
        );
        assert_eq!(
            crates_with_other_audits(&store, &store),
            Some(Default::default())
        );
        let unknown = Scenario {
            trust: vec!["nope".into()],
            ..Scenario::default()
        };
        assert!(apply_to_store(&store, &unknown, &versions, &[])
            .unwrap_err()
            .contains("nope"));
    }
}
