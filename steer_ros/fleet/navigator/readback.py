"""The fleet read-back: one canonical sentence made from the directive (never from the
backend's prose), at most FLEET_READBACK_MAX_CHARS characters at any K, e.g.

    radio 2 off; radio 3 first (priority 4); floors 8 bits on every radio; cap 60% of C (was 100%)

Order: radios off; priorities (a single highest one reads "first", a single lowest
"last"; equal ones "equal priorities"); sum-MI floors; budget boxes narrower than
configured; the cap as a share of the configured C, with "(was ...)" when it changed.
Radios are written as 1-based ranges; a long list is cut to its first ranges and a
count ("radios 1, 3, 5, ... (+509)"), each part to a few groups, so the sentence is
bounded however the K values fall.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import channel_ranges
from steer_ros.fleet.navigator.directive import FleetDirective
from steer_ros.fleet.navigator.snapshot import FleetLimits

_MAX_GROUPS = 3  # distinct values listed per part; the rest are counted
_RANGES_CHARS = 36  # radio ranges per group before "... (+n)"


def readback(d: FleetDirective, limits: FleetLimits, previous: FleetDirective | None = None,
             max_chars: int = defaults.FLEET_READBACK_MAX_CHARS) -> str:
    """The directive in one line (see the module docstring)."""
    k = d.k
    on = ~np.asarray(d.off, dtype=bool)
    parts = []
    if np.any(~on):
        parts.append(f"{radio_list(np.flatnonzero(~on), k)} off")
    parts.append(_priorities(np.asarray(d.priority, float), on, k))
    floors = _groups(np.asarray(d.rate_floor, float), on & (np.asarray(d.rate_floor) > 0), k,
                     lambda v: f"{_num(v)} bits", "floor", int(on.sum()))
    if floors:
        parts.append(floors)
    boxes = _boxes(d, limits, on, k)
    if boxes:
        parts.append(boxes)
    parts.append(_cap(d, limits, previous))
    text = "; ".join(parts)
    return text if len(text) <= max_chars else text[: max_chars - 3].rstrip("; ,") + "..."


def _num(value: float) -> str:
    return f"{value:.4g}"


def radio_list(idx, k: int, every: int | None = None) -> str:
    """Radios by number; ``every``: how many radios make "every radio" (the radios on)."""
    idx = np.asarray(idx, dtype=int)
    if idx.size == (k if every is None else every) and idx.size > 1:
        return "every radio"
    if idx.size == 1:
        return f"radio {int(idx[0]) + 1}"
    text = channel_ranges(idx)
    if len(text) > _RANGES_CHARS:
        shown, count = [], 0
        for piece in text.split(", "):
            if len(", ".join(shown + [piece])) > _RANGES_CHARS - 12:
                break
            shown.append(piece)
            lo, _, hi = piece.partition("-")
            count += int(hi or lo) - int(lo) + 1
        text = f"{', '.join(shown)}, ... (+{idx.size - count})"
    return f"radios {text}"


def _priorities(priority: np.ndarray, on: np.ndarray, k: int) -> str:
    live = priority[on]
    if live.size == 0 or np.all(live == live[0]):
        return "equal priorities" if live.size == 0 or live[0] == 1 else f"equal priorities ({_num(live[0])})"
    parts = []
    top, bottom = live.max(), live.min()
    rest = on.copy()
    for value, word in ((top, "first"), (bottom, "last")):
        idx = np.flatnonzero(on & (priority == value))
        if idx.size == 1 and value != 1:
            parts.append(f"radio {idx[0] + 1} {word} (priority {_num(value)})")
            rest[idx] = False
    others = _groups(priority, rest & (priority != 1), k, lambda v: f"priority {_num(v)}", None, int(on.sum()))
    if others:
        parts.append(others)
    return "; ".join(parts)


def _groups(values: np.ndarray, mask: np.ndarray, k: int, say, singular: str | None, every: int) -> str:
    """"<say(v)> on <radios>" for each distinct value under the mask, largest first."""
    if not np.any(mask):
        return ""
    distinct = sorted(set(values[mask].tolist()), reverse=True)
    parts = []
    for value in distinct[:_MAX_GROUPS]:
        idx = np.flatnonzero(mask & (values == value))
        plural = idx.size == every and every > 1
        label = say(value) if singular is None else f"{singular}{'s' if plural else ''} {say(value)}"
        parts.append(f"{label} on {radio_list(idx, k, every)}")
    if len(distinct) > _MAX_GROUPS:
        parts.append(f"{len(distinct) - _MAX_GROUPS} more values")
    return "; ".join(parts) if singular is None else ", ".join(parts)


def _boxes(d: FleetDirective, limits: FleetLimits, on: np.ndarray, k: int) -> str:
    lo, hi = np.asarray(d.p_min, float), np.asarray(d.p_max, float)
    narrowed = on & ((lo != limits.p_min) | (hi != limits.p_max))
    if not np.any(narrowed):
        return ""
    boxes = sorted({(float(a), float(b)) for a, b in zip(lo[narrowed], hi[narrowed], strict=True)})
    parts = []
    for a, b in boxes[:_MAX_GROUPS]:
        idx = np.flatnonzero(narrowed & (lo == a) & (hi == b))
        upper = "inf" if math.isinf(b) else _num(b)
        parts.append(f"budget {_num(a)}-{upper} on {radio_list(idx, k, int(on.sum()))}")
    if len(boxes) > _MAX_GROUPS:
        parts.append(f"{len(boxes) - _MAX_GROUPS} more boxes")
    return ", ".join(parts)


def _share(cap: float, limits: FleetLimits) -> str:
    cap = limits.cap if math.isnan(cap) else cap
    return f"{100.0 * cap / limits.cap:.3g}%"


def _cap(d: FleetDirective, limits: FleetLimits, previous: FleetDirective | None) -> str:
    text = f"cap {_share(d.cap, limits)} of C"
    if previous is not None:
        was = _share(previous.cap, limits)
        if was != _share(d.cap, limits):
            text += f" (was {was})"
    return text
