import os
import sys
import tempfile

# --8<-- [start:conftest]
# conftest.py
import pytest

import aerospike_py as aerospike


@pytest.fixture(scope="session")
def aerospike_config():
    """A real server when AEROSPIKE_HOSTS=host:port is set, else one local server per test run."""
    hosts = os.environ.get("AEROSPIKE_HOSTS")
    if hosts:
        host, port = hosts.split(",")[0].rsplit(":", 1)
        yield {"hosts": [(host, int(port))]}
        return
    with aerospike.LocalServer() as server:
        yield server.config


@pytest.fixture
def client(aerospike_config):
    with aerospike.client(aerospike_config).connect() as client:
        yield client


@pytest.fixture
def set_name(client, request):
    """A set of this test's own, truncated afterwards, so tests never see each other's records."""
    name = request.node.name[:63]
    yield name
    client.truncate("test", name)
# --8<-- [end:conftest]


# --8<-- [start:test]
# test_profile.py: the code under test talks to Aerospike; the test needs nothing else installed.
def save_profile(client, set_name, user_id, profile):
    client.put(("test", set_name, user_id), profile, policy={"key": aerospike.POLICY_KEY_SEND})


def test_save_profile(client, set_name):
    save_profile(client, set_name, "u1", {"name": "Alice"})
    assert client.get(("test", set_name, "u1")).bins == {"name": "Alice"}
# --8<-- [end:test]


# --8<-- [start:async]
import pytest_asyncio


@pytest_asyncio.fixture
async def async_client(aerospike_config):
    async with aerospike.async_client(aerospike_config) as client:
        yield client


@pytest.mark.asyncio
async def test_async_put(async_client):
    await async_client.put(("test", "async_demo", 1), {"v": 1})
    assert (await async_client.get(("test", "async_demo", 1))).bins == {"v": 1}
# --8<-- [end:async]


if __name__ == "__main__":
    import subprocess

    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull, "-W", "error", "-o", "asyncio_default_fixture_loop_scope=function", __file__]
    proc = subprocess.run(args, cwd=tempfile.mkdtemp(), capture_output=True, text=True)
    print(proc.stdout.strip().splitlines()[-1].split(" in ")[0])  # 2 passed
    sys.exit(proc.returncode)
