"""The columnar results of batch_read on both clients: Arrow (PyCapsule, pyarrow, Polars, pandas),
inferred and caller-fixed column types, nulls, type conflicts, zero-copy proofs by buffer address
(STYLE R9), NumPy structured and 2-D arrays with masks, 1M records, and the GIL."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

import aerospike_py as aerospike

# What a record that never expires reports as its ttl (the official client's convention).
NEVER_EXPIRES = 4294967295

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

META = ["_key", "_result_code", "_gen", "_ttl"]
OK, NOT_FOUND = 0, 2


def write_rows(client, keys, rows, prefix="r"):
    """One key per row; `None` leaves that record missing. Returns the keys in row order."""
    ks = keys.many(len(rows), prefix)
    present = [(k, bins) for k, bins in zip(ks, rows) if bins is not None]
    if present:
        res = client.batch_write(present)
        assert all(br.result == OK for br in res.batch_records)
    return ks


def buffer_address(table, name):
    """Address of the values buffer of a single-chunk fixed-width column."""
    column = table[name]
    assert column.num_chunks == 1
    return column.chunk(0).buffers()[1].address


def data_address(array):
    return np.ma.getdata(array).__array_interface__["data"][0]


# --------------------------------------------------------------------------------------------
# Arrow: the exports and the column layout


def test_every_export_gives_the_same_table(client, keys):
    ks = write_rows(client, keys, [{"a": 1, "s": "x"}, None, {"a": 3, "f": 0.5}])
    batch = client.batch_read(ks)
    expected = {
        "_key": [k[2] for k in ks],
        "_result_code": [OK, NOT_FOUND, OK],
        "_gen": [1, None, 1],
        "a": [1, None, 3],
        "s": ["x", None, None],
        "f": [None, None, 0.5],
    }
    for table in (pa.table(batch), batch.to_arrow(), pa.RecordBatchReader.from_stream(batch).read_all()):
        assert isinstance(table, pa.Table)
        assert table.column_names == META + ["a", "s", "f"]  # metadata, then bins by first appearance
        got = table.to_pydict()
        ttl = got.pop("_ttl")
        assert ttl[1] is None and all(t == NEVER_EXPIRES or t > 0 for t in (ttl[0], ttl[2]))
        assert got == expected
    for frame in (pl.DataFrame(batch), batch.to_polars()):
        assert isinstance(frame, pl.DataFrame)
        assert frame.columns == META + ["a", "s", "f"]
        assert frame.drop("_ttl").to_dict(as_series=False) == expected
    df = batch.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == META + ["a", "s", "f"]
    assert df["_key"].tolist() == expected["_key"]
    assert df["_result_code"].tolist() == expected["_result_code"]
    assert df["a"].isna().tolist() == [False, True, False]
    assert df.loc[0, "a"] == 1 and df.loc[2, "a"] == 3 and df.loc[0, "s"] == "x"


def test_meta_column_types_and_schema_capsule(client, keys):
    ks = write_rows(client, keys, [{"a": 1}, None])
    batch = client.batch_read(ks)
    schema = pa.table(batch).schema
    assert schema.field("_key").type == pa.string()
    assert schema.field("_result_code").type == pa.int32()
    assert schema.field("_gen").type == pa.uint32()
    assert schema.field("_ttl").type == pa.int64()
    assert pa.schema(batch) == schema  # __arrow_c_schema__ says what the stream holds


def test_int_user_keys_make_an_int64_key_column(client, keys):
    ks = [keys(i) for i in (5, -7, 2**40)]
    for k in ks:
        client.put(k, {"v": 1})
    table = pa.table(client.batch_read(ks))
    assert table.schema.field("_key").type == pa.int64()
    assert table["_key"].to_pylist() == [5, -7, 2**40]


def test_selected_bins_give_columns_in_the_callers_order(client, keys):
    ks = write_rows(client, keys, [{"a": 1, "b": 2, "c": 3}] * 2)
    batch = client.batch_read(ks, bins=["c", "nope", "a"])
    table = pa.table(batch)
    assert table.column_names == META + ["c", "nope", "a"]
    assert table["nope"].null_count == 2  # asked for, absent everywhere: all nulls
    assert table["c"].to_pylist() == [3, 3] and table["a"].to_pylist() == [1, 1]


def test_existence_only_batch_has_only_meta_columns(client, keys):
    ks = write_rows(client, keys, [{"a": 1}, None])
    table = pa.table(client.batch_read(ks, bins=[]))
    assert table.column_names == META
    assert table["_result_code"].to_pylist() == [OK, NOT_FOUND]
    assert table["_gen"].to_pylist() == [1, None]


def test_exported_many_times(client, keys):
    ks = write_rows(client, keys, [{"a": i} for i in range(3)])
    batch = client.batch_read(ks)
    tables = [pa.table(batch) for _ in range(3)] + [batch.to_arrow()]
    assert all(t.equals(tables[0]) for t in tables)
    assert pl.DataFrame(batch).equals(batch.to_polars())


# --------------------------------------------------------------------------------------------
# Arrow: inferred types


def test_inferred_types(client, keys):
    rows = [
        {
            "i": 1, "f": 1.5, "s": "x", "b": b"\x00\xff", "t": True,
            "li": [1, 2], "ls": ["a"], "nest": [[1, 2], [3]], "lf": [1, 2.5],
            "m": {"k": 1}, "mm": {"k": {"x": [1.5]}}, "mi": {1: "one"},
        },
        {
            "i": -2, "f": -0.25, "s": "", "b": b"", "t": False,
            "li": [], "ls": ["b", "c"], "nest": [], "lf": [3],
            "m": {}, "mm": {"j": {}}, "mi": {2: "two", 3: "three"},
        },
    ]
    ks = write_rows(client, keys, rows)
    table = pa.table(client.batch_read(ks))
    types = {f.name: f.type for f in table.schema if f.name not in META}
    assert types["i"] == pa.int64()
    assert types["f"] == pa.float64()
    assert types["s"] == pa.string()
    assert types["b"] == pa.binary()
    assert types["t"] == pa.bool_()
    assert types["li"] == pa.list_(pa.int64())
    assert types["ls"] == pa.list_(pa.string())
    assert types["nest"] == pa.list_(pa.list_(pa.int64()))
    assert types["lf"] == pa.list_(pa.float64())  # int + float inside a list: float64
    assert types["m"] == pa.map_(pa.string(), pa.int64())
    assert types["mm"] == pa.map_(pa.string(), pa.map_(pa.string(), pa.list_(pa.float64())))
    assert types["mi"] == pa.map_(pa.int64(), pa.string())
    got = table.to_pydict()
    assert got["i"] == [1, -2] and got["f"] == [1.5, -0.25] and got["s"] == ["x", ""]
    assert got["b"] == [b"\x00\xff", b""] and got["t"] == [True, False]
    assert got["li"] == [[1, 2], []] and got["ls"] == [["a"], ["b", "c"]]
    assert got["nest"] == [[[1, 2], [3]], []] and got["lf"] == [[1.0, 2.5], [3.0]]
    assert got["m"] == [[("k", 1)], []]
    assert got["mm"] == [[("k", [("x", [1.5])])], [("j", [])]]
    assert sorted(got["mi"][1]) == [(2, "two"), (3, "three")]
    # Polars takes every one of these types
    frame = pl.DataFrame(client.batch_read(ks))
    assert frame["i"].to_list() == [1, -2]
    assert frame["nest"].to_list() == [[[1, 2], [3]], []]


def test_nulls_for_missing_records_and_bins(client, keys):
    ks = write_rows(client, keys, [{"a": 1, "l": [1]}, {"b": "x"}, None])
    table = pa.table(client.batch_read(ks))
    assert table["a"].to_pylist() == [1, None, None]
    assert table["b"].to_pylist() == [None, "x", None]
    assert table["l"].to_pylist() == [[1], None, None]
    assert table["_result_code"].to_pylist() == [OK, OK, NOT_FOUND]
    assert table["_gen"].null_count == 1 and table["_ttl"].null_count == 1
    assert table["_key"].null_count == 0  # the key we asked with is known even when missing


def test_int_and_float_promote_to_float64(client, keys):
    ks = write_rows(client, keys, [{"x": 1}, {"x": 2.5}, {"x": -(2**53)}, None])
    table = pa.table(client.batch_read(ks))
    assert table.schema.field("x").type == pa.float64()
    assert table["x"].to_pylist() == [1.0, 2.5, float(-(2**53)), None]


def test_int_without_exact_float_form_is_not_promoted_silently(client, keys):
    ks = write_rows(client, keys, [{"x": 2**60 + 1}, {"x": 0.5}])
    with pytest.raises(ValueError, match='"x"'):
        pa.table(client.batch_read(ks))


def test_type_conflict_raises_naming_the_bin_and_types(client, keys):
    ks = write_rows(client, keys, [{"ok": 1, "mixed": 1}, {"ok": 2, "mixed": "two"}])
    batch = client.batch_read(ks)
    for export in (lambda: pa.table(batch), batch.to_arrow, batch.to_polars, batch.to_pandas, lambda: pl.DataFrame(batch)):
        with pytest.raises(ValueError) as info:
            export()
        message = str(info.value)
        assert '"mixed"' in message and "int64" in message and "utf8" in message
        assert '"ok"' not in message


def test_type_conflict_null_fallback(client, keys):
    ks = write_rows(client, keys, [{"mixed": 1, "other": "a"}, {"mixed": "two", "other": "b"}, {"mixed": 3, "other": "c"}])
    batch = client.batch_read(ks)
    table = batch.to_arrow(on_type_conflict="null")
    assert table.schema.field("mixed").type == pa.int64()  # the first kind wins
    assert table["mixed"].to_pylist() == [1, None, 3]
    assert table["other"].to_pylist() == ["a", "b", "c"]
    assert batch.to_polars(on_type_conflict="null")["mixed"].to_list() == [1, None, 3]
    assert batch.to_pandas(on_type_conflict="null")["mixed"].isna().tolist() == [False, True, False]
    with pytest.raises(ValueError, match="on_type_conflict"):
        batch.to_arrow(on_type_conflict="ignore")
    with pytest.raises(ValueError):  # the default is still "error"
        batch.to_arrow()


def test_type_conflict_in_nested_values(client, keys):
    ks = write_rows(client, keys, [{"l": [1, 2]}, {"l": ["x"]}])
    with pytest.raises(ValueError, match='"l"'):
        pa.table(client.batch_read(ks))
    ks = write_rows(client, keys, [{"l": [1, "x"]}], prefix="inner")
    with pytest.raises(ValueError, match='"l'):
        pa.table(client.batch_read(ks))


def test_bool_and_int_do_not_mix(client, keys):
    ks = write_rows(client, keys, [{"x": True}, {"x": 1}])
    with pytest.raises(ValueError, match='"x"'):
        pa.table(client.batch_read(ks))


def test_schema_fixes_types(client, keys):
    ks = write_rows(client, keys, [{"a": 1, "f": 1.5, "s": "x"}, {"a": -300, "f": 2.0, "s": "y"}, None])
    batch = client.batch_read(ks)
    schema = pa.schema([("a", pa.int16()), ("f", pa.float32())])
    table = batch.to_arrow(schema=schema)
    assert table.schema.field("a").type == pa.int16()
    assert table.schema.field("f").type == pa.float32()
    assert table.schema.field("s").type == pa.string()  # not in the schema: inferred
    assert table["a"].to_pylist() == [1, -300, None]
    assert batch.to_polars(schema=schema)["a"].dtype == pl.Int16
    assert str(batch.to_pandas(schema=schema)["f"].dtype) == "float32"
    # the cached default export is unaffected
    assert pa.table(batch).schema.field("a").type == pa.int64()


def test_schema_overflow_is_null_or_refused_on_request(client, keys):
    """A value the schema's type cannot hold becomes a null (the schema is the caller's word on
    the bin's type); on_type_conflict="error" refuses it instead."""
    ks = write_rows(client, keys, [{"a": 1}, {"a": 100_000}])
    batch = client.batch_read(ks)
    assert batch.to_arrow(schema=pa.schema([("a", pa.int16())]))["a"].to_pylist() == [1, None]
    with pytest.raises(ValueError) as info:
        batch.to_arrow(schema=pa.schema([("a", pa.int16())]), on_type_conflict="error")
    assert '"a"' in str(info.value)
    with pytest.raises(ValueError):
        batch.to_arrow(schema=pa.schema([("a", pa.uint8())]), on_type_conflict="error")
    assert batch.to_arrow(schema=pa.schema([("a", pa.int32())]))["a"].to_pylist() == [1, 100_000]


