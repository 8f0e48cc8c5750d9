"""A Polars lazy scan of an Aerospike set, with projection and predicate pushdown.

``scan_aerospike(client_or_config, namespace, set)`` returns a ``polars.LazyFrame`` built on
Polars' IO-plugin API (``polars.io.plugins.register_io_source``). When the plan runs, the scan
builds columns only of the bins the plan uses (the metadata columns ``_key``, ``_gen`` and
``_ttl`` only when it uses one of them). It does not send that projection as a bin selection:
Aerospike answers a query that selects bins with nothing at all for a record holding none of
them, and those rows must reach Polars as nulls; a plan that uses no bin (only metadata, or only
the row count) sends a metadata-only scan, which every record answers. The scan turns the part
of the plan's filter that Aerospike expressions can evaluate into the query's ``filter_expression`` (see ``aerospike_py._pushdown``
for what translates), and streams our Arrow batches into Polars. Polars applies the whole filter
again, so the result is always Polars' own answer; ``pushdown_report(lf)`` shows what the server
was asked to do. Needs ``polars`` (the ``[polars]`` extra) and pyarrow.

>>> import polars as pl
>>> from aerospike_py.polars import scan_aerospike, pushdown_report
>>> _ = client.batch_write_arrow(pl.DataFrame({"_key": [1, 2, 3], "age": [25, 41, 37], "name": ["Ann", "Bob", "Cy"]}), "test", "pl_doc")
>>> lf = scan_aerospike(client, "test", "pl_doc").filter(pl.col("age") > 30).select("name")
>>> sorted(lf.collect()["name"])
['Bob', 'Cy']
>>> report = pushdown_report(lf)
>>> report.columns, report.bins, report.server_filter   # bins: None, the server sends every bin
(('age', 'name'), None, 'age > 30')
>>> report.records_received   # the last run: the server sent only the matching records
2
"""

from __future__ import annotations

import itertools
import json
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from . import _distributed, _pushdown

if TYPE_CHECKING:
    import polars as pl

__all__ = ["PushdownReport", "pushdown_report", "scan_aerospike"]

# The record metadata columns `to_arrow(meta_columns=True)` puts before the bins.
META_COLUMNS = ("_key", "_gen", "_ttl")
_LABEL = "aerospike"


@dataclass
class PushdownReport:
    """What one scan asked the server for, and what its last run received.

    ``bins``: the bins requested from the server (None: all of them; ``()``: none, metadata
    only); ``columns``: the bins the plan uses, the only ones built into columns;
    ``meta_columns``: whether ``_key``, ``_gen``, ``_ttl`` were read; ``server_filter``: the
    pushed-down filter in words (None: no filter ran on the server); ``filter_expression``: the
    same as an ``aerospike_py.exp.Expr``;
    ``polars_filter``: the predicate Polars applies to what arrives (always the whole one);
    ``max_records``: the limit sent for ``head()``/``n_rows`` (0: none); ``records_received`` and
    ``batches_received``: counted by the client in the scan's last real run (None before one).
    """

    namespace: str
    set: str
    bins: tuple[str, ...] | None = None
    meta_columns: bool = False
    server_filter: str | None = None
    filter_expression: Any = None
    polars_filter: str | None = None
    max_records: int = 0
    schema_source: str = ""
    records_received: int | None = None
    batches_received: int | None = None
    columns: tuple[str, ...] | None = None


@dataclass
class _Scan:
    """One scan_aerospike() call: its source, schema and the report of its last planning/run."""

    client: Any
    config: dict[str, Any] | None
    namespace: str
    set: str
    arrow_schema: Any
    polars_schema: Any
    bin_names: tuple[str, ...]
    batch_size: int
    policy: dict[str, Any]
    on_type_conflict: str | None
    predicate_pushdown: bool
    report: PushdownReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = PushdownReport(self.namespace, self.set)


# Each scan by the id its plan node shows, for pushdown_report(); a scan lives as long as a
# LazyFrame holds its source.
_scans: weakref.WeakValueDictionary[int, _Scan] = weakref.WeakValueDictionary()
_ids = itertools.count(1)
# Scans being planned by pushdown_report(): their source yields nothing. A set, not a
# thread-local, because Polars may pull the source on one of its own threads.
_planning: set[int] = set()
_lock = threading.Lock()


