"""What a user installs works: the wheel `pip install .` builds is a release build, it installs on
every CPython >= 3.11 this machine has (one abi3 wheel), ships its stubs and `py.typed`, and its
`aerospike-local` console script and `python -m aerospike_py.local` run the server until SIGTERM
or Ctrl-C.

The wheel is ``$AEROSPIKE_PY_WHEEL`` (scripts/test.sh sets it to the one it built with
scripts/build_wheel.sh, which is ``pip wheel .``, and installed into .venv); without it the module
builds one the same way, which takes minutes when the release build is not in the cargo target.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import aerospike_py as aerospike

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def cpythons() -> dict[str, Path]:
    """Every CPython >= 3.11 found, by version: this one, python3.X on PATH, pyenv's versions."""
    found: dict[str, Path] = {}
    candidates = [Path(sys.executable)]
    for minor in range(11, 20):
        for directory in os.environ.get("PATH", "").split(os.pathsep):
            candidates.append(Path(directory) / f"python3.{minor}")
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        candidates += sorted(pyenv.glob("3.*/bin/python3"))
    for exe in candidates:
        if not exe.is_file() or not os.access(exe, os.X_OK):
            continue
        probe = subprocess.run(
            [str(exe), "-c", "import sys, platform; print(platform.python_implementation(), '%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30,
        )
        if probe.returncode != 0:
            continue
        implementation, version = probe.stdout.split()
        major, minor = map(int, version.split("."))
        if implementation == "CPython" and (major, minor) >= (3, 11):
            found.setdefault(version, exe)
    return {v: found[v] for v in sorted(found, key=lambda v: tuple(map(int, v.split("."))))}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("AEROSPIKE_PY_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build_wheel.sh")],
        env={**os.environ, "WHEEL_DIR": str(out), "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=3600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    return Path(proc.stdout.strip().splitlines()[-1])


def test_the_wheel_is_one_abi3_wheel_with_stubs_and_license(wheel: Path) -> None:
    assert re.fullmatch(r"aerospike_py-[^-]+-cp311-abi3-[^-]+\.whl", wheel.name), wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("aerospike_py/py.typed", "aerospike_py/_native.pyi", "aerospike_py/local.py"):
        assert shipped in names, shipped
    assert any(re.fullmatch(r"aerospike_py/_native\.abi3\.so|aerospike_py/_native\.pyd", n) for n in names), names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names), names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode().replace(" ", "")
    assert "[console_scripts]\naerospike-local=aerospike_py.local:main" in scripts, scripts


@pytest.mark.slow
@pytest.mark.parametrize(("version", "python"), list(cpythons().items()), ids=list(cpythons()))
def test_the_wheel_installs_and_runs_on_each_cpython(wheel: Path, version: str, python: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    vpython = bin_dir / "python"
    # [numpy]: the extra whose compiled API the abi3 build reaches through a capsule.
    install = subprocess.run(
        [str(vpython), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{wheel}[numpy]"],
        capture_output=True, text=True, timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # A release build: importing it warns about nothing (-W error), whatever the interpreter.
    check = subprocess.run(
        [str(vpython), "-W", "error", "-c",
         "import sys, aerospike_py as a, numpy\n"
         "with a.LocalServer() as s, a.client(s.config).connect() as c:\n"
         "    c.put(('test', 'smoke', 1), {'v': 7})\n"
         "    print('%d.%d' % sys.version_info[:2], a.build_profile, c.batch_read([('test', 'smoke', 1)]).column('v').tolist())"],
        capture_output=True, text=True, timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == [version, "release", "[7]"]
    quickstart = subprocess.run([str(vpython), str(ROOT / "examples" / "quickstart.py")], capture_output=True, text=True, timeout=120)
    assert quickstart.returncode == 0, quickstart.stderr
    assert "removed; exists now: None" in quickstart.stdout
    for command in ([str(bin_dir / "aerospike-local"), "--help"], [str(vpython), "-m", "aerospike_py.local", "--help"]):
        helped = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert helped.returncode == 0, helped.stderr
        for flag in ("--port", "--nodes", "--namespace", "--security", "--tls"):
            assert flag in helped.stdout, (command, flag)


def test_this_interpreter_runs_a_release_build() -> None:
    """What the suite tests is what `pip install .` gives (scripts/test.sh installs that wheel)."""
    if os.environ.get("AEROSPIKE_PY_WHEEL") is None:
        pytest.skip("not run by scripts/test.sh: the build under test may be a `maturin develop` one")
    assert aerospike.build_profile == "release"
    assert Path(aerospike.__file__).is_relative_to(sysconfig.get_paths()["purelib"]), aerospike.__file__


# `aerospike-local`, run the way a user runs it: a process that serves until it is signalled.


@pytest.fixture
def local_process(request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str]]:
    if os.name == "nt":
        pytest.skip("POSIX signals")
    args = request.param
    with subprocess.Popen([sys.executable, "-m", "aerospike_py.local", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        yield proc
        if proc.poll() is None:
            proc.kill()


def listening_hosts(proc: subprocess.Popen[str]) -> list[tuple[str, int]]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("aerospike-local listening on "), (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
    return [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in line.split(" on ", 1)[1].strip().split(", ")]


@pytest.mark.parametrize(("local_process", "stop"), [(["--nodes", "2"], signal.SIGTERM), (["-n", "other"], signal.SIGINT)], indirect=["local_process"])
def test_aerospike_local_serves_until_signalled_then_exits_cleanly(local_process: subprocess.Popen[str], stop: signal.Signals) -> None:
    hosts = listening_hosts(local_process)
    namespace = "other" if len(hosts) == 1 else "test"
    with aerospike.client({"hosts": hosts}).connect() as client:
        assert len(client.get_node_names()) == len(hosts)
        client.put((namespace, "cli", 1), {"v": 1})
        assert client.get((namespace, "cli", 1)).bins == {"v": 1}
    local_process.send_signal(stop)
    assert local_process.wait(timeout=60) == 0
    assert local_process.stderr is not None
    assert local_process.stderr.read() == ""


@pytest.mark.parametrize(
    "args",
    [["--tls-name", "x"], ["--nodes", "0"], ["--port", "http"], ["--unknown"]],
    ids=["tls-name-without-tls", "zero-nodes", "non-numeric-port", "unknown-flag"],
)
def test_aerospike_local_refuses_bad_flags_with_usage(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "aerospike_py.local", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: aerospike-local"), proc.stderr
    assert proc.stdout == ""


def test_aerospike_local_reports_a_port_in_use() -> None:
    with aerospike.LocalServer() as server:
        proc = subprocess.run([sys.executable, "-m", "aerospike_py.local", "--port", str(server.port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("aerospike-local: cannot start:"), proc.stderr


def test_importing_a_debug_build_warns_once_how_to_get_a_release_one() -> None:
    """The package as `maturin develop` builds it (build_profile "debug", set here on the module
    the extension already is) warns at its first import only."""
    code = (
        "import sys, warnings\n"
        "import aerospike_py._native as native\n"
        "native.build_profile = 'debug'\n"
        "for name in [m for m in sys.modules if m.startswith('aerospike_py') and m != 'aerospike_py._native']:\n"
        "    del sys.modules[name]\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import aerospike_py\n"
        "    import aerospike_py.local\n"
        "print(len(caught), caught[0].category.__name__, aerospike_py.build_profile)\n"
        "print(caught[0].message)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, message = proc.stdout.splitlines()
    assert first == "1 RuntimeWarning debug"
    assert "debug build" in message and "pip install ." in message and "maturin develop --release" in message
