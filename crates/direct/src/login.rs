//! Logging the client's own connections in, as the crate logs its pool's in: the first
//! connection sends LOGIN (the password bcrypt-hashed as every client sends it; external auth
//! adds the clear password; PKI sends neither, its TLS certificate is the credential) and keeps
//! the session token the server answers with; later connections present the token
//! (AUTHENTICATE) until it nears its end, then log in again.

use std::io;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wire::admin::{self, command, field};
use wire::proto;

use crate::connections::Stream;

/// A session is renewed this long before the server would end it.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

pub(crate) enum Credentials {
    /// Internal users; `external` also sends the clear password (LDAP and the like).
    Password { user: String, password: String, external: bool },
    /// The TLS client certificate is the credential.
    Pki,
}

struct Session {
    token: Vec<u8>,
    /// None: the server set no end.
    renew_at: Option<Instant>,
}

pub(crate) struct Login {
    credentials: Credentials,
    /// The bcrypt hash, made at the first login (it costs tens of milliseconds).
    hashed: OnceLock<String>,
    session: parking_lot::Mutex<Option<Session>>,
}

/// What the server answered a login with, when it refused.
pub(crate) enum LoginError {
    Io(io::Error),
    Refused(u8),
}

impl From<io::Error> for LoginError {
    fn from(e: io::Error) -> Self {
        LoginError::Io(e)
    }
}

impl Login {
    pub(crate) fn new(mode: &aerospike::AuthMode) -> Option<Self> {
        let credentials = match mode {
            aerospike::AuthMode::None => return None,
            aerospike::AuthMode::Internal(user, password) => Credentials::Password { user: user.clone(), password: password.clone(), external: false },
            aerospike::AuthMode::External(user, password) | aerospike::AuthMode::ExternalInsecure(user, password) => {
                Credentials::Password { user: user.clone(), password: password.clone(), external: true }
            }
            aerospike::AuthMode::Pki => Credentials::Pki,
        };
        Some(Self { credentials, hashed: OnceLock::new(), session: parking_lot::Mutex::new(None) })
    }

    /// Authenticates a new connection: with the session's token while it lasts, else by
    /// logging in (which starts a new session).
    pub(crate) async fn authenticate(&self, stream: &mut Stream) -> Result<(), LoginError> {
        let token = self.session.lock().as_ref().filter(|s| s.renew_at.is_none_or(|at| Instant::now() < at)).map(|s| s.token.clone());
        if let Some(token) = token {
            let mut fields: Vec<(u8, &[u8])> = Vec::with_capacity(2);
            if let Credentials::Password { user, .. } = &self.credentials {
                fields.push((field::USER, user.as_bytes()));
            }
            fields.push((field::SESSION_TOKEN, &token));
            let (result, _) = exchange(stream, command::AUTHENTICATE, &fields).await?;
            if result == 0 {
                return Ok(());
            }
            // The session ended early (a restart, a changed password): log in afresh.
            self.session.lock().take();
        }
        let fields: Vec<(u8, &[u8])> = match &self.credentials {
            Credentials::Pki => Vec::new(),
            Credentials::Password { user, password, external } => {
                let hashed = self.hashed.get_or_init(|| admin::hash_password(password)).as_bytes();
                let mut fields = vec![(field::USER, user.as_bytes()), (field::CREDENTIAL, hashed)];
                if *external {
                    fields.push((field::CLEAR_PASSWORD, password.as_bytes()));
                }
                fields
            }
        };
        let (result, answer) = exchange(stream, command::LOGIN, &fields).await?;
        if result != 0 {
            return Err(LoginError::Refused(result));
        }
        let message = admin::parse(&answer).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, wire::DecodeError::from(e)))?;
        if let Some(token) = message.field(field::SESSION_TOKEN) {
            let ttl = message.field(field::SESSION_TTL).and_then(|t| <[u8; 4]>::try_from(t).ok()).map(u32::from_be_bytes);
            let renew_at = ttl.filter(|&t| t > 0).map(|t| Instant::now() + Duration::from_secs(u64::from(t)).saturating_sub(RENEW_BEFORE));
            *self.session.lock() = Some(Session { token: token.to_vec(), renew_at });
        }
        Ok(())
    }
}

/// Sends one admin request and reads its answer: the result code and the answer's body.
async fn exchange(stream: &mut Stream, command: u8, fields: &[(u8, &[u8])]) -> io::Result<(u8, Vec<u8>)> {
    stream.write_all(&proto::frame(proto::TYPE_ADMIN, &admin::encode_request(command, fields))).await?;
    let mut header = [0u8; proto::HEADER_SIZE];
    stream.read_exact(&mut header).await?;
    let header = proto::ProtoHeader::parse(&header);
    if header.kind != proto::TYPE_ADMIN || header.size > proto::MAX_INFO_BODY_SIZE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a login answered with proto type {} of {} bytes", header.kind, header.size)));
    }
    let mut body = vec![0u8; header.size as usize];
    stream.read_exact(&mut body).await?;
    let message = admin::parse(&body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, wire::DecodeError::from(e)))?;
    Ok((message.result, body))
}