def scan_aerospike(
    client_or_config: Any,
    namespace: str,
    set: str,  # noqa: A002 - the Aerospike word
    *,
    schema: Any = None,
    batch_size: int = 65536,
    policy: Mapping[str, Any] | None = None,
    on_type_conflict: str | None = None,
    sample: int = _distributed.SCHEMA_SAMPLE,
    predicate_pushdown: bool = True,
) -> pl.LazyFrame:
    """A ``polars.LazyFrame`` over ``namespace.set`` that reads only what its plan needs.

    ``client_or_config``: a connected ``aerospike_py.Client``, or a config dict (a client is
    opened and kept for it). ``schema``: the bins' Polars (or pyarrow) schema; without it the
    scan samples ``sample`` records (1000 by default) and takes the types ``to_arrow`` infers,
    so a bin none of them has is not a column. A value that does not fit its column's type
    becomes a null, or raises with ``on_type_conflict="error"``. ``policy``: the query policy
    (e.g. ``total_timeout``); its ``filter_expression``, if any, is ANDed with the pushed one.
    ``predicate_pushdown=False`` sends no filter (Polars filters everything).

    >>> import polars as pl
    >>> from aerospike_py.polars import scan_aerospike
    >>> _ = client.batch_write_arrow(pl.DataFrame({"_key": ["a", "b"], "x": [1, 2]}), "test", "pl_doc2")
    >>> scan_aerospike(client, "test", "pl_doc2", schema={"x": pl.Int64}).filter(pl.col("x") == 2).collect()["x"].to_list()
    [2]
    """
    import polars as pl
    import pyarrow as pa
    from polars.io.plugins import register_io_source

    import aerospike_py

    if isinstance(client_or_config, Mapping):
        config: dict[str, Any] | None = _distributed.with_env_credentials(client_or_config)
        client = None
    elif isinstance(client_or_config, aerospike_py.Client):
        config, client = None, client_or_config
    else:
        raise TypeError(f"scan_aerospike takes a connected aerospike_py.Client or a config dict, not {type(client_or_config).__name__}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, not {batch_size!r}")
    if on_type_conflict not in (None, "null", "error"):
        raise ValueError(f"on_type_conflict must be 'null' or 'error', not {on_type_conflict!r}")
    policy = dict(policy or {})
    if "partition_filter" in policy:
        raise ValueError("scan_aerospike reads the whole set: policy cannot hold a partition_filter")
    reader = client if client is not None else _distributed.cached_client(config or {})
    # The bins' types (without a schema) and the metadata columns' types, from a sample; a
    # value that conflicts with its column's first type is left out of the sample unless
    # on_type_conflict="error".
    q = reader.query(namespace, set)
    q.max_records = sample
    q.no_bins = schema is not None
    sampled = q.to_arrow(policy=cast(Any, policy), meta_columns=True, on_type_conflict=cast(Any, on_type_conflict or "null"))
    meta_fields = [sampled.schema.field(name) for name in META_COLUMNS if name in sampled.schema.names]
    if schema is None:
        bin_schema = pa.schema([f for f in sampled.schema if f.name not in META_COLUMNS and f.name != "_result_code"])
        source = f"inferred from {sampled.num_rows} sampled records (sample={sample})"
    else:
        bin_schema = _arrow_schema(schema)
        source = "given"
    clash = [n for n in bin_schema.names if n in META_COLUMNS]
    if clash:
        raise ValueError(f"bins named {clash} clash with the metadata columns {META_COLUMNS}")
    arrow_schema = pa.schema(meta_fields + list(bin_schema))
    polars_schema = pl.from_arrow(arrow_schema.empty_table()).schema  # type: ignore[union-attr]
    scan = _Scan(client, config, namespace, set, arrow_schema, polars_schema, tuple(bin_schema.names), batch_size, policy, on_type_conflict, predicate_pushdown)
    scan.report.schema_source = source
    with _lock:
        scan_id = next(_ids)
        _scans[scan_id] = scan

    def io_source(with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, _batch_size: int | None) -> Iterator[pl.DataFrame]:
        return _run(scan_id, scan, with_columns, predicate, n_rows)

    return register_io_source(
        io_source,
        schema=polars_schema,
        explain_name=f"{_LABEL} {namespace}.{set} #{scan_id}",
        explain_detail=f"schema {source}; see aerospike_py.polars.pushdown_report()",
    )


def _arrow_schema(schema: Any) -> Any:
    import pyarrow as pa

    if isinstance(schema, pa.Schema):
        return schema
    import polars as pl

    try:
        return pl.DataFrame(schema=schema).to_arrow().schema
    except (TypeError, ValueError) as e:
        raise TypeError(f"schema must be a pyarrow.Schema or a Polars schema (name -> dtype): {e}") from None


