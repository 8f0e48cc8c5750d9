"""`aerospike_py.spark`: a Spark read over partition-range partitions equals one
`query().to_arrow()` (each row once, on a 3-node cluster), filtered (server expression and
pushed-down Spark filters) and projected reads, a write read back, and a task that fails
mid-read is retried by Spark without duplicating rows. Runs a local Spark (2 threads, one retry
per task) on LocalServer(nodes=3), or on AEROSPIKE_HOSTS; needs pyspark 4.1+ and Java 17."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aerospike_py import exp
from tests.conftest import NAMESPACE
from tests.distributed_data import N, engine_set, expected, same_rows

pyspark = pytest.importorskip("pyspark")
pa = pytest.importorskip("pyarrow")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("PySpark needs a Java runtime (java on PATH or JAVA_HOME)", allow_module_level=True)
from pyspark.sql import SparkSession  # noqa: E402

from aerospike_py.spark import AerospikeDataSource, RangePartition, _Reader  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark.*")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # Spark's Python workers (the data source's planner among them) must import aerospike_py.
    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2,2]")  # 2 threads; a task may fail once and be retried
        .appName("aerospike-py-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.python.filterPushdown.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.dataSource.register(AerospikeDataSource)
    yield session
    session.stop()
    if before is None:
        del os.environ["PYSPARK_PYTHON"]
    else:
        os.environ["PYSPARK_PYTHON"] = before


set_name = engine_set(__name__)


def _hosts(config: dict[str, Any]) -> str:
    return ",".join(f"{h}:{p}" for h, p in config["hosts"])


def _read(spark: Any, config: dict[str, Any], set_name: str, fmt: str = "aerospike", **options: str) -> Any:
    reader = spark.read.format(fmt).option("hosts", _hosts(config)).option("namespace", NAMESPACE).option("set", set_name)
    for k, v in options.items():
        reader = reader.option(k, v)
    return reader.load()


def test_read_equals_one_query(spark: Any, cluster_config: dict[str, Any], set_name: str) -> None:
    df = _read(spark, cluster_config, set_name, partitions="5")
    assert df.rdd.getNumPartitions() == 5
    got = df.toArrow()
    assert got.num_rows == N and same_rows(got, expected(cluster_config, set_name))


def test_filtered_and_projected_read(spark: Any, cluster_config: dict[str, Any], set_name: str) -> None:
    flt = exp.eq(exp.string_bin("grp"), "g2")
    got = _read(spark, cluster_config, set_name, bins="id,grp", filter_expression=flt.compile().hex()).toArrow()
    want = expected(cluster_config, set_name, bins=["id", "grp"], policy={"filter_expression": flt})
    assert got.column_names == ["id", "grp"] and 0 < got.num_rows < N and same_rows(got, want)


def test_spark_filters_run_on_the_server_and_in_spark(spark: Any, cluster_config: dict[str, Any], set_name: str) -> None:
    df = _read(spark, cluster_config, set_name).where("val < 100 and grp in ('g1', 'g3') and opt is not null")
    got = df.select("id", "grp", "val", "opt").toArrow()
    want = expected(cluster_config, set_name).to_pandas()
    want = want[(want.val < 100) & want.grp.isin(["g1", "g3"]) & want.opt.notna()]
    assert sorted(got.column("id").to_pylist()) == sorted(want.id.tolist()) and got.num_rows > 0
    # The same filters reach the reader, which sends them to the server as one expression.
    source = AerospikeDataSource({"hosts": _hosts(cluster_config), "namespace": NAMESPACE, "set": set_name})
    reader = source.reader(source.schema())
    assert isinstance(reader, _Reader)
    from pyspark.sql.datasource import In, IsNotNull, LessThan

    filters = [LessThan(("val",), 100.0), In(("grp",), ("g1", "g3")), IsNotNull(("opt",))]
    assert list(reader.pushFilters(filters)) == filters  # Spark still applies every one
    assert reader.spec.filter_expression is not None
    sent = sum(b.num_rows for p in reader.partitions() for b in reader.read(p))
    assert sent == len(want)


def test_write_then_read_back(spark: Any, cluster_config: dict[str, Any], set_name: str) -> None:
    out = set_name + "_out"
    rows = [(f"k{i}", i, float(i) * 3) for i in range(300)]
    df = spark.createDataFrame(rows, "_key string, id long, triple double").repartition(3)
    df.write.format("aerospike").option("hosts", _hosts(cluster_config)).option("namespace", NAMESPACE).option("set", out).mode("append").save()
    back = _read(spark, cluster_config, out, partitions="2").toArrow()
    assert same_rows(back, pa.table({"id": [r[1] for r in rows], "triple": [r[2] for r in rows]}))


def test_bad_options_are_refused(cluster_config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="'hosts'"):
        AerospikeDataSource({"namespace": NAMESPACE, "set": "x"}).schema()
    with pytest.raises(ValueError, match="'namespace'"):
        AerospikeDataSource({"hosts": _hosts(cluster_config), "set": "x"}).schema()


class DiesOnceSource(AerospikeDataSource):
    """Fails its first read of partition range 0 after one batch (a marker file remembers)."""

    @classmethod
    def name(cls) -> str:
        return "aerospike_dies_once"

    def reader(self, schema: Any) -> Any:
        return DiesOnceReader(self, schema)


class DiesOnceReader(_Reader):
    def __init__(self, source: AerospikeDataSource, schema: Any) -> None:
        super().__init__(source, schema)
        self.marker = source.options["test_marker"]

    def read(self, partition: RangePartition) -> Iterator[Any]:
        marker = Path(self.marker)
        first = partition.begin == 0 and not marker.exists()
        for i, batch in enumerate(super().read(partition)):
            if first and i == 1:
                marker.write_text("failed once")
                raise ConnectionError("injected: the worker lost the server mid-read")
            yield batch


def test_a_task_failing_mid_read_is_retried_without_duplicates(spark: Any, cluster_config: dict[str, Any], set_name: str, tmp_path: Path) -> None:
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    marker = tmp_path / "attempt"
    spark.dataSource.register(DiesOnceSource)
    got = _read(spark, cluster_config, set_name, fmt="aerospike_dies_once", partitions="4", batch_size="50", test_marker=str(marker)).toArrow()
    assert marker.read_text() == "failed once"
    assert got.num_rows == N and same_rows(got, expected(cluster_config, set_name))
