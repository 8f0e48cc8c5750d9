//! The ops whose semantics live in their own modules — CDT list/map (`cdt`), bit (`bits`),
//! HyperLogLog (`hll`) and expression (`expressions`) reads and modifies — dispatched for the read and write paths.

use crate::codec::message::op;
use crate::codec::particle::Value;
use crate::storage::{Digest, Record};
use crate::{bits, cdt, expressions, hll};

/// Whether `op_type` is dispatched here.
pub fn handles(op_type: u8) -> bool {
    matches!(op_type, op::CDT_READ | op::CDT_MODIFY | op::BIT_READ | op::BIT_MODIFY | op::HLL_READ | op::HLL_MODIFY | op::EXP_READ | op::EXP_MODIFY)
}

/// Whether `op_type` is one of the read ops dispatched here (OP_IS_READ, less the plain read).
pub fn is_read(op_type: u8) -> bool {
    matches!(op_type, op::CDT_READ | op::BIT_READ | op::HLL_READ | op::EXP_READ)
}

/// Runs a read op (the record is not changed). `None` is a missing value.
pub fn read(rec: &Record, digest: &Digest, op_type: u8, name: &[u8], raw: &[u8]) -> Result<Option<Value>, u8> {
    match op_type {
        op::CDT_READ => cdt::read_bin(rec, name, raw),
        op::BIT_READ => bits::read_bin(rec, name, raw),
        op::HLL_READ => hll::read_bin(rec, name, raw),
        op::EXP_READ => expressions::read_op(&expressions::RecordView { record: rec, digest }, raw),
        _ => Err(crate::result_code::PARAMETER_ERROR),
    }
}

/// Runs a read or modify op on the record being written; a modify may answer a value too
/// (HLL add answers how many registers it changed).
pub fn apply(rec: &mut Record, digest: &Digest, op_type: u8, name: &[u8], raw: &[u8]) -> Result<Option<Value>, u8> {
    match op_type {
        op::CDT_MODIFY => cdt::modify_bin(rec, name, raw),
        op::BIT_MODIFY => bits::modify_bin(rec, name, raw).map(|()| None),
        op::HLL_MODIFY => hll::modify_bin(rec, name, raw),
        op::EXP_MODIFY => expressions::write_op(rec, digest, name, raw).map(|()| None),
        _ => read(rec, digest, op_type, name, raw),
    }
}
