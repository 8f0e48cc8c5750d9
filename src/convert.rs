//! Python values <-> `aerospike::Value`, keys and records: the only converter in the extension.
//! Nothing is lost either way: the full int64 range, bytes vs str, bool vs int, nested lists and
//! maps with their order, None, GeoJSON and HyperLogLog; anything else is refused with an error
//! that names the value, before anything is sent.

use aerospike::{Key, Record, Value};
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple,
    PyType,
};

use columnar::cell::{Cell, Scalar};
use columnar::packed::{PackedRow, PackedRows};

use crate::errors::param_error;
use crate::operations::OpAnswer;

/// Deeper nesting than this is refused rather than risking the stack (and self-containing lists).
const MAX_DEPTH: usize = 64;

/// A class of `aerospike_py.types`, imported once per interpreter.
fn types_class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "aerospike_py.types", name)
}

macro_rules! types_class {
    ($fn_name:ident, $name:literal) => {
        fn $fn_name(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
            static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
            types_class(py, &CELL, $name)
        }
    };
}
/// A result NamedTuple (`Key`, `Record`, ...) built by `tuple.__new__(cls, items)`: the same
/// object as `cls(*items)`, without running the Python-level `__new__` NamedTuple generates
/// (measured: 0.21 against 0.37 µs each, and a get answers three of them).
pub(crate) fn named_tuple<'py>(cls: &Bound<'py, PyType>, items: impl IntoPyObject<'py, Target = PyTuple>) -> PyResult<Bound<'py, PyAny>> {
    static TUPLE_NEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = cls.py();
    let tuple_new = TUPLE_NEW.get_or_try_init(py, || py.get_type::<PyTuple>().getattr("__new__").map(Bound::unbind))?;
    let items: Bound<'py, PyTuple> = pyo3::BoundObject::into_bound(items.into_pyobject(py).map_err(Into::into)?);
    tuple_new.bind(py).call1((cls, items))
}

/// Python's cyclic GC paused while a bulk result is built, and restored as it was when dropped.
/// Every dict and list made counts towards a collection, and while a 100k-row result grows the
/// collections it triggers scan it again and again (a pure-Python build of 100k bins dicts: 1.2-1.4
/// s with the GC off against 1.9-2.9 s on). Held with the GIL, for one build: never across a wait.
pub(crate) struct GcPaused<'py>(Option<Bound<'py, PyAny>>);

impl<'py> GcPaused<'py> {
    pub(crate) fn new(py: Python<'py>) -> Self {
        static GC: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
        let paused = || -> PyResult<Option<Bound<'py, PyAny>>> {
            let gc = GC.get_or_try_init(py, || py.import("gc").map(Bound::unbind))?.bind(py);
            if !gc.call_method0("isenabled")?.is_truthy()? {
                return Ok(None);
            }
            gc.call_method0("disable")?;
            Ok(Some(gc.clone().into_any()))
        };
        // Pausing is only an optimisation: if the gc module misbehaves, build with it running.
        Self(paused().unwrap_or(None))
    }
}

impl Drop for GcPaused<'_> {
    fn drop(&mut self) {
        if let Some(gc) = self.0.take() {
            let _ = gc.call_method0("enable");
        }
    }
}

types_class!(key_class, "Key");
types_class!(meta_class, "RecordMetadata");
types_class!(record_class, "Record");
types_class!(exists_class, "ExistsResult");
types_class!(bin_tuple_class, "BinTuple");
types_class!(ordered_class, "OperateOrderedResult");
types_class!(geojson_class, "GeoJSON");
types_class!(hll_class, "HyperLogLog");

// ---------------------------------------------------------------------------------------------
// Python -> Aerospike

/// A bin value from Python.
pub(crate) fn value_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    value_at_depth(obj, 0)
}

