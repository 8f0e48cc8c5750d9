//! The admin protocol, byte for byte as the official clients write and read it.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::security::{code, hash_password};

/// A request the way `as_admin.c` writes one: header, then fields.
fn request(command: u8, fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let borrowed: Vec<(u8, &[u8])> = fields.iter().map(|(id, data)| (*id, data.as_slice())).collect();
    encode_request(command, &borrowed)
}

fn s(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

fn privileges(list: &[(u8, &str, &str)]) -> Vec<u8> {
    let mut out = vec![list.len() as u8];
    for (c, ns, set) in list {
        out.push(*c);
        if *c >= code::READ {
            out.push(ns.len() as u8);
            out.extend_from_slice(ns.as_bytes());
            out.push(set.len() as u8);
            out.extend_from_slice(set.as_bytes());
        }
    }
    out
}

/// One record of an answer: its result code and its fields.
type Answer = (u8, Vec<(u8, Vec<u8>)>);

/// The records of an answer, across its frames.
fn frames(mut bytes: &[u8]) -> Vec<Answer> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let h = proto::ProtoHeader::parse(bytes[..8].try_into().expect("a header"));
        assert_eq!((h.version, h.kind), (2, proto::TYPE_ADMIN));
        let mut body = &bytes[8..8 + h.size as usize];
        bytes = &bytes[8 + h.size as usize..];
        while !body.is_empty() {
            let (result, n) = (body[1], body[3]);
            let mut at = HEADER_SIZE;
            let mut fields = Vec::new();
            for _ in 0..n {
                let size = u32::from_be_bytes(body[at..at + 4].try_into().expect("size")) as usize;
                fields.push((body[at + 4], body[at + 5..at + 4 + size].to_vec()));
                at += 4 + size;
            }
            out.push((result, fields));
            body = &body[at..];
        }
    }
    out
}

fn code_of(answer: &[u8]) -> u8 {
    frames(answer)[0].0
}

struct Client {
    sec: Security,
    user: Option<String>,
    peer: IpAddr,
}

impl Client {
    fn new() -> Client {
        Client { sec: Security::new(Duration::from_secs(600)), user: None, peer: "127.0.0.1".parse().expect("ip") }
    }

    fn send(&mut self, command: u8, fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
        handle(&self.sec, Caller { user: &mut self.user, peer: self.peer, cert_user: None }, &request(command, fields))
    }

    fn code(&mut self, command: u8, fields: &[(u8, Vec<u8>)]) -> u8 {
        code_of(&self.send(command, fields))
    }

    fn login(&mut self, user: &str, password: &str) -> u8 {
        self.code(command::LOGIN, &[(field::USER, s(user)), (field::CREDENTIAL, s(&hash_password(password)))])
    }
}

#[test]
fn login_answers_a_token_and_its_ttl_and_authenticate_accepts_it() {
    let mut c = Client::new();
    let answer = c.send(command::LOGIN, &[(field::USER, s("admin")), (field::CREDENTIAL, s(&hash_password("admin")))]);
    let f = frames(&answer);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, rc::OK);
    let token = f[0].1.iter().find(|(id, _)| *id == field::SESSION_TOKEN).expect("a token").1.clone();
    let ttl = f[0].1.iter().find(|(id, _)| *id == field::SESSION_TTL).expect("a ttl").1.clone();
    assert_eq!(ttl, 600u32.to_be_bytes().to_vec());
    assert_eq!(c.user.as_deref(), Some("admin"));

    let mut other = Client { sec: Security::new(Duration::from_secs(600)), user: None, peer: c.peer };
    std::mem::swap(&mut other.sec, &mut c.sec);
    assert_eq!(other.code(command::AUTHENTICATE, &[(field::USER, s("admin")), (field::SESSION_TOKEN, token.clone())]), rc::OK);
    assert_eq!(other.user.as_deref(), Some("admin"));
    let mut third = Client { sec: Security::new(Duration::from_secs(1)), user: None, peer: c.peer };
    std::mem::swap(&mut third.sec, &mut other.sec);
    assert_eq!(third.code(command::AUTHENTICATE, &[(field::USER, s("admin")), (field::SESSION_TOKEN, s("forged"))]), rc::INVALID_CREDENTIAL);
    assert_eq!(third.user, None);
}

