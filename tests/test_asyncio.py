"""AsyncClient under asyncio's own tools: every method returns a coroutine, so create_task,
wait_for (timeouts and cancellation), TaskGroup and anyio take it; a cancelled command leaves
the client usable; and nothing at shutdown crashes the interpreter (checked in subprocesses).
"""

from __future__ import annotations

import asyncio
import collections.abc
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

import aerospike_py as aerospike


@pytest.fixture
def run(config: dict[str, Any]) -> Iterator[Callable[[Callable[[aerospike.AsyncClient], Any]], Any]]:
    """``run(body)`` runs ``await body(client)`` on a fresh loop with a connected AsyncClient."""

    def runner(body: Callable[[aerospike.AsyncClient], Any]) -> Any:
        async def main() -> Any:
            async with aerospike.async_client(config) as client:
                return await body(client)

        return asyncio.run(main())

    yield runner


def test_every_io_method_returns_a_coroutine(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        put = client.put(key, {"a": 1})
        assert asyncio.iscoroutine(put) and isinstance(put, collections.abc.Coroutine)
        await put
        get = client.get(key)
        assert asyncio.iscoroutine(get)
        assert (await get).bins == {"a": 1}
        exists = client.exists(key)
        assert asyncio.iscoroutine(exists)
        await exists

    run(body)


def test_a_coroutine_starts_only_when_awaited(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        never = client.put(key, {"a": 1})
        await asyncio.sleep(0.05)
        assert (await client.exists(key)).meta is None
        never.close()  # closing an unstarted coroutine sends nothing
        await asyncio.sleep(0.05)
        assert (await client.exists(key)).meta is None

    run(body)


def test_create_task_and_gather(run: Any, keys: Any) -> None:
    ks = keys.many(50)

    async def body(client: aerospike.AsyncClient) -> list[Any]:
        tasks = [asyncio.create_task(client.put(k, {"i": i})) for i, k in enumerate(ks)]
        await asyncio.gather(*tasks)
        return await asyncio.gather(*(client.get(k) for k in ks))

    records = run(body)
    assert [r.bins["i"] for r in records] == list(range(50))


def test_task_group_and_an_error_in_it(run: Any, keys: Any) -> None:
    ks = keys.many(20)
    missing = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        async with asyncio.TaskGroup() as tg:
            for i, k in enumerate(ks):
                tg.create_task(client.put(k, {"i": i}))
        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(client.get(missing))
                for k in ks:
                    tg.create_task(client.get(k))
        assert info.group_contains(aerospike.RecordNotFound)
        # The failed group cancelled its siblings; the client still works.
        assert (await client.get(ks[0])).bins == {"i": 0}

    run(body)


def test_wait_for_timeout_cancels_and_the_client_stays_usable(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        await client.put(key, {"n": 0})
        for _ in range(20):
            try:
                await asyncio.wait_for(client.get(key), timeout=1e-6)
            except TimeoutError:
                pass
        assert (await asyncio.wait_for(client.get(key), timeout=5)).bins == {"n": 0}
        # Many cancelled in flight at once, then normal traffic on the same pool.
        tasks = [asyncio.create_task(client.increment(key, "n", 1)) for _ in range(100)]
        await asyncio.sleep(0)
        for t in tasks[::2]:
            t.cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(d is None or isinstance(d, asyncio.CancelledError) for d in done)
        n = (await client.get(key)).bins["n"]
        assert 50 <= n <= 100  # cancelled increments may or may not have reached the server
        await client.put(key, {"n": -1})
        assert (await client.get(key)).bins == {"n": -1}

    run(body)


def test_cancel_raises_cancelled_error_in_the_awaiting_task(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        task = asyncio.create_task(client.get(key))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    run(body)


def test_context_variables_survive_the_await(run: Any, keys: Any) -> None:
    # The loop's waker resumes each Task directly: it must do so in the Task's own context, as
    # asyncio's call_soon would, or a request id set by a FastAPI middleware would vanish.
    import contextvars

    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")
    ks = keys.many(20)

    async def one(i: int, client: aerospike.AsyncClient) -> tuple[str, str]:
        request_id.set(f"req-{i}")
        await client.put(ks[i], {"i": i})
        await client.get(ks[i])
        return (f"req-{i}", request_id.get())

    async def body(client: aerospike.AsyncClient) -> None:
        pairs = await asyncio.gather(*(one(i, client) for i in range(20)))
        assert all(want == got for want, got in pairs)
        assert request_id.get() == "unset"

    run(body)


def test_the_started_command_is_the_future_its_task_waits_on(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        await client.put(key, {"a": 1})
        op = client.get(key)
        # Unstarted it is a coroutine, not a future: ensure_future and gather wrap it in a Task.
        assert not asyncio.isfuture(op) and asyncio.iscoroutine(op)
        task = asyncio.ensure_future(op)
        assert isinstance(task, asyncio.Task)
        await asyncio.sleep(0)
        # Started, it speaks the Future protocol to its Task.
        assert op.get_loop() is asyncio.get_running_loop()
        assert task._fut_waiter is op  # type: ignore[attr-defined]
        assert (await task).bins == {"a": 1}
        assert op.done() and not op.cancelled()
        # A done-callback added after the end runs soon, with the op, as asyncio.Future's does.
        seen: list[Any] = []
        op.add_done_callback(seen.append)
        await asyncio.sleep(0)
        assert seen == [op]
        # Cancelling a finished command is refused, as on a done Future.
        assert op.cancel() is False

    run(body)


def test_a_cancelled_command_reports_it_to_every_callback(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        op = client.get(key)
        task = asyncio.ensure_future(op)
        await asyncio.sleep(0)
        if op.done():  # finished before we could cancel it: nothing to check on this run
            await task
            return
        extra: list[Any] = []
        op.add_done_callback(extra.append)
        assert op.remove_done_callback(print) == 0
        assert task.cancel("stop")
        with pytest.raises(asyncio.CancelledError):
            await task
        assert op.cancelled() and op.done() and extra == [op]
        with pytest.raises(asyncio.CancelledError):
            op.result()

    run(body)


def test_throw_and_reuse_follow_coroutine_rules(run: Any, keys: Any) -> None:
    key = keys()

    async def body(client: aerospike.AsyncClient) -> None:
        await client.put(key, {"a": 1})
        op = client.get(key)
        with pytest.raises(ValueError, match="boom"):
            op.throw(ValueError("boom"))
        done = client.get(key)
        await done
        with pytest.raises(RuntimeError, match="already awaited"):
            await done

    run(body)


def test_anyio_on_the_asyncio_backend(config: dict[str, Any], keys: Any) -> None:
    anyio = pytest.importorskip("anyio")
    ks = keys.many(10)

    async def main() -> list[Any]:
        async with aerospike.async_client(config) as client:
            async with anyio.create_task_group() as tg:
                for i, k in enumerate(ks):
                    tg.start_soon(client.put, k, {"i": i})
            with anyio.fail_after(5):
                results = [await client.get(k) for k in ks]
            with anyio.move_on_after(1e-6):
                await client.get(ks[0])
            return results

    records = anyio.run(main, backend="asyncio")
    assert [r.bins["i"] for r in records] == list(range(10))


def test_async_streams_still_iterate(config: dict[str, Any], keys: Any) -> None:
    ks = keys.many(30)

    async def main() -> int:
        async with aerospike.async_client(config) as client:
            await asyncio.gather(*(client.put(k, {"i": i}) for i, k in enumerate(ks)))
            seen = 0
            stream: AsyncIterator[Any] = client.query(ks[0][0], ks[0][1]).arrow_batches(batch_size=7)
            async for batch in stream:
                seen += batch.num_rows
            return seen

    assert asyncio.run(main()) >= 30


def _run_python(code: str, hosts_arg: str, ns: str, set_name: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TEST_HOSTS=hosts_arg, TEST_NS=ns, TEST_SET=set_name)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, env=env)


SHUTDOWN_PRELUDE = """
import asyncio, os, aerospike_py as aerospike
hosts = [(h, int(p)) for h, p in (x.rsplit(":", 1) for x in os.environ["TEST_HOSTS"].split(","))]
config = {"hosts": hosts}
NS, SET = os.environ["TEST_NS"], os.environ["TEST_SET"]
"""


@pytest.mark.parametrize(
    "scenario",
    [
        # A sync and an async client open, a task that failed and was never awaited, then exit.
        """
        sync = aerospike.client(config).connect()
        async def main():
            client = await aerospike.async_client(config).connect()
            asyncio.create_task(client.get((NS, SET, "missing")))
            await asyncio.sleep(0.01)
        asyncio.run(main())
        """,
        # Commands still in flight when the loop closes and the interpreter ends.
        """
        async def main():
            client = await aerospike.async_client(config).connect()
            for i in range(200):
                asyncio.get_running_loop().create_task(client.put((NS, SET, f"k{i % 5}"), {"i": i}))
            await asyncio.sleep(0)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(main())
        loop.close()
        """,
        # The interpreter ends while a loop still runs commands in another thread.
        """
        import threading
        async def forever():
            client = await aerospike.async_client(config).connect()
            while True:
                await client.exists((NS, SET, "x"))
        threading.Thread(target=lambda: asyncio.run(forever()), daemon=True).start()
        import time; time.sleep(0.3)
        """,
    ],
    ids=["failed-task", "in-flight-at-loop-close", "daemon-thread-loop"],
)
def test_no_crash_at_interpreter_exit(scenario: str, hosts_arg: str, ns: str, set_name: str, empty_set: Any) -> None:
    proc = _run_python(SHUTDOWN_PRELUDE + textwrap.dedent(scenario) + "\nprint('clean exit')\n", hosts_arg, ns, set_name)
    empty_set(ns, set_name)
    assert proc.returncode == 0, proc.stderr
    assert "clean exit" in proc.stdout
    assert "Fatal Python error" not in proc.stderr
