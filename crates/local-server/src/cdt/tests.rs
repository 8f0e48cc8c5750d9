//! Unit tests for the CDT ops: each family, flags, contexts, return types and hostile input.

use super::*;
use crate::codec::msgpack::{to_bytes, MpValue as M};

fn s(t: &str) -> M {
    let mut d = vec![RAW_STRING];
    d.extend_from_slice(t.as_bytes());
    M::Raw { bin: false, data: d }
}
fn i(v: i64) -> M {
    M::Int(v)
}
fn arr(v: Vec<M>) -> M {
    M::Array(v)
}
fn ints(v: &[i64]) -> M {
    arr(v.iter().map(|&x| i(x)).collect())
}
fn op(code: i64, args: Vec<M>) -> Vec<u8> {
    let mut v = vec![i(code)];
    v.extend(args);
    to_bytes(&arr(v))
}
fn ctx_op(ctx: Vec<M>, code: i64, args: Vec<M>) -> Vec<u8> {
    let mut inner = vec![i(code)];
    inner.extend(args);
    to_bytes(&arr(vec![i(0xff), arr(ctx), arr(inner)]))
}
fn list(v: M) -> Value {
    Value::List(to_bytes(&v))
}
fn map(pairs: Vec<(M, M)>) -> Value {
    Value::Map(to_bytes(&M::Map(pairs)))
}
fn mp(v: &Value) -> M {
    from_value(v).expect("value converts")
}
/// Runs a modify op and returns (result as msgpack, new bin as msgpack).
fn w(bin: Option<&Value>, payload: &[u8]) -> Result<(Option<M>, Option<M>), u8> {
    let a = apply(bin, payload, true)?;
    Ok((a.result.as_ref().map(mp), a.bin.as_ref().map(mp)))
}
fn r(bin: Option<&Value>, payload: &[u8]) -> Result<Option<M>, u8> {
    Ok(apply(bin, payload, false)?.result.as_ref().map(mp))
}

const VALUE: i64 = result::VALUE;
const INV: i64 = result::INVERTED;

