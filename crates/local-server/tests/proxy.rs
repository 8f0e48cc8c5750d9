//! Commands proxied between the nodes of a cluster, over real sockets: a node that does not
//! serve a command's partition runs it on the partition's master and answers on the client's
//! connection (the real server's `thr_tsvc.c` / `proxy.c`), and a proxy whose node dies
//! before answering times out, having written nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use local_server::codec::message::{self, field, info1, info2, op, MsgHeader};
use local_server::codec::{particle, proto};
use local_server::node::faults::{Fault, FaultKind};
use local_server::result_code as rc;
use local_server::storage::{digest, PartitionSet};
use local_server::{info_text, Config, NamespaceConfig, Server};

const SET: &[u8] = b"p";

fn cluster() -> Server {
    let namespaces = vec![NamespaceConfig { replication_factor: 2, ..NamespaceConfig::new("test") }];
    Server::start(Config { nodes: 3, namespaces, ..Config::default() }).expect("start")
}

fn connect(s: &Server, node: usize) -> TcpStream {
    let c = TcpStream::connect(s.addrs()[node]).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    c
}

fn read_frame(c: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 8];
    c.read_exact(&mut h).expect("header");
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
    let mut body = vec![0u8; size];
    c.read_exact(&mut body).expect("body");
    (h[1], body)
}

fn info(c: &mut TcpStream, cmd: &str) -> String {
    c.write_all(&proto::frame(proto::TYPE_INFO, format!("{cmd}\n").as_bytes())).expect("send");
    let (_, body) = read_frame(c);
    let text = String::from_utf8(body).expect("utf8");
    text.trim_end().split_once('\t').map(|(_, v)| v.to_string()).unwrap_or_default()
}

/// The value of `key` in a `key=value;...` answer.
fn stat(text: &str, key: &str) -> u64 {
    let prefix = format!("{key}=");
    text.split(';').find_map(|kv| kv.strip_prefix(&prefix)).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{key} in {text}"))
}

/// The node each partition's master is on, from the nodes' own `replicas-master` answers.
fn masters(s: &Server) -> Vec<usize> {
    let mut of = vec![usize::MAX; 4096];
    for node in 0..s.addrs().len() {
        let answer = info(&mut connect(s, node), "replicas-master");
        let bitmap = answer.split(';').find_map(|e| e.strip_prefix("test:")).expect("namespace test");
        let set = PartitionSet::from_bitmap(&info_text::base64_decode(bitmap).expect("base64")).expect("bitmap");
        for pid in (0..4096).filter(|&p| set.contains(p)) {
            of[pid] = node;
        }
    }
    of
}

fn record(info1_bits: u8, info2_bits: u8, transaction_ttl: u32, k: i64, ops: &[(u8, u8, &[u8], &[u8])]) -> Vec<u8> {
    let h = MsgHeader { info1: info1_bits, info2: info2_bits, transaction_ttl, ..Default::default() };
    let d = digest::of_int(SET, k);
    message::request(h, &[(field::NAMESPACE, b"test"), (field::SET, SET), (field::DIGEST, &d)], ops)
}

fn put(k: i64, transaction_ttl: u32) -> Vec<u8> {
    record(0, info2::WRITE, transaction_ttl, k, &[(op::WRITE, particle::INTEGER, b"v", &k.to_be_bytes())])
}

fn get(k: i64) -> Vec<u8> {
    record(info1::READ | info1::GET_ALL, 0, 0, k, &[])
}

fn call(c: &mut TcpStream, body: &[u8]) -> u8 {
    c.write_all(&proto::frame(proto::TYPE_MSG, body)).expect("send");
    let (kind, answer) = read_frame(c);
    assert_eq!(kind, proto::TYPE_MSG);
    message::parse(&answer).expect("an AS_MSG").header.result_code
}

// thr_tsvc.c: a command whose partition this node cannot reserve is diverted to the node the
// reservation names (`as_proxy_divert`); proxy.c sends its answer back on the client's socket
// and counts it as `client_proxy_complete`. Nothing is refused with 11.
#[test]
fn any_node_answers_any_record_command_through_the_master() {
    let s = cluster();
    let master = masters(&s);
    let mut conns: Vec<TcpStream> = (0..3).map(|n| connect(&s, n)).collect();
    for k in 0..60 {
        let home = master[digest::partition_id(&digest::of_int(SET, k))];
        let away = (home + 1 + (k as usize % 2)) % 3;
        assert_eq!(call(&mut conns[away], &put(k, 0)), rc::OK, "key {k} written through node {away}");
        for c in conns.iter_mut() {
            assert_eq!(call(c, &get(k)), rc::OK, "key {k} read through every node");
        }
    }
    let proxied: u64 = (0..3).map(|n| stat(&info(&mut conns[n], "namespace/test"), "client_proxy_complete")).sum();
    assert!(proxied >= 60, "every write and some reads went through a proxy: {proxied}");
}

// proxy.c: the proxyer keeps the request until its end time; a node that dies before it
// answers never does, so the client is answered TIMEOUT (`proxy_timeout_reduce_fn`). The dead
// node had not run it (it was slow: an injected delay), so no copy of the record exists.
#[test]
fn a_proxy_to_a_node_that_dies_before_answering_times_out_and_writes_nothing() {
    let s = cluster();
    let master = masters(&s);
    let k = (0..).find(|&k| master[digest::partition_id(&digest::of_int(SET, k))] == 1).expect("a key node 1 masters");
    s.inject_fault(1, Fault { kind: FaultKind::Delay(Duration::from_millis(500)), remaining: Some(1) }).expect("fault");
    let mut c = connect(&s, 0);
    let sent = std::thread::spawn(move || call(&mut c, &put(k, 1500)));
    // Node 0 is proxying the write to node 1, which is slow: node 1 dies.
    let mut watch = connect(&s, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while stat(&info(&mut watch, "statistics"), "proxy_in_progress") == 0 {
        assert!(Instant::now() < deadline, "the proxy never started");
        std::thread::sleep(Duration::from_millis(2));
    }
    s.kill_node(1).expect("kill");
    assert_eq!(sent.join().expect("answered"), rc::TIMEOUT);
    assert_eq!(stat(&info(&mut watch, "namespace/test"), "client_proxy_timeout"), 1);
    for n in [0, 2] {
        assert_eq!(call(&mut connect(&s, n), &get(k)), rc::KEY_NOT_FOUND, "node {n}");
    }
    // The survivors took the partition over: the same write now succeeds.
    assert_eq!(call(&mut connect(&s, 0), &put(k, 0)), rc::OK);
    assert_eq!(call(&mut connect(&s, 2), &get(k)), rc::OK);
}
