//! Unit tests: values both ways, the record API, the registry, sandbox escapes, limits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{MultiValue, Value as LuaValue};

use super::registry::{smd_hash, ModuleSet};
use super::sandbox::{Failure, Sandbox};
use super::values;
use super::Registry;
use crate::codec::message::{self, field, info1, info2, Field, Message, MsgHeader, MSG_HEADER_SIZE};
use crate::codec::msgpack::{self, MpValue};
use crate::codec::particle::{self, Value};
use crate::codec::proto;
use crate::config::NamespaceConfig;
use crate::info_text::base64_encode;
use crate::storage::{digest, Bin, Record};
use crate::indexed_store::Store;
use crate::transactions;

fn sandbox() -> Sandbox {
    Sandbox::new(Arc::new(ModuleSet::default())).expect("state")
}

/// Runs a chunk's source as a function body in a fresh sandbox.
fn eval(src: &str) -> Result<LuaValue, Failure> {
    let sb = sandbox();
    let f = sb.lua.load(src).set_name("=t.lua").into_function().expect("compiles");
    let v = sb.call(&f, MultiValue::new(), Duration::from_millis(500))?;
    // Values must outlive the state for the assertions: convert scalars here.
    Ok(match v {
        LuaValue::String(s) => LuaValue::Integer(s.as_bytes().len() as i64),
        other => other,
    })
}

fn eval_str(src: &str) -> Result<String, Failure> {
    let sb = sandbox();
    let f = sb.lua.load(src).set_name("=t.lua").into_function().expect("compiles");
    let v = sb.call(&f, MultiValue::new(), Duration::from_millis(500))?;
    Ok(match v {
        LuaValue::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        other => format!("{other:?}"),
    })
}

fn list_of(items: Vec<MpValue>) -> Value {
    Value::List(msgpack::to_bytes(&MpValue::Array(items)))
}

fn s(t: &str) -> MpValue {
    let mut d = vec![msgpack::RAW_STRING];
    d.extend_from_slice(t.as_bytes());
    MpValue::Raw { bin: false, data: d }
}

#[test]
fn values_cross_both_ways_unchanged() {
    let sb = sandbox();
    let lua = &sb.lua;
    let nested_map = Value::Map(msgpack::to_bytes(&MpValue::Map(vec![
        (s("k"), MpValue::Array(vec![MpValue::Int(1), MpValue::Float(2.5)])),
        (MpValue::Int(7), MpValue::Nil),
    ])));
    let cases = vec![
        Value::Nil,
        Value::Int(0),
        Value::Int(i64::MAX),
        Value::Int(i64::MIN),
        Value::Float(1.5),
        Value::Float(-0.0),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NEG_INFINITY),
        Value::Str(b"h\xc3\xa9llo".to_vec()),
        Value::Str(Vec::new()),
        Value::Blob(particle::BLOB, vec![0, 255, 7]),
        Value::Blob(particle::PYTHON_BLOB, vec![1]),
        Value::Bool(true),
        Value::Bool(false),
        list_of(vec![MpValue::Int(1), s("two"), MpValue::Array(vec![]), MpValue::Bool(true)]),
        nested_map,
        Value::GeoJson(br#"{"type": "Point", "coordinates": [1.5, 2.5]}"#.to_vec()),
    ];
    for v in cases {
        let l = values::to_lua(lua, &v).expect("to lua");
        let back = values::from_lua(&l).expect("from lua").expect("has a form");
        match (&v, &back) {
            (Value::Float(a), Value::Float(b)) => assert_eq!(a.to_bits(), b.to_bits()),
            _ => assert_eq!(back, v),
        }
    }
    // NaN stays NaN.
    let nan = values::from_lua(&values::to_lua(lua, &Value::Float(f64::NAN)).expect("lua")).expect("ok");
    assert!(matches!(nan, Some(Value::Float(f)) if f.is_nan()));
    // Tables and functions have no Aerospike form.
    let t = LuaValue::Table(lua.create_table().expect("table"));
    assert_eq!(values::from_lua(&t).expect("ok"), None);
}

