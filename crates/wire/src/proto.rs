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
        // The server still accepts version 0 on security messages, for old clients.
        if self.version != PROTO_VERSION && !(self.version == 0 && self.kind == TYPE_ADMIN) {
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

/// Whole AS_MSG frames, concatenated, repacked the way the server sends a block of a streamed
/// answer: consecutive successful records share one proto message, so a client reads a block
/// per header rather than a record; a frame with an error or the LAST flag keeps a message of
/// its own, as clients read its detail on its own. Anything but well-formed MSG frames comes
/// back as it was.
pub fn merge_msg_frames(frames: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames.len());
    let mut open: Option<usize> = None;
    let seal = |out: &mut Vec<u8>, open: &mut Option<usize>| {
        if let Some(start) = open.take() {
            let body_len = out.len() - start - HEADER_SIZE;
            write_header(&mut out[start..], TYPE_MSG, body_len);
        }
    };
    let mut rest = frames;
    while !rest.is_empty() {
        let Some(header) = rest.first_chunk::<HEADER_SIZE>().map(ProtoHeader::parse) else { return frames.to_vec() };
        let Some(body) = usize::try_from(header.size).ok().and_then(|n| rest.get(HEADER_SIZE..HEADER_SIZE + n)) else { return frames.to_vec() };
        if header.kind != TYPE_MSG {
            return frames.to_vec();
        }
        // Byte 3 of the message header is info3 (bit 0: LAST), byte 5 the result code.
        let alone = body.get(3).is_none_or(|info3| info3 & 1 != 0) || body.get(5).is_none_or(|code| *code != 0);
        if alone {
            seal(&mut out, &mut open);
            out.extend_from_slice(&rest[..HEADER_SIZE + body.len()]);
        } else {
            if open.is_none() {
                open = Some(out.len());
                out.extend_from_slice(&[0; HEADER_SIZE]);
            }
            out.extend_from_slice(body);
        }
        rest = &rest[HEADER_SIZE + body.len()..];
    }
    seal(&mut out, &mut open);
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

    #[test]
    fn merged_frames_are_one_message_of_the_same_bodies() {
        // A 22-byte message header: info3 at byte 3, the result code at byte 5.
        let msg = |info3: u8, code: u8, tail: &[u8]| {
            let mut body = vec![22, 0, 0, info3, 0, code];
            body.resize(22, 0);
            body.extend_from_slice(tail);
            frame(TYPE_MSG, &body)
        };
        let (a, b, err, last) = (msg(0, 0, b"a"), msg(0, 0, b"bb"), msg(0, 100, b"boom"), msg(1, 0, b""));
        let merged = merge_msg_frames(&[a.clone(), b.clone(), err.clone(), a.clone(), last.clone()].concat());
        let first = ProtoHeader::parse(merged.first_chunk::<HEADER_SIZE>().expect("a header"));
        assert_eq!((first.kind, first.size), (TYPE_MSG, 22 + 1 + 22 + 2), "the two records share a message");
        let rest = &merged[HEADER_SIZE + 47..];
        assert_eq!(&rest[..err.len()], &err[..], "an error keeps its own message");
        let rest = &rest[err.len()..];
        assert_eq!(&rest[..a.len()], &a[..]);
        assert_eq!(&rest[a.len()..], &last[..], "so does LAST");
        assert!(merge_msg_frames(&[]).is_empty());
        let info = frame(TYPE_INFO, b"x");
        assert_eq!(merge_msg_frames(&info), info, "not an AS_MSG: left alone");
        assert_eq!(merge_msg_frames(&a[..a.len() - 1]), a[..a.len() - 1].to_vec(), "cut short: left alone");
    }
}
