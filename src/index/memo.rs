//! An [`Index`] that remembers every crate it loaded: `what-if` walks the registry once per
//! scenario, and all but the first walk are answered from memory.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::{Index, IndexCrate, IndexError};

pub struct MemoIndex {
    inner: Box<dyn Index + Sync>,
    memo: Mutex<BTreeMap<String, Option<Arc<IndexCrate>>>>,
}

impl MemoIndex {
    pub fn new(inner: Box<dyn Index + Sync>) -> MemoIndex {
        MemoIndex {
            inner,
            memo: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Index for MemoIndex {
    fn load_crates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<IndexCrate>>, IndexError> {
        Ok(self
            .load_shared(names)?
            .into_iter()
            .map(|(n, c)| (n, c.map(|c| (*c).clone())))
            .collect())
    }

    fn load_shared(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<Arc<IndexCrate>>>, IndexError> {
        let todo: Vec<String> = {
            let memo = self.memo.lock().expect("memo lock");
            names
                .iter()
                .filter(|n| !memo.contains_key(*n))
                .cloned()
                .collect()
        };
        let loaded = if todo.is_empty() {
            BTreeMap::new()
        } else {
            self.inner.load_crates(&todo)?
        };
        let mut memo = self.memo.lock().expect("memo lock");
        memo.extend(loaded.into_iter().map(|(n, c)| (n, c.map(Arc::new))));
        Ok(names
            .iter()
            .filter_map(|n| memo.get(n).map(|c| (n.clone(), c.clone())))
            .collect())
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}
