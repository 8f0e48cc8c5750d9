//! Return types: turning a selection of list or map elements into the value the server answers
//! with (values, keys, indexes, ranks, counts, existence, maps), including the server's rules
//! for when index and rank results come back per element and when as ascending runs.

use crate::codec::msgpack::MpValue;
use crate::result_code as rc;

pub const NONE: i64 = 0;
pub const INDEX: i64 = 1;
pub const REVERSE_INDEX: i64 = 2;
pub const RANK: i64 = 3;
pub const REVERSE_RANK: i64 = 4;
pub const COUNT: i64 = 5;
pub const KEY: i64 = 6;
pub const VALUE: i64 = 7;
pub const KEY_VALUE: i64 = 8;
pub const INDEX_RANGE: i64 = 9;
pub const REVERSE_INDEX_RANGE: i64 = 10;
pub const RANK_RANGE: i64 = 11;
pub const REVERSE_RANK_RANGE: i64 = 12;
pub const EXISTS: i64 = 13;
pub const UNORDERED_MAP: i64 = 16;
pub const ORDERED_MAP: i64 = 17;
pub const INVERTED: i64 = 0x10000;
/// Map flag of KEY_VALUE results (`AS_PACKED_MAP_FLAG_PRESERVE_ORDER`).
pub const MAP_PRESERVE_ORDER: u8 = 0x08;

/// What an op selected by: decides the shape of index and rank results.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// Index, index range, key, key range, key-relative index range.
    Index,
    /// Rank, rank range, value-relative rank range.
    Rank,
    /// Value and value interval.
    Value,
    ValueList,
    KeyList,
}

/// A selection over a container of `n` elements.
pub struct Selection {
    pub class: Class,
    pub inverted: bool,
    /// A single-element op (get_by_index, get_by_key, ...): scalar results.
    pub single: bool,
    /// Selected positions, in the order VALUE/KEY results list them.
    pub positions: Vec<usize>,
    /// Whether the non-inverted selection was empty (EXISTS on inverted value/rank selections).
    pub plain_empty: bool,
    /// INDEX results in this order instead (map key lists: request order).
    pub index_order: Option<Vec<usize>>,
    /// RANK results exactly as listed instead (value lists: see `value_list_ranks`).
    pub rank_list: Option<Vec<usize>>,
}

impl Selection {
    pub fn new(class: Class, inverted: bool, positions: Vec<usize>) -> Self {
        let plain_empty = positions.is_empty();
        Selection { class, inverted, single: false, positions, plain_empty, index_order: None, rank_list: None }
    }
}

/// Where the results come from.
pub struct Source<'a> {
    pub n: usize,
    pub is_map: bool,
    /// An ordered list (index order is rank order: every index/rank result is a run).
    pub ordered_list: bool,
    /// Value of the element at a position (map: its value).
    pub value: &'a dyn Fn(usize) -> MpValue,
    /// Key at a position (maps only).
    pub key: &'a dyn Fn(usize) -> MpValue,
    /// Rank of every position.
    pub ranks: &'a dyn Fn() -> Vec<usize>,
}

/// Splits the return type into (type, inverted) and checks it is one the container knows.
pub fn split(rt: i64, is_map: bool) -> Result<(i64, bool), u8> {
    let inverted = rt & INVERTED != 0;
    let t = rt & !INVERTED;
    let ok = match t {
        NONE | INDEX | REVERSE_INDEX | RANK | REVERSE_RANK | COUNT | VALUE | EXISTS => true,
        INDEX_RANGE | REVERSE_INDEX_RANGE | RANK_RANGE | REVERSE_RANK_RANGE => true,
        KEY | KEY_VALUE | UNORDERED_MAP | ORDERED_MAP => is_map,
        _ => false,
    };
    if !ok {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    Ok((t, inverted))
}

fn ints(v: impl IntoIterator<Item = usize>) -> MpValue {
    MpValue::Array(v.into_iter().map(|x| MpValue::Int(x as i64)).collect())
}

/// Ascending runs of consecutive numbers, each mapped to `n-1-x` and written ascending.
fn reversed_runs(sorted: &[usize], n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        for k in (i..=j).rev() {
            out.push(n - 1 - sorted[k]);
        }
        i = j + 1;
    }
    out
}