fn value_at_depth(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(param_error(format!(
            "value is nested deeper than {MAX_DEPTH} levels (a list or dict that contains itself?)"
        )));
    }
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Nil);
    }
    // bool before int: a Python bool is an int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_from_py(obj).map(Value::Int);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::from(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        if obj.is_instance(hll_class(py)?)? {
            return Ok(Value::Hll(b.as_bytes().to_vec()));
        }
        return Ok(Value::Blob(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Value::Blob(b.to_vec()));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return Ok(Value::Blob(obj.call_method0("tobytes")?.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for item in list.iter() {
            out.push(value_at_depth(&item, depth + 1)?);
        }
        return Ok(Value::List(out));
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        let mut out = Vec::with_capacity(tuple.len());
        for item in tuple.iter() {
            out.push(value_at_depth(&item, depth + 1)?);
        }
        return Ok(Value::List(out));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut out = aerospike::IndexMap::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            out.insert(map_key_from_py(&k)?, value_at_depth(&v, depth + 1)?);
        }
        return Ok(Value::OrderedMap(out));
    }
    if obj.is_instance(geojson_class(py)?)? {
        let text: String = obj.getattr("json")?.extract()?;
        return Ok(Value::GeoJson(text));
    }
    if let Some(plain) = numpy_to_python(obj)? {
        return value_at_depth(&plain, depth);
    }
    Err(PyTypeError::new_err(format!(
        "cannot store a value of type {}: Aerospike stores None, bool, int, float, str, bytes, \
         list, dict, GeoJSON and HyperLogLog",
        obj.get_type().name()?
    )))
}

/// A NumPy scalar as the Python value it equals (`np.int64(5)` -> `5`, `np.float32(0.5)` -> `0.5`,
/// `np.bool_(True)` -> `True`), and a NumPy array as the nested lists `tolist()` gives, so both are
/// stored exactly as that Python value would be. `None` for anything not from NumPy. (`np.float64`,
/// `np.str_` and `np.bytes_` subclass float, str and bytes, and never reach here.)
fn numpy_to_python<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let ty = obj.get_type();
    if !ty.module().is_ok_and(|m| m.to_str().is_ok_and(|m| m == "numpy")) {
        return Ok(None);
    }
    let method = if obj.hasattr("ndim")? && obj.getattr("ndim")?.extract::<usize>().unwrap_or(0) > 0 { "tolist" } else { "item" };
    if !obj.hasattr(method)? {
        return Ok(None);
    }
    let plain = obj.call_method0(method)?;
    // item() of a datetime64 or object scalar can give back another NumPy object: refuse those.
    Ok((!plain.get_type().is(&ty)).then_some(plain))
}

/// A signed 64-bit integer, or an error that says why the value does not fit.
fn int_from_py(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    obj.extract::<i64>().map_err(|_| {
        PyOverflowError::new_err(format!(
            "integer {} is out of range: Aerospike integers are signed 64-bit",
            obj.repr().map_or_else(|_| "?".to_owned(), |r| r.to_string())
        ))
    })
}

/// Map keys are limited to int, str and bytes: the server refuses any other type.
fn map_key_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Some(plain) = numpy_to_python(obj)? {
        return map_key_from_py(&plain);
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return int_from_py(obj).map(Value::Int);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Blob(b.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "map key {} ({}) is not allowed: Aerospike map keys are int, str or bytes",
        obj.repr()?,
        obj.get_type().name()?
    )))
}

/// A bin name: a str of at most 15 bytes (the server's limit).
pub(crate) fn bin_name_from_py(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let name: String = obj.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "bin names are str, not {}",
            obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    })?;
    check_bin_name(&name)?;
    Ok(name)
}

pub(crate) fn check_bin_name(name: &str) -> PyResult<()> {
    if name.len() > 15 {
        return Err(param_error(format!(
            "bin name {name:?} is {} bytes long: Aerospike bin names are at most 15 bytes",
            name.len()
        )));
    }
    Ok(())
}

/// The bins of a put: a dict of bin name -> value.
pub(crate) fn bins_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<aerospike::Bin>> {
    let dict = obj.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "bins must be a dict of bin name -> value, not {}",
            obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    })?;
    let mut bins = Vec::with_capacity(dict.len());
    for (name, value) in dict.iter() {
        let name = bin_name_from_py(&name)?;
        let value = value_from_py(&value).map_err(|e| crate::errors::with_context(obj.py(), e, &format!("bin {name:?}")))?;
        bins.push(aerospike::Bin::new(name, value));
    }
    Ok(bins)
}

