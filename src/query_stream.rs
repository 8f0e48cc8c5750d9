//! The streams a query hands out: `RecordStream` (records) and `ArrowBatchStream` (Arrow record
//! batches of `batch_size` rows, each an `ArrowBatch`). Each is one class with both protocols:
//! `__iter__/__next__` wait through `runtime::wait` (GIL released, Ctrl-C honoured) and
//! `__aiter__/__anext__` return asyncio awaitables. Records are pulled from the crate's bounded
//! channel by the consumer, so memory stays bounded by the channel plus one batch, and Python runs
//! only on the consumer's thread. Dropping or closing a stream stops the query on the server.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aerospike::Record;
use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions, StructArray};
use arrow_schema::{DataType, Field, SchemaRef};
use columnar::packed::PackedRows;
use columnar::Options;
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

use crate::arrow_export::{schema_capsule, stream_capsule};
use crate::convert::Answer;
use crate::errors::{client_error, AsError};
use crate::ops::query::Feed;
use crate::query_filter::PyPartitionFilter;
use crate::runtime::{spawn, wait};

/// Native `ArrowBatch` objects alive right now (a test hook for bounded-memory checks).
static LIVE_BATCHES: AtomicUsize = AtomicUsize::new(0);

/// How many `ArrowBatch` objects are alive: the streams hold at most one, the rest are the
/// caller's.
#[pyfunction]
pub(crate) fn _live_arrow_batches() -> usize {
    LIVE_BATCHES.load(Ordering::Relaxed)
}

// ---------------------------------------------------------------------------------------------
// Progress

/// A tqdm bar when asked for and installed; nothing otherwise. It never fails a query.
pub(crate) struct Progress {
    bar: Py<PyAny>,
    pending: u64,
    /// The records the scan should return, counted in the background from the nodes' set or
    /// namespace statistics; the bar takes it as its total when it arrives.
    expected: Option<Arc<OnceLock<u64>>>,
}

impl Progress {
    const FLUSH_EVERY: u64 = 2048;

    /// `expected` is asked only once the bar exists (it starts the count of the scan's size).
    pub(crate) fn new(py: Python<'_>, enabled: bool, desc: &str, expected: impl FnOnce() -> Option<Arc<OnceLock<u64>>>) -> Option<Self> {
        if !enabled {
            return None;
        }
        let tqdm = py.import("tqdm").ok()?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("unit", "rec").ok()?;
        kwargs.set_item("desc", desc).ok()?;
        let bar = tqdm.getattr("tqdm").ok()?.call((), Some(&kwargs)).ok()?;
        Some(Self { bar: bar.unbind(), pending: 0, expected: expected() })
    }

    pub(crate) fn add(&mut self, py: Python<'_>, n: u64) {
        self.pending += n;
        if self.pending >= Self::FLUSH_EVERY {
            self.flush(py);
        }
    }

    fn flush(&mut self, py: Python<'_>) {
        if let Some(total) = self.expected.as_ref().and_then(|e| e.get().copied()) {
            self.expected = None;
            let _ = self.bar.setattr(py, "total", total);
            let _ = self.bar.call_method0(py, "refresh");
        }
        if self.pending > 0 {
            let _ = self.bar.call_method1(py, "update", (self.pending,));
            self.pending = 0;
        }
    }

    pub(crate) fn finish(&mut self, py: Python<'_>) {
        self.flush(py);
        let _ = self.bar.call_method0(py, "close");
    }
}

fn progress_add(slot: &Mutex<Option<Progress>>, py: Python<'_>, n: u64, end: bool) {
    if let Ok(mut guard) = slot.lock() {
        if let Some(bar) = guard.as_mut() {
            bar.add(py, n);
            if end {
                bar.finish(py);
                *guard = None;
            }
        }
    }
}

/// One step of a record stream on its bar: a record, or the end (None).
fn count_record(slot: &Mutex<Option<Progress>>, py: Python<'_>, record: Option<&Record>) {
    progress_add(slot, py, u64::from(record.is_some()), record.is_none());
}

/// One step of a batch stream on its bar: a batch's rows, or the end.
fn count_batch(slot: &Mutex<Option<Progress>>, py: Python<'_>, step: &Columns) {
    match step {
        Columns::Batch(batch) => progress_add(slot, py, batch.num_rows() as u64, false),
        Columns::End => progress_add(slot, py, 0, true),
        Columns::Invalid(_) => {}
    }
}

