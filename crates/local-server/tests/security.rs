//! Security mode over real sockets: what a connection may do before and after it logs in,
//! and what a server without security (CE) answers to the admin protocol.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use local_server::codec::message::{self, field, info1, info2, op};
use local_server::codec::particle;
use local_server::codec::proto;
use local_server::result_code as rc;
use local_server::security::admin::{command, encode_request, field as afield};
use local_server::security::hash_password;
use local_server::storage::digest;
use local_server::{Config, Server};

fn server(security: bool) -> Server {
    Server::start(Config { security, ..Config::default() }).expect("start")
}

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    c
}

fn read_frame(c: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 8];
    c.read_exact(&mut h).expect("a header");
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
    let mut body = vec![0u8; size];
    c.read_exact(&mut body).expect("a body");
    (h[1], body)
}

fn info(c: &mut TcpStream, cmds: &str) -> String {
    c.write_all(&proto::frame(proto::TYPE_INFO, cmds.as_bytes())).expect("send");
    String::from_utf8(read_frame(c).1).expect("utf8")
}

/// Sends an admin command and returns its result code.
fn admin(c: &mut TcpStream, cmd: u8, fields: &[(u8, &[u8])]) -> u8 {
    c.write_all(&proto::frame(proto::TYPE_ADMIN, &encode_request(cmd, fields))).expect("send");
    let (kind, answer) = read_frame(c);
    assert_eq!(kind, proto::TYPE_ADMIN);
    answer[1]
}

fn login(c: &mut TcpStream, user: &str, password: &str) -> u8 {
    admin(c, command::LOGIN, &[(afield::USER, user.as_bytes()), (afield::CREDENTIAL, hash_password(password).as_bytes())])
}

fn create_user(c: &mut TcpStream, user: &str, password: &str, role: &str) -> u8 {
    let roles = [&[1, role.len() as u8][..], role.as_bytes()].concat();
    let hash = hash_password(password);
    let fields: [(u8, &[u8]); 3] = [(afield::USER, user.as_bytes()), (afield::PASSWORD, hash.as_bytes()), (afield::ROLES, &roles)];
    admin(c, command::CREATE_USER, &fields)
}

/// A record command on `key` of set `sec`; returns its result code.
fn record(c: &mut TcpStream, info1: u8, info2: u8, key: &str, ops: &[(u8, &[u8], Vec<u8>)]) -> u8 {
    let d = digest::of_str(b"sec", key);
    let mut b = vec![message::MSG_HEADER_SIZE, info1, info2, 0, 0, 0];
    b.extend_from_slice(&[0u8; 12]);
    b.extend_from_slice(&3u16.to_be_bytes());
    b.extend_from_slice(&(ops.len() as u16).to_be_bytes());
    for (k, data) in [(field::NAMESPACE, &b"test"[..]), (field::SET, b"sec"), (field::DIGEST, &d)] {
        b.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
        b.push(k);
        b.extend_from_slice(data);
    }
    for (o, n, v) in ops {
        b.extend_from_slice(&((4 + n.len() + v.len()) as u32).to_be_bytes());
        b.extend_from_slice(&[*o, particle::INTEGER, 0, n.len() as u8]);
        b.extend_from_slice(n);
        b.extend_from_slice(v);
    }
    c.write_all(&proto::frame(proto::TYPE_MSG, &b)).expect("send");
    let (kind, answer) = read_frame(c);
    assert_eq!(kind, proto::TYPE_MSG);
    answer[5]
}

fn put(c: &mut TcpStream, key: &str, v: i64) -> u8 {
    record(c, 0, info2::WRITE, key, &[(op::WRITE, b"v", v.to_be_bytes().to_vec())])
}

fn get(c: &mut TcpStream, key: &str) -> u8 {
    record(c, info1::READ | info1::GET_ALL, 0, key, &[])
}

#[test]
fn ce_answers_every_admin_message_not_supported_and_asks_no_login() {
    let s = server(false);
    let mut c = connect(&s);
    assert_eq!(login(&mut c, "admin", "admin"), rc::SECURITY_NOT_SUPPORTED);
    assert_eq!(admin(&mut c, command::AUTHENTICATE, &[]), rc::SECURITY_NOT_SUPPORTED);
    assert_eq!(admin(&mut c, command::QUERY_USERS, &[]), rc::SECURITY_NOT_SUPPORTED);
    assert_eq!(admin(&mut c, 200, &[]), rc::SECURITY_NOT_SUPPORTED, "whatever the message");
    c.write_all(&proto::frame(proto::TYPE_ADMIN, &[1, 2, 3])).expect("send");
    assert_eq!(read_frame(&mut c), (proto::TYPE_ADMIN, [&[0, rc::SECURITY_NOT_SUPPORTED][..], &[0; 14]].concat()));
    assert_eq!(put(&mut c, "k", 1), rc::OK);
    assert!(info(&mut c, "namespaces").starts_with("namespaces\t"));
}

