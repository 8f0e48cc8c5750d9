//! Map ops: the writes (put, put_items, increment, decrement, clear, set_type) and size; the
//! get_by/remove_by family lives in `map_select`. Maps are msgpack maps kept in key order, led
//! by an ext header carrying the order flags when they are not unordered.

use std::cmp::Ordering;

use crate::codec::msgpack::MpValue;
use crate::result_code as rc;

use super::order::{self, compare};
use super::{arg, ingest, map_select, opt_int, CdtOp};

pub const SET_TYPE: u8 = 64;
pub const ADD: u8 = 65;
pub const ADD_ITEMS: u8 = 66;
pub const PUT: u8 = 67;
pub const PUT_ITEMS: u8 = 68;
pub const REPLACE: u8 = 69;
pub const REPLACE_ITEMS: u8 = 70;
pub const INCREMENT: u8 = 73;
pub const DECREMENT: u8 = 74;
pub const CLEAR: u8 = 75;
pub const SIZE: u8 = 96;

/// Order flags.
pub const KEY_ORDERED: u8 = 1;
const ORDER_MASK: i64 = 0x03;
const PERSIST_INDEX: i64 = 0x10;
/// Write flags.
pub const CREATE_ONLY: i64 = 1;
pub const UPDATE_ONLY: i64 = 2;
pub const NO_FAIL: i64 = 4;
pub const PARTIAL: i64 = 8;

/// A map taken apart: its order flags and its pairs, in key order.
pub struct Map {
    pub flags: u8,
    pub pairs: Vec<(MpValue, MpValue)>,
}

impl Map {
    pub fn from_mp(v: MpValue) -> Result<Map, u8> {
        let MpValue::Map(mut pairs) = v else { return Err(rc::INCOMPATIBLE_TYPE) };
        let flags = match pairs.first() {
            Some((MpValue::Ext(f, _), _)) if order::is_header(&pairs[0].0) => {
                let f = *f;
                pairs.remove(0);
                f & ORDER_MASK as u8
            }
            _ => 0,
        };
        let mut map = Map { flags, pairs };
        if !map.is_sorted() {
            map.sort();
        }
        Ok(map)
    }
    pub fn into_mp(self) -> MpValue {
        if self.flags != 0 {
            let mut v = Vec::with_capacity(self.pairs.len() + 1);
            v.push((MpValue::Ext(self.flags, vec![]), MpValue::Nil));
            v.extend(self.pairs);
            MpValue::Map(v)
        } else {
            MpValue::Map(self.pairs)
        }
    }
    pub fn find(&self, key: &MpValue) -> Result<usize, usize> {
        self.pairs.binary_search_by(|(k, _)| compare(k, key))
    }
    fn is_sorted(&self) -> bool {
        self.pairs.windows(2).all(|w| compare(&w[0].0, &w[1].0) == Ordering::Less)
    }
    fn sort(&mut self) {
        self.pairs.sort_by(|a, b| compare(&a.0, &b.0));
        self.pairs.dedup_by(|a, b| compare(&a.0, &b.0) == Ordering::Equal);
    }
}

fn order_arg(op: &CdtOp, i: usize) -> Result<u8, u8> {
    match opt_int(op, i)? {
        None => Ok(0),
        Some(o) if o & !(ORDER_MASK | PERSIST_INDEX) != 0 => Err(rc::OP_NOT_APPLICABLE),
        Some(o) => Ok((o & ORDER_MASK) as u8),
    }
}

/// Where each op keeps its order attribute.
fn attr_index(code: u8) -> Option<usize> {
    match code {
        SET_TYPE => Some(0),
        PUT_ITEMS | ADD_ITEMS | REPLACE_ITEMS => Some(1),
        PUT | ADD | REPLACE | INCREMENT | DECREMENT => Some(2),
        _ => None,
    }
}

/// The map this op creates where a context or a missing bin needs one.
pub fn new_container(op: &CdtOp) -> MpValue {
    let flags = attr_index(op.code).map_or(0, |i| order_arg(op, i).unwrap_or(0));
    Map { flags, pairs: Vec::new() }.into_mp()
}

fn check_key(k: &MpValue) -> Result<(), u8> {
    if ingest::is_map_key(k) { Ok(()) } else { Err(rc::PARAMETER_ERROR) }
}

