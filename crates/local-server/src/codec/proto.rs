//! The 8-byte proto header that frames every message: version 2, a type, a 48-bit body size.

use super::DecodeError;

pub const PROTO_VERSION: u8 = 2;
pub const TYPE_INFO: u8 = 1;
pub const TYPE_ADMIN: u8 = 2;
pub const TYPE_MSG: u8 = 3;
pub const TYPE_COMPRESSED: u8 = 4;
pub const HEADER_SIZE: usize = 8;

/// The largest body we accept. A single record is at most 1 MiB, but a put of 32,767 bins or a
/// batch of many keys is bigger; anything beyond this is a broken or hostile client.
pub const MAX_BODY_SIZE: u64 = 64 * 1024 * 1024;
/// Info requests are short command lists.
pub const MAX_INFO_BODY_SIZE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoHeader {
    pub version: u8,
    pub kind: u8,
    pub size: u64,
}

impl ProtoHeader {
    pub fn parse(b: &[u8; HEADER_SIZE]) -> ProtoHeader {
        let mut size = 0u64;
        for &x in &b[2..8] {
            size = (size << 8) | u64::from(x);
        }
        ProtoHeader { version: b[0], kind: b[1], size }
    }

    /// Checks what can be checked before reading the body, so a bad size never allocates.
    pub fn validate(&self) -> Result<(), DecodeError> {
        if self.version != PROTO_VERSION {
            return Err(DecodeError("bad proto version"));
        }
        let limit = match self.kind {
            TYPE_INFO => MAX_INFO_BODY_SIZE,
            TYPE_ADMIN | TYPE_MSG | TYPE_COMPRESSED => MAX_BODY_SIZE,
            _ => return Err(DecodeError("unknown proto type")),
        };
        if self.size > limit {
            return Err(DecodeError("proto body too large"));
        }
        Ok(())
    }
}

/// Writes a header for a body of `size` bytes into the first 8 bytes of `out`.
pub fn write_header(out: &mut [u8], kind: u8, size: usize) {
    let size = size as u64;
    out[0] = PROTO_VERSION;
    out[1] = kind;
    for i in 0..6 {
        out[2 + i] = (size >> (8 * (5 - i))) as u8;
    }
}

/// A complete frame: header then body.
pub fn frame(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_SIZE];
    write_header(&mut out, kind, body.len());
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let f = frame(TYPE_MSG, &[1, 2, 3]);
        let mut h = [0u8; 8];
        h.copy_from_slice(&f[..8]);
        let p = ProtoHeader::parse(&h);
        assert_eq!(p, ProtoHeader { version: 2, kind: 3, size: 3 });
        assert!(p.validate().is_ok());
    }

    #[test]
    fn huge_sizes_rejected_before_reading() {
        let h = ProtoHeader::parse(&[2, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(h.validate().is_err());
        let h = ProtoHeader::parse(&[2, 1, 0, 0, 1, 0, 0, 0]);
        assert!(h.validate().is_err());
        let h = ProtoHeader::parse(&[9, 3, 0, 0, 0, 0, 0, 1]);
        assert!(h.validate().is_err());
        let h = ProtoHeader::parse(&[2, 77, 0, 0, 0, 0, 0, 1]);
        assert!(h.validate().is_err());
    }
}
