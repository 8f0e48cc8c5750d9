"""The README's self-contained examples run, and print what their comments say.

A block that starts with ``import aerospike_py`` is a whole program (it starts its own
LocalServer); it runs in a subprocess and each ``print(...)  # expected`` line must print the
expected text. Other blocks are fragments of a larger program and are not run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
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


# The shell blocks: each command names a script of this repo, a program of the .venv the README
# tells the reader to make (this interpreter's, when the suite runs there), or a tool from the
# prerequisites; and the `aerospike-local` command lines run as written (--help) or parse.
SH_COMMANDS = [
    line.split("  #", 1)[0].strip()
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    for line in block.splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
ROOT = README.parent
BIN = Path(sys.executable).parent


def program_of(command: str) -> str:
    words = shlex.split(command.replace("$(", " ").replace(")", " "))
    return next(w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w))


def test_the_readme_shows_the_set_up_commands() -> None:
    assert {"./scripts/quickstart.sh", "./scripts/test.sh"} <= {program_of(c) for c in SH_COMMANDS}


@pytest.mark.parametrize("command", SH_COMMANDS)
def test_readme_command_names_something_that_exists(command: str) -> None:
    program = program_of(command)
    if program.startswith("./"):
        assert os.access(ROOT / program, os.X_OK), f"{program} is not an executable of the repo"
    elif program.startswith(".venv/bin/"):
        name = program.removeprefix(".venv/bin/")
        if name == "maturin" and not (BIN / name).exists():
            pytest.skip("maturin is in .venv only after bootstrap.sh, not in a plain install")
        assert (BIN / name).exists(), f"{name} is not installed beside {sys.executable}"
    else:
        assert program in {"python3", "cargo"}, f"{program}: not a prerequisite the README lists"
        assert shutil.which(program), program


@pytest.mark.parametrize("command", [c for c in SH_COMMANDS if program_of(c).endswith("/aerospike-local")])
def test_readme_aerospike_local_command_runs(command: str) -> None:
    args = shlex.split(command)[1:]
    if args == ["--help"]:
        proc = subprocess.run([str(BIN / "aerospike-local"), *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.startswith("usage: aerospike-local"), proc.stderr
    else:  # a server that would run until stopped: its flags parse
        from aerospike_py.local import parse_args

        parse_args(args)
