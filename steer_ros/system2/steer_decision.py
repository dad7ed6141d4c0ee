"""The steering command as a plain value: what the navigator proposes and the
guardrail accepts. Mirrors ``msg/SteerCommand.msg`` (same status codes) so the
ROS-free core and the nodes speak the same language."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np

from steer_ros.system1.goal import Goal


class Status(IntEnum):
    """Outcome codes; values equal the SteerCommand.STATUS_* constants."""

    OK = 0
    FALLBACK = 1
    REJECTED = 2
    KEPT = 3


@dataclass(frozen=True)
class SteerDecision:
    """weights (N,), p_total (NaN = leave the budget as it is), the goal, and why.

    ``goal`` holds the resolved per-channel goal arrays (objective, floors, caps, off,
    sum-MI floor, alpha, power caps); the default ``Goal()`` is the paper's plain
    weighted sum. ``escalate``: p_total is a budget escalation, applied at once
    (no smoothing) while System 1 is INFEASIBLE (the guardrail's rule). ``readback``
    says what the command does in one sentence (the navigator fills it on a proposal,
    the guardrail on what it lets through).
    """

    weights: np.ndarray
    p_total: float = math.nan
    reasoning: str = ""
    policy: str = ""
    backend: str = ""
    status: Status = Status.OK
    status_detail: str = ""
    latency_s: float = 0.0
    goal: Goal = field(default_factory=Goal)
    extras: dict = field(default_factory=dict, compare=False)
    #: The canonical sentence of this command (:func:`steer_ros.system2.readback.readback`),
    #: made from the command itself; "" where none was made.
    readback: str = field(default="", compare=False)
    escalate: bool = False

    def with_(self, **changes) -> "SteerDecision":
        return replace(self, **changes)
