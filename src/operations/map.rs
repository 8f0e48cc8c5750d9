//! CDT map operation dicts (`aerospike_py.map_operations`, codes 2001..) -> the crate's map
//! operations, with the nested context attached.

use aerospike::operations::maps::{self, MapOrder, MapPolicy, MapReturnType, MapWriteFlags};
use aerospike::operations::Operation;
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::fields::{Fields, PolicyDict, INVERTED};
use super::OpAnswer;
use crate::errors::param_error;

const SET_ORDER: i64 = 2001;
const PUT: i64 = 2002;
const PUT_ITEMS: i64 = 2003;
const INCREMENT: i64 = 2004;
const DECREMENT: i64 = 2005;
const CLEAR: i64 = 2006;
const REMOVE_BY_KEY: i64 = 2007;
const REMOVE_BY_KEY_LIST: i64 = 2008;
const REMOVE_BY_KEY_RANGE: i64 = 2009;
const REMOVE_BY_VALUE: i64 = 2010;
const REMOVE_BY_VALUE_LIST: i64 = 2011;
const REMOVE_BY_VALUE_RANGE: i64 = 2012;
const REMOVE_BY_INDEX: i64 = 2013;
const REMOVE_BY_INDEX_RANGE: i64 = 2014;
const REMOVE_BY_RANK: i64 = 2015;
const REMOVE_BY_RANK_RANGE: i64 = 2016;
const SIZE: i64 = 2017;
const GET_BY_KEY: i64 = 2018;
const GET_BY_KEY_RANGE: i64 = 2019;
const GET_BY_VALUE: i64 = 2020;
const GET_BY_VALUE_RANGE: i64 = 2021;
const GET_BY_INDEX: i64 = 2022;
const GET_BY_INDEX_RANGE: i64 = 2023;
const GET_BY_RANK: i64 = 2024;
const GET_BY_RANK_RANGE: i64 = 2025;
const GET_BY_KEY_LIST: i64 = 2026;
const GET_BY_VALUE_LIST: i64 = 2027;
const SET_POLICY: i64 = 2028;
const CREATE: i64 = 2029;
const GET_BY_KEY_REL_INDEX_RANGE: i64 = 2030;
const REMOVE_BY_KEY_REL_INDEX_RANGE: i64 = 2031;
const GET_BY_VALUE_REL_RANK_RANGE: i64 = 2032;
const REMOVE_BY_VALUE_REL_RANK_RANGE: i64 = 2033;

/// The `MAP_RETURN_*` selectors: NONE, INDEX, REVERSE_INDEX, RANK, REVERSE_RANK, COUNT, KEY,
/// VALUE, KEY_VALUE, EXISTS, UNORDERED_MAP, ORDERED_MAP.
const RETURN_TYPES: &[i64] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 17];

pub(super) fn decode(code: i64, f: &Fields<'_>) -> PyResult<(Operation, OpAnswer)> {
    let bin = f.bin()?;
    let ctx = f.ctx()?;
    let answers = OpAnswer::Value(bin.clone());
    let (operation, answer) = match code {
        SET_ORDER => {
            let order = order(f.int("map_order")?)?;
            (maps::set_policy(&MapPolicy::new(order, MapWriteFlags::DEFAULT), &bin, ctx.clone()), OpAnswer::Nothing)
        }
        SET_POLICY => {
            let policy = policy(f)?.ok_or_else(|| param_error("map_set_policy needs a \"map_policy\""))?;
            (maps::set_policy(&policy, &bin, ctx.clone()), OpAnswer::Nothing)
        }
        CREATE => {
            let order = order(f.int("map_order")?)?;
            let persist = f.bool_or("persist_index", false)?;
            let op = if persist && ctx.is_empty() {
                maps::create_with_index(&bin, order)
            } else {
                maps::create(&bin, order, ctx.clone())
            };
            (op, OpAnswer::Nothing)
        }
        PUT => {
            let policy = policy(f)?.unwrap_or_default();
            (maps::put(&policy, &bin, key(f.value("map_key")?)?, f.value("val")?), answers)
        }
        PUT_ITEMS => {
            let policy = policy(f)?.unwrap_or_default();
            let items = match f.value("val")? {
                Value::OrderedMap(items) => items,
                _ => return Err(PyTypeError::new_err("\"val\" of map_put_items must be a dict")),
            };
            (maps::put_items(&policy, &bin, items), answers)
        }
        INCREMENT | DECREMENT => {
            let policy = policy(f)?.unwrap_or_default();
            let k = key(f.value("map_key")?)?;
            let delta = f.opt_value("val")?.unwrap_or(Value::Nil);
            if !matches!(delta, Value::Int(_) | Value::Float(_) | Value::Nil) {
                return Err(PyTypeError::new_err("\"val\" of map_increment/map_decrement must be an int or float"));
            }
            let op = if code == INCREMENT {
                maps::increment_value(&policy, &bin, k, delta)
            } else {
                maps::decrement_value(&policy, &bin, k, delta)
            };
            (op, answers)
        }
        CLEAR => (maps::clear(&bin), OpAnswer::Nothing),
        SIZE => (maps::size(&bin), answers),
        _ => {
            let op = selecting(code, f, &bin)?;
            let rt = f.int("return_type")?;
            let read = matches!(code, GET_BY_KEY..=GET_BY_VALUE_LIST | GET_BY_KEY_REL_INDEX_RANGE | GET_BY_VALUE_REL_RANK_RANGE);
            let none = if read { OpAnswer::Unanswered } else { OpAnswer::Nothing };
            (op, if rt & !INVERTED == 0 { none } else { answers })
        }
    };
    Ok((operation.context(ctx), answer))
}

