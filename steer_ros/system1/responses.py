"""System 1's goal path: one object per response family (docs/design.md, "Goals as
constraints").

A response family maps a scalar theta to a target allocation T(theta) inside the
goal's power boxes [lo, hi], with sum T increasing in theta; System 1's goal step
finds the theta whose T spends the budget (bounded Newton, warm-started) and moves
part of the way to T. Each family is built once per command or channel update
(:func:`goal_path`) and holds every constant it needs from then on:

* :class:`KktResponse` (weighted_sum, min_power): theta = -ln lambda,
  ``T_i = clip(I'^{-1}(lambda / b_i) / c_i, lo_i, hi_i)`` with b_i = w_i c_i
  (min_power: b_i = c_i);
* :class:`LevelResponse` (max_min): theta = ln sigma, ``T_i = clip(sigma / c_i, lo_i, hi_i)``
  on the active channels (equal snr is equal MI);
* :class:`AlphaResponse` (alpha_fair, alpha > 0): theta = -ln lambda,
  ``T_i = clip(snr_i / c_i, lo_i, hi_i)`` with ``w_i c_i I(snr_i)^-alpha I'(snr_i) = lambda``
  (the tabulated inverse of :class:`steer_ros.system1.alpha_fair.AlphaInverse`;
  alpha = 0 is the weighted sum and uses :class:`KktResponse`);
* :class:`RatioResponse` (floors that do not fit the budget): theta = r in [0, 1],
  ``T_i = I^{-1}(r f_i) / c_i`` on the floored channels, 0 elsewhere.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros.radio.mutual_information import MITable
from steer_ros.system1 import goal_optimum as go
from steer_ros.system1.alpha_fair import AlphaInverse, alpha_inverse, log_marginal
from steer_ros.system1.goal import Objective, ResolvedGoal

__all__ = ["LOG_LAM_LIMIT", "AlphaResponse", "GoalPath", "KktResponse", "LevelResponse", "RatioResponse",
           "clamp_log_lam", "goal_path"]

# ln(lambda) stays where exp() neither underflows nor overflows: with one useful
# channel saturating (every other weight 0) the multiplier search drives lambda
# towards 0 without end, and exp() of a huge negative number times 1/b = inf of the
# useless channels would give NaN.
LOG_LAM_LIMIT = 700.0


def clamp_log_lam(ell: float) -> float:
    """ln lambda clamped to [-LOG_LAM_LIMIT, LOG_LAM_LIMIT]."""
    return -LOG_LAM_LIMIT if ell < -LOG_LAM_LIMIT else (LOG_LAM_LIMIT if ell > LOG_LAM_LIMIT else ell)


class KktResponse:
    """Boxed mercury/water-filling response; theta = -ln lambda.

    Args:
        table: the constellation's MI table. c, inv_c: gain / noise_var and its
            inverse (0 where c = 0). b: (N,) w_i c_i (0 = no value: the channel sits
            at lo). lo, hi: the power boxes.
    """

    def __init__(self, table: MITable, c: np.ndarray, inv_c: np.ndarray, b: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray):
        self.table = table
        self.lo, self.hi = lo, hi
        self.sum_lo = float(lo.sum())
        self.inv_c = inv_c
        self.c = c
        with np.errstate(divide="ignore"):
            self.log_b_s = np.log(b) * table.inv_dr  # -inf where b = 0: snr 0, T = lo
            self.inv_b = 1.0 / b
        self.b = b
        self.dt_scale = table.inv_dr * table.slope_top
        self.useful = bool(np.any(b > 0))
        self.bounds = (-LOG_LAM_LIMIT, LOG_LAM_LIMIT, 2.0)

    def response(self, theta: float) -> tuple[np.ndarray, float, float]:
        """(T, sum T, d sum T / d theta): the inverse-slope table lookup of
        :meth:`MITable.log_snr_for_log_slope` with the per-command constants folded in."""
        tab = self.table
        ell = -theta
        gap = np.maximum(tab.slope_top - math.exp(ell) * self.inv_b, 1e-300)
        x = ((ell - tab.r0) * tab.inv_dr - self.log_b_s) - np.log(gap) * tab.inv_dr
        x = np.minimum(np.maximum(x, 0.0), tab.inv_top)
        k = x.astype(np.intp)
        sl = tab.inv_slope[k]
        p = np.exp(tab.inv_t[k] + (x - k) * sl) * self.inv_c
        t = np.minimum(np.maximum(p, self.lo), self.hi)
        free = (p > self.lo) & (p < self.hi)
        ds = -float(np.dot(np.where(free, p * sl, 0.0), self.dt_scale / gap))
        return t, float(t.sum()), ds

    def initial_theta(self, power: np.ndarray, p_total: float) -> float:
        """-ln of the median marginal utility b_i I'(c_i P_i) at ``power``."""
        useful = self.b > 0
        if not np.any(useful):
            return 0.0
        _, d1, _ = self.table.derivatives(self.c[useful] * power[useful])
        m = self.b[useful] * d1
        m = m[m > 0]
        return -math.log(float(np.median(m))) if m.size else 0.0

    def multiplier(self, theta: float) -> float:
        """lambda = exp(-theta), in the units of b (weights as given)."""
        return math.exp(-theta)


