//! A batch's records packed into one byte arena: bins as msgpack in Aerospike's dialect
//! (strings and blobs carry their particle type as the first byte, as on the wire), one small
//! fixed-size entry per row. The crate's `Value` costs 72 bytes a value plus a heap block per
//! string, list and map; a 100k-record batch of four bins (one a 16-float list) took ~1.8 KB a
//! record that way and takes ~190 bytes packed. Rows are packed as each sub-batch lands, so the
//! crate's records live only while their sub-batch is in flight.

use aerospike::{Key, Record, Value};
use wire::message::{field, Message};
use wire::msgpack::{self, head, skip, Head};
use wire::{particle, DecodeError};

use crate::cell::{Cell, Scalar};

/// One key's outcome, minus what lives in the arena.
#[derive(Clone, Debug)]
pub struct PackedRow {
    pub result_code: i32,
    pub in_doubt: bool,
    /// Present when the server answered with a record (found, or a UDF failure's bins).
    pub has_record: bool,
    pub generation: u32,
    /// Seconds to live; -1 for never.
    pub ttl: i64,
    pub digest: [u8; 20],
    /// Index into `PackedRows::sets`.
    namespace_set: u32,
    /// The user key's msgpack bytes, empty when the key had none.
    user_key: (usize, usize),
    /// The bins: a name-length byte, the name and the msgpack value, per bin.
    bins: (usize, usize),
    bin_count: u16,
}

/// Rows of a batch in request order, their values in one arena.
#[derive(Default, Debug)]
pub struct PackedRows {
    arena: Vec<u8>,
    rows: Vec<PackedRow>,
    /// The (namespace, set) pairs the keys use: usually one.
    sets: Vec<(String, String)>,
}

