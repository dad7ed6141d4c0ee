"""A radio's demand curve: the budget at which its own System 1 multiplier equals a
price (docs/design.md, "Many radios, one budget").

Radio k's utility is ``U_k(B) = max sum_i v_i I(c_i P_i)`` over its channel boxes
with ``sum_i P_i <= B``; the weights v_i are the weights in force scaled to mean 1
(``v = N w`` for w summing to 1), so that with equal weights U_k is the radio's sum MI
in bits, and U_k'(B) = lambda_k(B), the radio's multiplier, is in bits per unit power.
The KKT response of the certified optimum gives the budget that goes with any lambda
in closed form::

    B_k(lambda) = sum_i clip(I'^{-1}(lambda / (v_i c_i)) / c_i, L_i, U_i)

(non-increasing in lambda), so a radio publishes B_k on a grid of prices with no
solve. The grid is log-spaced between the multiplier at the radio's largest useful
budget and at its least budget, so the coordinator interpolates ln B against
ln lambda where it matters. Beyond the grid the curve is flat (the end values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import validate_problem
from steer_ros.system1.goal import Goal, Objective, check_goal
from steer_ros.system1.goal_optimum import boxed_waterfill, goal_boxes, goal_optimum

__all__ = ["DemandCurve", "DemandError", "budget_for_sum_mi", "check_demand_curve", "demand_at", "demand_curve"]


class DemandError(ValueError):
    """A demand curve the coordinator refuses; ``code`` is a reason code
    (``wrong_length``, ``not_finite``, ``non_monotone``, ``absurd``, ``too_few_points``),
    ``str(err)`` is ``"code: detail"``."""

    def __init__(self, detail: str, code: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class DemandCurve:
    """price: (M,) multipliers lambda (bits per unit power), strictly increasing, > 0;
    budget: (M,) the budget B(lambda) at each, non-increasing, >= 0; sum_mi: (M,) the
    radio's sum MI (bits) at each budget, or None (what a rate floor is read against)."""

    price: np.ndarray
    budget: np.ndarray
    sum_mi: np.ndarray | None = None


def _weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    s = float(w.sum())
    return w * (n / s) if s > 0 else np.ones(n)


