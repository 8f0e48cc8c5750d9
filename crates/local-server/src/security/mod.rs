//! Access control as Aerospike Enterprise enforces it, because Aerospike CE has none and users'
//! production clusters usually do: a client written against this server must meet the same
//! logins, the same refusals and the same result codes it will meet in production.
//!
//! This module holds the model: users (bcrypt hashes, as the real server stores them), roles
//! (the ten predefined ones and custom roles of scoped privileges, whitelists and quotas), and
//! the one question every request asks of it: may this user do this, here, now?
//! `admin` is the admin protocol (proto type 2) and its commands, `session` the login
//! tokens, `quota` the rate meters. The connection's own state (who logged in on it, from
//! which address) lives with the connection in `net`; storage never hears of any of this.
//!
//! Without security (the default) none of this runs: `net` answers every admin message as
//! CE's `security_ce.c` does, 51 "not supported".

pub mod access;
pub mod admin;
pub mod quota;
pub mod session;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::result_code as rc;

/// Permissions, one bit each, numbered as the server's `as_sec_perm` (`security.h`).
pub mod perm {
    pub const READ: u64 = 0x0001;
    pub const QUERY: u64 = 0x0002;
    pub const WRITE: u64 = 0x0004;
    pub const DELETE: u64 = 0x0008;
    pub const UDF_APPLY: u64 = 0x0010;
    pub const UDF_QUERY: u64 = 0x0020;
    pub const OPS_QUERY: u64 = 0x0040;
    pub const UDF_ADMIN: u64 = 0x0001_0000;
    pub const SINDEX_ADMIN: u64 = 0x0002_0000;
    pub const QUERY_ADMIN: u64 = 0x0004_0000;
    pub const TRUNCATE: u64 = 0x0008_0000;
    pub const EVICT_ADMIN: u64 = 0x0010_0000;
    pub const RECORD_INFO: u64 = 0x0020_0000;
    pub const SET_CONFIG: u64 = 0x0100_0000;
    pub const LOGGING_CTRL: u64 = 0x0200_0000;
    pub const SERVICE_CTRL: u64 = 0x0400_0000;
    pub const XDR_SET_FILTER: u64 = 0x0800_0000;
    pub const USER_ADMIN: u64 = 0x1000_0000_0000;

    /// The name the server's info errors give a permission ("requires permission 'truncate'").
    pub fn name(p: u64) -> &'static str {
        match p {
            READ => "read",
            QUERY => "query",
            WRITE => "write",
            DELETE => "delete",
            UDF_APPLY => "udf-apply",
            UDF_QUERY => "udf-query",
            OPS_QUERY => "ops-query",
            UDF_ADMIN => "udf-admin",
            SINDEX_ADMIN => "sindex-admin",
            QUERY_ADMIN => "query-admin",
            TRUNCATE => "truncate",
            EVICT_ADMIN => "evict-admin",
            RECORD_INFO => "record-info",
            SET_CONFIG => "set-config",
            LOGGING_CTRL => "logging-ctrl",
            SERVICE_CTRL => "service-ctrl",
            XDR_SET_FILTER => "xdr-set-filter",
            USER_ADMIN => "user-admin",
            _ => "unknown",
        }
    }
}

/// Privilege codes as the clients send them (`as_privilege_code`, `PrivilegeCode`).
pub mod code {
    pub const USER_ADMIN: u8 = 0;
    pub const SYS_ADMIN: u8 = 1;
    pub const DATA_ADMIN: u8 = 2;
    pub const UDF_ADMIN: u8 = 3;
    pub const SINDEX_ADMIN: u8 = 4;
    pub const READ: u8 = 10;
    pub const READ_WRITE: u8 = 11;
    pub const READ_WRITE_UDF: u8 = 12;
    pub const WRITE: u8 = 13;
    pub const TRUNCATE: u8 = 14;
}

/// The predefined roles: each is one global privilege of the same name.
pub const PREDEFINED_ROLES: [(&str, u8); 10] = [
    ("data-admin", code::DATA_ADMIN),
    ("read", code::READ),
    ("read-write", code::READ_WRITE),
    ("read-write-udf", code::READ_WRITE_UDF),
    ("sindex-admin", code::SINDEX_ADMIN),
    ("sys-admin", code::SYS_ADMIN),
    ("truncate", code::TRUNCATE),
    ("udf-admin", code::UDF_ADMIN),
    ("user-admin", code::USER_ADMIN),
    ("write", code::WRITE),
];

