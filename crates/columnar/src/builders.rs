//! Arrow arrays straight from Aerospike values, one column at a time, following a `Kind`
//! (inferred or taken from the caller's schema). Lists and maps recurse on their children.

use std::sync::Arc;

use aerospike::Value;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Float64Array, Int64Array, ListArray, MapArray, NullArray,
    StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{Field, Fields};

use crate::error::ColumnarError;
use crate::infer::{map_entries_field, Kind};

/// What to do with a value that doesn't fit its column's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMismatch {
    Error,
    Null,
}

/// Builds one column; `values[i]` is None for a missing record or bin (and a nil value).
pub(crate) struct ColumnBuild<'a> {
    pub bin: &'a str,
    pub on_mismatch: OnMismatch,
}

/// 2^53: every integer of smaller magnitude has an exact float64 form.
const EXACT_FLOAT_LIMIT: i64 = 1 << 53;

impl ColumnBuild<'_> {
    pub(crate) fn array(&self, values: &[Option<&Value>], kind: &Kind) -> Result<ArrayRef, ColumnarError> {
        Ok(match kind {
            Kind::Null => Arc::new(NullArray::new(values.len())),
            Kind::Bool => Arc::new(
                values
                    .iter()
                    .map(|v| self.fit(*v, kind, |v| if let Value::Bool(b) = v { Some(*b) } else { None }))
                    .collect::<Result<BooleanArray, _>>()?,
            ),
            Kind::Int => Arc::new(
                values
                    .iter()
                    .map(|v| self.fit(*v, kind, |v| if let Value::Int(i) = v { Some(*i) } else { None }))
                    .collect::<Result<Int64Array, _>>()?,
            ),
            Kind::Float => Arc::new(values.iter().map(|v| self.float(*v)).collect::<Result<Float64Array, _>>()?),
            Kind::Str => Arc::new(
                values
                    .iter()
                    .map(|v| {
                        self.fit(*v, kind, |v| match v {
                            Value::String(s) | Value::GeoJson(s) => Some(s.as_str()),
                            _ => None,
                        })
                    })
                    .collect::<Result<StringArray, _>>()?,
            ),
            Kind::Blob => Arc::new(
                values
                    .iter()
                    .map(|v| {
                        self.fit(*v, kind, |v| match v {
                            Value::Blob(b) | Value::Hll(b) | Value::Unknown(_, b) => Some(b.as_slice()),
                            _ => None,
                        })
                    })
                    .collect::<Result<BinaryArray, _>>()?,
            ),
            Kind::List(element) => self.list(values, kind, element)?,
            Kind::Map(key, value) => self.map(values, kind, key, value)?,
        })
    }

    /// `pick` extracts the value when it has the column's kind; otherwise null or an error.
    fn fit<'v, T>(&self, value: Option<&'v Value>, kind: &Kind, pick: impl FnOnce(&'v Value) -> Option<T>) -> Result<Option<T>, ColumnarError> {
        match value {
            None | Some(Value::Nil) => Ok(None),
            Some(v) => match pick(v) {
                Some(x) => Ok(Some(x)),
                None => self.mismatch(v, kind).map(|()| None),
            },
        }
    }

    fn mismatch(&self, value: &Value, kind: &Kind) -> Result<(), ColumnarError> {
        match self.on_mismatch {
            OnMismatch::Null => Ok(()),
            OnMismatch::Error => {
                let found = Kind::of(value).map_or_else(|c| c.0.describe(), |k| k.describe());
                Err(ColumnarError::TypeConflict { bin: self.bin.to_owned(), first: kind.describe(), second: found })
            }
        }
    }

    fn float(&self, value: Option<&Value>) -> Result<Option<f64>, ColumnarError> {
        match value {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::Float(f)) => Ok(Some(f64::from(f))),
            Some(Value::Int(i)) if i.unsigned_abs() <= EXACT_FLOAT_LIMIT.unsigned_abs() => {
                #[allow(clippy::cast_precision_loss)] // exact below 2^53, checked above
                Ok(Some(*i as f64))
            }
            Some(Value::Int(i)) => match self.on_mismatch {
                OnMismatch::Null => Ok(None),
                OnMismatch::Error => Err(ColumnarError::LossyPromotion { bin: self.bin.to_owned(), value: *i }),
            },
            Some(v) => self.mismatch(v, &Kind::Float).map(|()| None),
        }
    }

    fn list(&self, values: &[Option<&Value>], kind: &Kind, element: &Kind) -> Result<ArrayRef, ColumnarError> {
        let mut lengths = Vec::with_capacity(values.len());
        let mut valid = Vec::with_capacity(values.len());
        let mut children: Vec<Option<&Value>> = Vec::new();
        for value in values {
            match value {
                Some(Value::List(items) | Value::MultiResult(items)) => {
                    lengths.push(items.len());
                    valid.push(true);
                    children.extend(items.iter().map(Some));
                }
                None | Some(Value::Nil) => {
                    lengths.push(0);
                    valid.push(false);
                }
                Some(v) => {
                    self.mismatch(v, kind)?;
                    lengths.push(0);
                    valid.push(false);
                }
            }
        }
        let child = self.array(&children, element)?;
        let field = Arc::new(Field::new("item", element.data_type(), true));
        Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::from_lengths(lengths), child, nulls(valid))?))
    }

    fn map<'a>(&self, values: &[Option<&'a Value>], kind: &Kind, key: &Kind, value: &Kind) -> Result<ArrayRef, ColumnarError> {
        let mut lengths = Vec::with_capacity(values.len());
        let mut valid = Vec::with_capacity(values.len());
        let mut keys: Vec<Option<&'a Value>> = Vec::new();
        let mut items: Vec<Option<&'a Value>> = Vec::new();
        for v in values {
            let entries = match v {
                Some(map) => map_entries(map),
                None => None,
            };
            match entries {
                Some(entries) => {
                    let before = keys.len();
                    for (k, v) in entries {
                        keys.push(Some(k));
                        items.push(Some(v));
                    }
                    lengths.push(keys.len() - before);
                    valid.push(true);
                }
                None => {
                    if let Some(other) = v.filter(|v| !matches!(v, Value::Nil)) {
                        self.mismatch(other, kind)?;
                    }
                    lengths.push(0);
                    valid.push(false);
                }
            }
        }
        let key_kind = if *key == Kind::Null { Kind::Str } else { key.clone() };
        let key_array = self.array(&keys, &key_kind)?;
        if key_array.null_count() > 0 {
            return Err(ColumnarError::Cast { bin: self.bin.to_owned(), message: "a map key cannot be null".into() });
        }
        let value_array = self.array(&items, value)?;
        let entries_field = map_entries_field(key, value);
        let arrow_schema::DataType::Struct(fields) = entries_field.data_type().clone() else {
            return Err(ColumnarError::Arrow("map entries are not a struct".into()));
        };
        let entries = StructArray::try_new(Fields::from(fields.iter().cloned().collect::<Vec<_>>()), vec![key_array, value_array], None)?;
        Ok(Arc::new(MapArray::try_new(Arc::new(entries_field), OffsetBuffer::from_lengths(lengths), entries, nulls(valid), false)?))
    }
}

/// The entries of a map value in their order, or None for a value that is not a map.
fn map_entries(value: &Value) -> Option<Box<dyn Iterator<Item = (&Value, &Value)> + '_>> {
    Some(match value {
        Value::HashMap(m) => Box::new(m.iter()),
        Value::OrderedMap(m) => Box::new(m.iter()),
        Value::SortedMap(m) => Box::new(m.iter()),
        Value::KeyValueList(p) => Box::new(p.iter().map(|(k, v)| (k, v))),
        _ => return None,
    })
}

/// A validity bitmap, or none when every slot is valid (Arrow's cheaper form).
pub(crate) fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}
