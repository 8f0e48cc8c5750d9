"""Logging levels, tracing and stage profiling: the Python half of the observability API (the
metrics registry, its HTTP server and the log bridge are in Rust, ``_native``).

Spans are made here, through the OpenTelemetry Python API, rather than by a Rust SDK: the caller's
current span lives in Python's context (a contextvar, per asyncio task), so a span started with
the API from the calling thread is its child with no propagation step, and it goes to whatever
``TracerProvider`` the application configured (OTLP, the SDK's in-memory exporter in tests).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import _native
from .constants import LOG_LEVEL_DEBUG, LOG_LEVEL_ERROR, LOG_LEVEL_INFO, LOG_LEVEL_OFF, LOG_LEVEL_TRACE, LOG_LEVEL_WARN

logger = logging.getLogger("aerospike_py")
# A library logs to a NullHandler; the application decides where records go.
logger.addHandler(logging.NullHandler())

TRACE = 5
logging.addLevelName(TRACE, "TRACE")

_PYTHON_LEVELS = {
    LOG_LEVEL_OFF: logging.CRITICAL + 1,
    LOG_LEVEL_ERROR: logging.ERROR,
    LOG_LEVEL_WARN: logging.WARNING,
    LOG_LEVEL_INFO: logging.INFO,
    LOG_LEVEL_DEBUG: logging.DEBUG,
    LOG_LEVEL_TRACE: TRACE,
}


def get_metrics() -> str:
    """Everything the clients measured, in the Prometheus text format (0.0.4).

    ``db_client_operation_duration_seconds`` (histogram, 100 µs to 10 s) per
    ``db_operation_name``, ``db_namespace``, ``db_collection_name`` (the set) and ``error_type``
    (empty on success, else the exception class); ``db_client_operation_errors_total`` by
    ``db_response_status_code``; ``db_client_operation_timeouts_total``;
    ``db_client_operation_retries_total`` (re-sends of commands that failed in the end);
    ``db_client_operation_records_total`` (batches, scans, queries); a batch over several sets
    has the set label ``_mixed``; ``db_client_internal_stage_seconds``
    (stage profiling); per node ``aerospike_client_connections_open``, ``..._in_use``,
    ``..._created_total`` and ``..._closed_total``.

    >>> client.put(("test", "doc", "metrics"), {"a": 1})
    >>> text = aerospike.get_metrics()
    >>> 'db_operation_name="put"' in text and text.rstrip().endswith("# EOF")
    True
    """
    return _native.get_metrics()


def start_metrics_server(port: int = 9464, addr: str = "0.0.0.0") -> int:
    """Serves ``get_metrics()`` at ``http://addr:port/metrics`` from a Rust thread (scrapes
    never take the GIL) and returns the port (useful with ``port=0``: any free port). Starting
    again replaces the running server. ``OSError`` if the address cannot be bound.

    >>> import urllib.request
    >>> port = aerospike.start_metrics_server(port=0, addr="127.0.0.1")
    >>> with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as answer:
    ...     answer.status
    200
    >>> aerospike.stop_metrics_server()
    """
    return _native.start_metrics_server(port, addr)


def stop_metrics_server() -> None:
    """Stops the metrics server (the port is free when it returns); nothing if none runs.

    >>> aerospike.stop_metrics_server()
    """
    _native.stop_metrics_server()


def set_metrics_enabled(enabled: bool) -> None:
    """Turns metrics collection on (the default) or off. Off, a command only reads a flag: no
    clock, no counter. Connection counters of live clients follow the switch.

    >>> aerospike.set_metrics_enabled(False)
    >>> aerospike.is_metrics_enabled()
    False
    >>> aerospike.set_metrics_enabled(True)
    """
    _native.set_metrics_enabled(enabled)


def is_metrics_enabled() -> bool:
    """Whether commands are measured (True by default).

    >>> aerospike.is_metrics_enabled()
    True
    """
    return _native.is_metrics_enabled()


def set_internal_stage_metrics_enabled(enabled: bool) -> None:
    """Turns internal stage profiling on or off (off by default; ``AEROSPIKE_PY_INTERNAL_METRICS=1``
    turns it on at import). On, ``db_client_internal_stage_seconds{stage, db_operation_name}``
    times each command's ``parse`` (arguments to a request), ``send`` (to the command starting on
    the runtime, ``max_concurrent_operations`` queue included), ``wait`` (the network round trip)
    and ``convert`` (the answer to Python objects; for ``AsyncClient`` on the loop's thread).

    >>> aerospike.set_internal_stage_metrics_enabled(True)
    >>> client.put(("test", "doc", "staged"), {"a": 1})
    >>> 'stage="wait",db_operation_name="put"' in aerospike.get_metrics()
    True
    >>> aerospike.set_internal_stage_metrics_enabled(False)
    """
    _native.set_internal_stage_metrics_enabled(enabled)


def is_internal_stage_metrics_enabled() -> bool:
    """Whether internal stage profiling is on (False by default).

    >>> aerospike.is_internal_stage_metrics_enabled()
    False
    """
    return _native.is_internal_stage_metrics_enabled()


def dropped_log_count() -> int:
    """Log records of the Rust core that never reached ``logging``: the queue to Python was full
    (4096 records waiting for the GIL), or Python was shutting down (then WARN and ERROR records
    go to stderr instead).

    >>> aerospike.dropped_log_count() >= 0
    True
    """
    return _native.dropped_log_count()


def set_log_level(level: int) -> None:
    """Sets the level of the ``aerospike_py`` logger (and so of every record the Rust core
    forwards, under ``aerospike_py.*``) from a ``LOG_LEVEL_*`` constant.

    ``logging.getLogger("aerospike_py").setLevel(...)`` works as well; this also makes the Rust
    side stop formatting records below the level at once.

    >>> import logging
    >>> aerospike.set_log_level(aerospike.LOG_LEVEL_DEBUG)
    >>> logging.getLogger("aerospike_py").level == logging.DEBUG
    True
    >>> logging.getLogger("aerospike_py").setLevel(logging.NOTSET)
    """
    if level not in _PYTHON_LEVELS:
        raise ValueError(f"level must be one of the LOG_LEVEL_* constants (-1 to 4), not {level!r}")
    logger.setLevel(_PYTHON_LEVELS[level])
    _native._sync_log_level()


@contextmanager
def internal_stage_profiling() -> Iterator[None]:
    """Turns internal stage profiling on for a block and restores the previous state after it,
    even when the block raises.

    >>> with aerospike.internal_stage_profiling():
    ...     aerospike.is_internal_stage_metrics_enabled()
    True
    >>> aerospike.is_internal_stage_metrics_enabled()
    False
    """
    previous = is_internal_stage_metrics_enabled()
    set_internal_stage_metrics_enabled(True)
    try:
        yield
    finally:
        set_internal_stage_metrics_enabled(previous)


# ----- tracing -----------------------------------------------------------------------------------

_tracer: Any = None
# The provider init_tracing made itself (and so shuts down), if it made one.
_own_provider: Any = None


def init_tracing(tracer_provider: Any = None) -> None:
    """Starts an OpenTelemetry span (kind CLIENT) for every command of every client, a child of
    the caller's current span, with the database semantic conventions' attributes
    (``db.system.name``, ``db.namespace``, ``db.collection.name``, ``db.operation.name``,
    ``server.address``, ``server.port``; on failure ``error.type``,
    ``db.response.status_code`` and status ERROR). A scan or query run is one span (``SCAN ns.set``,
    ``QUERY ns.set``) from the call to the end of its stream, with ``db.response.returned_rows``;
    one closed before its end has ``aerospike.query.stopped``. Needs ``aerospike-py[otel]``.

    Spans go to ``tracer_provider`` if given, else to the application's global provider if it
    set one. Otherwise a provider is made from the ``OTEL_*`` environment variables: service
    ``OTEL_SERVICE_NAME`` (default ``aerospike-py``), OTLP/HTTP export to
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` unless ``OTEL_TRACES_EXPORTER=none``; ``OTEL_SDK_DISABLED=true``
    leaves tracing off. Calling it again replaces the previous setup.

    >>> from opentelemetry.sdk.trace import TracerProvider
    >>> from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    >>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    >>> exporter = InMemorySpanExporter()
    >>> provider = TracerProvider()
    >>> provider.add_span_processor(SimpleSpanProcessor(exporter))
    >>> aerospike.init_tracing(provider)
    >>> client.put(("test", "doc", "traced"), {"a": 1})
    >>> rows = client.query("test", "doc").results()
    >>> [(s.name, s.attributes["db.operation.name"]) for s in exporter.get_finished_spans()]
    [('PUT test.doc', 'PUT'), ('SCAN test.doc', 'SCAN')]
    >>> exporter.get_finished_spans()[1].attributes["db.response.returned_rows"] == len(rows)
    True
    >>> aerospike.shutdown_tracing()
    """
    global _tracer, _own_provider, _CLIENT_KIND
    try:
        from opentelemetry import trace
    except ImportError:
        logger.warning("init_tracing: opentelemetry is not installed (pip install 'aerospike-py[otel]'); tracing stays off")
        return
    shutdown_tracing()
    if tracer_provider is None:
        if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            return
        tracer_provider = _configured_provider(trace)
    _CLIENT_KIND = trace.SpanKind.CLIENT
    _tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer("aerospike_py", _version())
    _native._set_tracer((_start_span, _end_span))


def shutdown_tracing() -> None:
    """Stops making spans and, if ``init_tracing`` made its own provider, flushes and shuts it
    down. Safe to call when tracing is off.

    >>> aerospike.shutdown_tracing()
    """
    global _tracer, _own_provider
    _native._set_tracer(None)
    _tracer = None
    provider, _own_provider = _own_provider, None
    if provider is not None:
        provider.shutdown()


def _configured_provider(trace: Any) -> Any:
    """None when the application set a global SDK provider (use it); else one made from the
    ``OTEL_*`` variables, when the SDK is installed."""
    global _own_provider
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        return None
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "aerospike-py")}))
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() != "none":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            logger.warning("init_tracing: no OTLP exporter installed (pip install 'aerospike-py[otel]'); spans are not exported")
        else:
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _own_provider = provider
    return provider


def _version() -> str:
    from . import __version__

    return __version__


# The span name and attributes of each (operation, namespace, set, address, port), made once: a
# command's span costs the SDK's work, not ours. Bounded like the metrics' labels.
_span_cache: dict[tuple[str, str, str, str | None, int | None], tuple[str, dict[str, Any]]] = {}
_SPAN_ARGS_MAX = 4096
_CLIENT_KIND: Any = None


def _make_span_args(op: str, namespace: str, set_name: str, address: str | None, port: int | None) -> tuple[str, dict[str, Any]]:
    operation = op.upper()
    attributes: dict[str, Any] = {"db.system.name": "aerospike", "db.namespace": namespace, "db.operation.name": operation}
    if set_name:
        attributes["db.collection.name"] = set_name
    if address is not None:
        attributes["server.address"] = address
        attributes["server.port"] = port
    target = f"{namespace}.{set_name}" if set_name else namespace
    return (f"{operation} {target}" if target else operation), attributes


def _start_span(op: str, namespace: str, set_name: str, address: str | None, port: int | None) -> Any:
    """Called by the Rust core, GIL held, in the caller's context: the command's span."""
    tracer = _tracer
    if tracer is None:
        return None
    labels = (op, namespace, set_name, address, port)
    args = _span_cache.get(labels)
    if args is None:
        args = _make_span_args(*labels)
        if len(_span_cache) < _SPAN_ARGS_MAX:
            _span_cache[labels] = args
    # The SDK copies the attributes into the span: the cached dict is never changed.
    return tracer.start_span(args[0], kind=_CLIENT_KIND, attributes=args[1])


def _end_span(span: Any, exc: BaseException | None, end_time: int, rows: int | None = None, stopped: bool = False) -> None:
    """Called by the Rust core for a command that failed, or a query or scan run that ended,
    with the exception it raises if any, when it ended (ns since the epoch) and, for a query,
    the records it handed out and whether it was closed before its end. (A command that
    succeeded ends its span with ``span.end(end_time)`` directly.)"""
    if rows is not None:
        span.set_attribute("db.response.returned_rows", rows)
    if stopped:
        span.set_attribute("aerospike.query.stopped", True)
    if exc is not None:
        from opentelemetry.trace import Status, StatusCode

        span.set_attribute("error.type", type(exc).__name__)
        code = getattr(exc, "code", None)
        if code is not None:
            span.set_attribute("db.response.status_code", str(code))
        span.set_status(Status(StatusCode.ERROR, str(exc)))
    span.end(end_time)


__all__ = [
    "dropped_log_count",
    "get_metrics",
    "init_tracing",
    "internal_stage_profiling",
    "is_internal_stage_metrics_enabled",
    "is_metrics_enabled",
    "set_internal_stage_metrics_enabled",
    "set_log_level",
    "set_metrics_enabled",
    "shutdown_tracing",
    "start_metrics_server",
    "stop_metrics_server",
]
