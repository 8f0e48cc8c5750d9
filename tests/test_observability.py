"""Observability: Prometheus metrics (scraped over HTTP and parsed with prometheus_client's
parser), OpenTelemetry spans (the SDK's in-memory exporter) and the Rust core's log records in
Python's `logging`, for both clients. Every test restores the global switches it touches."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client.parser import text_string_to_metric_families

import aerospike_py as aerospike
from aerospike_py import _native
from aerospike_py import exception as ex
from aerospike_py import predicates as p


@pytest.fixture(autouse=True)
def restore_observability() -> Iterator[None]:
    metrics, stages = aerospike.is_metrics_enabled(), aerospike.is_internal_stage_metrics_enabled()
    level = logging.getLogger("aerospike_py").level
    yield
    aerospike.shutdown_tracing()
    aerospike.stop_metrics_server()
    aerospike.set_metrics_enabled(metrics)
    aerospike.set_internal_stage_metrics_enabled(stages)
    logging.getLogger("aerospike_py").setLevel(level)
    _native._sync_log_level()


@pytest.fixture
def fresh_set(ns: str, cleaner: aerospike.Client) -> Iterator[str]:
    """A set no other test uses, so its series start at zero; emptied afterwards."""
    name = f"obs_{uuid.uuid4().hex[:10]}"
    yield name
    for i in range(10):
        for key in ((ns, name, f"k{i}"), (ns, name, f"b{i}")):
            try:
                cleaner.remove(key)
            except ex.RecordNotFound:
                pass


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return answer.read().decode()


def samples(text: str, name: str, **labels: str) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of every sample called `name` whose labels include `labels`."""
    out = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                out.append((sample.labels, sample.value))
    return out


def value(text: str, name: str, **labels: str) -> float:
    found = samples(text, name, **labels)
    assert len(found) <= 1, found
    return found[0][1] if found else 0.0


