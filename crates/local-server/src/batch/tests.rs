//! Batch decoding, hostile input, same-key ordering, error modes and streaming, driven with
//! hand-built batch messages shaped like the ones the C client 7.x and the Rust crate send.

use super::row::{flags, RowReader};
use super::{parent_flags, Batch, Place, Progress, BLOCK_SIZE};
use crate::codec::message::{self, field, info1, info2, info3, op, MsgHeader, MSG_HEADER_SIZE};
use crate::codec::particle::Value;
use crate::codec::{proto, Reader};
use crate::config::NamespaceConfig;
use crate::result_code as rc;
use crate::storage::{digest, Digest};
use crate::indexed_store::Store;
use std::io::Read;

const SET: &[u8] = b"s";

fn store() -> Store {
    Store::new(&[NamespaceConfig::new("test")])
}

fn key(k: i64) -> Digest {
    digest::of_int(SET, k)
}

/// One row as a client encodes it.
#[derive(Clone)]
enum RowSpec {
    Repeat(Digest),
    Full { digest: Digest, info: [u8; 3], gen: Option<u16>, ttl: Option<u32>, fields: Vec<(u8, Vec<u8>)>, ops: Vec<(u8, Vec<u8>, Value)> },
}

fn full(digest: Digest, info: [u8; 3], ops: Vec<(u8, Vec<u8>, Value)>) -> RowSpec {
    RowSpec::Full {
        digest,
        info,
        gen: None,
        ttl: None,
        fields: vec![(field::NAMESPACE, b"test".to_vec()), (field::SET, SET.to_vec())],
        ops,
    }
}

fn read_all(digest: Digest) -> RowSpec {
    full(digest, [info1::READ | info1::GET_ALL, 0, 0], vec![])
}

fn incr(digest: Digest, by: i64) -> RowSpec {
    full(digest, [0, info2::WRITE | info2::RESPOND_ALL_OPS, 0], vec![(op::INCR, b"n".to_vec(), Value::Int(by))])
}

fn read_n(digest: Digest) -> RowSpec {
    full(digest, [info1::READ, 0, 0], vec![(op::READ, b"n".to_vec(), Value::Nil)])
}

fn remove(digest: Digest) -> RowSpec {
    full(digest, [0, info2::WRITE | info2::DELETE, 0], vec![])
}

fn encode_rows(rows: &[RowSpec]) -> Vec<u8> {
    let mut b = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        b.extend_from_slice(&(i as u32).to_be_bytes());
        match row {
            RowSpec::Repeat(d) => {
                b.extend_from_slice(d);
                b.push(flags::REPEAT);
            }
            RowSpec::Full { digest, info, gen, ttl, fields, ops } => {
                b.extend_from_slice(digest);
                let mut kind = flags::HAS_EXTRA_INFO;
                if gen.is_some() {
                    kind |= flags::HAS_GENERATION;
                }
                if ttl.is_some() {
                    kind |= flags::HAS_RECORD_TTL;
                }
                b.push(kind);
                b.extend_from_slice(info);
                if let Some(g) = gen {
                    b.extend_from_slice(&g.to_be_bytes());
                }
                if let Some(t) = ttl {
                    b.extend_from_slice(&t.to_be_bytes());
                }
                b.extend_from_slice(&(fields.len() as u16).to_be_bytes());
                b.extend_from_slice(&(ops.len() as u16).to_be_bytes());
                for (k, d) in fields {
                    b.extend_from_slice(&((d.len() + 1) as u32).to_be_bytes());
                    b.push(*k);
                    b.extend_from_slice(d);
                }
                for (o, name, v) in ops {
                    let mut val = Vec::new();
                    v.write_wire(&mut val);
                    b.extend_from_slice(&((4 + name.len() + val.len()) as u32).to_be_bytes());
                    b.extend_from_slice(&[*o, v.particle_type(), 0, name.len() as u8]);
                    b.extend_from_slice(name);
                    b.extend_from_slice(&val);
                }
            }
        }
    }
    b
}

/// A whole batch message body: header, BATCH_INDEX field (count, parent flags, rows).
fn batch_body(rows: &[RowSpec], parent: u8, outer_info1: u8) -> Vec<u8> {
    let mut field_data = (rows.len() as u32).to_be_bytes().to_vec();
    field_data.push(parent);
    field_data.extend_from_slice(&encode_rows(rows));
    let mut b = vec![MSG_HEADER_SIZE, info1::READ | info1::BATCH | outer_info1, 0, 0, 0, 0];
    b.extend_from_slice(&[0u8; 12]);
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&0u16.to_be_bytes());
    b.extend_from_slice(&((field_data.len() + 1) as u32).to_be_bytes());
    b.push(field::BATCH_INDEX);
    b.extend_from_slice(&field_data);
    b
}

