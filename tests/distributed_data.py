"""The records the engine tests (Dask, Ray, Spark) read, and the answer they must match: one
`query(...).to_arrow()` of the same set in this process."""

from __future__ import annotations

from typing import Any

import aerospike_py as aerospike
from collections.abc import Iterator

import pytest

from tests.conftest import NAMESPACE, module_set, remove_all

N = 3000


def write_records(config: dict[str, Any], set_name: str) -> None:
    """N records keyed 0..N-1 (keys stored): id, grp (str), val (float), and `opt` on every
    third record only, so some rows have a missing bin."""
    with aerospike.client(config).connect() as client:
        remove_all(client, NAMESPACE, set_name)
        rows = {
            "_key": list(range(N)),
            "id": list(range(N)),
            "grp": [f"g{i % 5}" for i in range(N)],
            "val": [i * 0.5 for i in range(N)],
        }
        import pyarrow as pa

        result = client.batch_write_arrow(pa.table(rows), NAMESPACE, set_name, policy={"key": aerospike.POLICY_KEY_SEND})
        assert all(r.result == 0 for r in result.batch_records)
        for i in range(0, N, 3):
            client.put((NAMESPACE, set_name, i), {"opt": i * 10})


def expected(config: dict[str, Any], set_name: str, bins: list[str] | None = None, policy: dict[str, Any] | None = None) -> Any:
    """The single-process answer as a pyarrow table sorted by id, bins only."""
    with aerospike.client(config).connect() as client:
        q = client.query(NAMESPACE, set_name)
        if bins:
            q.select(*bins)
        table = q.to_arrow(policy=policy, meta_columns=False)
    return table.sort_by("id")


def same_rows(got: Any, want: Any) -> bool:
    """Equal as tables after sorting by id, each id once; types compared by value."""
    import pyarrow as pa

    got = pa.table(got).sort_by("id")
    ids = got.column("id").to_pylist()
    assert len(ids) == len(set(ids)), "a row came twice"
    assert sorted(got.column_names) == sorted(want.column_names), (got.column_names, want.column_names)
    return all(got.column(n).to_pylist() == want.column(n).to_pylist() for n in want.column_names)


def engine_set(module: str) -> Any:
    """The module-scoped `set_name` fixture of an engine's tests: the records of
    `write_records` in a set of the module's own, and its `_out` set, removed afterwards."""

    @pytest.fixture(scope="module")
    def set_name(cluster_config: dict[str, Any]) -> Iterator[str]:
        name = module_set(module)
        write_records(cluster_config, name)
        yield name
        with aerospike.client(cluster_config).connect() as c:
            remove_all(c, NAMESPACE, name)
            remove_all(c, NAMESPACE, name + "_out")

    return set_name
