"""`aerospike_py.polars.scan_aerospike`: the lazy scan returns exactly what Polars computes on
the same records read eagerly, for every predicate (pushed down, partly pushed, or not at all),
and the part it pushes really runs on the server (fewer records reach the client).

The records are chosen to hit the places where Polars' values and the server's bins differ: a
missing bin and an explicit nil (null in Polars, "unknown" on the server), an int bin holding a
string (a type conflict: null with `on_type_conflict="null"`), an int in a float column (read
as its float), NaN, a GeoJSON bin in a string column, and the Kleene logic of `&`, `|`, `~` over
all of those. Runs on a 3-node LocalServer, or on AEROSPIKE_HOSTS.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aerospike_py as aerospike
from tests.conftest import NAMESPACE, module_set, remove_all

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
from aerospike_py.polars import pushdown_report, scan_aerospike  # noqa: E402

SCHEMA = {"id": pl.Int64, "n": pl.Int64, "x": pl.Float64, "s": pl.String, "b": pl.Boolean}
N_REGULAR = 60


def _records() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(N_REGULAR):
        rows.append({"id": i, "n": i % 17 - 5, "x": i * 0.75 - 10.0, "s": f"{'ab' if i % 3 else 'cd'}{i % 10}", "b": i % 2 == 0})
    rows += [
        {"id": 100},  # every other bin missing
        {"id": 101, "n": "not an int", "x": "nor a float", "s": 7, "b": 1},  # each bin the wrong type
        {"id": 102, "n": 3, "x": 4, "s": "ab.c", "b": False},  # an int in the float column
        {"id": 103, "n": 4, "x": math.nan, "s": "a|b", "b": True},
        {"id": 104, "n": 5, "x": math.inf, "s": aerospike.GeoJSON({"type": "Point", "coordinates": [1.0, 2.0]})},
        {"id": 105, "n": -(2**63), "x": -0.0, "s": "", "b": True},
        {"id": 106, "n": 2**63 - 1, "x": 1e300, "s": "ab\ncd", "b": False},
    ]
    return rows


@pytest.fixture(scope="module")
def data(cluster_config: dict[str, Any]) -> Iterator[tuple[aerospike.Client, str, Any]]:
    """The set written once, the client, and the eager frame Polars filters for the expected answer."""
    client = aerospike.client(cluster_config).connect()
    set_name = module_set(__name__)
    remove_all(client, NAMESPACE, set_name)
    for row in _records():
        client.put((NAMESPACE, set_name, row["id"]), row)
    eager = pl.from_arrow(client.query(NAMESPACE, set_name).to_arrow(schema=pa.schema(pl.DataFrame(schema=SCHEMA).to_arrow().schema), meta_columns=False))
    assert isinstance(eager, pl.DataFrame) and eager.height == len(_records())
    yield client, set_name, eager
    remove_all(client, NAMESPACE, set_name)
    client.close()


def c(name: str) -> Any:
    return pl.col(name)


# Each predicate, and whether (part of) it must reach the server.
PUSHED: list[tuple[str, Callable[[], Any]]] = [
    ("int_gt", lambda: c("n") > 3),
    ("int_eq", lambda: c("n") == 4),
    ("int_ne", lambda: c("n") != 4),
    ("int_le_float_literal", lambda: c("n") <= 2.5),
    ("float_lt", lambda: c("x") < 5.0),
    ("float_ge_int_literal", lambda: c("x") >= 4),
    ("float_eq_int_stored", lambda: c("x") == 4.0),
    ("nan_aware_gt", lambda: c("x") > 1e10),
    ("str_eq", lambda: c("s") == "ab1"),
    ("str_lt", lambda: c("s") < "ab5"),
    ("bool_col", lambda: c("b")),
    ("bool_eq_false", lambda: c("b") == False),  # noqa: E712 - a Polars expression
    ("and", lambda: (c("n") > 0) & (c("x") < 20)),
    ("or", lambda: (c("n") > 9) | (c("s") == "cd0")),
    ("not", lambda: ~(c("n") > 3)),
    ("not_or_nulls", lambda: ~((c("n") > 3) | (c("x") < 0))),
    ("not_and", lambda: ~((c("n") > 3) & c("b"))),
    ("is_null", lambda: c("n").is_null()),
    ("is_not_null", lambda: c("n").is_not_null()),
    ("float_is_null", lambda: c("x").is_null()),
    ("str_is_not_null", lambda: c("s").is_not_null()),
    ("not_is_null_float", lambda: ~c("x").is_null()),
    ("is_in_int", lambda: c("n").is_in([1, 2, 3])),
    ("is_in_str", lambda: c("s").is_in(["ab1", "cd3", "zz"])),
    ("not_is_in", lambda: ~c("n").is_in([1, 2, 3])),
    ("is_between", lambda: c("n").is_between(0, 5)),
    ("starts_with", lambda: c("s").str.starts_with("ab")),
    ("starts_with_special", lambda: c("s").str.starts_with("a|")),
    ("not_starts_with", lambda: ~c("s").str.starts_with("ab")),
    ("ends_with", lambda: c("s").str.ends_with("1")),
    ("contains_literal", lambda: c("s").str.contains(".c", literal=True)),
    ("contains_anchored_plain", lambda: c("s").str.contains("^cd")),
    ("arith_int", lambda: (c("n") * 2 + 1) > 7),
    ("arith_mixed", lambda: (c("n") + c("x")) < 3),
    ("arith_div", lambda: (c("x") / 2) >= 3),
    ("negate_abs", lambda: (-c("n") < 0) & (c("n").abs() < 10)),
    ("col_vs_col", lambda: c("n") > c("x")),
    ("is_in_with_null", lambda: c("n").is_in([1, None])),
    ("partly_pushed_and", lambda: (c("n") > 2) & (c("n") % 3 == 0)),
]
NOT_PUSHED: list[tuple[str, Callable[[], Any]]] = [
    ("modulo", lambda: c("n") % 3 == 0),
    ("regex", lambda: c("s").str.contains("a.[0-9]")),
    ("or_with_untranslatable", lambda: (c("n") > 3) | (c("n") % 2 == 0)),
    ("floor_div", lambda: c("n") // 2 == 1),
    ("len_chars", lambda: c("s").str.len_chars() > 2),
]


def _lazy_equals_eager(data: Any, predicate: Any, **scan_args: Any) -> Any:
    client, set_name, eager = data
    lf = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA, **scan_args).filter(predicate).select("id", "n", "s")
    got = lf.collect().sort("id")
    want = eager.filter(predicate).select("id", "n", "s").sort("id")
    assert got.equals(want), f"{predicate}: lazy {got['id'].to_list()} != eager {want['id'].to_list()}"
    return lf


@pytest.mark.parametrize("make", [m for _, m in PUSHED], ids=[i for i, _ in PUSHED])
def test_pushed_predicate_gives_polars_answer_and_runs_on_the_server(data: Any, make: Callable[[], Any]) -> None:
    lf = _lazy_equals_eager(data, make())
    report = pushdown_report(lf)
    assert report.server_filter is not None and report.filter_expression is not None


@pytest.mark.parametrize("make", [m for _, m in NOT_PUSHED], ids=[i for i, _ in NOT_PUSHED])
def test_untranslatable_predicate_still_gives_polars_answer(data: Any, make: Callable[[], Any]) -> None:
    lf = _lazy_equals_eager(data, make())
    assert pushdown_report(lf).server_filter is None


@pytest.mark.parametrize("make", [m for _, m in PUSHED[:6]], ids=[i for i, _ in PUSHED[:6]])
def test_same_answer_without_pushdown(data: Any, make: Callable[[], Any]) -> None:
    _lazy_equals_eager(data, make(), predicate_pushdown=False)


def test_the_server_filter_sends_fewer_records(data: Any) -> None:
    client, set_name, eager = data
    lf = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA, batch_size=8)
    pushed = lf.filter(c("n") == 4).select("id")
    rows = pushed.collect().height
    sent = pushdown_report(pushed).records_received
    assert rows == eager.filter(c("n") == 4).height and sent == rows < eager.height
    plain = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA, predicate_pushdown=False).filter(c("n") == 4)
    assert plain.collect().height == rows and pushdown_report(plain).records_received == eager.height


def test_projection_builds_only_the_used_bins(data: Any) -> None:
    client, set_name, eager = data
    lf = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA).filter(c("x") > 0).select("s")
    report = pushdown_report(lf)
    # Built client-side: the server sends every bin (a selection would drop records lacking them).
    assert report.columns == ("x", "s") and report.bins is None and not report.meta_columns
    assert sorted(lf.collect()["s"].to_list()) == sorted(eager.filter(c("x") > 0)["s"].to_list())


def test_metadata_columns_only_when_asked(data: Any) -> None:
    client, set_name, eager = data
    lf = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA)
    assert pushdown_report(lf.select("id")).meta_columns is False
    with_meta = lf.select("id", "_gen", "_ttl")
    assert pushdown_report(with_meta).meta_columns is True
    frame = with_meta.collect()
    assert frame.height == eager.height and frame["_gen"].min() >= 1
    only_meta = lf.select("_ttl")
    assert pushdown_report(only_meta).bins == () and only_meta.collect().height == eager.height


def test_head_becomes_max_records(data: Any) -> None:
    client, set_name, _ = data
    lf = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA).head(5)
    assert lf.collect().height == 5
    report = pushdown_report(lf)
    assert report.max_records == 5 and report.records_received is not None and report.records_received <= 15


def test_inferred_schema_says_how_it_was_made(data: Any) -> None:
    client, set_name, eager = data
    lf = scan_aerospike(client, NAMESPACE, set_name, sample=500)
    assert "sampled" in pushdown_report(lf).schema_source
    assert {"id", "n", "x", "s", "b"} <= set(lf.collect_schema().names())
    assert lf.collect().height == eager.height


# Seen against a real CE 8.1.2.0: a query that selects bins gets no message for a record
# holding none of them (aerospike-server as/src/base/proto.c `as_msg_make_response_bufbuilder`,
# "Don't return an empty record"; as/src/query/query.c `apply_ops_make_response` for read ops),
# and the local server does the same. `select(pl.len())` makes Polars ask for one bin ("b"),
# which records 100 and 104 lack: the scan must still give Polars their rows, as nulls.
def test_a_projection_onto_sparse_bins_keeps_every_row(data: Any) -> None:
    client, set_name, eager = data
    lf = scan_aerospike(client, NAMESPACE, set_name, sample=500)
    assert lf.select(pl.len()).collect().item() == eager.height
    assert lf.select("b").collect().height == eager.height


def test_type_conflict_can_raise(data: Any) -> None:
    client, set_name, _ = data
    lf = scan_aerospike(client, NAMESPACE, set_name, schema=SCHEMA, on_type_conflict="error")
    with pytest.raises(Exception, match="n"):
        lf.select("n").collect()


def test_config_dict_and_empty_result(data: Any, cluster_config: dict[str, Any]) -> None:
    _, set_name, _ = data
    lf = scan_aerospike(cluster_config, NAMESPACE, set_name, schema=SCHEMA).filter(c("n") == 123456)
    assert lf.collect().height == 0


def test_bad_arguments_are_refused(data: Any) -> None:
    client, set_name, _ = data
    with pytest.raises(TypeError, match="Client or a config dict"):
        scan_aerospike(object(), NAMESPACE, set_name)
    with pytest.raises(ValueError, match="batch_size"):
        scan_aerospike(client, NAMESPACE, set_name, batch_size=0)
    with pytest.raises(ValueError, match="partition_filter"):
        scan_aerospike(client, NAMESPACE, set_name, policy={"partition_filter": aerospike.predicates.partition_filter_all()})
    with pytest.raises(ValueError, match="no aerospike scan"):
        pushdown_report(pl.LazyFrame({"a": [1]}))


# Predicates on int and bool bins translate exactly: the server sends only the matching records.
EXACT = ["int_gt", "int_eq", "int_ne", "not", "is_null", "is_in_int", "not_is_in", "is_between", "arith_int", "bool_col"]


@pytest.mark.parametrize("name", EXACT)
def test_exact_translations_send_only_matching_records(data: Any, name: str) -> None:
    make = dict(PUSHED)[name]
    lf = _lazy_equals_eager(data, make())
    rows = lf.collect().height
    assert pushdown_report(lf).records_received == rows
