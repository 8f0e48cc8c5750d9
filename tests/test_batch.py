"""Batch commands on both clients: batch_read (-> LazyBatchRecords, its Mapping view, batch_records,
result codes), batch_operate, batch_remove, batch_write, argument checks made before anything is
sent, and policies. The columnar views (Arrow, NumPy) are tested in test_columnar.py."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, MutableMapping

import numpy as np
import pytest

import aerospike_py as aerospike
from aerospike_py import Key, Record, RecordMetadata, exception, exp
from aerospike_py.types import BatchRecord, BatchWriteResult

# What a record that never expires reports as its ttl (the official client's convention).
NEVER_EXPIRES = 4294967295

OK = 0
NOT_FOUND = 2
RECORD_EXISTS = 5
GENERATION_ERROR = 3
FILTERED_OUT = 27


def put_all(client, ks, make=lambda i: {"i": i}):
    """Writes `make(i)` to each key through batch_write (one round trip) and checks it worked."""
    res = client.batch_write([(k, make(i)) for i, k in enumerate(ks)])
    assert [br.result for br in res.batch_records] == [OK] * len(ks)


# --------------------------------------------------------------------------------------------
# batch_read: what comes back


def test_batch_read_all_bins(client, keys):
    ks = keys.many(5)
    for i, k in enumerate(ks):
        client.put(k, {"i": i, "s": f"v{i}", "l": [i, i + 1], "m": {"k": i}})
    batch = client.batch_read(ks)
    assert type(batch).__name__ == "LazyBatchRecords"
    records = batch.batch_records
    assert isinstance(records, list) and len(records) == 5
    for i, (k, br) in enumerate(zip(ks, records)):
        assert isinstance(br, BatchRecord)
        key, result, record, in_doubt = br  # unpacks as a tuple
        assert result == OK and in_doubt is False
        assert isinstance(key, Key) and key.namespace == k[0] and key.set == k[1] and key.user_key == k[2]
        assert isinstance(record, Record)
        assert record.bins == {"i": i, "s": f"v{i}", "l": [i, i + 1], "m": {"k": i}}
        assert isinstance(record.meta, RecordMetadata) and record.meta.gen == 1
        assert record.key.digest == client.get(k).key.digest


def test_batch_read_selected_bins(client, keys):
    ks = keys.many(3)
    for i, k in enumerate(ks):
        client.put(k, {"a": i, "b": -i, "c": "x"})
    batch = client.batch_read(ks, bins=["a", "c"])
    assert [br.record.bins for br in batch.batch_records] == [{"a": i, "c": "x"} for i in range(3)]
    assert batch.to_dict() == {k[2]: {"a": i, "c": "x"} for i, k in enumerate(ks)}
    # a bin that no record has is simply absent; a tuple of names works like a list
    batch = client.batch_read(ks, bins=("b", "nope"))
    assert [br.record.bins for br in batch.batch_records] == [{"b": -i} for i in range(3)]


def test_bulk_conversions_leave_the_garbage_collector_as_they_found_it(client, keys):
    # Bulk builds pause the cyclic GC for their duration: it must come back exactly as the
    # caller had it, on, or off when the caller turned it off.
    import gc

    ks = keys.many(50)
    for i, k in enumerate(ks):
        client.put(k, {"a": i, "v": [1.0, 2.0]})
    batch = client.batch_read(ks)
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            assert len(batch.to_dict()) == 50 and len(batch.to_list()) == 50
            assert len(batch.batch_records) == 50 and len(batch.items()) == 50
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_batch_read_empty_bins_checks_existence_only(client, keys):
    ks = keys.many(3)
    client.put(ks[0], {"a": 1, "b": 2})
    client.put(ks[2], {"a": 3})
    batch = client.batch_read(ks, bins=[])
    records = batch.batch_records
    assert [br.result for br in records] == [OK, NOT_FOUND, OK]
    assert records[1].record is None
    for br in (records[0], records[2]):
        assert br.record is not None
        assert br.record.meta.gen == 1
        assert not br.record.bins  # metadata only: no bin values travel
    assert list(batch.found) == [True, False, True]
    assert len(batch) == 3 and batch.found_count() == 2


def test_batch_read_duplicate_keys_answer_each_in_order(client, keys):
    a, b = keys("a"), keys("b")
    client.put(a, {"v": 1})
    client.put(b, {"v": 2})
    batch = client.batch_read([a, b, a, a])
    assert [br.key.user_key for br in batch.batch_records] == ["a", "b", "a", "a"]
    assert [br.record.bins["v"] for br in batch.batch_records] == [1, 2, 1, 1]
    assert list(batch.result_codes) == [OK] * 4
    assert batch.to_dict() == {"a": {"v": 1}, "b": {"v": 2}}


def test_batch_read_duplicate_keys_rows_and_mapping(client, keys):
    """Rows keep every requested key (len, iteration, to_list); the Mapping view has each key
    once, since a key asked twice is the same record."""
    a, b = keys("a"), keys("b")
    client.put(a, {"v": 1})
    client.put(b, {"v": 2})
    batch = client.batch_read([a, b, a])
    assert len(batch) == len(list(batch)) == len(batch.to_list()) == 3
    assert [br.key.user_key for br in batch] == ["a", "b", "a"]
    assert batch.keys() == ["a", "b"]
    assert len(batch.items()) == 2 and len(batch.values()) == 2
    assert len(batch.to_dict()) == 2
    assert dict(batch.items()) == batch.to_dict() == dict(batch)


def test_same_user_key_in_two_sets_is_never_merged(client, keys, ns):
    """The Mapping view is keyed by user key; a user key found in two sets names two records, so
    a lookup by it refuses to choose, and the whole-dict views refuse too. Rows keep both."""
    k1 = keys("shared")
    k2 = (ns, k1[1] + "_b", "shared")
    client.put(k1, {"v": 1})
    client.put(k2, {"v": 2})
    try:
        batch = client.batch_read([k1, k2])
        assert len(batch) == 2 and batch.to_list() == [{"v": 1}, {"v": 2}]
        assert batch[k1] == {"v": 1} and batch[k2] == {"v": 2}
        assert k2 in batch and (ns, "other", "shared") not in batch
        for view in (lambda: batch["shared"], lambda: "shared" in batch, batch.to_dict, batch.keys, batch.items, batch.values):
            with pytest.raises(ValueError, match=r"user key 'shared' names records in 2 sets"):
                view()
    finally:
        client.remove(k2)


def test_batch_read_seed_project_views(client, keys):
    """The seed project's names: to_list, all_user_keys, iter_records, found_count,
    release_cache, merge_to_dict."""
    ks = keys.many(3)
    client.put(ks[0], {"a": 0})
    client.put(ks[2], {"a": 2})
    digest = client.get(ks[2]).key.digest
    batch = client.batch_read(ks + [(ks[2][0], ks[2][1], None, digest)])
    assert batch.to_list() == [{"a": 0}, None, {"a": 2}, {"a": 2}]
    assert batch.all_user_keys() == [ks[0][2], ks[1][2], ks[2][2], None]
    assert [br.result for br in batch.iter_records()] == [OK, NOT_FOUND, OK, OK]
    assert batch.found_count() == 3 and len(batch) == 4
    assert repr(batch) == "<LazyBatchRecords: 4 requested, 3 found>"
    batch.release_cache()
    assert type(batch).merge_to_dict([batch, client.batch_read(ks[:1])]) == [
        {ks[0][2]: {"a": 0}, ks[2][2]: {"a": 2}},
        {ks[0][2]: {"a": 0}},
    ]


def test_batch_read_empty_key_list(client):
    for empty in ([], ()):
        batch = client.batch_read(empty)
        assert len(batch) == 0
        assert batch.batch_records == []
        assert batch.to_dict() == {}
        assert list(batch) == [] and batch.keys() == [] and batch.to_list() == []
        assert batch.result_codes.shape == (0,) and batch.found.shape == (0,)


def test_batch_read_all_missing(client, keys):
    ks = keys.many(4)
    batch = client.batch_read(ks)
    assert len(batch) == 4 and batch.found_count() == 0
    assert [(br.result, br.record, br.in_doubt) for br in batch.batch_records] == [(NOT_FOUND, None, False)] * 4
    assert [br.key.user_key for br in batch.batch_records] == [k[2] for k in ks]
    assert list(batch.result_codes) == [NOT_FOUND] * 4
    assert not batch.found.any()
    assert batch.to_dict() == {}
    assert ks[0][2] not in batch


def test_batch_read_mixed_found_and_missing(client, keys):
    ks = keys.many(6)
    for i in (0, 2, 3):
        client.put(ks[i], {"i": i})
    batch = client.batch_read(ks)
    assert [br.result for br in batch.batch_records] == [OK, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND]
    assert [br.record.bins if br.record else None for br in batch.batch_records] == [
        {"i": 0}, None, {"i": 2}, {"i": 3}, None, None,
    ]
    assert len(batch) == 6 and batch.found_count() == 3
    assert batch.keys() == [ks[0][2], ks[2][2], ks[3][2]]  # request order
    assert repr(batch) == "<LazyBatchRecords: 6 requested, 3 found>"


def test_batch_read_int_str_bytes_user_keys(client, keys):
    ki, ks_, kb = keys(1), keys("1"), keys(b"1")
    neg, big = keys(-(2**63)), keys(2**63 - 1)
    client.put(ki, {"t": "int"})
    client.put(ks_, {"t": "str"})
    client.put(kb, {"t": "bytes"})
    client.put(neg, {"t": "min"})
    client.put(big, {"t": "max"})
    batch = client.batch_read([ki, ks_, kb, neg, big])
    # 1, "1" and b"1" are three different records and three different Mapping keys
    assert batch[1] == {"t": "int"}
    assert batch["1"] == {"t": "str"}
    assert batch[b"1"] == {"t": "bytes"}
    assert batch[-(2**63)] == {"t": "min"} and batch[2**63 - 1] == {"t": "max"}
    assert [type(br.key.user_key) for br in batch.batch_records] == [int, str, bytes, int, int]
    assert batch.to_dict() == {1: {"t": "int"}, "1": {"t": "str"}, b"1": {"t": "bytes"},
                               -(2**63): {"t": "min"}, 2**63 - 1: {"t": "max"}}


def test_batch_read_digest_keys(client, keys):
    k, missing = keys("dig"), keys("dig-missing")
    client.put(k, {"v": 7})
    digest = client.get(k).key.digest
    other = client.exists(missing).key.digest
    batch = client.batch_read([(k[0], k[1], None, digest), (k[0], k[1], None, other)])
    first, second = batch.batch_records
    assert first.result == OK and first.record.bins == {"v": 7}
    assert first.key.digest == digest and first.key.user_key is None
    assert second.result == NOT_FOUND and second.record is None and second.key.digest == other
    assert list(batch.found) == [True, False]


def test_batch_read_digest_keys_mapping_is_consistent(client, keys):
    """A record read by digest has no user key to be looked up by: it is a row (len, iteration)
    but not in the Mapping view (keys, to_dict)."""
    k = keys("dig2")
    client.put(k, {"v": 7})
    digest = client.get(k).key.digest
    batch = client.batch_read([(k[0], k[1], None, digest)])
    assert batch.found.tolist() == [True]
    assert len(batch) == len(list(batch)) == 1
    assert len(batch.keys()) == len(batch.to_dict()) == 0


def test_batch_read_5000_keys(client, keys):
    ks = keys.many(5000)
    put_all(client, ks[::2], lambda i: {"i": 2 * i})  # even keys exist
    batch = client.batch_read(ks, bins=["i"])
    assert len(batch.batch_records) == 5000
    assert len(batch) == 5000 and batch.found_count() == 2500
    assert batch.found.tolist() == [i % 2 == 0 for i in range(5000)]
    assert batch.result_codes.tolist() == [OK if i % 2 == 0 else NOT_FOUND for i in range(5000)]
    assert [br.key.user_key for br in batch.batch_records] == [k[2] for k in ks]
    assert batch.to_dict() == {ks[i][2]: {"i": i} for i in range(0, 5000, 2)}


def test_batch_read_split_into_sub_batches_keeps_request_order(client, keys):
    """Big batches run as concurrent sub-batches (>= 8192 keys); the answer is still one row per
    key in request order."""
    ks = keys.many(9000)
    present = [k for i, k in enumerate(ks) if i % 3 != 1]
    client.batch_write([(k, {"n": int(k[2][1:])}) for k in present])
    batch = client.batch_read(ks)
    assert [br.key.user_key for br in batch.batch_records] == [k[2] for k in ks]
    for i, br in enumerate(batch.batch_records):
        if i % 3 == 1:
            assert br.result == NOT_FOUND and br.record is None
        else:
            assert br.result == OK and br.record.bins == {"n": i}
    assert len(batch) == len(ks) and batch.found_count() == len(present)


# --------------------------------------------------------------------------------------------
# the Mapping view


def test_mapping_view(client, keys):
    ks = keys.many(4)
    client.put(ks[0], {"a": 1})
    client.put(ks[2], {"a": 3, "b": "x"})
    batch = client.batch_read(ks)
    pk0, pk1, pk2, pk3 = (k[2] for k in ks)
    assert len(batch) == 4 and batch.found_count() == 2
    assert batch[pk0] == {"a": 1} and batch[pk2] == {"a": 3, "b": "x"}
    assert pk0 in batch and pk2 in batch
    assert pk1 not in batch and pk3 not in batch and "never-asked" not in batch
    assert [br.key.user_key for br in batch] == [pk0, pk1, pk2, pk3]
    assert list(batch.keys()) == [pk0, pk2]
    assert list(batch.values()) == [{"a": 1}, {"a": 3, "b": "x"}]
    assert list(batch.items()) == [(pk0, {"a": 1}), (pk2, {"a": 3, "b": "x"})]
    assert batch.get(pk0) == {"a": 1}
    assert batch.get(pk1) is None
    assert batch.get(pk1, "dflt") == "dflt"
    assert batch.to_dict() == {pk0: {"a": 1}, pk2: {"a": 3, "b": "x"}}
    assert dict(batch) == batch.to_dict()


def test_lazy_batch_records_speaks_the_mapping_protocol_but_frames_see_arrow(client, keys):
    """SPEC: "read-only Mapping access" and `pl.DataFrame(batch)` / `pa.table(batch)` through
    the Arrow C stream. Registering the class as a `collections.abc.Mapping` would make Polars
    (and others) build a frame from the dict view instead of the Arrow stream, so the class
    offers the Mapping protocol without the ABC registration."""
    k = keys()
    client.put(k, {"a": 1})
    batch = client.batch_read([k])
    assert not isinstance(batch, MutableMapping)
    assert dict(batch.items()) == batch.to_dict() == {k[2]: {"a": 1}}
    assert [br.key.user_key for br in batch] == list(batch.keys()) == [k[2]]
    assert batch[k[2]] == {"a": 1} and k[2] in batch and batch.get("nope", 7) == 7
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(batch)
    assert frame.columns[:4] == ["_key", "_result_code", "_gen", "_ttl"]


def test_mapping_missing_key_raises_key_error(client, keys):
    ks = keys.many(2)
    client.put(ks[0], {"a": 1})
    batch = client.batch_read(ks)
    with pytest.raises(KeyError) as info:
        batch[ks[1][2]]  # asked for, not found
    assert info.value.args == (ks[1][2],)
    with pytest.raises(KeyError):
        batch["never-asked"]
    with pytest.raises(KeyError):
        batch[12345]


def test_mapping_values_are_fresh_copies(client, keys):
    k = keys()
    client.put(k, {"l": [1, 2]})
    batch = client.batch_read([k])
    batch[k[2]]["l"].append(3)
    batch[k[2]]["new"] = 1
    assert batch[k[2]] == {"l": [1, 2]}  # read-only: editing a result changes nothing held


def test_mapping_lookup_by_unhashable_or_bad_type_is_type_error(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    batch = client.batch_read([k])
    for bad in (1.5, None, [1]):
        with pytest.raises(TypeError):
            batch[bad]


def test_mapping_is_read_only(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    batch = client.batch_read([k])
    with pytest.raises(TypeError):
        batch[k[2]] = {"a": 2}
    with pytest.raises(TypeError):
        del batch[k[2]]
    assert batch[k[2]] == {"a": 1}


def test_batch_records_result_codes_and_found_arrays(client, keys):
    ks = keys.many(3)
    client.put(ks[1], {"a": 1})
    batch = client.batch_read(ks)
    codes, found = batch.result_codes, batch.found
    assert isinstance(codes, np.ndarray) and codes.dtype == np.int32
    assert isinstance(found, np.ndarray) and found.dtype == np.bool_
    assert codes.tolist() == [NOT_FOUND, OK, NOT_FOUND]
    assert found.tolist() == [False, True, False]
    assert [br.result for br in batch.batch_records] == codes.tolist()


def test_batch_read_filter_expression_gives_result_27(client, keys):
    ks = keys.many(3)
    client.put(ks[0], {"a": 1})
    client.put(ks[1], {"a": 2})
    expr = exp.eq(exp.int_bin("a"), exp.int_val(2))
    batch = client.batch_read(ks, policy={"filter_expression": expr})
    assert batch.result_codes.tolist() == [FILTERED_OUT, OK, NOT_FOUND]
    assert batch.found.tolist() == [False, True, False]
    assert batch.batch_records[0].record is None
    assert batch.keys() == [ks[1][2]] and batch.to_dict() == {ks[1][2]: {"a": 2}}


# --------------------------------------------------------------------------------------------
# batch_operate, batch_remove, batch_write


def test_batch_operate_incr_and_read(client, keys):
    ks = keys.many(3)
    client.put(ks[0], {"n": 10, "other": "x"})
    client.put(ks[1], {"n": 20})
    ops = [
        {"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 5},
        {"op": aerospike.OPERATOR_READ, "bin": "n", "val": None},
    ]
    res = client.batch_operate(ks, ops)
    assert isinstance(res, BatchWriteResult)
    assert [br.result for br in res.batch_records] == [OK, OK, OK]
    # the result bins hold what the read saw: the incremented value (a missing record is created)
    assert [br.record.bins["n"] for br in res.batch_records] == [15, 25, 5]
    assert [br.record.meta.gen for br in res.batch_records] == [2, 2, 1]
    assert [br.key.user_key for br in res.batch_records] == [k[2] for k in ks]
    assert client.get(ks[0]).bins == {"n": 15, "other": "x"}
    assert client.get(ks[2]).bins == {"n": 5}


def test_batch_operate_read_only_ops(client, keys):
    """The user's own example (seed, "Expression Filters"): batch_operate with only READ ops."""
    ks = keys.many(3)
    client.put(ks[0], {"status": "active"})
    client.put(ks[1], {"status": "gone"})
    ops = [{"op": aerospike.OPERATOR_READ, "bin": "status", "val": None}]
    res = client.batch_operate(ks, ops)
    assert [br.result for br in res.batch_records] == [OK, OK, NOT_FOUND]
    assert res.batch_records[0].record.bins == {"status": "active"}
    assert res.batch_records[1].record.bins == {"status": "gone"}
    expr = exp.eq(exp.string_bin("status"), exp.string_val("active"))
    res = client.batch_operate(ks[:2], ops, policy={"filter_expression": expr})
    assert [br.result for br in res.batch_records] == [OK, FILTERED_OUT]


