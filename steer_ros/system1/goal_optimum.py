"""The certified optimum of every goal: boxed mercury/water-filling, max-min and least
power (docs/design.md, "Goals as constraints").

Notation: c_i = gain_i / noise_var_i, I_i(P) = I(c_i P) in bits, I^{-1} the inverse of
the concave, increasing I(snr) (:meth:`MITable.snr_for_mi`, I^{-1}(log2 M) = inf). A
floor f_i and a cap u_i on channel i's MI are a box on its power::

    L_i = I^{-1}(f_i) / c_i  <=  P_i  <=  U_i = I^{-1}(u_i) / c_i      (off: L_i = U_i = 0)

Objectives (all concave programs in P, so these KKT solutions are global):

* ``weighted_sum``: max sum_i w_i I_i s.t. sum P_i <= P_total, P in the boxes.
  ``P_i(lambda) = clip(P*_i(lambda), L_i, U_i)`` with the unconstrained mercury
  response P*_i (0 where w_i c_i I'(0) <= lambda) and lambda found so that
  sum P_i(lambda) = P_total (monotone: Newton on ln lambda inside a bisection
  bracket). If even the saturated response fits, the budget is slack.
* ``max_min``: max t s.t. I_i >= min(t, u_i) on the active channels (not off, c_i
  above ``GOAL_DEAD_SNR / P_total``): one constellation on every channel, so equal MI
  is equal snr sigma, ``P_i(sigma) = clip(sigma / c_i, L_i, U_i)`` (a channel at its
  cap leaves the min; a floor only raises its channel), sigma found so that the
  budget is spent (piecewise linear in sigma: Newton is exact in a few steps). The
  value is the level t = I(sigma). Channels too weak to be equalized are excluded
  and listed in ``excluded``.
* ``min_power``: min sum P_i s.t. the floors, caps, off channels and sum_i I_i >= S:
  the equal-weight ``weighted_sum`` solution at the least budget B* in
  [sum L_i, P_max] whose sum MI reaches S (increasing and concave in B with slope
  lambda: Newton on B with a bisection bracket). Without S, B* = sum L_i and P = L.

Feasibility: infeasible iff sum_i L_i > P_total (``floor_power`` is what the floors
need; inf if a floored channel has zero gain or a floor is log2 M), or for min_power
if S is not reached within P_max (``needed_power`` is then the least budget that
would, inf if none). An infeasible goal gets the documented **best feasible**
allocation: floors that no power can meet are dropped (reported short); if the rest
still do not fit, ``min_i I_i / f_i`` over the floored channels is maximized with
the whole budget (every floored channel at the same fraction r of its floor: the
same bisection with I^{-1}(r f_i)), the other channels at zero; for min_power with
feasible floors, the sum MI is maximized at P_max.

Equivalent weights (:func:`equivalent_weights`): any allocation that spends the budget
with P_i > 0 is the plain weighted-sum optimum for w_i proportional to
1 / (c_i I'(c_i P_i)) (zero where P_i = 0), since then w_i c_i I'_i = const.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from steer_ros import defaults
from steer_ros.radio.mutual_information import MITable, get_table
from steer_ros.system1.alpha_fair import alpha_inverse, alpha_log_snr, alpha_utility, log_marginal
from steer_ros.system1.certified_optimum import validate_problem
from steer_ros.system1.goal import Goal, Objective, ResolvedGoal, check_goal
from steer_ros.system1.roots import bracketed_newton

__all__ = [
    "GoalBoxes",
    "GoalOptimum",
    "alpha_fair_fill",
    "boxed_waterfill",
    "dead_channels",
    "div_or",
    "equivalent_weights",
    "equal_snr_fill",
    "floor_power",
    "floor_ratio_fill",
    "goal_boxes",
    "goal_feasibility",
    "goal_optimum",
    "goal_shortfall",
    "least_budget",
    "max_sum_mi",
    "project_box",
    "sum_mi_at",
]

_ITERS = 200


# --------------------------------------------------------------------------------------
# boxes
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoalBoxes:
    """The power boxes of a goal on given channels. Arrays (N,).

    lower / upper: L_i, U_i (linear power; L = inf where a floor cannot be met at any
    power: zero gain or a floor of log2 M); c: gain / noise_var; live: c_i > 0 and not
    off; unreachable: floored channels with L_i = inf; floor_power: sum of the finite
    L_i (inf if any is unreachable)."""

    goal: ResolvedGoal
    c: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    live: np.ndarray
    unreachable: np.ndarray
    floor_power: float


def div_or(snr: np.ndarray, c: np.ndarray, at_zero: np.ndarray) -> np.ndarray:
    """snr / c with the value ``at_zero`` where c = 0 (no warnings)."""
    safe = np.where(c > 0, c, 1.0)
    with np.errstate(invalid="ignore"):
        return np.where(c > 0, snr / safe, at_zero)


def _lower(c: np.ndarray, floors: np.ndarray, off: np.ndarray, table: MITable) -> np.ndarray:
    """L_i = I^{-1}(f_i)/c_i; 0 without a floor or off, inf where no power meets it."""
    lower = div_or(table.snr_for_mi(floors), c, np.where(floors > 0, np.inf, 0.0))
    return np.where(off, 0.0, lower)


def floor_power(mi_floor, gain, noise_var, off=None, constellation: str = defaults.CONSTELLATION) -> np.ndarray:
    """(N,) least power per channel meeting its floor: L_i = I^{-1}(f_i) / c_i, c_i =
    |h_i|^2/sigma_i^2 (the lower edge of the goal's box).

    0 where there is no floor (f_i <= 0) or the channel is off; inf where the floor is
    at or above log2 M or the channel has no gain. ``sum(floor_power(...))`` is the
    power the floors need: a goal is feasible at a budget P only if it is <= P."""
    f = np.asarray(mi_floor, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.asarray(gain, dtype=float) / np.asarray(noise_var, dtype=float)
    c = np.where(np.isfinite(c) & (c > 0), c, 0.0)
    off = np.zeros(f.shape, dtype=bool) if off is None else np.asarray(off, dtype=bool)
    return _lower(c, f, off, get_table(constellation))


def power_caps_of(goal: ResolvedGoal, n: int) -> np.ndarray:
    """(n,) the goal's power caps (linear), inf where none."""
    return np.full(n, np.inf) if goal.power_cap is None else np.asarray(goal.power_cap, dtype=float)


def goal_boxes(c: np.ndarray, goal: ResolvedGoal, table: MITable) -> GoalBoxes:
    """L_i = I^{-1}(f_i)/c_i, U_i = min(I^{-1}(u_i)/c_i, power cap_i) (module
    docstring), vectorized. A floor whose power is above its channel's power cap is
    unreachable (like one no power meets)."""
    snr_u = table.snr_for_mi(np.minimum(goal.caps, table.bits))  # inf cap -> inf
    lower = _lower(c, goal.floors, goal.off, table)
    upper = div_or(snr_u, c, np.where(goal.caps > 0, np.inf, 0.0))
    pcap = power_caps_of(goal, c.shape[0])
    upper = np.where(goal.off, 0.0, np.minimum(upper, pcap))
    unreachable = ~np.isfinite(lower) | (lower > pcap * (1.0 + 1e-12))
    finite_sum = float(np.sum(np.where(unreachable, 0.0, lower)))
    return GoalBoxes(goal, c, lower, upper, (c > 0) & ~goal.off, unreachable,
                     math.inf if unreachable.any() else finite_sum)


# --------------------------------------------------------------------------------------
# the three fills: each spends (at most) a budget inside boxes
# --------------------------------------------------------------------------------------
def boxed_waterfill(table: MITable, b: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    budget: float) -> tuple[np.ndarray, float]:
    """argmax sum_i b_i / c_i I(c_i P_i) (i.e. weights w = b / c) s.t. sum P <= budget,
    lo <= P <= hi. Requires sum lo <= budget. Returns (P (N,), lambda); lambda = 0
    when the budget is slack (every channel saturated or at its cap).

    ``P_i(l) = clip(I'^{-1}(e^l / b_i) / c_i, lo_i, hi_i)``; channels with b_i = 0 sit
    at lo_i. Newton on l = ln lambda for sum P(l) = budget, bracketed."""
    useful = b > 0
    power = lo.copy()
    if not np.any(useful) or budget <= float(np.sum(lo)):
        return power, math.inf if np.any(useful) else 0.0
    log_b = np.log(b[useful])
    inv_c = 1.0 / c[useful]
    lo_u, hi_u = lo[useful], hi[useful]
    base = float(np.sum(lo[~useful]))
    target = budget - base

    def fill(ell):
        snr, _, dt_du = table.log_snr_for_log_slope(ell - log_b)
        p = snr * inv_c
        t = np.minimum(np.maximum(p, lo_u), hi_u)
        free = (p > lo_u) & (p < hi_u)
        return t, float(t.sum()), float(np.sum(np.where(free, -p * dt_du, 0.0)))

    hi_l = float(np.max(log_b)) + math.log(table.slope_top)  # every P* = 0
    lo_l = float(np.min(log_b)) + math.log(max(table.slope_sat, 1e-300)) - 1.0  # saturated
    t, s, _ = fill(lo_l)
    if s <= target:  # slack budget
        power[useful] = t
        return power, 0.0

    def excess(ell):
        t, s, ds = fill(ell)
        return s - target, -ds, t  # sum P falls with l: dS/dl = -ds

    root = bracketed_newton(excess, lo_l, hi_l, 0.5 * (lo_l + hi_l), increasing=False, ftol=1e-13 * target,
                            max_iter=_ITERS)
    x, t = root.x, root.payload
    power[useful] = _match_budget(t, lo_u, hi_u, target)
    return power, math.exp(x)


def _match_budget(t: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: float) -> np.ndarray:
    """Remove a rounding-size residual sum(t) - target by moving the channels strictly
    inside their boxes proportionally to their room (stays inside the boxes)."""
    g = float(t.sum()) - target
    if g > 0:
        room = t - lo
    else:
        room = np.where(np.isfinite(hi), hi - t, t - lo)
    r = float(room.sum())
    if r <= 0 or g == 0:
        return t
    return np.minimum(np.maximum(t - g * room / r, lo), hi)


def equal_snr_fill(c: np.ndarray, lo: np.ndarray, hi: np.ndarray, active: np.ndarray,
                   budget: float, sigma_max: float) -> tuple[np.ndarray, float]:
    """The max-min allocation: ``P_i = clip(sigma / c_i, lo_i, hi_i)`` on ``active``
    channels (lo elsewhere), sigma in [0, sigma_max] with sum P = budget (or
    sigma = sigma_max if that does not spend it). Requires sum lo <= budget.
    Returns (P, sigma). sum P(sigma) is piecewise linear and increasing: Newton from
    inside a bisection bracket ends exactly."""
    power = lo.copy()
    if not np.any(active):
        return power, 0.0
    inv_c = 1.0 / c[active]
    lo_a, hi_a = lo[active], hi[active]
    target = budget - float(np.sum(lo[~active]))

    def fill(sig):
        p = sig * inv_c
        t = np.minimum(np.maximum(p, lo_a), hi_a)
        free = (p > lo_a) & (p < hi_a)
        return t, float(t.sum()), float(np.sum(inv_c[free]))

    t, s, _ = fill(sigma_max)
    if s <= target:
        power[active] = t
        return power, sigma_max

    def excess(sig):
        t, s, ds = fill(sig)
        return s - target, ds, t

    root = bracketed_newton(excess, 0.0, sigma_max, min(sigma_max, target / float(np.sum(inv_c))), increasing=True,
                            ftol=1e-13 * target, xtol_abs=1e-300, max_iter=_ITERS)
    x, t = root.x, root.payload
    power[active] = _match_budget(t, lo_a, hi_a, target)
    return power, x


def floor_ratio_fill(table: MITable, c: np.ndarray, floors: np.ndarray, budget: float) -> tuple[np.ndarray, float]:
    """The best feasible allocation when floors do not fit: max_r s.t. every channel
    with floors_i > 0 (and c_i > 0) has I_i = r f_i, sum P = budget; others at 0.
    Requires that r = 1 does not fit. Returns (P, r). Newton on r, bracketed."""
    power = np.zeros_like(c)
    sel = (floors > 0) & (c > 0)
    if not np.any(sel) or budget <= 0:
        return power, 0.0
    f, inv_c = floors[sel], 1.0 / c[sel]

    def fill(r):
        snr = table.snr_for_mi(r * f)
        p = snr * inv_c
        _, d1, _ = table.derivatives(np.minimum(snr, table.snr_hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            dp = np.where(d1 > 0, f * inv_c / d1, np.inf)
        return p, float(p.sum()), float(dp.sum())


    def excess(r):
        p, s, ds = fill(r)
        if not math.isfinite(s):
            return math.inf, math.nan, p
        return s - budget, ds, p

    root = bracketed_newton(excess, 0.0, 1.0, 0.5, increasing=True, ftol=1e-13 * budget, max_iter=_ITERS)
    p, x = root.payload, root.x
    s = float(p.sum())
    if s > budget:
        p = p * (budget / s)
    power[sel] = p
    return power, x


def alpha_fair_fill(table: MITable, constellation: str, alpha: float, w: np.ndarray, c: np.ndarray, lo: np.ndarray,
                    hi: np.ndarray, budget: float) -> tuple[np.ndarray, float]:
    """argmax sum_i w_i U_alpha(I(c_i P_i)) s.t. sum P <= budget, lo <= P <= hi, for
    alpha in (0, 20] (:mod:`steer_ros.system1.alpha_fair`). Requires sum lo <= budget.
    Returns (P, lambda); lambda = 0 when the budget is slack.

    ``P_i(l) = clip(snr_i / c_i, lo_i, hi_i)`` with ``ln m_alpha(snr_i) = l - ln(w_i c_i)``
    solved exactly per channel (:func:`alpha_log_snr`); channels with w_i c_i = 0 sit
    at lo_i. l = ln lambda by :func:`bracketed_newton` for sum P(l) = budget."""
    power = lo.copy()
    part = (w > 0) & (c > 0) & (hi > lo)
    if not np.any(part) or budget <= float(np.sum(lo)):
        return power, math.inf if np.any(part) else 0.0
    inverse = alpha_inverse(constellation, float(alpha))
    log_b = np.log(w[part] * c[part])
    inv_c = 1.0 / c[part]
    lo_u, hi_u = lo[part], hi[part]
    target = budget - float(np.sum(lo[~part]))
    sat = np.maximum(np.minimum(hi_u, table.snr_sat * inv_c), lo_u)
    if float(sat.sum()) <= target:  # slack: every channel saturated or at its cap
        power[part] = sat
        return power, 0.0

    def fill(ell):
        t = alpha_log_snr(table, inverse, ell - log_b)
        snr = np.exp(t)
        p = snr * inv_c
        tt = np.minimum(np.maximum(p, lo_u), hi_u)
        free = (p > lo_u) & (p < hi_u)
        _, dy = log_marginal(table, alpha, snr)
        with np.errstate(divide="ignore", invalid="ignore"):
            ds = float(np.sum(np.where(free & (dy < 0), p / dy, 0.0)))
        return tt, float(tt.sum()), ds

    y_sat, _ = log_marginal(table, alpha, np.asarray([table.snr_sat]))
    lo_l = float(np.min(log_b)) + float(y_sat[0]) - 1.0  # every channel saturated
    p_small = max((target - float(lo_u.sum())) / lo_u.shape[0] * 1e-6, 1e-300)
    y_small, _ = log_marginal(table, alpha, c[part] * p_small)
    hi_l = float(np.max(log_b + y_small)) + 1.0  # every response below p_small
    y_eq, _ = log_marginal(table, alpha, c[part] * (target / lo_u.shape[0]))
    x0 = float(np.median(log_b + y_eq))

    def excess(ell):
        t, s, ds = fill(ell)
        return s - target, ds, t

    root = bracketed_newton(excess, lo_l, hi_l, x0, increasing=False, ftol=1e-13 * target, max_iter=_ITERS)
    power[part] = _match_budget(root.payload, lo_u, hi_u, target)
    return power, math.exp(root.x)


def project_box(power: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> np.ndarray:
    """Euclidean projection (in power) onto ``{lo <= P <= hi, sum P <= budget}``, exact
    by sorting: clip, then if over budget ``P_i = max(P_i - tau, lo_i)`` with the tau
    that spends the budget. Requires sum lo <= budget."""
    p = np.minimum(np.maximum(power, lo), hi)
    total = float(p.sum())
    if total <= budget:
        return p
    d = p - lo
    room = budget - float(lo.sum())
    if room <= 0:
        return lo.copy()
    srt = np.sort(d)[::-1]
    csum = np.cumsum(srt)
    k = np.arange(1, d.shape[0] + 1)
    tau = (csum - room) / k
    nxt = np.append(srt[1:], 0.0)
    ok = (srt > tau) & (nxt <= tau)
    idx = np.flatnonzero(ok)
    t = float(tau[idx[0]]) if idx.size else float(tau[-1])
    out = lo + np.maximum(d - max(t, 0.0), 0.0)
    over = float(out.sum()) - budget
    if over > 0:  # float rounding
        free = out - lo
        fs = float(free.sum())
        out = lo + free * max(0.0, 1.0 - over / fs) if fs > 0 else lo.copy()
        if float(out.sum()) > budget:
            out = lo + free * max(0.0, 1.0 - 2.0 * over / fs) if fs > 0 else lo.copy()
    return out


def equivalent_weights(c: np.ndarray, power: np.ndarray, table: MITable) -> np.ndarray:
    """Weights (N,), summing to 1, whose plain weighted-sum optimum is ``power`` when
    it spends the budget: w_i proportional to 1 / (c_i I'(c_i P_i)) where P_i > 0, 0
    elsewhere (saturated channels use the table's smallest slope)."""
    snr = c * power
    _, d1, _ = table.derivatives(np.minimum(snr, table.snr_hi))
    d1 = np.maximum(d1, defaults.MI_TABLE_MIN_SLOPE)
    on = (power > 0) & (c > 0)
    w = np.zeros_like(power)
    w[on] = 1.0 / (c[on] * d1[on])
    s = float(w.sum())
    return w / s if s > 0 else w


# --------------------------------------------------------------------------------------
# the certified optimum of a goal
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoalOptimum:
    """The certified optimum of a goal (or, if infeasible, the documented best feasible
    allocation). Arrays are (N,).

    power (linear), snr, mi (bits); objective; value: the goal's objective value
    (weighted_sum: sum w_i I_i with w normalized to 1; max_min: the level t in bits;
    min_power: the power used); weighted_mi, total_mi (bits), power_used;
    multiplier: lambda of the budget (weighted_sum / min_power; 0 if slack), level:
    the max-min level t (NaN otherwise); feasible; goals_met; mi_shortfall: bits below
    each floor (0 where met); sum_mi_shortfall: bits below sum_mi_min (0 if met or
    none); floor_power: the power the floors need; needed_power: the least budget
    that meets the goal (inf if none does); reason: why it is infeasible ("" if
    feasible); excluded: 0-based channels max_min cannot equalize; lower / upper:
    the power boxes; equivalent_weights; floor_ratio: min_i I_i / f_i of the
    best-feasible fallback (NaN when not used); shadow_price: the derivative of the
    optimal value with respect to P_total, in the objective's own normalization
    (weighted_sum: lambda with the weights summing to 1, bits per unit power;
    alpha_fair: lambda of sum w_i U_alpha(I_i), w summing to 1; max_min: bits of the
    level per unit power; min_power: 0 when feasible (P_max does not bind), else sum
    MI's lambda; the floor-ratio fallback: d r / d P); alpha (alpha_fair).
    """

    power: np.ndarray
    snr: np.ndarray
    mi: np.ndarray
    objective: Objective
    value: float
    weighted_mi: float
    total_mi: float
    power_used: float
    multiplier: float
    level: float
    feasible: bool
    goals_met: bool
    mi_shortfall: np.ndarray
    sum_mi_shortfall: float
    floor_power: float
    needed_power: float
    reason: str
    excluded: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    equivalent_weights: np.ndarray
    floor_ratio: float = math.nan
    extras: dict = field(default_factory=dict, compare=False)
    shadow_price: float = math.nan
    alpha: float = math.nan

    def to_json(self) -> dict:
        def num(x):
            x = float(x)
            return x if math.isfinite(x) else (None if math.isnan(x) else ("inf" if x > 0 else "-inf"))

        return {
            "objective": self.objective.name.lower(), "value": num(self.value),
            "power": self.power.tolist(), "mi": self.mi.tolist(),
            "weighted_mi": num(self.weighted_mi), "sum_mi": num(self.total_mi),
            "power_used": num(self.power_used), "multiplier": num(self.multiplier),
            "level": num(self.level), "feasible": self.feasible, "goals_met": self.goals_met,
            "mi_shortfall": self.mi_shortfall.tolist(), "sum_mi_shortfall": num(self.sum_mi_shortfall),
            "floor_power": num(self.floor_power), "needed_power": num(self.needed_power),
            "reason": self.reason, "excluded": [int(i) + 1 for i in self.excluded],
            "equivalent_weights": self.equivalent_weights.tolist(),
            "floor_ratio": num(self.floor_ratio), "shadow_price": num(self.shadow_price),
            **({"alpha": self.alpha} if self.objective == Objective.ALPHA_FAIR else {}),
        }


def goal_shortfall(mi: np.ndarray, goal: ResolvedGoal, tol: float = defaults.GOAL_MET_TOL_BITS):
    """(mi_shortfall (N,), sum_mi_shortfall, goals_met): bits below each floor (0 where
    met), bits below sum_mi_min; met within ``tol`` bits (floors and caps; the sum
    floor within N tol)."""
    short = np.maximum(goal.floors - mi, 0.0)
    sum_short = 0.0 if math.isnan(goal.sum_mi_min) else max(0.0, goal.sum_mi_min - float(np.sum(mi)))
    over = np.maximum(mi - goal.caps, 0.0)
    met = bool(np.all(short <= tol) and np.all(over <= tol) and sum_short <= tol * max(1, mi.shape[0]))
    return short, sum_short, met


def dead_channels(c: np.ndarray, p_total: float) -> np.ndarray:
    """Channels too weak to take part in max_min: snr below GOAL_DEAD_SNR even with the
    whole budget."""
    return c * p_total < defaults.GOAL_DEAD_SNR


def sum_mi_at(table, c, lo, hi, budget) -> tuple[np.ndarray, float, float]:
    p, lam = boxed_waterfill(table, c.copy(), c, lo, hi, budget)
    return p, float(np.sum(table.mi(c * p))), lam


def least_budget(table, c, lo, hi, target: float, b_lo: float, b_hi: float) -> float:
    """Least budget in [b_lo, b_hi] whose equal-weight boxed optimum reaches ``target``
    sum MI (assumes it is reached at b_hi). Newton on B (slope lambda), bracketed."""
    _, f, _ = sum_mi_at(table, c, lo, hi, b_lo)
    if f >= target:
        return b_lo

    def shortfall(budget):
        _, f, lam = sum_mi_at(table, c, lo, hi, budget)
        return f - target, lam, None

    return bracketed_newton(shortfall, b_lo, b_hi, b_hi, increasing=True, ftol=1e-11 * max(1.0, target),
                            xtol_rel=1e-14, xtol_abs=0.0, max_iter=_ITERS, closed_side="positive").x


def max_sum_mi(gain, noise_var, budget: float, goal: Goal | None = None,
               constellation: str = defaults.CONSTELLATION) -> float:
    """Largest sum_i I(c_i P_i) with sum P_i <= budget, P in the goal's boxes (the
    equal-weight boxed water-filling of ``weighted_sum``); -inf when the floors alone
    need more than ``budget``. Floors no power can meet count as short (dropped), as
    in :func:`goal_optimum`."""
    gain, noise_var, _, budget = validate_problem(gain, noise_var, None, budget)
    table = get_table(constellation)
    c = gain / noise_var
    boxes = goal_boxes(c, check_goal(goal, gain.shape[0], table.bits), table)
    if boxes.floor_power > budget * (1.0 + 1e-12):
        return -math.inf
    lo = np.where(boxes.unreachable, 0.0, boxes.lower)
    return sum_mi_at(table, c, lo, boxes.upper, budget)[1]


def goal_feasibility(gain, noise_var, goal: Goal | None, p_max: float,
                     constellation: str = defaults.CONSTELLATION) -> tuple[bool, float, str]:
    """(feasible, needed_power, reason) of ``goal`` within the budget ``p_max``:
    the floors' power sum L_i, and for min_power the least budget reaching sum_mi_min.
    ``reason`` reads e.g. ``"floors need P = 57.3 > P_max = 40"`` (empty if feasible).
    Cheap for weighted_sum and max_min (no solve); GoalError for a malformed goal."""
    opt = goal_optimum(gain, noise_var, None, p_max, goal, constellation, _feasibility_only=True)
    return opt.feasible, opt.needed_power, opt.reason


def goal_optimum(gain, noise_var, weights, p_total: float, goal: Goal | None = None,
                 constellation: str = defaults.CONSTELLATION, *, _feasibility_only: bool = False) -> GoalOptimum:
    """The certified optimum of ``goal`` (module docstring) on the given channels.

    Args:
        gain: (N,) |h_i|^2 >= 0. noise_var: (N,) or scalar > 0.
        weights: (N,) >= 0 (None = equal; only ratios matter; ignored by max_min and
            min_power). p_total: the budget (min_power: the most it may use, P_max).
        goal: a :class:`Goal` (None = the plain weighted sum).
        constellation: "qpsk", "16qam" or "64qam".
    Raises GoalError (a ValueError) for a malformed goal, ValueError for bad channels.
    """
    gain, noise_var, w, p_total = validate_problem(gain, noise_var, weights, p_total)
    table = get_table(constellation)
    n = gain.shape[0]
    rg = check_goal(goal, n, table.bits)
    c = gain / noise_var
    boxes = goal_boxes(c, rg, table)
    lo, hi = boxes.lower, boxes.upper
    obj = rg.objective
    floor_power = boxes.floor_power
    reason = ""
    feasible = True
    needed = floor_power
    if boxes.unreachable.any():
        bad = ", ".join(str(int(i) + 1) for i in np.flatnonzero(boxes.unreachable))
        feasible, needed = False, math.inf
        reason = f"infeasible: floors on channel(s) {bad} cannot be met at any power (or within their power caps)"
    elif floor_power > p_total * (1.0 + 1e-12):
        feasible = False
        reason = f"infeasible: floors need P = {floor_power:.6g} > P_max = {p_total:.6g}"
    # a floor nothing can meet is dropped (reported short); the others are kept
    lo_k = np.where(boxes.unreachable, 0.0, lo)
    sum_lo = float(lo_k.sum())
    smin = rg.sum_mi_min
    if obj == Objective.MIN_POWER and feasible and not math.isnan(smin) and smin > 0:
        cap_mi = np.minimum(np.where(boxes.live, rg.caps, 0.0), table.bits)
        reach = float(np.sum(cap_mi))
        if smin >= reach - 1e-12:
            feasible, needed = False, math.inf
            reason = (f"infeasible: sum_mi_min = {smin:g} bits is not below the {reach:g} bits "
                      f"the channels reach at any power")
        else:
            _, f_max, _ = sum_mi_at(table, c, lo_k, hi, p_total)
            if f_max >= smin:
                needed = least_budget(table, c, lo_k, hi, smin, sum_lo, p_total)
            else:
                b = p_total
                while sum_mi_at(table, c, lo_k, hi, b)[1] < smin:
                    b *= 2.0
                needed = least_budget(table, c, lo_k, hi, smin, p_total, b)
                feasible = False
                reason = (f"infeasible: sum_mi_min = {smin:g} bits needs P = {needed:.6g} "
                          f"> P_max = {p_total:.6g}")
    dead = dead_channels(c, p_total) & ~rg.off
    excluded = np.flatnonzero(dead) if obj == Objective.MAX_MIN else np.zeros(0, dtype=np.intp)
    empty = np.zeros(n)
    if _feasibility_only:
        return GoalOptimum(empty, empty, empty, obj, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan,
                           feasible, feasible, empty, 0.0, floor_power, needed, reason, excluded, lo, hi, empty)
    ratio = math.nan
    lam, level, shadow = math.nan, math.nan, math.nan
    wn = w / float(w.sum()) if float(w.sum()) > 0 else w
    fair = np.zeros(n, dtype=bool)
    if sum_lo > p_total * (1.0 + 1e-12):
        floored = np.where(boxes.unreachable, 0.0, rg.floors)
        power, ratio = floor_ratio_fill(table, c, floored, p_total)
        shadow = _ratio_slope(table, c, floored, power, ratio)
    elif obj == Objective.WEIGHTED_SUM:
        b = np.where(boxes.live, w * c, 0.0)
        power, lam = boxed_waterfill(table, b, c, lo_k, hi, p_total)
        shadow = lam / float(w.sum()) if float(w.sum()) > 0 else 0.0
    elif obj == Objective.ALPHA_FAIR:
        fair = boxes.live & (wn > 0) & (hi > 0)
        b = np.where(fair, wn, 0.0)
        if rg.alpha == 0.0:
            power, lam = boxed_waterfill(table, b * c, c, lo_k, hi, p_total)
        else:
            power, lam = alpha_fair_fill(table, constellation, rg.alpha, b, c, lo_k, hi, p_total)
        shadow = lam
    elif obj == Objective.MAX_MIN:
        active = boxes.live & ~dead
        power, sigma = equal_snr_fill(c, lo_k, hi, active, p_total, table.snr_sat)
        level = float(table.mi(np.asarray(sigma))) if np.any(active) else math.nan
        shadow = _level_slope(table, c, lo_k, hi, active, power, sigma)
    else:  # min_power
        budget = needed if feasible else p_total
        if math.isnan(smin) or smin <= 0:
            budget = sum_lo
        power, lam = boxed_waterfill(table, np.where(boxes.live, c, 0.0), c, lo_k, hi, min(budget, p_total))
        shadow = 0.0 if feasible else lam  # the least power does not move with P_max; else sum MI's lambda
    power = np.where(rg.off, 0.0, power)
    snr = c * power
    mi = table.mi(snr)
    short, sum_short, met = goal_shortfall(mi, rg)
    used = float(power.sum())
    value = {Objective.WEIGHTED_SUM: float(np.dot(wn, mi)), Objective.MAX_MIN: level,
             Objective.MIN_POWER: used,
             Objective.ALPHA_FAIR: float(np.sum(wn[fair] * alpha_utility(mi[fair], rg.alpha)))}[obj]
    return GoalOptimum(
        power=power, snr=snr, mi=mi, objective=obj, value=value, weighted_mi=float(np.dot(wn, mi)),
        total_mi=float(np.sum(mi)), power_used=used, multiplier=lam, level=level,
        feasible=feasible, goals_met=met and feasible, mi_shortfall=short, sum_mi_shortfall=sum_short,
        floor_power=floor_power, needed_power=needed, reason=reason, excluded=excluded,
        lower=lo, upper=hi, equivalent_weights=equivalent_weights(c, power, table), floor_ratio=ratio,
        shadow_price=float(shadow), alpha=rg.alpha,
    )


def _level_slope(table, c, lo, hi, active, power, sigma) -> float:
    """d(max-min level)/d P_total: I'(sigma) / sum of 1/c_i over the channels on the
    level (strictly inside their boxes); 0 when none is (the budget is slack)."""
    free = active & (power > lo * (1.0 + 1e-12)) & (power < hi * (1.0 - 1e-12))
    if not np.any(free) or sigma >= table.snr_sat:
        return 0.0
    _, d1, _ = table.derivatives(np.asarray([sigma]))
    return float(d1[0] / np.sum(1.0 / c[free]))


def _ratio_slope(table, c, floors, power, ratio) -> float:
    """d r / d P_total of the floor-ratio fallback: 1 / sum_i dP_i/dr, dP_i/dr =
    f_i / (c_i I'(c_i P_i)) over the floored channels."""
    sel = (floors > 0) & (c > 0)
    if not np.any(sel):
        return 0.0
    _, d1, _ = table.derivatives(c[sel] * power[sel])
    with np.errstate(divide="ignore"):
        total = float(np.sum(floors[sel] / (c[sel] * d1)))
    return 1.0 / total if total > 0 else 0.0
