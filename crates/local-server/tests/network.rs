//! The server over real sockets: framing, hostile input, concurrency, compression and stop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use local_server::codec::message::{self, field, info1, info2, op};
use local_server::codec::particle;
use local_server::codec::proto;
use local_server::storage::digest;
use local_server::{Config, Server};

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    c
}

fn read_frame(c: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 8];
    c.read_exact(&mut h).ok()?;
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
    let mut body = vec![0u8; size];
    c.read_exact(&mut body).ok()?;
    Some((h[1], body))
}

fn info(c: &mut TcpStream, cmds: &str) -> String {
    c.write_all(&proto::frame(proto::TYPE_INFO, cmds.as_bytes())).expect("send");
    let (kind, body) = read_frame(c).expect("answer");
    assert_eq!(kind, proto::TYPE_INFO);
    String::from_utf8(body).expect("utf8")
}

/// Whether the server closed the connection (rather than answering).
fn closed(c: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(c.read(&mut b), Ok(0) | Err(_))
}

fn msg_body(info1: u8, info2: u8, key: &str, ops: &[(u8, u8, &[u8], Vec<u8>)]) -> Vec<u8> {
    let d = digest::of_str(b"net", key);
    let mut b = vec![message::MSG_HEADER_SIZE, info1, info2, 0, 0, 0];
    b.extend_from_slice(&[0u8; 12]);
    b.extend_from_slice(&3u16.to_be_bytes());
    b.extend_from_slice(&(ops.len() as u16).to_be_bytes());
    for (k, data) in [(field::NAMESPACE, &b"test"[..]), (field::SET, b"net"), (field::DIGEST, &d)] {
        b.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
        b.push(k);
        b.extend_from_slice(data);
    }
    for (o, p, n, v) in ops {
        b.extend_from_slice(&((4 + n.len() + v.len()) as u32).to_be_bytes());
        b.extend_from_slice(&[*o, *p, 0, n.len() as u8]);
        b.extend_from_slice(n);
        b.extend_from_slice(v);
    }
    b
}

fn call(c: &mut TcpStream, body: &[u8]) -> (u8, Vec<u8>) {
    c.write_all(&proto::frame(proto::TYPE_MSG, body)).expect("send");
    let (kind, resp) = read_frame(c).expect("answer");
    assert_eq!(kind, proto::TYPE_MSG);
    (resp[5], resp)
}

#[test]
fn info_answers_in_order_with_tab_and_newline() {
    let s = Server::start(Config::default()).expect("start");
    let mut c = connect(&s);
    let out = info(&mut c, "build\nstatus\nstatus\nno-such-thing\n");
    assert_eq!(out, "build\t8.1.2.0\nstatus\tok\nstatus\tok\nno-such-thing\tERROR:4:unrecognized command\n");
    let peers = info(&mut c, "peers-clear-std");
    assert_eq!(peers, format!("peers-clear-std\t1,{},[]\n", s.port()));
    let replicas = info(&mut c, "replicas");
    assert!(replicas.starts_with("replicas\ttest:0,1,////"));
    assert!(replicas.contains(";bar:0,1,"));
}

#[test]
fn hostile_frames_close_only_their_connection() {
    let s = Server::start(Config::default()).expect("start");
    let hostile: Vec<Vec<u8>> = vec![
        vec![9, 3, 0, 0, 0, 0, 0, 0],                     // bad version
        vec![2, 99, 0, 0, 0, 0, 0, 1, 0],                 // unknown type
        vec![2, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],   // 256 TiB body
        vec![2, 1, 0, 0, 0x40, 0, 0, 0],                  // 1 GiB info request
        vec![2, 4, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4], // bad zlib
        vec![2, 4, 0, 0, 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // zlib bomb size
    ];
    for frame in hostile {
        let mut c = connect(&s);
        c.write_all(&frame).expect("send");
        assert!(closed(&mut c), "frame {frame:?} should close the connection");
    }
    // A body that promises more than it sends, then hangs up.
    let mut c = connect(&s);
    c.write_all(&[2, 3, 0, 0, 0x03, 0, 0, 0, 1, 2, 3]).expect("send");
    drop(c);
    // Garbage inside a well-framed message is answered with an error, not a hang-up.
    let mut c = connect(&s);
    let (code, _) = call(&mut c, &[1, 2, 3]);
    assert_eq!(code, 4);
    // The server still serves.
    let mut c = connect(&s);
    assert_eq!(info(&mut c, "status"), "status\tok\n");
}

#[test]
fn put_get_over_the_wire_and_compressed() {
    let s = Server::start(Config::default()).expect("start");
    let mut c = connect(&s);
    let put = msg_body(0, info2::WRITE, "k", &[(op::WRITE, particle::INTEGER, b"a", 7i64.to_be_bytes().to_vec())]);
    assert_eq!(call(&mut c, &put).0, 0);
    let get = msg_body(info1::READ | info1::GET_ALL, 0, "k", &[]);
    // The same read, compressed (proto type 4: uncompressed size, then zlib of a whole frame).
    let inner = proto::frame(proto::TYPE_MSG, &get);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&inner).expect("compress");
    let mut body = (inner.len() as u64).to_be_bytes().to_vec();
    body.extend_from_slice(&z.finish().expect("compress"));
    c.write_all(&proto::frame(proto::TYPE_COMPRESSED, &body)).expect("send");
    let (_, resp) = read_frame(&mut c).expect("answer");
    let m = message::parse(&resp).expect("parses");
    assert_eq!(m.header.result_code, 0);
    assert_eq!(m.ops[0].name, b"a");
    assert_eq!(m.ops[0].value, 7i64.to_be_bytes());
}