def test_schema_with_a_type_values_cannot_take(client, keys):
    ks = write_rows(client, keys, [{"a": 1}])
    batch = client.batch_read(ks)
    with pytest.raises(ValueError, match='"a"'):
        batch.to_arrow(schema=pa.schema([("a", pa.timestamp("s"))]))  # no Aerospike value becomes one
    assert batch.to_arrow(schema=pa.schema([("a", pa.string())]))["a"].to_pylist() == [None]
    with pytest.raises(ValueError, match='"a"'):
        batch.to_arrow(schema=pa.schema([("a", pa.string())]), on_type_conflict="error")
    with pytest.raises((TypeError, ValueError)):
        batch.to_arrow(schema="a: int16")


def test_unicode_strings(client, keys):
    texts = ["한국어 텍스트", "emoji 🚀✨", "e\u0301 combining", "\u0000nul inside", "ｆｕｌｌ"]
    ks = write_rows(client, keys, [{"s": t, "k": {t: t}} for t in texts])
    batch = client.batch_read(ks)
    table = pa.table(batch)
    assert table["s"].to_pylist() == texts
    assert table["k"].to_pylist() == [[(t, t)] for t in texts]
    assert pl.DataFrame(batch)["s"].to_list() == texts
    assert batch.to_numpy([("s", "U16")])["s"].tolist() == texts


