//! In-memory storage: namespaces, each split into 4096 partitions, each partition a map from
//! digest to record behind its own lock. No lock is ever held across I/O.
//!
//! The bottom layer of a node: it knows records, digests, partitions and time, and nothing of
//! what is built on them. Secondary indexes plug in through [`RecordIndex`] (the `sindex`
//! layer implements it; `indexed_store` names the composition the layers above use), and
//! which node answers for a partition is the `cluster` layer's business.

pub mod digest;
pub mod partition_set;
pub mod record;
pub mod record_size;
pub mod set_names;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::NamespaceConfig;
use crate::expiry;
pub use digest::{Digest, N_PARTITIONS};
pub use partition_set::PartitionSet;
pub use record::{Bin, Record, StoredKey};

/// What a partition keeps beside its records and keeps current on every change of them
/// (secondary-index entries). `Defs` is what every partition of a namespace shares (the index
/// definitions).
pub trait RecordIndex: Default + Send + std::fmt::Debug {
    type Defs: Default + Send + Sync + std::fmt::Debug;
    /// `rec` is now stored under `d` (created or replaced).
    fn update(&mut self, defs: &Self::Defs, d: &Digest, rec: &Record);
    /// `d` is gone (deleted, expired, truncated).
    fn remove(&mut self, d: &Digest);
}

/// Storage without indexes (storage's own tests, and tools that need none).
impl RecordIndex for () {
    type Defs = ();
    fn update(&mut self, _: &(), _: &Digest, _: &Record) {}
    fn remove(&mut self, _: &Digest) {}
}

/// One partition's records and the secondary-index entries that point at them.
///
/// Every change to a record's bins goes through [`Partition::put`] or [`Partition::remove`]:
/// they are the one place indexes hear about writes, deletes, expiry and truncation, whoever
/// makes them (commands, batch, UDFs, background jobs).
#[derive(Debug)]
pub struct Partition<I: RecordIndex> {
    records: HashMap<Digest, Record>,
    index: I,
    defs: Arc<I::Defs>,
}

impl<I: RecordIndex> Partition<I> {
    pub fn new(defs: Arc<I::Defs>) -> Self {
        Partition { records: HashMap::new(), index: I::default(), defs }
    }

    /// The live record for a digest: an expired one is dropped on the spot.
    pub fn live(&mut self, d: &Digest, now: u32) -> Option<&mut Record> {
        let expired = self.records.get(d).is_some_and(|r| expiry::is_expired(r.void_time, now));
        if expired {
            self.remove(d);
            return None;
        }
        self.records.get_mut(d)
    }

    /// The stored record, expired or not.
    pub fn get(&self, d: &Digest) -> Option<&Record> {
        self.records.get(d)
    }

    /// For metadata only (generation, void time, last-update time): bins changed through this
    /// reference are not re-indexed. Change bins with [`Partition::put`].
    pub fn get_mut(&mut self, d: &Digest) -> Option<&mut Record> {
        self.records.get_mut(d)
    }

    /// Stores (creates or replaces) a record and re-indexes it.
    pub fn put(&mut self, d: Digest, rec: Record) -> Option<Record> {
        self.index.update(&self.defs, &d, &rec);
        self.records.insert(d, rec)
    }

    /// Removes a record and its index entries.
    pub fn remove(&mut self, d: &Digest) -> Option<Record> {
        let old = self.records.remove(d);
        if old.is_some() {
            self.index.remove(d);
        }
        old
    }

