//! `LazyBatchRecords`: the answer of `batch_read`. It holds the rows packed in one arena
//! (`columnar::packed`) and builds Arrow columns only when a columnar view is asked for (once,
//! cached, without the GIL); Python objects are made only for what the caller touches. It is a
//! read-only Mapping of user key -> bins over the records found, and exports Arrow through
//! `__arrow_c_stream__`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use columnar::cell::{Cell, Scalar};
use columnar::packed::{PackedCell, PackedRow, PackedRows};
use columnar::{OnMismatch, Options};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};

use crate::arrow_export::{exporter, import_extra, schema_capsule, stream_capsule};
use crate::convert::{cell_to_py, packed_bins_to_py, packed_row_to_py, value_from_py};
use crate::numpy_export::{column_view, to_numpy};

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

#[pyclass(name = "LazyBatchRecords", module = "aerospike_py", frozen, mapping)]
pub(crate) struct PyLazyBatchRecords {
    rows: Arc<PackedRows>,
    /// The bins the read selected, in the caller's order (column order of the Arrow view).
    bins: Option<Vec<String>>,
    columns: OnceLock<RecordBatch>,
    /// The bin columns alone, for NumPy (which never exports the metadata columns).
    bin_columns: OnceLock<RecordBatch>,
    index: OnceLock<MappingIndex>,
}

struct MappingIndex {
    by_key: HashMap<UserKey, usize>,
    /// The rows of `by_key`, in request order.
    order: Vec<usize>,
}

impl PyLazyBatchRecords {
    pub(crate) fn new(rows: PackedRows, bins: Option<Vec<String>>) -> Self {
        Self { rows: Arc::new(rows), bins, columns: OnceLock::new(), bin_columns: OnceLock::new(), index: OnceLock::new() }
    }

    fn is_found(row: &PackedRow) -> bool {
        row.result_code == 0 && row.has_record
    }

    /// The Mapping's entries: row index of each found record by user key, the first when a key
    /// repeats, and those rows in request order. Records read by digest alone have no user key
    /// and are only in `batch_records`.
    fn index(&self) -> &MappingIndex {
        self.index.get_or_init(|| {
            let mut by_key = HashMap::new();
            let mut order = Vec::new();
            for (i, row) in self.rows.rows().iter().enumerate().filter(|(_, r)| Self::is_found(r)) {
                if let Some(key) = self.rows.user_key(row).and_then(UserKey::of) {
                    by_key.entry(key).or_insert_with(|| {
                        order.push(i);
                        i
                    });
                }
            }
            MappingIndex { by_key, order }
        })
    }

    fn lookup(&self, key: &Bound<'_, PyAny>) -> PyResult<Option<&PackedRow>> {
        let value = value_from_py(key)?;
        let key = UserKey::of(&value).ok_or_else(|| PyTypeError::new_err("batch records are looked up by str, int or bytes user key"))?;
        Ok(self.index().by_key.get(&key).and_then(|i| self.rows.row(*i)))
    }

    fn options(&self, schema: Option<&Bound<'_, PyAny>>, on_type_conflict: &str, meta_columns: bool) -> PyResult<Options> {
        let on_conflict = match on_type_conflict {
            "error" => OnMismatch::Error,
            "null" => OnMismatch::Null,
            other => return Err(PyValueError::new_err(format!("on_type_conflict must be \"error\" or \"null\", not {other:?}"))),
        };
        let schema = match schema.filter(|s| !s.is_none()) {
            None => None,
            Some(s) => Some(pyo3_arrow::PySchema::extract(s.as_borrowed())?.into_inner()),
        };
        Ok(Options { meta_columns, bins: self.bins.clone(), schema, on_conflict, parallel: None })
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


    fn columns_for(&self, py: Python<'_>, schema: Option<&Bound<'_, PyAny>>, on_type_conflict: &str, meta_columns: bool) -> PyResult<RecordBatch> {
        if schema.is_none_or(|s| s.is_none()) && on_type_conflict == "error" && meta_columns {
            return self.columns(py).cloned();
        }
        let options = self.options(schema, on_type_conflict, meta_columns)?;
        self.build(py, &options)
    }
}

#[pymethods]
impl PyLazyBatchRecords {
    /// Every key's outcome in request order: `BatchRecord(key, result, record, in_doubt)`.
    #[getter]
    fn batch_records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for row in self.rows.rows() {
            out.append(packed_row_to_py(py, &self.rows, row)?)?;
        }
        Ok(out)
    }

    /// The number of records found (the Mapping's size); `len(batch_records)` counts every key.
    fn __len__(&self) -> usize {
        self.index().order.len()
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

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.keys(py)?.call_method0("__iter__")
    }

    /// User keys of the records found, in request order.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (key, _) in self.found_rows() {
            out.append(cell_to_py(py, key)?)?;
        }
        Ok(out)
    }

    /// Bins of the records found, in request order.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (_, row) in self.found_rows() {
            out.append(packed_bins_to_py(py, &self.rows, row)?)?;
        }
        Ok(out)
    }

    /// `(user_key, bins)` of the records found, in request order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
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
        let out = PyDict::new(py);
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
        let columns = self.bin_columns(py)?;
        let bins = bins.or_else(|| self.bins.clone()).unwrap_or_default();
        to_numpy(py, columns, &bins, dtype, fill_value)
    }

    /// The batch as a pyarrow Table: metadata columns (`_key`, `_result_code`, `_gen`, `_ttl`)
    /// then one column per bin. `schema` (any Arrow schema exporter) fixes bin types;
    /// `on_type_conflict="null"` turns values that don't fit their column into nulls.
    #[pyo3(signature = (schema=None, on_type_conflict="error", meta_columns=true))]
    fn to_arrow<'py>(&self, py: Python<'py>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: &str, meta_columns: bool) -> PyResult<Bound<'py, PyAny>> {
        let batch = self.columns_for(py, schema, on_type_conflict, meta_columns)?;
        import_extra(py, "pyarrow", "arrow")?.call_method1("table", (exporter(py, batch)?,))
    }

    /// The batch as a Polars DataFrame (zero-copy through the Arrow C stream).
    #[pyo3(signature = (schema=None, on_type_conflict="error", meta_columns=true))]
    fn to_polars<'py>(&self, py: Python<'py>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: &str, meta_columns: bool) -> PyResult<Bound<'py, PyAny>> {
        let batch = self.columns_for(py, schema, on_type_conflict, meta_columns)?;
        import_extra(py, "polars", "polars")?.call_method1("DataFrame", (exporter(py, batch)?,))
    }

    /// The batch as a pandas DataFrame, through pyarrow (fixed-width columns without nulls are
    /// not copied).
    #[pyo3(signature = (schema=None, on_type_conflict="error", meta_columns=true))]
    fn to_pandas<'py>(&self, py: Python<'py>, schema: Option<&Bound<'py, PyAny>>, on_type_conflict: &str, meta_columns: bool) -> PyResult<Bound<'py, PyAny>> {
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
        format!("LazyBatchRecords({} keys, {} found)", self.rows.len(), self.__len__())
    }
}

impl PyLazyBatchRecords {
    /// The Mapping's (user key, row) pairs in request order.
    fn found_rows(&self) -> impl Iterator<Item = (PackedCell<'_>, &PackedRow)> {
        self.index().order.iter().filter_map(|i| self.rows.row(*i)).filter_map(|r| Some((self.rows.user_key(r)?, r)))
    }
}
