//! The lexicographic objective as the user orders it (`--objective`, opam's syntax):
//! `-lines,-audits,-changed,-lag` minimises backlog lines, then audits, then changed
//! packages, then version lag. Pure: parsing, each criterion as linear terms over the model,
//! and the grouping of criteria into MIP stages.

use std::fmt;

use crate::model::{Model, Pkg, VarId};

/// One thing to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    /// Backlog lines: Σ price of the chosen versions for the use the lock gives them.
    Lines,
    /// Audits to do: chosen versions with a price > 0.
    Audits,
    /// Versions the lock takes in that the current lock does not hold.
    Changed,
    /// Releases newer than the chosen version in its semver bucket (what `cargo update`
    /// could still move to), summed over the lock.
    Lag,
}

impl Criterion {
    pub const ALL: [Criterion; 4] = [
        Criterion::Lines,
        Criterion::Audits,
        Criterion::Changed,
        Criterion::Lag,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Criterion::Lines => "lines",
            Criterion::Audits => "audits",
            Criterion::Changed => "changed",
            Criterion::Lag => "lag",
        }
    }

    /// Whether the criterion reads prices (so lazy pricing must make them exact).
    pub fn reads_prices(self) -> bool {
        matches!(self, Criterion::Lines | Criterion::Audits)
    }

    /// What a package adds to this criterion, as (variable, coefficient) terms. Lines add each
    /// price step's increment on its variable (step 0's is the built indicator: `x` itself
    /// without a target filter, so a version not built costs nothing); an audit is counted on
    /// the first step whose cost is above 0. Changes and lag are properties of the lock, so
    /// they read `x`.
    pub fn coefficients(self, p: &Pkg) -> Vec<(VarId, u64)> {
        let terms = match self {
            Criterion::Lines => {
                let mut below = 0;
                p.tiers
                    .iter()
                    .map(|t| (t.var, t.cost - std::mem::replace(&mut below, t.cost)))
                    .collect()
            }
            Criterion::Audits => p
                .tiers
                .iter()
                .find(|t| t.cost > 0)
                .map(|t| (t.var, 1))
                .into_iter()
                .collect(),
            Criterion::Changed => vec![(p.x, u64::from(!p.locked))],
            Criterion::Lag => vec![(p.x, p.lag)],
        };
        terms.into_iter().filter(|(_, c)| *c != 0).collect()
    }

    /// Linear terms over the model's variables.
    pub fn terms(self, m: &Model) -> Vec<(usize, u64)> {
        m.pkgs.iter().flat_map(|p| self.coefficients(p)).collect()
    }

    /// The criterion's value on an assignment.
    pub fn value(self, m: &Model, values: &[bool]) -> u64 {
        m.pkgs
            .iter()
            .flat_map(|p| self.coefficients(p))
            .filter(|(v, _)| values[*v])
            .fold(0u64, |acc, (_, c)| acc.saturating_add(c))
    }

    /// The largest value any lock can give this criterion: a lock holds at most one version
    /// per bucket, so the sum of each bucket's most expensive version.
    pub fn upper_bound(self, m: &Model) -> u64 {
        let groups = m.group_of.iter().copied().max().map_or(0, |g| g + 1);
        let mut most = vec![0u64; groups];
        for (i, p) in m.pkgs.iter().enumerate() {
            let total = self
                .coefficients(p)
                .iter()
                .fold(0u64, |acc, (_, c)| acc.saturating_add(*c));
            let g = m.group_of[i];
            most[g] = most[g].max(total);
        }
        most.into_iter().fold(0u64, u64::saturating_add)
    }
}

/// The criteria in priority order. Only minimisation: every answer is reduced to the least
/// lock its choices force, which keeps optimality only for criteria that grow with packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order(Vec<Criterion>);

