//! Unit tests of `build` and `numpy::fill`, on hand-made rows.

use super::*;
use crate::numpy::{fill, FieldLayout, Layout, Scalar};
use aerospike::IndexMap;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::Array;

fn bins(pairs: &[(&str, Value)]) -> IndexMap<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn row<'a>(key: &'a Value, bins: Option<&'a IndexMap<String, Value>>) -> Row<'a> {
    Row { key: Some(key), result_code: if bins.is_some() { 0 } else { 2 }, generation: 1, ttl: -1, bins }
}

#[test]
fn infers_types_and_masks_missing_records_and_bins() -> Result<(), ColumnarError> {
    let (k1, k2, k3) = (Value::Int(1), Value::Int(2), Value::Int(3));
    let b1 = bins(&[("a", Value::Int(1)), ("s", Value::String("x".into()))]);
    let b3 = bins(&[("a", Value::from(2.5)), ("f", Value::Bool(true))]);
    let rows = [row(&k1, Some(&b1)), row(&k2, None), row(&k3, Some(&b3))];
    let batch = build(&rows, &Options::default())?;
    let names: Vec<_> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["_key", "_result_code", "_gen", "_ttl", "a", "s", "f"]);
    let a = batch.column_by_name("a").ok_or(ColumnarError::Arrow("no a".into()))?;
    assert_eq!(a.data_type(), &DataType::Float64, "int + float promotes to float64");
    let a = a.as_primitive::<Float64Type>();
    assert_eq!((a.value(0), a.is_null(1), a.value(2)), (1.0, true, 2.5));
    let s = batch.column_by_name("s").ok_or(ColumnarError::Arrow("no s".into()))?;
    assert_eq!((s.null_count(), s.as_string::<i32>().value(0)), (2, "x"));
    let gen = batch.column_by_name("_gen").ok_or(ColumnarError::Arrow("no gen".into()))?;
    assert!(gen.is_null(1), "a missing record has no generation");
    Ok(())
}

#[test]
fn conflicting_types_name_the_bin_unless_the_caller_chose_nulls() {
    let (k1, k2) = (Value::Int(1), Value::Int(2));
    let b1 = bins(&[("x", Value::Int(1))]);
    let b2 = bins(&[("x", Value::String("one".into()))]);
    let rows = [row(&k1, Some(&b1)), row(&k2, Some(&b2))];
    let err = build(&rows, &Options::default()).err();
    assert!(matches!(&err, Some(ColumnarError::TypeConflict { bin, .. }) if bin == "x"), "{err:?}");
    let lenient = Options { on_conflict: OnMismatch::Null, ..Options::default() };
    let batch = build(&rows, &lenient).ok();
    let x = batch.as_ref().and_then(|b| b.column_by_name("x")).map(|c| (c.data_type().clone(), c.null_count()));
    assert_eq!(x, Some((DataType::Int64, 1)));
}

#[test]
fn big_ints_are_not_silently_rounded_into_floats() {
    let (k1, k2) = (Value::Int(1), Value::Int(2));
    let b1 = bins(&[("x", Value::Int((1 << 53) + 1))]);
    let b2 = bins(&[("x", Value::from(0.5))]);
    let err = build(&[row(&k1, Some(&b1)), row(&k2, Some(&b2))], &Options::default()).err();
    assert!(matches!(err, Some(ColumnarError::LossyPromotion { value, .. }) if value == (1 << 53) + 1));
}

#[test]
fn lists_and_maps_nest() -> Result<(), ColumnarError> {
    let k = Value::Int(1);
    let mut map = IndexMap::new();
    map.insert(Value::String("a".into()), Value::Int(1));
    let b = bins(&[("l", Value::List(vec![Value::Int(1), Value::Nil, Value::Int(3)])), ("m", Value::OrderedMap(map))]);
    let batch = build(&[row(&k, Some(&b))], &Options::default())?;
    let l = batch.column_by_name("l").ok_or(ColumnarError::Arrow("no l".into()))?;
    let items = l.as_list::<i32>().value(0);
    assert_eq!((items.len(), items.null_count()), (3, 1));
    let m = batch.column_by_name("m").ok_or(ColumnarError::Arrow("no m".into()))?;
    assert!(matches!(m.data_type(), DataType::Map(..)));
    assert_eq!(m.as_map().value(0).len(), 1);
    Ok(())
}

