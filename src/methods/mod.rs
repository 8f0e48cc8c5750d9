//! The client methods, one file per family. Each file holds the twins side by side: the
//! `#[pymethods]` of `Client` (waits through `runtime::wait`) and of `AsyncClient` (returns an
//! awaitable through `runtime::spawn`), both running the same `ops` future.

mod admin;
mod batch;
mod index;
mod kv;
mod query;
pub(crate) mod udf;
