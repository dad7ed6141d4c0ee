"""alpha-fair utility of the channels' MI (docs/design.md, "alpha_fair").

The objective is ``sum_i w_i U_alpha(I_i(P_i))`` with
``U_alpha(x) = x^(1 - alpha) / (1 - alpha)`` (alpha != 1) and ``log x`` (alpha = 1),
alpha in [0, 20]: alpha = 0 is the weighted sum rate, alpha = 1 proportional
fairness, alpha -> infinity tends to max-min. U_alpha is concave and increasing and
I_i(P) = I(c_i P) concave and increasing, so the program is concave. Its KKT
condition per channel (inside its box) is::

    w_i c_i m_alpha(c_i P_i) = lambda,    m_alpha(snr) = I(snr)^(-alpha) I'(snr),

and m_alpha falls strictly with snr (from +inf at snr = 0 for alpha > 0 to 0 at
saturation), so each channel's power is a decreasing function of lambda and the
budget fixes lambda, as for mercury/water-filling.

:class:`AlphaInverse` tabulates t = ln snr against v = ln m_alpha on a uniform
grid in v, once per alpha: System 1's response is one table lookup per channel.
:func:`alpha_log_snr` is the exact per-channel solve of the certified optimum
(Newton on ln snr from the table's value, inside a bracket).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from steer_ros import defaults
from steer_ros.radio.mutual_information import MITable, get_table
from steer_ros.system1.roots import vector_newton

__all__ = ["ALPHA_MAX", "AlphaInverse", "alpha_inverse", "alpha_log_snr", "alpha_utility", "log_marginal"]

ALPHA_MAX = defaults.ALPHA_FAIR_MAX
_LOG_SNR_MIN = -700.0  # snr = e^-700: no power at all, and exp() still finite


def alpha_utility(mi: np.ndarray, alpha: float) -> np.ndarray:
    """U_alpha(I) elementwise (-inf at I = 0 for alpha >= 1)."""
    mi = np.asarray(mi, dtype=float)
    with np.errstate(divide="ignore"):
        if alpha == 1.0:
            return np.log(mi)
        return np.power(mi, 1.0 - alpha) / (1.0 - alpha)


def log_marginal(table: MITable, alpha: float, snr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ln m_alpha(snr), d ln m_alpha / d ln snr), m_alpha = I^-alpha I' (module docstring)."""
    i, d1, d2 = table.derivatives(snr)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = -alpha * np.log(i) + np.log(d1)
        dy = snr * (-alpha * d1 / i + d2 / d1)
    return y, dy


class AlphaInverse:
    """t = ln snr as a function of v = ln m_alpha(snr), tabulated (uniform in v).

    Below the table (small v: snr at saturation) t = ln snr_sat; above it (large v:
    tiny snr) the first cell is extended linearly (there ln m_alpha ~ -alpha ln snr),
    down to t = -700."""

    def __init__(self, table: MITable, alpha: float):
        if not 0.0 < alpha <= ALPHA_MAX:
            raise ValueError(f"alpha must be in (0, {ALPHA_MAX:g}] for the alpha-fair table, got {alpha}")
        self.alpha = float(alpha)
        t = table.t0 + table.h * np.arange(table.n)
        keep = (table.d1 > defaults.MI_TABLE_MIN_SLOPE) & (t <= math.log(table.snr_sat))
        t = t[keep]
        y, _ = log_marginal(table, alpha, np.exp(t))
        y, t = y[::-1], t[::-1]  # increasing in v
        ok = np.concatenate(([True], np.diff(y) > 0))
        y, t = y[ok], t[ok]
        nv = defaults.MI_INV_TABLE_SIZE
        self.v0 = float(y[0])
        self.dv = (float(y[-1]) - self.v0) / (nv - 1)
        self.inv_dv = 1.0 / self.dv
        grid = np.interp(self.v0 + self.dv * np.arange(nv), y, t)
        self.t = grid
        self.slope = np.append(np.diff(grid), grid[-1] - grid[-2]) * self.inv_dv  # dt/dv per cell (< 0)
        self.top = float(nv - 1)
        self.t_sat = float(grid[0])

    def log_snr(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(t, dt/dv) at v = ln m_alpha (any shape)."""
        x = (np.minimum(v, 1e300) - self.v0) * self.inv_dv
        below = x < 0.0
        k = np.minimum(np.maximum(x, 0.0), self.top).astype(np.intp)
        sl = self.slope[k]
        t = self.t[k] + (x - k) * self.dv * sl
        t = np.maximum(np.where(below, self.t_sat, t), _LOG_SNR_MIN)
        return t, np.where(below | (t <= _LOG_SNR_MIN), 0.0, sl)


@functools.lru_cache(maxsize=32)
def alpha_inverse(constellation: str, alpha: float) -> AlphaInverse:
    """The (cached) :class:`AlphaInverse` of a constellation and alpha."""
    return AlphaInverse(get_table(constellation), alpha)


def alpha_log_snr(table: MITable, inverse: AlphaInverse, v: np.ndarray) -> np.ndarray:
    """Exact t = ln snr with ln m_alpha(snr) = v, elementwise: Newton from the table's
    value inside a bracket of +-0.25 around it, then inside the whole range
    [-700, ln snr_sat] wherever that did not converge."""
    alpha = inverse.alpha
    t0, _ = inverse.log_snr(v)

    def g(t):
        y, dy = log_marginal(table, alpha, np.exp(t))
        return y - v, dy

    t_top = inverse.t_sat
    t = vector_newton(g, np.maximum(t0 - 0.25, _LOG_SNR_MIN), np.minimum(t0 + 0.25, t_top), t0,
                      increasing=False, iters=8)
    r, _ = g(t)
    bad = ~(np.abs(r) <= 1e-11) & (t > _LOG_SNR_MIN) & (t < t_top)
    if np.any(bad):
        vb = v[bad]

        def gb(tb):
            y, dy = log_marginal(table, alpha, np.exp(tb))
            return y - vb, dy

        t[bad] = vector_newton(gb, np.full(vb.shape, _LOG_SNR_MIN), np.full(vb.shape, t_top), t[bad],
                               increasing=False, iters=90)
    return t
