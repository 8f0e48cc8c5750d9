//! `Query` and `AsyncQuery`: a query (with a `where()` predicate) or scan (without one) of a set,
//! or of a namespace when the set is None. The builder state is shared (`QueryCore`); each run
//! parses its policy with the GIL held, then streams its records through `ops::query::Feed`.
//! The two classes differ only in how results are waited for.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use aerospike::query::{Filter, PartitionFilter};
use aerospike::{Bins, QueryPolicy, Statement};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::arrow_export::{column_options, import_extra};
use crate::connection::Connection;
use crate::convert::{bin_name_from_py, GcPaused};
use crate::errors::{client_error, param_error};
use crate::ops::query::{CursorSink, Feed, QueryRequest};
use crate::ops::udf::{AggregateRequest, UdfCall};
use crate::policy::{optional_dict, query_policy};
use crate::query_filter::{filter_from_py, PyPartitionFilter};
use crate::query_stream::{record_to_py, table, Batcher, Progress, PyArrowBatchStream, PyRecordStream};
use crate::runtime::{spawn, wait};

/// Rows per Arrow batch unless the caller says otherwise.
const DEFAULT_BATCH_SIZE: usize = 65_536;
/// Records converted to Python per wait in `results()` and `foreach()`.
const CHUNK: usize = 4096;

#[derive(Default)]
struct Spec {
    bins: Option<Vec<String>>,
    filter: Option<Filter>,
    max_records: u64,
    records_per_second: u32,
    no_bins: bool,
    paginate: bool,
    /// `apply(module, function, args)`: a stream UDF for `results()` / `foreach()` / iteration,
    /// or the record UDF of `execute_background()`.
    udf: Option<UdfCall>,
}

/// What `Query` and `AsyncQuery` share: the target, the builder state and the cursor of a
/// paginated query.
pub(crate) struct QueryCore {
    conn: Arc<Connection>,
    namespace: String,
    set: String,
    spec: Mutex<Spec>,
    cursor: CursorSink,
}

fn python_helper<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("aerospike_py._query")?.getattr(name)
}

impl QueryCore {
    pub(crate) fn new(conn: Arc<Connection>, namespace: String, set: Option<String>) -> PyResult<Self> {
        if namespace.is_empty() || namespace.len() > 31 {
            return Err(param_error(format!("namespace {namespace:?} is invalid: names are 1 to 31 bytes")));
        }
        let set = set.unwrap_or_default();
        if set.len() > 63 {
            return Err(param_error(format!("set name {set:?} is longer than 63 bytes")));
        }
        // A new query starts from the client's `policies["query"]`; its setters change only it.
        let defaults = &conn.defaults().query;
        let spec = Spec {
            max_records: defaults.max_records,
            records_per_second: defaults.records_per_second,
            no_bins: !defaults.include_bin_data,
            ..Spec::default()
        };
        Ok(Self { conn, namespace, set, spec: Mutex::new(spec), cursor: Arc::new(Mutex::new(None)) })
    }

