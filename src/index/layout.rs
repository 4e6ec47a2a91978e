//! Cargo's index path rule, shared by the sparse index, the caches and `local-registry`.
//!
//! A crate's index file lives at `<prefix>/<name>` with the name lowercased (crates.io names
//! are case-insensitive, the files are not): names of length 1 and 2 go to `1/` and `2/`,
//! length 3 to `3/<first char>/`, longer names to `<chars 0..2>/<chars 2..4>/`. This is
//! cargo's `make_dep_path(lowered_name, false)`; the unit tests check it against
//! crates-index's own implementation.

use super::IndexError;

/// Whether `name` can be a registry crate name. Cargo's rules are stricter (first char a
/// letter, length limits on crates.io); here we only refuse what would make an unsafe or
/// ambiguous path, because other registries may be laxer.
pub fn is_valid_crate_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `ab/cd/abcdef`-style relative path (always `/`-separated, lowercase) of a crate's index
/// file.
pub fn index_relative_path(name: &str) -> Result<String, IndexError> {
    if !is_valid_crate_name(name) {
        return Err(IndexError::InvalidName(name.to_string()));
    }
    let lower = name.to_ascii_lowercase();
    // All bytes are ASCII (checked above), so byte slicing is on char boundaries.
    let prefix = match lower.len() {
        1 => "1".to_string(),
        2 => "2".to_string(),
        3 => format!("3/{}", &lower[..1]),
        _ => format!("{}/{}", &lower[..2], &lower[2..4]),
    };
    Ok(format!("{prefix}/{lower}"))
}

/// The same path as components, for joining onto a directory portably.
pub fn index_relative_components(name: &str) -> Result<Vec<String>, IndexError> {
    Ok(index_relative_path(name)?
        .split('/')
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_paths() {
        assert_eq!(index_relative_path("a").unwrap(), "1/a");
        assert_eq!(index_relative_path("io").unwrap(), "2/io");
        assert_eq!(index_relative_path("Syn").unwrap(), "3/s/syn");
        assert_eq!(index_relative_path("serde").unwrap(), "se/rd/serde");
        assert_eq!(index_relative_path("Inflector").unwrap(), "in/fl/inflector");
    }

    #[test]
    fn agrees_with_crates_index() {
        // Independent oracle: crates-index computes sparse URLs with cargo's rule.
        let idx = crates_index::SparseIndex::at_path(
            std::path::PathBuf::from("/nonexistent"),
            "sparse+https://index.crates.io/".to_string(),
        );
        for name in [
            "a",
            "ab",
            "abc",
            "abcd",
            "MyCrate",
            "serde_json",
            "tokio-util",
            "x_y",
        ] {
            let url = idx.crate_url(name).unwrap();
            let expected = url.strip_prefix("https://index.crates.io/").unwrap();
            assert_eq!(index_relative_path(name).unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn refuses_path_tricks() {
        for bad in ["", "../etc", "a/b", "a b", "é", "a.b"] {
            assert!(index_relative_path(bad).is_err(), "{bad:?}");
        }
    }
}
