//! A record UDF (`apply`): a single-record message carrying UDF_PACKAGE_NAME, UDF_FUNCTION
//! and UDF_ARGLIST, from a client or a batch row. The record's partition stays locked while
//! the UDF runs, so it sees and writes the record atomically; its changes are written once,
//! after it returns, through the same storage path as every write.
//!
//! The answer is the server's: `SUCCESS` with the returned value, or result 100 with a
//! `FAILURE` string (`<path>/<module>.lua:<line>: msg`, `function not found`,
//! `UDF: Execution Error 1` for a missing module); a failed write answers its own code.

use std::time::Duration;

use mlua::{MultiValue, Value as LuaValue};

use super::record::{LuaRecord, Meta};
use super::registry::Unavailable;
use super::sandbox::Sandbox;
use super::values;
use crate::codec::message::{self, field, info2, info3, op, Message, ResponseBuilder};
use crate::codec::msgpack::{self, MpValue};
use crate::codec::particle::Value;
use crate::expiry;
use crate::expressions;
use crate::storage::record_size;
use crate::result_code as rc;
use crate::storage::record::next_generation;
use crate::storage::Record;
use crate::transactions::ops::{self, MAX_BINS};
use crate::transactions::Target;
use super::Registry;

/// Without a client timeout, a UDF may run this long (the server's `transaction-max-ms`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1000);

/// What a UDF call is: module, function and arguments as sent.
pub struct Call<'a> {
    pub module: String,
    pub function: String,
    pub args: Vec<MpValue>,
    pub raw_args: &'a [u8],
}

/// Reads the UDF fields of a message; `None` when one is missing or malformed.
pub fn call_of<'a>(msg: &Message<'a>) -> Option<Call<'a>> {
    let module = msg.field(field::UDF_PACKAGE_NAME)?;
    let function = msg.field(field::UDF_FUNCTION)?;
    let raw_args = msg.field(field::UDF_ARGLIST)?;
    if module.len() >= 128 || function.len() >= 128 {
        return None;
    }
    let args = match msgpack::parse(raw_args) {
        Ok(MpValue::Array(items)) => items,
        _ if raw_args.is_empty() => Vec::new(),
        _ => Vec::new(),
    };
    Some(Call {
        module: String::from_utf8_lossy(module).into_owned(),
        function: String::from_utf8_lossy(function).into_owned(),
        args,
        raw_args,
    })
}

/// The transaction's time budget.
pub fn timeout_of(msg: &Message<'_>) -> Duration {
    timeout_of_ms(msg.header.transaction_ttl)
}

/// A transaction-ttl (ms, 0 for none) as the time a UDF may run.
pub fn timeout_of_ms(ms: u32) -> Duration {
    match ms {
        0 => DEFAULT_TIMEOUT,
        ms => Duration::from_millis(u64::from(ms)),
    }
}

/// A UDF's outcome, before it is put on the wire.
pub enum Outcome {
    Success(Value),
    /// Result 100 with a FAILURE message.
    Failure(String),
}

/// Runs the UDF function `call.function` of a checked-out state on `rec`.
pub fn run_function(sb: &Sandbox, call: &Call<'_>, rec: LuaRecord, timeout: Duration) -> (Outcome, Option<LuaRecord>) {
    let lua = &sb.lua;
    let Some(f) = sb.function(&call.function) else {
        return (Outcome::Failure("function not found".to_string()), Some(rec));
    };
    let ud = match lua.create_userdata(rec) {
        Ok(u) => u,
        Err(e) => return (Outcome::Failure(super::sandbox::message(&e)), None),
    };
    let mut args = MultiValue::new();
    args.push_back(LuaValue::UserData(ud.clone()));
    for a in &call.args {
        match values::mp_to_lua(lua, a, 0) {
            Ok(v) => args.push_back(v),
            Err(e) => return (Outcome::Failure(super::sandbox::message(&e)), ud.take::<LuaRecord>().ok()),
        }
    }
    let f = match f {
        LuaValue::Function(f) => f,
        other => {
            // Calling a non-function global fails as Lua reports it.
            let msg = format!("attempt to call a {} value", other.type_name());
            return (Outcome::Failure(msg), ud.take::<LuaRecord>().ok());
        }
    };
    let out = match sb.call(&f, args, timeout) {
        Ok(v) => match values::from_lua(&v) {
            Ok(Some(v)) => Outcome::Success(v),
            Ok(None) => Outcome::Success(Value::Nil),
            Err(e) => Outcome::Failure(super::sandbox::message(&e)),
        },
        Err(f) => Outcome::Failure(f.text()),
    };
    (out, ud.take::<LuaRecord>().ok())
}

