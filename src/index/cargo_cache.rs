//! Decode cargo's on-disk index cache entry (`<index dir>/.cache/<prefix>/<name>`). Pure.
//!
//! Format (cargo `sources/registry/index/cache.rs`, cache version 3):
//! `[u8 cache version = 3][u32 LE index schema version = 2][index file version]\0`
//! followed by `[semver]\0[JSON line]\0` pairs. The "index file version" is what the sparse
//! protocol revalidates with: `etag: <value>` or `last-modified: <value>`. Cargo writes the
//! original index lines, so the JSON blobs go through the ordinary line parser.

/// A decoded cache entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoCacheEntry {
    /// `etag: ...` / `last-modified: ...` (or another opaque marker).
    pub index_version: String,
    /// JSON index lines, in file order.
    pub lines: Vec<String>,
}

const CACHE_VERSION: u8 = 3;
const INDEX_SCHEMA_VERSION: u32 = 2;

/// Decodes a cache file; the error message says what is wrong (the caller adds the path).
pub fn decode(bytes: &[u8]) -> Result<CargoCacheEntry, String> {
    let (&first, rest) = bytes.split_first().ok_or("empty file")?;
    if first != CACHE_VERSION {
        return Err(format!(
            "cache version {first}, expected {CACHE_VERSION} (written by another cargo version)"
        ));
    }
    let schema: [u8; 4] = rest
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or("truncated header")?;
    let schema = u32::from_le_bytes(schema);
    if schema != INDEX_SCHEMA_VERSION {
        return Err(format!(
            "index schema version {schema}, expected {INDEX_SCHEMA_VERSION}"
        ));
    }
    let body = &rest[4..];
    // Every field, including the last JSON blob, is NUL-terminated.
    let body = body.strip_suffix(&[0]).ok_or("missing final NUL")?;
    let mut fields = body.split(|&b| b == 0);
    let index_version = fields.next().ok_or("missing index file version")?;
    let index_version = std::str::from_utf8(index_version)
        .map_err(|_| "index file version is not UTF-8")?
        .to_string();
    let mut lines = Vec::new();
    while let Some(_semver) = fields.next() {
        let json = fields.next().ok_or("version without a JSON line")?;
        let json = std::str::from_utf8(json).map_err(|_| "JSON line is not UTF-8")?;
        lines.push(json.to_string());
    }
    Ok(CargoCacheEntry {
        index_version,
        lines,
    })
}

/// Splits `etag: v` / `last-modified: v` into an HTTP validator.
pub fn validator(index_version: &str) -> Option<(&'static str, String)> {
    let (key, value) = index_version.split_once(':')?;
    let value = value.trim().to_string();
    match key.trim().to_ascii_lowercase().as_str() {
        "etag" => Some(("etag", value)),
        "last-modified" => Some(("last-modified", value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: &str, pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut v = vec![3u8];
        v.extend_from_slice(&2u32.to_le_bytes());
        v.extend_from_slice(version.as_bytes());
        v.push(0);
        for (s, j) in pairs {
            v.extend_from_slice(s.as_bytes());
            v.push(0);
            v.extend_from_slice(j.as_bytes());
            v.push(0);
        }
        v
    }

    #[test]
    fn decodes_hand_built_entry() {
        let bytes = entry(
            "etag: W/\"abc\"",
            &[("1.0.0", "{\"a\":1}"), ("1.0.1", "{}")],
        );
        let e = decode(&bytes).unwrap();
        assert_eq!(e.index_version, "etag: W/\"abc\"");
        assert_eq!(e.lines, vec!["{\"a\":1}", "{}"]);
        assert_eq!(
            validator(&e.index_version),
            Some(("etag", "W/\"abc\"".to_string()))
        );
    }

    #[test]
    fn rejects_other_versions_and_truncation() {
        let mut bytes = entry("x", &[]);
        bytes[0] = 2;
        assert!(decode(&bytes).unwrap_err().contains("cache version 2"));
        assert!(decode(&[3, 2, 0]).is_err());
        let bytes = entry("x", &[("1.0.0", "{}")]);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(&[]).is_err());
    }
}
