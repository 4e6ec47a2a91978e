//! Required criteria on small hand-made graphs; expected sets derived by hand in comments.

use minaudit::vet::format::VetVersion;
use minaudit::vet::required::{
    resolve_requirements, EdgeKinds, GraphEdge, GraphPackage, PackageGraph,
};
use minaudit::vet::store::Store;

fn pkg(name: &str, crates_io: bool, member: bool) -> GraphPackage {
    GraphPackage {
        name: name.to_owned(),
        version: VetVersion::parse("1.0.0").unwrap(),
        is_crates_io: crates_io,
        is_workspace_member: member,
    }
}

struct G {
    graph: PackageGraph,
}

impl G {
    fn new(pkgs: Vec<GraphPackage>) -> Self {
        G {
            graph: PackageGraph {
                packages: pkgs,
                edges: vec![],
            },
        }
    }
    fn idx(&self, name: &str) -> usize {
        self.graph
            .packages
            .iter()
            .position(|p| p.name == name)
            .unwrap()
    }
    fn edge(&mut self, from: &str, to: &str, kinds: EdgeKinds) {
        let (from, to) = (self.idx(from), self.idx(to));
        self.graph.edges.push(GraphEdge { from, to, kinds });
    }
}

fn store(config: &str) -> Store {
    let audits = "[criteria.crypto-reviewed]\ndescription = \"c\"\n\n[audits]\n";
    Store::from_texts(config, audits, "").unwrap()
}

fn names(s: &Store, set: &minaudit::vet::criteria::CriteriaSet) -> Vec<String> {
    set.indices().map(|i| s.mapper.name(i).to_owned()).collect()
}

#[test]
fn roots_dev_deps_policies_and_dependency_criteria() {
    let s = store(
        r#"
[policy.app]
dependency-criteria = { crypto = "crypto-reviewed" }

[policy.tool]
criteria = "safe-to-run"

[policy.shadow]
audit-as-crates-io = true

[policy.serde]
audit-as-crates-io = false
"#,
    );
    let mut g = G::new(vec![
        pkg("app", false, true),
        pkg("lib", false, true),
        pkg("tool", false, true),
        pkg("serde", true, false),
        pkg("cc", true, false),
        pkg("proptest", true, false),
        pkg("rand", true, false),
        pkg("localdep", false, false),
        pkg("itoa", true, false),
        pkg("crypto", true, false),
        pkg("shadow", false, false),
        pkg("unreach", true, false),
        pkg("serde_test", true, false),
    ]);
    g.edge("app", "lib", EdgeKinds::NORMAL);
    g.edge("app", "serde", EdgeKinds::NORMAL);
    g.edge("lib", "cc", EdgeKinds::BUILD);
    g.edge("app", "proptest", EdgeKinds::DEV);
    g.edge("proptest", "rand", EdgeKinds::NORMAL);
    g.edge("tool", "rand", EdgeKinds::NORMAL);
    g.edge("app", "localdep", EdgeKinds::NORMAL);
    g.edge("localdep", "itoa", EdgeKinds::NORMAL);
    g.edge("app", "crypto", EdgeKinds::NORMAL);
    g.edge("lib", "shadow", EdgeKinds::NORMAL);
    g.edge("serde", "serde_test", EdgeKinds::DEV); // a non-member's dev-dep: not in the graph
    g.edge("app", "itoa", EdgeKinds::DEV);
    let r = resolve_requirements(&g.graph, &s.config.policy, &s.mapper).unwrap();
    let req = |n: &str| names(&s, &r.required[g.idx(n)]);
    let deploy = ["safe-to-run", "safe-to-deploy"];

    // app: root (no reverse normal/build deps) -> safe-to-deploy (+ implied safe-to-run).
    assert_eq!(req("app"), deploy);
    assert!(r.is_root[g.idx("app")]);
    // lib: member but app depends on it -> not a root, inherits app's set.
    assert!(!r.is_root[g.idx("lib")]);
    assert_eq!(req("lib"), deploy);
    // tool: root, but policy.criteria = safe-to-run overrides the default.
    assert_eq!(req("tool"), ["safe-to-run"]);
    // serde: normal dep of app.
    assert_eq!(req("serde"), deploy);
    // cc: build dep of lib -> build edges carry the same criteria.
    assert_eq!(req("cc"), deploy);
    // proptest: app's dev-dep -> default dev-criteria safe-to-run.
    assert_eq!(req("proptest"), ["safe-to-run"]);
    assert!(r.dev_only[g.idx("proptest")]);
    // rand: from proptest {run} and from tool {run}.
    assert_eq!(req("rand"), ["safe-to-run"]);
    // localdep is first-party in the middle: it passes app's set on to itoa;
    // itoa is also app's dev-dep ({run}), union stays deploy.
    assert_eq!(req("localdep"), deploy);
    assert_eq!(req("itoa"), deploy);
    // crypto: app's dependency-criteria replaces what flows along that edge.
    assert_eq!(req("crypto"), ["crypto-reviewed"]);
    // unreach / serde_test: nothing requires them.
    assert!(req("unreach").is_empty());
    assert!(req("serde_test").is_empty());

    // third-party: crates.io, or audit-as-crates-io = true; `= false` does not make serde
    // first-party (cargo-vet's is_third_party).
    let tp = |n: &str| r.third_party[g.idx(n)];
    assert!(tp("serde") && tp("shadow") && tp("itoa"));
    assert!(!tp("app") && !tp("localdep"));
}