#[test]
fn integers_are_full_64_bit_and_floats_stay_floats() {
    assert_eq!(eval("return math.maxinteger + 1 == math.mininteger").ok(), Some(LuaValue::Boolean(true)));
    assert_eq!(eval("return 2^53 + 1 == 9007199254740993").ok(), Some(LuaValue::Boolean(false)));
    assert_eq!(eval("return (9007199254740992 + 1) - 9007199254740992").ok(), Some(LuaValue::Integer(1)));
    assert_eq!(eval("return 7 // 2").ok(), Some(LuaValue::Integer(3)));
    assert!(matches!(eval("return 7 / 2"), Ok(LuaValue::Number(f)) if f == 3.5));
    let e = eval("local a, b = 1, 0 return a // b").expect_err("integer division by zero");
    assert_eq!(e.text(), "t.lua:1: attempt to divide by zero");
}

#[test]
fn nested_self_reference_is_refused_not_a_crash() {
    let sb = sandbox();
    let f = sb.lua.load("local l = list() list.append(l, 1) l[2] = l return l").into_function().expect("compiles");
    let v = sb.call(&f, MultiValue::new(), Duration::from_millis(500)).expect("runs");
    // The inner reference cannot be borrowed again while the outer is read: it goes out as nil.
    let _ = values::from_lua(&v);
    // Distinct lists nested deeper than the limit are refused.
    let f = sb.lua.load("local l = list() for i = 1, 300 do l = list{l} end return l").into_function().expect("compiles");
    let v = sb.call(&f, MultiValue::new(), Duration::from_millis(500)).expect("runs");
    assert!(values::from_lua(&v).is_err());
}

#[test]
fn list_map_bytes_modules() {
    let out = eval_str(
        "local l = list{1, 2, 3} list.append(l, 4) list.prepend(l, 0) list.insert(l, 3, 'x')
         local m = map{a=1} m['b'] = 2 map.remove(m, 'a')
         local b = bytes(4) bytes.set_byte(b, 1, 200) bytes.set_int16_le(b, 2, 513)
         local v = bytes(0) bytes.append_var_int(v, 300)
         return table.concat({list.size(l), tostring(l[3]), #l, map.size(m), #m, bytes.size(b), #b, bytes.size(v),
           tostring(list.take(l, 2)[2]), list.size(list.drop(l, 4)), bytes.get_type(b)}, ',')",
    )
    .expect("runs");
    assert_eq!(out, "6,x,6,1,1,3,0,0,1,2,4");
    let merged = eval_str(
        "local m = map.merge(map{x=1, y=2}, map{y=20}, function(a, b) return a + b end)
         local d = map.diff(map{x=1, y=2}, map{y=5, z=3})
         return m['x'] .. ',' .. m['y'] .. ',' .. tostring(d['x']) .. ',' .. tostring(d['y']) .. ',' .. tostring(d['z'])",
    )
    .expect("runs");
    assert_eq!(merged, "1,22,1,nil,3");
    // Each type has its own metatable, as clients' UDFs compare them.
    let mt = eval_str(
        "return tostring(getmetatable(list()) == getmetatable(list{1})) .. tostring(getmetatable(list()) == getmetatable(map()))
         .. type(list()) .. type(bytes(1))",
    )
    .expect("runs");
    assert_eq!(mt, "truefalseuserdatauserdata");
}

#[test]
fn the_host_is_out_of_reach() {
    for src in [
        "return os.execute('true')",
        "return io.open('/etc/passwd')",
        "return debug.getinfo(1)",
        "return package.loadlib('x', 'y')",
        "return dofile('/etc/passwd')",
        "return loadfile('/etc/passwd')",
        "return require('os')",
        "return string.dump(function() end)",
        "return setmetatable({}, {__gc = function() while true do end end})",
    ] {
        assert!(eval(src).is_err(), "{src} must fail");
    }
    // load takes source text only: a precompiled chunk is refused.
    let bytecode = eval_str("local f, e = load('\\27Lua' .. string.rep('x', 20)) return tostring(f) .. ' ' .. tostring(e)")
        .expect("runs");
    assert!(bytecode.starts_with("nil") && bytecode.contains("binary"), "{bytecode}");
    assert_eq!(eval_str("return load('return 1 + 1')()").ok().as_deref(), Some("Integer(2)"));
    // print goes nowhere; the log functions format and answer 0.
    assert_eq!(eval_str("print('x') return tostring(info('a %d', 1))").ok().as_deref(), Some("0"));
}