impl PackedRows {
    pub fn with_capacity(rows: usize) -> Self {
        Self { arena: Vec::new(), rows: Vec::with_capacity(rows), sets: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Forgets every row but keeps the memory, so a stream packing batch after batch touches
    /// its pages once rather than faulting a fresh arena in for each batch.
    pub fn clear(&mut self) {
        self.arena.clear();
        self.rows.clear();
        self.sets.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn rows(&self) -> &[PackedRow] {
        &self.rows
    }

    pub fn row(&self, index: usize) -> Option<&PackedRow> {
        self.rows.get(index)
    }

    /// Packs one key's outcome; `record` is what the server answered with, if anything. A
    /// query's record may come without a key; its row then has no key, set or digest.
    pub fn push(&mut self, key: Option<&Key>, result_code: i32, record: Option<&Record>, in_doubt: bool) {
        let namespace_set = self.set_index(key.map_or("", Key::namespace), key.map_or("", Key::set_name));
        let user_key = match key.and_then(Key::user_key) {
            Some(v) => {
                let start = self.arena.len();
                encode(&mut self.arena, v);
                (start, self.arena.len())
            }
            None => (0, 0),
        };
        let start = self.arena.len();
        let mut bin_count = 0u16;
        if let Some(record) = record {
            for (name, value) in &record.bins {
                push_bin_name(&mut self.arena, name.as_bytes());
                encode(&mut self.arena, value);
                bin_count = bin_count.saturating_add(1);
            }
        }
        let ttl = record.map_or(-1, ttl_seconds);
        self.rows.push(PackedRow {
            result_code,
            in_doubt,
            has_record: record.is_some(),
            generation: record.map_or(0, |r| r.generation),
            ttl,
            digest: key.map_or([0; 20], Key::digest),
            namespace_set,
            user_key,
            bins: (start, self.arena.len()),
            bin_count,
        });
    }

    /// Packs one record of a scan, query or batch answer straight from its AS_MSG, without the
    /// crate's `Value`s: the key from the NAMESPACE, SET, DIGEST and KEY fields, each op a bin.
    /// Lists and maps are msgpack on the wire already and are copied once checked whole;
    /// scalars are written as `encode` writes the crate's values, so both paths build the same
    /// columns. The TTL is counted from `now_unix_secs` as the crate counts it.
    pub fn push_message(&mut self, message: &Message<'_>, now_unix_secs: u64) -> Result<(), DecodeError> {
        let text = |kind| message.field(kind).map(std::str::from_utf8).transpose().map_err(|_| DecodeError("namespace or set is not UTF-8"));
        let namespace_set = self.set_index(text(field::NAMESPACE)?.unwrap_or(""), text(field::SET)?.unwrap_or(""));
        let digest = match message.field(field::DIGEST) {
            Some(d) => d.try_into().map_err(|_| DecodeError("a digest field is not 20 bytes"))?,
            None => [0; 20],
        };
        let arena_before = self.arena.len();
        let (user_key, bins) = match write_message_values(&mut self.arena, message) {
            Ok(spans) => spans,
            Err(e) => {
                self.arena.truncate(arena_before);
                return Err(e);
            }
        };
        let header = &message.header;
        self.rows.push(PackedRow {
            result_code: i32::from(header.result_code),
            in_doubt: false,
            has_record: header.result_code == 0,
            generation: header.generation,
            ttl: ttl_from_void_time(header.record_ttl, now_unix_secs),
            digest,
            namespace_set,
            user_key,
            bins,
            bin_count: u16::try_from(message.ops.len()).unwrap_or(u16::MAX),
        });
        Ok(())
    }

    /// Packs a batch row's answer straight from its AS_MSG, under the key the request named (a
    /// batch answer carries no key fields): a found record's bins come from the message's ops;
    /// any other result (not found, filtered out, a row's error) packs as `push` packs a row
    /// without a record, so both paths give the same rows.
    pub fn push_answer(&mut self, key: &Key, message: &Message<'_>, now_unix_secs: u64) -> Result<(), DecodeError> {
        let header = &message.header;
        if header.result_code != 0 {
            self.push(Some(key), i32::from(header.result_code), None, false);
            return Ok(());
        }
        let arena_before = self.arena.len();
        let namespace_set = self.set_index(key.namespace(), key.set_name());
        let user_key = match key.user_key() {
            Some(v) => {
                encode(&mut self.arena, v);
                (arena_before, self.arena.len())
            }
            None => (0, 0),
        };
        let start = self.arena.len();
        if let Err(e) = write_bins(&mut self.arena, message) {
            self.arena.truncate(arena_before);
            return Err(e);
        }
        self.rows.push(PackedRow {
            result_code: 0,
            in_doubt: false,
            has_record: true,
            generation: header.generation,
            ttl: ttl_from_void_time(header.record_ttl, now_unix_secs),
            digest: key.digest(),
            namespace_set,
            user_key,
            bins: (start, self.arena.len()),
            bin_count: u16::try_from(message.ops.len()).unwrap_or(u16::MAX),
        });
        Ok(())
    }

    /// Puts the rows in the order of `order` (one entry per row, e.g. each row's index in the
    /// request), smallest first. Only the small row entries move; the arena stays.
    pub fn sort_rows_by(&mut self, order: &[u32]) {
        let mut keyed: Vec<(u32, PackedRow)> = order.iter().copied().zip(self.rows.drain(..)).collect();
        keyed.sort_unstable_by_key(|(at, _)| *at);
        self.rows.extend(keyed.into_iter().map(|(_, row)| row));
    }

    /// Moves `other`'s rows after these.
    pub fn append(&mut self, other: PackedRows) {
        let shift = self.arena.len();
        let set_map: Vec<u32> = other.sets.iter().map(|(ns, set)| self.set_index(ns, set)).collect();
        self.arena.extend_from_slice(&other.arena);
        self.rows.extend(other.rows.into_iter().map(|mut row| {
            if row.user_key != (0, 0) {
                row.user_key = (row.user_key.0 + shift, row.user_key.1 + shift);
            }
            row.bins = (row.bins.0 + shift, row.bins.1 + shift);
            row.namespace_set = set_map.get(row.namespace_set as usize).copied().unwrap_or(0);
            row
        }));
    }

    /// Moves the first `n` rows out (their bytes copied into the new rows' own arena); the
    /// rest stay, in order. A stream filling batches of an exact size splits a chunk with it.
    pub fn take_front(&mut self, n: usize) -> PackedRows {
        let n = n.min(self.rows.len());
        let mut front = PackedRows::with_capacity(n);
        for mut row in self.rows.drain(..n) {
            let (namespace, set) = self.sets.get(row.namespace_set as usize).map_or(("", ""), |(ns, s)| (ns.as_str(), s.as_str()));
            row.namespace_set = front.set_index(namespace, set);
            if row.user_key != (0, 0) {
                let start = front.arena.len();
                front.arena.extend_from_slice(&self.arena[row.user_key.0..row.user_key.1]);
                row.user_key = (start, front.arena.len());
            }
            let start = front.arena.len();
            front.arena.extend_from_slice(&self.arena[row.bins.0..row.bins.1]);
            row.bins = (start, front.arena.len());
            front.rows.push(row);
        }
        front
    }

    fn set_index(&mut self, namespace: &str, set: &str) -> u32 {
        if let Some(i) = self.sets.iter().position(|(n, s)| n == namespace && s == set) {
            return i as u32;
        }
        self.sets.push((namespace.to_owned(), set.to_owned()));
        (self.sets.len() - 1) as u32
    }

    /// The row's namespace and set name ("" when the key has none).
    pub fn namespace_set(&self, row: &PackedRow) -> (&str, &str) {
        self.sets.get(row.namespace_set as usize).map_or(("", ""), |(n, s)| (n.as_str(), s.as_str()))
    }

    /// The row's user key, when the request had one.
    pub fn user_key(&self, row: &PackedRow) -> Option<PackedCell<'_>> {
        (row.user_key != (0, 0)).then(|| PackedCell { buf: self.arena.get(row.user_key.0..row.user_key.1).unwrap_or(&[]) })
    }

    /// The row's bins in the server's order; none without a record.
    pub fn bins(&self, row: &PackedRow) -> Bins<'_> {
        Bins { rest: self.arena.get(row.bins.0..row.bins.1).unwrap_or(&[]), left: row.bin_count }
    }

    /// One bin of a row by name.
    pub fn bin(&self, row: &PackedRow, name: &str) -> Option<PackedCell<'_>> {
        self.bins(row).find(|(n, _)| *n == name).map(|(_, cell)| cell)
    }

