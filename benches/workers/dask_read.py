"""One run of the Dask read benchmark, inside our virtualenv (with dask[dataframe,distributed]).

    python dask_read.py --hosts 127.0.0.1:3000 --set scan1000000 --n 1000000 \
        --workers 0|1|2|4 --scenario count|frame --repeat 3

Reads the whole set `benches/dask_read.py` wrote (N records, bins i, f, s, v) and prints one
JSON line (benches/workers/timing.py). `--workers 0` is the plain client in this process:
`query.to_arrow()` (scenario `arrow`). Otherwise a `distributed.LocalCluster` of that many worker
processes, one thread each, started before the timing, runs `read_aerospike(..., npartitions=16)`
with the schema sampled once beforehand:
  - count: each task reads its partition range into a pandas frame and only its row count comes
    back (the data stays on the workers, as in a pipeline that reduces it there);
  - frame: every partition's frame is gathered into one pandas DataFrame in this process.
Peak RSS is this process's only, not the workers'.
"""

from __future__ import annotations

import argparse
import json
import sys

from timing import time_runs

POLICY = {"total_timeout": 0, "socket_timeout": 60000}
NPARTITIONS = 16


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--scenario", choices=["arrow", "count", "frame"], required=True)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    hosts = [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in a.hosts.split(",")]
    config = {"hosts": hosts, "policies": {"query": POLICY}}
    if a.workers == 0:
        import aerospike_py

        client = aerospike_py.client(config).connect()

        def run():
            return client.query("test", a.set).to_arrow()

        return time_runs(run, lambda t: t.num_rows, a.n, a.repeat, "the client read")

    from distributed import Client, LocalCluster

    from aerospike_py import _distributed
    from aerospike_py.dask import read_aerospike

    schema = _distributed.infer_schema(config, "test", a.set)
    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    dask_client = Client(cluster)

    def run():
        ddf = read_aerospike(config, "test", a.set, npartitions=NPARTITIONS, schema=schema)
        if a.scenario == "count":
            return int(ddf.map_partitions(len).compute().sum())
        return ddf.compute()

    try:
        return time_runs(run, lambda out: out if isinstance(out, int) else len(out), a.n, a.repeat, f"dask x{a.workers} read")
    finally:
        dask_client.close()
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
