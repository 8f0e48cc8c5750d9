//! The admin protocol (proto type 2): login, session authentication, and user and role
//! management, laid out as the official clients write and read it (C `as_admin.c`, Java
//! `AdminCommand`/`LoginCommand`, the Rust crate's `admin_command.rs`).
//!
//! A message is a 16-byte header (scheme, result, command, field count, 12 reserved bytes)
//! and its fields, each a 4-byte big-endian size (counting the id byte), an id and the data.
//! A command's answer is a header carrying the result code (LOGIN adds the session token and
//! its TTL); a query's answer is one header-and-fields record per user or role, ended by a
//! record whose result is QUERY_END (50). Whatever arrives, the answer is a result code: a
//! truncated or lying message is refused with 54/55, never trusted.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::{predefined, AddrBlock, Privilege, Role, Security, User, PREDEFINED_ROLES};
use crate::codec::{proto, Reader};
use crate::result_code as rc;

pub use wire::admin::{command, encode_request, field, HEADER_SIZE, SCHEME};

/// User and role names are at most 63 bytes (the server's `MAX_USER_SIZE` with its NUL).
const MAX_NAME: usize = 63;

/// A decoded admin message; fields borrow the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub command: u8,
    pub fields: Vec<(u8, &'a [u8])>,
}

impl<'a> Request<'a> {
    pub fn field(&self, id: u8) -> Option<&'a [u8]> {
        self.fields.iter().find(|(i, _)| *i == id).map(|(_, d)| *d)
    }

    fn text(&self, id: u8) -> Result<Option<&'a str>, u8> {
        self.field(id).map(|d| std::str::from_utf8(d).map_err(|_| rc::INVALID_FIELD)).transpose()
    }
}

/// A ROLES field's data as the clients write it: a count, then each name after its length
/// (the inverse of `parse_roles`).
pub fn encode_roles(names: &[&str]) -> Vec<u8> {
    let mut out = vec![u8::try_from(names.len()).unwrap_or(u8::MAX)];
    for name in names {
        out.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(name.as_bytes());
    }
    out
}

pub fn parse(body: &[u8]) -> Result<Request<'_>, u8> {
    let message = wire::admin::parse(body).map_err(|e| match e {
        wire::admin::AdminDecodeError::Header => rc::INVALID_COMMAND,
        wire::admin::AdminDecodeError::Field => rc::INVALID_FIELD,
    })?;
    if message.scheme != SCHEME {
        return Err(rc::SECURITY_SCHEME);
    }
    Ok(Request { command: message.command, fields: message.fields })
}

/// Builds one record of an answer: a header and fields.
struct Record {
    buf: Vec<u8>,
    n_fields: u8,
}

impl Record {
    fn new(result: u8) -> Record {
        let mut buf = vec![0u8; HEADER_SIZE];
        buf[1] = result;
        Record { buf, n_fields: 0 }
    }

    fn field(&mut self, id: u8, data: &[u8]) -> &mut Self {
        self.field_with(id, |b| b.extend_from_slice(data))
    }

    fn field_with(&mut self, id: u8, write: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0, 0, 0, 0, id]);
        write(&mut self.buf);
        let size = (self.buf.len() - at - 4) as u32;
        self.buf[at..at + 4].copy_from_slice(&size.to_be_bytes());
        self.n_fields += 1;
        self
    }

    fn finish(mut self) -> Vec<u8> {
        self.buf[3] = self.n_fields;
        self.buf
    }
}

/// A complete admin frame carrying only `result`.
pub fn reply(result: u8) -> Vec<u8> {
    proto::frame(proto::TYPE_ADMIN, &Record::new(result).finish())
}

/// What a connection knows of its login, which the admin commands read and change.
pub struct Caller<'a> {
    /// The user this connection authenticated as, if it did.
    pub user: &'a mut Option<String>,
    pub peer: IpAddr,
    /// The common name of the connection's verified TLS client certificate, if any: the user
    /// a PKI login (a LOGIN without a user) is.
    pub cert_user: Option<&'a str>,
}

/// Answers one admin message body with a complete frame.
pub fn handle(sec: &Security, caller: Caller<'_>, body: &[u8]) -> Vec<u8> {
    let req = match parse(body) {
        Ok(req) => req,
        Err(code) => return reply(code),
    };
    match run(sec, caller, &req) {
        Ok(frame) => frame,
        Err(code) => reply(code),
    }
}

