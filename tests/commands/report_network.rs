//! Opt-in, through the binary: a one-package workspace locking nom 8.0.0 and memchr 2.7.5 (exact
//! requirements), with a local full audit of nom 7.1.3 and no imports. `cargo minaudit report`
//! must suggest exactly the hand-checked figures of ARCHITECTURE.md, Semantics: memchr 2.7.5 full = 16,198
//! lines; nom 7.1.3 -> 8.0.0 = 8,838 + 4,078 = 12,916 lines; backlog 29,114.
//! The same figures through the pricing API: tests/price_network.rs
//! (`memchr_2_7_5_full_audit_is_16198`, `nom_7_1_3_to_8_0_0_is_12916`).
//! Run: `cargo test --test commands -- --ignored report_network::`.

use std::process::Command as StdCommand;

use assert_cmd::Command;

#[test]
#[ignore = "needs network: index.crates.io and static.crates.io"]
fn nom_delta_and_memchr_full_through_the_binary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("handcheck");
    std::fs::create_dir_all(ws.join("src")).expect("src");
    std::fs::create_dir_all(ws.join("supply-chain")).expect("supply-chain");
    let files = [
        (
            "Cargo.toml",
            "[package]\nname = \"handcheck\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nnom = \"=8.0.0\"\nmemchr = \"=2.7.5\"\n",
        ),
        ("src/lib.rs", ""),
        (
            "supply-chain/config.toml",
            "\n# cargo-vet config file\n\n[cargo-vet]\nversion = \"0.10\"\n",
        ),
        (
            "supply-chain/audits.toml",
            "\n# cargo-vet audits file\n\n[[audits.nom]]\nwho = \"Hand Check <hand@example.com>\"\ncriteria = \"safe-to-deploy\"\nversion = \"7.1.3\"\n",
        ),
        ("supply-chain/imports.lock", "\n# cargo-vet imports lock\n"),
    ];
    for (rel, text) in files {
        std::fs::write(ws.join(rel), text).expect(rel);
    }
    let status = StdCommand::new("cargo")
        .current_dir(&ws)
        .arg("generate-lockfile")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("cargo generate-lockfile");
    assert!(status.success());

    let out = Command::cargo_bin("cargo-minaudit")
        .expect("binary")
        .current_dir(&ws)
        .env_remove("MINAUDIT_CACHE_DIR")
        .args([
            "minaudit",
            "report",
            "--no-optimum",
            "--frozen-imports",
            "--format",
            "json",
        ])
        .arg("--cache-dir")
        .arg(tmp.path().join("cache"))
        .output()
        .expect("run cargo-minaudit");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut audits: Vec<(String, Option<String>, String, u64)> = v["current"]["audits"]
        .as_array()
        .expect("audits")
        .iter()
        .map(|a| {
            (
                a["crate"].as_str().expect("crate").to_owned(),
                a["from"].as_str().map(str::to_owned),
                a["version"].as_str().expect("version").to_owned(),
                a["lines"].as_u64().expect("lines"),
            )
        })
        .collect();
    audits.sort();
    assert_eq!(
        audits,
        vec![
            ("memchr".into(), None, "2.7.5".into(), 16_198),
            ("nom".into(), Some("7.1.3".into()), "8.0.0".into(), 12_916),
        ]
    );
    assert_eq!(v["current"]["backlog_lines"], 29_114);
}