type Bins = Vec<(Vec<u8>, Value)>;

/// One answered row: (index or LAST marker, result code, generation, bins).
#[derive(Debug, PartialEq)]
struct Answer {
    index: u32,
    code: u8,
    last: bool,
    bins: Bins,
}

/// Runs a batch to the end, returning every chunk `fill` produced.
fn run_chunks(s: &Store, body: &[u8], owns: &(dyn Fn(usize) -> bool + Sync)) -> Vec<Vec<u8>> {
    let route = |_: &[u8], p: usize, _write: bool| if owns(p) { Place::Here } else { Place::Unavailable };
    run_routed(s, body, &route)
}

fn run_routed<'a>(s: &'a Store, body: &'a [u8], route: &'a super::Router<'a>) -> Vec<Vec<u8>> {
    let mut b = Batch::new(s, &crate::transactions::NoUdf, body, route);
    let mut chunks = Vec::new();
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let p = b.fill(&mut out);
        chunks.push(out.clone());
        if p == Progress::Done {
            return chunks;
        }
    }
    panic!("batch never finished");
}

/// Splits chunks into proto messages and those into answers, checking the framing.
fn answers(chunks: &[Vec<u8>]) -> (usize, Vec<Answer>) {
    let stream: Vec<u8> = chunks.concat();
    let mut protos = 0;
    let mut out = Vec::new();
    let mut r = Reader::new(&stream);
    while r.remaining() > 0 {
        let h: [u8; 8] = r.take(8).expect("proto header").try_into().expect("8");
        let ph = proto::ProtoHeader::parse(&h);
        let mut body = r.take(ph.size as usize).expect("proto body").to_vec();
        if ph.kind == proto::TYPE_COMPRESSED {
            let mut inner = Vec::new();
            flate2::read::ZlibDecoder::new(&body[8..]).read_to_end(&mut inner).expect("zlib");
            assert_eq!(inner[1], proto::TYPE_MSG);
            body = inner[8..].to_vec();
        } else {
            assert_eq!(ph.kind, proto::TYPE_MSG);
        }
        protos += 1;
        let mut m = Reader::new(&body);
        while m.remaining() > 0 {
            let hd = message::parse_header(&mut m).expect("msg header");
            let (_, ops) = message::parse_fields_and_ops(&mut m, hd.n_fields, hd.n_ops).expect("msg");
            let bins = ops.iter().map(|o| (o.name.to_vec(), Value::from_wire(o.particle, o.value).expect("value"))).collect();
            out.push(Answer { index: hd.transaction_ttl, code: hd.result_code, last: hd.info3 & info3::LAST != 0, bins });
        }
    }
    (protos, out)
}

fn all(_: usize) -> bool {
    true
}

fn run(s: &Store, rows: &[RowSpec], parent: u8) -> Vec<Answer> {
    answers(&run_chunks(s, &batch_body(rows, parent, 0), &all)).1
}

const RESPOND_ALL: u8 = parent_flags::REPORT_ALL_ERRORS | parent_flags::REPORT_ERROR_REC;

