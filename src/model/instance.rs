//! A solved instance as a file: the priced model and what the solver needs beside it, so a
//! solve can be replayed without the workspace, the index or the crate files (benches, bug
//! reports). Pure: bytes in, bytes out; JSON, optionally gzipped.

use serde::{Deserialize, Serialize};

use super::encode::Model;

/// Format version of the dump; bumped when the model's shape changes.
pub const INSTANCE_VERSION: u32 = 3;

/// Dumps with a deploy and a dev price per version and a `d` variable (read as the two price
/// steps safe-to-run ⊂ safe-to-deploy).
const TWO_PRICE_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    pub version: u32,
    /// Where it came from (workspace name or a synthetic generator's description).
    pub origin: String,
    /// Current-lock registry packages that are not candidates (see `solve::solve`).
    pub locked_outside: u64,
    pub model: Model,
}

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("not a minaudit instance: {0}")]
    Parse(String),
    #[error("instance format {found}, this build reads {INSTANCE_VERSION}\nhint: dump it again with this version of cargo-minaudit")]
    Version { found: u32 },
}

impl Instance {
    pub fn new(origin: &str, locked_outside: u64, model: Model) -> Instance {
        Instance {
            version: INSTANCE_VERSION,
            origin: origin.to_string(),
            locked_outside,
            model,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a model always serialises")
    }

    /// The JSON, gzipped (what `--dump-instance FILE.gz` writes).
    pub fn to_gzip(&self) -> Vec<u8> {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&self.to_json())
            .and_then(|_| enc.finish())
            .expect("writing to memory cannot fail")
    }

    /// Reads a dump, gzipped (recognised by its magic bytes) or plain JSON.
    pub fn from_bytes(bytes: &[u8]) -> Result<Instance, InstanceError> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            use std::io::Read;
            let mut json = Vec::new();
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut json)
                .map_err(|e| InstanceError::Parse(format!("bad gzip: {e}")))?;
            return Instance::from_json(&json);
        }
        Instance::from_json(bytes)
    }

    pub fn from_json(bytes: &[u8]) -> Result<Instance, InstanceError> {
        let mut v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| InstanceError::Parse(e.to_string()))?;
        let found = v.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
        match found {
            INSTANCE_VERSION => {}
            TWO_PRICE_VERSION => two_prices_as_tiers(&mut v).map_err(InstanceError::Parse)?,
            _ => return Err(InstanceError::Version { found }),
        }
        serde_json::from_value(v).map_err(|e| InstanceError::Parse(e.to_string()))
    }
}

/// Rewrites a two-price dump in place: `cost_dev` on the built variable (safe-to-run), then
/// `cost` on `d` (safe-to-deploy); without `d`, one step of `cost`.
fn two_prices_as_tiers(v: &mut serde_json::Value) -> Result<(), String> {
    use serde_json::{json, Value};
    let run = serde_json::to_value(super::uses::run_set()).map_err(|e| e.to_string())?;
    let deploy = serde_json::to_value(super::uses::deploy_set()).map_err(|e| e.to_string())?;
    let model = v.get_mut("model").ok_or("no model")?;
    if let Some(kinds) = model.get_mut("kinds").and_then(Value::as_array_mut) {
        for k in kinds {
            if let Some(p) = k.get("Deploy").cloned() {
                *k = json!({ "Requires": [p, 1] });
            }
        }
    }
    let pkgs = model
        .get_mut("pkgs")
        .and_then(Value::as_array_mut)
        .ok_or("no pkgs")?;
    for p in pkgs {
        let o = p.as_object_mut().ok_or("a package is not an object")?;
        let num = |o: &serde_json::Map<String, Value>, k: &str| o.get(k).and_then(Value::as_u64);
        let cost = num(o, "cost").ok_or("a package has no cost")?;
        let built = num(o, "b").or(num(o, "x")).ok_or("a package has no x")?;
        let tiers = match num(o, "d") {
            Some(d) => json!([
                { "set": run, "var": built, "cost": num(o, "cost_dev").unwrap_or(cost) },
                { "set": deploy, "var": d, "cost": cost },
            ]),
            None => json!([{ "set": deploy, "var": built, "cost": cost }]),
        };
        for k in ["cost", "cost_dev", "d"] {
            o.remove(k);
        }
        o.insert("tiers".into(), tiers);
    }
    Ok(())
}
