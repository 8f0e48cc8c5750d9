"""Masking for `LazyBatchRecords.to_numpy`: the native side fills the data and a (rows, fields)
mask; this turns them into a NumPy masked array, or fills the holes when the caller asked to."""

from __future__ import annotations

from typing import Any

import numpy as np


def masked(data: np.ndarray, mask: np.ndarray, structured: bool, fill_value: Any = None) -> Any:
    if structured:
        full = np.zeros(data.shape, dtype=np.ma.make_mask_descr(data.dtype))
        for i, name in enumerate(data.dtype.names):
            field = full[name]
            flags = mask[:, i].reshape((-1,) + (1,) * (field.ndim - 1))
            full[name] = np.broadcast_to(flags, field.shape)
        mask = full
    result = np.ma.MaskedArray(data, mask=mask)
    if fill_value is not None:
        return result.filled(fill_value)
    return result