    fn spec(&self) -> PyResult<MutexGuard<'_, Spec>> {
        self.spec.lock().map_err(|_| client_error("query state is poisoned"))
    }

    fn select(&self, bins: &Bound<'_, PyTuple>) -> PyResult<()> {
        let mut names = Vec::with_capacity(bins.len());
        for item in bins.iter() {
            if let Ok(list) = item.cast::<PyList>() {
                for inner in list.iter() {
                    names.push(bin_name_from_py(&inner)?);
                }
            } else {
                names.push(bin_name_from_py(&item)?);
            }
        }
        self.spec()?.bins = Some(names);
        Ok(())
    }

    pub(crate) fn where_(&self, predicate: &Bound<'_, PyAny>) -> PyResult<()> {
        let filter = filter_from_py(predicate)?;
        self.spec()?.filter = Some(filter);
        Ok(())
    }

    fn set_max_records(&self, value: u64) -> PyResult<()> {
        self.spec()?.max_records = value;
        Ok(())
    }

    fn set_records_per_second(&self, value: u32) -> PyResult<()> {
        self.spec()?.records_per_second = value;
        Ok(())
    }

    fn set_no_bins(&self, value: bool) -> PyResult<()> {
        self.spec()?.no_bins = value;
        Ok(())
    }

    fn paginate(&self) -> PyResult<()> {
        self.spec()?.paginate = true;
        Ok(())
    }

    fn cursor(&self) -> Option<PartitionFilter> {
        self.cursor.lock().ok().and_then(|c| c.clone())
    }

    fn set_cursor(&self, filter: Option<&PyPartitionFilter>) -> PyResult<()> {
        self.spec()?.paginate = true;
        if let Ok(mut slot) = self.cursor.lock() {
            *slot = filter.map(PyPartitionFilter::filter);
        }
        Ok(())
    }

    /// Everything one run needs, checked before anything is sent.
    fn request(&self, policy: Option<&Bound<'_, PyAny>>) -> PyResult<(Arc<aerospike::Client>, QueryRequest, Option<CursorSink>)> {
        let dict = optional_dict(policy, "policy")?;
        let spec = self.spec()?;
        // The client's `policies["query"]`, this query's settings (which started from it), then
        // the call's own policy dict.
        let base = QueryPolicy {
            max_records: spec.max_records,
            records_per_second: spec.records_per_second,
            include_bin_data: !spec.no_bins,
            ..self.conn.defaults().query.clone()
        };
        let policy = query_policy(&base, dict.as_ref())?;
        let given = match dict.as_ref().map(|d| d.get_item("partition_filter")).transpose()?.flatten() {
            Some(pf) if pf.is_none() => None,
            Some(pf) => Some(partition_filter_arg(&pf)?),
            None => None,
        };
        let partitions = match given {
            Some(pf) => pf,
            None if spec.paginate => self.cursor().unwrap_or_default(),
            None => PartitionFilter::all(),
        };
        let bins = match (&spec.bins, spec.no_bins || !policy.include_bin_data) {
            (_, true) => Bins::None,
            (None, false) => Bins::All,
            (Some(names), false) => Bins::Some(names.clone()),
        };
        let mut statement = Statement::new(self.namespace.clone(), self.set.clone(), bins);
        statement.filter = spec.filter.clone();
        let sink = spec.paginate.then(|| self.cursor.clone());
        Ok((self.conn.client()?, QueryRequest { statement, policy, partitions }, sink))
    }

    pub(crate) fn set_udf(&self, call: UdfCall) -> PyResult<()> {
        self.spec()?.udf = Some(call);
        Ok(())
    }

    /// The aggregation to run instead of the plain query, when `apply()` was called.
    pub(crate) fn aggregate(&self, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Option<(Arc<aerospike::Client>, AggregateRequest)>> {
        let Some(call) = self.spec()?.udf.clone() else { return Ok(None) };
        let (client, request, _) = self.request(policy)?;
        Ok(Some((client, AggregateRequest::new(&self.conn, request.statement, request.policy, call))))
    }

    /// `execute_background()`: the statement and the record UDF `apply()` named.
    pub(crate) fn background(&self) -> PyResult<(Arc<aerospike::Client>, Statement, UdfCall)> {
        let call = self.spec()?.udf.clone().ok_or_else(|| param_error("execute_background() needs a UDF: call apply(module, function, args) first"))?;
        let (client, request, _) = self.request(None)?;
        Ok((client, request.statement, call))
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    fn feed(&self, py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Feed> {
        let (client, request, sink) = self.request(policy)?;
        let (_, direct) = self.conn.direct_cluster()?;
        Ok(Feed::traced(py, &self.conn, (client, direct), request, sink))
    }

    fn records(&self, py: Python<'_>, policy: Option<&Bound<'_, PyAny>>, progress: bool) -> PyResult<PyRecordStream> {
        let feed = self.feed(py, policy)?;
        Ok(PyRecordStream::new(feed, self.progress(py, progress, policy)))
    }

    fn arrow_batches(
        &self,
        py: Python<'_>,
        batch_size: usize,
        policy: Option<&Bound<'_, PyAny>>,
        columns: ColumnArgs<'_, '_>,
        progress: bool,
    ) -> PyResult<PyArrowBatchStream> {
        if batch_size == 0 {
            return Err(param_error("batch_size must be at least 1"));
        }
        let bins = match columns.bins {
            Some(bins) => Some(bins),
            None => self.spec()?.bins.clone(),
        };
        let options = column_options(columns.schema, columns.on_type_conflict, columns.meta_columns, bins)?;
        let feed = self.feed(py, policy)?;
        Ok(PyArrowBatchStream::new(Batcher::new(feed, batch_size, options), self.progress(py, progress, policy)))
    }

    /// `to_numpy`'s stream: the columns of the bins it lays out (`numpy_bins`), no metadata.
    fn numpy_stream(
        &self,
        py: Python<'_>,
        dtype: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
        bins: Option<Vec<String>>,
        schema: Option<&Bound<'_, PyAny>>,
        on_type_conflict: Option<&str>,
    ) -> PyResult<(PyArrowBatchStream, Vec<String>)> {
        crate::numpy_export::numpy(py)?;
        let bins = self.numpy_bins(policy, dtype, bins)?;
        let columns = ColumnArgs { schema, on_type_conflict, meta_columns: false, bins: Some(bins.clone()) };
        Ok((self.arrow_batches(py, DEFAULT_BATCH_SIZE, policy, columns, false)?, bins))
    }

    /// The bins `to_numpy` lays out, the only ones it builds columns of: a structured dtype's
    /// fields, else the caller's `bins`, else the query's selection. An aggregation has none.
    fn numpy_bins(&self, policy: Option<&Bound<'_, PyAny>>, dtype: &Bound<'_, PyAny>, bins: Option<Vec<String>>) -> PyResult<Vec<String>> {
        if self.aggregate(policy)?.is_some() {
            return Err(PyTypeError::new_err("to_numpy is for records; an aggregation's results come from results() or to_arrow()"));
        }
        let dtype = crate::numpy_export::numpy(dtype.py())?.call_method1("dtype", (dtype,))?;
        let names = dtype.getattr("names")?;
        if !names.is_none() {
            return names.extract();
        }
        Ok(bins.or_else(|| self.spec().ok().and_then(|s| s.bins.clone())).unwrap_or_default())
    }

    /// A run's progress bar (tqdm), when asked for and installed.
    fn progress(&self, py: Python<'_>, enabled: bool, policy: Option<&Bound<'_, PyAny>>) -> Option<Progress> {
        Progress::new(py, enabled, &self.describe(), || self.expected_records(policy))
    }

    /// For a progress bar: the records a scan will return, counted in the background (the bar
    /// runs without a total until it lands). None for a query with a predicate or a partition
    /// filter of the call's own, whose size the statistics cannot tell.
    fn expected_records(&self, policy: Option<&Bound<'_, PyAny>>) -> Option<Arc<OnceLock<u64>>> {
        let spec = self.spec().ok()?;
        let own_partitions = optional_dict(policy, "policy").ok()?.is_some_and(|d| d.contains("partition_filter").unwrap_or(true));
        if spec.filter.is_some() || spec.paginate || own_partitions {
            return None;
        }
        let limit = spec.max_records;
        drop(spec);
        let client = self.conn.client().ok()?;
        let slot = Arc::new(OnceLock::new());
        let filled = slot.clone();
        let (namespace, set) = (self.namespace.clone(), self.set.clone());
        crate::runtime::runtime().spawn(async move {
            if let Ok(n) = crate::ops::info::scan_size(client, namespace, set).await {
                let _ = filled.set(if limit > 0 { n.min(limit) } else { n });
            }
        });
        Some(slot)
    }

    fn describe(&self) -> String {
        let kind = if self.spec.lock().is_ok_and(|s| s.filter.is_some()) { "query" } else { "scan" };
        if self.set.is_empty() {
            format!("{kind} {}", self.namespace)
        } else {
            format!("{kind} {}.{}", self.namespace, self.set)
        }
    }

    fn is_done(&self) -> bool {
        self.cursor().is_some_and(|c| c.done())
    }

    fn repr(&self, class: &str) -> String {
        let set = if self.set.is_empty() { "None".to_owned() } else { format!("{:?}", self.set) };
        format!("{class}({:?}, {set}, {})", self.namespace, self.describe().split(' ').next().unwrap_or("scan"))
    }
}

/// `policy["partition_filter"]`: a `PartitionFilter`, or the dict its `to_dict()` made.
fn partition_filter_arg(obj: &Bound<'_, PyAny>) -> PyResult<PartitionFilter> {
    if let Ok(pf) = obj.cast::<PyPartitionFilter>() {
        return Ok(pf.get().filter());
    }
    if obj.is_instance_of::<PyDict>() {
        let class = obj.py().get_type::<PyPartitionFilter>();
        let built = class.call_method1("from_dict", (obj,))?;
        return Ok(built.cast::<PyPartitionFilter>()?.get().filter());
    }
    Err(PyTypeError::new_err("policy[\"partition_filter\"] takes a PartitionFilter (aerospike_py.predicates.partition_filter_*)"))
}

fn nonneg_u64(value: i64, what: &str) -> PyResult<u64> {
    u64::try_from(value).map_err(|_| param_error(format!("{what} must be >= 0, not {value}")))
}

fn nonneg_u32(value: i64, what: &str) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| param_error(format!("{what} must be in 0..{}, not {value}", u32::MAX)))
}

