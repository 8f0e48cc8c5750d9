"""`aerospike_py.ray`: a Ray Data read over partition-range tasks equals one
`query().to_arrow()` (each row once, on a 3-node cluster), filtered and projected reads, a
Datasink write read back, and a read task whose worker dies mid-read is retried by Ray without
duplicating rows. Runs Ray locally (2 CPUs) on LocalServer(nodes=3), or on AEROSPIKE_HOSTS."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aerospike_py import exp
from tests.conftest import NAMESPACE
from tests.distributed_data import N, engine_set, expected, same_rows

ray = pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")
from aerospike_py.ray import AerospikeDatasink, AerospikeDatasource  # noqa: E402

# Ray's own deprecation notices (its DataContext setters) are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


set_name = engine_set(__name__)


def _read(source: Any, blocks: int) -> Any:
    ds = ray.data.read_datasource(source, override_num_blocks=blocks)
    return pa.concat_tables(ray.get(ds.to_arrow_refs()))


def test_read_equals_one_query(ray_local: None, cluster_config: dict[str, Any], set_name: str) -> None:
    got = _read(AerospikeDatasource(cluster_config, NAMESPACE, set_name), 6)
    assert got.num_rows == N and same_rows(got, expected(cluster_config, set_name))


def test_filtered_and_projected_read(ray_local: None, cluster_config: dict[str, Any], set_name: str) -> None:
    flt = exp.gt(exp.int_bin("opt"), 5000)
    got = _read(AerospikeDatasource(cluster_config, NAMESPACE, set_name, bins=["id", "opt"], filter_expression=flt), 3)
    want = expected(cluster_config, set_name, bins=["id", "opt"], policy={"filter_expression": flt})
    assert got.column_names == ["id", "opt"] and 0 < got.num_rows < N and same_rows(got, want)


def test_write_then_read_back(ray_local: None, cluster_config: dict[str, Any], set_name: str) -> None:
    out = set_name + "_out"
    source = pa.table({"_key": [f"k{i}" for i in range(400)], "id": list(range(400)), "half": [i / 2 for i in range(400)]})
    sink = AerospikeDatasink(cluster_config, NAMESPACE, out)
    ray.data.from_arrow(source).repartition(4).write_datasink(sink)
    assert sink.written == 400
    back = _read(AerospikeDatasource(cluster_config, NAMESPACE, out), 2)
    assert same_rows(back, source.drop(["_key"]).sort_by("id"))


class DiesOnce(AerospikeDatasource):
    """The first read of partition range 0 kills its worker process after one batch."""

    marker: str = ""

    def _read(self, begin: int, count: int) -> Iterable[Any]:
        from aerospike_py import _distributed

        if begin == 0 and not os.path.exists(self.marker):
            Path(self.marker).write_text("died")
            for i, _ in enumerate(_distributed.iter_batches(self._spec, begin, count)):
                if i == 1:
                    os._exit(1)
        Path(self.marker + f".{begin}").write_text("read")
        yield from super()._read(begin, count)


def test_a_task_killed_mid_read_is_retried_without_duplicates(ray_local: None, cluster_config: dict[str, Any], set_name: str, tmp_path: Path) -> None:
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    source = DiesOnce(cluster_config, NAMESPACE, set_name, batch_size=50)
    source.marker = str(tmp_path / "attempt")
    got = _read(source, 4)
    assert Path(source.marker).read_text() == "died" and Path(source.marker + ".0").exists()
    assert got.num_rows == N and same_rows(got, expected(cluster_config, set_name))