/// What a privilege code allows, or `None` for a code no server knows.
pub fn code_perms(c: u8) -> Option<u64> {
    use perm::*;
    let read = READ | QUERY;
    let write = WRITE | DELETE;
    let read_write = read | write | OPS_QUERY;
    let data_admin = UDF_ADMIN | SINDEX_ADMIN | QUERY_ADMIN | TRUNCATE;
    Some(match c {
        code::USER_ADMIN => USER_ADMIN,
        code::SYS_ADMIN => data_admin | SET_CONFIG | LOGGING_CTRL | SERVICE_CTRL | EVICT_ADMIN | XDR_SET_FILTER,
        code::DATA_ADMIN => data_admin,
        code::UDF_ADMIN => UDF_ADMIN,
        code::SINDEX_ADMIN => SINDEX_ADMIN,
        code::READ => read | RECORD_INFO,
        code::READ_WRITE => read_write | RECORD_INFO,
        code::READ_WRITE_UDF => read_write | RECORD_INFO | UDF_APPLY | UDF_QUERY,
        code::WRITE => write,
        code::TRUNCATE => TRUNCATE,
        _ => return None,
    })
}

/// Administration privileges (codes below READ) apply to the whole server: the clients refuse
/// to send them with a scope, and the server refuses them so scoped.
pub fn code_is_global_only(c: u8) -> bool {
    c < code::READ
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Privilege {
    pub code: u8,
    /// Empty: every namespace.
    pub ns: String,
    /// Empty: every set of `ns`.
    pub set: String,
}

impl Privilege {
    pub fn global(code: u8) -> Privilege {
        Privilege { code, ns: String::new(), set: String::new() }
    }

    /// Whether the privilege reaches a record of `ns`/`set`; `ns` `None` asks for global scope.
    fn covers(&self, ns: Option<&[u8]>, set: &[u8]) -> bool {
        if self.ns.is_empty() {
            return true;
        }
        match ns {
            Some(ns) => self.ns.as_bytes() == ns && (self.set.is_empty() || self.set.as_bytes() == set),
            None => false,
        }
    }

    /// Scoped privileges must name a namespace before a set, and only data privileges scope.
    pub fn validate(&self) -> Result<(), u8> {
        if code_perms(self.code).is_none() {
            return Err(rc::INVALID_PRIVILEGE);
        }
        let scoped = !self.ns.is_empty() || !self.set.is_empty();
        if scoped && code_is_global_only(self.code) || self.ns.is_empty() && !self.set.is_empty() {
            return Err(rc::INVALID_PRIVILEGE);
        }
        Ok(())
    }
}

/// One allowed client address: an IP, or a CIDR block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrBlock {
    addr: IpAddr,
    prefix: u8,
}

