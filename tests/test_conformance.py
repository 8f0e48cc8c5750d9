"""Replays the conformance corpus against the session server.

The corpus (``$AEROSPIKE_CONFORMANCE_DIR``, else ``<repo>/../shared/conformance``; found by the
``conformance_corpus`` fixture of conftest.py, which skips loudly without it and fails under CI) is a set of case functions that drive the official
`aerospike` Python client, and ``golden.json`` holds what a real Aerospike CE 8.1.2.0 server
answered to each of them, recorded through the official client 19.3.0 (PyPI). Each area runs as
its own test: ``run.py --check`` replays the area's cases against the server of this session and
fails when any answer differs from the recording.

Cases the local server still answers differently are listed in ``KNOWN_DIFFERENCES``, each with
its reason. The list is exact: a fixed case fails the test until it is taken off the list, and
a new difference fails it too. Against a real server (``AEROSPIKE_HOSTS``) nothing is expected
to differ.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AREAS = ["kv", "operate", "batch", "list", "map", "bit", "hll", "exp", "query", "info", "udf"]

# Case id (without the area) -> why the local server still differs from CE 8.1.2.0.
KNOWN_DIFFERENCES: dict[str, dict[str, str]] = {}

# Cases whose recorded answers contain the recording server's port (3000), or a node name whose
# length follows the port's: they match only a server listening there, whichever server it is.
PORT_3000_CASES = {
    "info": ["info_node_format", "get_node_names_format", "get_nodes_format", "info_endpoints_keys"],
}


def expected_differences(area: str) -> set[str]:
    """Cases that must differ: the local server's known differences (none against a real one)."""
    if os.environ.get("AEROSPIKE_HOSTS"):
        return set()  # a real server matches the recording
    return set(KNOWN_DIFFERENCES.get(area, {}))


def port_dependent(area: str, hosts: str) -> set[str]:
    """Cases that may differ on this server because it does not listen on port 3000."""
    if all(h.endswith(":3000") for h in hosts.split(",")):
        return set()
    return set(PORT_3000_CASES.get(area, []))


@pytest.fixture(scope="module")
def corpus(conformance_corpus: Path) -> Path:
    pytest.importorskip("aerospike", reason="the corpus runs through the official `aerospike` client")
    return conformance_corpus


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
    assert f"area {area}:" in proc.stdout, f"{area}: the cases did not run\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    failed = {line.split()[1].split(".", 1)[1] for line in lines if line.startswith("FAIL ")}
    expected = expected_differences(area)
    may_differ = port_dependent(area, hosts_arg)
    assert failed - may_differ == expected - may_differ and expected <= failed, (
        f"{area}: newly different: {sorted(failed - expected - may_differ)}; fixed (take them off KNOWN_DIFFERENCES): "
        f"{sorted(expected - failed)}\n{report}"
    )
