//! `cargo minaudit what-if`: the optimal backlog under hypothetical changes, next to the
//! baseline (the optimum with no change). Writes nothing: scenarios edit in-memory copies of
//! the inputs (`whatif::apply`), never Cargo.toml, Cargo.lock or supply-chain/.
//!
//! Shared by every scenario: one session (workspace, store, crate source), one index whose
//! crates are remembered after the first walk (`index::memo`), the current lock's pricing, and
//! the line counts (`optimise::SharedCounts`, plus the on-disk caches). Per scenario: roots
//! and/or store edited, then the same search as `report` (`find_optimum_with`).
//!
//! A scenario that cannot be solved (no valid lock, unknown crate, unreadable import) becomes
//! an error row with the reason. `--target` scenarios price the optimum for those targets, as
//! `report --target` does. Bad input (flags, scenarios file) is an error before any solve.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::cli::{CommonArgs, OutputFormat, WhatIfArgs};
use crate::index::memo::MemoIndex;
use crate::index::DepKind;
use crate::optimise::roots::roots_from_workspace;
use crate::report::whatif::{self, RowOutcome, ScenarioRow, WhatIfReport};
use crate::shell::Shell;
use crate::vet::suggest::SuggestOutcome;
use crate::whatif::apply::{apply_to_roots, apply_to_store, crates_with_other_audits};
use crate::whatif::file::{check_exclude_newer, check_min_age, parse_scenarios};
use crate::whatif::{
    parse_certify, parse_import, parse_name_req, parse_require, parse_trust_publisher, AddDep,
    Scenario,
};

use super::backlog::backlog_of;
use super::config::{self, BuildScope, SearchConfig};
use super::inputs::Session;
use super::optimise::{self, OptimumResult, PricedLock, SharedCounts, Variant};
use super::Outcome;

/// A spec error, named by its flag.
fn flag<T>(name: &str, r: Result<T, String>) -> anyhow::Result<T> {
    r.map_err(|m| anyhow::anyhow!("--{name} {m}"))
}

/// The scenario the command-line flags describe (named `cli`).
fn scenario_from_flags(common: &CommonArgs, args: &WhatIfArgs) -> anyhow::Result<Scenario> {
    let mut sc = Scenario {
        name: "cli".into(),
        ..Scenario::default()
    };
    for spec in &args.add {
        let (name, req) = flag("add", parse_name_req(spec))?;
        sc.add.push(AddDep {
            name,
            req,
            features: args.features.clone(),
            default_features: true,
            member: args.member.clone(),
            kind: DepKind::Normal,
        });
    }
    sc.remove = args.remove.clone();
    for spec in &args.require {
        sc.require.push(flag("require", parse_require(spec))?);
    }
    for spec in &common.imports {
        sc.imports.push(flag("import", parse_import(spec))?);
    }
    sc.trust = args.trust.clone();
    for spec in &args.trust_publisher {
        sc.trust_publishers
            .push(flag("trust-publisher", parse_trust_publisher(spec))?);
    }
    for spec in &args.certify {
        sc.certify.push(flag("certify", parse_certify(spec))?);
    }
    sc.targets = common.targets.clone();
    if let Some(d) = &common.exclude_newer {
        flag("exclude-newer", check_exclude_newer(d))?;
        sc.exclude_newer = Some(d.clone());
    }
    if let Some(d) = &common.min_age {
        flag("min-age", check_min_age(d))?;
        sc.min_age = Some(d.clone());
    }
    if sc.is_empty() {
        anyhow::bail!(
            "what-if needs a change to price\nhint: e.g. `cargo minaudit what-if --certify CRATE@VERSION`, `--add NAME@REQ`, `--require NAME@REQ`, or `--scenarios FILE`"
        );
    }
    Ok(sc)
}

