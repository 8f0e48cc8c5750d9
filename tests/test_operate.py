"""operate / operate_ordered with the basic operators on both clients: results, atomicity, meta,
policies and the checks made on operation dicts before anything is sent."""

from __future__ import annotations

import pytest

import aerospike_py as aerospike
from aerospike_py import BinTuple, OperateOrderedResult, Record, exception

# What a record that never expires reports as its ttl (the official client's convention).
NEVER_EXPIRES = 4294967295

READ, WRITE, INCR = aerospike.OPERATOR_READ, aerospike.OPERATOR_WRITE, aerospike.OPERATOR_INCR
APPEND, PREPEND = aerospike.OPERATOR_APPEND, aerospike.OPERATOR_PREPEND
TOUCH, DELETE = aerospike.OPERATOR_TOUCH, aerospike.OPERATOR_DELETE


def read(b):
    return {"op": READ, "bin": b, "val": None}


def test_seed_example_incr_then_read(client, keys):
    k = keys()
    client.put(k, {"counter": 1})
    ops = [{"op": INCR, "bin": "counter", "val": 1}, {"op": READ, "bin": "counter", "val": None}]
    rec = client.operate(k, ops)
    assert isinstance(rec, Record)
    _, meta, bins = rec
    assert bins == {"counter": 2}
    assert meta.gen == 2
    _, meta, results = client.operate_ordered(k, ops)
    assert results == [("counter", 3)]
    assert meta.gen == 3