#[test]
fn memory_bombs_fail_inside_the_udf() {
    let e = eval("return #string.rep('x', 1 << 28)").expect_err("too big");
    assert!(e.text().contains("not enough memory"), "{e:?}");
    let e = eval("local t = {} for i = 1, 1e9 do t[i] = i end return #t").expect_err("too big");
    assert!(e.text().contains("not enough memory") || matches!(e, Failure::Timeout(_)), "{e:?}");
    let e = eval("local l = list() for i = 1, 1e9 do list.append(l, i) end return 1").expect_err("too big");
    assert!(e.text().contains("not enough memory") || matches!(e, Failure::Timeout(_)), "{e:?}");
    // The state is still usable after a memory error.
    let sb = sandbox();
    let f = sb.lua.load("return #string.rep('x', 1 << 28)").into_function().expect("compiles");
    assert!(sb.call(&f, MultiValue::new(), Duration::from_millis(500)).is_err());
    let g = sb.lua.load("return 40 + 2").into_function().expect("compiles");
    assert_eq!(sb.call(&g, MultiValue::new(), Duration::from_millis(500)).ok(), Some(LuaValue::Integer(42)));
}

#[test]
fn infinite_loops_stop_at_the_deadline_even_under_pcall() {
    for src in [
        "while true do end",
        "local s = 0 for i = 1, math.maxinteger do s = s + i end",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.wrap(function() while true do end end) co()",
        "while true do local ok = xpcall(function() while true do end end, function(e) while true do end end) end",
        "while true do local ok = xpcall(function() error('x') end, function(e) while true do end end) end",
    ] {
        let started = Instant::now();
        let e = eval(src).expect_err("stopped");
        assert!(matches!(&e, Failure::Timeout(m) if m.ends_with("UDF Execution Timeout")), "{src}: {e:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{src} took {:?}", started.elapsed());
    }
}

#[test]
fn error_values_as_the_server_reports_them() {
    assert_eq!(eval("error('boom')").expect_err("e"), Failure::Message("t.lua:1: boom".into()));
    assert_eq!(eval("error('plain', 0)").expect_err("e"), Failure::Message("plain".into()));
    assert_eq!(eval("error({code = 1})").expect_err("e").text(), "result value type unexpected");
    assert_eq!(eval("error(42)").expect_err("e").text(), "result value type unexpected");
}

// ---------------------------------------------------------------------------------------------
// Registry and info commands

fn put(reg: &Registry, name: &str, src: &str) -> String {
    let c = base64_encode(src.as_bytes());
    reg.info("udf-put", &format!("filename={name};content-len={};udf-type=LUA;content={c};", c.len())).expect("cmd")
}

#[test]
fn registry_info_commands() {
    let reg = Registry::default();
    let src = "function f(rec)\n  return 1\nend\n";
    assert_eq!(put(&reg, "udf_list_get.lua", src), "ok");
    let c64 = base64_encode(src.as_bytes());
    // The hash recorded from CE 8.1.2 for this module.
    assert_eq!(smd_hash("udf_list_get.lua", &c64), "fe50800bce21e55d88be27089d390966f6f4be38");
    assert_eq!(
        reg.info("udf-list", "").as_deref(),
        Some("filename=udf_list_get.lua,hash=fe50800bce21e55d88be27089d390966f6f4be38,type=LUA;")
    );
    assert_eq!(reg.info("udf-get", "filename=udf_list_get.lua").expect("cmd"), format!("type=LUA;content={c64};"));
    assert_eq!(reg.info("udf-get", "filename=nope.lua").as_deref(), Some("error=not_found"));
    assert_eq!(reg.info("udf-remove", "filename=nope.lua").as_deref(), Some("ok"));
    assert_eq!(reg.info("udf-remove", "filename=udf_list_get.lua").as_deref(), Some("ok"));
    assert_eq!(reg.info("udf-list", "").as_deref(), Some(""));
    assert!(reg.info("udf-other", "").is_none());
}

#[test]
fn compile_errors_are_reported_as_the_server_does() {
    let reg = Registry::default();
    let out = put(&reg, "udf_syntax_err.lua", "function broken(rec)\n  return 1 +\nend\n");
    let msg = base64_encode(b"unexpected symbol near 'end'");
    assert_eq!(out, format!("error=compile_error;file=udf_syntax_err.lua;line=3;message={msg}"));
    // A module whose top level fails, or never ends, is refused too.
    assert!(put(&reg, "bad_top.lua", "error('nope')\n").starts_with("error=compile_error;file=bad_top.lua;line=1;"));
    assert!(put(&reg, "loop_top.lua", "while true do end\n").starts_with("error=compile_error;"));
    assert_eq!(reg.info("udf-list", "").as_deref(), Some(""));
    assert_eq!(put(&reg, "noext", "x = 1"), "error=invalid_filename");
    assert_eq!(reg.info("udf-put", "filename=a.lua;content-len=3;content=abc").as_deref(), Some("error=invalid_content_len"));
}

