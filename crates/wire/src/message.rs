//! AS_MSG (proto type 3): the 22-byte message header, its fields and its ops, parsed from a
//! body and built for responses.

use super::{proto, DecodeError, Reader};

pub const MSG_HEADER_SIZE: u8 = 22;

pub mod info1 {
    pub const READ: u8 = 1;
    pub const GET_ALL: u8 = 1 << 1;
    pub const SHORT_QUERY: u8 = 1 << 2;
    pub const BATCH: u8 = 1 << 3;
    pub const XDR: u8 = 1 << 4;
    pub const GET_NOBINDATA: u8 = 1 << 5;
    pub const READ_MODE_AP_ALL: u8 = 1 << 6;
    pub const COMPRESS_RESPONSE: u8 = 1 << 7;
}
pub mod info2 {
    pub const WRITE: u8 = 1;
    pub const DELETE: u8 = 1 << 1;
    pub const GENERATION: u8 = 1 << 2;
    pub const GENERATION_GT: u8 = 1 << 3;
    pub const DURABLE_DELETE: u8 = 1 << 4;
    pub const CREATE_ONLY: u8 = 1 << 5;
    pub const RELAX_AP_LONG_QUERY: u8 = 1 << 6;
    pub const RESPOND_ALL_OPS: u8 = 1 << 7;
}
pub mod info3 {
    pub const LAST: u8 = 1;
    pub const COMMIT_MASTER: u8 = 1 << 1;
    pub const PARTITION_DONE: u8 = 1 << 2;
    pub const UPDATE_ONLY: u8 = 1 << 3;
    pub const CREATE_OR_REPLACE: u8 = 1 << 4;
    pub const REPLACE_ONLY: u8 = 1 << 5;
    pub const SC_READ_TYPE: u8 = 1 << 6;
    pub const SC_READ_RELAX: u8 = 1 << 7;
}

pub mod field {
    pub const NAMESPACE: u8 = 0;
    pub const SET: u8 = 1;
    pub const KEY: u8 = 2;
    pub const RECORD_VERSION: u8 = 3;
    pub const DIGEST: u8 = 4;
    pub const MRT_ID: u8 = 5;
    pub const MRT_DEADLINE: u8 = 6;
    pub const QUERY_ID: u8 = 7;
    pub const SOCKET_TIMEOUT: u8 = 9;
    pub const RECORDS_PER_SECOND: u8 = 10;
    pub const PID_ARRAY: u8 = 11;
    pub const DIGEST_ARRAY: u8 = 12;
    pub const MAX_RECORDS: u8 = 13;
    pub const BVAL_ARRAY: u8 = 15;
    pub const INDEX_NAME: u8 = 21;
    pub const INDEX_RANGE: u8 = 22;
    pub const INDEX_CONTEXT: u8 = 23;
    pub const INDEX_EXPRESSION: u8 = 24;
    pub const INDEX_TYPE: u8 = 26;
    pub const UDF_PACKAGE_NAME: u8 = 30;
    pub const UDF_FUNCTION: u8 = 31;
    pub const UDF_ARGLIST: u8 = 32;
    pub const UDF_OP: u8 = 33;
    pub const QUERY_BINLIST: u8 = 40;
    pub const BATCH_INDEX: u8 = 41;
    pub const BATCH_INDEX_WITH_SET: u8 = 42;
    pub const FILTER_EXP: u8 = 43;
}

pub mod op {
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const CDT_READ: u8 = 3;
    pub const CDT_MODIFY: u8 = 4;
    pub const INCR: u8 = 5;
    pub const EXP_READ: u8 = 7;
    pub const EXP_MODIFY: u8 = 8;
    pub const APPEND: u8 = 9;
    pub const PREPEND: u8 = 10;
    pub const TOUCH: u8 = 11;
    pub const BIT_READ: u8 = 12;
    pub const BIT_MODIFY: u8 = 13;
    pub const DELETE: u8 = 14;
    pub const HLL_READ: u8 = 15;
    pub const HLL_MODIFY: u8 = 16;
    /// String operations arrived in server 8.2; 8.1 refuses them.
    pub const STRING: u8 = 18;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgHeader {
    pub header_sz: u8,
    pub info1: u8,
    pub info2: u8,
    pub info3: u8,
    pub info4: u8,
    pub result_code: u8,
    pub generation: u32,
    pub record_ttl: u32,
    pub transaction_ttl: u32,
    pub n_fields: u16,
    pub n_ops: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub kind: u8,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op<'a> {
    pub op: u8,
    pub particle: u8,
    pub flags: u8,
    pub name: &'a [u8],
    pub value: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    pub header: MsgHeader,
    pub fields: Vec<Field<'a>>,
    pub ops: Vec<Op<'a>>,
}

impl<'a> Message<'a> {
    pub fn field(&self, kind: u8) -> Option<&'a [u8]> {
        self.fields.iter().find(|f| f.kind == kind).map(|f| f.data)
    }
}

