//! `LazyBatchRecords`: the answer of `batch_read`. It holds the rows packed in one arena
//! (`columnar::packed`) and builds Arrow columns only when a columnar view is asked for (once,
//! cached, without the GIL); Python objects are made only for what the caller touches. Its
//! length and iteration are one row per requested key; a read-only Mapping view of user key ->
//! bins covers the records found, and Arrow leaves through `__arrow_c_stream__`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use columnar::cell::{Cell, Scalar};
use columnar::packed::{PackedCell, PackedRow, PackedRows};
use columnar::{OnMismatch, Options};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};

use crate::arrow_export::{column_options, exporter, import_extra, schema_capsule, stream_capsule};
use crate::convert::{cell_to_py, packed_bins_to_py, packed_row_to_py, value_from_py, GcPaused};
use crate::numpy_export::{column_view, to_numpy_with};

/// A user key as a hashable map key.
#[derive(Clone, PartialEq, Eq, Hash)]
enum UserKey {
    Int(i64),
    Str(String),
    Bytes(Vec<u8>),
}

impl UserKey {
    fn of<'a>(value: impl Cell<'a>) -> Option<Self> {
        match value.scalar() {
            Scalar::Int(i) => Some(Self::Int(i)),
            Scalar::Str(s) => Some(Self::Str(s.to_owned())),
            Scalar::Blob(b) => Some(Self::Bytes(b.to_vec())),
            _ => None,
        }
    }
}

/// The answer of `batch_read`: one row per requested key, in request order, held in Rust until
/// a view is asked for.
///
/// - Rows: `len(batch)`, iteration (`BatchRecord`s), `batch_records`, `to_list()`,
///   `all_user_keys()`, `found`, `result_codes` and `to_numpy()` all have one row per requested
///   key, found or not, repeated keys included.
/// - Columns: `to_arrow()`, `to_polars()`, `to_pandas()` and the Arrow C stream (`pa.table(batch)`).
/// - A read-only Mapping view of the records found, keyed by user key: `batch[pk]`, `pk in batch`,
///   `get()`, `keys()`, `values()`, `items()`, `to_dict()`. A key requested twice is one entry
///   (it is the same record). A user key found in two sets (or namespaces) is never merged: a
///   lookup by that user key raises `ValueError`, and `batch[(namespace, set, pk)]` picks one.
///   Records read by digest alone have no user key and are only in the rows.
///
/// >>> import aerospike_py as aerospike
/// >>> with aerospike.LocalServer() as server, aerospike.client(server.config).connect() as client:
/// ...     client.put(("test", "a", 1), {"v": "a1"})
/// ...     client.put(("test", "b", 1), {"v": "b1"})
/// ...     batch = client.batch_read([("test", "a", 1), ("test", "a", 2), ("test", "a", 1), ("test", "b", 1)])
/// >>> batch
/// <LazyBatchRecords: 4 requested, 3 found>
/// >>> len(batch), batch.found_count(), [br.result for br in batch]
/// (4, 3, [0, 2, 0, 0])
/// >>> batch.to_list()
/// [{'v': 'a1'}, None, {'v': 'a1'}, {'v': 'b1'}]
/// >>> batch[("test", "b", 1)]
/// {'v': 'b1'}
/// >>> batch[1]
/// Traceback (most recent call last):
/// ...
/// ValueError: user key 1 names records in 2 sets of this batch (test/a, test/b): ...
#[pyclass(name = "LazyBatchRecords", module = "aerospike_py", frozen, mapping)]
pub(crate) struct PyLazyBatchRecords {
    rows: Arc<PackedRows>,
    /// The bins the read selected, in the caller's order (column order of the Arrow view).
    bins: Option<Vec<String>>,
    columns: OnceLock<RecordBatch>,
    /// The bin columns alone, for the zero-copy NumPy views of `column()` (which never exports
    /// the metadata columns).
    bin_columns: OnceLock<RecordBatch>,
    index: OnceLock<MappingIndex>,
}