#[test]
fn policy_criteria_in_the_middle_and_dev_criteria() {
    // m1 (root) -> mid (path) -> leaf; policy.mid criteria = safe-to-run => mid {run}, leaf {run}.
    // m1 dev -> leaf2 with m1 dev-criteria = safe-to-deploy => leaf2 deploy.
    // m1 dev -> leaf3 with dependency-criteria leaf3 = crypto-reviewed => only that.
    // mid's policy also overrides the dev contribution: m1 dev -> mid adds {deploy} first,
    // then policy.criteria replaces it with {run}.
    let s = store(
        r#"
[policy.mid]
criteria = "safe-to-run"

[policy.m1]
dev-criteria = "safe-to-deploy"
dependency-criteria = { leaf3 = "crypto-reviewed" }
"#,
    );
    let mut g = G::new(vec![
        pkg("m1", false, true),
        pkg("mid", false, false),
        pkg("leaf", true, false),
        pkg("leaf2", true, false),
        pkg("leaf3", true, false),
    ]);
    g.edge("m1", "mid", EdgeKinds::NORMAL);
    g.edge("mid", "leaf", EdgeKinds::NORMAL);
    g.edge("m1", "leaf2", EdgeKinds::DEV);
    g.edge("m1", "leaf3", EdgeKinds::DEV);
    g.edge("m1", "mid", EdgeKinds::DEV);
    let r = resolve_requirements(&g.graph, &s.config.policy, &s.mapper).unwrap();
    let req = |n: &str| names(&s, &r.required[g.idx(n)]);
    assert_eq!(req("m1"), ["safe-to-run", "safe-to-deploy"]);
    assert_eq!(req("mid"), ["safe-to-run"]);
    assert_eq!(req("leaf"), ["safe-to-run"]);
    assert_eq!(req("leaf2"), ["safe-to-run", "safe-to-deploy"]);
    assert_eq!(req("leaf3"), ["crypto-reviewed"]);
}

#[test]
fn versioned_policy_applies_to_that_version_only() {
    // Two versions of b: policy."b:1.0.0" criteria = safe-to-run applies to 1.0.0 only.
    let s = store("[policy.\"b:1.0.0\"]\ncriteria = \"safe-to-run\"\n");
    let mut b2 = pkg("b", true, false);
    b2.version = VetVersion::parse("2.0.0").unwrap();
    let mut g = G::new(vec![pkg("a", false, true), pkg("b", true, false), b2]);
    g.graph.edges.push(GraphEdge {
        from: 0,
        to: 1,
        kinds: EdgeKinds::NORMAL,
    });
    g.graph.edges.push(GraphEdge {
        from: 0,
        to: 2,
        kinds: EdgeKinds::NORMAL,
    });
    let r = resolve_requirements(&g.graph, &s.config.policy, &s.mapper).unwrap();
    assert_eq!(names(&s, &r.required[1]), ["safe-to-run"]);
    assert_eq!(names(&s, &r.required[2]), ["safe-to-run", "safe-to-deploy"]);
}

#[test]
fn bad_edges_are_errors() {
    let s = store("");
    let g = PackageGraph {
        packages: vec![pkg("a", false, true)],
        edges: vec![GraphEdge {
            from: 0,
            to: 5,
            kinds: EdgeKinds::NORMAL,
        }],
    };
    assert!(resolve_requirements(&g, &s.config.policy, &s.mapper).is_err());
}