def test_bin_named_like_a_meta_column(client, keys):
    ks = write_rows(client, keys, [{"_gen": 42, "a": 1}])
    batch = client.batch_read(ks)
    for export in (lambda: pa.table(batch), batch.to_arrow, batch.to_polars):
        with pytest.raises(ValueError) as info:
            export()
        assert '"_gen"' in str(info.value) and "meta_columns=False" in str(info.value)
    table = batch.to_arrow(meta_columns=False)
    assert table.column_names == ["_gen", "a"]
    assert table["_gen"].to_pylist() == [42]
    assert batch.to_polars(meta_columns=False)["_gen"].to_list() == [42]
    assert batch.to_dict() == {ks[0][2]: {"_gen": 42, "a": 1}}


def test_bin_named_like_a_meta_column_does_not_block_numpy(client, keys):
    """NumPy views export no metadata columns, so a `_gen` bin has nothing to clash with: the
    other bins reach NumPy as usual."""
    ks = write_rows(client, keys, [{"_gen": 42, "a": 1}, {"_gen": 43, "a": 2}])
    batch = client.batch_read(ks)
    assert batch.to_numpy([("a", "i8")])["a"].tolist() == [1, 2]
    assert batch.column("a").tolist() == [1, 2]


def test_mixed_user_key_types_do_not_block_bin_columns(client, keys):
    """int and str user keys in one batch: `_key` has no single type, but NumPy views of bins
    never export `_key`, and meta_columns=False leaves it out of the Arrow table."""
    ks = [keys(1), keys("two")]
    client.put(ks[0], {"v": 1})
    client.put(ks[1], {"v": 2})
    batch = client.batch_read(ks)
    assert batch.to_dict() == {1: {"v": 1}, "two": {"v": 2}}
    assert batch.to_arrow(meta_columns=False)["v"].to_pylist() == [1, 2]
    assert batch.column("v").tolist() == [1, 2]
    assert batch.to_numpy([("v", "i8")])["v"].tolist() == [1, 2]


