//! MessagePack as Aerospike uses it for list and map particles: strings and blobs are raw
//! values whose first byte is the particle type, and an ext key in the first map pair carries
//! the map's order flags. Parsing is bounded in depth and never trusts a count.

use std::cmp::Ordering;

use super::DecodeError;

/// Deeper nesting than this is refused (the recursion would otherwise be client-controlled).
pub const MAX_DEPTH: usize = 512;

/// Raw-value type prefixes (particle types) inside msgpack.
pub const RAW_STRING: u8 = crate::particle::STRING;
pub const RAW_BLOB: u8 = crate::particle::BLOB;
pub const RAW_GEOJSON: u8 = crate::particle::GEOJSON;

/// Map flag bits carried by the leading ext key.
pub const MAP_KEY_ORDERED: u8 = 0x01;
pub const MAP_KV_ORDERED: u8 = 0x03;

#[derive(Debug, Clone, PartialEq)]
pub enum MpValue {
    Nil,
    Bool(bool),
    Int(i64),
    /// Only for values above i64::MAX.
    UInt(u64),
    Float(f64),
    /// str or bin family; `data` includes the leading particle-type byte when the client sent one.
    Raw { bin: bool, data: Vec<u8> },
    Array(Vec<MpValue>),
    Map(Vec<(MpValue, MpValue)>),
    Ext(u8, Vec<u8>),
}

/// A msgpack value's header: what it is, and the count of bytes (raw, ext), items (array) or
/// entries (map) that follow it. The one place msgpack's first bytes are read: the tree parser
/// ([`parse`]) and the zero-copy readers ([`skip`], and `columnar::packed`) both start here.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    /// Only for a uint64 above i64::MAX.
    UInt(u64),
    Float(f64),
    /// str (`is_str`) or bin family: `len` bytes follow, the particle type first when present.
    Raw { is_str: bool, len: usize },
    Array(usize),
    Map(usize),
    /// An ext of `kind` (its type byte is part of the header): `len` data bytes follow.
    Ext { kind: u8, len: usize },
}

fn be<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], DecodeError> {
    buf.get(at..at + N).and_then(|b| b.try_into().ok()).ok_or(DecodeError("msgpack truncated"))
}

/// The header of the value at the start of `buf` and how many bytes it takes.
#[inline]
pub fn head(buf: &[u8]) -> Result<(Head, usize), DecodeError> {
    let b = *buf.first().ok_or(DecodeError("msgpack truncated"))?;
    let len8 = || be::<1>(buf, 1).map(|n| usize::from(n[0]));
    let len16 = || be::<2>(buf, 1).map(|n| usize::from(u16::from_be_bytes(n)));
    let len32 = || be::<4>(buf, 1).map(|n| u32::from_be_bytes(n) as usize);
    // An ext's type byte follows its length.
    let ext = |len: usize, at: usize| be::<1>(buf, at).map(|k| (Head::Ext { kind: k[0], len }, at + 1));
    Ok(match b {
        0x00..=0x7f => (Head::Int(i64::from(b)), 1),
        0x80..=0x8f => (Head::Map(usize::from(b & 0x0f)), 1),
        0x90..=0x9f => (Head::Array(usize::from(b & 0x0f)), 1),
        0xa0..=0xbf => (Head::Raw { is_str: true, len: usize::from(b & 0x1f) }, 1),
        0xc0 => (Head::Nil, 1),
        0xc1 => return Err(DecodeError("msgpack reserved byte")),
        0xc2 => (Head::Bool(false), 1),
        0xc3 => (Head::Bool(true), 1),
        0xc4 => (Head::Raw { is_str: false, len: len8()? }, 2),
        0xc5 => (Head::Raw { is_str: false, len: len16()? }, 3),
        0xc6 => (Head::Raw { is_str: false, len: len32()? }, 5),
        0xc7 => ext(len8()?, 2)?,
        0xc8 => ext(len16()?, 3)?,
        0xc9 => ext(len32()?, 5)?,
        0xca => (Head::Float(f64::from(f32::from_be_bytes(be(buf, 1)?))), 5),
        0xcb => (Head::Float(f64::from_be_bytes(be(buf, 1)?)), 9),
        0xcc => (Head::Int(i64::from(u8::from_be_bytes(be(buf, 1)?))), 2),
        0xcd => (Head::Int(i64::from(u16::from_be_bytes(be(buf, 1)?))), 3),
        0xce => (Head::Int(i64::from(u32::from_be_bytes(be(buf, 1)?))), 5),
        0xcf => {
            let v = u64::from_be_bytes(be(buf, 1)?);
            (i64::try_from(v).map_or(Head::UInt(v), Head::Int), 9)
        }
        0xd0 => (Head::Int(i64::from(i8::from_be_bytes(be(buf, 1)?))), 2),
        0xd1 => (Head::Int(i64::from(i16::from_be_bytes(be(buf, 1)?))), 3),
        0xd2 => (Head::Int(i64::from(i32::from_be_bytes(be(buf, 1)?))), 5),
        0xd3 => (Head::Int(i64::from_be_bytes(be(buf, 1)?)), 9),
        0xd4 => ext(1, 1)?,
        0xd5 => ext(2, 1)?,
        0xd6 => ext(4, 1)?,
        0xd7 => ext(8, 1)?,
        0xd8 => ext(16, 1)?,
        0xd9 => (Head::Raw { is_str: true, len: len8()? }, 2),
        0xda => (Head::Raw { is_str: true, len: len16()? }, 3),
        0xdb => (Head::Raw { is_str: true, len: len32()? }, 5),
        0xdc => (Head::Array(len16()?), 3),
        0xdd => (Head::Array(len32()?), 5),
        0xde => (Head::Map(len16()?), 3),
        0xdf => (Head::Map(len32()?), 5),
        0xe0..=0xff => (Head::Int(i64::from(b as i8)), 1),
    })
}

