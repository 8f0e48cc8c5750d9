//! `AsyncClient`: the asyncio client. Each method parses its arguments at call time, so bad input
//! raises before an awaitable exists, then returns a real awaitable (pyo3-async-runtimes) for the
//! same `ops` future the sync client waits on; no thread is parked per call.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::connection::{self, Connection};
use crate::ops::kv::WriteKind;
use crate::ops::{batch, info, kv};
use crate::policy::client_config;
use crate::runtime::spawn;

/// The asyncio Aerospike client: the same methods as `Client`, each I/O method returning an
/// awaitable. Create it with `aerospike_py.async_client(config)`, then `await client.connect()`,
/// or use `async with`.
#[pyclass(name = "AsyncClient", module = "aerospike_py", frozen)]
pub(crate) struct PyAsyncClient {
    conn: Arc<Connection>,
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

    /// Writes `bins` (a dict of bin name -> value) to the record at `key`. `meta` takes `ttl` and
    /// `gen`; `policy` takes `key`, `exists`, `gen`, `timeout`, `durable_delete`, `commit_level`.
    /// A bin set to None is removed.
    #[pyo3(signature = (key, bins, meta=None, policy=None))]
    fn put<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::WriteRequest::put(&self.conn, key, bins, meta, policy)?;
        spawn(py, kv::write(self.conn.client()?, req))
    }

    /// Reads the record at `key`: `Record(key, meta, bins)`. A missing record raises
    /// `RecordNotFound`.
    #[pyo3(signature = (key, policy=None))]
    fn get<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        spawn(py, kv::get(self.conn.client()?, req))
    }

    /// Reads only the named bins of the record at `key`.
    #[pyo3(signature = (key, bins, policy=None))]
    fn select<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, Some(bins), policy)?;
        spawn(py, kv::get(self.conn.client()?, req))
    }

    /// `ExistsResult(key, meta)`, with `meta` None when the record does not exist.
    #[pyo3(signature = (key, policy=None))]
    fn exists<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        spawn(py, kv::exists(self.conn.client()?, req))
    }

    /// Deletes the record at `key`; a missing record raises `RecordNotFound`. With
    /// `meta={"gen": n}` and `policy={"gen": POLICY_GEN_EQ}` it deletes only that generation.
    #[pyo3(signature = (key, meta=None, policy=None))]
    fn remove<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::KeyRequest::remove(&self.conn, key, meta, policy)?;
        spawn(py, kv::remove(self.conn.client()?, req))
    }

    /// Resets the record's TTL to `val` seconds (0: the namespace default) and bumps its
    /// generation.
    #[pyo3(signature = (key, val=None, meta=None, policy=None))]
    fn touch<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::KeyRequest::touch(&self.conn, key, val, meta, policy)?;
        spawn(py, kv::touch(self.conn.client()?, req))
    }

    /// Appends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn append<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Append, key, bin, val, meta, policy)?;
        spawn(py, kv::write(self.conn.client()?, req))
    }

    /// Prepends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn prepend<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Prepend, key, bin, val, meta, policy)?;
        spawn(py, kv::write(self.conn.client()?, req))
    }

    /// Adds `offset` (int to an int bin, float to a float bin) to a bin, creating it if missing.
    #[pyo3(signature = (key, bin, offset, meta=None, policy=None))]
    fn increment<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, offset: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Increment, key, bin, offset, meta, policy)?;
        spawn(py, kv::write(self.conn.client()?, req))
    }

    /// Removes the named bins from the record (removing the last bin deletes the record).
    #[pyo3(signature = (key, bin_names, meta=None, policy=None))]
    fn remove_bin<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin_names: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::WriteRequest::remove_bins(&self.conn, key, bin_names, meta, policy)?;
        spawn(py, kv::write(self.conn.client()?, req))
    }

    /// Runs `ops` on one record atomically and returns `Record(key, meta, bins)` with what the
    /// read operations returned (the last value when a bin is read twice). An op is
    /// `{"op": OPERATOR_*, "bin": name, "val": value}`.
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, false)?;
        spawn(py, kv::operate(self.conn.client()?, req))
    }

    /// Like `operate`, but answers `OperateOrderedResult(key, meta, ordered_bins)`: one
    /// `BinTuple(name, value)` per read operation, in the order of `ops`.
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate_ordered<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, true)?;
        spawn(py, kv::operate(self.conn.client()?, req))
    }

    /// Reads many records in one call: a `LazyBatchRecords` (Mapping of user key -> bins over
    /// the records found, `batch_records`, and columnar views: `to_numpy`, `to_arrow`,
    /// `to_pandas`, `to_polars`, `__arrow_c_stream__`). `bins=None` reads every bin, a list
    /// those bins, `[]` only whether each record exists.
    ///
    #[pyo3(signature = (keys, bins=None, policy=None))]
    fn batch_read<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, bins: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = batch::BatchRequest::read(&self.conn, keys, bins, policy)?;
        spawn(py, batch::read(self.conn.client()?, req))
    }

    /// Runs the same operations on many records: `BatchWriteResult(batch_records)`.
    #[pyo3(signature = (keys, ops, policy=None))]
    fn batch_operate<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = batch::BatchRequest::operate(&self.conn, keys, ops, policy)?;
        spawn(py, batch::write(self.conn.client()?, req))
    }

    /// Deletes many records: `BatchWriteResult(batch_records)`, a missing one with result 2.
    #[pyo3(signature = (keys, policy=None))]
    fn batch_remove<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = batch::BatchRequest::remove(&self.conn, keys, policy)?;
        spawn(py, batch::write(self.conn.client()?, req))
    }

    /// Writes many records, each `(key, bins)` or `(key, bins, meta)`:
    /// `BatchWriteResult(batch_records)`.
    #[pyo3(signature = (records, policy=None))]
    fn batch_write<'py>(&self, py: Python<'py>, records: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let req = batch::BatchRequest::write(&self.conn, records, policy)?;
        spawn(py, batch::write(self.conn.client()?, req))
    }
}
