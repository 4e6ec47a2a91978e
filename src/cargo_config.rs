//! Cargo's source replacement, read the way Cargo reads it, so a workspace whose
//! `.cargo/config.toml` points crates-io at a local registry is priced against that registry
//! (the demo in fixtures/ and offline mirrors work without `--registry-dir`).
//!
//! IO edge: reads config files from the workspace directory upwards and from `$CARGO_HOME`.
//! Cargo looks upwards from the *current directory*; we look upwards from the workspace root,
//! which is where users run `cargo` in practice, then `$CARGO_HOME/config.toml`.

use std::path::{Path, PathBuf};

/// Where a crates-io replacement points, when it is a local registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRegistryReplacement {
    /// The `local-registry` directory, resolved (relative paths are relative to the directory
    /// that holds `.cargo/`).
    pub dir: PathBuf,
    /// The config file that declared it, for status messages.
    pub declared_in: PathBuf,
}

/// Finds `[source.crates-io] replace-with = "X"` + `[source.X] local-registry = "DIR"`.
/// Config files closer to the workspace win, as in Cargo.
pub fn find_local_registry_replacement(
    workspace_root: &Path,
    cargo_home: Option<&Path>,
) -> Result<Option<LocalRegistryReplacement>, String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in workspace_root.ancestors() {
        for file in ["config.toml", "config"] {
            candidates.push(dir.join(".cargo").join(file));
        }
    }
    if let Some(home) = cargo_home {
        candidates.push(home.join("config.toml"));
        candidates.push(home.join("config"));
    }
    let mut replace_with: Option<String> = None;
    let mut sources: Vec<(PathBuf, toml::Table)> = Vec::new();
    for path in candidates {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .unwrap_or(1);
            format!(
                "{}:{line}: invalid cargo configuration: {}",
                path.display(),
                e.message()
            )
        })?;
        if replace_with.is_none() {
            replace_with = table
                .get("source")
                .and_then(|s| s.get("crates-io"))
                .and_then(|s| s.get("replace-with"))
                .and_then(|v| v.as_str())
                .map(str::to_owned);
        }
        sources.push((path, table));
    }
    let Some(name) = replace_with else {
        return Ok(None);
    };
    for (path, table) in &sources {
        let Some(source) = table.get("source").and_then(|s| s.get(&name)) else {
            continue;
        };
        let Some(dir) = source.get("local-registry").and_then(|v| v.as_str()) else {
            return Ok(None);
        };
        // `<base>/.cargo/config.toml`: relative paths resolve against `<base>`.
        let base = path
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        return Ok(Some(LocalRegistryReplacement {
            dir: base.join(dir),
            declared_in: path.clone(),
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_workspace_replaces_crates_io_with_its_registry_dir() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let found = find_local_registry_replacement(&demo, None)
            .unwrap()
            .unwrap();
        assert_eq!(found.dir, demo.join("registry"));
        assert!(found.dir.join("index").is_dir());
    }

    #[test]
    fn a_workspace_without_replacement_has_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            find_local_registry_replacement(dir.path(), None).unwrap(),
            None
        );
    }

    #[test]
    fn malformed_config_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".cargo")).unwrap();
        std::fs::write(dir.path().join(".cargo/config.toml"), "[source]\nx = = 1\n").unwrap();
        let err = find_local_registry_replacement(dir.path(), None).unwrap_err();
        assert!(err.contains("config.toml:2:"), "{err}");
    }
}
