//! `--plan joint` on a demo variant where two versions of one crate need the same audit:
//! tinyrand 0.7.3 and 0.8.2 both for safe-to-deploy (mockfs, which pulls 0.7.3, made a normal
//! dependency) and no tinyrand audit at all. Oracle: the report itself, after pretending one
//! version is certified (an audit added to audits.toml): the joint plan must cost exactly
//! min(independent, min over A of [lines of A's audit + backlog once A is certified]), which
//! for two versions is every plan there is (both alone, or one as the base of the other).

use crate::support::report_support;

use report_support::{json_ok, Demo};

/// The demo with both tinyrand versions unaudited and needed for safe-to-deploy.
fn variant() -> Demo {
    let demo = Demo::new();
    let edit = |rel: &str, f: &dyn Fn(&mut toml_edit::DocumentMut)| {
        let path = demo.dir.join(rel);
        let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&path)
            .expect("read")
            .parse()
            .expect("toml");
        f(&mut doc);
        std::fs::write(&path, doc.to_string()).expect("write");
    };
    edit("app/Cargo.toml", &|doc| {
        let mockfs = doc["dev-dependencies"]
            .as_table_mut()
            .unwrap()
            .remove("mockfs")
            .expect("mockfs is a dev-dependency of demo-app");
        doc["dependencies"]["mockfs"] = mockfs;
    });
    edit("supply-chain/audits.toml", &|doc| {
        doc["audits"].as_table_mut().unwrap().remove("tinyrand");
    });
    edit("supply-chain/imports.lock", &|doc| {
        doc["audits"]["example-org"]["audits"]
            .as_table_mut()
            .unwrap()
            .remove("tinyrand");
    });
    demo
}

fn report(demo: &Demo) -> serde_json::Value {
    json_ok(&demo.report(&["--no-optimum", "--plan", "joint", "--format", "json"]))
}

fn tinyrand_audits(r: &serde_json::Value) -> Vec<serde_json::Value> {
    r["current"]["audits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["crate"] == "tinyrand")
        .cloned()
        .collect()
}

#[test]
fn joint_plan_equals_the_best_of_certifying_either_version_first() {
    let demo = variant();
    let r = report(&demo);
    let independent = r["current"]["backlog_lines"].as_u64().unwrap();
    let joint = &r["current"]["joint"];
    let planned = joint["backlog_lines"].as_u64().expect("joint plan");
    let alone = tinyrand_audits(&r);
    assert_eq!(alone.len(), 2, "{alone:?}");
    assert!(
        alone.iter().all(|a| a["from"].is_null()),
        "no tinyrand audit to build on"
    );

    let mut best = independent;
    for a in &alone {
        let version = a["version"].as_str().unwrap();
        let copy = variant();
        let path = copy.dir.join("supply-chain/audits.toml");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&format!(
            "\n[[audits.tinyrand]]\nwho = \"Test\"\ncriteria = \"safe-to-deploy\"\nversion = \"{version}\"\n"
        ));
        std::fs::write(&path, text).unwrap();
        let after = report(&copy)["current"]["backlog_lines"].as_u64().unwrap();
        best = best.min(after + a["lines"].as_u64().unwrap());
    }
    assert_eq!(planned, best, "{joint:#}");
    assert!(
        planned < independent,
        "a delta between the two versions is cheaper here, or this test proves little"
    );
    assert_eq!(joint["saved_lines"].as_u64(), Some(independent - planned));
    // the plan names the delta it relies on, between the two versions
    let deltas: Vec<&serde_json::Value> = joint["audits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["crate"] == "tinyrand" && !a["from"].is_null())
        .collect();
    assert_eq!(deltas.len(), 1, "{joint:#}");
    assert!(deltas[0]["command"]
        .as_str()
        .unwrap()
        .starts_with("cargo vet diff tinyrand 0."));
}

#[test]
fn without_the_flag_there_is_no_joint_key() {
    let demo = variant();
    let r = json_ok(&demo.report(&["--no-optimum", "--format", "json"]));
    assert!(r["current"].get("joint").is_none(), "{r:#}");
}
