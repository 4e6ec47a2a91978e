//! Shared by the `report_*` tests: a private copy of `fixtures/demo` (with its `.cargo` source
//! replacement and local registry), a private `CARGO_HOME` and `--cache-dir`, and the built
//! `cargo-minaudit` binary run on it the way cargo runs a subcommand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn demo_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// Recursively copies `src` into `dst` (regular files and directories only).
pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("create copy dir");
    for entry in std::fs::read_dir(src).expect("read_dir") {
        let entry = entry.expect("dir entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy file");
        }
    }
}

/// Every file under `root` (relative path → bytes).
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                out.insert(
                    rel.to_string_lossy().replace('\\', "/"),
                    std::fs::read(&p).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A private copy of the demo workspace.
pub struct Demo {
    pub tmp: tempfile::TempDir,
    /// The workspace copy (`.cargo/`, `registry/`, `supply-chain/`, `Cargo.lock`, ...).
    pub dir: PathBuf,
    /// minaudit's `--cache-dir`.
    pub cache: PathBuf,
    /// `CARGO_HOME` for every process the test starts.
    pub cargo_home: PathBuf,
}

impl Demo {
    pub fn new() -> Demo {
        let demo = Demo::in_dir("demo");
        copy_tree(&demo_src(), &demo.dir);
        assert!(
            demo.dir.join(".cargo/config.toml").is_file(),
            "the copy must keep the demo's source replacement"
        );
        demo
    }

    /// A private, empty workspace directory (for a world a test writes itself), with its own
    /// `CARGO_HOME` and `--cache-dir`.
    pub fn empty() -> Demo {
        let demo = Demo::in_dir("ws");
        std::fs::create_dir_all(&demo.dir).expect("workspace dir");
        demo
    }

    /// A temp dir with `name/` for the workspace (not created), a cache and a `CARGO_HOME`.
    fn in_dir(name: &str) -> Demo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join(name);
        let cache = tmp.path().join("minaudit-cache");
        let cargo_home = tmp.path().join("cargo-home");
        std::fs::create_dir_all(&cargo_home).expect("cargo home");
        Demo {
            tmp,
            dir,
            cache,
            cargo_home,
        }
    }

    /// `cargo-minaudit minaudit ARGS --cache-dir CACHE`, run in the copy with the private
    /// `CARGO_HOME` and no inherited cargo or minaudit settings.
    pub fn minaudit(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("cargo-minaudit").expect("binary built");
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("CARGO_") && k != "CARGO_TARGET_DIR"
                || k.starts_with("MINAUDIT_")
                || k == "XDG_CACHE_HOME"
            {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.current_dir(&self.dir)
            .env("CARGO_HOME", &self.cargo_home)
            .env("CARGO_TERM_COLOR", "never")
            .arg("minaudit")
            .args(args)
            .arg("--cache-dir")
            .arg(&self.cache);
        cmd
    }

    /// `report --frozen-imports --offline` plus `extra`.
    pub fn report(&self, extra: &[&str]) -> Output {
        let mut args = vec!["report", "--frozen-imports", "--offline"];
        args.extend_from_slice(extra);
        self.minaudit(&args).output().expect("run cargo-minaudit")
    }

    /// `--dry-run --frozen-imports --offline --format json` (the plan, as JSON) plus `extra`.
    pub fn plan(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "--dry-run",
            "--frozen-imports",
            "--offline",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        self.minaudit(&args).output().expect("run cargo-minaudit")
    }

    /// `explain KRATE --frozen-imports --offline --format json`.
    pub fn explain(&self, krate: &str) -> Output {
        let args = [
            "explain",
            krate,
            "--frozen-imports",
            "--offline",
            "--format",
            "json",
        ];
        self.minaudit(&args).output().expect("run cargo-minaudit")
    }

    /// `cargo vet suggest --locked --frozen` on the copy (cargo-vet 0.10 on PATH, offline, its
    /// crate cache filled from the demo registry, the store formatted first as `--locked`
    /// insists): the backlog it prints (0 when it suggests nothing). `label` names the case
    /// in failures; with `strict` a failed suggest or a failed download fails the test.
    pub fn cargo_vet_suggest(&self, label: &str, strict: bool) -> u64 {
        let vet_cache = self.tmp.path().join("vet-cache");
        std::fs::create_dir_all(vet_cache.join("cache")).expect("vet cache");
        for e in std::fs::read_dir(self.dir.join("registry")).expect("registry") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "crate") {
                let to = vet_cache.join("cache").join(p.file_name().expect("name"));
                std::fs::copy(&p, to).expect("copy crate");
            }
        }
        let vet = || {
            let mut c = std::process::Command::new("cargo");
            c.current_dir(&self.dir)
                .env("CARGO_HOME", &self.cargo_home)
                .env("CARGO_NET_OFFLINE", "true");
            c
        };
        let version = vet().args(["vet", "--version"]).output();
        match &version {
            Ok(o) if String::from_utf8_lossy(&o.stdout).starts_with("cargo-vet 0.10") => {}
            other => panic!(
                "this opt-in test needs cargo-vet 0.10 on PATH (`cargo install --locked cargo-vet@0.10.3`): {other:?}"
            ),
        }
        let fmt = vet().args(["vet", "fmt"]).output().expect("cargo vet fmt");
        assert!(fmt.status.success(), "{label}: cargo vet fmt");
        let out = vet()
            .args([
                "vet",
                "suggest",
                "--locked",
                "--frozen",
                "--output-format",
                "json",
            ])
            .arg("--cache-dir")
            .arg(&vet_cache)
            .output()
            .expect("cargo vet suggest");
        let err = String::from_utf8_lossy(&out.stderr);
        if strict {
            assert!(!err.contains("failed to start download"), "{label}: {err}");
            assert!(out.status.success(), "{label}: cargo vet suggest: {err}");
        }
        let theirs: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{label}: cargo vet json ({e}): {err}"));
        theirs["suggest"]["total_lines"].as_u64().unwrap_or(0)
    }

    /// Replaces the copy's (and cache's) absolute paths by stable placeholders.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        // Canonical forms first (e.g. /tmp is a symlink on macOS), then the paths as given.
        for (path, label) in [(&self.cache, "[CACHE]"), (&self.dir, "[DEMO]")] {
            if let Ok(canonical) = path.canonicalize() {
                text = text.replace(&canonical.display().to_string(), label);
            }
            text = text.replace(&path.display().to_string(), label);
        }
        text
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

