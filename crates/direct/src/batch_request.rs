//! A batch-read request, as the `aerospike` crate lays it out (`BATCH_INDEX` field, one row per
//! key, a row repeating the one before it when it reads the same namespace and set), so the
//! server sees the same command whichever path sent it.

use aerospike::{BasePolicy, BatchPolicy, BatchReadPolicy, Bins, Key, ReadModeAp, ReadModeSc};
use wire::message::{self, field, info1, info3, op, MsgHeader, MSG_HEADER_SIZE};
use wire::proto;

/// A row's header says: info bytes and a TTL follow (`BATCH_MSG_INFO | BATCH_MSG_TTL`).
const ROW_INFO_AND_TTL: u8 = 0x02 | 0x08;
/// A row that repeats the previous row's header, fields and ops (`BATCH_MSG_REPEAT`).
const ROW_REPEAT: u8 = 0x01;
/// The batch's flags byte: the server answers a failing key with its own code (always set, as
/// the crate sets it), then inline execution and respond-all-keys as the policy says.
const FLAG_KEY_ERRORS: u8 = 0x08;
const FLAG_ALLOW_INLINE: u8 = 0x01;
const FLAG_ALLOW_INLINE_SSD: u8 = 0x02;
const FLAG_RESPOND_ALL_KEYS: u8 = 0x04;

/// What every row of a batch read asks for, and the batch's own header, from the policies.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// Bin names to read; None reads all bins, an empty list none (existence and metadata).
    pub bins: Option<Vec<String>>,
    /// The batch's filter expression (the parent policy's), packed.
    pub batch_filter: Option<Vec<u8>>,
    /// Each row's filter: the read policy's, else the batch's, packed.
    pub row_filter: Option<Vec<u8>>,
    pub flags: u8,
    /// INFO1 bits every row and the header carry besides READ/BATCH (AP read mode "all").
    pub ap_all: bool,
    /// INFO3 bits of the SC read mode.
    pub sc_bits: u8,
    pub batch_read_touch_ttl: u32,
    pub row_read_touch_ttl: u32,
    /// The server's own timeout for the command, in ms (0: none).
    pub server_timeout: u32,
}

/// Why a policy cannot be encoded here.
#[derive(Debug)]
pub struct Unsupported(pub &'static str);

pub(crate) fn packed_filter(filter: Option<&aerospike::expressions::Expression>) -> Result<Option<Vec<u8>>, Unsupported> {
    use base64::Engine as _;
    filter
        .map(|f| {
            let b64 = f.base64().map_err(|_| Unsupported("a filter expression the crate cannot pack"))?;
            base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| Unsupported("a filter expression the crate cannot pack"))
        })
        .transpose()
}

/// What a command here never encodes: transactions, compression and error-detail verbosity
/// are the crate's.
pub(crate) fn refuse_what_only_the_crate_does(base: &BasePolicy) -> Result<(), Unsupported> {
    if base.txn.is_some() {
        return Err(Unsupported("a transaction"));
    }
    if base.use_compression {
        return Err(Unsupported("compression"));
    }
    if base.error_detail_verbosity != 0 {
        return Err(Unsupported("error detail"));
    }
    Ok(())
}

/// The INFO3 bits of a strong-consistency read mode.
pub(crate) fn sc_read_bits(mode: ReadModeSc) -> u8 {
    match mode {
        ReadModeSc::Session => 0,
        ReadModeSc::Linearize => info3::SC_READ_TYPE,
        ReadModeSc::AllowReplica => info3::SC_READ_RELAX,
        ReadModeSc::AllowUnavailable => info3::SC_READ_TYPE | info3::SC_READ_RELAX,
    }
}

