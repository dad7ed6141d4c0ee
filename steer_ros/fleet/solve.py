"""The coordinator's solve and the central optimum it is certified against
(docs/design.md, "Many radios, one budget").

Fleet problem: ``max sum_k rho_k U_k(P_k)  s.t.  sum_k a_k P_k <= C,  lo_k <= P_k <= hi_k``
with U_k concave increasing and U_k' = lambda_k the radio's own multiplier. KKT:
``rho_k lambda_k(P_k) = mu a_k`` for every radio strictly inside its box. So radio k's
grant at fleet price mu is its demand at its own price ``mu a_k / rho_k``, clipped to its
box, and mu is the price at which the weighted grants spend C. The total is
non-increasing in mu: one bisection on ln mu, vectorized over the K radios (each
iteration a (K, M) comparison and a gather), ending on the side that fits the cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.fleet.config import FleetConfig
from steer_ros.fleet.demand import DemandCurve, budget_response
from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import validate_problem
from steer_ros.system1.goal_optimum import boxed_waterfill

__all__ = ["CurveSet", "FleetOptimum", "RadioProblem", "allocate", "central_optimum", "curve_set"]

_BISECT = 80


@dataclass(frozen=True)
class CurveSet:
    """K demand curves padded to (K, M): x = ln price (increasing per row; padding
    repeats the last point), y = ln budget."""

    x: np.ndarray
    y: np.ndarray


def curve_set(curves: list[DemandCurve]) -> CurveSet:
    m = max(c.price.shape[0] for c in curves)
    x = np.empty((len(curves), m))
    y = np.empty((len(curves), m))
    for i, c in enumerate(curves):
        n = c.price.shape[0]
        x[i, :n] = np.log(c.price)
        y[i, :n] = np.log(np.maximum(c.budget, 1e-300))
        x[i, n:] = x[i, n - 1] + np.arange(1, m - n + 1)  # flat continuation
        y[i, n:] = y[i, n - 1]
    return CurveSet(x, y)


def _interp_rows(x: np.ndarray, y: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise np.interp: x (K, M) increasing rows, q (K,). Flat beyond the ends."""
    k, m = x.shape
    j = np.clip((x < q[:, None]).sum(axis=1), 1, m - 1)
    rows = np.arange(k)
    x0, x1 = x[rows, j - 1], x[rows, j]
    y0, y1 = y[rows, j - 1], y[rows, j]
    t = np.clip((q - x0) / (x1 - x0), 0.0, 1.0)
    return y0 + t * (y1 - y0)


