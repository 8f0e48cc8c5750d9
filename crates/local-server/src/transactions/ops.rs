//! What each basic op does to a record being written, plus the TTL and response helpers the
//! read, write and delete paths share.

use crate::codec::message::ResponseBuilder;
use crate::codec::particle::{self, Value};
use crate::config::NamespaceConfig;
use crate::expiry::{TTL_DONT_UPDATE, TTL_NAMESPACE_DEFAULT, TTL_NEVER_EXPIRE};
use crate::result_code as rc;
use crate::storage::Record;

/// Bin names longer than this are refused with 21.
pub const MAX_BIN_NAME: usize = 15;
pub const MAX_BINS: usize = 32_767;
pub const MAX_OPS: usize = 32_768;

/// TTLs above the namespace's max-ttl are refused, except the special values.
pub fn check_ttl(ttl: u32, ns: &NamespaceConfig) -> Result<(), u8> {
    match ttl {
        TTL_NAMESPACE_DEFAULT | TTL_NEVER_EXPIRE | TTL_DONT_UPDATE => Ok(()),
        t if t > ns.max_ttl => Err(rc::PARAMETER_ERROR),
        _ => Ok(()),
    }
}

/// The void time a write leaves: `existing` is the old void time when the record existed.
pub fn void_time_for(ttl: u32, ns: &NamespaceConfig, existing: Option<u32>, now: u32) -> u32 {
    let default = || if ns.default_ttl == 0 { 0 } else { now.saturating_add(ns.default_ttl) };
    match ttl {
        TTL_NAMESPACE_DEFAULT => default(),
        TTL_NEVER_EXPIRE => 0,
        TTL_DONT_UPDATE => existing.unwrap_or_else(default),
        t => now.saturating_add(t),
    }
}

/// INCR: ints wrap, floats add; a missing bin takes the operand.
pub fn increment(rec: &mut Record, name: &[u8], operand: &Value) -> Result<(), u8> {
    let new = match (rec.bin(name), operand) {
        (None, Value::Int(_) | Value::Float(_)) => operand.clone(),
        (Some(Value::Int(a)), Value::Int(b)) => Value::Int(a.wrapping_add(*b)),
        (Some(Value::Float(a)), Value::Float(b)) => Value::Float(a + b),
        _ => return Err(rc::INCOMPATIBLE_TYPE),
    };
    rec.set_bin(name, new);
    Ok(())
}

/// APPEND / PREPEND: strings to strings, blobs to blobs; a missing bin takes the operand.
pub fn concat(rec: &mut Record, name: &[u8], operand: &Value, append: bool) -> Result<(), u8> {
    let join = |a: &[u8], b: &[u8]| if append { [a, b].concat() } else { [b, a].concat() };
    let new = match (rec.bin(name), operand) {
        (None, Value::Str(_) | Value::Blob(..)) => operand.clone(),
        (Some(Value::Str(a)), Value::Str(b)) => Value::Str(join(a, b)),
        (Some(Value::Blob(t, a)), Value::Blob(_, b)) => Value::Blob(*t, join(a, b)),
        (Some(Value::GeoJson(_)), Value::Str(_) | Value::Blob(..)) => return Err(rc::SERVER_ERROR),
        _ => return Err(rc::INCOMPATIBLE_TYPE),
    };
    rec.set_bin(name, new);
    Ok(())
}

/// Adds one bin to a response.
pub fn put_bin(resp: &mut ResponseBuilder, op_type: u8, name: &[u8], value: &Value) {
    resp.op_with(op_type, value.particle_type(), name, |b| value.write_wire(b));
}

/// Adds an entry with no value (respond-all-ops for writes and missing bins).
pub fn put_nil(resp: &mut ResponseBuilder, op_type: u8, name: &[u8]) {
    resp.op_with(op_type, particle::NULL, name, |_| {});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rules() {
        let ns = NamespaceConfig::default();
        assert!(check_ttl(315_360_000, &ns).is_ok());
        assert_eq!(check_ttl(315_360_001, &ns), Err(rc::PARAMETER_ERROR));
        assert!(check_ttl(TTL_NEVER_EXPIRE, &ns).is_ok());
        assert!(check_ttl(TTL_DONT_UPDATE, &ns).is_ok());
        assert_eq!(check_ttl(0xFFFF_FFFD, &ns), Err(rc::PARAMETER_ERROR));
        assert_eq!(void_time_for(0, &ns, Some(5), 1000), 1000 + 2_592_000);
        assert_eq!(void_time_for(TTL_NEVER_EXPIRE, &ns, Some(5), 1000), 0);
        assert_eq!(void_time_for(TTL_DONT_UPDATE, &ns, Some(0), 1000), 0);
        assert_eq!(void_time_for(TTL_DONT_UPDATE, &ns, None, 1000), 1000 + 2_592_000);
        assert_eq!(void_time_for(50, &ns, None, 1000), 1050);
    }

    #[test]
    fn increments_and_type_errors() {
        let mut r = Record::new(Vec::new());
        increment(&mut r, b"i", &Value::Int(i64::MAX)).expect("creates");
        increment(&mut r, b"i", &Value::Int(1)).expect("wraps");
        assert_eq!(r.bin(b"i"), Some(&Value::Int(i64::MIN)));
        assert_eq!(increment(&mut r, b"i", &Value::Float(1.0)), Err(rc::INCOMPATIBLE_TYPE));
        assert_eq!(increment(&mut r, b"i", &Value::Str(b"5".to_vec())), Err(rc::INCOMPATIBLE_TYPE));
        concat(&mut r, b"s", &Value::Str(b"b".to_vec()), true).expect("creates");
        concat(&mut r, b"s", &Value::Str(b"a".to_vec()), false).expect("prepends");
        assert_eq!(r.bin(b"s"), Some(&Value::Str(b"ab".to_vec())));
        assert_eq!(concat(&mut r, b"s", &Value::Blob(4, vec![1]), true), Err(rc::INCOMPATIBLE_TYPE));
        assert_eq!(concat(&mut r, b"i", &Value::Str(b"x".to_vec()), true), Err(rc::INCOMPATIBLE_TYPE));
    }
}
