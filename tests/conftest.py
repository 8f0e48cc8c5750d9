"""Shared fixtures: one server per session, and a `client` fixture that runs each test body on
both the sync `Client` and the `AsyncClient` (STYLE R13).

The server is the real cluster named by ``AEROSPIKE_HOSTS`` ("host:port[,host:port]") when that
variable is set, otherwise an embedded ``aerospike_py.LocalServer`` started for the session.
Tests never assume an empty namespace. Each test module writes to one set of its own, whose name
is the same on every run (``py_<module>``): an Aerospike namespace holds at most 4,095 set names
and removing records never frees one, so a random set per test would fill a real server's
namespace within a few runs. Every key made through the ``keys`` fixture is removed after its
test, and the set is emptied before the module's first test, so each test starts from an empty
set and the suite runs unchanged, run after run, against a real server.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import uuid
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aerospike_py as aerospike

NAMESPACE = os.environ.get("AEROSPIKE_NAMESPACE", "test")

# Methods that are plain (not coroutines) on AsyncClient too (SPEC "Clients").
PLAIN_METHODS = frozenset({"is_connected", "get_node_names", "get_nodes", "get_key_partition_id", "query", "scan"})


def parse_hosts(text: str) -> list[tuple[str, int]]:
    """``"host:port[,host:port]"`` -> ``[(host, port), ...]``."""
    hosts = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        host, _, port = item.rpartition(":")
        hosts.append((host, int(port)) if host else (item, 3000))
    return hosts


@pytest.fixture(scope="session")
def server_hosts() -> Iterator[list[tuple[str, int]]]:
    """``[(host, port)]`` of the server the session runs against."""
    env = os.environ.get("AEROSPIKE_HOSTS")
    if env:
        yield parse_hosts(env)
        return
    if not hasattr(aerospike, "LocalServer"):
        raise RuntimeError(
            "aerospike_py.LocalServer is not in this build of the extension; "
            "set AEROSPIKE_HOSTS=host:port to run the suite against a running server"
        )
    with aerospike.LocalServer() as server:
        yield [tuple(h) for h in server.hosts]


# The conformance corpus (tests/test_conformance.py): recorded answers of a real Aerospike CE
# 8.1.2.0 server, kept outside the repo. AEROSPIKE_CONFORMANCE_DIR names it; otherwise it is the
# `shared/conformance` directory beside the clone. Without it the replay skips, and the summary
# says so in a banner; under CI (CI=true) the replay fails instead, so a green CI has replayed it.
CONFORMANCE_ENV = "AEROSPIKE_CONFORMANCE_DIR"


def conformance_dir() -> Path:
    """Where the corpus is looked for."""
    env = os.environ.get(CONFORMANCE_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "conformance"


def conformance_missing() -> str | None:
    """Why the corpus cannot be replayed, or None when it is there."""
    where = conformance_dir()
    if (where / "run.py").is_file() and (where / "golden.json").is_file():
        return None
    how = f"{CONFORMANCE_ENV}={os.environ[CONFORMANCE_ENV]}" if os.environ.get(CONFORMANCE_ENV) else f"no {CONFORMANCE_ENV}"
    return f"conformance corpus not found at {where} ({how}): the replay against recorded real-server answers did not run"


@pytest.fixture(scope="session")
def conformance_corpus() -> Path:
    """The corpus directory; skips without it (fails under CI)."""
    missing = conformance_missing()
    if missing is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{missing}; CI needs it: set {CONFORMANCE_ENV}")
        pytest.skip(missing)
    return conformance_dir()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One loud line when the corpus was wanted but missing, whatever else scrolled by."""
    ran = any(
        str(getattr(report, "nodeid", None) or "").startswith("tests/test_conformance.py")
        for reports in terminalreporter.stats.values()
        for report in reports
    )
    missing = conformance_missing()
    if ran and missing is not None:
        terminalreporter.write_sep("!", "CONFORMANCE NOT REPLAYED", red=True, bold=True)
        terminalreporter.write_line(f"{missing}; set {CONFORMANCE_ENV} to the corpus directory", red=True, bold=True)


@pytest.fixture(scope="session")
def cluster_config() -> Iterator[dict[str, Any]]:
    """A config for a multi-node cluster: a ``LocalServer(nodes=3)`` started for the session (its
    nodes own disjoint partitions), or the server named by ``AEROSPIKE_HOSTS``. For the
    partition-parallel readers, whose "each row exactly once" matters most across nodes."""
    env = os.environ.get("AEROSPIKE_HOSTS")
    if env:
        yield {"hosts": parse_hosts(env), "timeout": 10000}
        return
    with aerospike.LocalServer(nodes=3) as server:
        yield {"hosts": [tuple(h) for h in server.hosts], "timeout": 10000}


@pytest.fixture(scope="session")
def hosts_arg(server_hosts: list[tuple[str, int]]) -> str:
    """The server as a ``--hosts`` argument: ``"host:port[,host:port]"``."""
    return ",".join(f"{h}:{p}" for h, p in server_hosts)


@pytest.fixture
def config(server_hosts: list[tuple[str, int]]) -> dict[str, Any]:
    """A fresh client config for the session server (tests may change it)."""
    return {"hosts": list(server_hosts), "timeout": 5000}