#[test]
fn login_refuses_bad_credentials() {
    let mut c = Client::new();
    assert_eq!(c.login("admin", "wrong"), rc::INVALID_CREDENTIAL);
    assert_eq!(c.login("nobody", "admin"), rc::INVALID_USER);
    assert_eq!(c.code(command::LOGIN, &[(field::USER, s("admin"))]), rc::INVALID_CREDENTIAL);
    assert_eq!(c.user, None);
    // An external-auth client also sends the password itself.
    let clear = [(field::USER, s("admin")), (field::CLEAR_PASSWORD, s("admin"))];
    assert_eq!(c.code(command::LOGIN, &clear), rc::OK);
}

#[test]
fn tokens_expire() {
    let mut c = Client::new();
    c.sec.session_ttl = Duration::from_millis(1);
    let f = frames(&c.send(command::LOGIN, &[(field::USER, s("admin")), (field::CREDENTIAL, s(&hash_password("admin")))]));
    let token = f[0].1.iter().find(|(id, _)| *id == field::SESSION_TOKEN).expect("a token").1.clone();
    std::thread::sleep(Duration::from_millis(5));
    c.user = None;
    assert_eq!(c.code(command::AUTHENTICATE, &[(field::USER, s("admin")), (field::SESSION_TOKEN, token)]), rc::EXPIRED_SESSION);
}

#[test]
fn nothing_but_login_runs_before_it() {
    let mut c = Client::new();
    assert_eq!(c.code(command::QUERY_USERS, &[]), rc::NOT_AUTHENTICATED);
    assert_eq!(c.code(command::CREATE_USER, &[(field::USER, s("x"))]), rc::NOT_AUTHENTICATED);
    assert_eq!(c.code(command::CHANGE_PASSWORD, &[]), rc::NOT_AUTHENTICATED);
}

#[test]
fn users_are_created_granted_revoked_and_dropped() {
    let mut c = Client::new();
    assert_eq!(c.login("admin", "admin"), rc::OK);
    let create = |name: &str, r: &[&str]| vec![(field::USER, s(name)), (field::PASSWORD, s(&hash_password("pw"))), (field::ROLES, encode_roles(r))];
    assert_eq!(c.code(command::CREATE_USER, &create("ann", &["read"])), rc::OK);
    assert_eq!(c.code(command::CREATE_USER, &create("ann", &["read"])), rc::USER_ALREADY_EXISTS);
    assert_eq!(c.code(command::CREATE_USER, &create("bob", &["no-such-role"])), rc::INVALID_ROLE);
    assert_eq!(c.code(command::CREATE_USER, &[(field::USER, s("bob")), (field::ROLES, encode_roles(&[]))]), rc::INVALID_PASSWORD);
    assert_eq!(c.code(command::CREATE_USER, &create("", &[])), rc::INVALID_USER);
    assert_eq!(c.code(command::GRANT_ROLES, &[(field::USER, s("ann")), (field::ROLES, encode_roles(&["write", "truncate"]))]), rc::OK);
    assert_eq!(c.code(command::REVOKE_ROLES, &[(field::USER, s("ann")), (field::ROLES, encode_roles(&["truncate"]))]), rc::OK);
    assert_eq!(c.code(command::GRANT_ROLES, &[(field::USER, s("zed")), (field::ROLES, encode_roles(&["read"]))]), rc::INVALID_USER);

    let f = frames(&c.send(command::QUERY_USERS, &[(field::USER, s("ann"))]));
    assert_eq!(f.len(), 2, "the user, then QUERY_END");
    assert_eq!(f[0].0, rc::OK);
    assert_eq!(f[0].1[0], (field::USER, s("ann")));
    assert_eq!(f[0].1[1], (field::ROLES, encode_roles(&["read", "write"])));
    assert_eq!(f[1], (rc::QUERY_END, vec![]));
    let all = frames(&c.send(command::QUERY_USERS, &[]));
    let names: Vec<Vec<u8>> = all.iter().filter(|f| f.0 == rc::OK).map(|f| f.1[0].1.clone()).collect();
    assert_eq!(names, vec![s("admin"), s("ann")]);
    assert_eq!(c.code(command::QUERY_USERS, &[(field::USER, s("zed"))]), rc::INVALID_USER);

    assert_eq!(c.code(command::DROP_USER, &[(field::USER, s("ann"))]), rc::OK);
    assert_eq!(c.code(command::DROP_USER, &[(field::USER, s("ann"))]), rc::INVALID_USER);
}

