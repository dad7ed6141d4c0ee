"""Goals as short text: for status details, logs and the navigator's state summary.

Channels are listed 1-based and compressed into ranges ("1-3, 7"), floors and caps
grouped by value, e.g. ``max_min; floors 1.5 bits on 1-3; off 8``.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros.channels.selectors import channel_ranges
from steer_ros.system1.goal import Goal, Objective

__all__ = ["channel_ranges", "describe_goal"]


def _grouped(values: np.ndarray, mask: np.ndarray, power: bool = False) -> str:
    groups = []
    for value in sorted(set(values[mask].tolist())):
        unit = "" if power else (" bit" if value == 1 else " bits")
        groups.append(f"{value:g}{unit} on {channel_ranges(np.flatnonzero(mask & (values == value)))}")
    return "; ".join(groups)


def describe_goal(goal: Goal) -> str:
    """One line: objective (alpha_fair with its alpha), then floors, caps, off
    channels, the sum-MI floor and power caps if any."""
    parts = [goal.objective.name.lower()]
    if goal.objective == Objective.ALPHA_FAIR:
        parts[0] += f" (alpha {goal.alpha:g})"
    if goal.has_floors:
        f = np.asarray(goal.mi_floor, dtype=float)
        parts.append("floors " + _grouped(f, f > 0))
    if goal.has_caps:
        u = np.asarray(goal.mi_cap, dtype=float)
        parts.append("caps " + _grouped(u, np.isfinite(u)))
    if goal.has_off:
        parts.append("off " + channel_ranges(np.flatnonzero(goal.off_mask(len(goal.off)))))
    if not math.isnan(goal.sum_mi_min):
        parts.append(f"sum MI >= {goal.sum_mi_min:g} bits")
    if goal.has_power_caps:
        pc = np.asarray(goal.power_cap, dtype=float)
        parts.append("power caps " + _grouped(pc, np.isfinite(pc), power=True))
    return "; ".join(parts)
