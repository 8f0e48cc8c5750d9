//! `AsyncClient`: the asyncio client. Each method parses its arguments at call time, so bad input
//! raises before an awaitable exists, then returns a coroutine (`awaitable::AsyncOp`) for the
//! same `ops` future the sync client waits on; no thread is parked per call.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::connection::{self, Connection};
use crate::ops::info;
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

    /// The answer of one node, chosen at random, to an info command.
    #[pyo3(signature = (command, policy=None))]
    fn info_random_node<'py>(&self, py: Python<'py>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let policy = crate::policy::admin_policy(policy)?;
        spawn(py, info::random_node(self.conn.client()?, command, policy))
    }

    /// Every node's answer to an info command: `{node_name: answer}`.
    #[pyo3(signature = (command, policy=None))]
    fn info_all<'py>(&self, py: Python<'py>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let policy = crate::policy::admin_policy(policy)?;
        let client = self.conn.client()?;
        spawn(py, async move {
            let answers = info::all_nodes(client, command, policy).await?;
            Ok(answers.into_iter().collect::<std::collections::HashMap<_, _>>())
        })
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
