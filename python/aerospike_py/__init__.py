"""aerospike-py: an Arrow-native Python client for Aerospike with a Rust core.

>>> import aerospike_py as aerospike
>>> with aerospike.LocalServer() as server:
...     with aerospike.client(server.config).connect() as client:
...         client.put(("test", "demo", "user1"), {"name": "Alice", "age": 30})
...         key, meta, bins = client.get(("test", "demo", "user1"))
>>> bins
{'name': 'Alice', 'age': 30}
>>> meta.gen
1
"""

from __future__ import annotations


from . import bit_operations, cdt_ctx, exception, exp, hll_operations, list_operations, map_operations, predicates
from ._native import AsyncClient, Client, LazyBatchRecords, LocalServer, build_profile, calc_digest
from ._native import ArrowBatch, ArrowBatchStream, AsyncQuery, PartitionFilter, Query, RecordStream
from .predicates import partition_filter_all, partition_filter_by_id, partition_filter_by_key, partition_filter_by_range
from .constants import *  # noqa: F403 - the constants are part of the top-level API
from .constants import __all__ as _constants
from .exception import *  # noqa: F403 - so are the exception classes
from .exception import __all__ as _exceptions
# The official client's names that shadow builtins: reachable as aerospike_py.X, never star-exported.
from .exception import ConnectionError, IndexError, TimeoutError  # noqa: A004
from .types import ClientConfig
from ._observability import __all__ as _observability
from ._observability import (
    dropped_log_count,
    get_metrics,
    init_tracing,
    internal_stage_profiling,
    is_internal_stage_metrics_enabled,
    is_metrics_enabled,
    set_internal_stage_metrics_enabled,
    set_log_level,
    set_metrics_enabled,
    shutdown_tracing,
    start_metrics_server,
    stop_metrics_server,
)
from .types import BatchRecord, BatchWriteResult, BinTuple, ExistsResult, GeoJSON, HyperLogLog, Key, OperateOrderedResult, Record, RecordMetadata

__version__ = "0.1.0"

# `build_profile` is the cargo profile the extension was built with (build.rs): "release" for
# `pip install .`, wheels and `maturin develop --release`, "debug" for `maturin develop`.
if build_profile != "release":
    import warnings

    warnings.warn(
        f"aerospike_py is a debug build ({build_profile} profile, from `maturin develop`) and runs several times "
        "slower than a release build; for one: `pip install .` or `maturin develop --release`",
        RuntimeWarning,
        stacklevel=2,
    )

# UDFs and background jobs (the official client's names). `udf_put` keeps a copy of each module in
# the client's lua user path, `config["lua"]["user_path"]` (default: a per-process directory under
# the system temp dir), where the final reduce of a stream aggregation (`query.apply`) loads it.
UDF_TYPE_LUA = 0
JOB_SCAN = "scan"
JOB_QUERY = "query"
JOB_STATUS_UNDEF = 0
JOB_STATUS_INPROGRESS = 1
JOB_STATUS_COMPLETED = 2

def client(config: ClientConfig) -> Client:
    """A synchronous client for the cluster that ``config`` describes; call ``connect()`` next.

    ``config`` takes ``hosts`` (a list of ``(address, port)``), and optionally ``cluster_name``,
    ``user``/``password``, ``timeout`` (connect timeout, ms), ``policies`` (per-family
    defaults: ``{"read": {...}, "write": {...}, "operate": {...}, "remove": {...}, "batch": {...},
    "query": {...}}``; ``"scan"`` is taken as ``"query"``) and ``lua``
    (``{"user_path": dir}``: where ``udf_put`` keeps the module copies that aggregations reduce
    with; default a per-process temp dir). An unknown key raises ``ParamError``.
    """
    return Client(config)


def async_client(config: ClientConfig) -> AsyncClient:
    """An asyncio client for the cluster that ``config`` describes; ``await`` its ``connect()``."""
    return AsyncClient(config)


__all__ = [
    "ArrowBatch",
    "ArrowBatchStream",
    "AsyncQuery",
    "PartitionFilter",
    "Query",
    "RecordStream",
    "partition_filter_all",
    "partition_filter_by_id",
    "partition_filter_by_key",
    "partition_filter_by_range",
    "predicates",
    "AsyncClient",
    "calc_digest",
    "BatchRecord",
    "BatchWriteResult",
    "LazyBatchRecords",
    "BinTuple",
    "Client",
    "ExistsResult",
    "GeoJSON",
    "HyperLogLog",
    "Key",
    "LocalServer",
    "OperateOrderedResult",
    "Record",
    "RecordMetadata",
    "async_client",
    "client",
    "bit_operations",
    "cdt_ctx",
    "exception",
    "exp",
    "hll_operations",
    "list_operations",
    "map_operations",
    *_constants,
    *_exceptions,
    *_observability,
    "UDF_TYPE_LUA",
    "JOB_SCAN",
    "JOB_QUERY",
    "JOB_STATUS_UNDEF",
    "JOB_STATUS_INPROGRESS",
    "JOB_STATUS_COMPLETED",
]