#[test]
fn rows_decode_with_every_flag_and_repeats() {
    let mut rows = encode_rows(&[
        RowSpec::Full {
            digest: key(1),
            info: [info1::READ, info2::WRITE, info3::UPDATE_ONLY],
            gen: Some(7),
            ttl: Some(300),
            fields: vec![(field::NAMESPACE, b"test".to_vec()), (field::SET, SET.to_vec())],
            ops: vec![(op::WRITE, b"a".to_vec(), Value::Int(1))],
        },
        RowSpec::Repeat(key(2)),
    ]);
    // An INFO4 row by hand: type, info1..3, info4, ttl, 1 field, 0 ops.
    rows.extend_from_slice(&2u32.to_be_bytes());
    rows.extend_from_slice(&key(3));
    rows.push(flags::HAS_EXTRA_INFO | flags::HAS_INFO4 | flags::HAS_RECORD_TTL);
    rows.extend_from_slice(&[info1::READ | info1::GET_ALL | info1::COMPRESS_RESPONSE, 0, 0, 0x30]);
    rows.extend_from_slice(&5u32.to_be_bytes());
    rows.extend_from_slice(&0u16.to_be_bytes()); // 0 fields: the namespace is still there
    rows.extend_from_slice(&0u16.to_be_bytes());
    rows.extend_from_slice(&5u32.to_be_bytes());
    rows.push(field::NAMESPACE);
    rows.extend_from_slice(b"test");

    let parent = MsgHeader { info3: info3::SC_READ_TYPE, ..Default::default() };
    let mut r = RowReader::new(&rows, &parent, Some(b"parent-filter"));
    let row = r.next_row().expect("row 0");
    assert_eq!((row.index, row.digest), (0, key(1)));
    let h = row.msg.header;
    assert_eq!((h.info1, h.info2, h.info3, h.generation, h.record_ttl), (info1::READ, info2::WRITE, info3::UPDATE_ONLY, 7, 300));
    assert_eq!(row.msg.field(field::SET), Some(SET));
    assert_eq!(row.msg.field(field::DIGEST), Some(&key(1)[..]));
    assert_eq!(row.msg.field(field::FILTER_EXP), Some(&b"parent-filter"[..]));
    assert_eq!(row.msg.ops.len(), 1);
    let row = r.next_row().expect("repeat");
    assert_eq!((row.index, row.digest), (1, key(2)));
    assert_eq!(row.msg.field(field::DIGEST), Some(&key(2)[..]));
    assert_eq!(row.msg.header.generation, 7);
    let row = r.next_row().expect("info4 row");
    let h = row.msg.header;
    assert_eq!((h.info1, h.info4, h.record_ttl), (info1::READ | info1::GET_ALL, 0x30, 5));
    assert_eq!(row.msg.field(field::NAMESPACE), Some(&b"test"[..]));
    assert!(r.next_row().is_err());
}

#[test]
fn rows_without_extra_info_inherit_sc_bits_and_own_filter_wins() {
    let mut rows = Vec::new();
    rows.extend_from_slice(&0u32.to_be_bytes());
    rows.extend_from_slice(&key(1));
    rows.push(0);
    rows.push(info1::READ | info1::GET_ALL);
    rows.extend_from_slice(&2u16.to_be_bytes());
    rows.extend_from_slice(&0u16.to_be_bytes());
    for (k, d) in [(field::NAMESPACE, &b"test"[..]), (field::FILTER_EXP, b"own")] {
        rows.extend_from_slice(&((d.len() + 1) as u32).to_be_bytes());
        rows.push(k);
        rows.extend_from_slice(d);
    }
    let parent = MsgHeader { info3: info3::SC_READ_TYPE | info3::LAST, ..Default::default() };
    let mut r = RowReader::new(&rows, &parent, Some(b"parent"));
    let row = r.next_row().expect("row");
    assert_eq!(row.msg.header.info3, info3::SC_READ_TYPE);
    assert_eq!(row.msg.field(field::FILTER_EXP), Some(&b"own"[..]));
}

#[test]
fn repeats_of_nothing_or_of_a_keyed_row_are_refused() {
    let rows = encode_rows(&[RowSpec::Repeat(key(1))]);
    assert!(RowReader::new(&rows, &MsgHeader::default(), None).next_row().is_err());
    let mut keyed = full(key(1), [info1::READ | info1::GET_ALL, 0, 0], vec![]);
    if let RowSpec::Full { fields, .. } = &mut keyed {
        fields.push((field::KEY, vec![1, 0, 0, 0, 0, 0, 0, 0, 1]));
    }
    let rows = encode_rows(&[keyed, RowSpec::Repeat(key(2))]);
    let mut r = RowReader::new(&rows, &MsgHeader::default(), None);
    assert!(r.next_row().is_ok());
    assert!(r.next_row().is_err());
}

