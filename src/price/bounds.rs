//! Lower bounds on audit costs from full-audit counts alone (pure), so the optimiser can rank
//! thousands of candidate versions without running git for each (DESIGN.md §8: exact deltas
//! need git, 15–150 ms a pair).
//!
//! For a delta `old -> new`, git's numstat gives per file pair `insertions - deletions =
//! lines(new file) - lines(old file)` for text files, and `insertions + deletions >=
//! |insertions - deletions|`. Which files git pairs: a path in both versions is one pair (a
//! modification: `git diff --no-index` breaks no pair apart without `-B`), so each common path
//! costs at least `|lines(new) - lines(old)|`. Rename detection pairs only files removed with
//! files added, in any way it likes; whatever the pairing, those pairs and the unpaired files
//! together cost at least `|A - R|` (A: lines of the added files, R: of the removed ones), by
//! the same identity summed over them. So `Σ_common |Δ| + |A - R|` is a lower bound on the
//! delta's cost, at least the net `|T(new) - T(old)|` (which lets growth in one file cancel
//! shrinkage in another). Binary files count 0 in numstat, so any path that is binary on
//! either side is left out everywhere. A full audit's cost is exactly the tar-stream total.

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
    let text = |c| {
        let mut t = text_lines(c);
        t.retain(|p, _| !binary_somewhere.contains(p));
        t
    };
    let (before, after) = (text(old), text(new));
    let mut common: u64 = 0;
    let mut added: i128 = 0;
    for (path, lines) in &after {
        match before.get(path) {
            Some(was) => common += lines.abs_diff(*was),
            None => added += i128::from(*lines),
        }
    }
    let removed: i128 = before
        .iter()
        .filter(|(path, _)| !after.contains_key(*path))
        .map(|(_, lines)| i128::from(*lines))
        .sum();
    common + (added - removed).unsigned_abs() as u64
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
    fn net_growth_is_the_bound() {
        let old = crate_of(&[("src/lib.rs", 100, false), ("README.md", 10, false)]);
        let new = crate_of(&[("src/lib.rs", 130, false), ("src/new.rs", 5, false)]);
        // lib.rs is in both: at least 30. new.rs (5) added and README (10) removed may be a
        // rename of one into the other: at least |5 - 10| = 5. Net growth alone would say 25.
        assert_eq!(delta_lower_bound(&old, &new), 35);
        assert_eq!(delta_lower_bound(&new, &old), 35);
    }

    #[test]
    fn changes_in_common_files_do_not_cancel_out() {
        // lib.rs grows by 40, util.rs shrinks by 40: git counts at least 80 (no pair but the
        // same path), where the net total says 0
        let old = crate_of(&[("src/lib.rs", 100, false), ("src/util.rs", 60, false)]);
        let new = crate_of(&[("src/lib.rs", 140, false), ("src/util.rs", 20, false)]);
        assert_eq!(delta_lower_bound(&old, &new), 80);
    }

    #[test]
    fn a_file_that_turns_binary_is_left_out_on_both_sides() {
        // numstat shows `-` for data.txt (0 lines), so its 1,000 old text lines must not count.
        let old = crate_of(&[("src/lib.rs", 10, false), ("data.txt", 1000, false)]);
        let new = crate_of(&[("src/lib.rs", 12, false), ("data.txt", 0, true)]);
        assert_eq!(delta_lower_bound(&old, &new), 2);
    }
}