/// The size in bytes of the value at the start of `buf` (nested values included), without
/// building it; fails when it is cut short or nested deeper than [`MAX_DEPTH`].
pub fn skip(buf: &[u8]) -> Result<usize, DecodeError> {
    skip_at(buf, 0)
}

fn skip_at(buf: &[u8], depth: usize) -> Result<usize, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError("msgpack nested too deep"));
    }
    let (h, mut at) = head(buf)?;
    let items = match h {
        Head::Raw { len, .. } | Head::Ext { len, .. } => {
            at = at.checked_add(len).ok_or(DecodeError("msgpack truncated"))?;
            0
        }
        Head::Array(n) => n,
        Head::Map(n) => n.checked_mul(2).ok_or(DecodeError("msgpack count exceeds data"))?,
        _ => 0,
    };
    for _ in 0..items {
        at += skip_at(buf.get(at..).ok_or(DecodeError("msgpack truncated"))?, depth + 1)?;
    }
    if at > buf.len() {
        return Err(DecodeError("msgpack truncated"));
    }
    Ok(at)
}

struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError("msgpack truncated"))?;
        let s = self.buf.get(self.pos..end).ok_or(DecodeError("msgpack truncated"))?;
        self.pos = end;
        Ok(s)
    }
    fn count(&self, n: usize) -> Result<usize, DecodeError> {
        // Every element takes at least one byte: a count beyond what is left is a lie.
        if n > self.buf.len() - self.pos {
            return Err(DecodeError("msgpack count exceeds data"));
        }
        Ok(n)
    }

    fn value(&mut self, depth: usize) -> Result<MpValue, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("msgpack nested too deep"));
        }
        let (h, n) = head(self.buf.get(self.pos..).unwrap_or(&[]))?;
        self.pos += n;
        Ok(match h {
            Head::Nil => MpValue::Nil,
            Head::Bool(b) => MpValue::Bool(b),
            Head::Int(i) => MpValue::Int(i),
            Head::UInt(u) => MpValue::UInt(u),
            Head::Float(f) => MpValue::Float(f),
            Head::Raw { is_str, len } => MpValue::Raw { bin: !is_str, data: self.take(len)?.to_vec() },
            Head::Ext { kind, len } => MpValue::Ext(kind, self.take(len)?.to_vec()),
            Head::Array(n) => {
                let n = self.count(n)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.value(depth + 1)?);
                }
                MpValue::Array(v)
            }
            Head::Map(n) => {
                let n = self.count(n.saturating_mul(2))? / 2;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.value(depth + 1)?;
                    let x = self.value(depth + 1)?;
                    v.push((k, x));
                }
                MpValue::Map(v)
            }
        })
    }
}

