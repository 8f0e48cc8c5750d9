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
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

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
            client = aerospike_py.client(cast(Any, full)).connect()
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
    # The columns every task returns, in order (bins and metadata); None: as read.
    output: Any = None
    # The bins to build columns of when every bin is read (`bins` None): a projection that must
    # keep every record, which a server-side selection would not (see `arrow_batches(bins=)`).
    columns: tuple[str, ...] | None = None

    @classmethod
    def plan(
        cls,
        config: dict[str, Any],
        namespace: str,
        set: str,
        *,
        bins: Sequence[str] | None,
        filter_expression: Any,
        schema: Any,
        on_type_conflict: str | None,
        meta_columns: bool,
        batch_size: int,
        policy: dict[str, Any] | None,
    ) -> ReadSpec:
        """The read the Dask and Ray readers send to every task: the schema sampled once
        here when not given, and the output columns fixed from it."""
        if schema is None:
            schema = infer_schema(config, namespace, set, bins, filter_expression=filter_expression, meta_columns=meta_columns)
        output = output_schema(schema, bins, meta_columns)
        return cls(
            config=dict(config),
            namespace=namespace,
            set=set,
            bins=tuple(bins) if bins is not None else None,
            filter_expression=filter_expression,
            schema=bin_schema(output),
            on_type_conflict=on_type_conflict,
            meta_columns=meta_columns,
            batch_size=batch_size,
            policy=dict(policy or {}),
            output=output,
        )

    def query_policy(self, begin: int, count: int) -> dict[str, Any]:
        from .predicates import partition_filter_by_range

        policy = dict(self.policy)
        policy["partition_filter"] = partition_filter_by_range(begin, count)
        if self.filter_expression is not None:
            policy["filter_expression"] = self.filter_expression
        return policy

    def query(self, client: Any) -> Any:
        q = client.query(self.namespace, self.set)
        if self.bins == ():
            q.no_bins = True  # only metadata columns
        elif self.bins is not None:
            q.select(*self.bins)
        if self.max_records:
            q.max_records = self.max_records
        return q


def iter_batches(spec: ReadSpec, begin: int, count: int, client: Any = None) -> Generator[Any, None, None]:
    """The Arrow record batches (``pyarrow.RecordBatch``) of one partition range, streamed."""
    import pyarrow as pa

    client = client if client is not None else cached_client(spec.config)
    stream = spec.query(client).arrow_batches(
        batch_size=spec.batch_size,
        policy=spec.query_policy(begin, count),
        schema=spec.schema,
        meta_columns=spec.meta_columns,
        on_type_conflict=spec.on_type_conflict,
        bins=spec.columns,
    )
    with stream:
        for batch in stream:
            yield pa.record_batch(batch)


def read_table(spec: ReadSpec, begin: int, count: int) -> Any:
    """One partition range read whole into a ``pyarrow.Table`` with ``spec.schema``'s columns:
    all of its rows or an exception, never part of them."""
    import pyarrow as pa

    batches = list(iter_batches(spec, begin, count))
    if spec.output is not None:
        return pa.Table.from_batches([conform(b, spec.output) for b in batches], schema=spec.output)
    if batches:
        return pa.Table.from_batches(batches)
    if spec.schema is None:
        raise ValueError("no schema: pass schema= or let it be sampled first")
    return pa.schema(spec.schema).empty_table()


def conform(batch: Any, schema: Any) -> Any:
    """A record batch with exactly ``schema``'s columns, in its order and types: a column the
    batch lacks (``_key`` when no record in it has a stored key, a bin none of its records
    has) comes as nulls; one it has beyond them (``_result_code``) is left out."""
    import pyarrow as pa

    arrays = []
    for f in schema:
        i = batch.schema.get_field_index(f.name)
        if i < 0:
            arrays.append(pa.nulls(batch.num_rows, f.type))
        else:
            column = batch.column(i)
            arrays.append(column if column.type == f.type else column.cast(f.type, safe=False))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


META_TYPES = {"_gen": "uint32", "_ttl": "int64"}


def output_schema(sampled_or_given: Any, bins: Sequence[str] | None, meta_columns: bool) -> Any:
    """The columns a reader returns: the metadata columns when asked (``_key`` only if the
    sample or the schema has it), then the bins (``bins`` in their order, else the schema's);
    a bin the schema lacks is a null column."""
    import pyarrow as pa

    fields = {f.name: f for f in pa.schema(sampled_or_given) if f.name != "_result_code"}
    meta = []
    if meta_columns:
        if "_key" in fields:
            meta.append(fields["_key"])
        meta += [fields.get(name, pa.field(name, getattr(pa, t)())) for name, t in META_TYPES.items()]
    names = list(bins) if bins is not None else [n for n in fields if n not in ("_key", *META_TYPES)]
    return pa.schema(meta + [fields.get(n, pa.field(n, pa.null())) for n in names])


def bin_schema(output: Any) -> Any:
    """The part of an output schema the query's ``schema=`` takes: the bins."""
    import pyarrow as pa

    return pa.schema([f for f in output if f.name not in ("_key", "_result_code", *META_TYPES) and f.type != pa.null()])


def infer_schema(
    config: Mapping[str, Any],
    namespace: str,
    set: str,  # noqa: A002 - the Aerospike word
    bins: Sequence[str] | None = None,
    *,
    filter_expression: Any = None,
    meta_columns: bool = False,
    on_type_conflict: str | None = None,
    sample: int = SCHEMA_SAMPLE,
) -> Any:
    """The Arrow schema of up to ``sample`` records of the set (a query with ``max_records``):
    each column the type that holds every sampled value, as ``to_arrow`` infers it (a value of
    another type than its bin's first is left out, unless ``on_type_conflict="error"``). A bin
    that none of the sampled records has is not in it; pass ``schema=`` to name it."""
    policy: dict[str, Any] = {}
    if filter_expression is not None:
        policy["filter_expression"] = filter_expression
    q = cached_client(config).query(namespace, set)
    if bins is not None:
        q.select(*bins)
    q.max_records = sample
    return q.to_arrow(policy=policy, meta_columns=meta_columns, on_type_conflict=on_type_conflict or "null").schema


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
