//! Arrow arrays straight from Aerospike values, one column at a time, following a `Kind`
//! (inferred or taken from the caller's schema). Lists and maps recurse on their children.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Float64Array, Int64Array, ListArray, MapArray, NullArray,
    StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{Field, Fields};

use crate::cell::{Cell, Scalar};
use crate::error::ColumnarError;
use crate::infer::{map_entries_field, Kind};

/// What to do with a value that doesn't fit its column's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMismatch {
    Error,
    Null,
}

/// Builds one column; `values[i]` is None for a missing record or bin (a nil cell is null too).
pub(crate) struct ColumnBuild<'a> {
    pub bin: &'a str,
    pub on_mismatch: OnMismatch,
}

/// 2^53: every integer of smaller magnitude has an exact float64 form.
const EXACT_FLOAT_LIMIT: i64 = 1 << 53;

impl ColumnBuild<'_> {
    pub(crate) fn array<'a, C: Cell<'a>>(&self, values: &[Option<C>], kind: &Kind) -> Result<ArrayRef, ColumnarError> {
        match kind {
            Kind::List(element) => self.list(values, kind, element),
            Kind::Map(key, value) => self.map(values, kind, key, value),
            _ => self.column_of(values.iter().copied(), values.len(), kind),
        }
    }

    /// A column from `len` cells read as they come: a scalar kind's cells go straight into its
    /// array (a list's items into their child array, with no vector of cells in between); lists
    /// and maps, whose cells are walked twice, are gathered first.
    fn column_of<'a, C: Cell<'a>>(&self, values: impl Iterator<Item = Option<C>>, len: usize, kind: &Kind) -> Result<ArrayRef, ColumnarError> {
        Ok(match kind {
            Kind::Null => Arc::new(NullArray::new(len)),
            Kind::Bool => Arc::new(
                values
                    .map(|v| self.fit(v, kind, |s| if let Scalar::Bool(b) = s { Some(b) } else { None }))
                    .collect::<Result<BooleanArray, _>>()?,
            ),
            Kind::Int => Arc::new(
                values
                    .map(|v| self.fit(v, kind, |s| if let Scalar::Int(i) = s { Some(i) } else { None }))
                    .collect::<Result<Int64Array, _>>()?,
            ),
            Kind::Float => Arc::new(values.map(|v| self.float(v)).collect::<Result<Float64Array, _>>()?),
            Kind::Str => Arc::new(
                values
                    .map(|v| {
                        self.fit(v, kind, |s| match s {
                            Scalar::Str(s) | Scalar::GeoJson(s) => Some(s),
                            _ => None,
                        })
                    })
                    .collect::<Result<StringArray, _>>()?,
            ),
            Kind::Blob => Arc::new(
                values
                    .map(|v| {
                        self.fit(v, kind, |s| match s {
                            Scalar::Blob(b) | Scalar::Hll(b) => Some(b),
                            _ => None,
                        })
                    })
                    .collect::<Result<BinaryArray, _>>()?,
            ),
            Kind::List(_) | Kind::Map(..) => {
                let cells: Vec<Option<C>> = values.collect();
                self.array(&cells, kind)?
            }
        })
    }

    /// `pick` extracts the value when it has the column's kind; otherwise null or an error.
    fn fit<'a, C: Cell<'a>, T>(&self, value: Option<C>, kind: &Kind, pick: impl FnOnce(Scalar<'a>) -> Option<T>) -> Result<Option<T>, ColumnarError> {
        let Some(cell) = value else { return Ok(None) };
        match cell.scalar() {
            Scalar::Nil => Ok(None),
            scalar => match pick(scalar) {
                Some(x) => Ok(Some(x)),
                None => self.mismatch(cell, kind).map(|()| None),
            },
        }
    }

    fn mismatch<'a, C: Cell<'a>>(&self, value: C, kind: &Kind) -> Result<(), ColumnarError> {
        match self.on_mismatch {
            OnMismatch::Null => Ok(()),
            OnMismatch::Error => {
                let found = Kind::of_cell(value).map_or_else(|c| c.0.describe(), |k| k.describe());
                Err(ColumnarError::TypeConflict { bin: self.bin.to_owned(), first: kind.describe(), second: found })
            }
        }
    }

    fn float<'a, C: Cell<'a>>(&self, value: Option<C>) -> Result<Option<f64>, ColumnarError> {
        let Some(cell) = value else { return Ok(None) };
        match cell.scalar() {
            Scalar::Nil => Ok(None),
            Scalar::Float(f) => Ok(Some(f)),
            Scalar::Int(i) if i.unsigned_abs() <= EXACT_FLOAT_LIMIT.unsigned_abs() => {
                #[allow(clippy::cast_precision_loss)] // exact below 2^53, checked above
                Ok(Some(i as f64))
            }
            Scalar::Int(i) => match self.on_mismatch {
                OnMismatch::Null => Ok(None),
                OnMismatch::Error => Err(ColumnarError::LossyPromotion { bin: self.bin.to_owned(), value: i }),
            },
            _ => self.mismatch(cell, &Kind::Float).map(|()| None),
        }
    }

    fn list<'a, C: Cell<'a>>(&self, values: &[Option<C>], kind: &Kind, element: &Kind) -> Result<ArrayRef, ColumnarError> {
        let mut lengths = Vec::with_capacity(values.len());
        let mut valid = Vec::with_capacity(values.len());
        for value in values {
            match (value, value.and_then(|cell| cell.list())) {
                (_, Some(items)) => {
                    lengths.push(items.count());
                    valid.push(true);
                }
                (Some(cell), None) if cell.scalar() != Scalar::Nil => {
                    self.mismatch(*cell, kind)?;
                    lengths.push(0);
                    valid.push(false);
                }
                _ => {
                    lengths.push(0);
                    valid.push(false);
                }
            }
        }
        let total = lengths.iter().sum();
        let items = values.iter().filter_map(|v| v.and_then(|cell| cell.list())).flatten().map(Some);
        let child = self.column_of(items, total, element)?;
        let field = Arc::new(Field::new("item", element.data_type(), true));
        Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::from_lengths(lengths), child, nulls(valid))?))
    }

    fn map<'a, C: Cell<'a>>(&self, values: &[Option<C>], kind: &Kind, key: &Kind, value: &Kind) -> Result<ArrayRef, ColumnarError> {
        let mut lengths = Vec::with_capacity(values.len());
        let mut valid = Vec::with_capacity(values.len());
        let mut keys: Vec<Option<C>> = Vec::new();
        let mut items: Vec<Option<C>> = Vec::new();
        for v in values {
            match v.and_then(|cell| cell.map()) {
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
                    if let Some(other) = v.filter(|c| c.scalar() != Scalar::Nil) {
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

/// A validity bitmap, or none when every slot is valid (Arrow's cheaper form).
pub(crate) fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}
