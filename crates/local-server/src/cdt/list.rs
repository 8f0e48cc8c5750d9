//! List ops: the writes (append, insert, set, increment, pop, remove, trim, clear, sort,
//! set_order) and the plain reads (size, get, get_range); the get_by/remove_by family lives in
//! `list_select`. Lists are msgpack arrays, led by an ext header when ordered.

use std::cmp::Ordering;

use crate::codec::msgpack::MpValue;
use crate::result_code as rc;

use super::order::{self, compare};
use super::result::{range, single};
use super::{arg, ingest, int_arg, list_select, opt_int, CdtOp};

pub const SET_TYPE: u8 = 0;
pub const APPEND: u8 = 1;
pub const APPEND_ITEMS: u8 = 2;
pub const INSERT: u8 = 3;
pub const INSERT_ITEMS: u8 = 4;
pub const POP: u8 = 5;
pub const POP_RANGE: u8 = 6;
pub const REMOVE: u8 = 7;
pub const REMOVE_RANGE: u8 = 8;
pub const SET: u8 = 9;
pub const TRIM: u8 = 10;
pub const CLEAR: u8 = 11;
pub const INCREMENT: u8 = 12;
pub const SORT: u8 = 13;
pub const SIZE: u8 = 16;
pub const GET: u8 = 17;
pub const GET_RANGE: u8 = 18;

/// Write flags.
pub const ADD_UNIQUE: i64 = 1;
pub const INSERT_BOUNDED: i64 = 2;
pub const NO_FAIL: i64 = 4;
pub const PARTIAL: i64 = 8;
/// Order flags.
pub const ORDERED: u8 = 1;
const PERSIST_INDEX: i64 = 0x10;
/// Sort flags.
const SORT_DESCENDING: i64 = 1;
const SORT_DROP_DUPLICATES: i64 = 2;

/// Padding with nils past the end is bounded (the real limit is the record size).
pub const MAX_PAD: usize = 1 << 20;

/// A list taken apart: its order flags and its elements.
pub struct List {
    pub flags: u8,
    pub items: Vec<MpValue>,
}

impl List {
    pub fn from_mp(v: MpValue) -> Result<List, u8> {
        let MpValue::Array(mut items) = v else { return Err(rc::INCOMPATIBLE_TYPE) };
        let flags = match items.first() {
            Some(MpValue::Ext(f, _)) if order::is_header(&items[0]) => {
                let f = *f;
                items.remove(0);
                f
            }
            _ => 0,
        };
        Ok(List { flags, items })
    }
    pub fn ordered(&self) -> bool {
        self.flags & ORDERED != 0
    }
    pub fn into_mp(self) -> MpValue {
        if self.flags & ORDERED != 0 {
            let mut v = Vec::with_capacity(self.items.len() + 1);
            v.push(MpValue::Ext(ORDERED, vec![]));
            v.extend(self.items);
            MpValue::Array(v)
        } else {
            MpValue::Array(self.items)
        }
    }
    /// Where a value goes in an ordered list: after its equals.
    fn upper_bound(&self, v: &MpValue) -> usize {
        self.items.partition_point(|x| compare(x, v) != Ordering::Greater)
    }
    fn contains(&self, v: &MpValue) -> bool {
        self.items.iter().any(|x| order::matches(v, x))
    }
    fn sort(&mut self) {
        self.items.sort_by(compare);
    }
}

fn order_arg(op: &CdtOp, i: usize) -> Result<u8, u8> {
    match opt_int(op, i)? {
        None => Ok(0),
        Some(o) if o & !(i64::from(ORDERED) | PERSIST_INDEX) != 0 => Err(rc::OP_NOT_APPLICABLE),
        Some(o) => Ok((o as u8) & ORDERED),
    }
}

fn flags_arg(op: &CdtOp, i: usize) -> Result<i64, u8> {
    Ok(opt_int(op, i)?.unwrap_or(0))
}

