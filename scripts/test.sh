#!/usr/bin/env bash
# Builds everything and runs every test: Rust unit tests, lints, the Python suite (both clients,
# the conformance corpus through the official client, doctests, the wheel on every CPython >= 3.11
# found) against the embedded local server, or against a real server when
# AEROSPIKE_HOSTS=host:port is set.
#
# It tests what ships: the release wheel that `pip install .` builds is built once
# (scripts/build_wheel.sh), installed into .venv with the test tools, and that same wheel is what
# tests/test_packaging.py installs into fresh virtualenvs. Extra arguments go to pytest instead
# of its default paths (e.g. `scripts/test.sh tests/test_kv.py -x`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ "${CI:-}" = "true" ] && [ ! -f "${AEROSPIKE_CONFORMANCE_DIR:-$ROOT/../shared/conformance}/golden.json" ]; then
    echo "CI needs the conformance corpus: none at ${AEROSPIKE_CONFORMANCE_DIR:-$ROOT/../shared/conformance} (set AEROSPIKE_CONFORMANCE_DIR)" >&2
    exit 1
fi
unset MATURIN_ARGS
EXTRAS=test source "$ROOT/scripts/bootstrap.sh"
export AEROSPIKE_PY_WHEEL="$WHEEL"
echo "== clippy on every crate and target, warnings denied"
cargo clippy -q --workspace --all-targets -- -D warnings
echo "== cargo test (the pure crates' unit tests)"
cargo test -q -p wire -p local-server -p columnar -p observability -p direct
echo "== the pure crates never depend on pyo3 (their logic is testable without Python)"
for crate in wire local-server columnar observability direct; do
    if cargo tree -p "$crate" -e normal | grep -q pyo3; then echo "$crate depends on pyo3" >&2; exit 1; fi
done
echo "== the stubs match the compiled module"
.venv/bin/python -m mypy.stubtest aerospike_py._native
echo "== typical user code type-checks against the TypedDicts and stubs (and mistakes do not)"
.venv/bin/python -m mypy --follow-imports=silent --warn-unused-ignores --no-error-summary tests/typecheck_types.py
echo "== pytest"
# The doctests run from the installed package (python/aerospike_py is its source, without the
# compiled module); every test runs, the `slow` ones included (PYTEST_MARKERS="not slow" leaves
# them out for a quick run).
PACKAGE="$(.venv/bin/python -c 'import aerospike_py, os; print(os.path.dirname(aerospike_py.__file__))')"
if [ "$#" -eq 0 ]; then set -- tests "$PACKAGE"; fi
.venv/bin/python -m pytest -q ${PYTEST_MARKERS:+-m "$PYTEST_MARKERS"} "$@"