impl Default for Order {
    fn default() -> Self {
        Order(Criterion::ALL.to_vec())
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|c| format!("-{}", c.name())).collect();
        f.write_str(&parts.join(","))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OrderError {
    #[error("--objective is empty\nhint: list criteria to minimise, e.g. `-lines,-audits,-changed,-lag`")]
    Empty,
    #[error("--objective: unknown criterion `{0}`\nhint: the criteria are lines, audits, changed and lag, each prefixed with `-`")]
    Unknown(String),
    #[error("--objective: `{0}` asks to maximise; only minimising (`-{1}`) is supported, because every answer is reduced to the smallest lock its choices force")]
    Maximise(String, String),
    #[error("--objective: `{0}` has no sign\nhint: write `-{0}` to minimise it (opam's syntax)")]
    Unsigned(String),
    #[error("--objective: `{0}` appears twice")]
    Repeated(String),
}

impl Order {
    pub fn new(criteria: Vec<Criterion>) -> Result<Order, OrderError> {
        if criteria.is_empty() {
            return Err(OrderError::Empty);
        }
        for (i, c) in criteria.iter().enumerate() {
            if criteria[..i].contains(c) {
                return Err(OrderError::Repeated(c.name().to_string()));
            }
        }
        Ok(Order(criteria))
    }

    /// Parses `-lines,-audits,...` (spaces around items are ignored).
    pub fn parse(text: &str) -> Result<Order, OrderError> {
        let mut criteria = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (sign, name) = match item.chars().next() {
                Some(s @ ('-' | '+')) => (Some(s), item[1..].trim()),
                _ => (None, item),
            };
            let c = Criterion::ALL
                .into_iter()
                .find(|c| c.name() == name)
                .ok_or_else(|| OrderError::Unknown(name.to_string()))?;
            match sign {
                Some('-') => criteria.push(c),
                Some(_) => return Err(OrderError::Maximise(item.to_string(), name.to_string())),
                None => return Err(OrderError::Unsigned(name.to_string())),
            }
        }
        Order::new(criteria)
    }

    pub fn criteria(&self) -> &[Criterion] {
        &self.0
    }
}

/// The largest value the one weighted stage of every criterion may reach: integers stay exact
/// in a double up to 2^53. One weighted stage is much faster than a stage per criterion (the
/// later stage's row fixing the earlier optimum, a dense row of prices, makes its presolve slow
/// and its LP relaxation weak). The first criterion's weight exceeds everything after it by a margin far above
/// HiGHS's tolerances (glean: 5.8·10^8 per line), so lines is proven as when solved alone;
/// HiGHS prunes nodes of an integral objective at an absolute margin of one, which makes the
/// tie-breaks exact too as long as its LP bounds are accurate to within one unit. Checked: the
/// five corpus projects that fit (all but librustzcash) print byte-identical reports either way
/// (`MINAUDIT_STAGED=1` solves the old way), the brute-force test solves both ways.
const MAX_STAGE_VALUE: u64 = 1 << 53;

/// Otherwise, and when `staged` asks (experiments and tests comparing both): lines in a stage
/// of its own, the other criteria merged while below 2^32.
const STAGED_LIMIT: u64 = 1 << 32;

/// One MIP stage: criteria minimised together as `Σ weight·criterion`, the weights making the
/// sum lexicographic (each weight exceeds the largest value of everything after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub criteria: Vec<(Criterion, u64)>,
}

impl Stage {
    pub fn reads_prices(&self) -> bool {
        self.criteria.iter().any(|(c, _)| c.reads_prices())
    }

    /// The stage objective as linear terms.
    pub fn terms(&self, m: &Model) -> Vec<(usize, f64)> {
        let mut by_var: std::collections::BTreeMap<usize, u64> = Default::default();
        for (c, w) in &self.criteria {
            for (v, coef) in c.terms(m) {
                *by_var.entry(v).or_default() += coef * w;
            }
        }
        by_var
            .into_iter()
            .filter(|(_, c)| *c != 0)
            .map(|(v, c)| (v, c as f64))
            .collect()
    }
}

/// The largest value of a weighted sum whose largest value was `product` once a criterion of
/// upper bound `bound` is appended with weight 1 (the earlier weights grow by `bound + 1`);
/// None past u64.
fn appended(product: u64, bound: u64) -> Option<u64> {
    product
        .checked_add(1)?
        .checked_mul(bound.checked_add(1)?)
        .map(|v| v - 1)
}