fn run(sec: &Security, caller: Caller<'_>, req: &Request<'_>) -> Result<Vec<u8>, u8> {
    use command::*;
    match req.command {
        LOGIN => return login(sec, caller, req),
        AUTHENTICATE => return authenticate(sec, caller, req).map(|()| reply(rc::OK)),
        _ => {}
    }
    let me = caller.user.clone().ok_or(rc::NOT_AUTHENTICATED)?;
    let admin = || sec.permits(&me, super::perm::USER_ADMIN, None, &[]);
    match req.command {
        CHANGE_PASSWORD => {
            let user = req.text(field::USER)?.unwrap_or(&me);
            if user != me {
                admin()?;
            }
            change_password(sec, req, user)?;
        }
        QUERY_USERS => {
            let user = req.text(field::USER)?;
            if user != Some(me.as_str()) {
                admin()?;
            }
            return query_users(sec, user);
        }
        CREATE_USER | DROP_USER | SET_PASSWORD | GRANT_ROLES | REVOKE_ROLES | CREATE_ROLE | DROP_ROLE | GRANT_PRIVILEGES
        | REVOKE_PRIVILEGES | SET_WHITELIST | SET_QUOTAS | QUERY_ROLES => {
            admin()?;
            if req.command == QUERY_ROLES {
                return query_roles(sec, req.text(field::ROLE)?);
            }
            manage(sec, req)?;
        }
        _ => return Err(rc::INVALID_COMMAND),
    }
    Ok(reply(rc::OK))
}

fn login(sec: &Security, caller: Caller<'_>, req: &Request<'_>) -> Result<Vec<u8>, u8> {
    if req.field(field::USER).is_none() {
        return pki_login(sec, caller);
    }
    let name = req.text(field::USER)?.ok_or(rc::INVALID_USER)?;
    let generation = {
        let state = sec.state();
        let user = state.users.get(name).ok_or(rc::INVALID_USER)?;
        let presented = match (req.field(field::CREDENTIAL), req.text(field::CLEAR_PASSWORD)?) {
            (Some(credential), _) => credential.to_vec(),
            // External-auth clients also send the password itself; hash it as clients do.
            (None, Some(clear)) => super::hash_password(clear).into_bytes(),
            (None, None) => return Err(rc::INVALID_CREDENTIAL),
        };
        if !super::same_secret(&presented, user.hash.as_bytes()) {
            return Err(rc::INVALID_CREDENTIAL);
        }
        // A PKI user (created with the clients' "nopassword") logs in only by certificate.
        if super::is_pki_only(&user.hash) {
            return Err(rc::INVALID_CREDENTIAL);
        }
        user.generation
    };
    start_session(sec, caller, name, generation)
}

/// A PKI login (EE's `AuthMode::Pki`): a LOGIN with no fields on a TLS connection whose
/// client certificate the server verified; the user is the certificate's common name, and
/// must exist. Without a certificate there is nothing to log in with.
fn pki_login(sec: &Security, caller: Caller<'_>) -> Result<Vec<u8>, u8> {
    let name = caller.cert_user.ok_or(rc::INVALID_CREDENTIAL)?.to_string();
    let generation = sec.state().users.get(&name).map(|u| u.generation).ok_or(rc::INVALID_USER)?;
    start_session(sec, caller, &name, generation)
}

/// A login's end: the whitelist, then a session token the client presents on its other
/// connections.
fn start_session(sec: &Security, caller: Caller<'_>, name: &str, generation: u64) -> Result<Vec<u8>, u8> {
    sec.whitelisted(name, caller.peer)?;
    let token = sec.sessions.issue(name, generation, sec.session_ttl);
    *caller.user = Some(name.to_string());
    let ttl = u32::try_from(sec.session_ttl.as_secs()).unwrap_or(u32::MAX);
    let mut record = Record::new(rc::OK);
    record.field(field::SESSION_TOKEN, &token).field(field::SESSION_TTL, &ttl.to_be_bytes());
    Ok(proto::frame(proto::TYPE_ADMIN, &record.finish()))
}