/// The items of append_items/insert_items, in their stored form (the list is stored whole).
fn items_arg(op: &CdtOp, i: usize) -> Result<Vec<MpValue>, u8> {
    match arg(op, i)? {
        v @ MpValue::Array(_) => match ingest::op_value(v.clone())? {
            MpValue::Array(v) => Ok(order::list_body(&v).to_vec()),
            _ => Err(rc::PARAMETER_ERROR),
        },
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// The list this op creates where a context or a missing bin needs one.
pub fn new_container(op: &CdtOp) -> MpValue {
    let flags = match op.code {
        SET_TYPE => order_arg(op, 0).unwrap_or(0),
        APPEND | APPEND_ITEMS => order_arg(op, 1).unwrap_or(0),
        INCREMENT => order_arg(op, 2).unwrap_or(0),
        _ => 0,
    };
    List { flags, items: Vec::new() }.into_mp()
}

/// Reads: size, get, get_range and every get_by op.
pub fn read(target: Option<&MpValue>, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let Some(target) = target else { return Ok(None) };
    let MpValue::Array(items) = target else { return Err(rc::INCOMPATIBLE_TYPE) };
    let ordered = matches!(items.first(), Some(h @ MpValue::Ext(f, _)) if f & ORDERED != 0 && order::is_header(h));
    let body = order::list_body(items);
    match op.code {
        SIZE => Ok(Some(MpValue::Int(body.len() as i64))),
        GET => Ok(Some(body[single(int_arg(op, 0)?, body.len())?].clone())),
        GET_RANGE => {
            let (s, e) = range(int_arg(op, 0)?, opt_int(op, 1)?, body.len());
            Ok(Some(MpValue::Array(body[s..e].to_vec())))
        }
        19..=27 => list_select::get(body, ordered, op),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// Every modify op. `slot` is the list (None: a missing bin, which creating ops fill).
pub fn modify(slot: &mut Option<MpValue>, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let creates = matches!(op.code, SET_TYPE | APPEND | APPEND_ITEMS | INSERT | INSERT_ITEMS | SET | INCREMENT);
    let mut list = match slot.take() {
        None if op.code == SORT => return Err(rc::INCOMPATIBLE_TYPE),
        None if !creates => {
            // Validate the op's arguments anyway (a bad return type is still an error).
            if (32..=40).contains(&op.code) {
                super::result::split(int_arg(op, 0)?, false)?;
            }
            return Ok(None);
        }
        None => List::from_mp(new_container(op))?,
        Some(v) => List::from_mp(v)?,
    };
    let out = run(&mut list, op);
    *slot = Some(list.into_mp());
    out
}

fn run(list: &mut List, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let n = list.items.len();
    match op.code {
        SET_TYPE => {
            list.flags = order_arg(op, 0)?;
            if list.ordered() {
                list.sort();
            }
            Ok(None)
        }
        APPEND => {
            let v = ingest::op_value(arg(op, 0)?.clone())?;
            add(list, vec![v], None, flags_arg(op, 2)?, true)
        }
        APPEND_ITEMS => add(list, items_arg(op, 0)?, None, flags_arg(op, 2)?, false),
        INSERT => {
            let v = ingest::op_value(arg(op, 1)?.clone())?;
            add(list, vec![v], Some(int_arg(op, 0)?), flags_arg(op, 2)?, true)
        }
        INSERT_ITEMS => add(list, items_arg(op, 1)?, Some(int_arg(op, 0)?), flags_arg(op, 2)?, false),
        SET => set(list, int_arg(op, 0)?, ingest::op_value(arg(op, 1)?.clone())?, flags_arg(op, 2)?),
        INCREMENT => increment(list, op),
        POP => {
            let i = single(int_arg(op, 0)?, n)?;
            Ok(Some(list.items.remove(i)))
        }
        POP_RANGE => {
            let (s, e) = range(int_arg(op, 0)?, opt_int(op, 1)?, n);
            Ok(Some(MpValue::Array(list.items.drain(s..e).collect())))
        }
        REMOVE => {
            let i = single(int_arg(op, 0)?, n)?;
            list.items.remove(i);
            Ok(Some(MpValue::Int(1)))
        }
        REMOVE_RANGE => {
            let (s, e) = range(int_arg(op, 0)?, opt_int(op, 1)?, n);
            list.items.drain(s..e);
            Ok(Some(MpValue::Int((e - s) as i64)))
        }
        TRIM => {
            let (s, e) = range(int_arg(op, 0)?, Some(int_arg(op, 1)?), n);
            list.items.truncate(e);
            list.items.drain(..s);
            Ok(Some(MpValue::Int((n - (e - s)) as i64)))
        }
        CLEAR => {
            list.items.clear();
            Ok(None)
        }
        SORT => {
            let f = flags_arg(op, 0)?;
            if f & SORT_DESCENDING != 0 && f & SORT_DROP_DUPLICATES != 0 {
                return Err(rc::PARAMETER_ERROR);
            }
            list.sort();
            if f & SORT_DROP_DUPLICATES != 0 {
                list.items.dedup_by(|a, b| compare(a, b) == Ordering::Equal);
            }
            if f & SORT_DESCENDING != 0 && !list.ordered() {
                list.items.reverse();
            }
            Ok(None)
        }
        32..=40 => list_select::remove(list, op),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// append / append_items / insert / insert_items with the write flags, in the order
/// particle_list.c checks them: insert on an ordered list (26, list_insert), an empty item list
/// (a no-op answering the size), the index (26 before the start or past INT32_MAX), the bounded
/// flag, then ADD_UNIQUE (packed_list_insert; packed_list_add_items_ordered for ordered lists).
fn add(list: &mut List, mut new: Vec<MpValue>, at: Option<i64>, flags: i64, one: bool) -> Result<Option<MpValue>, u8> {
    let n = list.items.len();
    let size = |l: &List| Ok(Some(MpValue::Int(l.items.len() as i64)));
    let mut pos = n;
    if at.is_some() && list.ordered() {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    if new.is_empty() {
        return size(list);
    }
    if let Some(idx) = at {
        let i = if idx < 0 { idx.saturating_add(n as i64) } else { idx };
        if i < 0 || i > i64::from(i32::MAX) {
            return Err(rc::OP_NOT_APPLICABLE);
        }
        let i = i as usize;
        if i > n && flags & INSERT_BOUNDED != 0 {
            return if flags & NO_FAIL != 0 { size(list) } else { Err(rc::OP_NOT_APPLICABLE) };
        }
        if i - n.min(i) > MAX_PAD {
            return Err(rc::PARAMETER_ERROR);
        }
        pos = i;
    }
    if flags & ADD_UNIQUE != 0 {
        let no_fail = flags & NO_FAIL != 0;
        let partial = no_fail && flags & PARTIAL != 0;
        // Repeats among the new items: 26, NO_FAIL alone a no-op, NO_FAIL|PARTIAL drops them.
        // An ordered list looks for them before looking in the list; an unordered one meets
        // them item by item.
        let repeat = |kept: &[MpValue], v: &MpValue| kept.iter().any(|k| order::matches(k, v));
        // A repeat's outcome: the answer to stop with, or None to drop it and go on.
        let on_repeat = |l: &List| match (no_fail, partial) {
            (false, _) => Some(Err(rc::OP_NOT_APPLICABLE)),
            (true, false) => Some(size(l)),
            (true, true) => None,
        };
        if list.ordered() && !one {
            let mut kept: Vec<MpValue> = Vec::with_capacity(new.len());
            for v in new {
                if repeat(&kept, &v) {
                    match on_repeat(list) {
                        Some(answer) => return answer,
                        None => continue,
                    }
                }
                kept.push(v);
            }
            new = kept;
        }
        let mut kept: Vec<MpValue> = Vec::with_capacity(new.len());
        for v in new {
            if list.contains(&v) {
                if partial {
                    continue;
                }
                return if no_fail { size(list) } else { Err(rc::ELEMENT_EXISTS) };
            }
            if repeat(&kept, &v) {
                match on_repeat(list) {
                    Some(answer) => return answer,
                    None => continue,
                }
            }
            kept.push(v);
        }
        new = kept;
    }
    if list.ordered() {
        for v in new {
            let p = list.upper_bound(&v);
            list.items.insert(p, v);
        }
    } else {
        if pos > n {
            list.items.resize(pos, MpValue::Nil);
        }
        list.items.splice(pos..pos, new);
    }
    size(list)
}

fn set(list: &mut List, idx: i64, v: MpValue, flags: i64) -> Result<Option<MpValue>, u8> {
    if list.ordered() {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    let n = list.items.len();
    let i = if idx < 0 { idx.saturating_add(n as i64) } else { idx };
    if i < 0 || i > i64::from(i32::MAX) {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    let i = i as usize;
    if i > n && flags & INSERT_BOUNDED != 0 {
        return if flags & NO_FAIL != 0 { Ok(None) } else { Err(rc::OP_NOT_APPLICABLE) };
    }
    if flags & ADD_UNIQUE != 0 && list.items.iter().enumerate().any(|(j, x)| j != i && order::matches(&v, x)) {
        return if flags & NO_FAIL != 0 { Ok(None) } else { Err(rc::ELEMENT_EXISTS) };
    }
    if i >= n {
        if i - n > MAX_PAD {
            return Err(rc::PARAMETER_ERROR);
        }
        list.items.resize(i, MpValue::Nil);
        list.items.push(v);
    } else {
        list.items[i] = v;
    }
    Ok(None)
}

/// Adds a delta to a number: int + float truncates the delta, float + int gives a float.
pub fn add_numbers(cur: &MpValue, delta: &MpValue) -> Result<MpValue, u8> {
    Ok(match (cur, delta) {
        (MpValue::Int(a), MpValue::Int(b)) => MpValue::Int(a.wrapping_add(*b)),
        (MpValue::Int(a), MpValue::Float(b)) => MpValue::Int(a.wrapping_add(*b as i64)),
        (MpValue::Float(a), MpValue::Int(b)) => MpValue::Float(a + *b as f64),
        (MpValue::Float(a), MpValue::Float(b)) => MpValue::Float(a + b),
        _ => return Err(rc::PARAMETER_ERROR),
    })
}

/// list_increment (particle_list.c): the index is checked (26) before the delta (4); the new
/// value is the op's result even when the flags then turn the write into a no-op. An ordered
/// list replaces the element in order (packed_list_replace_ordered: past the end is 26, the
/// bounded flag is ignored); an unordered one sets it (list_set, packed_list_insert past the end).
fn increment(list: &mut List, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let idx = int_arg(op, 0)?;
    let flags = flags_arg(op, 3)?;
    let n = list.items.len();
    let i = if idx < 0 { idx.saturating_add(n as i64) } else { idx };
    if i < 0 || i > i64::from(i32::MAX) {
        return Err(rc::OP_NOT_APPLICABLE);
    }
    let i = i as usize;
    let delta = match op.args.get(1) {
        None | Some(MpValue::Nil) => MpValue::Int(1),
        Some(d @ (MpValue::Int(_) | MpValue::Float(_))) => d.clone(),
        Some(MpValue::UInt(u)) => MpValue::Int(*u as i64),
        Some(_) => return Err(rc::PARAMETER_ERROR),
    };
    let new = if i < n { add_numbers(&list.items[i], &delta)? } else { delta };
    let result = Ok(Some(new.clone()));
    let unique = flags & ADD_UNIQUE != 0;
    let exists = || if flags & NO_FAIL != 0 { result.clone() } else { Err(rc::ELEMENT_EXISTS) };
    if list.ordered() {
        if i > n {
            return Err(rc::OP_NOT_APPLICABLE);
        }
        if unique && list.contains(&new) {
            // Replacing an element by an equal value at its own rank is a no-op.
            let rank = list.items.partition_point(|x| compare(x, &new) == Ordering::Less);
            return if rank == i { result } else { exists() };
        }
        if i < n {
            list.items.remove(i);
        }
        let p = list.upper_bound(&new);
        list.items.insert(p, new);
        return result;
    }
    if i >= n {
        if flags & INSERT_BOUNDED != 0 && i > n {
            return if flags & NO_FAIL != 0 { result } else { Err(rc::OP_NOT_APPLICABLE) };
        }
        if unique && list.contains(&new) {
            return exists();
        }
        if i - n > MAX_PAD {
            return Err(rc::PARAMETER_ERROR);
        }
        list.items.resize(i, MpValue::Nil);
        list.items.push(new);
        return result;
    }
    if unique && list.items.iter().enumerate().any(|(j, x)| j != i && order::matches(&new, x)) {
        return exists();
    }
    list.items[i] = new;
    result
}
