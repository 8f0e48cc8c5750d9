"""Asyncio helpers of `AsyncQuery`: the parts that run Python per record (a callback) or import
an optional dependency, kept on the event loop's thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


async def foreach(stream: Any, callback: Callable[[Any], Any]) -> None:
    """Calls ``callback(record)`` per record; a callback returning False stops the query. The
    stream counts records on its own progress bar, when it has one."""
    try:
        async for record in stream:
            if callback(record) is False:
                break
    finally:
        stream.close()


async def results(stream: Any) -> list[Any]:
    """Every record (the stream keeps its progress bar)."""
    try:
        return [record async for record in stream]
    finally:
        stream.close()


async def to_frame(table: Awaitable[Any], kind: str) -> Any:
    """The awaited Arrow table as a pyarrow Table, pandas or Polars DataFrame."""
    data = await table
    if kind == "polars":
        import polars

        return polars.DataFrame(data)
    import pyarrow

    arrow = pyarrow.table(data)
    if kind == "pandas":
        return arrow.to_pandas(split_blocks=True)
    return arrow
