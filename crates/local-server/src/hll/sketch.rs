//! The HyperMinHash sketch as the server stores it: flags, index bits, minhash bits, an 8-byte
//! little-endian cached count, then 2^index_bits registers of (6 + minhash) bits packed
//! most-significant-bit first. Estimates follow Ertl (2017) and HyperMinHash (Yu & Weber 2017)
//! with the server's constants and quirks.

use super::murmur3;
use crate::bits::field;

pub const HEADER: usize = 11;
pub const MIN_INDEX_BITS: u8 = 4;
pub const MAX_INDEX_BITS: u8 = 16;
pub const MIN_MINHASH_BITS: u8 = 4;
pub const MAX_MINHASH_BITS: u8 = 51;
const HLL_BITS: u32 = 6;
const HLL_MAX_VALUE: usize = 1 << HLL_BITS;

pub fn valid_index_bits(ib: i64) -> bool {
    (i64::from(MIN_INDEX_BITS)..=i64::from(MAX_INDEX_BITS)).contains(&ib)
}

pub fn valid_minhash_bits(mh: i64) -> bool {
    mh == 0 || (i64::from(MIN_MINHASH_BITS)..=i64::from(MAX_MINHASH_BITS)).contains(&mh)
}

pub fn valid_combined(ib: i64, mh: i64) -> bool {
    valid_index_bits(ib) && valid_minhash_bits(mh) && ib + mh <= 64
}

pub fn required_size(ib: u8, mh: u8) -> usize {
    HEADER + ((HLL_BITS as usize + usize::from(mh)) * (1usize << ib)).div_ceil(8)
}

/// A sketch over its bytes (always validated: the size matches the header).
#[derive(Debug, Clone, PartialEq)]
pub struct Sketch {
    pub bytes: Vec<u8>,
}

impl Sketch {
    pub fn new(ib: u8, mh: u8) -> Self {
        let mut bytes = vec![0u8; required_size(ib, mh)];
        bytes[1] = ib;
        bytes[2] = mh;
        Sketch { bytes }
    }

