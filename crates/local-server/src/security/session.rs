//! Login session tokens: a LOGIN answers one, and every further connection of the client
//! presents it (AUTHENTICATE) instead of the password, until it expires (`session-ttl`).
//!
//! A token is 32 unguessable bytes the server remembers, bound to its user and to the
//! user's password generation: a password change retires the tokens issued before it, so the
//! client must log in again with the new password.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::result_code as rc;

pub const TOKEN_SIZE: usize = 32;

#[derive(Debug, Clone)]
struct Session {
    user: String,
    generation: u64,
    expires: Instant,
}

#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<Vec<u8>, Session>>,
    counter: AtomicU64,
}

impl Sessions {
    /// A new token for `user` at password `generation`, valid for `ttl`.
    pub fn issue(&self, user: &str, generation: u64, ttl: Duration) -> Vec<u8> {
        let token = self.fresh_token();
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, s| s.expires > now);
        live.insert(token.clone(), Session { user: user.to_string(), generation, expires: now + ttl });
        token
    }

    /// Whether `token` authenticates `user`, whose password is now at `generation`: 65 for a
    /// token this server never issued (or issued to someone else), 66 for one expired or
    /// retired by a password change.
    pub fn check(&self, token: &[u8], user: &str, generation: u64) -> Result<(), u8> {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let session = live.get(token).ok_or(rc::INVALID_CREDENTIAL)?;
        if !super::same_secret(session.user.as_bytes(), user.as_bytes()) {
            return Err(rc::INVALID_CREDENTIAL);
        }
        if session.expires <= Instant::now() || session.generation != generation {
            live.remove(token);
            return Err(rc::EXPIRED_SESSION);
        }
        Ok(())
    }

    /// The user `token` was issued to, if it is one this server issued.
    pub fn user_of(&self, token: &[u8]) -> Option<String> {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).get(token).map(|s| s.user.clone())
    }

    /// Forgets every token of `user` (dropped).
    pub fn forget_user(&self, user: &str) {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, s| s.user != user);
    }

    /// 32 bytes from the process's randomly keyed SipHash (std's `RandomState`, seeded from
    /// the OS), over a counter and the clock: unguessable without a random-number crate.
    fn fresh_token(&self) -> Vec<u8> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let mut out = Vec::with_capacity(TOKEN_SIZE);
        for lane in 0..(TOKEN_SIZE / 8) as u64 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(n);
            h.write_u64(lane);
            h.write_u128(nanos);
            out.extend_from_slice(&h.finish().to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_authenticates_its_user_until_it_expires() {
        let s = Sessions::default();
        let t = s.issue("ann", 0, Duration::from_secs(60));
        assert_eq!(t.len(), TOKEN_SIZE);
        assert_eq!(s.check(&t, "ann", 0), Ok(()));
        assert_eq!(s.check(&t, "bob", 0), Err(rc::INVALID_CREDENTIAL), "someone else's token");
        assert_eq!(s.check(b"forged", "ann", 0), Err(rc::INVALID_CREDENTIAL));
        assert_ne!(s.issue("ann", 0, Duration::from_secs(60)), t, "tokens are never reused");

        let short = s.issue("ann", 0, Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(s.check(&short, "ann", 0), Err(rc::EXPIRED_SESSION));
    }

    #[test]
    fn a_password_change_retires_earlier_tokens() {
        let s = Sessions::default();
        let t = s.issue("ann", 3, Duration::from_secs(60));
        assert_eq!(s.check(&t, "ann", 4), Err(rc::EXPIRED_SESSION));
        assert_eq!(s.check(&t, "ann", 3), Err(rc::INVALID_CREDENTIAL), "and it is gone for good");
        let t = s.issue("ann", 4, Duration::from_secs(60));
        s.forget_user("ann");
        assert_eq!(s.check(&t, "ann", 4), Err(rc::INVALID_CREDENTIAL));
    }
}