#[test]
fn only_user_admins_manage_but_anyone_changes_their_own_password() {
    let mut c = Client::new();
    assert_eq!(c.login("admin", "admin"), rc::OK);
    let ann = [(field::USER, s("ann")), (field::PASSWORD, s(&hash_password("pw"))), (field::ROLES, encode_roles(&["read-write"]))];
    assert_eq!(c.code(command::CREATE_USER, &ann), rc::OK);
    assert_eq!(c.login("ann", "pw"), rc::OK);
    assert_eq!(c.code(command::CREATE_USER, &[(field::USER, s("eve")), (field::PASSWORD, s("x"))]), rc::ROLE_VIOLATION);
    assert_eq!(c.code(command::QUERY_ROLES, &[]), rc::ROLE_VIOLATION);
    assert_eq!(c.code(command::QUERY_USERS, &[]), rc::ROLE_VIOLATION);
    assert_eq!(c.code(command::QUERY_USERS, &[(field::USER, s("ann"))]), rc::OK, "a user may look at itself");
    let change = |old: &str, new: &str| {
        vec![(field::USER, s("ann")), (field::OLD_PASSWORD, s(&hash_password(old))), (field::PASSWORD, s(&hash_password(new)))]
    };
    assert_eq!(c.code(command::CHANGE_PASSWORD, &change("wrong", "pw2")), rc::INVALID_PASSWORD);
    assert_eq!(c.code(command::CHANGE_PASSWORD, &change("pw", "pw2")), rc::OK);
    assert_eq!(c.user.as_deref(), Some("ann"), "the connection stays logged in");
    assert_eq!(c.login("ann", "pw"), rc::INVALID_CREDENTIAL);
    assert_eq!(c.login("ann", "pw2"), rc::OK);
    let admin_pw = [(field::USER, s("admin")), (field::OLD_PASSWORD, s(&hash_password("admin"))), (field::PASSWORD, s("x"))];
    assert_eq!(c.code(command::CHANGE_PASSWORD, &admin_pw), rc::ROLE_VIOLATION, "someone else's password");
    assert_eq!(c.code(command::SET_PASSWORD, &[(field::USER, s("ann")), (field::PASSWORD, s("x"))]), rc::ROLE_VIOLATION);

    assert_eq!(c.login("admin", "admin"), rc::OK);
    assert_eq!(c.code(command::SET_PASSWORD, &[(field::USER, s("ann")), (field::PASSWORD, s(&hash_password("pw3")))]), rc::OK);
    assert_eq!(c.login("ann", "pw2"), rc::INVALID_CREDENTIAL);
    assert_eq!(c.login("ann", "pw3"), rc::OK);
}

#[test]
fn a_password_change_retires_the_users_tokens() {
    let mut c = Client::new();
    let f = frames(&c.send(command::LOGIN, &[(field::USER, s("admin")), (field::CREDENTIAL, s(&hash_password("admin")))]));
    let token = f[0].1.iter().find(|(id, _)| *id == field::SESSION_TOKEN).expect("a token").1.clone();
    let change = [(field::USER, s("admin")), (field::OLD_PASSWORD, s(&hash_password("admin"))), (field::PASSWORD, s(&hash_password("new")))];
    assert_eq!(c.code(command::CHANGE_PASSWORD, &change), rc::OK);
    let auth = [(field::USER, s("admin")), (field::SESSION_TOKEN, token)];
    assert_eq!(c.code(command::AUTHENTICATE, &auth), rc::EXPIRED_SESSION);
}