def test_empty_batch(client):
    batch = client.batch_read([])
    table = pa.table(batch)
    assert table.num_rows == 0
    assert set(table.column_names) <= set(META) and "_result_code" in table.column_names
    assert pl.DataFrame(batch).height == 0
    assert batch.to_pandas().shape[0] == 0
    selected = client.batch_read([], bins=["a", "b"])
    assert pa.table(selected).column_names[-2:] == ["a", "b"]
    assert len(selected.to_numpy([("a", "i8")])) == 0
    assert selected.to_numpy("f8").shape == (0, 2)


def test_requested_schema_casts(client, keys):
    ks = write_rows(client, keys, [{"a": 1}, {"a": 2}])
    batch = client.batch_read(ks)
    base = pa.table(batch).schema
    wanted = base.set(base.get_field_index("a"), pa.field("a", pa.float64()))
    table = pa.table(batch, schema=wanted)
    assert table.schema.field("a").type == pa.float64()
    assert table["a"].to_pylist() == [1.0, 2.0]


def test_requested_schema_refuses_overflow(client, keys):
    """Casting to a requested schema must not turn a value that doesn't fit into a null (SPEC:
    "never a silent wrong value"; `schema=` refuses the same overflow)."""
    ks = write_rows(client, keys, [{"a": 1}, {"a": 100_000}])
    batch = client.batch_read(ks)
    base = pa.table(batch).schema
    narrow = base.set(base.get_field_index("a"), pa.field("a", pa.int16()))
    try:
        table = pa.table(batch, schema=narrow)
    except (ValueError, pa.ArrowInvalid):
        return
    assert table["a"].to_pylist() == [1, 100_000], "100000 does not fit int16: raise, don't null it"


