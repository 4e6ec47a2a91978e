//! The workspace side of the problem: packages that are not registry versions.
//!
//! Each root package (a workspace member, or a path/git package) contributes dependency edges
//! that are active unconditionally. The caller lists, per root, exactly the registry edges
//! Cargo's lockfile resolve takes from it:
//! - members: all normal, build and dev dependencies, optional ones included (all features on);
//!   use [`RootPackage::member`] to fold the member's own `n/f` / `n?/f` feature values into
//!   the requested features of the edges;
//! - path/git non-members: their normal+build dependencies active under the features their
//!   dependents request (constant: registry crates cannot depend on path packages).
//!
//! Edges between roots (path dependencies) are not listed.

use crate::index::IndexDep;

use super::features::FeatureValue;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPackage {
    pub name: String,
    /// Registry edges, each active; `features` already holds everything requested on the edge.
    pub deps: Vec<IndexDep>,
    /// `links` value of the root, if any: no registry version may share it.
    pub links: Option<String>,
}

impl RootPackage {
    /// A workspace member with all features on: every dependency is active, and each feature
    /// value `n/f` or `n?/f` adds `f` to the edges named `n`.
    pub fn member(
        name: &str,
        mut deps: Vec<IndexDep>,
        features: &std::collections::BTreeMap<String, Vec<String>>,
        links: Option<String>,
    ) -> RootPackage {
        for vals in features.values() {
            for v in vals {
                if let FeatureValue::DepFeature { dep, feature, .. } = FeatureValue::parse(v) {
                    for d in deps.iter_mut().filter(|d| d.name == dep) {
                        if !d.features.contains(&feature) {
                            d.features.push(feature.clone());
                        }
                    }
                }
            }
        }
        RootPackage {
            name: name.to_string(),
            deps,
            links,
        }
    }
}

/// All root packages of the workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    pub packages: Vec<RootPackage>,
}