    /// Removes every record `doomed` picks; returns how many went.
    pub fn remove_where(&mut self, mut doomed: impl FnMut(&Record) -> bool) -> usize {
        let gone: Vec<Digest> = self.records.iter().filter(|(_, r)| doomed(r)).map(|(d, _)| *d).collect();
        for d in &gone {
            self.remove(d);
        }
        gone.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Digest, &Record)> {
        self.records.iter()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn index(&self) -> &I {
        &self.index
    }

    /// Index building and dropping (the `sindex` info commands).
    pub fn index_mut(&mut self) -> (&mut I, &HashMap<Digest, Record>) {
        (&mut self.index, &self.records)
    }
}

pub struct Namespace<I: RecordIndex> {
    pub config: NamespaceConfig,
    partitions: Box<[Mutex<Partition<I>>]>,
    /// Secondary-index definitions (entries live in the partitions).
    pub sindex: Arc<I::Defs>,
    /// Truncate cut-offs (Unix ms) by set; the empty set is the whole namespace.
    pub truncate_luts: Mutex<HashMap<Vec<u8>, u64>>,
    /// Every set name the namespace has held (never shrinks, at most 4095).
    pub set_names: set_names::SetNames,
}

/// Per-set figures for the `sets` info command.
#[derive(Debug, Default, Clone)]
pub struct SetStats {
    pub objects: u64,
    pub data_bytes: u64,
}

impl<I: RecordIndex> Namespace<I> {
    /// A namespace whose index definitions are `sindex` (shared by every node's copy of the
    /// namespace, as the cluster shares its metadata).
    pub fn new(config: NamespaceConfig, sindex: Arc<I::Defs>) -> Self {
        let partitions = (0..N_PARTITIONS).map(|_| Mutex::new(Partition::new(sindex.clone()))).collect();
        Namespace { config, partitions, sindex, truncate_luts: Mutex::new(HashMap::new()), set_names: Default::default() }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Locks the partition owning `d`. A poisoned lock (a panic elsewhere) is still usable:
    /// records are only replaced whole, so the map is never half-updated.
    pub fn partition(&self, d: &Digest) -> MutexGuard<'_, Partition<I>> {
        self.partition_at(digest::partition_id(d))
    }

    pub fn partition_at(&self, pid: usize) -> MutexGuard<'_, Partition<I>> {
        self.partitions[pid % N_PARTITIONS].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Live records in `partitions` (a node counts only the partitions it owns).
    pub fn object_count(&self, partitions: &PartitionSet) -> u64 {
        let now = expiry::now_clepoch();
        (0..N_PARTITIONS)
            .filter(|&p| partitions.contains(p))
            .map(|p| self.partition_at(p).iter().filter(|(_, r)| !expiry::is_expired(r.void_time, now)).count() as u64)
            .sum()
    }

    /// Per-set figures over `partitions`, for every set name the namespace holds (emptied
    /// sets too, at zero), in the order the names were added.
    pub fn set_stats(&self, partitions: &PartitionSet) -> Vec<(Vec<u8>, SetStats)> {
        let now = expiry::now_clepoch();
        let mut out: BTreeMap<Vec<u8>, SetStats> = BTreeMap::new();
        for p in (0..N_PARTITIONS).filter(|&p| partitions.contains(p)) {
            let part = self.partition_at(p);
            for (_, r) in part.iter() {
                if r.set.is_empty() || expiry::is_expired(r.void_time, now) {
                    continue;
                }
                let s = out.entry(r.set.clone()).or_default();
                s.objects += 1;
                s.data_bytes += record_size::stored_size(r) as u64;
            }
        }
        let mut listed: Vec<(Vec<u8>, SetStats)> =
            self.set_names.names().into_iter().map(|n| { let s = out.remove(&n).unwrap_or_default(); (n, s) }).collect();
        listed.extend(out);
        listed
    }

    fn sweep_expired(&self, now: u32) -> usize {
        let mut removed = 0;
        for p in 0..N_PARTITIONS {
            removed += self.partition_at(p).remove_where(|r| expiry::is_expired(r.void_time, now));
        }
        removed
    }
}

pub struct Store<I: RecordIndex> {
    pub namespaces: Vec<Arc<Namespace<I>>>,
}

impl<I: RecordIndex> Store<I> {
    /// Namespaces with index definitions of their own.
    pub fn new(configs: &[NamespaceConfig]) -> Self {
        Store { namespaces: configs.iter().cloned().map(|c| Arc::new(Namespace::new(c, Arc::default()))).collect() }
    }

    /// Namespaces sharing the index definitions of `other`'s (another node's copy).
    pub fn sharing_definitions(other: &Store<I>) -> Self {
        Store { namespaces: other.namespaces.iter().map(|n| Arc::new(Namespace::new(n.config.clone(), n.sindex.clone()))).collect() }
    }

    pub fn namespace(&self, name: &[u8]) -> Option<&Arc<Namespace<I>>> {
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
        let store = Store::<()>::new(&[NamespaceConfig::new("test")]);
        let ns = store.namespace(b"test").expect("ns");
        let d = digest::of_str(b"s", "k");
        let mut r = Record::new(b"s".to_vec());
        r.void_time = 100;
        ns.partition(&d).put(d, r.clone());
        assert!(ns.partition(&d).live(&d, 50).is_some());
        assert!(ns.partition(&d).live(&d, 100).is_none());
        ns.partition(&d).put(d, r);
        assert_eq!(store.sweep_expired(200), 1);
        assert_eq!(ns.object_count(&PartitionSet::all()), 0);
    }
}