/// A record as `Record(key, meta, bins)`.
pub(crate) fn record_to_py(py: Python<'_>, mut record: Record) -> PyResult<Bound<'_, PyAny>> {
    let key = record.key.take().ok_or_else(|| client_error("the server sent a query record without a key"))?;
    Answer::Record(key, record).into_pyobject(py)
}

/// A completed awaitable: what `__anext__` returns when a record is already waiting, so a
/// buffered record costs no trip through the event loop.
#[pyclass(frozen)]
struct Ready {
    value: Mutex<Option<Py<PyAny>>>,
}

#[pymethods]
impl Ready {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value = self.value.lock().ok().and_then(|mut v| v.take()).unwrap_or_else(|| py.None());
        Err(PyStopIteration::new_err((value,)))
    }
}

fn cursor_of(feed: &tokio::sync::Mutex<Feed>) -> Option<PyPartitionFilter> {
    feed.try_lock().ok().and_then(|f| f.cursor()).map(|inner| PyPartitionFilter { inner })
}

// ---------------------------------------------------------------------------------------------
// Records

/// The next record of an asyncio stream, or the end (StopAsyncIteration); it reaches the stream's progress bar when it becomes a Python object,
/// on the event loop's thread with the GIL (so async iteration counts as sync iteration does).
struct Step {
    record: Option<Record>,
    progress: Arc<Mutex<Option<Progress>>>,
}

impl<'py> IntoPyObject<'py> for Step {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        count_record(&self.progress, py, self.record.as_ref());
        match self.record {
            Some(record) => record_to_py(py, record),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

/// The records of a query or scan as they arrive: `for record in stream` or
/// `async for record in stream`. Breaking out, `close()` or dropping the stream stops the query
/// on the server; `partition_filter` is then the cursor to resume from.
#[pyclass(name = "RecordStream", module = "aerospike_py", frozen)]
pub(crate) struct PyRecordStream {
    feed: Arc<tokio::sync::Mutex<Feed>>,
    progress: Arc<Mutex<Option<Progress>>>,
}

impl PyRecordStream {
    pub(crate) fn new(feed: Feed, progress: Option<Progress>) -> Self {
        Self { feed: Arc::new(tokio::sync::Mutex::new(feed)), progress: Arc::new(Mutex::new(progress)) }
    }

    /// The next record on the caller's thread: from the channel if one is waiting, otherwise
    /// waiting for it with the GIL released.
    pub(crate) fn next_record(&self, py: Python<'_>) -> PyResult<Option<Record>> {
        let ready = self.feed.try_lock().ok().and_then(|mut f| f.try_next());
        let out = match ready {
            Some(out) => out.map_err(crate::errors::to_py)?,
            None => {
                let feed = self.feed.clone();
                wait(py, async move { feed.lock().await.next().await })?
            }
        };
        count_record(&self.progress, py, out.as_ref());
        Ok(out)
    }
}

#[pymethods]
impl PyRecordStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.next_record(py)?.map(|r| record_to_py(py, r)).transpose()
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(out) = self.feed.try_lock().ok().and_then(|mut f| f.try_next()) {
            let record = out.map_err(crate::errors::to_py)?;
            count_record(&self.progress, py, record.as_ref());
            return match record {
                Some(record) => Ok(Bound::new(py, Ready { value: Mutex::new(Some(record_to_py(py, record)?.unbind())) })?.into_any()),
                None => Err(PyStopAsyncIteration::new_err(())),
            };
        }
        let (feed, progress) = (self.feed.clone(), self.progress.clone());
        spawn(py, async move { Ok(Step { record: feed.lock().await.next().await?, progress }) })
    }

    /// Stops the query; records not yet taken stay ahead of the resume cursor.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        progress_add(&self.progress, py, 0, true);
        let feed = self.feed.clone();
        wait(py, async move {
            feed.lock().await.close();
            Ok(())
        })
    }

    /// True once the stream has ended or been closed.
    #[getter]
    fn closed(&self) -> bool {
        self.feed.try_lock().is_ok_and(|f| f.is_ended())
    }

    /// The resume cursor once the stream has ended or been closed (None while it runs).
    #[getter]
    fn partition_filter(&self) -> Option<PyPartitionFilter> {
        cursor_of(&self.feed)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}

// ---------------------------------------------------------------------------------------------
// Arrow batches

/// One Arrow record batch of a query, exported through the Arrow PyCapsule interface
/// (`pyarrow.record_batch(b)`, `polars.DataFrame(b)`, ...), with no pyarrow needed to make it.
#[pyclass(name = "ArrowBatch", module = "aerospike_py", frozen)]
pub(crate) struct PyArrowBatch {
    batch: RecordBatch,
}

