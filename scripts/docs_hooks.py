"""MkDocs hooks: the pages' tables that must not drift are generated at build time from their
sources. `<!-- generated: errors -->` becomes the table of every exception class of
`aerospike_py.exception` (its result code, family, meaning, and what to do: the security hints are
read from `src/errors.rs`, where the client's own messages take them from); `<!-- generated:
bench NAME -->` becomes the table of the newest `benches/results/NAME-*.json`.

The notebooks are executed on every build: mkdocs-jupyter's cache lives in a directory made
for this build only (so the Korean build reuses the English build's run, and nothing executed
earlier is ever served), and the notebook files that mkdocs-static-i18n rebuilds as plain files
are handed back to mkdocs-jupyter.
"""

from __future__ import annotations

import atexit
import inspect
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- generated: (\w+)(?: (\w+))? -->")

# What to do, by class; a class without an entry takes its nearest family's. tests/test_docs.py
# checks that every class of the hierarchy gets a remedy.
ADVICE = {
    "AerospikeError": "Catch this to handle every failure of the client; look at `result_code` and `in_doubt`.",
    "ClientError": "A local failure (closed client, use after fork): reconnect or create the client anew.",
    "ParamError": "Fix the argument the message names; nothing was sent to the server.",
    "ClientAbortError": "The stream was closed by its consumer; resume from its `partition_filter` if you need the rest.",
    "AsyncConnectionError": "Check that the server is up and reachable at the configured hosts.",
    "NoResponse": "The server did not answer: retry; for writes check `in_doubt`.",
    "BatchFailed": "Look at each `BatchRecord`'s `result` for the keys that failed.",
    "InvalidHostError": "Check `config[\"hosts\"]`: a list of `(address, port)` or `(address, port, tls_name)`.",
    "TLSError": "Check `config[\"tls\"]`: the CA file, the host's `tls_name`, and client certificates for mutual TLS.",
    "BackpressureError": "Too many commands in flight: raise `max_concurrent_operations` or `operation_queue_timeout_ms`, or bound your own concurrency.",
    "RustPanicError": "A bug in aerospike-py: report it with the message.",
    "TransactionFailed": "Multi-record transactions are not provided yet; do not pass `txn`.",
    "ClusterError": "The cluster or a partition is unavailable: retry with backoff; check the cluster's health.",
    "ConnectionError": "Check that the server is up and reachable at the configured hosts (and TLS/auth settings).",
    "NoMoreConnectionsError": "The connection pool is exhausted: raise `max_conns_per_node` or lower concurrency.",
    "MaxErrorRateExceeded": "The node is failing often: back off and retry later.",
    "AerospikeTimeoutError": "Raise `total_timeout`/`socket_timeout` in the policy, or retry; for writes check `in_doubt`.",
    "MaxRetriesExceeded": "Raise `max_retries` or the timeouts; for writes check `in_doubt`.",
    "RecordError": "The record's state refused the command: read it and decide.",
    "RecordNotFound": "Expected for a missing key: catch it, or use `exists()` / `batch_read` (which reports it per key).",
    "RecordGenerationError": "Another writer changed the record: read it again (new `gen`) and retry the check-and-set.",
    "RecordExistsError": "The key exists and the policy said create-only: use another key or `POLICY_EXISTS_UPDATE`.",
    "BinTypeError": "The bin holds another type than the operation needs: read it, or write the right type.",
    "RecordTooBig": "Split the record, or raise the namespace's `max-record-size`.",
    "RecordBusy": "A hot key: retry with backoff, or spread the writes over more keys.",
    "FilteredOut": "The filter expression did not match: expected when filtering; catch it or check `br.result == 27` in batches.",
    "ServerError": "The server refused the command: the message says why.",
    "NamespaceNotFound": "Check the namespace name (the server's configuration lists them).",
    "EnterpriseOnly": "The feature needs Aerospike Enterprise.",
    "AerospikeIndexError": "An index command failed: the message names the index.",
    "IndexFoundError": "The index exists already: ignore it if it is the same index, or pick another name.",
    "IndexNotFound": "Create the secondary index on the bin first (`index_*_create`), or query without a predicate.",
    "QueryError": "The query failed on the server: check its predicate, index and policy.",
    "UDFError": "The UDF failed: the message has Lua's error; fix the module and `udf_put` it again.",
    "UDFNotFound": "Register the module with `udf_put` first.",
    "AdminError": "A security command failed: the message says what to do.",
}


