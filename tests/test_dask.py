"""`aerospike_py.dask`: partition-parallel reads equal one `query().to_arrow()` (each row once,
on a 3-node cluster), filtered and projected reads, writes read back, and a task that fails
mid-read is retried by Dask without duplicating rows. Runs on LocalServer(nodes=3), or on
AEROSPIKE_HOSTS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from aerospike_py import _distributed, exp
from tests.conftest import NAMESPACE
from tests.distributed_data import N, engine_set, expected, same_rows

dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
from aerospike_py.dask import read_aerospike, to_aerospike  # noqa: E402


set_name = engine_set(__name__)


def _table(frame: Any) -> Any:
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_read_equals_one_query(cluster_config: dict[str, Any], set_name: str) -> None:
    ddf = read_aerospike(cluster_config, NAMESPACE, set_name, npartitions=7)
    assert ddf.npartitions == 7
    assert set(ddf.columns) == {"id", "grp", "val", "opt"}
    got = ddf.compute(scheduler="threads")
    assert len(got) == N
    assert same_rows(_table(got), expected(cluster_config, set_name))


def test_filtered_read(cluster_config: dict[str, Any], set_name: str) -> None:
    flt = exp.and_(exp.eq(exp.string_bin("grp"), "g1"), exp.lt(exp.float_bin("val"), 700.0))
    got = read_aerospike(cluster_config, NAMESPACE, set_name, filter_expression=flt, npartitions=3).compute(scheduler="sync")
    want = expected(cluster_config, set_name, policy={"filter_expression": flt})
    assert 0 < len(got) < N and same_rows(_table(got), want)


def test_projection_and_metadata(cluster_config: dict[str, Any], set_name: str) -> None:
    ddf = read_aerospike(cluster_config, NAMESPACE, set_name, bins=["id", "opt"], npartitions=4)
    assert list(ddf.columns) == ["id", "opt"]
    got = ddf.compute(scheduler="sync")
    assert same_rows(_table(got), expected(cluster_config, set_name, bins=["id", "opt"]))
    with_meta = read_aerospike(cluster_config, NAMESPACE, set_name, bins=["id"], meta_columns=True, npartitions=2)
    assert list(with_meta.columns) == ["_key", "_gen", "_ttl", "id"]
    frame = with_meta.compute(scheduler="sync")
    assert (frame["_key"] == frame["id"]).all()


def test_write_then_read_back(cluster_config: dict[str, Any], set_name: str) -> None:
    out = set_name + "_out"
    source = pd.DataFrame({"_key": [f"k{i}" for i in range(500)], "id": range(500), "sq": [i * i for i in range(500)]})
    assert to_aerospike(dd.from_pandas(source, npartitions=5), cluster_config, NAMESPACE, out) == 500
    back = read_aerospike(cluster_config, NAMESPACE, out, npartitions=3).compute(scheduler="sync")
    assert same_rows(_table(back), pa.Table.from_pandas(source.drop(columns="_key"), preserve_index=False).sort_by("id"))


def test_write_refuses_a_frame_without_the_key(cluster_config: dict[str, Any], set_name: str) -> None:
    with pytest.raises(ValueError, match="key column 'pk'"):
        to_aerospike(dd.from_pandas(pd.DataFrame({"a": [1]}), npartitions=1), cluster_config, NAMESPACE, set_name, key="pk")


def test_config_not_client(set_name: str) -> None:
    with pytest.raises(TypeError, match="configs, not clients"):
        read_aerospike(object(), NAMESPACE, set_name)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="from 1 to 4096"):
        read_aerospike({"hosts": [("127.0.0.1", 1)]}, NAMESPACE, set_name, npartitions=0, schema=pa.schema([("a", pa.int64())]))


def test_a_task_failing_mid_read_is_retried_without_duplicates(cluster_config: dict[str, Any], set_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    real = _distributed.iter_batches
    attempts: dict[tuple[int, int], int] = {}
    lock = threading.Lock()

    def flaky(spec: Any, begin: int, count: int, client: Any = None) -> Iterator[Any]:
        with lock:
            attempts[(begin, count)] = attempts.get((begin, count), 0) + 1
            first = attempts[(begin, count)] == 1
        for i, batch in enumerate(real(spec, begin, count, client)):
            if first and begin == 0 and i == 1:
                raise ConnectionError("injected: the worker lost the server mid-read")
            yield batch

    monkeypatch.setattr(_distributed, "iter_batches", flaky)
    ddf = read_aerospike(cluster_config, NAMESPACE, set_name, npartitions=4, batch_size=50)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, distributed.Client(cluster) as dask_client:
        got = dask_client.compute(ddf, retries=2).result()
    assert attempts[(0, 1024)] == 2 and all(n == 1 for part, n in attempts.items() if part != (0, 1024))
    assert len(got) == N and same_rows(_table(got), expected(cluster_config, set_name))
