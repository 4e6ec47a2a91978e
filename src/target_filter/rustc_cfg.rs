//! IO edge: the cfg values of a target, from rustc.
//!
//! `rustc --print cfg --target T` prints one cfg per line (`unix`, `target_os="linux"`) and
//! compiles nothing; it works for any target rustc knows, installed or not. The host triple
//! comes from `rustc -vV` (`host: ...`), as Cargo reads it. `RUSTC` overrides the binary, as
//! for Cargo. Not replicated: Cargo also passes `RUSTFLAGS`/`build.rustflags` to this query, so
//! flags like `-C target-feature=+crt-static` may change a few `target_feature` values.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use super::{Platforms, TargetFilterError, TargetPlatform};

/// Where target cfg values come from.
pub trait CfgSource {
    /// The host triple (what build scripts and proc-macros compile for).
    fn host(&self) -> Result<String, TargetFilterError>;
    /// The cfg values of `target` (a triple or a custom target `.json` path).
    fn platform(&self, target: &str) -> Result<TargetPlatform, TargetFilterError>;
}

/// Asks the real rustc.
#[derive(Debug, Clone)]
pub struct RustcCfgSource {
    pub rustc: PathBuf,
}

impl RustcCfgSource {
    /// `rustc_env` is the value of `RUSTC`, if set; otherwise `rustc` from `PATH`.
    pub fn new(rustc_env: Option<OsString>) -> Self {
        let rustc = rustc_env
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("rustc"));
        RustcCfgSource { rustc }
    }

    fn run(&self, args: &[&str]) -> Result<String, TargetFilterError> {
        let command = format!("{} {}", self.rustc.display(), args.join(" "));
        let output = Command::new(&self.rustc).args(args).output().map_err(|e| {
            TargetFilterError::Rustc {
                command: command.clone(),
                message: e.to_string(),
                hint: "install Rust (rustup) or set RUSTC to the compiler Cargo uses".to_string(),
            }
        })?;
        if !output.status.success() {
            return Err(TargetFilterError::Rustc {
                command,
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
                hint: "check the target name with `rustc --print target-list`".to_string(),
            });
        }
        String::from_utf8(output.stdout).map_err(|e| TargetFilterError::Rustc {
            command,
            message: format!("output is not UTF-8: {e}"),
            hint: "set RUSTC to a working rustc".to_string(),
        })
    }
}

impl CfgSource for RustcCfgSource {
    fn host(&self) -> Result<String, TargetFilterError> {
        let text = self.run(&["-vV"])?;
        parse_host(&text).ok_or_else(|| TargetFilterError::Rustc {
            command: format!("{} -vV", self.rustc.display()),
            message: "no `host:` line in the output".to_string(),
            hint: "set RUSTC to a working rustc".to_string(),
        })
    }

    fn platform(&self, target: &str) -> Result<TargetPlatform, TargetFilterError> {
        let args = ["--print", "cfg", "--target", target];
        let text = self.run(&args)?;
        let origin = format!("{} {}", self.rustc.display(), args.join(" "));
        TargetPlatform::from_rustc_cfg(target, &text, &origin)
    }
}

/// The `host:` value of `rustc -vV` output (pure).
pub fn parse_host(version_verbose: &str) -> Option<String> {
    version_verbose
        .lines()
        .find_map(|l| l.strip_prefix("host:"))
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// Canned cfg lists (tests, machines without rustc).
#[derive(Debug, Clone, Default)]
pub struct FixtureCfgSource {
    pub host: String,
    /// Target name → `rustc --print cfg` text.
    pub cfgs: BTreeMap<String, String>,
}

impl FixtureCfgSource {
    pub fn new(host: &str) -> Self {
        FixtureCfgSource {
            host: host.to_string(),
            cfgs: BTreeMap::new(),
        }
    }

    pub fn with(mut self, target: &str, cfg_text: &str) -> Self {
        self.cfgs.insert(target.to_string(), cfg_text.to_string());
        self
    }
}

impl CfgSource for FixtureCfgSource {
    fn host(&self) -> Result<String, TargetFilterError> {
        Ok(self.host.clone())
    }

    fn platform(&self, target: &str) -> Result<TargetPlatform, TargetFilterError> {
        let text = self
            .cfgs
            .get(target)
            .ok_or_else(|| TargetFilterError::FixtureMissing {
                target: target.to_string(),
            })?;
        TargetPlatform::from_rustc_cfg(target, text, &format!("fixture cfg of {target}"))
    }
}

/// The host and the `--target` platforms, from rustc.
pub fn platforms_of(cfg: &dyn CfgSource, targets: &[String]) -> anyhow::Result<Platforms> {
    let host_name = cfg.host()?;
    let host = cfg
        .platform(&host_name)
        .with_context(|| format!("cannot read the cfg values of the host `{host_name}`"))?;
    let mut seen = BTreeSet::new();
    let mut platforms = Vec::new();
    for t in targets {
        if seen.insert(t.as_str()) {
            platforms.push(cfg.platform(t)?);
        }
    }
    Ok(Platforms {
        host,
        targets: platforms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_line_is_found() {
        let text = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\n";
        assert_eq!(
            parse_host(text).as_deref(),
            Some("x86_64-unknown-linux-gnu")
        );
        assert_eq!(parse_host("rustc 1.0\n"), None);
    }
}