# --------------------------------------------------------------------------------------------
# zero copy (STYLE R9): addresses, not just values


def test_fixed_width_column_is_shared_not_copied(client, keys):
    ks = write_rows(client, keys, [{"a": i * 7, "f": i / 4} for i in range(100)])
    batch = client.batch_read(ks, bins=["a", "f"])
    expected = sum(i * 7 for i in range(100))
    addr = buffer_address(pa.table(batch), "a")
    assert buffer_address(pa.table(batch), "a") == addr  # exported twice, one buffer
    assert buffer_address(batch.to_arrow(), "a") == addr
    col = batch.column("a")
    assert isinstance(col, np.ndarray) and not isinstance(col, np.ma.MaskedArray)
    assert col.dtype == np.int64
    assert col.__array_interface__["data"][0] == addr
    assert not col.flags.writeable
    with pytest.raises(ValueError):
        col[0] = 1
    arr = pl.DataFrame(batch)["a"].to_numpy(allow_copy=False)
    assert arr.__array_interface__["data"][0] == addr
    assert batch.to_polars()["a"].to_numpy(allow_copy=False).__array_interface__["data"][0] == addr
    assert batch.to_pandas()["a"].to_numpy().__array_interface__["data"][0] == addr
    faddr = buffer_address(pa.table(batch), "f")
    assert batch.column("f").__array_interface__["data"][0] == faddr
    assert batch.column("f", allow_copy=False).dtype == np.float64
    del batch
    gc.collect()
    assert col.sum() == expected  # the array's base keeps the Arrow buffer alive
    assert arr.sum() == expected


def test_column_survives_its_batch(client, keys):
    ks = write_rows(client, keys, [{"a": i} for i in range(1000)])
    col = client.batch_read(ks).column("a", allow_copy=False)
    gc.collect()
    junk = [bytes(1000) for _ in range(2000)]  # reuse freed memory, if any was freed
    assert col.tolist() == list(range(1000))
    del junk


def test_column_with_nulls_is_masked_over_the_same_buffer(client, keys):
    ks = write_rows(client, keys, [{"a": 1}, None, {"b": 0}, {"a": 4}, None])
    batch = client.batch_read(ks)
    col = batch.column("a")
    assert isinstance(col, np.ma.MaskedArray)
    assert col.mask.tolist() == [False, True, True, False, True]
    assert col.compressed().tolist() == [1, 4]
    assert data_address(col) == buffer_address(pa.table(batch), "a")
    assert col.sum() == 5


def test_non_fixed_width_column_needs_a_copy(client, keys):
    ks = write_rows(client, keys, [{"s": "x", "t": True, "l": [1]}, None])
    batch = client.batch_read(ks)
    for name in ("s", "t", "l"):
        with pytest.raises(ValueError, match=f'"{name}"'):
            batch.column(name, allow_copy=False)
    assert batch.column("s").tolist() == ["x", None]
    assert batch.column("l").tolist() == [[1], None]
    with pytest.raises(KeyError):
        batch.column("nope")


# --------------------------------------------------------------------------------------------
# NumPy: to_numpy


EMB = 16