/// Builds the result; `None` means the op answers nothing (return type NONE).
pub fn build(sel: &Selection, rt: i64, src: &Source<'_>) -> Result<Option<MpValue>, u8> {
    let n = src.n;
    let pos = &sel.positions;
    let mut sorted_pos = pos.clone();
    sorted_pos.sort_unstable();
    let runs_index = src.ordered_list || sel.class == Class::Index;
    let runs_rank = src.ordered_list
        || matches!(sel.class, Class::Rank | Class::Value)
        || (sel.class == Class::ValueList && sel.inverted);
    let scalar = |v: MpValue| if sel.single { Ok(Some(v)) } else { Ok(Some(MpValue::Array(vec![v]))) };
    let single_missing = sel.single && pos.is_empty();
    Ok(match rt {
        NONE => None,
        COUNT => Some(MpValue::Int(pos.len() as i64)),
        EXISTS => {
            let inverted_special = sel.inverted && matches!(sel.class, Class::Value | Class::Rank);
            Some(MpValue::Bool(if inverted_special { sel.plain_empty } else { !pos.is_empty() }))
        }
        VALUE | KEY => {
            let f = if rt == VALUE { src.value } else { src.key };
            if sel.single {
                Some(pos.first().map_or(MpValue::Nil, |&p| f(p)))
            } else {
                Some(MpValue::Array(pos.iter().map(|&p| f(p)).collect()))
            }
        }
        KEY_VALUE => {
            // A map led by the preserve-order flag (0x08), its pairs in selection order
            // (result_map_type_to_map_flags in cdt.h, cdt_map_builder_start in particle_map.c);
            // the C client unpacks such a map as a flat [k, v, ...] list.
            let mut pairs = Vec::with_capacity(pos.len() + 1);
            pairs.push((MpValue::Ext(MAP_PRESERVE_ORDER, vec![]), MpValue::Nil));
            pairs.extend(pos.iter().map(|&p| ((src.key)(p), (src.value)(p))));
            Some(MpValue::Map(pairs))
        }
        UNORDERED_MAP | ORDERED_MAP => {
            let mut pairs: Vec<(MpValue, MpValue)> = Vec::with_capacity(sorted_pos.len() + 1);
            if rt == ORDERED_MAP {
                pairs.push((MpValue::Ext(1, vec![]), MpValue::Nil));
            }
            for &p in &sorted_pos {
                pairs.push(((src.key)(p), (src.value)(p)));
            }
            Some(MpValue::Map(pairs))
        }
        INDEX | REVERSE_INDEX => {
            if single_missing {
                return Ok(Some(MpValue::Int(-1)));
            }
            let order: Vec<usize> = match &sel.index_order {
                Some(o) => o.clone(),
                None if src.is_map && !sel.inverted => pos.clone(),
                None => sorted_pos.clone(),
            };
            if rt == INDEX {
                if sel.single { return scalar(MpValue::Int(order.first().copied().unwrap_or(0) as i64)); }
                Some(ints(order))
            } else if runs_index && sel.index_order.is_none() && !sel.single {
                Some(ints(reversed_runs(&sorted_pos, n)))
            } else {
                if sel.single { return scalar(MpValue::Int((n - 1 - order.first().copied().unwrap_or(0)) as i64)); }
                Some(ints(order.iter().map(|&i| n - 1 - i)))
            }
        }
        RANK | REVERSE_RANK => {
            if sel.class == Class::KeyList {
                return Err(rc::OP_NOT_APPLICABLE);
            }
            if single_missing {
                return Ok(Some(MpValue::Int(-1)));
            }
            if let Some(list) = &sel.rank_list {
                return Ok(Some(ints(list.iter().map(|&r| if rt == RANK { r } else { n - 1 - r }))));
            }
            let ranks = (src.ranks)();
            let rank_of = |p: usize| ranks.get(p).copied().unwrap_or(0);
            if sel.single {
                let r = pos.first().map_or(0, |&p| rank_of(p));
                return Ok(Some(MpValue::Int(if rt == RANK { r } else { n - 1 - r } as i64)));
            }
            if runs_rank {
                let mut rs: Vec<usize> = pos.iter().map(|&p| rank_of(p)).collect();
                rs.sort_unstable();
                if rt == RANK { Some(ints(rs)) } else { Some(ints(reversed_runs(&rs, n))) }
            } else {
                let rs: Vec<usize> = if sel.class == Class::Index {
                    sorted_pos.iter().map(|&p| rank_of(p)).collect()
                } else {
                    let mut v: Vec<usize> = pos.iter().map(|&p| rank_of(p)).collect();
                    v.sort_unstable();
                    v
                };
                if rt == RANK { Some(ints(rs)) } else { Some(ints(rs.iter().map(|&r| n - 1 - r))) }
            }
        }
        INDEX_RANGE | REVERSE_INDEX_RANGE => {
            if sel.class != Class::Index {
                return Err(rc::OP_NOT_APPLICABLE);
            }
            let first = sorted_pos.first().copied().unwrap_or(0);
            let c = pos.len();
            let start = if rt == INDEX_RANGE { first } else { n.saturating_sub(first + c) };
            Some(ints([start, c]))
        }
        RANK_RANGE | REVERSE_RANK_RANGE => {
            if !matches!(sel.class, Class::Rank | Class::Value) {
                return Err(rc::OP_NOT_APPLICABLE);
            }
            let ranks = (src.ranks)();
            let first = pos.iter().map(|&p| ranks.get(p).copied().unwrap_or(0)).min().unwrap_or(0);
            let c = pos.len();
            let start = if rt == RANK_RANGE { first } else { n.saturating_sub(first + c) };
            Some(ints([start, c]))
        }
        _ => return Err(rc::OP_NOT_APPLICABLE),
    })
}

