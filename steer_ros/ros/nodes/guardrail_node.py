"""guardrail: turns the navigator's raw commands (steer/command_raw) into accepted
ones (steer/command) through the guardrail pipeline of docs/design.md section 5: clip
negatives, normalize, all-zero -> uniform, clamp P_total to [p_min, p_max], check a
goal (floors and caps within [0, log2 M] of ``constellation``, selectors resolved,
feasible at p_max on the latest steer/channel_state), EMA with alpha, fall back to the
command in force on any failure, reasoning carried through.
Every outcome is counted and its detail logged.

The command in force is the last one accepted here; after a restart, the one the
optimizer reports on steer/allocation, so the graph resumes without a jump to defaults.
A raw command that arrives before either is known (a restart, before the first
allocation) waits for that first allocation instead of being smoothed against defaults.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.msg import AllocationState, ChannelState, SteerCommand
from steer_ros.ros import topics
from steer_ros.ros.conversions import channel_arrays, decision_from_msg, decision_msg
from steer_ros.ros.diagnostics import WARN, DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision

PARAMS = [
    Param("p_min", defaults.P_MIN, "Lowest power budget a command may set.", min=1e-9, read_only=True),
    Param("p_max", defaults.P_MAX, "Highest power budget a command may set.", min=1e-9, read_only=True),
    Param("ema_alpha", defaults.EMA_ALPHA, "EMA factor: w <- (1-alpha) w + alpha w_new (1 = no smoothing).",
          min=1e-6, max=1.0, read_only=True),
    Param("constellation", defaults.CONSTELLATION, "The optimizer's constellation: its log2 M bounds the MI "
          "floors and caps a goal may ask for.", choices=defaults.CONSTELLATIONS, read_only=True),
]


class GuardrailNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("guardrail", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        self.guardrail = Guardrail(p_min=v.p_min, p_max=v.p_max, alpha=v.ema_alpha, constellation=v.constellation)
        self.lock = threading.Lock()
        self.accepted: SteerDecision | None = None
        self.in_force: SteerDecision | None = None  # from steer/allocation
        self.system1_status: int | None = None  # AllocationState.status, for escalation
        self.waiting_raw: SteerCommand | None = None  # the newest raw command while nothing is in force
        self.channel_msg: ChannelState | None = None  # latest, validated when a goal is checked
        self.outcomes: dict[str, int] = {}
        self.last_detail = ""
        self.last_readback = ""
        self.create_subscription(SteerCommand, topics.COMMAND_RAW, self.on_raw, topics.COMMAND_QOS)
        self.create_subscription(AllocationState, topics.ALLOCATION, self.on_allocation, topics.STREAM_IN)
        # The channel state, for a goal's feasibility at p_max (floors need power).
        self.create_subscription(ChannelState, topics.CHANNEL_STATE, self.on_channels, topics.STREAM_IN)
        self.pub = self.create_publisher(SteerCommand, topics.COMMAND, topics.LATCHED_COMMAND_QOS)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)

    def on_allocation(self, msg: AllocationState) -> None:
        weights = np.asarray(msg.weights, dtype=float)
        if weights.size and np.isfinite(weights).all() and math.isfinite(msg.p_total):
            with self.lock:
                self.in_force = SteerDecision(weights=weights, p_total=float(msg.p_total))
                self.system1_status = int(getattr(msg, "status", 0))
                waiting, self.waiting_raw = self.waiting_raw, None
            if waiting is not None:
                self.on_raw(waiting)

    def on_channels(self, msg: ChannelState) -> None:
        with self.lock:  # O(1) at any channel rate; validated when a goal is checked
            self.channel_msg = msg

    def _channels(self, n: int) -> tuple:
        """(gain, noise_var) of the latest valid channel state for n channels, else (None, None):
        a goal's feasibility is then left to the optimizer, which reports a shortfall."""
        with self.lock:
            msg = self.channel_msg
        if msg is None:
            return None, None
        try:
            gain, noise_var, _, _ = channel_arrays(msg)
        except ValueError:
            return None, None
        return (gain, noise_var) if gain.shape[0] == n else (None, None)

    def current(self, n: int) -> SteerDecision:
        """The command in force for n channels (last accepted, else the optimizer's)."""
        with self.lock:
            for candidate in (self.accepted, self.in_force):
                if candidate is not None and np.asarray(candidate.weights).shape[0] == n:
                    return candidate
        return SteerDecision(weights=np.full(n, 1.0 / n) if n else np.zeros(0), p_total=self.guardrail.p_max)

    def on_raw(self, msg: SteerCommand) -> None:
        with self.lock:
            if self.accepted is None and self.in_force is None:
                # Nothing known to smooth against: defaults would be a jump. Wait for the
                # optimizer's first allocation (bounded: only the newest raw command waits).
                self.waiting_raw = msg
                self.outcomes["WAITING"] = self.outcomes.get("WAITING", 0) + 1
                return
        try:
            raw = decision_from_msg(msg)
        except ValueError as exc:
            raw = SteerDecision(weights=np.zeros(0), status=Status.FALLBACK, status_detail=f"malformed: {exc}",
                                backend=msg.backend, policy=msg.policy)
        with self.lock:
            alloc_n = np.asarray(self.in_force.weights).shape[0] if self.in_force is not None else None
        n = alloc_n or len(msg.weights)
        gain, noise_var = self._channels(n) if not raw.goal.is_plain else (None, None)
        with self.lock:
            status = self.system1_status
        accepted = self.guardrail.apply(raw, self.current(n), n, gain=gain, noise_var=noise_var, status=status)
        status = Status(accepted.status).name
        with self.lock:
            if accepted.status == Status.OK:
                self.accepted = accepted
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.last_detail = accepted.status_detail
            self.last_readback = accepted.readback
        self.pub.publish(decision_msg(accepted, stamp=self.get_clock().now().to_msg()))
        line = (f"{status}: {accepted.status_detail} | backend: {accepted.backend} | P_total={accepted.p_total:.2f}"
                f" | reads back: {accepted.readback}")
        # rclpy ties a severity to each call site: one call per severity.
        if accepted.status in (Status.OK, Status.KEPT):
            self.get_logger().info(line)
        else:
            self.get_logger().warning(line)
        if accepted.status == Status.FALLBACK:
            self.diagnostics.problem("fallback", f"fell back to the command in force: {accepted.status_detail}",
                                     WARN, log=False)
        else:
            self.diagnostics.clear("fallback")

    def _diag_values(self) -> dict:
        with self.lock:
            return {**{f"outcome_{k.lower()}": v for k, v in self.outcomes.items()}, "last_detail": self.last_detail,
                    "readback": self.last_readback}


def main(args=None) -> int:
    return run_node(GuardrailNode, args)
