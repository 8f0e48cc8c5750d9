//! Operation dicts (`{"op": OPERATOR_*, "bin": name, "val": value, ...}`) -> `aerospike`
//! operations, checked before anything is sent. The scalar operators are decoded here; the CDT
//! list and map, bit, HLL and expression helper modules produce dicts with their own operator
//! codes, decoded in the sibling modules, so each operator code has exactly one decoder.

mod bit;
pub(crate) mod context;
mod exp;
mod fields;
mod hll;
mod list;
mod map;

use aerospike::operations::{self as op, Operation};
use aerospike::{Bin, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{param_error, with_context};
use fields::Fields;

// The operator codes of `aerospike_py.constants`.
const OPERATOR_READ: i64 = 1;
const OPERATOR_WRITE: i64 = 2;
const OPERATOR_INCR: i64 = 5;
const OPERATOR_APPEND: i64 = 9;
const OPERATOR_PREPEND: i64 = 10;
const OPERATOR_TOUCH: i64 = 11;
const OPERATOR_DELETE: i64 = 12;

/// The most operations the server accepts in one message.
const MAX_OPS: usize = 32_768;

/// What an operation answers with, so that results can be paired with bins.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum OpAnswer {
    /// A write: answers nothing the caller asked for.
    Nothing,
    /// A read that answers nothing (a selection with return type NONE).
    Unanswered,
    /// A read of one bin: a nil answer means the bin does not exist.
    Bin(String),
    /// A read of every bin.
    AllBins,
    /// A CDT, bit, HLL or expression op that answers a value for its bin; nil is a real answer
    /// (an empty selection, a missing map key), not a missing bin.
    Value(String),
}

/// Decoded operations, each with what it answers.
pub(crate) struct ParsedOps {
    pub ops: Vec<Operation>,
    pub answers: Vec<OpAnswer>,
    /// No operation writes: a batch sends the rows as reads (a write row must write).
    pub reads_only: bool,
}

pub(crate) fn ops_from_py(obj: &Bound<'_, PyAny>) -> PyResult<ParsedOps> {
    let items = crate::convert::sequence(obj, "ops")?;
    if items.is_empty() {
        return Err(param_error("ops is empty: operate needs at least one operation"));
    }
    if items.len() > MAX_OPS {
        return Err(param_error(format!("{} operations is more than the server's limit of {MAX_OPS}", items.len())));
    }
    let mut parsed = ParsedOps { ops: Vec::with_capacity(items.len()), answers: Vec::with_capacity(items.len()), reads_only: true };
    for (index, item) in items.iter().enumerate() {
        let (operation, answer, reads) =
            op_from_py(item).map_err(|e| with_context(item.py(), e, &format!("ops[{index}]")))?;
        parsed.reads_only &= reads;
        parsed.ops.push(operation);
        parsed.answers.push(answer);
    }
    Ok(parsed)
}

/// The operation, what it answers, and whether it only reads.
fn op_from_py(item: &Bound<'_, PyAny>) -> PyResult<(Operation, OpAnswer, bool)> {
    let dict = item.cast::<PyDict>().map_err(|_| PyTypeError::new_err("an operation is a dict {\"op\": OPERATOR_*, \"bin\": ..., \"val\": ...}"))?;
    let fields = Fields::new(dict)?;
    let code = fields.code()?;
    let decoded = match code {
        1001..=1999 => list::decode(code, &fields)?,
        2001..=2999 => map::decode(code, &fields)?,
        3001..=3999 => hll::decode(code, &fields)?,
        4001..=4999 => bit::decode(code, &fields)?,
        5001..=5999 => exp::decode(code, &fields)?,
        _ => scalar(code, &fields)?,
    };
    fields.finish()?;
    let reads = match code {
        1001..=1999 => list::is_read(code),
        2001..=2999 => map::is_read(code),
        3001..=3999 => hll::is_read(code),
        4001..=4999 => bit::is_read(code),
        5001..=5999 => exp::is_read(code),
        _ => code == OPERATOR_READ,
    };
    Ok((decoded.0, decoded.1, reads))
}

/// The basic operators: read, write, increment, append/prepend, touch, delete.
fn scalar(code: i64, fields: &Fields<'_>) -> PyResult<(Operation, OpAnswer)> {
    let bin = fields.opt_bin()?;
    let need_bin = |bin: Option<String>| bin.ok_or_else(|| param_error("this operation needs a \"bin\""));
    Ok(match code {
        OPERATOR_READ => {
            fields.ignore("val");
            match bin {
                Some(name) => (op::get_bin(name.clone()), OpAnswer::Bin(name)),
                None => (op::get(), OpAnswer::AllBins),
            }
        }
        OPERATOR_WRITE => {
            let name = need_bin(bin)?;
            let v = fields.opt_value("val")?.unwrap_or(Value::Nil);
            (op::put(&Bin::new(name, v)), OpAnswer::Nothing)
        }
        OPERATOR_INCR => {
            let name = need_bin(bin)?;
            let v = fields.value("val")?;
            if !matches!(v, Value::Int(_) | Value::Float(_)) {
                return Err(PyTypeError::new_err(format!("increment of bin {name:?} needs an int or float \"val\"")));
            }
            (op::add(&Bin::new(name, v)), OpAnswer::Nothing)
        }
        OPERATOR_APPEND | OPERATOR_PREPEND => {
            let name = need_bin(bin)?;
            let v = fields.value("val")?;
            if !matches!(v, Value::String(_) | Value::Blob(_)) {
                return Err(PyTypeError::new_err(format!("append/prepend to bin {name:?} needs a str or bytes \"val\"")));
            }
            let bin = Bin::new(name, v);
            (if code == OPERATOR_APPEND { op::append(&bin) } else { op::prepend(&bin) }, OpAnswer::Nothing)
        }
        OPERATOR_TOUCH | OPERATOR_DELETE => {
            fields.ignore("val");
            (if code == OPERATOR_TOUCH { op::touch() } else { op::delete() }, OpAnswer::Nothing)
        }
        other => return Err(param_error(format!("unknown operator {other}"))),
    })
}
