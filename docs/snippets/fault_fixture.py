import os
import sys
import tempfile

# --8<-- [start:conftest]
# conftest.py
import pytest

import aerospike_py as aerospike
from aerospike_py import exception


@pytest.fixture(scope="session")
def _cluster():
    with aerospike.LocalServer(nodes=3, replication_factor=2) as server:
        yield server


@pytest.fixture
def cluster(_cluster):
    """A 3-node local cluster that each test may break: after the test every fault is cleared
    and every node is back up (a real server cannot do this, so such tests skip on one)."""
    if os.environ.get("AEROSPIKE_HOSTS"):
        pytest.skip("needs LocalServer's fault injection")
    yield _cluster
    _cluster.clear_faults()
    for node, up in enumerate(_cluster.nodes_up):
        if not up:
            _cluster.restart_node(node)


@pytest.fixture
def cluster_client(cluster):
    with aerospike.client(cluster.config).connect() as client:
        yield client
# --8<-- [end:conftest]


# --8<-- [start:code]
# orders.py: the code under test retries what is safe to retry.
def save_order(client, order_id, bins, attempts=3):
    key = ("test", "orders", order_id)
    for attempt in range(attempts):
        try:
            client.put(key, bins, policy={"max_retries": 0, "total_timeout": 500})
            return attempt + 1
        except (exception.TimeoutError, exception.RecordBusy):  # 14: a hot key, not applied
            # a put of the same bins may run twice, so retrying it is safe even when in doubt
            if attempt == attempts - 1:
                raise
# --8<-- [end:code]


# --8<-- [start:tests]
# test_orders.py
def each_node(cluster, **fault):
    for node in range(len(cluster.ports)):
        cluster.inject_fault(node=node, **fault)


def test_a_hot_key_is_retried(cluster, cluster_client):
    each_node(cluster, kind="result_code", result_code=14, times=1)  # 14: hot key
    assert save_order(cluster_client, 1, {"total": 10}) == 2


def test_a_slow_cluster_gives_up_with_a_timeout(cluster, cluster_client):
    each_node(cluster, kind="delay", delay_ms=2000)
    with pytest.raises(exception.TimeoutError):
        save_order(cluster_client, 2, {"total": 20})


def test_orders_survive_a_node_crash(cluster, cluster_client):
    for i in range(100):
        save_order(cluster_client, i, {"total": i})
    cluster.kill_node(2)
    # Keys of the dead node wait for the client's tend to drop it (up to tend_interval, 1 s).
    keys = [("test", "orders", i) for i in range(100)]
    assert cluster_client.batch_read(keys, policy={"total_timeout": 5000}).found_count() == 100
# --8<-- [end:tests]


if __name__ == "__main__":
    import subprocess

    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull, "-W", "error", "-p", "no:asyncio", __file__]
    proc = subprocess.run(args, cwd=tempfile.mkdtemp(), capture_output=True, text=True)
    print(proc.stdout.strip().splitlines()[-1].split(" in ")[0])  # 3 passed
    sys.exit(proc.returncode)