#[test]
fn a_schema_fixes_types_and_refuses_overflow() {
    let (k1, k2) = (Value::Int(1), Value::Int(2));
    let b1 = bins(&[("x", Value::Int(7))]);
    let b2 = bins(&[("x", Value::Int(300))]);
    let schema = |t| Some(Arc::new(Schema::new(vec![Field::new("x", t, true)])));
    let narrow = Options { schema: schema(DataType::Int16), ..Options::default() };
    let batch = build(&[row(&k1, Some(&b1)), row(&k2, Some(&b2))], &narrow).ok();
    assert_eq!(batch.and_then(|b| b.column_by_name("x").map(|c| c.data_type().clone())), Some(DataType::Int16));
    let too_narrow = Options { schema: schema(DataType::Int8), ..Options::default() };
    assert!(matches!(build(&[row(&k1, Some(&b1)), row(&k2, Some(&b2))], &too_narrow), Err(ColumnarError::Cast { .. })));
}

#[test]
fn a_schema_with_null_misfits_resolves_a_type_conflict() -> Result<(), ColumnarError> {
    let (k1, k2, k3) = (Value::Int(1), Value::Int(2), Value::Int(3));
    let b1 = bins(&[("x", Value::Int(7))]);
    let b2 = bins(&[("x", Value::String("seven".into()))]);
    let b3 = bins(&[("x", Value::Int(300))]);
    let rows = [row(&k1, Some(&b1)), row(&k2, Some(&b2)), row(&k3, Some(&b3))];
    assert!(matches!(build(&rows, &Options::default()), Err(ColumnarError::TypeConflict { .. })));
    let schema = Some(Arc::new(Schema::new(vec![Field::new("x", DataType::Int8, true)])));
    let strict = Options { schema: schema.clone(), meta_columns: false, ..Options::default() };
    assert!(build(&rows, &strict).is_err());
    let lenient = Options { schema, meta_columns: false, schema_mismatch: OnMismatch::Null, ..Options::default() };
    let batch = build(&rows, &lenient)?;
    let x = batch.column(0).as_any().downcast_ref::<arrow_array::Int8Array>().map(|a| a.iter().collect::<Vec<_>>());
    assert_eq!(x, Some(vec![Some(7), None, None]));
    Ok(())
}

#[test]
fn selected_bins_keep_their_order_and_exist_when_absent() -> Result<(), ColumnarError> {
    let k = Value::Int(1);
    let b = bins(&[("a", Value::Int(1)), ("b", Value::Int(2))]);
    let options = Options { bins: Some(vec!["b".into(), "zz".into()]), meta_columns: false, ..Options::default() };
    let batch = build(&[row(&k, Some(&b))], &options)?;
    let names: Vec<_> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["b", "zz"]);
    assert_eq!(batch.column(1).logical_null_count(), 1, "a bin no record has is a null column");
    Ok(())
}

#[test]
fn a_bin_named_like_a_meta_column_is_refused() {
    let k = Value::Int(1);
    let b = bins(&[("_gen", Value::Int(1))]);
    assert!(matches!(build(&[row(&k, Some(&b))], &Options::default()), Err(ColumnarError::NameClash { .. })));
}

#[test]
fn empty_batches_have_meta_columns_and_no_rows() -> Result<(), ColumnarError> {
    let batch = build(&[], &Options::default())?;
    assert_eq!((batch.num_rows(), batch.num_columns()), (0, 3));
    Ok(())
}

#[test]
fn numpy_fill_interleaves_masks_and_checks_widths() -> Result<(), ColumnarError> {
    let (k1, k2) = (Value::Int(1), Value::Int(2));
    let b1 = bins(&[("i", Value::Int(-2)), ("s", Value::String("héllo".into())), ("v", Value::List(vec![Value::from(1.0), Value::from(2.0)]))]);
    let batch = build(&[row(&k1, Some(&b1)), row(&k2, None)], &Options::default())?;
    let layout = Layout {
        itemsize: 4 + 20 + 8,
        fields: vec![
            FieldLayout { name: "i".into(), column: "i".into(), offset: 0, scalar: Scalar::Int { bytes: 4, signed: true }, count: 1 },
            FieldLayout { name: "s".into(), column: "s".into(), offset: 4, scalar: Scalar::Unicode { chars: 5 }, count: 1 },
            FieldLayout { name: "v".into(), column: "v".into(), offset: 24, scalar: Scalar::Float { bytes: 4 }, count: 2 },
        ],
    };
    let filled = fill(&batch, &layout)?;
    assert_eq!(&filled.data[0..4], &(-2i32).to_le_bytes());
    assert_eq!(&filled.data[4..8], &u32::from('h').to_le_bytes());
    assert_eq!(&filled.data[28..32], &2.0f32.to_le_bytes());
    assert_eq!(filled.mask, [false, false, false, true, true, true]);
    let mut narrow = layout.clone();
    narrow.fields[1].scalar = Scalar::Unicode { chars: 4 };
    assert!(matches!(fill(&batch, &narrow), Err(ColumnarError::Layout { .. })), "never truncate strings");
    let mut tiny = layout;
    tiny.fields[0].scalar = Scalar::Int { bytes: 1, signed: false };
    assert!(matches!(fill(&batch, &tiny), Err(ColumnarError::Layout { .. })), "-2 does not fit uint8");
    let i = batch.column_by_name("i").map(|c| c.as_primitive::<Int64Type>().value(0));
    assert_eq!(i, Some(-2));
    Ok(())
}

