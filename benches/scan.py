#!/usr/bin/env python3
"""Scan benchmark: this project against its peers and the floor, in one run.

    python3 benches/scan.py [--n 1000000] [--repeat 3] [--hosts HOST:PORT]

Writes N records (int, float, short string, 16-float list) into a set of their own, then times a
scan of the whole set into a frame, for:
  - ours: aerospike-py from this repo, built with --release (a debug build is refused):
      frame  `client.query(ns, set).to_polars()`,
      arrow  `client.query(ns, set).to_arrow()`,
      stream `for b in query.arrow_batches(batch_size=65536)`, keeping nothing: its peak RSS is
             bounded by the batch size, not by N;
  - peer: aerospike-py 0.14.4 from PyPI, in its own virtualenv: `query(ns, set).results()` then a
    pandas DataFrame of the bins (it has no Arrow or Polars path);
  - official: aerospike 19.3.0 from PyPI (the C client), in its own virtualenv: the same;
  - floor: the `aerospike` Rust crate alone, a query with PartitionFilter::all() gathered into
    columns (benches/rust-floor, scan mode); compared with ours' arrow row. Row `raw`: the
    raw-socket floor, the same scan request sent on a plain socket and its answer read without
    decoding (rust-floor raw-scan, one node): what the server and the socket allow. Row `wire`:
    that answer decoded by the project's `wire` crate straight into packed rows and Arrow batches
    (rust-floor wire-scan, one node, a reading thread beside the decoding one): what a client
    that owned the scan's I/O would cost, with no `aerospike::Value` in between.
Each measurement runs in a fresh process, so its peak RSS is its own. Without --hosts the server
is this repo's local server (release build) on a free port: say so beside the figures. Prints
medians, each one's time as a multiple of ours, peak RSS, and saves JSON + PNG in benches/results/.
"""

from __future__ import annotations

import argparse
import sys

import harness

# Which of ours each client has; the peers have only the frame.
SCENARIOS = {"ours": ("frame", "arrow", "stream"), "peer": ("frame",), "official": ("frame",)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hosts", help="a real server; default: this repo's local server, release build")
    ap.add_argument("--only", action="append", help="clients to run (ours, peer, official, floor)")
    a = ap.parse_args()
    only = set(a.only or harness.CLIENTS)
    pythons = harness.pythons(only)
    # Its own set, and one per N: a scan reads the whole set, so nothing else may be in it.
    set_name = f"scan{a.n}"
    with harness.server(a.hosts) as (hosts, server_kind):
        harness.write_records(pythons["ours"], hosts, set_name, a.n)
        results = harness.results_header(a.n, a.repeat, server_kind)
        for client, scenarios in SCENARIOS.items():
            if client not in only:
                continue
            for scenario in scenarios:
                results["runs"][f"{client}/{scenario}"] = harness.run_worker(
                    pythons[client], "scan", client=client, hosts=hosts, set=set_name, n=a.n, scenario=scenario, repeat=a.repeat)
        if "floor" in only:
            results["runs"]["floor/columns"] = harness.run_floor(hosts, set_name, a.n, a.repeat, "scan")
            # The raw-socket floor: the same request, the answer read and not decoded.
            results["runs"]["floor/raw"] = harness.run_floor(hosts, set_name, a.n, a.repeat, "raw-scan")
            # The same answer decoded by `wire` into packed rows and Arrow: owning the I/O.
            results["runs"]["floor/wire"] = harness.run_floor(hosts, set_name, a.n, a.repeat, "wire-scan")
    # The floor's columns are what to_arrow produces: it is compared with ours/arrow.
    harness.report("scan", "scan", results, {"columns": "arrow", "raw": "arrow", "wire": "arrow"}, pythons["ours"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
