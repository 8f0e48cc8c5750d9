"""What both clients do when the cluster fails, against `LocalServer(nodes=3, replication_factor=2)`:
a node killed and restarted mid-workload, faults injected into one node (delays, connections
dropped mid-response, refused connections, error result codes), and process shutdown with commands
in flight.

The properties pinned here are the official clients' (aerospike-client-c `as_command.c`, the Java
client's `Command` docs): an acknowledged write is never lost while a copy of its partition
survives; a write whose answer was lost is reported `in_doubt=True` and, with `max_retries=0`, sent
exactly once; `max_retries` counts re-sends after the first attempt; a command that runs out of time
raises a timeout error, in doubt only when it was a write that had been sent. The server side
follows Aerospike's partition balance and write-commit-level all (crates/local-server/src/cluster).

These tests need `LocalServer` features (killing nodes, injecting faults): they skip when
AEROSPIKE_HOSTS points the suite at a real cluster. No test asserts a time.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exception
from aerospike_py.constants import POLICY_REPLICA_MASTER, POLICY_REPLICA_SEQUENCE

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("AEROSPIKE_HOSTS")), reason="kills nodes and injects faults: needs LocalServer"
)

NAMESPACE = "test"
N_PARTITIONS = 4096
PARTITION_UNAVAILABLE = 11
SERVER_MEM_ERROR = 8


@pytest.fixture(scope="module")
def cluster() -> Iterator[aerospike.LocalServer]:
    with aerospike.LocalServer(nodes=3, replication_factor=2) as server:
        yield server


@pytest.fixture
def server(cluster: aerospike.LocalServer) -> Iterator[aerospike.LocalServer]:
    """The module's cluster, every node up and no fault active before and after each test."""
    yield cluster
    cluster.clear_faults()
    for i, up in enumerate(cluster.nodes_up):
        if not up:
            cluster.restart_node(i)


@pytest.fixture
def set_name() -> str:
    return f"f_{uuid.uuid4().hex[:8]}"


def connect(make_client: Callable[[dict[str, Any]], Any], server: aerospike.LocalServer, **policies: Any) -> Any:
    config: dict[str, Any] = {"hosts": server.hosts, "timeout": 5000, "tend_interval": 250}
    if policies:
        config["policies"] = policies
    return make_client(config).connect()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Polls `condition` (a bound, not a measurement: nothing here asserts a time)."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def sees_nodes(client: Any, n: int) -> Callable[[], bool]:
    return lambda: len(client.get_node_names()) == n


