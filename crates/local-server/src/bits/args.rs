//! Reading the msgpack argument lists of bit, HLL and expression operations: typed accessors
//! whose failures are result code 4.

use crate::codec::msgpack::{self, MpValue, RAW_BLOB, RAW_STRING};
use crate::result_code as rc;

/// An operation's `[code, args...]` list.
pub fn parse_op(raw: &[u8]) -> Result<(i64, Vec<MpValue>), u8> {
    match msgpack::parse(raw).map_err(|_| rc::PARAMETER_ERROR)? {
        MpValue::Array(mut items) if !items.is_empty() => {
            let code = int(&items[0])?;
            items.remove(0);
            Ok((code, items))
        }
        _ => Err(rc::PARAMETER_ERROR),
    }
}

pub fn int(v: &MpValue) -> Result<i64, u8> {
    match v {
        MpValue::Int(i) => Ok(*i),
        MpValue::UInt(u) => Ok(*u as i64),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

pub fn int_at(args: &[MpValue], i: usize) -> Result<i64, u8> {
    args.get(i).ok_or(rc::PARAMETER_ERROR).and_then(int)
}

/// An optional trailing integer (absent means `default`).
pub fn int_or(args: &[MpValue], i: usize, default: i64) -> Result<i64, u8> {
    args.get(i).map_or(Ok(default), int)
}

/// A msgpack boolean; msgpack_get_bool takes nothing else (an integer is 4).
pub fn boolean(v: &MpValue) -> Result<bool, u8> {
    match v {
        MpValue::Bool(b) => Ok(*b),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// A bytes value: msgpack raw carrying the blob particle type in front (or a bare msgpack bin).
pub fn blob(v: &MpValue) -> Result<&[u8], u8> {
    match v {
        MpValue::Raw { data, .. } if data.first() == Some(&RAW_BLOB) => Ok(&data[1..]),
        MpValue::Raw { bin: true, data } => Ok(data),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// A string value: msgpack raw carrying the string particle type in front.
pub fn string(v: &MpValue) -> Result<&[u8], u8> {
    match v {
        MpValue::Raw { data, .. } if data.first() == Some(&RAW_STRING) => Ok(&data[1..]),
        _ => Err(rc::PARAMETER_ERROR),
    }
}
