//! The map get_by_* / remove_by_* family: select entries by key, key list, key interval,
//! key-relative index, value, value list, value interval, value-relative rank, index or rank,
//! then answer with the requested return type.

use std::cmp::Ordering;

use crate::codec::msgpack::MpValue;
use crate::result_code as rc;

use super::map::Map;
use super::order::{self, compare};
use super::result::{self, build, range, ranks_of, single, Class, Selection, Source};
use super::{arg, int_arg, opt_int, CdtOp};

const BY_KEY: u8 = 97;
const BY_INDEX: u8 = 98;
const BY_RANK: u8 = 100;
const BY_VALUE: u8 = 102;
const BY_KEY_INTERVAL: u8 = 103;
const BY_INDEX_RANGE: u8 = 104;
const BY_VALUE_INTERVAL: u8 = 105;
const BY_RANK_RANGE: u8 = 106;
const BY_KEY_LIST: u8 = 107;
const BY_VALUE_LIST: u8 = 108;
const BY_KEY_REL_INDEX_RANGE: u8 = 109;
const BY_VALUE_REL_RANK_RANGE: u8 = 110;

/// The get_by code a remove_by code selects like.
fn get_code(remove: u8) -> Option<u8> {
    Some(match remove {
        76 => BY_KEY,
        77 => BY_INDEX,
        79 => BY_RANK,
        81 => BY_KEY_LIST,
        82 => BY_VALUE,
        83 => BY_VALUE_LIST,
        84 => BY_KEY_INTERVAL,
        85 => BY_INDEX_RANGE,
        86 => BY_VALUE_INTERVAL,
        87 => BY_RANK_RANGE,
        88 => BY_KEY_REL_INDEX_RANGE,
        89 => BY_VALUE_REL_RANK_RANGE,
        _ => return None,
    })
}

fn rank_order(map: &Map) -> Vec<usize> {
    let mut order: Vec<usize> = (0..map.pairs.len()).collect();
    order.sort_by(|&a, &b| compare(&map.pairs[a].1, &map.pairs[b].1));
    order
}

fn clip(start: i64, count: Option<i64>, n: usize) -> (usize, usize) {
    let n_i = n as i64;
    let end = match count {
        Some(c) if c >= 0 => start.saturating_add(c),
        _ => n_i,
    };
    let s = start.clamp(0, n_i) as usize;
    let e = end.clamp(0, n_i) as usize;
    (s, e.max(s))
}

fn in_interval(x: &MpValue, begin: &MpValue, end: Option<&MpValue>) -> bool {
    compare(x, begin) != Ordering::Less && end.is_none_or(|e| compare(x, e) == Ordering::Less)
}

