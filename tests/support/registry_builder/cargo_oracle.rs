//! Real cargo as the validity oracle (IO edge: runs processes, creates a temp dir).
//!
//! Every command runs offline with a fresh, empty `CARGO_HOME`, so the user's config, caches
//! and credentials cannot leak in and nothing reaches the network; the workspace's own
//! `.cargo/config.toml` (source replacement to a local registry) is what cargo sees. `CARGO_*`
//! variables inherited from an outer cargo (tests run under `cargo test`) are removed because
//! cargo reads config from the environment too.
//!
//! A lock is valid iff `cargo metadata --locked --offline` (resolves and unpacks every
//! package, checking checksums) and `cargo update --workspace --locked --offline` (exits 101 on
//! any lock cargo would change) both succeed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// An isolated cargo: a private empty `CARGO_HOME`, removed on drop.
#[derive(Debug)]
pub struct CargoOracle {
    home: PathBuf,
    cargo: PathBuf,
}

static NEXT_HOME: AtomicU32 = AtomicU32::new(0);

impl CargoOracle {
    /// Create a fresh `CARGO_HOME` under the system temp dir.
    pub fn new() -> Result<Self, String> {
        let base = std::env::temp_dir();
        for _ in 0..1000 {
            let n = NEXT_HOME.fetch_add(1, Ordering::Relaxed);
            let home = base.join(format!("minaudit-cargo-home-{}-{n}", std::process::id()));
            match std::fs::create_dir(&home) {
                Ok(()) => {
                    return Ok(Self {
                        home,
                        cargo: cargo_binary(),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(format!(
                        "cannot create an isolated CARGO_HOME in {}: {e}",
                        base.display()
                    ))
                }
            }
        }
        Err(format!(
            "cannot create an isolated CARGO_HOME in {}: too many leftovers",
            base.display()
        ))
    }

    pub fn cargo_home(&self) -> &Path {
        &self.home
    }

    /// A cargo command in `dir` with the isolated environment.
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.cargo);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("CARGO")
                || k.starts_with("__CARGO")
                || k == "RUSTC_WRAPPER"
                || k == "RUSTC_WORKSPACE_WRAPPER"
            {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.env("CARGO_HOME", &self.home)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_TERM_COLOR", "never")
            .current_dir(dir)
            .args(args);
        cmd
    }

    /// Run cargo; stdout on success, a message with cargo's stderr on failure.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Result<String, String> {
        let shown = format!("cargo {}", args.join(" "));
        let out = self
            .command(dir, args)
            .output()
            .map_err(|e| format!("cannot run `{shown}` ({}): {e}", self.cargo.display()))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "`{shown}` failed in {} ({}):\n{}",
                dir.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// `cargo generate-lockfile --offline`.
    pub fn generate_lockfile(&self, workspace_dir: &Path) -> Result<(), String> {
        self.run(workspace_dir, &["generate-lockfile", "--offline"])
            .map(|_| ())
    }

    /// `cargo metadata --locked --offline` (JSON on stdout).
    pub fn metadata(&self, workspace_dir: &Path) -> Result<String, String> {
        self.run(
            workspace_dir,
            &["metadata", "--locked", "--offline", "--format-version", "1"],
        )
    }

    /// The validity oracle: metadata and update, both `--locked --offline`.
    pub fn check_lock(&self, workspace_dir: &Path) -> Result<(), String> {
        self.metadata(workspace_dir)?;
        self.run(
            workspace_dir,
            &["update", "--workspace", "--locked", "--offline"],
        )
        .map(|_| ())
    }
}

impl Drop for CargoOracle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// The cargo that runs us (`CARGO` is set under `cargo test`/`cargo run`), else `cargo`.
fn cargo_binary() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// THE validity oracle for a written lock: `cargo metadata --locked --offline` and
/// `cargo update --workspace --locked --offline` with an isolated `CARGO_HOME`.
/// `Err` carries cargo's stderr.
pub fn check_lock(workspace_dir: &Path) -> Result<(), String> {
    CargoOracle::new()?.check_lock(workspace_dir)
}

/// `cargo generate-lockfile --offline` with an isolated `CARGO_HOME`.
pub fn generate_lockfile(workspace_dir: &Path) -> Result<(), String> {
    CargoOracle::new()?.generate_lockfile(workspace_dir)
}
