"""Client life cycle and configuration, info commands, the exception classes, asyncio behaviour
and the GIL: what both clients share beyond the single-record commands."""

from __future__ import annotations

import asyncio
import inspect
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import pytest_asyncio

import aerospike_py as aerospike
from aerospike_py import exception

# --------------------------------------------------------------------------------------------
# config validation (raised when the client is made, before any connection)


def test_unknown_config_key_names_it(make_client, config):
    config["hostz"] = [("127.0.0.1", 3000)]
    with pytest.raises(exception.ParamError, match="hostz"):
        make_client(config)


def test_config_must_be_a_dict(make_client):
    with pytest.raises(TypeError, match="dict"):
        make_client([("127.0.0.1", 3000)])


@pytest.mark.parametrize(
    "hosts, exc",
    [
        ([], exception.ParamError),
        ([("127.0.0.1", 70000)], exception.ParamError),
        ([("127.0.0.1", -1)], exception.ParamError),
        ([("127.0.0.1",)], exception.ParamError),
        ([("127.0.0.1", 3000, "tls", "x")], exception.ParamError),
        ([("127.0.0.1", "3000")], TypeError),
        ([(3000, "127.0.0.1")], TypeError),
        (["127.0.0.1:notaport"], exception.ParamError),
        ("127.0.0.1:3000", TypeError),
        ([None], TypeError),
    ],
    ids=["empty", "port_too_big", "port_negative", "no_port", "four_items", "port_str", "swapped", "bad_port_str", "bare_str", "none"],
)
def test_bad_hosts_rejected(make_client, hosts, exc):
    with pytest.raises(exc):
        make_client({"hosts": hosts})


def test_missing_hosts_rejected(make_client):
    with pytest.raises(exception.ParamError, match="hosts"):
        make_client({"cluster_name": "x"})


@pytest.mark.parametrize("form", ["tuple_list", "str_list", "tuple_of_tuples", "with_tls_name"])
def test_host_formats_connect(make_client, server_hosts, form):
    host, port = server_hosts[0]
    hosts = {
        "tuple_list": [(host, port)],
        "str_list": [f"{host}:{port}"],
        "tuple_of_tuples": ((host, port),),
        "with_tls_name": [(host, port, None)],
    }[form]
    c = make_client({"hosts": hosts}).connect()
    assert c.is_connected()


@pytest.mark.parametrize(
    "config_extra, name",
    [
        ({"timeout": "5s"}, "timeout"),
        ({"timeout": -5}, "timeout"),
        ({"cluster_name": 5}, "cluster_name"),
        ({"policies": [1]}, "policies"),
        ({"policies": {"wrtie": {}}}, "wrtie"),
        ({"policies": {"write": {"bogus_key": 1}}}, "bogus_key"),
        ({"policies": {"read": {"exists": 1}}}, "exists"),
        ({"policies": {"write": {"exists": 42}}}, "exists"),
    ],
    ids=["timeout_str", "timeout_negative", "cluster_name_int", "policies_list", "policy_family", "policy_key", "read_exists", "exists_value"],
)
def test_bad_config_values_name_the_key(make_client, config, config_extra, name):
    config.update(config_extra)
    with pytest.raises((exception.ParamError, TypeError), match=name):
        make_client(config)


def test_user_without_password_rejected(make_client, config):
    config["user"] = "admin"
    with pytest.raises(exception.ParamError, match="password"):
        make_client(config)


def test_tls_with_an_unreadable_cafile_names_the_key_and_path(make_client, config):
    config["tls"] = {"enable": True, "cafile": "/nonexistent"}
    with pytest.raises(exception.ParamError, match=r'config\["tls"\]\["cafile"\] "/nonexistent": cannot read it'):
        make_client(config)


def test_write_default_ttl_applied(make_client, config, keys):
    config["policies"] = {"write": {"ttl": 4321}}
    c = make_client(config).connect()
    k = keys()
    c.put(k, {"a": 1})
    assert 4311 <= c.get(k).meta.ttl <= 4321
    c.put(k, {"a": 2}, meta={"ttl": 999})  # a call's meta wins over the default
    assert 989 <= c.get(k).meta.ttl <= 999


