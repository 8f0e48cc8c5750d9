#!/usr/bin/env python3
"""Soak: mixed sync and async traffic on a 3-node, replication-factor-2 local cluster while nodes
are killed and restarted on a schedule and faults are injected, bounded in time.

    python3 benches/soak.py [--duration 300] [--cycle 8] [--keys 2000] [--threads 2] [--tasks 32]

Runs with the aerospike_py of the current interpreter (a debug build is fine: this measures
correctness under failure, not speed). Each worker owns its keys and writes each key a rising
sequence number; a write that succeeds is acknowledged, one that fails in doubt may or may not have
been applied, one that fails not in doubt was not. Every `--cycle` seconds a node that is up is
killed, half a cycle later it is restarted (so at most one node is down: replication factor 2
keeps a copy of everything); between, one node gets a random fault (a delay, a dropped answer, an
error code) for a few commands. Reads check each value against what the writer knows.

At the end every node is up again and every key is read back: a key whose value is older than
its last acknowledged write (or missing) is a lost write. RSS is sampled every 2 s; it must not
keep growing (the last quarter's median no more than 1.5x the second quarter's). Every error
must be an `aerospike_py.exception.AerospikeError`; they are counted by type. Prints the figures
and exits 1 if a write was lost, a read saw an impossible value, an unexpected exception type
appeared, or RSS kept growing. Figures are against the in-process local server.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import aerospike_py as aerospike
from aerospike_py import exception

NAMESPACE = "test"
SET = "soak"
NODES = 3
REPLICATION_FACTOR = 2
POLICIES = {
    "write": {"max_retries": 2, "sleep_between_retries": 20, "total_timeout": 2000, "socket_timeout": 500},
    "read": {"max_retries": 3, "sleep_between_retries": 20, "total_timeout": 2000, "socket_timeout": 500},
}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class KeyState:
    acked: int = 0
    # Sequence numbers sent after the last acknowledged one whose outcome is unknown.
    in_doubt: set[int] = field(default_factory=set)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    ops: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    unexpected: list[str] = field(default_factory=list)
    bad_reads: list[str] = field(default_factory=list)

    def op(self, kind: str) -> None:
        with self.lock:
            self.ops[kind] += 1

    def error(self, kind: str, e: BaseException) -> None:
        with self.lock:
            if isinstance(e, exception.AerospikeError):
                doubt = " in_doubt" if e.in_doubt else ""
                self.errors[f"{kind}: {type(e).__name__}{doubt}"] += 1
            else:
                self.unexpected.append(f"{kind}: {type(e).__name__}: {e}")


class Worker:
    """One writer's keys and what it knows of them."""

    def __init__(self, name: str, n_keys: int, tally: Tally) -> None:
        self.keys = [(NAMESPACE, SET, f"{name}-{i}") for i in range(n_keys)]
        self.state = [KeyState() for _ in range(n_keys)]
        self.tally = tally
        self.rng = random.Random(name)

    def next_write(self) -> tuple[int, int]:
        i = self.rng.randrange(len(self.keys))
        s = self.state[i]
        return i, max([s.acked, *s.in_doubt]) + 1

    def wrote(self, i: int, seq: int, error: BaseException | None) -> None:
        s = self.state[i]
        if error is None:
            s.acked, s.in_doubt = seq, {d for d in s.in_doubt if d > seq}
            self.tally.op("write")
        else:
            self.tally.error("write", error)
            if getattr(error, "in_doubt", True):
                s.in_doubt.add(seq)

    def read(self, i: int, bins: dict[str, Any] | None, error: BaseException | None) -> None:
        if error is not None:
            if not isinstance(error, exception.RecordNotFound):
                self.tally.error("read", error)
                return
            bins = None
        self.tally.op("read")
        self.check(i, bins, "read")

    def check(self, i: int, bins: dict[str, Any] | None, what: str) -> bool:
        s = self.state[i]
        seen = 0 if bins is None else int(bins["v"])
        if seen == s.acked or seen in s.in_doubt or (seen > s.acked and seen in s.in_doubt):
            return True
        # A read racing its own writer's next write can see a newer in-doubt value only.
        with self.tally.lock:
            self.tally.bad_reads.append(f"{what} {self.keys[i][2]}: saw {seen}, acked {s.acked}, in doubt {sorted(s.in_doubt)}")
        return False


def sync_worker(client: aerospike.Client, w: Worker, stop: threading.Event) -> None:
    while not stop.is_set():
        i, seq = w.next_write()
        try:
            client.put(w.keys[i], {"v": seq})
            w.wrote(i, seq, None)
        except Exception as e:  # noqa: BLE001 - every error is counted, unexpected ones fail the run
            w.wrote(i, seq, e)
        j = w.rng.randrange(len(w.keys))
        try:
            w.read(j, client.get(w.keys[j])[2], None)
        except Exception as e:  # noqa: BLE001
            w.read(j, None, e)