fn authenticate(sec: &Security, caller: Caller<'_>, req: &Request<'_>) -> Result<(), u8> {
    let token = req.field(field::SESSION_TOKEN).ok_or(rc::INVALID_CREDENTIAL)?;
    // A PKI session presents its token alone: the token says whose it is.
    let owner;
    let name = match req.text(field::USER)? {
        Some(name) => name,
        None => {
            owner = sec.sessions.user_of(token).ok_or(rc::INVALID_CREDENTIAL)?;
            owner.as_str()
        }
    };
    let generation = sec.state().users.get(name).map(|u| u.generation).ok_or(rc::INVALID_USER)?;
    sec.sessions.check(token, name, generation)?;
    sec.whitelisted(name, caller.peer)?;
    *caller.user = Some(name.to_string());
    Ok(())
}

fn change_password(sec: &Security, req: &Request<'_>, name: &str) -> Result<(), u8> {
    let old = req.field(field::OLD_PASSWORD).ok_or(rc::INVALID_PASSWORD)?;
    let new = password(req)?;
    let mut state = sec.state();
    let user = state.users.get_mut(name).ok_or(rc::INVALID_USER)?;
    if !super::same_secret(old, user.hash.as_bytes()) {
        return Err(rc::INVALID_PASSWORD);
    }
    user.hash = new;
    user.generation += 1;
    Ok(())
}

/// The PASSWORD field: the client's bcrypt hash of the new password.
fn password(req: &Request<'_>) -> Result<String, u8> {
    match req.text(field::PASSWORD)? {
        Some(p) if !p.is_empty() && p.len() <= 255 => Ok(p.to_string()),
        _ => Err(rc::INVALID_PASSWORD),
    }
}

fn name(req: &Request<'_>, id: u8, invalid: u8) -> Result<String, u8> {
    match req.text(id)? {
        Some(n) if !n.is_empty() && n.len() <= MAX_NAME => Ok(n.to_string()),
        _ => Err(invalid),
    }
}

/// The user- and role-changing commands, the caller's user-admin already checked.
fn manage(sec: &Security, req: &Request<'_>) -> Result<(), u8> {
    use command::*;
    match req.command {
        CREATE_USER | DROP_USER | SET_PASSWORD | GRANT_ROLES | REVOKE_ROLES => manage_user(sec, req),
        _ => manage_role(sec, req),
    }
}

fn manage_user(sec: &Security, req: &Request<'_>) -> Result<(), u8> {
    use command::*;
    let user = name(req, field::USER, rc::INVALID_USER)?;
    let roles = match req.field(field::ROLES) {
        Some(data) => parse_roles(data)?,
        None => BTreeSet::new(),
    };
    let mut state = sec.state();
    if roles.iter().any(|r| !state.role_exists(r)) {
        return Err(rc::INVALID_ROLE);
    }
    match req.command {
        CREATE_USER => {
            let hash = password(req)?;
            if state.users.contains_key(&user) {
                return Err(rc::USER_ALREADY_EXISTS);
            }
            state.users.insert(user, User { hash, roles, generation: 0 });
        }
        DROP_USER => {
            state.users.remove(&user).ok_or(rc::INVALID_USER)?;
            drop(state);
            sec.sessions.forget_user(&user);
        }
        SET_PASSWORD => {
            let hash = password(req)?;
            let u = state.users.get_mut(&user).ok_or(rc::INVALID_USER)?;
            u.hash = hash;
            u.generation += 1;
        }
        GRANT_ROLES | REVOKE_ROLES => {
            if req.field(field::ROLES).is_none() {
                return Err(rc::INVALID_ROLE);
            }
            let u = state.users.get_mut(&user).ok_or(rc::INVALID_USER)?;
            if req.command == GRANT_ROLES {
                u.roles.extend(roles);
            } else {
                u.roles.retain(|r| !roles.contains(r));
            }
        }
        _ => return Err(rc::INVALID_COMMAND),
    }
    Ok(())
}

