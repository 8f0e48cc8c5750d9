//! "The server survives any bytes": a bounded soak of random bytes, truncated messages and
//! mutated valid messages of every proto type against a live server, many connections one after
//! the other, while one well-behaved connection keeps working. Afterwards the server answers
//! normally. (The decoders themselves are fuzzed in crates/wire/fuzz and crates/wire/tests.)
//! The real server's as_proto_is_valid_type / thr_demarshal close a connection on a bad header
//! and answer a malformed AS_MSG with AS_ERR_PARAMETER; tests/network.rs pins those codes.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use local_server::codec::message::{self, field, info1, info2, op, MsgHeader};
use local_server::codec::{particle, proto};
use local_server::storage::digest;
use local_server::{Config, Server};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    c
}

fn read_frame(c: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; proto::HEADER_SIZE];
    c.read_exact(&mut h).ok()?;
    let mut body = vec![0u8; usize::try_from(proto::ProtoHeader::parse(&h).size).ok()?];
    c.read_exact(&mut body).ok()?;
    Some((h[1], body))
}

/// The hostile traffic uses namespace `test`; the well-behaved connection's record lives in
/// `bar`, out of reach of what a mutated message can do legitimately (a put whose digest field
/// is mangled becomes a background query writing its whole set, as on a real server).
fn record_msg(ns: &[u8], info1: u8, info2: u8, key: i64, ops: &[(u8, u8, &[u8], &[u8])]) -> Vec<u8> {
    let d = digest::of_int(b"soak", key);
    let fields: [(u8, &[u8]); 3] = [(field::NAMESPACE, ns), (field::SET, b"soak"), (field::DIGEST, &d)];
    proto::frame(proto::TYPE_MSG, &message::request(MsgHeader { info1, info2, ..Default::default() }, &fields, ops))
}

fn put(ns: &[u8], key: i64, value: i64) -> Vec<u8> {
    record_msg(ns, 0, info2::WRITE, key, &[(op::WRITE, particle::INTEGER, b"v", &value.to_be_bytes())])
}

fn get(ns: &[u8], key: i64) -> Vec<u8> {
    record_msg(ns, info1::READ | info1::GET_ALL, 0, key, &[])
}

/// Sends a get and returns the bin's integer, or the result code as an error.
fn read_value(c: &mut TcpStream, ns: &[u8], key: i64) -> Result<i64, u8> {
    c.write_all(&get(ns, key)).expect("send");
    let (kind, body) = read_frame(c).expect("an answer");
    assert_eq!(kind, proto::TYPE_MSG);
    let m = message::parse(&body).expect("a well-formed answer");
    if m.header.result_code != 0 {
        return Err(m.header.result_code);
    }
    Ok(particle::int_from_wire(m.ops[0].value).expect("an integer"))
}

#[test]
fn random_and_truncated_bytes_leave_the_server_and_other_connections_serving() {
    let s = Server::start(Config::default()).expect("start");
    let mut good = connect(&s);
    good.write_all(&put(b"bar", 1, 41)).expect("send");
    assert_eq!(read_frame(&mut good).map(|(_, b)| b[5]), Some(0));
    let valid: Vec<Vec<u8>> = vec![
        put(b"test", 2, 7),
        get(b"test", 2),
        proto::frame(proto::TYPE_INFO, b"status\nbuild\nnamespaces\n"),
        // An admin (security) message: a query of users.
        proto::frame(proto::TYPE_ADMIN, &[0, 0, 9, 1, 0, 0, 0, 6, 0, b'a', b'd', b'm', b'i', b'n'].iter().chain(&[0u8; 12]).copied().collect::<Vec<_>>()),
        record_msg(b"test", info1::READ, 0, 3, &[(op::CDT_READ, particle::BLOB, b"l", &[0x93, 0x01, 0x91, 0xc0, 0xdd, 0xff, 0xff, 0xff, 0xff])]),
    ];
    let mut rng = Rng(0x005e_ed0f_50a4);
    let (start, mut rounds) = (Instant::now(), 0);
    // Bounded by count and by time, whichever comes first (seconds on a busy 2-core machine).
    while rounds < 4000 && start.elapsed() < Duration::from_secs(30) {
        rounds += 1;
        let mut bytes = match rng.below(4) {
            // Random bytes, sometimes behind a plausible header.
            0 => (0..rng.below(300)).map(|_| rng.next() as u8).collect::<Vec<u8>>(),
            1 => {
                let mut b = vec![2, 1 + rng.below(4) as u8, 0, 0, 0, 0, 0, rng.below(200) as u8];
                b.extend((0..rng.below(200)).map(|_| rng.next() as u8));
                b
            }
            // A valid message cut short.
            2 => {
                let v = &valid[rng.below(valid.len())];
                v[..rng.below(v.len())].to_vec()
            }
            // A valid message with a few bytes changed.
            _ => {
                let mut v = valid[rng.below(valid.len())].clone();
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(v.len());
                    v[at] = rng.next() as u8;
                }
                v
            }
        };
        // Sometimes a valid message follows the hostile one on the same connection.
        if rng.below(3) == 0 {
            bytes.extend_from_slice(&get(b"test", 1));
        }
        let mut c = connect(&s);
        c.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let _ = c.write_all(&bytes);
        let _ = c.shutdown(Shutdown::Write);
        // Whatever the server answers, it answers or hangs up: drain until it does.
        let mut sink = [0u8; 4096];
        while matches!(c.read(&mut sink), Ok(n) if n > 0) {}
        if rounds % 50 == 0 {
            assert_eq!(read_value(&mut good, b"bar", 1), Ok(41), "the other connection is unaffected after {rounds} rounds");
        }
    }
    assert!(rounds >= 50, "the soak ran ({rounds} rounds)");
    assert_eq!(read_value(&mut good, b"bar", 1), Ok(41));
    let mut fresh = connect(&s);
    fresh.write_all(&put(b"test", 9, 99)).expect("send");
    assert_eq!(read_frame(&mut fresh).map(|(_, b)| b[5]), Some(0));
    assert_eq!(read_value(&mut fresh, b"test", 9), Ok(99));
    fresh.write_all(&proto::frame(proto::TYPE_INFO, b"status\n")).expect("send");
    assert_eq!(read_frame(&mut fresh).map(|(_, b)| b), Some(b"status\tok\n".to_vec()));
}
