"""Queries and scans on both clients: every predicate (with the index it needs), select, no_bins,
max_records, filter expressions, partition filters and pagination that resumes exactly, the
Arrow views and streams (bounded memory), cancellation, and errors raised before sending."""

from __future__ import annotations

import asyncio
import gc
import pickle
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exp
from aerospike_py import predicates as p


class AsyncStreamAdapter:
    """Drives a native stream through its asyncio protocol (`__anext__`) on the test's loop."""

    def __init__(self, stream: Any, runner: asyncio.Runner) -> None:
        self.stream = stream
        self.runner = runner

    def __iter__(self) -> Iterator[Any]:
        async def step() -> Any:
            awaitable = self.stream.__anext__()
            return await awaitable

        while True:
            try:
                yield self.runner.run(step())
            except StopAsyncIteration:
                return

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.stream.__arrow_c_stream__(requested_schema)


class AsyncQueryAdapter:
    """An `AsyncQuery` run synchronously: awaitables are awaited, streams iterate through
    `async for`, builder calls pass through (and must not be awaitables)."""

    AWAITED = {"results", "foreach", "to_arrow", "to_pandas", "to_polars", "to_numpy"}
    STREAMS = {"records", "arrow_batches"}

    def __init__(self, inner: Any, runner: asyncio.Runner) -> None:
        self.__dict__["inner"] = inner
        self.__dict__["runner"] = runner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if name in self.AWAITED:

                async def run() -> Any:
                    awaitable = attr(*args, **kwargs)
                    assert hasattr(awaitable, "__await__"), f"AsyncQuery.{name}() is not awaitable"
                    return await awaitable

                return self.runner.run(run())
            result = attr(*args, **kwargs)
            if name in self.STREAMS:
                return AsyncStreamAdapter(result, self.runner)
            return self if result is self.inner else result

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.inner, name, value)

    def __iter__(self) -> Iterator[Any]:
        return iter(AsyncStreamAdapter(self.inner.__aiter__(), self.runner))


def make_query(client: Any, ns: str, set_name: str | None) -> Any:
    if getattr(client, "is_async", False):
        return AsyncQueryAdapter(client.inner.query(ns, set_name), client._runner)
    return client.query(ns, set_name)


@pytest.fixture
def q(client: Any, ns: str, set_name: str) -> Any:
    """`q()` -> a fresh query of the test's set on the client under test."""
    return lambda: make_query(client, ns, set_name)


@pytest.fixture
def people(client: Any, keys: Any) -> list[tuple[str, str, Any]]:
    made = keys.many(20, "p")
    for i, key in enumerate(made):
        client.put(
            key,
            {
                "age": i,
                "name": f"n{i % 5}",
                "tags": [f"t{i % 3}", "all"],
                "attrs": {f"k{i % 4}": i},
                "blob": bytes([i % 2]),
            },
        )
    return made


@pytest.fixture
def index(cleaner: aerospike.Client, ns: str) -> Iterator[Any]:
    """`index(kind, set, bin, *extra)` creates an index and removes it after the test."""
    made: list[str] = []

    def create(method: str, set_name: str, bin_name: str, *extra: Any) -> str:
        name = f"ix_{uuid.uuid4().hex[:10]}"
        if extra:
            getattr(cleaner, method)(ns, set_name, bin_name, *extra, name)
        else:
            getattr(cleaner, method)(ns, set_name, bin_name, name)
        made.append(name)
        return name

    yield create
    for name in made:
        try:
            cleaner.index_remove(ns, name)
        except aerospike.AerospikeError:
            pass


def ages(records: list[Any]) -> list[int]:
    return sorted(r.bins["age"] for r in records)


# --- scans -------------------------------------------------------------------------------------


def test_scan_returns_every_record_of_the_set(q: Any, people: list[Any]) -> None:
    records = q().results()
    assert ages(records) == list(range(20))
    key, meta, bins = records[0]
    assert key.namespace == "test" and len(key.digest) == 20 and meta.gen == 1
    assert set(bins) == {"age", "name", "tags", "attrs", "blob"}


def test_iteration_and_foreach(q: Any, people: list[Any]) -> None:
    assert ages(list(q())) == list(range(20))
    seen: list[int] = []
    q().foreach(lambda r: seen.append(r.bins["age"]))
    assert sorted(seen) == list(range(20))


