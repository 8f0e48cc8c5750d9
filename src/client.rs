//! `Client`: the synchronous client. Each method parses its arguments with the GIL held, waits
//! for the shared `ops` future with the GIL released, and converts the answer.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;

use crate::connection::{self, Connection};
use crate::ops::{info, kv};
use crate::ops::kv::WriteKind;
use crate::policy::client_config;
use crate::runtime::wait;

#[pyclass(name = "Client", module = "aerospike_py", frozen)]
pub(crate) struct PyClient {
    conn: Arc<Connection>,
}

#[pymethods]
impl PyClient {
    #[new]
    fn new(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self { conn: Arc::new(Connection::new(client_config(config)?)) })
    }

    #[pyo3(signature = (username=None, password=None))]
    fn connect(slf: Bound<'_, Self>, username: Option<String>, password: Option<String>) -> PyResult<Bound<'_, Self>> {
        let conn = slf.get().conn.clone();
        let policy = conn.client_policy(username, password)?;
        let hosts = conn.hosts();
        wait(slf.py(), conn.connect(policy, hosts))?;
        Ok(slf)
    }

    fn is_connected(&self) -> bool {
        self.conn.is_connected()
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        wait(py, connection::close(self.conn.take()))
    }

    fn get_node_names(&self) -> Vec<String> {
        self.conn.client().map(|c| c.node_names()).unwrap_or_default()
    }

    #[pyo3(signature = (command, policy=None))]
    fn info_random_node(&self, py: Python<'_>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let policy = crate::policy::admin_policy(policy)?;
        wait(py, info::random_node(self.conn.client()?, command, policy))
    }

    #[pyo3(signature = (command, policy=None))]
    fn info_all<'py>(&self, py: Python<'py>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyDict>> {
        let policy = crate::policy::admin_policy(policy)?;
        let answers = wait(py, info::all_nodes(self.conn.client()?, command, policy))?;
        let dict = PyDict::new(py);
        for (node, answer) in answers {
            dict.set_item(node, answer)?;
        }
        Ok(dict)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    #[pyo3(signature = (key, bins, meta=None, policy=None))]
    fn put(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::put(&self.conn, key, bins, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, policy=None))]
    fn get(&self, py: Python<'_>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        wait(py, kv::get(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, bins, policy=None))]
    fn select(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, Some(bins), policy)?;
        wait(py, kv::get(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, policy=None))]
    fn exists(&self, py: Python<'_>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        wait(py, kv::exists(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, meta=None, policy=None))]
    fn remove(&self, py: Python<'_>, key: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::KeyRequest::remove(&self.conn, key, meta, policy)?;
        wait(py, kv::remove(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, val=None, meta=None, policy=None))]
    fn touch(&self, py: Python<'_>, key: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::KeyRequest::touch(&self.conn, key, val, meta, policy)?;
        wait(py, kv::touch(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn append(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Append, key, bin, val, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn prepend(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Prepend, key, bin, val, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, bin, offset, meta=None, policy=None))]
    fn increment(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, offset: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Increment, key, bin, offset, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, bin_names, meta=None, policy=None))]
    fn remove_bin(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin_names: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::remove_bins(&self.conn, key, bin_names, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate(&self, py: Python<'_>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, false)?;
        wait(py, kv::operate(self.conn.client()?, req))?.into_py_any(py)
    }

    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate_ordered(&self, py: Python<'_>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, true)?;
        wait(py, kv::operate(self.conn.client()?, req))?.into_py_any(py)
    }
}
