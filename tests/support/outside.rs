//! What opt-in tests need from outside the repository. A test that needs one of these is
//! `#[ignore]`d (run it with `cargo test -- --ignored`) and fails, naming what is missing,
//! when it is run without it: no test passes by skipping.

use std::path::PathBuf;

/// `../shared` beside the repository, or `MINAUDIT_SHARED`: the real-world corpus, the audit
/// sources and the advisory-db snapshot.
pub fn shared_dir() -> PathBuf {
    let p = std::env::var_os("MINAUDIT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        p.join("realworld").is_dir(),
        "{} has no realworld/: this opt-in test needs the shared data (set MINAUDIT_SHARED)",
        p.display()
    );
    p
}

/// Fails unless `cargo vet --version` (run by `run`) says 0.10.
pub fn require_cargo_vet(version: Result<String, impl std::fmt::Debug>) {
    match version {
        Ok(v) if v.starts_with("cargo-vet 0.10") => {}
        other => panic!(
            "this opt-in test needs cargo-vet 0.10 on PATH (`cargo install --locked cargo-vet@0.10.3`): {other:?}"
        ),
    }
}
