//! The change table: which registry versions move from the current lock to the chosen one.

use std::collections::BTreeMap;

use semver::Version;

use crate::report::Change;

/// Versions grouped by crate, in the shape [`changes`] compares.
pub fn by_crate<'a>(
    versions: impl IntoIterator<Item = &'a (String, Version)>,
) -> BTreeMap<String, Vec<Version>> {
    let mut map: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for (name, version) in versions {
        map.entry(name.clone()).or_default().push(version.clone());
    }
    map
}

/// Per crate name: versions in the current lock vs chosen. A crate with one version on each
/// side becomes `from -> to`; versions only on one side become additions/removals (`-`).
pub fn changes(
    current: &BTreeMap<String, Vec<Version>>,
    chosen: &BTreeMap<String, Vec<Version>>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> = current.keys().chain(chosen.keys()).collect();
    for name in names {
        let empty = Vec::new();
        let before = current.get(name).unwrap_or(&empty);
        let after = chosen.get(name).unwrap_or(&empty);
        let removed: Vec<&Version> = before.iter().filter(|v| !after.contains(v)).collect();
        let added: Vec<&Version> = after.iter().filter(|v| !before.contains(v)).collect();
        let pairs = removed.len().min(added.len());
        for i in 0..pairs {
            out.push(Change {
                krate: name.clone(),
                from: removed[i].to_string(),
                to: added[i].to_string(),
            });
        }
        for v in &removed[pairs..] {
            out.push(Change {
                krate: name.clone(),
                from: v.to_string(),
                to: "-".into(),
            });
        }
        for v in &added[pairs..] {
            out.push(Change {
                krate: name.clone(),
                from: "-".into(),
                to: v.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn moves_additions_and_removals() {
        let current = BTreeMap::from([
            ("a".to_string(), vec![v("1.0.0")]),
            ("b".to_string(), vec![v("0.1.0"), v("0.2.0")]),
            ("c".to_string(), vec![v("2.0.0")]),
        ]);
        let chosen = BTreeMap::from([
            ("a".to_string(), vec![v("1.2.0")]),
            ("b".to_string(), vec![v("0.2.0")]),
            ("d".to_string(), vec![v("0.3.0")]),
            ("c".to_string(), vec![v("2.0.0")]),
        ]);
        let got: Vec<(String, String, String)> = changes(&current, &chosen)
            .into_iter()
            .map(|c| (c.krate, c.from, c.to))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), "1.0.0".into(), "1.2.0".into()),
                ("b".into(), "0.1.0".into(), "-".into()),
                ("d".into(), "-".into(), "0.3.0".into()),
            ]
        );
    }
}