    /// Bytes held, for tests and benches.
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.rows.capacity() * std::mem::size_of::<PackedRow>()
    }
}

/// A row's `(name, value)` pairs.
pub struct Bins<'a> {
    rest: &'a [u8],
    left: u16,
}

impl<'a> Iterator for Bins<'a> {
    type Item = (&'a str, PackedCell<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (&len, rest) = self.rest.split_first()?;
        let name = rest.get(..usize::from(len))?;
        let value = rest.get(usize::from(len)..)?;
        let size = skip(value).ok()?;
        self.rest = value.get(size..)?;
        Some((std::str::from_utf8(name).unwrap_or(""), PackedCell { buf: value.get(..size)? }))
    }
}

/// What a record that never expires reports as its ttl: 4294967295 (`u32::MAX`), as the official
/// clients and the seed's project report it. (`-1`, `TTL_NEVER_EXPIRE`, is what a *write* sends.)
pub const TTL_NEVER_EXPIRES: i64 = u32::MAX as i64;

/// A record's seconds to live, [`TTL_NEVER_EXPIRES`] when it never expires (the `_ttl` column
/// and `meta.ttl`).
pub fn ttl_seconds(record: &Record) -> i64 {
    record.time_to_live().map_or(TTL_NEVER_EXPIRES, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A bin's name in the arena: its length byte, then the name. Bin names are at most 15 bytes on
/// the server; a longer one cannot come back.
fn push_bin_name(arena: &mut Vec<u8>, name: &[u8]) {
    let name = &name[..name.len().min(usize::from(u8::MAX))];
    arena.push(name.len() as u8);
    arena.extend_from_slice(name);
}

/// Where a value lies in the arena: start and end.
type Span = (usize, usize);

/// Appends a message's user key and bins to `arena`; their spans. On an error part of them may
/// be written: the caller cuts the arena back.
fn write_message_values(arena: &mut Vec<u8>, message: &Message<'_>) -> Result<(Span, Span), DecodeError> {
    let user_key = match message.field(field::KEY) {
        Some(key) => {
            let (particle_type, bytes) = key.split_first().ok_or(DecodeError("an empty key field"))?;
            let start = arena.len();
            encode_particle(arena, *particle_type, bytes)?;
            (start, arena.len())
        }
        None => (0, 0),
    };
    let start = arena.len();
    write_bins(arena, message)?;
    Ok((user_key, (start, arena.len())))
}

/// Appends a message's ops as bins (name, then value), in the server's order.
fn write_bins(arena: &mut Vec<u8>, message: &Message<'_>) -> Result<(), DecodeError> {
    for op in &message.ops {
        push_bin_name(arena, op.name);
        encode_particle(arena, op.particle, op.value)?;
    }
    Ok(())
}

/// Seconds to live from a void time (seconds since the Citrusleaf epoch, 0 for never), as the
/// crate's `Record::time_to_live` counts them: a record past its void time but not yet gone
/// from the server has 1 second left, not 0.
pub fn ttl_from_void_time(void_time: u32, now_unix_secs: u64) -> i64 {
    if void_time == 0 {
        return TTL_NEVER_EXPIRES;
    }
    let expires = aerospike::CITRUSLEAF_EPOCH_UNIX_SECS + u64::from(void_time);
    i64::try_from(expires.saturating_sub(now_unix_secs).max(1)).unwrap_or(i64::MAX)
}

/// Appends a bin's or key's wire particle as msgpack, as `encode` writes the value the crate
/// decodes from it. A particle type this build does not know is kept as a blob, as the crate
/// keeps it (`Value::Unknown`).
pub fn encode_particle(out: &mut Vec<u8>, particle_type: u8, bytes: &[u8]) -> Result<(), DecodeError> {
    match particle_type {
        particle::NULL => msgpack::encode_nil(out),
        particle::INTEGER => msgpack::encode_int(out, particle::int_from_wire(bytes).ok_or(DecodeError("an integer particle is not 1 to 8 bytes"))?),
        particle::FLOAT => {
            let be: [u8; 8] = bytes.try_into().map_err(|_| DecodeError("a float particle is not 8 bytes"))?;
            msgpack::encode_float(out, f64::from_be_bytes(be));
        }
        particle::STRING => {
            std::str::from_utf8(bytes).map_err(|_| DecodeError("a string particle is not UTF-8"))?;
            msgpack::encode_particle_raw(out, true, particle::STRING, bytes);
        }
        particle::GEOJSON => {
            // A flags byte, the cell count, the cells (8 bytes each), then the JSON text.
            let cells = bytes.get(1..3).map(|n| usize::from(u16::from_be_bytes([n[0], n[1]]))).ok_or(DecodeError("a GeoJSON particle is cut short"))?;
            let json = bytes.get(3 + cells * 8..).ok_or(DecodeError("a GeoJSON particle is shorter than its cells"))?;
            std::str::from_utf8(json).map_err(|_| DecodeError("a GeoJSON particle is not UTF-8"))?;
            msgpack::encode_particle_raw(out, true, particle::GEOJSON, json);
        }
        particle::BOOL => msgpack::encode_bool(out, bytes.first().is_some_and(|b| *b != 0)),
        particle::HLL => msgpack::encode_particle_raw(out, false, particle::HLL, bytes),
        particle::LIST | particle::MAP => {
            if skip(bytes)? != bytes.len() {
                return Err(DecodeError("a list or map particle has bytes after its value"));
            }
            out.extend_from_slice(bytes);
        }
        _ => msgpack::encode_particle_raw(out, false, particle::BLOB, bytes),
    }
    Ok(())
}

/// Appends `value` as msgpack (Aerospike's dialect, written by `wire::msgpack`).
pub fn encode(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Nil | Value::Infinity | Value::Wildcard => msgpack::encode_nil(out),
        Value::Bool(b) => msgpack::encode_bool(out, *b),
        Value::Int(i) => msgpack::encode_int(out, *i),
        Value::Float(f) => msgpack::encode_float(out, f64::from(f)),
        Value::String(s) => msgpack::encode_particle_raw(out, true, particle::STRING, s.as_bytes()),
        Value::GeoJson(s) => msgpack::encode_particle_raw(out, true, particle::GEOJSON, s.as_bytes()),
        Value::Blob(b) | Value::Unknown(_, b) => msgpack::encode_particle_raw(out, false, particle::BLOB, b),
        Value::Hll(b) => msgpack::encode_particle_raw(out, false, particle::HLL, b),
        Value::List(items) | Value::MultiResult(items) => {
            msgpack::encode_array_header(out, items.len());
            for item in items {
                encode(out, item);
            }
        }
        Value::HashMap(m) => encode_map(out, m.len(), m.iter()),
        Value::OrderedMap(m) => encode_map(out, m.len(), m.iter()),
        Value::SortedMap(m) => encode_map(out, m.len(), m.iter()),
        // A KEY_VALUE map result: a flat list, as `cell::ValueItems` reads it.
        Value::KeyValueList(pairs) => {
            msgpack::encode_array_header(out, pairs.len() * 2);
            for (k, v) in pairs {
                encode(out, k);
                encode(out, v);
            }
        }
        // Nothing else reaches a record today; a future kind reads back as nil, not garbage.
        _ => msgpack::encode_nil(out),
    }
}

fn encode_map<'v>(out: &mut Vec<u8>, len: usize, entries: impl Iterator<Item = (&'v Value, &'v Value)>) {
    msgpack::encode_map_header(out, len);
    for (k, v) in entries {
        encode(out, k);
        encode(out, v);
    }
}

