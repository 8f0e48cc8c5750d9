//! The nodes of one server, which of them are up, and who holds what: each partition has a
//! master and `replication-factor - 1` replicas on distinct nodes, ordered as Aerospike's
//! partition balance orders them (`partition_table`).
//!
//! Every node keeps its own records (its own `Store`): the partitions it is master or replica
//! of. A write runs on the master and is copied to every replica before the client is answered
//! (`replicate`, Aerospike's write-commit-level `all`). When a node goes down (`set_up`), the
//! table is computed again without it: each of its partitions' first replica is master at once,
//! and partitions that are now short of a replica are copied to the node that takes that place
//! (migration). A node that comes back comes back empty, as an in-memory namespace does after a
//! restart, and is given every partition it holds in the new table before the table names it
//! (so it never answers as master without the writes it missed). Migrations here are done
//! whole while commands wait, where the real cluster streams them in the background.
//!
//! A command that reaches a node which does not serve its partition is proxied to the master
//! (`node::Node::proxy_target`, `net::proxy`); a background job's writes run only while its
//! node is master and are replicated as a client's are (`JobWrites`).
//!
//! Cluster-wide metadata (secondary-index definitions, UDF modules, users) is shared by the
//! nodes, as the real cluster's metadata distribution shares it.

pub mod partition_table;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use crate::indexed_store::{Namespace, Store};
use crate::query::jobs::{Outcome, WriteGate};
use crate::storage::{Digest, PartitionSet, Record, N_PARTITIONS};

/// A node as its peers announce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    /// `host:port`, IPv6 hosts bracketed.
    pub address: String,
}

impl Member {
    fn id_value(&self) -> u64 {
        u64::from_str_radix(&self.id, 16).unwrap_or(0)
    }
}

/// Who is up and, for each partition, the nodes that hold it.
#[derive(Debug, Clone)]
pub struct Table {
    /// By node index.
    pub up: Vec<bool>,
    /// By partition: the indexes of the nodes that are up, in the partition's order (master
    /// first). Only the first `replication_factor` hold the partition.
    sequences: Vec<Vec<u8>>,
    replication_factor: usize,
    /// Moves at every change of the table: each node's `partition-generation`.
    pub generation: u64,
}

impl Table {
    fn compute(members: &[Member], up: Vec<bool>, replication_factor: usize, generation: u64) -> Table {
        let live: Vec<usize> = (0..members.len()).filter(|&i| up[i]).collect();
        let ids: Vec<u64> = live.iter().map(|&i| members[i].id_value()).collect();
        let sequences = partition_table::node_sequences(&ids)
            .into_iter()
            .map(|seq| seq.into_iter().map(|k| live[usize::from(k)] as u8).collect())
            .collect();
        Table { up, sequences, replication_factor, generation }
    }

    /// How many copies each partition has now: the replication factor, or fewer when fewer
    /// nodes are up (`effective_replication_factor`).
    pub fn copies(&self) -> usize {
        self.replication_factor.min(self.up.iter().filter(|&&u| u).count())
    }

    /// The nodes holding `pid`, master first.
    pub fn holders(&self, pid: usize) -> &[u8] {
        let seq = &self.sequences[pid % N_PARTITIONS];
        &seq[..self.copies().min(seq.len())]
    }

    pub fn master(&self, pid: usize) -> Option<usize> {
        self.holders(pid).first().map(|&n| usize::from(n))
    }

    /// Whether node `me` answers a command on `pid`: a write only as its master; a read as any
    /// node holding it (Aerospike serves reads from replicas, which is what the client's
    /// replica policies route to).
    pub fn serves(&self, me: usize, pid: usize, write: bool) -> bool {
        match write {
            true => self.master(pid) == Some(me),
            false => self.holders(pid).iter().any(|&n| usize::from(n) == me),
        }
    }

