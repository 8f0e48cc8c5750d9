"""Bitwise operations on bytes bins, for ``operate()``/``operate_ordered()``.

Offsets and sizes are in bits unless the name says bytes; a negative offset counts from the end.
``policy`` is the write flags (``BIT_WRITE_*``, or a dict ``{"bit_write_flags": ...}``). Write
operations answer nothing; reads answer bytes, a count, a bit position or an int.

>>> from aerospike_py import bit_operations as bo
>>> key = ("test", "demo", "bo1")
>>> client.put(key, {"b": b"\\x0f\\x00"})
>>> client.operate_ordered(key, [
...     bo.bit_set("b", 8, 8, b"\\xff"),
...     bo.bit_count("b", 0, 16),
...     bo.bit_get_int("b", 0, 8),
... ]).ordered_bins
[BinTuple(name='b', value=12), BinTuple(name='b', value=15)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._opdict import Operation, op
from .cdt_ctx import CDTContext

Ctx = Sequence[CDTContext] | None
BitPolicy = int | dict[str, int]

OP_BIT_RESIZE = 4001
OP_BIT_INSERT = 4002
OP_BIT_REMOVE = 4003
OP_BIT_SET = 4004
OP_BIT_OR = 4005
OP_BIT_XOR = 4006
OP_BIT_AND = 4007
OP_BIT_NOT = 4008
OP_BIT_LSHIFT = 4009
OP_BIT_RSHIFT = 4010
OP_BIT_ADD = 4011
OP_BIT_SUBTRACT = 4012
OP_BIT_SET_INT = 4013
OP_BIT_GET = 4050
OP_BIT_COUNT = 4051
OP_BIT_LSCAN = 4052
OP_BIT_RSCAN = 4053
OP_BIT_GET_INT = 4054


def _policy(policy: BitPolicy | None) -> Any:
    return ... if policy is None else policy


def bit_resize(bin: str, byte_size: int, resize_flags: int = 0, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Resize to ``byte_size`` bytes (``BIT_RESIZE_FROM_FRONT``, ``GROW_ONLY``, ``SHRINK_ONLY``).

    >>> bit_resize("b", 4)
    {'op': 4001, 'bin': 'b', 'byte_size': 4, 'resize_flags': 0}
    """
    return op(bin, OP_BIT_RESIZE, byte_size=byte_size, resize_flags=resize_flags, bit_policy=_policy(policy), ctx=ctx)


