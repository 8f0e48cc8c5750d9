//! Bitwise operations on blob bins (op types BIT_READ / BIT_MODIFY), with the checks, flags,
//! overflow actions and result codes of Aerospike CE 8.1 (see SERVER-FACTS "Bit operations").
//! Entry points: [`modify`] / [`read`] on a bin value, and the record glue [`modify_bin`] /
//! [`read_bin`]. The bit expressions reuse them on expression values.

pub mod args;
pub mod field;

use crate::codec::msgpack::MpValue;
use crate::codec::particle::{Value, BLOB};
use crate::result_code as rc;
use crate::storage::Record;
use args::{blob, boolean, int_at, int_or};
use field::Overflow;

pub mod code {
    pub const RESIZE: i64 = 0;
    pub const INSERT: i64 = 1;
    pub const REMOVE: i64 = 2;
    pub const SET: i64 = 3;
    pub const OR: i64 = 4;
    pub const XOR: i64 = 5;
    pub const AND: i64 = 6;
    pub const NOT: i64 = 7;
    pub const LSHIFT: i64 = 8;
    pub const RSHIFT: i64 = 9;
    pub const ADD: i64 = 10;
    pub const SUBTRACT: i64 = 11;
    pub const SET_INT: i64 = 12;
    pub const GET: i64 = 50;
    pub const COUNT: i64 = 51;
    pub const LSCAN: i64 = 52;
    pub const RSCAN: i64 = 53;
    pub const GET_INT: i64 = 54;
}

const CREATE_ONLY: i64 = 1;
const UPDATE_ONLY: i64 = 2;
const NO_FAIL: i64 = 4;
const PARTIAL: i64 = 8;

const RESIZE_FROM_FRONT: i64 = 1;
const RESIZE_GROW_ONLY: i64 = 2;
const RESIZE_SHRINK_ONLY: i64 = 4;

/// Offsets and sizes are limited to the server's largest message, in bits (2^30) or bytes.
const MAX_BITS: i64 = 1 << 30;
const MAX_BYTES: i64 = 1 << 27;

/// A modify op's outcome for the bin: a new value, or nothing to change (a no-op, still a write).
pub type Outcome = Option<Value>;

/// Why a modify op failed: `Soft` errors become silent no-ops under NO_FAIL, `Hard` ones don't
/// (particle_blob.c: bits_prepare_op's offset checks and bits_prepare_modify's size limit
/// return before any NO_FAIL test).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fail {
    Soft(u8),
    Hard(u8),
}

/// The argument counts each op accepts after its code, as particle_blob.c's op tables give
/// them (`min_args`, `max_args`); any other count is 4 (bits_parse_op).
fn arg_counts(op: i64, is_read: bool) -> Option<(usize, usize)> {
    Some(match (op, is_read) {
        (code::RESIZE, false) => (1, 3),
        (code::INSERT | code::REMOVE | code::NOT, false) => (2, 3),
        (code::SET | code::OR | code::XOR | code::AND | code::LSHIFT | code::RSHIFT | code::SET_INT, false) => (3, 4),
        (code::ADD | code::SUBTRACT, false) => (3, 5),
        (code::GET | code::COUNT, true) => (2, 2),
        (code::LSCAN | code::RSCAN, true) => (3, 3),
        (code::GET_INT, true) => (2, 3),
        _ => return None,
    })
}

/// Runs a modify op against a bin's current value (`None`: no such bin).
pub fn modify(current: Option<&Value>, raw: &[u8]) -> Result<Outcome, u8> {
    let (op, a) = args::parse_op(raw)?;
    let (min, max) = arg_counts(op, false).ok_or(rc::PARAMETER_ERROR)?;
    if a.len() < min || a.len() > max {
        return Err(rc::PARAMETER_ERROR);
    }
    let (flags_at, allowed) = match op {
        code::RESIZE => (1, CREATE_ONLY | UPDATE_ONLY | NO_FAIL),
        code::INSERT => (2, CREATE_ONLY | UPDATE_ONLY | NO_FAIL),
        code::REMOVE => (2, UPDATE_ONLY | NO_FAIL | PARTIAL),
        code::SET | code::OR | code::XOR | code::AND | code::LSHIFT | code::RSHIFT => (3, UPDATE_ONLY | NO_FAIL | PARTIAL),
        code::NOT => (2, UPDATE_ONLY | NO_FAIL | PARTIAL),
        _ => (3, UPDATE_ONLY | NO_FAIL), // add, subtract, set_int
    };
    let op = Prepared::new(op, &a)?;
    let flags = int_or(&a, flags_at, 0)?;
    if flags & !allowed != 0 || flags & (CREATE_ONLY | UPDATE_ONLY) == CREATE_ONLY | UPDATE_ONLY {
        return Err(rc::PARAMETER_ERROR);
    }
    let no_fail = flags & NO_FAIL != 0;
    let rescue = |code: u8| if no_fail { Ok(None) } else { Err(code) };
    if current.is_some() && flags & CREATE_ONLY != 0 {
        return rescue(rc::BIN_EXISTS);
    }
    let data = match current {
        Some(Value::Blob(BLOB, d)) => d.as_slice(),
        Some(_) => return Err(rc::INCOMPATIBLE_TYPE),
        None => {
            if flags & UPDATE_ONLY != 0 || !matches!(op, Prepared::Resize { .. } | Prepared::Insert { .. }) {
                return rescue(rc::BIN_NOT_FOUND);
            }
            // A missing bin is an empty blob to resize or insert into (bits_prepare_op with
            // old_size 0); a resize that leaves it empty creates nothing.
            &[]
        }
    };
    match op.apply(data, flags & PARTIAL != 0) {
        Ok(None) => Ok(None),
        Ok(Some(d)) => Ok(Some(Value::Blob(BLOB, d))),
        Err(Fail::Soft(c)) => rescue(c),
        Err(Fail::Hard(c)) => Err(c),
    }
}