    /// The partitions node `me` holds at `position` (0: master, 1: first replica, ...).
    pub fn held_at(&self, me: usize, position: usize) -> PartitionSet {
        PartitionSet::of((0..N_PARTITIONS).filter(|&p| self.holders(p).get(position).is_some_and(|&n| usize::from(n) == me)))
    }
}

/// Every node of the server, in node order.
pub struct Cluster {
    pub members: Vec<Member>,
    /// Each node's records.
    stores: Vec<Arc<Store>>,
    table: RwLock<Table>,
    /// Held shared by a command (or a block of batch rows) from its admission to its
    /// replication, exclusively by a table change: no write lands on a node between the
    /// migration that copied its partition away and the table that says so.
    changes: RwLock<()>,
    /// Moves whenever a node leaves or joins (`peers-generation`).
    peers_generation: AtomicU64,
}

impl Cluster {
    /// All nodes up; `replication_factor` copies of each partition (at most one per node).
    pub fn new(members: Vec<Member>, stores: Vec<Arc<Store>>, replication_factor: usize) -> Cluster {
        let up = vec![true; members.len()];
        let table = Table::compute(&members, up, replication_factor.max(1), 1);
        Cluster { members, stores, table: RwLock::new(table), changes: RwLock::new(()), peers_generation: AtomicU64::new(1) }
    }

    /// The current table. Held across a write and its replication, so the table cannot change
    /// between them; never held across I/O.
    pub fn table(&self) -> RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the table as it is until the guard goes (see `changes`). Never held across I/O.
    pub fn hold(&self) -> RwLockReadGuard<'_, ()> {
        self.changes.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_up(&self, node: usize) -> bool {
        self.table().up.get(node).copied().unwrap_or(false)
    }

    /// Every node's store, in node order (cluster-wide commands such as truncate reach each).
    pub fn stores(&self) -> &[Arc<Store>] {
        &self.stores
    }

    /// Nodes that are up.
    pub fn size(&self) -> usize {
        self.table().up.iter().filter(|&&u| u).count()
    }

    pub fn peers_generation(&self) -> u64 {
        self.peers_generation.load(Ordering::Relaxed)
    }

    fn live_members(&self) -> Vec<&Member> {
        let table = self.table();
        self.members.iter().enumerate().filter(|(i, _)| table.up[*i]).map(|(_, m)| m).collect()
    }