    /// Checks a stored or client-sent HLL: zero flags, bit counts in range, exact size.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() < HEADER || b[0] != 0 || !valid_combined(i64::from(b[1]), i64::from(b[2])) {
            return None;
        }
        (b.len() == required_size(b[1], b[2])).then(|| Sketch { bytes: b.to_vec() })
    }

    pub fn index_bits(&self) -> u8 {
        self.bytes[1]
    }
    pub fn minhash_bits(&self) -> u8 {
        self.bytes[2]
    }
    fn n_registers(&self) -> u32 {
        1 << self.index_bits()
    }
    fn reg_bits(&self) -> u64 {
        u64::from(HLL_BITS) + u64::from(self.minhash_bits())
    }

    pub fn cache(&self) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.bytes[3..11]);
        u64::from_le_bytes(a)
    }
    pub fn set_cache(&mut self, v: u64) {
        self.bytes[3..11].copy_from_slice(&v.to_le_bytes());
    }

    pub fn get(&self, r: u32) -> u64 {
        let n = self.reg_bits();
        field::get_uint(&self.bytes[HEADER..], n * u64::from(r), n)
    }
    pub fn set(&mut self, r: u32, v: u64) {
        let n = self.reg_bits();
        field::set_uint(&mut self.bytes[HEADER..], n * u64::from(r), n, v & field::mask(n));
    }
    fn hll_val(&self, v: u64) -> u64 {
        v >> self.minhash_bits()
    }

    /// Register index and register value an element's msgpack form maps to.
    fn hash(&self, element: &[u8]) -> (u32, u64) {
        let (h0, h1) = murmur3::hash128(element);
        let ib = self.index_bits();
        let mh = self.minhash_bits();
        let r = (h0 & ((1u64 << ib) - 1)) as u32;
        let minhash = (h0 >> ib) & field::mask(u64::from(mh));
        let hll = u64::from(h1.trailing_zeros()) + 1;
        (r, (hll << mh) | minhash)
    }

    /// Adds an element; true when a register grew (which drops the cached count).
    pub fn add(&mut self, element: &[u8]) -> bool {
        let (r, v) = self.hash(element);
        if self.get(r) < v {
            self.set(r, v);
            self.set_cache(0);
            return true;
        }
        false
    }

    pub fn may_contain(&self, element: &[u8]) -> bool {
        let (r, v) = self.hash(element);
        v <= self.get(r)
    }

    /// Ertl's improved estimator (the cached count when there is one).
    pub fn estimate(&self) -> u64 {
        let cache = self.cache();
        if cache != 0 {
            return cache;
        }
        let m = f64::from(self.n_registers());
        let mut c = [0u32; HLL_MAX_VALUE + 1];
        for r in 0..self.n_registers() {
            let v = self.hll_val(self.get(r)) as usize;
            if let Some(slot) = c.get_mut(v) {
                *slot += 1;
            }
        }
        let mut z = m * tau(f64::from(c[HLL_MAX_VALUE]) / m);
        for k in (1..=HLL_MAX_VALUE).rev() {
            z = 0.5 * (z + f64::from(c[k]));
        }
        z += m * sigma(f64::from(c[0]) / m);
        (self.alpha() * m * m / z).round() as u64
    }

    fn alpha(&self) -> f64 {
        match self.index_bits() {
            4 => 0.673,
            5 => 0.697,
            6 => 0.709,
            ib => 0.7213 / (1.0 + 1.079 / f64::from(1u32 << ib)),
        }
    }

    /// Merges `other` (with at least as many index bits) into this sketch.
    pub fn union_with(&mut self, other: &Sketch) {
        let mask = self.n_registers() - 1;
        let keep_minhash = self.minhash_bits() != 0;
        for r in 0..other.n_registers() {
            let ur = r & mask;
            let v1 = if keep_minhash { other.get(r) } else { other.hll_val(other.get(r)) };
            let v0 = if keep_minhash { self.get(ur) } else { self.hll_val(self.get(ur)) };
            if v0 < v1 {
                self.set(ur, v1);
            }
        }
        if keep_minhash {
            self.set_cache(0);
        }
    }

    fn intersect_one(&mut self, other: &Sketch) {
        let mask = self.n_registers() - 1;
        for r in 0..other.n_registers() {
            let sr = r & mask;
            let (v0, v1) = (self.get(sr), other.get(r));
            self.set(sr, if v0 == v1 { v0 } else { 0 });
        }
    }

    fn used_registers(&self) -> u32 {
        (0..self.n_registers()).filter(|&r| self.get(r) != 0).count() as u32
    }

    /// The server looks only at the first 2^index_bits register bytes.
    fn has_data(&self) -> bool {
        let n = (self.n_registers() as usize / 8) * 8;
        self.bytes[HEADER..].iter().take(n).any(|&b| b != 0)
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

/// Index bits and minhash bits a combination of sketches can be merged into.
pub fn template(all: &[&Sketch]) -> (u8, u8) {
    let mut ib = all.first().map_or(MIN_INDEX_BITS, |s| s.index_bits());
    let mut mh = all.first().map_or(0, |s| s.minhash_bits());
    for s in all.iter().skip(1) {
        ib = ib.min(s.index_bits());
        if mh != 0 && mh != s.minhash_bits() {
            mh = 0;
        }
    }
    (ib, mh)
}

pub fn union_of(all: &[&Sketch]) -> Sketch {
    let (ib, mh) = template(all);
    let mut u = Sketch::new(ib, mh);
    for s in all {
        u.union_with(s);
    }
    u
}

pub fn union_count(all: &[&Sketch]) -> u64 {
    union_of(all).estimate()
}

pub fn intersect_count(all: &[&Sketch]) -> u64 {
    let (_, mh) = template(all);
    if mh == 0 {
        return hll_intersect_count(all);
    }
    let j = similarity(all);
    if j.is_nan() {
        return 0;
    }
    (union_count(all) as f64 * j).round() as u64
}

fn hll_intersect_count(all: &[&Sketch]) -> u64 {
    let cu = union_count(all);
    let mut sum = 0u64;
    for s in all {
        match sum.checked_add(s.estimate()) {
            Some(v) => sum = v,
            None => {
                sum = u64::MAX;
                break;
            }
        }
    }
    if all.len() <= 2 {
        return sum.saturating_sub(cu);
    }
    // Three sketches: inclusion-exclusion over the pairs.
    let (a, b, c) = (all[0], all[1], all[2]);
    let pairs = hll_intersect_count(&[a, b]) as i64 + hll_intersect_count(&[b, c]) as i64 + hll_intersect_count(&[a, c]) as i64;
    let r = (cu as i64).wrapping_sub((sum as i64).wrapping_sub(pairs));
    r.max(0) as u64
}

pub fn similarity(all: &[&Sketch]) -> f64 {
    let (ib, mh) = template(all);
    if mh == 0 {
        let i = hll_intersect_count(all) as f64;
        return i / union_count(all) as f64;
    }
    let with_data = all.iter().filter(|s| s.has_data()).count();
    if with_data < all.len() {
        return if with_data > 0 { 0.0 } else { f64::NAN };
    }
    let mut agg = Sketch::new(ib, mh);
    for s in all {
        agg.union_with(s);
    }
    let n_union = agg.used_registers();
    let mut agg = Sketch::new(ib, mh);
    agg.union_with(all[0]);
    for s in &all[1..] {
        agg.intersect_one(s);
    }
    let n_intersect = agg.used_registers();
    let ec = if all.len() == 2 { collisions(ib, mh, all[0].estimate(), all[1].estimate()) } else { 0.0 };
    let r = (f64::from(n_intersect) - ec) / f64::from(n_union);
    if r < 0.0 { 0.0 } else { r }
}

fn collisions(ib: u8, mh: u8, card0: u64, card1: u64) -> f64 {
    let n = f64::from(1u32 << ib);
    let buckets = 1i32 << HLL_BITS;
    let mut cp = 0.0;
    for i in 1..=buckets {
        let (b1, b2) = if i != buckets { (2f64.powi(-i), 2f64.powi(-i + 1)) } else { (0.0, 2f64.powi(-i + 1)) };
        let (b1, b2) = (b1 / n, b2 / n);
        let px = (1.0 - b1).powf(card0 as f64) - (1.0 - b2).powf(card0 as f64);
        let py = (1.0 - b1).powf(card1 as f64) - (1.0 - b2).powf(card1 as f64);
        cp += px * py;
    }
    cp * n / 2f64.powi(i32::from(mh))
}
