#!/usr/bin/env bash
# Builds aerospike-py (release) into .venv with every extra, and runs the quick start against
# the embedded local server. Afterwards: `.venv/bin/python your_script.py`, or
# `source .venv/bin/activate`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unset MATURIN_ARGS
EXTRAS=all source "$ROOT/scripts/bootstrap.sh"
"$ROOT/.venv/bin/python" "$ROOT/examples/quickstart.py"
