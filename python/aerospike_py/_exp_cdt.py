"""The list, map, bit and HLL expression families of ``aerospike_py.exp`` (read and modify).

A read answers a value of the bin (or of the expression given as ``bin``); a modify answers the
changed list, map, bytes or HLL without writing it (use ``exp.write_exp`` to store it). ``ctx``
is a list of ``cdt_ctx`` steps; ``policy`` is a list/map policy dict, bit write flags or HLL
flags, as in the operation modules.

>>> from aerospike_py import exp
>>> key = ("test", "demo", "expcdt1")
>>> client.put(key, {"l": [5, 1, 9], "m": {"a": 1, "b": 2}})
>>> big = exp.gt(exp.list_get_by_rank(aerospike.LIST_RETURN_VALUE, exp.EXP_TYPE_INT, -1, exp.list_bin("l")), 8)
>>> client.get(key, policy={"filter_expression": big}).bins["m"]
{'a': 1, 'b': 2}
>>> client.operate(key, [exp.read_exp("n", exp.map_size(exp.map_bin("m")))]).bins
{'n': 2}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cdt_ctx import CDTContext, ctx_list
from .exp import (
    EXP_TYPE_BLOB,
    EXP_TYPE_BOOL,
    EXP_TYPE_FLOAT,
    EXP_TYPE_HLL,
    EXP_TYPE_INT,
    EXP_TYPE_LIST,
    EXP_TYPE_MAP,
    Expr,
    _array,
    _check_int,
    _int,
    _value,
    _x,
)

Ctx = Sequence[CDTContext] | None
_CALL, _MODIFY, _CTX_MARKER = 127, 0x40, 0xFF
_LIST_MODULE, _MAP_MODULE, _BIT_MODULE, _HLL_MODULE = 0, 0, 1, 2
_INVERTED = 0x10000


def _ctx(ctx: Ctx) -> bytes | None:
    steps = ctx_list(ctx)
    if not steps:
        return None
    return _array([b for s in steps for b in (_int(s.id), _value(s.value))])


def _call(ret: int, flags: int, args: list[bytes], bin: Any, ctx: Ctx) -> Expr:
    inner = _array(args)
    packed_ctx = _ctx(ctx)
    if packed_ctx is not None:
        inner = _array([_int(_CTX_MARKER), packed_ctx, inner])
    return Expr(_array([_int(_CALL), _int(ret), _int(flags), inner, _x(bin)]))


def _modify_type(ctx: Ctx, default: int) -> int:
    steps = ctx_list(ctx)
    if not steps:
        return default
    return EXP_TYPE_LIST if steps[0].id & 0x10 else EXP_TYPE_MAP


def _rt(return_type: int) -> int:
    return _check_int(return_type, "return_type")


def _read_type(return_type: int, single_value: int | None) -> int:
    """The type a selection answers: ``single_value`` for one VALUE (or KEY)."""
    t = _rt(return_type) & ~_INVERTED
    if t in (1, 2, 3, 4):
        return EXP_TYPE_INT if single_value is not None else EXP_TYPE_LIST
    if t == 5:
        return EXP_TYPE_INT
    if t == 13:
        return EXP_TYPE_BOOL
    if t in (6, 7):
        return single_value if single_value is not None else EXP_TYPE_LIST
    if t in (8, 16, 17):
        return EXP_TYPE_MAP
    raise ValueError(f"return_type {return_type} cannot be read in an expression")


def _pol_list(policy: dict[str, int] | None, with_order: bool) -> list[bytes]:
    if policy is None:
        return []
    order = policy.get("list_order", policy.get("order", 0))
    flags = policy.get("write_flags", policy.get("flags", 0))
    return [_int(order), _int(flags)] if with_order else [_int(flags)]


def _pol_map(policy: dict[str, int] | None, with_flags: bool = True) -> list[bytes]:
    if policy is None:
        return []
    order = policy.get("map_order", policy.get("order", 0))
    flags = policy.get("map_write_flags", policy.get("write_flags", policy.get("map_write_mode", 0)))
    return [_int(order), _int(flags)] if with_flags else [_int(order)]


def _opt(count: Any) -> list[bytes]:
    return [] if count is None else [_x(count)]


# ---------------------------------------------------------------------------------------------
# Lists: reads


def _lread(op: int, return_type: int, args: list[Any], bin: Any, ctx: Ctx, single: int | None = None) -> Expr:
    return _call(_read_type(return_type, single), _LIST_MODULE, [_int(op), _int(return_type)] + [_x(a) for a in args], bin, ctx)


def list_size(bin: Any, ctx: Ctx = None) -> Expr:
    """The number of items of the list."""
    return _call(EXP_TYPE_INT, _LIST_MODULE, [_int(16)], bin, ctx)


def list_get_by_value(return_type: int, value: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The items equal to ``value``."""
    return _lread(22, return_type, [value], bin, ctx)