/// The get_by_* / remove_by_* operations, which take a return type.
fn selecting(code: i64, f: &Fields<'_>, bin: &str) -> PyResult<Operation> {
    if !matches!(code, REMOVE_BY_KEY..=REMOVE_BY_RANK_RANGE | GET_BY_KEY..=GET_BY_VALUE_LIST | GET_BY_KEY_REL_INDEX_RANGE..=REMOVE_BY_VALUE_REL_RANK_RANGE) {
        return Err(param_error(format!("unknown map operator {code}")));
    }
    let single = matches!(code, GET_BY_KEY | REMOVE_BY_KEY | GET_BY_INDEX | REMOVE_BY_INDEX | GET_BY_RANK | REMOVE_BY_RANK);
    let rt = MapReturnType::from_bits(f.return_type(RETURN_TYPES, !single)?);
    let end = || -> PyResult<Value> { Ok(f.opt_value("val_end")?.unwrap_or(Value::Nil)) };
    let keys = || -> PyResult<Vec<Value>> { f.values("val")?.into_iter().map(key).collect() };
    Ok(match code {
        GET_BY_KEY => maps::get_by_key(bin, key(f.value("map_key")?)?, rt),
        GET_BY_KEY_LIST => maps::get_by_key_list(bin, keys()?, rt),
        GET_BY_KEY_RANGE => maps::get_by_key_range(bin, f.value("val")?, end()?, rt),
        GET_BY_KEY_REL_INDEX_RANGE => match f.opt_int("count")? {
            Some(count) => maps::get_by_key_relative_index_range_count(bin, key(f.value("map_key")?)?, f.int("index")?, count, rt),
            None => maps::get_by_key_relative_index_range(bin, key(f.value("map_key")?)?, f.int("index")?, rt),
        },
        GET_BY_VALUE => maps::get_by_value(bin, f.value("val")?, rt),
        GET_BY_VALUE_LIST => maps::get_by_value_list(bin, f.values("val")?, rt),
        GET_BY_VALUE_RANGE => maps::get_by_value_range(bin, f.value("val")?, end()?, rt),
        GET_BY_VALUE_REL_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => maps::get_by_value_relative_rank_range_count(bin, f.value("val")?, f.int("rank")?, count, rt),
            None => maps::get_by_value_relative_rank_range(bin, f.value("val")?, f.int("rank")?, rt),
        },
        GET_BY_INDEX => maps::get_by_index(bin, f.int("index")?, rt),
        GET_BY_INDEX_RANGE => match f.opt_int("count")? {
            Some(count) => maps::get_by_index_range(bin, f.int("index")?, count, rt),
            None => maps::get_by_index_range_from(bin, f.int("index")?, rt),
        },
        GET_BY_RANK => maps::get_by_rank(bin, f.int("rank")?, rt),
        GET_BY_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => maps::get_by_rank_range(bin, f.int("rank")?, count, rt),
            None => maps::get_by_rank_range_from(bin, f.int("rank")?, rt),
        },
        REMOVE_BY_KEY => maps::remove_by_key(bin, key(f.value("map_key")?)?, rt),
        REMOVE_BY_KEY_LIST => maps::remove_by_key_list(bin, keys()?, rt),
        REMOVE_BY_KEY_RANGE => maps::remove_by_key_range(bin, f.value("val")?, end()?, rt),
        REMOVE_BY_KEY_REL_INDEX_RANGE => match f.opt_int("count")? {
            Some(count) => maps::remove_by_key_relative_index_range_count(bin, key(f.value("map_key")?)?, f.int("index")?, count, rt),
            None => maps::remove_by_key_relative_index_range(bin, key(f.value("map_key")?)?, f.int("index")?, rt),
        },
        REMOVE_BY_VALUE => maps::remove_by_value(bin, f.value("val")?, rt),
        REMOVE_BY_VALUE_LIST => maps::remove_by_value_list(bin, f.values("val")?, rt),
        REMOVE_BY_VALUE_RANGE => maps::remove_by_value_range(bin, f.value("val")?, end()?, rt),
        REMOVE_BY_VALUE_REL_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => maps::remove_by_value_relative_rank_range_count(bin, f.value("val")?, f.int("rank")?, count, rt),
            None => maps::remove_by_value_relative_rank_range(bin, f.value("val")?, f.int("rank")?, rt),
        },
        REMOVE_BY_INDEX => maps::remove_by_index(bin, f.int("index")?, rt),
        REMOVE_BY_INDEX_RANGE => match f.opt_int("count")? {
            Some(count) => maps::remove_by_index_range(bin, f.int("index")?, count, rt),
            None => maps::remove_by_index_range_from(bin, f.int("index")?, rt),
        },
        REMOVE_BY_RANK => maps::remove_by_rank(bin, f.int("rank")?, rt),
        REMOVE_BY_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => maps::remove_by_rank_range(bin, f.int("rank")?, count, rt),
            None => maps::remove_by_rank_range_from(bin, f.int("rank")?, rt),
        },
        _ => return Err(param_error(format!("unknown map operator {code}"))),
    })
}