def demand_curve(gain, noise_var, weights=None, budget_max: float = defaults.P_MAX, goal: Goal | None = None,
                 n_points: int = defaults.FLEET_DEMAND_POINTS, constellation: str = defaults.CONSTELLATION,
                 budget_min: float = 0.0, center: float = math.nan) -> DemandCurve:
    """The radio's demand curve up to ``budget_max`` (its box top, or the budget its
    navigator asked for, whichever is smaller), ``n_points`` log-spaced prices.

    weighted_sum goals (floors, caps, off channels included) use the closed-form KKT
    response; min_power demands its least budget at every price; max_min (and any other
    family) is sampled: the certified optimum's value at log-spaced budgets, its slope
    by finite differences (concave, so the slopes fall).

    ``center``: the radio's multiplier now (its shadow price at the budget in force).
    Given, half the points go to a window of +-FLEET_DEMAND_WINDOW in ln lambda around
    it: the fleet price settles where each radio's multiplier is, so the interpolated
    grant is accurate there (per-radio error ~1e-5 bits at K = 16, N = 64 once the
    radios re-centre, one or two rounds; ~5e-2 bits from an even grid of the same
    size), while the coarse half covers a sudden change."""
    gain, noise_var, w, _ = validate_problem(gain, noise_var, weights, None)
    n = gain.shape[0]
    table = get_table(constellation)
    rg = check_goal(goal, n, table.bits)
    c = gain / noise_var
    boxes = goal_boxes(c, rg, table)
    lo = np.where(boxes.unreachable, 0.0, boxes.lower)
    hi = boxes.upper
    b_top = float(budget_max)
    b_low = max(float(budget_min), float(lo.sum()), 1e-6 * b_top)
    if rg.objective == Objective.MIN_POWER:
        need = goal_optimum(gain, noise_var, None, b_top, goal, constellation).needed_power
        need = min(need, b_top) if math.isfinite(need) else b_top
        price = np.geomspace(1e-6, 1e3, n_points)
        mi = goal_optimum(gain, noise_var, None, need, goal, constellation).total_mi if need > 0 else 0.0
        return DemandCurve(price, np.full(n_points, need), np.full(n_points, mi))
    if rg.objective != Objective.WEIGHTED_SUM:
        return _sampled_curve(gain, noise_var, w, goal, b_low, b_top, n_points, constellation)
    v = _weights(w, n)
    b = np.where(boxes.live, v * c, 0.0)
    useful = b > 0
    if not np.any(useful):
        price = np.geomspace(1e-6, 1e3, n_points)
        return DemandCurve(price, np.full(n_points, min(b_low, b_top)), np.zeros(n_points))
    _, lam_top = boxed_waterfill(table, b, c, lo, hi, b_top)
    _, lam_low = boxed_waterfill(table, b, c, lo, hi, b_low)
    lam_max = float(np.max(b[useful])) * table.slope_top  # above it nobody wants power
    if not (0 < lam_low < math.inf):
        lam_low = lam_max
    if not lam_top > 0:  # the top budget is slack: saturation sets the bottom price
        lam_top = float(np.min(b[useful])) * max(table.slope_sat, 1e-300)
    lam_low = max(lam_low, lam_top * 1.000001)
    price = np.geomspace(lam_top, lam_low, n_points)
    if math.isfinite(center) and center > 0:
        half = max(n_points // 2, 2)
        w = defaults.FLEET_DEMAND_WINDOW
        fine = np.geomspace(center * math.exp(-w), center * math.exp(w), n_points - half)
        price = np.unique(np.concatenate([np.geomspace(lam_top, lam_low, half),
                                          fine[(fine > lam_top) & (fine < lam_low)]]))
    budget, sum_mi = budget_response(table, b, c, lo, hi, price, with_mi=True)
    over = budget > b_top  # beyond the top budget the radio stays at it
    if np.any(over):
        _, mi_top = budget_response(table, b, c, lo, hi, np.array([lam_top]), with_mi=True)
        sum_mi = np.where(over, min(float(mi_top[0]), float(np.max(sum_mi))), sum_mi)
    budget = np.minimum(np.maximum(budget, 0.0), b_top)
    budget = np.minimum.accumulate(budget)  # table rounding must not make it rise
    return DemandCurve(price, budget, np.minimum.accumulate(sum_mi))


def budget_response(table, b: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    price: np.ndarray, with_mi: bool = False):
    """B(lambda) = sum_i clip(I'^{-1}(lambda / b_i) / c_i, lo_i, hi_i) for each price
    (M,), vectorized (M, N); channels with b_i = 0 sit at lo_i. With ``with_mi``:
    (B, sum MI at each) instead."""
    useful = b > 0
    log_b = np.log(b[useful])
    snr, _, _ = table.log_snr_for_log_slope(np.log(np.asarray(price, dtype=float))[:, None] - log_b[None, :])
    p = np.clip(snr / c[useful], lo[useful], hi[useful])
    budget = p.sum(axis=1) + float(lo[~useful].sum())
    if not with_mi:
        return budget
    mi = table.mi(p * c[useful]).sum(axis=1) + float(table.mi(lo[~useful] * c[~useful]).sum())
    return budget, mi


def _sampled_curve(gain, noise_var, w, goal, b_low, b_top, n_points, constellation) -> DemandCurve:
    budgets = np.geomspace(b_low, b_top, n_points + 1)
    values = np.array([goal_optimum(gain, noise_var, w, float(x), goal, constellation).value for x in budgets])
    slope = np.maximum(np.diff(values) / np.diff(budgets), 1e-300)
    mid = np.sqrt(budgets[1:] * budgets[:-1])
    slope = np.maximum.accumulate(slope[::-1])[::-1]  # concave: non-increasing in B
    mi = np.array([goal_optimum(gain, noise_var, w, float(x), goal, constellation).total_mi for x in mid])
    order = np.argsort(slope, kind="stable")
    price, budget, mi = slope[order], mid[order], mi[order]
    keep = np.concatenate([[True], np.diff(price) > 0])
    return DemandCurve(price[keep], budget[keep], mi[keep])


def check_demand_curve(price, budget, budget_cap: float = math.inf, sum_mi=None) -> DemandCurve:
    """The coordinator's check of a received curve: equal lengths of at least 2 and at
    most FLEET_DEMAND_MAX_POINTS, finite, prices > 0 strictly increasing, budgets
    >= 0 non-increasing and at most FLEET_DEMAND_ABSURD x ``budget_cap`` (the radio's box
    top: demand above the box is clipped by the solve, demand far above it is a broken
    radio). DemandError naming the first bad entry."""
    p = np.asarray(price, dtype=float)
    b = np.asarray(budget, dtype=float)
    if p.ndim != 1 or b.shape != p.shape:
        raise DemandError(f"{p.size} prices and {b.size} budgets (one budget per price)", "wrong_length")
    if not (2 <= p.size <= defaults.FLEET_DEMAND_MAX_POINTS):
        raise DemandError(f"{p.size} points (need 2..{defaults.FLEET_DEMAND_MAX_POINTS})", "too_few_points"
                          if p.size < 2 else "absurd")
    bad = ~np.isfinite(p) | ~np.isfinite(b)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DemandError(f"point {i + 1}: price {p[i]} budget {b[i]}", "not_finite")
    if np.any(p <= 0) or np.any(b < 0):
        i = int(np.flatnonzero((p <= 0) | (b < 0))[0])
        raise DemandError(f"point {i + 1}: price {p[i]:g} must be > 0 and budget {b[i]:g} >= 0", "absurd")
    if np.any(np.diff(p) <= 0):
        i = int(np.flatnonzero(np.diff(p) <= 0)[0])
        raise DemandError(f"prices must increase: point {i + 2} ({p[i + 1]:g}) <= point {i + 1} ({p[i]:g})",
                          "non_monotone")
    if np.any(np.diff(b) > 1e-9 * max(1.0, float(b.max()))):
        i = int(np.flatnonzero(np.diff(b) > 1e-9 * max(1.0, float(b.max())))[0])
        raise DemandError(f"budgets must not rise with the price: point {i + 2} ({b[i + 1]:g}) > point {i + 1} "
                          f"({b[i]:g})", "non_monotone")
    if float(b.max()) > budget_cap * defaults.FLEET_DEMAND_ABSURD:
        raise DemandError(f"budget {float(b.max()):g} is more than {defaults.FLEET_DEMAND_ABSURD:g} x the radio's "
                          f"box top {budget_cap:g}", "absurd")
    mi = None
    if sum_mi is not None and len(sum_mi):
        mi = np.asarray(sum_mi, dtype=float)
        if mi.shape != p.shape or not np.all(np.isfinite(mi)) or np.any(mi < 0):
            raise DemandError(f"curve_sum_mi: {mi.size} finite values >= 0 needed, one per price", "bad_sum_mi")
    return DemandCurve(p.copy(), b.copy(), mi)


def budget_for_sum_mi(curve: DemandCurve, bits: float) -> float:
    """The least budget on the curve at which the radio's sum MI reaches ``bits``
    (linear interpolation; the curve's top budget if it never does; 0 for no floor)."""
    if not bits > 0 or curve.sum_mi is None:
        return 0.0
    order = np.argsort(curve.budget, kind="stable")
    b, mi = curve.budget[order], np.maximum.accumulate(curve.sum_mi[order])
    if bits > float(mi[-1]):
        return float(b[-1])
    return float(np.interp(bits, mi, b))


def demand_at(curve: DemandCurve, price: float) -> float:
    """B(price) by linear interpolation of ln B against ln lambda (flat beyond the grid)."""
    x = np.log(curve.price)
    y = np.log(np.maximum(curve.budget, 1e-300))
    return float(np.exp(np.interp(math.log(price), x, y)))
