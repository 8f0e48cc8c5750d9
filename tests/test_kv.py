"""Single-record commands (put/get/select/exists/remove/touch/append/prepend/increment/remove_bin)
on both clients: results, errors, argument checks, value round trips, TTL and generation."""

from __future__ import annotations

import math
import struct
import time

import pytest

import aerospike_py as aerospike
from aerospike_py import GeoJSON, HyperLogLog, Key, Record, RecordMetadata, exception

# What a record that never expires reports as its ttl (the official client's convention).
NEVER_EXPIRES = 4294967295

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DEFAULT_TTL_FLOOR = 60  # a namespace default TTL is at least this (LocalServer: 30 days)


# --------------------------------------------------------------------------------------------
# success paths and result types


def test_put_get_returns_record_namedtuple(client, keys):
    k = keys("user1")
    assert client.put(k, {"name": "Alice", "age": 30}) is None
    rec = client.get(k)
    assert isinstance(rec, Record)
    key, meta, bins = rec
    assert bins == {"name": "Alice", "age": 30}
    assert isinstance(meta, RecordMetadata)
    assert meta.gen == 1
    assert meta.ttl > DEFAULT_TTL_FLOOR or meta.ttl == NEVER_EXPIRES
    assert isinstance(key, Key)
    assert key.namespace == k[0]
    assert key.set == k[1]
    assert isinstance(key.digest, bytes) and len(key.digest) == 20
    assert rec.bins is bins and rec.meta is meta and rec.key is key


def test_get_digest_is_stable_and_identifies_the_record(client, keys):
    k1, k2 = keys("a"), keys("b")
    client.put(k1, {"v": 1})
    client.put(k2, {"v": 2})
    d1 = client.get(k1).key.digest
    assert client.get(k1).key.digest == d1
    assert client.get(k2).key.digest != d1
    assert client.exists(k1).key.digest == d1


def test_put_updates_and_keeps_other_bins(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"b": 3, "c": 4})
    assert client.get(k).bins == {"a": 1, "b": 3, "c": 4}


def test_select_returns_only_named_bins(client, keys):
    k = keys()
    client.put(k, {"name": "Alice", "age": 30, "city": "Seoul"})
    _, meta, bins = client.select(k, ["name", "city"])
    assert bins == {"name": "Alice", "city": "Seoul"}
    assert meta.gen == 1
    _, _, bins = client.select(k, ("age",))
    assert bins == {"age": 30}
    _, _, bins = client.select(k, ["age", "nope"])
    assert bins == {"age": 30}


def test_select_missing_record_raises_record_not_found(client, keys):
    with pytest.raises(exception.RecordNotFound):
        client.select(keys(), ["a"])


def test_exists(client, keys):
    k = keys()
    res = client.exists(k)
    assert isinstance(res, aerospike.ExistsResult)
    assert res.meta is None
    _, meta = res
    assert meta is None
    client.put(k, {"a": 1})
    key, meta = client.exists(k)
    assert meta.gen == 1
    assert meta.ttl > DEFAULT_TTL_FLOOR or meta.ttl == NEVER_EXPIRES
    assert key.namespace == k[0]


def test_remove(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    assert client.remove(k) is None
    assert client.exists(k).meta is None
    with pytest.raises(exception.RecordNotFound):
        client.get(k)


def test_get_missing_raises_record_not_found_with_code(client, keys):
    with pytest.raises(exception.RecordNotFound) as info:
        client.get(keys())
    assert info.value.result_code == 2
    assert info.value.in_doubt is False
    assert isinstance(info.value, exception.RecordError)
    assert isinstance(info.value, exception.AerospikeError)


def test_remove_missing_raises_record_not_found(client, keys):
    with pytest.raises(exception.RecordNotFound) as info:
        client.remove(keys())
    assert info.value.result_code == 2


def test_touch_bumps_gen_and_sets_ttl(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 1000})
    assert client.touch(k, 5000) is None
    _, meta, bins = client.get(k)
    assert meta.gen == 2
    assert 4990 <= meta.ttl <= 5000
    assert bins == {"a": 1}