/// `has_forbidden_policy`: generation checks and create/update/replace-only make no sense for
/// a UDF, which decides itself what to write.
fn forbidden(msg: &Message<'_>) -> bool {
    let h = msg.header;
    h.info2 & (info2::GENERATION | info2::GENERATION_GT | info2::CREATE_ONLY) != 0
        || h.info3 & (info3::UPDATE_ONLY | info3::CREATE_OR_REPLACE | info3::REPLACE_ONLY) != 0
}

/// The transaction path runs record UDF messages through the node's registry.
impl crate::transactions::RecordUdf for Registry {
    fn apply(&self, t: &Target<'_>, msg: &Message<'_>) -> Vec<u8> {
        apply(self, t, msg)
    }
}

/// Answers one record UDF message.
pub fn apply(registry: &Registry, t: &Target<'_>, msg: &Message<'_>) -> Vec<u8> {
    super::blocking(|| apply_as(registry, t, msg, false))
}

/// `internal`: a background job's UDF, which never creates a record (a missing one answers 2).
pub fn apply_as(registry: &Registry, t: &Target<'_>, msg: &Message<'_>, internal: bool) -> Vec<u8> {
    let Some(call) = call_of(msg) else { return message::error_response(rc::PARAMETER_ERROR) };
    if forbidden(msg) {
        return message::error_response(rc::PARAMETER_ERROR);
    }
    // The state is had before the record is locked: building one may run module code.
    let sandbox = registry.checkout(&call.module);
    let now = expiry::now_clepoch();
    let mut part = t.ns.partition(&t.digest);
    let existing = part.live(&t.digest, now).map(|r| r.clone());
    if internal && existing.is_none() {
        return message::error_response(rc::KEY_NOT_FOUND);
    }

    let mut rec = LuaRecord::new(t.digest);
    rec.msg_set = t.set_bytes().to_vec();
    rec.msg_key = t.key.clone();
    rec.meta.set = rec.msg_set.clone();
    if let Some(r) = &existing {
        if t.set.is_some_and(|s| s != r.set.as_slice()) {
            return message::error_response(rc::PARAMETER_ERROR);
        }
        if let Some(filter) = msg.field(field::FILTER_EXP) {
            match expressions::filter_matches(filter, &expressions::RecordView { record: r, digest: &t.digest }) {
                Ok(true) => {}
                Ok(false) => return message::error_response(rc::FILTERED_OUT),
                Err(code) => return message::error_response(code),
            }
        }
        if let (Some(k), Some(stored)) = (&t.key, &r.key) {
            if k != stored {
                return message::error_response(rc::KEY_MISMATCH);
            }
        }
        rec.is_open = true;
        rec.bins = r.bins.clone();
        rec.meta = Meta {
            generation: r.generation,
            void_time: r.void_time,
            last_update_ms: r.last_update_ms,
            set: r.set.clone(),
            key: r.key.clone(),
            size: record_size::stored_size(r) as u32,
        };
    }
    let (gen0, void0) = existing.as_ref().map_or((0, 0), |r| (u32::from(r.generation), r.void_time));

    let sb = match sandbox {
        Ok(sb) => sb,
        Err(Unavailable::Module) => return failure(gen0, void0, "UDF: Execution Error 1"),
    };
    let (outcome, rec) = run_function(&sb, &call, rec, timeout_of(msg));
    registry.checkin(&call.module, sb);
    let Some(rec) = rec else {
        return failure(gen0, void0, "UDF: Execution Error 2");
    };
    let value = match outcome {
        Outcome::Failure(m) => return failure(gen0, void0, &m),
        Outcome::Success(v) => v,
    };
    if rec.result_code != rc::OK {
        return ResponseBuilder::new(rec.result_code, gen0, void0).finish();
    }
    if !rec.has_updates {
        return success(gen0, void0, &value);
    }
    match write(&mut part, t, msg, existing.as_ref(), &rec, now) {
        Ok((g, v)) => success(g, v, &value),
        Err(code) => ResponseBuilder::new(code, gen0, void0).finish(),
    }
}

