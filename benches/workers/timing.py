"""What every benchmark worker does once its client is ready: a warm-up run that checks the row
count, then timed repetitions, and one JSON line with the seconds, the CPU seconds of the whole process
(all its threads) in each repetition, and the process's peak RSS."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from typing import Any


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def time_runs(run: Callable[[], Any], rows_of: Callable[[Any], int], expected: int, repeat: int, what: str,
              measure: Callable[[Any], float] | None = None) -> int:
    """Prints the JSON line (or an error line) and returns the process exit code.

    A repetition's figure is its wall time in seconds, or `measure(out)` when given (e.g. the
    median of the per-operation seconds a run of single commands returns)."""
    start_rss = rss_mib()  # imported and connected: what the peak is to be read against
    out = run()  # warm-up, and a check that every record came back
    if rows_of(out) != expected:
        print(json.dumps({"error": f"{what} {rows_of(out)} of {expected} records"}))
        return 1
    del out
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = run()
        elapsed = time.perf_counter() - start
        cpu.append(time.process_time() - start_cpu)  # every thread of the process, the client's own too
        times.append(measure(out) if measure else elapsed)
        del out
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times": times, "cpu_times": cpu, "peak_rss_mib": peak_kib / 1024, "start_rss_mib": start_rss}))
    return 0
