//! `Client`: the synchronous client. Each method parses its arguments with the GIL held, waits
//! for the shared `ops` future with the GIL released (`runtime::wait`, which drives the client's
//! sockets on the calling thread), and converts the answer.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::connection::{self, Connection};
use crate::policy::client_config;
use crate::runtime::wait;

/// The synchronous Aerospike client. Create it with `aerospike_py.client(config)`, then
/// `connect()`. Every call releases the GIL while it waits for the server.
///
/// >>> key = ("test", "doc", "client")
/// >>> client.put(key, {"n": 1})
/// >>> client.get(key).bins
/// {'n': 1}
/// >>> client.remove(key)
#[pyclass(name = "Client", module = "aerospike_py", frozen)]
pub(crate) struct PyClient {
    pub(crate) conn: Arc<Connection>,
}

#[pymethods]
impl PyClient {
    #[new]
    fn new(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self { conn: Arc::new(Connection::new(client_config(config)?)) })
    }

    /// Connects to the cluster (with these credentials if given) and returns the client, so that
    /// `aerospike_py.client(config).connect()` chains.
    #[pyo3(signature = (username=None, password=None))]
    fn connect(slf: Bound<'_, Self>, username: Option<String>, password: Option<String>) -> PyResult<Bound<'_, Self>> {
        let conn = slf.get().conn.clone();
        let policy = conn.client_policy(username, password)?;
        let hosts = conn.hosts();
        wait(slf.py(), conn.connect(policy, hosts))?;
        Ok(slf)
    }

    /// True while the client holds a live connection to the cluster.
    fn is_connected(&self) -> bool {
        self.conn.is_connected()
    }

    /// Closes the connections to the cluster; the client can `connect()` again.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        wait(py, connection::close(self.conn.take()))
    }

    /// The names of the cluster's nodes (empty when not connected).
    fn get_node_names(&self) -> Vec<String> {
        self.conn.client().map(|c| c.node_names()).unwrap_or_default()
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}