def test_the_metrics_endpoint_counts_what_a_workload_did_errors_by_code_included(client: Any, ns: str, fresh_set: str) -> None:
    port = aerospike.start_metrics_server(port=0, addr="127.0.0.1")
    stop = threading.Event()
    scrapes: list[str] = []

    def scraper() -> None:  # Prometheus scraping while the commands run
        while not stop.is_set():
            scrapes.append(scrape(port))
            stop.wait(0.01)

    watcher = threading.Thread(target=scraper)
    watcher.start()
    try:
        for i in range(5):
            client.put((ns, fresh_set, f"k{i}"), {"i": i})
        for i in range(5):
            client.get((ns, fresh_set, f"k{i}"))
        for i in range(3):
            with pytest.raises(ex.RecordNotFound):
                client.get((ns, fresh_set, f"missing{i}"))
        with pytest.raises(ex.RecordExistsError):
            client.put((ns, fresh_set, "k0"), {"i": 0}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
        client.batch_read([(ns, fresh_set, f"k{i}") for i in range(4)])
    finally:
        stop.set()
        watcher.join()
    text = scrape(port)
    assert scrapes, "scraped at least once during the workload"
    labels = {"db_system_name": "aerospike", "db_namespace": ns, "db_collection_name": fresh_set}
    duration = "db_client_operation_duration_seconds"
    assert value(text, f"{duration}_count", **labels, db_operation_name="put", error_type="") == 5
    assert value(text, f"{duration}_count", **labels, db_operation_name="get", error_type="") == 5
    assert value(text, f"{duration}_count", **labels, db_operation_name="get", error_type="RecordNotFound") == 3
    assert value(text, f"{duration}_count", **labels, db_operation_name="batch_read", error_type="") == 1
    errors = "db_client_operation_errors_total"
    assert value(text, errors, **labels, db_operation_name="get", db_response_status_code="2", error_type="RecordNotFound") == 3
    assert value(text, errors, **labels, db_operation_name="put", db_response_status_code="5", error_type="RecordExistsError") == 1
    assert value(text, "db_client_operation_records_total", **labels, db_operation_name="batch_read") == 4
    # The histogram is a histogram: cumulative buckets from 100 µs to 10 s, +Inf equal to count.
    buckets = samples(text, f"{duration}_bucket", **labels, db_operation_name="get", error_type="")
    bounds = [b["le"] for b, _ in buckets]
    assert bounds[0] == "0.0001" and bounds[-2] == "10.0" and bounds[-1] == "+Inf"
    counts = [v for _, v in buckets]
    assert counts == sorted(counts) and counts[-1] == 5
    # A mid-workload scrape never showed more than the end.
    for earlier in scrapes:
        assert value(earlier, f"{duration}_count", **labels, db_operation_name="put", error_type="") <= 5
    assert text == aerospike.get_metrics() or "db_client_operation_duration_seconds" in aerospike.get_metrics()


def test_a_scan_counts_its_records(config: dict[str, Any], ns: str, fresh_set: str) -> None:
    with aerospike.client(config).connect() as client:
        for i in range(7):
            client.put((ns, fresh_set, f"k{i}"), {"i": i})
        assert len(client.query(ns, fresh_set).results()) == 7
    text = aerospike.get_metrics()
    labels = {"db_namespace": ns, "db_collection_name": fresh_set, "db_operation_name": "scan"}
    assert value(text, "db_client_operation_records_total", **labels) == 7
    assert value(text, "db_client_operation_duration_seconds_count", **labels, error_type="") == 1


def test_batches_are_labelled_by_the_namespace_and_set_their_keys_share(client: Any, ns: str, fresh_set: str, cleaner: aerospike.Client) -> None:
    other = f"{fresh_set}_b"
    count = "db_client_operation_duration_seconds_count"
    mixed = {"db_namespace": ns, "db_collection_name": "_mixed", "error_type": ""}
    ops = ("batch_write", "batch_operate", "batch_remove")
    before = aerospike.get_metrics()
    try:
        client.batch_write([((ns, fresh_set, f"b{i}"), {"i": i}) for i in range(3)])
        client.batch_write([((ns, fresh_set, "b3"), {"i": 3}), ((ns, other, "b0"), {"i": 0})])
        client.batch_operate([(ns, fresh_set, "b0"), (ns, other, "b0")], [{"op": aerospike.OPERATOR_READ, "bin": "i", "val": None}])
        client.batch_remove([(ns, fresh_set, "b3"), (ns, other, "b0")])
    finally:
        try:
            cleaner.remove((ns, other, "b0"))
        except ex.RecordNotFound:
            pass
    text = aerospike.get_metrics()
    assert value(text, count, db_namespace=ns, db_collection_name=fresh_set, db_operation_name="batch_write", error_type="") == 1
    assert value(text, "db_client_operation_records_total", db_namespace=ns, db_collection_name=fresh_set, db_operation_name="batch_write") == 3
    # Several sets: the bounded "_mixed" marker, never one series per set nor an empty label.
    for op in ops:
        assert value(text, count, **mixed, db_operation_name=op) == value(before, count, **mixed, db_operation_name=op) + 1, op
        assert not samples(text, count, db_collection_name=other, db_operation_name=op)


def test_batch_apply_is_labelled_by_its_keys(client: Any, ns: str, fresh_set: str, tmp_path: Any) -> None:
    module = f"obs_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.lua").write_text("function one(rec)\n  return 1\nend\n")
    client.udf_put(str(tmp_path / f"{module}.lua"))
    try:
        for i in range(3):
            client.put((ns, fresh_set, f"k{i}"), {"i": i})
        result = client.batch_apply([(ns, fresh_set, f"k{i}") for i in range(3)], module, "one", [])
        assert [br.record.bins["SUCCESS"] for br in result.batch_records] == [1, 1, 1]
    finally:
        client.udf_remove(module)
    labels = {"db_namespace": ns, "db_collection_name": fresh_set, "db_operation_name": "batch_apply"}
    text = aerospike.get_metrics()
    assert value(text, "db_client_operation_duration_seconds_count", **labels, error_type="") == 1
    assert value(text, "db_client_operation_records_total", **labels) == 3