    /// The same on every node, and a new one for each set of node ids (`cluster-stable`,
    /// `statistics`' cluster_key).
    pub fn key(&self) -> u64 {
        let members = self.live_members();
        let ids = members.iter().flat_map(|m| m.id.bytes());
        ids.fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)) & 0xFFFF_FFFF_FFFF
    }

    /// The real cluster's principal is the node with the highest id.
    pub fn principal(&self) -> String {
        self.live_members().into_iter().max_by_key(|m| m.id_value()).map(|m| m.id.clone()).unwrap_or_default()
    }

    /// The nodes that are up, but `me`.
    pub fn peers_of(&self, me: usize) -> Vec<Member> {
        let table = self.table();
        self.members.iter().enumerate().filter(|(i, _)| *i != me && table.up[*i]).map(|(_, m)| m.clone()).collect()
    }

    /// Copies the master's state of record `d` (its record, or its absence) to the partition's
    /// other holders, under the master's partition lock so concurrent writes of one record
    /// reach the replicas in the order they were applied. `table` is the caller's guard,
    /// held since the write was admitted.
    pub fn replicate(&self, table: &Table, ns_index: usize, d: &Digest) {
        let pid = crate::storage::digest::partition_id(d);
        let holders = table.holders(pid);
        let Some((&master, replicas)) = holders.split_first() else { return };
        let Some(master_ns) = self.stores[usize::from(master)].namespaces.get(ns_index) else { return };
        let part = master_ns.partition(d);
        let current = part.get(d).cloned();
        for &r in replicas {
            let Some(ns) = self.stores[usize::from(r)].namespaces.get(ns_index) else { continue };
            let mut copy = ns.partition(d);
            match &current {
                Some(rec) => {
                    copy.put(*d, rec.clone());
                }
                None => {
                    copy.remove(d);
                }
            }
        }
        drop(part);
    }

    /// Takes node `node` down or brings it back, and rebalances: partitions move to their
    /// new holders before the new table is published. A node brought back starts empty.
    pub fn set_up(&self, node: usize, up: bool) {
        let _no_command_in_flight = self.changes.write().unwrap_or_else(|e| e.into_inner());
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        if table.up.get(node).copied() == Some(up) || node >= self.members.len() {
            return;
        }
        if up {
            for ns in &self.stores[node].namespaces {
                for pid in 0..N_PARTITIONS {
                    ns.partition_at(pid).remove_where(|_| true);
                }
            }
        }
        let mut flags = table.up.clone();
        flags[node] = up;
        let next = Table::compute(&self.members, flags, table.replication_factor, table.generation + 1);
        self.migrate(&table, &next);
        *table = next;
        self.peers_generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Moves every partition from the nodes that held it in `old` (those still up) to the
    /// nodes that hold it in `new`, and drops it from nodes that no longer do. With no holder
    /// left (every copy was on nodes now down) the new holders start empty: the data is lost,
    /// as it is on a real cluster.
    fn migrate(&self, old: &Table, new: &Table) {
        for pid in 0..N_PARTITIONS {
            let was: Vec<usize> = old.holders(pid).iter().map(|&n| usize::from(n)).filter(|&n| new.up[n]).collect();
            let now: Vec<usize> = new.holders(pid).iter().map(|&n| usize::from(n)).collect();
            for (k, _) in self.stores[0].namespaces.iter().enumerate() {
                let source: Option<Vec<(Digest, Record)>> = was.first().and_then(|&src| {
                    let ns = self.stores[src].namespaces.get(k)?;
                    let part = ns.partition_at(pid);
                    Some(part.iter().map(|(d, r)| (*d, r.clone())).collect())
                });
                for &n in now.iter().filter(|n| !was.contains(n)) {
                    let Some(ns) = self.stores[n].namespaces.get(k) else { continue };
                    let mut part = ns.partition_at(pid);
                    part.remove_where(|_| true);
                    for (d, r) in source.iter().flatten() {
                        part.put(*d, r.clone());
                    }
                }
                for &n in was.iter().filter(|n| !now.contains(n)) {
                    if let Some(ns) = self.stores[n].namespaces.get(k) {
                        ns.partition_at(pid).remove_where(|_| true);
                    }
                }
            }
        }
    }
}

/// The writes of node `me`'s background query jobs (ops or UDF), as the real server runs them:
/// each record's write is an internal transaction that reserves the partition for writing
/// (`thr_tsvc.c`: a failed reservation of origin FROM_IOPS/FROM_IUDF is answered
/// AS_ERR_UNKNOWN, which the job counts as failed, `query.c` `*_bg_query_tr_complete`) and
/// then goes through the write path, replica writes included (`write.c`, `udf.c`): no write
/// a job made is lost with its master.
pub struct JobWrites {
    pub cluster: Arc<Cluster>,
    pub me: usize,
}

impl WriteGate for JobWrites {
    fn run(&self, ns: &Namespace, d: &Digest, write: &mut dyn FnMut() -> Outcome) -> Option<Outcome> {
        let _no_table_change = self.cluster.hold();
        let table = self.cluster.table();
        if !table.up.get(self.me).copied().unwrap_or(false) {
            return None;
        }
        if !table.serves(self.me, crate::storage::digest::partition_id(d), true) {
            return Some(Outcome::Failed);
        }
        let outcome = write();
        let k = self.cluster.stores.get(self.me)?.namespaces.iter().position(|n| n.name() == ns.name());
        if let Some(k) = k {
            self.cluster.replicate(&table, k, d);
        }
        Some(outcome)
    }
}

#[cfg(test)]
mod tests;
