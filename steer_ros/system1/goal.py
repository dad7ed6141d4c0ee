"""What System 1 is asked to achieve, beyond the weights and the budget.

A :class:`Goal` is per-channel and already resolved (no selectors): System 2 states
it, the guardrail checks it, System 1 tracks it exactly every step. The default
``Goal()`` is the paper's plain weighted sum, so weights-only commands are unchanged.

Objectives (the values equal the SteerCommand.OBJECTIVE_* constants):

* ``weighted_sum`` — maximize sum_i w_i I_i(P_i) subject to the budget, the floors
  and caps (a box on each channel's power) and the off channels at zero power;
* ``max_min`` — maximize the smallest MI over the channels that are not off
  (weights ignored; caps and floors still apply);
* ``min_power`` — the least total power meeting the floors and ``sum_mi_min``
  (weights ignored; needs at least one of the two).

Arrays are (N,): ``mi_floor`` in bits (0 = none), ``mi_cap`` in bits (inf = none),
``off`` bool. ``sum_mi_min`` is bits (NaN = none).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

__all__ = ["Goal", "GoalError", "Objective", "ResolvedGoal", "check_goal", "floor_power", "max_sum_mi",
           "mi_inverse"]


class GoalError(ValueError):
    """A goal that is malformed for the channels it is applied to (the text names the
    field and the channel)."""


class Objective(IntEnum):
    """Values equal SteerCommand.OBJECTIVE_*."""

    WEIGHTED_SUM = 0
    MAX_MIN = 1
    MIN_POWER = 2

    @classmethod
    def parse(cls, value) -> "Objective":
        """From an Objective, its int value, or its name ("max_min", case-insensitive)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value.strip().upper()]
            except KeyError:
                names = ", ".join(o.name.lower() for o in cls)
                raise ValueError(f"objective {value!r} is not one of {names}") from None
        return cls(int(value))


@dataclass(frozen=True)
class Goal:
    """A resolved goal; ``None`` arrays mean "none" for every channel."""

    objective: Objective = Objective.WEIGHTED_SUM
    mi_floor: np.ndarray | None = None
    mi_cap: np.ndarray | None = None
    off: np.ndarray | None = None
    sum_mi_min: float = math.nan
    extras: dict = field(default_factory=dict, compare=False)

    @property
    def is_plain(self) -> bool:
        """True for the paper's weighted sum with no floors, caps, off channels or sum floor."""
        return (self.objective == Objective.WEIGHTED_SUM and not self.has_floors and not self.has_caps
                and not self.has_off and math.isnan(self.sum_mi_min))

    @property
    def has_floors(self) -> bool:
        return self.mi_floor is not None and bool(np.any(np.asarray(self.mi_floor) > 0))

    @property
    def has_caps(self) -> bool:
        return self.mi_cap is not None and bool(np.any(np.isfinite(np.asarray(self.mi_cap, dtype=float))))

    @property
    def has_off(self) -> bool:
        return self.off is not None and bool(np.any(np.asarray(self.off, dtype=bool)))

    def floors(self, n: int) -> np.ndarray:
        """(n,) floors in bits, zeros where none."""
        return np.zeros(n) if self.mi_floor is None else np.asarray(self.mi_floor, dtype=float)

    def caps(self, n: int) -> np.ndarray:
        """(n,) caps in bits, inf where none."""
        return np.full(n, np.inf) if self.mi_cap is None else np.asarray(self.mi_cap, dtype=float)

    def off_mask(self, n: int) -> np.ndarray:
        """(n,) bool, True where the channel is shut down."""
        return np.zeros(n, dtype=bool) if self.off is None else np.asarray(self.off, dtype=bool)


@dataclass(frozen=True)
class ResolvedGoal:
    """A checked goal as (N,) arrays: floors in bits (0 = none), caps in bits (inf =
    none), off mask; sum_mi_min in bits (NaN = none)."""

    objective: Objective
    floors: np.ndarray
    caps: np.ndarray
    off: np.ndarray
    sum_mi_min: float