def test_foreach_returning_false_stops(q: Any, people: list[Any]) -> None:
    seen: list[int] = []

    def cb(record: Any) -> bool:
        seen.append(record.bins["age"])
        return len(seen) < 3

    q().foreach(cb)
    assert len(seen) == 3


def test_foreach_callback_runs_on_the_callers_thread(q: Any, people: list[Any]) -> None:
    import threading

    threads = set()
    q().foreach(lambda r: threads.add(threading.get_ident()))
    assert threads == {threading.get_ident()}


def test_select_and_no_bins(q: Any, people: list[Any]) -> None:
    records = q().select("age", "name").results()
    assert all(set(r.bins) == {"age", "name"} for r in records)
    query = q()
    query.no_bins = True
    records = query.results()
    assert len(records) == 20 and all(not r.bins for r in records)


def test_max_records_and_records_per_second(q: Any, people: list[Any]) -> None:
    query = q()
    query.max_records = 5
    assert len(query.results()) == 5
    query = q()
    query.records_per_second = 1000
    assert len(query.results()) == 20


def test_client_query_policies_are_the_defaults(make_client: Any, config: dict[str, Any], ns: str, set_name: str, people: list[Any]) -> None:
    """`policies["query"]` (or the official client's `"scan"`) is where every query starts;
    the query's own setters and the call's policy dict override it."""
    limited = make_client({**config, "policies": {"query": {"max_records": 4}}}).connect()
    try:
        query = make_query(limited, ns, set_name)
        assert query.max_records == 4
        assert len(query.results()) == 4
        assert len(query.results(policy={"max_records": 7})) == 7
        query.max_records = 0  # back to no limit
        assert len(query.results()) == 20
    finally:
        limited.close()
    bare = make_client({**config, "policies": {"scan": {"include_bin_data": False}}}).connect()
    try:
        query = make_query(bare, ns, set_name)
        assert query.no_bins is True
        assert all(not r.bins for r in query.results())
    finally:
        bare.close()
    with pytest.raises(aerospike.ParamError, match="max_record"):
        make_client({**config, "policies": {"query": {"max_record": 4}}})
    with pytest.raises(aerospike.ParamError, match="partition_filter"):
        make_client({**config, "policies": {"query": {"partition_filter": aerospike.predicates.partition_filter_all()}}})


def test_filter_expression(q: Any, people: list[Any]) -> None:
    expr = exp.ge(exp.int_bin("age"), exp.int_val(15))
    assert ages(q().results(policy={"filter_expression": expr})) == [15, 16, 17, 18, 19]


def test_namespace_scan_includes_the_set(client: Any, ns: str, people: list[Any], set_name: str) -> None:
    query = make_query(client, ns, None)
    query.select("age")
    policy = {"filter_expression": exp.eq(exp.set_name(), exp.string_val(set_name))}
    records = [r for r in query.results(policy=policy) if r.key.set == set_name]
    assert ages(records) == list(range(20))


# --- predicates --------------------------------------------------------------------------------


def test_equals_and_between_on_integer_index(q: Any, people: list[Any], index: Any, set_name: str) -> None:
    index("index_integer_create", set_name, "age")
    assert ages(q().where(p.equals("age", 7)).results()) == [7]
    assert ages(q().where(p.between("age", 3, 6)).results()) == [3, 4, 5, 6]


def test_equals_on_string_and_blob_index(q: Any, people: list[Any], index: Any, set_name: str) -> None:
    index("index_string_create", set_name, "name")
    assert ages(q().where(p.equals("name", "n2")).results()) == [2, 7, 12, 17]
    index("index_blob_create", set_name, "blob")
    assert ages(q().where(p.equals("blob", b"\x01")).results()) == list(range(1, 20, 2))


def test_contains_on_list_map_keys_and_map_values(q: Any, people: list[Any], index: Any, set_name: str) -> None:
    index("index_list_create", set_name, "tags", aerospike.INDEX_STRING)
    assert ages(q().where(p.contains("tags", aerospike.INDEX_TYPE_LIST, "t1")).results()) == list(range(1, 20, 3))
    index("index_map_keys_create", set_name, "attrs", aerospike.INDEX_STRING)
    assert ages(q().where(p.contains("attrs", aerospike.INDEX_TYPE_MAPKEYS, "k3")).results()) == [3, 7, 11, 15, 19]
    index("index_map_values_create", set_name, "attrs", aerospike.INDEX_NUMERIC)
    assert ages(q().where(p.contains("attrs", aerospike.INDEX_TYPE_MAPVALUES, 9)).results()) == [9]
    assert ages(q().where(p.range("attrs", aerospike.INDEX_TYPE_MAPVALUES, 17, 30)).results()) == [17, 18, 19]


