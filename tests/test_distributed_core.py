"""What every engine integration stands on (`aerospike_py._distributed`): partition ranges that
cover each of the 4096 partitions exactly once, reads of a range that are whole or an error,
credentials from the environment, and one client per process and config."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aerospike_py import _distributed
from tests.conftest import NAMESPACE, module_set, remove_all

pa = pytest.importorskip("pyarrow")


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 1000, 4095, 4096])
def test_partition_ranges_cover_every_partition_once(n: int) -> None:
    ranges = _distributed.partition_ranges(n)
    covered = [p for begin, count in ranges for p in range(begin, begin + count)]
    assert len(ranges) == n and covered == list(range(4096))
    assert max(c for _, c in ranges) - min(c for _, c in ranges) <= 1


@pytest.mark.parametrize("n", [0, -1, 4097, 2.0, True, "4"])
def test_partition_ranges_refuse_bad_counts(n: Any) -> None:
    with pytest.raises(ValueError, match="from 1 to 4096"):
        _distributed.partition_ranges(n)


def test_credentials_come_from_the_config_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSPIKE_USER", "env-user")
    monkeypatch.setenv("AEROSPIKE_PASSWORD", "env-secret")
    assert _distributed.with_env_credentials({"hosts": [("h", 1)]})["password"] == "env-secret"
    own = _distributed.with_env_credentials({"hosts": [("h", 1)], "user": "me", "password": "pw"})
    assert (own["user"], own["password"]) == ("me", "pw")
    monkeypatch.delenv("AEROSPIKE_USER")
    assert "user" not in _distributed.with_env_credentials({"hosts": [("h", 1)]})
    with pytest.raises(TypeError, match="configs, not clients"):
        _distributed.with_env_credentials([("h", 1)])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def set_name(cluster_config: dict[str, Any]) -> Iterator[str]:
    import aerospike_py

    name = module_set(__name__)
    with aerospike_py.client(cluster_config).connect() as c:
        remove_all(c, NAMESPACE, name)
        c.batch_write_arrow(pa.table({"_key": list(range(500)), "v": list(range(500))}), NAMESPACE, name)
        yield name
        remove_all(c, NAMESPACE, name)


def test_one_client_per_process_and_config(cluster_config: dict[str, Any]) -> None:
    first = _distributed.cached_client(cluster_config)
    assert _distributed.cached_client(dict(cluster_config)) is first
    assert _distributed.cached_client({**cluster_config, "timeout": 1234}) is not first


def test_ranges_read_every_record_once(cluster_config: dict[str, Any], set_name: str) -> None:
    spec = _distributed.ReadSpec(config=cluster_config, namespace=NAMESPACE, set=set_name, batch_size=64)
    values = [v for begin, count in _distributed.partition_ranges(5) for v in _distributed.read_table(spec, begin, count).column("v").to_pylist()]
    assert sorted(values) == list(range(500))


def test_a_range_is_read_whole_or_not_at_all(cluster_config: dict[str, Any], set_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _distributed.ReadSpec(config=cluster_config, namespace=NAMESPACE, set=set_name, batch_size=16)
    real = _distributed.iter_batches

    def breaks_after_one(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for i, batch in enumerate(real(*args, **kwargs)):
            if i == 1:
                raise ConnectionError("injected")
            yield batch

    monkeypatch.setattr(_distributed, "iter_batches", breaks_after_one)
    with pytest.raises(ConnectionError, match="injected"):
        _distributed.read_table(spec, 0, 4096)


def test_output_schema_fills_what_a_batch_lacks() -> None:
    out = _distributed.output_schema(pa.schema([("_result_code", pa.int32()), ("_gen", pa.uint32()), ("a", pa.int64())]), ["a", "b"], True)
    assert out.names == ["_gen", "_ttl", "a", "b"]
    batch = pa.record_batch({"_result_code": [0], "_gen": [1], "a": [5]}, schema=pa.schema([("_result_code", pa.int32()), ("_gen", pa.uint32()), ("a", pa.int64())]))
    conformed = _distributed.conform(batch, out)
    assert conformed.schema == out and conformed.column("b").null_count == 1 and conformed.column("a").to_pylist() == [5]
