//! Batches over real sockets: streamed answers in several proto messages, compressed requests,
//! malformed batches, and a connection that stays usable afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use local_server::codec::message::{self, field, info1, info2, info3, op};
use local_server::codec::particle::Value;
use local_server::codec::{proto, Reader};
use local_server::storage::digest;
use local_server::{Config, Server};

const REPEAT: u8 = 0x1;
const HAS_EXTRA_INFO: u8 = 0x2;
const RESPOND_ALL_KEYS: u8 = 0x4 | 0x8;

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    c
}

/// A batch whose first row carries `info` and `ops` and whose other rows repeat it.
fn batch(keys: impl Iterator<Item = i64>, info: [u8; 3], ops: &[(u8, &[u8], Value)]) -> Vec<u8> {
    let mut rows = Vec::new();
    let mut n = 0u32;
    for k in keys {
        rows.extend_from_slice(&n.to_be_bytes());
        rows.extend_from_slice(&digest::of_int(b"bs", k));
        if n > 0 {
            rows.push(REPEAT);
        } else {
            rows.push(HAS_EXTRA_INFO);
            rows.extend_from_slice(&info);
            rows.extend_from_slice(&2u16.to_be_bytes());
            rows.extend_from_slice(&(ops.len() as u16).to_be_bytes());
            for (kind, data) in [(field::NAMESPACE, &b"test"[..]), (field::SET, b"bs")] {
                rows.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
                rows.push(kind);
                rows.extend_from_slice(data);
            }
            for (o, name, v) in ops {
                let mut val = Vec::new();
                v.write_wire(&mut val);
                rows.extend_from_slice(&((4 + name.len() + val.len()) as u32).to_be_bytes());
                rows.extend_from_slice(&[*o, v.particle_type(), 0, name.len() as u8]);
                rows.extend_from_slice(name);
                rows.extend_from_slice(&val);
            }
        }
        n += 1;
    }
    let mut data = n.to_be_bytes().to_vec();
    data.push(RESPOND_ALL_KEYS);
    data.extend_from_slice(&rows);
    let mut b = vec![message::MSG_HEADER_SIZE, info1::READ | info1::BATCH, 0, 0, 0, 0];
    b.extend_from_slice(&[0u8; 12]);
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&0u16.to_be_bytes());
    b.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
    b.push(field::BATCH_INDEX);
    b.extend_from_slice(&data);
    b
}

/// Reads proto messages until a LAST frame: (proto messages, (index, code) per row, last code).
fn read_stream(c: &mut TcpStream) -> (usize, Vec<(u32, u8)>, u8) {
    let mut protos = 0;
    let mut rows = Vec::new();
    loop {
        let mut h = [0u8; 8];
        c.read_exact(&mut h).expect("proto header");
        let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
        let mut body = vec![0u8; size];
        c.read_exact(&mut body).expect("proto body");
        assert_eq!(h[1], proto::TYPE_MSG);
        protos += 1;
        let mut r = Reader::new(&body);
        while r.remaining() > 0 {
            let m = message::parse_header(&mut r).expect("header");
            message::parse_fields_and_ops(&mut r, m.n_fields, m.n_ops).expect("fields and ops");
            if m.info3 & info3::LAST != 0 {
                assert_eq!(r.remaining(), 0);
                return (protos, rows, m.result_code);
            }
            rows.push((m.transaction_ttl, m.result_code));
        }
    }
}

fn send(c: &mut TcpStream, body: &[u8]) {
    c.write_all(&proto::frame(proto::TYPE_MSG, body)).expect("send");
}

#[test]
fn big_batches_stream_and_the_connection_stays_usable() {
    let s = Server::start(Config::default()).expect("start");
    let mut c = connect(&s);
    let write = batch(0..3000, [0, info2::WRITE, 0], &[(op::WRITE, b"pad", Value::Str(vec![b'p'; 200]))]);
    send(&mut c, &write);
    let (_, rows, last) = read_stream(&mut c);
    assert_eq!((rows.len(), last), (3000, 0));
    assert!(rows.iter().all(|&(_, code)| code == 0));

    let read = batch((0..3500).rev(), [info1::READ | info1::GET_ALL, 0, 0], &[]);
    send(&mut c, &read);
    let (protos, rows, last) = read_stream(&mut c);
    assert!(protos > 3, "3000 records of 200 bytes come in several blocks, got {protos}");
    assert_eq!((rows.len(), last), (3500, 0));
    let mut seen = vec![false; 3500];
    for (i, code) in rows {
        let k = 3499 - i as i64;
        assert!(!std::mem::replace(&mut seen[i as usize], true));
        assert_eq!(code, if k < 3000 { 0 } else { 2 }, "row {i}");
    }

    // Compressed request, then garbage, then a plain one on the same connection.
    let body = batch(0..10, [info1::READ | info1::GET_NOBINDATA, 0, 0], &[]);
    let inner = proto::frame(proto::TYPE_MSG, &body);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&inner).expect("zlib");
    let mut packed = (inner.len() as u64).to_be_bytes().to_vec();
    packed.extend_from_slice(&z.finish().expect("zlib"));
    c.write_all(&proto::frame(proto::TYPE_COMPRESSED, &packed)).expect("send");
    let (_, rows, last) = read_stream(&mut c);
    assert_eq!((rows.len(), last), (10, 0));

    let mut bad = batch(0..10, [info1::READ | info1::GET_ALL, 0, 0], &[]);
    bad.truncate(bad.len() - 30);
    let field_len = (bad.len() - 26) as u32;
    bad[22..26].copy_from_slice(&field_len.to_be_bytes());
    send(&mut c, &bad);
    let (_, _, last) = read_stream(&mut c);
    assert_eq!(last, 4);

    send(&mut c, &batch(5..6, [info1::READ | info1::GET_ALL, 0, 0], &[]));
    let (_, rows, last) = read_stream(&mut c);
    assert_eq!((rows, last), (vec![(0, 0)], 0));
}