/// A key tuple: `(namespace, set, pk)` or `(namespace, set, pk_or_None, digest)`.
/// The 20-byte RIPEMD-160 digest that locates the record `(namespace, set, key)`, as the
/// official client's `aerospike.calc_digest` gives it (a bytearray). No I/O.
///
/// >>> import aerospike_py as aerospike
/// >>> len(aerospike.calc_digest("test", "demo", 1))
/// 20
#[pyfunction]
pub(crate) fn calc_digest<'py>(namespace: &Bound<'py, PyAny>, set: &Bound<'py, PyAny>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, pyo3::types::PyByteArray>> {
    let py = key.py();
    let tuple = PyTuple::new(py, [namespace.clone(), set.clone(), key.clone()])?;
    Ok(pyo3::types::PyByteArray::new(py, &key_from_py(tuple.as_any())?.digest()))
}

pub(crate) fn key_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Key> {
    let tuple = obj.cast::<PyTuple>().map_err(|_| {
        PyTypeError::new_err(format!(
            "a key is a tuple (namespace, set, pk) or (namespace, set, None, digest), not {}",
            obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    })?;
    if !(3..=4).contains(&tuple.len()) {
        return Err(param_error(format!(
            "a key is (namespace, set, pk) or (namespace, set, None, digest); got {} items",
            tuple.len()
        )));
    }
    let namespace: String = tuple
        .get_item(0)?
        .extract()
        .map_err(|_| PyTypeError::new_err("the key's namespace must be a str"))?;
    if namespace.is_empty() || namespace.len() > 31 {
        return Err(param_error(format!(
            "namespace {namespace:?} is invalid: names are 1 to 31 bytes"
        )));
    }
    let set = tuple.get_item(1)?;
    let set: String = if set.is_none() {
        String::new()
    } else {
        set.extract().map_err(|_| PyTypeError::new_err("the key's set must be a str or None"))?
    };
    if set.len() > 63 {
        return Err(param_error(format!("set name {set:?} is longer than 63 bytes")));
    }
    let pk = tuple.get_item(2)?;
    let user_key = if pk.is_none() { None } else { Some(user_key_from_py(&pk)?) };
    let digest = if tuple.len() == 4 { tuple.get_item(3)? } else { obj.py().None().into_bound(obj.py()) };
    if digest.is_none() {
        let Some(user_key) = user_key else {
            return Err(param_error("a key needs a primary key or a 20-byte digest"));
        };
        return Key::new(namespace, set, user_key).map_err(|e| param_error(e.to_string()));
    }
    let bytes: Vec<u8> = if let Ok(b) = digest.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = digest.cast::<PyByteArray>() {
        b.to_vec()
    } else {
        return Err(PyTypeError::new_err("a key's digest must be bytes"));
    };
    let digest: [u8; 20] = bytes.as_slice().try_into().map_err(|_| {
        param_error(format!("a key's digest is 20 bytes, not {}", bytes.len()))
    })?;
    Ok(Key::with_digest(namespace, set, user_key, digest))
}

fn user_key_from_py(pk: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Some(plain) = numpy_to_python(pk)? {
        return user_key_from_py(&plain);
    }
    if pk.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err("a primary key is str, int or bytes, not bool"));
    }
    if pk.is_instance_of::<PyInt>() {
        return int_from_py(pk).map(Value::Int);
    }
    if let Ok(s) = pk.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = pk.cast::<PyBytes>() {
        return Ok(Value::Blob(b.as_bytes().to_vec()));
    }
    if let Ok(b) = pk.cast::<PyByteArray>() {
        return Ok(Value::Blob(b.to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "a primary key is str, int or bytes, not {}",
        pk.get_type().name()?
    )))
}

