//! CDT list operation dicts (`aerospike_py.list_operations`, codes 1001..) -> the crate's list
//! operations, with the nested context attached.

use aerospike::operations::lists::{self, ListOrderType, ListPolicy, ListReturnType, ListSortFlags, ListWriteFlags};
use aerospike::operations::Operation;
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::fields::{Fields, PolicyDict, INVERTED};
use super::OpAnswer;
use crate::errors::param_error;

const APPEND: i64 = 1001;
const APPEND_ITEMS: i64 = 1002;
const INSERT: i64 = 1003;
const INSERT_ITEMS: i64 = 1004;
const POP: i64 = 1005;
const POP_RANGE: i64 = 1006;
const REMOVE: i64 = 1007;
const REMOVE_RANGE: i64 = 1008;
const SET: i64 = 1009;
const TRIM: i64 = 1010;
const CLEAR: i64 = 1011;
const SIZE: i64 = 1012;
const GET: i64 = 1013;
const GET_RANGE: i64 = 1014;
const GET_BY_VALUE: i64 = 1015;
const GET_BY_INDEX: i64 = 1016;
const GET_BY_INDEX_RANGE: i64 = 1017;
const GET_BY_RANK: i64 = 1018;
const GET_BY_RANK_RANGE: i64 = 1019;
const GET_BY_VALUE_LIST: i64 = 1020;
const GET_BY_VALUE_RANGE: i64 = 1021;
const REMOVE_BY_VALUE: i64 = 1022;
const REMOVE_BY_VALUE_LIST: i64 = 1023;
const REMOVE_BY_VALUE_RANGE: i64 = 1024;
const REMOVE_BY_INDEX: i64 = 1025;
const REMOVE_BY_INDEX_RANGE: i64 = 1026;
const REMOVE_BY_RANK: i64 = 1027;
const REMOVE_BY_RANK_RANGE: i64 = 1028;
const INCREMENT: i64 = 1029;
const SORT: i64 = 1030;
const SET_ORDER: i64 = 1031;
const CREATE: i64 = 1032;
const GET_BY_VALUE_REL_RANK_RANGE: i64 = 1033;
const REMOVE_BY_VALUE_REL_RANK_RANGE: i64 = 1034;

/// The `LIST_RETURN_*` selectors: NONE, INDEX, REVERSE_INDEX, RANK, REVERSE_RANK, COUNT, VALUE, EXISTS.
const RETURN_TYPES: &[i64] = &[0, 1, 2, 3, 4, 5, 7, 13];

