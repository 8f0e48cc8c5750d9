//! Arrow columns -> NumPy, the only file of the extension with `unsafe`: a fixed-width column
//! without nulls becomes a read-only view whose base object owns the Arrow buffer (no copy); a
//! structured or 2-D result is one interleaving copy made in Rust without the GIL, handed to
//! NumPy without a second copy. Nulls are masked from the validity bitmap, never zero-filled.
#![allow(unsafe_code)]

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type, UInt32Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use columnar::numpy::{fill, FieldLayout, Layout, Scalar};
use numpy::ndarray::ArrayView1;
use numpy::PyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Keeps an Arrow buffer alive for as long as a NumPy view of it exists.
#[pyclass(frozen, module = "aerospike_py._native")]
pub(crate) struct ColumnOwner {
    #[allow(dead_code)] // never read: holding it is the point
    column: ArrayRef,
}

pub(crate) fn numpy(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    crate::arrow_export::import_extra(py, "numpy", "numpy")
}

/// A primitive column as NumPy: a read-only view of the Arrow buffer, masked from the validity
/// bitmap when it has nulls. None for columns that are not fixed-width numbers.
pub(crate) fn column_view<'py>(py: Python<'py>, column: &ArrayRef) -> PyResult<Option<Bound<'py, PyAny>>> {
    // rust-numpy panics when NumPy is missing: check first, and name the extra.
    numpy(py)?;
    let Some(data) = view(py, column)? else { return Ok(None) };
    data.getattr("flags")?.setattr("writeable", false)?;
    match column.logical_nulls() {
        Some(nulls) if nulls.null_count() > 0 => {
            let mask: Vec<bool> = nulls.iter().map(|valid| !valid).collect();
            let mask = PyArray1::from_vec(py, mask);
            Ok(Some(numpy(py)?.getattr("ma")?.call_method1("MaskedArray", (data, mask))?))
        }
        _ => Ok(Some(data)),
    }
}

/// A zero-copy view of a primitive column's values, or None for other types.
fn view<'py>(py: Python<'py>, column: &ArrayRef) -> PyResult<Option<Bound<'py, PyAny>>> {
    macro_rules! borrowed {
        ($arrow:ty) => {{
            let values = column.as_primitive::<$arrow>().values();
            let view = ArrayView1::from(values.as_ref());
            let owner = Bound::new(py, ColumnOwner { column: column.clone() })?;
            // SAFETY: Arrow buffers are immutable and never reallocated; `owner` holds this one
            // (through `column`) and NumPy holds `owner` as the array's base for its lifetime.
            let array = unsafe { PyArray1::borrow_from_array(&view, owner.into_any()) };
            Some(array.into_any())
        }};
    }
    Ok(match column.data_type() {
        DataType::Int64 => borrowed!(Int64Type),
        DataType::Float64 => borrowed!(Float64Type),
        DataType::Int32 => borrowed!(Int32Type),
        DataType::UInt32 => borrowed!(UInt32Type),
        DataType::Float32 => borrowed!(Float32Type),
        _ => None,
    })
}

/// `to_numpy` of a stream's batches (a query): the batches joined into one, then as `to_numpy`.
pub(crate) fn batches_to_numpy<'py>(py: Python<'py>, schema: arrow_schema::SchemaRef, batches: Vec<RecordBatch>, bins: &[String], dtype: &Bound<'py, PyAny>, fill_value: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let joined = match batches.len() {
        1 => batches.into_iter().next().unwrap_or_else(|| RecordBatch::new_empty(schema)),
        _ => py.detach(|| arrow_select::concat::concat_batches(&schema, &batches)).map_err(|e| PyValueError::new_err(e.to_string()))?,
    };
    to_numpy(py, &joined, bins, dtype, fill_value)
}

/// `to_numpy(dtype)`: a structured dtype (fields named after bins, sub-array fields for
/// fixed-length lists) or a plain dtype giving an (n, k) array of the bins in `bins` order.
pub(crate) fn to_numpy<'py>(py: Python<'py>, batch: &RecordBatch, bins: &[String], dtype: &Bound<'py, PyAny>, fill_value: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    to_numpy_with(py, bins, dtype, fill_value, |layout| fill(batch, layout))
}

/// `to_numpy` with the buffer filled by `fill_rows` (from Arrow columns, or straight from a
/// batch's packed rows), run without the GIL.
pub(crate) fn to_numpy_with<'py>(
    py: Python<'py>,
    bins: &[String],
    dtype: &Bound<'py, PyAny>,
    fill_value: Option<&Bound<'py, PyAny>>,
    fill_rows: impl FnOnce(&Layout) -> Result<columnar::numpy::Filled, columnar::ColumnarError> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let np = numpy(py)?;
    let dtype = np.call_method1("dtype", (dtype,))?;
    let structured = !dtype.getattr("names")?.is_none();
    let (layout, columns) = if structured { structured_layout(&dtype)? } else { plain_layout(&dtype, bins)? };
    let filled = py.detach(|| fill_rows(&layout)).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let rows = filled.data.len().checked_div(layout.itemsize).unwrap_or(0);
    let bytes = PyArray1::from_vec(py, filled.data);
    let records = bytes.call_method1("view", (dtype,))?;
    let data = if structured { records } else { records.call_method1("reshape", ((rows, columns),))? };
    if filled.masked == 0 {
        return Ok(data);
    }
    let mask = PyArray1::from_vec(py, filled.mask).call_method1("reshape", ((rows, layout.fields.len()),))?;
    let helper = py.import("aerospike_py._numpy")?;
    helper.call_method1("masked", (data, mask, structured, fill_value))
}

