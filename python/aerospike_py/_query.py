"""Asyncio helpers of `AsyncQuery`: the parts that run Python per record (a callback, a progress
bar) or import an optional dependency, kept on the event loop's thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


def _bar(desc: str | None) -> Any:
    if desc is None:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(unit="rec", desc=desc)


async def foreach(stream: Any, callback: Callable[[Any], Any], desc: str | None) -> None:
    """Calls ``callback(record)`` per record; a callback returning False stops the query."""
    bar = _bar(desc)
    try:
        async for record in stream:
            if bar is not None:
                bar.update(1)
            if callback(record) is False:
                break
    finally:
        stream.close()
        if bar is not None:
            bar.close()


async def results(stream: Any, desc: str | None) -> list[Any]:
    """Every record, with a progress bar."""
    bar = _bar(desc)
    out = []
    try:
        async for record in stream:
            out.append(record)
            if bar is not None:
                bar.update(1)
    finally:
        stream.close()
        if bar is not None:
            bar.close()
    return out


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