/// Parses a whole AS_MSG body (after the proto header). Every length is checked against what
/// is actually left, so a lying length fails here instead of reading or allocating past it.
pub fn parse(body: &[u8]) -> Result<Message<'_>, DecodeError> {
    let mut r = Reader::new(body);
    let header = parse_header(&mut r)?;
    let (fields, ops) = parse_fields_and_ops(&mut r, header.n_fields, header.n_ops)?;
    if r.remaining() != 0 {
        return Err(DecodeError("trailing bytes after ops"));
    }
    Ok(Message { header, fields, ops })
}

pub fn parse_header(r: &mut Reader<'_>) -> Result<MsgHeader, DecodeError> {
    let header_sz = r.u8()?;
    if header_sz < MSG_HEADER_SIZE {
        return Err(DecodeError("message header too short"));
    }
    let h = MsgHeader {
        header_sz,
        info1: r.u8()?,
        info2: r.u8()?,
        info3: r.u8()?,
        info4: r.u8()?,
        result_code: r.u8()?,
        generation: r.u32()?,
        record_ttl: r.u32()?,
        transaction_ttl: r.u32()?,
        n_fields: r.u16()?,
        n_ops: r.u16()?,
    };
    // A longer header than we know: skip the extension.
    r.take(usize::from(header_sz - MSG_HEADER_SIZE))?;
    Ok(h)
}

pub fn parse_fields_and_ops<'a>(
    r: &mut Reader<'a>,
    n_fields: u16,
    n_ops: u16,
) -> Result<(Vec<Field<'a>>, Vec<Op<'a>>), DecodeError> {
    // Capacities are bounded by what the remaining bytes could hold.
    let mut fields = Vec::with_capacity(usize::from(n_fields).min(r.remaining() / 5));
    for _ in 0..n_fields {
        let size = r.u32()? as usize;
        if size == 0 {
            return Err(DecodeError("field of size 0"));
        }
        let kind = r.u8()?;
        let data = r.take(size - 1)?;
        fields.push(Field { kind, data });
    }
    let mut ops = Vec::with_capacity(usize::from(n_ops).min(r.remaining() / 8));
    for _ in 0..n_ops {
        let size = r.u32()? as usize;
        if size < 4 {
            return Err(DecodeError("op too short"));
        }
        let body = r.take(size)?;
        let name_len = usize::from(body[3]);
        if 4 + name_len > body.len() {
            return Err(DecodeError("op name past its end"));
        }
        ops.push(Op {
            op: body[0],
            particle: body[1],
            flags: body[2],
            name: &body[4..4 + name_len],
            value: &body[4 + name_len..],
        });
    }
    Ok((fields, ops))
}

/// Builds a response message: header, optional fields, then one op per returned bin.
pub struct ResponseBuilder {
    buf: Vec<u8>,
    n_fields: u16,
    n_ops: u16,
}

impl ResponseBuilder {
    pub fn new(result_code: u8, generation: u32, void_time: u32) -> Self {
        let mut buf = vec![0u8; proto::HEADER_SIZE + usize::from(MSG_HEADER_SIZE)];
        let h = proto::HEADER_SIZE;
        buf[h] = MSG_HEADER_SIZE;
        buf[h + 5] = result_code;
        buf[h + 6..h + 10].copy_from_slice(&generation.to_be_bytes());
        buf[h + 10..h + 14].copy_from_slice(&void_time.to_be_bytes());
        ResponseBuilder { buf, n_fields: 0, n_ops: 0 }
    }

    pub fn set_info(&mut self, info1: u8, info2: u8, info3: u8) {
        let h = proto::HEADER_SIZE;
        self.buf[h + 1] = info1;
        self.buf[h + 2] = info2;
        self.buf[h + 3] = info3;
    }

    /// Fields must all come before the first op.
    pub fn field(&mut self, kind: u8, data: &[u8]) {
        debug_assert_eq!(self.n_ops, 0);
        write_field(&mut self.buf, kind, data);
        self.n_fields = self.n_fields.saturating_add(1);
    }