struct MappingIndex {
    /// User key -> the row of the first record found with it.
    by_key: HashMap<UserKey, usize>,
    /// (namespace, set, user key) -> row, for lookups by a whole key tuple.
    by_full_key: HashMap<(String, String, UserKey), usize>,
    /// The rows of `by_key`, in request order.
    order: Vec<usize>,
    /// User keys found in more than one (namespace, set), with those sets: a lookup by the user
    /// key alone cannot choose between their records, so it refuses rather than pick one.
    ambiguous: HashMap<UserKey, Vec<String>>,
}

impl PyLazyBatchRecords {
    pub(crate) fn new(rows: PackedRows, bins: Option<Vec<String>>) -> Self {
        Self { rows: Arc::new(rows), bins, columns: OnceLock::new(), bin_columns: OnceLock::new(), index: OnceLock::new() }
    }

    fn is_found(row: &PackedRow) -> bool {
        row.result_code == 0 && row.has_record
    }

    /// The Mapping's entries: each found record by user key and by (namespace, set, user key).
    /// A key requested twice is one entry (the same record); a user key found in two sets is
    /// `ambiguous`. Records read by digest alone have no user key and are only in the rows.
    fn index(&self) -> &MappingIndex {
        self.index.get_or_init(|| {
            let mut index = MappingIndex { by_key: HashMap::new(), by_full_key: HashMap::new(), order: Vec::new(), ambiguous: HashMap::new() };
            for (i, row) in self.rows.rows().iter().enumerate().filter(|(_, r)| Self::is_found(r)) {
                let Some(key) = self.rows.user_key(row).and_then(UserKey::of) else { continue };
                let (namespace, set) = self.rows.namespace_set(row);
                let full = (namespace.to_owned(), set.to_owned(), key.clone());
                if index.by_full_key.contains_key(&full) {
                    continue; // the same key asked again: the same record
                }
                index.by_full_key.insert(full, i);
                match index.by_key.get(&key) {
                    None => {
                        index.by_key.insert(key, i);
                        index.order.push(i);
                    }
                    Some(&first) => {
                        let sets = index.ambiguous.entry(key).or_insert_with(|| vec![self.set_label(first)]);
                        sets.push(self.set_label(i));
                    }
                }
            }
            index
        })
    }

    fn set_label(&self, row: usize) -> String {
        self.rows.row(row).map_or_else(String::new, |r| {
            let (namespace, set) = self.rows.namespace_set(r);
            format!("{namespace}/{set}")
        })
    }

    /// The row of a found record: by user key, or by a whole `(namespace, set, user_key)` tuple.
    fn lookup(&self, key: &Bound<'_, PyAny>) -> PyResult<Option<&PackedRow>> {
        let index = self.index();
        if let Ok(tuple) = key.cast::<pyo3::types::PyTuple>() {
            if tuple.len() != 3 {
                return Err(PyTypeError::new_err("batch records are looked up by user key or by a (namespace, set, user_key) tuple"));
            }
            let (namespace, set): (String, String) = (tuple.get_item(0)?.extract()?, tuple.get_item(1)?.extract()?);
            let Some(user_key) = UserKey::of(&value_from_py(&tuple.get_item(2)?)?) else { return Ok(None) };
            return Ok(index.by_full_key.get(&(namespace, set, user_key)).and_then(|i| self.rows.row(*i)));
        }
        let value = value_from_py(key)?;
        let user_key = UserKey::of(&value).ok_or_else(|| PyTypeError::new_err("batch records are looked up by str, int or bytes user key"))?;
        if let Some(sets) = index.ambiguous.get(&user_key) {
            return Err(ambiguous_error(key, sets));
        }
        Ok(index.by_key.get(&user_key).and_then(|i| self.rows.row(*i)))
    }

    /// Refuses a whole-Mapping view (keys, values, items, to_dict) that would merge records of
    /// different sets under one user key.
    fn check_unambiguous(&self, py: Python<'_>) -> PyResult<()> {
        match self.index().ambiguous.iter().next() {
            None => Ok(()),
            Some((key, sets)) => {
                let shown = match key {
                    UserKey::Int(i) => i.into_pyobject(py)?.into_any(),
                    UserKey::Str(s) => s.into_pyobject(py)?.into_any(),
                    UserKey::Bytes(b) => pyo3::types::PyBytes::new(py, b).into_any(),
                };
                Err(ambiguous_error(&shown, sets))
            }
        }
    }

