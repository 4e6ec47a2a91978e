//! `--manifest-path` from another directory: Cargo only reads `.cargo/config.toml` from the
//! current directory upwards, so minaudit must run cargo where the manifest is, or the demo's
//! source replacement (its local registry) would be ignored and `cargo metadata --offline` fail.

use crate::support::report_support;

use report_support::{stderr, stdout, Demo};

#[test]
fn relative_manifest_path_from_the_parent_directory_prices_like_inside() {
    let demo = Demo::new();
    let inside = demo.report(&["--no-optimum", "--format", "json"]);
    assert!(inside.status.success(), "{}", stderr(&inside));
    let parent = demo.dir.parent().unwrap();
    let out = demo
        .minaudit(&[
            "report",
            "--frozen-imports",
            "--offline",
            "--no-optimum",
            "--format",
            "json",
        ])
        .current_dir(parent)
        .arg("--manifest-path")
        .arg("demo/Cargo.toml")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let a: serde_json::Value = serde_json::from_str(&stdout(&inside)).unwrap();
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(a["current"], b["current"]);
}
