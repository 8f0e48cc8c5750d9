//! Aerospike expressions as CE 8.1 builds and evaluates them: filter expressions on record
//! commands (the FILTER_EXP field) and the expression read/write ops of operate.
//!
//! # API
//! - [`filter_matches`]`(expr_bytes, &RecordView) -> Result<bool, u8>`: runs a filter on an
//!   existing record. `Ok(true)` lets the command go on; `Ok(false)` means the record is
//!   filtered out (answer 27) — that includes an *unknown* result (missing bin, wrong type,
//!   division by zero). `Err(4)` means the filter does not build (malformed, not boolean, type
//!   mismatch, bad regex...). Filters never run on missing records: the caller answers 2 for
//!   reads/deletes, and a write that creates the record ignores the filter.
//! - [`check_filter`]`(expr_bytes) -> Result<(), u8>`: only the build checks, for a batch to
//!   refuse a bad filter up front (the whole batch answers 4).
//! - [`read_op`] / [`write_op`]: the EXP_READ / EXP_MODIFY ops (`[expr, flags]`).
//!
//! Modules: `build` (wire msgpack → typed node tree, the build-time checks), `eval` (three-valued
//! evaluation), `value` (run-time values and types), `regex` (POSIX regex for CmpRegex), `geo`
//! (CmpGeo), `path` (path expressions: SelectByPath / ModifyByPath). List/map calls go to
//! `crate::cdt`, bit and HLL calls to `crate::bits` and `crate::hll`.

mod build;
mod eval;
pub mod geo;
mod path;
mod regex;
mod value;

use crate::codec::msgpack::{self, MpValue};
use crate::codec::particle::Value;
use crate::result_code as rc;
use crate::storage::{Digest, Record};
use value::{Type, Val};

/// The record an expression looks at: its bins and metadata, and its digest (for DigestMod).
pub struct RecordView<'a> {
    pub record: &'a Record,
    pub digest: &'a Digest,
}

fn evaluate(built: &build::Built, view: &RecordView<'_>) -> Val {
    let mut rt = eval::Runtime {
        view: Some(view),
        vars: vec![Val::Unknown; built.n_vars],
        loop_vars: eval::LoopVars::default(),
        now_ms: crate::expiry::now_unix_ms(),
    };
    rt.eval(&built.node)
}

/// Checks that a filter builds (and is boolean) without running it: a batch whose filter
/// doesn't build fails as a whole with 4, before any record.
pub fn check_filter(expr: &[u8]) -> Result<(), u8> {
    match build::build_bytes(expr)?.ty {
        Type::Bool => Ok(()),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// Runs a filter expression on an existing record (see the module docs).
pub fn filter_matches(expr: &[u8], view: &RecordView<'_>) -> Result<bool, u8> {
    let built = build::build_bytes(expr)?;
    if built.ty != Type::Bool {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok(evaluate(&built, view) == Val::Bool(true))
}

const READ_EVAL_NO_FAIL: u64 = 16;
const WRITE_CREATE_ONLY: u64 = 1;
const WRITE_UPDATE_ONLY: u64 = 2;
const WRITE_ALLOW_DELETE: u64 = 4;
const WRITE_POLICY_NO_FAIL: u64 = 8;
const WRITE_EVAL_NO_FAIL: u64 = 16;

/// An expression op's `[expr, flags]`.
fn parse_op(raw: &[u8], valid_flags: u64) -> Result<(build::Built, u64), u8> {
    let MpValue::Array(items) = msgpack::parse(raw).map_err(|_| rc::PARAMETER_ERROR)? else {
        return Err(rc::PARAMETER_ERROR);
    };
    if items.is_empty() || items.len() > 2 {
        return Err(rc::PARAMETER_ERROR);
    }
    let flags = match items.get(1) {
        Some(MpValue::Int(i)) if *i >= 0 => *i as u64,
        Some(MpValue::UInt(u)) => *u,
        _ => 0,
    };
    if flags & !valid_flags != 0 {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok((build::build(&items[0])?, flags))
}

/// EXP_READ: the expression's value (`None`: nil). Unknown is 26, or nil with EVAL_NO_FAIL.
pub fn read_op(view: &RecordView<'_>, raw: &[u8]) -> Result<Option<Value>, u8> {
    let (built, flags) = parse_op(raw, READ_EVAL_NO_FAIL)?;
    match evaluate(&built, view) {
        Val::Unknown | Val::Remove if flags & READ_EVAL_NO_FAIL != 0 => Ok(None),
        Val::Unknown | Val::Remove => Err(rc::OP_NOT_APPLICABLE),
        v => Ok(v.to_value()),
    }
}

/// EXP_MODIFY: writes the expression's value to bin `name` of the record being written.
pub fn write_op(rec: &mut Record, digest: &Digest, name: &[u8], raw: &[u8]) -> Result<(), u8> {
    let (built, flags) = parse_op(raw, 31)?;
    let live = rec.bin(name).is_some();
    if live && flags & WRITE_CREATE_ONLY != 0 {
        return if flags & WRITE_POLICY_NO_FAIL != 0 { Ok(()) } else { Err(rc::BIN_EXISTS) };
    }
    if !live && flags & WRITE_UPDATE_ONLY != 0 {
        return if flags & WRITE_POLICY_NO_FAIL != 0 { Ok(()) } else { Err(rc::BIN_NOT_FOUND) };
    }
    let result = evaluate(&built, &RecordView { record: rec, digest });
    let value = match result {
        Val::Unknown | Val::Remove if flags & WRITE_EVAL_NO_FAIL != 0 => return Ok(()),
        Val::Unknown | Val::Remove => return Err(rc::OP_NOT_APPLICABLE),
        v => v.to_value(),
    };
    match value {
        Some(v) => rec.set_bin(name, v),
        None if !live => {}
        None if flags & WRITE_ALLOW_DELETE != 0 => {
            rec.remove_bin(name);
        }
        // The server's check here reads `flags && NO_FAIL`: any flag at all makes it a no-op.
        None if flags != 0 => {}
        None => return Err(rc::OP_NOT_APPLICABLE),
    }
    Ok(())
}

/// A list/map op inside an expression, run by the CDT module on a copy of the value.
fn cdt_call(bin: Option<&Value>, payload: &[u8], modify: bool) -> Result<Option<Value>, u8> {
    let applied = crate::cdt::apply(bin, payload, modify)?;
    Ok(if modify { applied.bin } else { applied.result })
}

#[cfg(test)]
mod tests;
