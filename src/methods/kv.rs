//! Single-record methods: put, get, select, exists, remove, touch, append, prepend,
//! increment, remove_bin, operate, operate_ordered.

use pyo3::prelude::*;

use crate::observe;
use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::runtime::{spawn, wait};
use crate::ops::kv::{self, WriteKind};

#[pymethods]
impl PyClient {
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
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::put(&self.conn, key, bins, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "put", &req, t0), |client| kv::write(client, req))?)?)
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
        let t0 = observe::stage_clock();
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        super::to_object(py, kv::read_on_this_thread(py, &self.conn, self.conn.cmd(py, "get", &req, t0), req, kv::ReadAs::Record)?)
    }

    /// Reads only the named bins of the record at `key`.
    ///
    /// >>> client.put(("test", "doc", "select"), {"a": 1, "b": 2})
    /// >>> client.select(("test", "doc", "select"), ["b"]).bins
    /// {'b': 2}
    /// >>> client.remove(("test", "doc", "select"))
    #[pyo3(signature = (key, bins, policy=None))]
    fn select(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::ReadRequest::parse(&self.conn, key, Some(bins), policy)?;
        super::to_object(py, kv::read_on_this_thread(py, &self.conn, self.conn.cmd(py, "select", &req, t0), req, kv::ReadAs::Record)?)
    }

    /// `ExistsResult(key, meta)`, with `meta` None when the record does not exist.
    ///
    /// >>> client.exists(("test", "doc", "nobody")).meta is None
    /// True
    #[pyo3(signature = (key, policy=None))]
    fn exists(&self, py: Python<'_>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        super::to_object(py, kv::read_on_this_thread(py, &self.conn, self.conn.cmd(py, "exists", &req, t0), req, kv::ReadAs::Exists)?)
    }

    /// Deletes the record at `key`; a missing record raises `RecordNotFound`. With
    /// `meta={"gen": n}` and `policy={"gen": POLICY_GEN_EQ}` it deletes only that generation.
    #[pyo3(signature = (key, meta=None, policy=None))]
    fn remove(&self, py: Python<'_>, key: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::KeyRequest::remove(&self.conn, key, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "remove", &req, t0), |client| kv::remove(client, req))?)?)
    }

    /// Resets the record's TTL to `val` seconds (0: the namespace default) and bumps its
    /// generation.
    #[pyo3(signature = (key, val=None, meta=None, policy=None))]
    fn touch(&self, py: Python<'_>, key: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::KeyRequest::touch(&self.conn, key, val, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "touch", &req, t0), |client| kv::touch(client, req))?)?)
    }

    /// Appends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn append(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Append, key, bin, val, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "append", &req, t0), |client| kv::write(client, req))?)?)
    }

    /// Prepends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn prepend(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Prepend, key, bin, val, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "prepend", &req, t0), |client| kv::write(client, req))?)?)
    }

    /// Adds `offset` (int to an int bin, float to a float bin) to a bin, creating it if missing.
    ///
    /// >>> client.increment(("test", "doc", "counter"), "n", 5)
    /// >>> client.get(("test", "doc", "counter")).bins
    /// {'n': 5}
    /// >>> client.remove(("test", "doc", "counter"))
    #[pyo3(signature = (key, bin, offset, meta=None, policy=None))]
    fn increment(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, offset: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Increment, key, bin, offset, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "increment", &req, t0), |client| kv::write(client, req))?)?)
    }

    /// Removes the named bins from the record (removing the last bin deletes the record).
    #[pyo3(signature = (key, bin_names, meta=None, policy=None))]
    fn remove_bin(&self, py: Python<'_>, key: &Bound<'_, PyAny>, bin_names: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::remove_bins(&self.conn, key, bin_names, meta, policy)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "remove_bin", &req, t0), |client| kv::write(client, req))?)?)
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
        let t0 = observe::stage_clock();
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, false)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "operate", &req, t0), |client| kv::operate(client, req))?)?)
    }

    /// Like `operate`, but answers `OperateOrderedResult(key, meta, ordered_bins)`: one
    /// `BinTuple(name, value)` per read operation, in the order of `ops`.
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate_ordered(&self, py: Python<'_>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, true)?;
        super::to_object(py, wait(py, self.conn.limited_with(self.conn.cmd(py, "operate_ordered", &req, t0), |client| kv::operate(client, req))?)?)
    }
}

