//! `aerospike_py._native`: the compiled core of aerospike-py. This file only registers classes;
//! each concern lives in its own module.

mod arrow_export;
mod async_client;
mod awaitable;
mod batch;
mod client;
mod connection;
mod convert;
mod errors;
mod expressions;
mod local;
mod methods;
mod numpy_export;
mod observe;
mod operations;
mod ops;
mod policy;
mod query;
mod query_filter;
mod query_stream;
mod runtime;

use pyo3::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::PyClient>()?;
    m.add_class::<async_client::PyAsyncClient>()?;
    m.add_class::<awaitable::AsyncOp>()?;
    m.add_class::<local::PyLocalServer>()?;
    m.add_class::<batch::PyLazyBatchRecords>()?;
    m.add_class::<query::PyQuery>()?;
    m.add_class::<query::PyAsyncQuery>()?;
    m.add_class::<query_filter::PyPartitionFilter>()?;
    m.add_class::<query_stream::PyRecordStream>()?;
    m.add_class::<query_stream::PyArrowBatchStream>()?;
    m.add_class::<query_stream::PyArrowBatch>()?;
    m.add_function(wrap_pyfunction!(query_stream::_live_arrow_batches, m)?)?;
    m.add_function(wrap_pyfunction!(convert::calc_digest, m)?)?;
    observe::register(m)?;
    m.add("build_profile", env!("AEROSPIKE_PY_PROFILE"))?;
    runtime::watch_interpreter_exit(m.py())?;
    connection::watch_forks(m.py())?;
    Ok(())
}
