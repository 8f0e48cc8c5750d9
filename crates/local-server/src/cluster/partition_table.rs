//! Which nodes hold each partition, computed as Aerospike's partition balance computes it
//! (`as/src/fabric/partition_balance.c`, `fill_global_tables`): every partition orders the
//! cluster's nodes by a hash of (node, partition), and the first node of that order is the
//! partition's master, the next ones its replicas. A node that leaves is simply skipped, so its
//! first replica becomes master (no data moves for that), and a node that comes back takes its
//! old places again.
//!
//! The hashes are the server's: FNV-1a 64 of the node id and of the partition id (as their
//! little-endian bytes), then Jenkins one-at-a-time 64 of the pair `{hashed_node, hashed_pid}`,
//! its low 3 bits replaced by the node's index in the succession list (so equal hashes still
//! sort apart; CE clusters hold at most 8 nodes), sorted descending. The succession list is the
//! node ids in descending order. Not followed: `prefer-uniform-balance` (on by default in 8.x)
//! then evens out the master counts, and rack awareness; this table is the unadjusted one.

use crate::storage::N_PARTITIONS;

/// CE's `AS_CLUSTER_SZ`: the most nodes a cluster holds.
pub const MAX_NODES: usize = 8;

fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn jenkins64(bytes: &[u8]) -> u64 {
    let mut h = 0u64;
    for &b in bytes {
        h = h.wrapping_add(u64::from(b));
        h = h.wrapping_add(h << 10);
        h ^= h >> 6;
    }
    h = h.wrapping_add(h << 3);
    h ^= h >> 11;
    h.wrapping_add(h << 15)
}

/// For each partition, the indexes (into `ids`) of every node in the partition's order: master
/// first. `ids` are the node ids of the nodes that are up, in any order.
pub fn node_sequences(ids: &[u64]) -> Vec<Vec<u8>> {
    // The succession list: node ids, descending.
    let mut succession: Vec<usize> = (0..ids.len()).collect();
    succession.sort_by_key(|&i| std::cmp::Reverse(ids[i]));
    let hashed_nodes: Vec<u64> = succession.iter().map(|&i| fnv64(&ids[i].to_le_bytes())).collect();
    (0..N_PARTITIONS as u32)
        .map(|pid| {
            let hashed_pid = fnv64(&pid.to_le_bytes());
            let mut keyed: Vec<(u64, usize)> = hashed_nodes
                .iter()
                .enumerate()
                .map(|(sl_ix, &hashed_node)| {
                    let mut pair = [0u8; 16];
                    pair[..8].copy_from_slice(&hashed_node.to_le_bytes());
                    pair[8..].copy_from_slice(&hashed_pid.to_le_bytes());
                    let h = jenkins64(&pair) & !(MAX_NODES as u64 - 1);
                    (h + sl_ix as u64, sl_ix)
                })
                .collect();
            keyed.sort_by_key(|k| std::cmp::Reverse(k.0));
            keyed.into_iter().map(|(_, sl_ix)| succession[sl_ix] as u8).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_orders_every_node_once() {
        let seqs = node_sequences(&[0x0BB9_0242_AC11_0002, 0x0BB9_0242_AC11_0003, 0x0BB9_0242_AC11_0004]);
        assert_eq!(seqs.len(), N_PARTITIONS);
        for s in &seqs {
            let mut sorted = s.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2]);
        }
        // Masters spread over the nodes (no uniform-balance step: roughly a third each).
        for n in 0..3u8 {
            let masters = seqs.iter().filter(|s| s[0] == n).count();
            assert!((1000..1750).contains(&masters), "node {n} masters {masters}");
        }
    }

    #[test]
    fn a_node_leaving_keeps_the_others_in_order() {
        let ids = [0x0BB9_0242_AC11_0002, 0x0BB9_0242_AC11_0003, 0x0BB9_0242_AC11_0004];
        let all = node_sequences(&ids);
        let two = node_sequences(&ids[..2]);
        for (a, b) in all.iter().zip(&two) {
            let without: Vec<u8> = a.iter().copied().filter(|&n| n != 2).collect();
            assert_eq!(&without, b);
        }
    }

    #[test]
    fn hashes_are_the_published_algorithms() {
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(jenkins64(b""), 0);
    }
}