/// Ranks of elements (stable: ties keep their index order).
pub fn ranks_of(values: &[&MpValue]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| super::order::compare(values[a], values[b]));
    let mut ranks = vec![0; values.len()];
    for (r, &p) in order.iter().enumerate() {
        ranks[p] = r;
    }
    ranks
}

/// The ranks a non-inverted get/remove_by_value_list answers on an unordered container.
/// The server sorts the requested values, so equal requests collapse onto the last of them
/// (its sort is stable); then, in request order, each surviving value contributes the ranks
/// its matches occupy: `[less, less + matched)`, where `less` counts smaller elements.
/// So `[2, 9, 2]` against values `5, 2, 9, 2, 7` gives `[4, 0, 1]`.
pub fn value_list_ranks(values: &[&MpValue], requested: &[MpValue]) -> Vec<usize> {
    use super::order::{compare, matches};
    use std::cmp::Ordering;
    let mut out = Vec::new();
    for (i, item) in requested.iter().enumerate() {
        let repeated_later = requested[i + 1..].iter().any(|later| compare(later, item) == Ordering::Equal);
        if repeated_later {
            continue;
        }
        let less = values.iter().filter(|v| compare(v, item) == Ordering::Less).count();
        let matched = values.iter().filter(|v| matches(item, v)).count();
        out.extend(less..less + matched);
    }
    out
}

/// Clamps (index, count) to `[start, end)` within `n` the way range ops do: negative index
/// counts from the end, negative or absent count means to the end.
pub fn range(index: i64, count: Option<i64>, n: usize) -> (usize, usize) {
    let n_i = n as i64;
    let start = if index < 0 { index.saturating_add(n_i) } else { index };
    let end = match count {
        Some(c) if c >= 0 => start.saturating_add(c),
        _ => n_i,
    };
    let s = start.clamp(0, n_i) as usize;
    let e = end.clamp(0, n_i) as usize;
    if e < s { (s, s) } else { (s, e) }
}

/// A single index or rank: negative counts from the end; out of range is 26.
pub fn single(index: i64, n: usize) -> Result<usize, u8> {
    let i = if index < 0 { index.saturating_add(n as i64) } else { index };
    if i < 0 || i >= n as i64 {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    Ok(i as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clip() {
        assert_eq!(range(1, Some(2), 6), (1, 3));
        assert_eq!(range(-2, Some(10), 6), (4, 6));
        assert_eq!(range(-10, Some(3), 6), (0, 0));
        assert_eq!(range(-10, Some(7), 5), (0, 2));
        assert_eq!(range(1, Some(-1), 3), (1, 3));
        assert_eq!(range(10, None, 3), (3, 3));
        assert_eq!(single(-1, 3), Ok(2));
        assert_eq!(single(3, 3), Err(rc::OP_NOT_APPLICABLE));
        assert_eq!(single(-4, 3), Err(rc::OP_NOT_APPLICABLE));
    }

    #[test]
    fn runs() {
        assert_eq!(reversed_runs(&[1, 2, 3], 5), vec![1, 2, 3]);
        assert_eq!(reversed_runs(&[0, 3, 4], 5), vec![4, 0, 1]);
        assert_eq!(reversed_runs(&[0, 4, 5, 6, 7], 8), vec![7, 0, 1, 2, 3]);
    }

    #[test]
    fn value_list_ranks_follow_request_order_and_collapse_repeats() {
        let values: Vec<MpValue> = [5, 2, 9, 2, 7].into_iter().map(MpValue::Int).collect();
        let refs: Vec<&MpValue> = values.iter().collect();
        let req = |v: &[i64]| v.iter().map(|&x| MpValue::Int(x)).collect::<Vec<_>>();
        assert_eq!(value_list_ranks(&refs, &req(&[2, 9, 2])), vec![4, 0, 1]);
        assert_eq!(value_list_ranks(&refs, &req(&[9, 2])), vec![4, 0, 1]);
        assert_eq!(value_list_ranks(&refs, &req(&[2, 9])), vec![0, 1, 4]);
        assert_eq!(value_list_ranks(&refs, &req(&[3, 7])), vec![3]);
    }

    #[test]
    fn return_type_checks() {
        assert_eq!(split(VALUE | INVERTED, false), Ok((VALUE, true)));
        for bad in [6, 8, 14, 16, 99] {
            assert_eq!(split(bad, false), Err(rc::OP_NOT_APPLICABLE));
        }
        assert!(split(KEY_VALUE, true).is_ok());
        assert_eq!(split(18, true), Err(rc::OP_NOT_APPLICABLE));
    }
}
