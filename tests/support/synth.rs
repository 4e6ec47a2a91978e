//! Synthetic registries with a Cargo-like shape, for measuring the solver (not for oracles).
//!
//! n crates in layers (crate i depends only on crates j > i); each crate publishes 2–12
//! versions over time (mostly patch bumps, some minor, few major); a dependency's requirement
//! is a caret on the target's newest version published before the dependent, or half the
//! time on an older one of the same bucket (exact pins only on a neighbour crate);
//! 20 % of dependencies optional behind a feature, some enabled by `default`; `std` features
//! requested across edges; 3 % of the single-bucket crates carry a `links` value; prices log-uniform in
//! 50..100k lines with 25 % already audited (0). The workspace depends on the top crates.

use std::collections::BTreeMap;

use minaudit::index::{IndexCrate, IndexDep, IndexVersion};
use minaudit::model::{Locked, RootPackage, Roots};
use semver::{Version, VersionReq};

pub struct Synth {
    pub index: BTreeMap<String, IndexCrate>,
    pub roots: Roots,
    pub locked: Locked,
    pub cost: BTreeMap<(String, Version), u64>,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

fn dep(name: &str, req: VersionReq) -> IndexDep {
    IndexDep::normal(name, req)
}

pub fn synth(n: usize, seed: u64) -> Synth {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let name = |i: usize| format!("k{i:05}");
    // publication history: (time, version) per crate
    let mut history: Vec<Vec<(u64, Version)>> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut t = rng.below(600);
        let mut v = if rng.chance(40) {
            Version::new(1, 0, 0)
        } else {
            Version::new(0, 1, 0)
        };
        let k = 2 + rng.below(11);
        let mut hist = Vec::new();
        for _ in 0..k {
            hist.push((t, v.clone()));
            t += 5 + rng.below(60);
            let r = rng.below(100);
            v = if r < 65 {
                Version::new(v.major, v.minor, v.patch + 1)
            } else if r < 93 {
                Version::new(v.major, v.minor + 1, 0)
            } else {
                Version::new(v.major + 1, 0, 0)
            };
        }
        history.push(hist);
    }
    // per crate: a dependency list (target crate, optional?) shared by its versions
    let mut index = BTreeMap::new();
    let mut cost = BTreeMap::new();
    for i in 0..n {
        let mut targets: Vec<(usize, bool, bool)> = Vec::new();
        if i + 1 < n {
            let fanout = rng.below(6);
            for _ in 0..fanout {
                // mostly nearby layers, sometimes far down (popular base crates)
                let j = if rng.chance(30) {
                    n - 1 - rng.below((n / 20).max(1) as u64) as usize
                } else {
                    i + 1 + rng.below(((n - i - 1) as u64).min(200)) as usize
                };
                if j > i && !targets.iter().any(|(t, _, _)| *t == j) {
                    targets.push((j, rng.chance(20), rng.chance(20)));
                }
            }
        }
        // `links` only on crates that never left one bucket (-sys crates whose dependents
        // converge); a links crate in two buckets needed at once is unsatisfiable
        let one_bucket = history[i].iter().all(|(_, v)| {
            let (a, b) = (&history[i][0].1, v);
            a.major == b.major && (a.major != 0 || a.minor == b.minor)
        });
        let links = (one_bucket && rng.chance(knob("SYN_LINKS", 3))).then(|| format!("native-{i}"));
        let mut versions = Vec::new();
        for (t, v) in &history[i] {
            let mut deps = Vec::new();
            let mut features: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut default = vec!["std".to_string()];
            features.insert("std".into(), vec![]);
            for &(j, optional, wants_std) in &targets {
                // newest version of j published before t; skip if none yet
                let published: Vec<&Version> = history[j]
                    .iter()
                    .filter(|(tj, _)| tj < t)
                    .map(|(_, v)| v)
                    .collect();
                let Some(newest) = published.last() else {
                    continue;
                };
                // half the requirements name an older version of the same bucket (`"1.0"`
                // while 1.0.40 exists): that is what leaves room to choose
                let tv = if rng.chance(50) {
                    let same: Vec<&&Version> = published
                        .iter()
                        .filter(|v| {
                            (v.major, if v.major == 0 { v.minor } else { 0 })
                                == (
                                    newest.major,
                                    if newest.major == 0 { newest.minor } else { 0 },
                                )
                        })
                        .collect();
                    *same[rng.below(same.len() as u64) as usize]
                } else {
                    *newest
                };
                // exact pins only between neighbours (the serde/serde_derive pattern): random pins on
                // popular crates make the whole registry unsatisfiable
                let req = if j == i + 1 && rng.chance(knob("SYN_PIN", 10)) {
                    VersionReq::parse(&format!("={tv}"))
                } else {
                    VersionReq::parse(&format!("^{tv}"))
                };
                let Ok(req) = req else { continue };
                let mut d = dep(&name(j), req);
                if wants_std {
                    d.default_features = false;
                    d.features = vec!["std".into()];
                }
                if optional {
                    d.optional = true;
                    features.insert(
                        format!("with-{}", name(j)),
                        vec![format!("dep:{}", name(j))],
                    );
                    if rng.chance(50) {
                        default.push(format!("with-{}", name(j)));
                    }
                }
                deps.push(d);
            }
            features.insert("default".into(), default);
            cost.insert(
                (name(i), v.clone()),
                if rng.chance(25) {
                    0
                } else {
                    // log-uniform 50..100k
                    (50.0 * (2000f64).powf(rng.below(10_000) as f64 / 10_000.0)) as u64
                },
            );
            versions.push(IndexVersion {
                name: name(i),
                version: v.clone(),
                deps: deps.into(),
                features: features.into(),
                links: links.clone(),
                yanked: false,
                rust_version: None,
                cksum: String::new(),
                pubtime: None,
            });
        }
        index.insert(
            name(i),
            IndexCrate {
                name: name(i),
                versions,
            },
        );
    }
    let top = (n / 20).max(5).min(n);
    let mut root_deps = Vec::new();
    for (i, hist) in history.iter().enumerate().take(top) {
        let pick = if rng.chance(30) {
            &hist[rng.below(hist.len() as u64) as usize].1
        } else {
            &hist[hist.len() - 1].1
        };
        if let Ok(req) = VersionReq::parse(&format!("^{pick}")) {
            root_deps.push(dep(&name(i), req));
        }
    }
    Synth {
        index,
        roots: Roots {
            packages: vec![RootPackage {
                name: "ws".into(),
                deps: root_deps,
                links: None,
            }],
        },
        locked: Locked::new(),
        cost,
    }
}

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
