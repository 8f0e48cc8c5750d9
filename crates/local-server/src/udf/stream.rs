//! Stream UDFs (aggregations): the query module selects the records; this sink runs the
//! stream function over them, one partition at a time as the real server does, and streams
//! each value the server-side part of the chain produces (everything up to and including the
//! first `reduce`) as a response message with a `SUCCESS` bin. The client runs the final
//! reduce over every partition's and every node's values.
//!
//! An error stops the query: one message whose `FAILURE` bin reads
//! `UDF: Execution Error <n> : <message>` (the official client reports it as a client error).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use mlua::{MultiValue, Value as LuaValue};

use super::apply::timeout_of_ms;
use super::record::{LuaRecord, Meta};
use super::registry::{Registry, Unavailable};
use super::sandbox::Sandbox;
use super::values;
use crate::codec::message::{op, ResponseBuilder};
use crate::codec::msgpack::{self, MpValue};
use crate::codec::particle::Value;
use crate::query::request::Query;
use crate::query::RecordSink;
use crate::storage::record_size;
use crate::result_code as rc;
use crate::storage::{digest, Digest, Record};
use crate::indexed_store::Namespace;

/// Runs the server's part of a stream: `f(stream_ops, args...)` builds the chain, which is
/// applied to `source`, every output going to `emit`.
const DRIVER: &str = r#"
return function(f, source, emit, ...)
  if f == nil then error("function not found", 0) end
  local s = f(__as_stream_ops(), ...)
  for v in __as_stream_pipeline(s.ops, source) do emit(v) end
  return 0
end
"#;

pub struct AggregationSink {
    registry: Arc<Registry>,
    call: OwnedCall,
    timeout_ms: u32,
    /// Records of the partition being gathered.
    current: Option<usize>,
    pending: Vec<(Digest, Record)>,
    sandbox: Option<Sandbox>,
    failed: bool,
}

/// The UDF fields, owned for the life of the query.
struct OwnedCall {
    module: String,
    function: String,
    args: Vec<MpValue>,
}

/// The sink a `Kind::Aggregate` query streams its records into (`net` asks for it).
pub fn sink(registry: &Arc<Registry>, q: &Query) -> Result<Box<dyn RecordSink>, u8> {
    let udf = q.udf.as_ref().ok_or(rc::PARAMETER_ERROR)?;
    let args = match msgpack::parse(&udf.args) {
        Ok(MpValue::Array(items)) => items,
        _ => Vec::new(),
    };
    Ok(Box::new(AggregationSink {
        registry: registry.clone(),
        call: OwnedCall {
            module: String::from_utf8_lossy(&udf.package).into_owned(),
            function: String::from_utf8_lossy(&udf.function).into_owned(),
            args,
        },
        timeout_ms: q.header.transaction_ttl,
        current: None,
        pending: Vec::new(),
        sandbox: None,
        failed: false,
    }))
}

impl AggregationSink {
    /// Runs the stream over the gathered partition; appends its frames to `out`.
    fn flush(&mut self, out: &mut Vec<u8>) -> Result<(), u8> {
        let records = std::mem::take(&mut self.pending);
        if records.is_empty() || self.failed {
            return Ok(());
        }
        if self.sandbox.is_none() {
            match self.registry.checkout(&self.call.module) {
                Ok(sb) => self.sandbox = Some(sb),
                Err(Unavailable::Module) => return self.fail(out, "UDF: Execution Error 1".to_string()),
            }
        }
        let Some(sb) = self.sandbox.as_ref() else { return Ok(()) };
        let timeout = timeout_of_ms(self.timeout_ms);
        match super::blocking(|| run_stream(sb, &self.call, records, timeout)) {
            Ok(values) => {
                for v in values {
                    let mut r = ResponseBuilder::new(rc::OK, 0, 0);
                    crate::transactions::ops::put_bin(&mut r, op::READ, b"SUCCESS", &v);
                    out.extend_from_slice(&r.finish());
                }
                Ok(())
            }
            Err(msg) => self.fail(out, format!("UDF: Execution Error 2 : {msg}")),
        }
    }

    fn fail(&mut self, out: &mut Vec<u8>, text: String) -> Result<(), u8> {
        self.failed = true;
        let mut r = ResponseBuilder::new(rc::OK, 0, 0);
        crate::transactions::ops::put_bin(&mut r, op::READ, b"FAILURE", &Value::Str(text.into_bytes()));
        out.extend_from_slice(&r.finish());
        Err(rc::SERVER_ERROR)
    }
}

impl RecordSink for AggregationSink {
    fn record(&mut self, _ns: &Namespace, d: &Digest, rec: &Record, out: &mut Vec<u8>) -> Result<(), u8> {
        let pid = digest::partition_id(d);
        if self.current.is_some_and(|c| c != pid) {
            self.flush(out)?;
        }
        self.current = Some(pid);
        self.pending.push((*d, rec.clone()));
        Ok(())
    }

    fn partition_done(&self) -> bool {
        false
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), u8> {
        let r = self.flush(out);
        if let Some(sb) = self.sandbox.take() {
            self.registry.checkin(&self.call.module, sb);
        }
        r
    }
}

/// One stream run over `records`; answers the values to send, or the error message.
fn run_stream(sb: &Sandbox, call: &OwnedCall, records: Vec<(Digest, Record)>, timeout: std::time::Duration) -> Result<Vec<Value>, String> {
    let lua = &sb.lua;
    let err = |e: mlua::Error| super::sandbox::message(&e);
    let driver: mlua::Function = lua.load(DRIVER).set_name("=aerospike.lua").eval().map_err(err)?;
    let queue = Arc::new(Mutex::new(records.into_iter().collect::<VecDeque<_>>()));
    let source = lua
        .create_function(move |lua, ()| {
            let next = queue.lock().ok().and_then(|mut q| q.pop_front());
            match next {
                Some((d, r)) => Ok(LuaValue::UserData(lua.create_userdata(stream_record(d, r))?)),
                None => Ok(LuaValue::Nil),
            }
        })
        .map_err(err)?;
    let outputs: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = outputs.clone();
    let emit = lua
        .create_function(move |_, v: LuaValue| {
            let value = values::from_lua(&v)?.unwrap_or(Value::Nil);
            if let Ok(mut o) = sink.lock() {
                o.push(value);
            }
            Ok(())
        })
        .map_err(err)?;
    let mut args = MultiValue::new();
    args.push_back(sb.function(&call.function).unwrap_or(LuaValue::Nil));
    args.push_back(LuaValue::Function(source));
    args.push_back(LuaValue::Function(emit));
    for a in &call.args {
        args.push_back(values::mp_to_lua(lua, a, 0).map_err(err)?);
    }
    sb.call(&driver, args, timeout).map_err(|f| f.text())?;
    let out = outputs.lock().map(|mut o| std::mem::take(&mut *o)).unwrap_or_default();
    Ok(out)
}

/// A record as an aggregation sees it: read-only.
fn stream_record(d: Digest, r: Record) -> LuaRecord {
    let mut rec = LuaRecord::new(d);
    rec.is_open = true;
    rec.read_only = true;
    rec.meta = Meta {
        generation: r.generation,
        void_time: r.void_time,
        last_update_ms: r.last_update_ms,
        set: r.set.clone(),
        key: r.key.clone(),
        size: record_size::stored_size(&r) as u32,
    };
    rec.bins = r.bins;
    rec
}
