"""One client's side of the scan benchmark, run inside that client's own virtualenv.

    python scan.py --client ours|peer|official --hosts 127.0.0.1:3000 --set scan \
        --n 1000000 --scenario frame|arrow|stream --repeat 3

Scans the whole set `benches/scan.py` wrote (N records, bins i: int, f: float, s: str, v: 16
floats) and prints one JSON line: the seconds of each repetition, the process's peak RSS, and its
RSS before the first scan (client imported and connected).
  - ours: frame = `query.to_polars()`, arrow = `query.to_arrow()`, stream = `arrow_batches(65536)`
    iterated keeping nothing (its peak RSS is bounded by the batch size, not by N),
  - peer (aerospike-py 0.14.4) and official (aerospike 19.x): frame = `query.results()` then a
    pandas DataFrame of the bins; they have no Arrow or Polars path.
"""

from __future__ import annotations

import argparse
import json
import sys

from timing import time_runs

BATCH_SIZE = 65536
# A scan of the whole set takes as long as it takes; a socket idle for a minute is an error.
POLICY = {"total_timeout": 0, "socket_timeout": 60000}


def ours(hosts, set_name, scenario):
    import aerospike_py

    client = aerospike_py.client({"hosts": hosts, "policies": {"query": POLICY}}).connect()

    def run():
        query = client.query("test", set_name)
        if scenario == "frame":
            return query.to_polars()
        if scenario == "arrow":
            return query.to_arrow()
        rows = 0
        for batch in query.arrow_batches(batch_size=BATCH_SIZE):
            rows += batch.num_rows
        return rows

    return run


def peer(hosts, set_name, scenario):
    import aerospike_py
    import pandas as pd

    client = aerospike_py.client({"hosts": hosts}).connect()

    def run():
        # A query without where() is its scan; results() is a list of Record(key, meta, bins).
        records = client.query("test", set_name).results(POLICY)
        return pd.DataFrame.from_records([r.bins for r in records])

    return run


def official(hosts, set_name, scenario):
    import aerospike
    import pandas as pd

    client = aerospike.client({"hosts": hosts, "policies": {"query": POLICY}}).connect()

    def run():
        # results() is a list of (key, meta, bins) tuples.
        records = client.query("test", set_name).results()
        return pd.DataFrame.from_records([bins for _, _, bins in records])

    return run


def rows_of(out) -> int:
    return out if isinstance(out, int) else out.shape[0]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=["ours", "peer", "official"], required=True)
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--set", default="scan")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--scenario", choices=["frame", "arrow", "stream"], required=True)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if a.client != "ours" and a.scenario != "frame":
        print(json.dumps({"error": f"{a.client} has no {a.scenario} path"}))
        return 1
    hosts = [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in a.hosts.split(",")]
    run = {"ours": ours, "peer": peer, "official": official}[a.client](hosts, a.set, a.scenario)
    return time_runs(run, rows_of, a.n, a.repeat, f"{a.client} scanned")


if __name__ == "__main__":
    sys.exit(main())