impl PyArrowBatch {
    fn new(batch: RecordBatch) -> Self {
        LIVE_BATCHES.fetch_add(1, Ordering::Relaxed);
        Self { batch }
    }
}

impl Drop for PyArrowBatch {
    fn drop(&mut self) {
        LIVE_BATCHES.fetch_sub(1, Ordering::Relaxed);
    }
}

#[pymethods]
impl PyArrowBatch {
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyCapsule>>) -> PyResult<Bound<'py, PyTuple>> {
        let schema = self.batch.schema();
        let field = Arc::new(Field::new_struct("", schema.fields().clone(), false).with_metadata(schema.metadata().clone()));
        let array: ArrayRef = Arc::new(StructArray::from(self.batch.clone()));
        Ok(pyo3_arrow::ffi::to_array_pycapsules(py, field, &array, requested_schema)?)
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyCapsule>>) -> PyResult<Bound<'py, PyCapsule>> {
        stream_capsule(py, &self.batch, requested_schema)
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, &self.batch)
    }

    fn __repr__(&self) -> String {
        format!("ArrowBatch({} rows, columns={:?})", self.batch.num_rows(), self.column_names())
    }
}

/// What building a batch can run into besides the query's own errors.
pub(crate) enum Columns {
    Batch(RecordBatch),
    End,
    Invalid(String),
}

/// Records taken from the query and packed per round while a batch fills.
const PACK_CHUNK: usize = 4096;

/// The state behind an `ArrowBatchStream`: the feed, and the schema fixed by the first batch
/// (every later batch is built to it, so the stream has one schema).
pub(crate) struct Batcher {
    feed: Feed,
    batch_size: usize,
    options: Options,
    schema: Option<SchemaRef>,
    /// A batch read ahead (to learn the schema) and not yet handed out.
    pending: Option<RecordBatch>,
    /// The most rows held natively at once.
    pub peak_rows: usize,
    /// The packed rows of the batch being filled, kept from batch to batch for their memory.
    packed: PackedRows,
}

/// `batch` laid out in `schema`: columns by name, absent ones all-null. A column the schema
/// lacks, or of another type, is an error that names it, never dropped or converted silently.
fn conform(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, String> {
    if batch.schema() == *schema {
        return Ok(batch);
    }
    for field in batch.schema().fields() {
        if schema.field_with_name(field.name()).is_err() && batch.column_by_name(field.name()).is_some_and(|c| c.null_count() < c.len()) {
            return Err(format!(
                "column {:?} first appears after the stream's first batch, which fixed the schema: pass schema= (or select() the bins) to arrow_batches",
                field.name()
            ));
        }
    }
    let rows = batch.num_rows();
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let column = match batch.column_by_name(field.name()) {
            None => new_null_array(field.data_type(), rows),
            Some(c) if c.data_type() == field.data_type() => c.clone(),
            Some(c) if c.null_count() == c.len() => new_null_array(field.data_type(), rows),
            Some(c) => {
                let hint = if *field.data_type() == DataType::Null { " (it was empty in the first batch)" } else { "" };
                return Err(format!(
                    "column {:?} is {} in this batch but {}{hint} in the stream's schema: pass schema= to arrow_batches",
                    field.name(),
                    c.data_type(),
                    field.data_type()
                ));
            }
        };
        columns.push(column);
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema.clone(), columns, &options).map_err(|e| e.to_string())
}

impl Batcher {
    pub(crate) fn new(feed: Feed, batch_size: usize, options: Options) -> Self {
        Self { feed: feed.into_columnar(batch_size), batch_size, options, schema: None, pending: None, peak_rows: 0, packed: PackedRows::with_capacity(batch_size.min(PACK_CHUNK)) }
    }

    fn build(&mut self, rows: &PackedRows) -> Result<RecordBatch, String> {
        let mut options = self.options.clone();
        if let Some(schema) = &self.schema {
            options.schema = Some(schema.clone());
        }
        let built = columnar::build_packed(rows, &options).map_err(|e| e.to_string())?;
        match &self.schema {
            Some(schema) => conform(built, schema),
            None => {
                self.schema = Some(built.schema());
                Ok(built)
            }
        }
    }