// ---------------------------------------------------------------------------------------------
// Record UDFs through the transaction path

/// A store and the UDF modules a node would run its records' UDFs with.
struct Data {
    store: Store,
    udf: Registry,
}

impl std::ops::Deref for Data {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

fn store() -> Data {
    Data { store: Store::new(&[NamespaceConfig::new("test")]), udf: Registry::default() }
}

const SET: &[u8] = b"s";

/// Applies `module.function(args)` to key `k` (an integer key in set `s`); returns the
/// response's result code and its SUCCESS or FAILURE value.
fn apply(store: &Data, k: i64, module: &str, function: &str, args: Vec<MpValue>) -> (u8, Value) {
    let d = digest::of_int(SET, k);
    let arglist = msgpack::to_bytes(&MpValue::Array(args));
    let fields = vec![
        Field { kind: field::NAMESPACE, data: b"test" },
        Field { kind: field::SET, data: SET },
        Field { kind: field::DIGEST, data: &d },
        Field { kind: field::UDF_PACKAGE_NAME, data: module.as_bytes() },
        Field { kind: field::UDF_FUNCTION, data: function.as_bytes() },
        Field { kind: field::UDF_ARGLIST, data: &arglist },
    ];
    let header = MsgHeader {
        header_sz: MSG_HEADER_SIZE,
        info2: info2::WRITE,
        transaction_ttl: 300,
        n_fields: fields.len() as u16,
        ..Default::default()
    };
    let _ = info1::READ;
    let frame = transactions::run(store, &store.udf, &Message { header, fields, ops: Vec::new() });
    let m = message::parse(&frame[proto::HEADER_SIZE..]).expect("response parses");
    let v = m.ops.first().map_or(Value::Nil, |o| Value::from_wire(o.particle, o.value).expect("value"));
    (m.header.result_code, v)
}

fn record(store: &Store, k: i64) -> Option<Record> {
    let d = digest::of_int(SET, k);
    let ns = store.namespace(b"test").expect("ns");
    let mut p = ns.partition(&d);
    p.live(&d, crate::expiry::now_clepoch()).cloned()
}

fn seed(store: &Store, k: i64, bins: &[(&str, Value)]) {
    let d = digest::of_int(SET, k);
    let mut r = Record::new(SET.to_vec());
    r.generation = 1;
    r.bins = bins.iter().map(|(n, v)| Bin { name: n.as_bytes().to_vec(), value: v.clone() }).collect();
    store.namespace(b"test").expect("ns").partition(&d).put(d, r);
}

const REC_SRC: &str = "
function get(rec, name) return rec[name] end
function setbin(rec, name, v) rec[name] = v aerospike:update(rec) return rec[name] end
function twice(rec) rec['a'] = 1 aerospike:update(rec) rec['b'] = 2 aerospike:update(rec) return record.gen(rec) end
function make(rec, v) rec['v'] = v return aerospike:create(rec) end
function rm(rec) return aerospike:remove(rec) end
function meta(rec) return list{record.gen(rec), record.numbins(rec), record.setname(rec), bytes.size(record.digest(rec))} end
function bad(rec) rec['t'] = {1} return 1 end
function long(rec) rec['sixteen_chars_xx'] = 1 return aerospike:update(rec) end
function spin(rec) while true do end end
";

#[test]
fn record_api_through_apply() {
    let store = store();
    assert_eq!(put(&store.udf, "m.lua", REC_SRC), "ok");
    seed(&store, 1, &[("a", Value::Int(5))]);

    assert_eq!(apply(&store, 1, "m", "get", vec![s("a")]), (0, Value::Int(5)));
    assert_eq!(apply(&store, 1, "m", "setbin", vec![s("a"), MpValue::Int(6)]), (0, Value::Int(6)));
    let r = record(&store, 1).expect("record");
    assert_eq!((r.generation, r.bin(b"a")), (2, Some(&Value::Int(6))));

    // Two updates, one write: the generation goes up once, gen reads the old one.
    assert_eq!(apply(&store, 1, "m", "twice", vec![]), (0, Value::Int(2)));
    assert_eq!(record(&store, 1).expect("record").generation, 3);

    // Metadata: gen, numbins, set, digest of 20 bytes.
    let (code, v) = apply(&store, 1, "m", "meta", vec![]);
    assert_eq!(code, 0);
    assert_eq!(v, list_of(vec![MpValue::Int(3), MpValue::Int(2), s("s"), MpValue::Int(20)]));

    // update does not create; create does, and refuses an existing record.
    assert_eq!(apply(&store, 2, "m", "setbin", vec![s("a"), MpValue::Int(1)]), (0, Value::Int(1)));
    assert!(record(&store, 2).is_none());
    assert_eq!(apply(&store, 2, "m", "make", vec![MpValue::Int(9)]), (0, Value::Int(0)));
    assert_eq!(record(&store, 2).expect("created").bin(b"v"), Some(&Value::Int(9)));
    assert_eq!(apply(&store, 2, "m", "make", vec![MpValue::Int(10)]), (0, Value::Int(1)));

    // remove, then remove again on the missing record.
    assert_eq!(apply(&store, 2, "m", "rm", vec![]), (0, Value::Int(0)));
    assert!(record(&store, 2).is_none());
    assert_eq!(apply(&store, 2, "m", "rm", vec![]), (0, Value::Int(1)));

    // A table in a bin is refused where it is assigned; long names are ignored but still write.
    assert_eq!(apply(&store, 1, "m", "bad", vec![]), (100, Value::Str(b"/opt/aerospike/usr/udf/lua/m.lua:8: can't set bin t to unsupported type".to_vec())));
    assert_eq!(apply(&store, 1, "m", "long", vec![]), (0, Value::Int(0)));
    let r = record(&store, 1).expect("record");
    assert_eq!((r.generation, r.bins.len()), (4, 2));

    // Missing function, missing module.
    assert_eq!(apply(&store, 1, "m", "nope", vec![]), (100, Value::Str(b"function not found".to_vec())));
    assert_eq!(apply(&store, 1, "zz", "f", vec![]), (100, Value::Str(b"UDF: Execution Error 1".to_vec())));
}

#[test]
fn a_udf_that_never_ends_is_stopped_and_the_record_is_untouched() {
    let store = store();
    assert_eq!(put(&store.udf, "m.lua", REC_SRC), "ok");
    seed(&store, 1, &[("a", Value::Int(5))]);
    let started = Instant::now();
    let (code, v) = apply(&store, 1, "m", "spin", vec![]);
    assert_eq!(code, 100);
    assert!(matches!(&v, Value::Str(m) if m.ends_with(b"UDF Execution Timeout")), "{v:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(record(&store, 1).expect("record").generation, 1);
    // The partition is free again.
    assert_eq!(apply(&store, 1, "m", "get", vec![s("a")]), (0, Value::Int(5)));
}

#[test]
fn require_between_registered_modules() {
    let store = store();
    assert_eq!(put(&store.udf, "lib.lua", "local M = {}\nfunction M.double(x) return x * 2 end\nreturn M\n"), "ok");
    assert_eq!(put(&store.udf, "main.lua", "local lib = require('lib')\nfunction f(rec, x) return lib.double(x) end\n"), "ok");
    assert_eq!(apply(&store, 1, "main", "f", vec![MpValue::Int(21)]), (0, Value::Int(42)));
}

// mod-lua's __tostring metamethods answer as_val_tostring (aerospike-common as_list.c,
// as_map.c, as_bytes.c, as_string.c, as_double.c, as_nil.c), or List()/Bytes() when it gives
// nothing.
#[test]
fn tostring_of_server_values() {
    let out = eval_str(
        "local b = bytes(2) b[1] = 10 b[2] = 255
         return tostring(list{1, 'a', 2.5, true, list{}, map{x=1}, b}) .. '|' .. tostring(map{k='v'}) .. '|' ..
           tostring(bytes(0)) .. '|' .. tostring(b) .. '|' .. tostring(list())",
    );
    assert_eq!(out.ok().as_deref(), Some("[1, \"a\", 2.5, true, [], {\"x\":1}, 0A FF]|{\"k\":\"v\"}|Bytes()|0A FF|[]"));
}