/// Groups the order into stages: every criterion in one weighted stage when the weighted sum's
/// upper bound stays within `MAX_STAGE_VALUE`, else (or `staged`) as `STAGED_LIMIT` says.
/// `start`: a valid assignment (the MIP start); the optimum's first criterion is at most the
/// start's, so answers that could be optimal stay below that bound even where the sum of every
/// bucket's dearest version would not fit. The weights still use the full bounds: they alone
/// make the sum lexicographic.
pub fn stages(order: &Order, m: &Model, staged: bool, start: Option<&[bool]>) -> Vec<Stage> {
    let bounds: Vec<(Criterion, u64)> = order
        .criteria()
        .iter()
        .map(|&c| (c, c.upper_bound(m)))
        .collect();
    let first_at_most = |(i, (c, bound)): (usize, &(Criterion, u64))| match (i, start) {
        (0, Some(start)) => (*bound).min(c.value(m, start)),
        _ => *bound,
    };
    // the largest value of every criterion weighted into one sum, over the answers that can
    // be optimal
    let whole = bounds
        .iter()
        .enumerate()
        .map(first_at_most)
        .try_fold(0u64, appended);
    let groups: Vec<Vec<(Criterion, u64)>> =
        if !staged && whole.is_some_and(|v| v <= MAX_STAGE_VALUE) {
            vec![bounds]
        } else {
            // Not one stage: lines alone, the small criteria merged while below 2^32. A stage that
            // merges lines with others and is then fixed by a row made a worse tie-break on
            // librustzcash (lag: lzma-sys 0.1.11 over 0.1.12 at the same lines, audits and
            // changes): HiGHS's tolerance on a row of values near 10^12 exceeds one unit.
            let mut groups: Vec<Vec<(Criterion, u64)>> = Vec::new();
            let mut product: u64 = 0;
            for (c, bound) in bounds {
                let apart = c == Criterion::Lines
                    || groups
                        .last()
                        .is_some_and(|g| g.iter().any(|(k, _)| *k == Criterion::Lines));
                let merged = appended(product, bound).filter(|v| *v <= STAGED_LIMIT && !apart);
                match (groups.last_mut(), merged) {
                    (Some(g), Some(v)) => {
                        g.push((c, bound));
                        product = v;
                    }
                    _ => {
                        groups.push(vec![(c, bound)]);
                        product = bound;
                    }
                }
            }
            groups
        };
    groups
        .into_iter()
        .map(|g| {
            // weights from the back: the last criterion 1, each earlier one (max of the rest + 1)
            let mut weight = 1u64;
            let mut criteria: Vec<(Criterion, u64)> = Vec::with_capacity(g.len());
            for (c, bound) in g.into_iter().rev() {
                criteria.push((c, weight));
                weight = weight.saturating_mul(bound.saturating_add(1));
            }
            criteria.reverse();
            Stage { criteria }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_opam_style_orders() {
        assert_eq!(
            Order::parse("-lines,-audits,-changed,-lag").unwrap(),
            Order::default()
        );
        assert_eq!(
            Order::parse(" -changed , -lines ").unwrap().criteria(),
            &[Criterion::Changed, Criterion::Lines]
        );
        assert_eq!(Order::default().to_string(), "-lines,-audits,-changed,-lag");
    }

    #[test]
    fn rejects_what_it_cannot_honour() {
        assert_eq!(Order::parse(""), Err(OrderError::Empty));
        assert_eq!(
            Order::parse("-lines,-bytes"),
            Err(OrderError::Unknown("bytes".into()))
        );
        assert!(matches!(
            Order::parse("+lag"),
            Err(OrderError::Maximise(..))
        ));
        assert_eq!(
            Order::parse("lines"),
            Err(OrderError::Unsigned("lines".into()))
        );
        assert_eq!(
            Order::parse("-lines,-lines"),
            Err(OrderError::Repeated("lines".into()))
        );
    }
}
