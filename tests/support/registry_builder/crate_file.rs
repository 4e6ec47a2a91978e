//! `.crate` archives, built in memory: gzip'd tar, every entry under `<name>-<version>/`.
//!
//! Reproducible on purpose (fixtures are committed and checked for drift): entries sorted by
//! path, fixed mtime/uid/gid/mode, no directory entries (cargo writes none either), and a gzip
//! header with mtime 0 and no file name. The bytes still depend on flate2's deflate backend; a
//! backend change shows up as drift in the committed demo, which the drift test reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use sha2::{Digest, Sha256};

use super::manifest;
use super::model::{CrateSpec, FileSpec};

/// 2025-01-01T00:00:00Z: the mtime of every entry.
pub const ENTRY_MTIME: u64 = 1_735_689_600;

/// The file tree of a crate (path inside `<name>-<version>/` → bytes).
pub fn files(c: &CrateSpec) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    out.insert(
        "Cargo.toml".to_string(),
        manifest::normalized(c).into_bytes(),
    );
    out.insert(
        "Cargo.toml.orig".to_string(),
        manifest::original(c).into_bytes(),
    );
    out.insert(
        "src/lib.rs".to_string(),
        format!(
            "//! Synthetic fixture crate {} {}.\n\npub fn version() -> &'static str {{\n    \"{}\"\n}}\n",
            c.name, c.version, c.version
        )
        .into_bytes(),
    );
    if manifest::needs_build_script(c) {
        out.insert("build.rs".to_string(), b"fn main() {}\n".to_vec());
    }
    for (path, spec) in &c.files {
        out.insert(path.clone(), contents(path, spec));
    }
    out
}

/// Bytes of one described file. Synthetic lines do not mention the version, so two versions
/// with N and N+k lines differ by exactly k added lines.
pub fn contents(path: &str, spec: &FileSpec) -> Vec<u8> {
    match spec {
        FileSpec::Text(t) => t.clone().into_bytes(),
        FileSpec::Synthetic { lines } => {
            let mut s = String::new();
            for i in 1..=*lines {
                let _ = writeln!(s, "// {path} line {i}");
            }
            s.into_bytes()
        }
    }
}

/// The `.crate` bytes.
pub fn build(c: &CrateSpec) -> std::io::Result<Vec<u8>> {
    let prefix = format!("{}-{}", c.name, c.version);
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::new(6));
    let mut tar = tar::Builder::new(gz);
    for (path, data) in files(c) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(ENTRY_MTIME);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, format!("{prefix}/{path}"), data.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

/// Lowercase hex SHA-256, the index `cksum`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
