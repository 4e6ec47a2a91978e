//! The whole world as files: relative path → bytes (pure, no IO).
//!
//! Layout under the output root (which is also the workspace root):
//! - `Cargo.toml` (virtual workspace) and `<member>/{Cargo.toml,src/lib.rs}`;
//! - `<registry>/index/<prefix>/<name>` (one line per version, world order) and
//!   `<registry>/<name>-<version>.crate`;
//! - `.cargo/config.toml`: `[source.crates-io] replace-with = "fixture"`,
//!   `[source.fixture] local-registry = "<registry>"`. Cargo resolves a relative path in
//!   `<root>/.cargo/config.toml` against `<root>` (the parent of `.cargo`), so the relative form
//!   keeps a committed fixture valid wherever it is cloned;
//! - `supply-chain/{config.toml,audits.toml,imports.lock}` when the world has a vet store.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::model::World;
use super::{crate_file, index_line, manifest, RegistryBuilderError};

/// How `.cargo/config.toml` names the registry directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryPath {
    /// Relative to the workspace root, e.g. `registry`.
    Relative,
    /// Absolute: the output root joined with the registry directory.
    Absolute(PathBuf),
}

/// Rendering options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Registry directory relative to the output root.
    pub registry_dir: String,
    pub registry_path: RegistryPath,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            registry_dir: "registry".to_string(),
            registry_path: RegistryPath::Relative,
        }
    }
}

/// Every file of the world, keyed by `/`-separated path relative to the output root.
pub fn render_world(
    world: &World,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, Vec<u8>>, RegistryBuilderError> {
    world.validate()?;
    let mut out = BTreeMap::new();
    let reg = opts.registry_dir.trim_end_matches('/');
    let mut index: BTreeMap<String, String> = BTreeMap::new();
    for c in &world.crates {
        let bytes = crate_file::build(c).map_err(|e| RegistryBuilderError::Invalid {
            at: format!("crate {} {}", c.name, c.version),
            message: format!("cannot build the .crate archive: {e}"),
            hint: "shorten file paths (tar limits) or report a bug".to_string(),
        })?;
        let line = index_line::render(c, &crate_file::sha256_hex(&bytes));
        let file = index.entry(index_line::index_path(&c.name)).or_default();
        file.push_str(&line);
        file.push('\n');
        out.insert(format!("{reg}/{}-{}.crate", c.name, c.version), bytes);
    }
    for (path, text) in index {
        out.insert(format!("{reg}/index/{path}"), text.into_bytes());
    }
    let ws = &world.workspace;
    out.insert(
        "Cargo.toml".to_string(),
        manifest::workspace_root(ws).into_bytes(),
    );
    for m in &ws.members {
        let dir = m.dir();
        out.insert(
            format!("{dir}/Cargo.toml"),
            manifest::member(m, ws).into_bytes(),
        );
        out.insert(
            format!("{dir}/src/lib.rs"),
            format!("//! Workspace member {}.\n", m.name).into_bytes(),
        );
    }
    let reg_ref = match &opts.registry_path {
        RegistryPath::Relative => reg.to_string(),
        RegistryPath::Absolute(root) => root.join(reg).to_string_lossy().into_owned(),
    };
    out.insert(
        ".cargo/config.toml".to_string(),
        format!(
            "[source.crates-io]\nreplace-with = \"fixture\"\n\n[source.fixture]\nlocal-registry = {}\n",
            manifest::q(&reg_ref)
        )
        .into_bytes(),
    );
    if let Some(vet) = &world.vet {
        out.insert(
            "supply-chain/config.toml".to_string(),
            vet.config.clone().into_bytes(),
        );
        out.insert(
            "supply-chain/audits.toml".to_string(),
            vet.audits.clone().into_bytes(),
        );
        out.insert(
            "supply-chain/imports.lock".to_string(),
            vet.imports_lock.clone().into_bytes(),
        );
    }
    Ok(out)
}
