//! Bit-field primitives over byte buffers (bit 0 is the most significant bit of byte 0), as the
//! bit operations and the bit expressions use them. Callers check ranges first.

pub fn get_bit(buf: &[u8], i: u64) -> bool {
    buf.get((i / 8) as usize).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
}

pub fn set_bit(buf: &mut [u8], i: u64, v: bool) {
    if let Some(b) = buf.get_mut((i / 8) as usize) {
        let m = 0x80 >> (i % 8);
        if v { *b |= m } else { *b &= !m }
    }
}

/// `size` bits from `offset`, left-aligned in ceil(size/8) bytes.
pub fn get_range(buf: &[u8], offset: u64, size: u64) -> Vec<u8> {
    let mut out = vec![0u8; size.div_ceil(8) as usize];
    if offset.is_multiple_of(8) {
        let start = (offset / 8) as usize;
        let n = out.len();
        if let Some(src) = buf.get(start..start + n) {
            out.copy_from_slice(src);
            if !size.is_multiple_of(8) {
                if let Some(last) = out.last_mut() {
                    *last &= 0xffu8 << (8 - size % 8);
                }
            }
            return out;
        }
    }
    for i in 0..size {
        if get_bit(buf, offset + i) {
            set_bit(&mut out, i, true);
        }
    }
    out
}

/// Applies `f(old, operand)` to each of `size` bits from `offset`, the operand taken from the
/// leading bits of `value`.
pub fn combine(buf: &mut [u8], offset: u64, size: u64, value: &[u8], f: impl Fn(bool, bool) -> bool) {
    for i in 0..size {
        let old = get_bit(buf, offset + i);
        set_bit(buf, offset + i, f(old, get_bit(value, i)));
    }
}

/// Shifts the `size`-bit field left (towards bit 0) or right by `shift`, filling with zeros.
pub fn shift(buf: &mut [u8], offset: u64, size: u64, shift: u64, left: bool) {
    let field = get_range(buf, offset, size);
    for i in 0..size {
        let v = if left {
            i.checked_add(shift).filter(|&j| j < size).is_some_and(|j| get_bit(&field, j))
        } else {
            i.checked_sub(shift).is_some_and(|j| get_bit(&field, j))
        };
        set_bit(buf, offset + i, v);
    }
}

pub fn count(buf: &[u8], offset: u64, size: u64) -> u64 {
    (0..size).filter(|&i| get_bit(buf, offset + i)).count() as u64
}

/// Position (from `offset`) of the first bit equal to `v`, or -1.
pub fn lscan(buf: &[u8], offset: u64, size: u64, v: bool) -> i64 {
    (0..size).find(|&i| get_bit(buf, offset + i) == v).map_or(-1, |i| i as i64)
}

/// Position (from `offset`) of the last bit equal to `v`, or -1. Like the server, the bits before
/// `offset` in the range's first byte are not masked off: a match there answers a negative
/// position below -1.
pub fn rscan(buf: &[u8], offset: u64, size: u64, v: bool) -> i64 {
    let first = offset - offset % 8;
    let mut i = offset + size;
    while i > first {
        i -= 1;
        if get_bit(buf, i) == v {
            return i as i64 - offset as i64;
        }
    }
    -1
}

/// The `size`-bit (<= 64) unsigned integer at `offset`.
pub fn get_uint(buf: &[u8], offset: u64, size: u64) -> u64 {
    (0..size).fold(0u64, |acc, i| (acc << 1) | u64::from(get_bit(buf, offset + i)))
}

pub fn set_uint(buf: &mut [u8], offset: u64, size: u64, v: u64) {
    for i in 0..size {
        set_bit(buf, offset + i, (v >> (size - 1 - i)) & 1 != 0);
    }
}

pub fn mask(size: u64) -> u64 {
    if size >= 64 { u64::MAX } else { (1u64 << size) - 1 }
}

pub fn sign_extend(v: u64, size: u64) -> i64 {
    if size == 0 || size >= 64 {
        return v as i64;
    }
    let sh = 64 - size;
    ((v << sh) as i64) >> sh
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    Fail,
    Saturate,
    Wrap,
}

/// Adds (or subtracts) `operand` to the `size`-bit field value `load` with the server's overflow
/// rules: signed overflow is judged on sign-extended values (so -128 + -128 in 8 bits gives 0
/// without overflow). `None` means overflow under `Fail`.
pub fn add(load: u64, operand: u64, size: u64, signed: bool, subtract: bool, action: Overflow) -> Option<u64> {
    let m = mask(size);
    let v = operand & m;
    if !signed {
        let r = if subtract { load.wrapping_sub(v) & m } else { load.wrapping_add(v) & m };
        let overflow = if subtract { r > load } else { r < load };
        if !overflow {
            return Some(r);
        }
        return match action {
            Overflow::Fail => None,
            Overflow::Saturate => Some(if subtract { 0 } else { m }),
            Overflow::Wrap => Some(r),
        };
    }
    let l = sign_extend(load, size);
    let vv = if subtract { sign_extend(v.wrapping_neg() & m, size) } else { sign_extend(v, size) };
    let raw = (l as u64).wrapping_add(vv as u64) & m;
    let r = sign_extend(raw, size);
    let overflow = (l < 0 && vv < 0 && r > 0) || (l > 0 && vv > 0 && r < 0);
    if !overflow {
        return Some(raw);
    }
    match action {
        Overflow::Fail => None,
        Overflow::Wrap => Some(raw),
        Overflow::Saturate => {
            let max = m >> 1;
            Some(if l < 0 { (max + 1) & m } else { max })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_ints() {
        let b = [0x81u8, 0x42, 0x24];
        assert_eq!(get_range(&b, 0, 8), vec![0x81]);
        assert_eq!(get_range(&b, 3, 10), vec![0x0a, 0x00]);
        assert_eq!(get_uint(&b, 0, 8), 0x81);
        assert_eq!(sign_extend(0x81, 8), -127);
        let mut x = [0u8; 2];
        set_uint(&mut x, 3, 10, 777);
        assert_eq!(get_uint(&x, 3, 10), 777);
        assert_eq!(count(&b, 0, 24), 6);
    }

    #[test]
    fn scans_follow_the_server() {
        assert_eq!(lscan(&[0x10, 0], 5, 7, true), -1);
        assert_eq!(rscan(&[0x10, 0], 5, 7, true), -2);
        assert_eq!(rscan(&[0x00, 0x10], 0, 16, true), 11);
    }

    #[test]
    fn signed_overflow_quirks() {
        let s = |l: i64, v: i64, sub: bool, a| add(l as u64 & 0xff, v as u64, 8, true, sub, a).map(|r| sign_extend(r, 8));
        assert_eq!(s(-128, -128, false, Overflow::Fail), Some(0));
        assert_eq!(s(0, -128, true, Overflow::Fail), Some(-128));
        assert_eq!(s(1, -128, true, Overflow::Fail), Some(-127));
        assert_eq!(s(-127, -128, true, Overflow::Fail), None);
        assert_eq!(s(-127, -128, true, Overflow::Saturate), Some(-128));
        assert_eq!(add(250, 10, 8, false, false, Overflow::Saturate), Some(255));
        assert_eq!(add(5, 10, 8, false, true, Overflow::Saturate), Some(0));
        assert_eq!(add(5, 10, 8, false, true, Overflow::Fail), None);
        assert_eq!(add(u64::MAX, 1, 64, false, false, Overflow::Wrap), Some(0));
    }
}
