#!/usr/bin/env bash
# Sets up everything on a fresh machine with only Rust, Python 3.11 and pip: a virtualenv in
# .venv with the build and test tools, and the extension built into it (dev profile: our crates
# unoptimised for fast rebuilds, dependencies optimised). Sourced by quickstart.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.7,<2"
(cd "$ROOT" && "$VENV/bin/maturin" develop -q ${MATURIN_ARGS:-})
