//! The write path: put, append/prepend/increment, touch, remove-bin and operate. Ops run on a
//! copy of the record, so an error part-way leaves the stored record untouched.

use super::ops::{self, MAX_BINS, MAX_BIN_NAME, MAX_OPS};
use super::{ext_ops, Target};
use crate::codec::message::{self, field, info1, info2, info3, op, Message, ResponseBuilder};
use crate::codec::particle::{self, Value};
use crate::expiry;
use crate::expressions;
use crate::storage::record_size;
use crate::result_code as rc;
use crate::storage::record::next_generation;
use crate::storage::Record;

/// Generation policy: EQ needs the same generation (a missing record counts as 0), GT a
/// greater one.
pub fn check_generation(info2_bits: u8, wanted: u32, current: u16) -> Result<(), u8> {
    let current = u32::from(current);
    if info2_bits & info2::GENERATION != 0 && wanted != current {
        return Err(rc::GENERATION_ERROR);
    }
    if info2_bits & info2::GENERATION_GT != 0 && wanted <= current {
        return Err(rc::GENERATION_ERROR);
    }
    Ok(())
}

/// A decoded op, checked before the record is touched.
struct PreparedOp<'a> {
    op: u8,
    name: &'a [u8],
    /// A bin write's value; a value that doesn't decode fails only when the op runs, as
    /// as_bin_particle_from_client does inside write_master_bin_ops_loop.
    value: Result<Value, u8>,
    /// A read of every bin (empty name with the GET_ALL flag).
    read_all: bool,
    /// The op's value as sent (the argument list of bit, HLL and expression ops).
    raw: &'a [u8],
}

/// What the ops ask of the record before it is looked up.
struct Plan<'a> {
    ops: Vec<PreparedOp<'a>>,
    /// A touch among the ops: the record must exist (2 otherwise), whatever else they write.
    must_not_create: bool,
}

/// A bin name the server takes: shorter than 16 bytes, no NUL (datamodel.h as_bin_name_check).
pub(super) fn bin_name_ok(name: &[u8]) -> bool {
    name.len() <= MAX_BIN_NAME && !name.contains(&0)
}

/// The checks write_master_policies (write.c) makes on the ops before the record is found, in
/// its order: op count; per op, a touch with a replace flag (4), else the bin name (21) and the
/// ops a replace can't take (4); then a read op without the READ flag, read-all mixed with ops
/// that answer a bin (reads, CDT and HLL modifies) or with respond-all-ops, two read-alls, and
/// the GET_ALL flag without a read-all op (all 4). Unknown ops pass here and fail when run.
fn prepare<'a>(msg: &Message<'a>) -> Result<Plan<'a>, u8> {
    let h = msg.header;
    if msg.ops.len() > MAX_OPS || msg.ops.is_empty() {
        return Err(rc::PARAMETER_ERROR);
    }
    let replace = h.info3 & (info3::REPLACE_ONLY | info3::CREATE_OR_REPLACE) != 0;
    let get_all = h.info1 & info1::GET_ALL != 0;
    let respond_all = h.info2 & info2::RESPOND_ALL_OPS != 0;
    let mut must_not_create = false;
    let mut has_read = false;
    let mut has_read_all = false;
    let mut answers_bin = false;
    let mut out = Vec::with_capacity(msg.ops.len());
    for o in &msg.ops {
        let read_all = o.op == op::READ && get_all && o.name.is_empty();
        if o.op == op::TOUCH {
            if replace {
                return Err(rc::PARAMETER_ERROR);
            }
            must_not_create = true;
        } else {
            if !bin_name_ok(o.name) {
                return Err(rc::BIN_NAME_TOO_LONG);
            }
            // Replacing the whole record leaves nothing for these to work on.
            let needs_record = match o.op {
                op::WRITE => o.particle == particle::NULL,
                op::INCR | op::APPEND | op::PREPEND | op::DELETE => true,
                op::BIT_MODIFY | op::HLL_MODIFY | op::CDT_MODIFY => true,
                _ => false,
            };
            if replace && needs_record {
                return Err(rc::PARAMETER_ERROR);
            }
            match o.op {
                op::READ if read_all => {
                    if respond_all || has_read_all {
                        return Err(rc::PARAMETER_ERROR);
                    }
                    has_read = true;
                    has_read_all = true;
                }
                op::READ | op::BIT_READ | op::HLL_READ | op::CDT_READ | op::EXP_READ => {
                    has_read = true;
                    answers_bin = true;
                }
                op::HLL_MODIFY | op::CDT_MODIFY => answers_bin = true,
                _ => {}
            }
        }
        let value = if matches!(o.op, op::WRITE | op::INCR | op::APPEND | op::PREPEND) {
            Value::from_wire(o.particle, o.value)
        } else {
            Ok(Value::Nil)
        };
        out.push(PreparedOp { op: o.op, name: o.name, value, read_all, raw: o.value });
    }
    if has_read && h.info1 & info1::READ == 0 {
        return Err(rc::PARAMETER_ERROR);
    }
    if (has_read_all && answers_bin) || (get_all && !has_read_all) {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok(Plan { ops: out, must_not_create })
}

