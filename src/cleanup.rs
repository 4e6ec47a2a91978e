//! IO edge: temp files and directories this process must not leave behind, whatever ends it.
//!
//! - [`Registered`] lists a path while it lives and removes it when dropped (return, error,
//!   panic unwinding);
//! - SIGINT, SIGTERM and SIGHUP skip destructors, so [`install_signal_cleanup`] sets a handler
//!   (ctrlc's own thread) that removes every listed path and exits with 130, as Cargo does;
//! - SIGKILL runs nothing, so every such name carries the process id (`<prefix><pid>-...`) and
//!   [`remove_stale`] removes the ones whose process is gone, on the next run.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

static LISTED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes `path` (file or directory tree) when dropped, and on SIGINT/SIGTERM/SIGHUP.
#[derive(Debug)]
pub struct Registered {
    path: PathBuf,
    armed: bool,
}

impl Registered {
    pub fn new(path: PathBuf) -> Registered {
        lock_listed().push(path.clone());
        Registered { path, armed: true }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path now belongs to someone else (e.g. it was renamed into place): keep it.
    pub fn disarm(mut self) {
        self.unlist();
        self.armed = false;
    }

    fn unlist(&self) {
        let mut listed = lock_listed();
        if let Some(i) = listed.iter().rposition(|p| p == &self.path) {
            listed.swap_remove(i);
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if self.armed {
            remove_path(&self.path);
            self.unlist();
        }
    }
}

fn lock_listed() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // a panic while holding the lock leaves the list itself intact
    LISTED.lock().unwrap_or_else(|e| e.into_inner())
}

fn remove_path(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Installs the signal handler once per process; later calls do nothing. A failure to
/// install (another handler owns the signals) only loses the signal-time cleanup.
pub fn install_signal_cleanup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            for path in lock_listed().drain(..) {
                remove_path(&path);
            }
            std::process::exit(130);
        });
    });
}

/// The name prefix for a temp path of this process: `<prefix><pid>-`.
pub fn owned_prefix(prefix: &str) -> String {
    format!("{prefix}{}-", std::process::id())
}

/// Removes the entries of `dir` named `<prefix><pid>-...` (and ending in `suffix`) whose
/// process no longer runs: what a killed run left. Errors are ignored (another user's files,
/// a race with their owner): stale files only cost space.
pub fn remove_stale(dir: &Path, prefix: &str, suffix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
        else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !process_alive(pid) {
                remove_path(&e.path());
            }
        }
    }
}

/// Whether process `pid` exists (one of another user counts as existing).
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // signal 0 checks existence and permission without sending anything
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a portable check, every process counts as alive: nothing is removed.
#[cfg(not(unix))]
pub fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_entries_of_dead_processes_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        // a child that has exited and been reaped: its pid is free
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        let mine = std::process::id();
        for name in [
            format!("minaudit-check-{dead}-abc"),
            format!("minaudit-check-{mine}-abc"),
            format!(".Cargo.lock.minaudit-{dead}-0.tmp"),
            "minaudit-check-notapid-x".to_string(),
            "unrelated".to_string(),
        ] {
            std::fs::create_dir(dir.path().join(name)).expect("mkdir");
        }
        remove_stale(dir.path(), "minaudit-check-", "");
        remove_stale(dir.path(), ".Cargo.lock.minaudit-", ".tmp");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                format!("minaudit-check-{mine}-abc"),
                "minaudit-check-notapid-x".to_string(),
                "unrelated".to_string()
            ]
        );
    }

    #[test]
    fn a_registered_path_is_removed_on_drop_and_kept_when_disarmed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::write(a.join("f"), "x").expect("write");
        std::fs::write(&b, "x").expect("write");
        drop(Registered::new(a.clone()));
        Registered::new(b.clone()).disarm();
        assert!(!a.exists() && b.exists());
        assert!(!lock_listed().iter().any(|p| p == &a || p == &b));
    }
}
