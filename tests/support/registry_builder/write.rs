//! Writing a rendered world to disk (IO edge).

use std::collections::BTreeMap;
use std::path::Path;

use super::model::World;
use super::render::{render_world, RenderOptions};
use super::RegistryBuilderError;

/// Render `world` and write every file under `root` (created if missing). Existing files with
/// the same paths are overwritten; nothing else is touched. Returns the rendered files.
pub fn write_world(
    world: &World,
    root: &Path,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, Vec<u8>>, RegistryBuilderError> {
    let files = render_world(world, opts)?;
    write_files(root, &files)?;
    Ok(files)
}

/// Write `files` (relative `/`-separated paths) under `root`.
pub fn write_files(
    root: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(), RegistryBuilderError> {
    for (rel, bytes) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| RegistryBuilderError::Io {
                path: parent.to_path_buf(),
                error: source,
            })?;
        }
        std::fs::write(&path, bytes).map_err(|source| RegistryBuilderError::Io {
            path,
            error: source,
        })?;
    }
    Ok(())
}