pub fn write(t: &Target<'_>, msg: &Message<'_>) -> Vec<u8> {
    match run(t, msg) {
        Ok(resp) => resp,
        Err(code) => message::error_response(code),
    }
}

fn run(t: &Target<'_>, msg: &Message<'_>) -> Result<Vec<u8>, u8> {
    let h = msg.header;
    let ns = &t.ns.config;
    let Plan { ops: prepared, must_not_create } = prepare(msg)?;
    let respond_all = h.info2 & info2::RESPOND_ALL_OPS != 0;

    let now = expiry::now_clepoch();
    let mut part = t.ns.partition(&t.digest);
    let existing = part.live(&t.digest, now);
    let existed = existing.is_some();

    // write_master: UPDATE_ONLY, REPLACE_ONLY or a touch op means the record must exist.
    if existing.is_none() && (must_not_create || h.info3 & (info3::UPDATE_ONLY | info3::REPLACE_ONLY) != 0) {
        return Err(rc::KEY_NOT_FOUND);
    }
    if existing.is_some() && h.info2 & info2::CREATE_ONLY != 0 {
        return Err(rc::KEY_EXISTS);
    }
    if let Some(rec) = &existing {
        // A digest key must name the record's own set (or, for records without one, none).
        if t.set_bytes() != rec.set.as_slice() {
            return Err(rc::PARAMETER_ERROR);
        }
    }
    check_generation(h.info2, h.generation, existing.as_ref().map_or(0, |r| r.generation))?;
    // Creating a record adds its set name to the namespace (write_master: set_set_from_msg
    // right after the generation check): 4 past 4095 names or for a name of 64+ bytes.
    if existing.is_none() {
        t.ns.set_names.get_or_add(t.set_bytes())?;
    }
    // A filter only judges an existing record; a write that creates one ignores it.
    if let (Some(filter), Some(rec)) = (msg.field(field::FILTER_EXP), &existing) {
        if !expressions::filter_matches(filter, &expressions::RecordView { record: rec, digest: &t.digest })? {
            return Err(rc::FILTERED_OUT);
        }
    }
    // write_master checks the TTL only now, after existence, generation and filter.
    ops::check_ttl(h.record_ttl, ns)?;

    let old_gen = existing.as_ref().map_or(0, |r| r.generation);
    let old_void = existing.as_ref().map(|r| r.void_time);
    let mut work = match existing {
        Some(rec) => rec.clone(),
        None => Record::new(t.set_bytes().to_vec()),
    };
    if existed && h.info3 & (info3::REPLACE_ONLY | info3::CREATE_OR_REPLACE) != 0 {
        work.bins.clear();
    }

    // Expressions inside the ops already see the new void time and the sent key.
    work.void_time = ops::void_time_for(h.record_ttl, ns, old_void, now);
    if let Some(k) = &t.key {
        work.key = Some(k.clone());
    }

    // Read results, in op order, are collected as (op, name, value) and written at the end,
    // once the final generation and void time are known.
    let mut results: Vec<(u8, Vec<u8>, Option<Value>)> = Vec::new();
    for p in &prepared {
        match p.op {
            op::READ if p.read_all => {
                for b in &work.bins {
                    results.push((op::READ, b.name.clone(), Some(b.value.clone())));
                }
            }
            op::READ => match work.bin(p.name) {
                Some(v) => results.push((p.op, p.name.to_vec(), Some(v.clone()))),
                None if respond_all => results.push((p.op, p.name.to_vec(), None)),
                None => {}
            },
            op::WRITE => match p.value.clone()? {
                Value::Nil => {
                    work.remove_bin(p.name);
                }
                v => work.set_bin(p.name, v),
            },
            op::INCR => ops::increment(&mut work, p.name, p.value.as_ref().map_err(|c| *c)?)?,
            op::APPEND => ops::concat(&mut work, p.name, p.value.as_ref().map_err(|c| *c)?, true)?,
            op::PREPEND => ops::concat(&mut work, p.name, p.value.as_ref().map_err(|c| *c)?, false)?,
            op::DELETE => work.bins.clear(),
            o if ext_ops::handles(o) => {
                // write_master_bin_ops_loop: a read op on a live bin always answers, with
                // nothing if it found nothing; on a missing bin only with respond-all-ops. An
                // expression read always answers.
                let answers = o == op::EXP_READ || (ext_ops::is_read(o) && work.bin(p.name).is_some());
                match ext_ops::apply(&mut work, &t.digest, o, p.name, p.raw)? {
                    Some(v) => results.push((o, p.name.to_vec(), Some(v))),
                    None if respond_all || answers => results.push((o, p.name.to_vec(), None)),
                    None => {}
                }
            }
            op::TOUCH => {} // the record is rewritten below with a new void time
            _ => return Err(rc::PARAMETER_ERROR), // unknown op (write.c: "unknown bin op")
        }
        // A touch never answers, even with respond-all-ops (as the server's op loop skips it).
        if respond_all && !matches!(p.op, op::READ | op::TOUCH) && !ext_ops::handles(p.op) {
            results.push((p.op, p.name.to_vec(), None));
        }
    }

    let (generation, void_time) = if work.bins.is_empty() {
        // A write that leaves no bins deletes the record, or finds nothing to delete.
        if !existed {
            return Err(rc::KEY_NOT_FOUND);
        }
        if h.info2 & info2::DURABLE_DELETE != 0 {
            return Err(rc::ENTERPRISE_ONLY);
        }
        part.remove(&t.digest);
        (0, 0)
    } else {
        if work.bins.len() > MAX_BINS {
            return Err(rc::PARAMETER_ERROR);
        }
        if let Some(k) = &t.key {
            work.key = Some(k.clone());
        }
        work.generation = if existed { next_generation(old_gen) } else { 1 };
        work.void_time = ops::void_time_for(h.record_ttl, ns, old_void, now);
        // After the void time: whether the record stores one changes its size.
        if record_size::too_big(&work, ns.max_record_size) {
            return Err(rc::RECORD_TOO_BIG);
        }
        work.last_update_ms = expiry::now_unix_ms();
        let out = (work.generation, work.void_time);
        part.put(t.digest, work);
        out
    };
    drop(part);

    let mut resp = ResponseBuilder::new(rc::OK, u32::from(generation), void_time);
    for (op_type, name, value) in &results {
        match value {
            Some(v) => ops::put_bin(&mut resp, *op_type, name, v),
            None => ops::put_nil(&mut resp, *op_type, name),
        }
    }
    Ok(resp.finish())
}
