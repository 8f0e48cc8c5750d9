"""Nested CDT contexts: the path from a bin down to the list or map an operation works on.

Every list, map, bit and HLL helper takes ``ctx=[...]``, a list of the steps below, outermost
first. A step is a :class:`CDTContext` ``(id, value)``: ``id`` is the server's context code
(with the create flags or'ed in for the ``*_create`` steps) and ``value`` the index, rank, key or
value it selects, so a step is also exactly what goes on the wire.

>>> from aerospike_py import cdt_ctx, list_operations as lo
>>> client.put(("test", "demo", "ctx1"), {"l": [[1, 2], [3, 4]]})
>>> ops = [lo.list_append("l", 5, ctx=[cdt_ctx.cdt_ctx_list_index(-1)])]
>>> client.operate_ordered(("test", "demo", "ctx1"), ops).ordered_bins
[BinTuple(name='l', value=3)]
>>> client.get(("test", "demo", "ctx1")).bins
{'l': [[1, 2], [3, 4, 5]]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from .constants import (  # the server's context codes live with the other constants
    CDT_CTX_LIST_INDEX,
    CDT_CTX_LIST_RANK,
    CDT_CTX_LIST_VALUE,
    CDT_CTX_MAP_INDEX,
    CDT_CTX_MAP_KEY,
    CDT_CTX_MAP_RANK,
    CDT_CTX_MAP_VALUE,
    LIST_ORDERED,
    MAP_KEY_ORDERED,
    MAP_KEY_VALUE_ORDERED,
    MAP_UNORDERED,
)

# Create flags of the *_create steps: the order (and pad) of the container the step creates.
_CREATE_UNORDERED = 0x40
_CREATE_PADDED = 0x80
_CREATE_ORDERED = 0xC0


class CDTContext(NamedTuple):
    """One step of a context path: the server's context code and what it selects."""

    id: int
    value: Any


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


def cdt_ctx_list_index(index: int) -> CDTContext:
    """The list element at ``index`` (negative counts from the end).

    >>> cdt_ctx_list_index(-1)
    CDTContext(id=16, value=-1)
    """
    return CDTContext(CDT_CTX_LIST_INDEX, _int(index, "index"))


def cdt_ctx_list_index_create(index: int, order: int = 0, pad: bool = False) -> CDTContext:
    """The list element at ``index``, creating the list at this level if it is missing.

    ``order`` (``LIST_UNORDERED``/``LIST_ORDERED``) and ``pad`` (fill with None up to
    ``index``) apply to the list this step creates.

    >>> cdt_ctx_list_index_create(0, aerospike.LIST_ORDERED)
    CDTContext(id=208, value=0)
    """
    _int(order, "order")
    if order not in (0, LIST_ORDERED):
        raise ValueError(f"order must be LIST_UNORDERED or LIST_ORDERED, not {order}")
    if order == LIST_ORDERED:
        flag = _CREATE_ORDERED
    else:
        flag = _CREATE_PADDED if pad else _CREATE_UNORDERED
    return CDTContext(CDT_CTX_LIST_INDEX | flag, _int(index, "index"))


def cdt_ctx_list_rank(rank: int) -> CDTContext:
    """The list element of rank ``rank`` (0 the smallest, -1 the largest).

    >>> cdt_ctx_list_rank(0)
    CDTContext(id=17, value=0)
    """
    return CDTContext(CDT_CTX_LIST_RANK, _int(rank, "rank"))


def cdt_ctx_list_value(value: Any) -> CDTContext:
    """The (first) list element equal to ``value``.

    >>> cdt_ctx_list_value([1, 2])
    CDTContext(id=19, value=[1, 2])
    """
    return CDTContext(CDT_CTX_LIST_VALUE, value)


def cdt_ctx_map_index(index: int) -> CDTContext:
    """The map entry at ``index`` in key order.

    >>> cdt_ctx_map_index(0)
    CDTContext(id=32, value=0)
    """
    return CDTContext(CDT_CTX_MAP_INDEX, _int(index, "index"))


