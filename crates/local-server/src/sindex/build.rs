//! Building a new index over the records already stored, and dropping an index's entries.
//! A build walks the partitions one at a time under each one's lock; writes that land while it
//! runs are indexed by the write path itself (the definition is registered first).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::storage::PartitionSet;
use crate::expiry;
use crate::storage::N_PARTITIONS;
use super::PartitionIndex;

/// The namespace of the indexed store (`indexed_store::Namespace`, named from below it).
type Namespace = crate::storage::Namespace<PartitionIndex>;

use super::IndexDef;

/// Indexes every live record for `def`, partition by partition, counting progress in
/// `def.built` (what `sindex-stat` reports as load_pct).
pub fn build(ns: &Namespace, def: &Arc<IndexDef>) {
    let now = expiry::now_clepoch();
    for pid in 0..N_PARTITIONS {
        // A dropped (or renamed-away) definition stops its build.
        if !ns.sindex.with_defs(|d| d.iter().any(|x| x.id == def.id)) {
            return;
        }
        let mut part = ns.partition_at(pid);
        let (index, records) = part.index_mut();
        for (d, r) in records {
            if !expiry::is_expired(r.void_time, now) {
                index.build_one(def, d, r);
            }
        }
        drop(part);
        def.built.fetch_add(1, Ordering::Relaxed);
    }
    def.load_ms.store(def.created.elapsed().as_millis() as u64, Ordering::Relaxed);
}

/// Builds in the background on its own thread (a big namespace must not hold up the info
/// connection that asked); small namespaces are done before the client's first poll.
pub fn spawn_build(ns: Arc<Namespace>, def: Arc<IndexDef>) {
    let spawned = std::thread::Builder::new().name("sindex-build".into()).spawn({
        let (ns, def) = (ns.clone(), def.clone());
        move || build(&ns, &def)
    });
    if spawned.is_err() {
        build(&ns, &def);
    }
}

/// Drops the entries of a removed index from every partition.
pub fn drop_entries(ns: &Namespace, id: u64) {
    for pid in 0..N_PARTITIONS {
        ns.partition_at(pid).index_mut().0.drop_index(id);
    }
}

/// Entries an index holds in `partitions` (sindex-stat's `entries`: a node's own).
pub fn entry_count(ns: &Namespace, id: u64, partitions: &PartitionSet) -> usize {
    (0..N_PARTITIONS).filter(|&p| partitions.contains(p)).map(|p| ns.partition_at(p).index().entry_count(id)).sum()
}
