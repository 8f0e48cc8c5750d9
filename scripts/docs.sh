#!/usr/bin/env bash
# Builds the documentation site into site/ strictly (a broken link, a missing snippet or
# reference, or a notebook cell that fails is an error), executing the notebooks on the local
# server. `./scripts/docs.sh serve` serves it with live reload instead.
# tests/test_docs.py runs the same build, and every code block of the pages, in the test command.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MATURIN_ARGS="--extras test" source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export NO_MKDOCS_2_WARNING=1
if [ "${1:-}" = "serve" ]; then
    exec .venv/bin/python -m mkdocs serve
fi
.venv/bin/python -m mkdocs build --strict --site-dir "$ROOT/site"
echo "site built: $ROOT/site/index.html"
