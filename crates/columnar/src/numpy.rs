//! NumPy layouts filled from Arrow columns without Python: a structured dtype (one field per
//! bin, sub-arrays for fixed-length numeric lists such as embeddings) or a plain 2-D dtype (the
//! same thing with k equal fields). The binding parses the dtype into a `Layout`, this module
//! fills one interleaved buffer and a mask, and NumPy takes the buffer without a second copy.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::cell::{Cell, Scalar as CellScalar};
use crate::error::ColumnarError;
use crate::packed::{PackedCell, PackedRows};

/// The element type of a field, as NumPy spells it (little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    Bool,
    Int { bytes: usize, signed: bool },
    Float { bytes: usize },
    /// `U<n>`: n UCS-4 code points.
    Unicode { chars: usize },
    /// `S<n>`: n bytes.
    Bytes { len: usize },
}

impl std::fmt::Display for Scalar {
    /// NumPy's name for the type, as the caller wrote it in the dtype.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool => write!(f, "bool"),
            Scalar::Int { bytes, signed: true } => write!(f, "int{}", bytes * 8),
            Scalar::Int { bytes, signed: false } => write!(f, "uint{}", bytes * 8),
            Scalar::Float { bytes } => write!(f, "float{}", bytes * 8),
            Scalar::Unicode { chars } => write!(f, "U{chars}"),
            Scalar::Bytes { len } => write!(f, "S{len}"),
        }
    }
}

impl Scalar {
    pub fn size(self) -> usize {
        match self {
            Scalar::Bool => 1,
            Scalar::Int { bytes, .. } | Scalar::Float { bytes } => bytes,
            Scalar::Unicode { chars } => chars * 4,
            Scalar::Bytes { len } => len,
        }
    }
}

/// One field of the record layout: `count` consecutive scalars at `offset` (count 1: a scalar
/// field; more: a sub-array such as `("emb", "f4", (16,))`).
#[derive(Clone, Debug)]
pub struct FieldLayout {
    pub name: String,
    /// The column that fills it.
    pub column: String,
    pub offset: usize,
    pub scalar: Scalar,
    pub count: usize,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub itemsize: usize,
    pub fields: Vec<FieldLayout>,
}

/// The filled buffer (rows x itemsize bytes) and one mask flag per row and field, true where
/// there was no value (missing record, missing bin, nil).
pub struct Filled {
    pub data: Vec<u8>,
    pub mask: Vec<bool>,
    pub masked: usize,
}

pub fn fill(batch: &RecordBatch, layout: &Layout) -> Result<Filled, ColumnarError> {
    let rows = batch.num_rows();
    let fields = layout.fields.len();
    let mut data = vec![0u8; rows.saturating_mul(layout.itemsize)];
    let mut mask = vec![false; rows.saturating_mul(fields)];
    check_fits(layout)?;
    for (field_index, field) in layout.fields.iter().enumerate() {
        // A column of nulls (a selected bin no record has) fills nothing: every row is masked.
        let column = batch.column_by_name(&field.column).filter(|c| *c.data_type() != DataType::Null);
        let Some(column) = column else {
            for row in 0..rows {
                mask[row * fields + field_index] = true;
            }
            continue;
        };
        let cells = Cells::of(column, field)?;
        let width = field.scalar.size() * field.count;
        for row in 0..rows {
            let start = row * layout.itemsize + field.offset;
            if !cells.write(row, field, &mut data[start..start + width])? {
                mask[row * fields + field_index] = true;
            }
        }
    }
    let masked = mask.iter().filter(|m| **m).count();
    Ok(Filled { data, mask, masked })
}

/// `fill` straight from a batch's packed rows, without building Arrow columns first: each bin
/// that a field names is decoded once, into its slot. What fills and what is refused is `fill`'s
/// (an int fills a float field only when exact, a string is never truncated, a sub-array field
/// takes lists of its length with no nil inside); a row without the bin, or with a nil, is masked.
pub fn fill_packed(rows: &PackedRows, layout: &Layout) -> Result<Filled, ColumnarError> {
    let fields = layout.fields.len();
    check_fits(layout)?;
    let mut data = vec![0u8; rows.len().saturating_mul(layout.itemsize)];
    let mut mask = vec![true; rows.len().saturating_mul(fields)];
    for (row_index, row) in rows.rows().iter().enumerate() {
        let record = &mut data[row_index * layout.itemsize..(row_index + 1) * layout.itemsize];
        for (name, cell) in rows.bins(row) {
            // Dtypes have a handful of fields: a scan beats hashing the name.
            for (field_index, field) in layout.fields.iter().enumerate().filter(|(_, f)| f.column == name) {
                let slot = &mut record[field.offset..field.offset + field.scalar.size() * field.count];
                if write_packed(cell, row_index, field, slot)? {
                    mask[row_index * fields + field_index] = false;
                }
            }
        }
    }
    let masked = mask.iter().filter(|m| **m).count();
    Ok(Filled { data, mask, masked })
}

