"""Doctests of the package run as tests: every docstring example gets `aerospike` and a connected
`client` (on a LocalServer, or on the server named by AEROSPIKE_HOSTS)."""

import importlib.util
import os

import pytest

import aerospike_py as aerospike


# Modules that import an optional engine at their top: their doctests are skipped, not a
# collection error, where the engine is not installed.
_OPTIONAL = {"polars.py": "polars", "dask.py": "dask", "ray.py": "ray", "spark.py": "pyspark"}
collect_ignore = [f"python/aerospike_py/{m}" for m, dep in _OPTIONAL.items() if importlib.util.find_spec(dep) is None]


def _hosts_from_env() -> list[tuple[str, int]] | None:
    hosts = os.environ.get("AEROSPIKE_HOSTS")
    if not hosts:
        return None
    return [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in hosts.split(",")]


@pytest.fixture(scope="session")
def _doctest_client():
    hosts = _hosts_from_env()
    server = None
    if hosts is None:
        server = aerospike.LocalServer().start()
        hosts = server.hosts
    client = aerospike.client({"hosts": hosts}).connect()
    yield client
    client.close()
    if server is not None:
        server.stop()


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace):
    if isinstance(request.node, pytest.DoctestItem):
        doctest_namespace["aerospike"] = aerospike
        doctest_namespace["client"] = request.getfixturevalue("_doctest_client")