def bit_insert(bin: str, byte_offset: int, value: bytes, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Insert the bytes ``value`` at ``byte_offset``."""
    return op(bin, OP_BIT_INSERT, byte_offset=byte_offset, val=value, bit_policy=_policy(policy), ctx=ctx)


def bit_remove(bin: str, byte_offset: int, byte_size: int, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Remove ``byte_size`` bytes from ``byte_offset``."""
    return op(bin, OP_BIT_REMOVE, byte_offset=byte_offset, byte_size=byte_size, bit_policy=_policy(policy), ctx=ctx)


def bit_set(bin: str, bit_offset: int, bit_size: int, value: bytes, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Overwrite ``bit_size`` bits at ``bit_offset`` with the leading bits of ``value``."""
    return op(bin, OP_BIT_SET, bit_offset=bit_offset, bit_size=bit_size, val=value, bit_policy=_policy(policy), ctx=ctx)


def bit_or(bin: str, bit_offset: int, bit_size: int, value: bytes, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """OR ``bit_size`` bits at ``bit_offset`` with ``value``."""
    return op(bin, OP_BIT_OR, bit_offset=bit_offset, bit_size=bit_size, val=value, bit_policy=_policy(policy), ctx=ctx)


def bit_xor(bin: str, bit_offset: int, bit_size: int, value: bytes, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """XOR ``bit_size`` bits at ``bit_offset`` with ``value``."""
    return op(bin, OP_BIT_XOR, bit_offset=bit_offset, bit_size=bit_size, val=value, bit_policy=_policy(policy), ctx=ctx)


def bit_and(bin: str, bit_offset: int, bit_size: int, value: bytes, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """AND ``bit_size`` bits at ``bit_offset`` with ``value``."""
    return op(bin, OP_BIT_AND, bit_offset=bit_offset, bit_size=bit_size, val=value, bit_policy=_policy(policy), ctx=ctx)


def bit_not(bin: str, bit_offset: int, bit_size: int, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Invert ``bit_size`` bits at ``bit_offset``."""
    return op(bin, OP_BIT_NOT, bit_offset=bit_offset, bit_size=bit_size, bit_policy=_policy(policy), ctx=ctx)


def bit_lshift(bin: str, bit_offset: int, bit_size: int, shift: int, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Shift ``bit_size`` bits at ``bit_offset`` left by ``shift``."""
    return op(bin, OP_BIT_LSHIFT, bit_offset=bit_offset, bit_size=bit_size, shift=shift, bit_policy=_policy(policy), ctx=ctx)


def bit_rshift(bin: str, bit_offset: int, bit_size: int, shift: int, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Shift ``bit_size`` bits at ``bit_offset`` right by ``shift``."""
    return op(bin, OP_BIT_RSHIFT, bit_offset=bit_offset, bit_size=bit_size, shift=shift, bit_policy=_policy(policy), ctx=ctx)


def bit_add(bin: str, bit_offset: int, bit_size: int, value: int, signed: bool = False, action: int = 0,
            policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Add ``value`` to the ``bit_size``-bit integer (at most 64) at ``bit_offset``; ``action`` is a
    ``BIT_OVERFLOW_*`` (fail, saturate or wrap)."""
    return op(bin, OP_BIT_ADD, bit_offset=bit_offset, bit_size=bit_size, val=value, signed=signed, action=action,
              bit_policy=_policy(policy), ctx=ctx)


def bit_subtract(bin: str, bit_offset: int, bit_size: int, value: int, signed: bool = False, action: int = 0,
                 policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Subtract ``value`` from the ``bit_size``-bit integer at ``bit_offset`` (see ``bit_add``)."""
    return op(bin, OP_BIT_SUBTRACT, bit_offset=bit_offset, bit_size=bit_size, val=value, signed=signed, action=action,
              bit_policy=_policy(policy), ctx=ctx)


def bit_set_int(bin: str, bit_offset: int, bit_size: int, value: int, policy: BitPolicy | None = None, ctx: Ctx = None) -> Operation:
    """Store ``value`` as a ``bit_size``-bit integer at ``bit_offset``."""
    return op(bin, OP_BIT_SET_INT, bit_offset=bit_offset, bit_size=bit_size, val=value, bit_policy=_policy(policy), ctx=ctx)


def bit_get(bin: str, bit_offset: int, bit_size: int, ctx: Ctx = None) -> Operation:
    """Answer ``bit_size`` bits at ``bit_offset`` as bytes (left-aligned)."""
    return op(bin, OP_BIT_GET, bit_offset=bit_offset, bit_size=bit_size, ctx=ctx)


def bit_count(bin: str, bit_offset: int, bit_size: int, ctx: Ctx = None) -> Operation:
    """Answer the number of set bits among ``bit_size`` bits at ``bit_offset``."""
    return op(bin, OP_BIT_COUNT, bit_offset=bit_offset, bit_size=bit_size, ctx=ctx)


def bit_lscan(bin: str, bit_offset: int, bit_size: int, value: bool, ctx: Ctx = None) -> Operation:
    """Answer the position (from ``bit_offset``) of the first bit equal to ``value``, or -1."""
    return op(bin, OP_BIT_LSCAN, bit_offset=bit_offset, bit_size=bit_size, val=value, ctx=ctx)


def bit_rscan(bin: str, bit_offset: int, bit_size: int, value: bool, ctx: Ctx = None) -> Operation:
    """Answer the position (from ``bit_offset``) of the last bit equal to ``value``, or -1."""
    return op(bin, OP_BIT_RSCAN, bit_offset=bit_offset, bit_size=bit_size, val=value, ctx=ctx)


def bit_get_int(bin: str, bit_offset: int, bit_size: int, signed: bool = False, ctx: Ctx = None) -> Operation:
    """Answer the ``bit_size``-bit integer (at most 64) at ``bit_offset``."""
    return op(bin, OP_BIT_GET_INT, bit_offset=bit_offset, bit_size=bit_size, signed=signed, ctx=ctx)


__all__ = [name for name in list(globals()) if name.startswith("bit_")] + ["Operation"]
