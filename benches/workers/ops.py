"""One client's side of the single-record benchmark, run inside that client's own virtualenv.

    python ops.py --client ours|peer|official|native --hosts 127.0.0.1:3000 --set ops \
        --n 20000 --scenario get|put|threads|async|uvloop --repeat 5

Works on the N records `benches/ops.py` wrote (keys 0..N-1; bins i: int, f: float, s: str,
v: 16 floats) and prints one JSON line (`timing.time_runs`):
  - get, put: N commands one after the other with the sync client, each timed on its own; a
    repetition's figure is the median seconds per command. put writes back each record's own bins.
  - threads: N gets from 16 threads sharing one sync client (each takes every 16th key); a
    repetition's figure is the wall time of all N.
  - async, uvloop: N gets with 256 in flight on one event loop (256 coroutines pulling keys from
    one iterator), the default selector loop or uvloop; the wall time of all N.
Every command builds its key inside the timed part, as user code does: a tuple for ours, the
peer and the official client, an `aerospike_native.Key` for aerospike-native.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from timing import time_runs

THREADS = 16
IN_FLIGHT = 256
ASYNC = ("async", "uvloop")
NS = "test"


def bins_of(i: int) -> dict:
    """The bins benches/harness.py wrote for key i."""
    return {"i": i, "f": i * 0.5, "s": f"s{i % 1000:05d}", "v": [float(i + j) for j in range(16)]}


def sync_client(client: str, host: str, port: int, set_name: str):
    """(get(i), put(i, bins)) with the client's sync API; each raises if the command fails."""
    if client == "native":
        from aerospike_native import ClientPolicy, Key, new_client_blocking

        c = new_client_blocking(ClientPolicy(), f"{host}:{port}")
        return (lambda i: c.get_blocking(Key(NS, set_name, i)), lambda i, b: c.put_blocking(Key(NS, set_name, i), b))
    if client == "official":
        import aerospike as module
    else:
        import aerospike_py as module  # ours and the peer: the official client's API
    c = module.client({"hosts": [(host, port)]}).connect()
    return (lambda i: c.get((NS, set_name, i)), lambda i, b: c.put((NS, set_name, i), b))


async def async_client(client: str, host: str, port: int, set_name: str):
    """get(i) as an awaitable, with the client's asyncio API, connected on the running loop."""
    if client == "native":
        from aerospike_native import ClientPolicy, Key, new_client

        c = await new_client(ClientPolicy(), f"{host}:{port}")
        return lambda i: c.get(Key(NS, set_name, i))
    import aerospike_py  # ours and the peer

    c = await aerospike_py.AsyncClient({"hosts": [(host, port)]}).connect()
    return lambda i: c.get((NS, set_name, i))


def observe(mode: str) -> None:
    """Ours only (`--observability`): metrics off or on, or on with a span per command made by an
    OpenTelemetry SDK provider whose exporter drops them (the cost of tracing, not of a collector)."""
    import aerospike_py

    if mode == "default":
        return
    aerospike_py.set_metrics_enabled(mode != "off")
    if mode == "tracing":
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

        class Drop(SpanExporter):
            def export(self, spans):
                return SpanExportResult.SUCCESS

        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(Drop()))
        aerospike_py.init_tracing(provider)


def new_loop(scenario: str):
    if scenario == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    # Explicitly the selector loop: importing aerospike_native installs uvloop's loop policy.
    import asyncio

    return asyncio.SelectorEventLoop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=["ours", "peer", "official", "native"], required=True)
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--set", default="ops")
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--scenario", choices=["get", "put", "threads", *ASYNC], required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--observability", choices=["default", "off", "metrics", "tracing"], default="default")
    a = ap.parse_args()
    if a.client == "ours":
        observe(a.observability)
    if a.client == "official" and a.scenario in ASYNC:
        print(json.dumps({"error": "the official client has no asyncio API"}))
        return 1
    host, port = a.hosts.split(",")[0].rsplit(":", 1)
    n, measure = a.n, None
    clock = time.perf_counter

    if a.scenario in ASYNC:
        loop = new_loop(a.scenario)
        get = loop.run_until_complete(async_client(a.client, host, int(port), a.set))

        async def gets(count: int, width: int) -> int:
            import asyncio

            keys = iter(range(count))

            async def worker() -> int:
                done = 0
                for i in keys:
                    await get(i)
                    done += 1
                return done

            return sum(await asyncio.gather(*(worker() for _ in range(width))))

        # Open the connections before the warm-up, at most 64 new ones at a time: 256 connects
        # at once can overflow a listen backlog of 128 (the local server's), and a client whose
        # connect then times out fails the run.
        for width in range(64, IN_FLIGHT + 1, 64):
            loop.run_until_complete(gets(min(n, 4 * width), width))

        def run():
            return loop.run_until_complete(gets(n, IN_FLIGHT))

        rows_of = int
    else:
        get, put = sync_client(a.client, host, int(port), a.set)
        if a.scenario == "threads":
            pool = ThreadPoolExecutor(THREADS)
            list(pool.map(lambda t: None, range(THREADS)))  # start the threads before timing

            def share(t: int) -> int:
                for i in range(t, n, THREADS):
                    get(i)
                return len(range(t, n, THREADS))

            def run():
                return sum(pool.map(share, range(THREADS)))

            rows_of = int
        else:
            bins = [bins_of(i) for i in range(n)] if a.scenario == "put" else None

            def run():
                seconds = []
                for i in range(n):
                    start = clock()
                    if bins is None:
                        get(i)
                    else:
                        put(i, bins[i])
                    seconds.append(clock() - start)
                return seconds

            rows_of, measure = len, statistics.median
    return time_runs(run, rows_of, n, a.repeat, f"{a.client} {a.scenario}", measure)


if __name__ == "__main__":
    # aerospike_native installs uvloop on import unless told not to; the loop is chosen here.
    os.environ.setdefault("AEROSPIKE_NO_UVLOOP", "1")
    sys.exit(main())