def test_write_default_exists_applied_and_overridable(make_client, config, keys):
    config["policies"] = {"write": {"exists": aerospike.POLICY_EXISTS_CREATE_ONLY}}
    c = make_client(config).connect()
    k = keys()
    c.put(k, {"a": 1})
    with pytest.raises(exception.RecordExistsError):
        c.put(k, {"a": 2})
    c.put(k, {"a": 3}, policy={"exists": aerospike.POLICY_EXISTS_IGNORE})
    assert c.get(k).bins == {"a": 3}


def test_write_default_send_key_accepted(make_client, config, keys):
    config["policies"] = {"write": {"key": aerospike.POLICY_KEY_SEND}, "read": {"key": aerospike.POLICY_KEY_SEND}}
    c = make_client(config).connect()
    k = keys("sent")
    c.put(k, {"a": 1})
    assert c.get(k).key.user_key == "sent"


def test_operate_default_policy_applied(make_client, config, keys):
    config["policies"] = {"operate": {"exists": aerospike.POLICY_EXISTS_UPDATE_ONLY}}
    c = make_client(config).connect()
    k = keys()
    with pytest.raises(exception.RecordNotFound):
        c.operate(k, [{"op": aerospike.OPERATOR_WRITE, "bin": "a", "val": 1}])
    c.put(k, {"a": 1})  # the write family is not affected
    c.operate(k, [{"op": aerospike.OPERATOR_WRITE, "bin": "a", "val": 2}])
    assert c.get(k).bins == {"a": 2}


def test_remove_default_policy_applied(make_client, config, keys):
    config["policies"] = {"remove": {"gen": aerospike.POLICY_GEN_EQ}}
    c = make_client(config).connect()
    k = keys()
    c.put(k, {"a": 1})
    c.put(k, {"a": 2})
    with pytest.raises(exception.RecordGenerationError):
        c.remove(k, meta={"gen": 1})
    c.remove(k, meta={"gen": 2})
    assert c.exists(k).meta is None


def test_wrong_cluster_name_fails_to_connect(make_client, config):
    config["cluster_name"] = "definitely-not-this-cluster"
    config["timeout"] = 1500
    with pytest.raises(exception.AerospikeError):
        make_client(config).connect()


# --------------------------------------------------------------------------------------------
# LocalServer, the embedded test backend


def test_local_server_lifecycle(keys):
    server = aerospike.LocalServer()
    assert server.is_running is False
    with server as s:
        assert s is server and s.is_running
        ((host, port),) = s.hosts
        assert port == s.port and port > 0
        assert s.config["hosts"] == s.hosts
        with aerospike.client(s.config).connect() as c:
            c.put(("test", "demo", "x"), {"a": 1})
            assert c.get(("test", "demo", "x")).bins == {"a": 1}
    assert server.is_running is False
    with pytest.raises(exception.ClientError):
        server.port


def test_two_local_servers_are_independent():
    with aerospike.LocalServer() as a, aerospike.LocalServer() as b:
        assert a.port != b.port
        with aerospike.client(a.config).connect() as ca, aerospike.client(b.config).connect() as cb:
            ca.put(("test", "s", "k"), {"v": "a"})
            with pytest.raises(exception.RecordNotFound):
                cb.get(("test", "s", "k"))


# --------------------------------------------------------------------------------------------
# life cycle


def test_connect_returns_self_and_is_connected(make_client, config):
    c = make_client(config)
    assert c.is_connected() is False
    assert c.connect() is c
    assert c.is_connected() is True
    assert c.connect() is c  # connecting again is harmless
    assert c.is_connected() is True


def test_close(make_client, config):
    c = make_client(config).connect()
    c.close()
    assert c.is_connected() is False
    c.close()  # closing twice is harmless


def test_unconnected_client_raises_client_error(make_client, config, ns):
    c = make_client(config)
    with pytest.raises(exception.ClientError, match="connect"):
        c.get((ns, "s", "k"))
    with pytest.raises(exception.ClientError):
        c.put((ns, "s", "k"), {"a": 1})
    with pytest.raises(exception.ClientError):
        c.info_random_node("build")