def test_to_numpy_structured_every_field_kind(client, keys):
    emb = [float(j) / 8 for j in range(EMB)]
    rows = [
        {"i1": -128, "i2": 32767, "i4": -(2**31), "i8": 2**63 - 1, "u1": 255, "u2": 65535, "u4": 2**32 - 1,
         "u8": 2**63 - 1, "f4": 1.5, "f8": 1 / 3, "b": True, "s": "héllo", "by": b"\x00\x01", "emb": emb},
        {"i1": 127, "i2": -1, "i4": 7, "i8": -(2**63), "u1": 0, "u2": 1, "u4": 2, "u8": 3,
         "f4": -2, "f8": 4, "b": False, "s": "", "by": b"z", "emb": [1.0] * EMB},
    ]
    ks = write_rows(client, keys, rows)
    dtype = np.dtype([
        ("i1", "i1"), ("i2", "i2"), ("i4", "i4"), ("i8", "i8"), ("u1", "u1"), ("u2", "u2"), ("u4", "u4"),
        ("u8", "u8"), ("f4", "f4"), ("f8", "f8"), ("b", "?"), ("s", "U5"), ("by", "S2"), ("emb", "f4", (EMB,)),
    ])
    arr = client.batch_read(ks).to_numpy(dtype)
    assert not isinstance(arr, np.ma.MaskedArray)  # nothing missing: a plain array
    assert arr.dtype == dtype and arr.shape == (2,)
    for name in dtype.names:
        if name in ("emb", "f4", "f8"):
            continue
        assert arr[name].tolist() == [rows[0][name], rows[1][name]], name
    assert arr["f4"].tolist() == [1.5, -2.0]
    assert arr["f8"][0] == 1 / 3 and arr["f8"][1] == 4.0
    assert arr["emb"].shape == (2, EMB) and arr["emb"].dtype == np.float32
    assert arr["emb"][0].tolist() == emb
    assert np.array_equal(arr["emb"][1], np.ones(EMB, dtype=np.float32))


def test_to_numpy_masks_missing_records_and_bins(client, keys):
    ks = write_rows(client, keys, [{"a": 1, "s": "x", "emb": [2.0] * EMB}, {"a": 2}, None])
    batch = client.batch_read(ks)
    dtype = [("a", "i8"), ("s", "U3"), ("emb", "f4", (EMB,)), ("nobody", "f8")]
    arr = batch.to_numpy(dtype)
    assert isinstance(arr, np.ma.MaskedArray)
    assert arr.mask["a"].tolist() == [False, False, True]
    assert arr.mask["s"].tolist() == [False, True, True]
    assert arr.mask["emb"].shape == (3, EMB)
    assert arr.mask["emb"].all(axis=1).tolist() == [False, True, True]
    assert not arr.mask["emb"][0].any()
    assert arr.mask["nobody"].all()  # a bin no record has: masked, never zero
    assert arr["a"].compressed().tolist() == [1, 2]
    assert arr["a"].sum() == 3
    assert arr["s"][0] == "x" and arr["s"][1] is np.ma.masked
    assert batch.found.tolist() == [True, True, False]


def test_to_numpy_masks_a_selected_bin_that_no_record_has(client, keys):
    """A bin read with bins=[...] that is absent from every record is all nulls: every value of
    its field is masked (never zero, never an error)."""
    ks = write_rows(client, keys, [{"a": 1}, {"a": 2}])
    batch = client.batch_read(ks, bins=["a", "zz"])
    arr = batch.to_numpy([("a", "i8"), ("zz", "i8")])
    assert isinstance(arr, np.ma.MaskedArray)
    assert arr.mask["zz"].tolist() == [True, True]
    assert arr["a"].tolist() == [1, 2]


def test_to_numpy_fill_value(client, keys):
    ks = write_rows(client, keys, [{"a": 5, "f": 0.5}, {"f": 1.5}, None])
    arr = client.batch_read(ks).to_numpy([("a", "i4"), ("f", "f8")], fill_value=-1)
    assert not isinstance(arr, np.ma.MaskedArray)
    assert arr["a"].tolist() == [5, -1, -1]
    assert arr["f"].tolist() == [0.5, 1.5, -1.0]


def test_to_numpy_plain_dtype_gives_n_by_k(client, keys):
    ks = write_rows(client, keys, [{"x": 1, "y": 2, "z": 3}, {"x": 4, "y": 5.5, "z": 6}, None])
    batch = client.batch_read(ks, bins=["z", "x"])
    arr = batch.to_numpy("f8")
    assert arr.shape == (3, 2) and arr.dtype == np.float64
    assert isinstance(arr, np.ma.MaskedArray)
    assert arr[:2].tolist() == [[3.0, 1.0], [6.0, 4.0]]  # columns in bins order
    assert arr.mask.tolist() == [[False, False], [False, False], [True, True]]
    filled = batch.to_numpy("i8", fill_value=0)
    assert filled.tolist() == [[3, 1], [6, 4], [0, 0]]
    # a batch read with every bin takes bins= in to_numpy
    all_bins = client.batch_read(ks)
    assert all_bins.to_numpy("f8", bins=["y", "x"], fill_value=np.nan)[:2].tolist() == [[2.0, 1.0], [5.5, 4.0]]
    with pytest.raises(ValueError, match="bins"):
        all_bins.to_numpy("f8")


