//! Hostile UDFs over the wire: Lua that allocates without bound, recurses deeply (in Lua and
//! through C functions), or yields where no coroutine can resume it gets a UDF error and the
//! server keeps serving, on the same connection and on others. What the real server answers:
//! mod-lua's `apply` (aerospike-mod-lua src/main/mod_lua.c) runs the function under lua_pcall
//! and turns any error into the record UDF's failure, which as/src/base/udf.c sends as
//! AS_ERR_UDF (100) with the message in the FAILURE bin; the messages are Lua 5.4's own.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use local_server::codec::message::{self, field, info2, op, MsgHeader};
use local_server::codec::{particle, proto};
use local_server::info_text::base64_encode;
use local_server::storage::digest;
use local_server::{Config, Server};

const MODULE: &str = r#"
function grow(rec)
  local t = {}
  local i = 0
  while true do i = i + 1; t[i] = string.rep('x', 1024) .. i end
end
function grow_string(rec)
  local s = 'x'
  while true do s = s .. s end
end
function grow_list(rec)
  local l = list()
  while true do list.append(l, 'abcdefgh') end
end
function recurse(rec)
  local function f(n) return 1 + f(n + 1) end
  return f(1)
end
function recurse_through_c(rec)
  local function f(s) return (string.gsub(s, '.', f)) end
  return f('ab')
end
function recurse_metamethod(rec)
  local t = setmetatable({}, {})
  getmetatable(t).__index = function(s, k) return s[k] end
  return t.x
end
function yield_top(rec)
  coroutine.yield(1)
  return 2
end
function yield_in_sort(rec)
  local co = coroutine.wrap(function()
    local t = {3, 1, 2}
    table.sort(t, function(a, b) coroutine.yield() return a < b end)
    return t[1]
  end)
  return co()
end
function yield_in_pcall(rec)
  local ok, e = pcall(coroutine.yield, 5)
  return e
end
function fine(rec)
  return 42
end
"#;

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    c
}

fn read_frame(c: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; proto::HEADER_SIZE];
    c.read_exact(&mut h).expect("a header");
    let mut body = vec![0u8; usize::try_from(proto::ProtoHeader::parse(&h).size).expect("size")];
    c.read_exact(&mut body).expect("a body");
    (h[1], body)
}

fn info(c: &mut TcpStream, cmd: &str) -> String {
    c.write_all(&proto::frame(proto::TYPE_INFO, format!("{cmd}\n").as_bytes())).expect("send");
    String::from_utf8(read_frame(c).1).expect("utf8")
}

/// Applies `function` of the module to key 1: the result code and the first bin's text or int.
fn apply(c: &mut TcpStream, function: &str) -> (u8, String) {
    let d = digest::of_int(b"udf", 1);
    let fields: [(u8, &[u8]); 6] = [
        (field::NAMESPACE, b"test"),
        (field::SET, b"udf"),
        (field::DIGEST, &d),
        (field::UDF_PACKAGE_NAME, b"hostile"),
        (field::UDF_FUNCTION, function.as_bytes()),
        (field::UDF_ARGLIST, &[0x90]),
    ];
    let body = message::request(MsgHeader { info2: info2::WRITE, ..Default::default() }, &fields, &[]);
    c.write_all(&proto::frame(proto::TYPE_MSG, &body)).expect("send");
    let (_, answer) = read_frame(c);
    let m = message::parse(&answer).expect("an AS_MSG answer");
    let value = m.ops.first().map_or_else(String::new, |o| match o.particle {
        particle::INTEGER => particle::int_from_wire(o.value).map(|i| i.to_string()).unwrap_or_default(),
        _ => String::from_utf8_lossy(o.value).into_owned(),
    });
    (m.header.result_code, value)
}

#[test]
fn hostile_udfs_fail_with_a_udf_error_and_the_server_keeps_serving() {
    let s = Server::start(Config::default()).expect("start");
    let mut c = connect(&s);
    let content = base64_encode(MODULE.as_bytes());
    let put = info(&mut c, &format!("udf-put:filename=hostile.lua;content-len={};udf-type=LUA;content={content};", content.len()));
    assert!(put.ends_with("\n") && !put.contains("error"), "{put}");
    let put_record = message::request(
        MsgHeader { info2: info2::WRITE, ..Default::default() },
        &[(field::NAMESPACE, b"test"), (field::SET, b"udf"), (field::DIGEST, &digest::of_int(b"udf", 1))],
        &[(op::WRITE, particle::INTEGER, b"v", &1i64.to_be_bytes())],
    );
    c.write_all(&proto::frame(proto::TYPE_MSG, &put_record)).expect("send");
    assert_eq!(read_frame(&mut c).1[5], 0);
    let other = &mut connect(&s);
    for (function, expected) in [
        // Growth stops at the state's memory limit or at the UDF's deadline (the real server
        // has no Lua memory limit: there only the deadline stops it), whichever comes first.
        ("grow", &["not enough memory", "UDF Execution Timeout"][..]),
        ("grow_string", &["not enough memory", "UDF Execution Timeout"]),
        ("grow_list", &["not enough memory", "UDF Execution Timeout"]),
        ("recurse", &["stack overflow"]),
        ("recurse_through_c", &["stack overflow"]),
        ("recurse_metamethod", &["stack overflow"]),
        ("yield_top", &["attempt to yield from outside a coroutine"]),
        ("yield_in_sort", &["attempt to yield across a C-call boundary"]),
    ] {
        let (code, failure) = apply(&mut c, function);
        assert_eq!(code, 100, "{function}: {failure}");
        assert!(expected.iter().any(|e| failure.contains(e)), "{function}: {failure:?} should say one of {expected:?}");
        // The same connection and another one are served normally afterwards.
        assert_eq!(apply(&mut c, "fine"), (0, "42".to_string()), "after {function}");
        assert_eq!(info(other, "status"), "status\tok\n", "after {function}");
    }
    // A yield the UDF catches itself is an ordinary error value: the call succeeds.
    let (code, value) = apply(&mut c, "yield_in_pcall");
    assert_eq!(code, 0);
    assert!(value.contains("attempt to yield from outside a coroutine"), "{value:?}");
}
