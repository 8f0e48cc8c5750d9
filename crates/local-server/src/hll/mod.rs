//! HyperLogLog operations (op types HLL_READ / HLL_MODIFY) on HLL bins, as CE 8.1 runs them:
//! argument checks, write flags, folding rules and result codes (SERVER-FACTS "HyperLogLog").
//! Entry points: [`modify`] / [`read`] on a bin value and the record glue [`modify_bin`] /
//! [`read_bin`]; the HLL expressions reuse them.

pub mod murmur3;
pub mod sketch;

use crate::bits::args::{self, int};
use crate::codec::msgpack::{self, MpValue};
use crate::codec::particle::Value;
use crate::result_code as rc;
use crate::storage::Record;
use sketch::Sketch;

pub mod code {
    pub const INIT: i64 = 0;
    pub const ADD: i64 = 1;
    pub const SET_UNION: i64 = 2;
    pub const SET_COUNT: i64 = 3;
    pub const FOLD: i64 = 4;
    pub const COUNT: i64 = 50;
    pub const UNION: i64 = 51;
    pub const UNION_COUNT: i64 = 52;
    pub const INTERSECT_COUNT: i64 = 53;
    pub const SIMILARITY: i64 = 54;
    pub const DESCRIBE: i64 = 55;
    pub const MAY_CONTAIN: i64 = 56;
}

const CREATE_ONLY: i64 = 1;
const UPDATE_ONLY: i64 = 2;
const NO_FAIL: i64 = 4;
const ALLOW_FOLD: i64 = 8;

/// "Not given" for index or minhash bits (the client sends -1).
const UNSET: i64 = -1;

/// A stored HLL bin: a non-HLL bin is 12, a corrupt one 1.
fn existing(current: Option<&Value>) -> Result<Option<Sketch>, u8> {
    match current {
        None => Ok(None),
        Some(Value::Hll(b)) => Sketch::from_bytes(b).map(Some).ok_or(rc::SERVER_ERROR),
        Some(_) => Err(rc::INCOMPATIBLE_TYPE),
    }
}