def _security_hints() -> dict[int, str]:
    """The remedy the client appends to each security error's message, from src/errors.rs."""
    text = (ROOT / "src" / "errors.rs").read_text()
    body = text[text.index("fn security_hint") :]
    body = body[: body.index("_ => return None")]
    return {int(code): hint.replace('\\"', '"') for code, hint in re.findall(r'(\d+) => "((?:[^"\\]|\\.)*)"', body)}


def exception_rows() -> list[dict[str, object]]:
    """Every class of the hierarchy, in the module's order, with its code, family and remedy."""
    from aerospike_py import exception

    hints = _security_hints()
    rows = []
    for name, cls in vars(exception).items():
        if not (inspect.isclass(cls) and issubclass(cls, exception.AerospikeError)) or cls.__name__ != name:
            continue
        advice = next((ADVICE[c.__name__] for c in cls.__mro__ if c.__name__ in ADVICE), "")
        if cls.code in hints and issubclass(cls, exception.AdminError):
            advice = hints[cls.code][0].upper() + hints[cls.code][1:] + "."
        family = next((c.__name__ for c in cls.__mro__[1:] if c.__module__ == exception.__name__), "Exception")
        doc = " ".join(inspect.getdoc(cls).split("\n\n")[0].split())
        rows.append({"name": name, "code": cls.code, "family": family, "meaning": doc, "advice": advice})
    return rows


def _errors_table() -> str:
    lines = ["| Exception | Code | Family | Meaning | What to do |", "|---|---|---|---|---|"]
    for row in exception_rows():
        code = "" if row["code"] is None else f"`{row['code']}`"
        lines.append(f"| `{row['name']}` | {code} | `{row['family']}` | {row['meaning']} | {row['advice']} |")
    return "\n".join(lines)


def _bench_table(name: str) -> str:
    """The newest results of one benchmark: a row per scenario, a column per client."""
    path = sorted((ROOT / "benches" / "results").glob(f"{name}-*.json"))[-1]
    data = json.loads(path.read_text())
    units = data.get("units", {})
    clients: list[str] = []
    scenarios: list[str] = []
    for run in data["runs"]:
        client, scenario = run.split("/", 1)
        clients += [client] if client not in clients else []
        scenarios += [scenario] if scenario not in scenarios else []

    def cell(run: dict[str, object] | None, scenario: str) -> str:
        if run is None:
            return ""
        if "error" in run:
            return "failed"
        unit = units.get(scenario, "s")
        value = run.get("value", run["median"])
        text = f"{value:,.0f} {unit}" if unit != "s" else f"{value:.2f} s"
        return f"{text}, {run['peak_rss_mib']:.0f} MiB"

    head = f"`benches/results/{path.name}`: n = {data['n']:,}, {data['repeat']} repetitions, {data['machine']}, against {data['server']}.\n\n"
    lines = ["| | " + " | ".join(clients) + " |", "|---" * (len(clients) + 1) + "|"]
    for scenario in scenarios:
        lines.append(f"| {scenario} | " + " | ".join(cell(data["runs"].get(f"{c}/{scenario}"), scenario) for c in clients) + " |")
    return head + "\n".join(lines)


_NOTEBOOK_CACHE = tempfile.mkdtemp(prefix="aerospike-py-docs-notebooks-")
atexit.register(shutil.rmtree, _NOTEBOOK_CACHE, ignore_errors=True)


def on_config(config: Any) -> Any:
    config.plugins["mkdocs-jupyter"].config["cache_dir"] = _NOTEBOOK_CACHE
    return config


@event_priority(-110)  # after mkdocs-static-i18n's own on_files (-100)
def on_files(files: Files, config: Any) -> Files:
    from mkdocs_jupyter.plugin import NotebookFile

    # In place: i18n's Files subclass must stay the one it knows.
    for f in [f for f in files if f.src_uri.endswith(".ipynb") and not isinstance(f, NotebookFile)]:
        files.remove(f)
        files.append(NotebookFile(f, **config))
    return files


def on_page_markdown(markdown: str, **_kwargs: object) -> str:
    def generate(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind == "errors":
            return _errors_table()
        if kind == "bench" and arg:
            return _bench_table(arg)
        raise ValueError(f"unknown generated block {match.group(0)}")

    return MARKER.sub(generate, markdown)