/// The items of a list or tuple argument; anything else is a TypeError naming the argument.
pub(crate) fn sequence<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = obj.cast::<PyList>() {
        Ok(list.iter().collect())
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        Ok(tuple.iter().collect())
    } else {
        Err(PyTypeError::new_err(format!(
            "{what} must be a list, not {}",
            obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Aerospike -> Python

pub(crate) fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    cell_to_py(py, value)
}

/// `value_to_py` for any held form of a value: a decoded `Value` or a packed batch cell.
pub(crate) fn cell_to_py<'py, 'a, C: Cell<'a>>(py: Python<'py>, cell: C) -> PyResult<Bound<'py, PyAny>> {
    Ok(match cell.scalar() {
        Scalar::Nil => py.None().into_bound(py),
        Scalar::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Scalar::Int(i) => i.into_pyobject(py)?.into_any(),
        Scalar::Float(f) => PyFloat::new(py, f).into_any(),
        Scalar::Str(s) => PyString::new(py, s).into_any(),
        Scalar::Blob(b) => PyBytes::new(py, b).into_any(),
        Scalar::Hll(b) => hll_class(py)?.call1((PyBytes::new(py, b),))?,
        Scalar::GeoJson(s) => geojson_class(py)?.call1((s,))?,
        Scalar::List => {
            let items = cell.list().into_iter().flatten().map(|item| cell_to_py(py, item)).collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Scalar::Map => {
            let dict = PyDict::new(py);
            for (k, v) in cell.map().into_iter().flatten() {
                dict.set_item(cell_to_py(py, k)?, cell_to_py(py, v)?)?;
            }
            dict.into_any()
        }
        // `Value` is non-exhaustive: a kind this build does not know is refused, not guessed.
        Scalar::Unsupported => return Err(crate::errors::client_error("the server sent a value this client cannot read")),
    })
}

/// `Key(namespace, set, user_key, digest)` for a record's key.
pub(crate) fn key_to_py<'py>(py: Python<'py>, key: &Key) -> PyResult<Bound<'py, PyAny>> {
    key_parts_to_py(py, key.namespace(), key.set_name(), key.user_key(), &key.digest())
}

/// `Key(...)` from its parts, however the key was held: no set is `None`, as is no user key.
fn key_parts_to_py<'py, 'a>(py: Python<'py>, namespace: &str, set: &str, user_key: Option<impl Cell<'a>>, digest: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let set = if set.is_empty() { None } else { Some(set) };
    let user_key = match user_key {
        Some(cell) => cell_to_py(py, cell)?,
        None => py.None().into_bound(py),
    };
    named_tuple(key_class(py)?, (namespace, set, user_key, PyBytes::new(py, digest)))
}

/// `RecordMetadata(gen, ttl)` with ttl 4294967295 for a record that never expires.
pub(crate) fn meta_to_py<'py>(py: Python<'py>, record: &Record) -> PyResult<Bound<'py, PyAny>> {
    named_tuple(meta_class(py)?, (record.generation, columnar::packed::ttl_seconds(record)))
}

/// A record's bins; a bin answered more than once (an operate in a batch) keeps its last answer,
/// as a dict keeps the last of repeated keys.
fn bins_to_py<'py>(py: Python<'py>, record: &Record) -> PyResult<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    for (name, value) in &record.bins {
        dict.set_item(name, value_to_py(py, last_answer(value))?)?;
    }
    Ok(dict.into_any())
}

/// What a command answers, converted to Python when the caller (sync or asyncio) takes it.
pub(crate) enum Answer {
    None,
    Record(Key, Record),
    /// An operate answer: the bins the read operations asked for.
    Operated(Key, Record, Vec<OpAnswer>),
    Exists(Key, Option<Record>),
    /// A record read on the client's own connections (`crates/direct`): one packed row, made
    /// into the same `Record` as `Record(key, record)` makes.
    PackedRecord(PackedRows),
    /// `exists` of a record read on the client's own connections: its one packed row.
    PackedExists(PackedRows),
    /// An `operate_ordered` answer: one (bin, value) per read, in operation order.
    Ordered(Key, Record, Vec<OpAnswer>),
}

