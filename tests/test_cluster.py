"""Both clients against a three-node `LocalServer(nodes=3)`, as against a real cluster: they find
every node from one seed, route each key to the node owning its partition, split batches across
the nodes and put the answers back in request order, scan and query every node for its own
partitions (each record once, pages resuming exactly), and see per-node info and a cluster-wide
truncate. The official client runs against the same cluster as the independent check.

Retries are off throughout, and a node counts the commands it received for a partition it does
not own and proxied to the owner (`client_proxy_complete`, `batch_sub_proxy_complete`, as a real
node counts them): none are, so every success below was routed right the first time.
"""

from __future__ import annotations

import base64
import doctest
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import predicates as p
from aerospike_py.constants import OPERATOR_INCR, OPERATOR_READ

NODES = 3
NAMESPACE = "test"
N_PARTITIONS = 4096
OK = 0
NOT_FOUND = 2
POLICY_FAMILIES = ("read", "write", "operate", "remove", "batch", "query")


@pytest.fixture(scope="module")
def cluster() -> Iterator[aerospike.LocalServer]:
    with aerospike.LocalServer(nodes=NODES) as server:
        yield server


@pytest.fixture
def cluster_config(cluster: aerospike.LocalServer) -> dict[str, Any]:
    """One seed only: the client must find the other nodes through its peers."""
    return {
        "hosts": cluster.hosts[:1],
        "timeout": 5000,
        "policies": {family: {"max_retries": 0} for family in POLICY_FAMILIES},
    }


@pytest.fixture
def cclient(make_client: Any, cluster_config: dict[str, Any]) -> Any:
    """A client of the kind under test (sync, or async behind the adapter) on the cluster."""
    return make_client(cluster_config).connect()


@pytest.fixture
def set_name() -> str:
    return f"c_{uuid.uuid4().hex[:8]}"


def keys_of(set_name: str, n: int) -> list[tuple[str, str, int]]:
    return [(NAMESPACE, set_name, i) for i in range(n)]


def partition_of(digest: bytes) -> int:
    return (digest[0] | digest[1] << 8) & (N_PARTITIONS - 1)


