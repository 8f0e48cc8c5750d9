//! The fields of one operation dict, read with their types checked. Every field a decoder does
//! not read is an error at the end (`finish`), so a misspelt or misplaced key never goes
//! unnoticed; each error names the field.

use std::cell::Cell;

use aerospike::operations::cdt_context::CdtContext;
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyList, PyTuple};

use super::context::ctx_from_py;
use crate::convert::{bin_name_from_py, value_from_py};
use crate::errors::param_error;

/// The INVERTED bit of `LIST_RETURN_*`/`MAP_RETURN_*`.
pub(crate) const INVERTED: i64 = 0x10000;

pub(crate) struct Fields<'py> {
    entries: Vec<(String, Bound<'py, PyAny>, Cell<bool>)>,
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

impl<'py> Fields<'py> {
    pub(crate) fn new(dict: &Bound<'py, PyDict>) -> PyResult<Self> {
        let mut entries = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let key: String = key.extract().map_err(|_| PyTypeError::new_err("operation keys are str"))?;
            entries.push((key, value, Cell::new(false)));
        }
        Ok(Self { entries })
    }

    /// The raw value of `key`, marking it read.
    pub(crate) fn get(&self, key: &str) -> Option<&Bound<'py, PyAny>> {
        self.entries.iter().find(|(k, _, _)| k == key).map(|(_, v, used)| {
            used.set(true);
            v
        })
    }

    /// Accepts `key` without using it (a `val` of None on a read, say).
    pub(crate) fn ignore(&self, key: &str) {
        let _ = self.get(key);
    }

    /// A field that is absent or None.
    fn present(&self, key: &str) -> Option<&Bound<'py, PyAny>> {
        self.get(key).filter(|v| !v.is_none())
    }

    /// Every key was read by the decoder: anything else does not belong to this operation.
    pub(crate) fn finish(&self) -> PyResult<()> {
        match self.entries.iter().find(|(_, _, used)| !used.get()) {
            Some((key, _, _)) => Err(param_error(format!("unknown operation key {key:?} for this operation"))),
            None => Ok(()),
        }
    }

    /// The operator code, `"op"`.
    pub(crate) fn code(&self) -> PyResult<i64> {
        let value = self.get("op").ok_or_else(|| param_error("an operation needs \"op\""))?;
        if value.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err("\"op\" must be an OPERATOR_* int, not bool"));
        }
        value.extract::<i64>().map_err(|_| PyTypeError::new_err("\"op\" must be an OPERATOR_* int"))
    }

    pub(crate) fn opt_bin(&self) -> PyResult<Option<String>> {
        self.present("bin").map(bin_name_from_py).transpose()
    }

    /// The bin a CDT, bit, HLL or expression operation works on.
    pub(crate) fn bin(&self) -> PyResult<String> {
        self.opt_bin()?.ok_or_else(|| param_error("this operation needs a \"bin\""))
    }

    fn int_of(key: &str, value: &Bound<'_, PyAny>) -> PyResult<i64> {
        if value.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err(format!("{key:?} must be an int, not bool")));
        }
        if value.is_instance_of::<pyo3::types::PyInt>() {
            return value.extract::<i64>().map_err(|_| param_error(format!("{key:?} is out of the signed 64-bit range")));
        }
        Err(PyTypeError::new_err(format!("{key:?} must be an int, not {}", type_name(value))))
    }

    pub(crate) fn opt_int(&self, key: &str) -> PyResult<Option<i64>> {
        self.present(key).map(|v| Self::int_of(key, v)).transpose()
    }

    pub(crate) fn int(&self, key: &str) -> PyResult<i64> {
        self.opt_int(key)?.ok_or_else(|| param_error(format!("this operation needs {key:?}")))
    }

    /// An int flag field in `0..=max` (0 when absent).
    pub(crate) fn flags(&self, key: &str, max: i64) -> PyResult<i64> {
        let n = self.opt_int(key)?.unwrap_or(0);
        if !(0..=max).contains(&n) {
            return Err(param_error(format!("{key:?} {n} is not a valid combination of flags (0..={max})")));
        }
        Ok(n)
    }

    pub(crate) fn bool_or(&self, key: &str, default: bool) -> PyResult<bool> {
        match self.present(key) {
            None => Ok(default),
            Some(v) => v
                .cast::<PyBool>()
                .map(|b| b.is_true())
                .map_err(|_| PyTypeError::new_err(format!("{key:?} must be a bool, not {}", type_name(v)))),
        }
    }

    /// A value field; None is the nil value. Absent is an error.
    pub(crate) fn value(&self, key: &str) -> PyResult<Value> {
        let v = self.get(key).ok_or_else(|| param_error(format!("this operation needs {key:?}")))?;
        value_from_py(v).map_err(|e| crate::errors::with_context(v.py(), e, &format!("{key:?}")))
    }

    /// A value field that may be absent (None when absent; a None value is nil).
    pub(crate) fn opt_value(&self, key: &str) -> PyResult<Option<Value>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => value_from_py(v).map(Some).map_err(|e| crate::errors::with_context(v.py(), e, &format!("{key:?}"))),
        }
    }

    /// A list of values (a list or tuple).
    pub(crate) fn values(&self, key: &str) -> PyResult<Vec<Value>> {
        let v = self.get(key).ok_or_else(|| param_error(format!("this operation needs {key:?}")))?;
        if !(v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()) {
            return Err(PyTypeError::new_err(format!("{key:?} must be a list, not {}", type_name(v))));
        }
        match value_from_py(v).map_err(|e| crate::errors::with_context(v.py(), e, &format!("{key:?}")))? {
            Value::List(items) => Ok(items),
            _ => Err(PyTypeError::new_err(format!("{key:?} must be a list"))),
        }
    }

    /// A bytes field (bytes or bytearray).
    pub(crate) fn bytes(&self, key: &str) -> PyResult<Vec<u8>> {
        let v = self.present(key).ok_or_else(|| param_error(format!("this operation needs {key:?}")))?;
        if let Ok(b) = v.cast::<PyBytes>() {
            return Ok(b.as_bytes().to_vec());
        }
        if let Ok(b) = v.cast::<PyByteArray>() {
            return Ok(b.to_vec());
        }
        Err(PyTypeError::new_err(format!("{key:?} must be bytes, not {}", type_name(v))))
    }

    /// A `*_RETURN_*` return type from `"return_type"`, one of `allowed`, with the INVERTED bit
    /// taken from the return type or from `"inverted"`; `inverted_ok` is false for the ops that
    /// select a single element, where the server refuses it.
    pub(crate) fn return_type(&self, allowed: &[i64], inverted_ok: bool) -> PyResult<i64> {
        let bits = self.int("return_type")?;
        let inverted = (bits & INVERTED) != 0 || self.bool_or("inverted", false)?;
        let selector = bits & !INVERTED;
        if !allowed.contains(&selector) {
            return Err(param_error(format!("\"return_type\" {bits} is not a return type this operation takes (one of {allowed:?}, optionally | INVERTED)")));
        }
        if inverted && !inverted_ok {
            return Err(param_error("INVERTED applies to range and list selections, not to a single index, rank or key"));
        }
        Ok(if inverted { selector | INVERTED } else { selector })
    }

    /// The nested context, `"ctx"` (empty when absent).
    pub(crate) fn ctx(&self) -> PyResult<Vec<CdtContext>> {
        match self.present("ctx") {
            None => Ok(Vec::new()),
            Some(v) => ctx_from_py(v).map_err(|e| crate::errors::with_context(v.py(), e, "\"ctx\"")),
        }
    }

    /// A policy field that is a dict (None when absent), or an int taken as `{int_key: n}`.
    pub(crate) fn policy(&self, key: &str) -> PyResult<Option<PolicyDict<'py>>> {
        match self.present(key) {
            None => Ok(None),
            Some(v) => {
                if let Ok(d) = v.cast::<PyDict>() {
                    return Ok(Some(PolicyDict::Dict(d.clone())));
                }
                Ok(Some(PolicyDict::Int(Self::int_of(key, v).map_err(|_| {
                    PyTypeError::new_err(format!("{key:?} must be a dict or an int, not {}", type_name(v)))
                })?)))
            }
        }
    }
}