    /// One op: `write_value` appends the particle bytes to the buffer.
    pub fn op_with(&mut self, op: u8, particle: u8, name: &[u8], write_value: impl FnOnce(&mut Vec<u8>)) {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0, 0, 0, op, particle, 0, name.len() as u8]);
        self.buf.extend_from_slice(name);
        write_value(&mut self.buf);
        let size = (self.buf.len() - start - 4) as u32;
        self.buf[start..start + 4].copy_from_slice(&size.to_be_bytes());
        self.n_ops = self.n_ops.saturating_add(1);
    }

    pub fn op_count(&self) -> u16 {
        self.n_ops
    }

    /// The finished frame, proto header included.
    pub fn finish(mut self) -> Vec<u8> {
        let h = proto::HEADER_SIZE;
        self.buf[h + 18..h + 20].copy_from_slice(&self.n_fields.to_be_bytes());
        self.buf[h + 20..h + 22].copy_from_slice(&self.n_ops.to_be_bytes());
        let body_len = self.buf.len() - h;
        proto::write_header(&mut self.buf, proto::TYPE_MSG, body_len);
        self.buf
    }
}

/// A response carrying only a result code.
pub fn error_response(result_code: u8) -> Vec<u8> {
    ResponseBuilder::new(result_code, 0, 0).finish()
}

/// A request body (no proto header) the way clients build one: the header's info bits, generation,
/// record ttl and transaction ttl (the server-side timeout) from `h`, then `fields` as (type, data)
/// and `ops` as (op, particle type, bin name, value). Counts and sizes come from the slices.
pub fn request(h: MsgHeader, fields: &[(u8, &[u8])], ops: &[(u8, u8, &[u8], &[u8])]) -> Vec<u8> {
    let mut b = vec![MSG_HEADER_SIZE, h.info1, h.info2, h.info3, h.info4, 0];
    b.extend_from_slice(&h.generation.to_be_bytes());
    b.extend_from_slice(&h.record_ttl.to_be_bytes());
    b.extend_from_slice(&h.transaction_ttl.to_be_bytes());
    b.extend_from_slice(&(fields.len() as u16).to_be_bytes());
    b.extend_from_slice(&(ops.len() as u16).to_be_bytes());
    for (k, d) in fields {
        write_field(&mut b, *k, d);
    }
    for (o, p, n, v) in ops {
        write_op(&mut b, *o, *p, n, v);
    }
    b
}

/// Appends one field: its size (the type byte counted), its type, its data. Admin messages
/// frame their fields the same way.
pub fn write_field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    out.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(data);
}

/// Appends one op: its size, the op, the particle type, a zero flags byte, the bin name's length,
/// the name and the value.
pub fn write_op(out: &mut Vec<u8>, op: u8, particle: u8, name: &[u8], value: &[u8]) {
    out.extend_from_slice(&((4 + name.len() + value.len()) as u32).to_be_bytes());
    out.extend_from_slice(&[op, particle, 0, name.len() as u8]);
    out.extend_from_slice(name);
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trip() {
        let h = MsgHeader { info1: 1, info2: 2, generation: 7, record_ttl: 9, ..Default::default() };
        let body = request(h, &[(0, b"test"), (4, &[1u8; 20])], &[(2, 1, b"bin", &[0, 0, 0, 0, 0, 0, 0, 5])]);
        let m = parse(&body).expect("parses");
        assert_eq!(m.header.info1, 1);
        assert_eq!(m.header.generation, 7);
        assert_eq!(m.field(field::NAMESPACE), Some(&b"test"[..]));
        assert_eq!(m.ops.len(), 1);
        assert_eq!(m.ops[0].name, b"bin");
        assert_eq!(m.ops[0].value.len(), 8);
    }

    #[test]
    fn lying_lengths_fail_cleanly() {
        let h = MsgHeader { info1: 1, ..Default::default() };
        let mut body = request(h, &[(0, b"test")], &[]);
        // field size larger than the body
        body[22..26].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(parse(&body).is_err());
        // op count larger than present
        let mut body = request(h, &[], &[]);
        body[20..22].copy_from_slice(&0xffffu16.to_be_bytes());
        assert!(parse(&body).is_err());
        // every truncation of a valid message fails without panicking
        let body = request(h, &[(0, b"test")], &[(1, 0, b"abc", b"")]);
        for n in 0..body.len() {
            assert!(parse(&body[..n]).is_err());
        }
        // op name length past the op
        let mut body = request(h, &[], &[(1, 0, b"abc", b"")]);
        let last = body.len() - 4;
        body[last] = 200;
        assert!(parse(&body).is_err());
    }

    #[test]
    fn response_layout() {
        let mut r = ResponseBuilder::new(0, 3, 100);
        r.op_with(op::READ, 1, b"a", |b| b.extend_from_slice(&5i64.to_be_bytes()));
        let f = r.finish();
        assert_eq!(f[0], 2);
        assert_eq!(f[1], 3);
        let m = parse(&f[8..]).expect("parses");
        assert_eq!(m.header.generation, 3);
        assert_eq!(m.header.record_ttl, 100);
        assert_eq!(m.ops[0].name, b"a");
    }
}
