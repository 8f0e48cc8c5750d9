//! Lists and maps arriving from a client, turned into the form the server stores, as Aerospike's
//! `cdt_untrusted_rewrite` (`as/src/base/cdt.c`) does for a bin write (`map_from_wire`,
//! `list_from_wire`) and for every value a CDT write stores (`map_add`, `map_add_items`,
//! `list_append`, `list_insert`, `list_set`), at every depth:
//!
//! - a map's keys must be ints, strings or blobs (`map_is_key`: a raw value led by particle
//!   type 3 or 4); anything else refuses the value;
//! - an unordered map whose keys are not ascending is sorted by key (so a dict is stored
//!   key-sorted whatever order the client sent it in); a duplicate key refuses the value;
//! - a key-ordered map whose keys are not ascending is refused ("map not ordered as expected"),
//!   and so is an ordered list that is not ascending ("list not ordered as expected");
//! - the leading ext of a list or map is its order header whatever its ext type: map flags
//!   keep only the key/value-ordered bits, list flags only the ordered bit (the persist-index
//!   bit is dropped too: this server keeps no index and a read never shows it), and a header
//!   whose flags come to 0 is removed;
//! - a wildcard or infinity (ext type 0xff of 1..=3 bytes) anywhere else refuses the value
//!   (a CDT op refuses it in the header position too: [`op_value`]).
//!
//! Unordered lists keep their order. Re-encoding also gives the compact msgpack encodings the
//! server stores. The caller picks the result code: a bin write answers 1 (`map_from_wire`
//! returns `AS_ERR_UNKNOWN`), a CDT op 4.

use std::cmp::Ordering;

use crate::codec::msgpack::{MpValue, MAP_KEY_ORDERED, MAP_KV_ORDERED, RAW_STRING};
use crate::codec::particle::BLOB;

use super::order::{compare, holds_search_value, is_search_value};

const LIST_ORDERED: u8 = 0x01;

/// The value was refused (malformed for storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Whether a value may be a map key (`map_is_key`): an int, a string or a blob.
pub fn is_map_key(k: &MpValue) -> bool {
    match k {
        MpValue::Int(_) | MpValue::UInt(_) => true,
        MpValue::Raw { data, .. } => matches!(data.first(), Some(&RAW_STRING) | Some(&BLOB)),
        _ => false,
    }
}

/// The stored form of a value a CDT write op carries; a refused value is a parameter error (4).
/// The op's storage parameters are checked for search values first, header position included
/// (`cdt_process_state_get_params`, `AS_CDT_PARAM_STORAGE`), so `[inf]` is refused here.
pub fn op_value(v: MpValue) -> Result<MpValue, u8> {
    if holds_search_value(&v) {
        return Err(crate::result_code::PARAMETER_ERROR);
    }
    storage_form(v).map_err(|_| crate::result_code::PARAMETER_ERROR)
}

/// The stored form of a value from a client (see the module comment).
pub fn storage_form(v: MpValue) -> Result<MpValue, Refused> {
    storage_form_at(v, 0)
}

fn storage_form_at(v: MpValue, depth: usize) -> Result<MpValue, Refused> {
    // The parser already bounds depth; this keeps the recursion honest on its own.
    if depth > crate::codec::msgpack::MAX_DEPTH {
        return Err(Refused);
    }
    match v {
        MpValue::Array(items) => list(items, depth),
        MpValue::Map(pairs) => map(pairs, depth),
        v if is_search_value(&v) => Err(Refused),
        v => Ok(v),
    }
}

fn list(items: Vec<MpValue>, depth: usize) -> Result<MpValue, Refused> {
    let mut it = items.into_iter().peekable();
    let flags = match it.peek() {
        Some(MpValue::Ext(t, _)) => {
            let t = *t & LIST_ORDERED;
            it.next();
            t
        }
        _ => 0,
    };
    let mut out = Vec::with_capacity(it.size_hint().0 + 1);
    if flags != 0 {
        out.push(MpValue::Ext(flags, vec![]));
    }
    let first = out.len();
    for x in it {
        let x = storage_form_at(x, depth + 1)?;
        if flags & LIST_ORDERED != 0 {
            if let Some(prev) = out.get(first..).and_then(|s| s.last()) {
                if compare(prev, &x) == Ordering::Greater {
                    return Err(Refused);
                }
            }
        }
        out.push(x);
    }
    Ok(MpValue::Array(out))
}

