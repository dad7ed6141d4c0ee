"""The read-back: one canonical sentence made from a command itself, never from the
backend's prose, so an operator can check what will be done before trusting why.

``channel 8 off; equal weights on 1-7; budget 40 (was 30)``

Parts, in order: channels off; MI floors and caps by channel (ranges of channels, a
floor and a cap on the same channels as a range of bits); the total-MI floor; power
caps; the objective where it is not the weighted sum; the weights of the channels
that are on, ranked from the largest ("equal" when they are); the budget and its
change from ``previous``. Channel sets are ranges ("1-3, 7"), or a count with the
first few where the ranges would be long, so the sentence stays within
:data:`READBACK_MAX_CHARS` at any N (4096 subcarriers included).
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros.channels.selectors import channel_ranges
from steer_ros.system2.steer_decision import SteerDecision

__all__ = ["READBACK_MAX_CHARS", "readback", "safe_readback"]

#: Longest read-back (characters): a line an operator reads at a glance.
READBACK_MAX_CHARS = 300
_SET_CHARS = 40  # a channel set longer than this as ranges is written as a count
_MAX_GROUPS = 3  # distinct floor / cap / weight levels listed before summarizing
_FAINT_WEIGHT = 1e-3  # a weight below this share of the largest reads as "near 0"


def _on(idx: np.ndarray) -> str:
    """A channel set as ranges ("1-3,7"), or as a count with the first few where the
    ranges would be long ("410 channels (3,17,21,...)")."""
    idx = np.asarray(idx, dtype=int)
    ranges = channel_ranges(idx).replace(" ", "")
    if len(ranges) <= _SET_CHARS:
        return ranges
    return f"{idx.size} channels ({','.join(str(int(i) + 1) for i in np.sort(idx)[:3])},...)"


def _channels(idx: np.ndarray) -> str:
    text = _on(idx)
    if text[0].isdigit() and "channels (" in text:
        return text
    return ("channel " if np.asarray(idx).size == 1 else "channels ") + text


def _num(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _bits(x: float) -> str:
    return f"{_num(x)} bit" if _num(x) == "1" else f"{_num(x)} bits"


def _levels(values: np.ndarray, mask: np.ndarray, what: str) -> list[str]:
    """"floor 1.5 bits on 1-4" per distinct level, largest first (at most _MAX_GROUPS)."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    rounded = np.round(values[idx], 3)
    levels = sorted(set(rounded.tolist()), reverse=True)
    if len(levels) > _MAX_GROUPS:
        return [f"{what} {_num(min(levels))}-{_bits(max(levels))} on {_on(idx)}"]
    return [f"{what} {_bits(v)} on {_on(idx[rounded == v])}" for v in levels]


def _bounds(floor: np.ndarray, cap: np.ndarray, off: np.ndarray) -> list[str]:
    has_f = (floor > 0) & ~off
    has_c = np.isfinite(cap) & ~off
    both = has_f & has_c
    parts: list[str] = []
    if both.any():
        pairs = sorted({(round(float(floor[i]), 3), round(float(cap[i]), 3)) for i in np.flatnonzero(both)})
        if len(pairs) <= _MAX_GROUPS:
            for lo, hi in pairs:
                sel = both & (np.round(floor, 3) == lo) & (np.round(cap, 3) == hi)
                parts.append(f"MI {_num(lo)}-{_num(hi)} bits on {_on(np.flatnonzero(sel))}")
        else:
            parts.append(f"MI floors and caps on {_on(np.flatnonzero(both))}")
    parts += _levels(floor, has_f & ~both, "MI at least")
    parts += _levels(cap, has_c & ~both, "MI at most")
    return parts


