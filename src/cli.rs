//! Command-line types only (clap derive). Parsing happens here, and so does every check of a
//! single flag's value (value parsers: a bad flag fails before any file or network is
//! touched); what the flags mean together is checked in `app`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `cargo minaudit` is invoked by cargo as `cargo-minaudit minaudit ...`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = clap::builder::Styles::styled())]
pub enum CargoCli {
    /// Choose the Cargo.lock versions that minimise the cargo-vet audit backlog
    Minaudit(MinauditArgs),
}

#[derive(Debug, Args)]
#[command(version, about, long_about = None)]
pub struct MinauditArgs {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Print the plan; write nothing (only for the default solve-and-rewrite command)
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Price the current lock (and the optimum); write nothing
    Report(ReportArgs),
    /// Price hypothetical changes against the current optimum; write nothing
    WhatIf(WhatIfArgs),
    /// Why this version was chosen, and what the alternatives cost
    Explain {
        /// Crate name, optionally `NAME@VERSION` (that version's row only)
        #[arg(value_parser = parse_crate_spec)]
        krate: CrateSpec,

        /// Versions solved at the same time (each solve uses one thread)
        #[arg(short, long, value_name = "N", default_value_t = 2, value_parser = parse_jobs)]
        jobs: usize,
    },
}

#[derive(Debug, Args, Default)]
pub struct ReportArgs {
    /// Price only the current lock; skip the search for the optimum (fast on big workspaces)
    #[arg(long)]
    pub no_optimum: bool,

    /// Exit with code 1 when the current backlog exceeds LINES
    #[arg(long, value_name = "LINES")]
    pub fail_above: Option<u64>,

    /// Exit with code 1 when the optimal lock is cheaper than the current one by more than LINES
    #[arg(long, value_name = "LINES", conflicts_with = "no_optimum")]
    pub fail_if_improvable: Option<u64>,

    /// Exit with code 1 when cargo-vet would fail on an audit violation
    #[arg(long)]
    pub fail_on_violation: bool,

    /// With --base: exit with code 1 when the current lock's backlog exceeds the base's by
    /// more than LINES
    #[arg(long, value_name = "LINES", requires = "base")]
    pub fail_added_above: Option<u64>,

    /// With --base: exit with code 1 when the current lock needs an audit of a crate that
    /// neither the base nor the cheapest lock needs one for
    #[arg(long, requires = "base", conflicts_with = "no_optimum")]
    pub fail_on_avoidable: bool,
}

/// `what-if`: the flags describe one scenario (named `cli`); `--scenarios FILE` runs the
/// named scenarios of a TOML file instead. `--import`, `--target`, `--exclude-newer` and
/// `--min-age` are part of the scenario here, never of the baseline.
#[derive(Debug, Args, Default)]
pub struct WhatIfArgs {
    /// Run the scenarios of this TOML file (`[[scenario]]` tables, see README) and compare them
    #[arg(long, value_name = "FILE", conflicts_with_all = ["add", "remove", "require", "trust", "trust_publisher", "certify"])]
    pub scenarios: Option<PathBuf>,

    /// A new dependency of a member: NAME@REQ (repeatable)
    #[arg(long = "add", value_name = "NAME@REQ")]
    pub add: Vec<String>,

    /// Features to enable on the --add dependencies (comma-separated or repeated)
    #[arg(long, value_name = "FEATURES", value_delimiter = ',', requires = "add")]
    pub features: Vec<String>,

    /// The member that gets the --add dependencies [default: the first member]
    #[arg(long, value_name = "NAME", requires = "add")]
    pub member: Option<String>,

    /// Drop a direct dependency from every member (repeatable)
    #[arg(long = "remove", value_name = "NAME")]
    pub remove: Vec<String>,

    /// Change the requirement of a direct dependency: NAME@REQ (repeatable)
    #[arg(long = "require", value_name = "NAME@REQ")]
    pub require: Vec<String>,

    /// Count every version of CRATE as audited (repeatable)
    #[arg(long = "trust", value_name = "CRATE")]
    pub trust: Vec<String>,

