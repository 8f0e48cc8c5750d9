//! The nodes of one server and who answers for what: each node owns a disjoint share of the
//! 4096 partitions (replication factor 1, so a partition's only replica is its master) and
//! announces the others as its peers.
//!
//! The nodes live in one process and share one `Store`. Ownership decides only which node
//! answers for a partition; the records themselves are in one place, so cluster-wide changes
//! (truncate, secondary indexes, UDF modules) reach every node without propagation, as the
//! real cluster's metadata distribution makes them.


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
