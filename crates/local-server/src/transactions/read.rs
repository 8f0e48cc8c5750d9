//! The read path: get, select, exists (header only), read-only operate, and read-touch.

use super::{ext_ops, ops};
use super::Target;
use crate::codec::message::{self, field, info1, info2, op, Message, ResponseBuilder};
use crate::expressions;
use crate::expiry;
use crate::result_code as rc;
use crate::storage::Record;

pub fn read(t: &Target<'_>, msg: &Message<'_>) -> Vec<u8> {
    let h = msg.header;
    let get_all = h.info1 & info1::GET_ALL != 0;
    let no_bin_data = h.info1 & info1::GET_NOBINDATA != 0;
    let respond_all = h.info2 & info2::RESPOND_ALL_OPS != 0;
    let now = expiry::now_clepoch();
    let mut part = t.ns.partition(&t.digest);
    let Some(rec) = part.live(&t.digest, now) else {
        return message::error_response(rc::KEY_NOT_FOUND);
    };
    // A digest key naming another set must not reach this record; naming no set may.
    if t.set.is_some_and(|s| s != rec.set.as_slice()) {
        return message::error_response(rc::PARAMETER_ERROR);
    }
    if let Some(filter) = msg.field(field::FILTER_EXP) {
        match expressions::filter_matches(filter, &expressions::RecordView { record: rec, digest: &t.digest }) {
            Ok(true) => {}
            Ok(false) => return message::error_response(rc::FILTERED_OUT),
            Err(code) => return message::error_response(code),
        }
    }
    if let Err(code) = read_touch(rec, h.record_ttl, now) {
        return message::error_response(code);
    }
    // read_local (read.c) checks the ops only once the record is found and filtered: no ops
    // without GET_ALL is 4; then, op by op, a bad bin name is 21 and an op that isn't a read
    // (a write op, or a string op of 8.2) is 4.
    if !no_bin_data && !get_all && (msg.ops.is_empty() || msg.ops.len() > ops::MAX_OPS) {
        return message::error_response(rc::PARAMETER_ERROR);
    }
    let mut resp = ResponseBuilder::new(rc::OK, u32::from(rec.generation), rec.void_time);
    if no_bin_data {
        return resp.finish();
    }
    if get_all {
        for b in &rec.bins {
            ops::put_bin(&mut resp, op::READ, &b.name, &b.value);
        }
        return resp.finish();
    }
    let mut values = Vec::with_capacity(msg.ops.len());
    for o in &msg.ops {
        if !super::write::bin_name_ok(o.name) {
            return message::error_response(rc::BIN_NAME_TOO_LONG);
        }
        let value = if o.op == op::READ {
            rec.bin(o.name).cloned()
        } else {
            // ext_ops::read refuses anything but the CDT, bit, HLL and expression reads.
            match ext_ops::read(rec, &t.digest, o.op, o.name, o.value) {
                Ok(v) => v,
                Err(code) => return message::error_response(code),
            }
        };
        values.push(value);
    }
    for (o, value) in msg.ops.iter().zip(&values) {
        match value {
            Some(v) => ops::put_bin(&mut resp, o.op, o.name, v),
            None if respond_all => ops::put_nil(&mut resp, o.op, o.name),
            None => {}
        }
    }
    resp.finish()
}

/// `read_touch_ttl_percent` travels in the record-ttl field of a read. 1..=100 resets the void
/// time (to now + the TTL of the last write, gen unchanged) when less than that percentage of
/// the TTL is left; 0 (server default: off) and -1 never touch; above 100 is refused for
/// records that expire.
fn read_touch(rec: &mut Record, pct: u32, now: u32) -> Result<(), u8> {
    let pct = pct as i32;
    if pct <= 0 || rec.void_time == 0 {
        return Ok(());
    }
    if pct > 100 {
        return Err(rc::PARAMETER_ERROR);
    }
    let lut_secs = (rec.last_update_ms / 1000).saturating_sub(expiry::CITRUSLEAF_EPOCH) as u32;
    let ttl = rec.void_time.saturating_sub(lut_secs);
    let left = rec.void_time.saturating_sub(now);
    if u64::from(left) * 100 < u64::from(ttl) * pct as u64 {
        rec.void_time = now.saturating_add(ttl);
        rec.last_update_ms = expiry::now_unix_ms();
    }
    Ok(())
}
