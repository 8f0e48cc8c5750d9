"""Lua UDFs on both clients: the module registry (udf_put / udf_list / udf_get / udf_remove), record
UDFs through apply (every return type, every error with its message) and batch_apply (per-record
BatchUDFMeta overrides), stream aggregations over a scan and an index query (count, sum, group-by;
the final reduce runs in the client), background jobs, a module that fails to compile, and an
infinite loop stopped by the timeout. Every test registers its own uniquely named modules and
removes them afterwards, so the suite also runs against a real server (AEROSPIKE_HOSTS)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import predicates as p

RECORD_UDFS = """\
function boom(rec)
  error("kaboom")
end
function bare(rec) error("plain message", 0) end
function echo(rec, v) return v end
function ret_int(rec) return 42 end
function ret_big(rec) return 9223372036854775807 end
function ret_float(rec) return 7 / 2 end
function ret_str(rec) return "héllo" end
function ret_true(rec) return true end
function ret_nil(rec) return nil end
function ret_nothing(rec) end
function ret_list(rec) local l = list() list.append(l, 1) list.append(l, "a") return l end
function ret_map(rec) local m = map() m["a"] = 1 return m end
function get_bin(rec, name) return rec[name] end
function setx(rec, v) rec["x"] = v aerospike:update(rec) return v end
function nargs(rec, ...) return select("#", ...) end
function spin(rec) local i = 0 while true do i = i + 1 end end
"""

STREAM_UDFS = """\
local function one(rec) return 1 end
local function add(a, b) return a + b end
function count(s) return s : map(one) : reduce(add) end
function sum(s, bin) return s : map(function(rec) return rec[bin] end) : reduce(add) end
local function group_add(m, rec)
  local g = rec["g"]
  m[g] = (m[g] or 0) + rec["v"]
  return m
