//! MessagePack as Aerospike uses it for list and map particles: strings and blobs are raw
//! values whose first byte is the particle type, and an ext key in the first map pair carries
//! the map's order flags. Parsing is bounded in depth and never trusts a count.

use std::cmp::Ordering;

use super::DecodeError;

/// Deeper nesting than this is refused (the recursion would otherwise be client-controlled).
pub const MAX_DEPTH: usize = 512;

/// Raw-value type prefixes (particle types) inside msgpack.
pub const RAW_STRING: u8 = 3;
pub const RAW_BLOB: u8 = 4;
pub const RAW_GEOJSON: u8 = 23;

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

struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() - self.pos {
            return Err(DecodeError("msgpack truncated"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn be(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self.take(n)?.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
    fn count(&mut self, n: u64) -> Result<usize, DecodeError> {
        // Every element takes at least one byte: a count beyond what is left is a lie.
        if n > (self.buf.len() - self.pos) as u64 {
            return Err(DecodeError("msgpack count exceeds data"));
        }
        Ok(n as usize)
    }

    fn value(&mut self, depth: usize) -> Result<MpValue, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("msgpack nested too deep"));
        }
        let b = self.u8()?;
        Ok(match b {
            0x00..=0x7f => MpValue::Int(i64::from(b)),
            0x80..=0x8f => self.map(u64::from(b & 0x0f), depth)?,
            0x90..=0x9f => self.array(u64::from(b & 0x0f), depth)?,
            0xa0..=0xbf => self.raw(usize::from(b & 0x1f), false)?,
            0xc0 => MpValue::Nil,
            0xc2 => MpValue::Bool(false),
            0xc3 => MpValue::Bool(true),
            0xc4 => { let n = self.be(1)? as usize; self.raw(n, true)? }
            0xc5 => { let n = self.be(2)? as usize; self.raw(n, true)? }
            0xc6 => { let n = self.be(4)? as usize; self.raw(n, true)? }
            0xc7 => { let n = self.be(1)? as usize; self.ext(n)? }
            0xc8 => { let n = self.be(2)? as usize; self.ext(n)? }
            0xc9 => { let n = self.be(4)? as usize; self.ext(n)? }
            0xca => MpValue::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => MpValue::Float(f64::from_bits(self.be(8)?)),
            0xcc => MpValue::Int(self.be(1)? as i64),
            0xcd => MpValue::Int(self.be(2)? as i64),
            0xce => MpValue::Int(self.be(4)? as i64),
            0xcf => {
                let v = self.be(8)?;
                if v > i64::MAX as u64 { MpValue::UInt(v) } else { MpValue::Int(v as i64) }
            }
            0xd0 => MpValue::Int(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => MpValue::Int(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => MpValue::Int(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => MpValue::Int(self.be(8)? as i64),
            0xd4 => self.ext(1)?,
            0xd5 => self.ext(2)?,
            0xd6 => self.ext(4)?,
            0xd7 => self.ext(8)?,
            0xd8 => self.ext(16)?,
            0xd9 => { let n = self.be(1)? as usize; self.raw(n, false)? }
            0xda => { let n = self.be(2)? as usize; self.raw(n, false)? }
            0xdb => { let n = self.be(4)? as usize; self.raw(n, false)? }
            0xdc => { let n = self.be(2)?; self.array(n, depth)? }
            0xdd => { let n = self.be(4)?; self.array(n, depth)? }
            0xde => { let n = self.be(2)?; self.map(n, depth)? }
            0xdf => { let n = self.be(4)?; self.map(n, depth)? }
            0xe0..=0xff => MpValue::Int(i64::from(b as i8)),
            0xc1 => return Err(DecodeError("msgpack reserved byte")),
        })
    }
    fn raw(&mut self, n: usize, bin: bool) -> Result<MpValue, DecodeError> {
        Ok(MpValue::Raw { bin, data: self.take(n)?.to_vec() })
    }
    fn ext(&mut self, n: usize) -> Result<MpValue, DecodeError> {
        let t = self.u8()?;
        Ok(MpValue::Ext(t, self.take(n)?.to_vec()))
    }
    fn array(&mut self, n: u64, depth: usize) -> Result<MpValue, DecodeError> {
        let n = self.count(n)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.value(depth + 1)?);
        }
        Ok(MpValue::Array(v))
    }
    fn map(&mut self, n: u64, depth: usize) -> Result<MpValue, DecodeError> {
        let n = self.count(n.saturating_mul(2))? / 2;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let x = self.value(depth + 1)?;
            v.push((k, x));
        }
        Ok(MpValue::Map(v))
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

fn put_len(out: &mut Vec<u8>, n: usize, small: Option<(u8, usize)>, m8: Option<u8>, m16: u8, m32: u8) {
    if let Some((base, max)) = small {
        if n <= max {
            out.push(base | n as u8);
            return;
        }
    }
    if let Some(m) = m8 {
        if n <= 0xff {
            out.push(m);
            out.push(n as u8);
            return;
        }
    }
    if n <= 0xffff {
        out.push(m16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

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

pub fn encode(out: &mut Vec<u8>, v: &MpValue) {
    match v {
        MpValue::Nil => out.push(0xc0),
        MpValue::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        MpValue::Int(i) => encode_int(out, *i),
        MpValue::UInt(u) => { out.push(0xcf); out.extend_from_slice(&u.to_be_bytes()) }
        MpValue::Float(f) => { out.push(0xcb); out.extend_from_slice(&f.to_bits().to_be_bytes()) }
        MpValue::Raw { bin: false, data } => {
            put_len(out, data.len(), Some((0xa0, 31)), Some(0xd9), 0xda, 0xdb);
            out.extend_from_slice(data);
        }
        MpValue::Raw { bin: true, data } => {
            put_len(out, data.len(), None, Some(0xc4), 0xc5, 0xc6);
            out.extend_from_slice(data);
        }
        MpValue::Array(items) => {
            put_len(out, items.len(), Some((0x90, 15)), None, 0xdc, 0xdd);
            for x in items {
                encode(out, x);
            }
        }
        MpValue::Map(pairs) => {
            put_len(out, pairs.len(), Some((0x80, 15)), None, 0xde, 0xdf);
            for (k, x) in pairs {
                encode(out, k);
                encode(out, x);
            }
        }
        MpValue::Ext(t, data) => {
            match data.len() {
                1 => out.push(0xd4),
                2 => out.push(0xd5),
                4 => out.push(0xd6),
                8 => out.push(0xd7),
                16 => out.push(0xd8),
                n => put_len(out, n, None, Some(0xc7), 0xc8, 0xc9),
            }
            out.push(*t);
            out.extend_from_slice(data);
        }
    }
}

pub fn to_bytes(v: &MpValue) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, v);
    out
}

/// Aerospike's cross-type order: nil < bool < int < string < list < map < bytes < float < geojson.
fn rank(v: &MpValue) -> u8 {
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
    fn huge_counts_and_depth_refused() {
        assert!(parse(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(parse(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0]).is_err());
        assert!(parse(&[0xdb, 0xff, 0xff, 0xff, 0xff]).is_err());
        let deep = vec![0x91u8; 100_000];
        assert!(parse(&deep).is_err());
        let mut ok = vec![0x91u8; 64];
        ok.push(0xc0);
        assert!(parse(&ok).is_ok());
    }
}
