//! Which node holds each partition, from the nodes' own `replicas` info answers: the routing a
//! batch read needs to send each key to the node that holds it, kept beside the crate's own map
//! (which it does not expose). Pure: answers in, node indices out.

use std::collections::HashMap;

use base64::Engine as _;

/// Partitions of a namespace; a key's is the low 12 bits of its digest's first two bytes.
pub const PARTITIONS: usize = 4096;

/// The partition a digest falls in (as every client and the server compute it).
pub fn partition_of(digest: &[u8; 20]) -> usize {
    usize::from(u16::from_le_bytes([digest[0], digest[1]])) & (PARTITIONS - 1)
}

/// One namespace's owners: for each replica (0 = master), each partition's node index.
#[derive(Debug, Default, Clone)]
pub struct NamespaceMap {
    /// Strong consistency (a regime above 0): reads there follow `read_mode_sc`, which only
    /// the crate implements, so such a namespace is routed by the crate.
    pub strong_consistency: bool,
    /// `owners[replica][partition]`: index of the node, or `u16::MAX` for none.
    owners: Vec<Vec<u16>>,
    /// The regime each (replica, partition) was taken at: a node answering with an older
    /// regime does not overwrite a newer owner.
    regimes: Vec<Vec<u32>>,
}

const NO_NODE: u16 = u16::MAX;

impl NamespaceMap {
    pub fn replicas(&self) -> usize {
        self.owners.len()
    }

    /// The node of `partition` for attempt `sequence` of a read: replica `sequence % n` first,
    /// then the next ones, as the crate's `Replica::Sequence` walks them. None when no replica
    /// of the partition has a node.
    pub fn node_for(&self, partition: usize, sequence: usize) -> Option<usize> {
        let n = self.owners.len();
        (0..n).find_map(|i| self.owners[(sequence + i) % n].get(partition).copied().filter(|&node| node != NO_NODE)).map(usize::from)
    }

    /// The master's node of `partition` (`Replica::Master`).
    pub fn master_of(&self, partition: usize) -> Option<usize> {
        self.owners.first()?.get(partition).copied().filter(|&node| node != NO_NODE).map(usize::from)
    }
}

/// Every namespace's owners, over the nodes the answers came from.
#[derive(Debug, Default, Clone)]
pub struct PartitionMap {
    namespaces: HashMap<String, NamespaceMap>,
}

/// Why a `replicas` answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadReplicas(pub String);

impl PartitionMap {
    pub fn namespace(&self, name: &str) -> Option<&NamespaceMap> {
        self.namespaces.get(name)
    }

    /// Adds node `node`'s answer to the `replicas` info command:
    /// `ns:regime,n_replicas,bitmap_0,...,bitmap_n-1;ns:...`, each bitmap base64 of 4096 bits,
    /// partition 0 in the high bit of the first byte.
    pub fn add_node(&mut self, node: u16, replicas: &str) -> Result<(), BadReplicas> {
        let bad = |what: &str| BadReplicas(format!("node {node}'s replicas answer: {what}"));
        for part in replicas.trim_end().split(';').filter(|p| !p.is_empty()) {
            let (ns, rest) = part.split_once(':').ok_or_else(|| bad("a namespace without ':'"))?;
            let mut items = rest.split(',');
            let regime: u32 = items.next().and_then(|r| r.parse().ok()).ok_or_else(|| bad("no regime"))?;
            let n: usize = items.next().and_then(|r| r.parse().ok()).filter(|n| (1..=8).contains(n)).ok_or_else(|| bad("a replica count outside 1..=8"))?;
            let map = self.namespaces.entry(ns.to_owned()).or_default();
            map.strong_consistency |= regime > 0;
            if map.owners.len() < n {
                map.owners.resize_with(n, || vec![NO_NODE; PARTITIONS]);
                map.regimes.resize_with(n, || vec![0; PARTITIONS]);
            }
            for replica in 0..n {
                let bitmap = items.next().ok_or_else(|| bad("fewer bitmaps than replicas"))?;
                let bits = base64::engine::general_purpose::STANDARD.decode(bitmap).map_err(|_| bad("a bitmap is not base64"))?;
                if bits.len() < PARTITIONS / 8 {
                    return Err(bad("a bitmap shorter than 4096 bits"));
                }
                for partition in 0..PARTITIONS {
                    if bits[partition >> 3] & (0x80 >> (partition & 7)) != 0 && regime >= map.regimes[replica][partition] {
                        map.owners[replica][partition] = node;
                        map.regimes[replica][partition] = regime;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(partitions: impl Iterator<Item = usize>) -> String {
        let mut bits = vec![0u8; PARTITIONS / 8];
        for p in partitions {
            bits[p >> 3] |= 0x80 >> (p & 7);
        }
        base64::engine::general_purpose::STANDARD.encode(bits)
    }

    #[test]
    fn two_nodes_split_masters_and_hold_each_others_replicas() {
        let even = bitmap((0..PARTITIONS).filter(|p| p % 2 == 0));
        let odd = bitmap((0..PARTITIONS).filter(|p| p % 2 == 1));
        let mut map = PartitionMap::default();
        map.add_node(0, &format!("test:0,2,{even},{odd};")).expect("node 0");
        map.add_node(1, &format!("test:0,2,{odd},{even}")).expect("node 1");
        let ns = map.namespace("test").expect("test");
        assert_eq!((ns.replicas(), ns.strong_consistency), (2, false));
        assert_eq!((ns.master_of(10), ns.master_of(11)), (Some(0), Some(1)));
        // Attempt 1 of a sequence read goes to the other replica.
        assert_eq!((ns.node_for(10, 0), ns.node_for(10, 1), ns.node_for(10, 2)), (Some(0), Some(1), Some(0)));
        assert!(map.namespace("bar").is_none());
    }

    #[test]
    fn a_missing_replica_falls_through_to_the_next_and_an_older_regime_loses() {
        let all = bitmap(0..PARTITIONS);
        let none = bitmap(std::iter::empty());
        let mut map = PartitionMap::default();
        map.add_node(3, &format!("sc:2,2,{all},{none}")).expect("node 3");
        map.add_node(4, &format!("sc:1,2,{all},{none}")).expect("node 4");
        let ns = map.namespace("sc").expect("sc");
        assert!(ns.strong_consistency);
        assert_eq!(ns.node_for(7, 1), Some(3), "replica 1 has no node: the walk goes on to the master");
        assert_eq!(ns.master_of(7), Some(3), "regime 1 must not replace regime 2's owner");
    }

    #[test]
    fn malformed_answers_are_refused_by_name() {
        let mut map = PartitionMap::default();
        let one = format!("test:0,2,{}", bitmap(0..1));
        for (answer, what) in [("test", "':'"), ("test:x,1,AA", "regime"), ("test:0,9,AA", "replica count"), (one.as_str(), "fewer bitmaps"), ("test:0,1,!!", "base64"), ("test:0,1,AAAA", "shorter")] {
            let err = map.add_node(0, answer).expect_err(answer);
            assert!(err.0.contains(what), "{answer}: {err:?}");
        }
    }

    #[test]
    fn partition_ids_come_from_the_digests_first_two_bytes() {
        let mut digest = [0u8; 20];
        digest[0] = 0x34;
        digest[1] = 0x12;
        assert_eq!(partition_of(&digest), 0x1234 & 0xfff);
    }
}