/// Map keys are int, str or bytes: the server refuses anything else.
fn key(value: Value) -> PyResult<Value> {
    match value {
        Value::Int(_) | Value::String(_) | Value::Blob(_) => Ok(value),
        other => Err(PyTypeError::new_err(format!("map keys are int, str or bytes, not {}", super::fields::kind(&other)))),
    }
}

fn order(n: i64) -> PyResult<MapOrder> {
    match n {
        0 => Ok(MapOrder::Unordered),
        1 => Ok(MapOrder::KeyOrdered),
        3 => Ok(MapOrder::KeyValueOrdered),
        _ => Err(param_error(format!("map order must be MAP_UNORDERED, MAP_KEY_ORDERED or MAP_KEY_VALUE_ORDERED, not {n}"))),
    }
}

/// The map policy, `"map_policy"`: `{"map_order": .., "map_write_flags": .., "persist_index": ..}`
/// (also `"order"`, `"write_flags"`, `"map_write_mode"`, `"write_mode"`); None when absent.
fn policy(f: &Fields<'_>) -> PyResult<Option<MapPolicy>> {
    let Some(dict) = f.policy("map_policy")? else { return Ok(None) };
    if matches!(dict, PolicyDict::Int(_)) {
        return Err(PyTypeError::new_err("\"map_policy\" must be a dict {\"map_order\": .., \"map_write_flags\": ..}"));
    }
    let allowed = ["map_order", "order", "map_write_flags", "write_flags", "map_write_mode", "write_mode", "persist_index"];
    let mut out = MapPolicy::default();
    for (name, n) in dict.ints("map policy", &allowed, "map_write_flags")? {
        match name.as_str() {
            "map_order" | "order" => out.order = order(n)?,
            "persist_index" => out.persist_index = n != 0,
            _ => {
                if !(0..=15).contains(&n) || n & 3 == 3 {
                    return Err(param_error(format!("map write flags {n} are not a valid combination of MAP_WRITE_FLAGS_*")));
                }
                out.flags = MapWriteFlags::from_bits(u8::try_from(n).unwrap_or(0));
            }
        }
    }
    Ok(Some(out))
}

/// Whether a map operation only reads (a batch sends those as read rows).
pub(super) fn is_read(code: i64) -> bool {
    matches!(code, SIZE | GET_BY_KEY | GET_BY_KEY_RANGE | GET_BY_VALUE | GET_BY_VALUE_RANGE | GET_BY_INDEX | GET_BY_INDEX_RANGE | GET_BY_RANK | GET_BY_RANK_RANGE | GET_BY_KEY_LIST | GET_BY_VALUE_LIST | GET_BY_KEY_REL_INDEX_RANGE | GET_BY_VALUE_REL_RANK_RANGE)
}
