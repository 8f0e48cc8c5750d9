//! Single-record semantics driven through `handle` with hand-built messages.

use crate::codec::message::{self, field, info1, info2, info3, op, MsgHeader};
use crate::codec::particle::{self, Value};
use crate::codec::proto;
use crate::config::NamespaceConfig;
use crate::expiry;
use crate::result_code as rc;
use crate::storage::digest;
use crate::indexed_store::Store;

const SET: &[u8] = b"s";

fn store() -> Store {
    Store::new(&[NamespaceConfig::new("test")])
}

/// As a single node, owning every partition, answers.
fn handle(s: &Store, body: &[u8]) -> Vec<u8> {
    super::handle(s, &super::NoUdf, body, &|_, _| true)
}

struct Req {
    h: MsgHeader,
    key: &'static str,
    ops: Vec<(u8, u8, Vec<u8>, Vec<u8>)>,
    set: Option<&'static [u8]>,
}

impl Req {
    fn new(info1: u8, info2: u8, key: &'static str) -> Req {
        Req { h: MsgHeader { info1, info2, ..Default::default() }, key, ops: Vec::new(), set: Some(SET) }
    }
    fn op(mut self, o: u8, v: Value, name: &str) -> Req {
        let mut b = Vec::new();
        v.write_wire(&mut b);
        self.ops.push((o, v.particle_type(), name.as_bytes().to_vec(), b));
        self
    }
    fn body(&self) -> Vec<u8> {
        let d = digest::of_str(self.set.unwrap_or(&[]), self.key);
        let mut b = vec![message::MSG_HEADER_SIZE, self.h.info1, self.h.info2, self.h.info3, 0, 0];
        b.extend_from_slice(&self.h.generation.to_be_bytes());
        b.extend_from_slice(&self.h.record_ttl.to_be_bytes());
        b.extend_from_slice(&0u32.to_be_bytes());
        let mut fields: Vec<(u8, &[u8])> = vec![(field::NAMESPACE, b"test"), (field::DIGEST, &d)];
        if let Some(s) = self.set {
            fields.push((field::SET, s));
        }
        b.extend_from_slice(&(fields.len() as u16).to_be_bytes());
        b.extend_from_slice(&(self.ops.len() as u16).to_be_bytes());
        for (k, data) in fields {
            b.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
            b.push(k);
            b.extend_from_slice(data);
        }
        for (o, p, n, v) in &self.ops {
            b.extend_from_slice(&((4 + n.len() + v.len()) as u32).to_be_bytes());
            b.extend_from_slice(&[*o, *p, 0, n.len() as u8]);
            b.extend_from_slice(n);
            b.extend_from_slice(v);
        }
        b
    }
    fn run(&self, s: &Store) -> Resp {
        let frame = handle(s, &self.body());
        assert_eq!(frame[1], proto::TYPE_MSG);
        let m = message::parse(&frame[8..]).expect("server response parses");
        let bins = m
            .ops
            .iter()
            .map(|o| (String::from_utf8_lossy(o.name).into_owned(), Value::from_wire(o.particle, o.value).expect("value")))
            .collect();
        Resp { code: m.header.result_code, gen: m.header.generation, void_time: m.header.record_ttl, bins }
    }
}

#[derive(Debug)]
struct Resp {
    code: u8,
    gen: u32,
    void_time: u32,
    bins: Vec<(String, Value)>,
}

fn put(key: &'static str, bins: &[(&str, Value)]) -> Req {
    bins.iter().fold(Req::new(0, info2::WRITE, key), |r, (n, v)| r.op(op::WRITE, v.clone(), n))
}

fn get(key: &'static str) -> Req {
    Req::new(info1::READ | info1::GET_ALL, 0, key)
}

#[test]
fn put_get_and_generation() {
    let s = store();
    assert_eq!(put("k", &[("a", Value::Int(1)), ("b", Value::Str(b"x".to_vec()))]).run(&s).code, rc::OK);
    let r = get("k").run(&s);
    assert_eq!((r.code, r.gen), (rc::OK, 1));
    assert_eq!(r.bins, vec![("a".into(), Value::Int(1)), ("b".into(), Value::Str(b"x".to_vec()))]);
    put("k", &[("a", Value::Int(2))]).run(&s);
    assert_eq!(get("k").run(&s).gen, 2);
    assert_eq!(get("missing").run(&s).code, rc::KEY_NOT_FOUND);
}