/// A query or scan on the synchronous client: `client.query(namespace, set)`, then `select()`,
/// `where()`, and `results()`, `foreach()`, iteration or the Arrow views.
///
/// >>> from aerospike_py import predicates as p
/// >>> for i in range(3):
/// ...     client.put(("test", "doc_q", i), {"n": i})
/// >>> sorted(r.bins["n"] for r in client.query("test", "doc_q").results())
/// [0, 1, 2]
/// >>> client.query("test", "doc_q").select("n").to_arrow().num_rows
/// 3
/// >>> for i in range(3):
/// ...     client.remove(("test", "doc_q", i))
#[pyclass(name = "Query", module = "aerospike_py", frozen)]
pub(crate) struct PyQuery {
    pub(crate) core: QueryCore,
}

/// A query or scan on `AsyncClient`: the same builder; `await query.results()`,
/// `async for record in query`, `async for batch in query.arrow_batches()`.
#[pyclass(name = "AsyncQuery", module = "aerospike_py", frozen)]
pub(crate) struct PyAsyncQuery {
    pub(crate) core: QueryCore,
}

/// The builder methods, the same on both classes.
macro_rules! builder_methods {
    ($class:ident) => {
        #[pymethods]
        impl $class {
            /// Reads only these bins (`select("a", "b")`).
            #[pyo3(signature = (*bins))]
            fn select<'py>(slf: Bound<'py, Self>, bins: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, Self>> {
                slf.get().core.select(bins)?;
                Ok(slf)
            }

            /// Filters through a secondary index: a predicate from `aerospike_py.predicates`.
            #[pyo3(name = "where")]
            fn where_<'py>(slf: Bound<'py, Self>, predicate: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Self>> {
                slf.get().core.where_(predicate)?;
                Ok(slf)
            }

            /// Keeps the resume cursor between runs: each run reads the next page (with
            /// `max_records`) until `is_done()`.
            fn paginate(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
                slf.get().core.paginate()?;
                Ok(slf)
            }

            /// True once a paginated query has read everything.
            fn is_done(&self) -> bool {
                self.core.is_done()
            }

            /// The most records a run returns (0: no limit).
            #[getter]
            fn get_max_records(&self) -> PyResult<u64> {
                Ok(self.core.spec()?.max_records)
            }

            #[setter]
            fn set_max_records(&self, value: i64) -> PyResult<()> {
                self.core.set_max_records(nonneg_u64(value, "max_records")?)
            }

            /// The most records per second each node returns (0: no limit).
            #[getter]
            fn get_records_per_second(&self) -> PyResult<u32> {
                Ok(self.core.spec()?.records_per_second)
            }

            #[setter]
            fn set_records_per_second(&self, value: i64) -> PyResult<()> {
                self.core.set_records_per_second(nonneg_u32(value, "records_per_second")?)
            }

            /// Returns keys and metadata only, no bins.
            #[getter]
            fn get_no_bins(&self) -> PyResult<bool> {
                Ok(self.core.spec()?.no_bins)
            }

            #[setter]
            fn set_no_bins(&self, value: bool) -> PyResult<()> {
                self.core.set_no_bins(value)
            }

            /// The cursor of a paginated query (None before its first run); setting it starts
            /// the next run from that cursor.
            #[getter]
            fn get_partition_filter(&self) -> Option<PyPartitionFilter> {
                self.core.cursor().map(|inner| PyPartitionFilter { inner })
            }

            #[setter]
            fn set_partition_filter(&self, value: Option<PyRef<'_, PyPartitionFilter>>) -> PyResult<()> {
                self.core.set_cursor(value.as_deref())
            }

            /// A stream of the records (`policy`: a query policy dict; `progress`: a tqdm bar).
            #[pyo3(signature = (policy=None, progress=false))]
            fn records(&self, py: Python<'_>, policy: Option<&Bound<'_, PyAny>>, progress: bool) -> PyResult<PyRecordStream> {
                self.core.records(py, policy, progress)
            }

            /// The records as a stream of Arrow record batches of `batch_size` rows.
            /// `schema` and `on_type_conflict` as in `to_arrow`. `bins` names the bin columns to
            /// build (a bin a record lacks is null) without narrowing what the server sends:
            /// unlike `select()`, which the server answers with nothing for a record holding
            /// none of the selected bins, every record comes, one row each.
            #[pyo3(signature = (batch_size=65_536, policy=None, schema=None, meta_columns=true, progress=false, on_type_conflict=None, bins=None))]
            #[allow(clippy::too_many_arguments)]
            fn arrow_batches(
                &self,
                py: Python<'_>,
                batch_size: usize,
                policy: Option<&Bound<'_, PyAny>>,
                schema: Option<&Bound<'_, PyAny>>,
                meta_columns: bool,
                progress: bool,
                on_type_conflict: Option<&str>,
                bins: Option<Vec<String>>,
            ) -> PyResult<PyArrowBatchStream> {
                self.core.arrow_batches(py, batch_size, policy, ColumnArgs { schema, on_type_conflict, meta_columns, bins }, progress)
            }

            fn __repr__(&self) -> String {
                self.core.repr(stringify!($class).trim_start_matches("Py"))
            }
        }
    };
}

