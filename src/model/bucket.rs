//! Semver-compatibility buckets: Cargo allows one version per (name, bucket, source), where
//! the bucket is the left-most non-zero component (`1.x`, `0.3.x`, `0.0.7`); pre-release tags
//! do not matter (cargo's `SemverCompatibility`).

use semver::Version;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Bucket {
    Major(u64),
    Minor(u64),
    Patch(u64),
}

impl Bucket {
    pub fn of(v: &Version) -> Bucket {
        if v.major != 0 {
            Bucket::Major(v.major)
        } else if v.minor != 0 {
            Bucket::Minor(v.minor)
        } else {
            Bucket::Patch(v.patch)
        }
    }
}

impl std::fmt::Display for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bucket::Major(m) => write!(f, "{m}.x"),
            Bucket::Minor(m) => write!(f, "0.{m}.x"),
            Bucket::Patch(p) => write!(f, "0.0.{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bucket {
        Bucket::of(&Version::parse(s).unwrap())
    }

    #[test]
    fn left_most_non_zero_component() {
        assert_eq!(b("1.2.3"), b("1.9.0"));
        assert_ne!(b("1.2.3"), b("2.0.0"));
        assert_eq!(b("0.3.1"), b("0.3.9"));
        assert_ne!(b("0.3.1"), b("0.4.0"));
        assert_ne!(b("0.0.7"), b("0.0.8"));
        assert_eq!(b("1.0.0-alpha.1"), b("1.2.0"));
        assert_eq!(b("0.3.1").to_string(), "0.3.x");
    }
}
