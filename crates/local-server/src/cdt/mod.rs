//! CDT list and map operations, evaluated as Aerospike CE 8.1 does: pure functions over bin
//! values, shared by the op switch (`transactions`) and the expressions engine.
//!
//! # API
//! An op arrives as msgpack: `[op_code, args...]`, or wrapped with a context
//! `[0xff, [ctx_type, ctx_value, ...], [op_code, args...]]`. Op codes below 64 are list ops,
//! 64..=127 map ops.
//!
//! - [`parse_op`] (bytes) / [`parse_op_value`] (an already-parsed [`MpValue`]) give a [`CdtOp`].
//! - [`read`]`(bin, &op)` runs a read op against a bin value (`None`: the bin is missing) and
//!   returns the result value, `None` when the op answers nothing.
//! - [`modify`]`(bin, &op)` runs any op (reads too) and returns an [`Applied`]: the result and
//!   the bin's new value (`None` when the bin stays missing).
//! - [`apply`]`(bin, payload, is_modify)` is the op switch's one call: parse, check the op type
//!   against the op code (a modify code in a read op is 4), run.
//!
//! Errors are result codes: 4 parameter, 12 incompatible type, 23 element not found,
//! 24 element exists, 26 op not applicable. Values inside lists and maps stay msgpack; results
//! are converted to bin [`Value`]s (a list result is a `Value::List` of msgpack).

pub mod context;
pub mod ingest;
pub mod list;
mod list_select;
pub mod map;
mod map_select;
pub mod order;
pub mod result;

use crate::codec::msgpack::{self, MpValue, RAW_GEOJSON, RAW_STRING};
use crate::codec::particle::{self, Value};
use crate::result_code as rc;
use crate::storage::Record;
pub use context::CtxItem;

/// A decoded CDT op.
#[derive(Debug, Clone, PartialEq)]
pub struct CdtOp {
    pub code: u8,
    pub args: Vec<MpValue>,
    pub ctx: Vec<CtxItem>,
}

/// What a op did: its result (None: no result entry) and the bin's new value.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub result: Option<Value>,
    /// The bin after the op; `None` when the bin was missing and stays missing.
    pub bin: Option<Value>,
}

const CTX_MARKER: i64 = 0xff;

pub fn is_map_code(code: u8) -> bool {
    (64..128).contains(&code)
}

/// Whether the op code changes its container.
pub fn is_modify_code(code: u8) -> bool {
    if is_map_code(code) {
        code < 96
    } else {
        code < 16 || (32..64).contains(&code)
    }
}

pub fn parse_op(payload: &[u8]) -> Result<CdtOp, u8> {
    let v = msgpack::parse(payload).map_err(|_| rc::PARAMETER_ERROR)?;
    parse_op_value(v)
}

pub fn parse_op_value(v: MpValue) -> Result<CdtOp, u8> {
    let MpValue::Array(mut items) = v else { return Err(rc::PARAMETER_ERROR) };
    let mut ctx = Vec::new();
    if items.len() == 3 && items.first() == Some(&MpValue::Int(CTX_MARKER)) {
        let inner = items.pop().ok_or(rc::PARAMETER_ERROR)?;
        let ctx_v = items.pop().ok_or(rc::PARAMETER_ERROR)?;
        ctx = context::parse(ctx_v)?;
        let MpValue::Array(inner) = inner else { return Err(rc::PARAMETER_ERROR) };
        items = inner;
    }
    if items.is_empty() {
        return Err(rc::PARAMETER_ERROR);
    }
    let code = match items.remove(0) {
        MpValue::Int(c) if (0..128).contains(&c) => c as u8,
        _ => return Err(rc::PARAMETER_ERROR),
    };
    Ok(CdtOp { code, args: items, ctx })
}

/// The op switch's entry: `payload` is the op's msgpack, `is_modify` whether the op type was
/// CDT_MODIFY.
pub fn apply(bin: Option<&Value>, payload: &[u8], is_modify: bool) -> Result<Applied, u8> {
    let op = parse_op(payload)?;
    if is_modify_code(op.code) && !is_modify {
        return Err(rc::PARAMETER_ERROR);
    }
    if is_modify {
        modify(bin, &op)
    } else {
        Ok(Applied { result: read(bin, &op)?, bin: None })
    }
}

/// Parses a bin into msgpack; `None` for a missing bin, 12 for a bin that is not a list/map.
fn bin_to_mp(bin: Option<&Value>) -> Result<Option<MpValue>, u8> {
    match bin {
        None => Ok(None),
        Some(Value::List(b)) | Some(Value::Map(b)) => msgpack::parse(b).map(Some).map_err(|_| rc::SERVER_ERROR),
        Some(_) => Err(rc::INCOMPATIBLE_TYPE),
    }
}

/// Runs a read op. `None`: no result (missing bin, NONE return type).
pub fn read(bin: Option<&Value>, op: &CdtOp) -> Result<Option<Value>, u8> {
    let root = bin_to_mp(bin)?;
    let target = match &root {
        None => {
            if op.ctx.iter().any(|c| c.create != 0) {
                return Err(rc::OP_NOT_APPLICABLE);
            }
            None
        }
        Some(r) => Some(context::resolve(r, &op.ctx)?),
    };
    let out = if is_map_code(op.code) { map::read(target, op)? } else { list::read(target, op)? };
    Ok(out.map(|v| to_value(&v)))
}

