//! HyperLogLog operation dicts (`aerospike_py.hll_operations`, codes 3001..) -> the crate's HLL
//! operations.

use aerospike::operations::hll::{self, HllPolicy, HllWriteFlags};
use aerospike::operations::Operation;
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::fields::Fields;
use super::OpAnswer;
use crate::errors::param_error;

const INIT: i64 = 3001;
const ADD: i64 = 3002;
const GET_COUNT: i64 = 3003;
const GET_UNION: i64 = 3004;
const GET_UNION_COUNT: i64 = 3005;
const GET_INTERSECT_COUNT: i64 = 3006;
const GET_SIMILARITY: i64 = 3007;
const DESCRIBE: i64 = 3008;
const FOLD: i64 = 3009;
const SET_UNION: i64 = 3010;
const REFRESH_COUNT: i64 = 3011;

pub(super) fn decode(code: i64, f: &Fields<'_>) -> PyResult<(Operation, OpAnswer)> {
    let bin = f.bin()?;
    let ctx = f.ctx()?;
    let answers = OpAnswer::Value(bin.clone());
    let (operation, answer) = match code {
        INIT => {
            let policy = policy(f)?;
            let index = f.int("index_bit_count")?;
            match f.opt_int("minhash_bit_count")? {
                Some(minhash) => (hll::init_with_min_hash(&policy, &bin, index, minhash), OpAnswer::Nothing),
                None => (hll::init(&policy, &bin, index), OpAnswer::Nothing),
            }
        }
        ADD => {
            let policy = policy(f)?;
            let values = f.values("val")?;
            let op = match (f.opt_int("index_bit_count")?, f.opt_int("minhash_bit_count")?) {
                (None, None) => hll::add(&policy, &bin, values),
                (Some(index), None) => hll::add_with_index(&policy, &bin, values, index),
                (index, Some(minhash)) => hll::add_with_index_and_min_hash(&policy, &bin, values, index.unwrap_or(-1), minhash),
            };
            (op, answers)
        }
        SET_UNION => (hll::set_union(&policy(f)?, &bin, hlls(f)?), OpAnswer::Nothing),
        REFRESH_COUNT => (hll::refresh_count(&bin), answers),
        FOLD => (hll::fold(&bin, f.int("index_bit_count")?), OpAnswer::Nothing),
        GET_COUNT => (hll::get_count(&bin), answers),
        GET_UNION => (hll::get_union(&bin, hlls(f)?), answers),
        GET_UNION_COUNT => (hll::get_union_count(&bin, hlls(f)?), answers),
        GET_INTERSECT_COUNT => (hll::get_intersect_count(&bin, hlls(f)?), answers),
        GET_SIMILARITY => (hll::get_similarity(&bin, hlls(f)?), answers),
        DESCRIBE => (hll::describe(&bin), answers),
        other => return Err(param_error(format!("unknown HLL operator {other}"))),
    };
    Ok((operation.context(ctx), answer))
}

/// The HLL values of a union/intersection/similarity: HyperLogLog (or plain bytes) items.
fn hlls(f: &Fields<'_>) -> PyResult<Vec<Value>> {
    f.values("val")?
        .into_iter()
        .map(|v| match v {
            Value::Hll(_) => Ok(v),
            Value::Blob(b) => Ok(Value::Hll(b)),
            other => Err(PyTypeError::new_err(format!("\"val\" must be a list of HyperLogLog values, not {}", super::fields::kind(&other)))),
        })
        .collect()
}

/// The write flags, `"hll_policy"`: an int, or `{"flags": n}`.
fn policy(f: &Fields<'_>) -> PyResult<HllPolicy> {
    let Some(dict) = f.policy("hll_policy")? else { return Ok(HllPolicy::default()) };
    let mut flags = 0;
    for (_, n) in dict.ints("HLL policy", &["flags", "hll_write_flags"], "flags")? {
        if !(0..=15).contains(&n) {
            return Err(param_error(format!("HLL write flags {n} are not a combination of HLL_WRITE_*")));
        }
        flags = n;
    }
    Ok(HllPolicy::new(HllWriteFlags::from_bits(u8::try_from(flags).unwrap_or(0))))
}

/// Whether an HLL operation only reads (a batch sends those as read rows).
pub(super) fn is_read(code: i64) -> bool {
    matches!(code, GET_COUNT | GET_UNION | GET_UNION_COUNT | GET_INTERSECT_COUNT | GET_SIMILARITY | DESCRIBE)
}
