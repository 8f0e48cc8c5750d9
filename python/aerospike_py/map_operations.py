"""CDT map operations for ``operate()``/``operate_ordered()`` (and ``batch_operate()``).

Each function returns an operation dict that the client checks before anything is sent. Every
function takes ``ctx=[...]`` (see ``cdt_ctx``) to work on a map nested inside the bin; every
selecting function takes a ``MAP_RETURN_*`` return type, and the range and list selections take
``inverted=True`` (or ``| MAP_RETURN_INVERTED``) to select everything outside them.

``policy`` is a map policy dict: ``{"map_order": MAP_KEY_ORDERED, "map_write_flags":
MAP_WRITE_FLAGS_CREATE_ONLY}`` (``"order"``, ``"write_flags"`` and ``"map_write_mode"`` with
``MAP_UPDATE``/``MAP_UPDATE_ONLY``/``MAP_CREATE_ONLY`` are accepted too; ``"persist_index"``
keeps a server-side index of a top-level map).

>>> from aerospike_py import map_operations as mo
>>> key = ("test", "demo", "mo1")
>>> client.put(key, {"m": {"a": 1, "b": 2}})
>>> client.operate_ordered(key, [
...     mo.map_put("m", "c", 3),
...     mo.map_get_by_key_list("m", ["a", "c"], aerospike.MAP_RETURN_VALUE),
... ]).ordered_bins
[BinTuple(name='m', value=3), BinTuple(name='m', value=[1, 3])]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._opdict import Operation, op
from .cdt_ctx import CDTContext

Ctx = Sequence[CDTContext] | None
MapPolicy = dict[str, Any]

OP_MAP_SET_ORDER = 2001
OP_MAP_PUT = 2002
OP_MAP_PUT_ITEMS = 2003
OP_MAP_INCREMENT = 2004
OP_MAP_DECREMENT = 2005
OP_MAP_CLEAR = 2006
OP_MAP_REMOVE_BY_KEY = 2007
OP_MAP_REMOVE_BY_KEY_LIST = 2008
OP_MAP_REMOVE_BY_KEY_RANGE = 2009
OP_MAP_REMOVE_BY_VALUE = 2010
OP_MAP_REMOVE_BY_VALUE_LIST = 2011
OP_MAP_REMOVE_BY_VALUE_RANGE = 2012
OP_MAP_REMOVE_BY_INDEX = 2013
OP_MAP_REMOVE_BY_INDEX_RANGE = 2014
OP_MAP_REMOVE_BY_RANK = 2015
OP_MAP_REMOVE_BY_RANK_RANGE = 2016
OP_MAP_SIZE = 2017
OP_MAP_GET_BY_KEY = 2018
OP_MAP_GET_BY_KEY_RANGE = 2019
OP_MAP_GET_BY_VALUE = 2020
OP_MAP_GET_BY_VALUE_RANGE = 2021
OP_MAP_GET_BY_INDEX = 2022
OP_MAP_GET_BY_INDEX_RANGE = 2023
OP_MAP_GET_BY_RANK = 2024
OP_MAP_GET_BY_RANK_RANGE = 2025
OP_MAP_GET_BY_KEY_LIST = 2026
OP_MAP_GET_BY_VALUE_LIST = 2027
OP_MAP_SET_POLICY = 2028
OP_MAP_CREATE = 2029
OP_MAP_GET_BY_KEY_INDEX_RANGE_RELATIVE = 2030
OP_MAP_REMOVE_BY_KEY_INDEX_RANGE_RELATIVE = 2031
OP_MAP_GET_BY_VALUE_RANK_RANGE_RELATIVE = 2032
OP_MAP_REMOVE_BY_VALUE_RANK_RANGE_RELATIVE = 2033


def _policy(policy: MapPolicy | None) -> Any:
    return ... if policy is None else policy


def _count(count: int | None) -> Any:
    return ... if count is None else count


def map_set_order(bin: str, map_order: int, ctx: Ctx = None) -> Operation:
    """Give the map ``map_order`` (creating an empty map if missing); answers nothing.

    >>> map_set_order("m", aerospike.MAP_KEY_ORDERED)
    {'op': 2001, 'bin': 'm', 'map_order': 1}
    """
    return op(bin, OP_MAP_SET_ORDER, map_order=map_order, ctx=ctx)


def map_set_policy(bin: str, policy: MapPolicy, ctx: Ctx = None) -> Operation:
    """Give the map the order of ``policy`` (its write flags are not used); answers nothing."""
    return op(bin, OP_MAP_SET_POLICY, map_policy=policy, ctx=ctx)


def map_create(bin: str, map_order: int, persist_index: bool = False, ctx: Ctx = None) -> Operation:
    """Create the map at the ``ctx`` level with ``map_order`` if it does not exist; answers nothing."""
    return op(bin, OP_MAP_CREATE, map_order=map_order, persist_index=persist_index, ctx=ctx)


def map_put(bin: str, key: Any, val: Any, policy: MapPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Put ``key: val``; answers the new size.

    >>> key = ("test", "demo", "mo2")
    >>> client.operate(key, [map_put("m", "a", 1)]).bins
    {'m': 1}
    """
    return op(bin, OP_MAP_PUT, map_key=key, val=val, map_policy=_policy(policy), ctx=ctx)


