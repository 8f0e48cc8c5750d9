"""`max_concurrent_operations` (the seed's backpressure): at most that many commands in flight
per client; another waits for a slot up to `operation_queue_timeout_ms`, then raises
BackpressureError (0 waits as long as it takes)."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exception as ex

PATIENT = {"total_timeout": 30_000, "socket_timeout": 30_000}
SLOW_UDF = "function slow(rec, n) local x = 0 for i = 1, n do x = x + i end return x end\n"


@pytest.fixture
def slow_module(config: dict[str, Any], tmp_path: Path) -> Any:
    name = f"bp_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.lua"
    path.write_text(SLOW_UDF)
    with aerospike.client(config).connect() as c:
        c.udf_put(str(path))
        yield name
        c.udf_remove(name)


def busy_iterations(config: dict[str, Any], module: str, key: Any) -> int:
    """Loop iterations that keep the UDF running for at least ~0.3 s on this server."""
    with aerospike.client(config).connect() as c:
        c.put(key, {"a": 1})
        n = 200_000
        while True:
            started = time.perf_counter()
            c.apply(key, module, "slow", [n], PATIENT)
            if time.perf_counter() - started > 0.3 or n > 10**9:
                return n
            n *= 4


def test_a_command_past_the_limit_waits_then_fails(config: dict[str, Any], slow_module: str, keys: Any) -> None:
    key = keys()
    n = busy_iterations(config, slow_module, key)

    async def main() -> tuple[Any, Any]:
        limited = {**config, "max_concurrent_operations": 1, "operation_queue_timeout_ms": 50}
        async with aerospike.async_client(limited) as client:
            busy = asyncio.create_task(client.apply(key, slow_module, "slow", [n], PATIENT))
            await asyncio.sleep(0.05)  # the slow command holds the only slot
            with pytest.raises(ex.BackpressureError, match="max_concurrent_operations") as err:
                await client.exists(key)
            await busy
            after = await client.exists(key)  # the slot is free again
            return err.value, after

    err, after = asyncio.run(main())
    assert isinstance(err, ex.ClientError)
    assert after.meta is not None


def test_without_a_queue_timeout_a_command_waits_for_its_slot(config: dict[str, Any], slow_module: str, keys: Any) -> None:
    key = keys()
    n = busy_iterations(config, slow_module, key)

    async def main() -> list[Any]:
        limited = {**config, "max_concurrent_operations": 2}
        async with aerospike.async_client(limited) as client:
            return await asyncio.gather(client.apply(key, slow_module, "slow", [n], PATIENT), client.apply(key, slow_module, "slow", [n], PATIENT), client.exists(key))

    results = asyncio.run(main())
    assert results[0] == results[1] and results[2].meta is not None


def test_the_limit_applies_to_the_sync_client_across_threads(config: dict[str, Any], slow_module: str, keys: Any) -> None:
    import threading

    key = keys()
    n = busy_iterations(config, slow_module, key)
    client = aerospike.client({**config, "max_concurrent_operations": 1, "operation_queue_timeout_ms": 50}).connect()
    try:
        busy = threading.Thread(target=client.apply, args=(key, slow_module, "slow", [n], PATIENT))
        busy.start()
        time.sleep(0.05)
        with pytest.raises(ex.BackpressureError):
            client.get(key)
        busy.join()
        assert client.get(key).meta.gen >= 1
    finally:
        client.close()