/// The JSON on stdout of a run that must have succeeded (stderr shown otherwise).
pub fn json_ok(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("json on stdout")
}

/// `git diff --no-index --numstat --ignore-cr-at-eol FROM TO`, summed the way cargo-vet sums
/// it: insertions + deletions, binary files (`-`) count 0, `Cargo.lock`, `.cargo_vcs_info.json`
/// and `.cargo-ok` skipped. Git runs without user or system config so the count is stable.
pub fn git_lines(from: &Path, to: &Path, scratch: &Path) -> u64 {
    let out = std::process::Command::new("git")
        .current_dir(scratch)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", scratch)
        .args(["diff", "--no-index", "--numstat", "--ignore-cr-at-eol"])
        .arg(from)
        .arg(to)
        .output()
        .expect("run git (needed by this test and by the product)");
    // 0 = no difference, 1 = differences; anything else is a git failure.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "git diff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut total = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut cols = line.splitn(3, '\t');
        let (ins, del, path) = (
            cols.next().expect("insertions"),
            cols.next().expect("deletions"),
            cols.next().expect("path"),
        );
        let file = path
            .rsplit(['/', ' '])
            .next()
            .unwrap_or(path)
            .trim_end_matches('}');
        if matches!(file, "Cargo.lock" | ".cargo_vcs_info.json" | ".cargo-ok") {
            continue;
        }
        if ins == "-" {
            continue; // binary
        }
        total += ins.parse::<u64>().expect("insertions") + del.parse::<u64>().expect("deletions");
    }
    total
}

/// Unpacks `REGISTRY/NAME-VERSION.crate` with the system `tar` into `dir`; returns the tree.
pub fn unpack(registry: &Path, name: &str, version: &str, dir: &Path) -> PathBuf {
    let stem = format!("{name}-{version}");
    let tree = dir.join(&stem);
    if !tree.is_dir() {
        let status = std::process::Command::new("tar")
            .arg("-xzf")
            .arg(registry.join(format!("{stem}.crate")))
            .arg("-C")
            .arg(dir)
            .status()
            .expect("run tar");
        assert!(status.success(), "tar failed on {stem}.crate");
    }
    assert!(tree.is_dir(), "{stem}.crate did not unpack into {stem}/");
    tree
}