pub(super) fn decode(code: i64, f: &Fields<'_>) -> PyResult<(Operation, OpAnswer)> {
    let bin = f.bin()?;
    let ctx = f.ctx()?;
    let answers = OpAnswer::Value(bin.clone());
    let (operation, answer) = match code {
        APPEND => (lists::append(&policy(f)?, &bin, f.value("val")?), answers),
        APPEND_ITEMS => (lists::append_items(&policy(f)?, &bin, f.values("val")?), answers),
        INSERT => (lists::insert(&policy(f)?, &bin, f.int("index")?, f.value("val")?), answers),
        INSERT_ITEMS => (lists::insert_items(&policy(f)?, &bin, f.int("index")?, f.values("val")?), answers),
        POP => (lists::pop(&bin, f.int("index")?), answers),
        POP_RANGE => (lists::pop_range(&bin, f.int("index")?, f.int("count")?), answers),
        REMOVE => (lists::remove(&bin, f.int("index")?), answers),
        REMOVE_RANGE => (lists::remove_range(&bin, f.int("index")?, f.int("count")?), answers),
        SET => {
            let op = match f.policy("list_policy")? {
                Some(_) => lists::set_with_policy(&policy(f)?, &bin, f.int("index")?, f.value("val")?),
                None => lists::set(&bin, f.int("index")?, f.value("val")?),
            };
            (op, OpAnswer::Nothing)
        }
        TRIM => (lists::trim(&bin, f.int("index")?, f.int("count")?), answers),
        CLEAR => (lists::clear(&bin), OpAnswer::Nothing),
        SIZE => (lists::size(&bin), answers),
        GET => (lists::get(&bin, f.int("index")?), answers),
        GET_RANGE => match f.opt_int("count")? {
            Some(count) => (lists::get_range(&bin, f.int("index")?, count), answers),
            None => (lists::get_range_from(&bin, f.int("index")?), answers),
        },
        INCREMENT => {
            let policy = policy(f)?;
            let index = f.int("index")?;
            let delta = match f.opt_value("val")?.unwrap_or(Value::Int(1)) {
                Value::Int(n) => n,
                Value::Float(_) => {
                    return Err(PyTypeError::new_err(
                        "\"val\" of list_increment must be an int: this client sends list increments as int64",
                    ))
                }
                other => return Err(PyTypeError::new_err(format!("\"val\" of list_increment must be an int, not {}", super::fields::kind(&other)))),
            };
            (lists::increment(&policy, &bin, index, delta), answers)
        }
        SORT => {
            let flags = f.flags("sort_flags", 3)?;
            let flags = ListSortFlags::from_bits(u8::try_from(flags).unwrap_or(0));
            (lists::sort(&bin, flags), OpAnswer::Nothing)
        }
        SET_ORDER => (lists::set_order(&bin, order(f.opt_int("list_order")?.unwrap_or(0))?), OpAnswer::Nothing),
        CREATE => {
            let order = order(f.opt_int("list_order")?.unwrap_or(0))?;
            let pad = f.bool_or("pad", false)?;
            let persist = f.bool_or("persist_index", false)?;
            (lists::create_persistent(&bin, order, pad, persist), OpAnswer::Nothing)
        }
        _ => {
            let op = selecting(code, f, &bin)?;
            let read = matches!(code, GET_BY_VALUE..=GET_BY_VALUE_RANGE | GET_BY_VALUE_REL_RANK_RANGE);
            (op, answer(f.int("return_type")?, &bin, read))
        }
    };
    Ok((operation.context(ctx), answer))
}

/// What a selecting op answers: nothing for `LIST_RETURN_NONE`, else a value.
fn answer(return_type: i64, bin: &str, read: bool) -> OpAnswer {
    match (return_type & !INVERTED, read) {
        (0, true) => OpAnswer::Unanswered,
        (0, false) => OpAnswer::Nothing,
        _ => OpAnswer::Value(bin.to_owned()),
    }
}

