//! In-memory storage: namespaces, each split into 4096 partitions, each partition a map from
//! digest to record behind its own lock. No lock is ever held across I/O.

pub mod digest;
pub mod record;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::NamespaceConfig;
use crate::expiry;
pub use digest::{Digest, N_PARTITIONS};
pub use record::{Bin, Record, StoredKey};

#[derive(Debug, Default)]
pub struct Partition {
    pub records: HashMap<Digest, Record>,
}

impl Partition {
    /// The live record for a digest: an expired one is dropped on the spot.
    pub fn live(&mut self, d: &Digest, now: u32) -> Option<&mut Record> {
        let expired = self.records.get(d).is_some_and(|r| expiry::is_expired(r.void_time, now));
        if expired {
            self.records.remove(d);
            return None;
        }
        self.records.get_mut(d)
    }
}

pub struct Namespace {
    pub config: NamespaceConfig,
    partitions: Box<[Mutex<Partition>]>,
}

/// Per-set figures for the `sets` info command.
#[derive(Debug, Default, Clone)]
pub struct SetStats {
    pub objects: u64,
    pub data_bytes: u64,
}

impl Namespace {
    pub fn new(config: NamespaceConfig) -> Self {
        let partitions = (0..N_PARTITIONS).map(|_| Mutex::new(Partition::default())).collect();
        Namespace { config, partitions }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Locks the partition owning `d`. A poisoned lock (a panic elsewhere) is still usable:
    /// records are only replaced whole, so the map is never half-updated.
    pub fn partition(&self, d: &Digest) -> MutexGuard<'_, Partition> {
        self.partition_at(digest::partition_id(d))
    }

    pub fn partition_at(&self, pid: usize) -> MutexGuard<'_, Partition> {
        self.partitions[pid % N_PARTITIONS].lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn object_count(&self) -> u64 {
        let now = expiry::now_clepoch();
        (0..N_PARTITIONS)
            .map(|p| self.partition_at(p).records.values().filter(|r| !expiry::is_expired(r.void_time, now)).count() as u64)
            .sum()
    }

    pub fn set_stats(&self) -> BTreeMap<Vec<u8>, SetStats> {
        let now = expiry::now_clepoch();
        let mut out: BTreeMap<Vec<u8>, SetStats> = BTreeMap::new();
        for p in 0..N_PARTITIONS {
            let part = self.partition_at(p);
            for r in part.records.values() {
                if r.set.is_empty() || expiry::is_expired(r.void_time, now) {
                    continue;
                }
                let s = out.entry(r.set.clone()).or_default();
                s.objects += 1;
                s.data_bytes += r.storage_size() as u64;
            }
        }
        out
    }

    fn sweep_expired(&self, now: u32) -> usize {
        let mut removed = 0;
        for p in 0..N_PARTITIONS {
            let mut part = self.partition_at(p);
            let before = part.records.len();
            part.records.retain(|_, r| !expiry::is_expired(r.void_time, now));
            removed += before - part.records.len();
        }
        removed
    }
}

pub struct Store {
    pub namespaces: Vec<Arc<Namespace>>,
}

impl Store {
    pub fn new(configs: &[NamespaceConfig]) -> Self {
        Store { namespaces: configs.iter().cloned().map(|c| Arc::new(Namespace::new(c))).collect() }
    }

    pub fn namespace(&self, name: &[u8]) -> Option<&Arc<Namespace>> {
        self.namespaces.iter().find(|n| n.config.name.as_bytes() == name)
    }

    pub fn sweep_expired(&self, now: u32) -> usize {
        self.namespaces.iter().map(|n| n.sweep_expired(now)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_records_vanish() {
        let store = Store::new(&[NamespaceConfig::new("test")]);
        let ns = store.namespace(b"test").expect("ns");
        let d = digest::of_str(b"s", "k");
        let mut r = Record::new(b"s".to_vec());
        r.void_time = 100;
        ns.partition(&d).records.insert(d, r.clone());
        assert!(ns.partition(&d).live(&d, 50).is_some());
        assert!(ns.partition(&d).live(&d, 100).is_none());
        ns.partition(&d).records.insert(d, r);
        assert_eq!(store.sweep_expired(200), 1);
        assert_eq!(ns.object_count(), 0);
    }
}
