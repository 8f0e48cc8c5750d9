"""Secondary-index predicates for ``query.where(...)``, and the partition filters that scope a
query or scan to some partitions (and carry its resume cursor).

Each predicate needs a secondary index of the matching type on the bin (``client.index_*_create``);
a query without a predicate is a scan of the set.

>>> from aerospike_py import predicates as p
>>> p.equals("age", 30)
Predicate(kind='equals', bin='age', index_type=0, args=(30,), ctx=None)
>>> p.between("age", 18, 65).args
(18, 65)
>>> p.contains("tags", aerospike.INDEX_TYPE_LIST, "python").index_type
1

A query through an index, then a scan paginated with a cursor:

>>> for i in [0, 1, 2, 3, 4]:
...     client.put(("test", "doc_pred", i), {"age": 20 + i})
>>> client.index_integer_create("test", "doc_pred", "age", "doc_pred_age")
>>> query = client.query("test", "doc_pred").where(p.between("age", 21, 23))
>>> sorted(r.bins["age"] for r in query.results())
[21, 22, 23]
>>> scan = client.query("test", "doc_pred").paginate()
>>> scan.max_records = 2
>>> pages = []
>>> while not scan.is_done():
...     pages.append(len(scan.results()))
>>> sum(pages)
5
>>> client.index_remove("test", "doc_pred_age")
>>> client.truncate("test", "doc_pred")
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from ._native import PartitionFilter
from .constants import INDEX_TYPE_DEFAULT, INDEX_TYPE_LIST, INDEX_TYPE_MAPKEYS, INDEX_TYPE_MAPVALUES
from .types import GeoJSON

__all__ = [
    "PartitionFilter",
    "Predicate",
    "between",
    "contains",
    "equals",
    "geo_contains_geojson_point",
    "geo_contains_point",
    "geo_within_geojson_region",
    "geo_within_radius",
    "geo_within_region",
    "partition_filter_all",
    "partition_filter_by_id",
    "partition_filter_by_key",
    "partition_filter_by_range",
    "range",
]

_COLLECTION_TYPES = (INDEX_TYPE_DEFAULT, INDEX_TYPE_LIST, INDEX_TYPE_MAPKEYS, INDEX_TYPE_MAPVALUES)


class Predicate(NamedTuple):
    """One secondary-index filter: what ``query.where()`` takes. Build it with the functions of
    this module rather than by hand; the query checks it before anything is sent."""

    kind: str
    bin: str
    index_type: int
    args: tuple[Any, ...]
    ctx: list[Any] | None


def _index_type(index_type: int) -> int:
    if isinstance(index_type, bool) or index_type not in _COLLECTION_TYPES:
        raise ValueError(
            f"index_type must be INDEX_TYPE_DEFAULT, INDEX_TYPE_LIST, INDEX_TYPE_MAPKEYS or "
            f"INDEX_TYPE_MAPVALUES, not {index_type!r}"
        )
    return index_type


def _geojson(value: str | GeoJSON | dict[str, Any], what: str) -> str:
    if isinstance(value, GeoJSON):
        return value.json
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{what} is GeoJSON text, a GeoJSON object or a dict, not {type(value).__name__}")


def equals(bin_name: str, val: int | str | bytes, ctx: Sequence[Any] | None = None) -> Predicate:
    """Records whose bin equals ``val`` (int, str or bytes), through an integer, string or blob
    index on the bin. ``ctx`` names a value nested in a list or map bin (the index's context)."""
    return Predicate("equals", bin_name, INDEX_TYPE_DEFAULT, (val,), None if ctx is None else list(ctx))


def between(bin_name: str, min_val: int, max_val: int, ctx: Sequence[Any] | None = None) -> Predicate:
    """Records whose integer bin is in ``[min_val, max_val]`` (both included), through an integer
    index."""
    return Predicate("between", bin_name, INDEX_TYPE_DEFAULT, (min_val, max_val), None if ctx is None else list(ctx))


def contains(bin_name: str, index_type: int, val: int | str | bytes, ctx: Sequence[Any] | None = None) -> Predicate:
    """Records whose list (``INDEX_TYPE_LIST``), map keys (``INDEX_TYPE_MAPKEYS``) or map values
    (``INDEX_TYPE_MAPVALUES``) contain ``val``, through a collection index of that type."""
    return Predicate("contains", bin_name, _index_type(index_type), (val,), None if ctx is None else list(ctx))


def range(  # noqa: A001 - the official client's name
    bin_name: str, index_type: int, min_val: int, max_val: int, ctx: Sequence[Any] | None = None
) -> Predicate:
    """Records whose collection (list, map keys or map values, per ``index_type``) holds an
    integer in ``[min_val, max_val]``."""
    return Predicate("between", bin_name, _index_type(index_type), (min_val, max_val), None if ctx is None else list(ctx))


def geo_within_region(
    bin_name: str, region: str | GeoJSON | dict[str, Any], index_type: int = INDEX_TYPE_DEFAULT
) -> Predicate:
    """Records whose GeoJSON point bin lies inside ``region`` (a GeoJSON Polygon or AeroCircle),
    through a geo2dsphere index."""
    return Predicate("geo_within_region", bin_name, _index_type(index_type), (_geojson(region, "region"),), None)


def geo_within_radius(
    bin_name: str, lng: float, lat: float, radius: float, index_type: int = INDEX_TYPE_DEFAULT
) -> Predicate:
    """Records whose GeoJSON point bin lies within ``radius`` metres of (``lng``, ``lat``).
    Longitude comes first, as in GeoJSON and the official client."""
    args = (float(lng), float(lat), float(radius))
    return Predicate("geo_within_radius", bin_name, _index_type(index_type), args, None)


def geo_contains_geojson_point(
    bin_name: str, point: str | GeoJSON | dict[str, Any], index_type: int = INDEX_TYPE_DEFAULT
) -> Predicate:
    """Records whose GeoJSON region bin contains ``point`` (GeoJSON Point text or object)."""
    return Predicate("geo_contains_point", bin_name, _index_type(index_type), (_geojson(point, "point"),), None)


def geo_contains_point(bin_name: str, lng: float, lat: float, index_type: int = INDEX_TYPE_DEFAULT) -> Predicate:
    """Records whose GeoJSON region bin contains the point (``lng``, ``lat``)."""
    point = json.dumps({"type": "Point", "coordinates": [float(lng), float(lat)]})
    return Predicate("geo_contains_point", bin_name, _index_type(index_type), (point,), None)


geo_within_geojson_region = geo_within_region
"""The official client's name for `geo_within_region`."""


def partition_filter_all() -> PartitionFilter:
    """Every partition (what a query reads by default)."""
    return PartitionFilter.all()


def partition_filter_by_id(partition_id: int) -> PartitionFilter:
    """One partition, ``0 <= partition_id < 4096``."""
    return PartitionFilter.by_id(partition_id)


def partition_filter_by_range(begin: int, count: int) -> PartitionFilter:
    """``count`` partitions from ``begin``."""
    return PartitionFilter.by_range(begin, count)


def partition_filter_by_key(key: tuple[Any, ...]) -> PartitionFilter:
    """The records after ``key``'s digest in ``key``'s partition (a scan cursor)."""
    return PartitionFilter.by_key(key)