#[pymethods]
impl PyAsyncClient {
    /// Writes `bins` (a dict of bin name -> value) to the record at `key`. `meta` takes `ttl` and
    /// `gen`; `policy` takes `key`, `exists`, `gen`, `timeout`, `durable_delete`, `commit_level`.
    /// A bin set to None is removed.
    #[pyo3(signature = (key, bins, meta=None, policy=None))]
    fn put<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::put(&self.conn, key, bins, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "put", &req, t0), |client| kv::write(client, req))?)
    }

    /// Reads the record at `key`: `Record(key, meta, bins)`. A missing record raises
    /// `RecordNotFound`.
    #[pyo3(signature = (key, policy=None))]
    fn get<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        spawn(py, self.conn.limited_direct(self.conn.cmd(py, "get", &req, t0), |both| kv::read(both, req, kv::ReadAs::Record, None))?)
    }

    /// Reads only the named bins of the record at `key`.
    #[pyo3(signature = (key, bins, policy=None))]
    fn select<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::ReadRequest::parse(&self.conn, key, Some(bins), policy)?;
        spawn(py, self.conn.limited_direct(self.conn.cmd(py, "select", &req, t0), |both| kv::read(both, req, kv::ReadAs::Record, None))?)
    }

    /// `ExistsResult(key, meta)`, with `meta` None when the record does not exist.
    #[pyo3(signature = (key, policy=None))]
    fn exists<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::ReadRequest::parse(&self.conn, key, None, policy)?;
        spawn(py, self.conn.limited_direct(self.conn.cmd(py, "exists", &req, t0), |both| kv::read(both, req, kv::ReadAs::Exists, None))?)
    }

    /// Deletes the record at `key`; a missing record raises `RecordNotFound`. With
    /// `meta={"gen": n}` and `policy={"gen": POLICY_GEN_EQ}` it deletes only that generation.
    #[pyo3(signature = (key, meta=None, policy=None))]
    fn remove<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::KeyRequest::remove(&self.conn, key, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "remove", &req, t0), |client| kv::remove(client, req))?)
    }

    /// Resets the record's TTL to `val` seconds (0: the namespace default) and bumps its
    /// generation.
    #[pyo3(signature = (key, val=None, meta=None, policy=None))]
    fn touch<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::KeyRequest::touch(&self.conn, key, val, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "touch", &req, t0), |client| kv::touch(client, req))?)
    }

    /// Appends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn append<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Append, key, bin, val, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "append", &req, t0), |client| kv::write(client, req))?)
    }

    /// Prepends a str (or bytes) to a str (or bytes) bin.
    #[pyo3(signature = (key, bin, val, meta=None, policy=None))]
    fn prepend<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, val: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Prepend, key, bin, val, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "prepend", &req, t0), |client| kv::write(client, req))?)
    }

    /// Adds `offset` (int to an int bin, float to a float bin) to a bin, creating it if missing.
    #[pyo3(signature = (key, bin, offset, meta=None, policy=None))]
    fn increment<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, offset: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::one_bin(&self.conn, WriteKind::Increment, key, bin, offset, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "increment", &req, t0), |client| kv::write(client, req))?)
    }

    /// Removes the named bins from the record (removing the last bin deletes the record).
    #[pyo3(signature = (key, bin_names, meta=None, policy=None))]
    fn remove_bin<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, bin_names: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::WriteRequest::remove_bins(&self.conn, key, bin_names, meta, policy)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "remove_bin", &req, t0), |client| kv::write(client, req))?)
    }

    /// Runs `ops` on one record atomically and returns `Record(key, meta, bins)` with what the
    /// read operations returned (the last value when a bin is read twice). An op is
    /// `{"op": OPERATOR_*, "bin": name, "val": value}`.
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, false)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "operate", &req, t0), |client| kv::operate(client, req))?)
    }

    /// Like `operate`, but answers `OperateOrderedResult(key, meta, ordered_bins)`: one
    /// `BinTuple(name, value)` per read operation, in the order of `ops`.
    #[pyo3(signature = (key, ops, meta=None, policy=None))]
    fn operate_ordered<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = kv::OperateRequest::parse(&self.conn, key, ops, meta, policy, true)?;
        spawn(py, self.conn.limited_with(self.conn.cmd(py, "operate_ordered", &req, t0), |client| kv::operate(client, req))?)
    }
}