/// One packed bin into its slot; false for a nil.
fn write_packed(cell: PackedCell<'_>, row: usize, field: &FieldLayout, slot: &mut [u8]) -> Result<bool, ColumnarError> {
    match cell.scalar() {
        CellScalar::Nil => Ok(false),
        CellScalar::List => {
            let Some(items) = cell.list() else { return Err(layout_error(field, format!("row {row} holds an unreadable list"))) };
            let size = field.scalar.size();
            let mut count = 0;
            for item in items {
                if count < field.count {
                    if matches!(item.scalar(), CellScalar::Nil) {
                        return Err(layout_error(field, format!("row {row} has a nil inside its list")));
                    }
                    write_value(item.scalar(), row, field, &mut slot[count * size..(count + 1) * size])?;
                }
                count += 1;
            }
            if count != field.count {
                return Err(layout_error(field, format!("wants {} elements per row, but row {row} has a list of {count}", field.count)));
            }
            Ok(true)
        }
        _ if field.count > 1 => Err(layout_error(field, format!("is a sub-array but row {row} holds {}", describe(cell.scalar())))),
        scalar => write_value(scalar, row, field, slot).map(|()| true),
    }
}

/// One value into its slot, by the field's type: the rules of both `fill` and `fill_packed`.
fn write_value(value: CellScalar<'_>, row: usize, field: &FieldLayout, slot: &mut [u8]) -> Result<(), ColumnarError> {
    match (field.scalar, value) {
        (Scalar::Float { bytes }, CellScalar::Int(i)) => {
            if i.unsigned_abs() > (1u64 << 53) {
                return Err(layout_error(field, format!("int {i} has no exact float form")));
            }
            #[allow(clippy::cast_precision_loss)] // exact below 2^53, checked above
            write_float(i as f64, bytes, slot);
        }
        (Scalar::Float { bytes }, CellScalar::Float(f)) => write_float(f, bytes, slot),
        (Scalar::Int { bytes, signed }, CellScalar::Int(v)) => {
            write_int(v, bytes, signed, slot).ok_or_else(|| {
                let kind = if signed { "int" } else { "uint" };
                layout_error(field, format!("value {v} does not fit {kind}{}", bytes * 8))
            })?;
        }
        (Scalar::Int { .. } | Scalar::Bool, CellScalar::Bool(b)) => slot[0] = u8::from(b),
        (Scalar::Unicode { chars }, CellScalar::Str(text) | CellScalar::GeoJson(text)) => {
            let count = text.chars().count();
            if count > chars {
                return Err(layout_error(field, format!("row {row} holds {count} characters, more than U{chars}; widen the dtype")));
            }
            for (i, c) in text.chars().enumerate() {
                slot[i * 4..i * 4 + 4].copy_from_slice(&u32::from(c).to_le_bytes());
            }
        }
        (Scalar::Bytes { len }, CellScalar::Blob(bytes)) => write_bytes(bytes, len, row, field, slot)?,
        (Scalar::Bytes { len }, CellScalar::Str(text) | CellScalar::GeoJson(text)) => write_bytes(text.as_bytes(), len, row, field, slot)?,
        (scalar, value) => {
            return Err(layout_error(field, format!("row {row} holds {}, which cannot fill a {scalar} field", describe(value))));
        }
    }
    Ok(())
}