impl AddrBlock {
    pub fn parse(text: &str) -> Option<AddrBlock> {
        let (ip, prefix) = match text.split_once('/') {
            Some((ip, p)) => (ip, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let addr: IpAddr = ip.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(AddrBlock { addr, prefix })
    }

    pub fn contains(&self, peer: IpAddr) -> bool {
        let peer = match (self.addr, peer) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(peer),
            _ => peer,
        };
        match (self.addr, peer) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

/// A custom role. Predefined roles are not stored: `PREDEFINED_ROLES` names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    pub privileges: BTreeSet<Privilege>,
    /// As the client sent them, each valid.
    pub whitelist: Vec<String>,
    /// Records per second; 0: no quota.
    pub read_quota: u32,
    pub write_quota: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// bcrypt(password, the clients' constant salt): what clients send as CREDENTIAL.
    pub hash: String,
    pub roles: BTreeSet<String>,
    /// Bumped when the password changes: tokens issued before then stop authenticating.
    pub generation: u64,
}

/// Users and custom roles.
#[derive(Debug, Default)]
pub struct State {
    pub users: BTreeMap<String, User>,
    pub roles: BTreeMap<String, Role>,
    /// Authenticated connections per user (query users' CONNECTIONS).
    pub connections: BTreeMap<String, u32>,
}

impl State {
    pub fn role_exists(&self, name: &str) -> bool {
        predefined(name).is_some() || self.roles.contains_key(name)
    }

    /// The privileges a role grants, predefined or custom.
    fn role_privileges(&self, name: &str) -> Vec<Privilege> {
        match predefined(name) {
            Some(c) => vec![Privilege::global(c)],
            None => self.roles.get(name).map(|r| r.privileges.iter().cloned().collect()).unwrap_or_default(),
        }
    }

    fn user_roles<'a>(&'a self, user: &'a User) -> impl Iterator<Item = &'a Role> + 'a {
        user.roles.iter().filter_map(|r| self.roles.get(r))
    }
}

pub fn predefined(name: &str) -> Option<u8> {
    PREDEFINED_ROLES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// The server's security: shared by all its nodes, as a real cluster shares its users.
pub struct Security {
    state: Mutex<State>,
    pub sessions: session::Sessions,
    pub meters: quota::Meters,
    pub session_ttl: Duration,
}

/// The password EE starts with for `admin`.
pub const DEFAULT_ADMIN: (&str, &str) = ("admin", "admin");

impl Security {
    /// A fresh server: the user `admin`/`admin` with role `user-admin`, as EE starts.
    pub fn new(session_ttl: Duration) -> Security {
        let mut state = State::default();
        let (name, password) = DEFAULT_ADMIN;
        let user = User { hash: hash_password(password), roles: BTreeSet::from(["user-admin".to_string()]), generation: 0 };
        state.users.insert(name.to_string(), user);
        Security { state: Mutex::new(state), sessions: session::Sessions::default(), meters: quota::Meters::default(), session_ttl }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps whole (every change is one insert or
        // remove), so carrying on with them is safe.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `user` may do everything in `wanted` to a record of `ns`/`set` (`ns` `None`:
    /// a server-wide action): 80 when the user is gone, 81 when a permission is missing.
    pub fn permits(&self, user: &str, wanted: u64, ns: Option<&[u8]>, set: &[u8]) -> Result<(), u8> {
        let state = self.state();
        let u = state.users.get(user).ok_or(rc::NOT_AUTHENTICATED)?;
        let mut granted = 0u64;
        for role in &u.roles {
            for p in state.role_privileges(role) {
                if p.covers(ns, set) {
                    granted |= code_perms(p.code).unwrap_or(0);
                }
            }
        }
        if granted & wanted == wanted {
            Ok(())
        } else {
            Err(rc::ROLE_VIOLATION)
        }
    }

    /// The first permission of `wanted` that `user` lacks, for info errors that name it.
    pub fn missing(&self, user: &str, wanted: u64, ns: Option<&[u8]>, set: &[u8]) -> u64 {
        (0..64).map(|b| 1u64 << b).filter(|b| wanted & b != 0).find(|&b| self.permits(user, b, ns, set).is_err()).unwrap_or(wanted)
    }

    /// Whether `user` may connect from `peer`: the union of the whitelists of its roles that
    /// have one; a user none of whose roles has one may connect from anywhere.
    pub fn whitelisted(&self, user: &str, peer: IpAddr) -> Result<(), u8> {
        let state = self.state();
        let u = state.users.get(user).ok_or(rc::INVALID_USER)?;
        let mut any = false;
        for role in state.user_roles(u) {
            for entry in &role.whitelist {
                any = true;
                if AddrBlock::parse(entry).is_some_and(|b| b.contains(peer)) {
                    return Ok(());
                }
            }
        }
        if any {
            Err(rc::NOT_WHITELISTED)
        } else {
            Ok(())
        }
    }

    /// The user's quota of `write`s or reads per second: the largest its roles set; 0: none.
    pub fn quota(&self, user: &str, write: bool) -> u32 {
        let state = self.state();
        let Some(u) = state.users.get(user) else { return 0 };
        state.user_roles(u).map(|r| if write { r.write_quota } else { r.read_quota }).max().unwrap_or(0)
    }

    /// Counts `n` records read or written by `user` against its quota: 83 once exceeded.
    pub fn admit(&self, user: &str, write: bool, n: u32) -> Result<(), u8> {
        let quota = self.quota(user, write);
        self.meters.admit(user, write, n, quota)
    }

    /// A connection authenticated as `user` (or stopped being).
    pub fn connection_opened(&self, user: &str) {
        *self.state().connections.entry(user.to_string()).or_default() += 1;
    }

    pub fn connection_closed(&self, user: &str) {
        let mut state = self.state();
        if let Some(n) = state.connections.get_mut(user) {
            *n = n.saturating_sub(1);
        }
    }
}

/// What clients send for a password, and the salt they hash it with (one definition, in `wire`).
pub use wire::admin::{hash_password, CLIENT_SALT};

/// The password the clients' `create_pki_user` sends (hashed): a user created with it has no
/// password and logs in only with a TLS client certificate (PKI).
pub const PKI_ONLY_PASSWORD: &str = "nopassword";

/// Whether `hash` is that of a PKI-only user.
pub fn is_pki_only(hash: &str) -> bool {
    static PKI_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    same_secret(hash.as_bytes(), PKI_HASH.get_or_init(|| hash_password(PKI_ONLY_PASSWORD)).as_bytes())
}

/// Equal bytes, in time that does not depend on where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
