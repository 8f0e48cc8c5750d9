//! The store every layer above storage works on: storage's namespaces and partitions with
//! secondary-index entries kept in each partition (`sindex::PartitionIndex`). Storage knows
//! nothing of indexes; this is where the two are put together, once.

use crate::sindex::PartitionIndex;

pub type Store = crate::storage::Store<PartitionIndex>;
pub type Namespace = crate::storage::Namespace<PartitionIndex>;
pub type Partition = crate::storage::Partition<PartitionIndex>;
