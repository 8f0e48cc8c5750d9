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
//! `cluster`: several nodes, each on its own port, owning disjoint partitions and announcing
//! each other as peers. `tls` serves every port over TLS (a CA and certificates made at start),
//! which a PKI login (`security`) builds on.

pub mod batch;
pub mod bits;
pub mod cdt;
pub mod cluster;
pub mod codec;
pub mod config;
pub mod expiry;
pub mod expressions;
pub mod hll;
pub mod info;
pub mod log;
pub mod net;
pub mod node;
pub mod query;
pub mod record_size;
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