def test_touch_missing_raises_record_not_found(client, keys):
    with pytest.raises(exception.RecordNotFound):
        client.touch(keys(), 100)


def test_append_prepend_strings(client, keys):
    k = keys()
    client.put(k, {"name": "mid"})
    assert client.append(k, "name", "_suffix") is None
    assert client.prepend(k, "name", "prefix_") is None
    assert client.get(k).bins["name"] == "prefix_mid_suffix"


def test_append_prepend_bytes(client, keys):
    k = keys()
    client.put(k, {"b": b"\x01\x02"})
    client.append(k, "b", b"\x03")
    client.prepend(k, "b", b"\x00")
    assert client.get(k).bins["b"] == b"\x00\x01\x02\x03"


def test_append_creates_missing_record_and_bin(client, keys):
    k = keys()
    client.append(k, "s", "x")
    client.append(k, "t", "y")
    assert client.get(k).bins == {"s": "x", "t": "y"}


def test_increment_int_and_float(client, keys):
    k = keys()
    client.put(k, {"age": 30, "score": 1.5})
    client.increment(k, "age", 1)
    client.increment(k, "age", -3)
    client.increment(k, "score", 0.5)
    _, meta, bins = client.get(k)
    assert bins == {"age": 28, "score": 2.0}
    assert isinstance(bins["score"], float)
    assert meta.gen == 4


def test_increment_creates_missing_record(client, keys):
    k = keys()
    client.increment(k, "n", 7)
    assert client.get(k).bins == {"n": 7}


def test_remove_bin(client, keys):
    k = keys()
    client.put(k, {"a": 1, "temp_bin": 2, "debug_bin": 3})
    assert client.remove_bin(k, ["temp_bin", "debug_bin"]) is None
    assert client.get(k).bins == {"a": 1}


