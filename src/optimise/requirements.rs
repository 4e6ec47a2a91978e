//! The store's policies as rules the model follows on every lock it can choose
//! ([`crate::model::uses::UseRules`]), exactly as cargo-vet's `resolve_requirements` applies
//! them (ARCHITECTURE.md, Semantics): policy `criteria` on any package (first- or third-party, `name` or
//! `name:version`), `dev-criteria` and `dependency-criteria` on members' dev edges,
//! `dependency-criteria` on normal and build edges, safe-to-deploy for root members.
//!
//! Roots (members, path and git packages) only depend on one another among themselves, so
//! the set each root is required never depends on the registry versions chosen: it is read
//! off the current lock's graph once.

use std::collections::HashMap;

use semver::Version;

use crate::index::{DepKind, IndexDep};
use crate::model::uses::{Flow, UseRules};
use crate::model::Roots;
use crate::vet::criteria::{CriteriaMapper, CriteriaSet};
use crate::vet::format::{Policy, PolicyEntry, VetVersion, SAFE_TO_DEPLOY, SAFE_TO_RUN};
use crate::vet::required::{resolve_requirements, PackageGraph};

/// Policies resolved to criteria sets, plus each root's own set and policy.
pub struct StoreRules {
    policy: Policy,
    /// Every criteria list of every policy entry, as a set (validated up front).
    sets: HashMap<Vec<String>, CriteriaSet>,
    /// Per root (index into [`Roots`]): its required set and its graph identity.
    roots: Vec<RootFacts>,
    run: CriteriaSet,
}

struct RootFacts {
    name: String,
    version: Option<VetVersion>,
    required: CriteriaSet,
}

#[derive(Debug, thiserror::Error)]
#[error("policy for {krate} in supply-chain/config.toml: {message}\nhint: fix the criteria names there (cargo vet fails on them too)")]
pub struct PolicyError {
    krate: String,
    message: String,
}

impl StoreRules {
    /// `current` is the current lock's graph (roots' sets come from it); `roots` the model's.
    pub fn new(
        policy: &Policy,
        mapper: &CriteriaMapper,
        current: &PackageGraph,
        roots: &Roots,
    ) -> Result<StoreRules, PolicyError> {
        let mut sets = HashMap::new();
        let mut add = |krate: &str, names: &[String]| -> Result<(), PolicyError> {
            let set = mapper.set_from(names, None).map_err(|e| PolicyError {
                krate: krate.to_owned(),
                message: e.to_string(),
            })?;
            sets.insert(names.to_vec(), set);
            Ok(())
        };
        for (name, _, entry) in policy.iter() {
            for list in entry
                .criteria
                .iter()
                .chain(&entry.dev_criteria)
                .chain(entry.dependency_criteria.values())
            {
                add(name, list)?;
            }
        }
        let deploy = mapper.set_from(&[SAFE_TO_DEPLOY], None).unwrap_or_default();
        let run = mapper.set_from(&[SAFE_TO_RUN], None).unwrap_or_default();
        let req = resolve_requirements(current, policy, mapper).map_err(|e| PolicyError {
            krate: "the current lock".into(),
            message: e.to_string(),
        })?;
        let roots = roots
            .packages
            .iter()
            .map(|r| {
                let at = current
                    .packages
                    .iter()
                    .position(|p| p.name == r.name && !p.is_crates_io);
                RootFacts {
                    name: r.name.clone(),
                    version: at.map(|i| current.packages[i].version.clone()),
                    // a root the current lock lacks (a what-if member) is a root member
                    required: at.map_or(deploy, |i| req.required[i]),
                }
            })
            .collect();
        Ok(StoreRules {
            policy: policy.clone(),
            sets,
            roots,
            run,
        })
    }

    fn entry(&self, name: &str, version: &VetVersion) -> Option<&PolicyEntry> {
        self.policy.get(name, version)
    }

    fn set(&self, names: &[String]) -> CriteriaSet {
        self.sets.get(names).copied().unwrap_or_default()
    }
}

impl UseRules for StoreRules {
    fn root_edge(&self, root: usize, dep: &IndexDep) -> CriteriaSet {
        let r = &self.roots[root];
        let entry = r.version.as_ref().and_then(|v| self.entry(&r.name, v));
        if let Some(c) = entry.and_then(|e| e.dependency_criteria.get(dep.crate_name())) {
            return self.set(c);
        }
        if dep.kind == DepKind::Dev {
            entry
                .and_then(|e| e.dev_criteria.as_ref())
                .map_or(self.run, |c| self.set(c))
        } else {
            r.required
        }
    }

    fn edge(&self, from: &str, version: &Version, dep: &IndexDep) -> Flow {
        let v = VetVersion::new(version.clone());
        match self
            .entry(from, &v)
            .and_then(|e| e.dependency_criteria.get(dep.crate_name()))
        {
            Some(c) => Flow::Set(self.set(c)),
            None => Flow::Inherit,
        }
    }

    fn fixed(&self, name: &str, version: &Version) -> Option<CriteriaSet> {
        let v = VetVersion::new(version.clone());
        self.entry(name, &v)
            .and_then(|e| e.criteria.as_ref())
            .map(|c| self.set(c))
    }
}
