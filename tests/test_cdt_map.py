"""map_operations on both clients: every helper, return type, policy and context, with the
answers a real Aerospike 8.1 server gives, and the checks made before anything is sent."""

from __future__ import annotations

import pytest

import aerospike_py as aerospike
from aerospike_py import cdt_ctx as cx
from aerospike_py import exception
from aerospike_py import map_operations as mo

R = aerospike
M = {"a": 3, "b": 1, "c": 2, "d": 5}


def results(client, k, *ops):
    return [v for _, v in client.operate_ordered(k, list(ops)).ordered_bins]


def one(client, k, op):
    (v,) = results(client, k, op)
    return v


@pytest.fixture
def mk(client, keys):
    k = keys()
    client.put(k, {"m": dict(M)})
    return k


def test_put_answers_the_size(client, mk):
    assert results(client, mk, mo.map_put("m", "e", 0), mo.map_put_items("m", {"f": 1, "a": 9}), mo.map_size("m")) == [5, 6, 6]
    assert client.get(mk).bins["m"] == {"a": 9, "b": 1, "c": 2, "d": 5, "e": 0, "f": 1}


def test_increment_decrement_clear(client, mk):
    assert results(client, mk, mo.map_increment("m", "a", 2), mo.map_decrement("m", "b", 5), mo.map_increment("m", "z", 1.5)) == [5, -4, 1.5]
    assert results(client, mk, mo.map_clear("m"), mo.map_size("m")) == [0]


@pytest.mark.parametrize(
    ("rt", "want"),
    [(R.MAP_RETURN_VALUE, 1), (R.MAP_RETURN_KEY, "b"), (R.MAP_RETURN_KEY_VALUE, ["b", 1]), (R.MAP_RETURN_INDEX, 1),
     (R.MAP_RETURN_REVERSE_INDEX, 2), (R.MAP_RETURN_RANK, 0), (R.MAP_RETURN_REVERSE_RANK, 3), (R.MAP_RETURN_COUNT, 1),
     (R.MAP_RETURN_EXISTS, True), (R.MAP_RETURN_ORDERED_MAP, {"b": 1}), (R.MAP_RETURN_UNORDERED_MAP, {"b": 1})],
)
def test_get_by_key_every_return_type(client, mk, rt, want):
    assert one(client, mk, mo.map_get_by_key("m", "b", rt)) == want


def test_missing_key_answers_none(client, mk):
    assert client.operate_ordered(mk, [mo.map_get_by_key("m", "zz", R.MAP_RETURN_VALUE)]).ordered_bins == [("m", None)]


def test_key_selections(client, mk):
    assert one(client, mk, mo.map_get_by_key_list("m", ["a", "d", "x"], R.MAP_RETURN_VALUE)) == [3, 5]
    assert one(client, mk, mo.map_get_by_key_list("m", ["a"], R.MAP_RETURN_KEY, inverted=True)) == ["b", "c", "d"]
    assert one(client, mk, mo.map_get_by_key_range("m", "b", "d", R.MAP_RETURN_KEY)) == ["b", "c"]
    assert one(client, mk, mo.map_get_by_key_range("m", "c", None, R.MAP_RETURN_KEY)) == ["c", "d"]
    assert one(client, mk, mo.map_get_by_key_index_range_relative("m", "b", 1, R.MAP_RETURN_KEY, count=2)) == ["c", "d"]
    assert one(client, mk, mo.map_get_by_key_index_range_relative("m", "b", -1, R.MAP_RETURN_KEY)) == ["a", "b", "c", "d"]


def test_value_selections(client, mk):
    assert one(client, mk, mo.map_get_by_value("m", 2, R.MAP_RETURN_KEY)) == ["c"]
    assert one(client, mk, mo.map_get_by_value_list("m", [1, 5], R.MAP_RETURN_KEY)) == ["b", "d"]
    assert one(client, mk, mo.map_get_by_value_range("m", 2, 5, R.MAP_RETURN_KEY)) == ["a", "c"]
    assert one(client, mk, mo.map_get_by_value_range("m", 2, 5, R.MAP_RETURN_COUNT, inverted=True)) == 2
    assert one(client, mk, mo.map_get_by_value_rank_range_relative("m", 2, 1, R.MAP_RETURN_VALUE, count=2)) == [3, 5]