def test_remove_bin_of_last_bin_deletes_record(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.remove_bin(k, ["a"])
    assert client.exists(k).meta is None


def test_remove_bin_empty_list_is_param_error(client, keys):
    with pytest.raises(exception.ParamError, match="bin_names"):
        client.remove_bin(keys(), [])


# --------------------------------------------------------------------------------------------
# write policies and generation


def test_create_only_on_existing_raises_record_exists(client, keys):
    k = keys()
    client.put(k, {"a": 1}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    with pytest.raises(exception.RecordExistsError) as info:
        client.put(k, {"a": 2}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    assert info.value.result_code == 5
    assert client.get(k).bins == {"a": 1}


@pytest.mark.parametrize(
    "exists", [aerospike.POLICY_EXISTS_UPDATE_ONLY, aerospike.POLICY_EXISTS_REPLACE_ONLY], ids=["update_only", "replace_only"]
)
def test_update_or_replace_only_on_missing_raises_record_not_found(client, keys, exists):
    k = keys()
    with pytest.raises(exception.RecordNotFound):
        client.put(k, {"a": 1}, policy={"exists": exists})
    assert client.exists(k).meta is None


def test_replace_drops_other_bins(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"c": 3}, policy={"exists": aerospike.POLICY_EXISTS_REPLACE})
    assert client.get(k).bins == {"c": 3}
    client.put(k, {"d": 4}, policy={"exists": aerospike.POLICY_EXISTS_REPLACE_ONLY})
    assert client.get(k).bins == {"d": 4}


def test_update_only_on_existing_record(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.put(k, {"b": 2}, policy={"exists": aerospike.POLICY_EXISTS_UPDATE_ONLY})
    assert client.get(k).bins == {"a": 1, "b": 2}


def test_generation_increments_on_each_write_not_on_read(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})
    client.get(k)
    client.exists(k)
    client.increment(k, "a", 1)
    assert client.get(k).meta.gen == 3


def test_gen_eq(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})
    with pytest.raises(exception.RecordGenerationError) as info:
        client.put(k, {"a": 3}, meta={"gen": 1}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert info.value.result_code == 3
    client.put(k, {"a": 3}, meta={"gen": 2}, policy={"gen": aerospike.POLICY_GEN_EQ})
    _, meta, bins = client.get(k)
    assert (meta.gen, bins) == (3, {"a": 3})


def test_gen_gt(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})
    with pytest.raises(exception.RecordGenerationError):
        client.put(k, {"a": 3}, meta={"gen": 2}, policy={"gen": aerospike.POLICY_GEN_GT})
    client.put(k, {"a": 3}, meta={"gen": 5}, policy={"gen": aerospike.POLICY_GEN_GT})
    assert client.get(k).bins == {"a": 3}


def test_remove_with_generation_check(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})
    with pytest.raises(exception.RecordGenerationError):
        client.remove(k, meta={"gen": 1}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert client.exists(k).meta is not None
    client.remove(k, meta={"gen": 2}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert client.exists(k).meta is None


def test_gen_check_on_increment_and_touch(client, keys):
    k = keys()
    client.put(k, {"n": 1})
    with pytest.raises(exception.RecordGenerationError):
        client.increment(k, "n", 1, meta={"gen": 7}, policy={"gen": aerospike.POLICY_GEN_EQ})
    with pytest.raises(exception.RecordGenerationError):
        client.touch(k, 100, meta={"gen": 7}, policy={"gen": aerospike.POLICY_GEN_EQ})
    client.increment(k, "n", 1, meta={"gen": 1}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert client.get(k).bins == {"n": 2}


# --------------------------------------------------------------------------------------------
# server-side type errors and bin-name limits


def test_append_to_int_raises_bin_type_error(client, keys):
    k = keys()
    client.put(k, {"i": 1})
    with pytest.raises(exception.BinTypeError) as info:
        client.append(k, "i", "x")
    assert info.value.result_code == 12
    with pytest.raises(exception.BinTypeError):
        client.prepend(k, "i", "x")
    assert client.get(k).bins == {"i": 1}


def test_increment_str_raises_bin_type_error(client, keys):
    k = keys()
    client.put(k, {"s": "x", "i": 1, "f": 1.0})
    with pytest.raises(exception.BinTypeError):
        client.increment(k, "s", 1)
    with pytest.raises(exception.BinTypeError):
        client.increment(k, "i", 0.5)  # the server never mixes int and float
    with pytest.raises(exception.BinTypeError):
        client.increment(k, "f", 1)
    assert client.get(k).bins == {"s": "x", "i": 1, "f": 1.0}


def test_bin_name_of_15_bytes_ok(client, keys):
    k = keys()
    client.put(k, {"a" * 15: 1})
    assert client.get(k).bins == {"a" * 15: 1}


@pytest.mark.parametrize("call", ["put", "get_select", "append", "increment", "remove_bin"])
def test_bin_name_of_16_bytes_rejected_naming_it(client, keys, call):
    k = keys()
    name = "b" * 16
    with pytest.raises((exception.BinNameError, exception.ParamError), match=name):
        if call == "put":
            client.put(k, {name: 1})
        elif call == "get_select":
            client.select(k, [name])
        elif call == "append":
            client.append(k, name, "x")
        elif call == "increment":
            client.increment(k, name, 1)
        else:
            client.remove_bin(k, [name])
    assert client.exists(k).meta is None


def test_bin_name_limit_counts_utf8_bytes(client, keys):
    name = "é" * 8  # 8 characters, 16 bytes
    with pytest.raises((exception.BinNameError, exception.ParamError)):
        client.put(keys(), {name: 1})


# --------------------------------------------------------------------------------------------
# argument checks: raised before anything is sent


@pytest.mark.parametrize(
    "bad_key, exc",
    [
        (("test", "s"), exception.ParamError),
        (("test", "s", "a", None, "extra"), exception.ParamError),
        (("test", "s", True), TypeError),
        (("test", "s", False), TypeError),
        (("test", "s", 1.5), TypeError),
        (("test", "s", None), exception.ParamError),
        (("test", "s", None, b"\x00" * 19), exception.ParamError),
        (("test", "s", None, b"\x00" * 21), exception.ParamError),
        (("test", "s", None, "x" * 20), TypeError),
        ((1, "s", "a"), TypeError),
        ((None, "s", "a"), TypeError),
        (("test", 5, "a"), TypeError),
        (("test", "s", ["a"]), TypeError),
        (["test", "s", "a"], TypeError),
        ("test:s:a", TypeError),
        (None, TypeError),
    ],
    ids=[
        "two_items",
        "five_items",
        "bool_pk_true",
        "bool_pk_false",
        "float_pk",
        "no_pk_no_digest",
        "digest_19",
        "digest_21",
        "digest_str",
        "int_namespace",
        "none_namespace",
        "int_set",
        "list_pk",
        "list_key",
        "str_key",
        "none_key",
    ],
)
def test_bad_key_rejected(client, bad_key, exc):
    for call in (
        lambda: client.get(bad_key),
        lambda: client.put(bad_key, {"a": 1}),
        lambda: client.exists(bad_key),
        lambda: client.remove(bad_key),
        lambda: client.operate(bad_key, [{"op": aerospike.OPERATOR_READ, "bin": "a"}]),
    ):
        with pytest.raises(exc):
            call()


def test_param_error_is_value_error_and_client_error(client):
    with pytest.raises(ValueError) as info:
        client.get(("test", "s"))
    assert isinstance(info.value, exception.ParamError)
    assert isinstance(info.value, exception.ClientError)
    assert info.value.result_code == aerospike.AEROSPIKE_ERR_PARAM


def test_out_of_range_int_pk_is_overflow(client, ns, set_name):
    with pytest.raises(OverflowError):
        client.get((ns, set_name, 2**63))


@pytest.mark.parametrize("bins", [[("a", 1)], "a", None, 5], ids=["list", "str", "none", "int"])
def test_bins_not_a_dict_is_type_error(client, keys, bins):
    k = keys()
    with pytest.raises(TypeError, match="dict"):
        client.put(k, bins)


def test_empty_bins_rejected(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="bins"):
        client.put(k, {})
    assert client.exists(k).meta is None


def test_non_str_bin_name_is_type_error(client, keys):
    with pytest.raises(TypeError):
        client.put(keys(), {1: "x"})


@pytest.mark.parametrize("value", [object(), {1, 2}, complex(1, 2), int], ids=["object", "set", "complex", "type"])
def test_unstorable_value_is_type_error_naming_bin(client, keys, value):
    k = keys()
    with pytest.raises(TypeError, match="bad_bin"):
        client.put(k, {"ok": 1, "bad_bin": value})
    assert client.exists(k).meta is None


@pytest.mark.parametrize("map_key", [1.5, True, None, (1, 2)], ids=["float", "bool", "none", "tuple"])
def test_invalid_map_key_is_type_error(client, keys, map_key):
    with pytest.raises(TypeError):
        client.put(keys(), {"m": {map_key: 1}})


def test_nesting_depth_64_ok_and_deeper_rejected(client, keys):
    k = keys()
    value: list = [1]
    for _ in range(63):
        value = [value]
    client.put(k, {"l": value})
    assert client.get(k).bins["l"] == value
    with pytest.raises(exception.ParamError, match="nested"):
        client.put(k, {"l": [[[[value]]]]})


def test_self_containing_list_is_rejected_not_crash(client, keys):
    loop = [1]
    loop.append(loop)
    with pytest.raises((exception.ParamError, ValueError, RecursionError)):
        client.put(keys(), {"l": loop})


def test_unknown_policy_key_names_it(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="no_such_option"):
        client.put(k, {"a": 1}, policy={"no_such_option": 1})
    with pytest.raises(exception.ParamError, match="no_such_option"):
        client.get(k, policy={"no_such_option": 1})
    with pytest.raises(exception.ParamError, match="no_such_option"):
        client.remove(k, policy={"no_such_option": 1})
    with pytest.raises(exception.ParamError, match="no_such_option"):
        client.operate(k, [{"op": aerospike.OPERATOR_READ, "bin": "a"}], policy={"no_such_option": 1})
    assert client.exists(k).meta is None


def test_unknown_meta_key_names_it(client, keys):
    k = keys()
    with pytest.raises(exception.ParamError, match="tll"):
        client.put(k, {"a": 1}, meta={"tll": 10})
    assert client.exists(k).meta is None


@pytest.mark.parametrize(
    "policy, exc",
    [
        ({"exists": 99}, exception.ParamError),
        ({"exists": "create"}, TypeError),
        ({"gen": 7}, exception.ParamError),
        ({"key": 5}, exception.ParamError),
        ({"timeout": -1}, exception.ParamError),
        ({"timeout": "1s"}, TypeError),
        ({"durable_delete": 1}, TypeError),
        ({"commit_level": 9}, exception.ParamError),
    ],
    ids=["exists_99", "exists_str", "gen_7", "key_5", "timeout_neg", "timeout_str", "durable_delete_int", "commit_level_9"],
)
def test_bad_policy_value_rejected_naming_key(client, keys, policy, exc):
    k = keys()
    (name,) = policy
    with pytest.raises(exc, match=name):
        client.put(k, {"a": 1}, policy=policy)
    assert client.exists(k).meta is None


@pytest.mark.parametrize("meta", [{"ttl": "x"}, {"ttl": -7}, {"gen": -1}, {"gen": "1"}, {"ttl": True}], ids=str)
def test_bad_meta_value_rejected(client, keys, meta):
    k = keys()
    with pytest.raises((TypeError, ValueError)):
        client.put(k, {"a": 1}, meta=meta)
    assert client.exists(k).meta is None


@pytest.mark.parametrize("arg", ["policy", "meta"])
def test_policy_and_meta_must_be_dicts(client, keys, arg):
    with pytest.raises(TypeError, match=arg):
        client.put(keys(), {"a": 1}, **{arg: [("ttl", 1)]})


def test_append_non_string_is_type_error(client, keys):
    k = keys()
    client.put(k, {"s": "x"})
    with pytest.raises(TypeError):
        client.append(k, "s", 1)
    with pytest.raises(TypeError):
        client.prepend(k, "s", None)


def test_increment_non_number_is_type_error(client, keys):
    k = keys()
    client.put(k, {"n": 1})
    with pytest.raises(TypeError):
        client.increment(k, "n", "1")
    assert client.get(k).bins == {"n": 1}


def test_increment_by_bool_is_rejected(client, keys):
    k = keys()
    client.put(k, {"n": 1})
    with pytest.raises(TypeError):
        client.increment(k, "n", True)
    assert client.get(k).bins == {"n": 1}


def test_select_bins_must_be_list_of_str(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    with pytest.raises(TypeError):
        client.select(k, "a")
    with pytest.raises(TypeError):
        client.select(k, [1])


# --------------------------------------------------------------------------------------------
# values: every type round-trips with its Python type


@pytest.mark.parametrize("value", [0, 1, -1, INT64_MIN, INT64_MAX, 2**32, -(2**53) - 1], ids=str)
def test_int_round_trip(client, keys, value):
    k = keys()
    client.put(k, {"i": value})
    got = client.get(k).bins["i"]
    assert got == value and type(got) is int


@pytest.mark.parametrize("value", [INT64_MAX + 1, INT64_MIN - 1, 2**100])
def test_out_of_range_int_value_is_overflow_before_sending(client, keys, value):
    k = keys()
    with pytest.raises(OverflowError):
        client.put(k, {"i": value})
    with pytest.raises(OverflowError):
        client.put(k, {"l": [1, [value]]})
    with pytest.raises(OverflowError):
        client.increment(k, "i", value)
    assert client.exists(k).meta is None


def _bits(f: float) -> bytes:
    return struct.pack(">d", f)


@pytest.mark.parametrize("value", [0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, math.inf, -math.inf, 3.0], ids=repr)
def test_float_round_trip_exact(client, keys, value):
    k = keys()
    client.put(k, {"f": value})
    got = client.get(k).bins["f"]
    assert type(got) is float
    assert _bits(got) == _bits(value)


def test_float_nan_round_trip(client, keys):
    k = keys()
    client.put(k, {"f": math.nan})
    got = client.get(k).bins["f"]
    assert type(got) is float and math.isnan(got)


def test_bool_stays_bool(client, keys):
    k = keys()
    client.put(k, {"t": True, "f": False, "l": [True, 1, False, 0], "m": {"x": True}})
    bins = client.get(k).bins
    assert bins["t"] is True and bins["f"] is False
    assert [type(v) for v in bins["l"]] == [bool, int, bool, int]
    assert bins["l"] == [True, 1, False, 0]
    assert bins["m"]["x"] is True


def test_bytes_and_str_stay_distinct(client, keys):
    k = keys()
    client.put(k, {"s": "abc", "b": b"abc", "ba": bytearray(b"xyz"), "mv": memoryview(b"mv")})
    bins = client.get(k).bins
    assert bins["s"] == "abc" and type(bins["s"]) is str
    assert bins["b"] == b"abc" and type(bins["b"]) is bytes
    assert bins["ba"] == b"xyz" and type(bins["ba"]) is bytes
    assert bins["mv"] == b"mv"


def test_str_and_bytes_map_keys_are_distinct(client, keys):
    k = keys()
    client.put(k, {"m": {"a": 1, b"a": 2}})
    assert client.get(k).bins["m"] == {"a": 1, b"a": 2}


@pytest.mark.parametrize(
    "value",
    ["", "héllo wörld", "日本語テキスト", "emoji 😀🚀👨‍👩‍👧", "\x00nul\x00inside", "x" * 100_000],
    ids=["empty", "latin", "cjk", "emoji", "nul", "long"],
)
def test_string_round_trip(client, keys, value):
    k = keys()
    client.put(k, {"s": value})
    assert client.get(k).bins["s"] == value


def test_empty_values_round_trip(client, keys):
    k = keys()
    client.put(k, {"s": "", "b": b"", "l": [], "m": {}})
    bins = client.get(k).bins
    assert bins == {"s": "", "b": b"", "l": [], "m": {}}
    assert type(bins["b"]) is bytes and type(bins["l"]) is list and type(bins["m"]) is dict


def test_nested_maps_come_back_key_sorted(client, keys):
    k = keys()
    value = {
        "zeta": 1,
        "alpha": [3, 1, 2, {"z": None, "a": [b"\x00", 1.5, "s"]}],
        10: "ten",
        -5: {"inner": {"deep": [[], [[1]]]}},
        b"\x02": "b",
    }
    client.put(k, {"m": value, "l": [5, "a", [1, [2, [3]]], {"k": "v"}, None, True]})
    bins = client.get(k).bins
    assert bins["m"] == value
    # The server stores every unordered map key-sorted (cdt_untrusted_rewrite), at every depth:
    # a real CE 8.1.2 server read this dict back as [-5, 10, 'alpha', 'zeta', b'\x02'].
    assert list(bins["m"]) == [-5, 10, "alpha", "zeta", b"\x02"]
    assert list(bins["m"]["alpha"][3]) == ["a", "z"]
    assert bins["l"] == [5, "a", [1, [2, [3]]], {"k": "v"}, None, True]


def test_tuple_value_is_stored_as_list(client, keys):
    k = keys()
    client.put(k, {"t": (1, "a", (2,))})
    assert client.get(k).bins["t"] == [1, "a", [2]]


def test_none_bin_value_deletes_that_bin(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"a": None, "c": 3})
    assert client.get(k).bins == {"b": 2, "c": 3}


def test_none_for_all_bins_deletes_record(client, keys):
    k = keys()
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"a": None, "b": None})
    assert client.exists(k).meta is None


def test_geojson_round_trip(client, keys):
    k = keys()
    point = GeoJSON({"type": "Point", "coordinates": [103.9, 1.3]})
    client.put(k, {"loc": point, "s": point.json})
    bins = client.get(k).bins
    assert isinstance(bins["loc"], GeoJSON)
    assert bins["loc"].unwrap() == {"type": "Point", "coordinates": [103.9, 1.3]}
    assert type(bins["s"]) is str  # a plain str with the same text stays a str


# A real HLL value (5 index bits, 25 distinct strings added), as Aerospike CE 8.1 stored it.
HLL_BYTES = bytes.fromhex("00050000000000000000000410800800000400410020040840410440000010c00c0041")


def test_hyperloglog_round_trip(client, keys):
    k = keys()
    client.put(k, {"h": HyperLogLog(HLL_BYTES), "raw": HLL_BYTES})
    bins = client.get(k).bins
    assert isinstance(bins["h"], HyperLogLog)
    assert bytes(bins["h"]) == HLL_BYTES
    assert type(bins["raw"]) is bytes  # the same bytes as a plain blob stay a blob
    client.put(k, {"h2": bins["h"]})  # a value read back is written back as HLL
    assert isinstance(client.get(k).bins["h2"], HyperLogLog)


def test_hll_bin_is_not_a_string(client, keys):
    k = keys()
    client.put(k, {"h": HyperLogLog(HLL_BYTES)})
    with pytest.raises(exception.BinTypeError):
        client.append(k, "h", b"x")


# --------------------------------------------------------------------------------------------
# keys


@pytest.mark.parametrize("pk", ["str-key", 42, -7, INT64_MAX, INT64_MIN, b"\x00\xffbytes", "", "ключ"], ids=repr)
def test_primary_key_types(client, keys, pk):
    k = keys(pk)
    client.put(k, {"pk": pk})
    assert client.get(k).bins == {"pk": pk}


def test_int_str_and_bytes_keys_are_different_records(client, keys):
    ki, ks = keys(1), keys("1")
    client.put(ki, {"v": "int"})
    client.put(ks, {"v": "str"})
    assert client.get(ki).bins == {"v": "int"}
    assert client.get(ks).bins == {"v": "str"}
    assert client.get(ki).key.digest != client.get(ks).key.digest


def test_digest_key_reads_the_same_record(client, keys, ns, set_name):
    k = keys("by-digest")
    client.put(k, {"a": 1})
    digest = client.get(k).key.digest
    dk = (ns, set_name, None, digest)
    key, meta, bins = client.get(dk)
    assert bins == {"a": 1}
    assert key.digest == digest
    assert client.exists(dk).meta.gen == 1
    client.put(dk, {"b": 2})
    assert client.get(k).bins == {"a": 1, "b": 2}
    client.remove(dk)
    assert client.exists(k).meta is None


def test_digest_key_accepts_bytearray(client, keys, ns, set_name):
    k = keys()
    client.put(k, {"a": 1})
    digest = client.get(k).key.digest
    assert client.get((ns, set_name, None, bytearray(digest))).bins == {"a": 1}


def test_key_digest_matches_ripemd160_of_set_and_typed_key(client, keys, ns, set_name):
    hashlib = pytest.importorskip("hashlib")
    try:
        hashlib.new("ripemd160")
    except ValueError:
        pytest.skip("ripemd160 not available in this OpenSSL")
    k = keys("abc")
    client.put(k, {"a": 1})
    want = hashlib.new("ripemd160", set_name.encode() + bytes([3]) + b"abc").digest()
    assert client.get(k).key.digest == want


def test_returned_key_echoes_the_given_user_key(client, keys):
    k = keys("plain")
    client.put(k, {"a": 1})
    key = client.get(k).key
    assert key.user_key == "plain"
    assert tuple(key[:3]) == k


@pytest.mark.parametrize("pk", ["sent", 99, b"raw"], ids=repr)
def test_send_key_policy(client, keys, ns, set_name, pk):
    k = keys(pk)
    client.put(k, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND})
    key, _, bins = client.get(k, policy={"key": aerospike.POLICY_KEY_SEND})
    assert bins == {"a": 1}
    assert key.user_key == pk and type(key.user_key) is type(pk)
    # A single-record read by digest does not bring the stored key back (as Aerospike CE 8.1).
    key = client.get((ns, set_name, None, key.digest)).key
    assert key.user_key is None


