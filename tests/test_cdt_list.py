"""list_operations on both clients: every helper, return type, policy and context, with the
answers a real Aerospike 8.1 server gives, and the checks made before anything is sent."""

from __future__ import annotations

import pytest

import aerospike_py as aerospike
from aerospike_py import cdt_ctx as cx
from aerospike_py import exception
from aerospike_py import list_operations as lo

VALUE, INDEX, RINDEX = aerospike.LIST_RETURN_VALUE, aerospike.LIST_RETURN_INDEX, aerospike.LIST_RETURN_REVERSE_INDEX
RANK, RRANK, COUNT = aerospike.LIST_RETURN_RANK, aerospike.LIST_RETURN_REVERSE_RANK, aerospike.LIST_RETURN_COUNT
EXISTS, NONE, INV = aerospike.LIST_RETURN_EXISTS, aerospike.LIST_RETURN_NONE, aerospike.LIST_RETURN_INVERTED
L = [1, 4, 7, 3, 9]


def results(client, k, *ops):
    return [v for _, v in client.operate_ordered(k, list(ops)).ordered_bins]


def one(client, k, op):
    (v,) = results(client, k, op)
    return v


@pytest.fixture
def lk(client, keys):
    k = keys()
    client.put(k, {"l": list(L)})
    return k


def test_append_insert_answer_the_size(client, lk):
    assert results(client, lk, lo.list_append("l", 10), lo.list_append_items("l", [11, 12]),
                   lo.list_insert("l", 0, 0), lo.list_insert_items("l", -1, [20, 21])) == [6, 8, 9, 11]
    assert client.get(lk).bins["l"] == [0, 1, 4, 7, 3, 9, 10, 11, 20, 21, 12]


def test_get_size_range(client, lk):
    assert results(client, lk, lo.list_size("l"), lo.list_get("l", -1), lo.list_get_range("l", 1, 2), lo.list_get_range("l", 3)) == [5, 9, [4, 7], [3, 9]]


def test_pop_remove_trim_clear(client, lk):
    assert one(client, lk, lo.list_pop("l", 0)) == 1
    assert one(client, lk, lo.list_pop_range("l", 0, 2)) == [4, 7]
    assert client.get(lk).bins["l"] == [3, 9]
    client.put(lk, {"l": list(L)})
    assert one(client, lk, lo.list_remove("l", 1)) == 1
    assert one(client, lk, lo.list_remove_range("l", 0, 2)) == 2
    assert client.get(lk).bins["l"] == [3, 9]
    client.put(lk, {"l": list(L)})
    assert one(client, lk, lo.list_trim("l", 1, 2)) == 3
    assert client.get(lk).bins["l"] == [4, 7]
    assert results(client, lk, lo.list_clear("l"), lo.list_size("l")) == [0]


def test_set_and_increment(client, lk):
    assert results(client, lk, lo.list_set("l", 0, "x"), lo.list_increment("l", 1, 5), lo.list_increment("l", 2, -10)) == [9, -3]
    assert client.get(lk).bins["l"] == ["x", 9, -3, 3, 9]
    client.operate(lk, [lo.list_set("l", 7, "end")])
    assert client.get(lk).bins["l"] == ["x", 9, -3, 3, 9, None, None, "end"]


def test_sort_and_order(client, lk):
    assert results(client, lk, lo.list_sort("l")) == []
    assert client.get(lk).bins["l"] == [1, 3, 4, 7, 9]
    client.operate(lk, [lo.list_sort("l", aerospike.LIST_SORT_DESCENDING)])
    assert client.get(lk).bins["l"] == [9, 7, 4, 3, 1]
    client.put(lk, {"l": [3, 1, 3, 2]})
    client.operate(lk, [lo.list_sort("l", aerospike.LIST_SORT_DROP_DUPLICATES)])
    assert client.get(lk).bins["l"] == [1, 2, 3]
    client.put(lk, {"l": [3, 1, 2]})
    client.operate(lk, [lo.list_set_order("l", aerospike.LIST_ORDERED), lo.list_append("l", 0)])
    assert client.get(lk).bins["l"] == [0, 1, 2, 3]


def test_create_and_ordered_policy(client, keys):
    k = keys()
    client.operate(k, [lo.list_create("l", aerospike.LIST_ORDERED)])
    client.operate(k, [lo.list_append_items("l", [5, 1, 3])])
    assert client.get(k).bins["l"] == [1, 3, 5]
    k2 = keys()
    client.operate(k2, [lo.list_append_items("l", [5, 1, 3], policy={"list_order": aerospike.LIST_ORDERED})])
    assert client.get(k2).bins["l"] == [1, 3, 5]