def test_to_numpy_refuses_strings_it_would_truncate(client, keys):
    ks = write_rows(client, keys, [{"s": "abc", "b": b"abc"}, {"s": "abcde", "b": b"abcde"}])
    batch = client.batch_read(ks)
    with pytest.raises(ValueError) as info:
        batch.to_numpy([("s", "U4")])
    assert '"s"' in str(info.value)
    assert batch.to_numpy([("s", "U5")])["s"].tolist() == ["abc", "abcde"]
    with pytest.raises(ValueError, match='"b"'):
        batch.to_numpy([("b", "S4")])
    assert batch.to_numpy([("b", "S5")])["b"].tolist() == [b"abc", b"abcde"]
    # U<n> counts characters, S<n> counts UTF-8 bytes
    ks = write_rows(client, keys, [{"s": "한국"}], prefix="u")
    assert client.batch_read(ks).to_numpy([("s", "U2")])["s"].tolist() == ["한국"]
    with pytest.raises(ValueError):
        client.batch_read(ks).to_numpy([("s", "S5")])


@pytest.mark.parametrize(
    ("value", "dtype"),
    [(128, "i1"), (-129, "i1"), (256, "u1"), (-1, "u1"), (-1, "u8"), (2**31, "i4"), (65536, "u2")],
)
def test_to_numpy_refuses_ints_that_do_not_fit(client, keys, value, dtype):
    ks = write_rows(client, keys, [{"a": 1}, {"a": value}])
    with pytest.raises(ValueError) as info:
        client.batch_read(ks).to_numpy([("a", dtype)])
    assert '"a"' in str(info.value) and str(value) in str(info.value)


def test_to_numpy_sub_array_needs_lists_of_that_length(client, keys):
    ks = write_rows(client, keys, [{"emb": [1.0] * EMB}, {"emb": [1.0] * (EMB - 1)}])
    with pytest.raises(ValueError, match='"emb"'):
        client.batch_read(ks).to_numpy([("emb", "f4", (EMB,))])
    ks = write_rows(client, keys, [{"emb": [1.0, None] + [1.0] * (EMB - 2)}], prefix="nil")
    with pytest.raises(ValueError, match='"emb"'):
        client.batch_read(ks).to_numpy([("emb", "f4", (EMB,))])
    ks = write_rows(client, keys, [{"emb": 1.0}], prefix="scalar")
    with pytest.raises(ValueError, match='"emb"'):
        client.batch_read(ks).to_numpy([("emb", "f4", (EMB,))])


def test_to_numpy_refuses_values_of_another_kind(client, keys):
    ks = write_rows(client, keys, [{"f": 1.5, "s": "x", "i": 2**60 + 1}])
    batch = client.batch_read(ks)
    with pytest.raises(ValueError, match='"f"'):
        batch.to_numpy([("f", "i8")])  # a float never becomes an int silently
    with pytest.raises(ValueError, match='"s"'):
        batch.to_numpy([("s", "f8")])
    with pytest.raises(ValueError, match='"i"'):
        batch.to_numpy([("i", "f8")])  # no exact float64 form: never rounded silently
    with pytest.raises(TypeError):
        batch.to_numpy([("f", "M8[s]")])
    with pytest.raises(ValueError):
        batch.to_numpy([("f", ">f8")])
    with pytest.raises(ValueError):
        batch.to_numpy([("s", "U")])


def test_to_numpy_int_column_fills_float_fields_exactly(client, keys):
    ks = write_rows(client, keys, [{"a": 3}, {"a": -(2**53)}])
    batch = client.batch_read(ks)
    assert batch.to_numpy([("a", "f8")])["a"].tolist() == [3.0, float(-(2**53))]
    assert batch.to_numpy([("a", "f4")])["a"].tolist() == [3.0, float(-(2**53))]


