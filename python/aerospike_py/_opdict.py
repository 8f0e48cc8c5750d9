"""The operation dicts the helper modules build: ``{"op": code, "bin": name, ...}``.

Internal: ``list_operations``, ``map_operations``, ``bit_operations``, ``hll_operations`` and
``exp`` share this builder, and the extension decodes each dict (checking every field) before
anything is sent.

>>> op("l", 1001, val=1, ctx=None)
{'op': 1001, 'bin': 'l', 'val': 1}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cdt_ctx import CDTContext, ctx_list

Operation = dict[str, Any]
"""An operation dict for ``operate()``, ``operate_ordered()`` and ``batch_operate()``."""


def op(bin: str, code: int, *, ctx: Sequence[CDTContext] | None = None, inverted: bool = False, **fields: Any) -> Operation:
    """An operation dict: ``ctx`` only when given, ``inverted`` only when true, and fields whose
    value is ``...`` (not given) left out.

    >>> op("m", 2017, ctx=[(0x22, "a")], count=...)
    {'op': 2017, 'bin': 'm', 'ctx': [CDTContext(id=34, value='a')]}
    """
    out: Operation = {"op": code, "bin": bin}
    for name, value in fields.items():
        if value is not ...:
            out[name] = value
    if inverted:
        out["inverted"] = True
    steps = ctx_list(ctx)
    if steps:
        out["ctx"] = steps
    return out
