"""bit_operations on both clients: every operation with its flags, resize flags and overflow
actions, as a real Aerospike 8.1 server answers them, and the argument checks."""

from __future__ import annotations

import pytest

import aerospike_py as aerospike
from aerospike_py import bit_operations as bo
from aerospike_py import exception

A = aerospike


def one(client, k, op):
    (v,) = [v for _, v in client.operate_ordered(k, [op]).ordered_bins]
    return v


@pytest.fixture
def bk(client, keys):
    k = keys()
    client.put(k, {"b": b"\x0f\x00\xff"})
    return k


def blob(client, k):
    return client.get(k).bins["b"]


def test_reads(client, bk):
    assert one(client, bk, bo.bit_get("b", 4, 8)) == b"\xf0"
    assert one(client, bk, bo.bit_count("b", 0, 24)) == 12
    assert one(client, bk, bo.bit_lscan("b", 0, 24, True)) == 4
    assert one(client, bk, bo.bit_rscan("b", 0, 16, True)) == 7
    assert one(client, bk, bo.bit_get_int("b", 16, 8)) == 255
    assert one(client, bk, bo.bit_get_int("b", 16, 8, signed=True)) == -1


def test_writes_answer_nothing(client, bk):
    assert client.operate_ordered(bk, [bo.bit_set("b", 0, 8, b"\xaa")]).ordered_bins == []
    assert blob(client, bk) == b"\xaa\x00\xff"


def test_resize_insert_remove(client, bk):
    client.operate(bk, [bo.bit_resize("b", 5)])
    assert blob(client, bk) == b"\x0f\x00\xff\x00\x00"
    client.operate(bk, [bo.bit_resize("b", 3, resize_flags=A.BIT_RESIZE_FROM_FRONT)])
    assert blob(client, bk) == b"\xff\x00\x00"
    with pytest.raises(exception.InvalidRequest):
        client.operate(bk, [bo.bit_resize("b", 1, resize_flags=A.BIT_RESIZE_GROW_ONLY)])
    client.operate(bk, [bo.bit_insert("b", 1, b"\x11\x22"), bo.bit_remove("b", 0, 1)])
    assert blob(client, bk) == b"\x11\x22\x00\x00"


def test_logic_and_shifts(client, bk):
    client.operate(bk, [bo.bit_or("b", 0, 8, b"\xf0"), bo.bit_xor("b", 8, 8, b"\x01"), bo.bit_and("b", 16, 8, b"\x3c")])
    assert blob(client, bk) == b"\xff\x01\x3c"
    client.operate(bk, [bo.bit_not("b", 0, 8), bo.bit_lshift("b", 8, 8, 1), bo.bit_rshift("b", 16, 8, 2)])
    assert blob(client, bk) == b"\x00\x02\x0f"


def test_arithmetic_and_overflow(client, bk):
    client.operate(bk, [bo.bit_add("b", 0, 8, 1), bo.bit_subtract("b", 8, 8, 1, action=A.BIT_OVERFLOW_WRAP), bo.bit_set_int("b", 16, 8, 7)])
    assert blob(client, bk) == b"\x10\xff\x07"
    with pytest.raises(exception.OpNotApplicable):
        client.operate(bk, [bo.bit_add("b", 8, 8, 1)])
    client.operate(bk, [bo.bit_add("b", 8, 8, 5, action=A.BIT_OVERFLOW_SATURATE)])
    assert blob(client, bk) == b"\x10\xff\x07"
    client.operate(bk, [bo.bit_add("b", 16, 8, 127, signed=True, action=A.BIT_OVERFLOW_SATURATE)])
    assert blob(client, bk)[2] == 0x7F


def test_write_flags(client, bk, keys):
    with pytest.raises(exception.BinExistsError):
        client.operate(bk, [bo.bit_resize("b", 4, policy=A.BIT_WRITE_CREATE_ONLY)])
    k = keys()
    client.put(k, {"x": 1})
    with pytest.raises(exception.BinNotFound):
        client.operate(k, [bo.bit_resize("b", 4, policy={"bit_write_flags": A.BIT_WRITE_UPDATE_ONLY})])
    client.operate(k, [bo.bit_resize("b", 2, policy=A.BIT_WRITE_UPDATE_ONLY | A.BIT_WRITE_NO_FAIL)])
    assert "b" not in client.get(k).bins
    with pytest.raises(exception.OpNotApplicable):
        client.operate(bk, [bo.bit_set("b", 16, 16, b"\xff\xff")])
    client.operate(bk, [bo.bit_set("b", 16, 16, b"\x00\x00", policy=A.BIT_WRITE_PARTIAL | A.BIT_WRITE_NO_FAIL)])
    assert blob(client, bk) == b"\x0f\x00\x00"


@pytest.mark.parametrize(
    ("op", "exc", "match"),
    [
        (bo.bit_get("b", "0", 8), TypeError, "bit_offset"),
        (bo.bit_set("b", 0, 8, "ff"), TypeError, "bytes"),
        (bo.bit_set("b", 0, 8, b"\xff", policy="x"), TypeError, "bit_policy"),
        (bo.bit_set("b", 0, 8, b"\xff", policy=99), exception.ParamError, "flags"),
        (bo.bit_add("b", 0, 8, 1, action=3), exception.ParamError, "action"),
        (bo.bit_resize("b", 1, resize_flags=8), exception.ParamError, "resize_flags"),
        (bo.bit_lscan("b", 0, 8, 1), TypeError, "bool"),
        (bo.bit_add("b", 0, 8, 1.5), TypeError, "val"),
        ({"op": bo.OP_BIT_LSCAN, "bin": "b", "bit_offset": 0, "bit_size": 8}, exception.ParamError, "val"),
    ],
)
def test_bad_arguments_raise_before_sending(client, keys, op, exc, match):
    k = keys()
    with pytest.raises(exc, match=match):
        client.operate(k, [{"op": A.OPERATOR_WRITE, "bin": "w", "val": 1}, op])
    assert client.exists(k).meta is None