def owned_partitions(client: Any) -> dict[str, set[int]]:
    """Node name -> the partitions of the test namespace it reports as its own (replicas-master)."""
    owned = {}
    for node, (_, answer) in client.info_all("replicas-master").items():
        bitmap = dict(entry.split(":", 1) for entry in answer.strip().split(";"))[NAMESPACE]
        bits = base64.b64decode(bitmap)
        owned[node] = {pid for pid in range(N_PARTITIONS) if bits[pid // 8] & (0x80 >> (pid % 8))}
    return owned


def objects_per_node(client: Any, set_name: str) -> dict[str, int]:
    """Node name -> records of the set the node counts (its own: they add up across nodes)."""
    counts = {}
    for node, (_, answer) in client.info_all(f"sets/{NAMESPACE}/{set_name}").items():
        fields = dict(kv.split("=", 1) for kv in answer.strip().rstrip(";").split(":") if "=" in kv)
        counts[node] = int(fields.get("objects", 0))
    return counts


def proxied(client: Any) -> int:
    """Commands and batch rows the nodes received for partitions they do not own (and proxied)."""
    total = 0
    for _, (_, answer) in client.info_all(f"namespace/{NAMESPACE}").items():
        fields = dict(kv.split("=", 1) for kv in answer.strip().split(";"))
        total += int(fields["client_proxy_complete"]) + int(fields["batch_sub_proxy_complete"])
    return total


def expected_per_node(client: Any, digests: list[bytes]) -> dict[str, int]:
    owned = owned_partitions(client)
    return {node: sum(partition_of(d) in parts for d in digests) for node, parts in owned.items()}


def new_query(client: Any, set_name: str) -> Any:
    return client.inner.query(NAMESPACE, set_name) if getattr(client, "is_async", False) else client.query(NAMESPACE, set_name)


def results(client: Any, query: Any, policy: dict[str, Any] | None = None) -> list[Any]:
    """`query.results()` on the client under test (awaited on the adapter's loop when async)."""
    if getattr(client, "is_async", False):

        async def run() -> list[Any]:
            return await query.results(policy)

        return client._runner.run(run())
    return query.results(policy)


def write_numbered(client: Any, set_name: str, n: int) -> list[tuple[str, str, int]]:
    keys = keys_of(set_name, n)
    written = client.batch_write([(k, {"n": k[2]}) for k in keys])
    assert [br.result for br in written.batch_records] == [OK] * n
    return keys


# --- the cluster as the clients see it --------------------------------------------------------


def test_clients_find_every_node_from_one_seed(cclient: Any, cluster: aerospike.LocalServer) -> None:
    names = cclient.get_node_names()
    assert len(names) == NODES
    assert sorted(answer.strip() for _, answer in cclient.info_all("node").values()) == sorted(names)
    owned = owned_partitions(cclient)
    assert sorted(owned) == sorted(names)
    assert sum(len(parts) for parts in owned.values()) == N_PARTITIONS
    assert set().union(*owned.values()) == set(range(N_PARTITIONS)), "every partition has an owner"


def test_info_per_node(cclient: Any) -> None:
    for node, (_, stats) in cclient.info_all("statistics").items():
        fields = dict(kv.split("=", 1) for kv in stats.strip().split(";"))
        assert fields["cluster_size"] == str(NODES), node
    keys = {answer.strip() for _, answer in cclient.info_all(f"cluster-stable:size={NODES}").values()}
    assert len(keys) == 1 and not next(iter(keys)).startswith("ERROR"), "one cluster key, on every node"
    assert cclient.info_random_node("node") in cclient.get_node_names()


# --- single-record commands ---------------------------------------------------------------------


def test_single_record_commands_land_on_their_owners(cclient: Any, set_name: str) -> None:
    before = proxied(cclient)
    keys = keys_of(set_name, 300)
    for k in keys:
        cclient.put(k, {"n": k[2], "s": f"v{k[2]}"})
    digests = [cclient.get(k).key.digest for k in keys]
    assert [cclient.get(k).bins for k in keys] == [{"n": i, "s": f"v{i}"} for i in range(300)]
    assert objects_per_node(cclient, set_name) == expected_per_node(cclient, digests)
    assert all(n > 50 for n in objects_per_node(cclient, set_name).values()), "the keys spread over the nodes"
    ops = [
        {"op": OPERATOR_INCR, "bin": "n", "val": 1000},
        {"op": OPERATOR_READ, "bin": "n", "val": None},
    ]
    assert [cclient.operate(k, ops).bins["n"] for k in keys] == [1000 + i for i in range(300)]
    for k in keys[::2]:
        cclient.remove(k)
    assert [cclient.exists(k).meta is not None for k in keys] == [i % 2 == 1 for i in range(300)]
    assert sum(objects_per_node(cclient, set_name).values()) == 150
    assert proxied(cclient) == before, "no command reached a node that does not own its key"


# --- batches ----------------------------------------------------------------------------------


def test_batches_split_across_nodes_answer_in_request_order(cclient: Any, set_name: str) -> None:
    before = proxied(cclient)
    keys = write_numbered(cclient, set_name, 3000)
    # Missing keys between present ones, and the order shuffled: answers follow the request.
    asked = [(NAMESPACE, set_name, i) for i in range(3500)][::-1]
    batch = cclient.batch_read(asked)
    assert [br.key.user_key for br in batch.batch_records] == [k[2] for k in asked]
    assert batch.result_codes.tolist() == [OK if k[2] < 3000 else NOT_FOUND for k in asked]
    assert [br.record.bins["n"] for br in batch.batch_records if br.record] == [k[2] for k in asked if k[2] < 3000]
    digests = [br.key.digest for br in batch.batch_records if br.record]
    assert objects_per_node(cclient, set_name) == expected_per_node(cclient, digests)

    ops = [
        {"op": OPERATOR_INCR, "bin": "n", "val": 1},
        {"op": OPERATOR_READ, "bin": "n", "val": None},
    ]
    operated = cclient.batch_operate(keys, ops)
    assert [br.result for br in operated.batch_records] == [OK] * 3000
    assert [br.record.bins["n"] for br in operated.batch_records] == [i + 1 for i in range(3000)]

    removed = cclient.batch_remove(keys[:1000])
    assert [br.result for br in removed.batch_records] == [OK] * 1000
    assert sum(objects_per_node(cclient, set_name).values()) == 2000
    assert proxied(cclient) == before, "no batch row reached a node that does not own its key"


# --- scans and queries ------------------------------------------------------------------------


def test_scan_and_index_query_return_each_record_once(cclient: Any, set_name: str) -> None:
    write_numbered(cclient, set_name, 2000)
    scanned = [r.bins["n"] for r in results(cclient, new_query(cclient, set_name))]
    assert sorted(scanned) == list(range(2000))
    index = f"ix_{uuid.uuid4().hex[:10]}"
    cclient.index_integer_create(NAMESPACE, set_name, "n", index)
    try:
        query = new_query(cclient, set_name).where(p.between("n", 500, 1499))
        assert sorted(r.bins["n"] for r in results(cclient, query)) == list(range(500, 1500))
    finally:
        cclient.index_remove(NAMESPACE, index)


def test_paginated_scan_resumes_exactly(cclient: Any, set_name: str) -> None:
    write_numbered(cclient, set_name, 2000)
    query = new_query(cclient, set_name).paginate()
    query.max_records = 250
    pages = []
    while not query.is_done():
        page = results(cclient, query)
        assert len(page) <= 250
        pages.append([r.bins["n"] for r in page])
        assert len(pages) < 20
    assert sorted(n for page in pages for n in page) == list(range(2000)), "no record lost, none repeated"


def test_partition_filter_scan_spans_nodes(cclient: Any, set_name: str) -> None:
    keys = write_numbered(cclient, set_name, 2000)
    digests = {k[2]: d for k, d in zip(keys, (br.key.digest for br in cclient.batch_read(keys).batch_records))}
    wanted = {n for n, d in digests.items() if partition_of(d) < 1000}
    got = results(cclient, new_query(cclient, set_name), {"partition_filter": aerospike.partition_filter_by_range(0, 1000)})
    assert sorted(r.bins["n"] for r in got) == sorted(wanted)


# --- cluster-wide commands --------------------------------------------------------------------


def test_truncate_clears_every_node(cclient: Any, set_name: str) -> None:
    write_numbered(cclient, set_name, 600)
    assert all(n > 0 for n in objects_per_node(cclient, set_name).values())
    time.sleep(0.01)  # truncate drops records updated strictly before its cut-off
    cclient.truncate(NAMESPACE, set_name)
    assert objects_per_node(cclient, set_name) == dict.fromkeys(cclient.get_node_names(), 0)
    assert results(cclient, new_query(cclient, set_name)) == []


# --- the official client ----------------------------------------------------------------------


def test_official_client_routes_across_the_cluster(cluster: aerospike.LocalServer, set_name: str) -> None:
    official = pytest.importorskip("aerospike")
    from aerospike import predicates as official_predicates
    no_retries = {"max_retries": 0}
    config = {
        "hosts": cluster.hosts[:1],
        "policies": {family: no_retries for family in ("read", "write", "operate", "remove", "batch", "scan", "query")},
    }
    c = official.client(config).connect()
    try:
        assert len(c.get_node_names()) == NODES
        keys = keys_of(set_name, 1000)
        for k in keys:
            c.put(k, {"n": k[2]})
        assert [c.get(k)[2]["n"] for k in keys[:200]] == list(range(200))
        batch = c.batch_read(keys)
        assert [br.record[2]["n"] for br in batch.batch_records] == list(range(1000))
        assert sorted(bins["n"] for _, _, bins in c.scan(NAMESPACE, set_name).results()) == list(range(1000))
        c.index_single_value_create(NAMESPACE, set_name, "n", official.INDEX_NUMERIC, f"off_{set_name}")
        try:
            query = c.query(NAMESPACE, set_name)
            query.where(official_predicates.between("n", 100, 199))
            assert sorted(bins["n"] for _, _, bins in query.results()) == list(range(100, 200))
        finally:
            c.index_remove(NAMESPACE, f"off_{set_name}")
        answers = c.info_all(f"sets/{NAMESPACE}/{set_name}")
        assert len(answers) == NODES
        assert sum(int(answer.split("objects=")[1].split(":")[0]) for _, answer in answers.values()) == 1000
    finally:
        c.close()


# --- LocalServer ------------------------------------------------------------------------------


def test_local_server_exposes_every_node(cluster: aerospike.LocalServer) -> None:
    assert cluster.nodes == NODES
    assert len(set(cluster.ports)) == NODES
    assert cluster.port == cluster.ports[0]
    assert cluster.hosts == [("127.0.0.1", port) for port in cluster.ports]
    assert cluster.config["hosts"] == cluster.hosts
    assert f"{NODES} nodes" in repr(cluster)
    with pytest.raises(aerospike.exception.ParamError):
        aerospike.LocalServer(nodes=0)
    single = aerospike.LocalServer()
    assert single.nodes == 1


def test_local_server_docstring_examples_run() -> None:
    finder = doctest.DocTestFinder()
    tests = finder.find(aerospike.LocalServer, "LocalServer", globs={})
    assert tests and tests[0].examples, "LocalServer's docstring has examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
