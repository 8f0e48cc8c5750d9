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

// particle_blob.c, bits_parse_op: each op takes min_args..=max_args arguments after its code
// (resize 1..3, set 3..4, add 3..5, get 2, lscan 3, get_int 2..3); any other count is 4.
#[test]
fn argument_counts_follow_the_op_tables() {
    let v = blob(&[0xff, 0x00]);
    assert_eq!(modify(Some(&v), &op(vec![i(0), i(2), i(0), i(0), i(0)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(3), i(0), i(8)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(12), i(0), i(8), i(1), i(0), i(0)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&v), &op(vec![i(50), i(0), i(8), i(0)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&v), &op(vec![i(52), i(0), i(8)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&v), &op(vec![i(54), i(0), i(8), i(1), i(0)])), Err(rc::PARAMETER_ERROR));
}

// particle_blob.c, bits_parse_boolean_value (msgpack_get_bool: only a msgpack bool),
// bits_parse_get_integer_subflags (only SIGNED), bits_parse_n_bits_value (a shift of at most
// 2^30 bits): all 4.
#[test]
fn scan_values_subflags_and_shift_counts() {
    let v = blob(&[0x0f, 0x00]);
    assert_eq!(read(Some(&v), &op(vec![i(52), i(0), i(16), MpValue::Bool(true)])), Ok(Some(Value::Int(4))));
    assert_eq!(read(Some(&v), &op(vec![i(52), i(0), i(16), i(1)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&v), &op(vec![i(54), i(0), i(8), i(1)])), Ok(Some(Value::Int(15))));
    assert_eq!(read(Some(&v), &op(vec![i(54), i(0), i(8), i(2)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(8), i(0), i(16), i(1 << 30), i(0)])), Ok(Some(blob(&[0, 0]))));
    assert_eq!(modify(Some(&v), &op(vec![i(8), i(0), i(16), i((1 << 30) + 1), i(0)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(9), i(0), i(16), i(-1), i(0)])), Err(rc::PARAMETER_ERROR));
}

// rw_utils.c, process_bin_read_op: a bit read on a missing bin answers nothing without parsing
// its arguments, so even a bad op is no error there.
#[test]
fn reads_of_a_missing_bin_parse_nothing() {
    assert_eq!(read(None, &op(vec![i(50), i(0), i(0)])), Ok(None));
    assert_eq!(read(None, &op(vec![i(99)])), Ok(None));
    assert_eq!(read(Some(&blob(&[1])), &op(vec![i(50), i(0), i(0)])), Err(rc::PARAMETER_ERROR));
}

// particle_blob.c, bits_prepare_op / bits_normalize_offset: a negative offset on a missing bin,
// or one reaching before the start, is 4 before any NO_FAIL test; NO_FAIL only rescues the
// errors of the per-op prepare functions (bits_prepare_remove_op, bits_prepare_modify_op, ...).
#[test]
fn offset_errors_are_not_rescued_by_no_fail() {
    let v = blob(&[1, 2]);
    assert_eq!(modify(None, &op(vec![i(1), i(-1), blob_arg(&[7]), i(4)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(1), i(-3), blob_arg(&[7]), i(4)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(2), i(-3), i(1), i(4)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(3), i(-17), i(8), blob_arg(&[0xff]), i(4)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&v), &op(vec![i(10), i(-17), i(8), i(1), i(4)])), Err(rc::PARAMETER_ERROR));
    // What the prepare functions refuse, NO_FAIL turns into a no-op.
    assert_eq!(modify(Some(&v), &op(vec![i(2), i(2), i(1), i(4)])), Ok(None));
    assert_eq!(modify(Some(&v), &op(vec![i(3), i(16), i(8), blob_arg(&[0xff]), i(4)])), Ok(None));
    assert_eq!(modify(Some(&v), &op(vec![i(10), i(12), i(8), i(1), i(4)])), Ok(None));
}

// particle_blob.c, bits_prepare_resize_op: a missing bin is resized from 0 bytes, so
// SHRINK_ONLY growing it is 4 (NO_FAIL: nothing), and a resize to the current size is a no-op.
#[test]
fn resize_flags_apply_to_a_missing_bin() {
    assert_eq!(modify(None, &op(vec![i(0), i(2), i(0), i(4)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(None, &op(vec![i(0), i(2), i(4), i(4)])), Ok(None));
    assert_eq!(modify(None, &op(vec![i(0), i(2), i(0), i(2)])), Ok(Some(blob(&[0, 0]))));
    assert_eq!(modify(Some(&blob(&[5])), &op(vec![i(0), i(1), i(0), i(2)])), Ok(None));
}

// particle_blob.c, bits_parse_byte_size_allow_zero / bits_prepare_modify: a size above 2^27
// bytes is refused while parsing, a result of 2^27 bytes or more after; both 4.
#[test]
fn result_size_limit() {
    assert_eq!(modify(None, &op(vec![i(0), i((1 << 27) + 1)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(None, &op(vec![i(0), i(1 << 27), i(4)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(modify(None, &op(vec![i(1), i((1 << 27) - 1), blob_arg(&[1]), i(4)])), Err(rc::PARAMETER_ERROR));
}
