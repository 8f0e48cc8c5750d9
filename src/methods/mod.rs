//! The client methods, one file per family. Each file holds the twins side by side: the
//! `#[pymethods]` of `Client` (waits through `runtime::wait`) and of `AsyncClient` (returns an
//! awaitable through `runtime::spawn`), both running the same `ops` future.

mod admin;
mod batch;
mod index;
mod info;
mod kv;
mod query;
pub(crate) mod udf;

use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;

/// How a `Client` method hands back what it waited for: the Python object.
fn to_object<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<Py<PyAny>> {
    value.into_py_any(py)
}

/// How an `AsyncClient` method hands back its coroutine: as it is.
fn awaitable<'py>(_py: Python<'py>, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    Ok(value)
}