/// One packed value.
#[derive(Clone, Copy, Debug)]
pub struct PackedCell<'a> {
    buf: &'a [u8],
}

impl<'a> PackedCell<'a> {
    /// A cell over msgpack bytes that start with one value (trailing bytes are ignored).
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// A map's leading ext entry (Aerospike's map-order marker) is not data.
    fn is_ext(self) -> bool {
        matches!(head(self.buf), Ok((Head::Ext { .. }, _)))
    }
}

impl<'a> Cell<'a> for PackedCell<'a> {
    type Items = Items<'a>;
    type Entries = Entries<'a>;

    fn scalar(self) -> Scalar<'a> {
        let Ok((h, at)) = head(self.buf) else { return Scalar::Unsupported };
        match h {
            Head::Nil => Scalar::Nil,
            Head::Bool(b) => Scalar::Bool(b),
            Head::Int(i) => Scalar::Int(i),
            // Aerospike integers are signed 64-bit: a uint64 above i64::MAX wraps as the server does.
            Head::UInt(u) => Scalar::Int(u as i64),
            Head::Float(f) => Scalar::Float(f),
            Head::Array(_) => Scalar::List,
            Head::Map(_) => Scalar::Map,
            Head::Ext { .. } => Scalar::Unsupported,
            Head::Raw { is_str, len } => {
                let Some(raw) = at.checked_add(len).and_then(|end| self.buf.get(at..end)) else { return Scalar::Unsupported };
                let (particle, bytes) = match raw.split_first() {
                    Some((p, rest)) => (*p, rest),
                    // An empty msgpack str or bin has no particle byte: an empty value of its kind.
                    None => (if is_str { particle::STRING } else { particle::BLOB }, raw),
                };
                let text = || std::str::from_utf8(bytes).ok();
                match particle {
                    particle::STRING => text().map_or(Scalar::Unsupported, Scalar::Str),
                    particle::GEOJSON => text().map_or(Scalar::Unsupported, Scalar::GeoJson),
                    particle::HLL => Scalar::Hll(bytes),
                    _ => Scalar::Blob(bytes),
                }
            }
        }
    }

    fn list(self) -> Option<Items<'a>> {
        match head(self.buf).ok()? {
            (Head::Array(n), at) => {
                let mut items = Items { rest: self.buf.get(at..)?, left: n };
                // An ordered list leads with an ext item that says so (as on the wire); not data.
                if items.rest.first().is_some_and(|_| PackedCell { buf: items.rest }.is_ext()) {
                    items.next();
                }
                Some(items)
            }
            _ => None,
        }
    }

    fn map(self) -> Option<Entries<'a>> {
        match head(self.buf).ok()? {
            (Head::Map(n), at) => {
                let mut entries = Entries { items: Items { rest: self.buf.get(at..)?, left: n.checked_mul(2)? } };
                // Ordered maps lead with an (ext, nil) pair that says how they are ordered.
                if entries.items.rest.first().is_some_and(|_| PackedCell { buf: entries.items.rest }.is_ext()) {
                    entries.next();
                }
                Some(entries)
            }
            _ => None,
        }
    }
}