#[test]
fn truncated_and_garbage_batches_never_panic() {
    let s = store();
    let rows = vec![incr(key(1), 1), RowSpec::Repeat(key(2)), read_all(key(1)), remove(key(3))];
    let body = batch_body(&rows, RESPOND_ALL, 0);
    for n in 0..body.len() {
        let chunks = run_chunks(&s, &body[..n], &all);
        let (_, a) = answers(&chunks);
        let last = a.last().expect("a LAST frame");
        assert!(last.last);
        assert_eq!(last.code, rc::PARAMETER_ERROR, "truncated at {n}");
    }
    // Rows cut anywhere inside a well-formed field.
    let all_rows = encode_rows(&rows);
    for n in 0..all_rows.len() {
        let mut field_data = 4u32.to_be_bytes().to_vec();
        field_data.push(RESPOND_ALL);
        field_data.extend_from_slice(&all_rows[..n]);
        let mut cut = body[..22].to_vec();
        cut.extend_from_slice(&((field_data.len() + 1) as u32).to_be_bytes());
        cut.push(field::BATCH_INDEX);
        cut.extend_from_slice(&field_data);
        let (_, a) = answers(&run_chunks(&s, &cut, &all));
        assert_eq!(a.last().map(|l| (l.code, l.last)), Some((rc::PARAMETER_ERROR, true)), "rows cut at {n}");
    }
    // Lying counts: more rows announced than present, then a huge count.
    let mut lying = body.clone();
    lying[27..31].copy_from_slice(&9u32.to_be_bytes());
    let (_, a) = answers(&run_chunks(&s, &lying, &all));
    assert_eq!(a.last().map(|l| l.code), Some(rc::PARAMETER_ERROR));
    lying[27..31].copy_from_slice(&u32::MAX.to_be_bytes());
    let (_, a) = answers(&run_chunks(&s, &lying, &all));
    assert_eq!(a.last().map(|l| l.code), Some(rc::PARAMETER_ERROR));
    // Pseudo-random corruption of every byte position.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bad = body.clone();
        let at = (seed as usize) % bad.len();
        bad[at] = (seed >> 32) as u8;
        let chunks = run_chunks(&s, &bad, &all);
        if !chunks.concat().is_empty() {
            assert!(answers(&chunks).1.last().is_some_and(|l| l.last));
        }
    }
}

#[test]
fn zero_rows_and_missing_field_are_parameter_errors() {
    let s = store();
    let (_, a) = answers(&run_chunks(&s, &batch_body(&[], RESPOND_ALL, 0), &all));
    assert_eq!(a, vec![Answer { index: 0, code: rc::PARAMETER_ERROR, last: true, bins: vec![] }]);
    let (_, a) = answers(&run_chunks(&s, &message::error_response(0)[8..], &all));
    assert_eq!(a.last().map(|l| l.code), Some(rc::PARAMETER_ERROR));
}

#[test]
fn same_key_rows_run_in_request_order() {
    let s = store();
    let k = key(1);
    let a = run(&s, &[read_n(k), incr(k, 10), read_n(k), incr(k, 100), read_n(k), remove(k), read_n(k), incr(k, 1)], RESPOND_ALL);
    let got: Vec<(u32, u8, Bins)> = a.into_iter().map(|x| (x.index, x.code, x.bins)).collect();
    let n = |v: i64| vec![(b"n".to_vec(), Value::Int(v))];
    let nil = vec![(b"n".to_vec(), Value::Nil)];
    assert_eq!(
        got,
        vec![
            (0, rc::KEY_NOT_FOUND, vec![]),
            (1, rc::OK, nil.clone()),
            (2, rc::OK, n(10)),
            (3, rc::OK, nil.clone()),
            (4, rc::OK, n(110)),
            (5, rc::OK, vec![]),
            (6, rc::KEY_NOT_FOUND, vec![]),
            (7, rc::OK, nil),
            (0, rc::OK, vec![]),
        ]
    );
}

#[test]
fn row_errors_with_and_without_respond_all_keys() {
    let s = store();
    let bad = key(2);
    s.namespace(b"test").expect("ns").partition(&bad).put(bad, {
        let mut r = crate::storage::Record::new(SET.to_vec());
        r.set_bin(b"n", Value::Str(b"x".to_vec()));
        r.generation = 1;
        r
    });
    let rows = [incr(key(1), 1), incr(bad, 1), incr(key(3), 1), read_n(key(9))];
    let codes = |a: &[Answer]| a.iter().map(|x| (x.index, x.code, x.last)).collect::<Vec<_>>();
    let a = run(&s, &rows, RESPOND_ALL);
    assert_eq!(codes(&a), vec![(0, 0, false), (1, 12, false), (2, 0, false), (3, 2, false), (0, 0, true)]);
    // respond-all-keys off, error record wanted: the block with the error goes, LAST says 12.
    let a = run(&s, &rows, parent_flags::REPORT_ERROR_REC);
    assert_eq!(codes(&a), vec![(0, 0, false), (1, 12, false), (2, 0, false), (3, 2, false), (0, 12, true)]);
    // Without REPORT_ERROR_REC the unsent block is dropped; every row still ran.
    let a = run(&s, &rows, 0);
    assert_eq!(codes(&a), vec![(0, 12, true)]);
    let a = run(&s, &[read_n(key(1)), read_n(key(3))], RESPOND_ALL);
    let bins: Vec<_> = a.iter().filter(|x| !x.last).map(|x| x.bins.clone()).collect();
    assert_eq!(bins, vec![vec![(b"n".to_vec(), Value::Int(3))], vec![(b"n".to_vec(), Value::Int(3))]]);
}