/// The scenarios to run, and the directory relative import paths are taken from.
fn load_scenarios(
    common: &CommonArgs,
    args: &WhatIfArgs,
) -> anyhow::Result<(Vec<Scenario>, PathBuf)> {
    let Some(file) = &args.scenarios else {
        return Ok((vec![scenario_from_flags(common, args)?], PathBuf::from(".")));
    };
    for (set, flag) in [
        (!common.imports.is_empty(), "--import"),
        (!common.targets.is_empty(), "--target"),
        (common.exclude_newer.is_some(), "--exclude-newer"),
        (common.min_age.is_some(), "--min-age"),
    ] {
        if set {
            anyhow::bail!(
                "{flag} cannot be combined with --scenarios: in what-if it describes a scenario\nhint: put it in a scenario of {} (e.g. `import = [\"NAME=PATH\"]`, `target = [...]`, `exclude-newer = \"DATE\"`, `min-age = \"7d\"`)",
                file.display()
            );
        }
    }
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the scenarios file {}", file.display()))?;
    let scenarios = parse_scenarios(&file.display().to_string(), &text)?;
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok((scenarios, dir))
}

pub fn run(common: &CommonArgs, args: &WhatIfArgs, shell: &Shell) -> anyhow::Result<Outcome> {
    if common.dump_instance.is_some() {
        anyhow::bail!("--dump-instance is not supported by what-if\nhint: run `cargo minaudit --dry-run --dump-instance FILE` on a workspace where the change was made");
    }
    let (scenarios, base_dir) = load_scenarios(common, args)?;
    // The baseline: what `report` would find, without any of the scenario flags.
    let mut base = common.clone();
    base.imports.clear();
    base.targets.clear();
    base.exclude_newer = None;
    base.min_age = None;
    let base_cfg = SearchConfig::from_args(&base)?;
    // each scenario's search options, checked before anything is loaded
    let configs: Vec<SearchConfig> = scenarios
        .iter()
        .map(|sc| scenario_config(&base_cfg, sc))
        .collect::<anyhow::Result<_>>()?;
    let shortcuts = !base_cfg.tuning.no_whatif_shortcuts;
    let started = Instant::now();
    // a pretended trusted publisher covers versions by their publishers: look them all up
    let trusted_crates: Vec<String> = scenarios
        .iter()
        .flat_map(|sc| sc.trust_publishers.iter().map(|(k, _)| k.clone()))
        .collect();
    let s = Session::load_with(&base, shell, &trusted_crates)?;
    // every scenario walks the same registry: remember what the first walk loaded
    let s = Session {
        index: Box::new(MemoIndex::new(s.index)),
        ..s
    };
    let current = optimise::price_lock(&s, &s.graph, shell)?;
    if let SuggestOutcome::ViolationConflict(v) = &current.outcome {
        anyhow::bail!(
            "the audit store has {} violation conflicts (cargo-vet fails on them too), so there is no optimum to compare with\nhint: run `cargo minaudit report` to see them",
            v.len()
        );
    }
    let members: Vec<String> = s.workspace.members.iter().map(|m| m.name.clone()).collect();
    let base_roots = roots_from_workspace(&s.workspace, &s.resolved);
    let mut shared = SharedCounts::default();

    // The baseline's search first (solved as `report` solves, stopping after the first stage
    // that reads prices), whose price book and counts every scenario starts from. When that
    // stage did not minimise every criterion (they did not fit one weighted stage), its audits
    // and changes (the full lexicographic solve) run as one more task beside the scenarios.
    shell.status("Baseline", "the optimal lock with no change".to_string());
    let baseline_search = |shared: &mut SharedCounts, lines_only: bool| {
        optimise::find_optimum_with(
            &s,
            &base_cfg,
            &current,
            shell,
            None,
            Variant {
                counts: Some(shared),
                reuse_prices_except: Some(Default::default()),
                lines_only,
                // records what the scenarios reuse (solved as `report` solves)
                shortcuts,
                ..Variant::default()
            },
        )
    };
    let first = baseline_search(&mut shared, true)
        .context("cannot find the baseline optimum (no scenario was run)")?;
    let baseline_lines = first.optimal.total_lines();
    // the baseline's universe: the lock's publisher facts and its candidates'
    let universe = crate::report::CostUniverse {
        publisher_facts: super::publishers::merged(
            s.universe.publisher_facts.as_ref(),
            first.publisher_facts.as_ref(),
        ),
        ..s.universe.clone()
    };
    // One weighted stage usually holds every criterion (`solve::criteria::stages`): then the
    // lines stage was the full solve, and the baseline's row is ready.
    let baseline_row = |found: &optimise::OptimumResult| {
        ScenarioRow::baseline(
            found.solver.status.clone(),
            found.optimal.total_lines(),
            backlog_of(&found.optimal, None).audits,
            found.changes.clone(),
        )
    };
    let baseline_ready = first.solution.complete.then(|| baseline_row(&first));
    let separate_full = baseline_ready.is_none();
    drop(first);
    let baseline_secs = started.elapsed().as_secs_f64();

    let total = scenarios.len();
    // Tasks: the baseline's full solve, then the scenarios, the likely longest first so the
    // workers finish together (`expected_work`); rows keep the file's order.
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(expected_work(&scenarios[i])));
    let tasks: Vec<Option<usize>> = std::iter::once(None)
        .filter(|_| separate_full)
        .chain(order.into_iter().map(Some))
        .collect();
    // Tasks are independent: `--jobs` workers take them in turn, each task with its own copy
    // of the baseline's counts and price book (HiGHS runs single-threaded per solve).
    let jobs = args.jobs.clamp(1, tasks.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes: std::sync::Mutex<Vec<Option<RowOutcome>>> =
        std::sync::Mutex::new((0..total).map(|_| None).collect());
    let baseline_full: std::sync::Mutex<Option<anyhow::Result<ScenarioRow>>> =
        std::sync::Mutex::new(baseline_ready.map(Ok));
    // whether every scenario's answer minimised every criterion, not lines alone
    let all_complete = std::sync::atomic::AtomicBool::new(true);
    // Every task starts from the baseline's counts and price book, never from what an earlier
    // task of the same worker added: which lock a scenario reports among equally good ones
    // must not depend on `--jobs` or on the order tasks ran in.
    let worker = || loop {
        let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let Some(task) = tasks.get(k) else {
            break;
        };
        let Some(i) = *task else {
            let row = baseline_search(&mut shared.clone(), false)
                .context("cannot find the baseline's audits and changes")
                .map(|found| baseline_row(&found));
            *baseline_full.lock().expect("baseline lock") = Some(row);
            continue;
        };
        let sc = &scenarios[i];
        let t = Instant::now();
        shell.status("Scenario", format!("[{}/{total}] {}", i + 1, sc.name));
        let outcome = match run_scenario(
            &s,
            &base,
            &configs[i],
            &current,
            sc,
            &members,
            &base_roots,
            &mut shared.clone(),
            &base_dir,
            !args.full_solve,
            shortcuts,
            shell,
        ) {
            Ok(found) => {
                if !found.solution.complete {
                    all_complete.store(false, std::sync::atomic::Ordering::SeqCst);
                }
                RowOutcome::Solved {
                    status: found.solver.status.clone(),
                    backlog_lines: found.optimal.total_lines(),
                    audits: backlog_of(&found.optimal, None).audits,
                    changes: found.changes,
                }
            }
            Err(e) => RowOutcome::Error(format!("{e:#}")),
        };
        match &outcome {
            RowOutcome::Solved { backlog_lines, .. } => shell.status(
                "Priced",
                format!(
                    "{}: {} lines ({} vs baseline) in {:.1}s",
                    sc.name,
                    crate::report::group_digits(*backlog_lines),
                    whatif::signed(*backlog_lines as i64 - baseline_lines as i64),
                    t.elapsed().as_secs_f64()
                ),
            ),
            RowOutcome::Error(e) => shell.warn(format!("scenario `{}`: error ({e})", sc.name)),
        }
        outcomes.lock().expect("results lock")[i] = Some(outcome);
    };
    if jobs == 1 {
        worker();
    } else {
        std::thread::scope(|scope| {
            for _ in 1..jobs {
                scope.spawn(worker);
            }
            worker();
        });
    }
    let baseline = baseline_full
        .into_inner()
        .expect("baseline lock")
        .expect("the baseline task ran")?;
    // the same model and proven optimum as the lines stage: a difference is a bug
    anyhow::ensure!(
        baseline.backlog_lines == Some(baseline_lines),
        "internal: the baseline's full solve found {:?} lines, its lines stage {baseline_lines}; please report it",
        baseline.backlog_lines
    );
    let rows: Vec<ScenarioRow> = outcomes
        .into_inner()
        .expect("results lock")
        .into_iter()
        .zip(&scenarios)
        .map(|(o, sc)| ScenarioRow::compare(&sc.name, &baseline, o.expect("every scenario ran")))
        .collect();
    shell.status(
        "Finished",
        format!(
            "baseline in {baseline_secs:.1}s, {total} scenarios{} in {:.1}s (total {:.1}s)",
            if separate_full {
                " and the baseline's full solve"
            } else {
                ""
            },
            started.elapsed().as_secs_f64() - baseline_secs,
            started.elapsed().as_secs_f64()
        ),
    );

    let report = WhatIfReport::new(
        universe,
        current.outcome.total_lines(),
        args.full_solve || all_complete.into_inner(),
        baseline,
        rows,
    );
    let text = match common.format {
        OutputFormat::Human => whatif::render_human(&report),
        OutputFormat::Json => whatif::render_json(&report),
        OutputFormat::Markdown => whatif::render_markdown(&report),
    };
    print!("{text}");
    Ok(Outcome::Ok)
}

