#!/usr/bin/env bash
# Builds the wheel that `pip install .` builds, into dist/ (or $WHEEL_DIR), and prints its path
# and size. It is one abi3 wheel for every CPython >= 3.11 (pyo3's abi3-py311), built with the
# release profile (Cargo.toml: thin LTO) and stripped ([tool.maturin] strip = true): it is built
# by `pip wheel .` itself, so what is tested is exactly what a source install gets.
# Needs a Python with pip and maturin: $PYTHON, default .venv/bin/python (bootstrap.sh makes it).
# About 15 minutes on 2 cores from a clean clone, and 3-10 after a change to our own crates (their
# release compile and the LTO link); seconds when nothing changed. Its last output line is the wheel.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
    PYTHON="$ROOT/.venv/bin/python"
    [ -x "$PYTHON" ] || { echo "build_wheel.sh: no .venv: run scripts/bootstrap.sh, or set PYTHON to a Python with pip and maturin" >&2; exit 1; }
fi
OUT="${WHEEL_DIR:-$ROOT/dist}"
mkdir -p "$OUT"
rm -f "$OUT"/aerospike_py-*.whl
start=$SECONDS
# -v streams cargo's progress; without it pip is silent for the whole build.
"$PYTHON" -m pip wheel -v --no-build-isolation --no-deps -w "$OUT" "$ROOT" >&2
WHEEL="$(ls "$OUT"/aerospike_py-*.whl 2>/dev/null | head -n 1)"
[ -n "$WHEEL" ] || { echo "build_wheel.sh: pip built no wheel in $OUT" >&2; exit 1; }
echo "== wheel: $(basename "$WHEEL"), $(du -k "$WHEEL" | cut -f1) KiB, built in $((SECONDS - start)) s" >&2
echo "$WHEEL"
