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
    match skip(bytes, 0, 0) {
        Some(end) if end == bytes.len() => Ok(()),
        _ => Err(param_error(format!(
            "these bytes are not a compiled expression (not one msgpack value; first byte {:#04x})",
            bytes[0]
        ))),
    }
}

/// The offset just past the msgpack value at `pos`, or None when the bytes end early or are not
/// msgpack.
fn skip(b: &[u8], pos: usize, depth: usize) -> Option<usize> {
    if depth > 256 {
        return None;
    }
    let head = *b.get(pos)?;
    let be = |at: usize, n: usize| -> Option<usize> {
        let bytes = b.get(at..at + n)?;
        Some(bytes.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x)))
    };
    let items = |start: usize, count: usize, per: usize| -> Option<usize> {
        let mut at = start;
        for _ in 0..count.checked_mul(per)? {
            at = skip(b, at, depth + 1)?;
        }
        Some(at)
    };
    let data = |start: usize, len: usize| -> Option<usize> {
        let end = start.checked_add(len)?;
        (end <= b.len()).then_some(end)
    };
    match head {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => Some(pos + 1),
        0x80..=0x8f => items(pos + 1, usize::from(head & 0x0f), 2),
        0x90..=0x9f => items(pos + 1, usize::from(head & 0x0f), 1),
        0xa0..=0xbf => data(pos + 1, usize::from(head & 0x1f)),
        0xc4 | 0xd9 => data(pos + 2, be(pos + 1, 1)?),
        0xc5 | 0xda => data(pos + 3, be(pos + 1, 2)?),
        0xc6 | 0xdb => data(pos + 5, be(pos + 1, 4)?),
        0xc7 => data(pos + 3, be(pos + 1, 1)?),
        0xc8 => data(pos + 4, be(pos + 1, 2)?),
        0xc9 => data(pos + 6, be(pos + 1, 4)?),
        0xcc | 0xd0 => data(pos + 1, 1),
        0xcd | 0xd1 => data(pos + 1, 2),
        0xca | 0xce | 0xd2 => data(pos + 1, 4),
        0xcb | 0xcf | 0xd3 => data(pos + 1, 8),
        0xd4 => data(pos + 2, 1),
        0xd5 => data(pos + 2, 2),
        0xd6 => data(pos + 2, 4),
        0xd7 => data(pos + 2, 8),
        0xd8 => data(pos + 2, 16),
        0xdc => items(pos + 3, be(pos + 1, 2)?, 1),
        0xdd => items(pos + 5, be(pos + 1, 4)?, 1),
        0xde => items(pos + 3, be(pos + 1, 2)?, 2),
        0xdf => items(pos + 5, be(pos + 1, 4)?, 2),
        _ => None,
    }
}