impl ReadRequest {
    /// The request `policy` and `read` describe for reading `bins`. Transactions, compression
    /// and error-detail verbosity are the crate's (`Unsupported`).
    pub fn new(policy: &BatchPolicy, read: &BatchReadPolicy, bins: &Bins) -> Result<Self, Unsupported> {
        let base = &policy.base_policy;
        refuse_what_only_the_crate_does(base)?;
        let sc_bits = sc_read_bits(base.read_mode_sc);
        let mut flags = FLAG_KEY_ERRORS;
        for (on, flag) in [(policy.allow_inline, FLAG_ALLOW_INLINE), (policy.allow_inline_ssd, FLAG_ALLOW_INLINE_SSD), (policy.respond_all_keys, FLAG_RESPOND_ALL_KEYS)] {
            if on {
                flags |= flag;
            }
        }
        let batch_filter = packed_filter(base.filter_expression.as_ref())?;
        let row_filter = match &read.filter_expression {
            Some(f) => packed_filter(Some(f))?,
            None => batch_filter.clone(),
        };
        let bins = match bins {
            Bins::All => None,
            Bins::None => Some(Vec::new()),
            Bins::Some(names) if names.is_empty() => Some(Vec::new()),
            Bins::Some(names) => Some(names.clone()),
        };
        let server_timeout = crate::cluster::server_timeout_ms(base);
        Ok(Self {
            bins,
            batch_filter,
            row_filter,
            flags,
            ap_all: base.read_mode_ap == ReadModeAp::All,
            sc_bits,
            batch_read_touch_ttl: base.read_touch_ttl.into(),
            row_read_touch_ttl: read.read_touch_ttl.into(),
            server_timeout,
        })
    }