def cdt_ctx_map_rank(rank: int) -> CDTContext:
    """The map entry whose value has rank ``rank``.

    >>> cdt_ctx_map_rank(-1)
    CDTContext(id=33, value=-1)
    """
    return CDTContext(CDT_CTX_MAP_RANK, _int(rank, "rank"))


def cdt_ctx_map_key(key: Any) -> CDTContext:
    """The map entry with key ``key``.

    >>> cdt_ctx_map_key("a")
    CDTContext(id=34, value='a')
    """
    return CDTContext(CDT_CTX_MAP_KEY, key)


def cdt_ctx_map_key_create(key: Any, order: int = 0) -> CDTContext:
    """The map entry with key ``key``, creating the map at this level if it is missing.

    ``order`` (``MAP_UNORDERED``, ``MAP_KEY_ORDERED``, ``MAP_KEY_VALUE_ORDERED``) applies to the
    map that contains ``key``.

    >>> cdt_ctx_map_key_create("a", aerospike.MAP_KEY_ORDERED)
    CDTContext(id=162, value='a')
    """
    flags = {MAP_UNORDERED: _CREATE_UNORDERED, MAP_KEY_ORDERED: _CREATE_PADDED, MAP_KEY_VALUE_ORDERED: _CREATE_ORDERED}
    if _int(order, "order") not in flags:
        raise ValueError(f"order must be a MAP_*ORDERED constant, not {order}")
    return CDTContext(CDT_CTX_MAP_KEY | flags[order], key)


def cdt_ctx_map_value(value: Any) -> CDTContext:
    """The (first) map entry whose value equals ``value``.

    >>> cdt_ctx_map_value(7)
    CDTContext(id=35, value=7)
    """
    return CDTContext(CDT_CTX_MAP_VALUE, value)


_KNOWN_IDS = frozenset(
    [CDT_CTX_LIST_INDEX, CDT_CTX_LIST_RANK, CDT_CTX_LIST_VALUE, CDT_CTX_MAP_INDEX, CDT_CTX_MAP_RANK, CDT_CTX_MAP_KEY, CDT_CTX_MAP_VALUE]
    + [CDT_CTX_LIST_INDEX | f for f in (_CREATE_UNORDERED, _CREATE_PADDED, _CREATE_ORDERED)]
    + [CDT_CTX_MAP_KEY | f for f in (_CREATE_UNORDERED, _CREATE_PADDED, _CREATE_ORDERED)]
)


def ctx_list(ctx: Sequence[CDTContext] | None) -> list[CDTContext] | None:
    """``ctx`` checked and copied into a list of :class:`CDTContext` (None or [] for none).

    >>> ctx_list([cdt_ctx_map_key("a"), (0x10, 0)])
    [CDTContext(id=34, value='a'), CDTContext(id=16, value=0)]
    """
    if ctx is None:
        return None
    if isinstance(ctx, (str, bytes, CDTContext)) or not isinstance(ctx, Sequence):
        raise TypeError(f"ctx must be a list of cdt_ctx steps, not {type(ctx).__name__}")
    out = []
    for i, step in enumerate(ctx):
        if not isinstance(step, tuple) or len(step) != 2:
            raise TypeError(f"ctx[{i}] must be a cdt_ctx step (CDTContext), not {type(step).__name__}")
        step = CDTContext(*step)
        if step.id not in _KNOWN_IDS:
            raise ValueError(f"ctx[{i}] has an unknown context id {step.id!r}")
        out.append(step)
    return out


__all__ = [
    "CDTContext",
    "cdt_ctx_list_index",
    "cdt_ctx_list_index_create",
    "cdt_ctx_list_rank",
    "cdt_ctx_list_value",
    "cdt_ctx_map_index",
    "cdt_ctx_map_key",
    "cdt_ctx_map_key_create",
    "cdt_ctx_map_rank",
    "cdt_ctx_map_value",
    "ctx_list",
]
