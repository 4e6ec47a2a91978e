//! The audit graph of one crate and the search for a vetting path (cargo-vet `AuditGraph`,
//! `search_for_path` in `src/resolver.rs`), pure.
//!
//! Nodes are versions plus a root (`None`, the empty crate). Edges, each carrying a closed
//! criteria set:
//! - full audit `version = v` (local or imported): root → v;
//! - delta `a -> b`: a → b (backwards deltas are just edges);
//! - wildcard audit (local or imported) × publisher row of this crate: root → row.version when
//!   the row's publisher equals the entry's (`user-id` or `trusted-publisher`) and
//!   `start <= when < end`; a version without a publisher row is not covered;
//! - trusted entry (local audits.toml only: imported `trusted` never vets) × publisher row:
//!   as wildcard;
//! - `[[unpublished]]` row: audited_as → version, all criteria;
//! - exemption: root → version, its criteria.
//!
//! Violations (`violation = REQ`) are not edges: any audit (full: its version; delta: either
//! end) or exemption whose criteria contain the closure of one of the violation's criteria and
//! whose version matches REQ is a conflict, and cargo-vet then fails the whole run.
//!
//! A version is vetted for criterion c iff a path root → version uses only edges carrying c.
//! The search runs backwards from the target with cargo-vet's priority (fewest caveats, then
//! lower versions, smaller exemptions, shorter paths) so the returned path is the one cargo-vet
//! reports; on failure it returns both reachable sets, which `suggest` needs.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use super::criteria::CriteriaSet;
use super::format::{AuditEntry, AuditKind, Exemption, VetVersion};
use super::store::Store;

/// Where an edge comes from (same variants and order as cargo-vet's `DeltaEdgeOrigin`; the
/// order breaks ties between equally good paths).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeOrigin {
    LocalAudit {
        audit_index: usize,
        importable: bool,
    },
    ImportedAudit {
        import_index: usize,
        audit_index: usize,
    },
    WildcardAudit {
        import_index: Option<usize>,
        audit_index: usize,
        publisher_index: usize,
    },
    Trusted {
        publisher_index: usize,
    },
    Exemption {
        exemption_index: usize,
    },
    Unpublished {
        unpublished_index: usize,
    },
}

#[derive(Debug, Clone)]
struct Edge {
    to: Option<VetVersion>,
    criteria: CriteriaSet,
    origin: EdgeOrigin,
}

/// Failed search: versions reachable from the root and versions that reach the target, for the
/// criterion searched (each includes its own start node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchFailure {
    pub reachable_from_root: BTreeSet<Option<VetVersion>>,
    pub reachable_from_target: BTreeSet<Option<VetVersion>>,
}

/// An audit or exemption that a violation forbids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationConflict {
    pub krate: String,
    /// import name of the violation, `None` = local audits.toml
    pub violation_source: Option<String>,
    pub violation: AuditEntry,
    pub conflict: ConflictWith,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictWith {
    Exemption(Exemption),
    Audit {
        source: Option<String>,
        audit: AuditEntry,
    },
}

#[derive(Debug, Clone)]
pub struct AuditGraph {
    forward: BTreeMap<Option<VetVersion>, Vec<Edge>>,
    backward: BTreeMap<Option<VetVersion>, Vec<Edge>>,
}