def node_index_of_master(client: Any, server: aerospike.LocalServer, key: tuple[str, str, Any]) -> int:
    """The index (into `server.ports`) of the node that answers `replicas-master` for `key`. The
    local server's node names start with the node's port in hex, as real node ids do."""
    digest = aerospike.calc_digest(*key)
    pid = (digest[0] | digest[1] << 8) & (N_PARTITIONS - 1)
    for name, (_, answer) in client.info_all("replicas-master").items():
        bits = base64.b64decode(dict(e.split(":", 1) for e in answer.strip().split(";"))[NAMESPACE])
        if bits[pid // 8] & (0x80 >> (pid % 8)):
            return list(server.ports).index(int(name[:-12], 16))
    raise AssertionError(f"no master for partition {pid}")


# --- the replicas map ---------------------------------------------------------------------------


def test_replicas_map_names_a_master_and_a_replica_on_distinct_nodes(server: aerospike.LocalServer) -> None:
    # partition.c as_partition_get_replicas_all_str: `ns:regime,n_replicas,map0,map1`.
    with aerospike.client(server.config).connect() as c:
        columns: list[list[set[int]]] = []
        for _, (_, answer) in sorted(c.info_all("replicas").items()):
            entry = dict(e.split(":", 1) for e in answer.strip().split(";"))[NAMESPACE]
            regime, n, *maps = entry.split(",")
            assert (regime, n, len(maps)) == ("0", "2", 2)
            sets = []
            for m in maps:
                bits = base64.b64decode(m)
                sets.append({p for p in range(N_PARTITIONS) if bits[p // 8] & (0x80 >> (p % 8))})
            columns.append(sets)
    for position in (0, 1):
        assert sorted(p for node in columns for p in node[position]) == list(range(N_PARTITIONS))
    for node in columns:
        assert not node[0] & node[1], "a node is never master and replica of one partition"


# --- no acknowledged write lost -----------------------------------------------------------------


def test_no_acknowledged_write_is_lost_across_a_node_kill_and_restart(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server, write={"max_retries": 3, "sleep_between_retries": 50, "total_timeout": 3000})
    acked: dict[int, int] = {}
    failed: list[tuple[int, bool]] = []
    for i in range(600):
        if i == 200:
            server.kill_node(1)
        if i == 400:
            server.restart_node(1)
        try:
            client.put((NAMESPACE, set_name, i), {"v": i})
            acked[i] = i
        except exception.AerospikeError as e:
            failed.append((i, e.in_doubt))
    wait_for(sees_nodes(client, 3), "the client sees the restarted node")
    assert len(acked) >= 500, f"most writes succeed across the loss: {len(acked)} acked, {failed[:5]}"
    lost = []
    for i, v in acked.items():
        try:
            _, _, bins = client.get((NAMESPACE, set_name, i))
        except exception.RecordNotFound:
            lost.append(i)
            continue
        assert bins == {"v": v}
    assert lost == []


def test_the_other_copy_serves_a_dead_master_and_a_returning_node_gets_what_it_missed(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    keys = [(NAMESPACE, set_name, i) for i in range(100)]
    for k in keys:
        client.put(k, {"v": 1})
    server.kill_node(0)
    wait_for(sees_nodes(client, 2), "the client drops the dead node")
    for k in keys:
        client.put(k, {"v": 2})
    server.restart_node(0)
    wait_for(sees_nodes(client, 3), "the client sees the node again")
    # Node 0 came back empty: what it masters now was copied to it before it was named master.
    server.kill_node(1)
    server.kill_node(2)
    wait_for(sees_nodes(client, 1), "only node 0 is left")
    assert [client.get(k)[2] for k in keys] == [{"v": 2}] * len(keys)


def test_with_one_copy_a_lost_node_takes_its_records_with_it(make_client: Any, set_name: str) -> None:
    # Not friendlier than Aerospike: replication factor 1 on an in-memory namespace loses the
    # records of a node that dies; its partitions start empty on the nodes that take them over.
    with aerospike.LocalServer(nodes=2) as one_copy:
        client = connect(make_client, one_copy)
        keys = [(NAMESPACE, set_name, i) for i in range(60)]
        for k in keys:
            client.put(k, {"v": 1})
        one_copy.kill_node(1)
        wait_for(sees_nodes(client, 1), "the client drops the dead node")
        found = sum(1 for k in keys if client.exists(k)[1] is not None)
        assert 0 < found < len(keys)


# --- a stale partition map: proxying ------------------------------------------------------------


def proxied(server: aerospike.LocalServer) -> tuple[int, int]:
    """Single-record commands and batch rows the nodes proxied so far (`client_proxy_complete`,
    `batch_sub_proxy_complete`, counted by the node that received them)."""
    with aerospike.client(server.config).connect() as fresh:
        answers = [a or "" for _, a in fresh.info_all("namespace/test").values()]
    stats = [{k: v for k, _, v in (kv.partition("=") for kv in a.strip().split(";"))} for a in answers]
    return sum(int(s["client_proxy_complete"]) for s in stats), sum(int(s["batch_sub_proxy_complete"]) for s in stats)


def test_a_command_reaching_a_node_that_no_longer_owns_its_key_is_proxied_and_applied_once(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    # thr_tsvc.c: a node that cannot reserve a command's partition (not its master for a write,
    # no copy for a read) diverts it to the node that has it (`as_proxy_divert`, proxy.c) and
    # answers on the client's connection; it never answers 11 for a partition some node holds.
    # The client's map is stale on purpose: its tend has just dropped the dead node 0 and given
    # its partitions to the nodes standing in for it, and the next tend is `tend_interval` away
    # when node 0 comes back and masters them again.
    stale = make_client({"hosts": server.hosts, "timeout": 5000, "tend_interval": 2000}).connect()
    commands, rows = proxied(server)
    server.kill_node(0)
    wait_for(sees_nodes(stale, 2), "the client's tend drops the dead node")
    server.restart_node(0)
    keys = [(NAMESPACE, set_name, i) for i in range(60)]
    for k in keys:
        stale.increment(k, "n", 1, policy={"max_retries": 0})
    # Batch rows are proxied as well (thr_tsvc.c: origin FROM_BATCH is diverted like a client's).
    written = stale.batch_write([((NAMESPACE, set_name, f"b{i}"), {"n": 1}) for i in range(60)], policy={"max_retries": 0})
    assert [r.result for r in written.batch_records] == [0] * 60
    now = proxied(server)
    assert now[0] > commands and now[1] > rows, "some keys went through a node that proxied them"
    assert [stale.get(k, policy={"max_retries": 0})[2] for k in keys] == [{"n": 1}] * len(keys)
    fresh = connect(make_client, server)
    assert [fresh.get(k)[2] for k in keys] == [{"n": 1}] * len(keys), "each increment ran once"
    assert [fresh.get((NAMESPACE, set_name, f"b{i}"))[2] for i in range(60)] == [{"n": 1}] * 60


# --- background jobs -----------------------------------------------------------------------------

MARK_UDF = "function mark(rec, v) rec['bg'] = v aerospike:update(rec) return v end\n"


def test_no_write_of_a_finished_background_job_is_lost_with_its_master(
    server: aerospike.LocalServer, make_client: Any, set_name: str, tmp_path: Any
) -> None:
    # A background job's writes are internal transactions that take the write path, replica
    # writes included (thr_tsvc.c origin FROM_IUDF/FROM_IOPS; udf.c, write.c): once the job is
    # done, losing the node that ran them loses none.
    client = connect(make_client, server)
    keys = [(NAMESPACE, set_name, i) for i in range(300)]
    client.batch_write([(k, {"v": k[2]}) for k in keys])
    module = f"m_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{module}.lua"
    path.write_text(MARK_UDF)
    client.udf_put(str(path))
    try:
        job = client.scan_apply(NAMESPACE, set_name, module, "mark", [1])
        deadline = time.monotonic() + 30
        while client.job_info(job, aerospike.JOB_SCAN)["status"] != aerospike.JOB_STATUS_COMPLETED:
            assert time.monotonic() < deadline, "the job never completed"
            time.sleep(0.05)
        master = node_index_of_master(client, server, keys[0])
        server.kill_node(master)
        wait_for(sees_nodes(client, 2), "the client drops the dead node")
        assert [client.get(k)[2].get("bg") for k in keys] == [1] * len(keys)
    finally:
        client.udf_remove(module)


# --- replica policy ----------------------------------------------------------------------------


@pytest.mark.parametrize("replica, succeeds", [(POLICY_REPLICA_SEQUENCE, True), (POLICY_REPLICA_MASTER, False)])
def test_reads_retry_on_the_replica_only_when_the_policy_says_so(
    server: aerospike.LocalServer, make_client: Any, set_name: str, replica: int, succeeds: bool
) -> None:
    client = connect(make_client, server)
    key = (NAMESPACE, set_name, "r")
    client.put(key, {"v": 1})
    master = node_index_of_master(client, server, key)
    server.inject_fault(node=master, kind="result_code", result_code=PARTITION_UNAVAILABLE)
    policy = {"replica": replica, "max_retries": 1}
    if succeeds:
        assert client.get(key, policy=policy)[2] == {"v": 1}
    else:
        with pytest.raises(exception.AerospikeError):
            client.get(key, policy=policy)


# --- in doubt, retries, timeouts ----------------------------------------------------------------


def test_a_write_cut_off_mid_response_is_in_doubt_and_applied_once(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    key = (NAMESPACE, set_name, "counter")
    client.put(key, {"n": 0})
    master = node_index_of_master(client, server, key)
    server.inject_fault(node=master, kind="drop", times=1)
    with pytest.raises(exception.AerospikeError) as err:
        client.increment(key, "n", 1, policy={"max_retries": 0})
    assert err.value.in_doubt is True
    assert client.get(key)[2] == {"n": 1}, "it ran once, and was not sent again"


@pytest.mark.parametrize("refusals, max_retries, succeeds", [(2, 2, True), (3, 2, False), (1, 0, False)])
def test_max_retries_counts_resends_after_the_first_attempt(
    server: aerospike.LocalServer, make_client: Any, set_name: str, refusals: int, max_retries: int, succeeds: bool
) -> None:
    client = connect(make_client, server)
    key = (NAMESPACE, set_name, "retry")
    client.put(key, {"v": 1})
    master = node_index_of_master(client, server, key)
    server.inject_fault(node=master, kind="result_code", result_code=PARTITION_UNAVAILABLE, times=refusals)
    policy = {"max_retries": max_retries, "sleep_between_retries": 1, "replica": POLICY_REPLICA_MASTER}
    if succeeds:
        assert client.get(key, policy=policy)[2] == {"v": 1}
    else:
        with pytest.raises(exception.AerospikeError):
            client.get(key, policy=policy)


def test_a_command_that_cannot_finish_in_time_times_out_in_doubt_only_for_writes(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    key = (NAMESPACE, set_name, "slow")
    client.put(key, {"v": 1})
    master = node_index_of_master(client, server, key)
    server.inject_fault(node=master, kind="delay", delay_ms=1500)
    fast = {"socket_timeout": 100, "total_timeout": 300, "max_retries": 1, "sleep_between_retries": 10}
    with pytest.raises(exception.AerospikeTimeoutError) as read:
        client.get(key, policy={**fast, "replica": POLICY_REPLICA_MASTER})
    assert read.value.in_doubt is False
    with pytest.raises(exception.AerospikeTimeoutError) as write:
        client.put(key, {"v": 2}, policy=fast)
    assert write.value.in_doubt is True


def test_a_server_error_answer_is_raised_with_its_code(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    key = (NAMESPACE, set_name, "full")
    master = node_index_of_master(client, server, key)
    server.inject_fault(node=master, kind="result_code", result_code=SERVER_MEM_ERROR, times=1)
    with pytest.raises(exception.AerospikeError) as err:
        client.put(key, {"v": 1})
    assert err.value.code == SERVER_MEM_ERROR
    assert err.value.in_doubt is False
    client.put(key, {"v": 1})


@pytest.mark.parametrize(
    ("code", "cls"),
    [(PARTITION_UNAVAILABLE, exception.ClusterError), (14, exception.RecordBusy), (18, exception.DeviceOverload)],
)
@pytest.mark.parametrize(("max_retries", "in_doubt"), [(0, False), (2, True)])
def test_a_write_refused_on_every_attempt_raises_the_servers_answer(
    server: aerospike.LocalServer, make_client: Any, set_name: str, code: int, cls: type, max_retries: int, in_doubt: bool
) -> None:
    # as_command.c: once retries run out, the last server status is returned, and
    # as_error_set_in_doubt makes a write in doubt only if more than one attempt was sent (a
    # refusal says the one attempt was not applied). Not MaxRetriesExceeded, never in doubt after
    # a single refused attempt.
    client = connect(make_client, server)
    key = (NAMESPACE, set_name, f"refused-{code}-{max_retries}")
    master = node_index_of_master(client, server, key)
    server.inject_fault(node=master, kind="result_code", result_code=code, times=max_retries + 1)
    policy = {"max_retries": max_retries, "sleep_between_retries": 1, "replica": POLICY_REPLICA_MASTER}
    with pytest.raises(cls) as err:
        client.put(key, {"v": 1}, policy=policy)
    assert err.value.code == code
    assert err.value.in_doubt is in_doubt
    assert not isinstance(err.value, exception.MaxRetriesExceeded)
    with pytest.raises(exception.RecordNotFound):
        client.get(key)


# --- batch and scan across a node loss ----------------------------------------------------------


def test_batch_rows_of_a_lost_node_come_back_by_retry_or_with_their_error(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    keys = [(NAMESPACE, set_name, i) for i in range(300)]
    client.batch_write([(k, {"v": k[2]}) for k in keys])
    server.kill_node(2)
    # Sent before the client has heard of the loss: rows for node 2 fail over to the replica
    # (retried by policy) or come back with their error; none is silently missing.
    result = client.batch_read(keys, policy={"max_retries": 3, "sleep_between_retries": 200})
    rows = result.batch_records
    assert len(rows) == len(keys)
    for k, row in zip(keys, rows):
        if row.result == 0:
            assert row.record[2] == {"v": k[2]}
        else:
            assert row.result != 2, f"{k}: a record of the lost node reads as not found"
    wait_for(sees_nodes(client, 2), "the client drops the dead node")
    again = client.batch_read(keys).batch_records
    assert [r.record[2] for r in again] == [{"v": k[2]} for k in keys]


def test_batch_read_counts_a_refused_connection_as_an_attempt_and_reads_the_replica(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    # batch_read runs on the client's own connections (crates/direct): a node whose port is
    # closed fails the attempt at once, and the retry walks to the replica (the official
    # client's behaviour, as_command.c), without waiting for the tend to drop the node. The
    # client tends every 1 s, longer than the whole read may take here.
    config = {"hosts": server.hosts, "timeout": 5000, "tend_interval": 1000}
    client = make_client(config).connect()
    keys = [(NAMESPACE, set_name, i) for i in range(300)]
    client.batch_write([(k, {"v": k[2]}) for k in keys])
    master = node_index_of_master(client, server, keys[0])
    client.batch_read(keys)  # connections to every node exist before the crash
    server.kill_node(master)
    with pytest.raises(exception.MaxRetriesExceeded):
        client.batch_read(keys, policy={"max_retries": 0, "total_timeout": 900})
    rows = client.batch_read(keys, policy={"max_retries": 2, "total_timeout": 900}).batch_records
    assert [r.record[2] for r in rows] == [{"v": k[2]} for k in keys]


def test_a_scan_into_columns_reads_a_dead_nodes_partitions_from_the_replica_once(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    # A scan into columns runs on the client's own connections (crates/direct): the dead node's
    # partitions fail their round, and the next round asks the replica for each of them after
    # its last record handed out, so every record comes once (the partition tracker of the
    # official clients, partition_tracker.c). Without retries the scan fails.
    pa = pytest.importorskip("pyarrow")
    config = {"hosts": server.hosts, "timeout": 5000, "tend_interval": 1000}
    client = make_client(config).connect()
    client.batch_write([((NAMESPACE, set_name, i), {"n": i}) for i in range(2000)])

    def scan(**policy: Any) -> Any:
        query = (client.inner if getattr(client, "is_async", False) else client).query(NAMESPACE, set_name)
        if getattr(client, "is_async", False):

            async def run() -> Any:
                return await query.to_arrow(policy=policy)

            return client._runner.run(run())
        return query.to_arrow(policy=policy)

    assert scan().num_rows == 2000  # connections to every node exist before the crash
    server.kill_node(1)
    with pytest.raises(exception.MaxRetriesExceeded):
        scan(max_retries=0)
    table = scan(max_retries=2, sleep_between_retries=0)
    assert isinstance(table, pa.Table)
    assert sorted(table.column("n").to_pylist()) == list(range(2000)), "every record once"


def test_a_partition_filtered_scan_resumes_after_a_node_loss(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    client.batch_write([((NAMESPACE, set_name, i), {"n": i}) for i in range(1000)])
    query = (client.inner if getattr(client, "is_async", False) else client).query(NAMESPACE, set_name).paginate()
    query.max_records = 200

    def page() -> list[Any]:
        if getattr(client, "is_async", False):

            async def run() -> list[Any]:
                return list(await query.results())

            return list(client._runner.run(run()))
        return list(query.results())

    seen = [r.bins["n"] for r in page()]
    server.kill_node(0)
    wait_for(sees_nodes(client, 2), "the client drops the dead node")
    rounds = 0
    while not query.is_done():
        try:
            seen.extend(r.bins["n"] for r in page())
        except exception.AerospikeError:
            pass  # a page that hit the loss: the partitions it did not finish are asked again
        rounds += 1
        assert rounds < 30
    assert sorted(set(seen)) == list(range(1000)), "every record returned after the resume"


# --- connections --------------------------------------------------------------------------------


def test_resets_and_half_answers_do_not_poison_the_pool(
    server: aerospike.LocalServer, make_client: Any, set_name: str
) -> None:
    client = connect(make_client, server)
    keys = [(NAMESPACE, set_name, i) for i in range(60)]
    for k in keys:
        client.put(k, {"v": k[2]})
    for node in range(3):
        server.inject_fault(node=node, kind="drop", times=4)
    failures = 0
    for k in keys:
        try:
            client.get(k, policy={"max_retries": 0})
        except exception.AerospikeError:
            failures += 1
    assert failures == 12, "each dropped answer fails its own command only"
    server.inject_fault(node=1, kind="refuse", times=5)
    server.kill_node(2)
    for k in keys:
        assert client.get(k, policy={"max_retries": 4, "sleep_between_retries": 50})[2] == {"v": k[2]}
    server.restart_node(2)
    wait_for(sees_nodes(client, 3), "the client sees the node again")
    assert [client.get(k)[2] for k in keys] == [{"v": k[2]} for k in keys]


# --- shutdown with commands in flight -----------------------------------------------------------

SHUTDOWN_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, threading
    import aerospike_py as aerospike

    mode = sys.argv[1]
    server = aerospike.LocalServer(nodes=2, replication_factor=2).start()
    server.inject_fault(node=0, kind="delay", delay_ms=400)
    server.inject_fault(node=1, kind="delay", delay_ms=400)
    key = ("test", "shutdown", 1)
    if mode.startswith("sync"):
        client = aerospike.client(server.config).connect()
        def hammer():
            for _ in range(50):
                try:
                    client.get(key)
                except aerospike.exception.AerospikeError:
                    pass
        threads = [threading.Thread(target=hammer, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        if mode == "sync-close":
            client.close()
            for t in threads:
                t.join()
    else:
        async def main():
            client = await aerospike.async_client(server.config).connect()
            tasks = [asyncio.ensure_future(client.get(key)) for _ in range(16)]
            await asyncio.sleep(0.05)
            if mode == "async-close":
                await client.close()
                await asyncio.gather(*tasks, return_exceptions=True)
            else:
                for t in tasks:
                    t.cancel()
        asyncio.run(main())
    print("exiting", flush=True)
    """
)


@pytest.mark.parametrize("mode", ["sync-close", "sync-exit", "async-close", "async-exit"])
def test_shutdown_with_commands_in_flight_never_crashes(mode: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SHUTDOWN_SCRIPT, mode], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "exiting" in done.stdout
    assert "panic" not in done.stderr.lower(), done.stderr[-2000:]


# --- the fault API ------------------------------------------------------------------------------


def test_bad_fault_requests_are_refused_before_anything_changes(server: aerospike.LocalServer) -> None:
    with pytest.raises(exception.ParamError, match='unknown fault kind "slow"'):
        server.inject_fault(node=0, kind="slow")
    with pytest.raises(exception.ParamError, match="needs delay_ms"):
        server.inject_fault(node=0, kind="delay")
    with pytest.raises(exception.ParamError, match="needs result_code"):
        server.inject_fault(node=0, kind="result_code")
    with pytest.raises(exception.ParamError, match="result_code does not apply"):
        server.inject_fault(node=0, kind="drop", result_code=14)
    with pytest.raises(exception.ParamError, match="from 1 to 255"):
        server.inject_fault(node=0, kind="result_code", result_code=300)
    with pytest.raises(exception.ParamError, match="times must be at least 1"):
        server.inject_fault(node=0, kind="refuse", times=0)
    with pytest.raises(exception.ParamError, match="node 3 does not exist"):
        server.inject_fault(node=3, kind="refuse")
    with pytest.raises(exception.ParamError, match="node 5 does not exist"):
        server.kill_node(5)
    with pytest.raises(exception.ParamError, match="replication_factor must be at least 1"):
        aerospike.LocalServer(replication_factor=0)
    with pytest.raises(exception.ParamError, match="at most 8 nodes"):
        aerospike.LocalServer(nodes=9)
    assert server.nodes_up == [True, True, True]
    assert server.replication_factor == 2
