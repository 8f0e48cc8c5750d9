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

// Path expressions (SelectByPath / ModifyByPath): the select op on list and map values.

/// `LoopVar(type, id)`: id 0 key, 1 value, 2 index.
fn loop_var(ty: i64, id: i64) -> M {
    call(122, vec![M::Int(ty), M::Int(id)])
}

fn doc() -> M {
    let inner = |x: i64, y: i64| M::Map(vec![(s("x"), M::Int(x)), (s("y"), M::Int(y))]);
    M::Map(vec![(s("a"), inner(1, 5)), (s("b"), inner(7, 2))])
}
/// Runs a select op (`[0xfe, ctx, flags, modify?]`) the way its expression calls it: apply
/// (flags 4) as a modify, the rest as reads.
fn select(ctx: Vec<M>, flags: i64, modify: Option<M>, bin: &M) -> Option<M> {
    let mut items = vec![M::Int(0xfe), M::Array(ctx), M::Int(flags)];
    items.extend(modify);
    assert!(path::well_formed(&items));
    let op = path::parse(&items)?;
    path::run(&op, bin, flags & 0x0f == 4, 0)
}
/// The "all children" context level.
const ALL: [M; 2] = [M::Int(4), M::Bool(true)];

#[test]
fn selects_values_keys_and_trees() {
    let x_of_all = vec![ALL[0].clone(), ALL[1].clone(), M::Int(0x22), s("x")];
    assert_eq!(select(x_of_all.clone(), 1, None, &doc()), Some(M::Array(vec![M::Int(1), M::Int(7)])));
    let tree = M::Map(vec![(s("a"), M::Map(vec![(s("x"), M::Int(1))])), (s("b"), M::Map(vec![(s("x"), M::Int(7))]))]);
    assert_eq!(select(x_of_all, 0, None, &doc()), Some(tree));
    // Children whose "x" is above 3: by key, and by key and value.
    let big_x = call(3, vec![call(127, vec![M::Int(2), M::Int(0), M::Array(vec![M::Int(97), M::Int(7), s("x")]), loop_var(5, 1)]), M::Int(3)]);
    let ctx = vec![M::Int(4), big_x];
    assert_eq!(select(ctx.clone(), 2, None, &doc()), Some(M::Array(vec![s("b")])));
    let M::Map(pairs) = doc() else { unreachable!() };
    assert_eq!(select(ctx, 3, None, &doc()), Some(M::Array(vec![s("b"), pairs[1].1.clone()])));
    assert_eq!(select(ALL.to_vec(), 0, None, &doc()), Some(doc()));
}

#[test]
fn modifies_and_removes_at_the_last_level() {
    let list = M::Array(vec![M::Int(1), M::Int(5), M::Int(3), M::Int(8)]);
    let add100 = call(20, vec![loop_var(2, 1), M::Int(100)]);
    let out = select(ALL.to_vec(), 4, Some(add100), &list);
    assert_eq!(out, Some(M::Array([101, 105, 103, 108].into_iter().map(M::Int).collect())));
    let above_2 = vec![M::Int(4), call(3, vec![loop_var(2, 1), M::Int(2)])];
    let double = call(22, vec![loop_var(2, 1), M::Int(2)]);
    assert_eq!(select(above_2, 4, Some(double), &list), Some(M::Array([1, 10, 6, 16].into_iter().map(M::Int).collect())));

    let is_a = vec![M::Int(4), call(1, vec![loop_var(3, 0), s("a")])];
    let M::Map(pairs) = doc() else { unreachable!() };
    assert_eq!(select(is_a, 4, Some(call(100, vec![])), &doc()), Some(M::Map(vec![pairs[1].clone()])));
}

#[test]
fn unknown_fails_unless_no_fail() {
    // LoopVarInt on the map's values (maps): unknown.
    let add = call(20, vec![loop_var(2, 1), M::Int(1)]);
    assert_eq!(select(ALL.to_vec(), 4, Some(add.clone()), &doc()), None);
    assert_eq!(select(ALL.to_vec(), 4 | 0x10, Some(add), &doc()), Some(doc()));
    // Keys of a list.
    let list = M::Array(vec![M::Int(1)]);
    assert_eq!(select(ALL.to_vec(), 2, None, &list), None);
    assert_eq!(select(ALL.to_vec(), 2 | 0x10, None, &list), Some(M::Array(vec![])));
}