@pytest.fixture(scope="module")
def faulty() -> Iterator[aerospike.LocalServer]:
    """A LocalServer of this module's own, to inject faults into."""
    if os.environ.get("AEROSPIKE_HOSTS"):
        pytest.skip("injects faults: needs LocalServer")
    with aerospike.LocalServer() as server:
        yield server


PARTITION_UNAVAILABLE = 11  # retried by the client (aerospike-client-c as_command.c, the crate's should_retry)


@pytest.mark.parametrize(
    "refusals, succeeds",
    [(3, False), (2, True)],
)
def test_retries_are_counted_per_operation(make_client: Any, faulty: aerospike.LocalServer, refusals: int, succeeds: bool) -> None:
    """max_retries=2: three attempts. Refused three times, the command fails after exactly two
    retries; refused twice, it succeeds on its third attempt (two retries as well)."""
    set_name = f"obs_{uuid.uuid4().hex[:10]}"
    client = make_client(faulty.config).connect()
    key = ("test", set_name, "r")
    client.put(key, {"v": 1})
    faulty.inject_fault(node=0, kind="result_code", result_code=PARTITION_UNAVAILABLE, times=refusals)
    policy = {"max_retries": 2, "sleep_between_retries": 1, "replica": aerospike.POLICY_REPLICA_MASTER}
    try:
        if succeeds:
            assert client.get(key, policy=policy)[2] == {"v": 1}
        else:
            with pytest.raises(ex.AerospikeError):
                client.get(key, policy=policy)
    finally:
        faulty.clear_faults()
    text = aerospike.get_metrics()
    labels = {"db_namespace": "test", "db_collection_name": set_name, "db_operation_name": "get"}
    assert value(text, "db_client_operation_retries_total", **labels) == 2
    assert value(text, "db_client_operation_retries_total", **{**labels, "db_operation_name": "put"}) == 0


def test_metrics_off_records_nothing(client: Any, ns: str, fresh_set: str) -> None:
    aerospike.set_metrics_enabled(False)
    assert aerospike.is_metrics_enabled() is False
    client.put((ns, fresh_set, "k0"), {"a": 1})
    with pytest.raises(ex.RecordNotFound):
        client.get((ns, fresh_set, "missing"))
    assert fresh_set not in aerospike.get_metrics()
    aerospike.set_metrics_enabled(True)
    client.get((ns, fresh_set, "k0"))
    assert value(aerospike.get_metrics(), "db_client_operation_duration_seconds_count", db_collection_name=fresh_set, db_operation_name="get", error_type="") == 1


def test_connection_pool_gauges_per_node(client: Any) -> None:
    client.get_node_names()
    text = aerospike.get_metrics()
    open_by_node = samples(text, "aerospike_client_connections_open")
    assert open_by_node, text
    assert all(labels["node"] and labels["server_address"] for labels, _ in open_by_node)
    assert any(v >= 1 for _, v in open_by_node)
    for name in ("aerospike_client_connections_in_use", "aerospike_client_connections_created_total", "aerospike_client_connections_closed_total"):
        assert samples(text, name), name


def test_stage_profiling_times_parse_send_wait_and_convert(client: Any, ns: str, fresh_set: str) -> None:
    assert aerospike.is_internal_stage_metrics_enabled() is False
    before = aerospike.get_metrics()
    with aerospike.internal_stage_profiling():
        client.put((ns, fresh_set, "k0"), {"a": 1})
    assert aerospike.is_internal_stage_metrics_enabled() is False
    after = aerospike.get_metrics()
    for stage in ("parse", "send", "wait", "convert"):  # convert: on the loop's thread for async
        name = "db_client_internal_stage_seconds_count"
        assert value(after, name, stage=stage, db_operation_name="put") == value(before, name, stage=stage, db_operation_name="put") + 1, stage