def test_index_and_rank_selections(client, mk):
    # KEY_VALUE answers a flat [key, value, ...] list, as the official client gives it
    assert one(client, mk, mo.map_get_by_index("m", -1, R.MAP_RETURN_KEY_VALUE)) == ["d", 5]
    assert one(client, mk, mo.map_get_by_index_range("m", 0, R.MAP_RETURN_KEY_VALUE, count=2)) == ["a", 3, "b", 1]
    assert one(client, mk, mo.map_get_by_index_range("m", 1, R.MAP_RETURN_KEY, count=2)) == ["b", "c"]
    assert one(client, mk, mo.map_get_by_index_range("m", 2, R.MAP_RETURN_KEY)) == ["c", "d"]
    assert one(client, mk, mo.map_get_by_rank("m", 0, R.MAP_RETURN_KEY)) == "b"
    assert one(client, mk, mo.map_get_by_rank_range("m", -2, R.MAP_RETURN_VALUE)) == [3, 5]
    assert sorted(one(client, mk, mo.map_get_by_rank_range("m", 0, R.MAP_RETURN_KEY, count=1, inverted=True))) == ["a", "c", "d"]


def test_remove_family(client, mk):
    assert one(client, mk, mo.map_remove_by_key("m", "a", R.MAP_RETURN_VALUE)) == 3
    assert one(client, mk, mo.map_remove_by_key_list("m", ["b", "x"], R.MAP_RETURN_COUNT)) == 1
    assert client.get(mk).bins["m"] == {"c": 2, "d": 5}
    client.put(mk, {"m": dict(M)})
    assert one(client, mk, mo.map_remove_by_key_range("m", "b", "d", R.MAP_RETURN_KEY)) == ["b", "c"]
    assert one(client, mk, mo.map_remove_by_key_index_range_relative("m", "a", 1, R.MAP_RETURN_KEY)) == ["d"]
    assert client.get(mk).bins["m"] == {"a": 3}
    client.put(mk, {"m": dict(M)})
    assert one(client, mk, mo.map_remove_by_value("m", 1, R.MAP_RETURN_KEY)) == ["b"]
    assert one(client, mk, mo.map_remove_by_value_list("m", [2, 3], R.MAP_RETURN_COUNT)) == 2
    assert client.get(mk).bins["m"] == {"d": 5}
    client.put(mk, {"m": dict(M)})
    assert one(client, mk, mo.map_remove_by_value_range("m", 2, 4, R.MAP_RETURN_KEY)) == ["a", "c"]
    assert one(client, mk, mo.map_remove_by_value_rank_range_relative("m", 1, 1, R.MAP_RETURN_KEY)) == ["d"]
    assert client.get(mk).bins["m"] == {"b": 1}
    client.put(mk, {"m": dict(M)})
    assert one(client, mk, mo.map_remove_by_index("m", 0, R.MAP_RETURN_KEY)) == "a"
    assert one(client, mk, mo.map_remove_by_index_range("m", 1, R.MAP_RETURN_KEY, count=1)) == ["c"]
    assert one(client, mk, mo.map_remove_by_rank("m", 0, R.MAP_RETURN_KEY)) == "b"
    assert one(client, mk, mo.map_remove_by_rank_range("m", 0, R.MAP_RETURN_KEY)) == ["d"]
    assert client.get(mk).bins["m"] == {}


def test_return_type_none_answers_nothing(client, mk):
    assert client.operate_ordered(mk, [mo.map_remove_by_key("m", "a", R.MAP_RETURN_NONE), mo.map_size("m")]).ordered_bins == [("m", 3)]


def test_write_flags(client, mk):
    with pytest.raises(exception.ElementExistsError):
        client.operate(mk, [mo.map_put("m", "a", 1, policy={"map_write_flags": R.MAP_WRITE_FLAGS_CREATE_ONLY})])
    with pytest.raises(exception.ElementNotFoundError):
        client.operate(mk, [mo.map_put("m", "x", 1, policy={"map_write_flags": R.MAP_WRITE_FLAGS_UPDATE_ONLY})])
    nofail = R.MAP_WRITE_FLAGS_UPDATE_ONLY | R.MAP_WRITE_FLAGS_NO_FAIL
    assert one(client, mk, mo.map_put("m", "x", 1, policy={"map_write_flags": nofail})) == 4
    assert one(client, mk, mo.map_put("m", "a", 0, policy={"map_write_mode": R.MAP_UPDATE_ONLY})) == 4
    partial = R.MAP_WRITE_FLAGS_CREATE_ONLY | R.MAP_WRITE_FLAGS_NO_FAIL | R.MAP_WRITE_FLAGS_PARTIAL
    assert one(client, mk, mo.map_put_items("m", {"a": 100, "y": 1}, policy={"map_write_flags": partial})) == 5
    assert client.get(mk).bins["m"] == {"a": 0, "b": 1, "c": 2, "d": 5, "y": 1}


