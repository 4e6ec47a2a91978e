//! Criteria: names to bit indices, with the `implies` closure (cargo-vet `src/criteria.rs`).
//!
//! Index 0 is `safe-to-run`, index 1 `safe-to-deploy` (which implies safe-to-run), then the
//! store's custom criteria in name order. A criteria set built from names is always closed under
//! `implies`, so "edge carries c" and "requirement includes c" are plain bit tests.
//!
//! Imported audits are in the peer's criteria namespace. cargo-vet 0.10 maps them into ours when
//! it fetches them (`fetch_single_imported_audit`), and `imports.lock` stores the result in our
//! names: a peer criterion maps through `criteria-map` if listed there (even a built-in one),
//! else `safe-to-deploy`/`safe-to-run` map to themselves, else to nothing; an entry's criteria
//! are first closed under the *peer's* implies, then mapped, then written as the minimal local
//! names. Peer criteria that map to nothing vanish (no "namespaced" names exist in 0.10 stores).

use std::collections::{BTreeMap, HashMap};

use super::format::{AuditsFile, CriteriaEntry, SAFE_TO_DEPLOY, SAFE_TO_RUN};

/// At most 64 criteria, like cargo-vet.
pub const MAX_CRITERIA: usize = 64;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct CriteriaSet(u64);

