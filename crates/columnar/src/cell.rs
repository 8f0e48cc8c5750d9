//! One value as the column builders (and the Python converter) see it, whichever way it is
//! held: an `aerospike::Value` the crate decoded, or a msgpack value packed in a `PackedRows`
//! arena. Builders written against `Cell` serve both, so there is one inference and one set of
//! builders however a batch was stored.

use aerospike::Value;

/// What a cell holds, without its children: lists and maps are walked through `Cell::list` and
/// `Cell::map`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    GeoJson(&'a str),
    Blob(&'a [u8]),
    Hll(&'a [u8]),
    List,
    Map,
    /// A value this build cannot represent (a newer server type); columns refuse it by name.
    Unsupported,
}

/// A read-only view of one value. Copy, so builders pass cells around like references.
pub trait Cell<'a>: Copy + Send + Sync + 'a {
    type Items: Iterator<Item = Self>;
    type Entries: Iterator<Item = (Self, Self)>;

    fn scalar(self) -> Scalar<'a>;
    /// A list's items, or None for any other value.
    fn list(self) -> Option<Self::Items>;
    /// A map's entries in their stored order, or None for any other value.
    fn map(self) -> Option<Self::Entries>;
}

/// A decoded list's items. A key/value list (what the server answers for a map read with the
/// KEY_VALUE return type, flagged "preserve order") is a list too, flattened `k1, v1, k2, v2`,
/// as the official clients give it.
pub enum ValueItems<'a> {
    Items(std::slice::Iter<'a, Value>),
    Pairs { pairs: std::slice::Iter<'a, (Value, Value)>, value_next: Option<&'a Value> },
}

impl<'a> Iterator for ValueItems<'a> {
    type Item = &'a Value;

    fn next(&mut self) -> Option<&'a Value> {
        match self {
            ValueItems::Items(items) => items.next(),
            ValueItems::Pairs { pairs, value_next } => {
                if let Some(value) = value_next.take() {
                    return Some(value);
                }
                let (key, value) = pairs.next()?;
                *value_next = Some(value);
                Some(key)
            }
        }
    }
}

impl<'a> Cell<'a> for &'a Value {
    type Items = ValueItems<'a>;
    type Entries = Box<dyn Iterator<Item = (&'a Value, &'a Value)> + 'a>;

    fn scalar(self) -> Scalar<'a> {
        match self {
            Value::Nil | Value::Infinity | Value::Wildcard => Scalar::Nil,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Int(i) => Scalar::Int(*i),
            Value::Float(f) => Scalar::Float(f64::from(f)),
            Value::String(s) => Scalar::Str(s),
            Value::GeoJson(s) => Scalar::GeoJson(s),
            Value::Blob(b) | Value::Unknown(_, b) => Scalar::Blob(b),
            Value::Hll(b) => Scalar::Hll(b),
            Value::List(_) | Value::MultiResult(_) | Value::KeyValueList(_) => Scalar::List,
            Value::HashMap(_) | Value::OrderedMap(_) | Value::SortedMap(_) => Scalar::Map,
            _ => Scalar::Unsupported,
        }
    }

    fn list(self) -> Option<Self::Items> {
        match self {
            Value::List(items) | Value::MultiResult(items) => Some(ValueItems::Items(items.iter())),
            Value::KeyValueList(pairs) => Some(ValueItems::Pairs { pairs: pairs.iter(), value_next: None }),
            _ => None,
        }
    }

    fn map(self) -> Option<Self::Entries> {
        Some(match self {
            Value::HashMap(m) => Box::new(m.iter()),
            Value::OrderedMap(m) => Box::new(m.iter()),
            Value::SortedMap(m) => Box::new(m.iter()),
            _ => return None,
        })
    }
}
