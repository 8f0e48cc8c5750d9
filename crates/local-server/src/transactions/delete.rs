//! The delete path: a write with the DELETE flag and no ops (client `remove`).

use super::{write::check_generation, Target};
use crate::codec::message::{self, field, info2, Message, ResponseBuilder};
use crate::expiry;
use crate::expressions;
use crate::result_code as rc;

pub fn delete(t: &Target<'_>, msg: &Message<'_>) -> Vec<u8> {
    let h = msg.header;
    // Durable deletes need tombstones, an Enterprise feature: refused even for missing records.
    if h.info2 & info2::DURABLE_DELETE != 0 {
        return message::error_response(rc::ENTERPRISE_ONLY);
    }
    let now = expiry::now_clepoch();
    let mut part = t.ns.partition(&t.digest);
    let Some(rec) = part.live(&t.digest, now) else {
        return message::error_response(rc::KEY_NOT_FOUND);
    };
    if t.set_bytes() != rec.set.as_slice() && t.set.is_some() {
        return message::error_response(rc::PARAMETER_ERROR);
    }
    if let Err(code) = check_generation(h.info2, h.generation, rec.generation) {
        return message::error_response(code);
    }
    if let Some(filter) = msg.field(field::FILTER_EXP) {
        match expressions::filter_matches(filter, &expressions::RecordView { record: rec, digest: &t.digest }) {
            Ok(true) => {}
            Ok(false) => return message::error_response(rc::FILTERED_OUT),
            Err(code) => return message::error_response(code),
        }
    }
    part.remove(&t.digest);
    ResponseBuilder::new(rc::OK, 0, 0).finish()
}
