"""hll_operations on both clients: every HyperLogLog operation with its flags, and the argument
checks."""

from __future__ import annotations

import pytest

import aerospike_py as aerospike
from aerospike_py import HyperLogLog, exception
from aerospike_py import hll_operations as ho

A = aerospike


def results(client, k, *ops):
    return [v for _, v in client.operate_ordered(k, list(ops)).ordered_bins]


def test_init_add_count_describe(client, keys):
    k = keys()
    assert results(client, k, ho.hll_init("h", 8), ho.hll_add("h", ["a", "b", "c", "a"]), ho.hll_get_count("h"), ho.hll_describe("h")) == [3, 3, [8, 0]]
    h = client.get(k).bins["h"]
    assert isinstance(h, HyperLogLog)
    assert results(client, k, ho.hll_add("h", ["a"]), ho.hll_refresh_count("h")) == [0, 3]


def test_add_creates_with_bit_counts(client, keys):
    k = keys()
    assert results(client, k, ho.hll_add("h", [1, 2, 3], index_bit_count=10, minhash_bit_count=4), ho.hll_describe("h")) == [3, [10, 4]]


def test_union_intersect_similarity(client, keys):
    k1, k2 = keys(), keys()
    client.operate(k1, [ho.hll_add("h", ["a", "b", "c"], index_bit_count=10)])
    client.operate(k2, [ho.hll_add("h", ["b", "c", "d", "e"], index_bit_count=10)])
    other = client.get(k2).bins["h"]
    union, ucount, icount, sim = results(client, k1, ho.hll_get_union("h", [other]), ho.hll_get_union_count("h", [other]),
                                         ho.hll_get_intersect_count("h", [other]), ho.hll_get_similarity("h", [other]))
    assert isinstance(union, HyperLogLog)
    assert ucount == 5 and icount == 2
    assert sim == pytest.approx(0.4, abs=0.05)
    client.operate(k1, [ho.hll_set_union("h", [other])])
    assert results(client, k1, ho.hll_get_count("h")) == [5]


def test_fold(client, keys):
    k = keys()
    client.operate(k, [ho.hll_add("h", list(range(20)), index_bit_count=12)])
    assert results(client, k, ho.hll_fold("h", 8), ho.hll_describe("h")) == [[8, 0]]


def test_write_flags(client, keys):
    k = keys()
    client.operate(k, [ho.hll_init("h", 8)])
    with pytest.raises(exception.BinExistsError):
        client.operate(k, [ho.hll_init("h", 8, policy={"flags": A.HLL_WRITE_CREATE_ONLY})])
    client.operate(k, [ho.hll_init("h", 8, policy=A.HLL_WRITE_CREATE_ONLY | A.HLL_WRITE_NO_FAIL)])
    with pytest.raises(exception.BinNotFound):
        client.operate(k, [ho.hll_init("g", 8, policy={"flags": A.HLL_WRITE_UPDATE_ONLY})])
    with pytest.raises(exception.InvalidRequest):
        client.operate(k, [ho.hll_init("h", 3)])


@pytest.mark.parametrize(
    ("op", "exc", "match"),
    [
        (ho.hll_init("h", "8"), TypeError, "index_bit_count"),
        (ho.hll_add("h", "abc"), TypeError, "list"),
        (ho.hll_get_union("h", [1]), TypeError, "HyperLogLog"),
        (ho.hll_init("h", 8, policy={"bogus": 1}), exception.ParamError, "bogus"),
        (ho.hll_init("h", 8, policy=16), exception.ParamError, "flags"),
        ({"op": ho.OP_HLL_FOLD, "bin": "h"}, exception.ParamError, "index_bit_count"),
    ],
)
def test_bad_arguments_raise_before_sending(client, keys, op, exc, match):
    k = keys()
    with pytest.raises(exc, match=match):
        client.operate(k, [{"op": A.OPERATOR_WRITE, "bin": "w", "val": 1}, op])
    assert client.exists(k).meta is None
