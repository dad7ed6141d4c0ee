"""The fleet's configuration: cap, coefficients, priorities, boxes, reserves, leases.

Checked once, at start-up: a configuration whose reserves (or box floors) need more
than the cap, ``sum_k a_k max(R_k, Pmin_k) > C``, is refused, because the reserves are
what every radio falls back to when it loses the coordinator, all at once if need be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults

__all__ = ["FleetConfig", "FleetConfigError", "fleet_config", "radio_names"]


class FleetConfigError(ValueError):
    """``str(err)`` is ``"code: detail"``; codes: ``reserves_exceed_cap``, ``bad_fleet_config``."""

    def __init__(self, detail: str, code: str = "bad_fleet_config"):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def radio_names(k: int) -> list[str]:
    """The radios' namespaces: radio1 .. radioK."""
    return [f"radio{i}" for i in range(1, k + 1)]


@dataclass(frozen=True)
class FleetConfig:
    """Arrays are (K,). cap: C; a: a_k > 0 (1 for a shared supply, path gains for an
    interference cap); rho: priorities > 0; p_min / p_max: budget boxes; reserve: R_k,
    the budget a radio falls back to without a valid lease; lease_s: grant duration;
    skew_s: the clock skew margin a radio takes off every lease."""

    cap: float
    a: np.ndarray
    rho: np.ndarray
    p_min: np.ndarray
    p_max: np.ndarray
    reserve: np.ndarray
    lease_s: float = defaults.FLEET_LEASE_S
    skew_s: float = defaults.FLEET_SKEW_S

    @property
    def k(self) -> int:
        return int(self.a.shape[0])

    @property
    def lower(self) -> np.ndarray:
        """The least grant of each radio: max(Pmin_k, R_k) (a reserve is guaranteed)."""
        return np.maximum(self.p_min, self.reserve)


def _per_radio(name: str, value, k: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.size == 1:
        arr = np.full(k, float(arr[0]))
    if arr.shape != (k,):
        raise FleetConfigError(f"{name} has {arr.size} entries for {k} radios (one per radio, or one for all)")
    if not np.all(np.isfinite(arr)):
        raise FleetConfigError(f"{name} must be finite")
    return arr


def fleet_config(k: int, cap: float, a=1.0, rho=1.0, p_min=0.0, p_max=None, reserve=None,
                 lease_s: float = defaults.FLEET_LEASE_S, skew_s: float = defaults.FLEET_SKEW_S) -> FleetConfig:
    """A checked FleetConfig; scalars broadcast to every radio. Defaults: p_max = C
    (no box), reserve = FLEET_RESERVE_FRACTION * C / (K a_k)."""
    if int(k) < 1:
        raise FleetConfigError(f"radios must be >= 1, got {k}")
    k = int(k)
    cap = float(cap)
    if not (math.isfinite(cap) and cap > 0):
        raise FleetConfigError(f"cap must be finite and > 0, got {cap}")
    a = _per_radio("a", a, k)
    if np.any(a <= 0):
        raise FleetConfigError("a (each radio's coefficient in the cap) must be > 0")
    rho = _per_radio("rho", rho, k)
    if np.any(rho <= 0):
        raise FleetConfigError("rho (priorities) must be > 0")
    p_min = _per_radio("p_min", p_min, k)
    p_max = _per_radio("p_max", cap / a if p_max is None else p_max, k)
    if reserve is None:
        reserve = defaults.FLEET_RESERVE_FRACTION * cap / (k * a)
    reserve = _per_radio("reserve", reserve, k)
    if np.any(p_min < 0) or np.any(reserve < 0):
        raise FleetConfigError("p_min and reserve must be >= 0")
    bad = np.flatnonzero((p_min > p_max) | (reserve > p_max))
    if bad.size:
        i = int(bad[0])
        raise FleetConfigError(f"radio{i + 1}: p_min {p_min[i]:g} and reserve {reserve[i]:g} must be <= "
                               f"p_max {p_max[i]:g}")
    need = float(np.dot(a, np.maximum(p_min, reserve)))
    if need > cap * (1 + 1e-12):
        raise FleetConfigError(f"sum_k a_k max(R_k, Pmin_k) = {need:.6g} > cap C = {cap:.6g}: the reserves "
                               "every radio falls back to would break the cap", "reserves_exceed_cap")
    if not (math.isfinite(lease_s) and lease_s > 0):
        raise FleetConfigError(f"lease_s must be > 0, got {lease_s}")
    if not (math.isfinite(skew_s) and 0 <= skew_s < lease_s):
        raise FleetConfigError(f"skew_s must be in [0, lease_s), got {skew_s}")
    return FleetConfig(cap, a, rho, p_min, p_max, reserve, float(lease_s), float(skew_s))