fn map(pairs: Vec<(MpValue, MpValue)>, depth: usize) -> Result<MpValue, Refused> {
    let mut it = pairs.into_iter().peekable();
    let flags = match it.peek() {
        Some((MpValue::Ext(t, _), _)) => {
            let t = *t & MAP_KV_ORDERED;
            it.next();
            t
        }
        _ => 0,
    };
    let mut body: Vec<(MpValue, MpValue)> = Vec::with_capacity(it.size_hint().0);
    let mut need_sort = false;
    for (k, x) in it {
        if !is_map_key(&k) {
            return Err(Refused);
        }
        if !need_sort {
            if let Some((prev, _)) = body.last() {
                match compare(prev, &k) {
                    Ordering::Less => {}
                    Ordering::Equal => return Err(Refused),
                    Ordering::Greater if flags & MAP_KEY_ORDERED != 0 => return Err(Refused),
                    Ordering::Greater => need_sort = true,
                }
            }
        }
        body.push((k, storage_form_at(x, depth + 1)?));
    }
    if need_sort {
        body.sort_by(|a, b| compare(&a.0, &b.0));
        if body.windows(2).any(|w| compare(&w[0].0, &w[1].0) == Ordering::Equal) {
            return Err(Refused);
        }
    }
    if flags != 0 {
        body.insert(0, (MpValue::Ext(flags, vec![]), MpValue::Nil));
    }
    Ok(MpValue::Map(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> MpValue {
        let mut d = vec![RAW_STRING];
        d.extend_from_slice(t.as_bytes());
        MpValue::Raw { bin: false, data: d }
    }
    fn b(t: &[u8]) -> MpValue {
        let mut d = vec![BLOB];
        d.extend_from_slice(t);
        MpValue::Raw { bin: false, data: d }
    }
    fn i(v: i64) -> MpValue {
        MpValue::Int(v)
    }
    fn m(pairs: Vec<(MpValue, MpValue)>) -> MpValue {
        MpValue::Map(pairs)
    }
    fn hdr(f: u8) -> (MpValue, MpValue) {
        (MpValue::Ext(f, vec![]), MpValue::Nil)
    }

    // A real CE 8.1.2 server stored a dict sent in insertion order as
    // [-5, 10, 'alpha', 'zeta', b'\x02']: cdt_untrusted_rewrite sorts unordered maps by key.
    #[test]
    fn unordered_maps_are_stored_key_sorted_at_every_depth() {
        let sent = m(vec![
            (s("zeta"), i(1)), (b(&[2]), i(2)), (i(10), i(3)), (s("alpha"), m(vec![(s("y"), i(0)), (s("x"), i(0))])), (i(-5), i(5)),
        ]);
        let got = storage_form(MpValue::Array(vec![sent])).expect("stored");
        let MpValue::Array(items) = got else { panic!("list") };
        let MpValue::Map(p) = &items[0] else { panic!("map") };
        let keys: Vec<&MpValue> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![&i(-5), &i(10), &s("alpha"), &s("zeta"), &b(&[2])]);
        assert_eq!(p[2].1, m(vec![(s("x"), i(0)), (s("y"), i(0))]));
    }

    // "map not ordered as expected", "list not ordered as expected", "map has duplicate keys".
    #[test]
    fn ordered_containers_out_of_order_and_duplicates_are_refused() {
        assert_eq!(storage_form(m(vec![hdr(1), (s("b"), i(1)), (s("a"), i(2))])), Err(Refused));
        assert_eq!(storage_form(m(vec![hdr(3), (i(2), i(1)), (i(1), i(2))])), Err(Refused));
        assert_eq!(storage_form(MpValue::Array(vec![MpValue::Ext(1, vec![]), i(2), i(1)])), Err(Refused));
        assert_eq!(storage_form(m(vec![(s("a"), i(1)), (s("a"), i(2))])), Err(Refused));
        assert_eq!(storage_form(m(vec![(s("b"), i(1)), (s("a"), i(2)), (s("b"), i(3))])), Err(Refused));
        // Equal neighbours are fine in an ordered list.
        let ok = MpValue::Array(vec![MpValue::Ext(1, vec![]), i(1), i(1), i(2)]);
        assert_eq!(storage_form(ok.clone()), Ok(ok));
    }

    // map_is_key: int, string, blob (type 4); not float, nil, bool, GeoJSON, other blobs, "".
    #[test]
    fn map_keys_are_ints_strings_and_blobs() {
        for k in [MpValue::Float(1.5), MpValue::Nil, MpValue::Bool(true), MpValue::Raw { bin: false, data: vec![23, b'{'] },
            MpValue::Raw { bin: false, data: vec![9, 1] }, MpValue::Raw { bin: false, data: vec![] }, MpValue::Array(vec![])] {
            assert_eq!(storage_form(m(vec![(k, i(1))])), Err(Refused));
        }
        assert!(storage_form(m(vec![(MpValue::UInt(u64::MAX), i(1))])).is_ok());
    }

    // The header's flags are masked (map: 0x03, list: 0x01); flags that mask to 0 drop it.
    #[test]
    fn headers_are_masked_and_dropped_when_empty() {
        assert_eq!(storage_form(m(vec![hdr(0x08), (s("b"), i(1)), (s("a"), i(2))])), Ok(m(vec![(s("a"), i(2)), (s("b"), i(1))])));
        assert_eq!(storage_form(m(vec![hdr(0x11), (s("a"), i(1))])), Ok(m(vec![hdr(1), (s("a"), i(1))])));
        assert_eq!(storage_form(MpValue::Array(vec![MpValue::Ext(0x10, vec![]), i(2), i(1)])), Ok(MpValue::Array(vec![i(2), i(1)])));
        // In a bin write a leading wildcard is read as a header (0xff & 0x01 = ordered); a CDT
        // op's storage parameter refuses it (recorded: list_append of [inf] answered 4).
        let lead = MpValue::Array(vec![MpValue::Ext(0xff, vec![0]), i(1)]);
        assert_eq!(storage_form(lead.clone()), Ok(MpValue::Array(vec![MpValue::Ext(1, vec![]), i(1)])));
        assert_eq!(op_value(lead), Err(crate::result_code::PARAMETER_ERROR));
    }

    #[test]
    fn search_values_are_refused_anywhere_else() {
        let wild = MpValue::Ext(0xff, vec![0]);
        assert_eq!(storage_form(wild.clone()), Err(Refused));
        assert_eq!(storage_form(MpValue::Array(vec![i(1), wild.clone()])), Err(Refused));
        assert_eq!(storage_form(m(vec![(s("a"), wild)])), Err(Refused));
        // Other exts are stored as they are.
        assert_eq!(storage_form(MpValue::Ext(5, vec![1, 2])), Ok(MpValue::Ext(5, vec![1, 2])));
    }
}
