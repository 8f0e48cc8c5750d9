#!/usr/bin/env bash
# Builds aerospike-py and runs the quick start against the embedded local server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
"$ROOT/.venv/bin/python" "$ROOT/examples/quickstart.py"