    /// Trust a publisher for one crate: CRATE=USER_ID (crates.io user id; repeatable)
    #[arg(long = "trust-publisher", value_name = "CRATE=USER_ID")]
    pub trust_publisher: Vec<String>,

    /// Pretend an audit exists: CRATE@VERSION or CRATE@FROM->TO (repeatable)
    #[arg(long = "certify", value_name = "CRATE@VERSION|CRATE@A->B")]
    pub certify: Vec<String>,

    /// Minimise audits and changes in every scenario even when the criteria do not fit one
    /// weighted solve (slower there); without it such a scenario's backlog is proven optimal
    /// and its audits/changes are those of one lock with that backlog
    #[arg(long)]
    pub full_solve: bool,

    /// Scenarios solved at the same time (each solve uses one thread)
    #[arg(short, long, value_name = "N", default_value_t = 2, value_parser = parse_jobs)]
    pub jobs: usize,
}

/// What a line count covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CountMode {
    /// Every file of the crate, as `cargo vet suggest` counts (the default)
    #[default]
    Vet,
    /// Also count the lines that compile into the crate (lib + build script), beside the vet count
    Code,
}

/// How audits of several versions of one crate are priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PlanMode {
    /// Each version on its own, as `cargo vet suggest` does (the default)
    #[default]
    Independent,
    /// Also the cheapest set of audits covering them all (one audited version as the base of a
    /// delta to another)
    Joint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
    Markdown,
}

/// Options shared by every subcommand (cargo-style names).
#[derive(Debug, Args, Default, Clone)]
pub struct CommonArgs {
    /// Path to the workspace's Cargo.toml
    #[arg(long, value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,

    /// Output format for the data printed on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Human, global = true)]
    pub format: OutputFormat,

    /// Run without accessing the network (index, crates and audit imports come from caches)
    #[arg(long, global = true)]
    pub offline: bool,

    /// Directory for minaudit's caches (index, crates, line counts, imports)
    #[arg(long, value_name = "DIR", global = true, env = "MINAUDIT_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Use a local audit file for an import: NAME=PATH (replaces that import's URL)
    #[arg(long = "import", value_name = "NAME=PATH|URL", global = true)]
    pub imports: Vec<String>,

    /// Use only supply-chain/imports.lock for imported audits, like `cargo vet --locked`
    #[arg(long, global = true)]
    pub frozen_imports: bool,

    /// Read the registry from a directory in Cargo's local-registry layout instead of crates.io
    #[arg(long, value_name = "PATH", global = true)]
    pub registry_dir: Option<PathBuf>,

    /// Ignore versions published after DATE (YYYY-MM-DD or RFC 3339)
    #[arg(long, value_name = "DATE", global = true, value_parser = parse_exclude_newer)]
    pub exclude_newer: Option<String>,

    /// Ignore versions younger than this (e.g. 7d, 48h, 2w)
    #[arg(long, value_name = "DURATION", global = true, value_parser = parse_min_age)]
    pub min_age: Option<String>,

    /// Only price what builds for this target triple (repeatable)
    #[arg(long = "target", value_name = "TRIPLE", global = true)]
    pub targets: Vec<String>,

    /// Only price what builds for this member (repeatable; its default features unless
    /// --features/--all-features say otherwise, like cargo)
    #[arg(short = 'p', long = "package", value_name = "SPEC", global = true)]
    pub packages: Vec<String>,

    /// Only price what these member features build (comma or space separated, `member/feat`)
    #[arg(short = 'F', long = "features", value_name = "FEATURES", global = true)]
    pub features: Vec<String>,

    /// Price what every feature of the selected members builds
    #[arg(long, global = true)]
    pub all_features: bool,

    /// Do not count the selected members' `default` feature
    #[arg(long, global = true)]
    pub no_default_features: bool,

    /// Allow versions whose `rust-version` is newer than the workspace's
    #[arg(long, global = true)]
    pub ignore_rust_version: bool,

    /// Never choose a version below the current lock's (the base's with --base) in the same
    /// semver bucket (updates only; with `-lines` first, never a larger backlog)
    #[arg(long, global = true)]
    pub no_downgrade: bool,