fn manage_role(sec: &Security, req: &Request<'_>) -> Result<(), u8> {
    use command::*;
    let role_name = name(req, field::ROLE, rc::INVALID_ROLE)?;
    let privileges = req.field(field::PRIVILEGES).map(parse_privileges).transpose()?;
    let whitelist = req.text(field::WHITELIST)?.map(parse_whitelist).transpose()?;
    let read_quota = req.field(field::READ_QUOTA).map(parse_quota).transpose()?;
    let write_quota = req.field(field::WRITE_QUOTA).map(parse_quota).transpose()?;
    let mut state = sec.state();
    if req.command == CREATE_ROLE {
        if state.role_exists(&role_name) {
            return Err(rc::ROLE_ALREADY_EXISTS);
        }
        let role = Role {
            privileges: privileges.unwrap_or_default(),
            whitelist: whitelist.unwrap_or_default(),
            read_quota: read_quota.unwrap_or(0),
            write_quota: write_quota.unwrap_or(0),
        };
        state.roles.insert(role_name, role);
        return Ok(());
    }
    // The predefined roles cannot be changed or dropped.
    if predefined(&role_name).is_some() {
        return Err(rc::INVALID_ROLE);
    }
    if req.command == DROP_ROLE {
        state.roles.remove(&role_name).ok_or(rc::INVALID_ROLE)?;
        for user in state.users.values_mut() {
            user.roles.remove(&role_name);
        }
        return Ok(());
    }
    let role = state.roles.get_mut(&role_name).ok_or(rc::INVALID_ROLE)?;
    match req.command {
        GRANT_PRIVILEGES => role.privileges.extend(privileges.ok_or(rc::INVALID_PRIVILEGE)?),
        REVOKE_PRIVILEGES => {
            let gone = privileges.ok_or(rc::INVALID_PRIVILEGE)?;
            role.privileges.retain(|p| !gone.contains(p));
        }
        SET_WHITELIST => role.whitelist = whitelist.unwrap_or_default(),
        SET_QUOTAS => {
            if let Some(q) = read_quota {
                role.read_quota = q;
            }
            if let Some(q) = write_quota {
                role.write_quota = q;
            }
        }
        _ => return Err(rc::INVALID_COMMAND),
    }
    Ok(())
}

/// ROLES: a count, then each name as a length byte and its bytes.
fn parse_roles(data: &[u8]) -> Result<BTreeSet<String>, u8> {
    let mut r = Reader::new(data);
    let n = r.u8().map_err(|_| rc::INVALID_FIELD)?;
    let mut out = BTreeSet::new();
    for _ in 0..n {
        let len = r.u8().map_err(|_| rc::INVALID_FIELD)?;
        let bytes = r.take(usize::from(len)).map_err(|_| rc::INVALID_FIELD)?;
        let role = std::str::from_utf8(bytes).map_err(|_| rc::INVALID_ROLE)?;
        if role.is_empty() {
            return Err(rc::INVALID_ROLE);
        }
        out.insert(role.to_string());
    }
    Ok(out)
}

/// PRIVILEGES: a count, then each a code and, for data privileges (code >= READ), the
/// namespace and set as length-prefixed strings.
fn parse_privileges(data: &[u8]) -> Result<BTreeSet<Privilege>, u8> {
    let mut r = Reader::new(data);
    let n = r.u8().map_err(|_| rc::INVALID_FIELD)?;
    let mut out = BTreeSet::new();
    for _ in 0..n {
        let code = r.u8().map_err(|_| rc::INVALID_FIELD)?;
        let mut p = Privilege::global(code);
        if code >= super::code::READ {
            let mut scope = || -> Result<String, u8> {
                let len = r.u8().map_err(|_| rc::INVALID_FIELD)?;
                let bytes = r.take(usize::from(len)).map_err(|_| rc::INVALID_FIELD)?;
                std::str::from_utf8(bytes).map(str::to_string).map_err(|_| rc::INVALID_PRIVILEGE)
            };
            p.ns = scope()?;
            p.set = scope()?;
        }
        p.validate()?;
        out.insert(p);
    }
    // Bytes past the last privilege are a scope the layout has no room for: an
    // administration privilege sent with a namespace.
    if r.remaining() != 0 {
        return Err(rc::INVALID_PRIVILEGE);
    }
    Ok(out)
}

/// WHITELIST: addresses and CIDR blocks, comma-separated.
fn parse_whitelist(text: &str) -> Result<Vec<String>, u8> {
    let entries: Vec<String> = text.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_string).collect();
    if entries.iter().any(|e| AddrBlock::parse(e).is_none()) {
        return Err(rc::INVALID_WHITELIST);
    }
    Ok(entries)
}

/// A quota: 4 bytes, records per second, not negative as the clients' signed int.
fn parse_quota(data: &[u8]) -> Result<u32, u8> {
    let bytes: [u8; 4] = data.try_into().map_err(|_| rc::INVALID_QUOTA)?;
    let q = i32::from_be_bytes(bytes);
    u32::try_from(q).map_err(|_| rc::INVALID_QUOTA)
}