@pytest.mark.parametrize(("rt", "want"), [(VALUE, 4), (INDEX, 1), (RINDEX, 3), (RANK, 2), (RRANK, 2), (COUNT, 1), (EXISTS, True)])
def test_get_by_index_every_return_type(client, lk, rt, want):
    assert one(client, lk, lo.list_get_by_index("l", 1, rt)) == want


def test_get_by_index_range_rank_and_inverted(client, lk):
    assert one(client, lk, lo.list_get_by_index_range("l", 1, VALUE, count=2)) == [4, 7]
    assert one(client, lk, lo.list_get_by_index_range("l", 1, VALUE, count=2, inverted=True)) == [1, 3, 9]
    assert one(client, lk, lo.list_get_by_index_range("l", 1, VALUE | INV, count=2)) == [1, 3, 9]
    assert one(client, lk, lo.list_get_by_index_range("l", 3, INDEX)) == [3, 4]
    assert one(client, lk, lo.list_get_by_rank("l", 0, VALUE)) == 1
    assert one(client, lk, lo.list_get_by_rank("l", -1, INDEX)) == 4
    assert sorted(one(client, lk, lo.list_get_by_rank_range("l", -2, VALUE))) == [7, 9]
    assert sorted(one(client, lk, lo.list_get_by_rank_range("l", 0, VALUE, count=2))) == [1, 3]
    assert one(client, lk, lo.list_get_by_rank_range("l", 0, COUNT, count=2, inverted=True)) == 3


def test_get_by_value_family(client, lk):
    assert one(client, lk, lo.list_get_by_value("l", 7, INDEX)) == [2]
    assert one(client, lk, lo.list_get_by_value("l", 7, COUNT, inverted=True)) == 4
    assert one(client, lk, lo.list_get_by_value_list("l", [1, 9, 8], VALUE)) == [1, 9]
    assert one(client, lk, lo.list_get_by_value_range("l", 3, 7, VALUE)) == [4, 3]
    assert one(client, lk, lo.list_get_by_value_range("l", 4, None, VALUE)) == [4, 7, 9]
    assert sorted(one(client, lk, lo.list_get_by_value_rank_range_relative("l", 4, 1, VALUE, count=2))) == [7, 9]
    assert sorted(one(client, lk, lo.list_get_by_value_rank_range_relative("l", 5, -1, VALUE))) == [4, 7, 9]
    assert one(client, lk, lo.list_get_by_value("l", 100, EXISTS)) is False


def test_remove_by_family(client, lk):
    assert one(client, lk, lo.list_remove_by_value("l", 7, INDEX)) == [2]
    assert one(client, lk, lo.list_remove_by_value_list("l", [1, 9], COUNT)) == 2
    assert client.get(lk).bins["l"] == [4, 3]
    client.put(lk, {"l": list(L)})
    assert one(client, lk, lo.list_remove_by_value_range("l", 3, 8, VALUE)) == [4, 7, 3]
    client.put(lk, {"l": list(L)})
    assert one(client, lk, lo.list_remove_by_index("l", 0, VALUE)) == 1
    assert one(client, lk, lo.list_remove_by_index_range("l", 0, VALUE, count=2)) == [4, 7]
    assert client.get(lk).bins["l"] == [3, 9]
    client.put(lk, {"l": list(L)})
    assert one(client, lk, lo.list_remove_by_rank("l", -1, VALUE)) == 9
    assert one(client, lk, lo.list_remove_by_rank_range("l", 0, COUNT, count=2)) == 2
    assert client.get(lk).bins["l"] == [4, 7]
    client.put(lk, {"l": list(L)})
    assert one(client, lk, lo.list_remove_by_value_rank_range_relative("l", 4, 0, COUNT, count=1, inverted=True)) == 4
    assert client.get(lk).bins["l"] == [4]


def test_return_type_none_answers_nothing(client, lk):
    _, meta, ordered = client.operate_ordered(lk, [lo.list_remove_by_value("l", 7, NONE), lo.list_size("l")])
    assert ordered == [("l", 4)]
    assert client.operate(lk, [lo.list_get_by_index("l", 0, NONE)]).bins == {}


def test_missing_bin_reads(client, lk):
    assert client.operate_ordered(lk, [lo.list_size("nope"), lo.list_size("l")]).ordered_bins == [("l", 5)]


