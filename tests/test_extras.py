"""The core needs none of the optional extras (STYLE R8): importing aerospike_py loads neither
NumPy, pyarrow, pandas nor Polars, batch reads work without them, and each columnar view names
the extra to install when its library is missing. Each check runs in a fresh interpreter where
the extras are made unimportable, the way an install without them behaves."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

BLOCK = "import sys\nfor m in ('numpy', 'pyarrow', 'pandas', 'polars'):\n    sys.modules[m] = None\n"


def run(code: str, hosts: list[tuple[str, int]] | None = None) -> subprocess.CompletedProcess:
    prelude = BLOCK + f"HOSTS = {hosts!r}\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_import_loads_no_optional_library() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, aerospike_py; print(sorted(m for m in ('numpy', 'pyarrow', 'pandas', 'polars') if m in sys.modules))"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_batch_read_works_without_extras_and_views_name_the_extra(server_hosts, set_name) -> None:
    proc = run(
        f"""
        import aerospike_py as aerospike
        c = aerospike.client({{"hosts": HOSTS}}).connect()
        key = ("test", {set_name!r}, "x")
        c.put(key, {{"a": 1}})
        batch = c.batch_read([key])
        assert batch.to_dict() == {{"x": {{"a": 1}}}}, batch.to_dict()
        messages = []
        for view, extra in (("to_arrow", "arrow"), ("to_polars", "polars"), ("to_pandas", "pandas"), ("column", "numpy")):
            try:
                getattr(batch, view)("a") if view == "column" else getattr(batch, view)()
            except ImportError as e:
                assert f"aerospike-py[{{extra}}]" in str(e), (view, str(e))
                messages.append(view)
        c.remove(key)
        print(messages)
        """,
        server_hosts,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['to_arrow', 'to_polars', 'to_pandas', 'column']"
