#!/usr/bin/env python3
"""Single-record commands: this project against its peers and the floor, in one run.

    python3 benches/ops.py [--n 20000] [--repeat 5] [--hosts HOST:PORT] [--only CLIENT ...]
                           [--observability default|off|metrics|tracing]

Writes N records (int, float, short string, 16-float list), then times, for each client:
  get, put  N sync commands one after the other, each timed alone: the median µs per command
            (put writes back each record's own bins);
  threads   N gets from 16 threads sharing one sync client: commands per second;
  async     N gets with 256 in flight on one asyncio event loop (the default selector loop):
            commands per second;
  uvloop    the same on uvloop (aerospike-native installs uvloop on import: its default).
The clients:
  - ours: aerospike-py from this repo, built with --release (a debug build is refused);
    `Client` for get/put/threads, `AsyncClient` for async/uvloop,
  - peer: aerospike-py 0.14.4 from PyPI, its Client and AsyncClient,
  - official: aerospike 19.3.0 from PyPI (the C client): get/put/threads (it has no asyncio API),
  - native: aerospike-native 1.0 from PyPI (Aerospike's own PyO3 client): `new_client` and
    `await client.get(Key(...))`; `new_client_blocking` and `get_blocking`/`put_blocking` for
    the sync rows,
  - floor: the `aerospike` Rust crate alone (benches/rust-floor): get and put one after the
    other; threads = 16 tokio tasks, async = 256 tokio tasks, each taking the next key.
Each measurement runs in a fresh process, so its peak RSS is its own. Without --hosts the server
is this repo's local server (release build) on a free port: say so beside the figures. Prints
medians, each one's time as a multiple of ours (above 1 is slower), peak RSS, and saves JSON +
PNG in benches/results/. `batch_read` of 100k records into dicts is benches/batch_read.py's.
"""

from __future__ import annotations

import argparse
import sys

import harness

CLIENTS = (*harness.CLIENTS, "native")
# What each client has; the floor's rows are its rust-floor arguments after N and REPEAT.
SCENARIOS = {
    "ours": ("get", "put", "threads", "async", "uvloop"),
    "peer": ("get", "put", "threads", "async", "uvloop"),
    "official": ("get", "put", "threads"),
    "native": ("get", "put", "threads", "async", "uvloop"),
}
FLOOR = {"get": ["get"], "put": ["put"], "threads": ["inflight", 16], "async": ["inflight", 256]}
# How each scenario's median is shown: a latency per command, or commands per second.
UNITS = {"get": "µs/op", "put": "µs/op", "threads": "op/s", "async": "op/s", "uvloop": "op/s"}


def shown(scenario: str, median: float, n: int) -> float:
    return median * 1e6 if UNITS[scenario] == "µs/op" else n / median


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hosts", help="a real server; default: this repo's local server, release build")
    ap.add_argument("--only", action="append", help=f"clients to run ({', '.join(CLIENTS)})")
    ap.add_argument("--scenario", action="append", help=f"scenarios to run ({', '.join(UNITS)})")
    ap.add_argument("--observability", choices=["default", "off", "metrics", "tracing"], default="default",
                    help="ours only: metrics off, metrics on (the library's default), or metrics and an "
                         "OpenTelemetry span per command (SDK provider, spans dropped at export)")
    a = ap.parse_args()
    only = set(a.only or CLIENTS)
    wanted = set(a.scenario or UNITS)
    pythons = harness.pythons(only)
    set_name = f"ops{a.n}"
    with harness.server(a.hosts) as (hosts, server_kind):
        harness.write_records(pythons["ours"], hosts, set_name, a.n)
        results = harness.results_header(a.n, a.repeat, server_kind)
        results["units"] = UNITS
        results["observability"] = a.observability
        runs = results["runs"]
        # Scenario by scenario, every client in turn: the figures a row compares are taken minutes,
        # not a whole run, apart, which matters on a shared or small machine.
        for scenario in (s for s in UNITS if s in wanted):
            for client, scenarios in SCENARIOS.items():
                if client in only and scenario in scenarios:
                    extra = {"observability": a.observability} if client == "ours" else {}
                    runs[f"{client}/{scenario}"] = harness.run_worker(
                        pythons[client], "ops", client=client, hosts=hosts, set=set_name, n=a.n, scenario=scenario, repeat=a.repeat, **extra)
            if "floor" in only and scenario in FLOOR:
                runs[f"floor/{scenario}"] = harness.run_floor(hosts, set_name, a.n, a.repeat, *FLOOR[scenario])
    for run, r in runs.items():
        if "median" in r:
            r["value"] = shown(run.split("/")[1], r["median"], a.n)
    harness.report("ops", "single-record commands", results, {}, pythons["ours"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
