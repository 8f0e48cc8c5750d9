"""CDT list operations for ``operate()``/``operate_ordered()`` (and ``batch_operate()``).

Each function returns an operation dict; nothing is sent until the dict is passed to the client,
which checks every field first. Every function takes ``ctx=[...]`` (see ``cdt_ctx``) to work on a
list nested inside the bin, and every selecting function takes a ``LIST_RETURN_*`` return type
and ``inverted=True`` (or ``| LIST_RETURN_INVERTED``) to select everything outside the range.

``policy`` is a list policy dict: ``{"list_order": LIST_ORDERED, "write_flags":
LIST_WRITE_ADD_UNIQUE | LIST_WRITE_NO_FAIL}`` (``"order"`` and ``"flags"`` are accepted too).

>>> from aerospike_py import list_operations as lo
>>> key = ("test", "demo", "lo1")
>>> client.put(key, {"l": [3, 1, 2]})
>>> _, _, results = client.operate_ordered(key, [
...     lo.list_append("l", 4),
...     lo.list_get_by_rank("l", 0, aerospike.LIST_RETURN_VALUE),
...     lo.list_size("l"),
... ])
>>> results
[BinTuple(name='l', value=4), BinTuple(name='l', value=1), BinTuple(name='l', value=4)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._opdict import Operation, op
from .cdt_ctx import CDTContext

Ctx = Sequence[CDTContext] | None
ListPolicy = dict[str, int]

OP_LIST_APPEND = 1001
OP_LIST_APPEND_ITEMS = 1002
OP_LIST_INSERT = 1003
OP_LIST_INSERT_ITEMS = 1004
OP_LIST_POP = 1005
OP_LIST_POP_RANGE = 1006
OP_LIST_REMOVE = 1007
OP_LIST_REMOVE_RANGE = 1008
OP_LIST_SET = 1009
OP_LIST_TRIM = 1010
OP_LIST_CLEAR = 1011
OP_LIST_SIZE = 1012
OP_LIST_GET = 1013
OP_LIST_GET_RANGE = 1014
OP_LIST_GET_BY_VALUE = 1015
OP_LIST_GET_BY_INDEX = 1016
OP_LIST_GET_BY_INDEX_RANGE = 1017
OP_LIST_GET_BY_RANK = 1018
OP_LIST_GET_BY_RANK_RANGE = 1019
OP_LIST_GET_BY_VALUE_LIST = 1020
OP_LIST_GET_BY_VALUE_RANGE = 1021
OP_LIST_REMOVE_BY_VALUE = 1022
OP_LIST_REMOVE_BY_VALUE_LIST = 1023
OP_LIST_REMOVE_BY_VALUE_RANGE = 1024
OP_LIST_REMOVE_BY_INDEX = 1025
OP_LIST_REMOVE_BY_INDEX_RANGE = 1026
OP_LIST_REMOVE_BY_RANK = 1027
OP_LIST_REMOVE_BY_RANK_RANGE = 1028
OP_LIST_INCREMENT = 1029
OP_LIST_SORT = 1030
OP_LIST_SET_ORDER = 1031
OP_LIST_CREATE = 1032
OP_LIST_GET_BY_VALUE_RANK_RANGE_RELATIVE = 1033
OP_LIST_REMOVE_BY_VALUE_RANK_RANGE_RELATIVE = 1034


def _policy(policy: ListPolicy | None) -> Any:
    return ... if policy is None else policy


def _count(count: int | None) -> Any:
    return ... if count is None else count


def list_append(bin: str, val: Any, policy: ListPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Append ``val``; answers the new size.

    >>> list_append("l", 5)
    {'op': 1001, 'bin': 'l', 'val': 5}
    """
    return op(bin, OP_LIST_APPEND, val=val, list_policy=_policy(policy), ctx=ctx)


