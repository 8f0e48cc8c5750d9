"""What the Dask, Ray, Spark and Polars integrations share: splitting a set's 4096 partitions
into ranges, reading one range whole into Arrow, writing one Arrow table, and a client per
process built from a config dict.

A partition range is the unit of work every engine schedules: an independent query with a
partition filter, so a task that fails is read again from its start by whichever worker the
engine retries it on, and no row is returned twice. Only configs (plain dicts) cross process
boundaries; each process opens one client per config and keeps it for the tasks that follow.
Imports nothing optional at module level, so the engines' modules stay the only ones that need
their engine.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Aerospike's fixed partition count (every namespace, every cluster size).
PARTITIONS = 4096

# How many records `infer_schema` reads when no schema is given.
SCHEMA_SAMPLE = 1000

_clients: dict[tuple[int, str], Any] = {}
_clients_lock = threading.Lock()


def partition_ranges(n: int) -> list[tuple[int, int]]:
    """``n`` contiguous ``(begin, count)`` ranges covering partitions 0..4095 exactly once, sizes
    differing by at most one.

    >>> from aerospike_py._distributed import partition_ranges
    >>> partition_ranges(3)
    [(0, 1366), (1366, 1365), (2731, 1365)]
    >>> sum(c for _, c in partition_ranges(7))
    4096
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= PARTITIONS:
        raise ValueError(f"the number of partition ranges must be an int from 1 to {PARTITIONS}, not {n!r}")
    base, extra = divmod(PARTITIONS, n)
    out, begin = [], 0
    for i in range(n):
        count = base + (1 if i < extra else 0)
        out.append((begin, count))
        begin += count
    return out


def with_env_credentials(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config, with ``user``/``password`` from ``AEROSPIKE_USER``/``AEROSPIKE_PASSWORD`` when
    it names no user itself, so a secret need not travel inside the task graph."""
    if not isinstance(config, Mapping) or "hosts" not in config:
        raise TypeError(f"expected a client config dict with 'hosts' (configs, not clients, cross process boundaries), not {type(config).__name__}")
    out = dict(config)
    user = os.environ.get("AEROSPIKE_USER")
    if "user" not in out and user:
        out["user"] = user
        out["password"] = os.environ.get("AEROSPIKE_PASSWORD", "")
    return out


def cached_client(config: Mapping[str, Any]) -> Any:
    """This process's connected client for ``config``: opened on first use, then reused by every
    task the process runs (a forked worker opens its own)."""
    import aerospike_py

    full = with_env_credentials(config)
    key = (os.getpid(), json.dumps(full, sort_keys=True, default=repr))
    with _clients_lock:
        client = _clients.get(key)
        if client is None or not client.is_connected():
            client = aerospike_py.client(full).connect()
            _clients[key] = client
        return client


@dataclass(frozen=True)
class ReadSpec:
    """One read of a set, the same for every task: picklable, so engines ship it to workers."""

    config: dict[str, Any]
    namespace: str
    set: str
    bins: tuple[str, ...] | None = None
    filter_expression: Any = None
    schema: Any = None
    on_type_conflict: str | None = None
    meta_columns: bool = False
    batch_size: int = 65536
    max_records: int = 0
    policy: dict[str, Any] = field(default_factory=dict)

    def query_policy(self, begin: int, count: int) -> dict[str, Any]:
        from .predicates import partition_filter_by_range

        policy = dict(self.policy)
        policy["partition_filter"] = partition_filter_by_range(begin, count)
        if self.filter_expression is not None:
            policy["filter_expression"] = self.filter_expression
        return policy

    def query(self, client: Any) -> Any:
        q = client.query(self.namespace, self.set)
        if self.bins is not None:
            q.select(*self.bins)
        if self.max_records:
            q.max_records = self.max_records
        return q


def iter_batches(spec: ReadSpec, begin: int, count: int, client: Any = None) -> Iterator[Any]:
    """The Arrow record batches (``pyarrow.RecordBatch``) of one partition range, streamed."""
    import pyarrow as pa

    client = client if client is not None else cached_client(spec.config)
    stream = spec.query(client).arrow_batches(
        batch_size=spec.batch_size,
        policy=spec.query_policy(begin, count),
        schema=spec.schema,
        meta_columns=spec.meta_columns,
        on_type_conflict=spec.on_type_conflict,
    )
    with stream:
        for batch in stream:
            yield pa.record_batch(batch)


def read_table(spec: ReadSpec, begin: int, count: int) -> Any:
    """One partition range read whole into a ``pyarrow.Table`` with ``spec.schema``'s columns:
    all of its rows or an exception, never part of them."""
    import pyarrow as pa

    batches = list(iter_batches(spec, begin, count))
    if batches:
        return pa.Table.from_batches(batches)
    return empty_table(spec)


def empty_table(spec: ReadSpec) -> Any:
    import pyarrow as pa

    if spec.schema is None:
        raise ValueError("no schema: pass schema= or let it be sampled first")
    return pa.schema(spec.schema).empty_table()


def infer_schema(
    config: Mapping[str, Any],
    namespace: str,
    set: str,  # noqa: A002 - the Aerospike word
    bins: Sequence[str] | None = None,
    *,
    filter_expression: Any = None,
    meta_columns: bool = False,
    sample: int = SCHEMA_SAMPLE,
) -> Any:
    """The Arrow schema of up to ``sample`` records of the set (a query with ``max_records``):
    each column the type that holds every sampled value, as ``to_arrow`` infers it. A bin that
    none of the sampled records has is not in it; pass ``schema=`` to name it."""
    policy: dict[str, Any] = {}
    if filter_expression is not None:
        policy["filter_expression"] = filter_expression
    q = cached_client(config).query(namespace, set)
    if bins is not None:
        q.select(*bins)
    q.max_records = sample
    return q.to_arrow(policy=policy, meta_columns=meta_columns).schema


def write_table(config: Mapping[str, Any], namespace: str, set: str, table: Any, key: str = "_key", policy: Any = None) -> int:  # noqa: A002
    """Writes every row of an Arrow table (or anything with ``__arrow_c_stream__``) with one
    ``batch_write_arrow``; raises if any record failed. Returns the rows written. Writing a
    row twice leaves the same record, so an engine may retry a failed write task."""
    import pyarrow as pa

    from .exception import AerospikeError

    if not hasattr(table, "num_rows"):
        table = pa.table(table)
    if table.num_rows == 0:
        return 0
    result = cached_client(config).batch_write_arrow(table, namespace, set, key=key, policy=policy)
    failed = [r for r in result.batch_records if r.result != 0]
    if failed:
        raise AerospikeError(f"{len(failed)} of {table.num_rows} records were not written to {namespace}.{set}; first: {failed[0]!r}")
    return int(table.num_rows)
