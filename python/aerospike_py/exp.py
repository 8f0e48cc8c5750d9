"""Server-side expressions: filters (``policy={"filter_expression": expr}``) and expression
read/write operations (``read_exp``/``write_exp`` in ``operate``).

Each builder returns an :class:`Expr` that already holds the expression in Aerospike's wire form
(a msgpack array tree, packed here in pure Python); the client sends those bytes as they are.
Arguments that are expressions also take plain Python values (``eq(int_bin("a"), 1)``).

>>> from aerospike_py import exp
>>> key = ("test", "demo", "exp1")
>>> client.put(key, {"age": 30, "name": "Alice"})
>>> adult = exp.ge(exp.int_bin("age"), exp.int_val(21))
>>> client.get(key, policy={"filter_expression": adult}).bins["name"]
'Alice'
>>> client.get(key, policy={"filter_expression": exp.lt(exp.int_bin("age"), 21)})
Traceback (most recent call last):
...
aerospike_py.exception.FilteredOut: ...
>>> client.operate(key, [exp.read_exp("next", exp.num_add(exp.int_bin("age"), 1))]).bins
{'next': 31}
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from ._opdict import Operation
from .cdt_ctx import CDTContext, ctx_list
from .types import GeoJSON, HyperLogLog

# Expression value types (the ``exp_type``/``value_type`` arguments).
EXP_TYPE_NIL = 0
EXP_TYPE_BOOL = 1
EXP_TYPE_INT = 2
EXP_TYPE_STRING = 3
EXP_TYPE_LIST = 4
EXP_TYPE_MAP = 5
EXP_TYPE_BLOB = 6
EXP_TYPE_FLOAT = 7
EXP_TYPE_GEO = 8
EXP_TYPE_HLL = 9


class ResultType:
    """The value types by the official client's names (``ResultType.INTEGER``...)."""

    NIL = EXP_TYPE_NIL
    BOOLEAN = EXP_TYPE_BOOL
    INTEGER = EXP_TYPE_INT
    STRING = EXP_TYPE_STRING
    LIST = EXP_TYPE_LIST
    MAP = EXP_TYPE_MAP
    BLOB = EXP_TYPE_BLOB
    FLOAT = EXP_TYPE_FLOAT
    GEOJSON = EXP_TYPE_GEO
    HLL = EXP_TYPE_HLL


# The operation codes of expression operations in operate (see operations/exp.rs).
OP_EXP_READ = 5001
OP_EXP_WRITE = 5002

# ---------------------------------------------------------------------------------------------
# msgpack, the way Aerospike packs it: strings, blobs, GeoJSON and HLLs carry a particle-type
# byte in front of their data; names (bins, variables, regexes) are plain strings.

_STRING, _BLOB, _HLL, _GEOJSON = 3, 4, 18, 23
_QUOTED = 126
_CALL = 127
_MODIFY = 0x40
_CTX_MARKER = 0xFF
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _int(n: int) -> bytes:
    if n >= 0:
        if n < 0x80:
            return bytes([n])
        if n <= 0xFF:
            return b"\xcc" + bytes([n])
        if n <= 0xFFFF:
            return b"\xcd" + struct.pack(">H", n)
        if n <= 0xFFFFFFFF:
            return b"\xce" + struct.pack(">I", n)
        if n <= _INT64_MAX:
            return b"\xcf" + struct.pack(">Q", n)
    else:
        if n >= -32:
            return struct.pack(">b", n)
        if n >= -0x80:
            return b"\xd0" + struct.pack(">b", n)
        if n >= -0x8000:
            return b"\xd1" + struct.pack(">h", n)
        if n >= -0x80000000:
            return b"\xd2" + struct.pack(">i", n)
        if n >= _INT64_MIN:
            return b"\xd3" + struct.pack(">q", n)
    raise OverflowError(f"integer {n} is out of range: Aerospike integers are signed 64-bit")


def _str_header(n: int) -> bytes:
    if n < 32:
        return bytes([0xA0 | n])
    if n < 0x100:
        return b"\xd9" + bytes([n])
    if n < 0x10000:
        return b"\xda" + struct.pack(">H", n)
    return b"\xdb" + struct.pack(">I", n)


def _raw_str(s: str) -> bytes:
    data = s.encode()
    return _str_header(len(data)) + data


def _particle(ptype: int, data: bytes) -> bytes:
    return _str_header(len(data) + 1) + bytes([ptype]) + data