@pytest.fixture(scope="session")
def cleaner(server_hosts: list[tuple[str, int]]) -> Iterator[aerospike.Client]:
    """A sync client used only to remove what tests wrote."""
    c = aerospike.client({"hosts": list(server_hosts)}).connect()
    yield c
    c.close()


class AsyncAdapter:
    """Runs an ``AsyncClient`` synchronously so that one test body serves both clients.

    Each method is called inside a coroutine on the event loop the fixture owns (the awaitable is
    created with that loop running), and the awaitable it returns is run to completion. Every
    I/O method must return an awaitable: the adapter fails the test otherwise, so each test also
    checks that the async client really is asynchronous. Plain methods and attributes pass
    through.
    """

    is_async = True

    def __init__(self, inner: aerospike.AsyncClient, runner: asyncio.Runner) -> None:
        self._inner = inner
        self._runner = runner

    @property
    def inner(self) -> aerospike.AsyncClient:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr) or name.startswith("__"):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            async def run() -> Any:
                result = attr(*args, **kwargs)
                if name in PLAIN_METHODS:
                    assert not inspect.isawaitable(result), f"AsyncClient.{name}() must be a plain method"
                    return result
                assert inspect.isawaitable(result), f"AsyncClient.{name}() returned {result!r}, not an awaitable"
                return await result

            result = self._runner.run(run())
            return self if result is self._inner else result

        return call

    def __enter__(self) -> AsyncAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _make_async(config: dict[str, Any], runner: asyncio.Runner) -> AsyncAdapter:
    async def build() -> aerospike.AsyncClient:
        return aerospike.async_client(config)

    return AsyncAdapter(runner.run(build()), runner)


@pytest.fixture
def make_client(client_kind: str) -> Iterator[Callable[[dict[str, Any]], Any]]:
    """``make_client(config)`` -> an unconnected client of the kind under test (sync, or the async
    one behind an `AsyncAdapter`); everything it made is closed after the test."""
    is_async = client_kind == "async"
    made: list[Any] = []
    runner = asyncio.Runner() if is_async else None

    def make(cfg: dict[str, Any]) -> Any:
        c = _make_async(cfg, runner) if runner is not None else aerospike.client(cfg)
        made.append(c)
        return c

    try:
        yield make
    finally:
        try:
            for c in made:
                try:
                    c.close()
                except aerospike.AerospikeError:
                    pass
        finally:
            if runner is not None:
                runner.close()


@pytest.fixture(params=["sync", "async"])
def client_kind(request: pytest.FixtureRequest) -> str:
    """Which client a test runs on: "sync" (`Client`) or "async" (`AsyncClient` via `AsyncAdapter`)."""
    return request.param


@pytest.fixture
def is_async(client_kind: str) -> bool:
    return client_kind == "async"


@pytest.fixture
def client(client_kind: str, make_client: Callable[[dict[str, Any]], Any], config: dict[str, Any]) -> Any:
    """A connected client, run once as `Client` and once as `AsyncClient` (through `AsyncAdapter`)."""
    return make_client(config).connect()


@pytest.fixture
def ns() -> str:
    return NAMESPACE


def module_set(module_name: str) -> str:
    """The fixed set of a test module: ``tests/test_kv.py`` -> ``py_kv``."""
    return "py_" + module_name.rsplit(".", 1)[-1].removeprefix("test_")


def remove_all(client: aerospike.Client, namespace: str, set_name: str) -> None:
    """Removes every record of a set, by digest: what an earlier test or an interrupted run left."""
    for record in client.query(namespace, set_name).results():
        if record.key is not None:
            try:
                client.remove((namespace, set_name, None, record.key.digest))
            except aerospike.RecordNotFound:
                pass


@pytest.fixture(scope="module")
def module_set_name(request: pytest.FixtureRequest, cleaner: aerospike.Client) -> str:
    """The module's fixed set, emptied once before the module's first test (of what an earlier,
    interrupted run left); each test removes its own records through ``keys``."""
    name = module_set(request.module.__name__)
    remove_all(cleaner, NAMESPACE, name)
    return name


@pytest.fixture
def set_name(module_set_name: str) -> str:
    """The test module's fixed set."""
    return module_set_name


@pytest.fixture(scope="session")
def empty_set(cleaner: aerospike.Client) -> Callable[[str, str], None]:
    """``empty_set(namespace, set)``: removes every record of a set (for module-scoped data)."""
    return functools.partial(remove_all, cleaner)


class Keys:
    """Makes keys in the test's set and remembers them, so that their records are removed after
    the test: ``keys("pk")`` -> ``(namespace, set, "pk")``."""

    def __init__(self, namespace: str, set_name: str) -> None:
        self.namespace = namespace
        self.set = set_name
        self.made: list[tuple[Any, ...]] = []

    def __call__(self, pk: str | int | bytes | None = None) -> tuple[str, str, Any]:
        if pk is None:
            pk = uuid.uuid4().hex[:12]
        key = (self.namespace, self.set, pk)
        self.made.append(key)
        return key

    def many(self, n: int, prefix: str = "k") -> list[tuple[str, str, Any]]:
        return [self(f"{prefix}{i}") for i in range(n)]


@pytest.fixture
def keys(ns: str, set_name: str, cleaner: aerospike.Client) -> Iterator[Keys]:
    made = Keys(ns, set_name)
    yield made
    for key in made.made:
        try:
            cleaner.remove(key)
        except aerospike.AerospikeError:
            pass