#[test]
fn many_connections_at_once() {
    let s = Server::start(Config::default()).expect("start");
    let addr = s.addr();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = TcpStream::connect(addr).expect("connect");
                for i in 0..200 {
                    let key = format!("t{t}");
                    let put = msg_body(0, info2::WRITE, &key, &[(op::INCR, particle::INTEGER, b"n", 1i64.to_be_bytes().to_vec())]);
                    assert_eq!(call(&mut c, &put).0, 0, "thread {t} op {i}");
                }
                let get = msg_body(info1::READ | info1::GET_ALL, 0, &format!("t{t}"), &[]);
                let (_, resp) = call(&mut c, &get);
                let m = message::parse(&resp).expect("parses");
                assert_eq!(m.ops[0].value, 200i64.to_be_bytes());
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

#[test]
fn stop_is_idempotent_and_closes_connections() {
    let mut s = Server::start(Config::default()).expect("start");
    let addr = s.addr();
    let mut c = connect(&s);
    assert_eq!(info(&mut c, "status"), "status\tok\n");
    s.stop();
    s.stop();
    assert!(closed(&mut c));
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn starts_and_stops_from_inside_another_runtime() {
    // The extension starts the server from code that may itself run on a tokio runtime.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let s = Server::start(Config::default()).expect("start");
        let mut c = connect(&s);
        assert_eq!(info(&mut c, "status"), "status\tok\n");
        drop(s);
    });
}

#[test]
fn port_in_use_is_an_error() {
    let s = Server::start(Config::default()).expect("start");
    let again = Server::start(Config { port: s.port(), ..Config::default() });
    assert!(again.is_err());
}

#[test]
fn a_cluster_listens_on_a_port_per_node_and_stops_them_all() {
    let mut s = Server::start(Config { nodes: 3, ..Config::default() }).expect("start");
    let addrs = s.addrs().to_vec();
    assert_eq!(addrs.len(), 3);
    assert_eq!(s.addr(), addrs[0]);
    let mut ids = Vec::new();
    let mut conns = Vec::new();
    for (i, addr) in addrs.iter().enumerate() {
        let mut c = TcpStream::connect(addr).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let answer = info(&mut c, "node\npeers-clear-std\n");
        let mut lines = answer.lines();
        ids.push(lines.next().expect("node").trim_start_matches("node\t").to_string());
        let peers = lines.next().expect("peers");
        for (j, other) in addrs.iter().enumerate() {
            assert_eq!(peers.contains(&format!("[{other}]")), i != j, "{peers}");
        }
        conns.push(c);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each node has its own id");
    s.stop();
    for mut c in conns {
        assert!(closed(&mut c));
    }
    for addr in addrs {
        assert!(TcpStream::connect(addr).is_err());
    }
}

#[test]
fn a_cluster_takes_consecutive_ports_from_a_given_one() {
    let probe = Server::start(Config::default()).expect("start");
    let first = probe.port();
    drop(probe);
    // The probe's port was free a moment ago; the next two are taken as they come.
    if let Ok(s) = Server::start(Config { port: first, nodes: 2, ..Config::default() }) {
        assert_eq!(s.addrs().iter().map(|a| a.port()).collect::<Vec<_>>(), [first, first + 1]);
    }
    assert!(Server::start(Config { nodes: 0, ..Config::default() }).is_err());
    assert!(Server::start(Config { port: u16::MAX, nodes: 2, ..Config::default() }).is_err());
}