@pytest.mark.slow  # ~40 s and 3.8 GB peak against the debug in-process LocalServer; seconds on a real one
def test_to_numpy_one_million_records(config, ns):
    """1M records written in batch_write chunks, read with one batch_read, summed through NumPy.
    Sync client only: the columnar path after the read is the same object on both."""
    n, chunk = 1_000_000, 200_000
    client = aerospike.client(config).connect()
    set_name = "py_columnar_million"  # fixed: a real namespace holds at most 4,095 set names
    ks = [(ns, set_name, i) for i in range(n)]
    slow = {"timeout": 120_000}
    try:
        for start in range(0, n, chunk):
            res = client.batch_write([(k, {"v": i}) for i, k in enumerate(ks[start:start + chunk], start)], policy=slow)
            assert all(br.result == OK for br in res.batch_records)
        batch = client.batch_read(ks, bins=["v"], policy=slow)
        assert len(batch) == n
        arr = batch.to_numpy([("v", "i8")])
        assert arr.shape == (n,) and not isinstance(arr, np.ma.MaskedArray)
        assert int(arr["v"].sum()) == n * (n - 1) // 2
        assert arr["v"][123_456] == 123_456  # request order
        col = batch.column("v", allow_copy=False)
        assert int(col.sum()) == n * (n - 1) // 2
    finally:
        client.batch_remove(ks, policy=slow)
        client.close()


# --------------------------------------------------------------------------------------------
# the GIL


def test_gil_released_during_batch_read_and_to_numpy(config, ns):
    """While one thread runs a big batch_read and to_numpy, another keeps running Python
    (delta-rs test_threaded). A short switch interval means a thread holding the GIL in native
    code would leave the counter only a few hundred iterations per hand-over."""
    n = 50_000
    client = aerospike.client(config).connect()
    set_name = "py_columnar_gil"  # fixed: a real namespace holds at most 4,095 set names
    ks = [(ns, set_name, i) for i in range(n)]
    policy = {"timeout": 120_000}
    dtype = np.dtype([("i", "i8"), ("emb", "f4", (EMB,))])
    old_interval = sys.getswitchinterval()
    try:
        client.batch_write([(k, {"i": i, "emb": [float(i)] * EMB}) for i, k in enumerate(ks)], policy=policy)
        stage = {"name": "before"}
        counts = {"read": 0, "numpy": 0}
        results = []
        errors = []

        def work():
            try:
                stage["name"] = "read"
                batch = client.batch_read(ks, policy=policy)
                stage["name"] = "numpy"
                for _ in range(3):
                    results.append(batch.to_numpy(dtype))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                stage["name"] = "done"

        sys.setswitchinterval(1e-5)
        worker = threading.Thread(target=work)
        worker.start()
        while True:
            name = stage["name"]
            if name == "done":
                break
            if name in counts:
                counts[name] += 1
        worker.join()
        sys.setswitchinterval(old_interval)
        assert not errors, errors
        assert int(results[-1]["i"].sum()) == n * (n - 1) // 2
        assert results[-1]["emb"][7].tolist() == [7.0] * EMB
        assert counts["read"] > 10_000, counts
        assert counts["numpy"] > 10_000, counts
    finally:
        sys.setswitchinterval(old_interval)
        client.batch_remove(ks, policy=policy)
        client.close()


# --------------------------------------------------------------------------------------------
# more metadata and sharing


def test_ttl_and_gen_columns(client, keys):
    ks = write_rows(client, keys, [None, None])
    client.put(ks[0], {"a": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    client.put(ks[1], {"a": 1}, meta={"ttl": 5000})
    client.put(ks[1], {"a": 2}, meta={"ttl": 5000})
    table = pa.table(client.batch_read(ks))
    assert table["_ttl"][0].as_py() == NEVER_EXPIRES
    assert 4900 < table["_ttl"][1].as_py() <= 5000
    assert table["_gen"].to_pylist() == [1, 2]


def test_digest_keys_give_a_null_user_key(client, keys):
    k = keys("by-digest")
    client.put(k, {"a": 1})
    digest = client.get(k).key.digest
    table = pa.table(client.batch_read([(k[0], k[1], None, digest)]))
    assert table["a"].to_pylist() == [1]
    assert "_key" not in table.column_names or table["_key"].to_pylist() == [None]


def test_first_export_from_many_threads_shares_one_buffer(client, keys):
    ks = write_rows(client, keys, [{"a": i} for i in range(2000)])
    batch = client.batch_read(ks)
    addresses, errors = [], []
    start = threading.Barrier(4)

    def export():
        try:
            start.wait()
            addresses.append(buffer_address(pa.table(batch), "a"))
            addresses.append(batch.column("a").__array_interface__["data"][0])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=export) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(addresses) == 8 and len(set(addresses)) == 1
    assert buffer_address(pa.table(batch), "a") == addresses[0]