def test_key_returned_by_get_is_usable_as_key(client, keys):
    k = keys("reuse")
    client.put(k, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND})
    key = client.get(k).key
    assert client.get(tuple(key)).bins == {"a": 1}


def test_set_none_is_the_null_set(client, ns):
    k = (ns, None, f"null-set-{time.time_ns()}")
    try:
        client.put(k, {"a": 1})
        key, _, bins = client.get(k)
        assert bins == {"a": 1}
        assert key.set is None
    finally:
        try:
            client.remove(k)
        except exception.AerospikeError:
            pass


# --------------------------------------------------------------------------------------------
# TTL


def test_explicit_ttl_visible_in_meta(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 3000})
    ttl = client.get(k).meta.ttl
    assert 2990 <= ttl <= 3000
    assert 2990 <= client.exists(k).meta.ttl <= 3000


def test_ttl_never_expire(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    assert client.get(k).meta.ttl == NEVER_EXPIRES


def test_ttl_unsigned_never_spelling(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 0xFFFFFFFF})
    assert client.get(k).meta.ttl == NEVER_EXPIRES


def test_ttl_dont_update_keeps_ttl(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 5000})
    client.put(k, {"a": 2}, meta={"ttl": aerospike.TTL_DONT_UPDATE})
    _, meta, bins = client.get(k)
    assert bins == {"a": 2} and meta.gen == 2
    assert 4990 <= meta.ttl <= 5000


