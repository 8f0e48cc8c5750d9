"""The README's self-contained examples run, and print what their comments say.

A block that starts with ``import aerospike_py`` is a whole program (it starts its own
LocalServer); it runs in a subprocess and each ``print(...)  # expected`` line must print the
expected text. Other blocks are fragments of a larger program and are not run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if b.startswith("import aerospike_py")]


def expected_output(block: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^\s*print\(.*\)\s+#\s*(.+)$", block, flags=re.M)]


def test_the_readme_has_runnable_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(block: str) -> None:
    proc = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[: len(expected_output(block))] == expected_output(block)