def test_read_op_without_val_key(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    assert client.operate(k, [{"op": READ, "bin": "a"}]).bins == {"a": 1}


def test_write_op(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.operate(k, [{"op": WRITE, "bin": "b", "val": [1, {"x": "y"}]}, {"op": WRITE, "bin": "a", "val": "s"}])
    assert client.get(k).bins == {"a": "s", "b": [1, {"x": "y"}]}


def test_write_op_creates_record(client, keys):
    k = keys()
    _, meta, _ = client.operate(k, [{"op": WRITE, "bin": "a", "val": 1}])
    assert meta.gen == 1
    assert client.get(k).bins == {"a": 1}


def test_write_only_operate_returns_no_bins(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    _, meta, bins = client.operate(k, [{"op": WRITE, "bin": "b", "val": 2}, {"op": INCR, "bin": "a", "val": 3}])
    assert bins == {}
    assert meta.gen == 2
    assert client.get(k).bins == {"a": 4, "b": 2}


def test_incr_int_and_float(client, keys):
    k = keys()
    client.put(k, {"i": 10, "f": 0.25})
    bins = client.operate(k, [{"op": INCR, "bin": "i", "val": -3}, {"op": INCR, "bin": "f", "val": 0.5}, read("i"), read("f")]).bins
    assert bins == {"i": 7, "f": 0.75}
    assert type(bins["f"]) is float


def test_incr_creates_float_bin(client, keys):
    k = keys()
    client.operate(k, [{"op": INCR, "bin": "f", "val": 1.5}])
    got = client.get(k).bins["f"]
    assert got == 1.5 and type(got) is float


def test_append_prepend_ops(client, keys):
    k = keys()
    client.put(k, {"s": "mid", "b": b"\x01"})
    bins = client.operate(
        k,
        [
            {"op": APPEND, "bin": "s", "val": "_end"},
            {"op": PREPEND, "bin": "s", "val": "start_"},
            {"op": APPEND, "bin": "b", "val": b"\x02"},
            {"op": PREPEND, "bin": "b", "val": b"\x00"},
            read("s"),
            read("b"),
        ],
    ).bins
    assert bins == {"s": "start_mid_end", "b": b"\x00\x01\x02"}


def test_append_unicode(client, keys):
    k = keys()
    client.put(k, {"s": "é"})
    assert client.operate(k, [{"op": APPEND, "bin": "s", "val": "😀"}, read("s")]).bins == {"s": "é😀"}


def test_touch_op_with_meta_ttl(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 1000})
    _, meta, _ = client.operate(k, [{"op": TOUCH}], meta={"ttl": 6000})
    assert meta.gen == 2
    assert 5990 <= meta.ttl <= 6000
    _, meta, bins = client.get(k)
    assert bins == {"a": 1} and 5990 <= meta.ttl <= 6000


def test_delete_op_removes_record(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.operate(k, [{"op": DELETE}])
    assert client.exists(k).meta is None


def test_read_then_delete_returns_old_value(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    assert client.operate(k, [read("a"), {"op": DELETE}]).bins == {"a": 1}
    assert client.exists(k).meta is None


def test_delete_then_write_recreates(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.operate(k, [{"op": DELETE}, {"op": WRITE, "bin": "c", "val": 3}])
    assert client.get(k).bins == {"c": 3}


def test_write_none_deletes_bin(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.operate(k, [{"op": WRITE, "bin": "a", "val": None}])
    assert client.get(k).bins == {"b": 2}
    client.operate(k, [{"op": WRITE, "bin": "b"}])  # "val" left out: None
    assert client.exists(k).meta is None


def test_read_all_bins(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": "x", "c": [1]})
    _, meta, bins = client.operate(k, [{"op": READ, "bin": None}])
    assert bins == {"a": 1, "b": "x", "c": [1]}
    assert meta.gen == 1  # a read-only operate does not bump the generation
    assert list(bins) == ["a", "b", "c"]


def test_read_all_after_writes_sees_them(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": "x"})
    bins = client.operate(k, [{"op": WRITE, "bin": "d", "val": 4}, {"op": INCR, "bin": "a", "val": 1}, {"op": READ, "bin": None}]).bins
    assert bins == {"a": 2, "b": "x", "d": 4}


def test_read_all_ordered(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    res = client.operate_ordered(k, [{"op": READ, "bin": None}])
    assert res.ordered_bins == [("a", 1), ("b", 2)]


def test_read_on_missing_record_raises(client, keys):
    with pytest.raises(exception.RecordNotFound):
        client.operate(keys(), [read("a")])


def test_read_of_missing_bin_is_absent(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    assert client.operate(k, [read("a"), read("nope")]).bins == {"a": 1}


def test_several_ops_atomically(client, keys):
    k = keys()
    client.put(k, {"n": 0, "s": "a", "l": [1]})
    _, meta, bins = client.operate(
        k,
        [
            {"op": INCR, "bin": "n", "val": 5},
            {"op": APPEND, "bin": "s", "val": "b"},
            {"op": WRITE, "bin": "new", "val": {"k": "v"}},
            {"op": READ, "bin": "n"},
            {"op": READ, "bin": "s"},
            {"op": READ, "bin": "new"},
        ],
    )
    assert bins == {"n": 5, "s": "ab", "new": {"k": "v"}}
    assert meta.gen == 2  # one write for the whole operate


def test_same_bin_read_twice_keeps_last_value(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    bins = client.operate(k, [read("a"), {"op": INCR, "bin": "a", "val": 1}, read("a")]).bins
    assert bins == {"a": 2}


def test_operate_ordered_pairs_each_read_with_its_value(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    res = client.operate_ordered(
        k,
        [
            read("a"),
            {"op": INCR, "bin": "a", "val": 1},
            read("a"),
            {"op": WRITE, "bin": "b", "val": "x"},
            read("b"),
            {"op": TOUCH},
        ],
    )
    assert isinstance(res, OperateOrderedResult)
    key, meta, ordered = res
    assert ordered == [("a", 1), ("a", 2), ("b", "x")]
    assert all(isinstance(t, BinTuple) for t in ordered)
    assert ordered[1].name == "a" and ordered[1].value == 2
    assert meta.gen == 2
    assert key.namespace == k[0]
    assert res.ordered_bins is ordered


def test_write_then_read_ordered_after_write_op(client, keys):
    # Reads after a write op must still line up with their own results.
    k = keys()
    client.put(k, {"a": 1})
    res = client.operate_ordered(k, [{"op": WRITE, "bin": "b", "val": 2}, read("a"), {"op": INCR, "bin": "a", "val": 3}, read("b")])
    assert res.ordered_bins == [("a", 1), ("b", 2)]


def test_failing_op_rolls_back_whole_operate(client, keys):
    k = keys()
    client.put(k, {"i": 1, "s": "x"})
    with pytest.raises(exception.BinTypeError) as info:
        client.operate(k, [{"op": INCR, "bin": "i", "val": 10}, {"op": WRITE, "bin": "w", "val": 1}, {"op": APPEND, "bin": "i", "val": "x"}])
    assert info.value.result_code == 12
    _, meta, bins = client.get(k)
    assert bins == {"i": 1, "s": "x"}
    assert meta.gen == 1


def test_failing_op_on_missing_record_creates_nothing(client, keys):
    k = keys()
    with pytest.raises(exception.BinTypeError):
        client.operate(k, [{"op": WRITE, "bin": "s", "val": "x"}, {"op": INCR, "bin": "s", "val": 1}])
    assert client.exists(k).meta is None


def test_meta_ttl_applies(client, keys):
    k = keys()
    _, meta, _ = client.operate(k, [{"op": WRITE, "bin": "a", "val": 1}], meta={"ttl": 7000})
    assert 6990 <= meta.ttl <= 7000
    assert 6990 <= client.get(k).meta.ttl <= 7000


def test_meta_ttl_never(client, keys):
    k = keys()
    client.operate(k, [{"op": WRITE, "bin": "a", "val": 1}], meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    assert client.get(k).meta.ttl == NEVER_EXPIRES


def test_gen_eq_policy(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    with pytest.raises(exception.RecordGenerationError):
        client.operate(k, [{"op": WRITE, "bin": "a", "val": 2}], meta={"gen": 5}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert client.get(k).bins == {"a": 1}
    _, meta, _ = client.operate(k, [{"op": WRITE, "bin": "a", "val": 2}], meta={"gen": 1}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert meta.gen == 2


def test_create_only_policy(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    with pytest.raises(exception.RecordExistsError):
        client.operate(k, [{"op": WRITE, "bin": "a", "val": 2}], policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    assert client.get(k).bins == {"a": 1}


def test_update_only_policy_on_missing(client, keys):
    k = keys()
    with pytest.raises(exception.RecordNotFound):
        client.operate(k, [{"op": WRITE, "bin": "a", "val": 2}], policy={"exists": aerospike.POLICY_EXISTS_UPDATE_ONLY})
    assert client.exists(k).meta is None


def test_send_key_policy(client, keys):
    k = keys("op-key")
    res = client.operate(k, [{"op": WRITE, "bin": "a", "val": 1}, read("a")], policy={"key": aerospike.POLICY_KEY_SEND})
    assert res.key.user_key == "op-key"
    assert res.bins == {"a": 1}


def test_ops_may_be_a_tuple(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    assert client.operate(k, (read("a"),)).bins == {"a": 1}


# --------------------------------------------------------------------------------------------
# checks before sending


@pytest.mark.parametrize("method", ["operate", "operate_ordered"])
def test_empty_ops_rejected(client, keys, method):
    with pytest.raises(exception.ParamError, match="empty"):
        getattr(client, method)(keys(), [])


def test_unknown_operator_rejected_naming_it(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="999"):
        client.operate(k, [{"op": 999, "bin": "a", "val": 1}])
    assert client.exists(k).meta is None


@pytest.mark.parametrize("code", [INCR, APPEND, PREPEND, WRITE], ids=["incr", "append", "prepend", "write"])
def test_missing_bin_rejected(client, keys, code):
    with pytest.raises(exception.ParamError, match="bin"):
        client.operate(keys(), [{"op": code, "val": 1}])


@pytest.mark.parametrize("code", [INCR, APPEND, PREPEND], ids=["incr", "append", "prepend"])
def test_missing_val_rejected(client, keys, code):
    with pytest.raises(exception.ParamError, match="val"):
        client.operate(keys(), [{"op": code, "bin": "a"}])


def test_missing_op_rejected(client, keys):
    with pytest.raises(exception.ParamError, match="op"):
        client.operate(keys(), [{"bin": "a", "val": 1}])


def test_unknown_op_dict_key_names_it(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="vall"):
        client.operate(k, [{"op": WRITE, "bin": "a", "vall": 1}])
    assert client.exists(k).meta is None


def test_error_names_the_failing_op_index(client, keys):
    with pytest.raises(exception.ParamError, match=r"ops\[2\]"):
        client.operate(keys(), [read("a"), read("b"), {"op": 999, "bin": "a"}])


@pytest.mark.parametrize(
    "op",
    [
        {"op": INCR, "bin": "a", "val": "1"},
        {"op": INCR, "bin": "a", "val": None},
        {"op": INCR, "bin": "a", "val": [1]},
        {"op": APPEND, "bin": "a", "val": 1},
        {"op": PREPEND, "bin": "a", "val": ["x"]},
        {"op": WRITE, "bin": "a", "val": object()},
        {"op": WRITE, "bin": "a", "val": 2**64},
    ],
    ids=["incr_str", "incr_none", "incr_list", "append_int", "prepend_list", "write_object", "write_too_big"],
)
def test_bad_val_types_rejected(client, keys, op):
    k = keys()
    client.put(k, {"a": 1})
    with pytest.raises((TypeError, ValueError, OverflowError)):
        client.operate(k, [op])
    _, meta, bins = client.get(k)
    assert bins == {"a": 1} and meta.gen == 1


@pytest.mark.parametrize(
    "ops",
    [read("a"), [["op", 1]], [None], ["read"], [{"op": "read", "bin": "a"}], [{1: 1}], [{"op": WRITE, "bin": 3, "val": 1}]],
    ids=["dict_not_list", "list_item", "none_item", "str_item", "op_str", "int_key", "bin_int"],
)
def test_malformed_ops_are_type_errors(client, keys, ops):
    with pytest.raises((TypeError, exception.ParamError)):
        client.operate(keys(), ops)


def test_bin_name_too_long_in_op(client, keys):
    with pytest.raises((exception.ParamError, exception.BinNameError), match="b" * 16):
        client.operate(keys(), [{"op": WRITE, "bin": "b" * 16, "val": 1}])


def test_bad_meta_and_policy_in_operate(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="bogus"):
        client.operate(k, [read("a")], meta={"bogus": 1})
    with pytest.raises(exception.ParamError, match="bogus"):
        client.operate_ordered(k, [read("a")], policy={"bogus": 1})


def test_ops_count_limit_checked_before_sending(client, keys):
    k = keys()
    client.put(k, {"n": 0})
    with pytest.raises(exception.ParamError, match="32768"):
        client.operate(k, [{"op": INCR, "bin": "n", "val": 1}] * 32_769)
    assert client.get(k).bins == {"n": 0}


def test_many_ops_in_one_operate(client, keys):
    k = keys()
    client.put(k, {"n": 0})
    _, meta, bins = client.operate(k, [{"op": INCR, "bin": "n", "val": 1}] * 1000 + [read("n")])
    assert bins == {"n": 1000}
    assert meta.gen == 2
