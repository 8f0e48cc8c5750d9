use std::net::IpAddr;
use std::time::Duration;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

#[test]
fn the_client_hash_is_bcrypt_with_the_constant_salt() {
    let h = hash_password("admin");
    assert_eq!(h.len(), 60);
    assert!(h.starts_with(CLIENT_SALT), "{h}");
    assert_eq!(hash_password("admin"), h, "the same password always hashes the same");
    assert_ne!(hash_password("admin2"), h);
    assert!(bcrypt::verify("admin", &h).unwrap_or(false));
}

#[test]
fn a_fresh_server_has_admin_with_user_admin_only() {
    let sec = Security::new(Duration::from_secs(60));
    let state = sec.state();
    let admin = state.users.get("admin").expect("admin");
    assert_eq!(admin.roles, BTreeSet::from(["user-admin".to_string()]));
    assert_eq!(admin.hash, hash_password("admin"));
    drop(state);
    assert_eq!(sec.permits("admin", perm::USER_ADMIN, None, b""), Ok(()));
    assert_eq!(sec.permits("admin", perm::READ, Some(b"test"), b""), Err(rc::ROLE_VIOLATION), "user-admin reads no data");
    assert_eq!(sec.permits("nobody", perm::READ, Some(b"test"), b""), Err(rc::NOT_AUTHENTICATED));
}

#[test]
fn privileges_reach_their_scope_only() {
    let sec = Security::new(Duration::from_secs(60));
    {
        let mut state = sec.state();
        let privileges = BTreeSet::from([
            Privilege { code: code::READ, ns: "test".into(), set: String::new() },
            Privilege { code: code::WRITE, ns: "test".into(), set: "open".into() },
        ]);
        state.roles.insert("scoped".into(), Role { privileges, ..Role::default() });
        state.users.insert("ann".into(), User { hash: String::new(), roles: BTreeSet::from(["scoped".into()]), generation: 0 });
    }
    assert_eq!(sec.permits("ann", perm::READ, Some(b"test"), b"any"), Ok(()));
    assert_eq!(sec.permits("ann", perm::READ, Some(b"bar"), b""), Err(rc::ROLE_VIOLATION));
    assert_eq!(sec.permits("ann", perm::WRITE, Some(b"test"), b"open"), Ok(()));
    assert_eq!(sec.permits("ann", perm::WRITE, Some(b"test"), b"closed"), Err(rc::ROLE_VIOLATION));
    assert_eq!(sec.permits("ann", perm::WRITE | perm::READ, Some(b"test"), b"open"), Ok(()), "two privileges together");
    assert_eq!(sec.permits("ann", perm::READ, None, b""), Err(rc::ROLE_VIOLATION), "a scoped privilege is not global");
    assert_eq!(sec.missing("ann", perm::WRITE | perm::READ, Some(b"test"), b"closed"), perm::WRITE);
}

#[test]
fn admin_privileges_cannot_be_scoped() {
    let scoped = |code| Privilege { code, ns: "test".into(), set: String::new() };
    assert_eq!(scoped(code::USER_ADMIN).validate(), Err(rc::INVALID_PRIVILEGE));
    assert_eq!(scoped(code::SINDEX_ADMIN).validate(), Err(rc::INVALID_PRIVILEGE));
    assert_eq!(scoped(code::READ).validate(), Ok(()));
    assert_eq!(scoped(code::TRUNCATE).validate(), Ok(()));
    assert_eq!(Privilege::global(9).validate(), Err(rc::INVALID_PRIVILEGE), "no such code");
    assert_eq!(Privilege { code: code::READ, ns: String::new(), set: "s".into() }.validate(), Err(rc::INVALID_PRIVILEGE), "a set needs its namespace");
}

#[test]
fn whitelists_take_addresses_and_cidr_blocks() {
    let block = |s| AddrBlock::parse(s).expect("valid");
    assert!(block("10.1.0.0/16").contains(ip("10.1.200.3")));
    assert!(!block("10.1.0.0/16").contains(ip("10.2.0.1")));
    assert!(block("127.0.0.1").contains(ip("127.0.0.1")));
    assert!(block("127.0.0.1").contains(ip("::ffff:127.0.0.1")), "an IPv4 client on an IPv6 socket");
    assert!(block("0.0.0.0/0").contains(ip("8.8.8.8")));
    assert!(block("fe80::/10").contains(ip("fe80::1")));
    for bad in ["10.1.0.0/33", "10.1.0", "host.example", "", "::/129", "1.2.3.4/x"] {
        assert!(AddrBlock::parse(bad).is_none(), "{bad}");
    }

    let sec = Security::new(Duration::from_secs(60));
    {
        let mut state = sec.state();
        state.roles.insert("office".into(), Role { whitelist: vec!["192.168.0.0/24".into()], ..Role::default() });
        state.roles.insert("home".into(), Role { whitelist: vec!["10.0.0.7".into()], ..Role::default() });
        let roles = BTreeSet::from(["office".to_string(), "home".to_string(), "read".to_string()]);
        state.users.insert("ann".into(), User { hash: String::new(), roles, generation: 0 });
    }
    assert_eq!(sec.whitelisted("ann", ip("192.168.0.9")), Ok(()));
    assert_eq!(sec.whitelisted("ann", ip("10.0.0.7")), Ok(()), "the union of the roles' lists");
    assert_eq!(sec.whitelisted("ann", ip("127.0.0.1")), Err(rc::NOT_WHITELISTED));
    assert_eq!(sec.whitelisted("admin", ip("8.8.8.8")), Ok(()), "no list: anywhere");
}

#[test]
fn quotas_come_from_the_users_roles() {
    let sec = Security::new(Duration::from_secs(60));
    {
        let mut state = sec.state();
        state.roles.insert("slow".into(), Role { read_quota: 2, ..Role::default() });
        state.roles.insert("slower".into(), Role { read_quota: 1, write_quota: 5, ..Role::default() });
        let roles = BTreeSet::from(["slow".to_string(), "slower".to_string()]);
        state.users.insert("ann".into(), User { hash: String::new(), roles, generation: 0 });
    }
    assert_eq!(sec.quota("ann", false), 2, "the largest of the roles'");
    assert_eq!(sec.quota("ann", true), 5);
    assert_eq!(sec.quota("admin", false), 0);
}