impl CriteriaSet {
    pub fn none() -> Self {
        CriteriaSet(0)
    }
    /// Every bit set: the largest set in the order sets sort by (range ends).
    pub fn full() -> Self {
        CriteriaSet(u64::MAX)
    }
    pub fn set(&mut self, idx: usize) {
        self.0 |= 1 << idx;
    }
    pub fn has(&self, idx: usize) -> bool {
        idx < MAX_CRITERIA && self.0 & (1 << idx) != 0
    }
    pub fn union_with(&mut self, other: &CriteriaSet) {
        self.0 |= other.0;
    }
    pub fn contains(&self, other: &CriteriaSet) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn indices(&self) -> impl Iterator<Item = usize> {
        let raw = self.0;
        (0..MAX_CRITERIA).filter(move |i| raw & (1 << i) != 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CriteriaError {
    #[error("unknown criteria '{name}'{}\nhint: declare it under [criteria.{name}] in audits.toml or use one of: {}", context.as_ref().map(|c| format!(" in {c}")).unwrap_or_default(), known.join(", "))]
    Unknown {
        name: String,
        context: Option<String>,
        known: Vec<String>,
    },
    #[error("criteria '{name}' implies itself\nhint: remove the cycle from the implies lists in audits.toml")]
    Cycle { name: String },
    #[error("more than {MAX_CRITERIA} criteria\nhint: cargo-vet supports at most {MAX_CRITERIA} criteria")]
    TooMany,
    #[error(
        "criteria '{name}' is declared twice\nhint: custom criteria must not reuse built-in names"
    )]
    Duplicate { name: String },
}

/// Names ⇄ indices and the implies closure of every criterion.
#[derive(Debug, Clone)]
pub struct CriteriaMapper {
    index: HashMap<String, usize>,
    names: Vec<String>,
    implied: Vec<CriteriaSet>,
}

impl CriteriaMapper {
    /// Build from the custom criteria declared in an audits file (built-ins are added).
    pub fn new(criteria: &BTreeMap<String, CriteriaEntry>) -> Result<Self, CriteriaError> {
        let names: Vec<String> = [SAFE_TO_RUN.to_owned(), SAFE_TO_DEPLOY.to_owned()]
            .into_iter()
            .chain(criteria.keys().cloned())
            .collect();
        if names.len() > MAX_CRITERIA {
            return Err(CriteriaError::TooMany);
        }
        let mut index = HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if index.insert(n.clone(), i).is_some() {
                return Err(CriteriaError::Duplicate { name: n.clone() });
            }
        }
        let mut direct = vec![CriteriaSet::none(); names.len()];
        direct[1].set(0); // safe-to-deploy implies safe-to-run
        for (name, entry) in criteria {
            let i = index[name];
            for implied in &entry.implies {
                let j = *index.get(implied).ok_or_else(|| CriteriaError::Unknown {
                    name: implied.clone(),
                    context: Some(format!("the implies list of '{name}'")),
                    known: names.clone(),
                })?;
                direct[i].set(j);
            }
        }
        let mut implied = Vec::with_capacity(names.len());
        for start in 0..names.len() {
            // Depth-first closure; reaching `start` again is a cycle (cargo-vet panics there).
            let mut set = CriteriaSet::none();
            let mut stack: Vec<usize> = direct[start].indices().collect();
            while let Some(i) = stack.pop() {
                if !set.has(i) {
                    set.set(i);
                    stack.extend(direct[i].indices());
                }
            }
            if set.has(start) {
                return Err(CriteriaError::Cycle {
                    name: names[start].clone(),
                });
            }
            set.set(start);
            implied.push(set);
        }
        Ok(CriteriaMapper {
            index,
            names,
            implied,
        })
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn name(&self, idx: usize) -> &str {
        &self.names[idx]
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The closed set of the named criteria; unknown names are an error.
    pub fn set_from<S: AsRef<str>>(
        &self,
        list: &[S],
        context: Option<&str>,
    ) -> Result<CriteriaSet, CriteriaError> {
        let mut set = CriteriaSet::none();
        for n in list {
            let i = self
                .index_of(n.as_ref())
                .ok_or_else(|| CriteriaError::Unknown {
                    name: n.as_ref().to_owned(),
                    context: context.map(str::to_owned),
                    known: self.names.clone(),
                })?;
            set.union_with(&self.implied[i]);
        }
        Ok(set)
    }

    /// All criteria.
    pub fn all(&self) -> CriteriaSet {
        let mut s = CriteriaSet::none();
        for i in 0..self.len() {
            s.set(i);
        }
        s
    }

    /// The members of `set` not implied by another member (cargo-vet `minimal_indices`).
    pub fn minimal_indices(&self, set: &CriteriaSet) -> Vec<usize> {
        set.indices()
            .filter(|&cur| {
                set.indices()
                    .all(|other| cur == other || !self.implied[other].has(cur))
            })
            .collect()
    }

    /// Minimal names of a set, in index order (safe-to-run, safe-to-deploy, custom by name).
    pub fn minimal_names(&self, set: &CriteriaSet) -> Vec<String> {
        self.minimal_indices(set)
            .into_iter()
            .map(|i| self.names[i].clone())
            .collect()
    }
}

/// Map a peer's audit file (peer criteria names, as parsed by
/// [`super::format::parse_foreign_audits`]) into our criteria namespace, as cargo-vet does when
/// it fetches an import: `exclude`d crates lose their `audits` (not wildcard audits or trusted
/// entries, as in cargo-vet), every entry's criteria are closed under the peer's implies, mapped
/// through `criteria_map` (built-ins map to themselves unless listed), and written as minimal
/// local names; entries may end up with no criteria (they then vet nothing). Only criteria named
/// in `criteria_map` are kept in the `criteria` table, with `implies` cleared.
pub fn localize_import(
    mut foreign: AuditsFile,
    exclude: &[String],
    criteria_map: &BTreeMap<String, Vec<String>>,
    local: &CriteriaMapper,
) -> Result<AuditsFile, CriteriaError> {
    for excluded in exclude {
        foreign.audits.remove(excluded);
    }
    let peer = CriteriaMapper::new(&foreign.criteria)?;
    let mut mapping = Vec::with_capacity(peer.len());
    for peer_name in peer.names() {
        let set = if let Some(mapped) = criteria_map.get(peer_name) {
            local.set_from(
                mapped,
                Some(&format!("criteria-map entry for '{peer_name}'")),
            )?
        } else if peer_name == SAFE_TO_DEPLOY || peer_name == SAFE_TO_RUN {
            local.set_from(&[peer_name.as_str()], None)?
        } else {
            CriteriaSet::none()
        };
        mapping.push(set);
    }
    let localize = |criteria: &mut Vec<String>| -> Result<(), CriteriaError> {
        let peer_set = peer.set_from(criteria, Some("an imported audit"))?;
        let mut local_set = CriteriaSet::none();
        for i in peer_set.indices() {
            local_set.union_with(&mapping[i]);
        }
        *criteria = local.minimal_names(&local_set);
        Ok(())
    };
    for entry in foreign.audits.values_mut().flatten() {
        localize(&mut entry.criteria)?;
    }
    for entry in foreign.wildcard_audits.values_mut().flatten() {
        localize(&mut entry.criteria)?;
    }
    for entry in foreign.trusted.values_mut().flatten() {
        localize(&mut entry.criteria)?;
    }
    foreign
        .criteria
        .retain(|name, _| criteria_map.contains_key(name));
    for entry in foreign.criteria.values_mut() {
        entry.description_url = None;
        entry.implies.clear();
    }
    Ok(foreign)
}
