"""The soak (benches/soak.py) in short: mixed sync and async traffic on a 3-node, replication-factor-2
LocalServer while nodes are killed and restarted and faults injected; it must end with no lost
acknowledged write, no impossible read, only AerospikeError types, bounded RSS and no thread left
running. The longer run's figures are reported from `python3 benches/soak.py --duration 300`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[1] / "benches" / "soak.py"


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("AEROSPIKE_HOSTS")), reason="kills local nodes: needs LocalServer")
def test_short_soak_loses_no_acknowledged_write() -> None:
    done = subprocess.run(
        [sys.executable, str(SOAK), "--duration", "60", "--cycle", "6", "--keys", "500", "--tasks", "16"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "lost writes: 0 " in done.stdout
    assert "unexpected exception types: 0 " in done.stdout
