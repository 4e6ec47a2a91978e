//! Lower bounds on audit costs from full-audit counts alone (pure), so the optimiser can rank
//! thousands of candidate versions without running git for each (ARCHITECTURE.md: exact deltas
//! need git, 15–150 ms a pair).
//!
//! For a delta `old -> new`, git's numstat gives per file pair `insertions - deletions =
//! lines(new file) - lines(old file)` for text files, so `insertions + deletions >=
//! |lines(new) - lines(old)|` for each pair. A path present on both sides is always one pair
//! (rename detection only pairs a removed file with an added one, and break detection is off
//! by default), so it adds at least `|new - old|`. The added and removed files pair up by
//! rename detection or not at all; either way they add at least `|Σ added - Σ removed|` (an
//! unpaired file counts in full, a pair at least its difference, and the triangle inequality
//! sums those). Binary files count 0 in numstat, so any path that is binary on either side is
//! left out. A full audit's cost is exactly the tar-stream total.
//!
//! Per file rather than the net `|T(new) - T(old)|`: a tighter bound draws the search to fewer
//! versions whose real price it then has to learn; `tests/library/price_diffstat.rs`
//! (`cached_git_deltas_are_never_below_the_bound`) checks it never exceeds git.

use std::collections::BTreeMap;

use super::linecount::CrateLines;

/// `path -> lines` of the text files of one version (binary files left out).
fn text_lines(c: &CrateLines) -> BTreeMap<&str, u64> {
    c.files
        .iter()
        .filter(|f| !f.binary)
        .map(|f| (f.path.as_str(), f.lines))
        .collect()
}

/// A lower bound on `git diff --numstat` insertions + deletions from `old` to `new`.
pub fn delta_lower_bound(old: &CrateLines, new: &CrateLines) -> u64 {
    let binary_somewhere: std::collections::BTreeSet<&str> = old
        .files
        .iter()
        .chain(&new.files)
        .filter(|f| f.binary)
        .map(|f| f.path.as_str())
        .collect();
    let (mut old, mut new) = (text_lines(old), text_lines(new));
    old.retain(|p, _| !binary_somewhere.contains(p));
    new.retain(|p, _| !binary_somewhere.contains(p));
    let mut same_path = 0u64;
    let (mut added, mut removed) = (0i128, 0i128);
    for (path, &n) in &new {
        match old.get(path) {
            Some(&o) => same_path += n.abs_diff(o),
            None => added += i128::from(n),
        }
    }
    for (path, &o) in &old {
        if !new.contains_key(path) {
            removed += i128::from(o);
        }
    }
    same_path + (added - removed).unsigned_abs() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::price::linecount::FileLines;

    fn crate_of(files: &[(&str, u64, bool)]) -> CrateLines {
        let files: Vec<FileLines> = files
            .iter()
            .map(|&(path, lines, binary)| FileLines {
                path: path.to_owned(),
                lines: if binary { 0 } else { lines },
                binary,
                bytes: lines * 10,
            })
            .collect();
        CrateLines {
            total: files.iter().map(|f| f.lines).sum(),
            files,
            skipped: Vec::new(),
        }
    }

    #[test]
    fn each_path_on_both_sides_then_the_net_of_added_and_removed() {
        let old = crate_of(&[
            ("src/lib.rs", 100, false),
            ("src/util.rs", 40, false),
            ("README.md", 10, false),
        ]);
        let new = crate_of(&[
            ("src/lib.rs", 130, false),
            ("src/util.rs", 20, false),
            ("src/new.rs", 5, false),
        ]);
        // lib.rs +30 and util.rs -20 are at least 30 + 20 lines changed (the net, +10, hid
        // them); new.rs (+5) and README.md (-10) may be a rename: at least |5 - 10|.
        assert_eq!(delta_lower_bound(&old, &new), 55);
        assert_eq!(delta_lower_bound(&new, &old), 55);
    }

    #[test]
    fn a_file_that_turns_binary_is_left_out_on_both_sides() {
        // numstat shows `-` for data.txt (0 lines), so its 1,000 old text lines must not count.
        let old = crate_of(&[("src/lib.rs", 10, false), ("data.txt", 1000, false)]);
        let new = crate_of(&[("src/lib.rs", 12, false), ("data.txt", 0, true)]);
        assert_eq!(delta_lower_bound(&old, &new), 2);
    }
}
