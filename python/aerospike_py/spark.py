"""Partition-parallel reads and writes of an Aerospike set with PySpark (4.x Python data source).

``AerospikeDataSource`` is a ``pyspark.sql.datasource.DataSource`` named ``"aerospike"``: register
it once (``spark.dataSource.register(AerospikeDataSource)``), then
``spark.read.format("aerospike").option("hosts", "127.0.0.1:3000").option("namespace", "test")
.option("set", "demo").load()``. Its ``partitions()`` are ranges of Aerospike's 4096
partitions (option ``partitions``, default 16); each Spark task streams its range with a
partition-filtered query as Arrow record batches, on a client its Python worker opens once and
reuses. A failed task's output is discarded by Spark and its retry reads the whole range again,
so every record comes once. ``df.write.format("aerospike")...mode("append").save()`` writes each
task's Arrow batches with ``batch_write_arrow`` (option ``key``, default ``_key``: the user-key
column).

Options (strings, as Spark passes them): ``hosts`` (``"h:p[,h:p]"``) or ``config`` (the client
config as JSON; ``user``/``password`` there or from ``AEROSPIKE_USER``/``AEROSPIKE_PASSWORD`` in
the workers' environment), ``namespace``, ``set``, ``bins`` (comma-separated), ``partitions``,
``batch_size``, ``meta_columns`` (``true`` adds ``_key``, ``_gen``, ``_ttl``),
``filter_expression`` (the hex of an ``aerospike_py.exp`` expression's ``compile()``), ``key``.
Without ``.schema(...)`` the schema is sampled from up to 1000 records. With
``spark.sql.python.filterPushdown.enabled``, Spark's filters (comparisons, IN, IS [NOT] NULL,
string starts/ends/contains, NOT) also run on the server; Spark still applies them all.
Needs ``pyspark`` 4.1+ and a Java 17 runtime (the ``[spark]`` extra).

The source's planning runs without a Spark session:

>>> import pyarrow as pa
>>> from aerospike_py.spark import AerospikeDataSource
>>> _ = client.batch_write_arrow(pa.table({"_key": [1, 2], "v": [10, 20]}), "test", "spark_doc")
>>> hosts = ",".join(f"{h}:{p}" for h, p in client.get_nodes())
>>> source = AerospikeDataSource({"hosts": hosts, "namespace": "test", "set": "spark_doc", "partitions": "3"})
>>> source.schema().simpleString()
'struct<v:bigint>'
>>> reader = source.reader(source.schema())
>>> len(reader.partitions()), sum(b.num_rows for p in reader.partitions() for b in reader.read(p))
(3, 2)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyspark.sql.datasource import (
    DataSource,
    DataSourceArrowWriter,
    DataSourceReader,
    EqualNullSafe,
    EqualTo,
    Filter,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    InputPartition,
    IsNotNull,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Not,
    StringContains,
    StringEndsWith,
    StringStartsWith,
    WriterCommitMessage,
)
from pyspark.sql.types import StructType

from . import _distributed, _pushdown

__all__ = ["AerospikeDataSource"]


@dataclass
class RangePartition(InputPartition):  # type: ignore[misc]
    """One Spark partition: Aerospike partitions ``begin .. begin + count - 1``."""

    begin: int
    count: int


@dataclass
class WriteCount(WriterCommitMessage):  # type: ignore[misc]
    written: int


def _config(options: Mapping[str, str]) -> dict[str, Any]:
    if "config" in options:
        config = json.loads(options["config"])
        if isinstance(config.get("hosts"), list):
            config["hosts"] = [tuple(h) for h in config["hosts"]]
        return _distributed.with_env_credentials(config)
    if "hosts" not in options:
        raise ValueError("the aerospike data source needs option 'hosts' (\"host:port[,host:port]\") or 'config' (JSON)")
    hosts = []
    for item in options["hosts"].split(","):
        host, _, port = item.strip().rpartition(":")
        hosts.append((host, int(port)) if host else (item.strip(), 3000))
    return _distributed.with_env_credentials({"hosts": hosts})


def _required(options: Mapping[str, str], name: str) -> str:
    if name not in options:
        raise ValueError(f"the aerospike data source needs option {name!r}")
    return options[name]


def _for_spark(schema: Any) -> Any:
    """An Arrow schema Spark can take: no unsigned ints (``_gen`` is uint32), no null type."""
    import pyarrow as pa

    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_unsigned_integer(t):
            t = pa.int64()
        elif pa.types.is_null(t):
            t = pa.string()
        elif pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        fields.append(pa.field(f.name, t))
    return pa.schema(fields)


class AerospikeDataSource(DataSource):  # type: ignore[misc]
    """The ``"aerospike"`` Python data source: see the module docstring for its options."""

    @classmethod
    def name(cls) -> str:
        return "aerospike"

    def _bins(self) -> list[str] | None:
        bins = self.options.get("bins")
        return [b.strip() for b in bins.split(",") if b.strip()] if bins else None

    def _filter(self) -> Any:
        hexed = self.options.get("filter_expression")
        if not hexed:
            return None
        from .exp import Expr

        return Expr(bytes.fromhex(hexed))

    def schema(self) -> StructType:
        from pyspark.sql.pandas.types import from_arrow_schema

        options = self.options
        meta = options.get("meta_columns", "false").lower() == "true"
        sampled = _distributed.infer_schema(_config(options), _required(options, "namespace"), _required(options, "set"), self._bins(), filter_expression=self._filter(), meta_columns=meta)
        return from_arrow_schema(_for_spark(_distributed.output_schema(sampled, self._bins(), meta)))

    def reader(self, schema: StructType) -> DataSourceReader:
        return _Reader(self, schema)

    def writer(self, schema: StructType, overwrite: bool) -> DataSourceArrowWriter:
        if overwrite:
            raise ValueError("the aerospike data source writes records by key: use mode('append') (records with the same key are replaced)")
        return _Writer(self.options)


class _Reader(DataSourceReader):  # type: ignore[misc]
    def __init__(self, source: AerospikeDataSource, schema: StructType) -> None:
        from pyspark.sql.pandas.types import to_arrow_schema

        options = source.options
        self.output = _for_spark(to_arrow_schema(schema))
        meta = options.get("meta_columns", "false").lower() == "true"
        bins = [f.name for f in self.output if f.name not in ("_key", "_gen", "_ttl")]
        self.ranges = int(options.get("partitions", "16"))
        _distributed.partition_ranges(self.ranges)  # checks the number early
        self.spec = _distributed.ReadSpec(
            config=_config(options),
            namespace=_required(options, "namespace"),
            set=_required(options, "set"),
            bins=tuple(bins),
            filter_expression=source._filter(),
            schema=None,
            meta_columns=meta or any(f.name in ("_key", "_gen", "_ttl") for f in self.output),
            batch_size=int(options.get("batch_size", "65536")),
            output=self.output,
        )
        self.spark_types = {f.name: f.dataType for f in schema.fields}

    def pushFilters(self, filters: list[Filter]) -> Iterator[Filter]:
        """Sends what of ``filters`` Aerospike can evaluate as a server-side filter, and hands
        every filter back, so Spark still applies each one (the server's filter only has to
        keep every row Spark keeps)."""
        from . import exp

        names = {"LongType": "Int64", "IntegerType": "Int32", "ShortType": "Int16", "ByteType": "Int8", "DoubleType": "Float64", "StringType": "String", "BooleanType": "Boolean"}
        types = {n: names.get(type(t).__name__, type(t).__name__) for n, t in self.spark_types.items()}
        bins = set(self.spec.bins or ())
        keeps = [p.keep for p in (_pushdown.translate(_as_tree(f), types, bins) for f in filters) if p.keep is not None]
        if keeps:
            pushed = keeps[0] if len(keeps) == 1 else exp.and_(*keeps)
            current = self.spec.filter_expression
            self.spec = _replace(self.spec, filter_expression=pushed if current is None else exp.and_(current, pushed))
        yield from filters

    def partitions(self) -> list[RangePartition]:
        return [RangePartition(b, c) for b, c in _distributed.partition_ranges(self.ranges)]

    def read(self, partition: InputPartition) -> Iterator[Any]:
        assert isinstance(partition, RangePartition)
        for batch in _distributed.iter_batches(self.spec, partition.begin, partition.count):
            yield _distributed.conform(batch, self.output)


def _replace(spec: _distributed.ReadSpec, **changes: Any) -> _distributed.ReadSpec:
    from dataclasses import replace

    return replace(spec, **changes)


_SPARK_CMP = {EqualTo: "Eq", GreaterThan: "Gt", GreaterThanOrEqual: "GtEq", LessThan: "Lt", LessThanOrEqual: "LtEq"}


def _literal(value: Any) -> dict[str, Any] | None:
    if isinstance(value, bool):
        return {"Literal": {"Scalar": {"Boolean": value}}}
    if isinstance(value, int):
        return {"Literal": {"Scalar": {"Int64": value}}}
    if isinstance(value, float):
        return {"Literal": {"Scalar": {"Float64": value}}}
    if isinstance(value, str):
        return {"Literal": {"Scalar": {"String": value}}}
    return None


def _as_tree(f: Any) -> dict[str, Any] | None:
    """A Spark filter in the form ``_pushdown.translate`` reads (Polars' serialized expression)."""
    column = {"Column": f.attribute[0]} if hasattr(f, "attribute") and len(f.attribute) == 1 else None
    if type(f) in _SPARK_CMP and column is not None:
        lit = _literal(f.value)
        return None if lit is None else {"BinaryExpr": {"left": column, "op": _SPARK_CMP[type(f)], "right": lit}}
    if isinstance(f, EqualNullSafe) and column is not None and f.value is not None:
        lit = _literal(f.value)
        return None if lit is None else {"BinaryExpr": {"left": column, "op": "Eq", "right": lit}}
    if isinstance(f, (IsNull, IsNotNull)) and column is not None:
        return {"Function": {"input": [column], "function": {"Boolean": "IsNull" if isinstance(f, IsNull) else "IsNotNull"}}}
    if isinstance(f, Not):
        inner = _as_tree(f.child)
        return None if inner is None else {"Function": {"input": [inner], "function": {"Boolean": "Not"}}}
    if isinstance(f, In) and column is not None:
        parts = [_literal(v) for v in f.value if v is not None]
        if not parts or any(p is None for p in parts):
            return None
        tree: dict[str, Any] = {"BinaryExpr": {"left": column, "op": "Eq", "right": parts[0]}}
        for p in parts[1:]:
            tree = {"BinaryExpr": {"left": tree, "op": "Or", "right": {"BinaryExpr": {"left": column, "op": "Eq", "right": p}}}}
        return tree
    string_fns = {StringStartsWith: "StartsWith", StringEndsWith: "EndsWith", StringContains: {"Contains": {"literal": True, "strict": True}}}
    if type(f) in string_fns and column is not None and isinstance(f.value, str):
        return {"Function": {"input": [column, _literal(f.value)], "function": {"StringExpr": string_fns[type(f)]}}}
    return None


class _Writer(DataSourceArrowWriter):  # type: ignore[misc]
    def __init__(self, options: Mapping[str, str]) -> None:
        self.config = _config(options)
        self.namespace = _required(options, "namespace")
        self.set = _required(options, "set")
        self.key = options.get("key", "_key")

    def write(self, iterator: Iterator[Any]) -> WriteCount:
        total = 0
        for batch in iterator:
            if self.key not in batch.schema.names:
                raise ValueError(f"the key column {self.key!r} is not in the frame (columns: {batch.schema.names})")
            import pyarrow as pa

            total += _distributed.write_table(self.config, self.namespace, self.set, pa.Table.from_batches([batch]), key=self.key)
        return WriteCount(total)