fn scalar(dtype: &Bound<'_, PyAny>) -> PyResult<Scalar> {
    let kind: String = dtype.getattr("kind")?.extract()?;
    let itemsize: usize = dtype.getattr("itemsize")?.extract()?;
    let byteorder: String = dtype.getattr("byteorder")?.extract()?;
    if byteorder == ">" {
        return Err(PyValueError::new_err(format!("{dtype} is big-endian; use a native-order dtype")));
    }
    Ok(match (kind.as_str(), itemsize) {
        ("b", 1) => Scalar::Bool,
        ("i", 1 | 2 | 4 | 8) => Scalar::Int { bytes: itemsize, signed: true },
        ("u", 1 | 2 | 4 | 8) => Scalar::Int { bytes: itemsize, signed: false },
        ("f", 4 | 8) => Scalar::Float { bytes: itemsize },
        ("U", n) if n > 0 => Scalar::Unicode { chars: n / 4 },
        ("S", n) if n > 0 => Scalar::Bytes { len: n },
        ("U" | "S", _) => return Err(PyValueError::new_err(format!("{dtype} has no length: give one, e.g. U32 or S16"))),
        _ => return Err(PyTypeError::new_err(format!("to_numpy cannot fill {dtype} fields; use bool, ints, floats, U<n> or S<n>"))),
    })
}

pub(crate) fn structured_layout(dtype: &Bound<'_, PyAny>) -> PyResult<(Layout, usize)> {
    let names: Vec<String> = dtype.getattr("names")?.extract()?;
    let fields = dtype.getattr("fields")?;
    let mut layout = Layout { itemsize: dtype.getattr("itemsize")?.extract()?, fields: Vec::with_capacity(names.len()) };
    for name in &names {
        let entry = fields.get_item(name)?;
        let entry = entry.cast::<PyTuple>()?;
        let field_dtype = entry.get_item(0)?;
        let offset: usize = entry.get_item(1)?.extract()?;
        let (base, count) = match field_dtype.getattr("subdtype")?.extract::<Option<(Bound<'_, PyAny>, Vec<usize>)>>()? {
            Some((base, shape)) => (base, shape.iter().product()),
            None => (field_dtype, 1),
        };
        layout.fields.push(FieldLayout { name: name.clone(), column: name.clone(), offset, scalar: scalar(&base)?, count });
    }
    Ok((layout, names.len()))
}

fn plain_layout(dtype: &Bound<'_, PyAny>, bins: &[String]) -> PyResult<(Layout, usize)> {
    if bins.is_empty() {
        return Err(PyValueError::new_err("a plain dtype fills an (n, k) array of bins: read with bins=[...] or pass bins= to to_numpy"));
    }
    let scalar = scalar(dtype)?;
    let size = scalar.size();
    let fields = bins
        .iter()
        .enumerate()
        .map(|(i, bin)| FieldLayout { name: bin.clone(), column: bin.clone(), offset: i * size, scalar, count: 1 })
        .collect();
    Ok((Layout { itemsize: size * bins.len(), fields }, bins.len()))
}

/// The rows of a structured array as records to write (`batch_write_numpy`), read in Rust
/// without the GIL from one contiguous copy of the array's bytes.
pub(crate) fn records_from_numpy(py: Python<'_>, data: &Bound<'_, PyAny>, key_field: &str) -> PyResult<Vec<columnar::from_arrow::RecordToWrite>> {
    let np = numpy(py)?;
    let array = np.call_method1("ascontiguousarray", (data,))?;
    let dtype = array.getattr("dtype")?;
    if dtype.getattr("names")?.is_none() {
        return Err(PyTypeError::new_err("batch_write_numpy takes a structured array (one field per bin and a key field)"));
    }
    if array.getattr("ndim")?.extract::<usize>()? != 1 {
        return Err(PyValueError::new_err("batch_write_numpy takes a 1-D structured array"));
    }
    let (layout, _) = structured_layout(&dtype)?;
    let rows: usize = array.len()?;
    let bytes: Vec<u8> = array.call_method0("tobytes")?.extract()?;
    py.detach(|| columnar::numpy::records(&bytes, rows, &layout, key_field)).map_err(|e| PyValueError::new_err(e.to_string()))
}
