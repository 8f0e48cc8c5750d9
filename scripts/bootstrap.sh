#!/usr/bin/env bash
# Sets up everything on a fresh machine with Rust, a C compiler, Python >= 3.11 with venv and
# pip: a virtualenv in .venv with maturin, and aerospike-py installed into it. Sourced by
# quickstart.sh and test.sh; leaves .venv (and dist/ with the wheel) behind.
#
# By default it builds the release wheel (scripts/build_wheel.sh: what `pip install .` builds,
# ~15 min on 2 cores from a clean clone) and installs it with the extras in $EXTRAS (default
# `all`: NumPy, pyarrow, pandas, Polars). After it, $WHEEL is the wheel's path.
#
# The fast edit loop is explicit: with MATURIN_ARGS set (e.g. MATURIN_ARGS="--extras test"), it
# runs `maturin develop $MATURIN_ARGS` instead: an editable, unoptimised dev-profile build whose
# import warns that it is slow (add --release to MATURIN_ARGS for an optimised one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.7,<2"
if [ -n "${MATURIN_ARGS:-}" ]; then
    (cd "$ROOT" && "$VENV/bin/maturin" develop -q ${MATURIN_ARGS})
else
    WHEEL="$(PYTHON="$VENV/bin/python" "$ROOT/scripts/build_wheel.sh")"
    export WHEEL
    # Same version as any earlier install, so take that one out first: pip would keep it.
    "$VENV/bin/python" -m pip uninstall -q -y aerospike-py >/dev/null 2>&1 || true
    echo "== installing $(basename "$WHEEL")[${EXTRAS:-all}] into .venv" >&2
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$WHEEL[${EXTRAS:-all}]"
fi
