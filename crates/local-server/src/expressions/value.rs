//! Expression values: what a node evaluates to (with `Unknown`, the third truth value), their
//! static types, and conversions to and from bin values and msgpack.

use crate::codec::msgpack::{self, MpValue, RAW_BLOB, RAW_GEOJSON, RAW_STRING};
use crate::codec::particle::{self, Value};

/// The result types of the wire format (`ExpType`), plus `Any` for "decided at run time" and
/// `Remove` for the remove-result marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Nil,
    Bool,
    Int,
    Str,
    List,
    Map,
    Blob,
    Float,
    Geo,
    Hll,
    Remove,
    Any,
}

impl Type {
    /// The wire type numbers valid as inputs (bin types, call return types).
    pub fn from_wire(t: u64) -> Option<Type> {
        Some(match t {
            0 => Type::Nil,
            1 => Type::Bool,
            2 => Type::Int,
            3 => Type::Str,
            4 => Type::List,
            5 => Type::Map,
            6 => Type::Blob,
            7 => Type::Float,
            8 => Type::Geo,
            9 => Type::Hll,
            _ => return None,
        })
    }

    /// The particle type a bin of this type has.
    pub fn particle(self) -> u8 {
        match self {
            Type::Bool => particle::BOOL,
            Type::Int => particle::INTEGER,
            Type::Str => particle::STRING,
            Type::List => particle::LIST,
            Type::Map => particle::MAP,
            Type::Blob => particle::BLOB,
            Type::Float => particle::FLOAT,
            Type::Geo => particle::GEOJSON,
            Type::Hll => particle::HLL,
            Type::Nil | Type::Remove | Type::Any => particle::NULL,
        }
    }
}

/// A run-time value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Unknown,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    Blob(Vec<u8>),
    Hll(Vec<u8>),
    /// GeoJSON text.
    Geo(Vec<u8>),
    /// msgpack of a list.
    List(Vec<u8>),
    /// msgpack of a map.
    Map(Vec<u8>),
    /// "Remove this element" (path modify expressions).
    Remove,
}

impl Val {
    pub fn from_value(v: &Value) -> Val {
        match v {
            Value::Nil => Val::Nil,
            Value::Int(i) => Val::Int(*i),
            Value::Float(f) => Val::Float(*f),
            Value::Str(s) => Val::Str(s.clone()),
            Value::Blob(_, b) => Val::Blob(b.clone()),
            Value::Bool(b) => Val::Bool(*b),
            Value::Hll(b) => Val::Hll(b.clone()),
            Value::Map(b) => Val::Map(b.clone()),
            Value::List(b) => Val::List(b.clone()),
            Value::GeoJson(t) => Val::Geo(t.clone()),
        }
    }

    /// The bin value this result becomes; `None` for nil (and for unknown, which callers
    /// handle first).
    pub fn to_value(&self) -> Option<Value> {
        Some(match self {
            Val::Unknown | Val::Nil | Val::Remove => return None,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::Int(*i),
            Val::Float(f) => Value::Float(*f),
            Val::Str(s) => Value::Str(s.clone()),
            Val::Blob(b) => Value::Blob(particle::BLOB, b.clone()),
            Val::Hll(b) => Value::Hll(b.clone()),
            Val::Geo(t) => Value::GeoJson(t.clone()),
            Val::List(b) => Value::List(b.clone()),
            Val::Map(b) => Value::Map(b.clone()),
        })
    }

    /// Whether the value has the (static) type `t`.
    pub fn is_type(&self, t: Type) -> bool {
        matches!(
            (self, t),
            (Val::Nil, Type::Nil)
                | (Val::Bool(_), Type::Bool)
                | (Val::Int(_), Type::Int)
                | (Val::Float(_), Type::Float)
                | (Val::Str(_), Type::Str)
                | (Val::Blob(_), Type::Blob)
                | (Val::Hll(_), Type::Hll)
                | (Val::Geo(_), Type::Geo)
                | (Val::List(_), Type::List)
                | (Val::Map(_), Type::Map)
                | (Val::Remove, Type::Remove)
                | (_, Type::Any)
        )
    }

    /// The msgpack form used inside CDT arguments and lists (strings carry their type byte).
    pub fn to_msgpack(&self) -> Option<Vec<u8>> {
        let typed = |t: u8, b: &[u8]| {
            let mut d = Vec::with_capacity(b.len() + 1);
            d.push(t);
            d.extend_from_slice(b);
            msgpack::to_bytes(&MpValue::Raw { bin: false, data: d })
        };
        Some(match self {
            Val::Unknown | Val::Remove => return None,
            Val::Nil => vec![0xc0],
            Val::Bool(b) => vec![if *b { 0xc3 } else { 0xc2 }],
            Val::Int(i) => msgpack::to_bytes(&MpValue::Int(*i)),
            Val::Float(f) => msgpack::to_bytes(&MpValue::Float(*f)),
            Val::Str(s) => typed(RAW_STRING, s),
            Val::Blob(b) => typed(RAW_BLOB, b),
            Val::Hll(b) => typed(particle::HLL, b),
            Val::Geo(t) => typed(RAW_GEOJSON, t),
            Val::List(b) | Val::Map(b) => b.clone(),
        })
    }
}