def test_closed_client_raises_client_error(make_client, config, keys):
    c = make_client(config).connect()
    k = keys()
    c.put(k, {"a": 1})
    c.close()
    with pytest.raises(exception.ClientError):
        c.get(k)
    with pytest.raises(exception.ClientError):
        c.operate(k, [{"op": aerospike.OPERATOR_READ, "bin": "a"}])
    assert c.get_node_names() == []


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_forked_child_is_refused_the_parents_connections_and_can_make_its_own(config, keys, kind):
    # A child that wrote on its parent's pooled sockets would interleave its commands with the
    # parent's on the same connections: the child gets a ClientError, the parent keeps working.
    k = keys()
    if kind == "sync":
        parent = aerospike.client(config).connect()
        parent.put(k, {"a": 1})
    else:
        parent = aerospike.AsyncClient(config)
        asyncio.run(parent.connect())
        with aerospike.client(config).connect() as writer:
            writer.put(k, {"a": 1})
    pid = os.fork()
    if pid == 0:  # the child: report through the exit code, never return into pytest
        signal.alarm(60)  # a hang (the parent's runtime threads do not exist here) ends the child
        code = 3
        try:
            parent.get(k)  # sync: raises; async: raises when the coroutine is made
            code = 1
        except exception.ClientError as e:
            code = 0 if "fork" in str(e) and not parent.is_connected() else 2
        except BaseException:
            code = 4
        if code == 0:  # a client of its own works in the child (multiprocessing workers)
            try:
                if kind == "sync":
                    with aerospike.client(config).connect() as own:
                        code = 0 if own.get(k).bins == {"a": 1} else 5
                else:

                    async def read() -> bool:
                        own = aerospike.AsyncClient(config)
                        await own.connect()
                        try:
                            return (await own.get(k)).bins == {"a": 1}
                        finally:
                            await own.close()

                    code = 0 if asyncio.run(read()) else 5
            except BaseException:
                code = 6
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    if kind == "sync":
        assert parent.get(k).bins == {"a": 1}
        parent.close()
    else:
        assert parent.is_connected()
        asyncio.run(parent.close())


def test_reconnect_after_close(make_client, config, keys):
    c = make_client(config).connect()
    c.close()
    c.connect()
    k = keys()
    c.put(k, {"a": 1})
    assert c.get(k).bins == {"a": 1}


def test_get_node_names(client):
    names = client.get_node_names()
    assert isinstance(names, list) and names
    assert all(isinstance(n, str) and n for n in names)


def test_info_random_node(client):
    assert client.info_random_node("status").strip() == "ok"
    build = client.info_random_node("build")
    assert isinstance(build, str) and build.strip()


def test_info_all(client, ns):
    """The official client's shape: {node_name: (error, answer)}, the answer ending in a newline."""
    answers = client.info_all("namespaces")
    assert isinstance(answers, dict)
    assert set(answers) == set(client.get_node_names())
    for err, value in answers.values():
        assert err is None and value.endswith("\n")
        assert ns in value.strip().split(";")


def test_info_single_node(client):
    name = client.get_node_names()[0]
    assert client.info_single_node("node", name) == name
    with pytest.raises(exception.ClientError, match="no node"):
        client.info_single_node("node", "NO-SUCH-NODE")
    with pytest.raises(TypeError, match="host"):
        client.info_single_node("node", 5)


def test_ping(client, make_client, config):
    assert client.ping() is True
    assert make_client(config).ping() is False  # not connected: False, not an error


def test_info_policy_checked(client):
    with pytest.raises(exception.ParamError, match="bogus"):
        client.info_random_node("status", policy={"bogus": 1})


@pytest.fixture
def dead_port():
    """A local port on which nothing listens."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def silent_port():
    """A local port that accepts connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield s.getsockname()[1]
    s.close()


def test_connect_to_dead_port_raises(make_client, dead_port):
    c = make_client({"hosts": [("127.0.0.1", dead_port)], "timeout": 1000})
    with pytest.raises(exception.AerospikeError) as info:
        c.connect()
    assert not isinstance(info.value, exception.ParamError)
    assert c.is_connected() is False
    with pytest.raises(exception.ClientError):
        c.get(("test", "s", "k"))


def test_connect_to_silent_server_times_out(make_client, silent_port):
    c = make_client({"hosts": [("127.0.0.1", silent_port)], "timeout": 500})
    with pytest.raises(exception.AerospikeError):
        c.connect()
    assert c.is_connected() is False


def test_sync_context_manager(config, keys):
    k = keys()
    with aerospike.client(config).connect() as c:
        assert c.is_connected()
        c.put(k, {"a": 1})
        assert c.get(k).bins == {"a": 1}
    assert c.is_connected() is False
    with pytest.raises(exception.ClientError):
        c.get(k)


def test_sync_context_manager_closes_on_error(config):
    with pytest.raises(RuntimeError, match="boom"):
        with aerospike.client(config).connect() as c:
            raise RuntimeError("boom")
    assert c.is_connected() is False