#[test]
fn roles_are_created_changed_queried_and_dropped() {
    let mut c = Client::new();
    assert_eq!(c.login("admin", "admin"), rc::OK);
    let role = |name: &str| (field::ROLE, s(name));
    let privs = privileges(&[(code::READ, "test", "demo"), (code::WRITE, "test", "")]);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r1"), (field::PRIVILEGES, privs.clone())]), rc::OK);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r1")]), rc::ROLE_ALREADY_EXISTS);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("read")]), rc::ROLE_ALREADY_EXISTS, "a predefined name");
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r2"), (field::PRIVILEGES, vec![1, code::USER_ADMIN])]), rc::OK, "global user-admin");
    // Written by hand: the clients refuse to scope an admin privilege; one that scopes it
    // anyway sends a namespace and set where the layout has none.
    let scoped_admin = vec![1, code::USER_ADMIN, 4, b't', b'e', b's', b't', 0];
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r3"), (field::PRIVILEGES, scoped_admin)]), rc::INVALID_PRIVILEGE);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r3"), (field::PRIVILEGES, vec![1, code::SYS_ADMIN])]), rc::OK);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r4"), (field::PRIVILEGES, vec![1, 99, 0, 0])]), rc::INVALID_PRIVILEGE);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r4"), (field::PRIVILEGES, vec![1, 7])]), rc::INVALID_PRIVILEGE);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r4"), (field::WHITELIST, s("10.0.0.0/8,bogus"))]), rc::INVALID_WHITELIST);
    assert_eq!(c.code(command::CREATE_ROLE, &[role("r4"), (field::READ_QUOTA, (-1i32).to_be_bytes().to_vec())]), rc::INVALID_QUOTA);
    let full = [role("r4"), (field::WHITELIST, s("10.0.0.0/8,127.0.0.1")), (field::READ_QUOTA, 5u32.to_be_bytes().to_vec())];
    assert_eq!(c.code(command::CREATE_ROLE, &full), rc::OK);

    let grant = privileges(&[(code::TRUNCATE, "bar", "")]);
    assert_eq!(c.code(command::GRANT_PRIVILEGES, &[role("r1"), (field::PRIVILEGES, grant.clone())]), rc::OK);
    assert_eq!(c.code(command::REVOKE_PRIVILEGES, &[role("r1"), (field::PRIVILEGES, privileges(&[(code::WRITE, "test", "")]))]), rc::OK);
    assert_eq!(c.code(command::GRANT_PRIVILEGES, &[role("read"), (field::PRIVILEGES, grant.clone())]), rc::INVALID_ROLE, "predefined roles are fixed");
    assert_eq!(c.code(command::GRANT_PRIVILEGES, &[role("nope"), (field::PRIVILEGES, grant)]), rc::INVALID_ROLE);
    assert_eq!(c.code(command::SET_WHITELIST, &[role("r1"), (field::WHITELIST, s("192.168.1.0/24"))]), rc::OK);
    let quotas = [role("r1"), (field::READ_QUOTA, 10u32.to_be_bytes().to_vec()), (field::WRITE_QUOTA, 20u32.to_be_bytes().to_vec())];
    assert_eq!(c.code(command::SET_QUOTAS, &quotas), rc::OK);

    let f = frames(&c.send(command::QUERY_ROLES, &[role("r1")]));
    assert_eq!(f.len(), 2);
    let fields = &f[0].1;
    assert_eq!(fields[0], role("r1"));
    assert_eq!(fields[1], (field::PRIVILEGES, privileges(&[(code::READ, "test", "demo"), (code::TRUNCATE, "bar", "")])));
    assert_eq!(fields[2], (field::WHITELIST, s("192.168.1.0/24")));
    assert_eq!(fields[3], (field::READ_QUOTA, 10u32.to_be_bytes().to_vec()));
    assert_eq!(fields[4], (field::WRITE_QUOTA, 20u32.to_be_bytes().to_vec()));
    let all = frames(&c.send(command::QUERY_ROLES, &[]));
    assert_eq!(all.iter().filter(|f| f.0 == rc::OK).count(), 10 + 4, "the predefined roles and ours");
    let read = frames(&c.send(command::QUERY_ROLES, &[role("read")]));
    assert_eq!(read[0].1[1], (field::PRIVILEGES, privileges(&[(code::READ, "", "")])));

    let ann = [(field::USER, s("ann")), (field::PASSWORD, s("h")), (field::ROLES, encode_roles(&["r1"]))];
    assert_eq!(c.code(command::CREATE_USER, &ann), rc::OK);
    assert_eq!(c.code(command::DROP_ROLE, &[role("r1")]), rc::OK);
    assert_eq!(c.code(command::DROP_ROLE, &[role("r1")]), rc::INVALID_ROLE);
    assert_eq!(c.code(command::DROP_ROLE, &[role("read-write")]), rc::INVALID_ROLE);
    let f = frames(&c.send(command::QUERY_USERS, &[(field::USER, s("ann"))]));
    assert_eq!(f[0].1[1], (field::ROLES, encode_roles(&[])), "a dropped role leaves its users");
}

