"""What the navigator sees: one consistent snapshot of channels, allocation and
command in force. Built from System 1 directly (experiments) or from an
AllocationState message (nodes)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from steer_ros.system1.goal import Goal


@dataclass(frozen=True)
class SystemSnapshot:
    """All arrays have shape (N,). gain = |h|^2, power = P_i, mi in bits.

    Optional goal status (from System 1 / AllocationState; "none" by default):
    ``goal`` the goal in force, ``goals_met`` whether System 1 meets it, and
    ``mi_shortfall`` (N,) bits below each floor (0 where met; None = not reported).
    System 1's ``status`` (an AllocationStatus value: 0 TRANSIENT, 1 CONVERGED,
    2 INFEASIBLE, 3 DISTURBED; None = not reported), ``shadow_price`` (d optimal value
    / d P_total) and ``least_budget`` (the smallest budget meeting the goal; NaN = not
    reported).
    """

    gain: np.ndarray
    noise_var: np.ndarray
    power: np.ndarray
    mi: np.ndarray
    weights: np.ndarray
    p_total: float
    goal: Goal = field(default_factory=Goal)
    goals_met: bool = True
    mi_shortfall: np.ndarray | None = None
    status: int | None = None
    shadow_price: float = math.nan
    least_budget: float = math.nan

    @property
    def strength(self) -> np.ndarray:
        """(N,) c_i = |h_i|^2 / sigma_i^2, what ranked selectors ("weakest:2") rank by."""
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.asarray(self.gain, dtype=float) / np.asarray(self.noise_var, dtype=float)
        return np.nan_to_num(c, nan=0.0, posinf=0.0, neginf=0.0)

    @property
    def n(self) -> int:
        return int(self.gain.shape[0])

    @property
    def total_mi(self) -> float:
        return float(np.sum(self.mi))

    @property
    def power_used(self) -> float:
        return float(np.sum(self.power))

    @property
    def mi_spread(self) -> float:
        return float(np.max(self.mi) - np.min(self.mi)) if self.n else 0.0
