//! Query decoding and execution: partition filters, descending digest order, resume, exact
//! limits with partition-done markers, index queries, garbage messages; over a socket,
//! streaming and cancellation when the client goes away.

use std::sync::Arc;

use super::request::{decode, Kind};
use super::run::{Execution, Step};
use super::ClientSink;
use crate::codec::message::{self, field, info1, info2, info3, op};
use crate::codec::particle::{self, Value};
use crate::config::{Config, NamespaceConfig};
use crate::result_code as rc;
use crate::sindex::{CollType, KeyType, NewIndex};
use crate::storage::{digest, Digest, Record};
use crate::indexed_store::Store;

const SET: &[u8] = b"q";

fn store_with(n: i64) -> Store {
    let store = Store::new(&[NamespaceConfig::new("test")]);
    let ns = store.namespace(b"test").expect("ns");
    for i in 0..n {
        let d = digest::of_int(SET, i);
        let mut r = Record::new(SET.to_vec());
        r.set_bin(b"n", Value::Int(i % 3));
        r.set_bin(b"v", Value::Int(i));
        r.generation = 1;
        ns.partition(&d).put(d, r);
    }
    store
}

/// A query body the way clients build one.
fn body(info1_bits: u8, info2_bits: u8, fields: &[(u8, Vec<u8>)], ops: &[(u8, &[u8])]) -> Vec<u8> {
    let fields: Vec<(u8, &[u8])> = fields.iter().map(|(k, d)| (*k, d.as_slice())).collect();
    let ops: Vec<(u8, u8, &[u8], &[u8])> = ops.iter().map(|(o, name)| (*o, 0, *name, &[][..])).collect();
    message::request(message::MsgHeader { info1: info1_bits, info2: info2_bits, ..Default::default() }, &fields, &ops)
}

fn scan_fields(extra: Vec<(u8, Vec<u8>)>) -> Vec<(u8, Vec<u8>)> {
    let mut f = vec![(field::NAMESPACE, b"test".to_vec()), (field::SET, SET.to_vec())];
    f.extend(extra);
    f
}

fn pids(ids: &[u16]) -> (u8, Vec<u8>) {
    (field::PID_ARRAY, ids.iter().flat_map(|p| p.to_le_bytes()).collect())
}

#[derive(Debug, Default)]
struct Answer {
    records: Vec<Digest>,
    done: Vec<u16>,
    /// Partitions marked done with PARTITION_UNAVAILABLE: another node's.
    unavailable: Vec<u16>,
    last: Option<u8>,
}

fn note_message(m: &message::Message<'_>, a: &mut Answer) {
    if m.header.info3 & info3::LAST != 0 {
        a.last = Some(m.header.result_code);
    } else if m.header.info3 & info3::PARTITION_DONE != 0 {
        match m.header.result_code {
            rc::OK => a.done.push(m.header.generation as u16),
            rc::PARTITION_UNAVAILABLE => a.unavailable.push(m.header.generation as u16),
            code => panic!("partition done with {code}"),
        }
    } else {
        let d: Digest = m.field(field::DIGEST).expect("digest").try_into().expect("20 bytes");
        a.records.push(d);
    }
}

/// Frames of one message each, as `Execution::fill` writes them.
fn parse_frames(mut out: &[u8], a: &mut Answer) {
    while out.len() >= 8 {
        let size = u64::from_be_bytes([0, 0, out[2], out[3], out[4], out[5], out[6], out[7]]) as usize;
        note_message(&message::parse(&out[8..8 + size]).expect("frame"), a);
        out = &out[8 + size..];
    }
}

/// What a client reads: proto messages of one or more messages each.
fn parse_stream(mut bytes: &[u8], a: &mut Answer) {
    while bytes.len() >= 8 {
        let size = u64::from_be_bytes([0, 0, bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let mut r = crate::codec::Reader::new(&bytes[8..8 + size]);
        while r.remaining() > 0 {
            let header = message::parse_header(&mut r).expect("header");
            let (fields, ops) = message::parse_fields_and_ops(&mut r, header.n_fields, header.n_ops).expect("fields and ops");
            note_message(&message::Message { header, fields, ops }, a);
        }
        bytes = &bytes[8 + size..];
    }
}

fn run(store: &Store, b: &[u8]) -> Answer {
    let mut a = Answer::default();
    let q = match decode(store, b) {
        Ok(q) => q,
        Err(code) => {
            a.last = Some(code);
            return a;
        }
    };
    let mut exec = Execution::new(&q);
    let mut sink = ClientSink::for_query(&q);
    loop {
        let mut out = Vec::new();
        let step = exec.fill(&mut sink, &mut out, 0);
        parse_frames(&out, &mut a);
        if step == Step::Done {
            return a;
        }
    }
}

#[test]
fn whole_scan_every_partition_done() {
    let s = store_with(50);
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![]), &[]));
    assert_eq!(a.last, Some(rc::OK));
    assert_eq!(a.records.len(), 50);
    assert_eq!(a.done.len(), 4096);
}