#[test]
fn generation_wraps_and_policies() {
    let s = store();
    put("k", &[("a", Value::Int(1))]).run(&s);
    let d = digest::of_str(SET, "k");
    let ns = s.namespace(b"test").expect("ns");
    if let Some(r) = ns.partition(&d).get_mut(&d) {
        r.generation = 65535;
    }
    assert_eq!(put("k", &[("a", Value::Int(2))]).run(&s).gen, 1);
    let mut eq = put("k", &[("a", Value::Int(3))]);
    eq.h.info2 |= info2::GENERATION;
    eq.h.generation = 5;
    assert_eq!(eq.run(&s).code, rc::GENERATION_ERROR);
    eq.h.generation = 1;
    assert_eq!(eq.run(&s).code, rc::OK);
    let mut create = put("k", &[("a", Value::Int(4))]);
    create.h.info2 |= info2::CREATE_ONLY;
    assert_eq!(create.run(&s).code, rc::KEY_EXISTS);
    let mut update = put("nope", &[("a", Value::Int(4))]);
    update.h.info3 |= info3::UPDATE_ONLY;
    assert_eq!(update.run(&s).code, rc::KEY_NOT_FOUND);
    let mut replace = put("k", &[("z", Value::Int(9))]);
    replace.h.info3 |= info3::REPLACE_ONLY;
    assert_eq!(replace.run(&s).code, rc::OK);
    assert_eq!(get("k").run(&s).bins, vec![("z".into(), Value::Int(9))]);
    let mut bad = Req::new(0, info2::WRITE, "k").op(op::INCR, Value::Int(1), "z");
    bad.h.info3 |= info3::REPLACE_ONLY;
    assert_eq!(bad.run(&s).code, rc::PARAMETER_ERROR);
}

#[test]
fn ttl_rules_and_expiry() {
    let s = store();
    let now = expiry::now_clepoch();
    let r = put("d", &[("a", Value::Int(1))]).run(&s);
    assert!(r.void_time >= now + 2_592_000 - 1);
    let mut never = put("n", &[("a", Value::Int(1))]);
    never.h.record_ttl = expiry::TTL_NEVER_EXPIRE;
    assert_eq!(never.run(&s).void_time, 0);
    let mut keep = put("n", &[("a", Value::Int(2))]);
    keep.h.record_ttl = expiry::TTL_DONT_UPDATE;
    assert_eq!(keep.run(&s).void_time, 0);
    let mut too_long = put("t", &[("a", Value::Int(1))]);
    too_long.h.record_ttl = 315_360_001;
    assert_eq!(too_long.run(&s).code, rc::PARAMETER_ERROR);
    // An expired record is gone for reads and recreated at generation 1.
    let d = digest::of_str(SET, "d");
    let ns = s.namespace(b"test").expect("ns");
    if let Some(r) = ns.partition(&d).get_mut(&d) {
        r.void_time = now.saturating_sub(1);
        r.generation = 7;
    }
    assert_eq!(get("d").run(&s).code, rc::KEY_NOT_FOUND);
    assert_eq!(put("d", &[("a", Value::Int(1))]).run(&s).gen, 1);
}

#[test]
fn limits_and_enterprise_only() {
    let s = store();
    assert_eq!(put("k", &[("abcdefghijklmnop", Value::Int(1))]).run(&s).code, rc::BIN_NAME_TOO_LONG);
    assert_eq!(put("k", &[("b", Value::Blob(particle::BLOB, vec![0; 1024 * 1024]))]).run(&s).code, rc::RECORD_TOO_BIG);
    put("k", &[("a", Value::Int(1))]).run(&s);
    let mut durable = Req::new(0, info2::WRITE | info2::DELETE | info2::DURABLE_DELETE, "k");
    assert_eq!(durable.run(&s).code, rc::ENTERPRISE_ONLY);
    durable.h.info2 &= !info2::DURABLE_DELETE;
    assert_eq!(durable.run(&s).code, rc::OK);
    assert_eq!(durable.run(&s).code, rc::KEY_NOT_FOUND);
    // A put with no bins is a malformed request.
    assert_eq!(Req::new(0, info2::WRITE, "k").run(&s).code, rc::PARAMETER_ERROR);
    // String ops (8.2) are refused by 8.1.
    put("k", &[("a", Value::Int(1))]).run(&s);
    assert_eq!(Req::new(info1::READ, 0, "k").op(op::STRING, Value::Nil, "a").run(&s).code, rc::PARAMETER_ERROR);
    assert_eq!(Req::new(info1::READ, 0, "gone").op(op::STRING, Value::Nil, "a").run(&s).code, rc::KEY_NOT_FOUND);
}

