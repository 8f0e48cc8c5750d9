//! Aerospike's wire format, in one place: the 8-byte proto header that frames every message
//! ([`proto`]), the AS_MSG header, fields and ops ([`message`]), particle types ([`particle`]) and
//! the msgpack dialect of lists and maps ([`msgpack`]), encoding and decoding. The local server's
//! codec and the client's columnar decode path both use it, so the dialect is written once.
//!
//! Pure functions over byte slices: no sockets, no runtime, no Python. Decoding never trusts a
//! length or a count and never panics, whatever the bytes (see `tests/hostile.rs`).

#![cfg_attr(test, allow(clippy::expect_used, clippy::unwrap_used, clippy::panic))]

pub mod admin;
pub mod message;
pub mod msgpack;
pub mod particle;
pub mod proto;

/// Why bytes could not be decoded. Each becomes a result code or a closed connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for DecodeError {}

/// A cursor over a byte slice whose reads fail instead of panicking past the end.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError("truncated"))?;
        let out = self.buf.get(self.pos..end).ok_or(DecodeError("truncated"))?;
        self.pos = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_fails_past_the_end() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5]);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(0x0203));
        assert_eq!(r.position(), 3);
        assert_eq!(r.u32(), Err(DecodeError("truncated")));
        assert_eq!(r.remaining(), 2, "a failed read consumes nothing");
        assert_eq!(r.take(usize::MAX), Err(DecodeError("truncated")));
        assert_eq!(r.take(2), Ok(&[4u8, 5][..]));
    }
}