def _weights(w: np.ndarray, on: np.ndarray) -> str:
    idx = np.flatnonzero(on)
    if idx.size == 0:
        return ""
    ws = w[idx]
    if not np.all(np.isfinite(ws)) or ws.max() <= 0:
        return ""
    faint = ws < _FAINT_WEIGHT * ws.max()
    if faint.any():
        # a weight fading out (the guardrail smooths a shutdown over several calls) reads as
        # "near 0", not as a ratio of millions to the others
        strong = np.array(on, dtype=bool)
        strong[idx[faint]] = False
        rest = _weights(w, strong)
        return ", ".join(part for part in (rest, f"weight near 0 on {_on(idx[faint])}") if part)
    rel = ws / ws[ws > 0].min() if (ws > 0).any() else ws
    if np.allclose(rel, rel[0], rtol=1e-3):
        return f"equal weights on {_on(idx)}"
    levels = np.round(rel, 2)
    distinct = sorted(set(levels.tolist()), reverse=True)
    if len(distinct) <= _MAX_GROUPS:
        groups = [f"{_num(v)} on {_on(idx[levels == v])}" for v in distinct]
        return "weights " + ", ".join(groups)
    top, low = idx[np.argmax(rel)], idx[np.argmin(rel)]
    return (f"weights from {_num(rel.max())} (channel {top + 1}) down to 1 (channel {low + 1}), "
            f"{len(distinct)} levels")


def readback(cmd: SteerDecision, n: int, previous: SteerDecision | None = None) -> str:
    """The canonical sentence for ``cmd`` on N channels (at most READBACK_MAX_CHARS)."""
    goal = cmd.goal
    w = np.asarray(cmd.weights, dtype=float).ravel()
    if w.shape[0] != n:
        w = np.full(n, np.nan)
    off = goal.off_mask(n) | (np.isfinite(w) & (w == 0))
    parts: list[str] = []
    if off.any():
        parts.append(f"{_channels(np.flatnonzero(off))} off")
    parts += _bounds(goal.floors(n), goal.caps(n), off)
    if math.isfinite(goal.sum_mi_min):
        parts.append(f"total MI at least {_bits(goal.sum_mi_min)}")
    power_cap = getattr(goal, "power_cap", None)
    if power_cap is not None:
        pc = np.asarray(power_cap, dtype=float).ravel()
        if pc.shape[0] == n and np.isfinite(pc).any():
            capped = np.flatnonzero(np.isfinite(pc) & ~off)
            levels = sorted(set(np.round(pc[capped], 3).tolist()), reverse=True)
            parts.append(f"power at most {_num(levels[0]) if len(levels) == 1 else 'set'} on {_on(capped)}")
    objective = goal.objective.name.lower()
    if objective == "max_min":
        parts.append("max-min rate")
    elif objective == "min_power":
        parts.append("least power")
    elif objective == "alpha_fair":
        parts.append(f"alpha-fair (alpha {_num(float(getattr(goal, 'alpha', 1.0)))})")
    if objective in ("weighted_sum", "alpha_fair"):
        text = _weights(w, ~off)
        if text:
            parts.append(text)
    p = float(cmd.p_total)
    if math.isfinite(p):
        budget = f"budget {p:.5g}"
        if previous is not None and math.isfinite(float(previous.p_total)) and \
                abs(float(previous.p_total) - p) > 1e-6 * max(1.0, abs(p)):
            budget += f" (was {float(previous.p_total):.5g})"
        parts.append(budget)
    else:
        parts.append("budget unchanged")
    sentence = "; ".join(parts)
    if len(sentence) > READBACK_MAX_CHARS:
        sentence = sentence[: READBACK_MAX_CHARS - 3].rstrip() + "..."
    return sentence


def safe_readback(cmd: SteerDecision, n: int, previous: SteerDecision | None = None) -> str:
    """:func:`readback`, or "" for a command it cannot describe (a malformed one that the
    guardrail refuses anyway): the read-back never stops a command from being handled."""
    try:
        return readback(cmd, n, previous)
    except Exception:  # a description must not break the path it describes
        return ""