/// A value's kind, as an error names it.
fn describe(value: CellScalar<'_>) -> &'static str {
    match value {
        CellScalar::Nil => "nil",
        CellScalar::Bool(_) => "a bool",
        CellScalar::Int(_) => "an int",
        CellScalar::Float(_) => "a float",
        CellScalar::Str(_) => "a string",
        CellScalar::GeoJson(_) => "a GeoJSON value",
        CellScalar::Blob(_) => "bytes",
        CellScalar::Hll(_) => "an HLL",
        CellScalar::List => "a list",
        CellScalar::Map => "a map",
        CellScalar::Unsupported => "a value of an unsupported type",
    }
}

/// Every field lies inside the itemsize (checked before anything is written).
fn check_fits(layout: &Layout) -> Result<(), ColumnarError> {
    match layout.fields.iter().find(|f| f.offset + f.scalar.size() * f.count > layout.itemsize) {
        Some(field) => Err(layout_error(field, "does not fit in the dtype's itemsize")),
        None => Ok(()),
    }
}

fn layout_error(field: &FieldLayout, message: impl Into<String>) -> ColumnarError {
    ColumnarError::Layout { field: field.name.clone(), message: message.into() }
}

/// A column's values, downcast once per field rather than once per cell (a 16-float sub-array
/// field of 100k rows is 1.6M cells).
enum Values<'a> {
    Int(&'a [i64]),
    Float(&'a [f64]),
    Bool(&'a arrow_array::BooleanArray),
    Text(&'a arrow_array::StringArray),
    Binary(&'a arrow_array::BinaryArray),
    /// A type no field can take: the error names it when a cell is met.
    Other(&'a DataType),
}

impl<'a> Values<'a> {
    fn of(column: &'a ArrayRef) -> Self {
        match column.data_type() {
            DataType::Int64 => Values::Int(column.as_primitive::<Int64Type>().values()),
            DataType::Float64 => Values::Float(column.as_primitive::<Float64Type>().values()),
            DataType::Boolean => Values::Bool(column.as_boolean()),
            DataType::Utf8 => Values::Text(column.as_string::<i32>()),
            DataType::Binary => Values::Binary(column.as_binary::<i32>()),
            other => Values::Other(other),
        }
    }

    /// Row `row`'s value, as a packed cell would give it: one set of filling rules serves both.
    fn at(&self, row: usize) -> CellScalar<'a> {
        match self {
            Values::Int(ints) => CellScalar::Int(ints[row]),
            Values::Float(floats) => CellScalar::Float(floats[row]),
            Values::Bool(bools) => CellScalar::Bool(bools.value(row)),
            Values::Text(texts) => CellScalar::Str(texts.value(row)),
            Values::Binary(blobs) => CellScalar::Blob(blobs.value(row)),
            Values::Other(DataType::List(_) | DataType::LargeList(_)) => CellScalar::List,
            Values::Other(DataType::Map(..) | DataType::Struct(_)) => CellScalar::Map,
            Values::Other(_) => CellScalar::Unsupported,
        }
    }
}

/// How a field's cells are read: scalars straight from the column, or a fixed-length sub-array
/// from a list column's child values.
enum Cells<'a> {
    Scalar { column: &'a ArrayRef, values: Values<'a> },
    List { column: &'a ArrayRef, offsets: &'a [i32], items: &'a ArrayRef, values: Values<'a> },
}

impl<'a> Cells<'a> {
    fn of(column: &'a ArrayRef, field: &FieldLayout) -> Result<Self, ColumnarError> {
        if field.count > 1 || matches!(column.data_type(), DataType::List(_)) {
            let DataType::List(_) = column.data_type() else {
                return Err(layout_error(field, format!("is a sub-array but the column is {}", column.data_type())));
            };
            let list = column.as_list::<i32>();
            let items = list.values();
            return Ok(Cells::List { column, offsets: list.value_offsets(), items, values: Values::of(items) });
        }
        Ok(Cells::Scalar { column, values: Values::of(column) })
    }

    /// Writes row `row` into `slot`; false when the cell is null.
    fn write(&self, row: usize, field: &FieldLayout, slot: &mut [u8]) -> Result<bool, ColumnarError> {
        match self {
            Cells::Scalar { column, values } => {
                if column.is_null(row) {
                    return Ok(false);
                }
                write_value(values.at(row), row, field, slot)?;
            }
            Cells::List { column, offsets, items, values } => {
                if column.is_null(row) {
                    return Ok(false);
                }
                // Offsets into the child array, not `list.value(row)`: no slice is made per row.
                #[allow(clippy::cast_sign_loss)] // Arrow offsets are never negative
                let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                if end - start != field.count {
                    return Err(layout_error(
                        field,
                        format!("wants {} elements per row, but row {row} has a list of {}", field.count, end - start),
                    ));
                }
                let size = field.scalar.size();
                if items.null_count() > 0 && (start..end).any(|item| items.is_null(item)) {
                    return Err(layout_error(field, format!("row {row} has a nil inside its list")));
                }
                for (i, item) in (start..end).enumerate() {
                    write_value(values.at(item), row, field, &mut slot[i * size..(i + 1) * size])?;
                }
            }
        }
        Ok(true)
    }
}

fn write_float(v: f64, bytes: usize, slot: &mut [u8]) {
    if bytes == 8 {
        slot.copy_from_slice(&v.to_le_bytes());
    } else {
        #[allow(clippy::cast_possible_truncation)] // the caller asked for float32
        slot.copy_from_slice(&(v as f32).to_le_bytes());
    }
}

/// An `S<len>` field: the bytes, zero-padded; never truncated.
fn write_bytes(bytes: &[u8], len: usize, row: usize, field: &FieldLayout, slot: &mut [u8]) -> Result<(), ColumnarError> {
    if bytes.len() > len {
        return Err(layout_error(field, format!("row {row} holds {} bytes, more than S{len}; widen the dtype", bytes.len())));
    }
    slot[..bytes.len()].copy_from_slice(bytes);
    Ok(())
}

/// Little-endian bytes of `v` in an integer of `bytes` bytes, or None when it doesn't fit.
fn write_int(v: i64, bytes: usize, signed: bool, slot: &mut [u8]) -> Option<()> {
    let bits = bytes * 8;
    let fits = if signed {
        bits >= 64 || (v >= -(1i64 << (bits - 1)) && v < (1i64 << (bits - 1)))
    } else {
        v >= 0 && (bits >= 64 || v < (1i64 << bits))
    };
    if !fits {
        return None;
    }
    slot.copy_from_slice(&v.to_le_bytes()[..bytes]);
    Some(())
}

/// The rows of a structured NumPy buffer as records to write (`batch_write_numpy`): the
/// `key_field` gives each record's key, every other field a bin (sub-array fields a list).
pub fn records(data: &[u8], rows: usize, layout: &Layout, key_field: &str) -> Result<Vec<crate::from_arrow::RecordToWrite>, ColumnarError> {
    let key = layout.fields.iter().position(|f| f.name == key_field).ok_or_else(|| ColumnarError::Layout {
        field: key_field.to_owned(),
        message: format!("is not a field of the array (fields: {})", layout.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")),
    })?;
    if data.len() < rows.saturating_mul(layout.itemsize) {
        return Err(ColumnarError::Layout { field: key_field.to_owned(), message: "the buffer is shorter than rows x itemsize".into() });
    }
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let record = &data[row * layout.itemsize..(row + 1) * layout.itemsize];
        let mut key_value = None;
        let mut bins = Vec::with_capacity(layout.fields.len().saturating_sub(1));
        for (i, field) in layout.fields.iter().enumerate() {
            let size = field.scalar.size();
            let end = field.offset + size * field.count;
            let bytes = record.get(field.offset..end).ok_or_else(|| layout_error(field, "does not fit in the itemsize"))?;
            let value = if field.count == 1 {
                read_scalar(bytes, field.scalar)
            } else {
                aerospike::Value::List(bytes.chunks_exact(size).map(|b| read_scalar(b, field.scalar)).collect())
            };
            if i == key {
                key_value = Some(value);
            } else {
                bins.push(aerospike::Bin::new(field.name.clone(), value));
            }
        }
        let key = match key_value {
            Some(k @ (aerospike::Value::Int(_) | aerospike::Value::String(_) | aerospike::Value::Blob(_))) => k,
            _ => return Err(ColumnarError::Layout { field: key_field.to_owned(), message: "keys are ints, U<n> or S<n> fields".into() }),
        };
        out.push(crate::from_arrow::RecordToWrite { key, bins });
    }
    Ok(out)
}

fn read_scalar(bytes: &[u8], scalar: Scalar) -> aerospike::Value {
    use aerospike::Value;
    let mut wide = [0u8; 8];
    match scalar {
        Scalar::Bool => Value::Bool(bytes.first().is_some_and(|b| *b != 0)),
        Scalar::Int { bytes: n, signed } => {
            wide[..n].copy_from_slice(&bytes[..n]);
            let raw = u64::from_le_bytes(wide);
            let shift = 64 - 8 * n as u32;
            #[allow(clippy::cast_possible_wrap)] // sign extension of an n-byte integer
            let v = if signed { ((raw << shift) as i64) >> shift } else { raw as i64 };
            Value::Int(v)
        }
        Scalar::Float { bytes: 8 } => {
            wide.copy_from_slice(&bytes[..8]);
            Value::from(f64::from_le_bytes(wide))
        }
        Scalar::Float { .. } => {
            let mut narrow = [0u8; 4];
            narrow.copy_from_slice(&bytes[..4]);
            Value::from(f64::from(f32::from_le_bytes(narrow)))
        }
        Scalar::Unicode { .. } => Value::String(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .take_while(|c| *c != 0)
                .filter_map(char::from_u32)
                .collect(),
        ),
        Scalar::Bytes { .. } => {
            let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
            Value::Blob(bytes[..end].to_vec())
        }
    }
}