/// The answer to a query: its records in one message, then QUERY_END in its own.
fn stream(records: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    if !records.is_empty() {
        out = proto::frame(proto::TYPE_ADMIN, &records.concat());
    }
    out.extend_from_slice(&reply(rc::QUERY_END));
    out
}

fn query_users(sec: &Security, only: Option<&str>) -> Result<Vec<u8>, u8> {
    let state = sec.state();
    let names: Vec<&String> = match only {
        Some(name) => vec![state.users.get_key_value(name).ok_or(rc::INVALID_USER)?.0],
        None => state.users.keys().collect(),
    };
    let quotas = |user: &User, write: bool| {
        let roles = user.roles.iter().filter_map(|r| state.roles.get(r));
        roles.map(|r| if write { r.write_quota } else { r.read_quota }).max().unwrap_or(0)
    };
    let mut records = Vec::with_capacity(names.len());
    for name in names {
        let Some(user) = state.users.get(name) else { continue };
        let mut rec = Record::new(rc::OK);
        rec.field(field::USER, name.as_bytes());
        rec.field_with(field::ROLES, |b| {
            let roles: Vec<&String> = user.roles.iter().take(255).collect();
            b.push(roles.len() as u8);
            for role in roles {
                let bytes = &role.as_bytes()[..role.len().min(255)];
                b.push(bytes.len() as u8);
                b.extend_from_slice(bytes);
            }
        });
        for (id, write) in [(field::READ_INFO, false), (field::WRITE_INFO, true)] {
            // [quota, records this second, scan/query rps, scans without an rps limit]
            let info = [quotas(user, write), sec.meters.current(name, write), 0, 0];
            rec.field_with(id, |b| {
                b.push(info.len() as u8);
                info.iter().for_each(|v| b.extend_from_slice(&v.to_be_bytes()));
            });
        }
        let conns = state.connections.get(name).copied().unwrap_or(0);
        rec.field(field::CONNECTIONS, &conns.to_be_bytes());
        records.push(rec.finish());
    }
    Ok(stream(records))
}

fn query_roles(sec: &Security, only: Option<&str>) -> Result<Vec<u8>, u8> {
    let state = sec.state();
    let mut roles: Vec<(String, Role)> = PREDEFINED_ROLES
        .iter()
        .map(|(n, c)| (n.to_string(), Role { privileges: BTreeSet::from([Privilege::global(*c)]), ..Role::default() }))
        .chain(state.roles.iter().map(|(n, r)| (n.clone(), r.clone())))
        .collect();
    roles.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(name) = only {
        roles.retain(|(n, _)| n == name);
        if roles.is_empty() {
            return Err(rc::INVALID_ROLE);
        }
    }
    let records = roles
        .iter()
        .map(|(name, role)| {
            let mut rec = Record::new(rc::OK);
            rec.field(field::ROLE, name.as_bytes());
            rec.field_with(field::PRIVILEGES, |b| {
                let privileges: Vec<&Privilege> = role.privileges.iter().take(255).collect();
                b.push(privileges.len() as u8);
                for p in privileges {
                    b.push(p.code);
                    if p.code >= super::code::READ {
                        for s in [&p.ns, &p.set] {
                            let bytes = &s.as_bytes()[..s.len().min(255)];
                            b.push(bytes.len() as u8);
                            b.extend_from_slice(bytes);
                        }
                    }
                }
            });
            if !role.whitelist.is_empty() {
                rec.field(field::WHITELIST, role.whitelist.join(",").as_bytes());
            }
            if role.read_quota > 0 {
                rec.field(field::READ_QUOTA, &role.read_quota.to_be_bytes());
            }
            if role.write_quota > 0 {
                rec.field(field::WRITE_QUOTA, &role.write_quota.to_be_bytes());
            }
            rec.finish()
        })
        .collect();
    Ok(stream(records))
}

/// CE's answer to every admin message (`security_ce.c` `as_security_transact`): a bare
/// header, result 51 "security not supported", whatever the message was, login included.
pub fn not_supported() -> Vec<u8> {
    reply(rc::SECURITY_NOT_SUPPORTED)
}

#[cfg(test)]
mod tests;