#[test]
fn numpy_fill_converts_per_field_and_names_what_cannot_fit() -> Result<(), ColumnarError> {
    let (k1, k2, k3) = (Value::Int(1), Value::Int(2), Value::Int(3));
    let b1 = bins(&[("n", Value::Int(3)), ("t", Value::String("ab".into())), ("v", Value::List(vec![Value::Int(1), Value::from(0.5)]))]);
    let b2 = bins(&[("n", Value::Int(-4)), ("t", Value::String("".into())), ("v", Value::List(vec![Value::from(2.0), Value::from(3.0)]))]);
    let b3 = bins(&[("n", Value::Nil), ("v", Value::List(vec![Value::Nil, Value::from(1.0)]))]);
    let field = |name: &str, offset, scalar, count| FieldLayout { name: name.into(), column: name.into(), offset, scalar, count };
    let layout = Layout {
        itemsize: 8 + 3 + 16,
        fields: vec![
            field("n", 0, Scalar::Float { bytes: 8 }, 1),
            field("t", 8, Scalar::Bytes { len: 3 }, 1),
            field("v", 11, Scalar::Float { bytes: 8 }, 2),
        ],
    };
    let two = build(&[row(&k1, Some(&b1)), row(&k2, Some(&b2))], &Options::default())?;
    let filled = fill(&two, &layout)?;
    assert_eq!(&filled.data[0..8], &3.0f64.to_le_bytes(), "an int fills a float field exactly");
    assert_eq!(&filled.data[8..11], b"ab\0", "text fills S<n>, zero-padded");
    assert_eq!(&filled.data[27 + 11..27 + 19], &2.0f64.to_le_bytes(), "row 1's sub-array starts at its own offset");
    assert_eq!(filled.masked, 0);
    let with_nil = build(&[row(&k1, Some(&b1)), row(&k3, Some(&b3))], &Options::default())?;
    match fill(&with_nil, &layout) {
        Err(ColumnarError::Layout { field, message }) => assert_eq!((field.as_str(), message.as_str()), ("v", "row 1 has a nil inside its list")),
        Ok(_) => panic!("a nil inside a sub-array must be refused"),
        Err(other) => panic!("a nil inside a sub-array must be refused, got {other:?}"),
    }
    let mut as_int = layout.clone();
    as_int.fields[1] = field("t", 8, Scalar::Int { bytes: 2, signed: true }, 1);
    as_int.itemsize = 8 + 2 + 16;
    as_int.fields[2].offset = 10;
    match fill(&two, &as_int) {
        Err(ColumnarError::Layout { field, message }) => assert_eq!((field.as_str(), message.as_str()), ("t", "row 0 holds a string, which cannot fill a int16 field")),
        Ok(_) => panic!("text cannot fill an int field"),
        Err(other) => panic!("text cannot fill an int field, got {other:?}"),
    }
    Ok(())
}

#[test]
fn numpy_records_round_trip_what_fill_wrote() -> Result<(), ColumnarError> {
    let (k1, k2) = (Value::Int(1), Value::Int(2));
    let b1 = bins(&[("k", Value::Int(7)), ("x", Value::Int(-3)), ("s", Value::String("ab".into()))]);
    let b2 = bins(&[("k", Value::Int(8)), ("x", Value::Int(250)), ("s", Value::String("".into()))]);
    let batch = build(&[row(&k1, Some(&b1)), row(&k2, Some(&b2))], &Options::default())?;
    let layout = Layout {
        itemsize: 8 + 2 + 8,
        fields: vec![
            FieldLayout { name: "k".into(), column: "k".into(), offset: 0, scalar: Scalar::Int { bytes: 8, signed: true }, count: 1 },
            FieldLayout { name: "x".into(), column: "x".into(), offset: 8, scalar: Scalar::Int { bytes: 2, signed: true }, count: 1 },
            FieldLayout { name: "s".into(), column: "s".into(), offset: 10, scalar: Scalar::Unicode { chars: 2 }, count: 1 },
        ],
    };
    let filled = fill(&batch, &layout)?;
    let records = crate::numpy::records(&filled.data, 2, &layout, "k")?;
    assert_eq!(records[1].key, Value::Int(8));
    assert_eq!(records[0].bins[0].value, Value::Int(-3), "sign extension of an int16");
    assert_eq!(records[0].bins[1].value, Value::String("ab".into()));
    assert_eq!(records[1].bins[1].value, Value::String(String::new()));
    assert!(crate::numpy::records(&filled.data, 2, &layout, "nope").is_err());
    Ok(())
}