def list_get_by_value_range(return_type: int, begin: Any, end: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The items with ``begin <= value < end`` (``end`` None: no upper bound)."""
    return _lread(25, return_type, [begin] + ([] if end is None else [end]), bin, ctx)


def list_get_by_value_list(return_type: int, values: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The items equal to any of ``values``."""
    return _lread(23, return_type, [values], bin, ctx)


def list_get_by_value_rank_range_relative(return_type: int, value: Any, rank: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` items (None: all) from the rank of ``value`` plus ``rank``."""
    return _lread(27, return_type, [value, rank] + ([] if count is None else [count]), bin, ctx)


def list_get_by_index(return_type: int, value_type: int, index: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The item at ``index``; ``value_type`` is the item's ``EXP_TYPE_*`` for a VALUE return."""
    return _lread(19, return_type, [index], bin, ctx, single=value_type)


def list_get_by_index_range(return_type: int, index: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` items (None: to the end) from ``index``."""
    return _lread(24, return_type, [index] + ([] if count is None else [count]), bin, ctx)


def list_get_by_rank(return_type: int, value_type: int, rank: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The item of rank ``rank``; ``value_type`` as for ``list_get_by_index``."""
    return _lread(21, return_type, [rank], bin, ctx, single=value_type)


def list_get_by_rank_range(return_type: int, rank: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` items (None: all) from rank ``rank``."""
    return _lread(26, return_type, [rank] + ([] if count is None else [count]), bin, ctx)


# Lists: modify


def _lmod(args: list[bytes], bin: Any, ctx: Ctx) -> Expr:
    return _call(_modify_type(ctx, EXP_TYPE_LIST), _LIST_MODULE | _MODIFY, args, bin, ctx)


def list_append(value: Any, bin: Any, policy: dict[str, int] | None = None, ctx: Ctx = None) -> Expr:
    """The list with ``value`` appended."""
    return _lmod([_int(1), _x(value)] + _pol_list(policy, True), bin, ctx)


def list_append_items(values: Any, bin: Any, policy: dict[str, int] | None = None, ctx: Ctx = None) -> Expr:
    """The list with the items of ``values`` appended."""
    return _lmod([_int(2), _x(values)] + _pol_list(policy, True), bin, ctx)


def list_insert(index: Any, value: Any, bin: Any, policy: dict[str, int] | None = None, ctx: Ctx = None) -> Expr:
    """The list with ``value`` inserted at ``index``."""
    return _lmod([_int(3), _x(index), _x(value)] + _pol_list(policy, False), bin, ctx)


def list_insert_items(index: Any, values: Any, bin: Any, policy: dict[str, int] | None = None, ctx: Ctx = None) -> Expr:
    """The list with the items of ``values`` inserted at ``index``."""
    return _lmod([_int(4), _x(index), _x(values)] + _pol_list(policy, False), bin, ctx)


def list_increment(index: Any, value: Any, bin: Any, policy: dict[str, int] | None = None, ctx: Ctx = None) -> Expr:
    """The list with the number at ``index`` increased by ``value``."""
    return _lmod([_int(12), _x(index), _x(value)] + _pol_list(policy, True), bin, ctx)


def list_set(index: Any, value: Any, bin: Any, policy: dict[str, int] | None = None, ctx: Ctx = None) -> Expr:
    """The list with the item at ``index`` replaced by ``value``."""
    return _lmod([_int(9), _x(index), _x(value)] + _pol_list(policy, False), bin, ctx)


def list_clear(bin: Any, ctx: Ctx = None) -> Expr:
    """An empty list."""
    return _lmod([_int(11)], bin, ctx)


def list_sort(sort_flags: int, bin: Any, ctx: Ctx = None) -> Expr:
    """The list sorted (``LIST_SORT_*`` flags)."""
    return _lmod([_int(13), _int(_check_int(sort_flags, "sort_flags"))], bin, ctx)


def _lremove(op: int, return_type: int, args: list[Any], bin: Any, ctx: Ctx) -> Expr:
    return _lmod([_int(op), _int(_rt(return_type))] + [_x(a) for a in args], bin, ctx)


def list_remove_by_value(value: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without the items equal to ``value``."""
    return _lremove(35, return_type, [value], bin, ctx)


def list_remove_by_value_list(values: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without the items equal to any of ``values``."""
    return _lremove(36, return_type, [values], bin, ctx)


def list_remove_by_value_range(begin: Any, end: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without the items in ``[begin, end)``."""
    return _lremove(38, return_type, [begin] + ([] if end is None else [end]), bin, ctx)


def list_remove_by_value_rank_range_relative(value: Any, rank: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without ``count`` items from the rank of ``value`` plus ``rank``."""
    return _lremove(40, return_type, [value, rank] + ([] if count is None else [count]), bin, ctx)


def list_remove_by_index(index: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without the item at ``index``."""
    return _lremove(32, return_type, [index], bin, ctx)


def list_remove_by_index_range(index: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without ``count`` items from ``index``."""
    return _lremove(37, return_type, [index] + ([] if count is None else [count]), bin, ctx)


def list_remove_by_rank(rank: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without the item of rank ``rank``."""
    return _lremove(34, return_type, [rank], bin, ctx)


def list_remove_by_rank_range(rank: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The list without ``count`` items from rank ``rank``."""
    return _lremove(39, return_type, [rank] + ([] if count is None else [count]), bin, ctx)


# ---------------------------------------------------------------------------------------------
# Maps: reads


def _mread(op: int, return_type: int, args: list[Any], bin: Any, ctx: Ctx, single: int | None = None) -> Expr:
    return _call(_read_type(return_type, single), _MAP_MODULE, [_int(op), _int(return_type)] + [_x(a) for a in args], bin, ctx)


def map_size(bin: Any, ctx: Ctx = None) -> Expr:
    """The number of entries of the map."""
    return _call(EXP_TYPE_INT, _MAP_MODULE, [_int(96)], bin, ctx)


def map_get_by_key(return_type: int, value_type: int, key: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entry with ``key``; ``value_type`` is the value's ``EXP_TYPE_*`` for a VALUE return."""
    return _mread(97, return_type, [key], bin, ctx, single=value_type)


def map_get_by_key_range(return_type: int, begin: Any, end: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entries with ``begin <= key < end`` (``end`` None: no upper bound)."""
    return _mread(103, return_type, [begin] + ([] if end is None else [end]), bin, ctx)


def map_get_by_key_list(return_type: int, keys: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entries whose key is in ``keys``."""
    return _mread(107, return_type, [keys], bin, ctx)


def map_get_by_key_rel_index_range(return_type: int, key: Any, index: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` entries (None: all) from the index of ``key`` plus ``index``."""
    return _mread(109, return_type, [key, index] + ([] if count is None else [count]), bin, ctx)


def map_get_by_value(return_type: int, value: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entries whose value equals ``value``."""
    return _mread(102, return_type, [value], bin, ctx)


def map_get_by_value_range(return_type: int, begin: Any, end: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entries with ``begin <= value < end``."""
    return _mread(105, return_type, [begin] + ([] if end is None else [end]), bin, ctx)


def map_get_by_value_list(return_type: int, values: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entries whose value is in ``values``."""
    return _mread(108, return_type, [values], bin, ctx)


def map_get_by_value_rel_rank_range(return_type: int, value: Any, rank: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` entries (None: all) from the rank of ``value`` plus ``rank``."""
    return _mread(110, return_type, [value, rank] + ([] if count is None else [count]), bin, ctx)


def map_get_by_index(return_type: int, value_type: int, index: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entry at ``index`` (key order)."""
    return _mread(98, return_type, [index], bin, ctx, single=value_type)


def map_get_by_index_range(return_type: int, index: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` entries (None: to the end) from ``index``."""
    return _mread(104, return_type, [index] + ([] if count is None else [count]), bin, ctx)


def map_get_by_rank(return_type: int, value_type: int, rank: Any, bin: Any, ctx: Ctx = None) -> Expr:
    """The entry whose value has rank ``rank``."""
    return _mread(100, return_type, [rank], bin, ctx, single=value_type)


def map_get_by_rank_range(return_type: int, rank: Any, bin: Any, count: Any = None, ctx: Ctx = None) -> Expr:
    """``count`` entries (None: all) from value rank ``rank``."""
    return _mread(106, return_type, [rank] + ([] if count is None else [count]), bin, ctx)


# Maps: modify


def _mmod(args: list[bytes], bin: Any, ctx: Ctx) -> Expr:
    return _call(_modify_type(ctx, EXP_TYPE_MAP), _MAP_MODULE | _MODIFY, args, bin, ctx)


def map_put(key: Any, value: Any, bin: Any, policy: dict[str, Any] | None = None, ctx: Ctx = None) -> Expr:
    """The map with ``key: value`` put."""
    return _mmod([_int(67), _x(key), _x(value)] + _pol_map(policy), bin, ctx)


def map_put_items(items: Any, bin: Any, policy: dict[str, Any] | None = None, ctx: Ctx = None) -> Expr:
    """The map with the entries of ``items`` put."""
    return _mmod([_int(68), _x(items)] + _pol_map(policy), bin, ctx)


def map_increment(key: Any, value: Any, bin: Any, policy: dict[str, Any] | None = None, ctx: Ctx = None) -> Expr:
    """The map with the number at ``key`` increased by ``value``."""
    return _mmod([_int(73), _x(key), _x(value)] + _pol_map(policy, with_flags=False), bin, ctx)


def map_clear(bin: Any, ctx: Ctx = None) -> Expr:
    """An empty map."""
    return _mmod([_int(75)], bin, ctx)


def _mremove(op: int, return_type: int, args: list[Any], bin: Any, ctx: Ctx) -> Expr:
    return _mmod([_int(op), _int(_rt(return_type))] + [_x(a) for a in args], bin, ctx)


def map_remove_by_key(key: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without ``key``."""
    return _mremove(76, return_type, [key], bin, ctx)


def map_remove_by_key_list(keys: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the keys in ``keys``."""
    return _mremove(81, return_type, [keys], bin, ctx)


def map_remove_by_key_range(begin: Any, end: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the keys in ``[begin, end)``."""
    return _mremove(84, return_type, [begin] + ([] if end is None else [end]), bin, ctx)


def map_remove_by_key_rel_index_range(key: Any, index: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without ``count`` entries from the index of ``key`` plus ``index``."""
    return _mremove(88, return_type, [key, index] + ([] if count is None else [count]), bin, ctx)


def map_remove_by_value(value: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the entries whose value equals ``value``."""
    return _mremove(82, return_type, [value], bin, ctx)


def map_remove_by_value_list(values: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the entries whose value is in ``values``."""
    return _mremove(83, return_type, [values], bin, ctx)


def map_remove_by_value_range(begin: Any, end: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the entries whose value is in ``[begin, end)``."""
    return _mremove(86, return_type, [begin] + ([] if end is None else [end]), bin, ctx)


def map_remove_by_value_rel_rank_range(value: Any, rank: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without ``count`` entries from the rank of ``value`` plus ``rank``."""
    return _mremove(89, return_type, [value, rank] + ([] if count is None else [count]), bin, ctx)


def map_remove_by_index(index: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the entry at ``index``."""
    return _mremove(77, return_type, [index], bin, ctx)


def map_remove_by_index_range(index: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without ``count`` entries from ``index``."""
    return _mremove(85, return_type, [index] + ([] if count is None else [count]), bin, ctx)


def map_remove_by_rank(rank: Any, bin: Any, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without the entry of value rank ``rank``."""
    return _mremove(79, return_type, [rank], bin, ctx)


def map_remove_by_rank_range(rank: Any, bin: Any, count: Any = None, ctx: Ctx = None, return_type: int = 0) -> Expr:
    """The map without ``count`` entries from value rank ``rank``."""
    return _mremove(87, return_type, [rank] + ([] if count is None else [count]), bin, ctx)


# ---------------------------------------------------------------------------------------------
# Bits


def _bread(ret: int, args: list[bytes], bin: Any) -> Expr:
    return _call(ret, _BIT_MODULE, args, bin, None)


def _bmod(args: list[bytes], bin: Any) -> Expr:
    return _call(EXP_TYPE_BLOB, _BIT_MODULE | _MODIFY, args, bin, None)


def _bflags(policy: Any) -> bytes:
    if policy is None:
        return _int(0)
    if isinstance(policy, dict):
        return _int(_check_int(policy.get("bit_write_flags", policy.get("flags", 0)), "bit_write_flags"))
    return _int(_check_int(policy, "policy"))


def bit_resize(byte_size: Any, bin: Any, resize_flags: int = 0, policy: Any = None) -> Expr:
    """The bytes resized to ``byte_size``."""
    return _bmod([_int(0), _x(byte_size), _bflags(policy), _int(_check_int(resize_flags, "resize_flags"))], bin)


def bit_insert(byte_offset: Any, value: Any, bin: Any, policy: Any = None) -> Expr:
    """The bytes with ``value`` inserted at ``byte_offset``."""
    return _bmod([_int(1), _x(byte_offset), _x(value), _bflags(policy)], bin)


def bit_remove(byte_offset: Any, byte_size: Any, bin: Any, policy: Any = None) -> Expr:
    """The bytes without ``byte_size`` bytes at ``byte_offset``."""
    return _bmod([_int(2), _x(byte_offset), _x(byte_size), _bflags(policy)], bin)


def _bop(op: int, bit_offset: Any, bit_size: Any, value: Any, bin: Any, policy: Any) -> Expr:
    return _bmod([_int(op), _x(bit_offset), _x(bit_size), _x(value), _bflags(policy)], bin)


def bit_set(bit_offset: Any, bit_size: Any, value: Any, bin: Any, policy: Any = None) -> Expr:
    """The bytes with ``bit_size`` bits at ``bit_offset`` set from ``value``."""
    return _bop(3, bit_offset, bit_size, value, bin, policy)


def bit_or(bit_offset: Any, bit_size: Any, value: Any, bin: Any, policy: Any = None) -> Expr:
    """OR with ``value``."""
    return _bop(4, bit_offset, bit_size, value, bin, policy)


def bit_xor(bit_offset: Any, bit_size: Any, value: Any, bin: Any, policy: Any = None) -> Expr:
    """XOR with ``value``."""
    return _bop(5, bit_offset, bit_size, value, bin, policy)


def bit_and(bit_offset: Any, bit_size: Any, value: Any, bin: Any, policy: Any = None) -> Expr:
    """AND with ``value``."""
    return _bop(6, bit_offset, bit_size, value, bin, policy)


def bit_not(bit_offset: Any, bit_size: Any, bin: Any, policy: Any = None) -> Expr:
    """The bits inverted."""
    return _bmod([_int(7), _x(bit_offset), _x(bit_size), _bflags(policy)], bin)


def bit_lshift(bit_offset: Any, bit_size: Any, shift: Any, bin: Any, policy: Any = None) -> Expr:
    """The bits shifted left."""
    return _bop(8, bit_offset, bit_size, shift, bin, policy)


def bit_rshift(bit_offset: Any, bit_size: Any, shift: Any, bin: Any, policy: Any = None) -> Expr:
    """The bits shifted right."""
    return _bop(9, bit_offset, bit_size, shift, bin, policy)


def _arith(op: int, bit_offset: Any, bit_size: Any, value: Any, signed: bool, action: int, bin: Any, policy: Any) -> Expr:
    flags = _check_int(action, "action") | (1 if signed else 0)
    return _bmod([_int(op), _x(bit_offset), _x(bit_size), _x(value), _bflags(policy), _int(flags)], bin)


def bit_add(bit_offset: Any, bit_size: Any, value: Any, bin: Any, signed: bool = False, action: int = 0, policy: Any = None) -> Expr:
    """``value`` added to the integer field (``BIT_OVERFLOW_*`` action)."""
    return _arith(10, bit_offset, bit_size, value, signed, action, bin, policy)


def bit_subtract(bit_offset: Any, bit_size: Any, value: Any, bin: Any, signed: bool = False, action: int = 0, policy: Any = None) -> Expr:
    """``value`` subtracted from the integer field."""
    return _arith(11, bit_offset, bit_size, value, signed, action, bin, policy)


def bit_set_int(bit_offset: Any, bit_size: Any, value: Any, bin: Any, policy: Any = None) -> Expr:
    """The integer field set to ``value``."""
    return _bop(12, bit_offset, bit_size, value, bin, policy)


def bit_get(bit_offset: Any, bit_size: Any, bin: Any) -> Expr:
    """``bit_size`` bits at ``bit_offset``, as bytes."""
    return _bread(EXP_TYPE_BLOB, [_int(50), _x(bit_offset), _x(bit_size)], bin)


def bit_count(bit_offset: Any, bit_size: Any, bin: Any) -> Expr:
    """The number of set bits."""
    return _bread(EXP_TYPE_INT, [_int(51), _x(bit_offset), _x(bit_size)], bin)


def bit_lscan(bit_offset: Any, bit_size: Any, value: Any, bin: Any) -> Expr:
    """The position of the first bit equal to ``value``, or -1."""
    return _bread(EXP_TYPE_INT, [_int(52), _x(bit_offset), _x(bit_size), _x(value)], bin)


def bit_rscan(bit_offset: Any, bit_size: Any, value: Any, bin: Any) -> Expr:
    """The position of the last bit equal to ``value``, or -1."""
    return _bread(EXP_TYPE_INT, [_int(53), _x(bit_offset), _x(bit_size), _x(value)], bin)


def bit_get_int(bit_offset: Any, bit_size: Any, signed: bool, bin: Any) -> Expr:
    """The integer field at ``bit_offset``."""
    return _bread(EXP_TYPE_INT, [_int(54), _x(bit_offset), _x(bit_size), _int(1 if signed else 0)], bin)


# ---------------------------------------------------------------------------------------------
# HyperLogLog


def _hflags(policy: Any) -> bytes:
    if policy is None:
        return _int(0)
    if isinstance(policy, dict):
        return _int(_check_int(policy.get("flags", 0), "flags"))
    return _int(_check_int(policy, "policy"))


def hll_init(index_bit_count: Any, minhash_bit_count: Any, bin: Any, policy: Any = None) -> Expr:
    """A new empty HLL."""
    return _call(EXP_TYPE_HLL, _HLL_MODULE | _MODIFY, [_int(0), _x(index_bit_count), _x(minhash_bit_count), _hflags(policy)], bin, None)


def hll_add(values: Any, bin: Any, index_bit_count: Any = -1, minhash_bit_count: Any = -1, policy: Any = None) -> Expr:
    """The HLL with ``values`` added."""
    return _call(EXP_TYPE_HLL, _HLL_MODULE | _MODIFY, [_int(1), _x(values), _x(index_bit_count), _x(minhash_bit_count), _hflags(policy)], bin, None)


def hll_get_count(bin: Any) -> Expr:
    """The estimated number of distinct values."""
    return _call(EXP_TYPE_INT, _HLL_MODULE, [_int(50)], bin, None)


def hll_get_union(values: Any, bin: Any) -> Expr:
    """The union with the HLLs in ``values``."""
    return _call(EXP_TYPE_HLL, _HLL_MODULE, [_int(51), _x(values)], bin, None)


def hll_get_union_count(values: Any, bin: Any) -> Expr:
    """The estimated size of the union with the HLLs in ``values``."""
    return _call(EXP_TYPE_INT, _HLL_MODULE, [_int(52), _x(values)], bin, None)


def hll_get_intersect_count(values: Any, bin: Any) -> Expr:
    """The estimated size of the intersection with the HLLs in ``values``."""
    return _call(EXP_TYPE_INT, _HLL_MODULE, [_int(53), _x(values)], bin, None)


def hll_get_similarity(values: Any, bin: Any) -> Expr:
    """The estimated similarity with the HLLs in ``values``."""
    return _call(EXP_TYPE_FLOAT, _HLL_MODULE, [_int(54), _x(values)], bin, None)


def hll_describe(bin: Any) -> Expr:
    """``[index_bit_count, minhash_bit_count]``."""
    return _call(EXP_TYPE_LIST, _HLL_MODULE, [_int(55)], bin, None)


def hll_may_contain(values: Any, bin: Any) -> Expr:
    """1 when all of ``values`` may have been added, else 0."""
    return _call(EXP_TYPE_INT, _HLL_MODULE, [_int(56), _x(values)], bin, None)


__all__: list[str] = [n for n in list(globals()) if n.startswith(("list_", "map_", "bit_", "hll_"))]