    /// Review against a base lock: a lock file for the current manifests, or a git revision
    /// (read with its own manifests); priced beside the current lock and the optimum, and the
    /// reference for version changes and --no-downgrade
    #[arg(long, value_name = "FILE|REV", global = true)]
    pub base: Option<String>,

    /// `code`: also show the lines that compile into each crate (lib + build script)
    #[arg(long, value_enum, default_value_t = CountMode::Vet, global = true)]
    pub count: CountMode,

    /// Criteria to minimise, in priority order (opam-style): lines (backlog), audits, changed
    /// (versions the lock takes in), lag (newer releases in the chosen versions' buckets)
    /// [default: -lines,-audits,-changed,-lag]
    #[arg(
        long,
        value_name = "CRITERIA",
        global = true,
        allow_hyphen_values = true,
        value_parser = parse_objective
    )]
    pub objective: Option<String>,

    /// `joint`: also show the cheapest audit plan covering several versions of one crate
    /// together (deltas between them) beside cargo-vet's independent suggestions
    #[arg(long, value_enum, default_value_t = PlanMode::Independent, global = true)]
    pub plan: PlanMode,

    /// Give up proving optimality after this many seconds and report the gap
    #[arg(long, value_name = "SECONDS", global = true, value_parser = parse_time_limit)]
    pub time_limit: Option<f64>,

    /// RustSec advisory-db checkout: versions a non-informational advisory affects are never
    /// chosen [default: $CARGO_HOME/advisory-db when present, like cargo-audit]
    #[arg(long, value_name = "PATH", global = true)]
    pub advisory_db: Option<PathBuf>,

    /// Waive one advisory (id or alias, repeatable)
    #[arg(long = "allow-advisory", value_name = "ID", global = true)]
    pub allow_advisories: Vec<String>,

    /// Ignore advisories altogether
    #[arg(long, global = true, conflicts_with = "advisory_db")]
    pub no_advisories: bool,

    /// Write the final priced model to FILE (JSON, gzipped when FILE ends in .gz) for replay
    #[arg(long, value_name = "FILE", global = true)]
    pub dump_instance: Option<PathBuf>,

    /// No status output on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// More status output on stderr (repeatable)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

impl CommonArgs {
    /// The `-p`/`--features`/`--all-features`/`--no-default-features` flags.
    pub fn feature_selection(&self) -> crate::optimise::member_features::FeatureSelection {
        crate::optimise::member_features::FeatureSelection {
            packages: self.packages.clone(),
            features: self.features.clone(),
            all_features: self.all_features,
            no_default_features: self.no_default_features,
        }
    }
}

/// `explain`'s `NAME` or `NAME@VERSION` (an exact version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateSpec {
    pub name: String,
    pub version: Option<semver::Version>,
}

fn parse_crate_spec(text: &str) -> Result<CrateSpec, String> {
    let (name, version) = match text.split_once('@') {
        Some((name, v)) => {
            let version = semver::Version::parse(v).map_err(|e| {
                format!("`{v}` is not a version ({e}); write NAME@MAJOR.MINOR.PATCH, e.g. serde@1.0.200")
            })?;
            (name, Some(version))
        }
        None => (text, None),
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a crate name (letters, digits, `-` and `_`)"
        ));
    }
    Ok(CrateSpec {
        name: name.to_owned(),
        version,
    })
}

fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_time_limit(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(s),
        Ok(_) => Err("must be a positive, finite number of seconds".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_objective(text: &str) -> Result<String, String> {
    crate::solve::Order::parse(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

fn parse_exclude_newer(text: &str) -> Result<String, String> {
    crate::index::cooldown::parse_exclude_newer(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

fn parse_min_age(text: &str) -> Result<String, String> {
    crate::index::cooldown::parse_min_age(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        CargoCli::command().debug_assert();
    }

    #[test]
    fn parses_the_cargo_subcommand_form_with_global_options_after_the_subcommand() {
        let CargoCli::Minaudit(args) = CargoCli::try_parse_from([
            "cargo-minaudit",
            "minaudit",
            "report",
            "--format",
            "json",
            "--frozen-imports",
            "--fail-above",
            "10",
            "--count",
            "code",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--target",
            "aarch64-apple-darwin",
        ])
        .expect("valid command line");
        assert_eq!(args.common.format, OutputFormat::Json);
        assert_eq!(args.common.count, CountMode::Code);
        assert_eq!(
            args.common.targets,
            ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]
        );
        assert!(args.common.frozen_imports);
        match args.command {
            Some(Command::Report(r)) => assert_eq!(r.fail_above, Some(10)),
            other => panic!("expected report, got {other:?}"),
        }
    }

    #[test]
    fn fail_if_improvable_needs_the_optimum() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["cargo-minaudit", "minaudit", "report"];
            argv.extend_from_slice(args);
            CargoCli::try_parse_from(argv)
        };
        let err = parse(&["--no-optimum", "--fail-if-improvable", "0"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        let CargoCli::Minaudit(args) =
            parse(&["--fail-if-improvable", "5", "--fail-on-violation"]).expect("valid");
        match args.command {
            Some(Command::Report(r)) => {
                assert_eq!(r.fail_if_improvable, Some(5));
                assert!(r.fail_on_violation && !r.no_optimum);
            }
            other => panic!("expected report, got {other:?}"),
        }
    }

    #[test]
    fn bad_values_are_refused_while_parsing() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["cargo-minaudit", "minaudit"];
            argv.extend_from_slice(args);
            CargoCli::try_parse_from(argv)
        };
        for bad in [
            &["report", "--no-optimum", "--objective=bogus"][..],
            &["report", "--time-limit", "NaN"],
            &["report", "--time-limit", "inf"],
            &["report", "--time-limit", "0"],
            &["report", "--time-limit=-3"],
            &["explain", "serde", "--jobs", "0"],
            &["what-if", "--jobs", "0"],
            &["report", "--exclude-newer", "yesterday"],
            &["report", "--min-age", "7 parsecs"],
            &["explain", "serde@garbage!!"],
            &["explain", "ser de"],
        ] {
            let err = parse(bad).expect_err(&bad.join(" "));
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{bad:?}"
            );
            assert_eq!(err.exit_code(), 2);
        }
        let CargoCli::Minaudit(args) = parse(&[
            "explain",
            "serde@1.0.200",
            "--objective=-lines,-lag",
            "--time-limit",
            "2.5",
            "--min-age",
            "7d",
            "--exclude-newer",
            "2025-01-01",
        ])
        .expect("valid");
        assert_eq!(args.common.time_limit, Some(2.5));
        match args.command {
            Some(Command::Explain { krate, jobs }) => {
                assert_eq!(krate.name, "serde");
                assert_eq!(krate.version, Some(semver::Version::new(1, 0, 200)));
                assert_eq!(jobs, 2);
            }
            other => panic!("expected explain, got {other:?}"),
        }
    }

    #[test]
    fn what_if_flags_make_one_scenario_and_exclude_a_scenarios_file() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["cargo-minaudit", "minaudit", "what-if"];
            argv.extend_from_slice(args);
            CargoCli::try_parse_from(argv)
        };
        let CargoCli::Minaudit(args) = parse(&[
            "--add",
            "serde@1",
            "--features",
            "derive,std",
            "--certify",
            "a@1.0.0->1.1.0",
            "--import",
            "m=a.toml",
        ])
        .expect("valid");
        match args.command {
            Some(Command::WhatIf(w)) => {
                assert_eq!(w.add, ["serde@1"]);
                assert_eq!(w.features, ["derive", "std"]);
                assert_eq!(w.certify, ["a@1.0.0->1.1.0"]);
            }
            other => panic!("expected what-if, got {other:?}"),
        }
        assert_eq!(args.common.imports, ["m=a.toml"]);
        let err = parse(&["--scenarios", "s.toml", "--remove", "x"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(
            parse(&["--features", "x"]).is_err(),
            "--features needs --add"
        );
    }
}