fn select(map: &Map, op: &CdtOp, code: u8) -> Result<(Selection, i64), u8> {
    let (rt, inverted) = result::split(int_arg(op, 0)?, true)?;
    let n = map.pairs.len();
    let keys = || map.pairs.iter().map(|(k, _)| k);
    let mut index_order = None;
    // A rank range's [start, end): its inversion keeps rank order when it is one run.
    let mut rank_span = None;
    let mut rank_list = None;
    let (class, positions, single_op) = match code {
        BY_KEY => {
            let k = arg(op, 1)?;
            (Class::Index, map.find(k).ok().into_iter().collect(), true)
        }
        BY_INDEX => (Class::Index, vec![single(int_arg(op, 1)?, n)?], true),
        BY_RANK => {
            let r = single(int_arg(op, 1)?, n)?;
            (Class::Rank, vec![rank_order(map)[r]], true)
        }
        BY_VALUE => {
            let v = arg(op, 1)?;
            (Class::Value, (0..n).filter(|&i| order::matches(v, &map.pairs[i].1)).collect(), false)
        }
        BY_VALUE_LIST => {
            let MpValue::Array(list) = arg(op, 1)? else { return Err(rc::PARAMETER_ERROR) };
            let list = order::list_body(list);
            let hit = |i: usize| list.iter().any(|v| order::matches(v, &map.pairs[i].1));
            if !inverted {
                let values: Vec<&MpValue> = map.pairs.iter().map(|(_, v)| v).collect();
                rank_list = Some(result::value_list_ranks(&values, list));
            }
            (Class::ValueList, (0..n).filter(|&i| hit(i)).collect(), false)
        }
        BY_KEY_INTERVAL => {
            let begin = arg(op, 1)?;
            let end = op.args.get(2);
            let pos: Vec<usize> = keys().enumerate().filter(|(_, k)| in_interval(k, begin, end)).map(|(i, _)| i).collect();
            (Class::Index, pos, false)
        }
        BY_VALUE_INTERVAL => {
            let begin = arg(op, 1)?;
            let end = op.args.get(2);
            (Class::Value, (0..n).filter(|&i| in_interval(&map.pairs[i].1, begin, end)).collect(), false)
        }
        BY_INDEX_RANGE => {
            let (s, e) = range(int_arg(op, 1)?, opt_int(op, 2)?, n);
            (Class::Index, (s..e).collect(), false)
        }
        BY_RANK_RANGE => {
            let (s, e) = range(int_arg(op, 1)?, opt_int(op, 2)?, n);
            rank_span = Some((s, e));
            (Class::Rank, rank_order(map)[s..e].to_vec(), false)
        }
        BY_KEY_LIST => {
            let MpValue::Array(list) = arg(op, 1)? else { return Err(rc::PARAMETER_ERROR) };
            let list = order::list_body(list);
            let mut req: Vec<usize> = list.iter().filter_map(|k| map.find(k).ok()).collect();
            if map.flags == 0 {
                let mut seen = vec![false; n];
                req.retain(|&i| !std::mem::replace(&mut seen[i], true));
            }
            let mut pos = req.clone();
            pos.sort_unstable();
            pos.dedup();
            if !inverted {
                index_order = Some(req);
            }
            (Class::KeyList, pos, false)
        }
        BY_KEY_REL_INDEX_RANGE => {
            let k = arg(op, 1)?;
            let base = keys().filter(|x| compare(x, k) == Ordering::Less).count() as i64;
            let (s, e) = clip(base.saturating_add(int_arg(op, 2)?), opt_int(op, 3)?, n);
            (Class::Index, (s..e).collect(), false)
        }
        BY_VALUE_REL_RANK_RANGE => {
            let v = arg(op, 1)?;
            let base = map.pairs.iter().filter(|(_, x)| compare(x, v) == Ordering::Less).count() as i64;
            let (s, e) = clip(base.saturating_add(int_arg(op, 2)?), opt_int(op, 3)?, n);
            rank_span = Some((s, e));
            (Class::Rank, rank_order(map)[s..e].to_vec(), false)
        }
        _ => return Err(rc::PARAMETER_ERROR),
    };
    let mut sel = Selection::new(class, inverted, positions);
    sel.single = single_op && !inverted;
    sel.index_order = index_order;
    sel.rank_list = rank_list;
    if inverted {
        let mut chosen = vec![false; n];
        for &p in &sel.positions {
            chosen[p] = true;
        }
        sel.positions = match rank_span {
            Some((s, e)) if s == e => rank_order(map),
            Some((0, e)) => rank_order(map)[e..].to_vec(),
            Some((s, e)) if e == n => rank_order(map)[..s].to_vec(),
            _ => (0..n).filter(|&i| !chosen[i]).collect(),
        };
    }
    Ok((sel, rt))
}

fn answer(map: &Map, sel: &Selection, rt: i64) -> Result<Option<MpValue>, u8> {
    let value = |p: usize| map.pairs.get(p).map_or(MpValue::Nil, |(_, v)| v.clone());
    let key = |p: usize| map.pairs.get(p).map_or(MpValue::Nil, |(k, _)| k.clone());
    let ranks = || {
        let refs: Vec<&MpValue> = map.pairs.iter().map(|(_, v)| v).collect();
        ranks_of(&refs)
    };
    let src = Source { n: map.pairs.len(), is_map: true, ordered_list: false, value: &value, key: &key, ranks: &ranks };
    build(sel, rt, &src)
}

pub fn get(map: &Map, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let (sel, rt) = select(map, op, op.code)?;
    answer(map, &sel, rt)
}

pub fn remove(map: &mut Map, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let code = get_code(op.code).ok_or(rc::PARAMETER_ERROR)?;
    let (sel, rt) = select(map, op, code)?;
    let out = answer(map, &sel, rt)?;
    let mut gone = vec![false; map.pairs.len()];
    for &p in &sel.positions {
        gone[p] = true;
    }
    let mut i = 0;
    map.pairs.retain(|_| {
        let keep = !gone[i];
        i += 1;
        keep
    });
    Ok(out)
}
