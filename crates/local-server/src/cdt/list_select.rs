//! The list get_by_* / remove_by_* family: select elements by index, rank, value, value list,
//! value interval or value-relative rank, then answer with the requested return type.

use std::cmp::Ordering;

use crate::codec::msgpack::MpValue;
use crate::result_code as rc;

use super::list::List;
use super::order::{self, compare};
use super::result::{self, build, range, ranks_of, single, Class, Selection, Source};
use super::{arg, int_arg, opt_int, CdtOp};

const BY_INDEX: u8 = 19;
const BY_RANK: u8 = 21;
const BY_VALUE: u8 = 22;
const BY_VALUE_LIST: u8 = 23;
const BY_INDEX_RANGE: u8 = 24;
const BY_VALUE_INTERVAL: u8 = 25;
const BY_RANK_RANGE: u8 = 26;
const BY_VALUE_REL_RANK_RANGE: u8 = 27;
/// remove_by_X = get_by_X + 13.
const REMOVE_OFFSET: u8 = 13;

/// Elements sorted by rank (stable), as positions.
fn rank_order(body: &[MpValue]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..body.len()).collect();
    order.sort_by(|&a, &b| compare(&body[a], &body[b]));
    order
}

/// Clips a relative start and count to `[0, n]`.
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

/// Computes the selection of an op (`code` is the get_by code).
pub fn select(body: &[MpValue], ordered: bool, op: &CdtOp, code: u8) -> Result<(Selection, i64), u8> {
    let (rt, inverted) = result::split(int_arg(op, 0)?, false)?;
    let n = body.len();
    let rank_positions = |s: usize, e: usize| -> Vec<usize> {
        let ro = rank_order(body);
        let picked = &ro[s..e];
        if ordered || inverted {
            let mut v = picked.to_vec();
            v.sort_unstable();
            v
        } else if s <= n - e {
            // The server's heap hands the lower ranks back highest first.
            picked.iter().rev().copied().collect()
        } else {
            picked.to_vec()
        }
    };
    let mut rank_list = None;
    let (class, positions, single_op) = match code {
        BY_INDEX | BY_RANK => {
            if inverted {
                return Err(rc::OP_NOT_APPLICABLE);
            }
            let i = single(int_arg(op, 1)?, n)?;
            let p = if code == BY_INDEX { i } else { rank_order(body)[i] };
            (if code == BY_INDEX { Class::Index } else { Class::Rank }, vec![p], true)
        }
        BY_VALUE => {
            let v = arg(op, 1)?;
            (Class::Value, (0..n).filter(|&i| order::matches(v, &body[i])).collect(), false)
        }
        BY_VALUE_LIST => {
            let MpValue::Array(list) = arg(op, 1)? else { return Err(rc::PARAMETER_ERROR) };
            let list = order::list_body(list);
            if !inverted && !ordered {
                rank_list = Some(result::value_list_ranks(&body.iter().collect::<Vec<_>>(), list));
            }
            (Class::ValueList, (0..n).filter(|&i| list.iter().any(|v| order::matches(v, &body[i]))).collect(), false)
        }
        BY_INDEX_RANGE => {
            let (s, e) = range(int_arg(op, 1)?, opt_int(op, 2)?, n);
            (Class::Index, (s..e).collect(), false)
        }
        BY_VALUE_INTERVAL => {
            let begin = arg(op, 1)?;
            let end = op.args.get(2);
            let inside = |x: &MpValue| {
                compare(x, begin) != Ordering::Less && end.is_none_or(|e| compare(x, e) == Ordering::Less)
            };
            (Class::Value, (0..n).filter(|&i| inside(&body[i])).collect(), false)
        }
        BY_RANK_RANGE => {
            let (s, e) = range(int_arg(op, 1)?, opt_int(op, 2)?, n);
            (Class::Rank, rank_positions(s, e), false)
        }
        BY_VALUE_REL_RANK_RANGE => {
            let v = arg(op, 1)?;
            let base = body.iter().filter(|x| compare(x, v) == Ordering::Less).count() as i64;
            let (s, e) = clip(base.saturating_add(int_arg(op, 2)?), opt_int(op, 3)?, n);
            (Class::Rank, rank_positions(s, e), false)
        }
        _ => return Err(rc::PARAMETER_ERROR),
    };
    let mut sel = Selection::new(class, inverted, positions);
    sel.single = single_op;
    sel.rank_list = rank_list;
    if inverted {
        let mut chosen = vec![false; n];
        for &p in &sel.positions {
            chosen[p] = true;
        }
        sel.positions = (0..n).filter(|&i| !chosen[i]).collect();
    }
    Ok((sel, rt))
}

fn answer(body: &[MpValue], ordered: bool, sel: &Selection, rt: i64) -> Result<Option<MpValue>, u8> {
    let value = |p: usize| body.get(p).cloned().unwrap_or(MpValue::Nil);
    let ranks = || {
        let refs: Vec<&MpValue> = body.iter().collect();
        ranks_of(&refs)
    };
    let src = Source { n: body.len(), is_map: false, ordered_list: ordered, value: &value, key: &value, ranks: &ranks };
    build(sel, rt, &src)
}

pub fn get(body: &[MpValue], ordered: bool, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let (sel, rt) = select(body, ordered, op, op.code)?;
    answer(body, ordered, &sel, rt)
}

pub fn remove(list: &mut List, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let code = op.code - REMOVE_OFFSET;
    let ordered = list.ordered();
    let (sel, rt) = select(&list.items, ordered, op, code)?;
    let out = answer(&list.items, ordered, &sel, rt)?;
    let mut gone = vec![false; list.items.len()];
    for &p in &sel.positions {
        gone[p] = true;
    }
    let mut i = 0;
    list.items.retain(|_| {
        let keep = !gone[i];
        i += 1;
        keep
    });
    Ok(out)
}
