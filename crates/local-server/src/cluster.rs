//! The nodes of one server and who answers for what: each node owns a disjoint share of the
//! 4096 partitions (replication factor 1, so a partition's only replica is its master) and
//! announces the others as its peers.
//!
//! The nodes live in one process and share one `Store`. Ownership decides only which node
//! answers for a partition; the records themselves are in one place, so cluster-wide changes
//! (truncate, secondary indexes, UDF modules) reach every node without propagation, as the
//! real cluster's metadata distribution makes them.

use crate::storage::N_PARTITIONS;

/// A set of partition ids, kept as the bitmap `replicas` announces: partition `p` is bit
/// `0x80 >> (p % 8)` of byte `p / 8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSet {
    bits: Box<[u8; N_PARTITIONS / 8]>,
}

impl PartitionSet {
    pub fn all() -> PartitionSet {
        PartitionSet { bits: Box::new([0xFF; N_PARTITIONS / 8]) }
    }

    pub fn none() -> PartitionSet {
        PartitionSet { bits: Box::new([0; N_PARTITIONS / 8]) }
    }

    /// The share of node `index` of `n_nodes`: partition `p` belongs to node `p % n_nodes`.
    /// Interleaved rather than contiguous, so any batch or scan of a few keys already spans
    /// every node, as it does on a real cluster.
    pub fn share_of(index: usize, n_nodes: usize) -> PartitionSet {
        let mut set = PartitionSet::none();
        for pid in (index..N_PARTITIONS).step_by(n_nodes.max(1)) {
            set.bits[pid / 8] |= 0x80 >> (pid % 8);
        }
        set
    }

    pub fn contains(&self, pid: usize) -> bool {
        self.bits.get(pid / 8).is_some_and(|b| b & (0x80 >> (pid % 8)) != 0)
    }

    pub fn bitmap(&self) -> &[u8] {
        &self.bits[..]
    }
}

/// A node as its peers announce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    /// `host:port`, IPv6 hosts bracketed.
    pub address: String,
}

/// Every node of the server, in node order.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub members: Vec<Member>,
}

impl Cluster {
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// The same on every node, and a new one for each set of node ids (`cluster-stable`,
    /// `statistics`' cluster_key).
    pub fn key(&self) -> u64 {
        let ids = self.members.iter().flat_map(|m| m.id.bytes());
        ids.fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)) & 0xFFFF_FFFF_FFFF
    }

    /// The real cluster's principal is the node with the highest id.
    pub fn principal(&self) -> &str {
        self.members.iter().map(|m| m.id.as_str()).max_by_key(|id| u64::from_str_radix(id, 16).unwrap_or(0)).unwrap_or("")
    }

    /// Everyone but `me`.
    pub fn peers_of(&self, me: usize) -> impl Iterator<Item = &Member> {
        self.members.iter().enumerate().filter(move |(i, _)| *i != me).map(|(_, m)| m)
    }
}

#[cfg(test)]
mod tests;
