"""The result types of aerospike-py: plain NamedTuples, so they unpack like the official client's
tuples and print, compare and pickle like any tuple.

>>> from aerospike_py.types import Record, RecordMetadata
>>> key, meta, bins = Record(None, RecordMetadata(gen=1, ttl=4294967295), {"a": 1})
>>> meta.gen, bins["a"]
(1, 1)
"""

from __future__ import annotations

import json as _json
from typing import Any, NamedTuple


class Key(NamedTuple):
    """A record's key as the client returns it: ``(namespace, set, user_key, digest)``.

    ``user_key`` is None unless the key was sent (policy ``key=POLICY_KEY_SEND``) or given;
    ``digest`` is the 20-byte RIPEMD-160 digest that locates the record.
    """

    namespace: str
    set: str | None
    user_key: str | int | bytes | None
    digest: bytes


class RecordMetadata(NamedTuple):
    """A record's generation and time to live in seconds (4294967295: never expires, as the
    official client reports it)."""

    gen: int
    ttl: int


class Record(NamedTuple):
    """A record: ``key, meta, bins = client.get(key)``."""

    key: Key | None
    meta: RecordMetadata | None
    bins: dict[str, Any] | None


class ExistsResult(NamedTuple):
    """The answer of ``exists()``: ``meta`` is None when the record does not exist."""

    key: Key | None
    meta: RecordMetadata | None


class BinTuple(NamedTuple):
    """One result of ``operate_ordered()``: the bin an operation read, and its value."""

    name: str
    value: Any


class OperateOrderedResult(NamedTuple):
    """The answer of ``operate_ordered()``: one ``BinTuple`` per operation that returned a value."""

    key: Key | None
    meta: RecordMetadata | None
    ordered_bins: list[BinTuple]





class BatchRecord(NamedTuple):
    """One key's outcome in a batch: ``result`` is its result code (0: ok, 2: not found, 27:
    filtered out, ...), ``record`` the record when there is one, ``in_doubt`` True when a write
    may have been applied although it failed."""

    key: Key
    result: int
    record: Record | None
    in_doubt: bool


class BatchWriteResult(NamedTuple):
    """The answer of ``batch_operate``, ``batch_remove``, ``batch_write`` and friends."""

    batch_records: list[BatchRecord]


class GeoJSON:
    """A GeoJSON value, stored in the GeoJSON particle type that geo indexes and queries use.

    >>> point = GeoJSON({"type": "Point", "coordinates": [103.9, 1.3]})
    >>> point.json
    '{"type": "Point", "coordinates": [103.9, 1.3]}'
    >>> point == GeoJSON(point.json)
    True
    """

    __slots__ = ("json",)

    def __init__(self, value: str | dict[str, Any]) -> None:
        if isinstance(value, dict):
            value = _json.dumps(value)
        elif not isinstance(value, str):
            raise TypeError(f"GeoJSON takes a JSON string or a dict, not {type(value).__name__}")
        self.json: str = value

    def unwrap(self) -> dict[str, Any]:
        """The GeoJSON object as a dict."""
        return _json.loads(self.json)

    def dumps(self) -> str:
        """The GeoJSON text (the name the official client uses)."""
        return self.json

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GeoJSON) and other.json == self.json

    def __hash__(self) -> int:
        return hash(self.json)

    def __repr__(self) -> str:
        return f"GeoJSON({self.json!r})"

    def __str__(self) -> str:
        return self.json


class HyperLogLog(bytes):
    """The bytes of a HyperLogLog bin, kept distinct from a plain blob so it is written back as HLL."""

    def __repr__(self) -> str:
        return f"HyperLogLog({bytes(self)!r})"

__all__ = [
    "Key",
    "RecordMetadata",
    "Record",
    "ExistsResult",
    "BinTuple",
    "OperateOrderedResult",
    "BatchRecord",
    "BatchWriteResult",
    "GeoJSON",
    "HyperLogLog",
]