impl AuditGraph {
    /// Build the audit graph of `krate` from everything in `store` (its current exemptions and
    /// imported universe). Errors with the violation conflicts, as cargo-vet does.
    pub fn build(store: &Store, krate: &str) -> Result<AuditGraph, Vec<ViolationConflict>> {
        let mapper = &store.mapper;
        // Every audits file: imports in name order, then local (cargo-vet's order).
        let files: Vec<(Option<usize>, Option<&String>, &super::format::AuditsFile)> = store
            .imported
            .iter()
            .enumerate()
            .map(|(i, (name, f))| (Some(i), Some(name), f))
            .chain(std::iter::once((None, None, &store.audits)))
            .collect();
        // Criteria names were validated at load; an unknown one here maps to nothing.
        let set = |names: &[String]| mapper.set_from(names, None).unwrap_or_default();

        let mut g = AuditGraph {
            forward: BTreeMap::new(),
            backward: BTreeMap::new(),
        };
        let mut violations: Vec<(Option<&String>, &AuditEntry)> = Vec::new();
        let mut all_audits: Vec<(Option<&String>, &AuditEntry)> = Vec::new();

        for &(import_index, name, file) in &files {
            for (audit_index, audit) in file.audits.get(krate).into_iter().flatten().enumerate() {
                let origin = match import_index {
                    Some(import_index) => EdgeOrigin::ImportedAudit {
                        import_index,
                        audit_index,
                    },
                    None => EdgeOrigin::LocalAudit {
                        audit_index,
                        importable: audit.importable,
                    },
                };
                match &audit.kind {
                    AuditKind::Full { version } => {
                        all_audits.push((name, audit));
                        g.add(None, Some(version.clone()), set(&audit.criteria), origin);
                    }
                    AuditKind::Delta { from, to } => {
                        all_audits.push((name, audit));
                        g.add(
                            Some(from.clone()),
                            Some(to.clone()),
                            set(&audit.criteria),
                            origin,
                        );
                    }
                    AuditKind::Violation { .. } => violations.push((name, audit)),
                }
            }
        }

        let publishers = store
            .imports
            .publisher
            .get(krate)
            .map(|v| &v[..])
            .unwrap_or(&[]);
        for (publisher_index, row) in publishers.iter().enumerate() {
            for &(import_index, _, file) in &files {
                for (audit_index, w) in file
                    .wildcard_audits
                    .get(krate)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if w.source == row.source && w.start <= row.when && row.when < w.end {
                        g.add(
                            None,
                            Some(row.version.clone()),
                            set(&w.criteria),
                            EdgeOrigin::WildcardAudit {
                                import_index,
                                audit_index,
                                publisher_index,
                            },
                        );
                    }
                }
            }
            for t in store.audits.trusted.get(krate).into_iter().flatten() {
                if t.source == row.source && t.start <= row.when && row.when < t.end {
                    g.add(
                        None,
                        Some(row.version.clone()),
                        set(&t.criteria),
                        EdgeOrigin::Trusted { publisher_index },
                    );
                }
            }
        }

        for (unpublished_index, u) in store
            .imports
            .unpublished
            .get(krate)
            .into_iter()
            .flatten()
            .enumerate()
        {
            g.add(
                Some(u.audited_as.clone()),
                Some(u.version.clone()),
                mapper.all(),
                EdgeOrigin::Unpublished { unpublished_index },
            );
        }

        let exemptions = store.config.exemptions.get(krate);
        for (exemption_index, e) in exemptions.into_iter().flatten().enumerate() {
            g.add(
                None,
                Some(e.version.clone()),
                set(&e.criteria),
                EdgeOrigin::Exemption { exemption_index },
            );
        }

        // Violations: each of the violation's criteria (closed) separately, see cargo-vet.
        let mut conflicts = Vec::new();
        for (vsource, ventry) in &violations {
            let AuditKind::Violation { violation: range } = &ventry.kind else {
                continue;
            };
            let vsets: Vec<CriteriaSet> = ventry
                .criteria
                .iter()
                .map(|c| set(std::slice::from_ref(c)))
                .collect();
            let hits = |criteria: &[String]| {
                let s = set(criteria);
                vsets.iter().any(|v| s.contains(v))
            };
            for e in exemptions.into_iter().flatten() {
                if hits(&e.criteria) && range.matches(&e.version.semver) {
                    conflicts.push(ViolationConflict {
                        krate: krate.to_owned(),
                        violation_source: vsource.cloned(),
                        violation: (*ventry).clone(),
                        conflict: ConflictWith::Exemption(e.clone()),
                    });
                }
            }
            for (asource, audit) in &all_audits {
                if !hits(&audit.criteria) {
                    continue;
                }
                let matched = match &audit.kind {
                    AuditKind::Full { version } => range.matches(&version.semver),
                    AuditKind::Delta { from, to } => {
                        range.matches(&from.semver) || range.matches(&to.semver)
                    }
                    AuditKind::Violation { .. } => false,
                };
                if matched {
                    conflicts.push(ViolationConflict {
                        krate: krate.to_owned(),
                        violation_source: vsource.cloned(),
                        violation: (*ventry).clone(),
                        conflict: ConflictWith::Audit {
                            source: asource.cloned(),
                            audit: (*audit).clone(),
                        },
                    });
                }
            }
        }
        if !conflicts.is_empty() {
            return Err(conflicts);
        }
        Ok(g)
    }

    fn add(
        &mut self,
        from: Option<VetVersion>,
        to: Option<VetVersion>,
        criteria: CriteriaSet,
        origin: EdgeOrigin,
    ) {
        self.forward.entry(from.clone()).or_default().push(Edge {
            to: to.clone(),
            criteria,
            origin: origin.clone(),
        });
        self.backward.entry(to).or_default().push(Edge {
            to: from,
            criteria,
            origin,
        });
    }

    /// Is `version` vetted for criterion `criteria_idx`? `Ok(path)` lists the edges used, from
    /// the target back to the root; `Err` holds both reachable sets.
    pub fn search(
        &self,
        criteria_idx: usize,
        version: &VetVersion,
    ) -> Result<Vec<EdgeOrigin>, SearchFailure> {
        let target = Some(version.clone());
        search_for_path(&self.backward, criteria_idx, &target, &None).map_err(
            |reachable_from_target| SearchFailure {
                reachable_from_root: self.reachable_from_root(criteria_idx),
                reachable_from_target,
            },
        )
    }

    /// Every version (and the root) reachable from the root for `criteria_idx`. Independent of
    /// any target, so a caller pricing many versions can compute it once per criterion.
    pub fn reachable_from_root(&self, criteria_idx: usize) -> BTreeSet<Option<VetVersion>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![None];
        while let Some(v) = stack.pop() {
            if !seen.insert(v.clone()) {
                continue;
            }
            for e in self.forward.get(&v).into_iter().flatten() {
                if e.criteria.has(criteria_idx) && !seen.contains(&e.to) {
                    stack.push(e.to.clone());
                }
            }
        }
        seen
    }

    /// The criteria in `required` (a closed set) that `version` is NOT vetted for.
    pub fn failing_criteria(&self, required: &CriteriaSet, version: &VetVersion) -> CriteriaSet {
        let mut failing = CriteriaSet::none();
        for c in required.indices() {
            if self.search(c, version).is_err() {
                failing.set(c);
            }
        }
        failing
    }

    /// Versions named anywhere in the graph (edge ends), without the root.
    pub fn versions(&self) -> BTreeSet<VetVersion> {
        self.forward
            .keys()
            .chain(self.backward.keys())
            .flatten()
            .cloned()
            .collect()
    }
}

