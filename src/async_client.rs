//! `AsyncClient`: the asyncio client. Each method parses its arguments at call time, so bad input
//! raises before an awaitable exists, then returns a coroutine (`awaitable::AsyncOp`) for the
//! same `ops` future the sync client waits on; no thread is parked per call.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::connection::{self, Connection};
use crate::policy::client_config;
use crate::runtime::spawn;

/// The asyncio Aerospike client: the same methods as `Client`, each I/O method returning an
/// awaitable. Create it with `aerospike_py.async_client(config)`, then `await client.connect()`,
/// or use `async with`.
#[pyclass(name = "AsyncClient", module = "aerospike_py", frozen)]
pub(crate) struct PyAsyncClient {
    pub(crate) conn: Arc<Connection>,
}

#[pymethods]
impl PyAsyncClient {
    #[new]
    fn new(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self { conn: Arc::new(Connection::new(client_config(config)?)) })
    }

    /// Awaitable that connects and resolves to the client itself.
    #[pyo3(signature = (username=None, password=None))]
    fn connect<'py>(slf: &Bound<'py, Self>, username: Option<String>, password: Option<String>) -> PyResult<Bound<'py, PyAny>> {
        let conn = slf.get().conn.clone();
        let policy = conn.client_policy(username, password)?;
        let hosts = conn.hosts();
        let me: Py<Self> = slf.clone().unbind();
        spawn(slf.py(), async move {
            conn.connect(policy, hosts).await?;
            Ok(me)
        })
    }

    /// True while the client holds a live connection to the cluster.
    fn is_connected(&self) -> bool {
        self.conn.is_connected()
    }

    /// Awaitable that closes the connections to the cluster.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        spawn(py, connection::close(self.conn.take()))
    }

    /// The names of the cluster's nodes (empty when not connected).
    fn get_node_names(&self) -> Vec<String> {
        self.conn.client().map(|c| c.node_names()).unwrap_or_default()
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::connect(slf, None, None)
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(&self, py: Python<'py>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        let close = connection::close(self.conn.take());
        spawn(py, async move {
            close.await?;
            Ok(false)
        })
    }
}
