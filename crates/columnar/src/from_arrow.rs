//! Arrow record batches -> Aerospike records, one per row: the writing side of the columnar API
//! (`batch_write_arrow`). A null cell writes no bin; nested lists, maps and structs become
//! lists and maps; dates, times and durations are written as their integer Arrow value.

use aerospike::{Bin, IndexMap, Value};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::error::ColumnarError;

/// One row to write: its user key and the bins of its non-null cells.
pub struct RecordToWrite {
    pub key: Value,
    pub bins: Vec<Bin>,
}

/// The rows of `batch`, keyed by the `key_column` cells (int, str or bytes); `skip` names
/// columns not to write (besides the key).
pub fn records(batch: &RecordBatch, key_column: &str, skip: &[&str]) -> Result<Vec<RecordToWrite>, ColumnarError> {
    let schema = batch.schema();
    let key_index = schema.index_of(key_column).map_err(|_| ColumnarError::Layout {
        field: key_column.to_owned(),
        message: format!("is not a column of the data (columns: {})", schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")),
    })?;
    let keys = normalized(batch.column(key_index), key_column)?;
    let columns: Vec<(String, ArrayRef)> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .enumerate()
        .filter(|(i, (f, _))| *i != key_index && !skip.contains(&f.name().as_str()))
        .map(|(_, (f, c))| Ok((f.name().clone(), normalized(c, f.name())?)))
        .collect::<Result<_, ColumnarError>>()?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let key = match cell(&keys, row, key_column)? {
            Some(k @ (Value::Int(_) | Value::String(_) | Value::Blob(_))) => k,
            Some(other) => return Err(ColumnarError::Cast { bin: key_column.to_owned(), message: format!("row {row}: a key is int, str or bytes, not {other:?}") }),
            None => return Err(ColumnarError::Cast { bin: key_column.to_owned(), message: format!("row {row} has no key (null)") }),
        };
        let mut bins = Vec::with_capacity(columns.len());
        for (name, column) in &columns {
            if let Some(value) = cell(column, row, name)? {
                bins.push(Bin::new(name.clone(), value));
            }
        }
        out.push(RecordToWrite { key, bins });
    }
    Ok(out)
}

/// Dictionary-encoded columns (Polars categoricals) are decoded first; temporal ones become ints.
fn normalized(column: &ArrayRef, name: &str) -> Result<ArrayRef, ColumnarError> {
    let target = match column.data_type() {
        DataType::Dictionary(_, value) => Some((**value).clone()),
        DataType::Date32 | DataType::Time32(_) => Some(DataType::Int32),
        DataType::Date64 | DataType::Time64(_) | DataType::Timestamp(..) | DataType::Duration(_) => Some(DataType::Int64),
        _ => None,
    };
    match target {
        None => Ok(column.clone()),
        Some(t) => arrow_cast::cast(column, &t).map_err(|e| ColumnarError::Cast { bin: name.to_owned(), message: e.to_string() }),
    }
}

/// The value of one cell, or None for a null.
fn cell(column: &ArrayRef, row: usize, name: &str) -> Result<Option<Value>, ColumnarError> {
    if column.is_null(row) {
        return Ok(None);
    }
    let unsupported = || ColumnarError::Cast { bin: name.to_owned(), message: format!("{} columns cannot be written to Aerospike", column.data_type()) };
    Ok(Some(match column.data_type() {
        DataType::Null => return Ok(None),
        DataType::Boolean => Value::Bool(column.as_boolean().value(row)),
        DataType::Int8 => Value::Int(i64::from(column.as_primitive::<Int8Type>().value(row))),
        DataType::Int16 => Value::Int(i64::from(column.as_primitive::<Int16Type>().value(row))),
        DataType::Int32 => Value::Int(i64::from(column.as_primitive::<Int32Type>().value(row))),
        DataType::Int64 => Value::Int(column.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => Value::Int(i64::from(column.as_primitive::<UInt8Type>().value(row))),
        DataType::UInt16 => Value::Int(i64::from(column.as_primitive::<UInt16Type>().value(row))),
        DataType::UInt32 => Value::Int(i64::from(column.as_primitive::<UInt32Type>().value(row))),
        DataType::UInt64 => {
            let v = column.as_primitive::<UInt64Type>().value(row);
            Value::Int(i64::try_from(v).map_err(|_| ColumnarError::Cast { bin: name.to_owned(), message: format!("row {row}: {v} does not fit Aerospike's signed 64-bit integers") })?)
        }
        DataType::Float16 => Value::from(f64::from(column.as_primitive::<Float16Type>().value(row).to_f32())),
        DataType::Float32 => Value::from(f64::from(column.as_primitive::<Float32Type>().value(row))),
        DataType::Float64 => Value::from(column.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Value::String(column.as_string::<i32>().value(row).to_owned()),
        DataType::LargeUtf8 => Value::String(column.as_string::<i64>().value(row).to_owned()),
        DataType::Utf8View => Value::String(column.as_string_view().value(row).to_owned()),
        DataType::Binary => Value::Blob(column.as_binary::<i32>().value(row).to_vec()),
        DataType::LargeBinary => Value::Blob(column.as_binary::<i64>().value(row).to_vec()),
        DataType::BinaryView => Value::Blob(column.as_binary_view().value(row).to_vec()),
        DataType::FixedSizeBinary(_) => Value::Blob(column.as_fixed_size_binary().value(row).to_vec()),
        DataType::List(_) => list(&column.as_list::<i32>().value(row), name)?,
        DataType::LargeList(_) => list(&column.as_list::<i64>().value(row), name)?,
        DataType::FixedSizeList(..) => list(&column.as_fixed_size_list().value(row), name)?,
        DataType::Map(..) => {
            let entries = column.as_map().value(row);
            let (keys, values) = (entries.column(0).clone(), entries.column(1).clone());
            let mut map = IndexMap::with_capacity(entries.len());
            for i in 0..entries.len() {
                let k = cell(&keys, i, name)?.ok_or_else(|| ColumnarError::Cast { bin: name.to_owned(), message: "a map key is null".into() })?;
                map.insert(k, cell(&values, i, name)?.unwrap_or(Value::Nil));
            }
            Value::OrderedMap(map)
        }
        DataType::Struct(fields) => {
            let s = column.as_struct();
            let mut map = IndexMap::with_capacity(fields.len());
            for (field, child) in fields.iter().zip(s.columns()) {
                if let Some(v) = cell(&normalized(child, name)?, row, name)? {
                    map.insert(Value::String(field.name().clone()), v);
                }
            }
            Value::OrderedMap(map)
        }
        _ => return Err(unsupported()),
    }))
}

fn list(items: &ArrayRef, name: &str) -> Result<Value, ColumnarError> {
    let items = normalized(items, name)?;
    (0..items.len()).map(|i| Ok(cell(&items, i, name)?.unwrap_or(Value::Nil))).collect::<Result<Vec<_>, _>>().map(Value::List)
}