/// A modify op's decoded arguments (those that don't depend on the blob).
enum Prepared<'a> {
    Resize { size: usize, flags: i64 },
    Insert { offset: i64, value: &'a [u8] },
    Remove { offset: i64, size: usize },
    Logic { op: i64, offset: i64, size: u64, value: &'a [u8] },
    Not { offset: i64, size: u64 },
    Shift { left: bool, offset: i64, size: u64, shift: u64 },
    Add { subtract: bool, offset: i64, size: u64, value: u64, signed: bool, action: Overflow },
    SetInt { offset: i64, size: u64, value: u64 },
}

fn check_offset(offset: i64) -> Result<i64, u8> {
    if !(-MAX_BITS..=MAX_BITS).contains(&offset) { Err(rc::PARAMETER_ERROR) } else { Ok(offset) }
}

fn check_size(size: i64) -> Result<u64, u8> {
    if size <= 0 || size > MAX_BITS { Err(rc::PARAMETER_ERROR) } else { Ok(size as u64) }
}

fn int_size(size: i64) -> Result<u64, u8> {
    if !(1..=64).contains(&size) { Err(rc::PARAMETER_ERROR) } else { Ok(size as u64) }
}

impl<'a> Prepared<'a> {
    fn new(op: i64, a: &'a [MpValue]) -> Result<Self, u8> {
        Ok(match op {
            code::RESIZE => {
                let size = int_at(a, 0)?;
                let flags = int_or(a, 2, 0)?;
                if !(0..=MAX_BYTES).contains(&size)
                    || flags & !(RESIZE_FROM_FRONT | RESIZE_GROW_ONLY | RESIZE_SHRINK_ONLY) != 0
                    || flags & (RESIZE_GROW_ONLY | RESIZE_SHRINK_ONLY) == RESIZE_GROW_ONLY | RESIZE_SHRINK_ONLY
                {
                    return Err(rc::PARAMETER_ERROR);
                }
                Prepared::Resize { size: size as usize, flags }
            }
            code::INSERT => {
                let offset = int_at(a, 0)?;
                let value = blob(a.get(1).ok_or(rc::PARAMETER_ERROR)?)?;
                if value.is_empty() || !(-MAX_BYTES..=MAX_BYTES).contains(&offset) {
                    return Err(rc::PARAMETER_ERROR);
                }
                Prepared::Insert { offset, value }
            }
            code::REMOVE => {
                let offset = int_at(a, 0)?;
                let size = int_at(a, 1)?;
                if size <= 0 || size > MAX_BYTES || !(-MAX_BYTES..=MAX_BYTES).contains(&offset) {
                    return Err(rc::PARAMETER_ERROR);
                }
                Prepared::Remove { offset, size: size as usize }
            }
            code::SET | code::OR | code::XOR | code::AND => {
                let offset = check_offset(int_at(a, 0)?)?;
                let size = check_size(int_at(a, 1)?)?;
                let value = blob(a.get(2).ok_or(rc::PARAMETER_ERROR)?)?;
                if (value.len() as u64) * 8 < size {
                    return Err(rc::PARAMETER_ERROR);
                }
                Prepared::Logic { op, offset, size, value }
            }
            code::NOT => Prepared::Not { offset: check_offset(int_at(a, 0)?)?, size: check_size(int_at(a, 1)?)? },
            code::LSHIFT | code::RSHIFT => {
                let offset = check_offset(int_at(a, 0)?)?;
                let size = check_size(int_at(a, 1)?)?;
                // bits_parse_n_bits_value: an unsigned count of at most 2^30 (negative is huge).
                let shift = int_at(a, 2)?;
                if !(0..=MAX_BITS).contains(&shift) {
                    return Err(rc::PARAMETER_ERROR);
                }
                Prepared::Shift { left: op == code::LSHIFT, offset, size, shift: shift as u64 }
            }
            code::ADD | code::SUBTRACT => {
                let offset = check_offset(int_at(a, 0)?)?;
                let size = int_size(int_at(a, 1)?)?;
                let value = int_at(a, 2)? as u64;
                let action = int_or(a, 4, 0)?;
                let overflow = match action & !1 {
                    0 => Overflow::Fail,
                    2 => Overflow::Saturate,
                    4 => Overflow::Wrap,
                    _ => return Err(rc::PARAMETER_ERROR),
                };
                Prepared::Add { subtract: op == code::SUBTRACT, offset, size, value, signed: action & 1 != 0, action: overflow }
            }
            code::SET_INT => Prepared::SetInt {
                offset: check_offset(int_at(a, 0)?)?,
                size: int_size(int_at(a, 1)?)?,
                value: int_at(a, 2)? as u64,
            },
            _ => return Err(rc::PARAMETER_ERROR),
        })
    }

    /// The blob after the op (`None`: unchanged). Offsets past the start are hard errors;
    /// what particle_blob.c's prepare functions let NO_FAIL rescue is soft.
    fn apply(&self, data: &[u8], partial: bool) -> Result<Option<Vec<u8>>, Fail> {
        let bits = data.len() as u64 * 8;
        let out = match *self {
            Prepared::Resize { size, flags } => {
                let old = data.len();
                // bits_prepare_resize_op: the same size is a no-op.
                if size == old {
                    return Ok(None);
                }
                if (flags & RESIZE_GROW_ONLY != 0 && size < old) || (flags & RESIZE_SHRINK_ONLY != 0 && size > old) {
                    return Err(Fail::Soft(rc::PARAMETER_ERROR));
                }
                // bits_prepare_modify: a result of 2^27 bytes or more is 4, NO_FAIL or not.
                if size as i64 >= MAX_BYTES {
                    return Err(Fail::Hard(rc::PARAMETER_ERROR));
                }
                let front = flags & RESIZE_FROM_FRONT != 0;
                if size > old {
                    let mut out = Vec::with_capacity(size);
                    if front {
                        out.resize(size - old, 0);
                        out.extend_from_slice(data);
                    } else {
                        out.extend_from_slice(data);
                        out.resize(size, 0);
                    }
                    out
                } else if front {
                    data[old - size..].to_vec()
                } else {
                    data[..size].to_vec()
                }
            }
            Prepared::Insert { offset, value } => {
                let at = byte_offset(offset, data.len())?;
                if (at.max(data.len()) + value.len()) as i64 >= MAX_BYTES {
                    return Err(Fail::Hard(rc::PARAMETER_ERROR));
                }
                let mut out = data.to_vec();
                if at > out.len() {
                    out.resize(at, 0);
                }
                out.splice(at..at, value.iter().copied());
                out
            }
            Prepared::Remove { offset, size } => {
                let at = byte_offset(offset, data.len())?;
                if at >= data.len() {
                    return Err(Fail::Soft(rc::PARAMETER_ERROR));
                }
                let end = if at + size > data.len() {
                    if !partial {
                        return Err(Fail::Soft(rc::PARAMETER_ERROR));
                    }
                    data.len()
                } else {
                    at + size
                };
                let mut out = data.to_vec();
                out.drain(at..end);
                out
            }
            Prepared::Logic { op, offset, size, value } => {
                let (off, size) = write_range(offset, size, bits, partial)?;
                let mut out = data.to_vec();
                match op {
                    code::SET => field::combine(&mut out, off, size, value, |_, v| v),
                    code::OR => field::combine(&mut out, off, size, value, |a, v| a | v),
                    code::XOR => field::combine(&mut out, off, size, value, |a, v| a ^ v),
                    _ => field::combine(&mut out, off, size, value, |a, v| a & v),
                }
                out
            }
            Prepared::Not { offset, size } => {
                let (off, size) = write_range(offset, size, bits, partial)?;
                let mut out = data.to_vec();
                field::combine(&mut out, off, size, &[], |a, _| !a);
                out
            }
            Prepared::Shift { left, offset, size, shift } => {
                let (off, size) = write_range(offset, size, bits, partial)?;
                let mut out = data.to_vec();
                field::shift(&mut out, off, size, shift, left);
                out
            }
            Prepared::Add { subtract, offset, size, value, signed, action } => {
                let (off, size) = write_range(offset, size, bits, false)?;
                let load = field::get_uint(data, off, size);
                let r = field::add(load, value, size, signed, subtract, action).ok_or(Fail::Soft(rc::OP_NOT_APPLICABLE))?;
                let mut out = data.to_vec();
                field::set_uint(&mut out, off, size, r);
                out
            }
            Prepared::SetInt { offset, size, value } => {
                let (off, size) = write_range(offset, size, bits, false)?;
                let mut out = data.to_vec();
                field::set_uint(&mut out, off, size, value & field::mask(size));
                out
            }
        };
        Ok(Some(out))
    }
}

/// A byte offset; a negative one counts from the end and may not pass the start
/// (bits_normalize_offset: 4, whatever the flags).
fn byte_offset(offset: i64, len: usize) -> Result<usize, Fail> {
    if offset >= 0 {
        return Ok(offset as usize);
    }
    let at = len as i64 + offset;
    if at < 0 { Err(Fail::Hard(rc::PARAMETER_ERROR)) } else { Ok(at as usize) }
}

fn resolve_offset(offset: i64, bits: u64) -> Result<u64, Fail> {
    if offset >= 0 {
        return Ok(offset as u64);
    }
    let at = bits as i64 + offset;
    if at < 0 { Err(Fail::Hard(rc::PARAMETER_ERROR)) } else { Ok(at as u64) }
}

/// A write's bit range within the blob: past the end is 26, unless `partial` trims a range that
/// starts inside it.
fn write_range(offset: i64, size: u64, bits: u64, partial: bool) -> Result<(u64, u64), Fail> {
    let off = resolve_offset(offset, bits)?;
    if off + size <= bits {
        return Ok((off, size));
    }
    if partial && off < bits {
        return Ok((off, bits - off));
    }
    Err(Fail::Soft(rc::OP_NOT_APPLICABLE))
}

/// Runs a read op against a bin's value. A missing bin reads as nothing, its arguments unread
/// (rw_utils.c process_bin_read_op calls the bits code only for a live bin).
pub fn read(current: Option<&Value>, raw: &[u8]) -> Result<Option<Value>, u8> {
    let Some(current) = current else { return Ok(None) };
    let (op, a) = args::parse_op(raw)?;
    let (min, max) = arg_counts(op, true).ok_or(rc::PARAMETER_ERROR)?;
    if a.len() < min || a.len() > max {
        return Err(rc::PARAMETER_ERROR);
    }
    let offset = check_offset(int_at(&a, 0)?)?;
    let size_arg = int_at(&a, 1)?;
    let size = if op == code::GET_INT { int_size(size_arg)? } else { check_size(size_arg)? };
    let scan_for = if matches!(op, code::LSCAN | code::RSCAN) { boolean(&a[2])? } else { false };
    // bits_parse_get_integer_subflags: only SIGNED (1) is allowed.
    let subflags = if op == code::GET_INT { int_or(&a, 2, 0)? } else { 0 };
    if subflags & !1 != 0 {
        return Err(rc::PARAMETER_ERROR);
    }
    let signed = subflags & 1 != 0;
    let Value::Blob(BLOB, data) = current else { return Err(rc::INCOMPATIBLE_TYPE) };
    let bits = data.len() as u64 * 8;
    let off = match resolve_offset(offset, bits) {
        Ok(o) => o,
        Err(Fail::Hard(c) | Fail::Soft(c)) => return Err(c),
    };
    if off + size > bits {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    Ok(Some(match op {
        code::GET => Value::Blob(BLOB, field::get_range(data, off, size)),
        code::COUNT => Value::Int(field::count(data, off, size) as i64),
        code::LSCAN => Value::Int(field::lscan(data, off, size, scan_for)),
        code::RSCAN => Value::Int(field::rscan(data, off, size, scan_for)),
        _ => {
            let v = field::get_uint(data, off, size);
            Value::Int(if signed { field::sign_extend(v, size) } else { v as i64 })
        }
    }))
}

/// Applies a modify op to a record's bin.
pub fn modify_bin(rec: &mut Record, name: &[u8], raw: &[u8]) -> Result<(), u8> {
    if let Some(v) = modify(rec.bin(name), raw)? {
        rec.set_bin(name, v);
    }
    Ok(())
}

pub fn read_bin(rec: &Record, name: &[u8], raw: &[u8]) -> Result<Option<Value>, u8> {
    read(rec.bin(name), raw)
}

#[cfg(test)]
mod tests;