def test_geo_predicates(client: Any, q: Any, keys: Any, index: Any, set_name: str) -> None:
    points = {"a": (103.85, 1.29), "b": (103.95, 1.35), "c": (-122.4, 37.77)}
    for name, (lng, lat) in points.items():
        client.put(keys(name), {"loc": aerospike.GeoJSON({"type": "Point", "coordinates": [lng, lat]}), "name": name})
    region = aerospike.GeoJSON(
        {"type": "Polygon", "coordinates": [[[103.6, 1.1], [104.1, 1.1], [104.1, 1.5], [103.6, 1.5], [103.6, 1.1]]]}
    )
    client.put(keys("area"), {"area": region, "name": "area"})
    index("index_geo2dsphere_create", set_name, "loc")
    index("index_geo2dsphere_create", set_name, "area")

    def names(predicate: Any) -> list[str]:
        return sorted(r.bins["name"] for r in q().where(predicate).results())

    assert names(p.geo_within_region("loc", region)) == ["a", "b"]
    assert names(p.geo_within_geojson_region("loc", region.json)) == ["a", "b"]
    assert names(p.geo_within_radius("loc", 103.85, 1.29, 2000.0)) == ["a"]
    assert names(p.geo_contains_point("area", 103.9, 1.3)) == ["area"]
    assert names(p.geo_contains_geojson_point("area", {"type": "Point", "coordinates": [0.0, 0.0]})) == []


# --- partitions and pagination -----------------------------------------------------------------


def test_partition_ranges_cover_the_set_once(q: Any, people: list[Any]) -> None:
    seen: list[int] = []
    for begin in range(0, 4096, 1024):
        seen += ages(q().results(policy={"partition_filter": p.partition_filter_by_range(begin, 1024)}))
    assert sorted(seen) == list(range(20))
    digest_of_first = q().results()[0].key
    pid = int.from_bytes(digest_of_first.digest[:2], "little") & 4095
    one = q().results(policy={"partition_filter": p.partition_filter_by_id(pid)})
    assert digest_of_first.digest in {r.key.digest for r in one}


def test_paginate_resumes_exactly(q: Any, people: list[Any]) -> None:
    query = q().paginate()
    query.max_records = 6
    pages = []
    while not query.is_done():
        page = query.results()
        pages.append(page)
        assert len(page) <= 6
        assert len(pages) < 10
    seen = [a for page in pages for a in ages(page)]
    assert sorted(seen) == list(range(20))  # no record lost, none repeated


def test_cursor_survives_pickling_and_resumes(q: Any, people: list[Any]) -> None:
    stream = q().records(policy={"max_records": 8})
    first = [r.bins["age"] for r in stream]
    cursor = stream.partition_filter
    assert cursor is not None and not cursor.done and len(first) == 8
    restored = pickle.loads(pickle.dumps(cursor))
    assert restored.to_dict() == cursor.to_dict()
    rest = ages(q().results(policy={"partition_filter": restored}))
    assert sorted(first + rest) == list(range(20))
    again = ages(q().results(policy={"partition_filter": cursor.to_dict()}))
    assert again == rest  # the handle itself never moved


# --- Arrow -------------------------------------------------------------------------------------


def test_arrow_batches_stream(q: Any, people: list[Any]) -> None:
    pa = pytest.importorskip("pyarrow")
    batches = [pa.record_batch(b) for b in q().select("age", "name").arrow_batches(batch_size=6)]
    assert [b.num_rows for b in batches] == [6, 6, 6, 2]
    assert batches[0].schema.names == ["_result_code", "_gen", "_ttl", "age", "name"]
    assert sorted(sum((b.column("age").to_pylist() for b in batches), [])) == list(range(20))