/// Runs an op that may change the bin.
pub fn modify(bin: Option<&Value>, op: &CdtOp) -> Result<Applied, u8> {
    if !is_modify_code(op.code) {
        return Ok(Applied { result: read(bin, op)?, bin: bin.cloned() });
    }
    let is_map = is_map_code(op.code);
    let mut root = bin_to_mp(bin)?;
    let leaf = if is_map { map::new_container(op) } else { list::new_container(op) };
    let result = if op.ctx.is_empty() {
        if is_map { map::modify(&mut root, op)? } else { list::modify(&mut root, op)? }
    } else {
        let top = match root.as_mut() {
            Some(r) => r,
            None => {
                let first = op.ctx.first().ok_or(rc::PARAMETER_ERROR)?;
                if first.create == 0 {
                    return Err(rc::OP_NOT_APPLICABLE);
                }
                root.insert(context::container_for(first))
            }
        };
        let mut path = Vec::with_capacity(op.ctx.len());
        let target = context::resolve_mut(top, &op.ctx, &leaf, &mut path)?;
        let mut slot = Some(std::mem::replace(target, MpValue::Nil));
        let r = if is_map { map::modify(&mut slot, op) } else { list::modify(&mut slot, op) };
        *target = slot.unwrap_or(MpValue::Nil);
        context::resort_path(top, &path);
        r?
    };
    let bin = match root {
        None => None,
        Some(v @ MpValue::Array(_)) => Some(Value::List(msgpack::to_bytes(&v))),
        Some(v @ MpValue::Map(_)) => Some(Value::Map(msgpack::to_bytes(&v))),
        Some(_) => return Err(rc::SERVER_ERROR),
    };
    Ok(Applied { result: result.map(|v| to_value(&v)), bin })
}

/// A msgpack element as a bin value.
pub fn to_value(v: &MpValue) -> Value {
    match v {
        MpValue::Nil | MpValue::Ext(..) => Value::Nil,
        MpValue::Bool(b) => Value::Bool(*b),
        MpValue::Int(i) => Value::Int(*i),
        MpValue::UInt(u) => Value::Int(*u as i64),
        MpValue::Float(f) => Value::Float(*f),
        MpValue::Raw { data, .. } => match data.split_first() {
            Some((&RAW_STRING, rest)) => Value::Str(rest.to_vec()),
            Some((&RAW_GEOJSON, rest)) => Value::GeoJson(rest.to_vec()),
            Some((&t, rest)) if t == particle::BLOB || (particle::JAVA_BLOB..=particle::ERLANG_BLOB).contains(&t) => {
                Value::Blob(t, rest.to_vec())
            }
            _ => Value::Blob(particle::BLOB, data.clone()),
        },
        MpValue::Array(_) => Value::List(msgpack::to_bytes(v)),
        MpValue::Map(_) => Value::Map(msgpack::to_bytes(v)),
    }
}

/// A bin value as a msgpack element (for callers holding `Value`s, e.g. expressions).
pub fn from_value(v: &Value) -> Result<MpValue, u8> {
    let raw = |t: u8, b: &[u8]| {
        let mut data = Vec::with_capacity(b.len() + 1);
        data.push(t);
        data.extend_from_slice(b);
        MpValue::Raw { bin: false, data }
    };
    Ok(match v {
        Value::Nil => MpValue::Nil,
        Value::Int(i) => MpValue::Int(*i),
        Value::Float(f) => MpValue::Float(*f),
        Value::Bool(b) => MpValue::Bool(*b),
        Value::Str(s) => raw(RAW_STRING, s),
        Value::Blob(t, b) => raw(*t, b),
        Value::GeoJson(t) => raw(RAW_GEOJSON, t),
        Value::List(b) | Value::Map(b) => msgpack::parse(b).map_err(|_| rc::PARAMETER_ERROR)?,
        Value::Hll(_) => return Err(rc::INCOMPATIBLE_TYPE),
    })
}

/// The op switch's read: a CDT_READ op on a record's bin. A missing bin answers nothing and
/// the op goes unparsed (rw_utils.c process_bin_read_op calls the CDT code only for a live bin).
pub fn read_bin(rec: &Record, name: &[u8], payload: &[u8]) -> Result<Option<Value>, u8> {
    if rec.bin(name).is_none() {
        return Ok(None);
    }
    let op = parse_op(payload)?;
    if is_modify_code(op.code) {
        return Err(rc::PARAMETER_ERROR);
    }
    read(rec.bin(name), &op)
}

/// The op switch's modify: a CDT_MODIFY op changes the record's bin and may answer a value.
pub fn modify_bin(rec: &mut Record, name: &[u8], payload: &[u8]) -> Result<Option<Value>, u8> {
    let applied = apply(rec.bin(name), payload, true)?;
    if let Some(v) = applied.bin {
        rec.set_bin(name, v);
    }
    Ok(applied.result)
}

/// Argument helpers: a missing or mistyped argument is a parameter error.
pub(crate) fn arg(op: &CdtOp, i: usize) -> Result<&MpValue, u8> {
    op.args.get(i).ok_or(rc::PARAMETER_ERROR)
}

pub(crate) fn int_arg(op: &CdtOp, i: usize) -> Result<i64, u8> {
    match arg(op, i)? {
        MpValue::Int(v) => Ok(*v),
        MpValue::UInt(v) => Ok(*v as i64),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

pub(crate) fn opt_int(op: &CdtOp, i: usize) -> Result<Option<i64>, u8> {
    match op.args.get(i) {
        None | Some(MpValue::Nil) => Ok(None),
        Some(_) => int_arg(op, i).map(Some),
    }
}

#[cfg(test)]
mod tests;
