"""Runs documentation code as whole programs and checks what it prints: the one mechanism behind
tests/test_readme.py (README blocks) and tests/test_docs.py (the site's snippet files).

A program shows its output beside the code: each ``print(...)  # expected`` line must print the
expected text, in order, so output on a page is checked rather than pasted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PRINT_WITH_EXPECTED = re.compile(r"^[ \t]*print\(.*\)[ \t]+#[ \t]*(.+)$", flags=re.M)


def expected_output(code: str) -> list[str]:
    """The text each ``print(...)  # text`` line of ``code`` says it prints, in order."""
    return [m.group(1).strip() for m in PRINT_WITH_EXPECTED.finditer(code)]


def run_and_check(program: str | Path, cwd: Path | None = None, timeout: int = 120, exact: bool = False) -> None:
    """Runs ``program`` (source code, or a file) in a fresh interpreter; it must exit 0 and print
    what its comments say (with ``exact``, nothing else: every line it prints is on the page)."""
    code = program.read_text() if isinstance(program, Path) else program
    args = [str(program)] if isinstance(program, Path) else ["-c", code]
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    expected = expected_output(code)
    printed = proc.stdout.split("\n")
    if exact:
        assert printed == [*expected, ""], proc.stdout
    else:
        assert printed[: len(expected)] == expected, proc.stdout