/// A rough rank of how long a scenario's search takes (measured on incrementalmerkletree:
/// imports re-price many crates and need a few pricing rounds; new roots or a cooldown redo
/// the index walk; `--target` models more rows; certify/trust re-price a crate or two).
fn expected_work(sc: &Scenario) -> u8 {
    if !sc.imports.is_empty() {
        3
    } else if sc.changes_roots()
        || sc.exclude_newer.is_some()
        || sc.min_age.is_some()
        || !sc.targets.is_empty()
    {
        2
    } else {
        1
    }
}

/// One scenario's optimum: roots and store edited as it says, the rest shared.
#[allow(clippy::too_many_arguments)]
fn run_scenario(
    s: &Session,
    base: &CommonArgs,
    cfg: &SearchConfig,
    current: &PricedLock,
    sc: &Scenario,
    members: &[String],
    base_roots: &crate::model::Roots,
    shared: &mut SharedCounts,
    base_dir: &Path,
    lines_only: bool,
    shortcuts: bool,
    shell: &Shell,
) -> anyhow::Result<OptimumResult> {
    let roots = if sc.changes_roots() {
        let mut roots = base_roots.clone();
        apply_to_roots(&mut roots, members, sc).map_err(anyhow::Error::msg)?;
        Some(roots)
    } else {
        None
    };
    let store = if sc.changes_store() {
        let mut texts = Vec::new();
        for (name, origin) in &sc.imports {
            let origin = if super::imports::is_url(origin) || Path::new(origin).is_absolute() {
                origin.clone()
            } else {
                base_dir.join(origin).display().to_string()
            };
            texts.push(super::imports::read_origin(
                name,
                &origin,
                base.offline,
                &s.cache_dir,
                shell,
            )?);
        }
        let loaded = if sc.trust.is_empty() {
            BTreeMap::new()
        } else {
            s.index.load_crates(&sc.trust)?
        };
        let versions_of = |name: &str| {
            loaded
                .get(name)
                .and_then(|c| c.as_ref())
                .map(|c| c.versions.iter().map(|v| v.version.clone()).collect())
                .unwrap_or_default()
        };
        Some(apply_to_store(&s.store, sc, &versions_of, &texts).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    // prices of crates whose audits the scenario does not touch are the baseline's
    let reuse_prices_except = match &store {
        None => Some(Default::default()),
        Some(changed) => crates_with_other_audits(&s.store, changed),
    };
    optimise::find_optimum_with(
        s,
        cfg,
        current,
        shell,
        None,
        Variant {
            roots,
            store: store.as_ref(),
            counts: Some(shared),
            reuse_prices_except,
            lines_only,
            shortcuts,
        },
    )
}

/// A scenario's search options: the baseline's, with its targets and cooldown.
fn scenario_config(base: &SearchConfig, sc: &Scenario) -> anyhow::Result<SearchConfig> {
    Ok(SearchConfig {
        cooldown: config::cooldown(sc.exclude_newer.as_deref(), sc.min_age.as_deref())
            .with_context(|| format!("scenario `{}`", sc.name))?,
        scope: BuildScope {
            targets: sc.targets.clone(),
            ..base.scope.clone()
        },
        ..base.clone()
    })
}