builder_methods!(PyQuery);
builder_methods!(PyAsyncQuery);

#[pymethods]
impl PyQuery {
    /// Every record, as a list of `Record(key, meta, bins)`.
    #[pyo3(signature = (policy=None, progress=false))]
    fn results<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, progress: bool) -> PyResult<Bound<'py, PyList>> {
        if let Some((client, req)) = self.core.aggregate(policy)? {
            return crate::methods::udf::aggregate_values(py, client, req);
        }
        let feed = Arc::new(tokio::sync::Mutex::new(self.core.feed(py, policy)?));
        let mut bar = self.core.progress(py, progress, policy);
        let out = PyList::empty(py);
        loop {
            let feed = feed.clone();
            let chunk = wait(py, async move { feed.lock().await.fill(CHUNK).await })?;
            let n = chunk.len();
            let gc = GcPaused::new(py);
            for record in chunk {
                out.append(record_to_py(py, record)?)?;
            }
            drop(gc);
            if let Some(bar) = bar.as_mut() {
                bar.add(py, n as u64);
            }
            if n < CHUNK {
                break;
            }
        }
        if let Some(bar) = bar.as_mut() {
            bar.finish(py);
        }
        Ok(out)
    }

    /// Calls `callback(record)` for each record, on this thread, as the records arrive; a
    /// callback returning False stops the query.
    #[pyo3(signature = (callback, policy=None, progress=false))]
    fn foreach(&self, py: Python<'_>, callback: &Bound<'_, PyAny>, policy: Option<&Bound<'_, PyAny>>, progress: bool) -> PyResult<()> {
        if !callback.is_callable() {
            return Err(PyTypeError::new_err("foreach takes a callable"));
        }
        if let Some((client, req)) = self.core.aggregate(policy)? {
            for value in crate::methods::udf::aggregate_values(py, client, req)?.iter() {
                if callback.call1((value,))?.is(pyo3::types::PyBool::new(py, false)) {
                    break;
                }
            }
            return Ok(());
        }
        let stream = self.core.records(py, policy, progress)?;
        while let Some(record) = stream.next_record(py)? {
            let answer = callback.call1((record_to_py(py, record)?,))?;
            if answer.is(pyo3::types::PyBool::new(py, false)) {
                break;
            }
        }
        Ok(())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some((client, req)) = self.core.aggregate(None)? {
            return Ok(crate::methods::udf::aggregate_values(py, client, req)?.try_iter()?.into_any());
        }
        Bound::new(py, self.core.records(py, None, false)?).map(Bound::into_any)
    }

    /// Every record as a pyarrow Table (built batch by batch, without the GIL).
    #[pyo3(signature = (policy=None, schema=None, meta_columns=true, progress=false, on_type_conflict=None))]
    fn to_arrow<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, schema: Option<&Bound<'py, PyAny>>, meta_columns: bool, progress: bool, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let pyarrow = import_extra(py, "pyarrow", "arrow")?;
        if let Some((client, req)) = self.core.aggregate(policy)? {
            let table = wait(py, aggregated_table(client, req))?;
            return pyarrow.call_method1("table", (table.into_pyobject(py)?,));
        }
        let stream = self.core.arrow_batches(py, DEFAULT_BATCH_SIZE, policy, ColumnArgs { schema, on_type_conflict, meta_columns, bins: None }, progress)?;
        let (schema, batches) = stream.drain(py)?;
        pyarrow.call_method1("table", (table(py, schema, batches)?,))
    }

    /// Every record as a NumPy array, built as `LazyBatchRecords.to_numpy` builds it: a
    /// structured `dtype` (fields named after bins), or a plain dtype for an (n, k) array of
    /// `bins` (default: the selected bins). Missing bins are masked unless `fill_value` is given.
    #[pyo3(signature = (dtype, policy=None, fill_value=None, bins=None, schema=None, on_type_conflict=None))]
    #[allow(clippy::too_many_arguments)]
    fn to_numpy<'py>(&self, py: Python<'py>, dtype: &Bound<'py, PyAny>, policy: Option<&Bound<'py, PyAny>>, fill_value: Option<&Bound<'py, PyAny>>, bins: Option<Vec<String>>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let (stream, bins) = self.core.numpy_stream(py, dtype, policy, bins, schema, on_type_conflict)?;
        let (schema, batches) = stream.drain(py)?;
        crate::numpy_export::batches_to_numpy(py, schema, batches, &bins, dtype, fill_value)
    }

    /// Every record as a pandas DataFrame (through pyarrow).
    #[pyo3(signature = (policy=None, schema=None, meta_columns=true, progress=false, on_type_conflict=None))]
    fn to_pandas<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, schema: Option<&Bound<'py, PyAny>>, meta_columns: bool, progress: bool, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        import_extra(py, "pandas", "pandas")?;
        let table = self.to_arrow(py, policy, schema, meta_columns, progress, on_type_conflict)?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("split_blocks", true)?;
        table.call_method("to_pandas", (), Some(&kwargs))
    }

    /// Every record as a Polars DataFrame (zero-copy through the Arrow C stream).
    #[pyo3(signature = (policy=None, schema=None, meta_columns=true, progress=false, on_type_conflict=None))]
    fn to_polars<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, schema: Option<&Bound<'py, PyAny>>, meta_columns: bool, progress: bool, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let polars = import_extra(py, "polars", "polars")?;
        if let Some((client, req)) = self.core.aggregate(policy)? {
            let table = wait(py, aggregated_table(client, req))?;
            return polars.call_method1("DataFrame", (table.into_pyobject(py)?,));
        }
        let stream = self.core.arrow_batches(py, DEFAULT_BATCH_SIZE, policy, ColumnArgs { schema, on_type_conflict, meta_columns, bins: None }, progress)?;
        let (schema, batches) = stream.drain(py)?;
        polars.call_method1("DataFrame", (table(py, schema, batches)?,))
    }
}

