//! Arrow leaves through the PyCapsule interface (pyo3-arrow), with no runtime dependency on
//! pyarrow: anything that reads `__arrow_c_stream__` (pyarrow, Polars, pandas via pyarrow,
//! DuckDB) takes the buffers as they are. pyarrow and Polars are imported only when a caller asks
//! for their objects. Frames come in the same way: `batch_write_arrow` reads any exporter.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::Field;
use pyo3::exceptions::{PyImportError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::ffi::{to_schema_pycapsule, to_stream_pycapsule, ArrayIterator};

/// How the caller asked for columns to be built: `schema` (any Arrow schema exporter) fixes bin
/// types, and `on_type_conflict` says what a value that fits no column type becomes:
/// - `None` (the default): an inferred bin's conflict is an error that names the bin and the
///   types, and a value that cannot take the type `schema` gives its bin becomes a null (the
///   schema is the caller's word on that bin), so a schema alone resolves a conflict;
/// - `"error"`: both are errors; `"null"`: both are nulls.
pub(crate) fn column_options(schema: Option<&Bound<'_, PyAny>>, on_type_conflict: Option<&str>, meta_columns: bool, bins: Option<Vec<String>>) -> PyResult<columnar::Options> {
    use columnar::OnMismatch::{Error, Null};
    let (on_conflict, schema_mismatch) = match on_type_conflict {
        None => (Error, Null),
        Some("error") => (Error, Error),
        Some("null") => (Null, Null),
        Some(other) => return Err(PyValueError::new_err(format!("on_type_conflict must be \"error\" or \"null\", not {other:?}"))),
    };
    let schema = match schema.filter(|s| !s.is_none()) {
        None => None,
        Some(s) => Some(pyo3_arrow::PySchema::extract(s.as_borrowed())?.into_inner()),
    };
    Ok(columnar::Options { meta_columns, bins, schema, on_conflict, schema_mismatch, parallel: None })
}

/// The batch as an Arrow C stream capsule. A `requested_schema` is applied here, with checked
/// casts: a value that doesn't fit the requested type raises instead of becoming null.
pub(crate) fn stream_capsule<'py>(py: Python<'py>, batch: &RecordBatch, requested_schema: Option<Bound<'py, PyCapsule>>) -> PyResult<Bound<'py, PyCapsule>> {
    let batch = match requested_schema {
        None => batch.clone(),
        Some(capsule) => cast_checked(batch.clone(), pyo3_arrow::PySchema::from_arrow_pycapsule(&capsule)?.into_inner())?,
    };
    let schema = batch.schema();
    let field = Arc::new(Field::new_struct("", schema.fields().clone(), false).with_metadata(schema.metadata().clone()));
    let array: ArrayRef = Arc::new(StructArray::from(batch));
    let reader = Box::new(ArrayIterator::new(std::iter::once(Ok(array)), field));
    Ok(to_stream_pycapsule(py, reader, None)?)
}

fn cast_checked(batch: RecordBatch, schema: arrow_schema::SchemaRef) -> PyResult<RecordBatch> {
    if schema.fields().len() != batch.num_columns() {
        return Err(PyValueError::new_err(format!(
            "the requested schema has {} fields; the batch has {} columns",
            schema.fields().len(),
            batch.num_columns()
        )));
    }
    let options = arrow_cast::CastOptions { safe: false, ..Default::default() };
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            arrow_cast::cast_with_options(column, field.data_type(), &options)
                .map_err(|e| PyValueError::new_err(format!("column {:?}: {e}", field.name())))
        })
        .collect::<PyResult<Vec<_>>>()?;
    RecordBatch::try_new(schema, columns).map_err(|e| PyValueError::new_err(e.to_string()))
}

pub(crate) fn schema_capsule<'py>(py: Python<'py>, batch: &RecordBatch) -> PyResult<Bound<'py, PyCapsule>> {
    Ok(to_schema_pycapsule(py, batch.schema().as_ref())?)
}

/// A Python module an optional extra provides, or an ImportError naming the extra and the pip
/// commands that install it: this project's extra from its clone (PyPI's `aerospike-py` is
/// another project), or the library alone (its pip name is the module's for all of them).
pub(crate) fn import_extra<'py>(py: Python<'py>, module: &str, extra: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|_| {
        PyImportError::new_err(format!(
            "{module} is needed for this: pip install 'aerospike-py[{extra}]' from this project (in its clone: pip install '.[{extra}]'), or pip install {module}"
        ))
    })
}

/// An object with `__arrow_c_stream__` over `batch`, for `pyarrow.table(...)` and `polars.DataFrame(...)`.
pub(crate) fn exporter(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let schema = batch.schema();
    Ok(Bound::new(py, pyo3_arrow::PyTable::try_new(vec![batch], schema)?)?.into_any())
}

/// The rows of any Arrow stream exporter (pyarrow Table, Polars or pandas DataFrame) as records
/// to write; the metadata columns of our own exports are not written back as bins.
pub(crate) fn records_from_arrow(py: Python<'_>, data: &Bound<'_, PyAny>, key_column: &str) -> PyResult<Vec<columnar::from_arrow::RecordToWrite>> {
    let reader = pyo3_arrow::PyRecordBatchReader::extract(data.as_borrowed()).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("data must export Arrow (__arrow_c_stream__): a pyarrow Table, a Polars or pandas DataFrame, ...")
    })?;
    let batches: Vec<RecordBatch> = reader.into_reader()?.collect::<Result<_, _>>().map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let skip = [columnar::RESULT_CODE_COLUMN, columnar::GEN_COLUMN, columnar::TTL_COLUMN];
    py.detach(|| {
        let mut out = Vec::new();
        for batch in &batches {
            out.extend(columnar::from_arrow::records(batch, key_column, &skip)?);
        }
        Ok::<_, columnar::ColumnarError>(out)
    })
    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}
