//! Feature tables of one published version, as Cargo's lockfile resolver sees them.
//!
//! The index stores only the explicit `features` (+ `features2`) map. Cargo adds an implicit
//! feature `n = ["dep:n"]` for every optional dependency `n` that no feature names as `dep:n`,
//! and rejects a summary whose values name unknown features or dependencies; such versions are
//! unusable, so candidate generation skips them (`FeatureTable::new` returns an error string).
//! Values parse like cargo's `FeatureValue`: `f`, `dep:n`, `n/f`, `n?/f` (weak).

use std::collections::{BTreeMap, BTreeSet};

use crate::index::{DepKind, IndexVersion};

/// One entry of a feature's value list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FeatureValue {
    /// Another feature of the same package.
    Feature(String),
    /// `dep:n`: turn on optional dependency `n` only.
    Dep(String),
    /// `n/f` or weak `n?/f`: feature `f` on dependency `n`. In the lockfile resolve both forms
    /// turn `n` on (rust-lang/cargo#10801); only the strong form also turns on feature `n`.
    DepFeature {
        dep: String,
        feature: String,
        weak: bool,
    },
}

impl FeatureValue {
    pub fn parse(s: &str) -> FeatureValue {
        if let Some(dep) = s.strip_prefix("dep:") {
            return FeatureValue::Dep(dep.to_string());
        }
        if let Some((dep, feature)) = s.split_once('/') {
            let (dep, weak) = match dep.strip_suffix('?') {
                Some(d) => (d, true),
                None => (dep, false),
            };
            return FeatureValue::DepFeature {
                dep: dep.to_string(),
                feature: feature.to_string(),
                weak,
            };
        }
        FeatureValue::Feature(s.to_string())
    }
}

/// Feature table with implicit features added; values parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureTable {
    pub features: BTreeMap<String, Vec<FeatureValue>>,
    /// Names (as written in the dependent, i.e. renames) of optional normal/build deps.
    pub optional_deps: BTreeSet<String>,
}

impl FeatureTable {
    /// Builds the table of a registry version (dev-deps ignored: they never join a
    /// non-member's lockfile resolve). Errors name the first inconsistency.
    pub fn new(v: &IndexVersion) -> Result<FeatureTable, String> {
        let live = |k: DepKind| k != DepKind::Dev;
        let optional_deps: BTreeSet<String> = v
            .deps
            .iter()
            .filter(|d| d.optional && live(d.kind))
            .map(|d| d.name.clone())
            .collect();
        let all_dep_names: BTreeSet<&str> = v.deps.iter().map(|d| d.name.as_str()).collect();
        let mut features: BTreeMap<String, Vec<FeatureValue>> = v
            .features
            .iter()
            .map(|(k, vals)| {
                (
                    k.clone(),
                    vals.iter().map(|s| FeatureValue::parse(s)).collect(),
                )
            })
            .collect();
        let dep_syntax: BTreeSet<String> = features
            .values()
            .flatten()
            .filter_map(|fv| match fv {
                FeatureValue::Dep(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        for n in &optional_deps {
            if !dep_syntax.contains(n) && !features.contains_key(n) {
                features.insert(n.clone(), vec![FeatureValue::Dep(n.clone())]);
            }
        }
        for (k, vals) in &features {
            for fv in vals {
                match fv {
                    FeatureValue::Feature(f) if !features.contains_key(f) => {
                        return Err(format!("feature `{k}` includes unknown feature `{f}`"));
                    }
                    FeatureValue::Dep(n) if !optional_deps.contains(n) => {
                        // a `dep:` on a dev-dependency only is equally invalid for cargo
                        return Err(format!(
                            "feature `{k}` names `dep:{n}`, not an optional dependency"
                        ));
                    }
                    FeatureValue::DepFeature { dep, .. }
                        if !all_dep_names.contains(dep.as_str()) =>
                    {
                        return Err(format!("feature `{k}` names unknown dependency `{dep}`"));
                    }
                    _ => {}
                }
            }
        }
        Ok(FeatureTable {
            features,
            optional_deps,
        })
    }

    pub fn has(&self, feature: &str) -> bool {
        self.features.contains_key(feature)
    }
}
