"""Partition-parallel reads and writes of an Aerospike set with Ray Data.

``ray.data.read_datasource(AerospikeDatasource(config, namespace, set))`` reads the set in read
tasks that each cover one range of Aerospike's 4096 partitions (as many ranges as Ray asks for,
``override_num_blocks``), each reading its range whole with a partition-filtered query into one
Arrow table, on a client its worker process opens once and reuses. A task Ray retries (a worker
that died mid-read) reads its whole range again, so every record comes once.
``dataset.write_datasink(AerospikeDatasink(config, namespace, set, key="_key"))`` writes each
block with one ``batch_write_arrow``. Only configs (dicts) travel to the workers; a config
without ``user`` takes ``AEROSPIKE_USER``/``AEROSPIKE_PASSWORD`` from the worker's environment.
Needs ``ray[data]`` (the ``[ray]`` extra).

Building the read tasks needs no running Ray, so they can be tried in-process:

>>> from aerospike_py.ray import AerospikeDatasource
>>> import pyarrow as pa
>>> _ = client.batch_write_arrow(pa.table({"_key": [1, 2, 3], "v": [1, 2, 3]}), "test", "ray_doc")
>>> source = AerospikeDatasource({"hosts": client.get_nodes()}, "test", "ray_doc")
>>> tasks = source.get_read_tasks(4)
>>> len(tasks), sum(t.num_rows for task in tasks for t in task())
(4, 3)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ray.data.block import BlockMetadata
from ray.data.datasource import Datasink, Datasource, ReadTask

from . import _distributed

__all__ = ["AerospikeDatasink", "AerospikeDatasource"]


class AerospikeDatasource(Datasource):  # type: ignore[misc]
    """A Ray Data source over ``namespace.set``: read tasks over partition ranges.

    ``bins``, ``filter_expression`` (an ``aerospike_py.exp`` filter run on the server),
    ``schema`` (pyarrow; else sampled from up to 1000 records), ``meta_columns``,
    ``on_type_conflict`` and ``policy`` mean what they mean for ``Query.to_arrow``.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        namespace: str,
        set: str,  # noqa: A002 - the Aerospike word
        *,
        bins: Sequence[str] | None = None,
        filter_expression: Any = None,
        schema: Any = None,
        meta_columns: bool = False,
        on_type_conflict: str | None = None,
        batch_size: int = 65536,
        policy: Mapping[str, Any] | None = None,
    ) -> None:
        config = _distributed.with_env_credentials(config)
        self._spec = _distributed.ReadSpec.plan(
            config, namespace, set, bins=bins, filter_expression=filter_expression, schema=schema,
            on_type_conflict=on_type_conflict, meta_columns=meta_columns, batch_size=batch_size, policy=dict(policy or {}),
        )

    @property
    def schema(self) -> Any:
        """The pyarrow schema of every block."""
        return self._spec.output

    def get_name(self) -> str:
        return f"Aerospike({self._spec.namespace}.{self._spec.set})"

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def _read(self, begin: int, count: int) -> Iterable[Any]:
        """One task: its partition range, read whole, as one Arrow table."""
        yield _distributed.read_table(self._spec, begin, count)

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None) -> list[ReadTask]:
        """One read task per partition range, ``parallelism`` of them (at most 4096)."""
        ranges = _distributed.partition_ranges(max(1, min(parallelism, _distributed.PARTITIONS)))
        tasks = []
        for begin, count in ranges:
            meta = BlockMetadata(num_rows=None, size_bytes=None, exec_stats=None, input_files=None)
            tasks.append(ReadTask(functools.partial(self._read, begin, count), meta, schema=self._spec.output, per_task_row_limit=per_task_row_limit))
        return tasks


class AerospikeDatasink(Datasink):  # type: ignore[misc]
    """Writes a Ray Dataset's rows as records of ``namespace.set``: the user key from column
    ``key``, the other columns as bins; one ``batch_write_arrow`` per block (``policy``: a batch
    policy dict). A failed record fails the write task, which Ray may retry: writing a record
    again leaves the same record."""

    def __init__(self, config: Mapping[str, Any], namespace: str, set: str, *, key: str = "_key", policy: Mapping[str, Any] | None = None) -> None:  # noqa: A002
        self._config = _distributed.with_env_credentials(config)
        self._namespace, self._set, self._key = namespace, set, key
        self._policy = dict(policy) if policy else None
        self.written = 0

    def get_name(self) -> str:
        return f"Aerospike({self._namespace}.{self._set})"

    def write(self, blocks: Iterable[Any], ctx: Any) -> int:
        import pyarrow as pa

        total = 0
        for block in blocks:
            table = block if isinstance(block, pa.Table) else pa.Table.from_pandas(block, preserve_index=False)
            if self._key not in table.column_names:
                raise ValueError(f"the key column {self._key!r} is not in the dataset (columns: {table.column_names})")
            total += _distributed.write_table(self._config, self._namespace, self._set, table, key=self._key, policy=self._policy)
        return total

    def on_write_complete(self, write_result: Any) -> None:
        """Keeps the number of records written in ``written``."""
        self.written = sum(write_result.write_returns)
