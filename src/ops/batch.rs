//! Batch commands: read, operate, remove and write of many records in one call. The request is
//! parsed with the GIL held; the batch runs on its client's runtime (`runtime.rs`), split into
//! sub-batches run a few at a time when it is big, and answers one `BatchRow` per key, in request
//! order. `batch_read` reads on the client's own connections (`crates/direct`) when it can, and
//! through the crate otherwise.

use std::sync::Arc;

use aerospike::{
    BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy, Bins, Key, Record,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use columnar::packed::PackedRows;
use observability::metrics::CommonLabels;

use crate::connection::Connection;
use crate::convert::{bins_from_py, key_from_py, sequence};
use crate::errors::{param_error, with_context, AsError};
use crate::operations::ops_from_py;
use crate::ops::kv::bin_names;
use crate::policy::{batch_policy, optional_dict, BatchPolicies};

use direct::batch_read::{SUB_BATCHES_IN_FLIGHT, SUB_BATCH_KEYS};
use direct::NO_RESPONSE;

/// One key's outcome.
pub(crate) struct BatchRow {
    pub key: Key,
    pub result_code: i32,
    pub record: Option<Record>,
    pub in_doubt: bool,
}

pub(crate) struct BatchRequest {
    policy: BatchPolicy,
    ops: Vec<BatchOperation>,
    /// A `batch_read`'s keys, bins and read policy, kept whole (its `ops` are empty) so the
    /// direct path (`crates/direct`) can send them; made into `ops` only if the crate reads.
    reads: Option<ReadRows>,
    /// The bins a read selected, in the caller's order.
    selected: Option<Vec<String>>,
    /// The batch's metrics and trace labels: the namespace and set its keys share, else
    /// `_mixed` (`observability::metrics::CommonLabels`).
    labels: (String, String),
}

struct ReadRows {
    keys: Arc<Vec<Key>>,
    bins: Bins,
    read: BatchReadPolicy,
}

impl ReadRows {
    fn into_ops(self) -> Vec<BatchOperation> {
        let Self { keys, bins, read } = self;
        Arc::unwrap_or_clone(keys).into_iter().map(|key| BatchOperation::read(&read, key, bins.clone())).collect()
    }
}

fn labels_of(keys: &[Key]) -> (String, String) {
    let mut common = CommonLabels::default();
    for key in keys {
        common.add(key.namespace(), key.set_name());
    }
    common.labels()
}

impl crate::observe::Labels for BatchRequest {
    fn namespace(&self) -> &str {
        &self.labels.0
    }
    fn set(&self) -> &str {
        &self.labels.1
    }
    fn records(&self) -> u64 {
        self.reads.as_ref().map_or(self.ops.len(), |r| r.keys.len()) as u64
    }
}

/// Keys of a batch, with the index of a bad one in the error.
fn keys_from_py(keys: &Bound<'_, PyAny>) -> PyResult<Vec<Key>> {
    sequence(keys, "keys")?
        .iter()
        .enumerate()
        .map(|(i, k)| key_from_py(k).map_err(|e| with_context(keys.py(), e, &format!("keys[{i}]"))))
        .collect()
}

impl BatchRequest {
    /// `bins`: None reads every bin, a list those bins, `[]` only whether each record exists.
    pub(crate) fn read(conn: &Connection, keys: &Bound<'_, PyAny>, bins: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let keys = keys_from_py(keys)?;
        let selected = bins.filter(|b| !b.is_none()).map(bin_names).transpose()?;
        let bins = match &selected {
            None => Bins::All,
            Some(names) if names.is_empty() => Bins::None,
            Some(names) => Bins::Some(names.clone()),
        };
        let BatchPolicies { batch, read, .. } = batch_policy(conn.defaults(), optional_dict(policy, "policy")?.as_ref())?;
        let labels = labels_of(&keys);
        let reads = ReadRows { keys: Arc::new(keys), bins, read };
        Ok(Self { policy: batch, ops: Vec::new(), reads: Some(reads), selected, labels })
    }

    /// The same operations on every key: read rows when no operation writes, write rows otherwise.
    pub(crate) fn operate(
        conn: &Connection,
        keys: &Bound<'_, PyAny>,
        ops: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
        record_policy: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let keys = keys_from_py(keys)?;
        let parsed = ops_from_py(ops)?;
        let BatchPolicies { batch, write_batch, read, write, .. } = batch_policy(conn.defaults(), optional_dict(policy, "policy")?.as_ref())?;
        let mut write = crate::policy::batch_write_policy(&write, optional_dict(record_policy, "policy_batch_write")?.as_ref())?;
        if let Some(ttl) = ttl.filter(|t| !t.is_none()) {
            write.expiration = crate::policy::expiration(ttl, write.expiration)?;
        }
        let row = |key| {
            if parsed.reads_only {
                BatchOperation::read_ops(&read, key, parsed.ops.clone())
            } else {
                BatchOperation::write(&write, key, parsed.ops.clone())
            }
        };
        let labels = labels_of(&keys);
        let ops = keys.into_iter().map(row).collect();
        // A batch that writes starts from policies["batch_parent_write"] (no retries by default:
        // a retried write may be applied twice), one that only reads from policies["batch"].
        Ok(Self { policy: if parsed.reads_only { batch } else { write_batch }, ops, reads: None, selected: None, labels })
    }

    pub(crate) fn remove(conn: &Connection, keys: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, record_policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let keys = keys_from_py(keys)?;
        let BatchPolicies { write_batch, delete, .. } = batch_policy(conn.defaults(), optional_dict(policy, "policy")?.as_ref())?;
        let delete = crate::policy::batch_remove_policy(&delete, optional_dict(record_policy, "policy_batch_remove")?.as_ref())?;
        let labels = labels_of(&keys);
        let ops = keys.into_iter().map(|key| BatchOperation::delete(&delete, key)).collect();
        Ok(Self { policy: write_batch, ops, reads: None, selected: None, labels })
    }

    /// `records`: `[(key, bins), (key, bins, meta), ...]`, each written as one put.
    pub(crate) fn write(conn: &Connection, records: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let BatchPolicies { write_batch, write, .. } = batch_policy(conn.defaults(), optional_dict(policy, "policy")?.as_ref())?;
        let mut ops = Vec::new();
        let mut common = CommonLabels::default();
        for (i, item) in sequence(records, "records")?.iter().enumerate() {
            let op = write_row(item, &write, &mut common).map_err(|e| with_context(records.py(), e, &format!("records[{i}]")))?;
            ops.push(op);
        }
        Ok(Self { policy: write_batch, ops, reads: None, selected: None, labels: common.labels() })
    }

    /// Records decoded from a frame or an array (`batch_write_arrow`, `batch_write_numpy`), all
    /// in one namespace and set.
    pub(crate) fn puts(conn: &Connection, namespace: &str, set: &str, records: Vec<columnar::from_arrow::RecordToWrite>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let BatchPolicies { write_batch, write, .. } = batch_policy(conn.defaults(), optional_dict(policy, "policy")?.as_ref())?;
        let mut ops = Vec::with_capacity(records.len());
        for (row, record) in records.into_iter().enumerate() {
            if record.bins.is_empty() {
                return Err(param_error(format!("row {row} has no bins to write (every cell is null)")));
            }
            let key = Key::new(namespace, set, record.key).map_err(|e| param_error(format!("row {row}: {e}")))?;
            let puts: Vec<_> = record.bins.iter().map(aerospike::operations::put).collect();
            ops.push(BatchOperation::write(&write, key, puts));
        }
        Ok(Self { policy: write_batch, ops, reads: None, selected: None, labels: (namespace.to_owned(), set.to_owned()) })
    }

    /// Rows built elsewhere (the UDF rows of `batch_apply`, see `ops::udf`), with the labels
    /// of their keys.
    pub(crate) fn from_ops(policy: BatchPolicy, ops: Vec<BatchOperation>, labels: CommonLabels) -> Self {
        Self { policy, ops, reads: None, selected: None, labels: labels.labels() }
    }

    pub(crate) fn selected(&self) -> Option<Vec<String>> {
        self.selected.clone()
    }
}

fn write_row(item: &Bound<'_, PyAny>, base: &BatchWritePolicy, labels: &mut CommonLabels) -> PyResult<BatchOperation> {
    let parts = item.cast::<PyTuple>().map_err(|_| PyTypeError::new_err("a record to write is a tuple (key, bins) or (key, bins, meta)"))?;
    if !(2..=3).contains(&parts.len()) {
        return Err(param_error("a record to write is (key, bins) or (key, bins, meta)"));
    }
    let key = key_from_py(&parts.get_item(0)?)?;
    labels.add(key.namespace(), key.set_name());
    let bins = bins_from_py(&parts.get_item(1)?)?;
    if bins.is_empty() {
        return Err(param_error("bins is empty: a write needs at least one bin"));
    }
    let mut policy = base.clone();
    if parts.len() == 3 {
        let meta = parts.get_item(2)?;
        if let Some(meta) = optional_dict(Some(&meta), "meta")? {
            crate::policy::apply_batch_write_meta(&mut policy, &meta)?;
        }
    }
    let puts: Vec<_> = bins.iter().map(aerospike::operations::put).collect();
    Ok(BatchOperation::write(&policy, key, puts))
}

/// Runs the batch and answers one row per key, in request order.
pub(crate) async fn run(client: Arc<aerospike::Client>, req: BatchRequest) -> Result<Vec<BatchRow>, AsError> {
    let parts = run_parts(client, req, |ops| ops.into_iter().map(row).collect::<Vec<_>>()).await?;
    Ok(parts.into_iter().flatten().collect())
}

/// Runs the batch (split into sub-batches when it is big) and hands each part's finished
/// operations to `finish` on the task that ran it, so the crate's records of a part are
/// converted and dropped while later parts are still in flight. The parts come back in request
/// order.
async fn run_parts<T: Send + 'static>(client: Arc<aerospike::Client>, req: BatchRequest, finish: fn(Vec<BatchOperation>) -> T) -> Result<Vec<T>, AsError> {
    let BatchRequest { policy, mut ops, reads, .. } = req;
    if let Some(reads) = reads {
        ops = reads.into_ops();
    }
    if ops.len() <= SUB_BATCH_KEYS {
        if !ops.is_empty() {
            client.batch(&policy, &mut ops).await?;
        }
        return Ok(vec![finish(ops)]);
    }
    // Each sub-batch is its own exact-size Vec: `split_off` would leave every head holding the
    // whole remaining capacity, which made memory grow with the square of the batch size.
    let mut pending: Vec<Vec<BatchOperation>> = Vec::with_capacity(ops.len().div_ceil(SUB_BATCH_KEYS));
    let mut rest = ops.into_iter();
    loop {
        let chunk: Vec<BatchOperation> = rest.by_ref().take(SUB_BATCH_KEYS).collect();
        if chunk.is_empty() {
            break;
        }
        pending.push(chunk);
    }
    let parts = pending.len();
    let mut done: Vec<Option<T>> = (0..parts).map(|_| None).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = pending.into_iter().enumerate();
    let mut first_error = None;
    loop {
        while tasks.len() < SUB_BATCHES_IN_FLIGHT {
            let Some((index, mut chunk)) = next.next() else { break };
            let (client, policy) = (client.clone(), policy.clone());
            tasks.spawn(async move {
                let outcome = client.batch(&policy, &mut chunk).await;
                (index, outcome, finish(chunk))
            });
        }
        let Some(joined) = tasks.join_next().await else { break };
        let (index, outcome, part) = joined.map_err(|e| AsError::Client(format!("a batch task failed: {e}")))?;
        if let Err(e) = outcome {
            first_error.get_or_insert(e);
        }
        if let Some(slot) = done.get_mut(index) {
            *slot = Some(part);
        }
    }
    if let Some(e) = first_error {
        return Err(e.into());
    }
    Ok(done.into_iter().flatten().collect())
}