def test_arrow_batches_bins_builds_those_columns_for_every_record(client: Any, q: Any, keys: Any) -> None:
    """`bins=` names the columns without narrowing what the server sends: a record holding none
    of them is a row of nulls, where `select()` (a server-side selection) gets no record at all
    for it (server: proto.c `as_msg_make_response_bufbuilder`, "Don't return an empty record")."""
    pa = pytest.importorskip("pyarrow")
    client.put(keys("both"), {"a": 1, "b": "x", "c": 1.5})
    client.put(keys("only_c"), {"c": 2.5})
    client.put(keys("late"), {"a": 3, "zz": "not asked for"})
    table = pa.Table.from_batches([pa.record_batch(b) for b in q().arrow_batches(bins=["a", "b"], meta_columns=False)])
    assert table.schema.names == ["a", "b"]
    assert sorted(table.to_pylist(), key=repr) == sorted([{"a": 1, "b": "x"}, {"a": None, "b": None}, {"a": 3, "b": None}], key=repr)
    selected = pa.Table.from_batches([pa.record_batch(b) for b in q().select("a", "b").arrow_batches(meta_columns=False)])
    assert selected.num_rows == 2, "the server sends nothing for the record holding neither bin"
    with pytest.raises(TypeError):
        q().arrow_batches(bins="ab")


def test_arrow_stream_capsule_is_taken_once(q: Any, people: list[Any]) -> None:
    pa = pytest.importorskip("pyarrow")
    stream = q().arrow_batches(batch_size=7)
    table = pa.RecordBatchReader.from_stream(stream).read_all()
    assert table.num_rows == 20 and stream.closed
    with pytest.raises(aerospike.ClientError, match="already consumed"):
        stream.__arrow_c_stream__()


def test_to_arrow_pandas_polars(q: Any, people: list[Any]) -> None:
    pa = pytest.importorskip("pyarrow")
    table = q().select("age").to_arrow()
    assert isinstance(table, pa.Table) and sorted(table.column("age").to_pylist()) == list(range(20))
    frame = q().select("age").to_pandas()
    assert sorted(frame["age"].tolist()) == list(range(20))
    pl = pytest.importorskip("polars")
    df = q().select("age", "name").to_polars()
    assert isinstance(df, pl.DataFrame) and df.height == 20
    assert pl.DataFrame(q().select("age").arrow_batches(batch_size=5)).height == 20


def test_a_scans_columns_are_the_same_on_the_clients_own_io_and_the_crates(client: Any, q: Any, keys: Any) -> None:
    """A scan into columns runs on the client's own connections (`crates/direct`); one with
    `max_records` (a page) runs through the aerospike crate. Both give the same rows for every
    kind of value. The TTL may differ by the second the crate's clock rounds away."""
    pa = pytest.importorskip("pyarrow")
    records = [
        {"i": 1, "f": 2.5, "s": "x", "b": b"\x00\x01", "t": True, "l": [1, 2, 3], "m": {"k": 1, "n": 2}},
        {"i": -(2**63), "s": "", "l": [], "m": {}, "u": "ünï"},
        {"f": float("inf"), "b": bytearray(b"q"), "t": False},
        {"g": aerospike.GeoJSON({"type": "Point", "coordinates": [1.0, 2.0]}), "i": 2**63 - 1},
    ]
    for key, bins in zip(keys.many(len(records), "kinds"), records):
        client.put(key, bins)

    def rows(table: Any) -> list[dict[str, Any]]:
        assert isinstance(table, pa.Table)
        out = sorted(table.to_pylist(), key=lambda r: repr(sorted((k, repr(v)) for k, v in r.items() if k != "_ttl")))
        for row in out:
            assert row.pop("_ttl") > 0
        return out

    own = q().to_arrow()
    paged = q().to_arrow(policy={"max_records": 10_000})
    assert own.num_rows == 4
    assert set(own.column_names) == set(paged.column_names)
    assert rows(own) == rows(paged)
    assert rows(q().to_arrow(policy={"filter_expression": exp.eq(exp.int_bin("i"), exp.int_val(1))}))[0]["s"] == "x"


def test_schema_fixes_types(q: Any, people: list[Any]) -> None:
    pa = pytest.importorskip("pyarrow")
    table = q().select("age").to_arrow(schema=pa.schema([("age", pa.float64())]))
    assert table.schema.field("age").type == pa.float64()


