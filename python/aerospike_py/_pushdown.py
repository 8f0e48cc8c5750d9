"""Polars predicate -> Aerospike filter expression, for the lazy scan's predicate pushdown.

The input is the predicate Polars hands an IO plugin, as ``expr.meta.serialize(format="json")``
gives it (after Polars' own optimisation: literals are typed, casts explicit). Polars always
applies the whole predicate again to what the server sends, so the server's filter only has to
keep every row Polars keeps; it may keep more. Each predicate node is translated into two server
expressions:

- ``keep``: true on the server for every row where Polars says True;
- ``drop``: true on the server for every row where Polars says False.

``~e`` swaps them, ``a & b`` is ``keep = keep_a AND keep_b`` / ``drop = drop_a OR drop_b`` and
``a | b`` the mirror image, so negation and Kleene logic stay sound with nulls (a missing bin, or
a value ``on_type_conflict`` turned into a null): the server evaluates a bin of another type as
"unknown", which ``and``/``or``/``not`` propagate as Polars propagates null (server
as/src/base/exp.c, ``eval_and``/``eval_or``/``eval_not``; an unknown result filters the record
out). A side that cannot be expressed is None ("no constraint"): an AND keeps its other parts, an
OR or a comparison gives up. Where a column's values and the bin's diverge (a GeoJSON bin read as
a string column, an int in a float column, NaN) the translation widens ``keep``/``drop`` to let
those records through. Needs nothing optional: pyarrow only to read an ``is_in`` list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import exp

# Server particle types, as `bin_type` returns them (server as/include/base/particle.h... the
# AS_PARTICLE_TYPE_* values of the wire protocol).
_INTEGER, _FLOAT, _STRING, _BLOB, _BOOL, _HLL, _MAP, _LIST, _GEOJSON = 1, 2, 3, 4, 17, 18, 19, 20, 23

_INT_TYPES = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"}
# The particle types whose every value converts to a non-null in a column of the dtype.
_ALWAYS_CONVERTS = {"Int64": [_INTEGER], "Float64": [_FLOAT], "String": [_STRING, _GEOJSON], "Boolean": [_BOOL]}
_MAX_IS_IN = 1000
_REGEX_SPECIAL = set(".[]{}()\\*+?^$|")
_PLAIN_PATTERN = re.compile(r"\^?[A-Za-z0-9 _\-,:;/@#%&=~'\"<>!]*\$?")

_CMP: dict[str, tuple[Callable[[Any, Any], exp.Expr], str, str]] = {
    "Eq": (exp.eq, "==", "NotEq"),
    "NotEq": (exp.ne, "!=", "Eq"),
    "Lt": (exp.lt, "<", "GtEq"),
    "LtEq": (exp.le, "<=", "Gt"),
    "Gt": (exp.gt, ">", "LtEq"),
    "GtEq": (exp.ge, ">=", "Lt"),
}


@dataclass(frozen=True)
class Value:
    """A non-boolean operand: its server expression, its kind (int, float, str, bool), the bins
    whose particle type widens a comparison (GeoJSON in a string column), and readable text."""

    expr: exp.Expr
    kind: str
    text: str
    geo_bins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pushed:
    """A boolean node: ``keep``/``drop`` as in the module docstring (None: no constraint), and
    the readable text of what ``keep`` checks."""

    keep: exp.Expr | None
    drop: exp.Expr | None
    text: str | None
    drop_text: str | None = None

    @staticmethod
    def leaf(keep: exp.Expr, drop: exp.Expr | None, text: str) -> Pushed:
        return Pushed(keep, drop, text, f"not ({text})" if drop is not None else None)


def dtype_name(dtype: Any) -> str:
    """A Polars dtype's base name: ``Int64``, ``String``, ``List`` ... (a name passes as is)."""
    if isinstance(dtype, str):
        return dtype
    name = type(dtype).__name__ if not isinstance(dtype, type) else dtype.__name__
    return {"Utf8": "String"}.get(name, name)


def translate(predicate: Any, schema: Mapping[str, Any], bins: set[str]) -> Pushed:
    """``predicate`` (the serialized Polars expression) as a pushed filter. ``schema`` maps the
    scan's column names to Polars dtypes; only names in ``bins`` are Aerospike bins."""
    return _Translator(schema, bins).boolean(predicate)


def _any(exprs: list[exp.Expr]) -> exp.Expr:
    return exprs[0] if len(exprs) == 1 else exp.or_(*exprs)


def _all(exprs: list[exp.Expr]) -> exp.Expr:
    return exprs[0] if len(exprs) == 1 else exp.and_(*exprs)


