"""The step-locked harness: the very System 1, navigator and guardrail classes the
nodes use, driven on one thread with a fixed schedule, so a run is a deterministic
function of (backend, policy, schedule, channels).

Per optimizer step k = 0 .. steps-1::

    if k == reverse_at:            every gain reversed (h_i <-> h_{N+1-i})
    if navigator and k % every == 0:
        raw      = Navigator.decide(System1.snapshot(), policy)   (memoryless)
        accepted = Guardrail.apply(raw, command in force)
        if accepted is OK: System1.set_command(accepted.weights, accepted.p_total, accepted.goal)
    System1.step(); record MI, power, weights, P_total

The navigator is told nothing of the schedule: it sees only the snapshot.
A KEPT / FALLBACK / REJECTED command leaves the command in force, as the optimizer
node does. ``events`` (step -> callable) change the world mid-run: before step k,
``events[k](system1, current)`` may change the channels or the limits and returns
the command in force afterwards (or None: unchanged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from steer_ros import defaults
from steer_ros.channels.scenario import reversed_gains
from steer_ros.lab.experiments.trace import NavigatorCall, Trace, TraceRecorder
from steer_ros.system1.system1 import System1
from steer_ros.system2 import Navigator
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision


@dataclass(frozen=True)
class Schedule:
    """steps: optimizer steps; every: steps per navigator call; warmup: steps before
    the measurement window; reverse_at: step before which every gain is reversed
    (None = never)."""

    steps: int
    every: int
    warmup: int = 0
    reverse_at: int | None = None

    def __post_init__(self):
        if self.steps < 1 or self.every < 1:
            raise ValueError(f"steps and every must be >= 1, got {self.steps}, {self.every}")
        if not 0 <= self.warmup < self.steps:
            raise ValueError(f"warmup must be in [0, steps), got {self.warmup}")
        if self.reverse_at is not None and not 0 <= self.reverse_at < self.steps:
            raise ValueError(f"reverse_at must be in [0, steps), got {self.reverse_at}")

    def to_json(self) -> dict:
        return {"steps": self.steps, "navigator_every": self.every, "warmup": self.warmup,
                "reverse_at": self.reverse_at}


POLICY_SCHEDULE = Schedule(defaults.EXP_POLICY_STEPS, defaults.EXP_POLICY_NAV_EVERY, defaults.EXP_POLICY_WARMUP)
REVERSAL_SCHEDULE = Schedule(defaults.EXP_REVERSAL_STEPS, defaults.EXP_REVERSAL_NAV_EVERY,
                             reverse_at=defaults.EXP_REVERSAL_AT)


def navigator_call(step: int, raw: SteerDecision, accepted: SteerDecision) -> NavigatorCall:
    """The record of one decision (raw proposal and accepted command)."""
    proposed_w = np.asarray(raw.weights, dtype=float).ravel()
    usage = (raw.extras or {}).get("usage") or {}
    return NavigatorCall(
        step=int(step),
        status=Status(accepted.status).name,
        detail=accepted.status_detail
        if accepted.status == Status.OK
        else (raw.status_detail or accepted.status_detail),
        reasoning=str(raw.reasoning),
        latency_s=float(raw.latency_s),
        proposed_weights=tuple(float(w) for w in proposed_w),
        proposed_p_total=float(raw.p_total) if raw.p_total is not None else math.nan,
        accepted_weights=tuple(float(w) for w in np.asarray(accepted.weights, dtype=float).ravel()),
        accepted_p_total=float(accepted.p_total),
        prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"),
        readback=str(getattr(raw, "readback", "") or ""),
        accepted_readback=str(getattr(accepted, "readback", "") or ""),
    )


class StepLockedHarness:
    """Runs System 1 with the navigator and the guardrail step-locked.

    Args:
        navigator: the System 2 decision maker (None = System 1 alone with its
            initial command: the equal-weight baseline B0).
        gain, noise_var: (N,) |h|^2 and sigma^2 (defaults: docs/design.md
            section 1).
        p_total: initial budget.
        guardrail: the guardrail (default: alpha = EMA_ALPHA, docs/design.md section 5).
        weights: (N,) initial weights (None = equal).
    """

    def __init__(self, navigator: Navigator | None, gain=None, noise_var=None,
                 p_total: float = defaults.P_TOTAL, guardrail: Guardrail | None = None, weights=None):
        self.navigator = navigator
        self.gain = np.asarray(defaults.design_gains() if gain is None else gain, dtype=float)
        n = self.gain.shape[0]
        self.noise_var = np.broadcast_to(
            np.asarray(defaults.NOISE_VAR if noise_var is None else noise_var, dtype=float), (n,)).copy()
        self.p_total = float(p_total)
        self.guardrail = guardrail or Guardrail()
        self.weights = defaults.equal_weights(n) if weights is None else np.asarray(weights, dtype=float)

    def run(self, policy: str, schedule: Schedule, label: str = "",
            events: Mapping[int, Callable[[System1, SteerDecision], SteerDecision | None]] | None = None) -> Trace:
        n = self.gain.shape[0]
        system1 = System1(self.gain, self.noise_var, weights=self.weights, p_total=self.p_total)
        current = SteerDecision(weights=system1.weights, p_total=self.p_total)
        events = events or {}
        rec = TraceRecorder(label or policy, policy)
        if schedule.reverse_at is not None:
            rec.events["reverse_at"] = schedule.reverse_at
        rec.events["navigator_every"] = schedule.every
        for k in range(schedule.steps):
            if k == schedule.reverse_at:
                system1.set_channels(reversed_gains(system1.gain), system1.noise_var)
            if k in events:
                current = events[k](system1, current) or current
            if self.navigator is not None and k % schedule.every == 0:
                raw = self.navigator.decide(system1.snapshot(), policy)
                accepted = self.guardrail.apply(raw, current, n, gain=system1.gain, noise_var=system1.noise_var)
                if accepted.status == Status.OK:
                    current = accepted
                    system1.set_command(current.weights, current.p_total, goal=current.goal)
                rec.calls.append(navigator_call(k, raw, accepted))
            system1.step()
            rec.record(
                k, system1.gain, system1.noise_var, system1.mi(), system1.power, system1.weights, system1.p_total
            )
        return rec.trace()
