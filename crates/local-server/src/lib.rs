//! An Aerospike-wire-compatible server (CE 8.1 behaviour) for tests and local development.
//! `lib.rs` only declares the parts and re-exports the public API.
//!
//! The parts follow the real server's: `net` (listener, connections, framing), `codec` (proto
//! header, AS_MSG, particles, msgpack, JSON), `info`, `storage` (namespaces, 4096 partitions,
//! records, digests), `transactions` (single-record command semantics), `expiry`. Later slices
//! add siblings: `batch` (batch-index protocol, streamed from `net`), `cdt`
//! (list/map/bit/HLL ops, reached from the op switch in `transactions::write`/`read`),
//! `expressions`, `sindex` + `query` (scans and queries with partition filters), `udf`,
//! `truncate`, `security` (users, roles and the admin protocol, enforced from `net`), and
//! `cluster`: several nodes, each on its own port with its own records, each partition on a
//! master and `replication-factor - 1` replicas, nodes that can go down and come back
//! (`Server::kill_node`/`restart_node`), and faults injected per node (`node::faults`). `tls` serves every port over TLS (a CA and certificates made at start),
//! which a PKI login (`security`) builds on.
//!
//! # Layers (each depends only on those below it)
//! 1. leaves: `result_code`, `config`, `expiry` (the clock), `info_text` (info parameters,
//!    base64), `codec`;
//! 2. `storage`: records, digests, partitions, partition sets, record sizes. It knows nothing
//!    of indexes, UDFs, info or nodes: indexes plug in through `storage::RecordIndex`;
//! 3. `cdt`, `bits`, `hll`, `expressions`: what is computed on a record;
//! 4. `sindex` (implements `RecordIndex`), then `indexed_store` (storage + indexes: the store
//!    every layer above works on);
//! 5. `transactions` (single-record commands; record UDFs reach it through its `RecordUdf`
//!    trait), `query` (selection, jobs), `truncate`, `security`;
//! 6. `udf` (implements `RecordUdf`, the aggregation sink and the background action), `batch`;
//! 7. `cluster` (members, who is up, the partition table, replication and migration between
//!    the nodes' stores, the admission of background jobs' writes) and `node`: one node = its
//!    store, its place in the cluster, the shared UDF registry and users, its query jobs, its
//!    injected faults, the peers it proxies commands to;
//! 8. `info` (answers about a node), `net` (connections: dispatches each request to the layer
//!    that runs it or proxies it to the node that does, and connects queries to UDFs), `server`
//!    (starts the nodes).
//!
//! The one loop left is `codec::particle` calling `cdt::ingest` (owned by the wire crate work).

pub mod batch;
pub mod bits;
pub mod cdt;
pub mod cluster;
pub mod codec;
pub mod config;
pub mod expiry;
pub mod expressions;
pub mod hll;
pub mod indexed_store;
pub mod info;
pub mod info_text;
pub mod log;
pub mod net;
pub mod node;
pub mod query;
pub mod result_code;
pub mod security;
pub mod sindex;
pub mod storage;
pub mod tls;
pub mod transactions;
pub mod truncate;
pub mod udf;

mod server;

pub use config::{Config, NamespaceConfig, TlsConfig};
pub use server::Server;
pub use tls::ServerTls;