impl<'py> IntoPyObject<'py> for Answer {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Answer::None => Ok(py.None().into_bound(py)),
            Answer::Record(key, record) => named_tuple(record_class(py)?, (
                key_to_py(py, &key)?,
                meta_to_py(py, &record)?,
                bins_to_py(py, &record)?,
            )),
            Answer::Operated(key, record, answers) => {
                let bins = PyDict::new(py);
                for (name, value) in operated_bins(&record, &answers) {
                    bins.set_item(name, value_to_py(py, value)?)?;
                }
                named_tuple(record_class(py)?, (key_to_py(py, &key)?, meta_to_py(py, &record)?, bins))
            }
            Answer::Exists(key, record) => {
                let meta = match &record {
                    Some(record) => meta_to_py(py, record)?,
                    None => py.None().into_bound(py),
                };
                named_tuple(exists_class(py)?, (key_to_py(py, &key)?, meta))
            }
            Answer::PackedRecord(rows) => match rows.rows().first() {
                Some(row) => packed_record_to_py(py, &rows, row, packed_key_to_py(py, &rows, row)?),
                None => Err(crate::errors::client_error("a direct read answered no row")),
            },
            Answer::PackedExists(rows) => match rows.rows().first() {
                Some(row) => named_tuple(exists_class(py)?, (packed_key_to_py(py, &rows, row)?, named_tuple(meta_class(py)?, (row.generation, row.ttl))?)),
                None => Err(crate::errors::client_error("a direct read answered no row")),
            },
            Answer::Ordered(key, record, answers) => {
                let ordered = PyList::empty(py);
                for (name, value) in ordered_bins(&record, &answers) {
                    ordered.append(named_tuple(bin_tuple_class(py)?, (name, value_to_py(py, value)?))?)?;
                }
                named_tuple(ordered_class(py)?, (key_to_py(py, &key)?, meta_to_py(py, &record)?, ordered))
            }
        }
    }
}

/// The (bin, value) pairs the read operations of an operate asked for, in operation order. With
/// RESPOND_ALL_OPS (which the crate asks for whenever there is a write or a map, bit, HLL or
/// expression op) `results` lines up with the ops; a read of every bin answers with the record's
/// bins.
fn ordered_bins<'a>(record: &'a Record, answers: &'a [OpAnswer]) -> Vec<(&'a str, &'a Value)> {
    let results = record.results.as_deref().unwrap_or_default();
    // A write (`Nothing`) always makes the crate ask for RESPOND_ALL_OPS.
    let positional = results.len() == answers.len() || answers.iter().any(|a| matches!(a, OpAnswer::Nothing | OpAnswer::AllBins));
    if !positional {
        return ordered_by_bin(record, answers);
    }
    let mut out = Vec::new();
    for (index, answer) in answers.iter().enumerate() {
        match answer {
            OpAnswer::Nothing | OpAnswer::Unanswered => {}
            // A bin holds no nil: a nil answer to a plain read is a bin that does not exist.
            OpAnswer::Bin(name) => match results.get(index) {
                None | Some(Value::Nil) => {}
                Some(value) => out.push((name.as_str(), value)),
            },
            // A CDT (bit, HLL, expression) result: nil is an answer too.
            OpAnswer::Value(name) => {
                if let Some(value) = results.get(index) {
                    out.push((name.as_str(), value));
                }
            }
            OpAnswer::AllBins => out.extend(record.bins.iter().map(|(name, value)| (name.as_str(), last_answer(value)))),
        }
    }
    out
}