def test_later_bins_are_not_dropped_silently(client: Any, q: Any, keys: Any) -> None:
    """A bin first seen after the first batch fixed the schema raises, naming the bin."""
    pa = pytest.importorskip("pyarrow")
    for i in range(10):
        client.put(keys(f"r{i}"), {"a": i})
    client.put(keys("late"), {"a": 99, "late": "x"})
    # Which record comes first is the server's choice, and a real server's query threads take
    # partitions in no fixed order (query_job.c), so it can differ from one query to the next.
    batches = []
    try:
        for batch in q().arrow_batches(batch_size=1):
            batches.append(pa.record_batch(batch))
    except ValueError as e:
        assert "late" in str(e) and batches and "late" not in batches[0].schema.names
        return
    # The late record came first: its bin is in the schema, and its value arrived.
    assert len(batches) == 11 and "late" in batches[0].schema.names
    assert [v for b in batches for v in b.column("late").to_pylist() if v is not None] == ["x"]


# --- bounded memory, cancellation --------------------------------------------------------------

BIG = 200_000


# --- a bin of mixed types: one bad value must not make the set impossible to export ---------------


@pytest.fixture
def mixed(client: Any, keys: Any) -> list[Any]:
    """Three records whose bin "x" is an int, a str and an int; "y" is always a number."""
    made = [keys("m1"), keys("m2"), keys("m3")]
    for key, x, y in zip(made, [1, "one", 3], [1.5, 2.0, 3.5]):
        client.put(key, {"x": x, "y": y})
    return made


def by_y(frame: Any) -> dict[str, list[Any]]:
    table = frame.sort_by("y") if hasattr(frame, "sort_by") else frame
    return {name: table.column(name).to_pylist() for name in ("x", "y")}


@pytest.mark.parametrize("method", ["to_arrow", "to_polars", "to_pandas", "arrow_batches"])
def test_a_mixed_bin_is_an_error_that_names_both_ways_out(q: Any, mixed: Any, method: str) -> None:
    pytest.importorskip("pyarrow")
    pytest.importorskip("polars" if method == "to_polars" else "pandas" if method == "to_pandas" else "pyarrow")
    with pytest.raises(ValueError, match=r'bin "x" holds both .* pass a schema for it, or on_type_conflict="null"'):
        result = getattr(q(), method)()
        list(result) if method == "arrow_batches" else result


