//! Lua UDFs, as Aerospike CE 8.1 runs them: an embedded Lua 5.4 (mlua, vendored) with the
//! Aerospike API (`record`, `aerospike`, `list`, `map`, `bytes`, `geojson`, stream operators),
//! a module registry managed through the info protocol, and the execution paths that use it.
//!
//! - `registry`: `udf-put/get/list/remove`, compile checks, a pool of ready states.
//! - `sandbox`: one interpreter state: no host access, memory limit, deadline hook.
//! - `values`, `modules`: Aerospike values in Lua and the `list`/`map`/`bytes`/`geojson` modules.
//! - `record`: the `rec` a record UDF sees, the `record` module and `aerospike:*`.
//! - `apply`: record UDFs (single-record `apply` and batch UDF rows, both through
//!   `transactions::run`).
//! - `stream`: aggregations (`query.apply(...)`), run per node over the records a query
//!   selects, their partial results streamed back; the client runs the final reduce.
//! - `background`: background UDF jobs (`scan_apply`, `query_apply`, `execute_background`),
//!   each record through the same record-UDF path.
//!
//! Every record a UDF writes or deletes goes through `Partition::put`/`remove`, so secondary
//! indexes follow UDF writes as they follow any other.

pub mod apply;
pub mod background;
pub mod modules;
pub mod record;
pub mod registry;
pub mod sandbox;
pub mod stream;
pub mod tostring;
pub mod values;

pub use registry::Registry;

use crate::storage::{Digest, Record};
use crate::indexed_store::Partition;

/// Runs Lua that may take up to its deadline: on the server's multi-threaded runtime the
/// worker hands its other tasks (tending, info, other connections) to another thread first.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Stores a record a UDF wrote (the storage mutation path: re-indexes it).
pub(crate) fn store_write(part: &mut Partition, d: &Digest, rec: Record) {
    part.put(*d, rec);
}

/// Deletes a record a UDF removed (the storage mutation path: drops its index entries).
pub(crate) fn store_delete(part: &mut Partition, d: &Digest) {
    part.remove(d);
}

#[cfg(test)]
mod tests;
