//! Bitwise operation dicts (`aerospike_py.bit_operations`, codes 4001..) -> the crate's bitwise
//! operations. Writes answer nothing; reads answer a value.

use aerospike::operations::bitwise::{self, BitPolicy, BitwiseOverflowActions, BitwiseResizeFlags, BitwiseWriteFlags};
use aerospike::operations::Operation;
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::fields::Fields;
use super::OpAnswer;
use crate::errors::param_error;

const RESIZE: i64 = 4001;
const INSERT: i64 = 4002;
const REMOVE: i64 = 4003;
const SET: i64 = 4004;
const OR: i64 = 4005;
const XOR: i64 = 4006;
const AND: i64 = 4007;
const NOT: i64 = 4008;
const LSHIFT: i64 = 4009;
const RSHIFT: i64 = 4010;
const ADD: i64 = 4011;
const SUBTRACT: i64 = 4012;
const SET_INT: i64 = 4013;
const GET: i64 = 4050;
const COUNT: i64 = 4051;
const LSCAN: i64 = 4052;
const RSCAN: i64 = 4053;
const GET_INT: i64 = 4054;

pub(super) fn decode(code: i64, f: &Fields<'_>) -> PyResult<(Operation, OpAnswer)> {
    let bin = f.bin()?;
    let ctx = f.ctx()?;
    let read = |op: Operation| (op, OpAnswer::Value(bin.clone()));
    let bits = || -> PyResult<(i64, i64)> { Ok((f.int("bit_offset")?, f.int("bit_size")?)) };
    let blob = || -> PyResult<Value> { Ok(Value::Blob(f.bytes("val")?)) };
    let (operation, answer) = match code {
        GET => {
            let (offset, size) = bits()?;
            read(bitwise::get(&bin, offset, size))
        }
        COUNT => {
            let (offset, size) = bits()?;
            read(bitwise::count(&bin, offset, size))
        }
        LSCAN | RSCAN => {
            let (offset, size) = bits()?;
            let value = f.bool_or("val", true).map_err(|_| PyTypeError::new_err("\"val\" of bit_lscan/bit_rscan must be a bool"))?;
            if f.get("val").is_none_or(|v| v.is_none()) {
                return Err(param_error("bit_lscan/bit_rscan need \"val\": the bit value to look for"));
            }
            read(if code == LSCAN { bitwise::lscan(&bin, offset, size, value) } else { bitwise::rscan(&bin, offset, size, value) })
        }
        GET_INT => {
            let (offset, size) = bits()?;
            read(bitwise::get_int(&bin, offset, size, f.bool_or("signed", false)?))
        }
        _ => (write(code, f, &bin, &bits, &blob)?, OpAnswer::Nothing),
    };
    Ok((operation.context(ctx), answer))
}

fn write(
    code: i64,
    f: &Fields<'_>,
    bin: &str,
    bits: &dyn Fn() -> PyResult<(i64, i64)>,
    blob: &dyn Fn() -> PyResult<Value>,
) -> PyResult<Operation> {
    let policy = policy(f)?;
    Ok(match code {
        RESIZE => {
            let flags = f.flags("resize_flags", 7)?;
            let flags = BitwiseResizeFlags::from_bits(u8::try_from(flags).unwrap_or(0));
            bitwise::resize(bin, f.int("byte_size")?, flags, &policy)
        }
        INSERT => bitwise::insert(bin, f.int("byte_offset")?, blob()?, &policy),
        REMOVE => bitwise::remove(bin, f.int("byte_offset")?, f.int("byte_size")?, &policy),
        SET | OR | XOR | AND => {
            let (offset, size) = bits()?;
            let value = blob()?;
            match code {
                SET => bitwise::set(bin, offset, size, value, &policy),
                OR => bitwise::or(bin, offset, size, value, &policy),
                XOR => bitwise::xor(bin, offset, size, value, &policy),
                _ => bitwise::and(bin, offset, size, value, &policy),
            }
        }
        NOT => {
            let (offset, size) = bits()?;
            bitwise::not(bin, offset, size, &policy)
        }
        LSHIFT | RSHIFT => {
            let (offset, size) = bits()?;
            let shift = f.int("shift")?;
            if code == LSHIFT { bitwise::lshift(bin, offset, size, shift, &policy) } else { bitwise::rshift(bin, offset, size, shift, &policy) }
        }
        ADD | SUBTRACT => {
            let (offset, size) = bits()?;
            let value = f.int("val")?;
            let signed = f.bool_or("signed", false)?;
            let action = match f.opt_int("action")?.unwrap_or(0) {
                0 => BitwiseOverflowActions::Fail,
                2 => BitwiseOverflowActions::Saturate,
                4 => BitwiseOverflowActions::Wrap,
                n => return Err(param_error(format!("\"action\" {n} is not a BIT_OVERFLOW_* action"))),
            };
            if code == ADD {
                bitwise::add(bin, offset, size, value, signed, action, &policy)
            } else {
                bitwise::subtract(bin, offset, size, value, signed, action, &policy)
            }
        }
        SET_INT => {
            let (offset, size) = bits()?;
            bitwise::set_int(bin, offset, size, f.int("val")?, &policy)
        }
        other => return Err(param_error(format!("unknown bit operator {other}"))),
    })
}

/// The write flags, `"bit_policy"`: an int, or `{"bit_write_flags": n}`.
fn policy(f: &Fields<'_>) -> PyResult<BitPolicy> {
    let Some(dict) = f.policy("bit_policy")? else { return Ok(BitPolicy::default()) };
    let mut flags = 0;
    for (_, n) in dict.ints("bit policy", &["bit_write_flags", "flags"], "bit_write_flags")? {
        if !(0..=15).contains(&n) {
            return Err(param_error(format!("bit write flags {n} are not a combination of BIT_WRITE_*")));
        }
        flags = n;
    }
    Ok(BitPolicy::new(BitwiseWriteFlags::from_bits(u8::try_from(flags).unwrap_or(0))))
}

/// Whether a bit operation only reads (a batch sends those as read rows).
pub(super) fn is_read(code: i64) -> bool {
    matches!(code, GET | COUNT | LSCAN | RSCAN | GET_INT)
}