/// Parses exactly one value filling `buf`.
pub fn parse(buf: &[u8]) -> Result<MpValue, DecodeError> {
    let mut p = Parser { buf, pos: 0 };
    let v = p.value(0)?;
    if p.pos != buf.len() {
        return Err(DecodeError("msgpack trailing bytes"));
    }
    Ok(v)
}

/// Parses one value at the start of `buf`, returning it and how many bytes it used.
pub fn parse_prefix(buf: &[u8]) -> Result<(MpValue, usize), DecodeError> {
    let mut p = Parser { buf, pos: 0 };
    let v = p.value(0)?;
    Ok((v, p.pos))
}

/// A length header: the fix form up to `fix_max`, else the 8-bit form (when the family has one),
/// the 16-bit or the 32-bit form.
fn put_len(out: &mut Vec<u8>, n: usize, fix: Option<(u8, usize)>, m8: Option<u8>, m16: u8, m32: u8) {
    if let Some((base, max)) = fix {
        if n <= max {
            out.push(base | n as u8);
            return;
        }
    }
    if let (Some(m), Ok(n)) = (m8, u8::try_from(n)) {
        out.extend_from_slice(&[m, n]);
    } else if let Ok(n) = u16::try_from(n) {
        out.push(m16);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

pub fn encode_nil(out: &mut Vec<u8>) {
    out.push(0xc0);
}

pub fn encode_bool(out: &mut Vec<u8>, b: bool) {
    out.push(if b { 0xc3 } else { 0xc2 });
}

/// An integer in its smallest form, as the server stores them.
pub fn encode_int(out: &mut Vec<u8>, v: i64) {
    if (0..=0x7f).contains(&v) {
        out.push(v as u8);
    } else if (-32..0).contains(&v) {
        out.push(v as i8 as u8);
    } else if v >= 0 {
        if v <= 0xff { out.push(0xcc); out.push(v as u8) }
        else if v <= 0xffff { out.push(0xcd); out.extend_from_slice(&(v as u16).to_be_bytes()) }
        else if v <= 0xffff_ffff { out.push(0xce); out.extend_from_slice(&(v as u32).to_be_bytes()) }
        else { out.push(0xcf); out.extend_from_slice(&(v as u64).to_be_bytes()) }
    } else if v >= i64::from(i8::MIN) { out.push(0xd0); out.push(v as i8 as u8) }
    else if v >= i64::from(i16::MIN) { out.push(0xd1); out.extend_from_slice(&(v as i16).to_be_bytes()) }
    else if v >= i64::from(i32::MIN) { out.push(0xd2); out.extend_from_slice(&(v as i32).to_be_bytes()) }
    else { out.push(0xd3); out.extend_from_slice(&v.to_be_bytes()) }
}

pub fn encode_uint(out: &mut Vec<u8>, v: u64) {
    out.push(0xcf);
    out.extend_from_slice(&v.to_be_bytes());
}

/// Doubles always travel as float64, as the server writes them.
pub fn encode_float(out: &mut Vec<u8>, f: f64) {
    out.push(0xcb);
    out.extend_from_slice(&f.to_bits().to_be_bytes());
}

/// The header of a str (`is_str`) or bin of `len` bytes.
pub fn encode_raw_header(out: &mut Vec<u8>, is_str: bool, len: usize) {
    if is_str {
        put_len(out, len, Some((0xa0, 31)), Some(0xd9), 0xda, 0xdb);
    } else {
        put_len(out, len, None, Some(0xc4), 0xc5, 0xc6);
    }
}

/// Aerospike's form of a string or blob inside a list or map: a msgpack str (or bin) whose
/// first byte is the particle type (3 string, 4 blob, 18 HLL, 23 GeoJSON), then the bytes.
pub fn encode_particle_raw(out: &mut Vec<u8>, is_str: bool, particle: u8, bytes: &[u8]) {
    encode_raw_header(out, is_str, bytes.len() + 1);
    out.push(particle);
    out.extend_from_slice(bytes);
}

pub fn encode_array_header(out: &mut Vec<u8>, len: usize) {
    put_len(out, len, Some((0x90, 15)), None, 0xdc, 0xdd);
}

pub fn encode_map_header(out: &mut Vec<u8>, len: usize) {
    put_len(out, len, Some((0x80, 15)), None, 0xde, 0xdf);
}

pub fn encode_ext(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    match data.len() {
        1 => out.push(0xd4),
        2 => out.push(0xd5),
        4 => out.push(0xd6),
        8 => out.push(0xd7),
        16 => out.push(0xd8),
        n => put_len(out, n, None, Some(0xc7), 0xc8, 0xc9),
    }
    out.push(kind);
    out.extend_from_slice(data);
}

/// A map's leading (ext, nil) pair that carries its order flags ([`MAP_KEY_ORDERED`],
/// [`MAP_KV_ORDERED`]); the map header must count it.
pub fn encode_map_flags(out: &mut Vec<u8>, flags: u8) {
    encode_ext(out, flags, &[]);
    encode_nil(out);
}

/// The wildcard and infinity of CDT ranges and comparisons: a fixext 1 of type 0xff whose data
/// byte says which (`ASVAL_CMP_EXT_TYPE`, `ASVAL_CMP_WILDCARD`, `ASVAL_CMP_INF` in the common
/// library's as_msgpack.c). Infinity sorts after every value; the wildcard matches any.
pub const EXT_CMP: u8 = 0xff;
pub const CMP_WILDCARD: u8 = 0x00;
pub const CMP_INFINITY: u8 = 0x01;

pub fn encode_wildcard(out: &mut Vec<u8>) {
    encode_ext(out, EXT_CMP, &[CMP_WILDCARD]);
}

pub fn encode_infinity(out: &mut Vec<u8>) {
    encode_ext(out, EXT_CMP, &[CMP_INFINITY]);
}

pub fn encode(out: &mut Vec<u8>, v: &MpValue) {
    match v {
        MpValue::Nil => encode_nil(out),
        MpValue::Bool(b) => encode_bool(out, *b),
        MpValue::Int(i) => encode_int(out, *i),
        MpValue::UInt(u) => encode_uint(out, *u),
        MpValue::Float(f) => encode_float(out, *f),
        MpValue::Raw { bin, data } => {
            encode_raw_header(out, !bin, data.len());
            out.extend_from_slice(data);
        }
        MpValue::Array(items) => {
            encode_array_header(out, items.len());
            for x in items {
                encode(out, x);
            }
        }
        MpValue::Map(pairs) => {
            encode_map_header(out, pairs.len());
            for (k, x) in pairs {
                encode(out, k);
                encode(out, x);
            }
        }
        MpValue::Ext(t, data) => encode_ext(out, *t, data),
    }
}

pub fn to_bytes(v: &MpValue) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, v);
    out
}