class AlphaResponse:
    """alpha-fair response (alpha > 0); theta = -ln lambda.

    Args:
        table: the MI table. inverse: the :class:`AlphaInverse` of alpha. c, inv_c:
            gain / noise_var and its inverse. b: (N,) w_i c_i (0 = not in the
            utility: the channel sits at lo). lo, hi: the power boxes.
    """

    def __init__(self, table: MITable, inverse: AlphaInverse, c: np.ndarray, inv_c: np.ndarray, b: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray):
        self.table = table
        self.inverse = inverse
        self.lo, self.hi = lo, hi
        self.sum_lo = float(lo.sum())
        self.c, self.inv_c, self.b = c, inv_c, b
        with np.errstate(divide="ignore"):
            self.log_b = np.log(b)  # -inf: v = inf, snr ~ 0, T = lo
        self.useful = bool(np.any(b > 0))
        self.bounds = (-LOG_LAM_LIMIT, LOG_LAM_LIMIT, 2.0)

    def response(self, theta: float) -> tuple[np.ndarray, float, float]:
        t, dt_dv = self.inverse.log_snr(-theta - self.log_b)
        p = np.exp(t) * self.inv_c
        tt = np.minimum(np.maximum(p, self.lo), self.hi)
        free = (p > self.lo) & (p < self.hi)
        return tt, float(tt.sum()), -float(np.dot(np.where(free, p, 0.0), dt_dv))

    def initial_theta(self, power: np.ndarray, p_total: float) -> float:
        """-ln of the median marginal utility b_i m_alpha(c_i P_i) at ``power``."""
        useful = self.b > 0
        if not np.any(useful):
            return 0.0
        snr = np.maximum(self.c[useful] * power[useful], 1e-300)
        y, _ = log_marginal(self.table, self.inverse.alpha, snr)
        m = self.log_b[useful] + y
        m = m[np.isfinite(m)]
        return -float(np.median(m)) if m.size else 0.0


class LevelResponse:
    """Equal-snr (max-min) response on ``active`` channels; theta = ln sigma."""

    def __init__(self, inv_c: np.ndarray, active: np.ndarray, lo: np.ndarray, hi: np.ndarray, snr_sat: float):
        self.lo, self.hi = lo, hi
        self.sum_lo = float(lo.sum())
        self.active = active
        self.inv_c_act = np.where(active, inv_c, 0.0)
        self.useful = True
        self.bounds = (-LOG_LAM_LIMIT, math.log(snr_sat), 2.0)

    def response(self, theta: float) -> tuple[np.ndarray, float, float]:
        p = math.exp(theta) * self.inv_c_act
        t = np.where(self.active, np.minimum(np.maximum(p, self.lo), self.hi), self.lo)
        free = self.active & (p > self.lo) & (p < self.hi)
        return t, float(t.sum()), float(np.sum(p[free]))

    def initial_theta(self, power: np.ndarray, p_total: float) -> float:
        """ln of the snr that would spend ``p_total`` equally in snr."""
        sic = float(np.sum(self.inv_c_act))
        return math.log(max(p_total / sic, 1e-300)) if sic > 0 else 0.0


class RatioResponse:
    """Every floored channel at the same fraction r of its floor; theta = r."""

    def __init__(self, table: MITable, c: np.ndarray, floors: np.ndarray, lower: np.ndarray):
        n = c.shape[0]
        self.table = table
        self.sel = (floors > 0) & (c > 0)
        self.f = floors[self.sel]
        self.inv_c_sel = 1.0 / c[self.sel]
        self.lo, self.hi = np.zeros(n), lower
        self.sum_lo = 0.0
        self.useful = True
        self.bounds = (0.0, 1.0, 0.25)

    def response(self, theta: float) -> tuple[np.ndarray, float, float]:
        snr = self.table.snr_for_mi(theta * self.f)
        t = np.zeros(self.lo.shape[0])
        t[self.sel] = snr * self.inv_c_sel
        _, d1, _ = self.table.derivatives(np.minimum(snr, self.table.snr_hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            ds = float(np.sum(np.where(d1 > 0, self.f * self.inv_c_sel / d1, np.inf)))
        return t, float(t.sum()), ds

    def initial_theta(self, power: np.ndarray, p_total: float) -> float:
        return 0.5


GoalPath = KktResponse | AlphaResponse | LevelResponse | RatioResponse


def goal_path(goal: ResolvedGoal, table: MITable, c: np.ndarray, inv_c: np.ndarray, weights: np.ndarray,
              lo: np.ndarray, hi: np.ndarray, unreachable: np.ndarray, p_total: float,
              constellation: str = "qpsk") -> GoalPath:
    """The response family of ``goal`` on these channels and boxes (``lo`` with the
    unreachable floors already dropped): the ratio family when the floors do not fit
    ``p_total``, else the objective's own."""
    live = (c > 0) & ~goal.off
    if float(lo.sum()) > p_total:
        return RatioResponse(table, c, np.where(unreachable, 0.0, goal.floors), lo)
    if goal.objective == Objective.MAX_MIN:
        active = live & ~go.dead_channels(c, p_total)
        return LevelResponse(inv_c, active, lo, hi, table.snr_sat)
    if goal.objective == Objective.ALPHA_FAIR:
        b = np.where(live & (hi > 0), weights * c, 0.0)
        if goal.alpha == 0.0:
            return KktResponse(table, c, inv_c, b, lo, hi)
        return AlphaResponse(table, alpha_inverse(constellation, float(goal.alpha)), c, inv_c, b, lo, hi)
    scale = weights if goal.objective == Objective.WEIGHTED_SUM else 1.0
    return KktResponse(table, c, inv_c, np.where(live, scale * c, 0.0), lo, hi)