def _goal_array(name: str, value, n: int, fill) -> np.ndarray:
    if value is None:
        return np.full(n, fill, dtype=bool if isinstance(fill, bool) else float)
    arr = np.asarray(value, dtype=bool if isinstance(fill, bool) else float)
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise GoalError(f"{name} must have one value per channel ({n}), got shape {arr.shape}")
    return arr.copy()


def check_goal(goal: "Goal | None", n: int, max_bits: float) -> ResolvedGoal:
    """Validate ``goal`` for ``n`` channels of a constellation with ``max_bits`` =
    log2 M bits per channel; :class:`GoalError` naming the field and channel (1-based).

    Rules: floors in [0, log2 M], caps in [0, log2 M] or inf, floor <= cap, no floor on
    an off channel, sum_mi_min NaN or in [0, N log2 M], and min_power needs a floor or
    sum_mi_min. A floor of exactly log2 M passes here but is infeasible (it needs
    infinite power): feasibility is a question of the channels and the budget."""
    goal = Goal() if goal is None else goal
    try:
        objective = Objective.parse(goal.objective)
    except ValueError as exc:
        raise GoalError(str(exc)) from None
    floors = _goal_array("mi_floor", goal.mi_floor, n, 0.0)
    caps = _goal_array("mi_cap", goal.mi_cap, n, math.inf)
    off = _goal_array("off", goal.off, n, False)

    def first(mask) -> int:
        return int(np.flatnonzero(mask)[0]) + 1

    bad = ~np.isfinite(floors) | (floors < 0) | (floors > max_bits)
    if bad.any():
        i = first(bad)
        raise GoalError(f"mi_floor of channel {i} is {floors[i - 1]:g} bits, outside [0, {max_bits:g}]")
    bad = np.isnan(caps) | (caps < 0) | (np.isfinite(caps) & (caps > max_bits))
    if bad.any():
        i = first(bad)
        raise GoalError(f"mi_cap of channel {i} is {caps[i - 1]:g} bits, outside [0, {max_bits:g}] (inf = none)")
    bad = floors > caps
    if bad.any():
        i = first(bad)
        raise GoalError(f"channel {i}: mi_floor {floors[i - 1]:g} bits is above its mi_cap {caps[i - 1]:g} bits")
    bad = off & (floors > 0)
    if bad.any():
        raise GoalError(f"channel {first(bad)} is both off and floored")
    try:
        smin = float(goal.sum_mi_min)
    except (TypeError, ValueError):
        raise GoalError(f"sum_mi_min must be a number of bits, got {goal.sum_mi_min!r}") from None
    if not math.isnan(smin) and not (0.0 <= smin <= n * max_bits):
        raise GoalError(f"sum_mi_min {smin:g} bits is outside [0, {n * max_bits:g}] (N log2 M)")
    if objective == Objective.MIN_POWER and not (np.any(floors > 0) or (not math.isnan(smin) and smin > 0)):
        raise GoalError("min_power needs at least one floor (mi_floor) or sum_mi_min")
    caps = np.where(off, 0.0, caps)  # an off channel is a zero cap, exactly
    return ResolvedGoal(objective, floors, caps, off, smin)


def mi_inverse(bits, constellation: str = "qpsk") -> np.ndarray:
    """snr with I(snr) = bits (linear, any shape), from the tabulated MI.

    ``I^-1`` of the concave increasing I: 0 for bits <= 0, ``inf`` for bits >= log2 M
    (saturation is only reached asymptotically), ``bits * ln 2`` below the table
    (I ~ snr / ln 2 there), else linear interpolation of ln snr in the table's MI
    (grid step 0.005 in ln snr: relative error ~1e-5 in snr).
    """
    from steer_ros.radio.mutual_information import get_table

    table = get_table(constellation)
    bits = np.asarray(bits, dtype=float)
    i, t = _inverse_grid(constellation)
    with np.errstate(over="ignore"):
        snr = np.exp(np.interp(bits, i, t))
    snr = np.where(bits < i[0], np.maximum(bits, 0.0) * math.log(2.0), snr)
    inside = (bits > i[0]) & (bits < i[-1])
    if np.any(inside):  # one Newton step on I(snr) = bits: ~1e-6 -> ~1e-11 bits
        s = snr[inside]
        value, slope, _ = table.derivatives(s)
        snr[inside] = np.where(slope > 0, s + (bits[inside] - value) / np.maximum(slope, 1e-300), s)
    return np.where(bits >= table.bits, np.inf, snr)


