//! Filter expressions from Python: the wire bytes that `aerospike_py.exp` compiles (an `Expr`,
//! whose `compile()` gives them, or the bytes themselves, or their base64 text) -> the crate's
//! `Expression`, which sends the bytes as they are.

use aerospike::expressions::{from_base64, from_packed_bytes, Expression};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::errors::param_error;

/// The largest expression accepted; the server's message limit is far beyond any real filter.
const MAX_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn expression_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Expression> {
    let compiled;
    let obj = if obj.hasattr("compile")? && !obj.is_instance_of::<PyBytes>() && !obj.is_instance_of::<PyString>() {
        compiled = obj.call_method0("compile")?;
        &compiled
    } else {
        obj
    };
    let bytes = if let Ok(b) = obj.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = obj.cast::<PyByteArray>() {
        b.to_vec()
    } else if let Ok(s) = obj.cast::<PyString>() {
        return from_base64(s.to_str()?).map_err(|e| param_error(format!("not a base64 expression: {e}")));
    } else {
        return Err(PyTypeError::new_err(format!(
            "an expression is built with aerospike_py.exp (or given as its compiled bytes), not {}",
            obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        )));
    };
    check(&bytes)?;
    Ok(from_packed_bytes(bytes))
}

/// A compiled expression is exactly one msgpack value (a command array, or a literal): refuse
/// bytes that are not, so that a mistake is reported here rather than as a server error.
fn check(bytes: &[u8]) -> PyResult<()> {
    if bytes.is_empty() {
        return Err(param_error("an expression cannot be empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(param_error(format!("the expression is {} bytes: at most {MAX_BYTES}", bytes.len())));
    }
    match wire::msgpack::skip(bytes) {
        Ok(end) if end == bytes.len() => Ok(()),
        _ => Err(param_error(format!(
            "these bytes are not a compiled expression (not one msgpack value; first byte {:#04x})",
            bytes[0]
        ))),
    }
}
