//! Aerospike's value order for CDT elements: the cross-type rank (nil < bool < int < string <
//! list < map < bytes < float < GeoJSON), element-wise list comparison, size-first map
//! comparison, and the wildcard / infinity search values that end a comparison.

use std::cmp::Ordering;

use crate::codec::msgpack::{self, MpValue, CMP_INFINITY, CMP_WILDCARD, EXT_CMP};

pub fn is_wildcard(v: &MpValue) -> bool {
    matches!(v, MpValue::Ext(EXT_CMP, d) if d.first().copied().unwrap_or(CMP_WILDCARD) == CMP_WILDCARD)
}

pub fn is_infinity(v: &MpValue) -> bool {
    matches!(v, MpValue::Ext(EXT_CMP, d) if d.first() == Some(&CMP_INFINITY))
}

/// The client's wildcard or infinity as the server's msgpack parser flags it "nonstorage":
/// ext type 0xff carrying 1 to 3 bytes (`msgpack_sz_table` in `cf/src/msgpack_in.c`).
pub fn is_search_value(v: &MpValue) -> bool {
    matches!(v, MpValue::Ext(EXT_CMP, d) if (1..=3).contains(&d.len()))
}

/// Whether a value (at any depth, order headers included) holds a wildcard or infinity,
/// which may not be stored.
pub fn holds_search_value(v: &MpValue) -> bool {
    match v {
        v if is_search_value(v) => true,
        MpValue::Array(items) => items.iter().any(holds_search_value),
        MpValue::Map(pairs) => pairs.iter().any(|(k, x)| holds_search_value(k) || holds_search_value(x)),
        _ => false,
    }
}

/// Whether a value is a list/map order header (an ext that is not a search value).
pub fn is_header(v: &MpValue) -> bool {
    matches!(v, MpValue::Ext(t, _) if *t != EXT_CMP)
}

/// List items without the leading order header.
pub fn list_body(items: &[MpValue]) -> &[MpValue] {
    match items.first() {
        Some(h) if is_header(h) => &items[1..],
        _ => items,
    }
}

/// Map pairs without the leading order header.
pub fn map_body(pairs: &[(MpValue, MpValue)]) -> &[(MpValue, MpValue)] {
    match pairs.first() {
        Some((h, _)) if is_header(h) => &pairs[1..],
        _ => pairs,
    }
}