#[test]
fn partition_filters_order_and_resume() {
    let s = store_with(3000);
    // Find a partition holding several records.
    let mut by_pid = std::collections::HashMap::<usize, Vec<Digest>>::new();
    for i in 0..3000 {
        let d = digest::of_int(SET, i);
        by_pid.entry(digest::partition_id(&d)).or_default().push(d);
    }
    let (pid, mut ds) = by_pid.into_iter().max_by_key(|(_, v)| v.len()).expect("some");
    assert!(ds.len() >= 3);
    ds.sort_by(|a, b| b.cmp(a));
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![pids(&[pid as u16])]), &[]));
    assert_eq!(a.records, ds, "descending digest order within the partition");
    assert_eq!(a.done, vec![pid as u16]);
    // Resuming after the second digest continues strictly after it.
    let resume = scan_fields(vec![(field::DIGEST_ARRAY, ds[1].to_vec())]);
    let a = run(&s, &body(info1::READ, 0, &resume, &[]));
    assert_eq!(a.records, ds[2..].to_vec());
    // Range of partitions: only records of those partitions.
    let range: Vec<u16> = (0..2048).collect();
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![pids(&range)]), &[]));
    assert!(a.records.iter().all(|d| digest::partition_id(d) < 2048));
    assert_eq!(a.done.len(), 2048);
}

#[test]
fn max_records_is_exact_and_leaves_cut_partitions_open() {
    let s = store_with(40);
    for max in [1u64, 7, 40, 41] {
        let f = scan_fields(vec![(field::MAX_RECORDS, max.to_be_bytes().to_vec())]);
        let a = run(&s, &body(info1::READ, 0, &f, &[]));
        assert_eq!(a.records.len() as u64, max.min(40));
        // No partition holding a returned record is closed after the cut unless complete.
        if max < 40 {
            let last_pid = digest::partition_id(a.records.last().expect("one")) as u16;
            let others_in_pid = (0..40).map(|i| digest::of_int(SET, i)).filter(|d| digest::partition_id(d) as u16 == last_pid).count();
            let returned_in_pid = a.records.iter().filter(|d| digest::partition_id(d) as u16 == last_pid).count();
            assert_eq!(a.done.contains(&last_pid), others_in_pid == returned_in_pid);
            assert!(a.done.len() < 4096);
        }
    }
}

#[test]
fn index_queries_and_their_errors() {
    let s = store_with(30);
    let ns = s.namespace(b"test").expect("ns");
    let new = NewIndex { name: "n_idx".into(), set: Some(SET.to_vec()), bin: Some(b"n".to_vec()), key_type: KeyType::Numeric, coll: CollType::Default, ctx_bytes: None, exp: None };
    ns.sindex.create(new).expect("created");
    let def = ns.sindex.by_name("n_idx").expect("def");
    crate::sindex::build::build(ns, &def);
    let range = |lo: i64, hi: i64, p: u8| {
        let mut r = vec![1u8, 1, b'n', p];
        r.extend_from_slice(&8u32.to_be_bytes());
        r.extend_from_slice(&lo.to_be_bytes());
        r.extend_from_slice(&8u32.to_be_bytes());
        r.extend_from_slice(&hi.to_be_bytes());
        (field::INDEX_RANGE, r)
    };
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![range(1, 1, particle::INTEGER)]), &[]));
    assert_eq!(a.records.len(), 10);
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![range(2, 1, particle::INTEGER)]), &[]));
    assert_eq!(a.last, Some(rc::PARAMETER_ERROR));
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![range(1, 1, particle::STRING)]), &[]));
    assert_eq!(a.last, Some(crate::sindex::INDEX_NOT_FOUND));
    // No set against a set index: no index.
    let f = vec![(field::NAMESPACE, b"test".to_vec()), range(1, 1, particle::INTEGER)];
    assert_eq!(run(&s, &body(info1::READ, 0, &f, &[])).last, Some(crate::sindex::INDEX_NOT_FOUND));
    // Bin selection and unknown namespace.
    let a = run(&s, &body(info1::READ, 0, &scan_fields(vec![]), &[(op::READ, b"v")]));
    assert_eq!(a.records.len(), 30);
    let f = vec![(field::NAMESPACE, b"nope".to_vec())];
    assert_eq!(run(&s, &body(info1::READ, 0, &f, &[])).last, Some(rc::NAMESPACE_NOT_FOUND));
}