def _plan(scan: _Scan, with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None) -> tuple[PushdownReport, _distributed.ReadSpec]:
    """What one run sends: bins, metadata, the pushed filter, the limit."""
    columns = list(scan.polars_schema.names()) if with_columns is None else list(with_columns)
    bins = tuple(c for c in columns if c in scan.bin_names)
    meta = any(c in META_COLUMNS for c in columns) or not bins
    pushed = None
    if predicate is not None and scan.predicate_pushdown:
        tree = json.loads(predicate.meta.serialize(format="json"))
        pushed = _pushdown.translate(tree, dict(scan.polars_schema), set(scan.bin_names))
    server_expr = pushed.keep if pushed is not None else None
    user_expr = scan.policy.get("filter_expression")
    filter_expression = server_expr
    if user_expr is not None:
        from . import exp

        filter_expression = user_expr if server_expr is None else exp.and_(user_expr, server_expr)
    max_records = n_rows if n_rows and predicate is None else 0
    fields = [f for f in scan.arrow_schema if f.name in bins or (meta and f.name in META_COLUMNS)]
    # A query that selects bins gets no record at all for a record holding none of them
    # (server: proto.c as_msg_make_response_bufbuilder, "don't return an empty record"; query.c
    # apply_ops_make_response), so the projection is applied by the client (`columns`), over
    # every bin the server sends; a plan that uses no bin sends a metadata-only scan.
    read_bins: tuple[str, ...] | None = None if bins else ()
    import pyarrow as pa

    spec = _distributed.ReadSpec(
        config=scan.config or {},
        namespace=scan.namespace,
        set=scan.set,
        bins=read_bins,
        columns=bins if bins else None,
        filter_expression=filter_expression,
        schema=pa.schema([f for f in fields if f.name not in META_COLUMNS]),
        on_type_conflict=scan.on_type_conflict,
        meta_columns=meta,
        batch_size=scan.batch_size,
        max_records=max_records,
        policy={k: v for k, v in scan.policy.items() if k != "filter_expression"},
    )
    report = replace(
        scan.report,
        bins=read_bins,
        columns=bins,
        meta_columns=meta,
        server_filter=pushed.text if server_expr is not None and pushed is not None else None,
        filter_expression=filter_expression,
        polars_filter=str(predicate) if predicate is not None else None,
        max_records=max_records,
    )
    return report, spec


def _run(scan_id: int, scan: _Scan, with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None) -> Iterator[pl.DataFrame]:
    import polars as pl

    report, spec = _plan(scan, with_columns, predicate, n_rows)
    if scan_id in _planning:
        scan.report = report
        return
    report.records_received, report.batches_received = 0, 0
    scan.report = report
    columns = list(scan.polars_schema.names()) if with_columns is None else list(with_columns)
    client = scan.client if scan.client is not None else _distributed.cached_client(spec.config)
    left = n_rows
    batches = _distributed.iter_batches(spec, 0, _distributed.PARTITIONS, client=client)
    try:
        for batch in batches:
            report.records_received += batch.num_rows
            report.batches_received += 1
            df = _frame(batch, columns, scan.arrow_schema)
            if predicate is not None:
                df = df.filter(predicate)
            if left is not None:
                df = df.head(left)
                left -= df.height
            yield df
            if left is not None and left <= 0:
                break
    finally:
        batches.close()


def _frame(batch: Any, columns: list[str], schema: Any) -> pl.DataFrame:
    """A batch as a frame of exactly the columns Polars asked for (``_distributed.conform``)."""
    import polars as pl
    import pyarrow as pa

    if not columns:
        # Nothing selected: Polars still needs the height.
        return pl.DataFrame(height=batch.num_rows)
    frame = pl.from_arrow(_distributed.conform(batch, pa.schema([schema.field(c) for c in columns])))
    assert isinstance(frame, pl.DataFrame)
    return frame


def pushdown_report(lf: pl.LazyFrame) -> PushdownReport:
    """What the Aerospike scan in ``lf``'s plan asks the server for: the bins, whether metadata
    is read, the filter that runs on the server (in words and as an ``Expr``), and the record
    count of its last run. Plans the query without reading any record: Polars runs the plan
    with the scan yielding nothing (other sources in the plan are read as usual). For a plan
    with several Aerospike scans, the first one's report.

    >>> import polars as pl
    >>> from aerospike_py.polars import scan_aerospike, pushdown_report
    >>> lf = scan_aerospike(client, "test", "pl_doc3", schema={"n": pl.Int64, "s": pl.String})
    >>> r = pushdown_report(lf.filter((pl.col("n") >= 10) & pl.col("s").str.starts_with("ab")).select("s"))
    >>> r.columns, r.bins, r.meta_columns, r.server_filter
    (('n', 's'), None, False, "(n >= 10) and (s starts with 'ab')")
    """
    import polars as pl

    plan = lf.explain()
    ids = [int(part.split("#", 1)[1].split("]", 1)[0]) for part in plan.split(f"PYTHON[{_LABEL} ")[1:]]
    if not ids:
        raise ValueError("this LazyFrame's plan has no aerospike scan (from aerospike_py.polars.scan_aerospike)")
    scan = _scans.get(ids[0])
    if scan is None:
        raise ValueError("this LazyFrame's aerospike scan is gone")
    before = scan.report
    with _lock:
        _planning.add(ids[0])
    try:
        lf.collect()
    except pl.exceptions.PolarsError:
        pass  # a plan that fails on empty input still planned the scan
    finally:
        with _lock:
            _planning.discard(ids[0])
    planned, scan.report = scan.report, before
    # The counts stay those of the last real run.
    return replace(planned, records_received=before.records_received, batches_received=before.batches_received)
