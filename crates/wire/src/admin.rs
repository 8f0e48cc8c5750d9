//! The admin protocol (proto type 2): login, session authentication, and user and role
//! management. A message is a 16-byte header (scheme, result, command, field count, 12 reserved
//! bytes) and its fields, each a 4-byte big-endian size (counting the id byte), an id and the
//! data; an answer is the same header, carrying the result code, and fields (LOGIN's carry the
//! session token and its TTL). The local server parses requests and the client's own
//! connections log in with it.

use crate::{DecodeError, Reader};

pub mod command {
    pub const AUTHENTICATE: u8 = 0;
    pub const CREATE_USER: u8 = 1;
    pub const DROP_USER: u8 = 2;
    pub const SET_PASSWORD: u8 = 3;
    pub const CHANGE_PASSWORD: u8 = 4;
    pub const GRANT_ROLES: u8 = 5;
    pub const REVOKE_ROLES: u8 = 6;
    pub const QUERY_USERS: u8 = 9;
    pub const CREATE_ROLE: u8 = 10;
    pub const DROP_ROLE: u8 = 11;
    pub const GRANT_PRIVILEGES: u8 = 12;
    pub const REVOKE_PRIVILEGES: u8 = 13;
    pub const SET_WHITELIST: u8 = 14;
    pub const SET_QUOTAS: u8 = 15;
    pub const QUERY_ROLES: u8 = 16;
    pub const LOGIN: u8 = 20;
}

pub mod field {
    pub const USER: u8 = 0;
    pub const PASSWORD: u8 = 1;
    pub const OLD_PASSWORD: u8 = 2;
    pub const CREDENTIAL: u8 = 3;
    pub const CLEAR_PASSWORD: u8 = 4;
    pub const SESSION_TOKEN: u8 = 5;
    pub const SESSION_TTL: u8 = 6;
    pub const ROLES: u8 = 10;
    pub const ROLE: u8 = 11;
    pub const PRIVILEGES: u8 = 12;
    pub const WHITELIST: u8 = 13;
    pub const READ_QUOTA: u8 = 14;
    pub const WRITE_QUOTA: u8 = 15;
    pub const READ_INFO: u8 = 16;
    pub const WRITE_INFO: u8 = 17;
    pub const CONNECTIONS: u8 = 18;
}

pub const HEADER_SIZE: usize = 16;
/// The only scheme there is (`AS_SEC_MSG_SCHEME`).
pub const SCHEME: u8 = 0;

/// A decoded admin message (request or answer); fields borrow the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminMessage<'a> {
    pub scheme: u8,
    pub result: u8,
    pub command: u8,
    pub fields: Vec<(u8, &'a [u8])>,
}

impl<'a> AdminMessage<'a> {
    pub fn field(&self, id: u8) -> Option<&'a [u8]> {
        self.fields.iter().find(|(i, _)| *i == id).map(|(_, d)| *d)
    }
}

/// Where an admin message failed to decode: its header, or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminDecodeError {
    Header,
    Field,
}

/// Parses one admin message body (after the proto header). Lengths are checked against what
/// is left, never trusted.
pub fn parse(body: &[u8]) -> Result<AdminMessage<'_>, AdminDecodeError> {
    let mut r = Reader::new(body);
    let header = r.take(HEADER_SIZE).map_err(|_| AdminDecodeError::Header)?;
    let (scheme, result, command, n_fields) = (header[0], header[1], header[2], header[3]);
    let mut fields = Vec::with_capacity(usize::from(n_fields));
    for _ in 0..n_fields {
        let size = r.u32().map_err(|_| AdminDecodeError::Field)? as usize;
        if size == 0 {
            return Err(AdminDecodeError::Field);
        }
        let id = r.u8().map_err(|_| AdminDecodeError::Field)?;
        fields.push((id, r.take(size - 1).map_err(|_| AdminDecodeError::Field)?));
    }
    Ok(AdminMessage { scheme, result, command, fields })
}

/// A request body as the official clients write one (`as_admin.c`): the header, then each field.
pub fn encode_request(command: u8, fields: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_SIZE];
    out[2] = command;
    out[3] = u8::try_from(fields.len()).unwrap_or(u8::MAX);
    for (id, data) in fields {
        crate::message::write_field(&mut out, *id, data);
    }
    out
}

impl From<AdminDecodeError> for DecodeError {
    fn from(e: AdminDecodeError) -> Self {
        match e {
            AdminDecodeError::Header => DecodeError("an admin message shorter than its header"),
            AdminDecodeError::Field => DecodeError("an admin field past the message's end"),
        }
    }
}

/// The clients' constant salt: they send bcrypt(password, this) and never the password.
#[cfg(feature = "credential")]
pub const CLIENT_SALT: &str = "$2a$10$7EqJtq98hPqEX7fNZaFWoO";

/// What a client sends for `password` (its CREDENTIAL / PASSWORD field): bcrypt with the
/// clients' salt, cost 10. Empty only if bcrypt itself fails.
#[cfg(feature = "credential")]
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    // The salt is the 22 characters after the cost: bcrypt's base64 of 16 bytes.
    let encoded = &CLIENT_SALT[7..];
    if bcrypt_base64_decode(encoded, &mut salt).is_none() {
        return String::new();
    }
    match bcrypt::hash_with_salt(password, 10, salt) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(_) => String::new(),
    }
}

/// bcrypt's own base64 alphabet (`./A-Za-z0-9`), no padding: 22 characters carry 16 bytes.
#[cfg(feature = "credential")]
fn bcrypt_base64_decode(text: &str, out: &mut [u8; 16]) -> Option<()> {
    const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut acc = 0u32;
    let mut bits = 0;
    let mut n = 0;
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if n < out.len() {
                out[n] = (acc >> bits) as u8;
                n += 1;
            }
        }
    }
    (n == out.len()).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_parses_back_and_lying_lengths_are_refused() {
        let body = encode_request(command::LOGIN, &[(field::USER, b"alice"), (field::CREDENTIAL, b"hash")]);
        let m = parse(&body).expect("parses");
        assert_eq!((m.scheme, m.result, m.command), (SCHEME, 0, command::LOGIN));
        assert_eq!((m.field(field::USER), m.field(field::CREDENTIAL), m.field(field::ROLES)), (Some(&b"alice"[..]), Some(&b"hash"[..]), None));
        assert_eq!(parse(&body[..10]), Err(AdminDecodeError::Header));
        assert_eq!(parse(&body[..body.len() - 1]), Err(AdminDecodeError::Field));
    }
}
