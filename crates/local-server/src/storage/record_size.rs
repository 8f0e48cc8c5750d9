//! How many bytes a record takes in the server's flat storage format (the one CE 8.1 writes to
//! memory and devices alike), as Aerospike documents and its storage layer computes it:
//! a 35-byte header, optional metadata (void time, set name, stored key, bin count as a
//! uintvar), then per bin its name and its particle. Two numbers come out of it:
//! - the stored size that `RecordSize()`/`MemorySize()` and the Lua `record.size` report: the
//!   flat size rounded up to the 16-byte storage block (96 for `{"a": 1, "s": "hello world"}`
//!   in a 19-character set);
//! - the record-too-big check, which adds a 4-byte end mark to the unrounded flat size (so the
//!   largest one-blob-bin record in a 19-character set holds 1,048,505 bytes).

use crate::codec::particle::Value;
use crate::storage::Record;

const HEADER: usize = 35;
const VOID_TIME: usize = 4;
const END_MARK: usize = 4;
const STORAGE_BLOCK: usize = 16;

/// Bytes of a uintvar (7 bits a byte).
fn uintvar_len(n: usize) -> usize {
    match n {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// A particle in flat form: its type byte, then the value.
fn particle_len(v: &Value) -> usize {
    match v {
        Value::Nil => 1,
        // Integers keep only as many bytes as their unsigned value needs (1, 2, 4 or 8), after
        // a length byte; negative numbers need all 8.
        Value::Int(i) => {
            let u = *i as u64;
            let data = if u > u64::from(u32::MAX) {
                8
            } else if u > u64::from(u16::MAX) {
                4
            } else if u > u64::from(u8::MAX) {
                2
            } else {
                1
            };
            2 + data
        }
        Value::Float(_) => 1 + 8,
        Value::Bool(_) => 1 + 1,
        // A 4-byte length before the bytes.
        Value::Str(b) | Value::Blob(_, b) | Value::Hll(b) | Value::Map(b) | Value::List(b) => 5 + b.len(),
        // The server also keeps the region's S2 cell ids (8 bytes each) between the 3-byte
        // header and the text; we keep no cells, so a region counts as if it had none.
        Value::GeoJson(t) => 5 + 3 + t.len(),
    }
}

/// The unrounded flat size.
pub fn flat_size(r: &Record) -> usize {
    let mut size = HEADER;
    if r.void_time != 0 {
        size += VOID_TIME;
    }
    if !r.set.is_empty() {
        size += 1 + r.set.len();
    }
    if let Some(k) = &r.key {
        // The key's particle type byte, then its value.
        let key_len = 1 + k.bytes.len();
        size += uintvar_len(key_len) + key_len;
    }
    if !r.bins.is_empty() {
        size += uintvar_len(r.bins.len());
    }
    size + r.bins.iter().map(|b| b.name.len() + 1 + particle_len(&b.value)).sum::<usize>()
}

/// What `RecordSize()` reports: the flat size in whole storage blocks.
pub fn stored_size(r: &Record) -> usize {
    flat_size(r).div_ceil(STORAGE_BLOCK) * STORAGE_BLOCK
}

/// Whether a write of this record fails with RECORD_TOO_BIG.
pub fn too_big(r: &Record, max_record_size: usize) -> bool {
    flat_size(r) + END_MARK > max_record_size
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StoredKey;

    fn record(void_time: u32, bins: &[(&str, Value)]) -> Record {
        let mut r = Record::new(b"cf_0123456789abcdef".to_vec());
        r.void_time = void_time;
        for (name, v) in bins {
            r.set_bin(name.as_bytes(), v.clone());
        }
        r
    }

    #[test]
    fn stored_sizes_seen_on_ce_8_1() {
        let mut r = record(1, &[("a", Value::Int(1)), ("s", Value::Str(b"hello world".to_vec()))]);
        assert_eq!(stored_size(&r), 96);
        r.set_bin(b"big", Value::Str(vec![b'x'; 1000]));
        assert_eq!(stored_size(&r), 1104);
        let udf = record(1, &[("a", Value::Int(1)), ("s", Value::Str(vec![b'x'; 100]))]);
        assert_eq!(stored_size(&udf), 176);
    }

    #[test]
    fn size_limit_matches_the_largest_accepted_blob() {
        let fits = record(1, &[("b", Value::Blob(4, vec![1; 1_048_505]))]);
        assert!(!too_big(&fits, 1024 * 1024));
        let over = record(1, &[("b", Value::Blob(4, vec![1; 1_048_506]))]);
        assert!(too_big(&over, 1024 * 1024));
    }

    #[test]
    fn integers_take_the_bytes_they_need() {
        let int_size = |i: i64| particle_len(&Value::Int(i));
        assert_eq!([int_size(0), int_size(255), int_size(256), int_size(65536), int_size(1 << 32)], [3, 3, 4, 6, 10]);
        assert_eq!(int_size(-1), 10);
    }

    #[test]
    fn optional_metadata() {
        let mut r = Record::new(Vec::new());
        assert_eq!(flat_size(&r), HEADER);
        r.key = Some(StoredKey { particle: 3, bytes: vec![b'k'; 200] });
        assert_eq!(flat_size(&r), HEADER + 2 + 201);
        r.void_time = 7;
        r.set_bin(b"", Value::Nil);
        assert_eq!(flat_size(&r), HEADER + 2 + 201 + VOID_TIME + 1 + 1 + 1);
    }
}