    /// The next batch of up to `batch_size` rows (fewer only at the end). Records are packed
    /// as they arrive, a few thousand at a time, so a batch waiting to fill holds packed rows,
    /// not the crate's records.
    pub(crate) async fn next(&mut self) -> Result<Columns, AsError> {
        if let Some(batch) = self.pending.take() {
            return Ok(Columns::Batch(batch));
        }
        let mut rows = std::mem::take(&mut self.packed);
        rows.clear();
        while rows.len() < self.batch_size {
            let want = (self.batch_size - rows.len()).min(PACK_CHUNK);
            if self.feed.pack(&mut rows, want).await? == 0 {
                break;
            }
        }
        let built = (!rows.is_empty()).then(|| self.build(&rows));
        self.peak_rows = self.peak_rows.max(rows.len());
        self.packed = rows;
        let Some(built) = built else { return Ok(Columns::End) };
        Ok(match built {
            Ok(batch) => Columns::Batch(batch),
            Err(message) => {
                self.feed.close();
                Columns::Invalid(message)
            }
        })
    }

    /// The stream's schema, reading the first batch ahead if needed (an empty result has the
    /// columns of an empty build).
    pub(crate) async fn schema(&mut self) -> Result<Result<SchemaRef, String>, AsError> {
        if self.schema.is_none() && self.pending.is_none() {
            match self.next().await? {
                Columns::Batch(batch) => self.pending = Some(batch),
                Columns::Invalid(message) => return Ok(Err(message)),
                Columns::End => match self.build(&PackedRows::default()) {
                    Ok(empty) => self.schema = Some(empty.schema()),
                    Err(message) => return Ok(Err(message)),
                },
            }
        }
        Ok(self.schema.clone().ok_or_else(|| "the stream has no schema".to_owned()))
    }

    /// Every remaining batch (for `to_arrow`), with the stream's schema.
    pub(crate) async fn drain(&mut self) -> Result<Result<(SchemaRef, Vec<RecordBatch>), String>, AsError> {
        let schema = match self.schema().await? {
            Ok(schema) => schema,
            Err(message) => return Ok(Err(message)),
        };
        let mut batches = Vec::new();
        loop {
            match self.next().await? {
                Columns::Batch(batch) => batches.push(batch),
                Columns::End => return Ok(Ok((schema, batches))),
                Columns::Invalid(message) => return Ok(Err(message)),
            }
        }
    }
}

/// The next batch of an asyncio stream, or the end (StopAsyncIteration), counted on the
/// stream's progress bar like `Step`.
struct BatchStep {
    columns: Columns,
    progress: Arc<Mutex<Option<Progress>>>,
}

impl<'py> IntoPyObject<'py> for BatchStep {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        count_batch(&self.progress, py, &self.columns);
        match self.columns {
            Columns::Batch(batch) => Ok(Bound::new(py, PyArrowBatch::new(batch))?.into_any()),
            Columns::End => Err(PyStopAsyncIteration::new_err(())),
            Columns::Invalid(message) => Err(PyValueError::new_err(message)),
        }
    }
}

/// A query's records as Arrow record batches of `batch_size` rows, built as they arrive: memory
/// holds the client's record queue and one batch, whatever the result size. Iterate it
/// (`for batch in stream`, `async for batch in stream`), or hand the whole stream to an Arrow
/// consumer through `__arrow_c_stream__` (once: `pyarrow.RecordBatchReader.from_stream(s)`,
/// `polars.DataFrame(s)`). The first batch fixes the schema (or pass `schema=`).
#[pyclass(name = "ArrowBatchStream", module = "aerospike_py", frozen)]
pub(crate) struct PyArrowBatchStream {
    state: Arc<tokio::sync::Mutex<Batcher>>,
    taken: AtomicBool,
    progress: Arc<Mutex<Option<Progress>>>,
}

impl PyArrowBatchStream {
    pub(crate) fn new(batcher: Batcher, progress: Option<Progress>) -> Self {
        Self { state: Arc::new(tokio::sync::Mutex::new(batcher)), taken: AtomicBool::new(false), progress: Arc::new(Mutex::new(progress)) }
    }

    fn check_not_taken(&self) -> PyResult<()> {
        if self.taken.load(Ordering::Relaxed) {
            return Err(client_error("stream already consumed: its __arrow_c_stream__ was taken"));
        }
        Ok(())
    }

    /// The next batch on the caller's thread (None at the end).
    fn next_batch(&self, py: Python<'_>) -> PyResult<Option<RecordBatch>> {
        self.check_not_taken()?;
        let state = self.state.clone();
        let step = wait(py, async move { state.lock().await.next().await })?;
        count_batch(&self.progress, py, &step);
        match step {
            Columns::Batch(batch) => Ok(Some(batch)),
            Columns::End => Ok(None),
            Columns::Invalid(message) => Err(PyValueError::new_err(message)),
        }
    }