#[test]
fn classification_and_garbage_never_panics() {
    let s = store_with(5);
    let bg = body(0, info2::WRITE, &scan_fields(vec![]), &[(op::WRITE, b"x")]);
    assert!(matches!(decode(&s, &bg).map(|q| q.kind), Ok(Kind::BackgroundOps)));
    let good = body(
        info1::READ,
        0,
        &scan_fields(vec![pids(&[1, 2]), (field::MAX_RECORDS, 5u64.to_be_bytes().to_vec()), (field::INDEX_RANGE, vec![1, 1, b'n', 1, 0, 0, 0, 8])]),
        &[(op::READ, b"v")],
    );
    for n in 0..good.len() {
        let _ = run(&s, &good[..n]);
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2000 {
        let mut b = good.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % b.len();
            b[i] = (seed >> 32) as u8;
        }
        let _ = run(&s, &b);
    }
    // Lying partition fields.
    let bad = body(info1::READ, 0, &scan_fields(vec![pids(&[5000])]), &[]);
    assert_eq!(run(&s, &bad).last, Some(rc::PARAMETER_ERROR));
    let bad = body(info1::READ, 0, &scan_fields(vec![(field::DIGEST_ARRAY, vec![1; 19])]), &[]);
    assert_eq!(run(&s, &bad).last, Some(rc::PARAMETER_ERROR));
}

#[test]
fn closed_socket_cancels_the_scan() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    rt.block_on(async {
        let store = Arc::new(store_with(500));
        let node = Arc::new(crate::node::Node::cluster(&Config::default(), &[0], store).remove(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server_node = node.clone();
        let server = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut h = [0u8; 8];
            sock.read_exact(&mut h).await.expect("header");
            let size = u64::from_be_bytes([0, 0, h[2], h[3], h[4], h[5], h[6], h[7]]) as usize;
            let mut b = vec![0u8; size];
            sock.read_exact(&mut b).await.expect("body");
            crate::net::query_stream::serve(&mut sock, &server_node, &b).await
        });
        // 500 records at 20 a second would take 25 s.
        let b = body(info1::READ, 0, &scan_fields(vec![(field::RECORDS_PER_SECOND, 20u32.to_be_bytes().to_vec())]), &[]);
        let mut client = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut frame = vec![2u8, 3, 0, 0, 0, 0, 0, 0];
        frame[2..8].copy_from_slice(&(b.len() as u64).to_be_bytes()[2..]);
        frame.extend_from_slice(&b);
        client.write_all(&frame).await.expect("send");
        let mut first = [0u8; 64];
        let _ = client.read(&mut first).await.expect("some answer");
        assert_eq!(node.jobs.foreground_active.load(std::sync::atomic::Ordering::Relaxed), 1);
        drop(client);
        let finished = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
        assert!(matches!(finished, Ok(Ok(false))), "the scan stops once the client is gone");
        assert_eq!(node.jobs.foreground_active.load(std::sync::atomic::Ordering::Relaxed), 0);
    });
}

/// Serves one query message on `node` over a real socket, as a connection would, and returns
/// what the client read.
fn serve_on(node: Arc<crate::node::Node>, b: &[u8]) -> Answer {
    use tokio::io::AsyncReadExt;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let bytes = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let body = b.to_vec();
        let server = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            crate::net::query_stream::serve(&mut sock, &node, &body).await
        });
        // The request is handed to `serve` directly: nothing to send.
        let mut client = tokio::net::TcpStream::connect(addr).await.expect("connect");
        assert!(server.await.expect("served"), "the connection stays usable");
        let mut bytes = Vec::new();
        client.read_to_end(&mut bytes).await.expect("read");
        bytes
    });
    let mut a = Answer::default();
    parse_stream(&bytes, &mut a);
    a
}