fn row(mut op: BatchOperation) -> BatchRow {
    // The result code is read before the record is taken: without a record it reads as unset.
    let result_code = result_code(&op);
    let record = op.take_record();
    let in_doubt = op.in_doubt();
    let key = op.into_batch_record().key;
    BatchRow { key, result_code, record, in_doubt }
}

fn result_code(op: &BatchOperation) -> i32 {
    op.result_code().map_or(NO_RESPONSE, |rc| i32::from(u8::from(rc)))
}

/// A part of a `batch_read`, packed (see `columnar::packed`).
fn pack(ops: Vec<BatchOperation>) -> PackedRows {
    let mut rows = PackedRows::with_capacity(ops.len());
    for op in ops {
        rows.push(Some(&op.batch_record().key), result_code(&op), op.record(), op.in_doubt());
    }
    rows
}

/// `batch_read`: the rows, packed for `LazyBatchRecords`. Read on the client's own connections
/// when it has a direct cluster and the policy is one it implements; else by the crate.
pub(crate) async fn read((client, cluster): (Arc<aerospike::Client>, Option<Arc<direct::Cluster>>), req: BatchRequest) -> Result<crate::batch::PyLazyBatchRecords, AsError> {
    let selected = req.selected();
    if let (Some(cluster), Some(reads)) = (cluster, &req.reads) {
        if let Ok(request) = direct::ReadRequest::new(&req.policy, &reads.read, &reads.bins) {
            match cluster.batch_read(reads.keys.clone(), Arc::new(request), &req.policy).await.map_err(AsError::Direct)? {
                direct::Read::Rows(rows) => return Ok(crate::batch::PyLazyBatchRecords::new(rows, selected)),
                direct::Read::ByTheCrate => {}
            }
        }
    }
    let mut parts = run_parts(client, req, pack).await?.into_iter();
    let mut rows = parts.next().unwrap_or_default();
    for part in parts {
        rows.append(part);
    }
    Ok(crate::batch::PyLazyBatchRecords::new(rows, selected))
}

/// The batch writers: `BatchWriteResult(batch_records)`.
pub(crate) async fn write(client: Arc<aerospike::Client>, req: BatchRequest) -> Result<crate::convert::BatchWriteAnswer, AsError> {
    Ok(crate::convert::BatchWriteAnswer(run(client, req).await?))
}