def test_order_policy_create_and_set_order(client, keys):
    k = keys()
    client.operate(k, [mo.map_create("m", R.MAP_KEY_ORDERED)])
    client.operate(k, [mo.map_put_items("m", {"z": 1, "a": 2})])
    assert list(client.get(k).bins["m"]) == ["a", "z"]
    client.operate(k, [mo.map_set_order("m", R.MAP_KEY_VALUE_ORDERED), mo.map_set_policy("m", {"map_order": R.MAP_UNORDERED})])
    k2 = keys()
    assert one(client, k2, mo.map_put("m", 2, "x", policy={"map_order": R.MAP_KEY_ORDERED})) == 1


def test_nested_contexts(client, keys):
    k = keys()
    client.put(k, {"m": {"a": {"b": {"c": 1}}, "l": [{"x": 1}, {"x": 2}]}})
    assert one(client, k, mo.map_put("m", "d", 4, ctx=[cx.cdt_ctx_map_key("a"), cx.cdt_ctx_map_key("b")])) == 2
    assert one(client, k, mo.map_get_by_key("m", "x", R.MAP_RETURN_VALUE, ctx=[cx.cdt_ctx_map_key("l"), cx.cdt_ctx_list_index(-1)])) == 2
    assert one(client, k, mo.map_size("m", ctx=[cx.cdt_ctx_map_index(0)])) == 1
    assert one(client, k, mo.map_get_by_key("m", "x", R.MAP_RETURN_VALUE, ctx=[cx.cdt_ctx_map_key("l"), cx.cdt_ctx_list_value({"x": 1})])) == 1
    client.operate(k, [mo.map_put("m", "k", "v", ctx=[cx.cdt_ctx_map_key_create("new")])])
    assert client.get(k).bins["m"]["new"] == {"k": "v"}
    with pytest.raises(exception.OpNotApplicable):
        client.operate(k, [mo.map_put("m", "k", "v", ctx=[cx.cdt_ctx_map_key("missing")])])


def test_non_map_bin(client, keys):
    k = keys()
    client.put(k, {"i": 1})
    with pytest.raises(exception.BinTypeError):
        client.operate(k, [mo.map_size("i")])


@pytest.mark.parametrize(
    ("op", "exc", "match"),
    [
        (mo.map_put("m", 1.5, 1), TypeError, "map keys"),
        (mo.map_put("m", None, 1), TypeError, "map keys"),
        (mo.map_put_items("m", [1]), TypeError, "dict"),
        (mo.map_increment("m", "a", "x"), TypeError, "int or float"),
        (mo.map_get_by_key("m", "a", 9), exception.ParamError, "return_type"),
        (mo.map_get_by_key("m", "a", R.MAP_RETURN_VALUE | R.MAP_RETURN_INVERTED), exception.ParamError, "INVERTED"),
        (mo.map_get_by_key_list("m", "ab", R.MAP_RETURN_VALUE), TypeError, "list"),
        (mo.map_put("m", "a", 1, policy={"map_order": 2}), exception.ParamError, "order"),
        (mo.map_put("m", "a", 1, policy={"map_write_flags": 3}), exception.ParamError, "flags"),
        (mo.map_put("m", "a", 1, policy={"nope": 1}), exception.ParamError, "nope"),
        (mo.map_put("m", "a", 1, policy=5), TypeError, "dict"),
        (mo.map_set_order("m", 7), exception.ParamError, "order"),
        (mo.map_get_by_index_range("m", 0, R.MAP_RETURN_KEY, count="2"), TypeError, "count"),
        ({"op": mo.OP_MAP_PUT, "bin": "m", "val": 1}, exception.ParamError, "map_key"),
        ({"op": mo.OP_MAP_SIZE, "bin": "m", "ctx": [(0x22, 1.5)]}, TypeError, "map key"),
    ],
)
def test_bad_arguments_raise_before_sending(client, keys, op, exc, match):
    k = keys()
    with pytest.raises(exc, match=match):
        client.operate(k, [{"op": R.OPERATOR_WRITE, "bin": "w", "val": 1}, op])
    assert client.exists(k).meta is None
