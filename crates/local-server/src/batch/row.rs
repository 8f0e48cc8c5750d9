//! Decoding the rows of a BATCH_INDEX field. Each row is its index in the client's batch, a
//! digest, and either "repeat the previous row's command" or a compact message header (info
//! bytes, then generation and TTL when flagged), the row's fields (namespace first) and ops.

use crate::codec::message::{self, field, info1, info3, Field, Message, MsgHeader, MSG_HEADER_SIZE};
use crate::codec::{DecodeError, Reader};
use crate::storage::Digest;

/// The bits of a row's type byte (`batch_index` v2, as CE 8.1 reads them).
pub mod flags {
    pub const REPEAT: u8 = 0x1;
    pub const HAS_EXTRA_INFO: u8 = 0x2;
    pub const HAS_GENERATION: u8 = 0x4;
    pub const HAS_RECORD_TTL: u8 = 0x8;
    pub const HAS_INFO4: u8 = 0x10;
}

/// Index (4), digest (20) and type byte (1): the smallest row, a repeat.
pub const REPEAT_ROW_SIZE: usize = 25;

/// One decoded row: where its answer goes, which record, and the command to run on it.
pub struct Row<'r, 'a> {
    pub index: u32,
    pub digest: Digest,
    /// The single-record message for this row: its namespace, set, ops and policy bits, its
    /// digest as a `DIGEST` field and its effective filter as a `FILTER_EXP` field.
    pub msg: &'r Message<'a>,
}

/// Reads rows one at a time, keeping the last full row for the repeats that follow it.
pub struct RowReader<'a> {
    r: Reader<'a>,
    /// The batch message's info3: rows without their own info bytes inherit its SC read bits.
    parent_info3: u8,
    parent_transaction_ttl: u32,
    /// The batch-level filter expression, used by rows that carry none of their own.
    parent_filter: Option<&'a [u8]>,
    current: Option<Message<'a>>,
    /// Where the digest field sits in `current.fields`.
    digest_slot: usize,
}

impl<'a> RowReader<'a> {
    /// `rows` is the BATCH_INDEX field after its count and flags.
    pub fn new(rows: &'a [u8], parent: &MsgHeader, parent_filter: Option<&'a [u8]>) -> Self {
        RowReader {
            r: Reader::new(rows),
            parent_info3: parent.info3,
            parent_transaction_ttl: parent.transaction_ttl,
            parent_filter,
            current: None,
            digest_slot: 0,
        }
    }

    /// The next row. An error means the rest of the field cannot be trusted: the server stops
    /// reading there and ends the batch with a parameter error.
    pub fn next_row(&mut self) -> Result<Row<'_, 'a>, DecodeError> {
        if self.r.remaining() < REPEAT_ROW_SIZE {
            return Err(DecodeError("batch row truncated"));
        }
        let index = self.r.u32()?;
        let digest_bytes = self.r.take(20)?;
        let mut digest: Digest = [0; 20];
        digest.copy_from_slice(digest_bytes);
        let kind = self.r.u8()?;
        if kind & flags::REPEAT == 0 {
            self.current = Some(self.decode_command(kind)?);
        } else if self.current.as_ref().is_none_or(|m| m.field(field::KEY).is_some()) {
            // A repeat needs a row before it, and a row that sent its user key cannot be
            // repeated: the key belongs to that row's record only.
            return Err(DecodeError("batch row repeats nothing or a key"));
        }
        let slot = self.digest_slot;
        let msg = self.current.as_mut().ok_or(DecodeError("batch row repeats nothing"))?;
        if let Some(f) = msg.fields.get_mut(slot) {
            f.data = digest_bytes;
        }
        Ok(Row { index, digest, msg })
    }

    fn decode_command(&mut self, kind: u8) -> Result<Message<'a>, DecodeError> {
        let r = &mut self.r;
        // Compressed or XDR sub-transactions make no sense; the server clears both bits.
        let info1 = r.u8()? & !(info1::COMPRESS_RESPONSE | info1::XDR);
        let (info2, info3) = if kind & flags::HAS_EXTRA_INFO != 0 {
            (r.u8()?, r.u8()?)
        } else {
            (0, self.parent_info3 & (info3::SC_READ_RELAX | info3::SC_READ_TYPE))
        };
        let info4 = if kind & flags::HAS_INFO4 != 0 { r.u8()? } else { 0 };
        let generation = if kind & flags::HAS_GENERATION != 0 { u32::from(r.u16()?) } else { 0 };
        let record_ttl = if kind & flags::HAS_RECORD_TTL != 0 { r.u32()? } else { 0 };
        // Old clients sent 0 fields but always sent the namespace.
        let n_fields = r.u16()?.max(1);
        let n_ops = r.u16()?;
        let (mut fields, ops) = message::parse_fields_and_ops(r, n_fields, n_ops)?;
        // The first field is the namespace, whatever its type byte says.
        if let Some(first) = fields.first_mut() {
            first.kind = field::NAMESPACE;
        }
        // The row's digest is not a field on the wire; the record path finds it as one.
        fields.retain(|f| f.kind != field::DIGEST);
        self.digest_slot = fields.len();
        fields.push(Field { kind: field::DIGEST, data: &[] });
        apply_filter_expression(&mut fields, self.parent_filter);
        let header = MsgHeader {
            header_sz: MSG_HEADER_SIZE,
            info1,
            info2,
            info3,
            info4,
            result_code: 0,
            generation,
            record_ttl,
            transaction_ttl: self.parent_transaction_ttl,
            n_fields: u16::try_from(fields.len()).unwrap_or(u16::MAX),
            n_ops,
        };
        Ok(Message { header, fields, ops })
    }
}

/// The one place a batch row's filter expression is chosen: the row's own `FILTER_EXP` field
/// wins, else the batch's applies. The chosen filter travels as the row message's `FILTER_EXP`
/// field, which the record-command path (`transactions::run`) evaluates for single-record
/// commands too, under the record's lock; batch needs nothing more to honour filters.
pub fn apply_filter_expression<'a>(fields: &mut Vec<Field<'a>>, parent_filter: Option<&'a [u8]>) {
    if fields.iter().any(|f| f.kind == field::FILTER_EXP) {
        return;
    }
    if let Some(data) = parent_filter {
        fields.push(Field { kind: field::FILTER_EXP, data });
    }
}