# --------------------------------------------------------------------------------------------
# exceptions


def test_hierarchy():
    assert issubclass(exception.RecordNotFound, exception.RecordError)
    assert issubclass(exception.RecordError, exception.AerospikeError)
    assert issubclass(exception.AerospikeError, Exception)
    assert issubclass(exception.ParamError, ValueError)
    assert issubclass(exception.ParamError, exception.ClientError)
    for cls in (
        exception.RecordExistsError,
        exception.RecordGenerationError,
        exception.RecordTooBig,
        exception.BinTypeError,
        exception.BinNameError,
        exception.FilteredOut,
    ):
        assert issubclass(cls, exception.RecordError)
    for cls in (exception.UDFError, exception.AdminError, exception.AerospikeIndexError, exception.InvalidRequest):
        assert issubclass(cls, exception.ServerError)
    assert issubclass(exception.IndexNotFound, exception.IndexError)
    assert exception.TimeoutError is exception.AerospikeTimeoutError
    assert aerospike.RecordNotFound is exception.RecordNotFound
    # The aliases must not shadow builtins through a star import.
    assert "TimeoutError" not in aerospike.__all__ and "IndexError" not in aerospike.__all__


def _is_server_node(node, client, server_hosts):
    """The node an error names: its node name, or its address (the aerospike crate's spelling) —
    a seed's, or in a cluster any node's, as each announces in `service-clear-std`."""
    announced = {a for _, answer in client.info_all("service-clear-std").values() for a in re.split(r"[;,]", answer.strip()) if a}
    return node in client.get_node_names() or node in {f"{h}:{p}" for h, p in server_hosts} | announced


def test_server_error_carries_code_node_and_message(client, keys, server_hosts):
    k = keys("missing-one")
    with pytest.raises(exception.RecordNotFound) as info:
        client.get(k)
    err = info.value
    assert err.result_code == aerospike.AEROSPIKE_ERR_RECORD_NOT_FOUND == err.code
    assert err.in_doubt is False
    assert _is_server_node(err.node, client, server_hosts), err.node
    assert err.message and str(err) == err.message


def test_remove_missing_error_names_node(client, keys, server_hosts):
    with pytest.raises(exception.RecordNotFound) as info:
        client.remove(keys())
    assert _is_server_node(info.value.node, client, server_hosts), info.value.node