#[test]
fn login_checks_the_whitelist() {
    let mut c = Client::new();
    assert_eq!(c.login("admin", "admin"), rc::OK);
    let fenced = [(field::ROLE, s("fenced")), (field::PRIVILEGES, privileges(&[(code::READ, "", "")])), (field::WHITELIST, s("10.0.0.0/8"))];
    assert_eq!(c.code(command::CREATE_ROLE, &fenced), rc::OK);
    let ann = [(field::USER, s("ann")), (field::PASSWORD, s(&hash_password("pw"))), (field::ROLES, encode_roles(&["fenced"]))];
    assert_eq!(c.code(command::CREATE_USER, &ann), rc::OK);
    c.user = None;
    assert_eq!(c.login("ann", "pw"), rc::NOT_WHITELISTED);
    assert_eq!(c.user, None);
    c.peer = "10.1.2.3".parse().expect("ip");
    assert_eq!(c.login("ann", "pw"), rc::OK);
}

#[test]
fn hostile_messages_get_a_result_code() {
    let mut c = Client::new();
    assert_eq!(code_of(&handle(&c.sec, Caller { user: &mut c.user, peer: c.peer, cert_user: None }, &[0, 0, 20])), rc::INVALID_COMMAND);
    let mut bad_scheme = request(command::LOGIN, &[]);
    bad_scheme[0] = 7;
    assert_eq!(code_of(&handle(&c.sec, Caller { user: &mut c.user, peer: c.peer, cert_user: None }, &bad_scheme)), rc::SECURITY_SCHEME);
    // A field longer than the message, a zero-sized field, more fields than sent.
    let mut lying = request(command::LOGIN, &[(field::USER, s("admin"))]);
    lying[HEADER_SIZE..HEADER_SIZE + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(code_of(&handle(&c.sec, Caller { user: &mut c.user, peer: c.peer, cert_user: None }, &lying)), rc::INVALID_FIELD);
    let mut zero = request(command::LOGIN, &[(field::USER, s("admin"))]);
    zero[HEADER_SIZE..HEADER_SIZE + 4].copy_from_slice(&0u32.to_be_bytes());
    assert_eq!(code_of(&handle(&c.sec, Caller { user: &mut c.user, peer: c.peer, cert_user: None }, &zero)), rc::INVALID_FIELD);
    let mut many = request(command::LOGIN, &[(field::USER, s("admin"))]);
    many[3] = 255;
    assert_eq!(code_of(&handle(&c.sec, Caller { user: &mut c.user, peer: c.peer, cert_user: None }, &many)), rc::INVALID_FIELD);
    assert_eq!(c.login("admin", "admin"), rc::OK);
    assert_eq!(c.code(77, &[]), rc::INVALID_COMMAND);
    // Counts that promise more than the field holds.
    assert_eq!(c.code(command::CREATE_USER, &[(field::USER, s("x")), (field::PASSWORD, s("p")), (field::ROLES, vec![200, 3, b'a'])]), rc::INVALID_FIELD);
    assert_eq!(c.code(command::CREATE_ROLE, &[(field::ROLE, s("x")), (field::PRIVILEGES, vec![255, 10, 9])]), rc::INVALID_FIELD);
    assert_eq!(c.code(command::SET_QUOTAS, &[(field::ROLE, s("x")), (field::READ_QUOTA, vec![1, 2])]), rc::INVALID_QUOTA);
    assert_eq!(c.code(command::CREATE_USER, &[(field::USER, vec![0xff, 0xfe]), (field::PASSWORD, s("p"))]), rc::INVALID_FIELD);
    // Whatever the bytes, an answer and no panic.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for len in 0..400 {
        let mut body: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        if let Some(b) = body.first_mut() {
            *b = 0;
        }
        let answer = handle(&c.sec, Caller { user: &mut c.user, peer: c.peer, cert_user: None }, &body);
        assert!(!frames(&answer).is_empty());
    }
}