def test_ttl_dont_update_keeps_never(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    client.put(k, {"a": 2}, meta={"ttl": aerospike.TTL_DONT_UPDATE})
    assert client.get(k).meta.ttl == NEVER_EXPIRES


def test_write_without_ttl_resets_to_namespace_default(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 100})
    client.put(k, {"a": 2})
    ttl = client.get(k).meta.ttl
    assert ttl > 100 or ttl == NEVER_EXPIRES


def test_ttl_in_policy(client, keys):
    k = keys()
    client.put(k, {"a": 1}, policy={"ttl": 4000})
    assert 3990 <= client.get(k).meta.ttl <= 4000


def test_ttl_over_ten_years_rejected(client, keys):
    k = keys()
    with pytest.raises((exception.InvalidRequest, exception.ParamError)):
        client.put(k, {"a": 1}, meta={"ttl": 315_360_001})
    assert client.exists(k).meta is None


def test_touch_never_expire(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 100})
    client.touch(k, aerospike.TTL_NEVER_EXPIRE)
    assert client.get(k).meta.ttl == NEVER_EXPIRES


def test_record_with_ttl_1_expires(client, keys):
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 1})
    assert client.get(k).bins == {"a": 1}
    deadline = time.monotonic() + 10
    while client.exists(k).meta is not None:
        assert time.monotonic() < deadline, "a record with ttl 1 was still there after 10 s"
        time.sleep(0.25)
    with pytest.raises(exception.RecordNotFound):
        client.get(k)


def test_touch_default_val_resets_to_namespace_default(client, keys):
    # seed: touch(key, val=0, ...): 0 is the namespace default TTL
    k = keys()
    client.put(k, {"a": 1}, meta={"ttl": 100})
    client.touch(k)
    _, meta, _ = client.get(k)
    assert meta.gen == 2
    assert meta.ttl > 100 or meta.ttl == NEVER_EXPIRES


def test_increment_wraps_at_int64(client, keys):
    k = keys()
    client.put(k, {"n": INT64_MAX})
    client.increment(k, "n", 1)
    assert client.get(k).bins["n"] == INT64_MIN


def test_unknown_namespace_raises_namespace_not_found(client, set_name):
    k = ("no_such_namespace_x", set_name, "k")
    with pytest.raises(exception.NamespaceNotFound):
        client.get(k)
    with pytest.raises(exception.NamespaceNotFound):
        client.put(k, {"a": 1})


def test_namespace_longer_than_31_bytes_rejected(client, set_name):
    with pytest.raises(exception.ParamError, match="namespace"):
        client.get(("n" * 32, set_name, "k"))
