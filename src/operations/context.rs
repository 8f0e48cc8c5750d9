//! Nested CDT contexts: `ctx=[(id, value), ...]` (the `CDTContext` steps of
//! `aerospike_py.cdt_ctx`) -> the crate's `CdtContext`s. `id` is the server's context code with
//! the create flags or'ed in, exactly as the steps go on the wire.

use aerospike::operations::cdt_context::{
    ctx_list_index, ctx_list_index_create, ctx_list_rank, ctx_list_value, ctx_map_index, ctx_map_key,
    ctx_map_key_create, ctx_map_rank, ctx_map_value, CdtContext,
};
use aerospike::operations::lists::ListOrderType;
use aerospike::operations::maps::MapOrder;
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyTuple};

use crate::convert::value_from_py;
use crate::errors::param_error;

const LIST_INDEX: i64 = 0x10;
const LIST_RANK: i64 = 0x11;
const LIST_VALUE: i64 = 0x13;
const MAP_INDEX: i64 = 0x20;
const MAP_RANK: i64 = 0x21;
const MAP_KEY: i64 = 0x22;
const MAP_VALUE: i64 = 0x23;
/// The create flags of `*_create` steps.
const CREATE_UNORDERED: i64 = 0x40;
const CREATE_PADDED: i64 = 0x80;
const CREATE_ORDERED: i64 = 0xc0;

/// The deepest context the server accepts is far below this; anything longer is a mistake.
const MAX_DEPTH: usize = 256;

pub(crate) fn ctx_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<CdtContext>> {
    let steps: Vec<Bound<'_, PyAny>> = if let Ok(list) = obj.cast::<PyList>() {
        list.iter().collect()
    } else if obj.is_instance_of::<PyTuple>() && !is_step(obj) {
        obj.cast::<PyTuple>()?.iter().collect()
    } else {
        return Err(PyTypeError::new_err("ctx must be a list of cdt_ctx steps"));
    };
    if steps.len() > MAX_DEPTH {
        return Err(param_error(format!("ctx has {} steps: at most {MAX_DEPTH}", steps.len())));
    }
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| step_from_py(step).map_err(|e| crate::errors::with_context(step.py(), e, &format!("ctx[{i}]"))))
        .collect()
}

/// A `CDTContext` is itself a 2-tuple whose first item is an int.
fn is_step(obj: &Bound<'_, PyAny>) -> bool {
    obj.cast::<PyTuple>().is_ok_and(|t| t.len() == 2 && t.get_item(0).is_ok_and(|i| i.extract::<i64>().is_ok()))
}

fn step_from_py(step: &Bound<'_, PyAny>) -> PyResult<CdtContext> {
    let tuple = step
        .cast::<PyTuple>()
        .map_err(|_| PyTypeError::new_err("a ctx step is a cdt_ctx CDTContext (id, value)"))?;
    if tuple.len() != 2 {
        return Err(param_error("a ctx step is a cdt_ctx CDTContext (id, value)"));
    }
    let id_obj = tuple.get_item(0)?;
    if id_obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err("a ctx step's id must be an int"));
    }
    let id: i64 = id_obj.extract().map_err(|_| PyTypeError::new_err("a ctx step's id must be an int"))?;
    let raw = tuple.get_item(1)?;
    let int = || -> PyResult<i64> {
        if raw.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err("this ctx step selects by an int index or rank, not bool"));
        }
        raw.extract::<i64>()
            .map_err(|_| PyTypeError::new_err("this ctx step selects by an int index or rank"))
    };
    let value = || -> PyResult<Value> { value_from_py(&raw) };
    let base = id & 0x3f;
    let create = id & 0xc0;
    Ok(match (base, create) {
        (LIST_INDEX, 0) => ctx_list_index(int()?),
        (LIST_INDEX, CREATE_UNORDERED) => ctx_list_index_create(int()?, ListOrderType::Unordered, false),
        (LIST_INDEX, CREATE_PADDED) => ctx_list_index_create(int()?, ListOrderType::Unordered, true),
        (LIST_INDEX, CREATE_ORDERED) => ctx_list_index_create(int()?, ListOrderType::Ordered, false),
        (LIST_RANK, 0) => ctx_list_rank(int()?),
        (LIST_VALUE, 0) => ctx_list_value(value()?),
        (MAP_INDEX, 0) => ctx_map_index(int()?),
        (MAP_RANK, 0) => ctx_map_rank(int()?),
        (MAP_KEY, 0) => ctx_map_key(map_key(value()?)?),
        (MAP_KEY, CREATE_UNORDERED) => ctx_map_key_create(map_key(value()?)?, MapOrder::Unordered),
        (MAP_KEY, CREATE_PADDED) => ctx_map_key_create(map_key(value()?)?, MapOrder::KeyOrdered),
        (MAP_KEY, CREATE_ORDERED) => ctx_map_key_create(map_key(value()?)?, MapOrder::KeyValueOrdered),
        (MAP_VALUE, 0) => ctx_map_value(value()?),
        _ => return Err(param_error(format!("unknown ctx id {id:#x}: use the cdt_ctx helpers"))),
    })
}

/// Map keys are int, str or bytes.
fn map_key(value: Value) -> PyResult<Value> {
    match value {
        Value::Int(_) | Value::String(_) | Value::Blob(_) => Ok(value),
        other => Err(PyTypeError::new_err(format!("a map key ctx step needs an int, str or bytes key, not {}", super::fields::kind(&other)))),
    }
}
