//! `query(namespace, set)` on both clients: a plain method that makes the query object (no I/O);
//! `Client` gives a `Query`, `AsyncClient` an `AsyncQuery`.

use pyo3::prelude::*;

use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::query::{PyAsyncQuery, PyQuery, QueryCore};

#[pymethods]
impl PyClient {
    /// A query (with `where()`) or scan (without) of `set`, or of the whole namespace when
    /// `set` is None.
    #[pyo3(signature = (namespace, set=None))]
    fn query(&self, namespace: String, set: Option<String>) -> PyResult<PyQuery> {
        Ok(PyQuery { core: QueryCore::new(self.conn.clone(), namespace, set)? })
    }

    /// A scan of `set` (the official client's `scan()`): the same object as `query()` without
    /// `where()`, with `results()`, `foreach()`, `select()`, `apply()` and the columnar views.
    #[pyo3(signature = (namespace, set=None))]
    fn scan(&self, namespace: String, set: Option<String>) -> PyResult<PyQuery> {
        self.query(namespace, set)
    }
}

#[pymethods]
impl PyAsyncClient {
    /// A query (with `where()`) or scan (without) of `set`, or of the whole namespace when
    /// `set` is None. Plain method: running it is asynchronous.
    #[pyo3(signature = (namespace, set=None))]
    fn query(&self, namespace: String, set: Option<String>) -> PyResult<PyAsyncQuery> {
        Ok(PyAsyncQuery { core: QueryCore::new(self.conn.clone(), namespace, set)? })
    }

    /// A scan of `set` (the official client's `scan()`): as `query()` without `where()`.
    #[pyo3(signature = (namespace, set=None))]
    fn scan(&self, namespace: String, set: Option<String>) -> PyResult<PyAsyncQuery> {
        self.query(namespace, set)
    }
}
