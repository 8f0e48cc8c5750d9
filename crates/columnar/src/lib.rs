//! Aerospike records -> Arrow columns, with no Python anywhere: the heart of aerospike-py's
//! columnar results. `build` turns a batch of rows into a `RecordBatch` (metadata columns, then
//! one column per bin with an inferred or caller-given type); `numpy` lays columns out the way
//! NumPy dtypes ask (and reads them back); `from_arrow` turns frames into records to write. Both are unit-tested and benched here, without an interpreter.

mod builders;
pub mod cell;
mod error;
pub mod from_arrow;
mod infer;
pub mod numpy;
pub mod packed;

use std::collections::HashMap;
use std::sync::Arc;

use aerospike::Value;
use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;

pub use builders::OnMismatch;
use builders::ColumnBuild;
use cell::Cell;
use packed::{PackedCell, PackedRows};
pub use error::ColumnarError;
pub use infer::Kind;

/// Names of the metadata columns that come before the bins.
pub const KEY_COLUMN: &str = "_key";
pub const RESULT_CODE_COLUMN: &str = "_result_code";
pub const GEN_COLUMN: &str = "_gen";
pub const TTL_COLUMN: &str = "_ttl";
const META_COLUMNS: [&str; 4] = [KEY_COLUMN, RESULT_CODE_COLUMN, GEN_COLUMN, TTL_COLUMN];

/// Columns are built on rayon's pool only for big results on machines with cores to spare.
/// Measured with `cargo bench -p columnar` on 2 cores (100k rows x 4 bins): sequential 0.32 s,
/// parallel 0.84 s, as the pool fights the runtime and the server for the same two cores.
const PARALLEL_MIN_VALUES: usize = 1_000_000;
const PARALLEL_MIN_CORES: usize = 4;

/// One record of a batch as the columns see it.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    /// The user key the caller asked with, when it has one.
    pub key: Option<&'a Value>,
    /// The server's per-record result code (0 found, 2 not found, 27 filtered out, ...).
    pub result_code: i32,
    pub generation: u32,
    /// Seconds to live; -1 for never.
    pub ttl: i64,
    /// The record's bins; None when there is no record.
    pub bins: Option<&'a aerospike::IndexMap<String, Value>>,
}

/// How to build the columns.
#[derive(Clone, Debug)]
pub struct Options {
    /// Include `_key`, `_result_code`, `_gen` and `_ttl` before the bins.
    pub meta_columns: bool,
    /// The bins to make columns for, in this order (also when absent from every record);
    /// None: every bin seen, in order of first appearance.
    pub bins: Option<Vec<String>>,
    /// Types fixed by the caller, by bin name; other bins are inferred.
    pub schema: Option<SchemaRef>,
    /// A bin whose values disagree in type: an error (the default), or nulls for the values that
    /// don't fit the type of the first.
    pub on_conflict: OnMismatch,
    /// A value that does not fit the type `schema` gives its bin (a str in an int64 column, 300
    /// in an int8 one): an error (the default), or a null. The schema is the caller's word on the
    /// bin's type, so the Python layer makes these nulls unless asked to refuse them.
    pub schema_mismatch: OnMismatch,
    /// Build columns on rayon's pool: None decides by size (the default), Some forces it (benches).
    pub parallel: Option<bool>,
}

impl Default for Options {
    fn default() -> Self {
        Self { meta_columns: true, bins: None, schema: None, on_conflict: OnMismatch::Error, schema_mismatch: OnMismatch::Error, parallel: None }
    }
}

/// What the builders need of a batch's rows, however they are held.
trait RowSource<'a> {
    type Cell: Cell<'a>;
    fn count(&self) -> usize;
    fn key(&self, row: usize) -> Option<Self::Cell>;
    fn result_code(&self, row: usize) -> i32;
    /// Generation and ttl, for rows that have a record.
    fn found(&self, row: usize) -> Option<(u32, i64)>;
    fn bins(&self, row: usize) -> impl Iterator<Item = (&'a str, Self::Cell)>;
}

impl<'a> RowSource<'a> for &[Row<'a>] {
    type Cell = &'a Value;

    fn count(&self) -> usize {
        self.len()
    }

    fn key(&self, row: usize) -> Option<&'a Value> {
        self.get(row).and_then(|r| r.key)
    }

    fn result_code(&self, row: usize) -> i32 {
        self.get(row).map_or(0, |r| r.result_code)
    }

    fn found(&self, row: usize) -> Option<(u32, i64)> {
        self.get(row).filter(|r| r.bins.is_some()).map(|r| (r.generation, r.ttl))
    }

    fn bins(&self, row: usize) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.get(row).and_then(|r| r.bins).into_iter().flatten().map(|(name, value)| (name.as_str(), value))
    }
}

