//! Lower bounds on audit costs from full-audit counts alone (pure), so the optimiser can rank
//! thousands of candidate versions without running git for each (DESIGN.md §8: exact deltas
//! need git, 15–150 ms a pair).
//!
//! For a delta `old -> new`, git's numstat gives per file pair `insertions - deletions =
//! lines(new file) - lines(old file)` for text files (a file added or removed counts against
//! nothing). Summing, `Σ insertions - Σ deletions = T(new) - T(old)` over the text files, and
//! `insertions + deletions >= |insertions - deletions|`, so `|T(new) - T(old)|` is a lower
//! bound on the delta's cost. Binary files count 0 in numstat, so any path that is binary on
//! either side is left out of both totals. Rename detection only re-pairs files, which does not
//! change the sums. A full audit's cost is exactly the tar-stream total.

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
    let sum = |c: &CrateLines| -> i128 {
        text_lines(c)
            .into_iter()
            .filter(|(p, _)| !binary_somewhere.contains(p))
            .map(|(_, n)| n as i128)
            .sum()
    };
    (sum(new) - sum(old)).unsigned_abs() as u64
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
        // +30 in lib.rs, +5 new file, -10 README: net +25.
        assert_eq!(delta_lower_bound(&old, &new), 25);
        assert_eq!(delta_lower_bound(&new, &old), 25);
    }

    #[test]
    fn a_file_that_turns_binary_is_left_out_on_both_sides() {
        // numstat shows `-` for data.txt (0 lines), so its 1,000 old text lines must not count.
        let old = crate_of(&[("src/lib.rs", 10, false), ("data.txt", 1000, false)]);
        let new = crate_of(&[("src/lib.rs", 12, false), ("data.txt", 0, true)]);
        assert_eq!(delta_lower_bound(&old, &new), 2);
    }
}
