"""Index management and truncate on both clients: every index type (integer, string, blob,
geo2dsphere, list, map keys, map values, nested context), removal, the errors for a duplicate, a
missing index and bad arguments (raised before sending), and truncate of a set."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import cdt_ctx
from aerospike_py import predicates as p


@pytest.fixture
def index_name(client: Any, ns: str) -> Iterator[Any]:
    """`index_name()` -> a fresh index name, removed after the test if it still exists."""
    made: list[str] = []

    def make() -> str:
        name = f"ix_{uuid.uuid4().hex[:10]}"
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            client.index_remove(ns, name)
        except aerospike.AerospikeError:
            pass


def query(client: Any, ns: str, set_name: str, predicate: Any) -> list[Any]:
    if getattr(client, "is_async", False):
        inner = client.inner.query(ns, set_name).where(predicate)

        async def run() -> list[Any]:
            return await inner.results()

        return client._runner.run(run())
    return client.query(ns, set_name).where(predicate).results()


def pks(records: list[Any]) -> list[Any]:
    return sorted(r.bins["pk"] for r in records)


@pytest.mark.parametrize(
    ("method", "bin_name", "value", "predicate"),
    [
        ("index_integer_create", "i", 7, p.equals("i", 7)),
        ("index_string_create", "s", "seven", p.equals("s", "seven")),
        ("index_blob_create", "b", b"\x07", p.equals("b", b"\x07")),
    ],
)
def test_scalar_indexes(client: Any, ns: str, set_name: str, keys: Any, index_name: Any, method: str, bin_name: str, value: Any, predicate: Any) -> None:
    client.put(keys("yes"), {"pk": "yes", bin_name: value})
    client.put(keys("no"), {"pk": "no", bin_name: value * 2})
    getattr(client, method)(ns, set_name, bin_name, index_name())
    assert pks(query(client, ns, set_name, predicate)) == ["yes"]


def test_geo2dsphere_index(client: Any, ns: str, set_name: str, keys: Any, index_name: Any) -> None:
    client.put(keys("in"), {"pk": "in", "loc": aerospike.GeoJSON({"type": "Point", "coordinates": [10.0, 10.0]})})
    client.put(keys("out"), {"pk": "out", "loc": aerospike.GeoJSON({"type": "Point", "coordinates": [50.0, 50.0]})})
    client.index_geo2dsphere_create(ns, set_name, "loc", index_name())
    assert pks(query(client, ns, set_name, p.geo_within_radius("loc", 10.0, 10.0, 1000.0))) == ["in"]


def test_collection_indexes(client: Any, ns: str, set_name: str, keys: Any, index_name: Any) -> None:
    client.put(keys("a"), {"pk": "a", "l": [1, 2], "m": {"x": 10}})
    client.put(keys("b"), {"pk": "b", "l": [3], "m": {"y": 20}})
    client.index_list_create(ns, set_name, "l", aerospike.INDEX_NUMERIC, index_name())
    client.index_map_keys_create(ns, set_name, "m", aerospike.INDEX_STRING, index_name())
    client.index_map_values_create(ns, set_name, "m", aerospike.INDEX_NUMERIC, index_name())
    assert pks(query(client, ns, set_name, p.contains("l", aerospike.INDEX_TYPE_LIST, 3))) == ["b"]
    assert pks(query(client, ns, set_name, p.contains("m", aerospike.INDEX_TYPE_MAPKEYS, "x"))) == ["a"]
    assert pks(query(client, ns, set_name, p.contains("m", aerospike.INDEX_TYPE_MAPVALUES, 20))) == ["b"]
    assert pks(query(client, ns, set_name, p.range("l", aerospike.INDEX_TYPE_LIST, 2, 3))) == ["a", "b"]


def test_nested_context_index(client: Any, ns: str, set_name: str, keys: Any, index_name: Any) -> None:
    client.put(keys("a"), {"pk": "a", "doc": {"tags": ["red", "blue"]}})
    client.put(keys("b"), {"pk": "b", "doc": {"tags": ["green"]}})
    ctx = [cdt_ctx.cdt_ctx_map_key("tags")]
    client.index_cdt_create(
        ns, set_name, "doc", aerospike.INDEX_TYPE_LIST, aerospike.INDEX_STRING, index_name(), ctx
    )
    assert pks(query(client, ns, set_name, p.contains("doc", aerospike.INDEX_TYPE_LIST, "green", ctx=ctx))) == ["b"]


def test_duplicate_index_raises_index_found(client: Any, ns: str, set_name: str, index_name: Any) -> None:
    name = index_name()
    client.index_integer_create(ns, set_name, "i", name)
    with pytest.raises(aerospike.IndexFoundError) as info:
        client.index_string_create(ns, set_name, "other", name)
    assert info.value.result_code == 200


def test_remove_and_missing_index(client: Any, ns: str, set_name: str, keys: Any, index_name: Any) -> None:
    name = index_name()
    client.put(keys("a"), {"pk": "a", "i": 1})
    client.index_integer_create(ns, set_name, "i", name)
    client.index_remove(ns, name)
    with pytest.raises(aerospike.IndexNotFound):
        client.index_remove(ns, name)
    with pytest.raises(aerospike.AerospikeIndexError):
        query(client, ns, set_name, p.equals("i", 1))


def test_bad_arguments_raise_before_sending(client: Any, ns: str, set_name: str) -> None:
    with pytest.raises(aerospike.ParamError):
        client.index_integer_create(ns, set_name, "i", "bad;name")
    with pytest.raises(aerospike.ParamError):
        client.index_integer_create(ns, set_name, "b" * 16, "ok_name")
    with pytest.raises(aerospike.ParamError):
        client.index_list_create(ns, set_name, "l", 9, "ok_name")
    with pytest.raises(aerospike.ParamError):
        client.index_cdt_create(ns, set_name, "l", 7, aerospike.INDEX_NUMERIC, "ok_name")
    with pytest.raises(TypeError):
        client.index_integer_create(ns, set_name, 5, "ok_name")
    with pytest.raises(aerospike.ParamError):
        client.index_remove(ns, "")
    with pytest.raises(aerospike.ParamError):
        client.truncate(ns, set_name, -1)


def test_truncate_set(client: Any, ns: str, set_name: str, keys: Any) -> None:
    made = keys.many(5)
    for k in made:
        client.put(k, {"x": 1})
    time.sleep(0.01)  # truncate cuts at the server's millisecond: not the one of the last write
    client.truncate(ns, set_name)
    for k in made:
        assert client.exists(k).meta is None


def test_truncate_before_a_time_keeps_later_records(client: Any, ns: str, set_name: str, keys: Any) -> None:
    old = keys("old")
    client.put(old, {"x": 1})
    time.sleep(0.05)
    cut = time.time_ns()
    time.sleep(0.05)
    new = keys("new")
    client.put(new, {"x": 2})
    client.truncate(ns, set_name, cut)
    assert client.exists(old).meta is None
    assert client.exists(new).meta is not None


@pytest.mark.parametrize(
    ("datatype", "bin_name", "value", "predicate"),
    [
        (aerospike.INDEX_NUMERIC, "n", 7, p.equals("n", 7)),
        (aerospike.INDEX_STRING, "s", "seven", p.equals("s", "seven")),
    ],
    ids=["numeric", "string"],
)
def test_index_single_value_create_is_the_official_spelling(client: Any, ns: str, set_name: str, keys: Any, index_name: Any, datatype: int, bin_name: str, value: Any, predicate: Any) -> None:
    client.put(keys("yes"), {bin_name: value, "pk": "yes"})
    client.put(keys("no"), {bin_name: "other" if isinstance(value, str) else 8, "pk": "no"})
    client.index_single_value_create(ns, set_name, bin_name, datatype, index_name())
    assert pks(query(client, ns, set_name, predicate)) == ["yes"]
    with pytest.raises(aerospike.ParamError):
        client.index_single_value_create(ns, set_name, bin_name, 99, "never_made")
