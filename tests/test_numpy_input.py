"""NumPy values as input: a NumPy scalar is stored exactly as the Python value it equals, as a bin
value, inside lists and maps, as a map key and as a user key; a NumPy array is stored as the
list ``tolist()`` gives. What Python itself could not store is refused the same way."""

from __future__ import annotations

from typing import Any

import pytest

import aerospike_py as aerospike

np = pytest.importorskip("numpy")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.int64(-5), -5),
        (np.int32(7), 7),
        (np.int8(-128), -128),
        (np.uint8(255), 255),
        (np.uint64(2**63 - 1), 2**63 - 1),
        (np.float32(0.5), 0.5),
        (np.float64(1.25), 1.25),
        (np.float16(2.0), 2.0),
        (np.bool_(True), True),
        (np.bool_(False), False),
        (np.str_("héllo"), "héllo"),
        (np.bytes_(b"\x00\x01"), b"\x00\x01"),
        (np.arange(3, dtype=np.int64), [0, 1, 2]),
        (np.array([0.5, 1.5], dtype=np.float32), [0.5, 1.5]),
        (np.array([[1, 2], [3, 4]]), [[1, 2], [3, 4]]),
        (np.array([], dtype=np.int64), []),
        ([np.int64(1), np.float32(2.5), {"k": np.uint16(3)}], [1, 2.5, {"k": 3}]),
        ({np.int64(1): np.str_("a"), np.str_("b"): np.int32(2)}, {1: "a", "b": 2}),
    ],
    ids=lambda v: type(v).__name__,
)
def test_numpy_values_are_stored_as_the_python_value_they_equal(client: Any, keys: Any, value: Any, expected: Any) -> None:
    key = keys()
    client.put(key, {"v": value})
    got = client.get(key).bins["v"]
    assert got == expected
    assert type(got) is type(expected)


def test_numpy_float32_keeps_its_exact_value(client: Any, keys: Any) -> None:
    key = keys()
    client.put(key, {"v": np.float32(0.1)})
    assert client.get(key).bins["v"] == float(np.float32(0.1))  # 0.10000000149011612, not 0.1


@pytest.mark.parametrize("pk", [np.int64(42), np.int32(42), np.uint8(42)], ids=lambda v: type(v).__name__)
def test_numpy_integers_as_user_keys_address_the_same_record(client: Any, keys: Any, pk: Any) -> None:
    plain = keys(42)
    client.put((plain[0], plain[1], pk), {"a": 1})
    assert client.get(plain).bins == {"a": 1}
    assert client.get((plain[0], plain[1], pk)).key.digest == client.get(plain).key.digest


def test_numpy_str_as_a_user_key(client: Any, keys: Any) -> None:
    plain = keys("np-key")
    client.put((plain[0], plain[1], np.str_("np-key")), {"a": 1})
    assert client.get(plain).bins == {"a": 1}


def test_numpy_values_in_operations_and_batches(client: Any, keys: Any) -> None:
    key = keys()
    client.put(key, {"n": np.int64(1)})
    client.increment(key, "n", np.int64(2))
    client.operate(key, [{"op": aerospike.OPERATOR_WRITE, "bin": "f", "val": np.float32(1.5)}])
    assert client.get(key).bins == {"n": 3, "f": 1.5}
    others = keys.many(3, prefix="np")
    client.batch_write([(k, {"i": np.int64(i)}) for i, k in enumerate(others)])
    assert [client.get(k).bins["i"] for k in others] == [0, 1, 2]


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (np.uint64(2**64 - 1), OverflowError, "out of range"),
        (np.bool_(True), TypeError, "not bool"),
    ],
    ids=["uint64-too-big", "bool-key"],
)
def test_numpy_user_keys_python_refuses_are_refused(client: Any, keys: Any, value: Any, error: type, match: str) -> None:
    plain = keys()
    with pytest.raises(error, match=match):
        client.put((plain[0], plain[1], value), {"a": 1})


def test_numpy_values_python_could_not_store_are_refused_before_sending(client: Any, keys: Any) -> None:
    key = keys()
    with pytest.raises(OverflowError, match='bin "v".*out of range'):
        client.put(key, {"v": np.uint64(2**64 - 1)})
    with pytest.raises(TypeError, match="cannot store a value of type"):
        client.put(key, {"v": np.datetime64("2020-01-01")})
    with pytest.raises(TypeError, match="map key"):
        client.put(key, {"v": {np.float64(1.0): 1}})
    assert client.exists(key).meta is None