    /// Every remaining batch and the stream's schema, waited for with the GIL released.
    pub(crate) fn drain(&self, py: Python<'_>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
        self.check_not_taken()?;
        let state = self.state.clone();
        let out = wait(py, async move { state.lock().await.drain().await })?;
        progress_add(&self.progress, py, out.as_ref().map_or(0, |(_, b)| b.iter().map(|b| b.num_rows() as u64).sum()), true);
        out.map_err(PyValueError::new_err)
    }

    /// The same as `drain`, as a future for asyncio.
    pub(crate) fn drain_async(&self) -> impl std::future::Future<Output = Result<TableAnswer, AsError>> + Send + 'static {
        let state = self.state.clone();
        async move { Ok(TableAnswer(state.lock().await.drain().await?)) }
    }
}

/// A whole query as an object with `__arrow_c_stream__` (pyo3-arrow's Table).
pub(crate) struct TableAnswer(pub Result<(SchemaRef, Vec<RecordBatch>), String>);

pub(crate) fn table<'py>(py: Python<'py>, schema: SchemaRef, batches: Vec<RecordBatch>) -> PyResult<Bound<'py, PyAny>> {
    Ok(Bound::new(py, pyo3_arrow::PyTable::try_new(batches, schema)?)?.into_any())
}

impl<'py> IntoPyObject<'py> for TableAnswer {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (schema, batches) = self.0.map_err(PyValueError::new_err)?;
        table(py, schema, batches)
    }
}

#[pymethods]
impl PyArrowBatchStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyArrowBatch>> {
        Ok(self.next_batch(py)?.map(PyArrowBatch::new))
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check_not_taken()?;
        let (state, progress) = (self.state.clone(), self.progress.clone());
        spawn(py, async move { Ok(BatchStep { columns: state.lock().await.next().await?, progress }) })
    }

    /// The whole stream as an Arrow C stream, taken once; batches are built as the consumer
    /// reads them.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyCapsule>>) -> PyResult<Bound<'py, PyCapsule>> {
        self.check_not_taken()?;
        let state = self.state.clone();
        let schema = wait(py, async move { state.lock().await.schema().await })?.map_err(PyValueError::new_err)?;
        if self.taken.swap(true, Ordering::Relaxed) {
            return Err(client_error("stream already consumed: its __arrow_c_stream__ was taken"));
        }
        let field = Arc::new(Field::new_struct("", schema.fields().clone(), false).with_metadata(schema.metadata().clone()));
        let state = self.state.clone();
        let reader = std::iter::from_fn(move || {
            let state = state.clone();
            let step = Python::attach(|py| wait(py, async move { state.lock().await.next().await }));
            match step {
                Ok(Columns::Batch(batch)) => Some(Ok(Arc::new(StructArray::from(batch)) as ArrayRef)),
                Ok(Columns::End) => None,
                Ok(Columns::Invalid(message)) => Some(Err(arrow_schema::ArrowError::ComputeError(message))),
                Err(e) => Some(Err(arrow_schema::ArrowError::ExternalError(Box::new(e)))),
            }
        });
        let reader = Box::new(pyo3_arrow::ffi::ArrayIterator::new(reader, field));
        Ok(pyo3_arrow::ffi::to_stream_pycapsule(py, reader, requested_schema)?)
    }

    /// The stream's schema (reads the first batch ahead if needed).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let state = self.state.clone();
        let schema = wait(py, async move { state.lock().await.schema().await })?.map_err(PyValueError::new_err)?;
        Ok(pyo3_arrow::ffi::to_schema_pycapsule(py, schema.as_ref())?)
    }

    /// Stops the query; `partition_filter` is then the cursor to resume from.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        progress_add(&self.progress, py, 0, true);
        let state = self.state.clone();
        wait(py, async move {
            state.lock().await.feed.close();
            Ok(())
        })
    }

    /// True once the stream has ended, been closed, or had its C stream taken.
    #[getter]
    fn closed(&self) -> bool {
        self.taken.load(Ordering::Relaxed) || self.state.try_lock().is_ok_and(|s| s.feed.is_ended() && s.pending.is_none())
    }

    /// The most records this stream has held natively at once (bounded by `batch_size`).
    #[getter]
    fn peak_rows(&self) -> usize {
        self.state.try_lock().map_or(0, |s| s.peak_rows)
    }

    /// The resume cursor once the stream has ended or been closed (None while it runs).
    #[getter]
    fn partition_filter(&self) -> Option<PyPartitionFilter> {
        self.state.try_lock().ok().and_then(|s| s.feed.cursor()).map(|inner| PyPartitionFilter { inner })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}