def allocate(curves: CurveSet, config: FleetConfig, active: np.ndarray | None = None,
             fixed: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """(mu, grants (K,)): the price that spends the cap and each radio's grant.

    active: (K,) bool, radios whose curve is used; the others are given ``fixed`` (their
    last grant or reserve, counted against the cap first). A radio switched off has
    p_max = 0. The grants satisfy ``sum_k a_k g_k <= C`` and each box, exactly."""
    k = config.k
    active = np.ones(k, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    lo, hi = config.lower, config.p_max
    grants = np.where(active, lo, np.minimum(np.maximum(fixed, lo), hi) if fixed is not None else lo)
    room = config.cap - float(np.dot(config.a[~active], grants[~active]))
    if not np.any(active):
        return math.nan, grants
    a, x, y = config.a[active], curves.x[active], curves.y[active]
    shift = np.log(a / config.rho[active])
    lo_a, hi_a = lo[active], hi[active]

    def grant(log_mu: float) -> np.ndarray:
        return np.minimum(np.maximum(np.exp(_interp_rows(x, y, log_mu + shift)), lo_a), hi_a)

    bottom = float(np.min(x[:, 0] - shift)) - 1.0  # every radio at its curve's top
    top = float(np.max(x[:, -1] - shift)) + 1.0  # every radio at its curve's bottom
    g = grant(bottom)
    if float(np.dot(a, g)) <= room:
        grants[active] = g
        return 0.0, grants
    g_top = grant(top)
    if float(np.dot(a, g_top)) > room:  # even the least demands do not fit: the boxes' floors
        grants[active] = lo_a
        return math.exp(top), grants
    for _ in range(_BISECT):
        mid = 0.5 * (bottom + top)
        if float(np.dot(a, grant(mid))) > room:
            bottom = mid
        else:
            top = mid
        if top - bottom < 1e-13:
            break
    grants[active] = grant(top)
    return math.exp(top), grants


# --------------------------------------------------------------------------------------
# the certificate: the same problem solved centrally over all K x N channels
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RadioProblem:
    """One radio's channels and weights (None = equal) and the most budget it wants."""

    gain: np.ndarray
    noise_var: np.ndarray | float = defaults.NOISE_VAR
    weights: np.ndarray | None = None


@dataclass(frozen=True)
class FleetOptimum:
    """mu: the fleet price; budgets (K,); sum_mi (K,) bits; utility: sum_k rho_k U_k;
    power: per radio (N_k,) arrays."""

    mu: float
    budgets: np.ndarray
    sum_mi: np.ndarray
    utility: float
    power: list


def _radio_arrays(r: RadioProblem, table):
    gain, noise_var, w, _ = validate_problem(r.gain, r.noise_var, r.weights, None)
    n = gain.shape[0]
    s = float(w.sum())
    v = w * (n / s) if s > 0 else np.ones(n)
    c = gain / noise_var
    return v * c, c, v


def central_optimum(radios: list[RadioProblem], config: FleetConfig,
                    constellation: str = defaults.CONSTELLATION) -> FleetOptimum:
    """The fleet optimum, exactly: bisection on ln mu of ``sum_k a_k clip(B_k(mu a_k /
    rho_k), lo_k, hi_k) = C`` with each B_k the radio's exact KKT response over its own
    channels (all K x N channels, no grid), then each radio's certified optimum at its
    budget. Where no box binds this equals the certified optimum of all K x N channels
    in one solve, with gains c / a_k and weights rho_k v (test_fleet_core checks)."""
    table = get_table(constellation)
    k = config.k
    if len(radios) != k:
        raise ValueError(f"{len(radios)} radios for a fleet of {k}")
    arrays = [_radio_arrays(r, table) for r in radios]
    lo, hi, a, rho = config.lower, config.p_max, config.a, config.rho

    def budgets(log_mu: float) -> np.ndarray:
        out = np.empty(k)
        for i, (b, c, _) in enumerate(arrays):
            lam = math.exp(log_mu) * a[i] / rho[i]
            zero = np.zeros_like(c)
            out[i] = float(budget_response(table, b, c, zero, np.full_like(c, np.inf), np.array([lam]))[0])
        return np.minimum(np.maximum(out, lo), hi)

    b_max = max(float(np.max(b)) for b, _, _ in arrays)
    b_min = min(float(np.min(b[b > 0])) for b, _, _ in arrays)
    top = math.log(b_max * table.slope_top * float(np.max(rho / a))) + 1.0
    bottom = math.log(b_min * max(table.slope_sat, 1e-300) * float(np.min(rho / a))) - 1.0
    if float(np.dot(a, budgets(bottom))) <= config.cap:
        mu, grant = 0.0, budgets(bottom)
    else:
        for _ in range(200):
            mid = 0.5 * (bottom + top)
            if float(np.dot(a, budgets(mid))) > config.cap:
                bottom = mid
            else:
                top = mid
            if top - bottom < 1e-14:
                break
        mu, grant = math.exp(top), budgets(top)
    powers, sum_mi, utility = [], np.empty(k), 0.0
    for i, (b, c, v) in enumerate(arrays):
        p, _ = boxed_waterfill(table, b, c, np.zeros_like(c), np.full_like(c, np.inf), float(grant[i]))
        mi = table.mi(c * p)
        powers.append(p)
        sum_mi[i] = float(mi.sum())
        utility += float(rho[i] * np.dot(v, mi))
    return FleetOptimum(mu, grant, sum_mi, utility, powers)


def radio_value(radio: RadioProblem, budget: float, constellation: str = defaults.CONSTELLATION) -> float:
    """U_k(budget): the radio's certified optimum value (sum MI for equal weights), bits."""
    table = get_table(constellation)
    b, c, v = _radio_arrays(radio, table)
    p, _ = boxed_waterfill(table, b, c, np.zeros_like(c), np.full_like(c, np.inf), float(budget))
    return float(np.dot(v, table.mi(c * p)))
