"""What the benchmark orchestrators (benches/batch_read.py, benches/scan.py) share.

Each orchestrator only says what it measures; the how lives here, once:
  - a virtualenv per client (`venv`), and ours with the release wheel of the working tree
    (`ours_venv`, which refuses a debug build),
  - the server: this repo's local server in release on a free port, or the one given (`server`),
  - the N benchmark records, the same bins for every benchmark (`write_records`),
  - one measurement per fresh process, read back as its one JSON line (`run_worker`, `run_floor`),
  - the table (medians, each as a multiple of ours, peak RSS) and the saved JSON + PNG (`report`).

Run by the orchestrators with the system Python: this module imports nothing outside the standard
library. The clients run in their own virtualenvs.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benches"
VENVS = BENCH / ".venvs"
RESULTS = BENCH / "results"
CLIENTS = ("ours", "peer", "official", "floor")
PEERS = {
    "peer": ["aerospike-py==0.14.4", "numpy", "pandas", "uvloop"],
    "official": ["aerospike==19.3.0", "numpy", "pandas"],
    # Aerospike's own PyO3 client (asyncio first; it installs uvloop as the loop policy on import).
    "native": ["aerospike-native==1.0.*"],
}
LOCAL_SERVER = "aerospike-py local server (release)"


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
    python = venv("ours", ["numpy", "pandas", "polars", "pyarrow", "matplotlib", "uvloop", "opentelemetry-sdk", "maturin>=1.7,<2"])
    wheels = VENVS / "wheels"
    sh(str(python.parent / "maturin"), "build", "--release", "-q", "-o", str(wheels), cwd=ROOT)
    wheel = max(wheels.glob("aerospike_py-*.whl"), key=lambda p: p.stat().st_mtime)
    sh(str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel))
    profile = subprocess.run([str(python), "-c", "import aerospike_py._native as n; print(n.build_profile)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if profile != "release":
        sys.exit(f"refusing to benchmark a {profile} build of aerospike-py")
    return python


def pythons(only: set[str]) -> dict[str, Path]:
    """The interpreter of each Python client to run; ours always (it writes the records and draws)."""
    out = {"ours": ours_venv()}
    for name, packages in PEERS.items():
        if name in only:
            out[name] = venv(name, packages)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_local_server() -> tuple[subprocess.Popen, str]:
    # CARGO_TARGET_DIR is honoured, so a release build can live apart from the debug target dir.
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    sh("cargo", "build", "-q", "--release", "-p", "local-server", "--bin", "aerospike-local", cwd=ROOT)
    port = free_port()
    proc = subprocess.Popen([str(target / "release" / "aerospike-local"), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the local server did not start")


@contextlib.contextmanager
def server(hosts: str | None) -> Iterator[tuple[str, str]]:
    """(hosts, what the server is): the one given, or our local server for the duration."""
    if hosts:
        yield hosts, "real server"
        return
    proc, hosts = start_local_server()
    try:
        yield hosts, LOCAL_SERVER
    finally:
        proc.kill()
        proc.wait()


def write_records(python: Path, hosts: str, set_name: str, n: int) -> None:
    """Keys 0..N-1 in test/SET, bins i: int, f: float, s: short str, v: 16-float list."""
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


def _last_json_line(out: subprocess.CompletedProcess) -> dict:
    try:
        r = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": (out.stderr or out.stdout).strip()[-500:]}
    if "times" in r:
        r["median"] = statistics.median(r["times"])
    if "cpu_times" in r:
        r["cpu_median"] = statistics.median(r["cpu_times"])
    return r


def run_worker(python: Path, worker: str, **args) -> dict:
    """benches/workers/WORKER.py in its own process with `--name value` arguments; its JSON line,
    with the median added, or {"error": the end of what it said}."""
    argv = [str(python), str(BENCH / "workers" / f"{worker}.py")]
    for name, value in args.items():
        argv += [f"--{name}", str(value)]
    return _last_json_line(subprocess.run(argv, capture_output=True, text=True))


def run_floor(*args) -> dict:
    """benches/rust-floor (the `aerospike` crate alone), built in release, run with ARGS."""
    manifest = BENCH / "rust-floor" / "Cargo.toml"
    target = VENVS / "rust-floor-target"
    sh("cargo", "build", "-q", "--release", "--manifest-path", str(manifest), env={**os.environ, "CARGO_TARGET_DIR": str(target)})
    return _last_json_line(subprocess.run([str(target / "release" / "rust-floor"), *map(str, args)], capture_output=True, text=True))


def results_header(n: int, repeat: int, server_kind: str) -> dict:
    # The load average when the run starts: a busy machine (a build, CI) shows in the figures.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"n": n, "repeat": repeat, "server": server_kind, "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {load}", "runs": {}}


def report(name: str, title: str, results: dict, ours_of: dict[str, str], python: Path) -> None:
    """Prints the table and saves results/NAME-STAMP.json + .png (drawn in ours' virtualenv).

    Each run "client/scenario" is compared with ours/ours_of.get(scenario, scenario), by its
    median: the ratio is always time over our time, above 1 slower. The median is shown in
    seconds, or, for a scenario in results["units"], as the run's "value" in that unit (e.g.
    microseconds per command, or commands per second). CPU is the worker process's CPU time (all
    its threads: the interpreter, the client's own) per record, median over the repetitions."""
    units = results.get("units", {})
    print(f"{title} of {results['n']:,} records, {results['repeat']} repetitions, median; server: {results['server']}; {results['machine']}")
    print(f"{'client':10} {'scenario':8} {'median':>16} {'x ours':>7} {'CPU µs/rec':>11} {'peak RSS MiB':>13}")
    for run, r in results["runs"].items():
        client, scenario = run.split("/")
        if "median" not in r:
            print(f"{client:10} {scenario:8} error: {r.get('error')}")
            continue
        ours = results["runs"].get(f"ours/{ours_of.get(scenario, scenario)}", {}).get("median")
        ratio = f"{r['median'] / ours:.2f}" if ours else "-"
        shown = f"{r['value']:,.1f} {units[scenario]}" if scenario in units else f"{r['median']:.3f} s"
        cpu = f"{r['cpu_median'] / results['n'] * 1e6:.1f}" if "cpu_median" in r else "-"
        print(f"{client:10} {scenario:8} {shown:>16} {ratio:>7} {cpu:>11} {r['peak_rss_mib']:13.0f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    # The chart is drawn in our virtualenv, which has matplotlib; this script needs nothing.
    subprocess.run([str(python), str(BENCH / "workers" / "chart.py"), str(path)])
    print(f"saved benches/results/{path.stem}.json and .png")
