"""What a drill measures on the allocations System 1 published during a fault.

ROS-free: works on any sequence of samples with the fields of
:class:`steer_ros.lab.fixtures.monitor_node.AllocationSample` (t, stamp, step, power, p_total).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from steer_ros import defaults

#: Absolute tolerance of the budget constraint (sum P_i > P_total + 1e-9 is a violation).
FEASIBILITY_TOL = 1e-9


def violates(sample, p_min: float = defaults.P_MIN, p_max: float = defaults.P_MAX) -> str:
    """Why this allocation is infeasible ("" when it is feasible).

    Checked from the power array itself, not the published ``power_used``.
    """
    power = np.asarray(sample.power, dtype=float)
    p_total = float(sample.p_total)
    if not np.all(np.isfinite(power)) or not math.isfinite(p_total):
        return "non-finite power or budget"
    if np.any(power < 0):
        return f"negative power {float(power.min()):g}"
    used = float(power.sum())
    if used > p_total + FEASIBILITY_TOL:
        return f"sum P_i = {used:.12g} > P_total = {p_total:.12g}"
    if not p_min <= p_total <= p_max:
        return f"P_total = {p_total:g} outside [{p_min:g}, {p_max:g}]"
    return ""


def feasibility_violations(samples: Sequence, p_min: float = defaults.P_MIN, p_max: float = defaults.P_MAX) -> int:
    return sum(1 for s in samples if violates(s, p_min, p_max))


def step_rate(samples: Sequence) -> float:
    """Steps per second over the samples, on the optimizer's own clock (header stamps):
    (last.step - first.step) / (last.stamp - first.stamp). NaN with < 2 samples."""
    if len(samples) < 2:
        return math.nan
    first, last = samples[0], samples[-1]
    dt = last.stamp - first.stamp
    return (last.step - first.step) / dt if dt > 0 else math.nan


def max_gap_s(samples: Sequence) -> float:
    """Longest silence between consecutive allocations (reception times), seconds."""
    if len(samples) < 2:
        return math.nan
    t = np.array([s.t for s in samples])
    return float(np.max(np.diff(t)))


@dataclass
class RowResult:
    """The measurements of one fault row (what the table and faults.json show)."""

    name: str
    category: str
    window_s: float = math.nan
    step_rate_hz: float = math.nan
    nominal_rate_hz: float = defaults.OPTIMIZER_RATE_HZ
    allocations: int = 0
    violations: int = 0
    max_gap_s: float = math.nan
    outcome: str = ""
    detail: str = ""
    recovery_s: float = math.nan
    passed: bool = False
    failures: list[str] | None = None
    extras: dict | None = None

    @property
    def rate_kept(self) -> float:
        """Achieved step rate as a fraction of nominal."""
        return self.step_rate_hz / self.nominal_rate_hz if self.nominal_rate_hz else math.nan

    def measure(self, samples: Sequence, t0: float, t1: float) -> "RowResult":
        """Fill the System 1 columns from the allocations received in [t0, t1]."""
        window = [s for s in samples if t0 <= s.t <= t1]
        self.window_s = t1 - t0
        self.allocations = len(window)
        self.step_rate_hz = step_rate(window)
        self.violations = feasibility_violations(window)
        self.max_gap_s = max_gap_s(window)
        reasons = [why for s in window if (why := violates(s))]
        if reasons:
            self.extras = {**(self.extras or {}), "first_violation": reasons[0]}
        return self

    def to_json(self) -> dict:
        out = {k: v for k, v in vars(self).items()}
        out["rate_kept"] = self.rate_kept
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}
