//! The I/O of each command, written once as an `async fn` and awaited by both clients:
//! `Client` through `runtime::wait`, `AsyncClient` through `runtime::spawn`.

pub(crate) mod admin;
pub(crate) mod batch;
pub(crate) mod index;
pub(crate) mod info;
pub(crate) mod kv;
pub(crate) mod query;
pub(crate) mod udf;
