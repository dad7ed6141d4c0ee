"""Baselines for System 1 (docs/design.md section 3.6).

B0 -- System 1 alone with equal weights, run to convergence (the default KKT-guided
mode; its fixed point is the equal-weight mercury/water-filling optimum).

B1 -- Gaussian-input weighted water-filling (the classical capacity solution, blind
to the finite constellation)::

    P_i = max(0, w_i mu - sigma_i^2 / |h_i|^2),   sum_i P_i = P_total,

solved exactly (sorting the thresholds), then scored under the constellation's MI.
It over-feeds strong channels that a finite constellation has already saturated
(Lozano, Tulino, Verdu 2006 explain why mercury/water-filling differs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import validate_problem

__all__ = ["BaselineResult", "b0", "b1", "gaussian_waterfilling"]


@dataclass(frozen=True)
class BaselineResult:
    """power (N,) linear, mi (N,) bits, total_mi and weighted_mi (weights as given)."""

    name: str
    power: np.ndarray
    mi: np.ndarray
    total_mi: float
    weighted_mi: float


def gaussian_waterfilling(gain, noise_var, weights, p_total) -> np.ndarray:
    """Powers (N,) of weighted water-filling ``P_i = max(0, w_i mu - 1/c_i)`` with
    ``sum P_i = p_total`` (c_i = gain_i / noise_var_i); zero weight or zero gain gives
    P_i = 0. Exact: the active set is a prefix of the channels sorted by the
    threshold ``1 / (w_i c_i)``."""
    gain, noise_var, weights, p_total = validate_problem(gain, noise_var, weights, p_total)
    n = gain.shape[0]
    power = np.zeros(n)
    c = gain / noise_var
    useful = (weights > 0) & (c > 0)
    if p_total <= 0 or not np.any(useful):
        return power
    idx = np.flatnonzero(useful)
    w, inv_c = weights[idx], 1.0 / c[idx]
    tau = inv_c / w  # mu above which the channel is active
    order = np.argsort(tau)
    tau_s = tau[order]
    mu = (p_total + np.cumsum(inv_c[order])) / np.cumsum(w[order])
    nxt = np.append(tau_s[1:], np.inf)
    k = int(np.flatnonzero((mu > tau_s) & (mu <= nxt))[0])
    p = np.maximum(0.0, w * mu[k] - inv_c)
    power[idx] = p
    return power


def _score(name, power, gain, noise_var, weights, constellation) -> BaselineResult:
    mi = get_table(constellation).derivatives(gain / noise_var * power)[0]
    return BaselineResult(name, power, mi, float(mi.sum()), float(np.dot(weights, mi)))


def b1(gain, noise_var, weights, p_total, constellation: str = defaults.CONSTELLATION) -> BaselineResult:
    """B1: Gaussian-input weighted water-filling scored under the constellation's MI."""
    gain, noise_var, weights, p_total = validate_problem(gain, noise_var, weights, p_total)
    power = gaussian_waterfilling(gain, noise_var, weights, p_total)
    return _score("B1", power, gain, noise_var, weights, constellation)


def b0(gain, noise_var, p_total, constellation: str = defaults.CONSTELLATION,
       steps: int = 200) -> BaselineResult:
    """B0: System 1 (default mode) with equal weights after ``steps`` steps from
    equal power (converged to ~1e-12 bits well before 200 steps)."""
    from steer_ros.system1.system1 import System1

    gain, noise_var, _, p_total = validate_problem(gain, noise_var, None, p_total)
    s = System1(gain, noise_var, None, p_total, constellation=constellation)
    for _ in range(int(steps)):
        s.step()
    return _score("B0", s.power, gain, noise_var, s.weights, constellation)