#[test]
fn a_node_of_a_cluster_scans_only_its_own_partitions() {
    let source = store_with(600);
    let empty = Arc::new(Store::new(&[NamespaceConfig::new("test")]));
    let nodes: Vec<Arc<crate::node::Node>> =
        crate::node::Node::cluster(&Config::default(), &[3000, 3001, 3002], empty).into_iter().map(Arc::new).collect();
    // Each node keeps the records of the partitions it is master of.
    let src = source.namespace(b"test").expect("ns");
    for pid in 0..4096 {
        let master = nodes.iter().find(|n| n.owns(pid)).expect("a master");
        for (d, r) in src.partition_at(pid).iter() {
            master.store.namespace(b"test").expect("ns").partition(d).put(*d, r.clone());
        }
    }
    let all: Vec<u16> = (0..4096).collect();
    let mut seen = Vec::new();
    for node in &nodes {
        let own: Vec<u16> = all.iter().copied().filter(|&p| node.owns(usize::from(p))).collect();
        let others: Vec<u16> = all.iter().copied().filter(|&p| !node.owns(usize::from(p))).collect();
        // Asked for every partition by name: its own are read, the rest handed back.
        let named = serve_on(node.clone(), &body(info1::READ, 0, &scan_fields(vec![pids(&all)]), &[]));
        assert_eq!(named.last, Some(rc::OK));
        assert_eq!(named.done, own);
        assert_eq!(named.unavailable, others, "the client asks the owner of these");
        assert!(named.records.iter().all(|d| node.owns(digest::partition_id(d))));
        // Asked for all without naming them (old clients): its own only, nothing handed back.
        let unnamed = serve_on(node.clone(), &body(info1::READ, 0, &scan_fields(vec![]), &[]));
        assert_eq!(unnamed.done, own);
        assert!(unnamed.unavailable.is_empty());
        assert_eq!(unnamed.records, named.records);
        seen.extend(named.records);
    }
    seen.sort();
    let mut every: Vec<Digest> = (0..600).map(|i| digest::of_int(SET, i)).collect();
    every.sort();
    assert_eq!(seen, every, "the nodes together return each record once");
}

/// A bin selection that finds none of its bins in a record sends no record, whether asked as a
/// bin list or as read ops; read ops with RESPOND_ALL_OPS send it with the missing bins nil.
/// Real server: as/src/base/proto.c `as_msg_make_response_bufbuilder` ("Don't return an empty
/// record"), as/src/query/query.c `apply_ops_make_response` (no response bins, no message).
#[test]
fn a_selection_of_only_missing_bins_sends_no_record() {
    let s = store_with(40);
    let ns = s.namespace(b"test").expect("ns");
    for i in 0..10 {
        let d = digest::of_int(SET, 1000 + i);
        let mut r = Record::new(SET.to_vec());
        r.set_bin(b"other", Value::Int(i));
        r.generation = 1;
        ns.partition(&d).put(d, r);
    }
    let as_ops = |names: &[&'static [u8]], info2_bits: u8| {
        let ops: Vec<(u8, &[u8])> = names.iter().map(|n| (op::READ, *n)).collect();
        run(&s, &body(info1::READ, info2_bits, &scan_fields(vec![]), &ops)).records.len()
    };
    assert_eq!(as_ops(&[b"v"], 0), 40);
    assert_eq!(as_ops(&[b"other"], 0), 10);
    assert_eq!(as_ops(&[b"v", b"other"], 0), 50);
    assert_eq!(as_ops(&[b"nowhere"], 0), 0);
    assert_eq!(as_ops(&[b"nowhere"], info2::RESPOND_ALL_OPS), 50);
    let binlist = |names: &[&[u8]], info2_bits: u8| {
        let mut f = vec![names.len() as u8];
        for n in names {
            f.push(n.len() as u8);
            f.extend_from_slice(n);
        }
        run(&s, &body(info1::READ, info2_bits, &scan_fields(vec![(field::QUERY_BINLIST, f)]), &[])).records.len()
    };
    assert_eq!(binlist(&[b"other"], 0), 10);
    assert_eq!(binlist(&[b"nowhere"], info2::RESPOND_ALL_OPS), 0);
    // No bin data: every record, bins or not.
    assert_eq!(run(&s, &body(info1::READ | info1::GET_NOBINDATA, 0, &scan_fields(vec![]), &[])).records.len(), 50);
    // The nil answers of RESPOND_ALL_OPS, in the order asked.
    let d = digest::of_int(SET, 1000);
    let rec = ns.partition(&d).live(&d, 0).expect("record").clone();
    let names = [b"nowhere".to_vec(), b"other".to_vec()];
    let frame = super::record_frame(ns, &d, &rec, Some(&names), true, false).expect("a frame");
    let m = message::parse(&frame[8..]).expect("message");
    let got: Vec<(&[u8], u8)> = m.ops.iter().map(|o| (o.name, o.particle)).collect();
    assert_eq!(got, vec![(&b"nowhere"[..], particle::NULL), (&b"other"[..], particle::INTEGER)]);
    assert!(super::record_frame(ns, &d, &rec, Some(&names[..1]), false, false).is_none());
}
