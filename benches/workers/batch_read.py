"""One client's side of the batch-read benchmark, run inside that client's own virtualenv.

    python batch_read.py --client ours|peer|official --hosts 127.0.0.1:3000 --set bench \
        --n 100000 --scenario numpy|frame|dicts --repeat 5

Reads the N records `benches/batch_read.py` wrote (bins i: int, f: float, s: str, v: 16 floats)
and prints one JSON line: the seconds of each repetition and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import sys

from timing import time_runs

import numpy as np

# S8, not U8: aerospike-py 0.14.4 fills only numbers and fixed-length bytes.
DTYPE = np.dtype([("i", "i8"), ("f", "f8"), ("s", "S8"), ("v", "f8", (16,))])


def ours(hosts, keys, scenario):
    import aerospike_py

    client = aerospike_py.client({"hosts": hosts, "policies": {"batch": {"timeout": 60000, "socket_timeout": 60000}}}).connect()

    def run():
        batch = client.batch_read(keys)
        if scenario == "numpy":
            return batch.to_numpy(DTYPE)
        if scenario == "frame":
            return batch.to_polars()
        return batch.to_dict()

    return run


def peer(hosts, keys, scenario):
    import aerospike_py

    client = aerospike_py.client({"hosts": hosts}).connect()
    policy = {"total_timeout": 60000, "socket_timeout": 60000}

    # Its to_numpy takes neither str ("U") fields nor list bins: the scalars come through
    # to_numpy with "S8", the 16-float vectors through to_list, the best its API offers.
    scalars = np.dtype([("i", "i8"), ("f", "f8"), ("s", "S8")])
    full = np.dtype([("i", "i8"), ("f", "f8"), ("s", "S8"), ("v", "f8", (16,))])

    def run():
        batch = client.batch_read(keys, policy=policy)
        if scenario == "numpy":
            head = batch.to_numpy(scalars).batch_records
            out = np.empty(len(head), full)
            for name in scalars.names:
                out[name] = head[name]
            out["v"] = np.array([bins["v"] for bins in batch.to_list()])
            return out
        if scenario == "frame":
            import pandas as pd

            return pd.DataFrame(batch.to_list())
        return batch.to_dict()

    return run


def official(hosts, keys, scenario):
    import aerospike

    client = aerospike.client({"hosts": hosts, "policies": {"batch": {"total_timeout": 60000, "socket_timeout": 60000}}}).connect()

    def run():
        records = client.batch_read(keys).batch_records
        if scenario == "numpy":
            rows = [(b["i"], b["f"], b["s"], b["v"]) for b in (r.record[2] for r in records if r.record)]
            return np.array(rows, dtype=DTYPE)
        if scenario == "frame":
            import pandas as pd

            return pd.DataFrame.from_records([r.record[2] for r in records if r.record])
        return {r.key[2]: r.record[2] for r in records if r.record}

    return run


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=["ours", "peer", "official"], required=True)
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--set", default="bench")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--scenario", choices=["numpy", "frame", "dicts"], required=True)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    hosts = [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in a.hosts.split(",")]
    keys = [("test", a.set, i) for i in range(a.n)]
    run = {"ours": ours, "peer": peer, "official": official}[a.client](hosts, keys, a.scenario)
    return time_runs(run, lambda out: len(out) if not hasattr(out, "shape") else out.shape[0], a.n, a.repeat, f"{a.client} read")


if __name__ == "__main__":
    sys.exit(main())