    /// Builds the columns with the GIL released.
    fn build(&self, py: Python<'_>, options: &Options) -> PyResult<RecordBatch> {
        let rows = self.rows.clone();
        py.detach(move || columnar::build_packed(&rows, options))
        .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The default columns (inferred types, metadata first), built once.
    fn columns(&self, py: Python<'_>) -> PyResult<&RecordBatch> {
        if let Some(columns) = self.columns.get() {
            return Ok(columns);
        }
        let built = self.build(py, &Options { bins: self.bins.clone(), ..Options::default() })?;
        Ok(self.columns.get_or_init(|| built))
    }

    /// The bin columns alone: what NumPy views are made of. They are the default columns' own
    /// arrays (so every export shares one buffer), unless those cannot be built because of the
    /// metadata (a bin named like a metadata column, user keys of mixed types).
    fn bin_columns(&self, py: Python<'_>) -> PyResult<&RecordBatch> {
        if let Some(columns) = self.bin_columns.get() {
            return Ok(columns);
        }
        let bins = match self.columns(py) {
            Ok(all) => {
                let meta = [columnar::KEY_COLUMN, columnar::RESULT_CODE_COLUMN, columnar::GEN_COLUMN, columnar::TTL_COLUMN];
                let schema = all.schema();
                let keep: Vec<usize> = (0..all.num_columns()).filter(|i| !meta.contains(&schema.field(*i).name().as_str())).collect();
                all.project(&keep).map_err(|e| PyValueError::new_err(e.to_string()))?
            }
            Err(_) => self.build(py, &Options { bins: self.bins.clone(), meta_columns: false, ..Options::default() })?,
        };
        Ok(self.bin_columns.get_or_init(|| bins))
    }


    fn columns_for(&self, py: Python<'_>, schema: Option<&Bound<'_, PyAny>>, on_type_conflict: Option<&str>, meta_columns: bool) -> PyResult<RecordBatch> {
        let options = column_options(schema, on_type_conflict, meta_columns, self.bins.clone())?;
        if options.schema.is_none() && options.on_conflict == OnMismatch::Error && meta_columns {
            return self.columns(py).cloned();
        }
        self.build(py, &options)
    }
}

#[pymethods]
impl PyLazyBatchRecords {
    /// Every key's outcome in request order: `BatchRecord(key, result, record, in_doubt)`.
    #[getter]
    fn batch_records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for row in self.rows.rows() {
            out.append(packed_row_to_py(py, &self.rows, row)?)?;
        }
        Ok(out)
    }

    /// One per requested key, found or not: the rows of `batch_records` and `to_numpy`.
    fn __len__(&self) -> usize {
        self.rows.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match self.lookup(key)? {
            Some(row) => packed_bins_to_py(py, &self.rows, row),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.lookup(key)?.is_some())
    }