end
local function merge(a, b) return map.merge(a, b, add) end
function group(s) return s : aggregate(map(), group_add) : reduce(merge) end
function boom(s) return s : map(function(rec) error("stream boom", 0) end) end
"""


@pytest.fixture
def module(client: Any, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """`module(source)` -> the name of a freshly registered module holding `source`; every module
    made is removed after the test."""
    made: list[str] = []

    def make(source: str) -> str:
        name = f"m_{uuid.uuid4().hex[:10]}"
        path = tmp_path / f"{name}.lua"
        path.write_text(source)
        client.udf_put(str(path))
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            client.udf_remove(name)
        except aerospike.AerospikeError:
            pass


def run_query(client: Any, ns: str, set_name: str, build: Callable[[Any], Any], how: str = "results") -> Any:
    """Builds a query with `build(query)` and runs it on the client under test: `results()`,
    `foreach()` (collected) or iteration."""
    if getattr(client, "is_async", False):
        q = build(client.inner.query(ns, set_name))

        async def run() -> Any:
            if how == "results":
                return await q.results()
            if how == "foreach":
                out: list[Any] = []
                await q.foreach(out.append)
                return out
            if how == "background":
                return await q.execute_background()
            if how in ("arrow", "polars", "pandas"):
                return await getattr(q, f"to_{how}")()
            return [v async for v in q]

        return client._runner.run(run())
    q = build(client.query(ns, set_name))
    if how == "results":
        return q.results()
    if how == "foreach":
        out = []
        q.foreach(out.append)
        return out
    if how == "background":
        return q.execute_background()
    if how in ("arrow", "polars", "pandas"):
        return getattr(q, f"to_{how}")()
    return list(q)


def wait_job(client: Any, job_id: int, kind: str) -> dict[str, int]:
    deadline = time.monotonic() + 30
    while True:
        info = client.job_info(job_id, kind)
        if info["status"] == aerospike.JOB_STATUS_COMPLETED or time.monotonic() > deadline:
            return info
        time.sleep(0.05)


# ------------------------------------------------------------------------------ registry


def test_registry_put_list_get_remove(client: Any, module: Callable[[str], str]) -> None:
    name = module(RECORD_UDFS)
    listed = {m["name"]: m for m in client.udf_list()}
    assert f"{name}.lua" in listed
    assert listed[f"{name}.lua"]["type"] == aerospike.UDF_TYPE_LUA
    assert client.udf_get(name) == RECORD_UDFS
    assert client.udf_get(f"{name}.lua") == RECORD_UDFS
    client.udf_remove(name)
    assert f"{name}.lua" not in {m["name"] for m in client.udf_list()}
    with pytest.raises(aerospike.UDFError):
        client.udf_get(name)
    client.udf_remove(name)  # removing a module that is gone succeeds, as on the server


def test_udf_put_errors(client: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.lua"
    with pytest.raises(aerospike.ParamError, match="nowhere.lua"):
        client.udf_put(str(missing))
    with pytest.raises(aerospike.ParamError, match="udf_type"):
        client.udf_put(str(missing), udf_type=1)


def test_module_that_fails_to_compile(client: Any, tmp_path: Path) -> None:
    name = f"bad_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.lua"
    path.write_text("function f(rec)\n  return 1\nend end\n")
    with pytest.raises(aerospike.UDFError) as err:
        client.udf_put(str(path))
    assert err.value.result_code == 100
    assert f"{name}.lua:3:" in str(err.value)
    assert "near 'end'" in str(err.value)
    assert f"{name}.lua" not in {m["name"] for m in client.udf_list()}


def test_client_copy_in_lua_user_path(make_client: Any, config: dict[str, Any], tmp_path: Path, keys: Any) -> None:
    user_path = tmp_path / "copies"
    c = make_client({**config, "lua": {"user_path": str(user_path)}}).connect()
    src = tmp_path / "src"
    src.mkdir()
    name = f"m_{uuid.uuid4().hex[:10]}"
    (src / f"{name}.lua").write_text(STREAM_UDFS)
    c.udf_put(str(src / f"{name}.lua"))
    try:
        assert (user_path / f"{name}.lua").read_text() == STREAM_UDFS
        for i in range(3):
            c.put(keys(i), {"v": i})
        assert run_query(c, keys.namespace, keys.set, lambda q: q.apply(name, "count")) == [3]
    finally:
        c.udf_remove(name)
    assert not (user_path / f"{name}.lua").exists()


def test_lua_config_is_checked(make_client: Any, config: dict[str, Any]) -> None:
    with pytest.raises(aerospike.ParamError, match="lua"):
        make_client({**config, "lua": {"usr_path": "/tmp"}})


# ------------------------------------------------------------------------------ apply


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        ("ret_int", None, 42),
        ("ret_big", None, 2**63 - 1),
        ("ret_float", None, 3.5),
        ("ret_str", None, "héllo"),
        ("ret_true", None, True),
        ("ret_nil", None, None),
        ("ret_nothing", None, None),
        ("ret_list", None, [1, "a"]),
        ("ret_map", None, {"a": 1}),
        ("echo", [-7], -7),
        ("echo", [1.25], 1.25),
        ("echo", [b"\x00\x01\xff"], b"\x00\x01\xff"),
        ("echo", [[1, [2, "x"], {"k": 3}]], [1, [2, "x"], {"k": 3}]),
        ("echo", [{"a": [1, 2], "b": {"c": 1.5}}], {"a": [1, 2], "b": {"c": 1.5}}),
        ("get_bin", ["s"], "stored"),
        ("nargs", [1, "two", 3.0, None], 4),
    ],
)
def test_apply_return_values(client: Any, module: Callable[[str], str], keys: Any, function: str, args: Any, expected: Any) -> None:
    name = module(RECORD_UDFS)
    key = keys()
    client.put(key, {"s": "stored"})
    got = client.apply(key, name, function, args)
    assert got == expected
    assert type(got) is type(expected)


def test_apply_writes_the_record(client: Any, module: Callable[[str], str], keys: Any) -> None:
    name = module(RECORD_UDFS)
    key = keys()
    client.put(key, {"x": 1})
    assert client.apply(key, name, "setx", [5]) == 5
    _, meta, bins = client.get(key)
    assert bins == {"x": 5} and meta.gen == 2


def test_apply_errors(client: Any, module: Callable[[str], str], keys: Any) -> None:
    name = module(RECORD_UDFS)
    key = keys()
    client.put(key, {"x": 1})
    with pytest.raises(aerospike.UDFError) as err:
        client.apply(key, name, "boom")
    assert err.value.result_code == 100
    assert f"{name}.lua:2: kaboom" in str(err.value)
    with pytest.raises(aerospike.UDFError, match="plain message"):
        client.apply(key, name, "bare")
    with pytest.raises(aerospike.UDFError, match="function not found"):
        client.apply(key, name, "no_such_function")
    with pytest.raises(aerospike.UDFError, match="UDF: Execution Error 1"):
        client.apply(key, f"missing_{uuid.uuid4().hex[:8]}", "f")


def test_bad_arguments_raise_before_sending(client: Any, keys: Any) -> None:
    key = keys()
    with pytest.raises(TypeError, match=r"args\[1\]"):
        client.apply(key, "m", "f", [1, object()])
    with pytest.raises(TypeError, match="args"):
        client.apply(key, "m", "f", 5)
    with pytest.raises(aerospike.ParamError, match="module"):
        client.apply(key, "", "f")
    with pytest.raises(aerospike.ParamError):
        client.apply(key, "m", "")
    with pytest.raises(aerospike.ParamError, match="policy"):
        client.apply(key, "m", "f", None, {"no_such_key": 1})
    with pytest.raises(aerospike.ParamError, match="JOB_SCAN"):
        client.job_info(1, "other")


def test_infinite_loop_is_stopped_by_the_timeout(client: Any, module: Callable[[str], str], keys: Any) -> None:
    name = module(RECORD_UDFS)
    key = keys()
    client.put(key, {"x": 1})
    started = time.monotonic()
    with pytest.raises((aerospike.AerospikeTimeoutError, aerospike.UDFError)):
        client.apply(key, name, "spin", None, {"timeout": 500, "max_retries": 0})
    assert time.monotonic() - started < 10
    # The server keeps serving: the same record, and the same module, still work.
    assert client.get(key).bins == {"x": 1}
    assert client.apply(key, name, "ret_int") == 42


# ------------------------------------------------------------------------------ batch_apply


def test_batch_apply_same_udf_on_every_key(client: Any, module: Callable[[str], str], keys: Any) -> None:
    name = module(RECORD_UDFS)
    ks = keys.many(4)
    for i, k in enumerate(ks):
        client.put(k, {"x": i})
    result = client.batch_apply(ks, name, "get_bin", ["x"])
    assert isinstance(result, aerospike.BatchWriteResult)
    assert [br.result for br in result.batch_records] == [0, 0, 0, 0]
    assert [br.record.bins["SUCCESS"] for br in result.batch_records] == [0, 1, 2, 3]


def test_batch_apply_per_record_overrides(client: Any, module: Callable[[str], str], keys: Any) -> None:
    first = module(RECORD_UDFS)
    second = module(RECORD_UDFS.replace("return 42", "return 43"))
    ks = keys.many(7)
    for k in ks:
        client.put(k, {"x": 0})
    result = client.batch_apply(
        [
            ks[0],
            (ks[1], {"args": [5]}),
            (ks[2], {"args": []}),
            (ks[3], {"function": "ret_int", "args": []}),
            (ks[4], {"module": second, "function": "ret_int"}),
            (ks[5], {"function": "boom"}),
            (ks[6], {"ttl": 5000, "key": aerospike.POLICY_KEY_SEND, "commit_level": 0, "durable_delete": False}),
        ],
        first,
        "nargs",
        args=[1, 2],
    )
    rows = result.batch_records
    assert [r.result for r in rows] == [0, 0, 0, 0, 0, 100, 0]
    assert [rows[i].record.bins["SUCCESS"] for i in (0, 1, 2, 3, 4, 6)] == [2, 1, 0, 42, 43, 2]
    assert f"{first}.lua:2: kaboom" in rows[5].record.bins["FAILURE"]
    # The ttl override applies to that record only (a UDF that does not write leaves ttl alone,
    # so check with one that does).
    result = client.batch_apply([ks[0], (ks[1], {"ttl": 5000})], first, "setx", [9])
    assert [r.result for r in result.batch_records] == [0, 0]
    assert 4000 < client.get(ks[1]).meta.ttl <= 5000
    assert client.get(ks[0]).meta.ttl != client.get(ks[1]).meta.ttl


def test_batch_apply_bad_meta_raises_before_sending(client: Any, keys: Any) -> None:
    k = keys()
    with pytest.raises(aerospike.ParamError, match="BatchUDFMeta"):
        client.batch_apply([(k, {"modul": "x"})], "m", "f")
    with pytest.raises(TypeError, match=r"keys\[1\]"):
        client.batch_apply([k, (k, {"args": [object()]})], "m", "f")
    with pytest.raises(aerospike.ParamError, match="ttl"):
        client.batch_apply([(k, {"ttl": -9})], "m", "f")


# ------------------------------------------------------------------------------ aggregations


@pytest.fixture
def grouped(client: Any, keys: Any) -> Any:
    """Ten records: v = i, g = "even"/"odd"."""
    for i in range(10):
        client.put(keys(f"r{i}"), {"v": i, "g": "even" if i % 2 == 0 else "odd"})
    return keys


@pytest.mark.parametrize("how", ["results", "foreach", "iterate"])
def test_aggregation_over_a_scan(client: Any, module: Callable[[str], str], grouped: Any, how: str) -> None:
    name = module(STREAM_UDFS)
    ns, s = grouped.namespace, grouped.set
    assert run_query(client, ns, s, lambda q: q.apply(name, "count"), how) == [10]
    assert run_query(client, ns, s, lambda q: q.apply(name, "sum", ["v"]), how) == [45]
    assert run_query(client, ns, s, lambda q: q.apply(name, "group"), how) == [{"even": 20, "odd": 25}]


def test_aggregation_over_an_index_query(client: Any, module: Callable[[str], str], grouped: Any) -> None:
    name = module(STREAM_UDFS)
    ns, s = grouped.namespace, grouped.set
    index = f"ix_{uuid.uuid4().hex[:10]}"
    client.index_integer_create(ns, s, "v", index)
    try:
        where = p.between("v", 3, 7)
        assert run_query(client, ns, s, lambda q: q.where(where).apply(name, "count")) == [5]
        assert run_query(client, ns, s, lambda q: q.where(where).apply(name, "sum", ["v"])) == [25]
        assert run_query(client, ns, s, lambda q: q.where(where).apply(name, "group")) == [{"even": 10, "odd": 15}]
    finally:
        client.index_remove(ns, index)


def test_aggregation_errors(client: Any, module: Callable[[str], str], grouped: Any) -> None:
    name = module(STREAM_UDFS)
    ns, s = grouped.namespace, grouped.set
    with pytest.raises(aerospike.AerospikeError, match="stream boom"):
        run_query(client, ns, s, lambda q: q.apply(name, "boom"))
    with pytest.raises(aerospike.AerospikeError, match="function not found|not found"):
        run_query(client, ns, s, lambda q: q.apply(name, "no_such_function"))
    with pytest.raises(TypeError):
        run_query(client, ns, s, lambda q: q.apply(name, "sum", [object()]))


@pytest.mark.parametrize("how", ["arrow", "polars", "pandas"])
def test_aggregation_results_as_frames(client: Any, module: Callable[[str], str], grouped: Any, how: str) -> None:
    """Issue #7: Arrow output of aggregation results: a map result becomes a row with a column
    per key; scalar results one `value` column."""
    pytest.importorskip("pyarrow")
    pytest.importorskip(how if how != "arrow" else "pyarrow")
    name = module(STREAM_UDFS)
    ns, s = grouped.namespace, grouped.set
    frame = run_query(client, ns, s, lambda q: q.apply(name, "group"), how)
    rows = frame.to_pylist() if how == "arrow" else frame.to_dicts() if how == "polars" else frame.to_dict("records")
    assert rows == [{"even": 20, "odd": 25}]
    total = run_query(client, ns, s, lambda q: q.apply(name, "sum", ["v"]), how)
    values = total.column("value").to_pylist() if how == "arrow" else list(total["value"])
    assert values == [45]


def test_aggregation_never_loses_its_result(
    client: Any, make_client: Any, config: dict[str, Any], module: Callable[[str], str], grouped: Any
) -> None:
    """Regression: the `aerospike` crate's result stream could report its end while the final
    value was still queued (its poll read "empty" before the output pump pushed the value and
    "closed" after), so about one aggregation in 200 answered [] (and an aggregation error could
    be lost the same way). 300 aggregations, with another client's scan between them, must each
    answer the count: without the fix this fails on almost every run."""
    name = module(STREAM_UDFS)
    ns, s = grouped.namespace, grouped.set
    other = make_client(config).connect()
    wrong = []
    for i in range(300):
        if i % 4 == 0:
            assert len(run_query(other, ns, s, lambda q: q)) == 10
        got = run_query(client, ns, s, lambda q: q.apply(name, "count"))
        if got != [10]:
            wrong.append((i, got))
    assert wrong == []


def test_aggregation_of_an_empty_set(client: Any, module: Callable[[str], str], set_name: str, ns: str) -> None:
    name = module(STREAM_UDFS)
    assert run_query(client, ns, set_name, lambda q: q.apply(name, "count")) == []


# ------------------------------------------------------------------------------ background jobs


def test_background_job_over_a_scan(client: Any, module: Callable[[str], str], grouped: Any) -> None:
    name = module(RECORD_UDFS)
    ns, s = grouped.namespace, grouped.set
    job = run_query(client, ns, s, lambda q: q.apply(name, "setx", [77]), "background")
    assert isinstance(job, int)
    info = wait_job(client, job, aerospike.JOB_SCAN)
    assert info["status"] == aerospike.JOB_STATUS_COMPLETED
    assert info["progress_pct"] == 100
    assert all(client.get(grouped(f"r{i}")).bins["x"] == 77 for i in range(10))


def test_background_job_over_an_index_query(client: Any, module: Callable[[str], str], grouped: Any) -> None:
    name = module(RECORD_UDFS)
    ns, s = grouped.namespace, grouped.set
    index = f"ix_{uuid.uuid4().hex[:10]}"
    client.index_integer_create(ns, s, "v", index)
    try:
        job = run_query(client, ns, s, lambda q: q.where(p.between("v", 0, 4)).apply(name, "setx", [1]), "background")
        assert wait_job(client, job, aerospike.JOB_QUERY)["status"] == aerospike.JOB_STATUS_COMPLETED
        assert [client.get(grouped(f"r{i}")).bins.get("x") for i in range(10)] == [1] * 5 + [None] * 5
    finally:
        client.index_remove(ns, index)


def test_query_apply_and_scan_apply_are_the_official_spellings(client: Any, module: Callable[[str], str], grouped: Any) -> None:
    name = module(RECORD_UDFS)
    ns, s = grouped.namespace, grouped.set
    job = client.scan_apply(ns, s, name, "setx", [5])
    assert wait_job(client, job, aerospike.JOB_SCAN)["status"] == aerospike.JOB_STATUS_COMPLETED
    assert all(client.get(grouped(f"r{i}")).bins["x"] == 5 for i in range(10))
    index = f"ix_{uuid.uuid4().hex[:10]}"
    client.index_integer_create(ns, s, "v", index)
    try:
        job = client.query_apply(ns, s, p.between("v", 5, 9), name, "setx", [6])
        assert wait_job(client, job, aerospike.JOB_QUERY)["status"] == aerospike.JOB_STATUS_COMPLETED
        assert [client.get(grouped(f"r{i}")).bins["x"] for i in range(10)] == [5] * 5 + [6] * 5
    finally:
        client.index_remove(ns, index)
    with pytest.raises(aerospike.ParamError, match="options"):
        client.scan_apply(ns, s, name, "setx", [1], None, {"concurrent": True})


def test_background_job_needs_a_udf(client: Any, grouped: Any) -> None:
    with pytest.raises(aerospike.ParamError, match="apply"):
        run_query(client, grouped.namespace, grouped.set, lambda q: q, "background")