#[test]
fn operate_rolls_back_and_reads_in_order() {
    let s = store();
    put("k", &[("i", Value::Int(1))]).run(&s);
    let bad = Req::new(0, info2::WRITE, "k")
        .op(op::INCR, Value::Int(10), "i")
        .op(op::APPEND, Value::Str(b"x".to_vec()), "i");
    assert_eq!(bad.run(&s).code, rc::INCOMPATIBLE_TYPE);
    let r = get("k").run(&s);
    assert_eq!((r.gen, r.bins.clone()), (1, vec![("i".into(), Value::Int(1))]));
    let ok = Req::new(info1::READ, info2::WRITE, "k")
        .op(op::READ, Value::Nil, "i")
        .op(op::INCR, Value::Int(5), "i")
        .op(op::READ, Value::Nil, "i");
    let r = ok.run(&s);
    assert_eq!(r.bins, vec![("i".into(), Value::Int(1)), ("i".into(), Value::Int(6))]);
    assert_eq!(r.gen, 2);
    // Read-all with a named read on the write path is refused.
    let mixed = Req::new(info1::READ | info1::GET_ALL, info2::WRITE, "k")
        .op(op::WRITE, Value::Int(1), "b")
        .op(op::READ, Value::Nil, "")
        .op(op::READ, Value::Nil, "i");
    assert_eq!(mixed.run(&s).code, rc::PARAMETER_ERROR);
    // Deleting inside operate answers gen 0 / never and removes the record.
    let del = Req::new(info1::READ, info2::WRITE, "k").op(op::READ, Value::Nil, "i").op(op::DELETE, Value::Nil, "");
    let r = del.run(&s);
    assert_eq!((r.code, r.gen, r.void_time), (rc::OK, 0, 0));
    assert_eq!(get("k").run(&s).code, rc::KEY_NOT_FOUND);
}

#[test]
fn digest_keys_check_the_set() {
    let s = store();
    put("k", &[("a", Value::Int(1))]).run(&s);
    // Same digest, other set: refused for reads and writes.
    let mut other = get("k");
    let body = {
        other.set = Some(b"other");
        let mut b = other.body();
        // Keep the digest of the original set.
        let d = digest::of_str(SET, "k");
        let pos = b.windows(20).position(|w| w == digest::of_str(b"other", "k")).expect("digest present");
        b[pos..pos + 20].copy_from_slice(&d);
        b
    };
    let frame = handle(&s, &body);
    assert_eq!(frame[8 + 5], rc::PARAMETER_ERROR);
}

/// Pseudo-random bytes, deterministic.
fn noise(seed: &mut u64, n: usize) -> Vec<u8> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 24) as u8
        })
        .collect()
}