/// cargo-vet's `search_for_path` in `PreferExemptions` mode over a stale store (no fresh
/// imports): a best-first search whose key is (caveat level, version, exemption origin, path
/// length, last edge), lower first.
fn search_for_path(
    graph: &BTreeMap<Option<VetVersion>, Vec<Edge>>,
    criteria_idx: usize,
    from: &Option<VetVersion>,
    to: &Option<VetVersion>,
) -> Result<Vec<EdgeOrigin>, BTreeSet<Option<VetVersion>>> {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Caveat {
        None,
        NonImportableAudit,
        PreferredExemption,
        PreferredUnpublished,
    }
    #[derive(Debug, PartialEq, Eq)]
    struct Node {
        version: Option<VetVersion>,
        origin_version: Option<VetVersion>,
        path: Vec<EdgeOrigin>,
        caveat: Caveat,
    }
    type NodeKey<'a> = (
        Caveat,
        &'a Option<VetVersion>,
        Option<&'a Option<VetVersion>>,
        usize,
        Option<&'a EdgeOrigin>,
    );
    impl Node {
        fn key(&self) -> NodeKey<'_> {
            let exemption_origin =
                (self.caveat == Caveat::PreferredExemption).then_some(&self.origin_version);
            (
                self.caveat,
                &self.version,
                exemption_origin,
                self.path.len(),
                self.path.last(),
            )
        }
    }
    impl Ord for Node {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            Reverse(self.key()).cmp(&Reverse(other.key()))
        }
    }
    impl PartialOrd for Node {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }

    let mut queue = BinaryHeap::new();
    queue.push(Node {
        version: from.clone(),
        origin_version: from.clone(),
        path: Vec::new(),
        caveat: Caveat::None,
    });
    let mut visited = BTreeSet::new();
    while let Some(node) = queue.pop() {
        if !visited.insert(node.version.clone()) {
            continue;
        }
        if &node.version == to {
            return Ok(node.path);
        }
        for edge in graph.get(&node.version).into_iter().flatten() {
            if !edge.criteria.has(criteria_idx) || visited.contains(&edge.to) {
                continue;
            }
            let level = match &edge.origin {
                EdgeOrigin::LocalAudit {
                    importable: false, ..
                } => Caveat::NonImportableAudit,
                EdgeOrigin::Exemption { .. } => Caveat::PreferredExemption,
                EdgeOrigin::Unpublished { .. } => Caveat::PreferredUnpublished,
                _ => Caveat::None,
            };
            let mut path = node.path.clone();
            path.push(edge.origin.clone());
            queue.push(Node {
                version: edge.to.clone(),
                origin_version: node.version.clone(),
                path,
                caveat: node.caveat.max(level),
            });
        }
    }
    Err(visited)
}