#[test]
fn list_writes_and_reads() {
    let b = list(ints(&[3, 1, 2]));
    let (res, after) = w(Some(&b), &op(1, vec![i(4)])).expect("append");
    assert_eq!(res, Some(i(4)));
    assert_eq!(after, Some(ints(&[3, 1, 2, 4])));
    let (_, after) = w(Some(&b), &op(3, vec![i(5), s("x")])).expect("insert pads");
    assert_eq!(after, Some(arr(vec![i(3), i(1), i(2), M::Nil, M::Nil, s("x")])));
    assert_eq!(r(Some(&b), &op(17, vec![i(-1)])), Ok(Some(i(2))));
    assert_eq!(r(Some(&b), &op(17, vec![i(3)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(r(Some(&b), &op(18, vec![i(1), i(-1)])), Ok(Some(ints(&[1, 2]))));
    let (res, after) = w(Some(&b), &op(10, vec![i(-3), i(2)])).expect("trim");
    assert_eq!((res, after), (Some(i(1)), Some(ints(&[3, 1]))));
    let (res, after) = w(Some(&b), &op(6, vec![i(0), i(-1)])).expect("pop_range to the end");
    assert_eq!((res, after), (Some(ints(&[3, 1, 2])), Some(ints(&[]))));
    // Missing bin: pop answers nothing and creates nothing; sort is 12.
    assert_eq!(w(None, &op(5, vec![i(0)])), Ok((None, None)));
    assert_eq!(w(None, &op(13, vec![i(0)])), Err(rc::INCOMPATIBLE_TYPE));
    // A modify op code in a read op is refused.
    assert_eq!(r(Some(&b), &op(1, vec![i(1)])), Err(rc::PARAMETER_ERROR));
}

#[test]
fn ordered_lists_sort_and_refuse_positions() {
    let (_, after) = w(Some(&list(ints(&[9, 1, 5]))), &op(0, vec![i(1)])).expect("set_order");
    let ordered = after.expect("list");
    assert_eq!(ordered, arr(vec![M::Ext(1, vec![]), i(1), i(5), i(9)]));
    let b = Value::List(to_bytes(&ordered));
    let (_, after) = w(Some(&b), &op(2, vec![ints(&[10, 0, 5])])).expect("append_items");
    assert_eq!(after, Some(arr(vec![M::Ext(1, vec![]), i(0), i(1), i(5), i(5), i(9), i(10)])));
    assert_eq!(w(Some(&b), &op(3, vec![i(0), i(7)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(9, vec![i(0), i(7)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(0, vec![i(7)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(13, vec![i(3)])), Err(rc::PARAMETER_ERROR));
}

#[test]
fn sort_orders_across_types() {
    let mixed = arr(vec![M::Float(2.5), i(10), s("a"), M::Nil, M::Bool(true), i(-1), M::Float(-1.0)]);
    let (_, after) = w(Some(&list(mixed)), &op(13, vec![i(0)])).expect("sort");
    assert_eq!(after, Some(arr(vec![M::Nil, M::Bool(true), i(-1), i(10), s("a"), M::Float(-1.0), M::Float(2.5)])));
    let (_, after) = w(Some(&list(ints(&[3, 1, 3, 2]))), &op(13, vec![i(2)])).expect("dedup");
    assert_eq!(after, Some(ints(&[1, 2, 3])));
    let (_, after) = w(Some(&list(ints(&[3, 1, 2]))), &op(13, vec![i(1)])).expect("descending");
    assert_eq!(after, Some(ints(&[3, 2, 1])));
}

#[test]
fn write_flags() {
    let b = list(ints(&[1, 2]));
    assert_eq!(w(Some(&b), &op(1, vec![i(2), i(0), i(1)])), Err(rc::ELEMENT_EXISTS));
    assert_eq!(w(Some(&b), &op(1, vec![i(2), i(0), i(5)])), Ok((Some(i(2)), Some(ints(&[1, 2])))));
    assert_eq!(w(Some(&b), &op(2, vec![ints(&[5, 5]), i(0), i(1)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(2, vec![ints(&[3, 2, 4]), i(0), i(1 | 8)])), Err(rc::ELEMENT_EXISTS));
    let (res, after) = w(Some(&b), &op(2, vec![ints(&[3, 2, 3, 4]), i(0), i(1 | 4 | 8)])).expect("partial");
    assert_eq!((res, after), (Some(i(4)), Some(ints(&[1, 2, 3, 4]))));
    assert_eq!(w(Some(&b), &op(3, vec![i(5), i(9), i(2)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(3, vec![i(-5), i(9)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(3, vec![i(5), i(9), i(6)])), Ok((Some(i(2)), Some(ints(&[1, 2])))));
}

#[test]
fn increments() {
    let b = list(arr(vec![i(1), M::Float(2.5), s("x")]));
    assert_eq!(w(Some(&b), &op(12, vec![i(0), M::Float(2.5)])).map(|x| x.0), Ok(Some(i(3))));
    assert_eq!(w(Some(&b), &op(12, vec![i(1), i(1)])).map(|x| x.0), Ok(Some(M::Float(3.5))));
    assert_eq!(w(Some(&b), &op(12, vec![i(2), i(1)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(w(Some(&b), &op(12, vec![i(-4), i(1)])), Err(rc::OP_NOT_APPLICABLE));
    let (res, after) = w(None, &op(12, vec![i(2), i(4)])).expect("pads");
    assert_eq!((res, after), (Some(i(4)), Some(arr(vec![M::Nil, M::Nil, i(4)]))));
    let big = list(ints(&[i64::MAX]));
    assert_eq!(w(Some(&big), &op(12, vec![i(0), i(1)])).map(|x| x.0), Ok(Some(i(i64::MIN))));
}

#[test]
fn selections_and_return_types() {
    let b = list(ints(&[30, 10, 40, 10, 20]));
    let get = |code: i64, rt: i64, args: Vec<M>| {
        let mut a = vec![i(rt)];
        a.extend(args);
        r(Some(&b), &op(code, a))
    };
    // Rank range: VALUE in the server's heap order, INDEX sorted, REVERSE_RANK as runs.
    assert_eq!(get(26, VALUE, vec![i(1), i(3)]), Ok(Some(ints(&[30, 20, 10]))));
    assert_eq!(get(26, result::INDEX, vec![i(1), i(3)]), Ok(Some(ints(&[0, 3, 4]))));
    assert_eq!(get(26, result::REVERSE_RANK, vec![i(1), i(3)]), Ok(Some(ints(&[1, 2, 3]))));
    assert_eq!(get(26, result::REVERSE_RANK | INV, vec![i(1), i(2)]), Ok(Some(ints(&[4, 0, 1]))));
    assert_eq!(get(26, VALUE | INV, vec![i(1), i(2)]), Ok(Some(ints(&[30, 10, 40]))));
    assert_eq!(get(26, result::EXISTS | INV, vec![i(1), i(2)]), Ok(Some(M::Bool(false))));
    // Index range: REVERSE_INDEX as runs, RANK per element.
    let c = list(ints(&[10, 40, 20, 30, 5]));
    assert_eq!(r(Some(&c), &op(24, vec![i(result::REVERSE_INDEX | INV), i(1), i(2)])), Ok(Some(ints(&[4, 0, 1]))));
    assert_eq!(r(Some(&c), &op(24, vec![i(result::RANK), i(1), i(2)])), Ok(Some(ints(&[4, 2]))));
    // Value selections and intervals.
    assert_eq!(get(22, result::INDEX, vec![i(10)]), Ok(Some(ints(&[1, 3]))));
    assert_eq!(get(22, result::COUNT, vec![i(99)]), Ok(Some(i(0))));
    assert_eq!(get(25, VALUE, vec![i(10), i(30)]), Ok(Some(ints(&[10, 10, 20]))));
    assert_eq!(get(27, VALUE, vec![i(20), i(-1), i(2)]), Ok(Some(ints(&[20, 10]))));
    // Single-result ops: out of range, INVERTED and bad return types are 26.
    assert_eq!(get(19, VALUE, vec![i(5)]), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(get(19, VALUE | INV, vec![i(1)]), Err(rc::OP_NOT_APPLICABLE));
    for bad in [6, 8, 16, 99] {
        assert_eq!(get(22, bad, vec![i(1)]), Err(rc::OP_NOT_APPLICABLE), "return type {bad}");
    }
    // The *_RANGE types only fit their own selections: a reverse rank range of an index is 26.
    assert_eq!(w(Some(&b), &op(32, vec![i(12), i(0)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(get(21, result::REVERSE_RANK, vec![i(-1)]), Ok(Some(i(0))));
    // Removes change the list and answer like the gets.
    let (res, after) = w(Some(&b), &op(35, vec![i(result::INDEX), i(10)])).expect("remove_by_value");
    assert_eq!((res, after), (Some(ints(&[1, 3])), Some(ints(&[30, 40, 20]))));
}

#[test]
fn wrong_types_and_search_values() {
    assert_eq!(r(Some(&Value::Int(4)), &op(16, vec![])), Err(rc::INCOMPATIBLE_TYPE));
    assert_eq!(w(Some(&map(vec![(s("a"), i(1))])), &op(1, vec![i(1)])), Err(rc::INCOMPATIBLE_TYPE));
    let wildcard = M::Ext(0xff, vec![0]);
    assert_eq!(w(Some(&list(ints(&[1]))), &op(1, vec![wildcard.clone()])), Err(rc::PARAMETER_ERROR));
    let tuples = list(arr(vec![arr(vec![i(1), s("a")]), arr(vec![i(2), s("b")]), s("x")]));
    let pattern = arr(vec![wildcard, s("a")]);
    assert_eq!(r(Some(&tuples), &op(22, vec![i(result::COUNT), pattern])), Ok(Some(i(2))));
}

#[test]
fn contexts() {
    let b = list(arr(vec![arr(vec![i(1), arr(vec![i(2)])]), i(9)]));
    let c = vec![i(0x10), i(0), i(0x10), i(-1)];
    let (res, after) = w(Some(&b), &ctx_op(c.clone(), 1, vec![s("x")])).expect("nested append");
    assert_eq!(res, Some(i(2)));
    assert_eq!(after, Some(arr(vec![arr(vec![i(1), arr(vec![i(2), s("x")])]), i(9)])));
    assert_eq!(r(Some(&b), &ctx_op(c, 16, vec![])), Ok(Some(i(1))));
    // Out of range 26; through an int 12 at the end, 26 on the way.
    assert_eq!(r(Some(&b), &ctx_op(vec![i(0x10), i(5)], 16, vec![])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(r(Some(&b), &ctx_op(vec![i(0x10), i(1)], 16, vec![])), Err(rc::INCOMPATIBLE_TYPE));
    assert_eq!(r(Some(&b), &ctx_op(vec![i(0x22), s("k")], 16, vec![])), Err(rc::OP_NOT_APPLICABLE));
    // Missing bin: writes 26, reads nothing; a create context builds the levels.
    assert_eq!(w(None, &ctx_op(vec![i(0x10), i(0)], 1, vec![i(1)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(r(None, &ctx_op(vec![i(0x10), i(0)], 16, vec![])), Ok(None));
    let (_, after) = w(Some(&list(ints(&[1]))), &ctx_op(vec![i(0x90), i(3)], 1, vec![s("v")])).expect("pad");
    assert_eq!(after, Some(arr(vec![i(1), M::Nil, M::Nil, arr(vec![s("v")])])));
    assert_eq!(w(Some(&list(ints(&[1]))), &ctx_op(vec![i(0x50), i(3)], 1, vec![s("v")])), Err(rc::OP_NOT_APPLICABLE));
    let (_, after) = w(None, &ctx_op(vec![i(0xa2), s("a"), i(0x62), s("b")], 67, vec![s("k"), i(1)])).expect("map create");
    let inner = M::Map(vec![(s("b"), M::Map(vec![(s("k"), i(1))]))]);
    assert_eq!(after, Some(M::Map(vec![(M::Ext(1, vec![]), M::Nil), (s("a"), inner)])));
    assert_eq!(r(Some(&map(vec![])), &ctx_op(vec![i(0xa2), s("a")], 96, vec![])), Err(rc::OP_NOT_APPLICABLE));
}

#[test]
fn nested_writes_keep_ordered_parents_sorted() {
    let parent = list(arr(vec![M::Ext(1, vec![]), ints(&[1]), ints(&[2])]));
    let (_, after) = w(Some(&parent), &ctx_op(vec![i(0x10), i(0)], 1, vec![i(5)])).expect("append");
    assert_eq!(after, Some(arr(vec![M::Ext(1, vec![]), ints(&[1, 5]), ints(&[2])])));
    let (_, after) = w(Some(&parent), &ctx_op(vec![i(0x10), i(0)], 9, vec![i(0), i(3)])).expect("set");
    assert_eq!(after, Some(arr(vec![M::Ext(1, vec![]), ints(&[2]), ints(&[3])])));
    let deep: Vec<M> = (0..600).flat_map(|_| [i(0x10), i(0)]).collect();
    assert_eq!(r(Some(&parent), &ctx_op(deep, 16, vec![])), Err(rc::PARAMETER_ERROR));
}

#[test]
fn map_writes() {
    let b = map(vec![(s("a"), i(1)), (s("c"), i(3))]);
    let (res, after) = w(Some(&b), &op(67, vec![s("b"), i(2)])).expect("put");
    assert_eq!(res, Some(i(3)));
    assert_eq!(after, Some(M::Map(vec![(s("a"), i(1)), (s("b"), i(2)), (s("c"), i(3))])));
    assert_eq!(w(Some(&b), &op(67, vec![s("a"), i(2), i(0), i(1)])), Err(rc::ELEMENT_EXISTS));
    assert_eq!(w(Some(&b), &op(67, vec![s("z"), i(2), i(0), i(2)])), Err(rc::ELEMENT_NOT_FOUND));
    assert_eq!(w(Some(&b), &op(67, vec![s("z"), i(2), i(0), i(6)])).map(|x| x.0), Ok(Some(i(2))));
    assert_eq!(w(Some(&b), &op(67, vec![M::Float(1.5), i(2)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(w(None, &op(67, vec![s("z"), i(2), i(0), i(2)])), Err(rc::ELEMENT_NOT_FOUND));
    assert_eq!(w(Some(&b), &op(64, vec![i(4)])), Err(rc::OP_NOT_APPLICABLE));
    let (_, after) = w(Some(&b), &op(64, vec![i(0x11)])).expect("key ordered, persist stripped");
    assert_eq!(after, Some(M::Map(vec![(M::Ext(1, vec![]), M::Nil), (s("a"), i(1)), (s("c"), i(3))])));
    // Increment: a float delta on an int truncates; a nil delta is 1; non-numbers are 4.
    assert_eq!(w(Some(&b), &op(73, vec![s("a"), M::Float(2.7)])).map(|x| x.0), Ok(Some(i(3))));
    assert_eq!(w(Some(&b), &op(74, vec![s("n"), M::Nil])).map(|x| x.0), Ok(Some(i(-1))));
    assert_eq!(w(Some(&b), &op(73, vec![s("a"), s("x")])), Err(rc::PARAMETER_ERROR));
    // Missing bin: reads answer nil, removes answer nothing.
    assert_eq!(r(None, &op(96, vec![])), Ok(Some(M::Nil)));
    assert_eq!(w(None, &op(76, vec![i(VALUE), s("a")])), Ok((None, None)));
}

#[test]
fn map_selections() {
    let b = map(vec![(s("a"), i(5)), (s("b"), i(2)), (s("c"), i(9)), (s("d"), i(2)), (s("e"), i(7))]);
    let get = |code: i64, rt: i64, args: Vec<M>| {
        let mut a = vec![i(rt)];
        a.extend(args);
        r(Some(&b), &op(code, a))
    };
    // KEY_VALUE answers a map led by the preserve-order flag 0x08 (result_map_type_to_map_flags).
    assert_eq!(get(97, result::KEY_VALUE, vec![s("b")]), Ok(Some(M::Map(vec![(M::Ext(8, vec![]), M::Nil), (s("b"), i(2))]))));
    assert_eq!(get(97, result::INDEX, vec![s("zz")]), Ok(Some(i(-1))));
    assert_eq!(get(107, result::INDEX, vec![arr(vec![s("d"), s("zz"), s("a")])]), Ok(Some(ints(&[3, 0]))));
    assert_eq!(get(107, result::RANK, vec![arr(vec![s("d")])]), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(get(106, result::KEY, vec![i(0), i(3)]), Ok(Some(arr(vec![s("b"), s("d"), s("a")]))));
    assert_eq!(get(102, result::RANK, vec![i(2)]), Ok(Some(ints(&[0, 1]))));
    assert_eq!(get(103, result::REVERSE_INDEX, vec![s("b"), s("d")]), Ok(Some(ints(&[2, 3]))));
    assert_eq!(get(104, result::INDEX_RANGE, vec![i(1), i(2)]), Ok(Some(ints(&[1, 2]))));
    assert_eq!(get(105, result::REVERSE_RANK_RANGE, vec![i(2), i(3)]), Ok(Some(ints(&[3, 2]))));
    let ordered = get(104, result::ORDERED_MAP, vec![i(0), i(1)]);
    assert_eq!(ordered, Ok(Some(M::Map(vec![(M::Ext(1, vec![]), M::Nil), (s("a"), i(5))]))));
    assert_eq!(get(110, result::KEY, vec![i(6), i(0), i(2)]), Ok(Some(arr(vec![s("e"), s("c")]))));
    assert_eq!(get(98, VALUE, vec![i(5)]), Err(rc::OP_NOT_APPLICABLE));
    let (res, after) = w(Some(&b), &op(85, vec![i(result::KEY), i(1), i(3)])).expect("remove_by_index_range");
    assert_eq!(res, Some(arr(vec![s("b"), s("c"), s("d")])));
    assert_eq!(after, Some(M::Map(vec![(s("a"), i(5)), (s("e"), i(7))])));
}

#[test]
fn garbage_never_panics() {
    let bins = [
        None,
        Some(list(arr(vec![i(1), s("a"), arr(vec![i(2)]), M::Map(vec![(s("k"), i(1))])]))),
        Some(list(arr(vec![M::Ext(1, vec![]), i(1), i(5)]))),
        Some(map(vec![(s("a"), arr(vec![i(1)])), (s("b"), M::Map(vec![]))])),
        Some(Value::Int(3)),
    ];
    let mut x: u32 = 7;
    let mut rnd = || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        x >> 16
    };
    let pick = |r: u32| -> M {
        match r % 9 {
            0 => i(i64::from(r % 7) - 3),
            1 => i(i64::MAX),
            2 => i(i64::MIN),
            3 => s("a"),
            4 => M::Nil,
            5 => arr(vec![i(1), M::Ext(0xff, vec![0])]),
            6 => M::Map(vec![(s("k"), i(1))]),
            7 => M::Float(f64::NAN),
            _ => i(i64::from(r % 0x20000)),
        }
    };
    for code in 0..128i64 {
        for _ in 0..40 {
            let nargs = (rnd() % 5) as usize;
            let args: Vec<M> = (0..nargs).map(|_| pick(rnd())).collect();
            let payload = if rnd() % 3 == 0 {
                let t = i64::from(rnd() % 256);
                ctx_op(vec![i(t), pick(rnd())], code, args)
            } else {
                op(code, args)
            };
            for b in &bins {
                let _ = apply(b.as_ref(), &payload, true);
                let _ = apply(b.as_ref(), &payload, false);
            }
            let mut bytes = payload.clone();
            if !bytes.is_empty() {
                let at = (rnd() as usize) % bytes.len();
                bytes[at] = rnd() as u8;
                let _ = apply(bins[1].as_ref(), &bytes, true);
            }
        }
    }
    // Huge pads and counts are refused, not allocated. An index past INT32_MAX is 26
    // (particle_list.c: packed_list_insert and list_increment check it first).
    assert_eq!(w(None, &op(3, vec![i(1 << 40), i(1)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(None, &op(12, vec![i(1 << 40), i(1)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(None, &op(3, vec![i(1 << 30), i(1)])), Err(rc::PARAMETER_ERROR));
    assert_eq!(w(None, &ctx_op(vec![i(0x90), i(1 << 40)], 1, vec![i(1)])), Err(rc::PARAMETER_ERROR));
}

fn ordered(v: &[i64]) -> Value {
    let mut items = vec![M::Ext(1, vec![])];
    items.extend(v.iter().map(|&x| i(x)));
    list(arr(items))
}

const ADD_UNIQUE: i64 = 1;
const BOUNDED: i64 = 2;
const NO_FAIL: i64 = 4;
const PARTIAL: i64 = 8;

// particle_list.c, list_increment -> list_set: with ADD_UNIQUE the new value may not equal
// another element (24; NO_FAIL: the list is unchanged but the op still answers the new value,
// cdt_calc_delta_pack_and_result having set it). Past the end it goes through
// packed_list_insert: INSERT_BOUNDED first, then the unique check against the whole list.
#[test]
fn increment_add_unique_and_bounded_on_unordered_lists() {
    let b = list(ints(&[1, 5, 9]));
    let incr = |idx: i64, d: i64, flags: i64| w(Some(&b), &op(12, vec![i(idx), i(d), i(0), i(flags)]));
    assert_eq!(incr(0, 4, ADD_UNIQUE), Err(rc::ELEMENT_EXISTS));
    assert_eq!(incr(0, 4, ADD_UNIQUE | NO_FAIL), Ok((Some(i(5)), Some(ints(&[1, 5, 9])))));
    assert_eq!(incr(0, 0, ADD_UNIQUE), Ok((Some(i(1)), Some(ints(&[1, 5, 9])))));
    assert_eq!(incr(0, 1, ADD_UNIQUE), Ok((Some(i(2)), Some(ints(&[2, 5, 9])))));
    assert_eq!(incr(3, 9, ADD_UNIQUE), Err(rc::ELEMENT_EXISTS));
    assert_eq!(incr(3, 9, ADD_UNIQUE | NO_FAIL), Ok((Some(i(9)), Some(ints(&[1, 5, 9])))));
    assert_eq!(incr(3, 7, ADD_UNIQUE | BOUNDED), Ok((Some(i(7)), Some(ints(&[1, 5, 9, 7])))));
    assert_eq!(incr(5, 9, ADD_UNIQUE | BOUNDED), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(incr(5, 9, ADD_UNIQUE | BOUNDED | NO_FAIL), Ok((Some(i(9)), Some(ints(&[1, 5, 9])))));
    // The index is checked before the delta: 26 wins over a non-numeric delta's 4.
    assert_eq!(w(Some(&b), &op(12, vec![i(-9), s("x")])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(12, vec![i(0), s("x")])), Err(rc::PARAMETER_ERROR));
}

// particle_list.c, packed_list_replace_ordered: an ordered list has no room past its end (26,
// INSERT_BOUNDED or not); ADD_UNIQUE with an equal value elsewhere is 24 (NO_FAIL: unchanged),
// and a value equal to itself at its own rank is a no-op.
#[test]
fn increment_on_ordered_lists() {
    let b = ordered(&[1, 5, 9]);
    let incr = |idx: i64, d: i64, flags: i64| w(Some(&b), &op(12, vec![i(idx), i(d), i(1), i(flags)]));
    assert_eq!(incr(4, 1, 0), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(incr(4, 1, BOUNDED | NO_FAIL), Err(rc::OP_NOT_APPLICABLE));
    let (res, after) = incr(3, 7, BOUNDED).expect("appends in order");
    assert_eq!((res, after), (Some(i(7)), Some(mp(&ordered(&[1, 5, 7, 9])))));
    assert_eq!(incr(0, 4, ADD_UNIQUE), Err(rc::ELEMENT_EXISTS));
    assert_eq!(incr(0, 4, ADD_UNIQUE | NO_FAIL), Ok((Some(i(5)), Some(mp(&b)))));
    assert_eq!(incr(1, 0, ADD_UNIQUE), Ok((Some(i(5)), Some(mp(&b)))));
    let (res, after) = incr(0, 10, ADD_UNIQUE).expect("resorts");
    assert_eq!((res, after), (Some(i(11)), Some(mp(&ordered(&[5, 9, 11])))));
    // A missing bin created ordered is empty: index 2 is past its end.
    assert_eq!(w(None, &op(12, vec![i(2), i(1), i(1)])), Err(rc::OP_NOT_APPLICABLE));
}

// particle_list.c, packed_list_insert: repeats among the new items are 26 without NO_FAIL,
// a no-op answering the size with NO_FAIL alone, dropped with NO_FAIL|PARTIAL; an empty item
// list answers the size before the index is looked at. packed_list_add_items_ordered looks for
// repeats before looking in the list, so an ordered list answers 26 where an unordered one
// meets the existing item first (24).
#[test]
fn add_unique_repeats_within_the_items() {
    let b = list(ints(&[1]));
    assert_eq!(w(Some(&b), &op(2, vec![ints(&[5, 5]), i(0), i(ADD_UNIQUE)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(2, vec![ints(&[5, 5]), i(0), i(ADD_UNIQUE | NO_FAIL)])), Ok((Some(i(1)), Some(ints(&[1])))));
    assert_eq!(w(Some(&b), &op(2, vec![ints(&[5, 5]), i(0), i(ADD_UNIQUE | NO_FAIL | PARTIAL)])), Ok((Some(i(2)), Some(ints(&[1, 5])))));
    assert_eq!(w(Some(&b), &op(2, vec![ints(&[1, 5, 5]), i(0), i(ADD_UNIQUE)])), Err(rc::ELEMENT_EXISTS));
    let o = ordered(&[1]);
    assert_eq!(w(Some(&o), &op(2, vec![ints(&[1, 5, 5]), i(1), i(ADD_UNIQUE)])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&b), &op(4, vec![i(-9), ints(&[])])), Ok((Some(i(1)), Some(ints(&[1])))));
    assert_eq!(w(Some(&b), &op(4, vec![i(-9), ints(&[2])])), Err(rc::OP_NOT_APPLICABLE));
    assert_eq!(w(Some(&o), &op(4, vec![i(0), ints(&[])])), Err(rc::OP_NOT_APPLICABLE));
}
