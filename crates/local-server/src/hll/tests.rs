//! Unit tests of the HLL operations and estimates.

use super::*;

fn op(items: Vec<MpValue>) -> Vec<u8> {
    msgpack::to_bytes(&MpValue::Array(items))
}

fn s(t: &str) -> MpValue {
    let mut d = vec![3u8];
    d.extend_from_slice(t.as_bytes());
    MpValue::Raw { bin: false, data: d }
}

#[test]
fn init_add_count() {
    let m = modify(None, &op(vec![MpValue::Int(0), MpValue::Int(8), MpValue::Int(-1), MpValue::Int(0)])).expect("init");
    let v = m.value.expect("value");
    assert_eq!(read(Some(&v), &op(vec![MpValue::Int(50)])), Ok(Some(Value::Int(0))));
    let items = (0..1000).map(|i| s(&format!("item{i}"))).collect();
    let m = modify(Some(&v), &op(vec![MpValue::Int(1), MpValue::Array(items), MpValue::Int(-1), MpValue::Int(-1), MpValue::Int(0)])).expect("add");
    let v = m.value.expect("value");
    let Ok(Some(Value::Int(c))) = read(Some(&v), &op(vec![MpValue::Int(50)])) else { panic!("count") };
    assert!((900..1100).contains(&c), "{c}");
}

#[test]
fn bad_arguments() {
    assert_eq!(modify(None, &op(vec![MpValue::Int(0), MpValue::Int(3)])).err(), Some(rc::PARAMETER_ERROR));
    assert_eq!(modify(None, &op(vec![MpValue::Int(1), MpValue::Array(vec![s("a")])])).err(), Some(rc::OP_NOT_APPLICABLE));
    assert_eq!(modify(Some(&Value::Int(1)), &op(vec![MpValue::Int(0), MpValue::Int(8)])).err(), Some(rc::INCOMPATIBLE_TYPE));
    assert_eq!(modify(None, &op(vec![MpValue::Int(1), MpValue::Array(vec![MpValue::Array(vec![])]), MpValue::Int(8)])).err(), Some(rc::PARAMETER_ERROR));
}

#[test]
fn garbage_never_panics() {
    let v = modify(None, &op(vec![MpValue::Int(0), MpValue::Int(4)])).expect("init").value.expect("v");
    let mut x: u32 = 9;
    for len in 0..24 {
        for _ in 0..300 {
            let buf: Vec<u8> = (0..len).map(|_| { x = x.wrapping_mul(1103515245).wrapping_add(12345); (x >> 16) as u8 }).collect();
            let _ = modify(Some(&v), &buf);
            let _ = read(Some(&v), &buf);
        }
    }
}

/// Estimates the real server gave (golden hll.count_ints, hll.count_10000_strings).
#[test]
fn estimates_match_the_server() {
    let count = |ib: i64, items: Vec<MpValue>| {
        let init = modify(None, &op(vec![MpValue::Int(0), MpValue::Int(ib)])).expect("init").value.expect("v");
        let v = modify(Some(&init), &op(vec![MpValue::Int(1), MpValue::Array(items)])).expect("add").value.expect("v");
        read(Some(&v), &op(vec![MpValue::Int(50)])).expect("count")
    };
    assert_eq!(count(10, (0..1000).map(MpValue::Int).collect()), Some(Value::Int(994)));
    assert_eq!(count(10, (0..5000).map(MpValue::Int).collect()), Some(Value::Int(4893)));
    assert_eq!(count(8, (0..10000).map(|i| s(&format!("item{i}"))).collect()), Some(Value::Int(9851)));
}

fn i(v: i64) -> MpValue {
    MpValue::Int(v)
}

// particle_hll.c, hll_parse_n_index_bits takes -1 ("unset") for fold too, and
// hll_modify_prepare_fold_op then finds the HLL's index bits below 0xff: 26, no new HLL.
#[test]
fn fold_with_unset_index_bits_is_not_applicable() {
    let v = modify(None, &op(vec![i(0), i(8), i(0), i(0)])).expect("init").value.expect("value");
    assert_eq!(modify(Some(&v), &op(vec![i(4), i(-1)])).err(), Some(rc::OP_NOT_APPLICABLE));
    assert_eq!(modify(Some(&v), &op(vec![i(4), i(3)])).err(), Some(rc::PARAMETER_ERROR));
    assert!(modify(Some(&v), &op(vec![i(4), i(4)])).is_ok());
}

// particle_hll.c: hll_state_init refuses an op code of the wrong kind (4) before hll_verify_bin
// sees a non-HLL bin (12); process_bin_read_op never parses a read of a missing bin.
#[test]
fn op_code_before_bin_type_and_missing_bins_unparsed() {
    let int_bin = Value::Int(1);
    assert_eq!(modify(Some(&int_bin), &op(vec![i(50)])).err(), Some(rc::PARAMETER_ERROR));
    assert_eq!(modify(Some(&int_bin), &op(vec![i(3)])).err(), Some(rc::INCOMPATIBLE_TYPE));
    assert_eq!(read(Some(&int_bin), &op(vec![i(0)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(read(Some(&int_bin), &op(vec![i(50)])), Err(rc::INCOMPATIBLE_TYPE));
    assert_eq!(read(None, &op(vec![i(51), MpValue::Array(vec![])])), Ok(None));
    assert_eq!(read(None, &op(vec![i(0)])), Ok(None));
}
