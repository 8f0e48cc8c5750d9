"""Replays the conformance corpus against the session server.

The corpus (``<repo>/../shared/conformance``) is a set of case functions that drive the official
`aerospike` Python client, and ``golden.json`` holds what a real Aerospike CE 8.1.2.0 server
answered to each of them, recorded through the official client 19.3.0 (PyPI). Each area runs as
its own test: ``run.py --check`` replays the area's cases against the server of this session and
fails when any answer differs from the recording.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
AREAS = ["kv", "operate"]


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not (CORPUS / "run.py").is_file() or not (CORPUS / "golden.json").is_file():
        pytest.skip(f"conformance corpus not found at {CORPUS}")
    pytest.importorskip("aerospike", reason="the corpus runs through the official `aerospike` client")
    return CORPUS


@pytest.mark.parametrize("area", AREAS)
def test_conformance(corpus: Path, hosts_arg: str, area: str) -> None:
    cases = corpus / "cases" / f"cases_{area}.py"
    assert cases.is_file(), f"missing {cases}"
    proc = subprocess.run(
        [
            sys.executable,
            str(corpus / "run.py"),
            "--check",
            str(corpus / "golden.json"),
            "--summary",
            "--hosts",
            hosts_arg,
            str(cases),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = proc.stdout.splitlines()
    report = "\n".join(line for line in lines if line.startswith(("FAIL", "  want", "  got", "area ")))
    assert proc.returncode == 0, (
        f"{area}: {lines[-1] if lines else 'no output'}\n{report}\n{proc.stderr[-3000:]}"
    )
    assert lines and lines[-1].endswith(" 0 failed"), proc.stdout[-2000:]
    assert f"area {area}:" in proc.stdout  # the cases really ran