#[test]
fn arrow_rows_become_records_and_nulls_write_no_bin() -> Result<(), ColumnarError> {
    let (k1, k2) = (Value::String("a".into()), Value::String("b".into()));
    let b1 = bins(&[("x", Value::Int(1)), ("l", Value::List(vec![Value::Int(1)]))]);
    let b2 = bins(&[("y", Value::from(2.5))]);
    let batch = build(&[row(&k1, Some(&b1)), row(&k2, Some(&b2))], &Options::default())?;
    let records = crate::from_arrow::records(&batch, KEY_COLUMN, &[RESULT_CODE_COLUMN, GEN_COLUMN, TTL_COLUMN])?;
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].key, Value::String("a".into()));
    let names: Vec<_> = records[0].bins.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["x", "l"], "row 0 has no y: no bin is written for a null");
    assert_eq!(records[1].bins[0].value, Value::from(2.5));
    assert!(crate::from_arrow::records(&batch, "missing", &[]).is_err());
    Ok(())
}

#[test]
fn bins_in_different_orders_land_in_their_own_columns() -> Result<(), ColumnarError> {
    let keys: Vec<Value> = (0..4).map(Value::Int).collect();
    let b0 = bins(&[("a", Value::Int(1)), ("b", Value::Int(10))]);
    let b1 = bins(&[("b", Value::Int(20)), ("a", Value::Int(2))]);
    let b2 = bins(&[("a", Value::Int(3)), ("c", Value::Int(300))]);
    let b3 = bins(&[("c", Value::Int(400))]);
    let rows = [row(&keys[0], Some(&b0)), row(&keys[1], Some(&b1)), row(&keys[2], Some(&b2)), row(&keys[3], Some(&b3))];
    let batch = build(&rows, &Options { meta_columns: false, ..Options::default() })?;
    let column = |name: &str| -> Vec<Option<i64>> {
        batch.column_by_name(name).map(|c| c.as_primitive::<Int64Type>().iter().collect()).unwrap_or_default()
    };
    assert_eq!(column("a"), [Some(1), Some(2), Some(3), None]);
    assert_eq!(column("b"), [Some(10), Some(20), None, None]);
    assert_eq!(column("c"), [None, None, Some(300), Some(400)]);
    Ok(())
}

#[test]
fn aggregation_maps_become_rows_and_scalars_one_column() -> Result<(), ColumnarError> {
    let group = |city: &str, n: i64| {
        let mut m = IndexMap::new();
        m.insert(Value::String("city".into()), Value::String(city.into()));
        m.insert(Value::String("n".into()), Value::Int(n));
        Value::OrderedMap(m)
    };
    let batch = crate::from_values(&[group("Seoul", 3), group("Busan", 2)])?;
    let names: Vec<_> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!((names, batch.num_rows()), (vec!["city".to_owned(), "n".to_owned()], 2));
    let scalars = crate::from_values(&[Value::Int(42)])?;
    assert_eq!(scalars.schema().field(0).name(), "value");
    assert_eq!(scalars.column(0).as_primitive::<Int64Type>().value(0), 42);
    Ok(())
}