/// `udf_master_write`: stores the UDF's record, or deletes it when no bins are left.
fn write(
    part: &mut crate::indexed_store::Partition,
    t: &Target<'_>,
    msg: &Message<'_>,
    existing: Option<&Record>,
    rec: &LuaRecord,
    now: u32,
) -> Result<(u32, u32), u8> {
    let ns = &t.ns.config;
    let mut ttl = rec.ttl.unwrap_or(msg.header.record_ttl);
    if ttl == expiry::TTL_DONT_UPDATE && rec.n_old_bins() == 0 {
        ttl = expiry::TTL_NAMESPACE_DEFAULT;
    }
    ops::check_ttl(ttl, ns)?;
    let old_gen = existing.map_or(0, |r| r.generation);
    let generation = if existing.is_some() { next_generation(old_gen) } else { 1 };
    let void_time = ops::void_time_for(ttl, ns, existing.map(|r| r.void_time), now);
    if rec.bins.is_empty() {
        if rec.n_old_bins() == 0 || existing.is_none() {
            return Err(rc::KEY_NOT_FOUND);
        }
        if msg.header.info2 & info2::DURABLE_DELETE != 0 {
            return Err(rc::ENTERPRISE_ONLY);
        }
        super::store_delete(part, &t.digest);
        return Ok((u32::from(generation), void_time));
    }
    if rec.bins.len() > MAX_BINS {
        return Err(rc::PARAMETER_ERROR);
    }
    // A create whose set name cannot be added makes nothing (udf_aerospike.c answers the
    // Lua create 4 and deletes the fresh record); the UDF's value still goes back.
    if existing.is_none() && t.ns.set_names.get_or_add(&rec.msg_set).is_err() {
        return Ok((0, 0));
    }
    let mut out = Record::new(existing.map_or_else(|| rec.msg_set.clone(), |r| r.set.clone()));
    out.bins = rec.bins.clone();
    out.key = existing.and_then(|r| r.key.clone()).or_else(|| rec.msg_key.clone());
    if rec.drop_key {
        out.key = None;
    }
    out.generation = generation;
    out.void_time = void_time;
    if record_size::too_big(&out, ns.max_record_size) {
        return Err(rc::RECORD_TOO_BIG);
    }
    out.last_update_ms = expiry::now_unix_ms();
    super::store_write(part, &t.digest, out);
    Ok((u32::from(generation), void_time))
}

/// The success answer: the returned value in a bin named SUCCESS (a nil value travels as a
/// SUCCESS bin with no particle).
pub fn success(generation: u32, void_time: u32, v: &Value) -> Vec<u8> {
    let mut r = ResponseBuilder::new(rc::OK, generation, void_time);
    ops::put_bin(&mut r, op::READ, b"SUCCESS", v);
    r.finish()
}

/// The failure answer: 100 with the message in a bin named FAILURE.
pub fn failure(generation: u32, void_time: u32, text: &str) -> Vec<u8> {
    let mut r = ResponseBuilder::new(rc::UDF_BAD_RESPONSE, generation, void_time);
    ops::put_bin(&mut r, op::READ, b"FAILURE", &Value::Str(text.as_bytes().to_vec()));
    r.finish()
}
