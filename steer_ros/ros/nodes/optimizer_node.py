"""optimizer: System 1 as a node. Steps the always-feasible optimizer at rate_hz,
never waiting on anything else, and publishes steer/allocation (AllocationState, with
the live optimality gap) at publish_hz, and steer/summary (AllocationSummary: global
and per-band statistics in summary_groups bands, a fixed small message) at summary_hz
for plots and dashboards at large N.

Timing lives in :class:`steer_ros.system1.step_pacer.StepPacer`: a timer at tick_hz
runs the steps due since the start, so the step rate holds under executor jitter.
When an input changes (a new channel state or command), the node runs a burst of up
to event_burst_steps steps at once (``event_steps`` in /diagnostics, apart from the
nominal rate) and publishes as soon as it is done, at most max_publish_hz, so a
channel change reaches a converged allocation within milliseconds instead of the
next publish tick.

In a fleet (parameter ``fleet``, docs/fleet.md) a :class:`steer_ros.ros.fleet_member.FleetMember`
holds System 1's budget at min(the navigator's budget, the coordinator's grant or the
reserve) and publishes the radio's demand curve and budget in force; without it the
cap is infinite and nothing else changes.

Inputs are validated at the boundary: steer/channel_state (a new N re-dimensions the
optimizer; a malformed state is refused with a diagnostic naming the field) and
steer/command, which is re-bounded here (defence in depth), so not even a stranger
publishing on steer/command can make an allocation infeasible.

The node is wiring: pending inputs, the burst, the restart after a failed step and
the certified-optimum cache live in :class:`steer_ros.system1.runner.System1Runner`
(ROS-free, tested without DDS).
"""

from __future__ import annotations

import math
import threading

from rclpy.node import Node

from steer_ros import defaults
from steer_ros.msg import AllocationState, AllocationSummary, ChannelState, SteerCommand
from steer_ros.ros import topics
from steer_ros.ros.conversions import (
    allocation_msg,
    channel_arrays,
    decision_from_msg,
    set_assessment,
    summary_msg,
)
from steer_ros.ros.diagnostics import ERROR, DiagnosticsReporter, RateMeter
from steer_ros.ros.fleet_member import FLEET_PARAMS, FleetMember
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.system1.runner import RunnerConfig, System1Runner
from steer_ros.system1.step_pacer import PublishLimiter, StepPacer, paired_reading
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status

PARAMS = [
    Param("rate_hz", defaults.OPTIMIZER_RATE_HZ, "System 1 steps per second.", min=1.0, max=100000.0, read_only=True),
    Param("tick_hz", defaults.OPTIMIZER_TICK_HZ, "Timer ticks per second; each runs the steps due "
          "(rate_hz / tick_hz on average). Capped at rate_hz.", min=1.0, max=100000.0, read_only=True),
    Param("publish_hz", defaults.ALLOCATION_PUBLISH_HZ, "AllocationState publish rate.", min=0.1, max=1000.0,
          read_only=True),
    Param("max_publish_hz", defaults.OPTIMIZER_MAX_PUBLISH_HZ, "Highest rate of the extra AllocationStates "
          "published after an input change (besides the publish_hz timer).", min=0.1, max=10000.0, read_only=True),
    Param("event_burst_steps", defaults.OPTIMIZER_EVENT_BURST_STEPS, "System 1 steps run at once when an input "
          "changes (fewer once converged); 0 = wait for the next tick.", min=0, max=100000, read_only=True),
    Param("mode", defaults.OPTIMIZER_MODE, "default (fast KKT-guided) or pga (the paper's plain PGA).",
          choices=defaults.OPTIMIZER_MODES, read_only=True),
    Param("constellation", defaults.CONSTELLATION, "Input constellation.", choices=defaults.CONSTELLATIONS,
          read_only=True),
    Param("a_min", defaults.A_MIN, "Amplitude floor that keeps every channel's gradient alive.", min=0.0,
          read_only=True),
    Param("p_total", defaults.P_TOTAL, "Initial power budget (the navigator may change it).", min=1e-9),
    Param("p_min", defaults.P_MIN, "Lowest budget any command may set.", min=1e-9),
    Param("p_max", defaults.P_MAX, "Highest budget any command may set.", min=1e-9),
    Param("compute_gap", True, "Compute the certified optimum for the live optimality gap."),
    Param("summary_hz", defaults.SUMMARY_HZ, "steer/summary (AllocationSummary) publish rate; 0 = off.",
          min=0.0, max=100.0, read_only=True),
    Param("summary_groups", defaults.SUMMARY_GROUPS, "Contiguous bands of steer/summary.", min=1,
          max=defaults.SUMMARY_MAX_GROUPS, read_only=True),
    *FLEET_PARAMS,
]


class OptimizerNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("optimizer", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        if v.p_min > v.p_max:
            raise ValueError(f"parameter 'p_min' ({v.p_min}) must be <= 'p_max' ({v.p_max})")
        self.bounds = Guardrail(p_min=v.p_min, p_max=v.p_max, alpha=1.0, constellation=v.constellation)
        # Guards the runner and the pacer: publish() steps System 1 up to its stamp.
        # (Each node spins a single-threaded executor; the lock keeps the node correct
        # under a multi-threaded one too.)
        self.state_lock = threading.RLock()
        self.steps = RateMeter()
        self.published = 0
        self.pacer = StepPacer(v.rate_hz, defaults.OPTIMIZER_MAX_CATCHUP_S)
        self.limiter = PublishLimiter(v.max_publish_hz)
        self._dropped_reported = 0

        # Reliable: System 1's own input must not lose a state to a discovery race (a
        # replay's burst); its writer, the mux, is the one node that waits on it.
        self.create_subscription(ChannelState, topics.CHANNEL_STATE, self.on_channels, topics.STREAM)
        self.create_subscription(SteerCommand, topics.COMMAND, self.on_command, topics.LATCHED_COMMAND_QOS)
        self.pub = self.create_publisher(AllocationState, topics.ALLOCATION, topics.STREAM)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.runner = System1Runner(
            RunnerConfig(p_total=v.p_total, p_min=v.p_min, p_max=v.p_max, mode=v.mode, constellation=v.constellation,
                         a_min=v.a_min, event_burst_steps=v.event_burst_steps),
            bound=self._bound, reporter=self.diagnostics, log=self.get_logger().info)
        self.step_timer = self.create_timer(1.0 / min(v.tick_hz, v.rate_hz), self.tick)
        self.publish_timer = self.create_timer(1.0 / v.publish_hz, self.publish)
        # The slot of an event publish the limiter held back: one timer, armed (reset)
        # then and cancelled when it fires, so the allocation goes out 1 / max_publish_hz
        # after the last one rather than at the next tick.
        self.slot_timer = self.create_timer(self.limiter.min_interval_s, self._publish_slot)
        self.slot_timer.cancel()
        self.summaries_published = 0
        self.summary_pub = self.create_publisher(AllocationSummary, topics.SUMMARY, topics.STREAM)
        self.summary_timer = (self.create_timer(1.0 / v.summary_hz, self.publish_summary)
                              if v.summary_hz > 0 else None)
        self.diagnostics.problem("waiting", "waiting for the first steer/channel_state", log=False)
        # The fleet hook: the runner holds the budget the navigator asked for and the
        # fleet's cap on it; the member hears of every input change.
        self.fleet = FleetMember(self) if v.fleet else None
        if self.fleet is not None:
            self.runner.on_change = self.fleet.input_changed

    # -- inputs (validated here, applied at once with a burst of steps) ---------------
    def on_channels(self, msg: ChannelState) -> None:
        try:
            gain, noise_var, _, _ = channel_arrays(msg)
        except ValueError as exc:
            self.diagnostics.reject("rejected_channel_states", str(exc), "rejected steer/channel_state")
            return
        self.diagnostics.clear("rejected_channel_states")
        with self.state_lock:
            if not self.runner.offer_channels(gain, noise_var):
                return  # a republished state (channel_sim repeats static gains): nothing to react to
            self._on_input_event()

    @property
    def system1(self):
        """The System 1 in force (None before the first channel state)."""
        return self.runner.system1

    @property
    def event_steps(self) -> int:
        return self.runner.event_steps

    @property
    def feasibility_violations(self) -> int:
        return self.runner.feasibility_violations

    def _bound(self, command, n: int, p_total: float):
        """The guardrail's bounds alone (no smoothing), as the runner's outcome."""
        bounded = self.bounds.enforce(command, n, p_total)
        if bounded.status == Status.REJECTED:
            return "rejected", bounded
        return ("adjusted" if bounded.status_detail.startswith("adjusted") else "ok"), bounded

    def on_command(self, msg: SteerCommand) -> None:
        try:
            decision = decision_from_msg(msg)
        except ValueError as exc:
            self.diagnostics.reject("rejected_commands", str(exc), "rejected steer/command")
            return
        if decision.status != Status.OK:
            self.diagnostics.count("commands_not_ok")
            return  # FALLBACK / KEPT / REJECTED: the command in force stays
        with self.state_lock:
            self.runner.offer_command(decision)
            self._on_input_event()

    def _on_input_event(self) -> None:
        """Apply the new input now, run the burst, publish if the limiter allows
        (event_burst_steps = 0: leave it to the next tick)."""
        if self.params.values.event_burst_steps == 0:
            return
        self.step()
        if self.system1 is None:
            return
        self.runner.burst()
        if self.limiter.request():
            self.publish()
        elif self.slot_timer.is_canceled():
            self.slot_timer.reset()

    def _publish_slot(self) -> None:
        with self.state_lock:
            if self.limiter.poll():
                self.publish()
            if not self.limiter.pending:
                self.slot_timer.cancel()

    # -- the fleet hook (a radio not in a fleet has budget_cap = inf) -------------------
    def requested_budget(self) -> float:
        """The budget the navigator asked for (or the initial p_total)."""
        return self.runner.requested

    @property
    def budget_cap(self) -> float:
        return self.runner.budget_cap

    def set_budget_cap(self, cap: float) -> None:
        """Hold System 1's budget at min(requested, cap) from now on (a cut is feasible at once)."""
        with self.state_lock:
            self.runner.set_budget_cap(cap)

    def tick(self) -> None:
        """The step timer: the steps due."""
        self.step()

    def step(self, now: float | None = None) -> None:
        """Run the steps due at rate_hz up to ``now`` (monotonic seconds; default: the
        pacer's clock), applying any pending input first."""
        with self.state_lock:
            if self.fleet is not None:
                self.fleet.check()  # a lease that ran out holds from this step on, however late its timer
            due = self.pacer.due(now)
            dropped = self.pacer.steps_dropped - self._dropped_reported
            if dropped:
                self.diagnostics.count("steps_dropped", dropped)
                self._dropped_reported = self.pacer.steps_dropped
            try:
                if self.runner.apply_pending():
                    # A lower budget holds from the next step on: take that step now, so
                    # that no published allocation ever exceeds the budget in force.
                    due = max(due, 1)
            except ValueError as exc:  # belt and braces: a core refusal keeps the old state
                self.diagnostics.problem("input", f"input refused by System 1: {exc}", ERROR)
            if self.system1 is None:
                self.pacer.stop()
                return
            self.runner.run(due)
            self.pacer.ran(due)
            self.steps.tick(self.pacer.clock() if now is None else now, due)

    def publish(self) -> None:
        # Under the state lock: read the clock, bring System 1 up to that instant and
        # read the step count, so the published count is exactly the one due at the
        # stamp (a thread starved between stamp and count would publish a count ahead
        # of its stamp, and the step rate over a window would read low).
        with self.state_lock:
            stamp, stamp_monotonic = paired_reading(self.get_clock().now, self.pacer.clock,
                                                    0.25 / self.params.values.rate_hz)
            self.step(stamp_monotonic)
            if self.system1 is None:
                return
            s1 = self.system1
            msg = allocation_msg(s1, math.nan, stamp=stamp.to_msg(), step=s1.step_count - self.event_steps)
            self.limiter.published(stamp_monotonic)
            self.runner.compute_gap = self.params.values.compute_gap
            try:
                assessment = self.runner.assess(msg.weighted_mi)
            except ValueError as exc:
                self.diagnostics.problem("gap", f"optimality gap not computed: {exc}")
            else:
                msg.optimality_gap = assessment.gap
                set_assessment(msg, assessment)
        self.pub.publish(msg)
        self.published += 1

    def publish_summary(self) -> None:
        """steer/summary from the state System 1 is in now (no extra steps: the
        summary is a low-rate view, the allocation topic carries the step-exact one)."""
        with self.state_lock:
            if self.system1 is None:
                return
            snapshot = self.runner.snapshot()
            step = self.system1.step_count - self.event_steps
        try:
            msg = summary_msg(snapshot, self.params.values.summary_groups,
                              stamp=self.get_clock().now().to_msg(), step=step)
        except ValueError as exc:
            self.diagnostics.problem("summary", f"steer/summary not published: {exc}")
            return
        self.summary_pub.publish(msg)
        self.summaries_published += 1

    def _diag_values(self) -> dict:
        s1 = self.system1
        return {
            "step_rate_hz": self.steps.rate(),
            "step_rate_nominal_hz": self.params.values.rate_hz,
            "steps": self.steps.total,
            "event_steps": self.event_steps,
            "allocations_published": self.published,
            "summaries_published": self.summaries_published,
            "n_channels": s1.n if s1 else 0,
            "p_total": s1.p_total if s1 else math.nan,
            "feasibility_violations": self.feasibility_violations,
            "objective": s1.objective.name.lower() if s1 else "",
            "goals_met": s1.goals_met if s1 else True,
            "status": self.runner.last.status.name,
            "status_changes": self.runner.tracker.transitions,
            "shadow_price": self.runner.last.shadow_price,
            "least_budget": self.runner.last.least_budget,
            **(self.fleet.diag_values() if self.fleet is not None else {}),
        }


def main(args=None) -> int:
    return run_node(OptimizerNode, args)