def _join(texts: Sequence[str | None], word: str) -> str | None:
    present = [t for t in texts if t is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else f" {word} ".join(f"({t})" for t in present)


def _posix_escape(text: str) -> str:
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


class _Translator:
    def __init__(self, schema: Mapping[str, Any], bins: set[str]) -> None:
        self.types = {name: dtype_name(dtype) for name, dtype in schema.items()}
        self.bins = bins

    # --- boolean nodes -----------------------------------------------------------------------

    def boolean(self, node: Any) -> Pushed:
        none = Pushed(None, None, None)
        if not isinstance(node, dict) or len(node) != 1:
            return none
        (kind, body), = node.items()
        if kind == "BinaryExpr":
            op = body["op"]
            if op in ("And", "LogicalAnd"):
                return self._and([self.boolean(body["left"]), self.boolean(body["right"])])
            if op in ("Or", "LogicalOr"):
                return self._or([self.boolean(body["left"]), self.boolean(body["right"])])
            if op in _CMP:
                return self._compare(op, self.value(body["left"]), self.value(body["right"]))
            return none
        if kind == "Column":
            column = self._column(body)
            if column is None or column.kind != "bool":
                return none
            return self._compare("Eq", column, Value(exp.bool_val(True), "bool", "true"))
        if kind == "Function":
            return self._function(body)
        return none

    def _and(self, parts: list[Pushed]) -> Pushed:
        keeps = [p.keep for p in parts if p.keep is not None]
        drops = [p.drop for p in parts]
        texts = [p.text for p in parts if p.text is not None]
        drop_ok = all(d is not None for d in drops)
        return Pushed(
            _all(keeps) if keeps else None,
            _any([d for d in drops if d is not None]) if drop_ok else None,
            _join(texts, "and"),
            _join([p.drop_text for p in parts], "or") if drop_ok else None,
        )

    def _or(self, parts: list[Pushed]) -> Pushed:
        keeps = [p.keep for p in parts]
        drops = [p.drop for p in parts if p.drop is not None]
        texts = [p.text for p in parts]
        ok = all(k is not None for k in keeps)
        return Pushed(
            _any([k for k in keeps if k is not None]) if ok else None,
            _all(drops) if drops else None,
            _join(texts, "or") if ok else None,
            _join([p.drop_text for p in parts if p.drop is not None], "and") if drops else None,
        )

    def _function(self, body: dict[str, Any]) -> Pushed:
        none = Pushed(None, None, None)
        function, inputs = body.get("function"), body.get("input", [])
        if function == {"Boolean": "Not"} and len(inputs) == 1:
            inner = self.boolean(inputs[0])
            return Pushed(inner.drop, inner.keep, inner.drop_text, inner.text)
        if function in ({"Boolean": "IsNull"}, {"Boolean": "IsNotNull"}) and len(inputs) == 1:
            return self._null_check(inputs[0], function["Boolean"] == "IsNotNull")
        if isinstance(function, dict) and isinstance(function.get("Boolean"), dict):
            spec = function["Boolean"]
            if "IsIn" in spec and len(inputs) == 2 and not spec["IsIn"].get("nulls_equal", False):
                return self._is_in(self.value(inputs[0]), inputs[1])
            if "IsBetween" in spec and len(inputs) == 3:
                closed = spec["IsBetween"].get("closed", "Both")
                x, lo, hi = (self.value(i) for i in inputs)
                low = "GtEq" if closed in ("Both", "Left") else "Gt"
                high = "LtEq" if closed in ("Both", "Right") else "Lt"
                return self._and_strict([self._compare(low, x, lo), self._compare(high, x, hi)])
        if isinstance(function, dict) and "StringExpr" in function and len(inputs) == 2:
            return self._string_match(function["StringExpr"], inputs[0], inputs[1])
        return none

    def _and_strict(self, parts: list[Pushed]) -> Pushed:
        """An AND whose every part must translate (a range check is one predicate)."""
        if any(p.keep is None for p in parts):
            return Pushed(None, None, None)
        return self._and(parts)

    def _null_check(self, node: Any, not_null: bool) -> Pushed:
        column = self._column(node["Column"]) if isinstance(node, dict) and "Column" in node else None
        if column is None:
            return Pushed(None, None, None)
        name = node["Column"]
        dtype = self.types[name]
        particle = {
            "int": [_INTEGER],
            "float": [_INTEGER, _FLOAT],
            "str": [_STRING, _GEOJSON],
            "bool": [_BOOL],
        }.get(column.kind)
        if particle is None:
            return Pushed(None, None, None)
        has_type = _any([exp.eq(exp.bin_type(name), t) for t in particle])
        # Rows Polars sees non-null always have one of `particle`'s types; rows it sees null
        # lack every type whose values all convert (an int converts to Int64 but not always to
        # Int32 or, beyond 2**53, to Float64).
        exact = _ALWAYS_CONVERTS.get(dtype, [])
        non_null_superset = has_type
        null_superset = exp.not_(_any([exp.eq(exp.bin_type(name), t) for t in exact])) if exact else None
        has_text, lacks_text = f"{name} has a {column.kind} value", f"{name} has no {column.kind} value"
        if not_null:
            return Pushed(non_null_superset, null_superset, has_text, lacks_text if null_superset is not None else None)
        return Pushed(null_superset, non_null_superset, lacks_text if null_superset is not None else None, has_text)

    def _is_in(self, x: Value | None, literal: Any) -> Pushed:
        values = self._literal_list(literal)
        if x is None or values is None or not values or len(values) > _MAX_IS_IN:
            return Pushed(None, None, None)
        items = [self._literal_value(v) for v in values if v is not None]
        if not items or any(i is None for i in items):
            return Pushed(None, None, None)
        parts = [self._compare("Eq", x, item) for item in items if item is not None]
        if any(p.keep is None for p in parts):
            return Pushed(None, None, None)
        drops = [p.drop for p in parts if p.drop is not None]
        text = f"{x.text} in [{', '.join(i.text for i in items if i is not None)}]"
        return Pushed(_any([p.keep for p in parts if p.keep is not None]), _all(drops) if len(drops) == len(parts) else None, text, f"not ({text})")

    def _string_match(self, spec: Any, subject: Any, pattern_node: Any) -> Pushed:
        none = Pushed(None, None, None)
        x = self._column(subject["Column"]) if isinstance(subject, dict) and "Column" in subject else None
        pattern = self._literal_scalar(pattern_node)
        if x is None or x.kind != "str" or not isinstance(pattern, str) or "\x00" in pattern:
            return none
        if spec == "StartsWith":
            regex, text = "^" + _posix_escape(pattern), f"{x.text} starts with {pattern!r}"
        elif spec == "EndsWith":
            regex, text = _posix_escape(pattern) + "$", f"{x.text} ends with {pattern!r}"
        elif isinstance(spec, dict) and "Contains" in spec:
            if spec["Contains"].get("literal"):
                regex = _posix_escape(pattern)
            elif _PLAIN_PATTERN.fullmatch(pattern):
                # Anchors and plain characters mean the same in Rust's and POSIX's syntax.
                regex = pattern
            else:
                return none
            text = f"{x.text} matches {regex!r}"
        else:
            return none
        if not regex:
            return none  # an empty pattern is not one every regcomp takes
        match = exp.regex_compare(regex, 1, x.expr)  # REGEX_EXTENDED
        keep, drop = match, exp.not_(match)
        for geo in x.geo_bins:
            is_geo = exp.eq(exp.bin_type(geo), _GEOJSON)
            keep, drop = exp.or_(keep, is_geo), exp.or_(drop, is_geo)
        return Pushed.leaf(keep, drop, text)

    def _compare(self, op: str, left: Value | None, right: Value | None) -> Pushed:
        if left is None or right is None:
            return Pushed(None, None, None)
        kinds = {left.kind, right.kind}
        if kinds == {"int", "float"}:
            left, right = self._as_float(left), self._as_float(right)
        elif len(kinds) != 1:
            return Pushed(None, None, None)
        kind = left.kind
        if kind == "bool" and op not in ("Eq", "NotEq"):
            return Pushed(None, None, None)
        fn, symbol, negated = _CMP[op]
        keep = fn(left.expr, right.expr)
        drop = _CMP[negated][0](left.expr, right.expr)
        escapes = []
        if kind == "float":
            # NaN: Polars orders it above every number and equal to itself; C compares false.
            escapes += [exp.ne(v.expr, v.expr) for v in (left, right)]
        for geo in left.geo_bins + right.geo_bins:
            escapes.append(exp.eq(exp.bin_type(geo), _GEOJSON))
        if escapes:
            keep, drop = exp.or_(keep, *escapes), exp.or_(drop, *escapes)
        return Pushed.leaf(keep, drop, f"{left.text} {symbol} {right.text}")

    # --- values ------------------------------------------------------------------------------

    def value(self, node: Any) -> Value | None:
        if not isinstance(node, dict) or len(node) != 1:
            return None
        (kind, body), = node.items()
        if kind == "Column":
            return self._column(body)
        if kind == "Literal":
            return self._literal_value(self._literal_scalar(node))
        if kind == "Cast":
            inner = self.value(body["expr"])
            target = body.get("dtype", {})
            target = target.get("Literal") if isinstance(target, dict) else target
            if inner is None:
                return None
            if target == "Float64" and inner.kind in ("int", "float"):
                return self._as_float(inner)
            if target in _INT_TYPES and inner.kind == "int" or target == "String" and inner.kind == "str":
                return inner
            return None
        if kind == "BinaryExpr":
            return self._arithmetic(body["op"], self.value(body["left"]), self.value(body["right"]))
        if kind == "Function" and len(body.get("input", [])) == 1:
            inner = self.value(body["input"][0])
            if inner is None or inner.kind not in ("int", "float"):
                return None
            if body.get("function") == "Negate":
                zero = exp.int_val(0) if inner.kind == "int" else exp.float_val(0.0)
                return Value(exp.num_sub(zero, inner.expr), inner.kind, f"-({inner.text})")
            if body.get("function") == "Abs":
                return Value(exp.num_abs(inner.expr), inner.kind, f"abs({inner.text})")
        return None

    def _column(self, name: Any) -> Value | None:
        if not isinstance(name, str) or name not in self.bins or name not in self.types:
            return None
        dtype = self.types[name]
        if dtype in _INT_TYPES:
            return Value(exp.int_bin(name), "int", name)
        if dtype == "Float64":
            # An int bin shows in a float column as its float (exactly, below 2**53).
            is_int = exp.eq(exp.bin_type(name), _INTEGER)
            return Value(exp.cond(is_int, exp.to_float(exp.int_bin(name)), exp.float_bin(name)), "float", name)
        if dtype == "String":
            return Value(exp.string_bin(name), "str", name, (name,))
        if dtype == "Boolean":
            return Value(exp.bool_bin(name), "bool", name)
        return None

    def _as_float(self, v: Value) -> Value:
        if v.kind == "float":
            return v
        return Value(exp.to_float(v.expr), "float", v.text)

    def _arithmetic(self, op: str, left: Value | None, right: Value | None) -> Value | None:
        ops = {"Plus": (exp.num_add, "+"), "Minus": (exp.num_sub, "-"), "Multiply": (exp.num_mul, "*"), "TrueDivide": (exp.num_div, "/")}
        if left is None or right is None or op not in ops or not {left.kind, right.kind} <= {"int", "float"}:
            return None
        if op == "TrueDivide" or left.kind != right.kind:
            left, right = self._as_float(left), self._as_float(right)
        fn, symbol = ops[op]
        return Value(fn(left.expr, right.expr), left.kind, f"({left.text} {symbol} {right.text})")

    # --- literals ----------------------------------------------------------------------------

    @staticmethod
    def _literal_scalar(node: Any) -> Any:
        """A literal's Python value, or None (also for a null, which never compares true)."""
        if not isinstance(node, dict) or "Literal" not in node:
            return None
        lit = node["Literal"]
        if not isinstance(lit, dict) or len(lit) != 1:
            return None
        (_, inner), = lit.items()  # "Scalar" or "Dyn"
        if not isinstance(inner, dict) or len(inner) != 1:
            return None
        (dtype, value), = inner.items()
        if dtype in _INT_TYPES or dtype == "Int":
            return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
        if dtype in ("Float64", "Float"):
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if dtype == "String":
            return value if isinstance(value, str) else None
        if dtype == "Boolean":
            return value if isinstance(value, bool) else None
        return None

    def _literal_value(self, value: Any) -> Value | None:
        if isinstance(value, bool):
            return Value(exp.bool_val(value), "bool", str(value).lower())
        if isinstance(value, int):
            if not -(1 << 63) <= value < (1 << 63):
                return None
            return Value(exp.int_val(value), "int", str(value))
        if isinstance(value, float):
            return Value(exp.float_val(value), "float", repr(value))
        if isinstance(value, str):
            return Value(exp.string_val(value), "str", repr(value))
        return None

    @staticmethod
    def _literal_list(node: Any) -> list[Any] | None:
        """An ``is_in`` list: Polars serializes it as an Arrow IPC stream of one list value."""
        try:
            raw = node["Literal"]["Scalar"]["List"]
            import pyarrow as pa

            table = pa.ipc.open_stream(bytes(raw)).read_all()
            column = table.column(0)
            if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
                values = column.to_pylist()
                return values[0] if len(values) == 1 else None
            return column.to_pylist()
        except Exception:  # noqa: BLE001 - anything unreadable is simply not pushed down
            return None
