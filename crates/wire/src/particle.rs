//! Particle types: the type byte of a bin value in an op, and the prefix byte of strings and
//! blobs inside msgpack lists and maps (the server's `as_particle_type` numbering).

pub const NULL: u8 = 0;
pub const INTEGER: u8 = 1;
pub const FLOAT: u8 = 2;
pub const STRING: u8 = 3;
pub const BLOB: u8 = 4;
pub const JAVA_BLOB: u8 = 7;
pub const CSHARP_BLOB: u8 = 8;
pub const PYTHON_BLOB: u8 = 9;
pub const RUBY_BLOB: u8 = 10;
pub const PHP_BLOB: u8 = 11;
pub const ERLANG_BLOB: u8 = 12;
pub const BOOL: u8 = 17;
pub const HLL: u8 = 18;
pub const MAP: u8 = 19;
pub const LIST: u8 = 20;
pub const GEOJSON: u8 = 23;

/// Integers travel as 8 big-endian bytes; shorter forms (1..=7 bytes) are sign-extended, as
/// older clients send them. None for an empty or longer value.
pub fn int_from_wire(data: &[u8]) -> Option<i64> {
    if data.is_empty() || data.len() > 8 {
        return None;
    }
    let neg = data.first().is_some_and(|b| b & 0x80 != 0);
    let init: u64 = if neg && data.len() < 8 { u64::MAX } else { 0 };
    Some(data.iter().fold(init, |v, &b| (v << 8) | u64::from(b)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_of_every_width() {
        assert_eq!(int_from_wire(&(-7i64).to_be_bytes()), Some(-7));
        assert_eq!(int_from_wire(&i64::MIN.to_be_bytes()), Some(i64::MIN));
        assert_eq!(int_from_wire(&[0xff]), Some(-1));
        assert_eq!(int_from_wire(&[0x7f, 0xff]), Some(0x7fff));
        assert_eq!(int_from_wire(&[0x80, 0, 0, 0]), Some(-(1 << 31)));
        assert_eq!(int_from_wire(&[]), None);
        assert_eq!(int_from_wire(&[0; 9]), None);
    }
}
