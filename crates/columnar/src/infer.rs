//! Column type inference: the narrowest Arrow type that holds every value of a bin, with the one
//! lossless promotion (int + float -> float64) and a conflict for anything else.

use aerospike::Value;

use crate::cell::{Cell, Scalar};
use arrow_schema::{DataType, Field, Fields};
use std::sync::Arc;

/// The shape of a column's values, nested for lists and maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No value seen yet (or only nils): becomes whatever comes next.
    Null,
    Bool,
    Int,
    Float,
    /// str and GeoJSON text.
    Str,
    /// bytes and HyperLogLog.
    Blob,
    List(Box<Kind>),
    Map(Box<Kind>, Box<Kind>),
}

/// Two kinds that cannot share a column, named for the error message.
#[derive(Debug)]
pub struct Conflict(pub Kind, pub Kind);

impl Kind {
    /// The kind of one value (a list's elements and a map's keys and values merged).
    pub fn of(value: &Value) -> Result<Kind, Conflict> {
        Self::of_cell(value)
    }

    /// `of` for any held form of a value.
    pub fn of_cell<'a, C: Cell<'a>>(cell: C) -> Result<Kind, Conflict> {
        Ok(match cell.scalar() {
            Scalar::Nil => Kind::Null,
            Scalar::Bool(_) => Kind::Bool,
            Scalar::Int(_) => Kind::Int,
            Scalar::Float(_) => Kind::Float,
            Scalar::Str(_) | Scalar::GeoJson(_) => Kind::Str,
            Scalar::Blob(_) | Scalar::Hll(_) | Scalar::Unsupported => Kind::Blob,
            Scalar::List => {
                let mut element = Kind::Null;
                for item in cell.list().into_iter().flatten() {
                    element = element.merge(Kind::of_cell(item)?)?;
                }
                Kind::List(Box::new(element))
            }
            Scalar::Map => {
                let (mut key, mut value) = (Kind::Null, Kind::Null);
                for (k, v) in cell.map().into_iter().flatten() {
                    key = key.merge(Kind::of_cell(k)?)?;
                    value = value.merge(Kind::of_cell(v)?)?;
                }
                Kind::Map(Box::new(key), Box::new(value))
            }
        })
    }

    /// Whether a column of this kind already holds `cell` as it is, so merging its kind would
    /// change nothing. Checked before `of_cell`, it keeps inference free of allocations for
    /// the common column whose values all share one kind (nested ones included).
    pub fn covers<'a, C: Cell<'a>>(&self, cell: C) -> bool {
        match (self, cell.scalar()) {
            (_, Scalar::Nil) => true,
            (Kind::Bool, Scalar::Bool(_)) | (Kind::Int, Scalar::Int(_)) => true,
            (Kind::Float, Scalar::Float(_) | Scalar::Int(_)) => true,
            (Kind::Str, Scalar::Str(_) | Scalar::GeoJson(_)) => true,
            (Kind::Blob, Scalar::Blob(_) | Scalar::Hll(_) | Scalar::Unsupported) => true,
            (Kind::List(element), Scalar::List) => cell.list().is_some_and(|mut items| items.all(|item| element.covers(item))),
            (Kind::Map(key, value), Scalar::Map) => cell.map().is_some_and(|mut entries| entries.all(|(k, v)| key.covers(k) && value.covers(v))),
            _ => false,
        }
    }

    /// The kind that holds both; Null gives way to anything, int and float meet at float.
    pub fn merge(self, other: Kind) -> Result<Kind, Conflict> {
        Ok(match (self, other) {
            (Kind::Null, k) | (k, Kind::Null) => k,
            (a, b) if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            (Kind::List(a), Kind::List(b)) => Kind::List(Box::new(a.merge(*b)?)),
            (Kind::Map(ak, av), Kind::Map(bk, bv)) => {
                Kind::Map(Box::new(ak.merge(*bk)?), Box::new(av.merge(*bv)?))
            }
            (a, b) => return Err(Conflict(a, b)),
        })
    }

    /// The Arrow type of a column of this kind.
    pub fn data_type(&self) -> DataType {
        match self {
            Kind::Null => DataType::Null,
            Kind::Bool => DataType::Boolean,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Str => DataType::Utf8,
            Kind::Blob => DataType::Binary,
            Kind::List(element) => DataType::List(Arc::new(Field::new("item", element.data_type(), true))),
            Kind::Map(key, value) => DataType::Map(Arc::new(map_entries_field(key, value)), false),
        }
    }

