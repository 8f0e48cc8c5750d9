//! Batch methods: batch_read (-> LazyBatchRecords), batch_operate, batch_remove, batch_write, and
//! the frame writers batch_write_arrow and batch_write_numpy.

use pyo3::prelude::*;

use crate::observe;
use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::runtime::{spawn, wait};
use crate::arrow_export::records_from_arrow;
use crate::numpy_export::records_from_numpy;
use crate::ops::batch;

#[pymethods]
impl PyClient {
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
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::read(&self.conn, keys, bins, policy)?;
        super::to_object(py, wait(py, self.conn.limited(self.conn.cmd(py, "batch_read", &req, t0), batch::read(self.conn.direct_cluster()?, req)))?)
    }

    /// Runs the same operations on many records: `BatchWriteResult(batch_records)`. As in the
    /// official client, `policy_batch_write` (a `BatchWritePolicy`) and `ttl` apply to each
    /// record when the operations write.
    #[pyo3(signature = (keys, ops, policy=None, policy_batch_write=None, ttl=None))]
    fn batch_operate(&self, py: Python<'_>, keys: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, policy_batch_write: Option<&Bound<'_, PyAny>>, ttl: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::operate(&self.conn, keys, ops, policy, policy_batch_write, ttl)?;
        super::to_object(py, wait(py, self.conn.limited(self.conn.cmd(py, "batch_operate", &req, t0), batch::write(self.conn.client()?, req)))?)
    }

    /// Deletes many records: `BatchWriteResult(batch_records)`, a missing one with result 2.
    /// `policy_batch_remove` (a `BatchDeletePolicy`) applies to each record, as in the official
    /// client.
    #[pyo3(signature = (keys, policy=None, policy_batch_remove=None))]
    fn batch_remove(&self, py: Python<'_>, keys: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, policy_batch_remove: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::remove(&self.conn, keys, policy, policy_batch_remove)?;
        super::to_object(py, wait(py, self.conn.limited(self.conn.cmd(py, "batch_remove", &req, t0), batch::write(self.conn.client()?, req)))?)
    }

    /// Writes many records, each `(key, bins)` or `(key, bins, meta)`:
    /// `BatchWriteResult(batch_records)`.
    #[pyo3(signature = (records, policy=None))]
    fn batch_write(&self, py: Python<'_>, records: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::write(&self.conn, records, policy)?;
        super::to_object(py, wait(py, self.conn.limited(self.conn.cmd(py, "batch_write", &req, t0), batch::write(self.conn.client()?, req)))?)
    }

    /// Writes one record per row of any Arrow exporter (pyarrow Table, Polars or pandas
    /// DataFrame): the `key` column gives each record's user key, every other column a bin
    /// (a null cell writes no bin; `_result_code`, `_gen` and `_ttl` are not written back).
    ///
    /// >>> import pyarrow as pa
    /// >>> table = pa.table({"_key": ["a", "b"], "x": [1, 2]})
    /// >>> [br.result for br in client.batch_write_arrow(table, "test", "doc").batch_records]
    /// [0, 0]
    /// >>> client.get(("test", "doc", "b")).bins
    /// {'x': 2}
    /// >>> _ = client.batch_remove([("test", "doc", "a"), ("test", "doc", "b")])
    #[pyo3(signature = (data, namespace, set, key="_key", policy=None))]
    fn batch_write_arrow(&self, py: Python<'_>, data: &Bound<'_, PyAny>, namespace: &str, set: &str, key: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let records = records_from_arrow(py, data, key)?;
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::puts(&self.conn, namespace, set, records, policy)?;
        super::to_object(py, wait(py, self.conn.limited(self.conn.cmd(py, "batch_write_arrow", &req, t0), batch::write(self.conn.client()?, req)))?)
    }

    /// Writes one record per row of a structured NumPy array: `key_field` gives each record's
    /// user key, every other field a bin (sub-array fields become lists).
    #[pyo3(signature = (data, namespace, set, key_field="_key", policy=None))]
    fn batch_write_numpy(&self, py: Python<'_>, data: &Bound<'_, PyAny>, namespace: &str, set: &str, key_field: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let records = records_from_numpy(py, data, key_field)?;
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::puts(&self.conn, namespace, set, records, policy)?;
        super::to_object(py, wait(py, self.conn.limited(self.conn.cmd(py, "batch_write_numpy", &req, t0), batch::write(self.conn.client()?, req)))?)
    }
}

