"""HyperLogLog operations, for ``operate()``/``operate_ordered()``.

An HLL bin estimates how many distinct values were added to it, and how much several HLLs
overlap. ``policy`` is the write flags: a dict ``{"flags": HLL_WRITE_*}`` or the int itself.

>>> from aerospike_py import hll_operations as ho
>>> key = ("test", "demo", "ho1")
>>> client.operate_ordered(key, [
...     ho.hll_add("h", ["a", "b", "c", "a"], index_bit_count=8),
...     ho.hll_get_count("h"),
... ]).ordered_bins
[BinTuple(name='h', value=3), BinTuple(name='h', value=3)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._opdict import Operation, op
from .cdt_ctx import CDTContext

Ctx = Sequence[CDTContext] | None
HLLPolicy = int | dict[str, int]

OP_HLL_INIT = 3001
OP_HLL_ADD = 3002
OP_HLL_GET_COUNT = 3003
OP_HLL_GET_UNION = 3004
OP_HLL_GET_UNION_COUNT = 3005
OP_HLL_GET_INTERSECT_COUNT = 3006
OP_HLL_GET_SIMILARITY = 3007
OP_HLL_DESCRIBE = 3008
OP_HLL_FOLD = 3009
OP_HLL_SET_UNION = 3010
OP_HLL_REFRESH_COUNT = 3011


def _opt(value: Any) -> Any:
    return ... if value is None else value


def hll_init(bin: str, index_bit_count: int, minhash_bit_count: int | None = None,
             policy: HLLPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Create (or reset) an empty HLL with ``index_bit_count`` (4-16) and ``minhash_bit_count``
    (0 or 4-51) bits; answers nothing.

    >>> hll_init("h", 10)
    {'op': 3001, 'bin': 'h', 'index_bit_count': 10}
    """
    return op(bin, OP_HLL_INIT, index_bit_count=index_bit_count, minhash_bit_count=_opt(minhash_bit_count),
              hll_policy=_opt(policy), ctx=ctx)


def hll_add(bin: str, values: list[Any], index_bit_count: int | None = None, minhash_bit_count: int | None = None,
            policy: HLLPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Add ``values`` (creating the HLL with the given bit counts if missing); answers how many
    registers changed."""
    return op(bin, OP_HLL_ADD, val=values, index_bit_count=_opt(index_bit_count),
              minhash_bit_count=_opt(minhash_bit_count), hll_policy=_opt(policy), ctx=ctx)


def hll_set_union(bin: str, values: list[Any], policy: HLLPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Make the bin the union of itself and the HLLs in ``values``; answers nothing."""
    return op(bin, OP_HLL_SET_UNION, val=values, hll_policy=_opt(policy), ctx=ctx)


def hll_refresh_count(bin: str, ctx: Ctx = None) -> Operation:
    """Recompute and cache the estimate; answers it."""
    return op(bin, OP_HLL_REFRESH_COUNT, ctx=ctx)


def hll_fold(bin: str, index_bit_count: int, ctx: Ctx = None) -> Operation:
    """Fold the HLL down to ``index_bit_count`` bits (only without minhash bits); answers nothing."""
    return op(bin, OP_HLL_FOLD, index_bit_count=index_bit_count, ctx=ctx)


def hll_get_count(bin: str, ctx: Ctx = None) -> Operation:
    """Answer the estimated number of distinct values."""
    return op(bin, OP_HLL_GET_COUNT, ctx=ctx)


def hll_get_union(bin: str, values: list[Any], ctx: Ctx = None) -> Operation:
    """Answer the union of the bin and the HLLs in ``values``, as a HyperLogLog."""
    return op(bin, OP_HLL_GET_UNION, val=values, ctx=ctx)


def hll_get_union_count(bin: str, values: list[Any], ctx: Ctx = None) -> Operation:
    """Answer the estimated size of the union of the bin and the HLLs in ``values``."""
    return op(bin, OP_HLL_GET_UNION_COUNT, val=values, ctx=ctx)


def hll_get_intersect_count(bin: str, values: list[Any], ctx: Ctx = None) -> Operation:
    """Answer the estimated size of the intersection of the bin and the HLLs in ``values``."""
    return op(bin, OP_HLL_GET_INTERSECT_COUNT, val=values, ctx=ctx)


def hll_get_similarity(bin: str, values: list[Any], ctx: Ctx = None) -> Operation:
    """Answer the estimated Jaccard similarity of the bin and the HLLs in ``values``."""
    return op(bin, OP_HLL_GET_SIMILARITY, val=values, ctx=ctx)


def hll_describe(bin: str, ctx: Ctx = None) -> Operation:
    """Answer ``[index_bit_count, minhash_bit_count]``."""
    return op(bin, OP_HLL_DESCRIBE, ctx=ctx)


__all__ = [name for name in list(globals()) if name.startswith("hll_")] + ["Operation"]
