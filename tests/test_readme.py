"""The README's self-contained examples run, and print what their comments say.

A block that starts with ``import aerospike_py`` is a whole program (it starts its own
LocalServer); it runs in a subprocess and each ``print(...)  # expected`` line must print the
expected text. Other blocks are fragments of a larger program and are not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from runnable_blocks import expected_output, run_and_check

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if b.startswith("import aerospike_py")]


def test_the_readme_has_runnable_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(block: str) -> None:
    assert expected_output(block), "a README example shows what it prints"
    run_and_check(block)
