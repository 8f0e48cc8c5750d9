//! Unit tests of the bit operations against values the real server answered.

use super::*;
use crate::codec::msgpack::{self, MpValue};

fn blob_arg(b: &[u8]) -> MpValue {
    let mut d = vec![4u8];
    d.extend_from_slice(b);
    MpValue::Raw { bin: false, data: d }
}

fn op(items: Vec<MpValue>) -> Vec<u8> {
    msgpack::to_bytes(&MpValue::Array(items))
}

fn i(v: i64) -> MpValue {
    MpValue::Int(v)
}

fn blob(b: &[u8]) -> Value {
    Value::Blob(BLOB, b.to_vec())
}

#[test]
fn resize_and_insert() {
    let v = blob(&[1, 2, 3, 4, 5, 6]);
    assert_eq!(modify(Some(&v), &op(vec![i(0), i(2), i(0), i(0)])), Ok(Some(blob(&[1, 2]))));
    assert_eq!(modify(Some(&v), &op(vec![i(0), i(2), i(0), i(1)])), Ok(Some(blob(&[5, 6]))));
    assert_eq!(modify(None, &op(vec![i(0), i(0), i(0), i(0)])), Ok(None));
    assert_eq!(modify(None, &op(vec![i(1), i(2), blob_arg(&[0xff, 1]), i(0)])), Ok(Some(blob(&[0, 0, 0xff, 1]))));
    assert_eq!(modify(None, &op(vec![i(1), i(-1), blob_arg(&[0x7f]), i(0)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(1), i(0), blob_arg(&[]), i(0)])), Err(rc::PARAMETER_ERROR));
}

#[test]
fn flags_and_missing_bins() {
    let v = blob(&[1]);
    assert_eq!(modify(Some(&v), &op(vec![i(0), i(3), i(1), i(0)])), Err(rc::BIN_EXISTS));
    assert_eq!(modify(Some(&v), &op(vec![i(0), i(3), i(5), i(0)])), Ok(None));
    assert_eq!(modify(None, &op(vec![i(3), i(0), i(8), blob_arg(&[1]), i(0)])), Err(rc::BIN_NOT_FOUND));
    assert_eq!(modify(Some(&Value::Int(1)), &op(vec![i(7), i(0), i(8), i(0)])), Err(rc::INCOMPATIBLE_TYPE));
    assert_eq!(modify(Some(&v), &op(vec![i(2), i(0), i(1), i(1)])), Err(rc::PARAMETER_ERROR));
}

#[test]
fn arithmetic_overflow_actions() {
    let v = blob(&[0x0f, 0xaf]);
    let add = |action: i64, flags: i64| modify(Some(&v), &op(vec![i(10), i(4), i(8), i(10), i(flags), i(action)]));
    assert_eq!(add(0, 0), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(add(2, 0), Ok(Some(blob(&[0x0f, 0xff]))));
    assert_eq!(add(4, 0), Ok(Some(blob(&[0x00, 0x4f]))));
    assert_eq!(add(0, 4), Ok(None));
    assert_eq!(add(6, 0), Err(rc::PARAMETER_ERROR));
}

#[test]
fn reads_and_ranges() {
    let v = blob(&[0x81, 0x42, 0x24, 0x18, 0xff, 0x00, 0xa5]);
    assert_eq!(read(Some(&v), &op(vec![i(50), i(3), i(10)])), Ok(Some(blob(&[0x0a, 0x00]))));
    assert_eq!(read(Some(&v), &op(vec![i(50), i(50), i(7)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(read(Some(&v), &op(vec![i(50), i(-57), i(1)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&v), &op(vec![i(54), i(0), i(65)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&v), &op(vec![i(54), i(0), i(8), i(1)])), Ok(Some(Value::Int(-127))));
    assert_eq!(read(None, &op(vec![i(51), i(0), i(8)])), Ok(None));
}

#[test]
fn garbage_never_panics() {
    let v = blob(&[1, 2, 3]);
    let mut x: u32 = 7;
    for len in 0..24 {
        for _ in 0..300 {
            let buf: Vec<u8> = (0..len).map(|_| { x = x.wrapping_mul(1103515245).wrapping_add(12345); (x >> 16) as u8 }).collect();
            let _ = modify(Some(&v), &buf);
            let _ = read(Some(&v), &buf);
        }
    }
    for code in [0, 1, 2, 3, 7, 8, 10, 12, 50, 51, 52, 53, 54] {
        for a in [i64::MIN, -1_000_000_000_000, -9, -1, 0, 1, 64, 65, 1 << 40, i64::MAX] {
            let b = op(vec![i(code), i(a), i(a), i(a), i(a), i(a)]);
            let _ = modify(Some(&v), &b);
            let _ = read(Some(&v), &b);
        }
    }
}