    /// The framed request for `keys` (row `i` is `keys[i]`; the answer names rows by `i`).
    pub fn encode<'k>(&self, keys: impl ExactSizeIterator<Item = &'k Key>) -> Vec<u8> {
        let count = keys.len();
        let mut rows = Vec::with_capacity(5 + count * 25 + 64);
        rows.extend_from_slice(&(count as u32).to_be_bytes());
        rows.push(self.flags);
        let mut row_attr = info1::READ;
        match &self.bins {
            None => row_attr |= info1::GET_ALL,
            Some(names) if names.is_empty() => row_attr |= info1::GET_NOBINDATA,
            Some(_) => {}
        }
        if self.ap_all {
            row_attr |= info1::READ_MODE_AP_ALL;
        }
        let names = self.bins.as_deref().unwrap_or(&[]);
        let mut previous: Option<(&str, &str)> = None;
        for (i, key) in keys.enumerate() {
            rows.extend_from_slice(&(i as u32).to_be_bytes());
            rows.extend_from_slice(&key.digest());
            let here = (key.namespace(), key.set_name());
            if previous == Some(here) {
                rows.push(ROW_REPEAT);
                continue;
            }
            previous = Some(here);
            rows.extend_from_slice(&[ROW_INFO_AND_TTL, row_attr, 0, self.sc_bits]);
            rows.extend_from_slice(&self.row_read_touch_ttl.to_be_bytes());
            let n_fields: u16 = 2 + u16::from(self.row_filter.is_some());
            rows.extend_from_slice(&n_fields.to_be_bytes());
            rows.extend_from_slice(&(names.len() as u16).to_be_bytes());
            message::write_field(&mut rows, field::NAMESPACE, here.0.as_bytes());
            message::write_field(&mut rows, field::SET, here.1.as_bytes());
            if let Some(filter) = &self.row_filter {
                message::write_field(&mut rows, field::FILTER_EXP, filter);
            }
            for name in names {
                message::write_op(&mut rows, op::READ, 0, name.as_bytes(), &[]);
            }
        }
        let mut header_info1 = info1::BATCH;
        if self.ap_all {
            header_info1 |= info1::READ_MODE_AP_ALL;
        }
        let header = MsgHeader {
            header_sz: MSG_HEADER_SIZE,
            info1: header_info1,
            info3: self.sc_bits,
            record_ttl: self.batch_read_touch_ttl,
            transaction_ttl: self.server_timeout,
            ..Default::default()
        };
        let fields: Vec<(u8, &[u8])> = match &self.batch_filter {
            Some(filter) => vec![(field::FILTER_EXP, filter), (field::BATCH_INDEX, &rows)],
            None => vec![(field::BATCH_INDEX, &rows)],
        };
        proto::frame(proto::TYPE_MSG, &message::request(header, &fields, &[]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerospike::Value;

    fn keys() -> Vec<Key> {
        let key = |set: &str, i| Key::new("test", set, Value::Int(i)).expect("key");
        vec![key("a", 1), key("a", 2), key("b", 3)]
    }

    /// The request parses as the server parses it: one BATCH_INDEX field, three rows, the
    /// second a repeat, the third a new header for its set, each named by its index.
    #[test]
    fn rows_repeat_while_namespace_and_set_stay_the_same() {
        let policy = BatchPolicy::default();
        let request = ReadRequest::new(&policy, &BatchReadPolicy::default(), &Bins::Some(vec!["x".into(), "yy".into()])).expect("encodable");
        let keys = keys();
        let frame = request.encode(keys.iter());
        let message = wire::message::parse(&frame[proto::HEADER_SIZE..]).expect("parses");
        assert_eq!(message.header.info1, info1::BATCH);
        let rows = message.field(field::BATCH_INDEX).expect("batch field");
        assert_eq!(&rows[..5], &[0, 0, 0, 3, FLAG_KEY_ERRORS | FLAG_ALLOW_INLINE | FLAG_RESPOND_ALL_KEYS]);
        let mut at = 5;
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(rows[at..at + 4], (i as u32).to_be_bytes());
            assert_eq!(rows[at + 4..at + 24], key.digest());
            at += 24;
            if i == 1 {
                assert_eq!(rows[at], ROW_REPEAT);
                at += 1;
                continue;
            }
            assert_eq!(&rows[at..at + 4], &[ROW_INFO_AND_TTL, info1::READ, 0, 0]);
            assert_eq!(&rows[at + 8..at + 12], &[0, 2, 0, 2], "two fields, two ops");
            let mut r = wire::Reader::new(&rows[at + 12..]);
            let (fields, ops) = wire::message::parse_fields_and_ops(&mut r, 2, 2).expect("row fields");
            assert_eq!(fields[1].data, key.set_name().as_bytes());
            assert_eq!((ops[0].name, ops[1].name), (&b"x"[..], &b"yy"[..]));
            at = rows.len() - r.remaining();
        }
        assert_eq!(at, rows.len());
    }

    #[test]
    fn all_bins_none_and_filters_set_their_bits_and_fields() {
        let mut policy = BatchPolicy::default();
        policy.base_policy.filter_expression = Some(aerospike::expressions::eq(aerospike::expressions::int_bin("a"), aerospike::expressions::int_val(1)));
        policy.base_policy.read_mode_ap = ReadModeAp::All;
        policy.base_policy.total_timeout = 900;
        policy.base_policy.socket_timeout = 300;
        let keys = keys();
        for (bins, attr) in [(Bins::All, info1::GET_ALL), (Bins::None, info1::GET_NOBINDATA)] {
            let request = ReadRequest::new(&policy, &BatchReadPolicy::default(), &bins).expect("encodable");
            let frame = request.encode(keys[..1].iter());
            let message = wire::message::parse(&frame[proto::HEADER_SIZE..]).expect("parses");
            assert_eq!(message.header.info1, info1::BATCH | info1::READ_MODE_AP_ALL);
            assert_eq!(message.header.transaction_ttl, 300, "the server's timeout is the socket timeout");
            let filter = message.field(field::FILTER_EXP).expect("the batch's filter");
            let rows = message.field(field::BATCH_INDEX).expect("rows");
            assert_eq!(rows[30], info1::READ | attr | info1::READ_MODE_AP_ALL);
            assert_eq!(&rows[37..39], &[0, 3], "namespace, set and the row's filter");
            assert!(rows.windows(filter.len()).any(|w| w == filter), "each row carries the filter too");
        }
    }

    #[test]
    fn what_only_the_crate_does_is_refused_by_name() {
        let mut policy = BatchPolicy::default();
        policy.base_policy.use_compression = true;
        let err = ReadRequest::new(&policy, &BatchReadPolicy::default(), &Bins::All).expect_err("compression");
        assert_eq!(err.0, "compression");
    }
}