/// The get_by_* / remove_by_* operations, which take a return type.
fn selecting(code: i64, f: &Fields<'_>, bin: &str) -> PyResult<Operation> {
    let single = matches!(code, GET_BY_INDEX | GET_BY_RANK | REMOVE_BY_INDEX | REMOVE_BY_RANK);
    if !matches!(
        code,
        GET_BY_VALUE..=REMOVE_BY_RANK_RANGE | GET_BY_VALUE_REL_RANK_RANGE | REMOVE_BY_VALUE_REL_RANK_RANGE
    ) {
        return Err(param_error(format!("unknown list operator {code}")));
    }
    let rt = ListReturnType::from_bits(f.return_type(RETURN_TYPES, !single)?);
    let end = || -> PyResult<Value> { Ok(f.opt_value("val_end")?.unwrap_or(Value::Nil)) };
    Ok(match code {
        GET_BY_VALUE => lists::get_by_value(bin, f.value("val")?, rt),
        GET_BY_VALUE_LIST => lists::get_by_value_list(bin, f.values("val")?, rt),
        GET_BY_VALUE_RANGE => lists::get_by_value_range(bin, f.value("val")?, end()?, rt),
        GET_BY_INDEX => lists::get_by_index(bin, f.int("index")?, rt),
        GET_BY_INDEX_RANGE => match f.opt_int("count")? {
            Some(count) => lists::get_by_index_range_count(bin, f.int("index")?, count, rt),
            None => lists::get_by_index_range(bin, f.int("index")?, rt),
        },
        GET_BY_RANK => lists::get_by_rank(bin, f.int("rank")?, rt),
        GET_BY_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => lists::get_by_rank_range_count(bin, f.int("rank")?, count, rt),
            None => lists::get_by_rank_range(bin, f.int("rank")?, rt),
        },
        GET_BY_VALUE_REL_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => lists::get_by_value_relative_rank_range_count(bin, f.value("val")?, f.int("rank")?, count, rt),
            None => lists::get_by_value_relative_rank_range(bin, f.value("val")?, f.int("rank")?, rt),
        },
        REMOVE_BY_VALUE => lists::remove_by_value(bin, f.value("val")?, rt),
        REMOVE_BY_VALUE_LIST => lists::remove_by_value_list(bin, f.values("val")?, rt),
        REMOVE_BY_VALUE_RANGE => lists::remove_by_value_range(bin, rt, f.value("val")?, end()?),
        REMOVE_BY_INDEX => lists::remove_by_index(bin, f.int("index")?, rt),
        REMOVE_BY_INDEX_RANGE => match f.opt_int("count")? {
            Some(count) => lists::remove_by_index_range_count(bin, f.int("index")?, count, rt),
            None => lists::remove_by_index_range(bin, f.int("index")?, rt),
        },
        REMOVE_BY_RANK => lists::remove_by_rank(bin, f.int("rank")?, rt),
        REMOVE_BY_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => lists::remove_by_rank_range_count(bin, f.int("rank")?, count, rt),
            None => lists::remove_by_rank_range(bin, f.int("rank")?, rt),
        },
        REMOVE_BY_VALUE_REL_RANK_RANGE => match f.opt_int("count")? {
            Some(count) => lists::remove_by_value_relative_rank_range_count(bin, rt, f.value("val")?, f.int("rank")?, count),
            None => lists::remove_by_value_relative_rank_range(bin, rt, f.value("val")?, f.int("rank")?),
        },
        _ => return Err(param_error(format!("unknown list operator {code}"))),
    })
}

fn order(n: i64) -> PyResult<ListOrderType> {
    match n {
        0 => Ok(ListOrderType::Unordered),
        1 => Ok(ListOrderType::Ordered),
        _ => Err(param_error(format!("list order must be LIST_UNORDERED or LIST_ORDERED, not {n}"))),
    }
}

/// The list policy, `"list_policy"`: `{"list_order": .., "write_flags": ..}` (also `"order"`,
/// `"flags"`); the default when absent.
fn policy(f: &Fields<'_>) -> PyResult<ListPolicy> {
    let mut out = ListPolicy::default();
    let Some(dict) = f.policy("list_policy")? else { return Ok(out) };
    if matches!(dict, PolicyDict::Int(_)) {
        return Err(PyTypeError::new_err("\"list_policy\" must be a dict {\"list_order\": .., \"write_flags\": ..}"));
    }
    for (key, n) in dict.ints("list policy", &["list_order", "order", "write_flags", "flags"], "write_flags")? {
        match key.as_str() {
            "list_order" | "order" => out.attributes = order(n)?,
            _ => {
                if !(0..=15).contains(&n) {
                    return Err(param_error(format!("list write flags {n} are not a combination of LIST_WRITE_*")));
                }
                out.flags = ListWriteFlags::from_bits(u8::try_from(n).unwrap_or(0));
            }
        }
    }
    Ok(out)
}

/// Whether a list operation only reads (a batch sends those as read rows).
pub(super) fn is_read(code: i64) -> bool {
    matches!(code, SIZE | GET | GET_RANGE | GET_BY_VALUE | GET_BY_INDEX | GET_BY_INDEX_RANGE | GET_BY_RANK | GET_BY_RANK_RANGE | GET_BY_VALUE_LIST | GET_BY_VALUE_RANGE | GET_BY_VALUE_REL_RANK_RANGE)
}