def test_on_type_conflict_null_exports_every_method(q: Any, mixed: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    pytest.importorskip("pandas")
    # Without a schema the first type met wins: either the ints or the str survive, never a mix,
    # and the other values are nulls. Which one is met first differs from query to query on a
    # real server: its query threads take partitions from a shared counter and send each slice
    # as it fills (aerospike-server as/src/query/query_job.c, the `_job->pid` loop of the job's
    # run function), so each export is checked on its own.
    variants = ({"x": [1, None, 3], "y": [1.5, 2.0, 3.5]}, {"x": [None, "one", None], "y": [1.5, 2.0, 3.5]})
    assert by_y(q().to_arrow(on_type_conflict="null")) in variants
    frame = q().to_pandas(on_type_conflict="null").sort_values("y")
    assert frame["x"].isna().tolist() in ([False, True, False], [True, False, True]) and frame["y"].tolist() == [1.5, 2.0, 3.5]
    assert by_y(q().to_polars(on_type_conflict="null").to_arrow()) in variants
    batches = list(q().arrow_batches(on_type_conflict="null"))
    assert sum(b.num_rows for b in batches) == 3
    arr = q().to_numpy([("y", "f8")], on_type_conflict="null")
    assert sorted(arr["y"].tolist()) == [1.5, 2.0, 3.5]
    assert isinstance(q().to_polars(on_type_conflict="null"), pl.DataFrame) and pa is not None


@pytest.mark.parametrize("x_type", ["int64", "string"])
def test_a_schema_alone_resolves_the_conflict(q: Any, mixed: Any, x_type: str) -> None:
    """The schema is the caller's word on the bin's type: values that cannot take it are nulls."""
    pa = pytest.importorskip("pyarrow")
    schema = pa.schema([("x", getattr(pa, x_type)())])
    expected = {"x": [1, None, 3] if x_type == "int64" else [None, "one", None], "y": [1.5, 2.0, 3.5]}
    table = q().to_arrow(schema=schema)
    assert table.schema.field("x").type == schema.field("x").type
    assert by_y(table) == expected
    assert by_y(pa.Table.from_batches([pa.record_batch(b) for b in q().arrow_batches(schema=schema)])) == expected
    if x_type == "int64":
        arr = q().to_numpy([("x", "i8"), ("y", "f8")], schema=schema, fill_value=-1)
        assert sorted(zip(arr["y"].tolist(), arr["x"].tolist())) == [(1.5, 1), (2.0, -1), (3.5, 3)]


def test_on_type_conflict_error_refuses_schema_misfits_too(q: Any, mixed: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(ValueError, match='bin "x"'):
        q().to_arrow(schema=pa.schema([("x", pa.int64())]), on_type_conflict="error")
    with pytest.raises(ValueError, match="on_type_conflict"):
        q().to_arrow(on_type_conflict="drop")


def test_query_to_numpy(q: Any, people: list[Any]) -> None:
    np = pytest.importorskip("numpy")
    arr = q().to_numpy([("age", "i8")])
    assert arr.shape == (20,) and sorted(arr["age"].tolist()) == sorted(r.bins["age"] for r in q().results())
    plain = q().select("age").to_numpy("f8")
    assert plain.shape == (20, 1) and plain.dtype == np.float64


@pytest.fixture(scope="module")
def big_set(server_hosts: list[tuple[str, int]], empty_set: Callable[[str, str], None]) -> Iterator[str]:
    set_name = "py_query_big"  # fixed: a real namespace holds at most 4,095 set names
    c = aerospike.client({"hosts": list(server_hosts)}).connect()
    empty_set("test", set_name)
    chunk = 10_000
    for start in range(0, BIG, chunk):
        c.batch_write([(("test", set_name, i), {"i": i, "pad": "x" * 40}) for i in range(start, start + chunk)])
    yield set_name
    c.truncate("test", set_name)
    c.close()


def test_streaming_memory_is_bounded_by_the_batch_size(client: Any, big_set: str) -> None:
    pa = pytest.importorskip("pyarrow")
    gc.collect()
    tracemalloc.start()
    rows = 0
    peak_live = 0
    stream = make_query(client, "test", big_set).arrow_batches(batch_size=1000)
    for batch in stream:
        rb = pa.record_batch(batch)
        rows += rb.num_rows
        del rb
        peak_live = max(peak_live, aerospike._native._live_arrow_batches())
        del batch
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert rows == BIG
    assert stream.peak_rows <= 1000
    assert peak_live <= 2
    assert peak < 8 * 1024 * 1024, f"Python-side peak {peak} bytes"


def test_breaking_out_stops_the_query_and_keeps_a_cursor(client: Any, big_set: str) -> None:
    stream = make_query(client, "test", big_set).arrow_batches(batch_size=500)
    taken = 0
    for batch in stream:
        taken += batch.num_rows
        if taken >= 1000:
            break
    stream.close()
    assert stream.closed
    cursor = stream.partition_filter
    assert cursor is not None and not cursor.done
    rest = make_query(client, "test", big_set).select("i").arrow_batches(batch_size=20_000, policy={"partition_filter": cursor})
    remaining = sum(b.num_rows for b in rest)
    assert BIG - taken <= remaining <= BIG - taken + 64 * 8  # nothing lost; a bounded re-read


def long_queries_active(client: Any) -> int | None:
    for part in client.info_random_node("statistics").split(";"):
        if part.startswith("long_queries_active="):
            return int(part.split("=", 1)[1])
    return None


def wait_until_idle(client: Any) -> int | None:
    for _ in range(100):
        active = long_queries_active(client)
        if not active:
            return active
        time.sleep(0.02)
    return long_queries_active(client)


@pytest.mark.parametrize("how", ["close", "drop"])
def test_stopping_a_stream_stops_the_server_side_scan(client: Any, big_set: str, how: str) -> None:
    if long_queries_active(client) is None:
        pytest.skip("this server does not report long_queries_active")
    stream = make_query(client, "test", big_set).arrow_batches(batch_size=100)
    next(iter(stream))
    assert long_queries_active(client) >= 1  # the scan is running on the server
    if how == "close":
        stream.close()
    else:
        del stream
        gc.collect()
    assert wait_until_idle(client) == 0


def test_keyboard_interrupt_in_callback_stops_the_query(client: Any, big_set: str, is_async: bool) -> None:
    seen = 0
    interrupt = RuntimeError if is_async else KeyboardInterrupt  # asyncio.Runner owns Ctrl-C

    def cb(record: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == 100:
            raise interrupt

    with pytest.raises(interrupt):
        make_query(client, "test", big_set).foreach(cb)
    assert seen == 100


def test_dropping_a_stream_closes_it(client: Any, big_set: str) -> None:
    stream = make_query(client, "test", big_set).records()
    first = next(iter(stream))
    assert first.bins["pad"] == "x" * 40
    del stream
    gc.collect()
    # the client still works and a new scan starts from scratch
    query = make_query(client, "test", big_set)
    query.max_records = 10
    assert len(query.results()) == 10


def test_progress_without_tqdm_is_silent(q: Any, people: list[Any]) -> None:
    assert len(q().results(progress=True)) == 20


class FakeBar:
    """Stands in for `tqdm.tqdm`, recording what the query tells its bar."""

    made: list["FakeBar"] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs, self.total, self.n, self.closed = kwargs, None, 0, False
        FakeBar.made.append(self)

    def update(self, n: int) -> None:
        self.n += n

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("how", ["results", "arrow_batches", "foreach"])
def test_progress_bar_counts_records_against_the_set_size(q: Any, big_set: str, client: Any, ns: str, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    FakeBar.made.clear()
    query = make_query(client, ns, big_set)
    if how == "results":
        count = len(query.results(progress=True))
    elif how == "foreach":
        seen: list[int] = []
        query.foreach(lambda r: seen.append(1), progress=True)
        count = len(seen)
    else:
        count = sum(b.num_rows for b in query.arrow_batches(batch_size=50_000, progress=True))
    (bar,) = FakeBar.made
    assert count == BIG and bar.n == BIG and bar.closed
    assert bar.total == BIG, "the set's size from the nodes' statistics"
    assert bar.kwargs["desc"] == f"scan {ns}.{big_set}"
    part = make_query(client, ns, big_set).results(policy={"partition_filter": p.partition_filter_by_range(0, 100)}, progress=True)
    assert 0 < len(part) < BIG and FakeBar.made[-1].total is None, "statistics cannot size a partition range"
    limited = make_query(client, ns, big_set)
    limited.max_records = 5000
    assert len(limited.results(progress=True)) == 5000
    assert FakeBar.made[-1].total in (None, 5000), "capped by max_records"


# --- errors ------------------------------------------------------------------------------------


def test_bad_input_raises_before_sending(q: Any) -> None:
    with pytest.raises(TypeError):
        q().where(("nonsense",))
    with pytest.raises(TypeError):
        q().where(p.equals("age", 1.5))
    with pytest.raises(ValueError):
        p.contains("tags", 9, "x")
    with pytest.raises(aerospike.ParamError):
        q().where(p.between("age", 5, 1))
    with pytest.raises(aerospike.ParamError):
        q().where(p.geo_within_radius("loc", 500.0, 1.0, 10.0))
    with pytest.raises(aerospike.ParamError):
        q().results(policy={"no_such_key": 1})
    with pytest.raises(aerospike.ParamError):
        q().arrow_batches(batch_size=0)
    with pytest.raises(aerospike.ParamError):
        q().select("a" * 16)
    with pytest.raises(TypeError):
        q().results(policy={"partition_filter": 3})
    with pytest.raises(aerospike.ParamError):
        p.partition_filter_by_range(4000, 200)
    with pytest.raises(aerospike.ParamError):
        q().max_records = -1


def test_query_without_index_raises_index_not_found(q: Any, people: list[Any]) -> None:
    with pytest.raises(aerospike.AerospikeIndexError):
        q().where(p.equals("name", "n1")).results()


def test_async_query_is_native_async(client: Any, is_async: bool, ns: str, set_name: str, people: list[Any]) -> None:
    if not is_async:
        pytest.skip("AsyncQuery only")
    query = client.inner.query(ns, set_name)
    assert type(query).__name__ == "AsyncQuery"

    async def run() -> tuple[int, int]:
        aw = query.results()
        assert asyncio.isfuture(aw) or hasattr(aw, "__await__")
        n = len(await aw)
        count = 0
        async for batch in query.arrow_batches(batch_size=8):
            count += batch.num_rows
        return n, count

    assert client._runner.run(run()) == (20, 20)
