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
  (weights ignored; needs at least one of the two);
* ``alpha_fair`` — maximize sum_i w_i U_alpha(I_i), U_alpha(x) = x^(1-alpha)/(1-alpha)
  (log x for alpha = 1), alpha in [0, 20]: 0 = the weighted sum rate, 1 =
  proportional fairness, large = towards max-min.

Arrays are (N,): ``mi_floor`` in bits (0 = none), ``mi_cap`` in bits (inf = none),
``off`` bool, ``power_cap`` linear power (inf = none; a spectral mask, in every
objective). ``sum_mi_min`` is bits (NaN = none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import channel_ranges

__all__ = ["Goal", "GoalError", "Objective", "ResolvedGoal", "check_goal"]


class GoalError(ValueError):
    """A goal that is malformed for the channels it is applied to, or (from the
    guardrail) infeasible. ``code`` is a reason code (``wrong_length``, ``bad_goal``,
    ``bad_alpha``, ``bad_power_cap``, ``goal_conflict``, ``goal_incomplete``,
    ``power_cap_below_floor``, ``infeasible_goal``), ``detail`` names the field and the
    channel; ``str(err)`` is ``"code: detail"``."""

    def __init__(self, detail: str, code: str = "bad_goal"):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class Objective(IntEnum):
    """Values equal SteerCommand.OBJECTIVE_*."""

    WEIGHTED_SUM = 0
    MAX_MIN = 1
    MIN_POWER = 2
    ALPHA_FAIR = 3

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
    alpha: float = defaults.ALPHA_FAIR_DEFAULT
    power_cap: np.ndarray | None = None
    #: The channel sets as stated, when ranked (:class:`~steer_ros.system1.ranked_goal.GoalSelectors`):
    #: System 1 re-resolves them at every channel update; the arrays above hold one resolution.
    selectors: object = field(default=None, compare=False)

    @property
    def is_plain(self) -> bool:
        """True for the paper's weighted sum with no floors, caps, off channels, power
        caps or sum floor."""
        return (self.objective == Objective.WEIGHTED_SUM and not self.has_floors and not self.has_caps
                and not self.has_off and not self.has_power_caps and math.isnan(self.sum_mi_min))

    @property
    def has_power_caps(self) -> bool:
        if self.power_cap is None:
            return False
        with np.errstate(invalid="ignore"):
            return bool(np.any(~(np.asarray(self.power_cap, dtype=float) == np.inf)))

    def power_caps(self, n: int) -> np.ndarray:
        """(n,) power caps (linear), inf where none."""
        return np.full(n, np.inf) if self.power_cap is None else np.asarray(self.power_cap, dtype=float)

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
    #: How the goal was read where not literally (floors dropped on off channels, caps
    #: at or above log2 M dropped); empty when taken as stated.
    notes: tuple[str, ...] = ()
    alpha: float = defaults.ALPHA_FAIR_DEFAULT
    power_cap: np.ndarray | None = None  # (N,) linear power, inf = none (0 on off channels)

    def as_goal(self) -> Goal:
        """The same goal as a :class:`Goal`."""
        return Goal(self.objective, self.floors, self.caps, self.off, self.sum_mi_min, alpha=self.alpha,
                    power_cap=self.power_cap)


def _goal_array(name: str, value, n: int, fill) -> np.ndarray:
    if value is None:
        return np.full(n, fill, dtype=bool if isinstance(fill, bool) else float)
    try:
        arr = np.asarray(value, dtype=bool if isinstance(fill, bool) else float)
    except (TypeError, ValueError):
        raise GoalError(f"{name} is not an array of numbers") from None
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise GoalError(f"{name} has {arr.size} entries for {n} channels (one value per channel)", "wrong_length")
    return arr.copy()


def check_goal(goal: "Goal | None", n: int, max_bits: float) -> ResolvedGoal:
    """Validate ``goal`` for ``n`` channels of a constellation with ``max_bits`` =
    log2 M bits per channel; :class:`GoalError` naming the field and channel (1-based).

    Rules: floors in [0, log2 M], caps >= 0 (inf = none), floor <= cap, sum_mi_min NaN
    or in [0, N log2 M], min_power needs a floor or sum_mi_min, alpha finite in
    [0, 20] (``bad_alpha``), power caps >= 0 or inf (``bad_power_cap``). Whether a
    power cap leaves room for its channel's floor depends on the channel: the
    guardrail checks it (``power_cap_below_floor``). A floor of exactly log2 M passes
    here but is infeasible (it needs infinite power): feasibility is a question of the
    channels and the budget.

    Read with one obvious meaning (a note in ``notes``, not an error): off wins over a
    floor on the same channel (the floors apply to the channels that are on: "all
    above 0.5 bit" beside "weakest 10% off"); a cap at or above log2 M bounds nothing
    and is dropped."""
    goal = Goal() if goal is None else goal
    try:
        objective = Objective.parse(goal.objective)
    except ValueError as exc:
        raise GoalError(str(exc)) from None
    floors = _goal_array("mi_floor", goal.mi_floor, n, 0.0)
    caps = _goal_array("mi_cap", goal.mi_cap, n, math.inf)
    off = _goal_array("off", goal.off, n, False)
    pcap = _goal_array("power_cap", getattr(goal, "power_cap", None), n, math.inf)
    try:
        alpha = float(getattr(goal, "alpha", defaults.ALPHA_FAIR_DEFAULT))
    except (TypeError, ValueError):
        raise GoalError(f"alpha {goal.alpha!r} is not a number", "bad_alpha") from None

    def first(mask) -> int:
        return int(np.flatnonzero(mask)[0]) + 1

    bad = ~np.isfinite(floors) | (floors < 0) | (floors > max_bits)
    if bad.any():
        i = first(bad)
        raise GoalError(f"floor {floors[i - 1]:g} bits on channel {i} is outside [0, {max_bits:g}] "
                        f"(mi_floor of channel {i})")
    bad = np.isnan(caps) | (caps < 0)
    if bad.any():
        i = first(bad)
        raise GoalError(f"cap {caps[i - 1]:g} bits on channel {i} is outside [0, {max_bits:g}] "
                        f"(mi_cap of channel {i}; inf = none)")
    if not (math.isfinite(alpha) and 0.0 <= alpha <= defaults.ALPHA_FAIR_MAX):
        raise GoalError(f"alpha {alpha:g} is outside [0, {defaults.ALPHA_FAIR_MAX:g}] "
                        "(1 = proportional fairness, 0 = sum rate)", "bad_alpha")
    bad = np.isnan(pcap) | (pcap < 0)
    if bad.any():
        i = first(bad)
        raise GoalError(f"power cap {pcap[i - 1]:g} on channel {i} is not >= 0 (power_cap of channel {i}; "
                        "inf = none)", "bad_power_cap")
    notes: list[str] = []
    loose = np.isfinite(caps) & (caps >= max_bits)
    if loose.any():
        notes.append(f"cap{'s' if loose.sum() > 1 else ''} >= {max_bits:g} bits (log2 M) on "
                     f"channel{'s' if loose.sum() > 1 else ''} {channel_ranges(np.flatnonzero(loose))} "
                     "bound nothing: dropped")
        caps = np.where(loose, math.inf, caps)
    try:
        smin = float(goal.sum_mi_min)
    except (TypeError, ValueError):
        raise GoalError(f"sum_mi_min {goal.sum_mi_min!r} is not a number") from None
    if not math.isnan(smin) and not (0.0 <= smin <= n * max_bits):
        raise GoalError(f"sum_mi_min {smin:g} bits is outside [0, {n * max_bits:g}] ({n} x {max_bits:g})")
    bad = off & (floors > 0)
    if bad.any():
        many = int(bad.sum()) > 1
        notes.append(f"off wins over the floor on channel{'s' if many else ''} "
                     f"{channel_ranges(np.flatnonzero(bad))} (floors kept on the channels that are on)")
        floors = np.where(off, 0.0, floors)
    bad = floors > caps
    if bad.any():
        i = first(bad)
        raise GoalError(f"floor {floors[i - 1]:g} > cap {caps[i - 1]:g} bits on channel {i} "
                        f"(channel {i}: mi_floor is above its mi_cap)", "goal_conflict")
    if objective == Objective.MIN_POWER and not (np.any(floors > 0) or (not math.isnan(smin) and smin > 0)):
        raise GoalError("min_power needs floors or sum_mi_min (least power for what?)", "goal_incomplete")
    caps = np.where(off, 0.0, caps)  # an off channel is a zero cap, exactly
    pcap = np.where(off, 0.0, pcap)
    return ResolvedGoal(objective, floors, caps, off, smin, tuple(notes), alpha, pcap)