def list_append_items(bin: str, values: list[Any], policy: ListPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Append every item of ``values``; answers the new size.

    >>> key = ("test", "demo", "lo2")
    >>> client.put(key, {"l": [1]})
    >>> client.operate_ordered(key, [list_append_items("l", [7, 8])]).ordered_bins
    [BinTuple(name='l', value=3)]
    """
    return op(bin, OP_LIST_APPEND_ITEMS, val=values, list_policy=_policy(policy), ctx=ctx)


def list_insert(bin: str, index: int, val: Any, policy: ListPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Insert ``val`` at ``index`` (negative counts from the end); answers the new size."""
    return op(bin, OP_LIST_INSERT, index=index, val=val, list_policy=_policy(policy), ctx=ctx)


def list_insert_items(bin: str, index: int, values: list[Any], policy: ListPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Insert the items of ``values`` at ``index``; answers the new size."""
    return op(bin, OP_LIST_INSERT_ITEMS, index=index, val=values, list_policy=_policy(policy), ctx=ctx)


def list_pop(bin: str, index: int, ctx: Ctx = None) -> Operation:
    """Remove the item at ``index`` and answer it."""
    return op(bin, OP_LIST_POP, index=index, ctx=ctx)


def list_pop_range(bin: str, index: int, count: int, ctx: Ctx = None) -> Operation:
    """Remove ``count`` items from ``index`` and answer them (a negative count: to the end)."""
    return op(bin, OP_LIST_POP_RANGE, index=index, count=count, ctx=ctx)


def list_remove(bin: str, index: int, ctx: Ctx = None) -> Operation:
    """Remove the item at ``index``; answers the number removed."""
    return op(bin, OP_LIST_REMOVE, index=index, ctx=ctx)


def list_remove_range(bin: str, index: int, count: int, ctx: Ctx = None) -> Operation:
    """Remove ``count`` items from ``index``; answers the number removed."""
    return op(bin, OP_LIST_REMOVE_RANGE, index=index, count=count, ctx=ctx)


def list_set(bin: str, index: int, val: Any, policy: ListPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Replace the item at ``index`` with ``val`` (past the end pads with None); answers nothing."""
    return op(bin, OP_LIST_SET, index=index, val=val, list_policy=_policy(policy), ctx=ctx)


def list_trim(bin: str, index: int, count: int, ctx: Ctx = None) -> Operation:
    """Keep only ``count`` items from ``index``; answers the number removed."""
    return op(bin, OP_LIST_TRIM, index=index, count=count, ctx=ctx)


def list_clear(bin: str, ctx: Ctx = None) -> Operation:
    """Remove every item (the list keeps its order); answers nothing."""
    return op(bin, OP_LIST_CLEAR, ctx=ctx)


def list_size(bin: str, ctx: Ctx = None) -> Operation:
    """Answer the number of items."""
    return op(bin, OP_LIST_SIZE, ctx=ctx)


def list_get(bin: str, index: int, ctx: Ctx = None) -> Operation:
    """Answer the item at ``index``."""
    return op(bin, OP_LIST_GET, index=index, ctx=ctx)


def list_get_range(bin: str, index: int, count: int | None = None, ctx: Ctx = None) -> Operation:
    """Answer ``count`` items from ``index`` (None: to the end)."""
    return op(bin, OP_LIST_GET_RANGE, index=index, count=_count(count), ctx=ctx)


def list_increment(bin: str, index: int, val: int, policy: ListPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Add ``val`` (an int) to the number at ``index``; answers the new value."""
    return op(bin, OP_LIST_INCREMENT, index=index, val=val, list_policy=_policy(policy), ctx=ctx)


def list_sort(bin: str, sort_flags: int = 0, ctx: Ctx = None) -> Operation:
    """Sort in place (``LIST_SORT_DESCENDING``, ``LIST_SORT_DROP_DUPLICATES``); answers nothing."""
    return op(bin, OP_LIST_SORT, sort_flags=sort_flags, ctx=ctx)


def list_set_order(bin: str, list_order: int = 0, ctx: Ctx = None) -> Operation:
    """Make the list ``LIST_ORDERED`` or ``LIST_UNORDERED`` (creating it if missing); answers nothing."""
    return op(bin, OP_LIST_SET_ORDER, list_order=list_order, ctx=ctx)


def list_create(bin: str, list_order: int = 0, pad: bool = False, persist_index: bool = False, ctx: Ctx = None) -> Operation:
    """Create the list at the ``ctx`` level if it does not exist; answers nothing.

    ``pad`` lets a nested create go past the end of its parent list (filling with None);
    ``persist_index`` keeps a server-side index of a top-level ordered list.
    """
    return op(bin, OP_LIST_CREATE, list_order=list_order, pad=pad, persist_index=persist_index, ctx=ctx)


def list_get_by_value(bin: str, val: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the items equal to ``val``.

    >>> key = ("test", "demo", "lo3")
    >>> client.put(key, {"l": [3, 1, 3]})
    >>> client.operate(key, [list_get_by_value("l", 3, aerospike.LIST_RETURN_INDEX)]).bins
    {'l': [0, 2]}
    """
    return op(bin, OP_LIST_GET_BY_VALUE, val=val, return_type=return_type, inverted=inverted, ctx=ctx)


def list_get_by_value_list(bin: str, values: list[Any], return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the items equal to any of ``values``."""
    return op(bin, OP_LIST_GET_BY_VALUE_LIST, val=values, return_type=return_type, inverted=inverted, ctx=ctx)


def list_get_by_value_range(bin: str, begin: Any, end: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select the items with ``begin <= value < end`` (``end`` None: no upper bound)."""
    return op(bin, OP_LIST_GET_BY_VALUE_RANGE, val=begin, val_end=end, return_type=return_type, inverted=inverted, ctx=ctx)


def list_get_by_value_rank_range_relative(
    bin: str, value: Any, offset: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None
) -> Operation:
    """Select ``count`` items (None: all) from the rank of ``value`` plus ``offset``."""
    return op(bin, OP_LIST_GET_BY_VALUE_RANK_RANGE_RELATIVE, val=value, rank=offset, count=_count(count),
              return_type=return_type, inverted=inverted, ctx=ctx)


def list_get_by_index(bin: str, index: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Select the item at ``index``."""
    return op(bin, OP_LIST_GET_BY_INDEX, index=index, return_type=return_type, ctx=ctx)


def list_get_by_index_range(bin: str, index: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select ``count`` items (None: to the end) from ``index``."""
    return op(bin, OP_LIST_GET_BY_INDEX_RANGE, index=index, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


def list_get_by_rank(bin: str, rank: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Select the item of rank ``rank`` (0 the smallest, -1 the largest)."""
    return op(bin, OP_LIST_GET_BY_RANK, rank=rank, return_type=return_type, ctx=ctx)


def list_get_by_rank_range(bin: str, rank: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Select ``count`` items (None: all) from rank ``rank``."""
    return op(bin, OP_LIST_GET_BY_RANK_RANGE, rank=rank, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


def list_remove_by_value(bin: str, val: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the items equal to ``val``."""
    return op(bin, OP_LIST_REMOVE_BY_VALUE, val=val, return_type=return_type, inverted=inverted, ctx=ctx)


def list_remove_by_value_list(bin: str, values: list[Any], return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the items equal to any of ``values``."""
    return op(bin, OP_LIST_REMOVE_BY_VALUE_LIST, val=values, return_type=return_type, inverted=inverted, ctx=ctx)


def list_remove_by_value_range(bin: str, begin: Any, end: Any, return_type: int, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove the items with ``begin <= value < end`` (``end`` None: no upper bound)."""
    return op(bin, OP_LIST_REMOVE_BY_VALUE_RANGE, val=begin, val_end=end, return_type=return_type, inverted=inverted, ctx=ctx)


def list_remove_by_value_rank_range_relative(
    bin: str, value: Any, offset: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None
) -> Operation:
    """Remove ``count`` items (None: all) from the rank of ``value`` plus ``offset``."""
    return op(bin, OP_LIST_REMOVE_BY_VALUE_RANK_RANGE_RELATIVE, val=value, rank=offset, count=_count(count),
              return_type=return_type, inverted=inverted, ctx=ctx)


def list_remove_by_index(bin: str, index: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Remove the item at ``index``."""
    return op(bin, OP_LIST_REMOVE_BY_INDEX, index=index, return_type=return_type, ctx=ctx)


def list_remove_by_index_range(bin: str, index: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove ``count`` items (None: to the end) from ``index``."""
    return op(bin, OP_LIST_REMOVE_BY_INDEX_RANGE, index=index, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


def list_remove_by_rank(bin: str, rank: int, return_type: int, ctx: Ctx = None) -> Operation:
    """Remove the item of rank ``rank``."""
    return op(bin, OP_LIST_REMOVE_BY_RANK, rank=rank, return_type=return_type, ctx=ctx)


def list_remove_by_rank_range(bin: str, rank: int, return_type: int, count: int | None = None, inverted: bool = False, ctx: Ctx = None) -> Operation:
    """Remove ``count`` items (None: all) from rank ``rank``."""
    return op(bin, OP_LIST_REMOVE_BY_RANK_RANGE, rank=rank, count=_count(count), return_type=return_type, inverted=inverted, ctx=ctx)


__all__ = [name for name in list(globals()) if name.startswith("list_")] + ["Operation"]
