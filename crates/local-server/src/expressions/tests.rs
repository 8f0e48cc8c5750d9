//! Unit tests of expression building and evaluation.

use super::*;
use crate::codec::msgpack::MpValue as M;

fn s(t: &str) -> M {
    let mut d = vec![3u8];
    d.extend_from_slice(t.as_bytes());
    M::Raw { bin: false, data: d }
}
fn name(t: &str) -> M {
    M::Raw { bin: false, data: t.as_bytes().to_vec() }
}
fn call(code: i64, args: Vec<M>) -> M {
    let mut v = vec![M::Int(code)];
    v.extend(args);
    M::Array(v)
}
fn int_bin(n: &str) -> M {
    call(81, vec![M::Int(2), name(n)])
}

fn record() -> Record {
    let mut r = Record::new(b"set".to_vec());
    r.set_bin(b"a", Value::Int(7));
    r.set_bin(b"s", Value::Str(b"abc".to_vec()));
    r
}

fn eval_on(e: &M) -> Result<Option<Value>, u8> {
    let rec = record();
    let digest = [0u8; 20];
    let raw = msgpack::to_bytes(&M::Array(vec![e.clone(), M::Int(0)]));
    read_op(&RecordView { record: &rec, digest: &digest }, &raw)
}

fn filter(e: &M) -> Result<bool, u8> {
    let rec = record();
    let digest = [0u8; 20];
    filter_matches(&msgpack::to_bytes(e), &RecordView { record: &rec, digest: &digest })
}

#[test]
fn comparisons_and_unknown_logic() {
    let eq = |b: M, v: M| call(1, vec![b, v]);
    assert_eq!(filter(&eq(int_bin("a"), M::Int(7))), Ok(true));
    assert_eq!(filter(&eq(int_bin("zz"), M::Int(7))), Ok(false));
    assert_eq!(filter(&call(18, vec![eq(int_bin("zz"), M::Int(7))])), Ok(false));
    let unk = eq(int_bin("zz"), M::Int(1));
    let t = M::Bool(true);
    let f = M::Bool(false);
    assert_eq!(eval_on(&call(16, vec![f.clone(), unk.clone()])), Ok(Some(Value::Bool(false))));
    assert_eq!(eval_on(&call(17, vec![t.clone(), unk.clone()])), Ok(Some(Value::Bool(true))));
    assert_eq!(eval_on(&call(19, vec![t.clone(), t.clone(), unk.clone()])), Ok(Some(Value::Bool(false))));
    assert_eq!(eval_on(&call(19, vec![t.clone(), unk])), Err(rc::OP_NOT_APPLICABLE));
    // Types must agree at build time.
    assert_eq!(filter(&eq(int_bin("a"), s("7"))), Err(rc::PARAMETER_ERROR));
    assert_eq!(filter(&int_bin("a")), Err(rc::PARAMETER_ERROR));
}

#[test]
fn arithmetic_edges() {
    assert_eq!(eval_on(&call(23, vec![M::Int(i64::MIN), M::Int(-1)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(eval_on(&call(26, vec![M::Int(i64::MIN), M::Int(-1)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(eval_on(&call(23, vec![M::Int(4)])), Ok(Some(Value::Int(0))));
    assert_eq!(eval_on(&call(26, vec![M::Int(-7), M::Int(3)])), Ok(Some(Value::Int(-1))));
    assert_eq!(eval_on(&call(27, vec![M::Int(i64::MIN)])), Ok(Some(Value::Int(i64::MIN))));
    assert_eq!(eval_on(&call(36, vec![M::Int(1), M::Int(64)])), Ok(Some(Value::Int(1))));
    assert_eq!(eval_on(&call(30, vec![M::Float(f64::NAN)])), Ok(Some(Value::Int(i64::MIN))));
    assert_eq!(eval_on(&call(20, vec![M::Int(1), M::Float(1.0)])), Err(rc::PARAMETER_ERROR));
}

#[test]
fn let_cond_and_regex() {
    let e = call(125, vec![name("x"), int_bin("a"), call(22, vec![call(124, vec![name("x")]), M::Int(2)])]);
    assert_eq!(eval_on(&e), Ok(Some(Value::Int(14))));
    let bad = call(125, vec![name("x"), call(124, vec![name("x")]), M::Int(1)]);
    assert_eq!(eval_on(&bad), Err(rc::PARAMETER_ERROR));
    let c = call(123, vec![call(1, vec![int_bin("a"), M::Int(7)]), s("seven"), s("other")]);
    assert_eq!(eval_on(&c), Ok(Some(Value::Str(b"seven".to_vec()))));
    let re = call(7, vec![M::Int(0), name("^a.c$"), call(81, vec![M::Int(3), name("s")])]);
    assert_eq!(eval_on(&re), Ok(Some(Value::Bool(true))));
}

#[test]
fn garbage_never_panics() {
    let rec = record();
    let digest = [7u8; 20];
    let view = RecordView { record: &rec, digest: &digest };
    let mut x: u32 = 1;
    for len in 0..40 {
        for _ in 0..400 {
            let mut buf: Vec<u8> = (0..len).map(|_| { x = x.wrapping_mul(1103515245).wrapping_add(12345); (x >> 16) as u8 }).collect();
            let _ = filter_matches(&buf, &view);
            if !buf.is_empty() {
                buf[0] = 0x93;
            }
            let _ = filter_matches(&buf, &view);
            let _ = read_op(&view, &buf);
        }
    }
    // Every op code with a few argument shapes.
    for code in 0..130 {
        for args in [vec![], vec![M::Int(1)], vec![M::Int(1), M::Int(2)], vec![int_bin("a"), M::Int(0)], vec![M::Int(2), M::Int(0), M::Array(vec![M::Int(50)]), M::Nil]] {
            let e = call(code, args);
            let _ = filter(&e);
            let _ = eval_on(&e);
        }
    }
}