/// The same records, packed as `batch_read` keeps them, build the same columns as the crate's
/// decoded values do, through every kind, nesting, a missing record and a missing bin.
#[test]
fn packed_rows_build_the_same_columns_as_decoded_ones() -> Result<(), ColumnarError> {
    use std::collections::HashMap;
    let mut attrs = HashMap::new();
    attrs.insert(Value::String("k".into()), Value::Int(7));
    let records = [
        Some(bins(&[
            ("i", Value::Int(1)),
            ("f", Value::from(0.5)),
            ("s", Value::String("héllo".into())),
            ("b", Value::Blob(vec![1, 2])),
            ("t", Value::Bool(true)),
            ("v", Value::List(vec![Value::from(1.5), Value::Int(2)])),
            ("m", Value::HashMap(attrs)),
            ("g", Value::GeoJson(r#"{"type":"Point","coordinates":[1,2]}"#.into())),
        ])),
        None,
        Some(bins(&[("i", Value::Int(-5)), ("v", Value::List(vec![])), ("n", Value::Nil)])),
    ];
    let keys: Vec<aerospike::Key> = (0..3).map(|i| aerospike::Key::new("test", "s", Value::Int(i))).collect::<Result<_, _>>().map_err(|e| ColumnarError::Arrow(e.to_string()))?;
    let decoded: Vec<aerospike::Record> = records.iter().flatten().map(|b| aerospike::Record::new(None, b.clone(), None, 4, 0)).collect();
    let mut packed = PackedRows::default();
    let mut found = decoded.iter();
    let mut rows = Vec::new();
    for (key, bins) in keys.iter().zip(&records) {
        let record = bins.as_ref().and_then(|_| found.next());
        packed.push(Some(key), if record.is_some() { 0 } else { 2 }, record, false);
        rows.push(Row { key: key.user_key(), result_code: if record.is_some() { 0 } else { 2 }, generation: 4, ttl: crate::packed::TTL_NEVER_EXPIRES, bins: record.map(|r| &r.bins) });
    }
    for options in [Options::default(), Options { bins: Some(vec!["v".into(), "zz".into(), "i".into()]), ..Options::default() }] {
        let from_values = build(&rows, &options)?;
        let from_packed = build_packed(&packed, &options)?;
        assert_eq!(from_values, from_packed);
    }
    Ok(())
}

/// List columns stream their items into the child array: offsets and validity stay right
/// across empty, absent and nil lists, nested lists and nil items; and rows packed into a
/// cleared `PackedRows` (a stream reuses one for every batch) build what fresh ones do.
#[test]
fn list_columns_keep_their_offsets_and_a_cleared_pack_builds_like_a_fresh_one() -> Result<(), ColumnarError> {
    let floats = |xs: &[f64]| Value::List(xs.iter().map(|x| Value::from(*x)).collect());
    let records = [
        Some(bins(&[("v", floats(&[1.0, 2.0])), ("w", Value::List(vec![floats(&[1.0]), Value::List(vec![])])), ("s", Value::List(vec![Value::String("a".into()), Value::Nil]))])),
        Some(bins(&[("v", Value::List(vec![])), ("s", Value::Nil)])),
        None,
        Some(bins(&[("v", floats(&[3.0, 4.0, 5.0])), ("w", Value::List(vec![floats(&[2.0, 3.0])]))])),
    ];
    let packed = packed_rows(&records)?;
    let batch = build_packed(&packed, &Options { meta_columns: false, ..Options::default() })?;
    let v = batch.column_by_name("v").ok_or(ColumnarError::Arrow("no v".into()))?.as_list::<i32>();
    assert_eq!(v.value_offsets(), &[0, 2, 2, 2, 5]);
    assert_eq!((0..4).map(|i| v.is_valid(i)).collect::<Vec<_>>(), [true, true, false, true]);
    assert_eq!(v.values().as_primitive::<Float64Type>().values(), &[1.0, 2.0, 3.0, 4.0, 5.0]);
    let w = batch.column_by_name("w").ok_or(ColumnarError::Arrow("no w".into()))?.as_list::<i32>();
    assert_eq!(w.value_offsets(), &[0, 2, 2, 2, 3]);
    assert_eq!(w.values().as_list::<i32>().value_offsets(), &[0, 1, 1, 3]);
    let s = batch.column_by_name("s").ok_or(ColumnarError::Arrow("no s".into()))?.as_list::<i32>();
    assert_eq!((s.value_offsets(), s.values().null_count()), (&[0, 2, 2, 2, 2][..], 1));

    let mut reused = packed_rows(&[Some(bins(&[("x", Value::String("left over".into()))]))])?;
    reused.clear();
    for (i, record) in records.iter().enumerate() {
        let key = aerospike::Key::new("test", "s", Value::Int(i as i64)).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
        let record = record.as_ref().map(|b| aerospike::Record::new(None, b.clone(), None, 1, 0));
        reused.push(Some(&key), if record.is_some() { 0 } else { 2 }, record.as_ref(), false);
    }
    assert_eq!(build_packed(&reused, &Options::default())?, build_packed(&packed, &Options::default())?);
    Ok(())
}

/// Packs `records` (None: a key not found) as `batch_read` does.
fn packed_rows(records: &[Option<IndexMap<String, Value>>]) -> Result<PackedRows, ColumnarError> {
    let mut packed = PackedRows::default();
    for (i, bins) in records.iter().enumerate() {
        let key = aerospike::Key::new("test", "s", Value::Int(i as i64)).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
        let record = bins.as_ref().map(|b| aerospike::Record::new(None, b.clone(), None, 1, 0));
        packed.push(Some(&key), if record.is_some() { 0 } else { 2 }, record.as_ref(), false);
    }
    Ok(packed)
}

/// `to_numpy` of a batch fills from the packed rows directly: the same bytes and mask as filling
/// from the Arrow columns built from them, and the same refusals, named by field.
#[test]
fn numpy_fill_from_packed_rows_matches_fill_from_columns() -> Result<(), ColumnarError> {
    use crate::numpy::fill_packed;
    let field = |name: &str, offset, scalar, count| FieldLayout { name: name.into(), column: name.into(), offset, scalar, count };
    let layout = Layout {
        itemsize: 8 + 4 + 20 + 3 + 1 + 16,
        fields: vec![
            field("i", 0, Scalar::Int { bytes: 8, signed: true }, 1),
            field("f", 8, Scalar::Float { bytes: 4 }, 1),
            field("s", 12, Scalar::Unicode { chars: 5 }, 1),
            field("b", 32, Scalar::Bytes { len: 3 }, 1),
            field("t", 35, Scalar::Bool, 1),
            field("v", 36, Scalar::Float { bytes: 8 }, 2),
        ],
    };
    let records = [
        Some(bins(&[
            ("i", Value::Int(-7)),
            ("f", Value::Int(3)),
            ("s", Value::String("héllo".into())),
            ("b", Value::Blob(vec![1, 2])),
            ("t", Value::Bool(true)),
            ("v", Value::List(vec![Value::from(1.5), Value::Int(2)])),
            ("other", Value::String("not selected".into())),
        ])),
        None,
        Some(bins(&[("v", Value::Nil), ("f", Value::from(0.25)), ("s", Value::String("".into()))])),
    ];
    let packed = packed_rows(&records)?;
    let direct = fill_packed(&packed, &layout)?;
    let via_columns = fill(&build_packed(&packed, &Options::default())?, &layout)?;
    assert_eq!(direct.data, via_columns.data);
    assert_eq!(direct.mask, via_columns.mask);
    assert_eq!(direct.masked, 6 + 4, "row 1 has no record; row 2 lacks i, b, t and has a nil v");

    let refused = |records: &[Option<IndexMap<String, Value>>], layout: &Layout| -> Result<(String, String), ColumnarError> {
        match fill_packed(&packed_rows(records)?, layout) {
            Err(ColumnarError::Layout { field, message }) => Ok((field, message)),
            Err(other) => Err(other),
            Ok(_) => Ok(("".into(), "filled".into())),
        }
    };
    let one = |name: &str, value: Value| [Some(bins(&[(name, value)]))];
    assert_eq!(refused(&one("v", Value::List(vec![Value::from(1.0)])), &layout)?, ("v".into(), "wants 2 elements per row, but row 0 has a list of 1".into()));
    assert_eq!(refused(&one("v", Value::List(vec![Value::Nil, Value::from(1.0)])), &layout)?, ("v".into(), "row 0 has a nil inside its list".into()));
    assert_eq!(refused(&one("v", Value::from(1.0)), &layout)?, ("v".into(), "is a sub-array but row 0 holds a float".into()));
    assert_eq!(refused(&one("i", Value::from(1.5)), &layout)?, ("i".into(), "row 0 holds a float, which cannot fill a int64 field".into()));
    assert_eq!(refused(&one("f", Value::Int(1 << 60)), &layout)?, ("f".into(), format!("int {} has no exact float form", 1i64 << 60)));
    assert_eq!(refused(&one("s", Value::String("sixsix".into())), &layout)?, ("s".into(), "row 0 holds 6 characters, more than U5; widen the dtype".into()));
    assert_eq!(refused(&one("b", Value::Blob(vec![0; 4])), &layout)?, ("b".into(), "row 0 holds 4 bytes, more than S3; widen the dtype".into()));
    let mut narrow = layout.clone();
    narrow.fields[0].scalar = Scalar::Int { bytes: 1, signed: false };
    assert_eq!(refused(&one("i", Value::Int(-1)), &narrow)?, ("i".into(), "value -1 does not fit uint8".into()));
    Ok(())
}

/// A record's AS_MSG, as a scan or batch answer carries it: namespace, set, digest and key
/// fields, then one op per bin (`ops`: name, particle type, wire bytes).
fn wire_record(key: i64, generation: u32, void_time: u32, ops: &[(&str, u8, Vec<u8>)]) -> Vec<u8> {
    use wire::message::{field, op, ResponseBuilder};
    let mut response = ResponseBuilder::new(0, generation, void_time);
    response.field(field::NAMESPACE, b"test");
    response.field(field::SET, b"s");
    response.field(field::DIGEST, &[key as u8; 20]);
    let mut user_key = vec![wire::particle::INTEGER];
    user_key.extend_from_slice(&key.to_be_bytes());
    response.field(field::KEY, &user_key);
    for (name, particle_type, bytes) in ops {
        response.op_with(op::READ, *particle_type, name.as_bytes(), |out| out.extend_from_slice(bytes));
    }
    let frame = response.finish();
    frame[wire::proto::HEADER_SIZE..].to_vec()
}

/// Records packed straight from their wire messages build the columns the crate's decoded
/// values build, for every particle type: an ordered list's and map's leading ext marker is
/// not data, GeoJSON loses its cells, a language blob is a blob, a null particle is a nil.
#[test]
fn records_packed_from_the_wire_build_what_decoded_records_build() -> Result<(), ColumnarError> {
    use wire::msgpack as mp;
    use wire::particle as p;
    let mut list = Vec::new();
    mp::encode_array_header(&mut list, 3);
    mp::encode_ext(&mut list, 0, &[1]);
    mp::encode_int(&mut list, 1);
    mp::encode_int(&mut list, 2);
    let mut map = Vec::new();
    mp::encode_map_header(&mut map, 2);
    mp::encode_ext(&mut map, 0, &[1]);
    mp::encode_nil(&mut map);
    mp::encode_particle_raw(&mut map, true, p::STRING, b"k");
    mp::encode_float(&mut map, 7.5);
    let mut geo = vec![0, 0, 1];
    geo.extend_from_slice(&[9; 8]);
    geo.extend_from_slice(br#"{"type":"Point","coordinates":[1,2]}"#);
    let first = wire_record(1, 3, 0, &[
        ("i", p::INTEGER, (-5i64).to_be_bytes().to_vec()),
        ("f", p::FLOAT, 0.25f64.to_be_bytes().to_vec()),
        ("s", p::STRING, "héllo".as_bytes().to_vec()),
        ("b", p::BLOB, vec![1, 2]),
        ("py", p::PYTHON_BLOB, vec![3]),
        ("t", p::BOOL, vec![1]),
        ("h", p::HLL, vec![4, 5]),
        ("l", p::LIST, list),
        ("m", p::MAP, map),
        ("g", p::GEOJSON, geo),
        ("n", p::NULL, vec![]),
    ]);
    let second = wire_record(2, 1, 0, &[("i", p::INTEGER, 7i64.to_be_bytes().to_vec())]);
    let mut from_wire = PackedRows::default();
    for body in [&first, &second] {
        let message = wire::message::parse(body).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
        from_wire.push_message(&message, 0).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
    }

    let mut ordered = IndexMap::new();
    ordered.insert(Value::String("k".into()), Value::from(7.5));
    let decoded = [
        (1, 3, bins(&[
            ("i", Value::Int(-5)),
            ("f", Value::from(0.25)),
            ("s", Value::String("héllo".into())),
            ("b", Value::Blob(vec![1, 2])),
            ("py", Value::Unknown(p::PYTHON_BLOB, vec![3])),
            ("t", Value::Bool(true)),
            ("h", Value::Hll(vec![4, 5])),
            ("l", Value::List(vec![Value::Int(1), Value::Int(2)])),
            ("m", Value::OrderedMap(ordered)),
            ("g", Value::GeoJson(r#"{"type":"Point","coordinates":[1,2]}"#.into())),
            ("n", Value::Nil),
        ])),
        (2, 1, bins(&[("i", Value::Int(7))])),
    ];
    let mut from_values = PackedRows::default();
    for (key, generation, bins) in decoded {
        let key = aerospike::Key::new("test", "s", Value::Int(key)).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
        from_values.push(Some(&key), 0, Some(&aerospike::Record::new(None, bins, None, generation, 0)), false);
    }
    let options = Options::default();
    assert_eq!(build_packed(&from_wire, &options)?, build_packed(&from_values, &options)?);
    let (row, decoded_row) = (from_wire.row(0).ok_or(ColumnarError::Arrow("no row".into()))?, from_values.row(0).ok_or(ColumnarError::Arrow("no row".into()))?);
    assert_eq!(from_wire.namespace_set(row), ("test", "s"));
    assert_eq!((row.digest, row.generation, row.ttl), ([1; 20], 3, decoded_row.ttl));
    Ok(())
}

/// A malformed particle is refused by name and leaves the rows as they were: no half row.
#[test]
fn a_malformed_wire_record_is_refused_whole() -> Result<(), ColumnarError> {
    let mut rows = PackedRows::default();
    let good = wire_record(1, 1, 0, &[("i", wire::particle::INTEGER, 1i64.to_be_bytes().to_vec())]);
    rows.push_message(&wire::message::parse(&good).map_err(|e| ColumnarError::Arrow(e.to_string()))?, 0).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
    let before = build_packed(&rows, &Options::default())?;
    for (particle_type, bytes, says) in [
        (wire::particle::INTEGER, vec![0; 9], "integer"),
        (wire::particle::FLOAT, vec![0; 4], "float"),
        (wire::particle::STRING, vec![0xff, 0xfe], "UTF-8"),
        (wire::particle::GEOJSON, vec![0, 0, 2, 1], "cells"),
        (wire::particle::LIST, vec![0x91, 1, 2], "after its value"),
        (wire::particle::MAP, vec![0x81, 1], "truncated"),
    ] {
        let bad = wire_record(2, 1, 0, &[("ok", wire::particle::INTEGER, 5i64.to_be_bytes().to_vec()), ("x", particle_type, bytes)]);
        let message = wire::message::parse(&bad).map_err(|e| ColumnarError::Arrow(e.to_string()))?;
        let refused = rows.push_message(&message, 0).err().map(|e| e.0);
        assert!(refused.is_some_and(|m| m.contains(says)), "{says}: {refused:?}");
        assert_eq!(build_packed(&rows, &Options::default())?, before, "{says}: nothing of it was kept");
    }
    Ok(())
}

#[test]
fn void_times_count_down_from_now_like_the_crate() {
    use crate::packed::{ttl_from_void_time, TTL_NEVER_EXPIRES};
    let now = aerospike::CITRUSLEAF_EPOCH_UNIX_SECS + 1_000;
    assert_eq!(ttl_from_void_time(0, now), TTL_NEVER_EXPIRES);
    assert_eq!(ttl_from_void_time(1_060, now), 60);
    assert_eq!(ttl_from_void_time(900, now), 1, "expired but not yet removed: 1, never 0");
}

/// A batch row packed from its answer under the request's key packs as the crate's record under
/// that key does: found rows with their bins, TTL and generation; a not-found or failed row as
/// a row without a record (ttl -1, not "never expires"). Rows answered out of order are put
/// back in request order.
#[test]
fn batch_answers_pack_under_the_requests_key_and_sort_into_request_order() -> Result<(), ColumnarError> {
    use wire::message::{op, ResponseBuilder};
    let err = |e: wire::DecodeError| ColumnarError::Arrow(e.to_string());
    let key = |i: i64| aerospike::Key::new("test", "s", Value::Int(i)).map_err(|e| ColumnarError::Arrow(e.to_string()));
    let answer = |rc: u8, generation: u32, ops: &[(&str, i64)]| {
        let mut response = ResponseBuilder::new(rc, generation, 0);
        for (name, v) in ops {
            response.op_with(op::READ, wire::particle::INTEGER, name.as_bytes(), |out| out.extend_from_slice(&v.to_be_bytes()));
        }
        response.finish()[wire::proto::HEADER_SIZE..].to_vec()
    };
    let (found, missing, refused) = (answer(0, 4, &[("a", 1), ("b", 2)]), answer(2, 0, &[]), answer(27, 0, &[]));
    let mut from_wire = PackedRows::default();
    // Arrival order 2, 0, 1; request order 0, 1, 2.
    for (i, body) in [(2, &refused), (0, &found), (1, &missing)] {
        from_wire.push_answer(&key(i)?, &wire::message::parse(body).map_err(err)?, 0).map_err(err)?;
    }
    from_wire.sort_rows_by(&[2, 0, 1]);

    let mut from_values = PackedRows::default();
    let record = aerospike::Record::new(None, bins(&[("a", Value::Int(1)), ("b", Value::Int(2))]), None, 4, 0);
    from_values.push(Some(&key(0)?), 0, Some(&record), false);
    from_values.push(Some(&key(1)?), 2, None, false);
    from_values.push(Some(&key(2)?), 27, None, false);

    for (w, v) in from_wire.rows().iter().zip(from_values.rows()) {
        assert_eq!((w.result_code, w.has_record, w.generation, w.ttl, w.digest), (v.result_code, v.has_record, v.generation, v.ttl, v.digest));
        assert_eq!(from_wire.namespace_set(w), from_values.namespace_set(v));
        assert_eq!(from_wire.user_key(w).map(|c| format!("{c:?}")), from_values.user_key(v).map(|c| format!("{c:?}")));
        let names = |rows: &PackedRows, r| rows.bins(r).map(|(n, c)| (n.to_owned(), format!("{c:?}"))).collect::<Vec<_>>();
        assert_eq!(names(&from_wire, w), names(&from_values, v));
    }
    let options = Options::default();
    assert_eq!(build_packed(&from_wire, &options)?, build_packed(&from_values, &options)?);
    Ok(())
}

/// Splitting rows keeps every row whole (key, set, bins) on either side, in order: a stream
/// that fills batches of an exact size from bigger chunks builds the same columns.
#[test]
fn taking_the_front_rows_splits_without_changing_a_row() -> Result<(), ColumnarError> {
    let key = |set: &str, i: i64| aerospike::Key::new("test", set, Value::Int(i)).map_err(|e| ColumnarError::Arrow(e.to_string()));
    let mut whole = PackedRows::default();
    for i in 0..5 {
        let record = aerospike::Record::new(None, bins(&[("a", Value::Int(i)), ("s", Value::String(format!("v{i}")))]), None, 1, 0);
        whole.push(Some(&key(if i % 2 == 0 { "x" } else { "y" }, i)?), 0, Some(&record), false);
    }
    let options = Options::default();
    let expected = build_packed(&whole, &options)?;
    let mut rest = std::mem::take(&mut whole);
    let mut front = rest.take_front(2);
    assert_eq!((front.len(), rest.len()), (2, 3));
    assert_eq!(front.namespace_set(&front.rows()[1]), ("test", "y"));
    front.append(rest);
    assert_eq!(build_packed(&front, &options)?, expected);
    let mut all = PackedRows::default();
    assert_eq!(all.take_front(3).len(), 0, "nothing to take from nothing");
    Ok(())
}