def _container(n: int, fix: int, b16: bytes, b32: bytes) -> bytes:
    if n < 16:
        return bytes([fix | n])
    if n < 0x10000:
        return b16 + struct.pack(">H", n)
    return b32 + struct.pack(">I", n)


def _array(items: Sequence[bytes]) -> bytes:
    return _container(len(items), 0x90, b"\xdc", b"\xdd") + b"".join(items)


class _Special:
    """A value that only exists in comparisons: ``infinity()`` and ``wildcard()``."""

    def __init__(self, packed: bytes, name: str) -> None:
        self.packed = packed
        self.name = name

    def __repr__(self) -> str:
        return f"exp.{self.name}()"


INFINITY = _Special(b"\xd4\xff\x01", "infinity")
WILDCARD = _Special(b"\xd4\xff\x00", "wildcard")


def _value(v: Any, depth: int = 0) -> bytes:
    """A value inside a list, map or CDT argument."""
    if depth > 64:
        raise ValueError("value is nested deeper than 64 levels")
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        return _int(v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        return _particle(_STRING, v.encode())
    if isinstance(v, HyperLogLog):
        return _particle(_HLL, bytes(v))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _particle(_BLOB, bytes(v))
    if isinstance(v, GeoJSON):
        return _particle(_GEOJSON, v.json.encode())
    if isinstance(v, _Special):
        return v.packed
    if isinstance(v, (list, tuple)):
        return _array([_value(x, depth + 1) for x in v])
    if isinstance(v, dict):
        head = _container(len(v), 0x80, b"\xde", b"\xdf")
        return head + b"".join(_value(k, depth + 1) + _value(x, depth + 1) for k, x in v.items())
    raise TypeError(f"an expression cannot hold a value of type {type(v).__name__}")


class Expr:
    """A compiled expression: ``compile()`` gives its wire bytes.

    >>> from aerospike_py import exp
    >>> exp.eq(exp.int_bin("a"), 1).compile().hex()
    '9301935102a16101'
    """

    __slots__ = ("_packed",)

    def __init__(self, packed: bytes) -> None:
        self._packed = packed

    def compile(self) -> bytes:
        """The expression in Aerospike's wire form."""
        return self._packed

    def __bytes__(self) -> bytes:
        return self._packed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and other._packed == self._packed

    def __hash__(self) -> int:
        return hash(self._packed)

    def __repr__(self) -> str:
        return f"Expr({self._packed.hex()})"


def _x(e: Any) -> bytes:
    """An expression argument: an Expr, or a plain value taken as the matching ``*_val``."""
    if isinstance(e, Expr):
        return e._packed
    if isinstance(e, (list, tuple)):
        return _array([_int(_QUOTED), _value(e)])
    return _value(e)


def _cmd(op: int, *args: Any) -> Expr:
    return Expr(_array([_int(op)] + [_x(a) for a in args]))


def _name(name: Any, what: str = "bin name") -> bytes:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, not {type(name).__name__}")
    return _raw_str(name)


def _check_int(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    return n


# ---------------------------------------------------------------------------------------------
# Values


def int_val(val: int) -> Expr:
    """An integer.

    >>> from aerospike_py import exp
    >>> exp.int_val(5).compile()
    b'\\x05'
    """
    return Expr(_int(_check_int(val, "int_val")))


def float_val(val: float) -> Expr:
    """A float."""
    if not isinstance(val, float):
        raise TypeError(f"float_val takes a float, not {type(val).__name__}")
    return Expr(_value(val))


def string_val(val: str) -> Expr:
    """A string."""
    if not isinstance(val, str):
        raise TypeError(f"string_val takes a str, not {type(val).__name__}")
    return Expr(_value(val))


def bool_val(val: bool) -> Expr:
    """A boolean."""
    if not isinstance(val, bool):
        raise TypeError(f"bool_val takes a bool, not {type(val).__name__}")
    return Expr(_value(val))


def blob_val(val: bytes) -> Expr:
    """Bytes."""
    if not isinstance(val, (bytes, bytearray)):
        raise TypeError(f"blob_val takes bytes, not {type(val).__name__}")
    return Expr(_particle(_BLOB, bytes(val)))


def list_val(val: list[Any]) -> Expr:
    """A list.

    >>> from aerospike_py import exp
    >>> exp.list_val([1, "a"]).compile().hex()
    '927e9201a20361'
    """
    if not isinstance(val, (list, tuple)):
        raise TypeError(f"list_val takes a list, not {type(val).__name__}")
    return Expr(_x(list(val)))


def map_val(val: dict[Any, Any]) -> Expr:
    """A map (packed in the dict's order)."""
    if not isinstance(val, dict):
        raise TypeError(f"map_val takes a dict, not {type(val).__name__}")
    return Expr(_value(val))


def geo_val(val: str | dict[str, Any] | GeoJSON) -> Expr:
    """A GeoJSON value (text, dict or ``GeoJSON``)."""
    return Expr(_value(val if isinstance(val, GeoJSON) else GeoJSON(val)))


def hll_val(val: bytes) -> Expr:
    """A HyperLogLog value."""
    return Expr(_particle(_HLL, bytes(val)))


def nil() -> Expr:
    """The nil value."""
    return Expr(b"\xc0")


def infinity() -> Expr:
    """Infinity: above every value, as the end of a range."""
    return Expr(INFINITY.packed)


def wildcard() -> Expr:
    """A wildcard: matches any value (and the rest of a list)."""
    return Expr(WILDCARD.packed)


def unknown() -> Expr:
    """The unknown value: fails the expression (or its filter)."""
    return Expr(_array([_int(0)]))


# ---------------------------------------------------------------------------------------------
# Bins and record metadata


def _bin(exp_type: int, name: str) -> Expr:
    return Expr(_array([_int(81), _int(exp_type), _name(name)]))


def int_bin(name: str) -> Expr:
    """The integer bin ``name``."""
    return _bin(EXP_TYPE_INT, name)


def float_bin(name: str) -> Expr:
    """The float bin ``name``."""
    return _bin(EXP_TYPE_FLOAT, name)


def string_bin(name: str) -> Expr:
    """The string bin ``name``."""
    return _bin(EXP_TYPE_STRING, name)


def bool_bin(name: str) -> Expr:
    """The boolean bin ``name``."""
    return _bin(EXP_TYPE_BOOL, name)


def blob_bin(name: str) -> Expr:
    """The bytes bin ``name``."""
    return _bin(EXP_TYPE_BLOB, name)


def list_bin(name: str) -> Expr:
    """The list bin ``name``."""
    return _bin(EXP_TYPE_LIST, name)


def map_bin(name: str) -> Expr:
    """The map bin ``name``."""
    return _bin(EXP_TYPE_MAP, name)


def geo_bin(name: str) -> Expr:
    """The GeoJSON bin ``name``."""
    return _bin(EXP_TYPE_GEO, name)


def hll_bin(name: str) -> Expr:
    """The HyperLogLog bin ``name``."""
    return _bin(EXP_TYPE_HLL, name)


def bin_type(name: str) -> Expr:
    """The particle type of bin ``name`` (0 when it does not exist)."""
    return Expr(_array([_int(82), _name(name)]))


def bin_exists(name: str) -> Expr:
    """Whether bin ``name`` exists."""
    return Expr(_array([_int(2), bin_type(name)._packed, _int(0)]))


def key(exp_type: int) -> Expr:
    """The record's stored user key, of type ``EXP_TYPE_INT``, ``EXP_TYPE_STRING`` or ``EXP_TYPE_BLOB``."""
    if _check_int(exp_type, "exp_type") not in (EXP_TYPE_INT, EXP_TYPE_STRING, EXP_TYPE_BLOB):
        raise ValueError("a key is EXP_TYPE_INT, EXP_TYPE_STRING or EXP_TYPE_BLOB")
    return Expr(_array([_int(80), _int(exp_type)]))


def key_int() -> Expr:
    """The stored integer user key."""
    return key(EXP_TYPE_INT)


def key_str() -> Expr:
    """The stored string user key."""
    return key(EXP_TYPE_STRING)


def key_blob() -> Expr:
    """The stored bytes user key."""
    return key(EXP_TYPE_BLOB)


def _meta(op: int) -> Expr:
    return Expr(_array([_int(op)]))


def key_exists() -> Expr:
    """Whether the record stores its user key."""
    return _meta(71)


def set_name() -> Expr:
    """The record's set name."""
    return _meta(70)


def record_size() -> Expr:
    """The record's size in bytes."""
    return _meta(74)


def device_size() -> Expr:
    """The record's size on the storage device (0 in memory; servers before 7.0)."""
    return _meta(65)


def memory_size() -> Expr:
    """The record's size in memory (servers before 7.0)."""
    return _meta(73)


def last_update() -> Expr:
    """The record's last update time, nanoseconds since the Unix epoch."""
    return _meta(66)


def since_update() -> Expr:
    """Milliseconds since the record's last update."""
    return _meta(67)


def void_time() -> Expr:
    """The record's expiration time, nanoseconds since the Unix epoch (-1: never)."""
    return _meta(68)


def ttl() -> Expr:
    """The record's time to live in seconds."""
    return _meta(69)


def is_tombstone() -> Expr:
    """Whether the record is a tombstone."""
    return _meta(72)


def digest_modulo(modulo: int) -> Expr:
    """The record digest modulo ``modulo``: samples a fraction of the records."""
    return Expr(_array([_int(64), _int(_check_int(modulo, "modulo"))]))


# ---------------------------------------------------------------------------------------------
# Comparisons, logic, arithmetic


def eq(left: Any, right: Any) -> Expr:
    """``left == right``."""
    return _cmd(1, left, right)


def ne(left: Any, right: Any) -> Expr:
    """``left != right``."""
    return _cmd(2, left, right)


def gt(left: Any, right: Any) -> Expr:
    """``left > right``."""
    return _cmd(3, left, right)


def ge(left: Any, right: Any) -> Expr:
    """``left >= right``."""
    return _cmd(4, left, right)


def lt(left: Any, right: Any) -> Expr:
    """``left < right``."""
    return _cmd(5, left, right)


def le(left: Any, right: Any) -> Expr:
    """``left <= right``."""
    return _cmd(6, left, right)


def regex_compare(regex: str, flags: int, bin_expr: Any) -> Expr:
    """Whether the string ``bin_expr`` matches ``regex`` (POSIX; ``REGEX_*`` flags)."""
    return Expr(_array([_int(7), _int(_check_int(flags, "flags")), _name(regex, "regex"), _x(bin_expr)]))


def geo_compare(left: Any, right: Any) -> Expr:
    """Whether the GeoJSON ``left`` is within (or contains) ``right``."""
    return _cmd(8, left, right)


def _varargs(op: int, exprs: tuple[Any, ...], at_least: int, name: str) -> Expr:
    if len(exprs) < at_least:
        raise ValueError(f"{name} takes at least {at_least} expressions")
    return _cmd(op, *exprs)


def and_(*exprs: Any) -> Expr:
    """True when every expression is true."""
    return _varargs(16, exprs, 1, "and_")


def or_(*exprs: Any) -> Expr:
    """True when any expression is true."""
    return _varargs(17, exprs, 1, "or_")


def not_(expr: Any) -> Expr:
    """Logical not."""
    return _cmd(18, expr)


def xor_(*exprs: Any) -> Expr:
    """True when exactly one expression is true."""
    return _varargs(19, exprs, 2, "xor_")


exclusive = xor_


def num_add(*exprs: Any) -> Expr:
    """The sum (ints or floats, not mixed)."""
    return _varargs(20, exprs, 1, "num_add")


def num_sub(*exprs: Any) -> Expr:
    """The first minus the rest (one argument: its negation)."""
    return _varargs(21, exprs, 1, "num_sub")


def num_mul(*exprs: Any) -> Expr:
    """The product."""
    return _varargs(22, exprs, 1, "num_mul")


def num_div(*exprs: Any) -> Expr:
    """The first divided by the rest (one argument: its inverse)."""
    return _varargs(23, exprs, 1, "num_div")


def num_pow(base: Any, exponent: Any) -> Expr:
    """``base ** exponent`` (floats)."""
    return _cmd(24, base, exponent)


def num_log(num: Any, base: Any) -> Expr:
    """The logarithm of ``num`` in ``base`` (floats)."""
    return _cmd(25, num, base)


def num_mod(numerator: Any, denominator: Any) -> Expr:
    """The remainder, with the sign of the numerator (ints)."""
    return _cmd(26, numerator, denominator)


def num_abs(value: Any) -> Expr:
    """The absolute value."""
    return _cmd(27, value)


def num_floor(num: Any) -> Expr:
    """A float rounded down."""
    return _cmd(28, num)


def num_ceil(num: Any) -> Expr:
    """A float rounded up."""
    return _cmd(29, num)


def to_int(num: Any) -> Expr:
    """A float converted to an int."""
    return _cmd(30, num)


def to_float(num: Any) -> Expr:
    """An int converted to a float."""
    return _cmd(31, num)


def int_and(*exprs: Any) -> Expr:
    """Bitwise and of ints."""
    return _varargs(32, exprs, 1, "int_and")


def int_or(*exprs: Any) -> Expr:
    """Bitwise or of ints."""
    return _varargs(33, exprs, 1, "int_or")


def int_xor(*exprs: Any) -> Expr:
    """Bitwise xor of ints."""
    return _varargs(34, exprs, 1, "int_xor")


def int_not(expr: Any) -> Expr:
    """Bitwise not of an int."""
    return _cmd(35, expr)


def int_lshift(value: Any, shift: Any) -> Expr:
    """``value << shift``."""
    return _cmd(36, value, shift)


def int_rshift(value: Any, shift: Any) -> Expr:
    """Logical right shift."""
    return _cmd(37, value, shift)


def int_arshift(value: Any, shift: Any) -> Expr:
    """Arithmetic (sign-keeping) right shift."""
    return _cmd(38, value, shift)


def int_count(expr: Any) -> Expr:
    """The number of set bits."""
    return _cmd(39, expr)


def int_lscan(value: Any, search: Any) -> Expr:
    """The position of the first bit equal to ``search`` from the most significant bit, or -1."""
    return _cmd(40, value, search)


def int_rscan(value: Any, search: Any) -> Expr:
    """The position of the last bit equal to ``search``, or -1."""
    return _cmd(41, value, search)


def min_(*exprs: Any) -> Expr:
    """The smallest value."""
    return _varargs(50, exprs, 1, "min_")


def max_(*exprs: Any) -> Expr:
    """The largest value."""
    return _varargs(51, exprs, 1, "max_")


def cond(*exprs: Any) -> Expr:
    """``cond(test1, value1, test2, value2, ..., default)``: the value of the first true test.

    >>> from aerospike_py import exp
    >>> exp.cond(exp.eq(exp.int_bin("a"), 1), 10, 20).compile().hex()
    '947b9301935102a161010a14'
    """
    if len(exprs) < 3 or len(exprs) % 2 == 0:
        raise ValueError("cond takes test/value pairs and a default: an odd number, at least 3")
    return _cmd(123, *exprs)


class _Def:
    """A ``def_(name, value)`` binding for ``let_``."""

    __slots__ = ("packed",)

    def __init__(self, packed: bytes) -> None:
        self.packed = packed


def def_(name: str, value: Any) -> _Def:
    """Binds ``name`` to ``value`` inside ``let_``."""
    return _Def(_name(name, "variable name") + _x(value))


def var(name: str) -> Expr:
    """The value bound to ``name`` by ``let_``."""
    return Expr(_array([_int(124), _name(name, "variable name")]))


def let_(*exprs: Any) -> Expr:
    """``let_(def_(name, value), ..., body)``: ``body`` with the names bound.

    >>> from aerospike_py import exp
    >>> exp.let_(exp.def_("x", exp.int_bin("a")), exp.num_add(exp.var("x"), 1)).compile().hex()
    '947da178935102a1619314927ca17801'
    """
    if len(exprs) < 2 or not all(isinstance(d, _Def) for d in exprs[:-1]) or isinstance(exprs[-1], _Def):
        raise ValueError("let_ takes def_(...) bindings followed by one expression")
    defs: list[_Def] = list(exprs[:-1])
    items = [_int(125)] + [d.packed for d in defs] + [_x(exprs[-1])]
    return Expr(_container(2 * len(defs) + 2, 0x90, b"\xdc", b"\xdd") + b"".join(items))


# ---------------------------------------------------------------------------------------------
# Expression operations for operate


def read_exp(bin: str, expr: Any, flags: int = 0) -> Operation:
    """An operation that answers ``expr``'s value under the name ``bin`` (``EXP_READ_*`` flags).

    >>> from aerospike_py import exp
    >>> exp.read_exp("r", exp.int_val(1))
    {'op': 5001, 'bin': 'r', 'expr': Expr(01), 'flags': 0}
    """
    return {"op": OP_EXP_READ, "bin": bin, "expr": expr if isinstance(expr, Expr) else Expr(_x(expr)), "flags": flags}


def write_exp(bin: str, expr: Any, flags: int = 0) -> Operation:
    """An operation that writes ``expr``'s value to ``bin`` (``EXP_WRITE_*`` flags)."""
    return {"op": OP_EXP_WRITE, "bin": bin, "expr": expr if isinstance(expr, Expr) else Expr(_x(expr)), "flags": flags}


from ._exp_cdt import *  # noqa: E402,F403 - the list, map, bit and HLL families
from ._exp_cdt import __all__ as _cdt_all  # noqa: E402

__all__: list[str] = sorted({n for n in list(globals()) if not n.startswith("_") and n not in ("annotations", "struct", "Any", "Sequence", "Operation", "CDTContext", "ctx_list", "GeoJSON", "HyperLogLog")} | set(_cdt_all))
