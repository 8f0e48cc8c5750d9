//! `Client`: the synchronous client. Each method parses its arguments with the GIL held, waits
//! for the shared `ops` future with the GIL released, and converts the answer.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;

use crate::connection::{self, Connection};
use crate::ops::{batch, info, kv};
use crate::ops::kv::WriteKind;
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
    conn: Arc<Connection>,
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

    /// The answer of one node, chosen at random, to an info command.
    ///
    /// >>> client.info_random_node("namespaces").split(";")[0]
    /// 'test'
    #[pyo3(signature = (command, policy=None))]
    fn info_random_node(&self, py: Python<'_>, command: String, policy: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let policy = crate::policy::admin_policy(policy)?;
        wait(py, info::random_node(self.conn.client()?, command, policy))
    }

    /// Every node's answer to an info command: `{node_name: answer}`.
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

    /// Writes `bins` (a dict of bin name -> value) to the record at `key`. `meta` takes `ttl` and
    /// `gen`; `policy` takes `key`, `exists`, `gen`, `timeout`, `durable_delete`, `commit_level`.
    /// A bin set to None is removed.
    ///
    /// >>> key = ("test", "doc", "put")
    /// >>> client.put(key, {"name": "Alice", "tags": ["a", "b"]}, meta={"ttl": 300})
    /// >>> client.put(key, {"x": 1}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    /// Traceback (most recent call last):
    /// ...
    /// aerospike_py.exception.RecordExistsError: ...
    /// >>> client.remove(key)
    #[pyo3(signature = (key, bins, meta=None, policy=None))]
    fn put(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::put(&self.conn, key, bins, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Reads the record at `key`: `Record(key, meta, bins)`. A missing record raises
    /// `RecordNotFound`.
    ///
    /// >>> client.put(("test", "doc", "get"), {"a": 1})
    /// >>> key, meta, bins = client.get(("test", "doc", "get"))
    /// >>> (key.user_key, meta.gen, bins)
    /// ('get', 1, {'a': 1})
    /// >>> client.remove(("test", "doc", "get"))
    #[pyo3(signature = (key, policy=None))]
    fn get(&self, py: Python<'_>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        wait(py, kv::get(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Reads only the named bins of the record at `key`.
    ///
    /// >>> client.put(("test", "doc", "select"), {"a": 1, "b": 2})
    /// >>> client.select(("test", "doc", "select"), ["b"]).bins
    /// {'b': 2}
    /// >>> client.remove(("test", "doc", "select"))
    #[pyo3(signature = (key, bins, policy=None))]
    fn select(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, Some(bins), policy)?;
        wait(py, kv::get(self.conn.client()?, req))?.into_py_any(py)
    }

    /// `ExistsResult(key, meta)`, with `meta` None when the record does not exist.
    ///
    /// >>> client.exists(("test", "doc", "nobody")).meta is None
    /// True
    #[pyo3(signature = (key, policy=None))]
    fn exists(&self, py: Python<'_>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        wait(py, kv::exists(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Deletes the record at `key`; a missing record raises `RecordNotFound`. With
    /// `meta={"gen": n}` and `policy={"gen": POLICY_GEN_EQ}` it deletes only that generation.
    #[pyo3(signature = (key, meta=None, policy=None))]
    fn remove(&self, py: Python<'_>, key: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::KeyRequest::remove(&self.conn, key, meta, policy)?;
        wait(py, kv::remove(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Resets the record's TTL to `val` seconds (0: the namespace default) and bumps its
    /// generation.
    #[pyo3(signature = (key, val=None, meta=None, policy=None))]
    fn touch(&self, py: Python<'_>, key: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::KeyRequest::touch(&self.conn, key, val, meta, policy)?;
        wait(py, kv::touch(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Appends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn append(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Append, key, bin, val, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Prepends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn prepend(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Prepend, key, bin, val, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Adds `offset` (int to an int bin, float to a float bin) to a bin, creating it if missing.
    ///
    /// >>> client.increment(("test", "doc", "counter"), "n", 5)
    /// >>> client.get(("test", "doc", "counter")).bins
    /// {'n': 5}
    /// >>> client.remove(("test", "doc", "counter"))
    #[pyo3(signature = (key, bin, offset, meta=None, policy=None))]
    fn increment(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, offset: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Increment, key, bin, offset, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Removes the named bins from the record (removing the last bin deletes the record).
    #[pyo3(signature = (key, bin_names, meta=None, policy=None))]
    fn remove_bin(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin_names: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::WriteRequest::remove_bins(&self.conn, key, bin_names, meta, policy)?;
        wait(py, kv::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Runs `ops` on one record atomically and returns `Record(key, meta, bins)` with what the
    /// read operations returned (the last value when a bin is read twice). An op is
    /// `{"op": OPERATOR_*, "bin": name, "val": value}`.
    ///
    /// >>> key = ("test", "doc", "operate")
    /// >>> client.put(key, {"n": 1})
    /// >>> client.operate(key, [{"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 2},
    /// ...                      {"op": aerospike.OPERATOR_READ, "bin": "n"}]).bins
    /// {'n': 3}
    /// >>> client.remove(key)
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate(&self, py: Python<'_>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, false)?;
        wait(py, kv::operate(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Like `operate`, but answers `OperateOrderedResult(key, meta, ordered_bins)`: one
    /// `BinTuple(name, value)` per read operation, in the order of `ops`.
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate_ordered(&self, py: Python<'_>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, true)?;
        wait(py, kv::operate(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Reads many records in one call: a `LazyBatchRecords` (Mapping of user key -> bins over
    /// the records found, `batch_records`, and columnar views: `to_numpy`, `to_arrow`,
    /// `to_pandas`, `to_polars`, `__arrow_c_stream__`). `bins=None` reads every bin, a list
    /// those bins, `[]` only whether each record exists.
    ///
    /// >>> keys = [("test", "doc", f"b{i}") for i in range(3)]
    /// >>> for i, k in enumerate(keys[:2]):
    /// ...     client.put(k, {"x": i})
    /// >>> batch = client.batch_read(keys)
    /// >>> batch.to_dict()
    /// {'b0': {'x': 0}, 'b1': {'x': 1}}
    /// >>> [br.result for br in batch.batch_records]
    /// [0, 0, 2]
    /// >>> for k in keys[:2]:
    /// ...     client.remove(k)
    #[pyo3(signature = (keys, bins=None, policy=None))]
    fn batch_read(&self, py: Python<'_>, keys: &Bound<'_, PyAny>, bins: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = batch::BatchRequest::read(&self.conn, keys, bins, policy)?;
        wait(py, batch::read(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Runs the same operations on many records: `BatchWriteResult(batch_records)`.
    #[pyo3(signature = (keys, ops, policy=None))]
    fn batch_operate(&self, py: Python<'_>, keys: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = batch::BatchRequest::operate(&self.conn, keys, ops, policy)?;
        wait(py, batch::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Deletes many records: `BatchWriteResult(batch_records)`, a missing one with result 2.
    #[pyo3(signature = (keys, policy=None))]
    fn batch_remove(&self, py: Python<'_>, keys: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = batch::BatchRequest::remove(&self.conn, keys, policy)?;
        wait(py, batch::write(self.conn.client()?, req))?.into_py_any(py)
    }

    /// Writes many records, each `(key, bins)` or `(key, bins, meta)`:
    /// `BatchWriteResult(batch_records)`.
    #[pyo3(signature = (records, policy=None))]
    fn batch_write(&self, py: Python<'_>, records: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let req = batch::BatchRequest::write(&self.conn, records, policy)?;
        wait(py, batch::write(self.conn.client()?, req))?.into_py_any(py)
    }
}
