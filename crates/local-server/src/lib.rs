//! An Aerospike-wire-compatible server (CE 8.1 behaviour) for tests and local development.
//! `lib.rs` only declares the parts and re-exports the public API.

pub mod codec;
pub mod config;
pub mod expiry;
pub mod info;
pub mod net;
pub mod node;
pub mod result_code;
pub mod storage;
pub mod transactions;

mod server;

pub use config::{Config, NamespaceConfig};
pub use server::Server;
