//! The only place that sequences IO: parse flags, load inputs, run the pure core, print.
//! One function per subcommand; `main.rs` only maps the outcome to an exit code.
//!
//! Exit codes (README, JSON output): 0 ok, 1 a gate failed (`--fail-above`), 2 error.

mod backlog;
mod base;
mod build_filter;
mod check_copy;
mod config;
mod counts;
mod explain_cmd;
mod imports;
mod inputs;
mod lock_state;
mod memory;
mod minimise_cmd;
mod optimise;
mod pricing;
mod publishers;
mod recheck;
mod report_cmd;
mod scope;
mod search_trail;
mod whatif_cmd;
mod workspace_lock;
mod write_lock;

use clap::Parser;

use crate::cli::{CargoCli, Command, MinauditArgs};
use crate::shell::{Shell, Verbosity};

/// What a subcommand concluded, before it becomes an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    GateFailed,
}

/// Parses `std::env::args`, runs, prints errors; returns the process exit code.
pub fn main_with_exit_code() -> i32 {
    // before any thread starts (glibc reads the arena limit when a thread first allocates)
    memory::limit_malloc_arenas();
    crate::cleanup::install_signal_cleanup();
    let CargoCli::Minaudit(args) = CargoCli::parse();
    let shell = Shell::new(verbosity(&args));
    match run(&args, &shell) {
        Ok(Outcome::Ok) => 0,
        Ok(Outcome::GateFailed) => 1,
        Err(err) => {
            shell.error(format!("{err:#}"));
            2
        }
    }
}

fn verbosity(args: &MinauditArgs) -> Verbosity {
    if args.common.quiet {
        Verbosity::Quiet
    } else if args.common.verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}

pub fn run(args: &MinauditArgs, shell: &Shell) -> anyhow::Result<Outcome> {
    match &args.command {
        Some(Command::Report(report)) => report_cmd::run(&args.common, report, shell),
        None => minimise_cmd::run(&args.common, args.dry_run, shell),
        Some(Command::WhatIf(what_if)) => whatif_cmd::run(&args.common, what_if, shell),
        Some(Command::Explain { krate, jobs }) => {
            explain_cmd::run(&args.common, krate, *jobs, shell)
        }
    }
}
