"""System 1 as a service, free of ROS: what the optimizer node runs between its
subscriptions and publishers.

:class:`System1Runner` holds the optimizer and what surrounds it at run time:

* the newest pending inputs (a channel state, a command), applied together before
  the next step; a command is re-bounded first by the ``bound`` callable the caller
  supplies (the node passes the guardrail's bounds: defence in depth, so not even a
  stranger's command can make an allocation infeasible);
* the event burst: after an input change, up to ``event_burst_steps`` steps at once,
  ending once the powers move by less than ``OPTIMIZER_EVENT_TOL * P_total``;
* the restart: a step that raises starts System 1 afresh (equal power split:
  feasible) under the same channels and command, and the step count carries on;
* the budget in force: the one the last command asked for (``requested``), held at
  most at ``budget_cap`` (a fleet's share; inf outside a fleet) and at least at
  ``FLEET_MIN_BUDGET``; ``on_change`` is called after every applied input;
* the certified optimum of the command in force, cached until the channels or the
  command change, for the live optimality gap and the status, shadow price and
  least budget (:meth:`System1Runner.assess`, :mod:`steer_ros.system1.status`).

Problems go to a ``reporter`` with the optimizer's diagnostics interface
(``problem(key, text, level)``, ``reject(counter, text, context, level)``,
``clear(key)``); the node passes its DiagnosticsReporter, tests a recorder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.certified_optimum import certified_optimum
from steer_ros.system1.status import AllocationStatus, StatusTracker
from steer_ros.system1.system1 import System1

__all__ = ["Assessment", "RunnerConfig", "System1Runner"]

WARN, ERROR = 1, 2  # diagnostic levels (DiagnosticStatus WARN / ERROR)

# bound(command, n, p_total) -> (outcome, bounded command): outcome "ok", "adjusted"
# (re-bounded: the sender was out of bounds) or "rejected" (keep the command in force)
Bound = Callable[[Any, int, float], tuple[str, Any]]


@dataclass(frozen=True)
class RunnerConfig:
    """The optimizer's settings (the node's parameters of the same names)."""

    p_total: float = defaults.P_TOTAL
    p_min: float = defaults.P_MIN
    p_max: float = defaults.P_MAX
    mode: str = defaults.OPTIMIZER_MODE
    constellation: str = defaults.CONSTELLATION
    a_min: float = defaults.A_MIN
    event_burst_steps: int = defaults.OPTIMIZER_EVENT_BURST_STEPS


@dataclass(frozen=True)
class Assessment:
    """What the certified optimum says about System 1 now: gap (NaN = not computed),
    status, shadow_price (d optimal value / d P_total, the objective's normalization;
    NaN = not computed), least_budget (the smallest budget that meets the goal: 0
    without floors or a sum-MI floor, inf if none does; NaN = not computed)."""

    gap: float
    status: AllocationStatus
    shadow_price: float
    least_budget: float


class _Silent:
    def problem(self, key, text, level=WARN, log=True):
        pass

    def reject(self, counter, text, context="", level=ERROR):
        pass

    def clear(self, key):
        pass


class System1Runner:
    """System 1 with its pending inputs, burst, restart and certified-optimum cache.

    Args:
        config: :class:`RunnerConfig`.
        bound: re-bounds a command before it is applied (see ``Bound``); default:
            every command as it is.
        reporter: the diagnostics sink (see the module docstring).
        log: one-line info messages (the node's logger).
    """

    def __init__(self, config: RunnerConfig, bound: Bound | None = None, reporter=None,
                 log: Callable[[str], None] | None = None):
        self.config = config
        self.bound: Bound = bound or (lambda cmd, n, p: ("ok", cmd))
        self.reporter = reporter or _Silent()
        self.log = log or (lambda text: None)
        self.system1: System1 | None = None
        self.pending_channels: tuple[np.ndarray, np.ndarray] | None = None
        self.pending_command = None
        self.event_steps = 0
        self.feasibility_violations = 0
        self.restarts = 0
        self.compute_gap = True  # the live gap against the certified optimum (the node's parameter)
        self.requested = float(np.clip(config.p_total, config.p_min, config.p_max))
        self.budget_cap = math.inf
        self.on_change: Callable[[], None] | None = None
        self.tracker = StatusTracker()
        self.last = Assessment(math.nan, AllocationStatus.TRANSIENT, math.nan, math.nan)
        self._optimum_key: bytes | None = None
        self._optimum: Any = None

    # -- inputs -----------------------------------------------------------------------
    def offer_channels(self, gain: np.ndarray, noise_var: np.ndarray) -> bool:
        """Queue a (validated) channel state; False when it equals the newest one
        System 1 has or will have next (a republished state: nothing to react to)."""
        last = self.pending_channels or ((self.system1.gain, self.system1.noise_var) if self.system1 else None)
        if last is not None and np.array_equal(last[0], gain) and np.array_equal(last[1], noise_var):
            return False
        self.pending_channels = (gain, noise_var)
        return True

    def offer_command(self, command) -> None:
        """Queue an accepted command (bounded again when applied)."""
        self.pending_command = command

    def apply_pending(self) -> bool:
        """Apply the newest inputs; True when something changed. ValueError (from
        System 1's own checks) leaves the state as it was."""
        channels, self.pending_channels = self.pending_channels, None
        command, self.pending_command = self.pending_command, None
        if channels is not None:
            gain, noise_var = channels
            if self.system1 is None:
                c = self.config
                self.system1 = System1(gain, noise_var, p_total=self.budget_in_force(),
                                       mode=c.mode, constellation=c.constellation, a_min=c.a_min)
                self.reporter.clear("waiting")
                self.log(f"optimizing {gain.shape[0]} channels ({c.mode} mode)")
            else:
                old_n = self.system1.n
                self.system1.set_channels(gain, noise_var)
                if self.system1.n != old_n:
                    self.reporter.problem(
                        "resized",
                    f"N changed {old_n} -> {self.system1.n}: weights reset to equal until the next command")
        if command is not None and self.system1 is not None:
            self._apply_command(command)
        changed = channels is not None or command is not None
        if changed and self.on_change is not None:
            self.on_change()
        return changed

    def budget_in_force(self) -> float:
        """min(requested, budget_cap), at least FLEET_MIN_BUDGET."""
        return max(min(self.requested, self.budget_cap), defaults.FLEET_MIN_BUDGET)

    def set_budget_cap(self, cap: float) -> None:
        """Hold System 1's budget at min(requested, cap) from now on (a cut is feasible at once)."""
        self.budget_cap = float(cap)
        if self.system1 is not None:
            self.system1.set_command(p_total=self.budget_in_force())
            self.check_feasible()

    def _apply_command(self, command) -> None:
        outcome, bounded = self.bound(command, self.system1.n, self.system1.p_total)
        if outcome == "rejected":
            self.reporter.reject("rejected_commands", bounded.status_detail, "rejected steer/command")
            return
        if outcome == "adjusted":
            # The guardrail only publishes commands within these bounds: an adjustment
            # here means a stranger (or a misconfigured guardrail).
            self.reporter.reject("adjusted_commands", bounded.status_detail,
                                 f"steer/command from {command.backend or 'an unnamed backend'!r} "
                                 "out of bounds, re-bounded here", level=WARN)
        else:
            self.reporter.clear("adjusted_commands")
        before = self._command_key()
        self.requested = bounded.p_total
        self.system1.set_command(bounded.weights, self.budget_in_force(), goal=bounded.goal)
        if self._command_key() != before:  # a repeated command changes nothing: no new transient
            self.tracker.command_changed()
        self.reporter.clear("rejected_commands")
        self.reporter.clear("resized")

    # -- stepping ---------------------------------------------------------------------
    def run(self, steps: int) -> None:
        """``steps`` steps of System 1 (restarted if one raises), then the budget check."""
        try:
            for _ in range(steps):
                self.system1.step()
        except Exception as exc:  # a core bug must not stop System 1
            self.restart(exc)
        self.check_feasible()

    def burst(self) -> int:
        """Up to event_burst_steps extra steps, ending once the powers settle; the
        number taken (counted in ``event_steps``)."""
        s1, limit = self.system1, self.config.event_burst_steps
        tol = defaults.OPTIMIZER_EVENT_TOL * s1.p_total
        before = s1.power
        taken = 0
        try:
            for _ in range(limit):
                s1.step()
                taken += 1
                after = s1.power
                if float(np.max(np.abs(after - before), initial=0.0)) <= tol:
                    break
                before = after
        except Exception as exc:  # a core bug must not stop System 1
            self.restart(exc)
        self.event_steps += taken
        self.check_feasible()
        return taken

    def check_feasible(self) -> None:
        power_used = float(np.sum(self.system1.power))
        if power_used > self.system1.p_total * (1 + 1e-12) + 1e-12:
            self.feasibility_violations += 1

    def restart(self, exc: Exception) -> None:
        """Start System 1 afresh (equal power split: feasible) under the same channels
        and command, and report it: the optimizer keeps stepping whatever happened."""
        old, c = self.system1, self.config
        self.restarts += 1
        self.reporter.reject("step_failures", f"{type(exc).__name__}: {exc}",
                             "System 1 step failed; restarted from an equal power split")
        self.system1 = System1(old.gain, old.noise_var, weights=old.weights, p_total=old.p_total, mode=c.mode,
                               constellation=c.constellation, a_min=c.a_min)
        with contextlib.suppress(ValueError):  # the goal in force, if it still checks
            self.system1.set_command(goal=old.goal_as_goal())
        self.system1.step_count = old.step_count  # steps keep counting across the restart

    # -- the certified optimum and the gap ----------------------------------------------
    def _command_key(self) -> bytes:
        s1 = self.system1
        goal = s1.goal
        arrays = [s1.gain, s1.noise_var, s1.weights]
        if goal is not None:
            arrays += [goal.floors, goal.caps, goal.off.astype(float)]
        return (b"".join(np.ascontiguousarray(a, dtype=float).tobytes() for a in arrays)
                + np.float64(s1.p_total).tobytes() + bytes([0 if goal is None else 1 + int(goal.objective)]))

    def optimum(self):
        """The certified optimum of the command in force on the current channels
        (cached until either changes): an OptimumResult for the plain weighted sum,
        else a GoalOptimum."""
        s1 = self.system1
        key = self._command_key()
        if self._optimum_key != key:
            if s1.goal is None:
                self._optimum = certified_optimum(s1.gain, s1.noise_var, s1.weights, s1.p_total,
                                                  self.config.constellation)
            else:
                self._optimum = s1.goal_optimum()
            self._optimum_key = key
        return self._optimum

    def gap(self, weighted_mi: float) -> float:
        """The live optimality gap against the certified optimum (NaN when
        compute_gap is off): bits of the weighted sum, or for a goal
        System1.optimality_gap's unit (bits; power above the least power for
        min_power). ValueError if the optimum cannot be computed."""
        if not self.compute_gap:
            return math.nan
        s1, opt = self.system1, self.optimum()
        if s1.goal is None:
            return max(float(opt.weighted_mi) - weighted_mi, 0.0)
        return s1.optimality_gap(opt)

    def assess(self, weighted_mi: float) -> Assessment:
        """Gap, status, shadow price and least budget now (see :class:`Assessment`);
        without compute_gap only System 1's own view of the floors (INFEASIBLE when
        they do not fit) and TRANSIENT otherwise. ValueError if the optimum cannot be
        computed."""
        s1 = self.system1
        if not self.compute_gap:
            status = self.tracker.update(s1.goal_feasible, math.nan, s1.goals_met, math.nan)
            self.last = Assessment(math.nan, status, math.nan, math.nan)
            return self.last
        opt, gap = self.optimum(), self.gap(weighted_mi)
        if s1.goal is None:
            feasible, value, shadow, least = True, float(opt.weighted_mi), float(opt.multiplier), 0.0
        else:
            feasible, value = bool(opt.feasible), float(opt.value)
            shadow, least = float(opt.shadow_price), float(opt.needed_power)
        status = self.tracker.update(feasible, gap, s1.goals_met, value)
        self.last = Assessment(gap, status, shadow, least)
        return self.last

    def snapshot(self) -> SystemSnapshot:
        """System 1's snapshot with the last assessment's status, shadow price and
        least budget."""
        snap = self.system1.snapshot()
        a = self.last
        return dataclasses.replace(snap, status=int(a.status), shadow_price=a.shadow_price,
                                   least_budget=a.least_budget)