#[test]
fn unknown_namespace_ends_the_batch() {
    let s = store();
    let mut other = read_all(key(2));
    if let RowSpec::Full { fields, .. } = &mut other {
        fields[0].1 = b"nosuchns".to_vec();
    }
    let a = run(&s, &[incr(key(1), 1), other, incr(key(3), 1)], RESPOND_ALL);
    // The buffer being filled is dropped with the batch; the first row still ran.
    assert_eq!(a.iter().map(|x| (x.code, x.last)).collect::<Vec<_>>(), vec![(rc::PARAMETER_ERROR, true)]);
    let a = run(&s, &[read_n(key(1))], RESPOND_ALL);
    assert_eq!(a[0].bins, vec![(b"n".to_vec(), Value::Int(1))]);
}

// thr_tsvc.c: a batch sub-transaction whose reservation fails is diverted to the node that
// holds the partition (`as_proxy_divert`, origin FROM_BATCH) and its answer joins the batch's
// stream (proxy.c `proxyer_handle_batch_response`); with no holder at all the reservation
// answers -2 and the row 11.
#[test]
fn rows_run_where_their_partition_is_served() {
    let (here, there) = (store(), store());
    let keys: Vec<Digest> = (0..40).map(key).collect();
    let rows: Vec<RowSpec> = keys.iter().map(|k| incr(*k, 1)).collect();
    let route = |_: &[u8], pid: usize, _write: bool| match pid % 3 {
        0 => Place::Here,
        1 => Place::Proxied(&there),
        _ => Place::Unavailable,
    };
    let body = batch_body(&rows, RESPOND_ALL, 0);
    let (_, a) = answers(&run_routed(&here, &body, &route));
    for x in a.iter().filter(|x| !x.last) {
        let pid = digest::partition_id(&keys[x.index as usize]);
        assert_eq!(x.code, if pid % 3 == 2 { rc::PARTITION_UNAVAILABLE } else { rc::OK }, "row {}", x.index);
    }
    let count = |s: &Store| s.namespace(b"test").expect("ns").object_count(&crate::storage::PartitionSet::all()) as usize;
    let on = |r: usize| keys.iter().filter(|k| digest::partition_id(k) % 3 == r).count();
    assert_eq!((count(&here), count(&there)), (on(0), on(1)));
}

#[test]
fn big_batches_stream_in_blocks() {
    let s = store();
    let keys: Vec<Digest> = (0..5000).map(key).collect();
    let mut rows: Vec<RowSpec> = vec![incr(keys[0], 1)];
    rows.extend(keys[1..4000].iter().map(|k| RowSpec::Repeat(*k)));
    run(&s, &rows, RESPOND_ALL);
    let mut rows: Vec<RowSpec> = vec![read_all(keys[4999])];
    rows.extend(keys[..4999].iter().rev().map(|k| RowSpec::Repeat(*k)));
    let body = batch_body(&rows, RESPOND_ALL, 0);
    let chunks = run_chunks(&s, &body, &all);
    assert!(chunks.len() > 1, "one chunk per block");
    for c in &chunks {
        assert!(c.len() < BLOCK_SIZE + 1024, "a chunk holds about one block");
    }
    let (protos, a) = answers(&chunks);
    assert!(protos > 2);
    assert_eq!(a.len(), 5001);
    let mut seen = vec![false; 5000];
    for x in &a[..5000] {
        let i = x.index as usize;
        assert!(!seen[i]);
        seen[i] = true;
        let k = 4999 - i;
        assert_eq!(x.code, if k < 4000 { rc::OK } else { rc::KEY_NOT_FOUND });
    }
    assert!(a[5000].last);
}

#[test]
fn compressed_responses_when_asked() {
    let s = store();
    let rows: Vec<RowSpec> = (0..50).map(|i| incr(key(i), i)).collect();
    let body = batch_body(&rows, RESPOND_ALL, info1::COMPRESS_RESPONSE);
    let chunks = run_chunks(&s, &body, &all);
    assert_eq!(chunks.concat()[1], proto::TYPE_COMPRESSED);
    let (_, a) = answers(&chunks);
    assert_eq!(a.len(), 51);
    assert!(a[50].last);
}