#[test]
fn garbage_messages_get_answers_not_panics() {
    let s = store();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for n in 0..400 {
        let body = noise(&mut seed, n % 97);
        let frame = handle(&s, &body);
        assert!(message::parse(&frame[8..]).is_ok());
    }
    // Valid messages with random bytes flipped, including op values (msgpack, geojson, ints).
    let base = put("k", &[("l", Value::List(vec![0x93, 1, 2, 3])), ("g", Value::GeoJson(br#"{"type":"Point","coordinates":[1,2]}"#.to_vec())), ("i", Value::Int(5))]).body();
    for _ in 0..3000 {
        let mut b = base.clone();
        let flips = noise(&mut seed, 6);
        for pair in flips.chunks(2) {
            let pos = usize::from(pair[0]) * b.len() / 256;
            b[pos] = pair[1];
        }
        let frame = handle(&s, &b);
        assert!(message::parse(&frame[8..]).is_ok());
    }
    // Every truncation of a valid message.
    for n in 0..base.len() {
        let frame = handle(&s, &base[..n]);
        assert_eq!(frame[8 + 5], rc::PARAMETER_ERROR);
    }
}

#[test]
fn a_partition_of_another_node_is_unavailable_and_left_alone() {
    let s = store();
    let body = put("k", &[("a", Value::Int(1))]).body();
    let pid = digest::partition_id(&digest::of_str(SET, "k"));
    let frame = super::handle(&s, &super::NoUdf, &body, &|p, _| p != pid);
    assert_eq!(frame[8 + 5], rc::PARTITION_UNAVAILABLE);
    assert_eq!(get("k").run(&s).code, rc::KEY_NOT_FOUND, "nothing was written");
    let frame = super::handle(&s, &super::NoUdf, &body, &|p, _| p == pid);
    assert_eq!(frame[8 + 5], rc::OK);
}

// namespace.c as_namespace_get_create_set_w_len via write_master's set_set_from_msg: a
// namespace holds at most 4095 set names, removing a set's records keeps its name, and a
// record created in a new set past the limit (or in a set named with 64+ bytes) gets 4.
#[test]
fn set_names_are_limited_and_never_freed() {
    let s = store();
    let ns = s.namespace(b"test").expect("ns");
    for i in 1..crate::storage::set_names::MAX_SET_NAMES {
        ns.set_names.get_or_add(format!("filler{i}").as_bytes()).expect("room");
    }
    // The 4095th name: the record is created, then removed; the name stays.
    assert_eq!(put("k", &[("a", Value::Int(1))]).run(&s).code, rc::OK);
    let mut rm = Req::new(0, info2::WRITE | info2::DELETE, "k");
    rm.set = Some(SET);
    assert_eq!(rm.run(&s).code, rc::OK);
    assert_eq!(put("k", &[("a", Value::Int(1))]).run(&s).code, rc::OK);
    let mut other = put("k2", &[("a", Value::Int(1))]);
    other.set = Some(b"new-set");
    assert_eq!(other.run(&s).code, rc::PARAMETER_ERROR);
    // Nothing was created.
    let mut read = get("k2");
    read.set = Some(b"new-set");
    assert_eq!(read.run(&s).code, rc::KEY_NOT_FOUND);
    // A 64-byte set name is refused whatever the count.
    let s2 = store();
    let mut long = put("k", &[("a", Value::Int(1))]);
    long.set = Some(&[b'x'; 64]);
    assert_eq!(long.run(&s2).code, rc::PARAMETER_ERROR);
    long.set = Some(&[b'x'; 63]);
    assert_eq!(long.run(&s2).code, rc::OK);
}

impl Req {
    /// An op whose value is sent as is (CDT, bit and HLL ops carry msgpack).
    fn raw(mut self, o: u8, particle: u8, name: &str, value: Vec<u8>) -> Req {
        self.ops.push((o, particle, name.as_bytes().to_vec(), value));
        self
    }
}

fn mp(items: Vec<crate::codec::msgpack::MpValue>) -> Vec<u8> {
    crate::codec::msgpack::to_bytes(&crate::codec::msgpack::MpValue::Array(items))
}

fn mi(v: i64) -> crate::codec::msgpack::MpValue {
    crate::codec::msgpack::MpValue::Int(v)
}

// write.c, write_master_policies: a touch op sets must_not_create, so touch + write on a
// missing record is 2 (as_record_get finds nothing) and creates nothing.
#[test]
fn touch_with_a_write_needs_the_record() {
    let s = store();
    let r = Req::new(0, info2::WRITE, "k").op(op::TOUCH, Value::Nil, "").op(op::WRITE, Value::Int(1), "a").run(&s);
    assert_eq!(r.code, rc::KEY_NOT_FOUND);
    assert_eq!(get("k").run(&s).code, rc::KEY_NOT_FOUND);
    let r = Req::new(0, info2::WRITE, "k").op(op::WRITE, Value::Int(1), "a").op(op::TOUCH, Value::Nil, "").run(&s);
    assert_eq!(r.code, rc::KEY_NOT_FOUND);
    put("k", &[("a", Value::Int(1))]).run(&s);
    let r = Req::new(0, info2::WRITE, "k").op(op::TOUCH, Value::Nil, "").op(op::WRITE, Value::Int(2), "b").run(&s);
    assert_eq!((r.code, r.gen), (rc::OK, 2));
    // An unknown op fails only when run, after the existence check (write.c: "unknown bin op").
    let r = Req::new(0, info2::WRITE, "nope").op(op::TOUCH, Value::Nil, "").raw(op::STRING, particle::BLOB, "a", mp(vec![mi(0)])).run(&s);
    assert_eq!(r.code, rc::KEY_NOT_FOUND);
    let r = Req::new(0, info2::WRITE, "k").raw(op::STRING, particle::BLOB, "a", mp(vec![mi(0)])).run(&s);
    assert_eq!(r.code, rc::PARAMETER_ERROR);
}

// write.c, write_master_policies: a replace flag refuses bit, HLL and CDT modify ops (4), like
// incr/append/prepend, delete and bin deletes; every op but touch has its bin name checked (21),
// reads included.
#[test]
fn replace_refuses_modify_ops_and_names_are_checked_on_reads() {
    let s = store();
    put("k", &[("l", Value::List(mp(vec![mi(1)])))]).run(&s);
    for o in [op::CDT_MODIFY, op::BIT_MODIFY, op::HLL_MODIFY] {
        let mut r = Req::new(0, info2::WRITE, "k").raw(o, particle::BLOB, "l", mp(vec![mi(1), mi(2)]));
        r.h.info3 |= info3::CREATE_OR_REPLACE;
        assert_eq!(r.run(&s).code, rc::PARAMETER_ERROR, "op {o}");
    }
    let long = "sixteen_chars_xx";
    let r = Req::new(info1::READ, info2::WRITE, "k").op(op::WRITE, Value::Int(1), "a").op(op::READ, Value::Nil, long).run(&s);
    assert_eq!(r.code, rc::BIN_NAME_TOO_LONG);
    assert_eq!(Req::new(info1::READ, 0, "k").op(op::READ, Value::Nil, long).run(&s).code, rc::BIN_NAME_TOO_LONG);
    // The read path finds the record first.
    assert_eq!(Req::new(info1::READ, 0, "nope").op(op::READ, Value::Nil, long).run(&s).code, rc::KEY_NOT_FOUND);
}

// write.c, write_master_policies: read-all with respond-all-ops, read-all with an op that
// answers a bin (a CDT read here), and GET_ALL without a read-all op are all 4.
#[test]
fn read_all_combinations() {
    let s = store();
    put("k", &[("l", Value::List(mp(vec![mi(1)])))]).run(&s);
    let read_all = |info2_bits: u8| {
        Req::new(info1::READ | info1::GET_ALL, info2::WRITE | info2_bits, "k").op(op::WRITE, Value::Int(1), "a").op(op::READ, Value::Nil, "")
    };
    assert_eq!(read_all(0).run(&s).code, rc::OK);
    assert_eq!(read_all(info2::RESPOND_ALL_OPS).run(&s).code, rc::PARAMETER_ERROR);
    let cdt_size = mp(vec![mi(16)]);
    assert_eq!(read_all(0).raw(op::CDT_READ, particle::BLOB, "l", cdt_size).run(&s).code, rc::PARAMETER_ERROR);
    let r = Req::new(info1::READ | info1::GET_ALL, info2::WRITE, "k").op(op::WRITE, Value::Int(1), "a").run(&s);
    assert_eq!(r.code, rc::PARAMETER_ERROR);
}

// read.c, read_local: a missing record is 2 before the ops are looked at (no ops, or a write op
// sent without the WRITE flag); on a record those are 4. write.c: the TTL is checked after the
// existence check, so an UPDATE_ONLY write with a bad TTL on a missing record is 2.
#[test]
fn the_record_is_found_before_the_ops_are_judged() {
    let s = store();
    assert_eq!(Req::new(info1::READ, 0, "nope").run(&s).code, rc::KEY_NOT_FOUND);
    assert_eq!(Req::new(info1::READ, 0, "nope").op(op::WRITE, Value::Int(1), "a").run(&s).code, rc::KEY_NOT_FOUND);
    put("k", &[("a", Value::Int(1))]).run(&s);
    assert_eq!(Req::new(info1::READ, 0, "k").run(&s).code, rc::PARAMETER_ERROR);
    assert_eq!(Req::new(info1::READ, 0, "k").op(op::WRITE, Value::Int(1), "a").run(&s).code, rc::PARAMETER_ERROR);
    let mut w = put("nope", &[("a", Value::Int(1))]);
    w.h.info3 |= info3::UPDATE_ONLY;
    w.h.record_ttl = 315_360_001;
    assert_eq!(w.run(&s).code, rc::KEY_NOT_FOUND);
    w.h.info3 = 0;
    assert_eq!(w.run(&s).code, rc::PARAMETER_ERROR);
    assert_eq!(get("nope").run(&s).code, rc::KEY_NOT_FOUND);
}

// write.c, write_master_bin_ops_loop: a read op other than a plain read answers whenever its bin
// exists, even with nothing (a CDT read with return type NONE); a missing bin answers nothing.
// The read path (read.c) answers only with a value.
#[test]
fn read_ops_in_a_write_answer_for_live_bins() {
    let s = store();
    put("k", &[("l", Value::List(mp(vec![mi(1), mi(2)])))]).run(&s);
    let none_by_index = mp(vec![mi(19), mi(0), mi(0)]); // get_by_index(RETURN NONE, 0)
    let r = Req::new(info1::READ, info2::WRITE, "k")
        .op(op::WRITE, Value::Int(1), "a")
        .raw(op::CDT_READ, particle::BLOB, "l", none_by_index.clone())
        .raw(op::CDT_READ, particle::BLOB, "m", none_by_index.clone())
        .run(&s);
    assert_eq!(r.code, rc::OK);
    assert_eq!(r.bins, vec![("l".into(), Value::Nil)]);
    let r = Req::new(info1::READ, 0, "k").raw(op::CDT_READ, particle::BLOB, "l", none_by_index).run(&s);
    assert_eq!((r.code, r.bins.len()), (rc::OK, 0));
}
