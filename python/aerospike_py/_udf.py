"""Asyncio helpers of `AsyncQuery` aggregations (`query.apply(...)`): the parts that run Python per
value, kept on the event loop's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any


async def foreach_values(values: Awaitable[list[Any]], callback: Callable[[Any], Any]) -> None:
    """Calls ``callback(value)`` per aggregation value; a callback returning False stops."""
    for value in await values:
        if callback(value) is False:
            break


async def values(values: Awaitable[list[Any]]) -> AsyncIterator[Any]:
    """The aggregation values, for ``async for``."""
    for value in await values:
        yield value