def floor_power(mi_floor, gain, noise_var, off=None, constellation: str = "qpsk") -> np.ndarray:
    """(N,) least power per channel meeting its floor: L_i = I^-1(f_i) / c_i, c_i = |h_i|^2/sigma_i^2.

    0 where there is no floor (f_i <= 0) or the channel is off; inf where the floor is
    at or above log2 M or the channel has no gain. ``sum(floor_power(...))`` is the
    power the floors need: a goal is feasible at a budget P only if it is <= P.
    """
    f = np.asarray(mi_floor, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.asarray(gain, dtype=float) / np.asarray(noise_var, dtype=float)
        c = np.where(np.isfinite(c) & (c > 0), c, 0.0)
        need = np.where(f > 0, mi_inverse(f, constellation) / c, 0.0)
    need = np.where((f > 0) & (c <= 0), np.inf, need)
    if off is not None:
        need = np.where(np.asarray(off, dtype=bool), 0.0, need)
    return need


def max_sum_mi(gain, noise_var, budget: float, goal: Goal, constellation: str = "qpsk",
               iters: int = 200) -> float:
    """Largest sum_i I(c_i P_i) with sum P_i <= budget, P_i in the goal's box [L_i, U_i].

    The equal-weight mercury / water-filling with a box per channel:
    P_i(lambda) = clip(I'^-1(lambda / c_i) / c_i, L_i, U_i), lambda by bisection on
    ln lambda so that sum P_i(lambda) = budget (P = U when sum U_i <= budget).
    Returns -inf when the floors alone need more than ``budget``. Used to check a
    ``sum_mi_min`` against P_max; System 1's own solver is the reference.
    """
    from steer_ros.radio.mutual_information import get_table

    table = get_table(constellation)
    n = int(np.asarray(gain).shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.asarray(gain, dtype=float) / np.asarray(noise_var, dtype=float)
    c = np.where(np.isfinite(c) & (c > 0), c, 0.0)
    off = goal.off_mask(n) | (c <= 0)
    lo_p = floor_power(goal.floors(n), gain, noise_var, off, constellation)
    if not np.sum(lo_p) <= budget:
        return -math.inf
    caps = np.minimum(goal.caps(n), table.bits)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi_p = np.where(off, 0.0, mi_inverse(caps, constellation) / np.where(c > 0, c, 1.0))
    hi_p = np.minimum(hi_p, table.snr_hi / np.where(c > 0, c, 1.0))  # saturated: more power is wasted
    hi_p = np.where(off, 0.0, hi_p)

    def powers(log_lam: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            p = table.snr_for_slope(math.exp(log_lam) / np.where(c > 0, c, 1.0)) / np.where(c > 0, c, 1.0)
        return np.clip(np.where(off, 0.0, p), lo_p, hi_p)

    if np.sum(hi_p) <= budget:
        p = hi_p
    else:
        a, b = -60.0, 10.0  # ln lambda: I' <= 1/ln 2 times c_i, so b is above every slope
        for _ in range(iters):
            mid = 0.5 * (a + b)
            if np.sum(powers(mid)) > budget:
                a = mid
            else:
                b = mid
        p = powers(b)
    return float(np.sum(table.mi(c * p)))


@functools.lru_cache(maxsize=8)
def _inverse_grid(constellation: str) -> tuple[np.ndarray, np.ndarray]:
    """(MI, ln snr) of the table where the MI strictly increases (for np.interp)."""
    from steer_ros.radio.mutual_information import get_table

    table = get_table(constellation)
    t = table.t0 + table.h * np.arange(table.n)
    keep = np.concatenate(([True], np.diff(table.i) > 0))
    return table.i[keep], t[keep]