#[test]
fn index_rank_and_and_filters() {
    let list = M::Array(vec![M::Int(30), M::Int(10), M::Int(20)]);
    assert_eq!(select(vec![M::Int(0x10), M::Int(-1)], 1, None, &list), Some(M::Array(vec![M::Int(20)])));
    assert_eq!(select(vec![M::Int(0x11), M::Int(0)], 1, None, &list), Some(M::Array(vec![M::Int(10)])));
    assert_eq!(select(vec![M::Int(0x10), M::Int(9)], 1, None, &list), Some(M::Array(vec![])));
    let index_is_0 = call(1, vec![loop_var(2, 2), M::Int(0)]);
    let anded = vec![M::Int(0x13), M::Int(30), M::Int(0x204), index_is_0.clone()];
    assert_eq!(select(anded, 1, None, &list), Some(M::Array(vec![M::Int(30)])));
    // AND needs a level before it, and not an expression level.
    assert!(path::parse(&[M::Int(0xfe), M::Array(vec![M::Int(0x204), index_is_0.clone()]), M::Int(1)]).is_none());
    assert!(path::parse(&[M::Int(0xfe), M::Array(vec![M::Int(4), M::Bool(true), M::Int(0x204), index_is_0]), M::Int(1)]).is_none());
    // Apply needs its expression, and select must not have one.
    assert!(path::parse(&[M::Int(0xfe), M::Array(ALL.to_vec()), M::Int(4)]).is_none());
    assert!(path::parse(&[M::Int(0xfe), M::Array(ALL.to_vec()), M::Int(1), M::Int(1)]).is_none());
}

#[test]
fn ordered_lists_stay_sorted_and_record_access_is_unknown() {
    let ordered = M::Array(vec![M::Ext(1, vec![]), M::Int(1), M::Int(2), M::Int(3)]);
    let negate = call(21, vec![loop_var(2, 1)]);
    let out = select(ALL.to_vec(), 4, Some(negate), &ordered);
    assert_eq!(out, Some(M::Array(vec![M::Ext(1, vec![]), M::Int(-3), M::Int(-2), M::Int(-1)])));
    // A bin read inside the filter is unknown: the filter runs without the record.
    let bin_read = vec![M::Int(4), call(1, vec![call(81, vec![M::Int(2), M::Raw { bin: false, data: b"a".to_vec() }]), M::Int(1)])];
    assert_eq!(select(bin_read, 1, None, &ordered), None);
}

#[test]
fn path_calls_inside_expressions() {
    let mut rec = record();
    let list = M::Array([1, 5, 3, 8].into_iter().map(M::Int).collect());
    rec.set_bin(b"l", Value::List(msgpack::to_bytes(&list)));
    let digest = [0u8; 20];
    let view = RecordView { record: &rec, digest: &digest };
    let list_bin = call(81, vec![M::Int(4), name("l")]);
    let add100 = call(20, vec![loop_var(2, 1), M::Int(100)]);
    let modify_by_path = |system: i64| {
        let op = M::Array(vec![M::Int(0xfe), M::Array(ALL.to_vec()), M::Int(4), add100.clone()]);
        call(127, vec![M::Int(4), M::Int(system), op, list_bin.clone()])
    };
    let read = |e: &M| read_op(&view, &msgpack::to_bytes(&M::Array(vec![e.clone(), M::Int(0)])));
    let added = M::Array([101, 105, 103, 108].into_iter().map(M::Int).collect());
    assert_eq!(read(&modify_by_path(0x40)), Ok(Some(Value::List(msgpack::to_bytes(&added)))));
    // Apply called as a read is refused by the CDT layer: unknown.
    assert_eq!(read(&modify_by_path(0)), Err(rc::OP_NOT_APPLICABLE));
    // A select call needs a context list: it does not build otherwise.
    let bad = call(127, vec![M::Int(4), M::Int(0), M::Array(vec![M::Int(0xfe), M::Int(4), M::Int(1)]), list_bin]);
    assert_eq!(read(&bad), Err(rc::PARAMETER_ERROR));
}
