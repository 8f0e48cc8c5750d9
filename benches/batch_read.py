#!/usr/bin/env python3
"""Batch-read benchmark: this project against its peers and the floor, in one run.

    python3 benches/batch_read.py [--n 100000] [--repeat 5] [--hosts HOST:PORT]

Writes N records (int, float, short string, 16-float list) to a server, then times a batch read
of all N into (a) NumPy, (b) a DataFrame (Polars for us, pandas for the peers, which have no
Polars path) and (c) plain dicts, for:
  - ours: aerospike-py from this repo, built with --release (a debug build is refused),
  - peer: aerospike-py 0.14.4 from PyPI, in its own virtualenv,
  - official: aerospike 19.3.0 from PyPI (the C client), in its own virtualenv,
  - floor: the `aerospike` Rust crate alone, reading into columns (benches/rust-floor).
Each measurement runs in a fresh process, so its peak RSS is its own. Without --hosts the
server is this repo's local server (release build) on a free port: say so beside the figures.
Prints medians, each one's time as a multiple of ours, peak RSS, and saves JSON + PNG in
benches/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benches"
VENVS = BENCH / ".venvs"
RESULTS = BENCH / "results"
SCENARIOS = ("numpy", "frame", "dicts")
PEERS = {
    "peer": ["aerospike-py==0.14.4", "numpy", "pandas"],
    "official": ["aerospike==19.3.0", "numpy", "pandas"],
}


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def venv(name: str, packages: list[str]) -> Path:
    path = VENVS / name
    python = path / "bin" / "python"
    marker = path / ".installed"
    if not marker.exists() or marker.read_text() != " ".join(packages):
        sh(sys.executable, "-m", "venv", "--clear", str(path))
        sh(str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages)
        marker.write_text(" ".join(packages))
    return python


def ours_venv() -> Path:
    """A virtualenv with this repo's release wheel, rebuilt every run so it measures HEAD."""
    python = venv("ours", ["numpy", "pandas", "polars", "pyarrow", "matplotlib", "maturin>=1.7,<2"])
    wheels = BENCH / ".venvs" / "wheels"
    sh(str(python.parent / "maturin"), "build", "--release", "-q", "-o", str(wheels), cwd=ROOT)
    wheel = max(wheels.glob("aerospike_py-*.whl"), key=lambda p: p.stat().st_mtime)
    sh(str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel))
    profile = subprocess.run([str(python), "-c", "import aerospike_py._native as n; print(n.build_profile)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if profile != "release":
        sys.exit(f"refusing to benchmark a {profile} build of aerospike-py")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_local_server() -> tuple[subprocess.Popen, str]:
    sh("cargo", "build", "-q", "--release", "-p", "local-server", "--bin", "aerospike-local", cwd=ROOT)
    port = free_port()
    proc = subprocess.Popen([str(ROOT / "target" / "release" / "aerospike-local"), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the local server did not start")


def write_records(python: Path, hosts: str, set_name: str, n: int) -> None:
    code = f"""
import aerospike_py, pyarrow as pa
host, port = {hosts!r}.rsplit(":", 1)
c = aerospike_py.client({{"hosts": [(host, int(port))], "policies": {{"batch": {{"timeout": 60000}}}}}}).connect()
n = {n}
for start in range(0, n, 20000):
    ids = list(range(start, min(n, start + 20000)))
    t = pa.table({{"_key": ids, "i": ids, "f": [i * 0.5 for i in ids], "s": [f"s{{i % 1000:05d}}" for i in ids],
                  "v": [[float(i + j) for j in range(16)] for i in ids]}})
    bad = [r for r in c.batch_write_arrow(t, "test", {set_name!r}).batch_records if r.result != 0]
    assert not bad, bad[:3]
"""
    sh(str(python), "-c", code)


def measure(python: Path, client: str, scenario: str, hosts: str, set_name: str, n: int, repeat: int) -> dict:
    out = subprocess.run([str(python), str(BENCH / "workers" / "batch_read.py"), "--client", client, "--hosts", hosts,
                          "--set", set_name, "--n", str(n), "--scenario", scenario, "--repeat", str(repeat)],
                         capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": (out.stderr or out.stdout).strip()[-500:]}


def measure_floor(hosts: str, set_name: str, n: int, repeat: int) -> dict:
    manifest = BENCH / "rust-floor" / "Cargo.toml"
    target = BENCH / ".venvs" / "rust-floor-target"
    sh("cargo", "build", "-q", "--release", "--manifest-path", str(manifest), env={**os.environ, "CARGO_TARGET_DIR": str(target)})
    out = subprocess.run([str(target / "release" / "rust-floor"), hosts, set_name, str(n), str(repeat)], capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip())
    except json.JSONDecodeError:
        return {"error": out.stderr.strip()[-500:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hosts", help="a real server; default: this repo's local server, release build")
    ap.add_argument("--only", action="append", help="clients to run (ours, peer, official, floor)")
    a = ap.parse_args()
    only = set(a.only or ["ours", "peer", "official", "floor"])
    pythons = {"ours": ours_venv()}
    for name, packages in PEERS.items():
        if name in only:
            pythons[name] = venv(name, packages)
    server = None
    hosts = a.hosts
    if not hosts:
        server, hosts = start_local_server()
    set_name = f"bench{a.n}"
    try:
        write_records(pythons["ours"], hosts, set_name, a.n)
        results = {"n": a.n, "repeat": a.repeat, "server": "real server" if a.hosts else "aerospike-py local server (release)",
                   "machine": f"{platform.machine()}, {os.cpu_count()} cores", "runs": {}}
        for client in ("ours", "peer", "official"):
            if client not in only:
                continue
            for scenario in SCENARIOS:
                r = measure(pythons[client], client, scenario, hosts, set_name, a.n, a.repeat)
                if "times" in r:
                    r["median"] = statistics.median(r["times"])
                results["runs"][f"{client}/{scenario}"] = r
        if "floor" in only:
            r = measure_floor(hosts, set_name, a.n, a.repeat)
            if "times" in r:
                r["median"] = statistics.median(r["times"])
            results["runs"]["floor/columns"] = r
    finally:
        if server:
            server.kill()
    print(f"batch read of {a.n:,} records, {a.repeat} repetitions, median; server: {results['server']}; {results['machine']}")
    print(f"{'client':10} {'scenario':8} {'median s':>9} {'x ours':>7} {'peak RSS MiB':>13}")
    for name, r in results["runs"].items():
        client, scenario = name.split("/")
        if "median" not in r:
            print(f"{client:10} {scenario:8} error: {r.get('error')}")
            continue
        ours = results["runs"].get(f"ours/{scenario}" if scenario in SCENARIOS else "ours/numpy", {}).get("median")
        ratio = f"{r['median'] / ours:.2f}" if ours else "-"
        print(f"{client:10} {scenario:8} {r['median']:9.3f} {ratio:>7} {r['peak_rss_mib']:13.0f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"batch_read-{stamp}.json").write_text(json.dumps(results, indent=1) + "\n")
    # The chart is drawn in our virtualenv, which has matplotlib; this script needs nothing.
    subprocess.run([str(pythons["ours"]), str(BENCH / "workers" / "chart.py"), str(RESULTS / f"batch_read-{stamp}.json")])
    print(f"saved benches/results/batch_read-{stamp}.json and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
