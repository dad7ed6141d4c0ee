"""The guardrail's checks and smoothing of goals (the per-channel arrays of a
:class:`~steer_ros.system1.goal.Goal`).

Checks, in order, each failure a :class:`GoalError` with a reason code:

=================  =========================================================
code               meaning
=================  =========================================================
wrong_length       a goal array does not have N entries
bad_goal           a value is NaN, a floor or cap outside [0, log2 M], a
                   ``sum_mi_min`` outside [0, N log2 M]
goal_conflict      floor > cap on a channel that is on, every channel off
goal_incomplete    ``min_power`` without floors or ``sum_mi_min``
bad_alpha          ``alpha`` non-finite or outside [0, 20]
bad_power_cap      a power cap negative or NaN
power_cap_below_floor  a channel's power cap is below the power its floor needs
                   (needs the channel state)
infeasible_goal    the floors need more power than P_max, or ``sum_mi_min``
                   is out of reach at P_max (needs the channel state)
=================  =========================================================

Read with one obvious meaning instead of refused (``goal.extras["notes"]`` says how,
the guardrail reports them as ``adjusted: ...``): a floor on an off channel is dropped
(off wins; the floors apply to the channels that are on), a cap at or above log2 M is
dropped (it bounds nothing).

The structural rules (every code but ``infeasible_goal`` and "every channel off") are
System 1's own :func:`steer_ros.system1.goal.check_goal`, so the guardrail and the
optimizer refuse the same goals with the same words. Feasibility uses the floors'
least power L_i = I^-1(f_i)/c_i (:func:`~steer_ros.system1.goal_optimum.floor_power`,
I^-1 = :meth:`MITable.snr_for_mi`) and, for ``sum_mi_min``, the largest sum MI the
boxes allow at P_max (:func:`~steer_ros.system1.goal_optimum.max_sum_mi`).

Smoothing (EMA with the guardrail's alpha, like the weights and the budget):

* floors, in bits: f <- (1-alpha) f_cur + alpha f_new. L_i(f) = I^-1(f)/c_i is convex
  in f (I is concave and increasing), so the smoothed floors need at most
  (1-alpha) sum L(f_cur) + alpha sum L(f_new): feasible whenever both ends are;
* caps, in bits, the same where both the current and the new cap are finite; a cap
  that appears or disappears (inf on one side) switches at once;
* ``sum_mi_min`` in bits likewise (NaN on one side: switches at once);
* a goal by ranked selector (``goal.selectors``) switches at once, whole: System 1
  re-resolves its sets at every channel update, so per-channel smoothing has no
  channel to hold on to;
* ``objective``, ``alpha``, ``off`` and the power caps switch at once (a channel is
  on or off; there is no half-way objective; a power cap is a hard limit); a
  smoothed floor is 0 on an off channel and at most its cap, and a floor decaying
  below ``GOAL_FLOOR_SNAP_BITS`` (a removed floor) becomes 0.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros import defaults
from steer_ros.system1.goal import Goal, GoalError, Objective
from steer_ros.system1.goal import check_goal as check_goal_structure
from steer_ros.system1.goal_optimum import floor_power, max_sum_mi

__all__ = ["GoalError", "check_goal", "smooth_goal", "sanitize_goal"]


def _array(name: str, values, n: int, dtype=float) -> np.ndarray | None:
    """A goal array as received (None or empty = none), one entry per channel."""
    if values is None:
        return None
    try:
        out = np.array(values, dtype=dtype).ravel()
    except (TypeError, ValueError):
        raise GoalError(f"{name} is not an array of numbers") from None
    if out.shape[0] == 0:
        return None
    if out.shape[0] != n:
        raise GoalError(f"{name} has {out.shape[0]} entries for {n} channels", "wrong_length")
    return out


def sanitize_goal(goal: Goal, n: int, bits: float) -> Goal:
    """The goal with empty arrays read as "none" and every structural rule of System 1's
    :func:`~steer_ros.system1.goal.check_goal` applied (ranges, floor <= cap, off and
    floored, min_power's floors; no channel state needed). ``bits`` is log2 M.
    Raises GoalError (with the module table's codes)."""
    if not isinstance(goal, Goal):
        raise GoalError(f"goal is a {type(goal).__name__}, not a Goal")
    try:
        objective = Objective.parse(goal.objective)
    except ValueError as err:
        raise GoalError(str(err)) from None
    selectors = getattr(goal, "selectors", None)
    goal = Goal(objective=objective, mi_floor=_array("mi_floor", goal.mi_floor, n),
                mi_cap=_array("mi_cap", goal.mi_cap, n), off=_array("off", goal.off, n, dtype=bool),
                sum_mi_min=goal.sum_mi_min, alpha=goal.alpha,
                power_cap=_array("power_cap", getattr(goal, "power_cap", None), n))
    rg = check_goal_structure(goal, n, bits)
    power_cap = goal.power_cap if goal.has_power_caps else None
    if not rg.notes:
        return Goal(objective=objective, mi_floor=goal.mi_floor, mi_cap=goal.mi_cap, off=goal.off,
                    sum_mi_min=rg.sum_mi_min, selectors=selectors, alpha=rg.alpha, power_cap=power_cap)
    # Read with one obvious meaning: the goal as System 1 will track it, and the notes.
    return Goal(objective=objective, mi_floor=rg.floors if np.any(rg.floors > 0) else None,
                mi_cap=np.where(rg.off, np.inf, rg.caps) if np.any(np.isfinite(rg.caps) & ~rg.off) else None,
                off=goal.off, sum_mi_min=rg.sum_mi_min, extras={"notes": list(rg.notes)}, selectors=selectors,
                alpha=rg.alpha, power_cap=power_cap)


def check_goal(
    goal: Goal, n: int, bits: float, p_max: float, gain=None, noise_var=None, constellation: str = "qpsk",
) -> Goal:
    """The goal, checked (see the module table); feasibility only with ``gain``. A goal
    by ranked selector is first resolved on these channels (the sets System 1 will
    track now, not the ones of the navigator's call)."""
    selectors = getattr(goal, "selectors", None)
    if selectors is not None and gain is not None and noise_var is not None:
        g, s2 = np.asarray(gain, dtype=float), np.asarray(noise_var, dtype=float)
        if g.shape == (n,) and s2.shape == (n,) and np.all(s2 > 0):
            goal = selectors.resolve_goal(goal, n, g / s2)
    goal = sanitize_goal(goal, n, bits)
    caps, off = goal.caps(n), goal.off_mask(n)
    if off.all():
        raise GoalError(f"every channel (1-{n}) is off", "goal_conflict")
    if not math.isnan(goal.sum_mi_min):
        reachable = float(np.sum(np.where(off, 0.0, np.minimum(caps, bits))))
        if goal.sum_mi_min >= reachable and goal.sum_mi_min > 0:
            raise GoalError(f"sum_mi_min {goal.sum_mi_min:g} bits >= {reachable:g}, "
                            "the most the channels on and their caps allow", "infeasible_goal")
    if gain is None or noise_var is None:
        return goal
    gain = np.asarray(gain, dtype=float)
    noise_var = np.asarray(noise_var, dtype=float)
    if gain.shape != (n,) or noise_var.shape != (n,):
        return goal  # channel state of another N: the optimizer's own check applies
    lower = floor_power(goal.floors(n), gain, noise_var, off, constellation)
    short = np.flatnonzero(np.isfinite(lower) & (lower > goal.power_caps(n) * (1.0 + 1e-12)))
    if short.size:
        i = int(short[0])
        raise GoalError(f"power cap {goal.power_caps(n)[i]:g} on channel {i + 1} is below the {lower[i]:.4g} "
                        f"its floor of {goal.floors(n)[i]:g} bits needs", "power_cap_below_floor")
    need = float(np.sum(lower))
    if not need <= p_max:
        raise GoalError(f"floors need P = {need:.1f} > P_max = {p_max:g}", "infeasible_goal")
    if not math.isnan(goal.sum_mi_min):
        best = max_sum_mi(gain, noise_var, p_max, goal, constellation)
        if best < goal.sum_mi_min - 1e-9:
            raise GoalError(f"sum_mi_min {goal.sum_mi_min:g} bits > {best:.2f} bits, "
                            f"the most P_max = {p_max:g} reaches within the floors and caps", "infeasible_goal")
    return goal


def smooth_goal(current: Goal, new: Goal, alpha: float, n: int) -> Goal:
    """The EMA of two checked goals for n channels (module docstring: the rules)."""
    if alpha >= 1.0 or getattr(new, "selectors", None) is not None:
        return new  # a goal by ranked selector switches at once: its sets move with the channels
    a = float(alpha)
    off = new.off_mask(n)
    floors = (1.0 - a) * current.floors(n) + a * new.floors(n)
    cur_caps, new_caps = current.caps(n), new.caps(n)
    both = np.isfinite(cur_caps) & np.isfinite(new_caps)
    caps = np.where(both, (1.0 - a) * np.where(both, cur_caps, 0.0) + a * np.where(both, new_caps, 0.0), new_caps)
    floors = np.where(off | (floors < defaults.GOAL_FLOOR_SNAP_BITS), 0.0, np.minimum(floors, caps))
    cur_s, new_s = float(current.sum_mi_min), float(new.sum_mi_min)
    sum_min = new_s if (math.isnan(cur_s) or math.isnan(new_s)) else (1.0 - a) * cur_s + a * new_s
    return Goal(
        objective=new.objective,
        mi_floor=floors if np.any(floors > 0) else None,
        mi_cap=caps if np.any(np.isfinite(caps)) else None,
        off=off if off.any() else None,
        sum_mi_min=sum_min,
        alpha=new.alpha,
        power_cap=new.power_cap,
    )