/// Without RESPOND_ALL_OPS (an operate of list and plain reads only) the server leaves out the
/// ops on a missing bin and the reads that answer nothing, so `results` is shorter than the ops: pair each op with the next answer
/// its own bin got instead, since each bin's answers come in op order.
fn ordered_by_bin<'a>(record: &'a Record, answers: &'a [OpAnswer]) -> Vec<(&'a str, &'a Value)> {
    let mut taken: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for answer in answers {
        let (OpAnswer::Bin(name) | OpAnswer::Value(name)) = answer else { continue };
        let Some(value) = record.bins.get(name) else { continue };
        let next = taken.entry(name.as_str()).or_insert(0);
        let item = match value {
            Value::MultiResult(items) => items.get(*next),
            single if *next == 0 => Some(single),
            _ => None,
        };
        *next += 1;
        match (answer, item) {
            (_, None) | (OpAnswer::Bin(_), Some(Value::Nil)) => {}
            (_, Some(value)) => out.push((name.as_str(), value)),
        }
    }
    out
}

/// The bins of an operate answer: the last value each read bin was answered with.
fn operated_bins<'a>(record: &'a Record, answers: &'a [OpAnswer]) -> Vec<(&'a str, &'a Value)> {
    if answers.contains(&OpAnswer::AllBins) {
        return record.bins.iter().map(|(name, value)| (name.as_str(), last_answer(value))).collect();
    }
    ordered_bins(record, answers)
}

fn last_answer(value: &Value) -> &Value {
    match value {
        Value::MultiResult(items) => items.last().unwrap_or(&Value::Nil),
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Batches

types_class!(batch_record_class, "BatchRecord");
types_class!(batch_write_result_class, "BatchWriteResult");

/// `BatchRecord(key, result, record, in_doubt)` for one row of a batch.
pub(crate) fn batch_row_to_py<'py>(py: Python<'py>, row: &crate::ops::batch::BatchRow) -> PyResult<Bound<'py, PyAny>> {
    let key = key_to_py(py, &row.key)?;
    let record = match &row.record {
        Some(record) => named_tuple(record_class(py)?, (key.clone(), meta_to_py(py, record)?, bins_to_py(py, record)?))?,
        None => py.None().into_bound(py),
    };
    named_tuple(batch_record_class(py)?, (key, row.result_code, record, row.in_doubt))
}

/// The rows of a batch write, operate or remove: `BatchWriteResult(batch_records)`.
pub(crate) struct BatchWriteAnswer(pub Vec<crate::ops::batch::BatchRow>);

impl<'py> IntoPyObject<'py> for BatchWriteAnswer {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let records = PyList::empty(py);
        let _gc = GcPaused::new(py);
        for row in &self.0 {
            records.append(batch_row_to_py(py, row)?)?;
        }
        named_tuple(batch_write_result_class(py)?, (records,))
    }
}

/// `BatchRecord(key, result, record, in_doubt)` for one packed row of `batch_read`.
pub(crate) fn packed_row_to_py<'py>(py: Python<'py>, rows: &PackedRows, row: &PackedRow) -> PyResult<Bound<'py, PyAny>> {
    let key = packed_key_to_py(py, rows, row)?;
    let record = if row.has_record { packed_record_to_py(py, rows, row, key.clone())? } else { py.None().into_bound(py) };
    named_tuple(batch_record_class(py)?, (key, row.result_code, record, row.in_doubt))
}

/// `Key(...)` of a packed row.
fn packed_key_to_py<'py>(py: Python<'py>, rows: &PackedRows, row: &PackedRow) -> PyResult<Bound<'py, PyAny>> {
    let (namespace, set) = rows.namespace_set(row);
    key_parts_to_py(py, namespace, set, rows.user_key(row), &row.digest)
}

/// `Record(key, meta, bins)` of a packed row that has a record.
fn packed_record_to_py<'py>(py: Python<'py>, rows: &PackedRows, row: &PackedRow, key: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let meta = named_tuple(meta_class(py)?, (row.generation, row.ttl))?;
    named_tuple(record_class(py)?, (key, meta, packed_bins_to_py(py, rows, row)?))
}

/// A packed row's bins as a dict.
pub(crate) fn packed_bins_to_py<'py>(py: Python<'py>, rows: &PackedRows, row: &PackedRow) -> PyResult<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    for (name, cell) in rows.bins(row) {
        dict.set_item(name, cell_to_py(py, cell)?)?;
    }
    Ok(dict.into_any())
}