pub fn read(target: Option<&MpValue>, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let Some(target) = target else {
        // On a missing bin every read answers nil (size, count and exists included).
        return Ok(Some(MpValue::Nil));
    };
    let MpValue::Map(_) = target else { return Err(rc::INCOMPATIBLE_TYPE) };
    let map = Map::from_mp(target.clone())?;
    match op.code {
        SIZE => Ok(Some(MpValue::Int(map.pairs.len() as i64))),
        97..=110 => map_select::get(&map, op),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

pub fn modify(slot: &mut Option<MpValue>, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let flags = write_flags(op);
    let creates = matches!(op.code, SET_TYPE | ADD | ADD_ITEMS | PUT | PUT_ITEMS | INCREMENT | DECREMENT);
    let mut map = match slot.take() {
        None if !creates => {
            if (76..=89).contains(&op.code) {
                super::result::split(super::int_arg(op, 0)?, true)?;
            }
            return Ok(None);
        }
        None => {
            if matches!(op.code, PUT | PUT_ITEMS) && flags & UPDATE_ONLY != 0 && flags & NO_FAIL == 0 {
                return Err(rc::ELEMENT_NOT_FOUND);
            }
            Map::from_mp(new_container(op))?
        }
        Some(v) => Map::from_mp(v)?,
    };
    let out = run(&mut map, op, flags);
    *slot = Some(map.into_mp());
    out
}

fn write_flags(op: &CdtOp) -> i64 {
    let from_arg = |i: usize| opt_int(op, i).ok().flatten().unwrap_or(0);
    match op.code {
        PUT => from_arg(3),
        PUT_ITEMS => from_arg(2),
        ADD | ADD_ITEMS => CREATE_ONLY,
        REPLACE | REPLACE_ITEMS => UPDATE_ONLY,
        _ => 0,
    }
}

fn size(map: &Map) -> Result<Option<MpValue>, u8> {
    Ok(Some(MpValue::Int(map.pairs.len() as i64)))
}

fn run(map: &mut Map, op: &CdtOp, flags: i64) -> Result<Option<MpValue>, u8> {
    match op.code {
        SET_TYPE => {
            map.flags = order_arg(op, 0)?;
            map.sort();
            Ok(None)
        }
        PUT | ADD | REPLACE => {
            let k = arg(op, 0)?.clone();
            check_key(&k)?;
            let v = ingest::op_value(arg(op, 1)?.clone())?;
            if attr_index(op.code).is_some() {
                order_arg(op, 2)?;
            }
            put_one(map, k, v, flags)?;
            size(map)
        }
        PUT_ITEMS | ADD_ITEMS | REPLACE_ITEMS => {
            // The items map is stored as a whole: sorted by key, a duplicate key refused.
            let MpValue::Map(items) = arg(op, 0)? else { return Err(rc::PARAMETER_ERROR) };
            let MpValue::Map(items) = ingest::op_value(MpValue::Map(items.clone()))? else { return Err(rc::PARAMETER_ERROR) };
            let items = order::map_body(&items).to_vec();
            // Quirk: into an empty map, UPDATE_ONLY|NO_FAIL|PARTIAL inserts every item.
            let quirk = map.pairs.is_empty() && flags & (UPDATE_ONLY | NO_FAIL | PARTIAL) == UPDATE_ONLY | NO_FAIL | PARTIAL;
            let flags = if quirk { flags & !UPDATE_ONLY } else { flags };
            let partial = flags & NO_FAIL != 0 && flags & PARTIAL != 0;
            if !partial {
                // All or nothing: check every item first.
                for (k, _) in &items {
                    let exists = map.find(k).is_ok();
                    let bad = (exists && flags & CREATE_ONLY != 0) || (!exists && flags & UPDATE_ONLY != 0);
                    if bad {
                        if flags & NO_FAIL != 0 {
                            return size(map);
                        }
                        return Err(if exists { rc::ELEMENT_EXISTS } else { rc::ELEMENT_NOT_FOUND });
                    }
                }
            }
            if !map.is_sorted() {
                map.sort();
            }
            for (k, v) in items {
                put_one(map, k, v, flags)?;
            }
            size(map)
        }
        INCREMENT | DECREMENT => increment(map, op),
        CLEAR => {
            map.pairs.clear();
            Ok(None)
        }
        76..=89 => map_select::remove(map, op),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

fn put_one(map: &mut Map, k: MpValue, v: MpValue, flags: i64) -> Result<(), u8> {
    let found = map.find(&k);
    let bad = match found {
        Ok(_) => flags & CREATE_ONLY != 0,
        Err(_) => flags & UPDATE_ONLY != 0,
    };
    if bad {
        if flags & NO_FAIL != 0 {
            return Ok(());
        }
        return Err(if found.is_ok() { rc::ELEMENT_EXISTS } else { rc::ELEMENT_NOT_FOUND });
    }
    match found {
        Ok(i) => map.pairs[i].1 = v,
        Err(i) => map.pairs.insert(i, (k, v)),
    }
    Ok(())
}

fn increment(map: &mut Map, op: &CdtOp) -> Result<Option<MpValue>, u8> {
    let k = arg(op, 0)?.clone();
    check_key(&k)?;
    order_arg(op, 2)?;
    let neg = op.code == DECREMENT;
    let delta = match op.args.get(1) {
        None | Some(MpValue::Nil) => MpValue::Int(1),
        Some(d @ (MpValue::Int(_) | MpValue::Float(_))) => d.clone(),
        Some(_) => return Err(rc::PARAMETER_ERROR),
    };
    let delta = match (neg, delta) {
        (true, MpValue::Int(i)) => MpValue::Int(i.wrapping_neg()),
        (true, MpValue::Float(f)) => MpValue::Float(-f),
        (_, d) => d,
    };
    let new = match map.find(&k) {
        Ok(i) => {
            let new = super::list::add_numbers(&map.pairs[i].1, &delta)?;
            map.pairs[i].1 = new.clone();
            new
        }
        Err(i) => {
            map.pairs.insert(i, (k, delta.clone()));
            delta
        }
    };
    Ok(Some(new))
}