def map_put_items(bin: str, items: dict[Any, Any], policy: MapPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Put every entry of ``items``; answers the new size."""
    return op(bin, OP_MAP_PUT_ITEMS, val=items, map_policy=_policy(policy), ctx=ctx)


def map_increment(bin: str, key: Any, incr: Any, policy: MapPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Add ``incr`` to the number at ``key`` (created when missing); answers the new value."""
    return op(bin, OP_MAP_INCREMENT, map_key=key, val=incr, map_policy=_policy(policy), ctx=ctx)


def map_decrement(bin: str, key: Any, decr: Any, policy: MapPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Subtract ``decr`` from the number at ``key``; answers the new value."""
    return op(bin, OP_MAP_DECREMENT, map_key=key, val=decr, map_policy=_policy(policy), ctx=ctx)


def map_clear(bin: str, ctx: Ctx = None) -> Operation:
    """Remove every entry; answers nothing."""
    return op(bin, OP_MAP_CLEAR, ctx=ctx)


def map_size(bin: str, ctx: Ctx = None) -> Operation:
    """Answer the number of entries."""
    return op(bin, OP_MAP_SIZE, ctx=ctx)


def map_get_by_key(bin: str, key: Any, return_type: int, ctx: Ctx = None) -> Operation:
    """Select the entry with ``key``.

    >>> key = ("test", "demo", "mo3")
    >>> client.put(key, {"m": {"a": 1, "b": 2}})
    >>> client.operate(key, [map_get_by_key("m", "b", aerospike.MAP_RETURN_KEY_VALUE)]).bins
    {'m': ['b', 2]}
    """
    return op(bin, OP_MAP_GET_BY_KEY, map_key=key, return_type=return_type, ctx=ctx)


def map_get_by_key_list(bin: str, keys: list[Any], return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the entries whose key is in ``keys``."""
    return op(bin, OP_MAP_GET_BY_KEY_LIST, val=keys, return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_key_range(bin: str, begin: Any, end: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the entries with ``begin <= key < end`` (``end`` None: no upper bound)."""
    return op(bin, OP_MAP_GET_BY_KEY_RANGE, val=begin, val_end=end, return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_key_index_range_relative(
    bin: str, key: Any, offset: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None
) -> Operation:
    """Select ``count`` entries (None: all) from the index of ``key`` plus ``offset``."""
    return op(bin, OP_MAP_GET_BY_KEY_INDEX_RANGE_RELATIVE, map_key=key, index=offset, count=_count(count),
              return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_value(bin: str, val: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the entries whose value equals ``val``."""
    return op(bin, OP_MAP_GET_BY_VALUE, val=val, return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_value_list(bin: str, values: list[Any], return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the entries whose value is in ``values``."""
    return op(bin, OP_MAP_GET_BY_VALUE_LIST, val=values, return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_value_range(bin: str, begin: Any, end: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the entries with ``begin <= value < end`` (``end`` None: no upper bound)."""
    return op(bin, OP_MAP_GET_BY_VALUE_RANGE, val=begin, val_end=end, return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_value_rank_range_relative(
    bin: str, value: Any, offset: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None
) -> Operation:
    """Select ``count`` entries (None: all) from the rank of ``value`` plus ``offset``."""
    return op(bin, OP_MAP_GET_BY_VALUE_RANK_RANGE_RELATIVE, val=value, rank=offset, count=_count(count),
              return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_index(bin: str, index: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Select the entry at ``index`` in key order."""
    return op(bin, OP_MAP_GET_BY_INDEX, index=index, return_type=return_type, ctx=ctx)


def map_get_by_index_range(bin: str, index: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select ``count`` entries (None: to the end) from ``index``."""
    return op(bin, OP_MAP_GET_BY_INDEX_RANGE, index=index, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


def map_get_by_rank(bin: str, rank: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Select the entry whose value has rank ``rank``."""
    return op(bin, OP_MAP_GET_BY_RANK, rank=rank, return_type=return_type, ctx=ctx)


def map_get_by_rank_range(bin: str, rank: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select ``count`` entries (None: all) from value rank ``rank``."""
    return op(bin, OP_MAP_GET_BY_RANK_RANGE, rank=rank, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_key(bin: str, key: Any, return_type: int, ctx: Ctx = None) -> Operation:
    """Remove the entry with ``key``."""
    return op(bin, OP_MAP_REMOVE_BY_KEY, map_key=key, return_type=return_type, ctx=ctx)


def map_remove_by_key_list(bin: str, keys: list[Any], return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the entries whose key is in ``keys``."""
    return op(bin, OP_MAP_REMOVE_BY_KEY_LIST, val=keys, return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_key_range(bin: str, begin: Any, end: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the entries with ``begin <= key < end`` (``end`` None: no upper bound)."""
    return op(bin, OP_MAP_REMOVE_BY_KEY_RANGE, val=begin, val_end=end, return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_key_index_range_relative(
    bin: str, key: Any, offset: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None
) -> Operation:
    """Remove ``count`` entries (None: all) from the index of ``key`` plus ``offset``."""
    return op(bin, OP_MAP_REMOVE_BY_KEY_INDEX_RANGE_RELATIVE, map_key=key, index=offset, count=_count(count),
              return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_value(bin: str, val: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the entries whose value equals ``val``."""
    return op(bin, OP_MAP_REMOVE_BY_VALUE, val=val, return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_value_list(bin: str, values: list[Any], return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the entries whose value is in ``values``."""
    return op(bin, OP_MAP_REMOVE_BY_VALUE_LIST, val=values, return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_value_range(bin: str, begin: Any, end: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the entries with ``begin <= value < end`` (``end`` None: no upper bound)."""
    return op(bin, OP_MAP_REMOVE_BY_VALUE_RANGE, val=begin, val_end=end, return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_value_rank_range_relative(
    bin: str, value: Any, offset: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None
) -> Operation:
    """Remove ``count`` entries (None: all) from the rank of ``value`` plus ``offset``."""
    return op(bin, OP_MAP_REMOVE_BY_VALUE_RANK_RANGE_RELATIVE, val=value, rank=offset, count=_count(count),
              return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_index(bin: str, index: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Remove the entry at ``index`` in key order."""
    return op(bin, OP_MAP_REMOVE_BY_INDEX, index=index, return_type=return_type, ctx=ctx)


def map_remove_by_index_range(bin: str, index: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove ``count`` entries (None: to the end) from ``index``."""
    return op(bin, OP_MAP_REMOVE_BY_INDEX_RANGE, index=index, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


def map_remove_by_rank(bin: str, rank: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Remove the entry whose value has rank ``rank``."""
    return op(bin, OP_MAP_REMOVE_BY_RANK, rank=rank, return_type=return_type, ctx=ctx)


def map_remove_by_rank_range(bin: str, rank: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove ``count`` entries (None: all) from value rank ``rank``."""
    return op(bin, OP_MAP_REMOVE_BY_RANK_RANGE, rank=rank, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


__all__ = [name for name in list(globals()) if name.startswith("map_")] + ["Operation"]
