"""Input validation shared by the core and the node boundaries.

Every check raises :class:`InvalidInput` (a ValueError) whose message names the field
and the offending value, so a diagnostic can say exactly what was wrong and nothing
malformed reaches a core.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np


class InvalidInput(ValueError):
    """A field failed validation; ``field`` names it."""

    def __init__(self, field: str, detail: str):
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def _describe(values: np.ndarray, mask: np.ndarray) -> str:
    index = int(np.flatnonzero(mask)[0])
    return f"[{index}] = {values[index].item()!r}"  # a Python scalar: "nan", not "np.float64(nan)"


def check_array(field: str, values: Iterable[float], n: int | None = None) -> np.ndarray:
    """A finite 1-D float array (of length n if given)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(field, f"not an array of numbers ({exc})") from None
    if array.ndim != 1:
        raise InvalidInput(field, f"must be one-dimensional, got shape {array.shape}")
    if n is not None and array.shape[0] != n:
        raise InvalidInput(field, f"expected {n} values, got {array.shape[0]}")
    bad = ~np.isfinite(array)
    if bad.any():
        raise InvalidInput(field, f"non-finite value {_describe(array, bad)}")
    return array


def check_positive_array(
    field: str, values: Iterable[float], n: int | None = None, allow_zero: bool = False
) -> np.ndarray:
    """A finite array of positive values (zero allowed if ``allow_zero``)."""
    array = check_array(field, values, n)
    bad = array < 0 if allow_zero else array <= 0
    if bad.any():
        sign = "negative" if allow_zero else "non-positive"
        raise InvalidInput(field, f"{sign} value {_describe(array, bad)}")
    return array


def check_channel_arrays(
    gain: Sequence[float],
    noise_var: Sequence[float],
    source: Sequence[int] | None = None,
    gain_var: Sequence[float] | None = None,
    max_channels: int = 65536,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate one ChannelState's arrays; empty source/gain_var default to 0."""
    n = len(gain)
    if n == 0:
        raise InvalidInput("gain", "empty: at least one channel is needed")
    if n > max_channels:
        raise InvalidInput("gain", f"{n} channels exceed the limit of {max_channels}")
    gain_a = check_positive_array("gain", gain, allow_zero=True)
    noise_a = check_positive_array("noise_var", noise_var)
    if noise_a.shape[0] != n:
        raise InvalidInput("noise_var", f"expected {n} values (one per gain), got {noise_a.shape[0]}")
    if source is None or len(source) == 0:
        source_a = np.zeros(n, dtype=np.uint8)
    else:
        source_a = np.asarray(source, dtype=np.int64)
        if source_a.shape != (n,):
            raise InvalidInput("source", f"expected {n} values (one per gain), got {source_a.shape[0]}")
        if ((source_a < 0) | (source_a > 1)).any():
            raise InvalidInput("source", f"unknown source {_describe(source_a, (source_a < 0) | (source_a > 1))}")
        source_a = source_a.astype(np.uint8)
    if gain_var is None or len(gain_var) == 0:
        gain_var_a = np.zeros(n)
    else:
        gain_var_a = check_positive_array("gain_var", gain_var, n, allow_zero=True)
    return gain_a, noise_a, source_a, gain_var_a