def test_batch_operate_filter_expression(client, keys):
    ks = keys.many(2)
    client.put(ks[0], {"n": 1})
    client.put(ks[1], {"n": 2})
    expr = exp.eq(exp.int_bin("n"), exp.int_val(1))
    res = client.batch_operate(ks, [{"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 1}], policy={"filter_expression": expr})
    assert [br.result for br in res.batch_records] == [OK, FILTERED_OUT]
    assert client.get(ks[0]).bins == {"n": 2}
    assert client.get(ks[1]).bins == {"n": 2}  # filtered out: untouched


def test_batch_remove(client, keys):
    ks = keys.many(3)
    client.put(ks[0], {"a": 1})
    client.put(ks[2], {"a": 3})
    res = client.batch_remove(ks)
    assert isinstance(res, BatchWriteResult)
    assert [br.result for br in res.batch_records] == [OK, NOT_FOUND, OK]
    assert [br.key.user_key for br in res.batch_records] == [k[2] for k in ks]
    assert all(br.in_doubt is False for br in res.batch_records)
    assert not client.batch_read(ks).found.any()
    assert client.exists(ks[0]).meta is None


def test_batch_write_key_bins_and_meta_ttl(client, keys):
    ks = keys.many(3)
    res = client.batch_write([
        (ks[0], {"a": 1, "s": "x"}),
        (ks[1], {"a": 2}, {"ttl": 1000}),
        (ks[2], {"l": [1, 2], "m": {"k": b"v"}}, {"ttl": aerospike.TTL_NEVER_EXPIRE}),
    ])
    assert isinstance(res, BatchWriteResult)
    assert [br.result for br in res.batch_records] == [OK, OK, OK]
    assert [br.key.user_key for br in res.batch_records] == [k[2] for k in ks]
    assert client.get(ks[0]).bins == {"a": 1, "s": "x"}
    _, meta, bins = client.get(ks[1])
    assert bins == {"a": 2} and 900 < meta.ttl <= 1000
    _, meta, bins = client.get(ks[2])
    assert bins == {"l": [1, 2], "m": {"k": b"v"}} and meta.ttl == NEVER_EXPIRES


def test_batch_write_updates_and_keeps_other_bins(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.batch_write([(k, {"b": 3, "c": 4})])
    _, meta, bins = client.get(k)
    assert bins == {"a": 1, "b": 3, "c": 4} and meta.gen == 2


def test_batch_write_policy_ttl_and_per_record_meta(client, keys):
    a, b = keys("a"), keys("b")
    client.batch_write([(a, {"v": 1}), (b, {"v": 2}, {"ttl": 5000})], policy={"ttl": 2000})
    assert 1900 < client.get(a).meta.ttl <= 2000
    assert 4900 < client.get(b).meta.ttl <= 5000  # the record's meta wins over the policy


def test_batch_write_per_record_errors_do_not_raise(client, keys):
    a, b = keys("a"), keys("b")
    client.put(a, {"v": 1})
    res = client.batch_write([(a, {"v": 9}), (b, {"v": 9})], policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    assert [br.result for br in res.batch_records] == [RECORD_EXISTS, OK]
    assert client.get(a).bins == {"v": 1}
    assert client.get(b).bins == {"v": 9}


def test_batch_write_generation_check(client, keys):
    k = keys()
    client.put(k, {"v": 1})
    res = client.batch_write([(k, {"v": 2}, {"gen": 99})], policy={"gen": aerospike.POLICY_GEN_EQ})
    assert [br.result for br in res.batch_records] == [GENERATION_ERROR]
    res = client.batch_write([(k, {"v": 3}, {"gen": 1})], policy={"gen": aerospike.POLICY_GEN_EQ})
    assert [br.result for br in res.batch_records] == [OK]
    assert client.get(k).bins == {"v": 3}


def test_batch_writers_with_no_keys(client):
    assert client.batch_write([]).batch_records == []
    assert client.batch_remove([]).batch_records == []
    ops = [{"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 1}]
    assert client.batch_operate([], ops).batch_records == []


# --------------------------------------------------------------------------------------------
# bad arguments: raised before anything is sent


@pytest.mark.parametrize(
    ("bad_key", "exc"),
    [
        (("test",), exception.ParamError),
        (("test", "s"), exception.ParamError),
        (["test", "s", "k"], TypeError),
        (("test", "s", 1.5), TypeError),
        (("test", "s", None), exception.ParamError),
        (("test", "s", None, b"short"), exception.ParamError),
        ("test:s:k", TypeError),
        (7, TypeError),
    ],
)
def test_bad_key_names_its_index(client, keys, bad_key, exc):
    good = keys("good")
    for call in (
        lambda ks: client.batch_read(ks),
        lambda ks: client.batch_remove(ks),
        lambda ks: client.batch_operate(ks, [{"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 1}]),
    ):
        with pytest.raises(exc) as info:
            call([good, good, bad_key])
        assert "keys[2]" in str(info.value)
    # nothing was sent: the good key was not written by the operate
    assert client.exists(good).meta is None


def test_keys_must_be_a_list(client, keys):
    k = keys()
    for bad in ("abc", k, iter([k]), {k: 1}, None):
        with pytest.raises(TypeError):
            client.batch_read(bad)


@pytest.mark.parametrize(
    ("record", "exc"),
    [
        ("KEY", (TypeError, exception.ParamError)),
        ((), exception.ParamError),
        ((("test", "s", "k"),), exception.ParamError),
        ((("test", "s", "k"), {"a": 1}, {}, "extra"), exception.ParamError),
        ((("test", "s", "k"), {}), exception.ParamError),  # empty bins
        ((("test", "s", "k"), [("a", 1)]), TypeError),  # bins not a dict
        ((("test", "s", "k"), {"a": object()}), TypeError),
        ((("test", "s", "k"), {1: 1}), TypeError),
        ((("test", "s", "k"), {"a": 1}, "meta"), TypeError),
        ((("test", "s", "k"), {"a": 1}, {"nope": 1}), exception.ParamError),
        ((("test", "s"), {"a": 1}), exception.ParamError),
    ],
)
def test_batch_write_bad_record_names_its_index(client, keys, record, exc):
    good = keys("good")
    with pytest.raises(exc) as info:
        client.batch_write([(good, {"a": 1}), record])
    assert "records[1]" in str(info.value)
    assert client.exists(good).meta is None  # nothing sent


def test_batch_write_empty_bins_message(client, keys):
    with pytest.raises(exception.ParamError, match="empty"):
        client.batch_write([(keys(), {})])


def test_batch_write_records_must_be_a_list(client, keys):
    with pytest.raises(TypeError):
        client.batch_write({keys(): {"a": 1}})
    with pytest.raises(TypeError):
        client.batch_write("records")


@pytest.mark.parametrize("call", ["batch_read", "batch_remove", "batch_write", "batch_operate"])
def test_unknown_policy_key_names_it(client, keys, call):
    k = keys()
    args = {
        "batch_read": ([k],),
        "batch_remove": ([k],),
        "batch_write": ([(k, {"a": 1})],),
        "batch_operate": ([k], [{"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 1}]),
    }[call]
    with pytest.raises(exception.ParamError, match="no_such_policy"):
        getattr(client, call)(*args, policy={"no_such_policy": 1})
    assert client.exists(k).meta is None


@pytest.mark.parametrize(
    ("policy", "exc"),
    [
        ({"timeout": "soon"}, TypeError),
        ({"timeout": -1}, exception.ParamError),
        ({"respond_all_keys": "yes"}, TypeError),
        ([("timeout", 1)], TypeError),
        ("timeout", TypeError),
    ],
)
def test_bad_policy_rejected(client, keys, policy, exc):
    with pytest.raises(exc):
        client.batch_read([keys()], policy=policy)


@pytest.mark.parametrize(("bins", "exc"), [("a", TypeError), ([1], TypeError), (["a", None], TypeError), ({"a": 1}, TypeError)])
def test_bad_bins_rejected(client, keys, bins, exc):
    with pytest.raises(exc):
        client.batch_read([keys()], bins=bins)


def test_batch_operate_bad_ops_rejected(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="empty"):
        client.batch_operate([k], [])
    with pytest.raises(exception.ParamError, match=r"ops\[0\]"):
        client.batch_operate([k], [{"op": 987654, "bin": "n"}])
    with pytest.raises((TypeError, exception.ParamError)):
        client.batch_operate([k], "ops")
    assert client.exists(k).meta is None


def test_batch_on_closed_client_raises(make_client, config, keys):
    c = make_client(config).connect()
    c.close()
    with pytest.raises(exception.ClientError):
        c.batch_read([keys()])


# --------------------------------------------------------------------------------------------
# policies


def test_respond_all_keys_both_ways(client, keys):
    ks = keys.many(4)
    client.put(ks[0], {"a": 0})
    client.put(ks[3], {"a": 3})
    for respond_all in (True, False):
        batch = client.batch_read(ks, policy={"respond_all_keys": respond_all})
        assert batch.result_codes.tolist() == [OK, NOT_FOUND, NOT_FOUND, OK]
        assert batch.to_dict() == {ks[0][2]: {"a": 0}, ks[3][2]: {"a": 3}}


def test_timeout_policies_accepted(client, keys):
    ks = keys.many(50)
    put_all(client, ks)
    for policy in ({"timeout": 30000}, {"total_timeout": 0}, {"socket_timeout": 20000, "max_retries": 2}):
        batch = client.batch_read(ks, policy=policy)
        assert len(batch) == 50
    res = client.batch_remove(ks, policy={"timeout": 30000})
    assert [br.result for br in res.batch_records] == [OK] * 50


def test_batch_write_send_key_stores_user_key(client, keys):
    k = keys("sent")
    client.batch_write([(k, {"a": 1})], policy={"key": aerospike.POLICY_KEY_SEND})
    digest = client.get(k).key.digest
    batch = client.batch_read([(k[0], k[1], None, digest)])
    assert batch.batch_records[0].record.bins == {"a": 1}


# --------------------------------------------------------------------------------------------
# asyncio


@pytest.mark.asyncio
async def test_async_gather_over_batch_reads(config, keys):
    groups = [keys.many(40, prefix=f"g{g}_") for g in range(5)]
    async with aerospike.async_client(config) as c:
        for g, ks in enumerate(groups):
            res = await c.batch_write([(k, {"g": g, "i": i}) for i, k in enumerate(ks)])
            assert all(br.result == OK for br in res.batch_records)
        pending = [c.batch_read(ks, bins=["g", "i"]) for ks in groups]
        assert all(asyncio.isfuture(p) or hasattr(p, "__await__") for p in pending)
        batches = await asyncio.gather(*pending)
        for g, (ks, batch) in enumerate(zip(groups, batches)):
            assert batch.to_dict() == {k[2]: {"g": g, "i": i} for i, k in enumerate(ks)}
        # a bad argument is raised at call time, not on await
        with pytest.raises(exception.ParamError):
            c.batch_read([("test",)])


def test_official_second_policies_of_batch_operate_and_remove(client, keys):
    """The official client's signatures: batch_operate(keys, ops, policy_batch, policy_batch_write,
    ttl) and batch_remove(keys, policy_batch, policy_batch_remove)."""
    ks = keys.many(3)
    put_all(client, ks)
    ops = [{"op": aerospike.OPERATOR_WRITE, "bin": "w", "val": 1}]
    res = client.batch_operate(ks, ops, None, {"key": aerospike.POLICY_KEY_SEND}, 500)
    assert [br.result for br in res.batch_records] == [OK] * 3
    assert all(0 < client.get(k).meta.ttl <= 500 for k in ks)
    res = client.batch_operate(ks, ops, policy_batch_write={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    assert [br.result for br in res.batch_records] == [5] * 3  # the records exist
    res = client.batch_remove(ks, None, {"gen": aerospike.POLICY_GEN_EQ, "generation": 99})
    assert [br.result for br in res.batch_records] == [3] * 3
    assert all(client.exists(k).meta is not None for k in ks)
    res = client.batch_remove(ks, policy_batch_remove={"gen": aerospike.POLICY_GEN_EQ, "generation": 2})
    assert [br.result for br in res.batch_records] == [OK] * 3
    with pytest.raises(aerospike.exception.ParamError, match="bogus"):
        client.batch_remove(ks, policy_batch_remove={"bogus": 1})
