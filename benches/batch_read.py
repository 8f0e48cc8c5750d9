#!/usr/bin/env python3
"""Batch-read benchmark: this project against its peers and the floor, in one run.

    python3 benches/batch_read.py [--n 100000] [--repeat 5] [--hosts HOST:PORT]

Writes N records (int, float, short string, 16-float list) to a server, then times a batch read
of all N into (a) NumPy, (b) a DataFrame (Polars for us, pandas for the peers, which have no
Polars path) and (c) plain dicts, for:
  - ours: aerospike-py from this repo, built with --release (a debug build is refused),
  - peer: aerospike-py 0.14.4 from PyPI, in its own virtualenv,
  - official: aerospike 19.3.0 from PyPI (the C client), in its own virtualenv,
  - floor: the `aerospike` Rust crate alone, reading into columns (benches/rust-floor); row
    `raw`: the same batch request on a plain socket, its answer read and not decoded (rust-floor
    raw-batch, one node): what the server and the socket allow; row `wire`: that answer decoded
    by the project's `wire` crate into packed rows and filled into the NumPy dtype as `to_numpy`
    fills it (rust-floor wire-batch, one node): what a client that owned the batch's I/O would
    cost, with no `aerospike::Value` in between.
Each measurement runs in a fresh process, so its peak RSS is its own. Without --hosts the
server is this repo's local server (release build) on a free port: say so beside the figures.
Prints medians, each one's time as a multiple of ours, peak RSS, and saves JSON + PNG in
benches/results/.
"""

from __future__ import annotations

import argparse
import sys

import harness

SCENARIOS = ("numpy", "frame", "dicts")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hosts", help="a real server; default: this repo's local server, release build")
    ap.add_argument("--only", action="append", help="clients to run (ours, peer, official, floor)")
    a = ap.parse_args()
    only = set(a.only or harness.CLIENTS)
    pythons = harness.pythons(only)
    set_name = f"bench{a.n}"
    with harness.server(a.hosts) as (hosts, server_kind):
        harness.write_records(pythons["ours"], hosts, set_name, a.n)
        results = harness.results_header(a.n, a.repeat, server_kind)
        for client in ("ours", "peer", "official"):
            if client not in only:
                continue
            for scenario in SCENARIOS:
                results["runs"][f"{client}/{scenario}"] = harness.run_worker(
                    pythons[client], "batch_read", client=client, hosts=hosts, set=set_name, n=a.n, scenario=scenario, repeat=a.repeat)
        if "floor" in only:
            results["runs"]["floor/columns"] = harness.run_floor(hosts, set_name, a.n, a.repeat, "batch")
            # The raw-socket floor: the same request, the answer read and not decoded.
            results["runs"]["floor/raw"] = harness.run_floor(hosts, set_name, a.n, a.repeat, "raw-batch")
            # The same answer decoded by `wire` into packed rows and NumPy: owning the I/O.
            results["runs"]["floor/wire"] = harness.run_floor(hosts, set_name, a.n, a.repeat, "wire-batch")
    # The floor's columns are what to_numpy produces: it is compared with ours/numpy.
    harness.report("batch_read", "batch read", results, {"columns": "numpy", "raw": "numpy", "wire": "numpy"}, pythons["ours"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