/// Aerospike's cross-type order: nil < bool < int < string < list < map < bytes < float < geojson
/// (ext values, the order headers and search values, rank below all).
pub fn rank(v: &MpValue) -> u8 {
    match v {
        MpValue::Nil => 1,
        MpValue::Bool(_) => 2,
        MpValue::Int(_) | MpValue::UInt(_) => 3,
        MpValue::Raw { data, .. } => match data.first() {
            Some(&RAW_STRING) => 4,
            Some(&RAW_GEOJSON) => 9,
            _ => 7,
        },
        MpValue::Array(_) => 5,
        MpValue::Map(_) => 6,
        MpValue::Float(_) => 8,
        MpValue::Ext(..) => 0,
    }
}

/// Total order on values, as the server sorts ordered maps and lists.
pub fn compare(a: &MpValue, b: &MpValue) -> Ordering {
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (MpValue::Bool(x), MpValue::Bool(y)) => x.cmp(y),
        (MpValue::Int(x), MpValue::Int(y)) => x.cmp(y),
        (MpValue::UInt(x), MpValue::UInt(y)) => x.cmp(y),
        (MpValue::Int(_), MpValue::UInt(_)) => Ordering::Less,
        (MpValue::UInt(_), MpValue::Int(_)) => Ordering::Greater,
        (MpValue::Float(x), MpValue::Float(y)) => x.total_cmp(y),
        (MpValue::Raw { data: x, .. }, MpValue::Raw { data: y, .. }) => x.cmp(y),
        (MpValue::Array(x), MpValue::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let c = compare(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (MpValue::Map(x), MpValue::Map(y)) => x.len().cmp(&y.len()).then_with(|| {
            for ((pk, pv), (qk, qv)) in x.iter().zip(y) {
                let c = compare(pk, qk).then_with(|| compare(pv, qv));
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }),
        _ => Ordering::Equal,
    }
}

/// The order flags of a map (from its leading ext key), or 0 for an unordered map.
pub fn map_flags(pairs: &[(MpValue, MpValue)]) -> u8 {
    match pairs.first() {
        Some((MpValue::Ext(flags, _), _)) => *flags,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let v = MpValue::Array(vec![
            MpValue::Int(1), MpValue::Int(-1), MpValue::Int(300), MpValue::Int(-70000),
            MpValue::Int(i64::MIN), MpValue::UInt(u64::MAX), MpValue::Float(2.5), MpValue::Nil,
            MpValue::Bool(true), MpValue::Raw { bin: false, data: vec![3, b'a'] },
            MpValue::Raw { bin: true, data: vec![4; 300] },
            MpValue::Map(vec![(MpValue::Ext(1, vec![]), MpValue::Nil), (MpValue::Int(1), MpValue::Int(2))]),
        ]);
        let b = to_bytes(&v);
        assert_eq!(parse(&b).expect("parses"), v);
    }

    #[test]
    fn garbage_never_panics() {
        // Every byte string of length <= 2 plus many pseudo-random longer ones.
        for a in 0..=255u8 {
            let _ = parse(&[a]);
            for b in 0..=255u8 {
                let _ = parse(&[a, b]);
            }
        }
        let mut x: u32 = 12345;
        for len in 3..64 {
            for _ in 0..500 {
                let buf: Vec<u8> = (0..len).map(|_| { x = x.wrapping_mul(1103515245).wrapping_add(12345); (x >> 16) as u8 }).collect();
                let _ = parse(&buf);
            }
        }
    }

    #[test]
    fn skip_agrees_with_parse_and_head_reads_the_dialect() {
        let mut out = Vec::new();
        encode_array_header(&mut out, 5);
        encode_particle_raw(&mut out, true, RAW_STRING, b"abc");
        encode_map_header(&mut out, 2);
        encode_map_flags(&mut out, MAP_KEY_ORDERED);
        encode_int(&mut out, -40_000);
        encode_float(&mut out, 0.5);
        encode_wildcard(&mut out);
        encode_infinity(&mut out);
        encode_uint(&mut out, u64::MAX);
        let v = parse(&out).expect("parses");
        assert_eq!(skip(&out), Ok(out.len()));
        assert_eq!(to_bytes(&v), out, "the tree re-encodes to the same bytes");
        let MpValue::Array(items) = &v else { panic!("an array") };
        assert_eq!(items[0], MpValue::Raw { bin: false, data: vec![3, b'a', b'b', b'c'] });
        assert_eq!(map_flags(match &items[1] { MpValue::Map(p) => p, _ => panic!("a map") }), MAP_KEY_ORDERED);
        assert_eq!(items[2], MpValue::Ext(EXT_CMP, vec![CMP_WILDCARD]));
        assert_eq!(items[3], MpValue::Ext(EXT_CMP, vec![CMP_INFINITY]));
        assert_eq!(head(&[0xd4, 0xff, 0x01]), Ok((Head::Ext { kind: 0xff, len: 1 }, 2)));
        assert_eq!(head(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Ok((Head::UInt(u64::MAX), 9)));
        assert_eq!(head(&[0xa3, 3]), Ok((Head::Raw { is_str: true, len: 3 }, 1)), "a header does not need its body");
        assert_eq!(skip(&[0xa3, 3]), Err(DecodeError("msgpack truncated")));
        assert_eq!(head(&[0xc1]), Err(DecodeError("msgpack reserved byte")));
        for cut in 0..out.len() {
            assert!(skip(&out[..cut]).is_err() && parse(&out[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn huge_counts_and_depth_refused() {
        assert!(parse(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(parse(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0]).is_err());
        assert!(parse(&[0xdb, 0xff, 0xff, 0xff, 0xff]).is_err());
        let deep = vec![0x91u8; 100_000];
        assert!(parse(&deep).is_err());
        assert_eq!(skip(&deep), Err(DecodeError("msgpack nested too deep")));
        let mut ok = vec![0x91u8; 64];
        ok.push(0xc0);
        assert!(parse(&ok).is_ok());
    }
}
