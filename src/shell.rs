//! Status output on stderr, cargo-style (`    Updating crates.io index`), and progress bars.
//! IO edge: the only module besides `app` that writes to the terminal. Data never goes here;
//! it goes to stdout from `app`.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Shell {
    verbosity: Verbosity,
    color: bool,
}

impl Shell {
    pub fn new(verbosity: Verbosity) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Shell { verbosity, color }
    }

    /// `    Verb message`, verb right-aligned to 12 columns, green and bold on a terminal.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        self.line("32", verb, &message.to_string());
    }

    /// Like [`Shell::status`], shown only with `-v`.
    pub fn verbose(&self, verb: &str, message: impl std::fmt::Display) {
        if self.verbosity == Verbosity::Verbose {
            self.line("36", verb, &message.to_string());
        }
    }

    pub fn warn(&self, message: impl std::fmt::Display) {
        if self.verbosity != Verbosity::Quiet {
            self.prefixed("33", "warning", &message.to_string());
        }
    }

    /// Errors are printed even with `--quiet`.
    pub fn error(&self, message: impl std::fmt::Display) {
        self.prefixed("31", "error", &message.to_string());
    }

    fn line(&self, color: &str, verb: &str, message: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.color {
            writeln!(err, "\x1b[1;{color}m{verb:>12}\x1b[0m {message}")
        } else {
            writeln!(err, "{verb:>12} {message}")
        };
    }

    fn prefixed(&self, color: &str, label: &str, message: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.color {
            writeln!(
                err,
                "\x1b[1;{color}m{label}\x1b[0m\x1b[1m:\x1b[0m {message}"
            )
        } else {
            writeln!(err, "{label}: {message}")
        };
    }

    /// A progress bar on stderr, hidden when quiet or not a terminal.
    pub fn progress(&self, verb: &str, total: u64) -> ProgressBar {
        if self.verbosity == Verbosity::Quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        let template = format!("{verb:>12} [{{bar:40}}] {{pos}}/{{len}} {{wide_msg}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }
}