def test_write_error_carries_code(client, keys):
    k = keys()
    client.put(k, {"a": 1})
    with pytest.raises(exception.RecordExistsError) as info:
        client.put(k, {"a": 1}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    assert info.value.result_code == 5
    assert info.value.in_doubt is False


def test_exceptions_pickle_with_their_facts(client, keys):
    with pytest.raises(exception.RecordNotFound) as info:
        client.get(keys())
    err = info.value
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is exception.RecordNotFound
    assert (back.message, back.result_code, back.in_doubt, back.node) == (err.message, err.result_code, err.in_doubt, err.node)
    param = exception.ParamError("bad", -2)
    back = pickle.loads(pickle.dumps(param))
    assert isinstance(back, ValueError) and back.result_code == -2 and str(back) == "bad"


def test_exception_defaults_and_repr():
    err = exception.RecordGenerationError("gen mismatch", 3, True, "BB9")
    assert (err.result_code, err.in_doubt, err.node) == (3, True, "BB9")
    assert "RecordGenerationError" in repr(err) and "3" in repr(err)
    bare = exception.AerospikeError()
    assert bare.result_code == -1 and bare.in_doubt is False and bare.node is None


# --------------------------------------------------------------------------------------------
# asyncio


@pytest_asyncio.fixture
async def aclient(config):
    c = await aerospike.async_client(config).connect()
    yield c
    await c.close()


@pytest.mark.asyncio
async def test_async_context_manager(config, keys):
    k = keys()
    async with aerospike.async_client(config) as c:
        assert c.is_connected()
        await c.put(k, {"a": 1})
        assert (await c.get(k)).bins == {"a": 1}
    assert c.is_connected() is False


@pytest.mark.asyncio
async def test_async_connect_resolves_to_client(config):
    c = aerospike.async_client(config)
    awaitable = c.connect()
    assert inspect.isawaitable(awaitable)
    assert await awaitable is c
    await c.close()


@pytest.mark.asyncio
async def test_async_methods_return_awaitables(aclient, keys):
    k = keys()
    calls = {
        "put": lambda: aclient.put(k, {"a": 1, "s": "x"}),
        "get": lambda: aclient.get(k),
        "select": lambda: aclient.select(k, ["a"]),
        "exists": lambda: aclient.exists(k),
        "touch": lambda: aclient.touch(k, 100),
        "append": lambda: aclient.append(k, "s", "y"),
        "prepend": lambda: aclient.prepend(k, "s", "w"),
        "increment": lambda: aclient.increment(k, "a", 1),
        "operate": lambda: aclient.operate(k, [{"op": aerospike.OPERATOR_READ, "bin": "a"}]),
        "operate_ordered": lambda: aclient.operate_ordered(k, [{"op": aerospike.OPERATOR_READ, "bin": "a"}]),
        "remove_bin": lambda: aclient.remove_bin(k, ["s"]),
        "info_random_node": lambda: aclient.info_random_node("status"),
        "info_all": lambda: aclient.info_all("status"),
        "remove": lambda: aclient.remove(k),
    }
    for name, call in calls.items():
        pending = call()
        assert inspect.isawaitable(pending), name
        await pending
    assert not inspect.isawaitable(aclient.is_connected())
    assert isinstance(aclient.get_node_names(), list)


@pytest.mark.asyncio
async def test_async_bad_arguments_raise_at_call_time(aclient):
    with pytest.raises(exception.ParamError):
        aclient.get(("test", "s"))  # no await: raised before an awaitable exists
    with pytest.raises(TypeError):
        aclient.put(("test", "s", "k"), [1])


@pytest.mark.asyncio
async def test_async_server_error_raised_on_await(aclient, keys):
    pending = aclient.get(keys())
    with pytest.raises(exception.RecordNotFound):
        await pending


@pytest.mark.asyncio
async def test_async_gather_many(aclient, keys):
    ks = keys.many(200, "item_")
    await asyncio.gather(*(aclient.put(k, {"idx": i}) for i, k in enumerate(ks)))
    records = await asyncio.gather(*(aclient.get(k) for k in ks))
    assert [r.bins["idx"] for r in records] == list(range(200))
    missing = keys("never-written")
    results = await asyncio.gather(aclient.get(ks[0]), aclient.get(missing), return_exceptions=True)
    assert results[0].bins == {"idx": 0}
    assert isinstance(results[1], exception.RecordNotFound)


@pytest.mark.asyncio
async def test_async_concurrent_increments_are_atomic(aclient, keys):
    k = keys()
    await aclient.put(k, {"n": 0})
    await asyncio.gather(*(aclient.increment(k, "n", 1) for _ in range(100)))
    _, meta, bins = await aclient.get(k)
    assert bins == {"n": 100} and meta.gen == 101


@pytest.mark.asyncio
async def test_async_client_does_not_block_the_loop(silent_port):
    """While a connect waits on a peer that never answers, other tasks keep running."""
    ticks = 0
    stop = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    c = aerospike.async_client({"hosts": [("127.0.0.1", silent_port)], "timeout": 500})
    with pytest.raises(exception.AerospikeError):
        await c.connect()
    stop.set()
    await task
    assert ticks > 100


# --------------------------------------------------------------------------------------------
# the GIL


def _count_while(thread: threading.Thread) -> int:
    """Pure-Python work done on this thread while `thread` runs."""
    count = 0
    thread.start()
    while thread.is_alive():
        count += 1
    thread.join()
    return count


def test_gil_released_while_waiting_on_server(silent_port):
    """A call blocked on the network must let other Python threads run (delta-rs test_threaded)."""
    c = aerospike.client({"hosts": [("127.0.0.1", silent_port)], "timeout": 1000})
    errors = []

    def blocked():
        try:
            c.connect()
        except exception.AerospikeError as e:
            errors.append(e)

    progress = _count_while(threading.Thread(target=blocked))
    assert errors, "connect to a silent peer should fail"
    # Holding the GIL for the whole wait would leave this thread a handful of iterations at most.
    assert progress > 10_000


# A subprocess, so the SIGINT reaches no test runner. The signal is sent once the client's
# connection has reached the silent peer, so the call is surely waiting when it lands.
CTRL_C_SCRIPT = textwrap.dedent(
    """
    import os, signal, socket, threading
    import aerospike_py as aerospike

    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    port = silent.getsockname()[1]
    accepted = []

    def interrupt_once_connected():
        accepted.append(silent.accept())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_connected, daemon=True).start()
    try:
        aerospike.client({"hosts": [("127.0.0.1", port)], "timeout": 600_000}).connect()
        print("connected")
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    try:
        aerospike.client({"hosts": [("127.0.0.1", port)], "timeout": 200}).connect()
    except aerospike.exception.AerospikeError:
        print("still works", flush=True)
    """
)


def test_ctrl_c_interrupts_a_waiting_sync_call():
    """Ctrl-C raises KeyboardInterrupt in a sync call blocked on the network (one that would
    otherwise wait ten minutes; the subprocess's bound guards against a hang, it measures
    nothing), and the next call works."""
    done = subprocess.run([sys.executable, "-c", CTRL_C_SCRIPT], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.splitlines() == ["interrupted", "still works"], done.stderr[-2000:]
    assert "panic" not in done.stderr.lower(), done.stderr[-2000:]


# A get that reads on the calling thread (the sync client's blocking connection) from a node
# that does not answer: SIGINT, sent from a timer, must end the wait.
CTRL_C_ON_A_BLOCKING_READ_SCRIPT = textwrap.dedent(
    """
    import os, signal, threading
    import aerospike_py as aerospike

    with aerospike.LocalServer() as server:
        c = aerospike.client(server.config).connect()
        key = ("test", "ctrl_c", "k")
        c.put(key, {"a": 1})
        c.get(key)  # the partition map and a connection are ready: the next get reads here
        server.inject_fault(node=0, kind="delay", delay_ms=600_000)
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            c.get(key, policy={"total_timeout": 600_000, "socket_timeout": 0})
            print("read")
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        server.clear_faults()
        print(c.get(key).bins, flush=True)
    """
)


def test_ctrl_c_interrupts_a_sync_get_waiting_on_its_own_thread():
    """A sync get waits for its answer in the kernel on the caller's thread: Ctrl-C still raises
    KeyboardInterrupt at once (not after its ten-minute timeout; the subprocess's bound guards
    against a hang, it measures nothing), and the next get works."""
    done = subprocess.run([sys.executable, "-c", CTRL_C_ON_A_BLOCKING_READ_SCRIPT], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.splitlines() == ["interrupted", "{'a': 1}"], done.stderr[-2000:]
    assert "panic" not in done.stderr.lower(), done.stderr[-2000:]


def test_sync_gets_from_many_threads_each_read_their_own_record(config, keys):
    """16 threads reading at once (each on its own blocking connection, or through the
    runtime when none is free) each get their own records, whole."""
    c = aerospike.client(config).connect()
    ks = keys.many(64, "thr_get")
    for i, k in enumerate(ks):
        c.put(k, {"i": i, "s": f"v{i}", "l": [i, float(i)]})
    failures: list[Exception] = []
    wrong: list[tuple[int, object]] = []

    def work(offset: int) -> None:
        try:
            for round_ in range(20):
                i = (offset * 7 + round_) % len(ks)
                bins = c.get(ks[i]).bins
                if bins != {"i": i, "s": f"v{i}", "l": [i, float(i)]}:
                    wrong.append((i, bins))
                if c.exists(ks[i]).meta is None:
                    wrong.append((i, "missing"))
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert not wrong, wrong[:3]


def test_sync_client_shared_between_threads(config, keys):
    ks = keys.many(8, "thr")
    c = aerospike.client(config).connect()
    failures = []

    def work(k):
        try:
            for _ in range(50):
                c.increment(k, "n", 1)
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in ks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not failures
        assert [c.get(k).bins["n"] for k in ks] == [50] * 8
    finally:
        c.close()


class DelayProxy:
    """A TCP proxy run by Python threads that holds each server answer for `delay` seconds.

    A client that kept the GIL while waiting on the network would starve these threads: its
    commands would then never complete (they time out), so every command that succeeds through
    the proxy shows that the wait released the GIL."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target, self.delay = target, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with self.lock:
                self.sockets += [conn, upstream]
            for src, dst, delay in ((conn, upstream, 0.0), (upstream, conn, self.delay)):
                t = threading.Thread(target=self._pump, args=(src, dst, delay), daemon=True)
                t.start()
                self.threads.append(t)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, delay: float) -> None:
        try:
            while data := src.recv(65536):
                if delay:
                    time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        for t in self.threads:
            t.join(5)


def test_gil_released_during_commands(server_hosts, keys):
    """While one thread runs puts/gets that wait on the network, other Python threads run."""
    proxy = DelayProxy(server_hosts[0], delay=0.01)
    try:
        c = aerospike.client({"hosts": [("127.0.0.1", proxy.port)], "timeout": 5000}).connect()
        k = keys()
        done = []
        failures = []

        def work():
            try:
                for i in range(20):
                    c.put(k, {"i": i}, policy={"timeout": 3000})
                    assert c.get(k, policy={"timeout": 3000}).bins == {"i": i}
                    done.append(i)
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(e)

        progress = _count_while(threading.Thread(target=work))
        c.close()
    finally:
        proxy.close()
    assert not failures, failures
    assert len(done) == 20
    assert progress > 10_000


class StallProxy(DelayProxy):
    """A DelayProxy that forwards at once, except that server answers are held while `stalled`
    is set (set once the client is connected, so connecting is not slowed)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.stalled = threading.Event()
        # A delay of 1 marks the server -> client direction for `_pump`; nothing sleeps that long.
        super().__init__(target, delay=1.0)

    def _pump(self, src: socket.socket, dst: socket.socket, delay: float) -> None:  # type: ignore[override]
        try:
            while data := src.recv(65536):
                while delay and self.stalled.is_set():
                    time.sleep(0.01)
                dst.sendall(data)
        except OSError:
            pass


def test_commands_on_other_threads_end_by_their_own_timeout(server_hosts, keys):
    """Threads other than the main one wait for a command without waking to check for signals
    (Python runs signal handlers on the main thread only; src/runtime.rs `drive`): a command the
    server does not answer still ends with its timeout error, whether its thread drives the
    client's I/O itself or waits as a guest of the background thread (8 threads at once), and
    the client works again afterwards."""
    proxy = StallProxy(server_hosts[0])
    try:
        c = aerospike.client({"hosts": [("127.0.0.1", proxy.port)], "timeout": 5000}).connect()
        k = keys()
        c.put(k, {"a": 1})
        proxy.stalled.set()
        timeouts, others = [], []

        def work():
            try:
                c.get(k, policy={"total_timeout": 300, "socket_timeout": 300, "max_retries": 0})
            except exception.AerospikeTimeoutError as e:
                timeouts.append(e)
            except Exception as e:  # noqa: BLE001 - reported below
                others.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)  # a bound against a hang; it measures nothing
        assert not any(t.is_alive() for t in threads)
        assert not others, others
        assert len(timeouts) == 8
        proxy.stalled.clear()
        assert c.get(k).bins == {"a": 1}
        c.close()
    finally:
        proxy.stalled.clear()
        proxy.close()


def test_client_fixture_runs_both_clients(client, is_async):
    if is_async:
        assert isinstance(client.inner, aerospike.AsyncClient)
    else:
        assert isinstance(client, aerospike.Client)
    assert client.is_connected()


def test_get_nodes_and_key_partition_ids(client, server_hosts, keys):
    """The official client's cluster helpers: `get_nodes()` -> [(address, port)] (plain method on
    both clients), and `get_key_partition_id(ns, set, key)`, computed from the digest."""
    nodes = client.get_nodes()
    assert len(nodes) == len(client.get_node_names()) >= 1
    assert all(isinstance(host, str) and isinstance(port, int) for host, port in nodes)
    key = keys("pid")
    client.put(key, {"a": 1})
    digest = client.get(key).key.digest
    pid = client.get_key_partition_id(*key)
    assert pid == (digest[0] | digest[1] << 8) & 4095
    assert client.get_key_partition_id(key[0], key[1], 12345) == client.get_key_partition_id(key[0], key[1], 12345)
    with pytest.raises(TypeError):
        client.get_key_partition_id(key[0], key[1], 1.5)
    assert aerospike.calc_digest(*key) == bytearray(digest)  # the official module-level helper


def test_scan_is_a_query_without_a_predicate(client, keys):
    ks = keys.many(5, prefix="scan")
    for i, k in enumerate(ks):
        client.put(k, {"i": i})
    scan = client.inner.scan(ks[0][0], ks[0][1]) if getattr(client, "is_async", False) else client.scan(ks[0][0], ks[0][1])
    records = client._runner.run(scan.results()) if getattr(client, "is_async", False) else scan.results()
    assert sorted(r.bins["i"] for r in records) == list(range(5))
