//! Ordering of lock-file source strings, as Cargo orders `SourceId`s.
//!
//! Cargo sorts `[[package]]` entries by (name, version, `SourceId`), and a `SourceId` by kind
//! first — path < registry < sparse < local-registry < directory < git, git ordered by its
//! reference (tag < branch < rev < default branch) — then by canonical URL (github.com paths
//! lower-cased, trailing `/` and `.git` dropped, query and `#commit` ignored). Dependency strings
//! are sorted the same way except that the URL is compared as written (query included).
//! See rust-lang/cargo `cargo-util-schemas/src/core/source_kind.rs` and
//! `util/canonical_url.rs`. URLs are compared as strings, not through the `url` crate: the
//! two differ only on URLs Cargo would have normalised before writing them.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GitRef {
    Tag(String),
    Branch(String),
    Rev(String),
    DefaultBranch,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Path,
    Registry,
    Sparse,
    LocalRegistry,
    Directory,
    Git(GitRef),
    /// Not a source Cargo writes; sorted last, by string.
    Unknown,
}

/// The source string without its `#precise` fragment (how dependency strings name git sources).
pub fn source_without_precise(source: &str) -> &str {
    match source.split_once('#') {
        Some((base, _)) => base,
        None => source,
    }
}

fn kind_and_url(source: &str) -> (Kind, &str) {
    let Some((kind, url)) = source.split_once('+') else {
        return (Kind::Unknown, source);
    };
    let kind = match kind {
        "registry" => Kind::Registry,
        "sparse" => return (Kind::Sparse, source),
        "local-registry" => Kind::LocalRegistry,
        "directory" => Kind::Directory,
        "path" => Kind::Path,
        "git" => Kind::Git(git_ref(url)),
        _ => Kind::Unknown,
    };
    (kind, url)
}

fn git_ref(url: &str) -> GitRef {
    let url = source_without_precise(url);
    let mut reference = GitRef::DefaultBranch;
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = v.to_string();
            match k {
                "branch" | "ref" => reference = GitRef::Branch(v),
                "rev" => reference = GitRef::Rev(v),
                "tag" => reference = GitRef::Tag(v),
                _ => {}
            }
        }
    }
    reference
}

/// Cargo's `CanonicalUrl` for the URL part of a source.
fn canonical_url(url: &str) -> String {
    let url = source_without_precise(url);
    let url = url.split_once('?').map_or(url, |(base, _)| base);
    let mut url = url.strip_suffix('/').unwrap_or(url).to_string();
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    // The `url` crate lower-cases the host.
    let host_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    url = format!(
        "{}{}{}",
        &url[..scheme_end],
        url[scheme_end..host_end].to_lowercase(),
        &url[host_end..]
    );
    if !url[..scheme_end].contains('+') {
        let rest = &url[scheme_end..];
        if rest.starts_with("github.com/") || rest == "github.com" {
            url = format!("https://{}", rest.to_lowercase());
        }
        if let Some(stripped) = url.strip_suffix(".git") {
            url = stripped.to_string();
        }
    }
    url
}

/// Cargo's order of two `[[package]]` sources (`None` = path).
pub fn source_cmp(a: Option<&str>, b: Option<&str>) -> Ordering {
    let (ka, ua) = a.map_or((Kind::Path, ""), kind_and_url);
    let (kb, ub) = b.map_or((Kind::Path, ""), kind_and_url);
    ka.cmp(&kb)
        .then_with(|| canonical_url(ua).cmp(&canonical_url(ub)))
        .then_with(|| a.cmp(&b))
}

/// Cargo's order of two dependency-string sources (`TomlLockfileSourceId`): kind, then URL.
pub(crate) fn dependency_source_cmp(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => {
            let (ka, ua) = kind_and_url(a);
            let (kb, ub) = kind_and_url(b);
            ka.cmp(&kb).then_with(|| ua.cmp(ub))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

    #[test]
    fn path_sorts_before_registry_before_git() {
        // Cargo's documented order (source_kind.rs): path < registry < sparse < git.
        let git = "git+https://github.com/a/b#0123";
        let sparse = "sparse+https://example.com/index/";
        assert_eq!(source_cmp(None, Some(CRATES_IO)), Ordering::Less);
        assert_eq!(source_cmp(Some(CRATES_IO), Some(sparse)), Ordering::Less);
        assert_eq!(source_cmp(Some(sparse), Some(git)), Ordering::Less);
    }

    #[test]
    fn git_orders_by_reference_kind_before_url() {
        let tag = "git+https://z.example/r?tag=v1#aaa";
        let branch = "git+https://a.example/r?branch=main#bbb";
        let default = "git+https://a.example/r#ccc";
        assert_eq!(source_cmp(Some(tag), Some(branch)), Ordering::Less);
        assert_eq!(source_cmp(Some(branch), Some(default)), Ordering::Less);
    }

    #[test]
    fn canonical_url_matches_cargo_rules() {
        assert_eq!(
            canonical_url("https://GitHub.com/Foo/Bar.git?branch=x#abc"),
            "https://github.com/foo/bar"
        );
        assert_eq!(
            canonical_url("https://example.com/Foo/Bar/"),
            "https://example.com/Foo/Bar"
        );
    }
}