    /// Every requested key's `BatchRecord`, in request order (as `batch_records`).
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.batch_records(py)?.call_method0("__iter__")
    }

    /// Every requested key's `BatchRecord`, in request order (the seed project's name).
    fn iter_records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.__iter__(py)
    }

    /// The number of records found.
    fn found_count(&self) -> usize {
        self.rows.rows().iter().filter(|r| Self::is_found(r)).count()
    }

    /// Each requested key's bins in request order, `None` where no record was found.
    fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for row in self.rows.rows() {
            out.append(if Self::is_found(row) { packed_bins_to_py(py, &self.rows, row)? } else { py.None().into_bound(py) })?;
        }
        Ok(out)
    }

    /// Each requested key's user key in request order (`None` for a key given by digest alone).
    fn all_user_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for row in self.rows.rows() {
            out.append(match self.rows.user_key(row) {
                Some(key) => cell_to_py(py, key)?,
                None => py.None().into_bound(py),
            })?;
        }
        Ok(out)
    }

    /// Kept for code written for the seed's project, which cached a dict: views here are built
    /// on demand and hold no Python objects, so there is nothing to release.
    fn release_cache(&self) {}

    /// `[handle.to_dict() for handle in handles]`.
    #[staticmethod]
    fn merge_to_dict<'py>(py: Python<'py>, handles: Vec<PyRef<'py, Self>>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for handle in handles {
            out.append(handle.to_dict(py)?)?;
        }
        Ok(out)
    }

    /// User keys of the records found, in request order, each once.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.check_unambiguous(py)?;
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for (key, _) in self.found_rows() {
            out.append(cell_to_py(py, key)?)?;
        }
        Ok(out)
    }

    /// Bins of the records found, in request order, each key once.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.check_unambiguous(py)?;
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for (_, row) in self.found_rows() {
            out.append(packed_bins_to_py(py, &self.rows, row)?)?;
        }
        Ok(out)
    }

    /// `(user_key, bins)` of the records found, in request order, each key once.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.check_unambiguous(py)?;
        let out = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for (key, row) in self.found_rows() {
            out.append((cell_to_py(py, key)?, packed_bins_to_py(py, &self.rows, row)?))?;
        }
        Ok(out)
    }

    #[pyo3(signature = (key, default=None))]
    fn get<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>, default: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        match self.lookup(key)? {
            Some(row) => packed_bins_to_py(py, &self.rows, row),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    /// `{user_key: bins}` of the records found.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.check_unambiguous(py)?;
        let out = PyDict::new(py);
        let _gc = GcPaused::new(py);
        for (key, row) in self.found_rows() {
            out.set_item(cell_to_py(py, key)?, packed_bins_to_py(py, &self.rows, row)?)?;
        }
        Ok(out)
    }

    /// Each key's result code as an int32 NumPy array (0: found).
    #[getter]
    fn result_codes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::numpy_export::numpy(py)?;
        let codes: Vec<i32> = self.rows.rows().iter().map(|r| r.result_code).collect();
        Ok(numpy::PyArray1::from_vec(py, codes).into_any())
    }

    /// A bool NumPy array: True where the record was found.
    #[getter]
    fn found<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::numpy_export::numpy(py)?;
        let found: Vec<bool> = self.rows.rows().iter().map(Self::is_found).collect();
        Ok(numpy::PyArray1::from_vec(py, found).into_any())
    }

    /// One bin as a NumPy array. Fixed-width columns are read-only views of the Arrow buffer
    /// (no copy), masked where a record or bin is missing; other types are object arrays, which
    /// need `allow_copy=True` (the default).
    #[pyo3(signature = (name, allow_copy=true))]
    fn column<'py>(&self, py: Python<'py>, name: &str, allow_copy: bool) -> PyResult<Bound<'py, PyAny>> {
        let columns = if [columnar::KEY_COLUMN, columnar::RESULT_CODE_COLUMN, columnar::GEN_COLUMN, columnar::TTL_COLUMN].contains(&name) {
            self.columns(py)?
        } else {
            self.bin_columns(py)?
        };
        let column = columns.column_by_name(name).ok_or_else(|| PyKeyError::new_err(format!("no bin {name:?} in this batch")))?;
        if let Some(view) = column_view(py, column)? {
            return Ok(view);
        }
        if !allow_copy {
            return Err(PyValueError::new_err(format!("bin {name:?} ({}) cannot reach NumPy without a copy; pass allow_copy=True", column.data_type())));
        }
        let np = crate::numpy_export::numpy(py)?;
        let values = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for row in self.rows.rows() {
            values.append(match self.rows.bin(row, name) {
                Some(cell) => cell_to_py(py, cell)?,
                None => py.None().into_bound(py),
            })?;
        }
        let out = np.call_method1("empty", (self.rows.len(), "object"))?;
        out.call_method1("__setitem__", (pyo3::types::PySlice::full(py), values))?;
        Ok(out)
    }

    /// The batch as a NumPy array: a structured `dtype` (fields named after bins; a sub-array
    /// field such as `("emb", "f4", (16,))` takes a list bin of that length) or a plain dtype
    /// for an (n, k) array of the selected bins. Missing records and bins are masked (a
    /// `numpy.ma.MaskedArray`) unless `fill_value` is given; values are never silently
    /// truncated or zero-filled.
    #[pyo3(signature = (dtype, fill_value=None, bins=None))]
    fn to_numpy<'py>(&self, py: Python<'py>, dtype: &Bound<'py, PyAny>, fill_value: Option<&Bound<'py, PyAny>>, bins: Option<Vec<String>>) -> PyResult<Bound<'py, PyAny>> {
        let bins = bins.or_else(|| self.bins.clone()).unwrap_or_default();
        // Straight from the packed rows: no Arrow columns (nor their metadata columns) are built
        // for a NumPy copy.
        let rows = &*self.rows;
        to_numpy_with(py, &bins, dtype, fill_value, |layout| columnar::numpy::fill_packed(rows, layout))
    }

    /// The batch as a pyarrow Table: metadata columns (`_key`, `_result_code`, `_gen`, `_ttl`)
    /// then one column per bin. `schema` (any Arrow schema exporter) fixes bin types, and values
    /// that cannot take them become nulls; a bin whose values disagree in type with no schema
    /// is an error, unless `on_type_conflict="null"` (values that don't fit become nulls).
    /// `on_type_conflict="error"` refuses misfits of the schema too.
    #[pyo3(signature = (schema=None, on_type_conflict=None, meta_columns=true))]
    fn to_arrow<'py>(&self, py: Python<'py>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: Option<&str>, meta_columns: bool) -> PyResult<Bound<'py, PyAny>> {
        let batch = self.columns_for(py, schema, on_type_conflict, meta_columns)?;
        import_extra(py, "pyarrow", "arrow")?.call_method1("table", (exporter(py, batch)?,))
    }

    /// The batch as a Polars DataFrame (zero-copy through the Arrow C stream).
    #[pyo3(signature = (schema=None, on_type_conflict=None, meta_columns=true))]
    fn to_polars<'py>(&self, py: Python<'py>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: Option<&str>, meta_columns: bool) -> PyResult<Bound<'py, PyAny>> {
        let batch = self.columns_for(py, schema, on_type_conflict, meta_columns)?;
        import_extra(py, "polars", "polars")?.call_method1("DataFrame", (exporter(py, batch)?,))
    }

    /// The batch as a pandas DataFrame, through pyarrow (fixed-width columns without nulls are
    /// not copied).
    #[pyo3(signature = (schema=None, on_type_conflict=None, meta_columns=true))]
    fn to_pandas<'py>(&self, py: Python<'py>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: Option<&str>, meta_columns: bool) -> PyResult<Bound<'py, PyAny>> {
        import_extra(py, "pandas", "pandas")?;
        let table = self.to_arrow(py, schema, on_type_conflict, meta_columns)?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("split_blocks", true)?;
        table.call_method("to_pandas", (), Some(&kwargs))
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyCapsule>>) -> PyResult<Bound<'py, PyCapsule>> {
        stream_capsule(py, self.columns(py)?, requested_schema)
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, self.columns(py)?)
    }

    fn __repr__(&self) -> String {
        format!("<LazyBatchRecords: {} requested, {} found>", self.rows.len(), self.found_count())
    }
}

impl PyLazyBatchRecords {
    /// The Mapping's (user key, row) pairs in request order.
    fn found_rows(&self) -> impl Iterator<Item = (PackedCell<'_>, &PackedRow)> {
        self.index().order.iter().filter_map(|i| self.rows.row(*i)).filter_map(|r| Some((self.rows.user_key(r)?, r)))
    }
}

/// The error for a user key that names records in several sets of one batch.
fn ambiguous_error(key: &Bound<'_, PyAny>, sets: &[String]) -> PyErr {
    let shown = key.repr().map_or_else(|_| "?".to_owned(), |r| r.to_string());
    PyValueError::new_err(format!(
        "user key {shown} names records in {} sets of this batch ({}): the Mapping view cannot \
         choose; look up batch[(namespace, set, {shown})], or use batch_records, to_list() or iteration",
        sets.len(),
        sets.join(", ")
    ))
}
