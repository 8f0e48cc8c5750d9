//! Sets of partition ids: which partitions a node answers for, as the `replicas` bitmaps
//! announce them.

use super::N_PARTITIONS;

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

    /// The set of the partitions `pids` names.
    pub fn of(pids: impl IntoIterator<Item = usize>) -> PartitionSet {
        let mut set = PartitionSet::none();
        for pid in pids.into_iter().filter(|&p| p < N_PARTITIONS) {
            set.bits[pid / 8] |= 0x80 >> (pid % 8);
        }
        set
    }

    /// The set a `replicas` bitmap names; `None` unless it has one bit per partition.
    pub fn from_bitmap(bytes: &[u8]) -> Option<PartitionSet> {
        let bits: [u8; N_PARTITIONS / 8] = bytes.try_into().ok()?;
        Some(PartitionSet { bits: Box::new(bits) })
    }

    pub fn contains(&self, pid: usize) -> bool {
        self.bits.get(pid / 8).is_some_and(|b| b & (0x80 >> (pid % 8)) != 0)
    }

    pub fn bitmap(&self) -> &[u8] {
        &self.bits[..]
    }
}
