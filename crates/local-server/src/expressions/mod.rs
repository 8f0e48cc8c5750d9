//! Aerospike expressions (placeholder while the evaluator is written).

use crate::codec::particle::Value;
use crate::result_code as rc;
use crate::storage::{Digest, Record};

pub struct RecordView<'a> {
    pub record: &'a Record,
    pub digest: &'a Digest,
}

pub fn filter_matches(_expr: &[u8], _view: &RecordView<'_>) -> Result<bool, u8> {
    Err(rc::PARAMETER_ERROR)
}

pub fn read_op(_view: &RecordView<'_>, _raw: &[u8]) -> Result<Option<Value>, u8> {
    Err(rc::PARAMETER_ERROR)
}

pub fn write_op(_rec: &mut Record, _digest: &Digest, _name: &[u8], _raw: &[u8]) -> Result<(), u8> {
    Err(rc::PARAMETER_ERROR)
}