/// The elements of an add or may-contain: a non-empty list of scalars, each hashed in its
/// compact msgpack form.
fn elements(v: Option<&MpValue>) -> Result<Vec<Vec<u8>>, u8> {
    match v {
        Some(MpValue::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|e| match e {
                MpValue::Array(_) | MpValue::Map(_) => Err(rc::PARAMETER_ERROR),
                e => Ok(msgpack::to_bytes(e)),
            })
            .collect(),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// HLL values passed to union/intersect/similarity: a list of them, or just one.
fn sketches(v: Option<&MpValue>) -> Result<Vec<Sketch>, u8> {
    let one = |e: &MpValue| match e {
        // The raw value carries a one-byte particle type in front, which is skipped.
        MpValue::Raw { data, .. } if data.len() > sketch::HEADER => Sketch::from_bytes(&data[1..]).ok_or(rc::PARAMETER_ERROR),
        _ => Err(rc::PARAMETER_ERROR),
    };
    match v {
        Some(MpValue::Array(items)) if !items.is_empty() => items.iter().map(one).collect(),
        Some(MpValue::Array(_)) | None => Err(rc::PARAMETER_ERROR),
        Some(e) => Ok(vec![one(e)?]),
    }
}

fn index_bits_arg(v: Option<&MpValue>) -> Result<i64, u8> {
    let ib = v.map_or(Ok(UNSET), int)?;
    if ib != UNSET && !sketch::valid_index_bits(ib) {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok(ib)
}

fn minhash_bits_arg(v: Option<&MpValue>, ib: i64) -> Result<i64, u8> {
    let mh = v.map_or(Ok(UNSET), int)?;
    if mh == UNSET {
        return Ok(mh);
    }
    if !sketch::valid_minhash_bits(mh) || (ib != UNSET && !sketch::valid_combined(ib, mh)) {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok(mh)
}

fn flags_arg(v: Option<&MpValue>, allowed: i64) -> Result<i64, u8> {
    let f = v.map_or(Ok(0), int)?;
    if f & !allowed != 0 || (f & CREATE_ONLY != 0 && f & UPDATE_ONLY != 0) {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok(f)
}

/// What a modify op leaves: the bin's new value (`None`: unchanged) and its answer.
pub struct Modified {
    pub value: Option<Value>,
    pub answer: Option<Value>,
}

/// Runs a modify op against a bin's current value (`None`: no such bin).
pub fn modify(current: Option<&Value>, raw: &[u8]) -> Result<Modified, u8> {
    // particle_hll.c: hll_state_init rejects an unknown op code before hll_modify verifies the
    // bin's type (12) and only then parses the arguments.
    let (op, a) = args::parse_op(raw)?;
    let (min_args, max_args) = match op {
        code::INIT => (0, 3),
        code::ADD => (1, 4),
        code::SET_UNION => (1, 2),
        code::SET_COUNT => (0, 0),
        code::FOLD => (1, 1),
        _ => return Err(rc::PARAMETER_ERROR),
    };
    let old = existing(current)?;
    if a.len() < min_args || a.len() > max_args {
        return Err(rc::PARAMETER_ERROR);
    }
    let (mut ib, mut mh, flags, elems, given) = match op {
        code::INIT => {
            let ib = index_bits_arg(a.first())?;
            let mh = minhash_bits_arg(a.get(1), ib)?;
            (ib, mh, flags_arg(a.get(2), CREATE_ONLY | UPDATE_ONLY | NO_FAIL)?, Vec::new(), Vec::new())
        }
        code::ADD => {
            let e = elements(a.first())?;
            let ib = index_bits_arg(a.get(1))?;
            let mh = minhash_bits_arg(a.get(2), ib)?;
            (ib, mh, flags_arg(a.get(3), CREATE_ONLY | NO_FAIL)?, e, Vec::new())
        }
        code::SET_UNION => {
            let s = sketches(a.first())?;
            (UNSET, UNSET, flags_arg(a.get(1), CREATE_ONLY | UPDATE_ONLY | ALLOW_FOLD | NO_FAIL)?, Vec::new(), s)
        }
        code::FOLD => (index_bits_arg(a.first())?, UNSET, 0, Vec::new(), Vec::new()),
        _ => (UNSET, UNSET, 0, Vec::new(), Vec::new()),
    };
    let no_change = Modified { value: None, answer: None };
    if old.is_some() && flags & CREATE_ONLY != 0 {
        return if flags & NO_FAIL != 0 { Ok(no_change) } else { Err(rc::BIN_EXISTS) };
    }
    if old.is_none() && flags & UPDATE_ONLY != 0 {
        return if flags & NO_FAIL != 0 { Ok(no_change) } else { Err(rc::BIN_NOT_FOUND) };
    }
    // Settle the resulting bit counts, as the server's prepare step does.
    match (op, &old) {
        (code::INIT | code::ADD, None) => {
            if ib == UNSET {
                return Err(rc::OP_NOT_APPLICABLE);
            }
            if mh == UNSET {
                mh = 0;
            }
        }
        (code::INIT, Some(o)) => {
            if ib == UNSET {
                ib = i64::from(o.index_bits());
            }
            if mh == UNSET {
                mh = i64::from(o.minhash_bits());
            }
            if !sketch::valid_combined(ib, mh) {
                return Err(rc::OP_NOT_APPLICABLE);
            }
        }
        (code::ADD, Some(o)) => (ib, mh) = (i64::from(o.index_bits()), i64::from(o.minhash_bits())),
        (code::SET_UNION, _) => {
            let refs: Vec<&Sketch> = given.iter().collect();
            let (min_ib, _) = sketch::template(&refs);
            let mut min_mh = given[0].minhash_bits();
            if given.iter().any(|s| s.minhash_bits() != min_mh) {
                min_mh = 0;
            }
            match &old {
                None => (ib, mh) = (i64::from(min_ib), i64::from(min_mh)),
                Some(o) if flags & ALLOW_FOLD == 0 => {
                    if o.index_bits() > min_ib || (o.minhash_bits() != 0 && o.minhash_bits() != min_mh) {
                        return Err(rc::OP_NOT_APPLICABLE);
                    }
                    (ib, mh) = (i64::from(o.index_bits()), i64::from(o.minhash_bits()));
                }
                Some(o) => {
                    ib = i64::from(o.index_bits().min(min_ib));
                    mh = if o.minhash_bits() != min_mh { 0 } else { i64::from(min_mh) };
                }
            }
        }
        (code::SET_COUNT | code::FOLD, None) => return Err(rc::BIN_NOT_FOUND),
        // hll_modify_prepare_fold_op: the index bits may be -1 (0xff once narrowed), which no
        // HLL has, so that fold is 26 too.
        (code::FOLD, Some(o)) if o.minhash_bits() > 0 || ib == UNSET || i64::from(o.index_bits()) < ib => {
            return Err(rc::OP_NOT_APPLICABLE);
        }
        _ => {}
    }
    let mut answer = None;
    let new = match op {
        code::INIT => Sketch::new(ib as u8, mh as u8),
        code::ADD => {
            let mut s = old.unwrap_or_else(|| Sketch::new(ib as u8, mh as u8));
            let added = elems.iter().filter(|e| s.add(e)).count();
            answer = Some(Value::Int(added as i64));
            s
        }
        code::SET_UNION => {
            let mut all: Vec<&Sketch> = given.iter().collect();
            if let Some(o) = &old {
                all.push(o);
            }
            let mut s = Sketch::new(ib as u8, mh as u8);
            for x in all {
                s.union_with(x);
            }
            s
        }
        code::SET_COUNT => {
            let mut s = old.ok_or(rc::BIN_NOT_FOUND)?;
            let c = s.estimate();
            s.set_cache(c);
            answer = Some(Value::Int(c as i64));
            s
        }
        _ => {
            let o = old.ok_or(rc::BIN_NOT_FOUND)?;
            if i64::from(o.index_bits()) == ib {
                o
            } else {
                let mut s = Sketch::new(ib as u8, 0);
                s.union_with(&o);
                s
            }
        }
    };
    Ok(Modified { value: Some(Value::Hll(new.bytes)), answer })
}

/// Runs a read op against a bin's value; a missing bin reads as nothing.
///
/// A missing bin answers nothing and its arguments go unread (rw_utils.c process_bin_read_op
/// calls the HLL code only for a live bin); otherwise the op code is checked first
/// (hll_state_init), then the bin (hll_verify_bin), then the arguments.
pub fn read(current: Option<&Value>, raw: &[u8]) -> Result<Option<Value>, u8> {
    if current.is_none() {
        return Ok(None);
    }
    let (op, a) = args::parse_op(raw)?;
    let n_args = match op {
        code::COUNT | code::DESCRIBE => 0,
        code::UNION | code::UNION_COUNT | code::INTERSECT_COUNT | code::SIMILARITY | code::MAY_CONTAIN => 1,
        _ => return Err(rc::PARAMETER_ERROR),
    };
    let old = existing(current)?;
    if a.len() != n_args {
        return Err(rc::PARAMETER_ERROR);
    }
    let (given, elems) = match op {
        code::MAY_CONTAIN => (Vec::new(), elements(a.first())?),
        code::UNION | code::UNION_COUNT => (sketches(a.first())?, Vec::new()),
        code::INTERSECT_COUNT | code::SIMILARITY => {
            let s = sketches(a.first())?;
            if s.len() > 2 {
                let mh = s[0].minhash_bits();
                if mh == 0 || s.iter().any(|x| x.minhash_bits() != mh) {
                    return Err(rc::PARAMETER_ERROR);
                }
            }
            (s, Vec::new())
        }
        _ => (Vec::new(), Vec::new()),
    };
    let Some(bin) = old else { return Ok(None) };
    if matches!(op, code::INTERSECT_COUNT | code::SIMILARITY) && given.len() > 2 {
        let mh = given[0].minhash_bits();
        if bin.minhash_bits() == 0 || bin.minhash_bits() != mh {
            return Err(rc::OP_NOT_APPLICABLE);
        }
    }
    let mut all: Vec<&Sketch> = given.iter().collect();
    all.push(&bin);
    Ok(Some(match op {
        code::COUNT => Value::Int(bin.estimate() as i64),
        code::DESCRIBE => {
            let mut out = Vec::new();
            msgpack::encode(&mut out, &MpValue::Array(vec![
                MpValue::Int(i64::from(bin.index_bits())),
                MpValue::Int(i64::from(bin.minhash_bits())),
            ]));
            Value::List(out)
        }
        code::UNION => Value::Hll(sketch::union_of(&all).bytes),
        code::UNION_COUNT => Value::Int(sketch::union_count(&all) as i64),
        code::INTERSECT_COUNT => Value::Int(sketch::intersect_count(&all) as i64),
        code::SIMILARITY => Value::Float(sketch::similarity(&all)),
        _ => Value::Int(i64::from(elems.iter().all(|e| bin.may_contain(e)))),
    }))
}

/// Applies a modify op to a record's bin; the answer (add's count, refresh's count) if any.
pub fn modify_bin(rec: &mut Record, name: &[u8], raw: &[u8]) -> Result<Option<Value>, u8> {
    let m = modify(rec.bin(name), raw)?;
    if let Some(v) = m.value {
        rec.set_bin(name, v);
    }
    Ok(m.answer)
}

pub fn read_bin(rec: &Record, name: &[u8], raw: &[u8]) -> Result<Option<Value>, u8> {
    read(rec.bin(name), raw)
}

#[cfg(test)]
mod tests;
