"""Partition-parallel reads and writes of an Aerospike set with Dask DataFrames.

``read_aerospike(config, namespace, set)`` builds a ``dask.dataframe.DataFrame`` with
``dd.from_map``: one task per range of Aerospike's 4096 partitions, each reading its range
whole with a partition-filtered query (``arrow_batches``) on a client its worker process opens
once and reuses. A retried task reads its range again from the start, so every record comes
once. ``to_aerospike(ddf, config, namespace, set, key=...)`` writes each partition of a frame
with one ``batch_write_arrow``. Configs (dicts), never clients, go into the task graph; a
config without ``user`` takes ``AEROSPIKE_USER``/``AEROSPIKE_PASSWORD`` from the worker's
environment. Needs ``dask[dataframe]`` (the ``[dask]`` extra).

>>> import pandas as pd
>>> from aerospike_py.dask import read_aerospike, to_aerospike
>>> import dask.dataframe as dd
>>> config = {"hosts": client.get_nodes()}
>>> frame = dd.from_pandas(pd.DataFrame({"_key": range(10), "v": range(10)}), npartitions=2)
>>> to_aerospike(frame, config, "test", "dask_doc", key="_key")
10
>>> ddf = read_aerospike(config, "test", "dask_doc", npartitions=4)
>>> ddf.npartitions, int(ddf["v"].sum().compute(scheduler="sync"))
(4, 45)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _distributed

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["read_aerospike", "to_aerospike"]


def _read_partition(part: tuple[int, int], spec: _distributed.ReadSpec) -> pd.DataFrame:
    """One task: a partition range, read whole, as a pandas frame with Arrow-backed columns."""
    import pandas as pd

    table = _distributed.read_table(spec, *part)
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def read_aerospike(
    config: Mapping[str, Any],
    namespace: str,
    set: str,  # noqa: A002 - the Aerospike word
    *,
    bins: Sequence[str] | None = None,
    filter_expression: Any = None,
    npartitions: int = 16,
    schema: Any = None,
    meta_columns: bool = False,
    on_type_conflict: str | None = None,
    batch_size: int = 65536,
    policy: Mapping[str, Any] | None = None,
) -> dd.DataFrame:
    """The set as a Dask DataFrame of ``npartitions`` partitions, each one range of the 4096
    Aerospike partitions (its records in no particular order).

    ``bins``: the bins to read (all by default); ``filter_expression``: an
    ``aerospike_py.exp`` filter the server applies; ``schema``: the columns' pyarrow schema,
    else sampled from up to 1000 records (``meta``); ``meta_columns``: add ``_key``, ``_gen``,
    ``_ttl``; ``policy``: the query policy every task uses. Columns are pandas ``ArrowDtype``.

    >>> import pyarrow as pa
    >>> from aerospike_py import exp
    >>> from aerospike_py.dask import read_aerospike
    >>> _ = client.batch_write_arrow(pa.table({"_key": [1, 2, 3], "v": [5, 50, 500]}), "test", "dask_doc2")
    >>> ddf = read_aerospike({"hosts": client.get_nodes()}, "test", "dask_doc2", filter_expression=exp.gt(exp.int_bin("v"), 10), npartitions=2)
    >>> sorted(ddf.compute(scheduler="sync")["v"].tolist())
    [50, 500]
    """
    import dask.dataframe as dd
    import pandas as pd

    config = _distributed.with_env_credentials(config)
    spec = _distributed.ReadSpec.plan(
        config, namespace, set, bins=bins, filter_expression=filter_expression, schema=schema,
        on_type_conflict=on_type_conflict, meta_columns=meta_columns, batch_size=batch_size, policy=dict(policy or {}),
    )
    output = spec.output
    meta = output.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return dd.from_map(
        _read_partition,
        _distributed.partition_ranges(npartitions),
        spec=spec,
        meta=meta,
        label=f"read-aerospike-{namespace}.{set}",
        enforce_metadata=False,
    )


def _write_partition(frame: pd.DataFrame, config: dict[str, Any], namespace: str, set: str, key: str, policy: Any) -> pd.DataFrame:  # noqa: A002
    import pandas as pd
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    written = _distributed.write_table(config, namespace, set, table, key=key, policy=policy)
    return pd.DataFrame({"written": [written]})


def to_aerospike(
    ddf: dd.DataFrame,
    config: Mapping[str, Any],
    namespace: str,
    set: str,  # noqa: A002 - the Aerospike word
    *,
    key: str = "_key",
    policy: Mapping[str, Any] | None = None,
    compute: bool = True,
) -> Any:
    """Writes every row of ``ddf`` as a record of ``namespace.set``, its user key from column
    ``key`` and its other columns as bins: one ``batch_write_arrow`` per partition (a batch
    policy dict applies to each). Raises if any record failed. Returns the number of records
    written, or with ``compute=False`` the lazy Dask Series of per-partition counts.
    """
    import pandas as pd

    if key not in ddf.columns:
        raise ValueError(f"the key column {key!r} is not in the frame (columns: {list(ddf.columns)})")
    written = ddf.map_partitions(
        _write_partition,
        dict(_distributed.with_env_credentials(config)),
        namespace,
        set,
        key,
        dict(policy) if policy else None,
        meta=pd.DataFrame({"written": pd.Series([], dtype="int64")}),
    )["written"]
    if not compute:
        return written
    return int(written.sum().compute())