#[pymethods]
impl PyAsyncQuery {
    /// Awaitable: every record, as a list of `Record(key, meta, bins)`.
    #[pyo3(signature = (policy=None, progress=false))]
    fn results<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, progress: bool) -> PyResult<Bound<'py, PyAny>> {
        if progress {
            let stream = self.core.records(py, policy, true)?;
            return python_helper(py, "results")?.call1((stream,));
        }
        if let Some((client, req)) = self.core.aggregate(policy)? {
            return crate::methods::udf::aggregate_awaitable(py, client, req);
        }
        let feed = self.core.feed(py, policy)?;
        spawn(py, async move {
            let records = crate::ops::query::results(feed).await?;
            Ok(RecordList(records))
        })
    }

    /// Awaitable: calls `callback(record)` for each record on the event loop's thread; a
    /// callback returning False stops the query.
    #[pyo3(signature = (callback, policy=None, progress=false))]
    fn foreach<'py>(&self, py: Python<'py>, callback: &Bound<'py, PyAny>, policy: Option<&Bound<'py, PyAny>>, progress: bool) -> PyResult<Bound<'py, PyAny>> {
        if !callback.is_callable() {
            return Err(PyTypeError::new_err("foreach takes a callable"));
        }
        if let Some((client, req)) = self.core.aggregate(policy)? {
            let values = crate::methods::udf::aggregate_awaitable(py, client, req)?;
            return py.import("aerospike_py._udf")?.getattr("foreach_values")?.call1((values, callback));
        }
        let stream = self.core.records(py, policy, progress)?;
        python_helper(py, "foreach")?.call1((stream, callback))
    }

    fn __aiter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some((client, req)) = self.core.aggregate(None)? {
            let values = crate::methods::udf::aggregate_awaitable(py, client, req)?;
            return py.import("aerospike_py._udf")?.getattr("values")?.call1((values,));
        }
        Bound::new(py, self.core.records(py, None, false)?).map(Bound::into_any)
    }

    /// Awaitable: every record as a pyarrow Table.
    #[pyo3(signature = (policy=None, schema=None, meta_columns=true, on_type_conflict=None))]
    fn to_arrow<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, schema: Option<&Bound<'py, PyAny>>, meta_columns: bool, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        self.frame(py, "arrow", policy, ColumnArgs { schema, on_type_conflict, meta_columns, bins: None })
    }

    /// Awaitable: every record as a pandas DataFrame.
    #[pyo3(signature = (policy=None, schema=None, meta_columns=true, on_type_conflict=None))]
    fn to_pandas<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, schema: Option<&Bound<'py, PyAny>>, meta_columns: bool, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        self.frame(py, "pandas", policy, ColumnArgs { schema, on_type_conflict, meta_columns, bins: None })
    }

    /// Awaitable: every record as a Polars DataFrame.
    #[pyo3(signature = (policy=None, schema=None, meta_columns=true, on_type_conflict=None))]
    fn to_polars<'py>(&self, py: Python<'py>, policy: Option<&Bound<'py, PyAny>>, schema: Option<&Bound<'py, PyAny>>, meta_columns: bool, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        self.frame(py, "polars", policy, ColumnArgs { schema, on_type_conflict, meta_columns, bins: None })
    }
}

