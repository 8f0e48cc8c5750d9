#!/usr/bin/env python3
"""Dask read benchmark: a set read partition-parallel by Dask with 1, 2 and 4 local worker
processes, against the plain client reading it in one process.

    python3 benches/dask_read.py [--n 1000000] [--repeat 3] [--hosts HOST:PORT]

Writes N records (the bins every benchmark writes: int, float, short string, 16-float list) into
a set of their own, then times (benches/workers/dask_read.py, each in a fresh process):
  - ours/arrow: `client.query(ns, set).to_arrow()`, one process, the baseline;
  - daskK/count: `read_aerospike(config, ns, set, npartitions=16)` on a `distributed.LocalCluster`
    of K single-threaded worker processes, each task reading its partition range into a pandas
    frame and returning only its length (the data stays on the workers);
  - daskK/frame: the same, every frame gathered into one pandas DataFrame in the driver.
Prints medians, each as a multiple of ours/arrow (below 1 is faster than the plain client), and
saves JSON + PNG in benches/results/. Without --hosts the server is this repo's local server
(release build) on the same machine: the workers, the server and the driver share its cores,
so on a 2-core machine more workers cannot buy much; say "local server" beside the figures.
"""

from __future__ import annotations

import argparse
import sys

import harness

WORKERS = (1, 2, 4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hosts", help="a real server; default: this repo's local server, release build")
    a = ap.parse_args()
    python = harness.ours_venv()
    # Dask lives only in our virtualenv, added on top of what every benchmark installs there.
    harness.sh(str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "dask[dataframe,distributed]>=2024.1")
    set_name = f"scan{a.n}"
    with harness.server(a.hosts) as (hosts, server_kind):
        harness.write_records(python, hosts, set_name, a.n)
        results = harness.results_header(a.n, a.repeat, server_kind)
        results["runs"]["ours/arrow"] = harness.run_worker(python, "dask_read", hosts=hosts, set=set_name, n=a.n, workers=0, scenario="arrow", repeat=a.repeat)
        for k in WORKERS:
            for scenario in ("count", "frame"):
                results["runs"][f"dask{k}/{scenario}"] = harness.run_worker(
                    python, "dask_read", hosts=hosts, set=set_name, n=a.n, workers=k, scenario=scenario, repeat=a.repeat)
    harness.report("dask_read", "Dask read", results, {"count": "arrow", "frame": "arrow"}, python)
    base = results["runs"]["ours/arrow"].get("median")
    for run, r in results["runs"].items():
        if base and "median" in r and run != "ours/arrow":
            print(f"{run}: {base / r['median']:.2f}x the plain client's speed ({server_kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