/// A packed list's items.
pub struct Items<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = PackedCell<'a>;

    fn next(&mut self) -> Option<PackedCell<'a>> {
        if self.left == 0 {
            return None;
        }
        let size = skip(self.rest).ok()?;
        let (item, rest) = self.rest.split_at_checked(size)?;
        self.rest = rest;
        self.left -= 1;
        Some(PackedCell { buf: item })
    }
}

/// A packed map's entries.
pub struct Entries<'a> {
    items: Items<'a>,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (PackedCell<'a>, PackedCell<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        Some((self.items.next()?, self.items.next()?))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use aerospike::IndexMap;

    /// The value back from its packed form, through the `Cell` view alone.
    fn unpack(cell: PackedCell<'_>) -> Value {
        match cell.scalar() {
            Scalar::Nil | Scalar::Unsupported => Value::Nil,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::from(f),
            Scalar::Str(s) => Value::String(s.to_owned()),
            Scalar::GeoJson(s) => Value::GeoJson(s.to_owned()),
            Scalar::Blob(b) => Value::Blob(b.to_vec()),
            Scalar::Hll(b) => Value::Hll(b.to_vec()),
            Scalar::List => Value::List(cell.list().into_iter().flatten().map(unpack).collect()),
            Scalar::Map => Value::OrderedMap(cell.map().into_iter().flatten().map(|(k, v)| (unpack(k), unpack(v))).collect()),
        }
    }

    fn round_trip(value: &Value) -> Value {
        let mut buf = Vec::new();
        encode(&mut buf, value);
        assert_eq!(skip(&buf), Ok(buf.len()), "skip agrees with encode for {value:?}");
        unpack(PackedCell::new(&buf))
    }

    #[test]
    fn every_kind_round_trips() {
        let long = "x".repeat(70_000);
        let values = [
            Value::Nil,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(0),
            Value::Int(127),
            Value::Int(128),
            Value::Int(-1),
            Value::Int(-32),
            Value::Int(-33),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::from(1.5),
            Value::from(f64::NAN.copysign(1.0)).clone(),
            Value::String(String::new()),
            Value::String("héllo ✓".into()),
            Value::String("y".repeat(40)),
            Value::String(long.clone()),
            Value::Blob(vec![]),
            Value::Blob(vec![0, 1, 255]),
            Value::Blob(vec![7; 300]),
            Value::Hll(vec![1, 2, 3]),
            Value::GeoJson(r#"{"type":"Point","coordinates":[1,2]}"#.into()),
            Value::List((0..20).map(Value::Int).collect()),
            Value::List(vec![Value::List(vec![]), Value::String("a".into())]),
        ];
        for v in &values {
            let back = round_trip(v);
            match (v, &back) {
                (Value::Float(a), Value::Float(b)) => assert_eq!(f64::from(a).to_bits(), f64::from(b).to_bits()),
                _ => assert_eq!(&back, v),
            }
        }
        let mut map = std::collections::HashMap::new();
        map.insert(Value::String("k".into()), Value::List(vec![Value::Int(1)]));
        let Value::OrderedMap(back) = round_trip(&Value::HashMap(map)) else { panic!("a map") };
        assert_eq!(back.into_iter().collect::<Vec<_>>(), vec![(Value::String("k".into()), Value::List(vec![Value::Int(1)]))]);
        // A KEY_VALUE result (a key/value list) is a flat list, as the official clients give it.
        let pairs = Value::KeyValueList(vec![(Value::String("b".into()), Value::Int(2)), (Value::Int(1), Value::Nil)]);
        let flat = Value::List(vec![Value::String("b".into()), Value::Int(2), Value::Int(1), Value::Nil]);
        assert_eq!(round_trip(&pairs), flat);
        let decoded: Vec<Value> = (&pairs).list().into_iter().flatten().cloned().collect();
        assert_eq!(Value::List(decoded), flat);
        let big: Vec<Value> = (0..70_000).map(Value::Int).collect();
        assert_eq!(round_trip(&Value::List(big.clone())), Value::List(big));
    }

    #[test]
    fn rows_keep_keys_meta_and_bins_across_append() {
        let key = |i: i64, set: &str| Key::new("test", set, Value::Int(i)).expect("key");
        let record = |i: i64| {
            let mut bins = IndexMap::default();
            bins.insert("a".to_owned(), Value::Int(i));
            bins.insert("s".to_owned(), Value::String(format!("v{i}")));
            Record::new(None, bins, None, 3, 0)
        };
        let mut first = PackedRows::default();
        first.push(Some(&key(1, "s1")), 0, Some(&record(1)), false);
        first.push(Some(&key(2, "s1")), 2, None, false);
        let mut second = PackedRows::default();
        second.push(Some(&key(3, "s2")), 0, Some(&record(3)), true);
        second.push(Some(&Key::new("test", "s1", Value::Int(4)).expect("key")), 0, Some(&record(4)), false);
        first.append(second);
        assert_eq!(first.len(), 4);
        let rows = first.rows();
        assert_eq!(first.namespace_set(&rows[2]), ("test", "s2"));
        assert_eq!(first.namespace_set(&rows[3]), ("test", "s1"));
        assert_eq!(first.user_key(&rows[2]).map(|c| c.scalar()), Some(Scalar::Int(3)));
        assert!(!rows[1].has_record && first.bins(&rows[1]).next().is_none());
        assert!(rows[2].in_doubt && rows[2].generation == 3 && rows[2].ttl == TTL_NEVER_EXPIRES);
        let bins: Vec<(&str, Scalar<'_>)> = first.bins(&rows[3]).map(|(n, c)| (n, c.scalar())).collect();
        assert_eq!(bins, vec![("a", Scalar::Int(4)), ("s", Scalar::Str("v4"))]);
        assert_eq!(first.bin(&rows[0], "s").map(|c| c.scalar()), Some(Scalar::Str("v1")));
        assert_eq!(rows[0].digest, key(1, "s1").digest());
    }

    #[test]
    fn cut_or_garbage_bytes_never_panic() {
        let mut buf = Vec::new();
        encode(&mut buf, &Value::List(vec![Value::String("abc".into()), Value::from(2.5), Value::List(vec![Value::Int(300)])]));
        for n in 0..buf.len() {
            let cell = PackedCell::new(&buf[..n]);
            let _ = unpack(cell);
        }
        for b in 0..=255u8 {
            let _ = unpack(PackedCell::new(&[b, 0xff, 0xff, 0xff, 0xff]));
        }
        let deep = vec![0x91u8; 2000];
        assert!(skip(&deep).is_err());
    }
}