impl<'a> RowSource<'a> for &'a PackedRows {
    type Cell = PackedCell<'a>;

    fn count(&self) -> usize {
        self.len()
    }

    fn key(&self, row: usize) -> Option<PackedCell<'a>> {
        self.row(row).and_then(|r| self.user_key(r))
    }

    fn result_code(&self, row: usize) -> i32 {
        self.row(row).map_or(0, |r| r.result_code)
    }

    fn found(&self, row: usize) -> Option<(u32, i64)> {
        self.row(row).filter(|r| r.has_record).map(|r| (r.generation, r.ttl))
    }

    fn bins(&self, row: usize) -> impl Iterator<Item = (&'a str, PackedCell<'a>)> {
        let rows: &'a PackedRows = self;
        rows.row(row).into_iter().flat_map(move |r| rows.bins(r))
    }
}

/// The rows as an Arrow record batch.
pub fn build(rows: &[Row<'_>], options: &Options) -> Result<RecordBatch, ColumnarError> {
    build_from(&rows, options)
}

/// `build` for rows packed as they arrived (`batch_read`).
pub fn build_packed(rows: &PackedRows, options: &Options) -> Result<RecordBatch, ColumnarError> {
    build_from(&rows, options)
}

fn build_from<'a, R: RowSource<'a>>(rows: &R, options: &Options) -> Result<RecordBatch, ColumnarError> {
    let (names, values) = transpose(rows, options.bins.as_deref());
    let mut fields: Vec<Field> = Vec::with_capacity(names.len() + 4);
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(names.len() + 4);
    if options.meta_columns {
        if let Some(clash) = names.iter().find(|n| META_COLUMNS.contains(&n.as_str())) {
            return Err(ColumnarError::NameClash { name: clash.clone() });
        }
        meta_columns(rows, options.on_conflict, &mut fields, &mut columns)?;
    }
    let total_values = rows.count().saturating_mul(names.len().max(1));
    let build_one = |(name, column): (&String, &Vec<Option<R::Cell>>)| build_bin(name, column, options);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let parallel = options.parallel.unwrap_or(total_values >= PARALLEL_MIN_VALUES && cores >= PARALLEL_MIN_CORES) && names.len() > 1;
    let built: Vec<(Field, ArrayRef)> = if parallel {
        names.par_iter().zip(values.par_iter()).map(build_one).collect::<Result<_, _>>()?
    } else {
        names.iter().zip(values.iter()).map(build_one).collect::<Result<_, _>>()?
    };
    for (field, column) in built {
        fields.push(field);
        columns.push(column);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch_options = RecordBatchOptions::new().with_row_count(Some(rows.count()));
    Ok(RecordBatch::try_new_with_options(schema, columns, &batch_options)?)
}

/// Each bin's value per row (None where absent).
type Columns<C> = Vec<Vec<Option<C>>>;

/// Bin names in column order, and their columns.
fn transpose<'a, R: RowSource<'a>>(rows: &R, selected: Option<&[String]>) -> (Vec<String>, Columns<R::Cell>) {
    let mut index: HashMap<&'a str, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut values: Columns<R::Cell> = Vec::new();
    let count = rows.count();
    if let Some(selected) = selected {
        for name in selected {
            if !names.contains(name) {
                names.push(name.clone());
                values.push(vec![None; count]);
            }
        }
    }
    // Records of one set mostly list their bins in the same order: remember the column of each
    // position in the last record and check the name there before hashing it.
    let mut column_at: Vec<Option<usize>> = Vec::new();
    for row_index in 0..count {
        for (position, (name, value)) in rows.bins(row_index).enumerate() {
            let remembered = column_at.get(position).copied().flatten().filter(|c| names.get(*c).is_some_and(|n| n == name));
            let found = remembered.or_else(|| index.get(name).copied()).or_else(|| {
                let c = names.iter().position(|n| n == name)?;
                index.insert(name, c);
                Some(c)
            });
            let column = match found {
                Some(c) => c,
                None if selected.is_some() => continue,
                None => {
                    index.insert(name, names.len());
                    names.push(name.to_owned());
                    values.push(vec![None; count]);
                    names.len() - 1
                }
            };
            if column_at.len() <= position {
                column_at.resize(position + 1, None);
            }
            column_at[position] = Some(column);
            if let Some(slot) = values.get_mut(column).and_then(|c| c.get_mut(row_index)) {
                *slot = Some(value);
            }
        }
    }
    (names, values)
}

fn build_bin<'a, C: Cell<'a>>(name: &str, values: &[Option<C>], options: &Options) -> Result<(Field, ArrayRef), ColumnarError> {
    let wanted = options.schema.as_ref().and_then(|s| s.field_with_name(name).ok()).map(|f| f.data_type().clone());
    if let Some(target) = wanted {
        let kind = Kind::from_data_type(&target).ok_or_else(|| ColumnarError::Cast {
            bin: name.to_owned(),
            message: format!("Aerospike values cannot become {target}"),
        })?;
        let built = ColumnBuild { bin: name, on_mismatch: options.schema_mismatch }.array(values, &kind)?;
        let cast = if *built.data_type() == target {
            built
        } else {
            // `safe` casts turn a value the target cannot hold into a null instead of an error.
            let cast_options = arrow_cast::CastOptions { safe: options.schema_mismatch == OnMismatch::Null, ..Default::default() };
            arrow_cast::cast_with_options(&built, &target, &cast_options)
                .map_err(|e| ColumnarError::Cast { bin: name.to_owned(), message: e.to_string() })?
        };
        return Ok((Field::new(name, target, true), cast));
    }
    let kind = infer_kind(name, values, options.on_conflict)?;
    let array = ColumnBuild { bin: name, on_mismatch: options.on_conflict }.array(values, &kind)?;
    Ok((Field::new(name, kind.data_type(), true), array))
}

/// The kind of a column: the merge of every value's kind. With `OnMismatch::Null` the first
/// kind seen wins and later misfits become nulls.
fn infer_kind<'a, C: Cell<'a>>(bin: &str, values: &[Option<C>], on_conflict: OnMismatch) -> Result<Kind, ColumnarError> {
    let mut kind = Kind::Null;
    for value in values.iter().flatten() {
        if kind.covers(*value) {
            continue;
        }
        let this = match Kind::of_cell(*value) {
            Ok(k) => k,
            Err(_) if on_conflict == OnMismatch::Null => continue,
            Err(conflict) => {
                return Err(ColumnarError::TypeConflict { bin: format!("{bin}[..]"), first: conflict.0.describe(), second: conflict.1.describe() })
            }
        };
        kind = match kind.clone().merge(this) {
            Ok(k) => k,
            Err(_) if on_conflict == OnMismatch::Null => kind,
            Err(conflict) => {
                return Err(ColumnarError::TypeConflict { bin: bin.to_owned(), first: conflict.0.describe(), second: conflict.1.describe() })
            }
        };
    }
    Ok(kind)
}

/// `_key` (user keys of mixed types follow `on_conflict`, like a bin), `_result_code`, `_gen`, `_ttl`.
fn meta_columns<'a, R: RowSource<'a>>(rows: &R, on_conflict: OnMismatch, fields: &mut Vec<Field>, columns: &mut Vec<ArrayRef>) -> Result<(), ColumnarError> {
    let count = rows.count();
    let keys: Vec<Option<R::Cell>> = (0..count).map(|i| rows.key(i)).collect();
    if keys.iter().any(Option::is_some) {
        let kind = infer_kind(KEY_COLUMN, &keys, on_conflict)?;
        let array = ColumnBuild { bin: KEY_COLUMN, on_mismatch: on_conflict }.array(&keys, &kind)?;
        fields.push(Field::new(KEY_COLUMN, kind.data_type(), true));
        columns.push(array);
    }
    fields.push(Field::new(RESULT_CODE_COLUMN, DataType::Int32, false));
    columns.push(Arc::new((0..count).map(|i| rows.result_code(i)).collect::<Int32Array>()));
    fields.push(Field::new(GEN_COLUMN, DataType::UInt32, true));
    columns.push(Arc::new((0..count).map(|i| rows.found(i).map(|(generation, _)| generation)).collect::<UInt32Array>()));
    fields.push(Field::new(TTL_COLUMN, DataType::Int64, true));
    columns.push(Arc::new((0..count).map(|i| rows.found(i).map(|(_, ttl)| ttl)).collect::<Int64Array>()));
    Ok(())
}

/// The results of a stream UDF aggregation as columns: when every result is a map with str keys
/// (the usual shape: one row per group), a row per map and a column per key; otherwise one
/// column, `value`, a row per result.
pub fn from_values(values: &[Value]) -> Result<RecordBatch, ColumnarError> {
    let as_row = |value: &Value| -> Option<aerospike::IndexMap<String, Value>> {
        let entries: Box<dyn Iterator<Item = (&Value, &Value)>> = match value {
            Value::HashMap(m) => Box::new(m.iter()),
            Value::OrderedMap(m) => Box::new(m.iter()),
            Value::SortedMap(m) => Box::new(m.iter()),
            _ => return None,
        };
        entries.map(|(k, v)| if let Value::String(k) = k { Some((k.clone(), v.clone())) } else { None }).collect()
    };
    let rows: Vec<aerospike::IndexMap<String, Value>> = match values.iter().map(as_row).collect::<Option<Vec<_>>>() {
        Some(rows) if !rows.is_empty() => rows,
        _ => values.iter().map(|v| std::iter::once(("value".to_owned(), v.clone())).collect()).collect(),
    };
    let view: Vec<Row<'_>> = rows.iter().map(|bins| Row { key: None, result_code: 0, generation: 0, ttl: packed::TTL_NEVER_EXPIRES, bins: Some(bins) }).collect();
    build(&view, &Options { meta_columns: false, ..Options::default() })
}

#[cfg(test)]
mod tests;