/// A policy as given: a dict of settings, or the write flags alone.
pub(crate) enum PolicyDict<'py> {
    Dict(Bound<'py, PyDict>),
    Int(i64),
}

impl PolicyDict<'_> {
    /// The settings as (key, int) pairs, checking each key against `allowed`; an int policy is
    /// `(flags_key, n)`.
    pub(crate) fn ints(&self, what: &str, allowed: &[&str], flags_key: &str) -> PyResult<Vec<(String, i64)>> {
        match self {
            PolicyDict::Int(n) => Ok(vec![(flags_key.to_owned(), *n)]),
            PolicyDict::Dict(d) => {
                let mut out = Vec::with_capacity(d.len());
                for (k, v) in d.iter() {
                    let k: String = k.extract().map_err(|_| PyTypeError::new_err(format!("{what} keys are str")))?;
                    if !allowed.contains(&k.as_str()) {
                        return Err(param_error(format!("unknown {what} key {k:?}")));
                    }
                    if v.is_none() {
                        continue;
                    }
                    let n = if v.is_instance_of::<PyBool>() {
                        i64::from(v.cast::<PyBool>().map(|b| b.is_true()).unwrap_or(false))
                    } else {
                        v.extract::<i64>().map_err(|_| {
                            PyTypeError::new_err(format!("{what}[{k:?}] must be an int, not {}", type_name(&v)))
                        })?
                    };
                    out.push((k, n));
                }
                Ok(out)
            }
        }
    }
}

/// The Python type name of a value, for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Nil => "None",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::String(_) => "str",
        Value::Blob(_) => "bytes",
        Value::List(_) => "list",
        Value::HashMap(_) | Value::OrderedMap(_) | Value::SortedMap(_) => "dict",
        Value::GeoJson(_) => "GeoJSON",
        Value::Hll(_) => "HyperLogLog",
        _ => "an unsupported value",
    }
}
