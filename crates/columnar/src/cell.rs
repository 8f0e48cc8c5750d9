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

impl<'a> Cell<'a> for &'a Value {
    type Items = std::slice::Iter<'a, Value>;
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
            Value::List(_) | Value::MultiResult(_) => Scalar::List,
            Value::HashMap(_) | Value::OrderedMap(_) | Value::SortedMap(_) | Value::KeyValueList(_) => Scalar::Map,
            _ => Scalar::Unsupported,
        }
    }

    fn list(self) -> Option<Self::Items> {
        match self {
            Value::List(items) | Value::MultiResult(items) => Some(items.iter()),
            _ => None,
        }
    }

    fn map(self) -> Option<Self::Entries> {
        Some(match self {
            Value::HashMap(m) => Box::new(m.iter()),
            Value::OrderedMap(m) => Box::new(m.iter()),
            Value::SortedMap(m) => Box::new(m.iter()),
            Value::KeyValueList(p) => Box::new(p.iter().map(|(k, v)| (k, v))),
            _ => return None,
        })
    }
}