async def async_workers(config: dict[str, Any], workers: list[Worker], stop: threading.Event) -> None:
    client = await aerospike.async_client(config).connect()

    async def run(w: Worker) -> None:
        while not stop.is_set():
            i, seq = w.next_write()
            try:
                await client.put(w.keys[i], {"v": seq})
                w.wrote(i, seq, None)
            except Exception as e:  # noqa: BLE001
                w.wrote(i, seq, e)
            j = w.rng.randrange(len(w.keys))
            try:
                w.read(j, (await client.get(w.keys[j]))[2], None)
            except Exception as e:  # noqa: BLE001
                w.read(j, None, e)

    await asyncio.gather(*(run(w) for w in workers))
    await client.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=300, help="seconds of traffic (default 300)")
    ap.add_argument("--cycle", type=float, default=8, help="seconds between node kills (default 8)")
    ap.add_argument("--keys", type=int, default=2000, help="keys per worker (default 2000)")
    ap.add_argument("--threads", type=int, default=2, help="sync worker threads (default 2)")
    ap.add_argument("--tasks", type=int, default=32, help="async worker tasks on one loop (default 32)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    faults: collections.Counter[str] = collections.Counter()
    rss: list[float] = []

    with aerospike.LocalServer(nodes=NODES, replication_factor=REPLICATION_FACTOR) as server:
        config = {"hosts": server.hosts, "timeout": 5000, "tend_interval": 250, "policies": POLICIES}
        sync_client = aerospike.client(config).connect()
        sync_ws = [Worker(f"t{i}", args.keys, tally) for i in range(args.threads)]
        async_ws = [Worker(f"a{i}", max(1, args.keys // 8), tally) for i in range(args.tasks)]
        stop = threading.Event()
        threads = [threading.Thread(target=sync_worker, args=(sync_client, w, stop)) for w in sync_ws]
        threads.append(threading.Thread(target=lambda: asyncio.run(async_workers(config, async_ws, stop))))
        started = time.monotonic()
        for t in threads:
            t.start()
        next_kill, down, next_sample = started + args.cycle, None, started
        while (now := time.monotonic()) < started + args.duration:
            if now >= next_sample:
                rss.append(rss_mb())
                next_sample += 2
            if down is None and now >= next_kill:
                down = rng.randrange(NODES)
                server.kill_node(down)
                faults["kill"] += 1
                kill_time = now
            elif down is not None and now >= kill_time + args.cycle / 2:
                server.restart_node(down)
                faults["restart"] += 1
                down, next_kill = None, now + args.cycle / 2
            if rng.random() < 0.05:
                node = rng.randrange(NODES)
                kind = rng.choice(["delay", "drop", "result_code"])
                extra: dict[str, Any] = {"delay_ms": rng.choice([50, 700])} if kind == "delay" else {}
                if kind == "result_code":
                    extra["result_code"] = rng.choice([11, 14, 18])
                if server.nodes_up[node]:
                    server.inject_fault(node=node, kind=kind, times=rng.randint(1, 5), **extra)
                    faults[f"{kind}{'=' + str(extra.get('result_code', '')) if kind == 'result_code' else ''}"] += 1
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        alive_threads = [t.name for t in threads if t.is_alive()]
        server.clear_faults()
        for i, up in enumerate(server.nodes_up):
            if not up:
                server.restart_node(i)
        deadline = time.monotonic() + 30
        while len(sync_client.get_node_names()) < NODES and time.monotonic() < deadline:
            time.sleep(0.1)
        lost: list[str] = []
        for w in sync_ws + async_ws:
            for i, key in enumerate(w.keys):
                try:
                    bins: dict[str, Any] | None = sync_client.get(key)[2]
                except exception.RecordNotFound:
                    bins = None
                if not w.check(i, bins, "final"):
                    lost.append(key[2])
        sync_client.close()
        elapsed = time.monotonic() - started

    n = len(rss)
    q2 = sorted(rss[n // 4 : n // 2]) or rss
    q4 = sorted(rss[3 * n // 4 :]) or rss
    growth = q4[len(q4) // 2] / q2[len(q2) // 2] if q2 and q2[len(q2) // 2] else 1.0
    ops = sum(tally.ops.values())
    print(f"soak: {NODES} nodes, replication factor {REPLICATION_FACTOR}, {args.threads} sync threads + "
          f"{args.tasks} async tasks, {elapsed:.0f} s (local server in this process; pid {os.getpid()})")
    print(f"ops acknowledged: {ops} ({', '.join(f'{k} {v}' for k, v in sorted(tally.ops.items()))}), "
          f"{ops / elapsed:.0f}/s")
    print(f"faults injected: {sum(faults.values())} ({', '.join(f'{k} {v}' for k, v in sorted(faults.items()))})")
    print(f"errors by type: {sum(tally.errors.values())}")
    for k, v in sorted(tally.errors.items(), key=lambda kv: -kv[1]):
        print(f"  {v:7d}  {k}")
    print(f"unexpected exception types: {len(tally.unexpected)} {tally.unexpected[:5]}")
    print(f"reads that saw an impossible value: {len(tally.bad_reads)} {tally.bad_reads[:5]}")
    print(f"lost writes: {len(lost)} {lost[:10]}")
    print(f"RSS MB: first {rss[0]:.0f}, max {max(rss):.0f}, last {rss[-1]:.0f}; "
          f"last-quarter median / second-quarter median = {growth:.2f}")
    print(f"threads still running after stop: {alive_threads}")
    failed = lost or tally.unexpected or tally.bad_reads or growth > 1.5 or alive_threads
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