/// The server's order. A wildcard on either side compares equal and ends the comparison;
/// infinity is above everything. Floats compare by value (-0.0 == 0.0), NaN above +inf.
pub fn compare(a: &MpValue, b: &MpValue) -> Ordering {
    if is_wildcard(a) || is_wildcard(b) {
        return Ordering::Equal;
    }
    match (is_infinity(a), is_infinity(b)) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (ra, rb) = (msgpack::rank(a), msgpack::rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (MpValue::Bool(x), MpValue::Bool(y)) => x.cmp(y),
        (MpValue::Int(x), MpValue::Int(y)) => x.cmp(y),
        (MpValue::UInt(x), MpValue::UInt(y)) => x.cmp(y),
        (MpValue::Int(_), MpValue::UInt(_)) => Ordering::Less,
        (MpValue::UInt(_), MpValue::Int(_)) => Ordering::Greater,
        (MpValue::Float(x), MpValue::Float(y)) => float_cmp(*x, *y),
        (MpValue::Raw { data: x, .. }, MpValue::Raw { data: y, .. }) => x.cmp(y),
        (MpValue::Array(x), MpValue::Array(y)) => compare_seq(list_body(x), list_body(y)),
        (MpValue::Map(x), MpValue::Map(y)) => {
            let (x, y) = (map_body(x), map_body(y));
            x.len().cmp(&y.len()).then_with(|| {
                for ((pk, pv), (qk, qv)) in x.iter().zip(y) {
                    let c = compare(pk, qk).then_with(|| compare(pv, qv));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                Ordering::Equal
            })
        }
        _ => Ordering::Equal,
    }
}

fn compare_seq(x: &[MpValue], y: &[MpValue]) -> Ordering {
    for (p, q) in x.iter().zip(y) {
        if is_wildcard(p) || is_wildcard(q) {
            return Ordering::Equal;
        }
        let c = compare(p, q);
        if c != Ordering::Equal {
            return c;
        }
    }
    x.len().cmp(&y.len())
}

fn float_cmp(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// Equality as value selections see it: NaN matches every double.
pub fn matches(pattern: &MpValue, v: &MpValue) -> bool {
    if let (MpValue::Float(p), MpValue::Float(x)) = (pattern, v) {
        if p.is_nan() || x.is_nan() {
            return true;
        }
    }
    compare(pattern, v) == Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::msgpack::RAW_STRING;

    fn s(t: &str) -> MpValue {
        let mut d = vec![RAW_STRING];
        d.extend_from_slice(t.as_bytes());
        MpValue::Raw { bin: false, data: d }
    }
    fn b(t: &[u8]) -> MpValue {
        let mut d = vec![4];
        d.extend_from_slice(t);
        MpValue::Raw { bin: false, data: d }
    }

    #[test]
    fn cross_type_order() {
        let seq = [
            MpValue::Nil, MpValue::Bool(false), MpValue::Bool(true), MpValue::Int(-5), MpValue::Int(10),
            s(""), s("a"), MpValue::Array(vec![]), MpValue::Array(vec![MpValue::Int(1)]),
            MpValue::Map(vec![]), b(b""), b(b"\x01"), MpValue::Float(-1.0), MpValue::Float(0.1),
            MpValue::Float(f64::INFINITY), MpValue::Float(f64::NAN),
        ];
        for w in seq.windows(2) {
            assert_eq!(compare(&w[0], &w[1]), Ordering::Less, "{:?} < {:?}", w[0], w[1]);
        }
        assert_eq!(compare(&MpValue::Int(3), &MpValue::Float(3.0)), Ordering::Less);
        assert_eq!(compare(&MpValue::Float(-0.0), &MpValue::Float(0.0)), Ordering::Equal);
    }

    #[test]
    fn lists_and_maps() {
        let l = |v: Vec<MpValue>| MpValue::Array(v);
        assert_eq!(compare(&l(vec![]), &l(vec![MpValue::Nil])), Ordering::Less);
        assert_eq!(compare(&l(vec![MpValue::Int(0); 4]), &l(vec![MpValue::Int(1)])), Ordering::Less);
        assert_eq!(compare(&l(vec![MpValue::Int(1), MpValue::Int(2)]), &l(vec![MpValue::Int(1), s("a")])), Ordering::Less);
        let m1 = MpValue::Map(vec![(s("b"), MpValue::Int(1))]);
        let m2 = MpValue::Map(vec![(s("a"), MpValue::Int(1)), (s("b"), MpValue::Int(2))]);
        assert_eq!(compare(&m1, &m2), Ordering::Less);
        let ordered = MpValue::Map(vec![(MpValue::Ext(1, vec![]), MpValue::Nil), (s("b"), MpValue::Int(1))]);
        assert_eq!(compare(&m1, &ordered), Ordering::Equal);
    }

    #[test]
    fn wildcard_and_infinity() {
        let wild = MpValue::Ext(0xff, vec![0]);
        let inf = MpValue::Ext(0xff, vec![1]);
        let pat = MpValue::Array(vec![MpValue::Int(1), wild.clone()]);
        assert!(matches(&pat, &MpValue::Array(vec![MpValue::Int(1), s("z"), MpValue::Nil])));
        assert!(!matches(&pat, &MpValue::Array(vec![MpValue::Int(2)])));
        assert_eq!(compare(&MpValue::Float(f64::NAN), &inf), Ordering::Less);
        let hi = MpValue::Array(vec![MpValue::Int(1), inf.clone()]);
        assert_eq!(compare(&MpValue::Array(vec![MpValue::Int(1), MpValue::Map(vec![])]), &hi), Ordering::Less);
        assert!(holds_search_value(&MpValue::Array(vec![inf])));
        assert!(matches(&MpValue::Float(f64::NAN), &MpValue::Float(2.0)));
    }
}
