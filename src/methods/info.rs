//! Info commands and `ping` on both clients: `info_random_node`, `info_single_node`,
//! `info_all` (the official client's shape: `{node_name: (error, answer)}`), and `ping()`, the
//! seed project's health check (a real round trip; False rather than an error).

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::errors::{self, AsError};
use crate::ops::info;
use crate::policy::info_policy;
use crate::runtime::{spawn, wait};
use super::{awaitable, to_object};

/// `info_all`'s answer: each node's `(None, "answer\n")`, or `(error, None)` for a node that
/// failed, as the official client gives it.
pub(crate) struct AllNodes(Vec<(String, Result<String, AsError>)>);

impl<'py> IntoPyObject<'py> for AllNodes {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (node, answer) in self.0 {
            match answer {
                Ok(text) => out.set_item(node, (py.None(), format!("{text}\n")))?,
                Err(e) => out.set_item(node, (errors::to_py(e).into_value(py), py.None()))?,
            }
        }
        Ok(out)
    }
}

macro_rules! info_methods {
    ($class:ident, $ret:ty, $wait:ident, $finish:expr) => {
        #[pymethods]
        impl $class {
            /// The cluster's nodes as `[(address, port)]` (a plain method; empty when not
            /// connected), as the official client gives them.
            fn get_nodes(&self) -> Vec<(String, u16)> {
                self.conn.client().map(|c| c.nodes().iter().map(|n| { let host = n.host(); (host.name, host.port) }).collect()).unwrap_or_default()
            }

            /// The partition (0-4095) that holds the record at `(namespace, set, key)`: no I/O.
            fn get_key_partition_id(&self, namespace: &str, set: &str, key: &Bound<'_, PyAny>) -> PyResult<u16> {
                let tuple = pyo3::types::PyTuple::new(key.py(), [namespace.into_pyobject(key.py())?.into_any(), set.into_pyobject(key.py())?.into_any(), key.clone()])?;
                let digest = crate::convert::key_from_py(tuple.as_any())?.digest();
                Ok(u16::from_le_bytes([digest[0], digest[1]]) & 4095)
            }

            /// The answer of one node, chosen at random, to an info command (the value alone).
            ///
            /// >>> client.info_random_node("namespaces").split(";")[0]
            /// 'test'
            #[pyo3(signature = (command, policy=None))]
            fn info_random_node<'py>(&self, py: Python<'py>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let policy = info_policy(self.conn.defaults(), policy)?;
                let out = $wait(py, info::random_node(self.conn.client()?, command, policy))?;
                $finish(py, out)
            }

            /// The answer of the node `host` names (a node name, or `"address:port"`, or an
            /// `(address, port)` tuple).
            #[pyo3(signature = (command, host, policy=None))]
            fn info_single_node<'py>(&self, py: Python<'py>, command: String, host: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let node = match host.extract::<(String, u16)>() {
                    Ok((address, port)) => format!("{address}:{port}"),
                    Err(_) => host.extract::<String>().map_err(|_| pyo3::exceptions::PyTypeError::new_err("host is a node name, \"address:port\" or (address, port)"))?,
                };
                let policy = info_policy(self.conn.defaults(), policy)?;
                let out = $wait(py, info::single_node(self.conn.client()?, node, command, policy))?;
                $finish(py, out)
            }

            /// Every node's answer to an info command, asked at once: `{node_name: (None,
            /// "answer\n")}`, or `(error, None)` for a node that failed, as the official client.
            ///
            /// >>> [(err, answer.split(";")[0]) for err, answer in client.info_all("namespaces").values()][:1]
            /// [(None, 'test')]
            #[pyo3(signature = (command, policy=None))]
            fn info_all<'py>(&self, py: Python<'py>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let policy = info_policy(self.conn.defaults(), policy)?;
                let fut = info::all_nodes(self.conn.client()?, command, policy);
                let out = $wait(py, async move { Ok(AllNodes(fut.await?)) })?;
                $finish(py, out)
            }

            /// True when a node of the cluster answers (a `build` info round trip); False when
            /// none does or the client is not connected. Never raises for a failed ping.
            ///
            /// >>> client.ping()
            /// True
            #[pyo3(signature = (policy=None))]
            fn ping<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let policy = info_policy(self.conn.defaults(), policy)?;
                let client = self.conn.client().ok();
                let out = $wait(py, async move {
                    match client {
                        Some(client) => info::ping(client, policy).await,
                        None => Ok(false),
                    }
                })?;
                $finish(py, out)
            }
        }
    };
}

info_methods!(PyClient, Py<PyAny>, wait, to_object);
info_methods!(PyAsyncClient, Bound<'py, PyAny>, spawn, awaitable);