#[pymethods]
impl PyAsyncQuery {
    /// Awaitable: every record as a NumPy array (as `Query.to_numpy`).
    #[pyo3(signature = (dtype, policy=None, fill_value=None, bins=None, schema=None, on_type_conflict=None))]
    #[allow(clippy::too_many_arguments)]
    fn to_numpy<'py>(&self, py: Python<'py>, dtype: &Bound<'py, PyAny>, policy: Option<&Bound<'py, PyAny>>, fill_value: Option<&Bound<'py, PyAny>>, bins: Option<Vec<String>>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let (stream, bins) = self.core.numpy_stream(py, dtype, policy, bins, schema, on_type_conflict)?;
        let drained = stream.drain_async();
        let (dtype, fill_value) = (dtype.clone().unbind(), fill_value.map(|f| f.clone().unbind()));
        spawn(py, async move { Ok(NumpyAnswer { table: drained.await?, bins, dtype, fill_value }) })
    }
}

/// A drained query on its way to NumPy: converted when the awaitable resolves, on the loop's thread.
struct NumpyAnswer {
    table: crate::query_stream::TableAnswer,
    bins: Vec<String>,
    dtype: Py<PyAny>,
    fill_value: Option<Py<PyAny>>,
}

impl<'py> IntoPyObject<'py> for NumpyAnswer {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (schema, batches) = self.table.0.map_err(pyo3::exceptions::PyValueError::new_err)?;
        crate::numpy_export::batches_to_numpy(py, schema, batches, &self.bins, self.dtype.bind(py), self.fill_value.as_ref().map(|f| f.bind(py)))
    }
}