    /// The kind to build for a caller's Arrow type (before the final cast), or None when values
    /// from Aerospike can never become that type.
    pub fn from_data_type(data_type: &DataType) -> Option<Kind> {
        Some(match data_type {
            DataType::Null => Kind::Null,
            DataType::Boolean => Kind::Bool,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => Kind::Int,
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => Kind::Int,
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Kind::Float,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Str,
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Kind::Blob,
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                Kind::List(Box::new(Kind::from_data_type(f.data_type())?))
            }
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(fields) if fields.len() == 2 => Kind::Map(
                    Box::new(Kind::from_data_type(fields[0].data_type())?),
                    Box::new(Kind::from_data_type(fields[1].data_type())?),
                ),
                _ => return None,
            },
            _ => return None,
        })
    }

    /// A name for messages: the Arrow type's, which users see in their frames.
    pub fn describe(&self) -> String {
        match self {
            Kind::Null => "null".into(),
            Kind::Bool => "bool".into(),
            Kind::Int => "int64".into(),
            Kind::Float => "float64".into(),
            Kind::Str => "utf8".into(),
            Kind::Blob => "binary".into(),
            Kind::List(e) => format!("list<{}>", e.describe()),
            Kind::Map(k, v) => format!("map<{}, {}>", k.describe(), v.describe()),
        }
    }
}

/// The `entries` struct field of an Arrow map; keys are never null.
pub(crate) fn map_entries_field(key: &Kind, value: &Kind) -> Field {
    // A map whose keys were never seen (only empty maps) still needs a concrete key type.
    let key_type = match key {
        Kind::Null => DataType::Utf8,
        k => k.data_type(),
    };
    Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", key_type, false),
            Field::new("value", value.data_type(), true),
        ])),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_and_float_meet_at_float_and_null_gives_way() {
        assert_eq!(Kind::Int.merge(Kind::Float).ok(), Some(Kind::Float));
        assert_eq!(Kind::Null.merge(Kind::Str).ok(), Some(Kind::Str));
        assert!(Kind::Int.merge(Kind::Str).is_err());
        assert!(Kind::Bool.merge(Kind::Int).is_err(), "a bool is not an int in Aerospike");
    }

    #[test]
    fn covers_says_whether_merging_would_change_the_kind() {
        let floats = Value::List(vec![Value::from(1.5), Value::Int(2), Value::Nil]);
        assert!(Kind::List(Box::new(Kind::Float)).covers(&floats));
        assert!(!Kind::List(Box::new(Kind::Int)).covers(&floats), "a float widens an int list");
        assert!(!Kind::List(Box::new(Kind::Null)).covers(&floats), "an empty first list fixed nothing");
        assert!(Kind::Str.covers(&Value::Nil) && !Kind::Str.covers(&Value::Int(1)));
        assert!(Kind::Float.covers(&Value::Int(3)) && !Kind::Int.covers(&Value::from(3.0)));
        let mut map = std::collections::HashMap::new();
        map.insert(Value::String("k".into()), Value::Int(1));
        let map = Value::HashMap(map);
        assert!(Kind::Map(Box::new(Kind::Str), Box::new(Kind::Float)).covers(&map));
        assert!(!Kind::Map(Box::new(Kind::Int), Box::new(Kind::Int)).covers(&map));
        // Every covered value merges into the same kind.
        for (kind, value) in [(Kind::Float, Value::Int(3)), (Kind::List(Box::new(Kind::Float)), floats)] {
            assert_eq!(Kind::of(&value).and_then(|k| kind.clone().merge(k)).ok(), Some(kind));
        }
    }

    #[test]
    fn nested_kinds_merge_element_wise() {
        let a = Kind::of(&Value::List(vec![Value::Int(1), Value::from(2.5)])).ok();
        assert_eq!(a, Some(Kind::List(Box::new(Kind::Float))));
        let empty = Kind::of(&Value::List(vec![])).ok();
        assert_eq!(empty.clone(), Some(Kind::List(Box::new(Kind::Null))));
        let merged = empty.and_then(|e| e.merge(Kind::List(Box::new(Kind::Str))).ok());
        assert_eq!(merged, Some(Kind::List(Box::new(Kind::Str))));
        let bad = Kind::of(&Value::List(vec![Value::Int(1), Value::String("x".into())]));
        assert!(bad.is_err());
    }
}