#[pymethods]
impl PyAsyncClient {
    /// Reads many records in one call: a `LazyBatchRecords` (Mapping of user key -> bins over
    /// the records found, `batch_records`, and columnar views: `to_numpy`, `to_arrow`,
    /// `to_pandas`, `to_polars`, `__arrow_c_stream__`). `bins=None` reads every bin, a list
    /// those bins, `[]` only whether each record exists.
    ///
    #[pyo3(signature = (keys, bins=None, policy=None))]
    fn batch_read<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, bins: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::read(&self.conn, keys, bins, policy)?;
        spawn(py, self.conn.limited(self.conn.cmd(py, "batch_read", &req, t0), batch::read(self.conn.direct_cluster()?, req)))
    }

    /// Runs the same operations on many records: `BatchWriteResult(batch_records)`. As in the
    /// official client, `policy_batch_write` (a `BatchWritePolicy`) and `ttl` apply to each
    /// record when the operations write.
    #[pyo3(signature = (keys, ops, policy=None, policy_batch_write=None, ttl=None))]
    fn batch_operate<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, policy_batch_write: Option<&Bound<'_, PyAny>>, ttl: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::operate(&self.conn, keys, ops, policy, policy_batch_write, ttl)?;
        spawn(py, self.conn.limited(self.conn.cmd(py, "batch_operate", &req, t0), batch::write(self.conn.client()?, req)))
    }

    /// Deletes many records: `BatchWriteResult(batch_records)`, a missing one with result 2.
    /// `policy_batch_remove` (a `BatchDeletePolicy`) applies to each record, as in the official
    /// client.
    #[pyo3(signature = (keys, policy=None, policy_batch_remove=None))]
    fn batch_remove<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, policy_batch_remove: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::remove(&self.conn, keys, policy, policy_batch_remove)?;
        spawn(py, self.conn.limited(self.conn.cmd(py, "batch_remove", &req, t0), batch::write(self.conn.client()?, req)))
    }

    /// Writes many records, each `(key, bins)` or `(key, bins, meta)`:
    /// `BatchWriteResult(batch_records)`.
    #[pyo3(signature = (records, policy=None))]
    fn batch_write<'py>(&self, py: Python<'py>, records: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::write(&self.conn, records, policy)?;
        spawn(py, self.conn.limited(self.conn.cmd(py, "batch_write", &req, t0), batch::write(self.conn.client()?, req)))
    }

    /// Writes one record per row of any Arrow exporter (pyarrow Table, Polars or pandas
    /// DataFrame): the `key` column gives each record's user key, every other column a bin
    /// (a null cell writes no bin; `_result_code`, `_gen` and `_ttl` are not written back).
    ///
    #[pyo3(signature = (data, namespace, set, key="_key", policy=None))]
    fn batch_write_arrow<'py>(&self, py: Python<'py>, data: &Bound<'_, PyAny>, namespace: &str, set: &str, key: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let records = records_from_arrow(py, data, key)?;
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::puts(&self.conn, namespace, set, records, policy)?;
        spawn(py, self.conn.limited(self.conn.cmd(py, "batch_write_arrow", &req, t0), batch::write(self.conn.client()?, req)))
    }

    /// Writes one record per row of a structured NumPy array: `key_field` gives each record's
    /// user key, every other field a bin (sub-array fields become lists).
    #[pyo3(signature = (data, namespace, set, key_field="_key", policy=None))]
    fn batch_write_numpy<'py>(&self, py: Python<'py>, data: &Bound<'_, PyAny>, namespace: &str, set: &str, key_field: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let records = records_from_numpy(py, data, key_field)?;
        let t0 = observe::stage_clock();
        let req = batch::BatchRequest::puts(&self.conn, namespace, set, records, policy)?;
        spawn(py, self.conn.limited(self.conn.cmd(py, "batch_write_numpy", &req, t0), batch::write(self.conn.client()?, req)))
    }
}