impl PyAsyncQuery {
    fn frame<'py>(&self, py: Python<'py>, kind: &str, policy: Option<&Bound<'py, PyAny>>, columns: ColumnArgs<'_, 'py>) -> PyResult<Bound<'py, PyAny>> {
        match kind {
            "pandas" => {
                import_extra(py, "pyarrow", "arrow")?;
                import_extra(py, "pandas", "pandas")?;
            }
            "polars" => {
                import_extra(py, "polars", "polars")?;
            }
            _ => {
                import_extra(py, "pyarrow", "arrow")?;
            }
        }
        let awaitable = match self.core.aggregate(policy)? {
            Some((client, req)) => spawn(py, aggregated_table(client, req))?,
            None => {
                let stream = self.core.arrow_batches(py, DEFAULT_BATCH_SIZE, policy, columns, false)?;
                spawn(py, stream.drain_async())?
            }
        };
        python_helper(py, "to_frame")?.call1((awaitable, kind))
    }
}

/// The column-building arguments every columnar method takes (`arrow_export::column_options`).
struct ColumnArgs<'a, 'py> {
    schema: Option<&'a Bound<'py, PyAny>>,
    on_type_conflict: Option<&'a str>,
    meta_columns: bool,
    /// The bins to build columns of, when not the query's selection (NumPy's dtype fields).
    bins: Option<Vec<String>>,
}

/// A stream UDF aggregation's results as one Arrow table (`columnar::from_values`): a row per
/// map result with a column per key, or one `value` column.
async fn aggregated_table(client: Arc<aerospike::Client>, req: AggregateRequest) -> Result<crate::query_stream::TableAnswer, crate::errors::AsError> {
    let values = crate::ops::udf::aggregate(client, req).await?;
    let built = columnar::from_values(&values).map(|batch| (batch.schema(), vec![batch])).map_err(|e| e.to_string());
    Ok(crate::query_stream::TableAnswer(built))
}

/// A whole query's records, converted when the awaitable resolves.
struct RecordList(Vec<aerospike::Record>);

impl<'py> IntoPyObject<'py> for RecordList {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for record in self.0 {
            out.append(record_to_py(py, record)?)?;
        }
        Ok(out.into_any())
    }
}
