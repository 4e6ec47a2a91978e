//! Warm and cold runs choose the same lock. A finished search leaves its trail in the cache
//! (`search-trails-v1/`: what it bounded and priced exactly, in order, its answer and the
//! fingerprint of the MIP that proved it); a run with the same inputs replays it and, the MIP
//! being the same, takes that proof without solving. The lock must not depend on what the
//! cache holds: cold, warm, with the counts gone but the trail kept, with a trail cut short or
//! unreadable, the plan is the same (a cut trail may only cost rounds).

use crate::support::report_support;

use super::cases;
use report_support::{stderr, stdout, Demo};

const TRAILS: &str = "search-trails-v1";

fn trail_files(demo: &Demo) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(demo.cache.join(TRAILS))
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// The search's rounds, from `Solved optimal in ... (N pricing rounds, ...)`.
fn rounds(err: &str) -> usize {
    let at = err
        .find(" pricing rounds")
        .unwrap_or_else(|| panic!("no rounds in:\n{err}"));
    let digits: String = err[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .expect("a count")
}

/// One world, run cold, warm, with its counts gone, with its trail cut short and with an
/// unreadable trail; returns the cold run's rounds.
fn same_lock_however_warm(ws: &Demo, flags: &[String], name: &str) -> usize {
    let plan = || {
        let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
        args.push("-v");
        let out = ws.plan(&args);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        out
    };
    let cold = plan();
    let cold_rounds = rounds(&stderr(&cold));
    assert!(
        !stderr(&cold).contains("Replayed"),
        "{name}: {}",
        stderr(&cold)
    );
    let trails = trail_files(ws);
    assert_eq!(trails.len(), 1, "{name}: one search, one trail");

    // warm: the trail replayed, one round, the same plan
    let warm = plan();
    assert_eq!(stdout(&warm), stdout(&cold), "{name}: warm");
    assert!(
        stderr(&warm).contains("Replayed"),
        "{name}: {}",
        stderr(&warm)
    );
    assert_eq!(rounds(&stderr(&warm)), 1, "{name}: {}", stderr(&warm));
    // the very MIP the cold run proved optimal: its proof is taken, nothing is solved
    assert!(stderr(&warm).contains("Reused the proof"), "{name}");
    assert_eq!(
        trail_files(ws),
        trails,
        "{name}: the same inputs, the same trail"
    );

    // the counts gone, the trail kept: every price counted again, the same plan
    std::fs::remove_dir_all(ws.cache.join("file-counts-v1")).expect("file counts");
    std::fs::remove_file(ws.cache.join("line-counts.json")).expect("line counts");
    let recounted = plan();
    assert_eq!(stdout(&recounted), stdout(&cold), "{name}: recounted");
    assert_eq!(
        rounds(&stderr(&recounted)),
        1,
        "{name}: {}",
        stderr(&recounted)
    );
    assert!(stderr(&recounted).contains("Reused the proof"), "{name}");

    // a trail cut short (its last pricing step lost): the rounds it lacks, the same plan
    let text = std::fs::read_to_string(&trails[0]).expect("trail");
    let mut trail: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    trail["steps"].as_array_mut().expect("steps").pop();
    std::fs::write(&trails[0], trail.to_string()).expect("write");
    let cut = plan();
    assert_eq!(stdout(&cut), stdout(&cold), "{name}: cut trail");
    assert!(
        !stderr(&cut).contains("Reused the proof"),
        "{name}: a proof for another MIP"
    );

    // an unreadable trail is ignored, and replaced
    std::fs::write(&trails[0], "not a trail").expect("write");
    let unreadable = plan();
    assert_eq!(
        stdout(&unreadable),
        stdout(&cold),
        "{name}: unreadable trail"
    );
    assert_eq!(rounds(&stderr(&unreadable)), cold_rounds, "{name}");
    let rewritten = std::fs::read_to_string(&trails[0]).expect("trail");
    assert!(rewritten.starts_with('{'), "{name}: {rewritten}");
    cold_rounds
}

#[test]
fn warm_cold_and_shuffled_caches_choose_the_same_lock() {
    let demo = Demo::new();
    same_lock_however_warm(&demo, &[], "demo");
    let mut multi_round = 0;
    for path in cases::case_files() {
        let case = cases::load(&path);
        if same_lock_however_warm(&case.ws, &case.flags, &case.name) > 1 {
            multi_round += 1;
        }
    }
    assert!(
        multi_round > 0,
        "no case takes more than one round: nothing replayed"
    );
}