def test_the_metrics_server_restarts_on_a_new_port_404s_elsewhere_and_stops() -> None:
    first = aerospike.start_metrics_server(port=0, addr="127.0.0.1")
    second = aerospike.start_metrics_server(port=0, addr="127.0.0.1")
    assert "# TYPE db_client_operation_duration_seconds histogram" in scrape(second)
    with pytest.raises(urllib.error.URLError):
        scrape(first)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"http://127.0.0.1:{second}/other", timeout=10)
    assert info.value.code == 404
    info.value.close()
    aerospike.stop_metrics_server()
    with pytest.raises(urllib.error.URLError):
        scrape(second)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="cannot serve metrics"):
            aerospike.start_metrics_server(port=taken.getsockname()[1], addr="127.0.0.1")


# ----- tracing -----------------------------------------------------------------------------------


@pytest.fixture
def spans() -> Iterator[tuple[InMemorySpanExporter, Any]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    aerospike.init_tracing(provider)
    yield exporter, provider.get_tracer("app")
    aerospike.shutdown_tracing()
    provider.shutdown()


def check_command_span(span: Any, op: str, parent: Any, ns: str, set_name: str, config: dict[str, Any]) -> None:
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
    assert span.context.trace_id == parent.get_span_context().trace_id
    assert span.name == f"{op} {ns}.{set_name}"
    assert span.kind == SpanKind.CLIENT
    assert span.status.status_code == StatusCode.UNSET
    host, port = config["hosts"][0]
    assert dict(span.attributes or {}) == {
        "db.system.name": "aerospike",
        "db.namespace": ns,
        "db.collection.name": set_name,
        "db.operation.name": op,
        "server.address": host,
        "server.port": port,
    }


def test_command_spans_are_children_of_the_callers_span(spans: Any, ns: str, fresh_set: str, config: dict[str, Any]) -> None:
    exporter, tracer = spans
    with aerospike.client(config).connect() as client, tracer.start_as_current_span("handle request") as request:
        client.put((ns, fresh_set, "k0"), {"a": 1})
        client.get((ns, fresh_set, "k0"))
    put, get, parent = exporter.get_finished_spans()
    assert parent.name == "handle request"
    check_command_span(put, "PUT", request, ns, fresh_set, config)
    check_command_span(get, "GET", request, ns, fresh_set, config)


def test_async_command_spans_are_children_of_their_own_tasks_span(spans: Any, ns: str, fresh_set: str, config: dict[str, Any]) -> None:
    """Concurrent requests (as in a FastAPI app): each command's parent is its own task's span."""
    exporter, tracer = spans

    async def handle(client: aerospike.AsyncClient, i: int) -> Any:
        with tracer.start_as_current_span(f"request {i}") as request:
            await client.put((ns, fresh_set, f"k{i}"), {"i": i})
            await asyncio.sleep(0)
            await client.get((ns, fresh_set, f"k{i}"))
            return request

    async def main() -> list[Any]:
        client = aerospike.AsyncClient(config)
        await client.connect()
        try:
            return await asyncio.gather(*(handle(client, i) for i in range(3)))
        finally:
            await client.close()

    requests = asyncio.run(main())
    finished = exporter.get_finished_spans()
    for request in requests:
        children = [s for s in finished if s.parent is not None and s.parent.span_id == request.get_span_context().span_id]
        assert sorted(s.name.split()[0] for s in children) == ["GET", "PUT"]
        for child in children:
            check_command_span(child, child.name.split()[0], request, ns, fresh_set, config)


def test_a_failed_command_span_has_error_type_code_and_status(client: Any, spans: Any, ns: str, fresh_set: str) -> None:
    exporter, tracer = spans
    with tracer.start_as_current_span("request"), pytest.raises(ex.RecordNotFound):
        client.get((ns, fresh_set, "missing"))
    failed = exporter.get_finished_spans()[0]
    assert failed.status.status_code == StatusCode.ERROR
    assert failed.attributes is not None
    assert failed.attributes["error.type"] == "RecordNotFound"
    assert failed.attributes["db.response.status_code"] == "2"


def test_without_a_current_span_a_command_span_is_a_root(client: Any, spans: Any, ns: str, fresh_set: str) -> None:
    exporter, _ = spans
    client.put((ns, fresh_set, "k0"), {"a": 1})
    (span,) = exporter.get_finished_spans()
    assert span.parent is None


def test_no_spans_after_shutdown_tracing(client: Any, spans: Any, ns: str, fresh_set: str) -> None:
    exporter, _ = spans
    aerospike.shutdown_tracing()
    client.put((ns, fresh_set, "k0"), {"a": 1})
    assert exporter.get_finished_spans() == ()


def test_a_span_is_stamped_within_its_call(client: Any, spans: Any, ns: str, fresh_set: str) -> None:
    exporter, _ = spans
    before = time.time_ns()
    client.put((ns, fresh_set, "k0"), {"a": 1})
    after = time.time_ns()
    (span,) = exporter.get_finished_spans()
    assert before <= span.start_time <= span.end_time <= after


def run_query(client: Any, is_async: bool, ns: str, set_name: str, how: str, predicate: Any = None, tracer: Any = None) -> Any:
    """Runs a query (or scan) of `set_name` one way, on the client under test, inside a span
    "request" of `tracer` if given (made in the task that runs the query): what it returned, or
    (what it returned, the request span)."""

    def query(q: Any) -> Any:
        if predicate is not None:
            q.where(predicate)
        return q

    def sync_run() -> Any:
        q = query(client.query(ns, set_name))
        if how == "results":
            return q.results()
        if how == "foreach":
            seen: list[Any] = []
            q.foreach(seen.append)
            return seen
        if how == "to_arrow":
            return q.to_arrow()
        if how == "arrow_batches":
            return list(q.arrow_batches(batch_size=2))
        if how == "break":  # the stream is dropped when the loop is left
            for record in q.records():
                return record
        raise AssertionError(how)

    async def async_run() -> Any:
        q = query(client.inner.query(ns, set_name))
        if how == "results":
            return await q.results()
        if how == "foreach":
            seen: list[Any] = []
            await q.foreach(seen.append)
            return seen
        if how == "to_arrow":
            return await q.to_arrow()
        if how == "arrow_batches":
            return [b async for b in q.arrow_batches(batch_size=2)]
        if how == "break":  # the stream is dropped with the coroutine's frame
            async for record in q.records():
                return record
        raise AssertionError(how)

    if not is_async:
        if tracer is None:
            return sync_run()
        with tracer.start_as_current_span("request") as request:
            return sync_run(), request

    async def in_span() -> Any:
        with tracer.start_as_current_span("request") as request:
            return await async_run(), request

    return client._runner.run(async_run() if tracer is None else in_span())


@pytest.mark.parametrize("how", ["results", "foreach", "to_arrow", "arrow_batches"])
def test_a_scan_is_one_span_under_the_callers_span_with_the_rows_it_returned(
    client: Any, is_async: bool, spans: Any, ns: str, fresh_set: str, config: dict[str, Any], how: str
) -> None:
    for i in range(5):
        client.put((ns, fresh_set, f"k{i}"), {"i": i})
    exporter, tracer = spans
    exporter.clear()
    _, request = run_query(client, is_async, ns, fresh_set, how, tracer=tracer)
    scan, parent = exporter.get_finished_spans()
    assert parent.name == "request"
    assert scan.parent is not None and scan.parent.span_id == request.get_span_context().span_id
    assert scan.name == f"SCAN {ns}.{fresh_set}" and scan.kind == SpanKind.CLIENT
    assert scan.status.status_code == StatusCode.UNSET
    host, port = config["hosts"][0]
    assert dict(scan.attributes or {}) == {
        "db.system.name": "aerospike",
        "db.namespace": ns,
        "db.collection.name": fresh_set,
        "db.operation.name": "SCAN",
        "server.address": host,
        "server.port": port,
        "db.response.returned_rows": 5,
    }


def test_a_query_span_and_a_failed_query(client: Any, is_async: bool, spans: Any, ns: str, fresh_set: str) -> None:
    for i in range(4):
        client.put((ns, fresh_set, f"k{i}"), {"i": i})
    index = f"obs_{uuid.uuid4().hex[:8]}"
    exporter, _ = spans
    with pytest.raises(ex.AerospikeError) as no_index:  # no index on "i" yet
        run_query(client, is_async, ns, fresh_set, "results", p.equals("i", 2))
    client.index_integer_create(ns, fresh_set, "i", index)
    try:
        assert len(run_query(client, is_async, ns, fresh_set, "results", p.between("i", 1, 2))) == 2
    finally:
        client.index_remove(ns, index)
    failed, query = [s for s in exporter.get_finished_spans() if s.name == f"QUERY {ns}.{fresh_set}"]
    assert failed.status.status_code == StatusCode.ERROR
    assert failed.attributes is not None and failed.attributes["error.type"] == no_index.type.__name__
    assert failed.attributes["db.response.returned_rows"] == 0
    assert query.status.status_code == StatusCode.UNSET
    assert query.attributes is not None and query.attributes["db.operation.name"] == "QUERY"
    assert query.attributes["db.response.returned_rows"] == 2
    text = aerospike.get_metrics()
    labels = {"db_namespace": ns, "db_collection_name": fresh_set, "db_operation_name": "query"}
    assert value(text, "db_client_operation_duration_seconds_count", **labels, error_type="") == 1
    assert value(text, "db_client_operation_records_total", **labels) == 2
    assert sum(v for _, v in samples(text, "db_client_operation_errors_total", **labels)) == 1


def test_a_scan_stopped_early_ends_its_span_as_stopped(client: Any, is_async: bool, spans: Any, ns: str, fresh_set: str) -> None:
    for i in range(5):
        client.put((ns, fresh_set, f"k{i}"), {"i": i})
    exporter, _ = spans
    exporter.clear()
    assert run_query(client, is_async, ns, fresh_set, "break") is not None
    (scan,) = exporter.get_finished_spans()
    assert scan.status.status_code == StatusCode.UNSET
    assert scan.attributes is not None
    assert scan.attributes["aerospike.query.stopped"] is True
    assert scan.attributes["db.response.returned_rows"] == 1


def test_a_cancelled_async_scan_ends_its_span(spans: Any, ns: str, fresh_set: str, config: dict[str, Any], cleaner: aerospike.Client) -> None:
    for i in range(5):
        cleaner.put((ns, fresh_set, f"k{i}"), {"i": i})
    exporter, _ = spans
    exporter.clear()

    async def main() -> None:
        client = aerospike.AsyncClient(config)
        await client.connect()
        try:
            task = asyncio.ensure_future(client.query(ns, fresh_set).results())
            await asyncio.sleep(0)  # started
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await client.close()

    asyncio.run(main())
    deadline = time.monotonic() + 20  # the aborted command is dropped on a runtime thread
    while not exporter.get_finished_spans() and time.monotonic() < deadline:
        time.sleep(0.01)
    (scan,) = exporter.get_finished_spans()
    assert scan.name == f"SCAN {ns}.{fresh_set}"


# ----- logging -----------------------------------------------------------------------------------


def aerospike_records(caplog: pytest.LogCaptureFixture, prefix: str = "aerospike_py") -> list[logging.LogRecord]:
    _native._flush_logs()
    return [r for r in caplog.records if r.name.startswith(prefix)]


def test_a_connection_failure_is_logged(make_client: Any, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    caplog.set_level(logging.INFO, logger="aerospike_py")
    with pytest.raises(ex.ConnectionError):
        make_client({"hosts": [("127.0.0.1", closed)], "timeout": 1000}).connect()
    warnings = [r for r in aerospike_records(caplog) if r.levelno >= logging.WARNING]
    assert any(f"127.0.0.1:{closed}" in r.getMessage() for r in warnings), [r.getMessage() for r in warnings]
    assert any(r.name == "aerospike_py.connection" and r.levelno == logging.WARNING for r in warnings)


def test_a_node_lost_under_a_connected_client_is_logged(config: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    if "AEROSPIKE_HOSTS" in os.environ:
        pytest.skip("stops a LocalServer of its own")
    caplog.set_level(logging.INFO, logger="aerospike_py")
    _native._sync_log_level()
    server = aerospike.LocalServer().start()
    client = aerospike.client(server.config).connect()
    try:
        (node,) = client.get_node_names()
        joined = f"node {node} "
        for _ in range(50):
            if any(joined in r.getMessage() and "joined" in r.getMessage() for r in aerospike_records(caplog)):
                break
            threading.Event().wait(0.1)
        server.stop()
        # The tend (every second) finds the node gone: the crate warns, and we log it leaving.
        for _ in range(200):  # the crate drops a node after 5 failed tends
            records = aerospike_records(caplog)
            if any("left the cluster" in r.getMessage() for r in records):
                break
            threading.Event().wait(0.1)
    finally:
        client.close()
    by_message = {r.getMessage(): r for r in aerospike_records(caplog)}
    joins = [r for m, r in by_message.items() if joined in m and "joined the cluster" in m]
    assert joins and joins[0].levelno == logging.INFO and joins[0].name == "aerospike_py.cluster"
    leaves = [r for m, r in by_message.items() if joined in m and "left the cluster" in m]
    assert leaves and leaves[0].levelno == logging.WARNING
    assert any(r.levelno == logging.WARNING and r.name.startswith("aerospike_py.aerospike_core") for r in by_message.values())


def test_record_not_found_is_not_logged(client: Any, caplog: pytest.LogCaptureFixture, ns: str, fresh_set: str) -> None:
    caplog.set_level(logging.DEBUG, logger="aerospike_py")
    _native._sync_log_level()
    _native._flush_logs()
    caplog.clear()
    with pytest.raises(ex.RecordNotFound):
        client.get((ns, fresh_set, "missing"))
    logged = aerospike_records(caplog)
    assert [r for r in logged if r.levelno >= logging.WARNING] == []
    assert [r for r in logged if "missing" in r.getMessage() or "not found" in r.getMessage().lower()] == []


def test_set_log_level_filters_the_rust_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(5)  # the root takes everything: only our logger's level filters
    aerospike.set_log_level(aerospike.LOG_LEVEL_ERROR)
    _native._log(2, "obs_test::cluster", "a warning below ERROR")
    _native._log(1, "obs_test::cluster", "an error")
    aerospike.set_log_level(aerospike.LOG_LEVEL_DEBUG)
    _native._log(4, "obs_test::batch", "a debug record")
    got = [(r.name, r.levelno, r.getMessage()) for r in aerospike_records(caplog, "aerospike_py.obs_test")]
    assert got == [
        ("aerospike_py.obs_test.cluster", logging.ERROR, "an error"),
        ("aerospike_py.obs_test.batch", logging.DEBUG, "a debug record"),
    ]
    aerospike.set_log_level(aerospike.LOG_LEVEL_OFF)
    _native._log(1, "obs_test::cluster", "nobody wants this")
    assert len(aerospike_records(caplog, "aerospike_py.obs_test")) == 2
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        aerospike.set_log_level(7)


def test_the_standard_set_level_reaches_the_rust_side(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(5)
    logging.getLogger("aerospike_py").setLevel(logging.ERROR)
    _native._sync_log_level()
    logging.getLogger("aerospike_py").setLevel(logging.DEBUG)  # without set_log_level
    for _ in range(40):  # the bridge re-reads the level about once a second
        _native._log(4, "obs_test::cluster", "debug via setLevel")
        if aerospike_records(caplog, "aerospike_py.obs_test"):
            break
        threading.Event().wait(0.1)
    assert [r.getMessage() for r in aerospike_records(caplog, "aerospike_py.obs_test")][:1] == ["debug via setLevel"]


def test_records_beyond_the_queue_are_counted_as_dropped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="aerospike_py")
    _native._sync_log_level()
    before = aerospike.dropped_log_count()
    # The delivering thread needs the GIL, which this loop holds: the queue fills up.
    for i in range(20_000):
        _native._log(2, "flood", "record")
    _native._flush_logs()
    dropped = aerospike.dropped_log_count() - before
    delivered = len([r for r in caplog.records if r.name == "aerospike_py.flood"])
    assert dropped > 0
    assert delivered + dropped == 20_000
