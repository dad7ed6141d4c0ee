"""System 1's status (docs/design.md, "Status, shadow price and least budget").

The rule, evaluated whenever an allocation is published, from the certified optimum
of the command in force on the current channels and System 1's gap to it:

* INFEASIBLE: no allocation within P_total meets the goal on these channels (the
  certificate says so; System 1 then runs the documented best-feasible fallback and
  ``least_budget`` says what budget would meet the goal);
* CONVERGED: the gap is within ``STATUS_GAP_TOL * max(1, |optimal value|)`` and the
  goal is met;
* DISTURBED: it was CONVERGED (or DISTURBED) and since then only the channels
  changed (a fade moved the optimum) -- until it is CONVERGED again;
* TRANSIENT: otherwise (a new command, the start, or no gap to judge by).

Values equal the AllocationState.STATUS_* constants.
"""

from __future__ import annotations

import math
from enum import IntEnum

from steer_ros import defaults

__all__ = ["AllocationStatus", "StatusTracker"]


class AllocationStatus(IntEnum):
    """Values equal AllocationState.STATUS_*."""

    TRANSIENT = 0
    CONVERGED = 1
    INFEASIBLE = 2
    DISTURBED = 3


class StatusTracker:
    """The status rule of the module docstring, with its memory of the last input."""

    def __init__(self, tol: float = defaults.STATUS_GAP_TOL):
        self.tol = float(tol)
        self.status = AllocationStatus.TRANSIENT
        self._settled = False  # CONVERGED since the last command
        self.transitions = 0

    def command_changed(self) -> None:
        """A new command was applied: the goal moved, not the world."""
        self._settled = False

    def update(self, feasible: bool, gap: float, goals_met: bool, value: float) -> AllocationStatus:
        """The status now (module docstring); ``gap`` NaN = not computed."""
        if not feasible:
            status = AllocationStatus.INFEASIBLE
            self._settled = False
        elif math.isfinite(gap) and abs(gap) <= self.tol * max(1.0, abs(value) if math.isfinite(value) else 1.0) \
                and goals_met:
            status = AllocationStatus.CONVERGED
            self._settled = True
        elif self._settled:
            status = AllocationStatus.DISTURBED
        else:
            status = AllocationStatus.TRANSIENT
        if status != self.status:
            self.transitions += 1
        self.status = status
        return status
