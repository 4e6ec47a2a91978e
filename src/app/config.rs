//! What a search is asked, from the command line: parsed, validated and typed once, before
//! any IO, and passed down instead of the raw flags.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::cli::CommonArgs;
use crate::index::cooldown::{parse_exclude_newer, parse_min_age, CooldownPolicy};
use crate::optimise::member_features::FeatureSelection;
use crate::solve;

/// What builds: `--target` and `-p`/`--features` (empty: everything, on every platform).
#[derive(Debug, Clone, Default)]
pub struct BuildScope {
    pub targets: Vec<String>,
    pub features: FeatureSelection,
}

impl BuildScope {
    /// True when the scope leaves something out.
    pub fn filters(&self) -> bool {
        !self.targets.is_empty() || self.features.filters()
    }
}

/// Where the RustSec advisories come from.
#[derive(Debug, Clone)]
pub enum AdvisorySource {
    /// `--no-advisories`.
    Off,
    /// `--advisory-db PATH`.
    Dir(PathBuf),
    /// cargo-audit's default checkout, when it exists.
    CargoAuditDefault,
}

/// Developer switches for experiments and tests, read from `MINAUDIT_*` here and nowhere else.
#[derive(Debug, Clone, Default)]
pub struct Tuning {
    /// `MINAUDIT_STAGED=1`: a MIP stage per criterion instead of one weighted stage.
    pub staged: bool,
    /// `MINAUDIT_NO_DOMINANCE=1`: solve every round with every version.
    pub no_dominance: bool,
    /// `MINAUDIT_HIGHS_OPTIONS="name=value,..."`: passed to HiGHS.
    pub highs_options: Vec<(String, String)>,
    /// `MINAUDIT_WHATIF_NO_SHORTCUTS=1`: what-if scenarios searched exactly as `report`
    /// searches, without the shortcuts of `optimise::Variant::shortcuts`.
    pub no_whatif_shortcuts: bool,
    /// `MINAUDIT_FAULT_MODEL_PRICE=CRATE@VERSION` (tests): the model's figure for that version
    /// is raised by one line before the re-check, which must then refuse the answer.
    pub fault_model_price: Option<String>,
}

impl Tuning {
    fn from_env() -> Tuning {
        Tuning {
            staged: std::env::var_os("MINAUDIT_STAGED").is_some(),
            no_dominance: std::env::var_os("MINAUDIT_NO_DOMINANCE").is_some(),
            highs_options: solve::parse_highs_options(
                &std::env::var("MINAUDIT_HIGHS_OPTIONS").unwrap_or_default(),
            ),
            no_whatif_shortcuts: std::env::var_os("MINAUDIT_WHATIF_NO_SHORTCUTS").is_some(),
            fault_model_price: std::env::var("MINAUDIT_FAULT_MODEL_PRICE").ok(),
        }
    }
}

/// The search's options.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    pub order: solve::Order,
    pub cooldown: CooldownPolicy,
    pub scope: BuildScope,
    pub ignore_rust_version: bool,
    /// `--no-downgrade`: no version below the reference lock's in its semver bucket.
    pub no_downgrade: bool,
    pub time_limit: Option<f64>,
    pub advisories: AdvisorySource,
    /// `--allow-advisory`: ids and aliases waived.
    pub allow_advisories: BTreeSet<String>,
    pub dump_instance: Option<PathBuf>,
    pub tuning: Tuning,
}

impl SearchConfig {
    pub fn from_args(common: &CommonArgs) -> anyhow::Result<SearchConfig> {
        let order = match &common.objective {
            None => solve::Order::default(),
            Some(text) => solve::Order::parse(text)?,
        };
        let advisories = match (&common.advisory_db, common.no_advisories) {
            (_, true) => AdvisorySource::Off,
            (Some(dir), false) => AdvisorySource::Dir(dir.clone()),
            (None, false) => AdvisorySource::CargoAuditDefault,
        };
        Ok(SearchConfig {
            order,
            cooldown: cooldown(common.exclude_newer.as_deref(), common.min_age.as_deref())?,
            scope: BuildScope {
                targets: common.targets.clone(),
                features: common.feature_selection(),
            },
            ignore_rust_version: common.ignore_rust_version,
            no_downgrade: common.no_downgrade,
            time_limit: common.time_limit,
            advisories,
            allow_advisories: common.allow_advisories.iter().cloned().collect(),
            dump_instance: common.dump_instance.clone(),
            tuning: Tuning::from_env(),
        })
    }

    /// True when a cooldown flag drops recent versions.
    pub fn cools_down(&self) -> bool {
        self.cooldown.exclude_newer.is_some() || self.cooldown.min_age.is_some()
    }
}

/// `--exclude-newer` / `--min-age` (or a what-if scenario's) as a policy.
pub fn cooldown(
    exclude_newer: Option<&str>,
    min_age: Option<&str>,
) -> anyhow::Result<CooldownPolicy> {
    Ok(CooldownPolicy {
        exclude_newer: exclude_newer.map(parse_exclude_newer).transpose()?,
        min_age: min_age.map(parse_min_age).transpose()?,
    })
}