def test_write_flags(client, lk):
    with pytest.raises(exception.ElementExistsError):
        client.operate(lk, [lo.list_append("l", 7, policy={"write_flags": aerospike.LIST_WRITE_ADD_UNIQUE})])
    flags = aerospike.LIST_WRITE_ADD_UNIQUE | aerospike.LIST_WRITE_NO_FAIL
    assert one(client, lk, lo.list_append("l", 7, policy={"write_flags": flags})) == 5
    with pytest.raises(exception.OpNotApplicable):
        client.operate(lk, [lo.list_insert("l", 10, 1, policy={"write_flags": aerospike.LIST_WRITE_INSERT_BOUNDED})])
    partial = flags | aerospike.LIST_WRITE_PARTIAL
    assert one(client, lk, lo.list_append_items("l", [7, 8], policy={"write_flags": partial})) == 6
    assert client.get(lk).bins["l"] == [*L, 8]


def test_nested_contexts(client, keys):
    k = keys()
    client.put(k, {"l": [[1, 2], [3, [4, 5]]], "m": {"a": [1], "b": {"c": [9, 8]}}})
    assert one(client, k, lo.list_append("l", 6, ctx=[cx.cdt_ctx_list_index(1), cx.cdt_ctx_list_index(-1)])) == 3
    assert one(client, k, lo.list_get("m", 0, ctx=[cx.cdt_ctx_map_key("b"), cx.cdt_ctx_map_key("c")])) == 9
    assert one(client, k, lo.list_size("l", ctx=[cx.cdt_ctx_list_rank(0)])) == 2
    assert one(client, k, lo.list_get_by_rank("l", 0, VALUE, ctx=[cx.cdt_ctx_list_value([1, 2])])) == 1
    client.operate(k, [lo.list_append("m", 1, ctx=[cx.cdt_ctx_map_key_create("new", aerospike.MAP_KEY_ORDERED)])])
    client.operate(k, [lo.list_append("l", "x", ctx=[cx.cdt_ctx_list_index_create(4, pad=True)])])
    bins = client.get(k).bins
    assert bins["l"] == [[1, 2], [3, [4, 5, 6]], None, None, ["x"]]
    assert bins["m"]["new"] == [1]


def test_errors_from_the_server(client, lk):
    with pytest.raises(exception.OpNotApplicable):
        client.operate(lk, [lo.list_get("l", 10)])
    client.put(lk, {"i": 1})
    with pytest.raises(exception.BinTypeError):
        client.operate(lk, [lo.list_append("i", 1)])


@pytest.mark.parametrize(
    ("op", "exc", "match"),
    [
        (lo.list_get("l", "0"), TypeError, '"index" must be an int'),
        (lo.list_get("l", True), TypeError, "not bool"),
        (lo.list_get_by_index("l", 0, 6), exception.ParamError, "return_type"),
        (lo.list_get_by_index("l", 0, VALUE | INV), exception.ParamError, "INVERTED"),
        (lo.list_append("l", 1, policy={"list_order": 3}), exception.ParamError, "order"),
        (lo.list_append("l", 1, policy={"write_flags": 99}), exception.ParamError, "flags"),
        (lo.list_append("l", 1, policy={"bogus": 1}), exception.ParamError, "bogus"),
        (lo.list_append_items("l", 5), TypeError, "must be a list"),
        (lo.list_increment("l", 0, 1.5), TypeError, "int"),
        (lo.list_sort("l", 8), exception.ParamError, "sort_flags"),
        ({"op": lo.OP_LIST_GET, "bin": "l"}, exception.ParamError, "index"),
        ({"op": lo.OP_LIST_GET, "bin": "l", "index": 0, "extra": 1}, exception.ParamError, "extra"),
        ({"op": lo.OP_LIST_SIZE, "bin": "l", "ctx": [(0x99, 0)]}, exception.ParamError, "ctx"),
        ({"op": lo.OP_LIST_SIZE, "bin": "l", "ctx": [(0x10, "x")]}, TypeError, "int index"),
        ({"op": 1999, "bin": "l"}, exception.ParamError, "1999"),
        ({"op": lo.OP_LIST_SIZE}, exception.ParamError, "bin"),
        (lo.list_append("l", object()), TypeError, "cannot store"),
    ],
)
def test_bad_arguments_raise_before_sending(client, keys, op, exc, match):
    k = keys()
    with pytest.raises(exc, match=match):
        client.operate(k, [{"op": aerospike.OPERATOR_WRITE, "bin": "w", "val": 1}, op])
    assert client.exists(k).meta is None  # nothing was sent


def test_error_names_the_op_index(client, keys):
    with pytest.raises(TypeError, match=r"ops\[1\]"):
        client.operate(keys(), [lo.list_size("l"), lo.list_get("l", "x")])


def test_ctx_helpers_check_their_arguments():
    with pytest.raises(TypeError):
        cx.cdt_ctx_list_index("0")
    with pytest.raises(ValueError):
        cx.cdt_ctx_list_index_create(0, order=5)
    with pytest.raises(TypeError):
        lo.list_size("l", ctx=cx.cdt_ctx_list_index(0))