#[test]
fn nothing_runs_before_login() {
    let s = server(true);
    let mut c = connect(&s);
    assert_eq!(info(&mut c, "namespaces\nnode\n"), "ERROR:80:not authenticated\n");
    assert_eq!(put(&mut c, "k", 1), rc::NOT_AUTHENTICATED);
    assert_eq!(get(&mut c, "k"), rc::NOT_AUTHENTICATED);
    assert_eq!(admin(&mut c, command::QUERY_USERS, &[]), rc::NOT_AUTHENTICATED);
    assert_eq!(login(&mut c, "admin", "nope"), rc::INVALID_CREDENTIAL);
    assert_eq!(put(&mut c, "k", 1), rc::NOT_AUTHENTICATED);
    assert_eq!(login(&mut c, "admin", "admin"), rc::OK);
    assert!(info(&mut c, "namespaces").starts_with("namespaces\ttest;bar"));
}

#[test]
fn each_command_needs_its_privilege() {
    let s = server(true);
    let mut a = connect(&s);
    assert_eq!(login(&mut a, "admin", "admin"), rc::OK);
    assert_eq!(put(&mut a, "k", 1), rc::ROLE_VIOLATION, "user-admin is not a data role");
    assert_eq!(create_user(&mut a, "rw", "pw", "read-write"), rc::OK);
    assert_eq!(create_user(&mut a, "ro", "pw", "read"), rc::OK);
    let truncate = "truncate:namespace=test;set=sec";
    assert_eq!(info(&mut a, truncate), format!("{truncate}\tERROR:81:role violation - requires permission 'truncate'\n"));

    let mut rw = connect(&s);
    assert_eq!(login(&mut rw, "rw", "pw"), rc::OK);
    assert_eq!(put(&mut rw, "k", 1), rc::OK);
    let mut ro = connect(&s);
    assert_eq!(login(&mut ro, "ro", "pw"), rc::OK);
    assert_eq!(get(&mut ro, "k"), rc::OK);
    assert_eq!(put(&mut ro, "k", 2), rc::ROLE_VIOLATION);
    assert_eq!(record(&mut ro, 0, info2::WRITE | info2::DELETE, "k", &[]), rc::ROLE_VIOLATION);
    assert_eq!(get(&mut rw, "k"), rc::OK, "still there");
    let udf_put = "udf-put:filename=x.lua;content=AA==;content-len=4;udf-type=LUA;";
    assert!(info(&mut ro, udf_put).contains("ERROR:81:role violation - requires permission 'udf-admin'"));
    assert!(info(&mut ro, "sindex-list").starts_with("sindex-list\t"), "reading state needs no privilege");

    // Privileges are looked up live: a revoked role stops working at once.
    let roles = [&[1, 4][..], b"read"].concat();
    assert_eq!(admin(&mut a, command::REVOKE_ROLES, &[(afield::USER, b"ro"), (afield::ROLES, &roles)]), rc::OK);
    assert_eq!(get(&mut ro, "k"), rc::ROLE_VIOLATION);
    assert_eq!(admin(&mut a, command::DROP_USER, &[(afield::USER, b"ro")]), rc::OK);
    assert_eq!(get(&mut ro, "k"), rc::NOT_AUTHENTICATED, "a dropped user's connections are no longer anyone's");
}

#[test]
fn a_quota_refuses_once_exceeded() {
    let s = server(true);
    let mut a = connect(&s);
    assert_eq!(login(&mut a, "admin", "admin"), rc::OK);
    let privileges = [1u8, 11, 0, 0];
    let quota = 3u32.to_be_bytes();
    let role: [(u8, &[u8]); 3] = [(afield::ROLE, b"slow"), (afield::PRIVILEGES, &privileges), (afield::READ_QUOTA, &quota)];
    assert_eq!(admin(&mut a, command::CREATE_ROLE, &role), rc::OK);
    assert_eq!(create_user(&mut a, "slow", "pw", "slow"), rc::OK);
    let mut c = connect(&s);
    assert_eq!(login(&mut c, "slow", "pw"), rc::OK);
    let codes: Vec<u8> = (0..10).map(|_| get(&mut c, "k")).collect();
    assert!(codes.contains(&rc::QUOTA_EXCEEDED), "{codes:?}");
    assert!(codes.iter().filter(|&&c| c == rc::KEY_NOT_FOUND).count() <= 6, "{codes:?}");
    assert_eq!(put(&mut c, "k", 1), rc::OK, "writes have no quota");
}
