"""monitor: watches a running graph — allocations, accepted and raw commands, and
/diagnostics — and keeps bounded histories for the demo, the fault drills and the
tests. Also publishes policies, as the operator would.
"""

from __future__ import annotations

import collections
import contextlib
import math
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from std_msgs.msg import String

from steer_ros.msg import AllocationState, SteerCommand
from steer_ros.nodes import topics


@dataclass(frozen=True)
class AllocationSample:
    t: float  # monotonic seconds at reception
    stamp: float  # header stamp, seconds (the optimizer's clock at publication)
    step: int
    power: np.ndarray
    mi: np.ndarray
    weights: np.ndarray
    gain: np.ndarray
    p_total: float
    power_used: float
    total_mi: float
    mi_spread: float
    optimality_gap: float

    @property
    def feasible(self) -> bool:
        return bool(self.power_used <= self.p_total * (1 + 1e-9) + 1e-9 and np.all(self.power >= 0))


@dataclass(frozen=True)
class CommandSample:
    t: float
    weights: np.ndarray
    p_total: float
    status: int
    status_detail: str
    backend: str
    policy: str
    reasoning: str


class MonitorNode(Node):
    """Subscribes to the graph's outputs; every history is bounded (``history``)."""

    def __init__(self, history: int = 100_000, node_name: str = "steer_monitor", **node_kwargs):
        super().__init__(node_name, **node_kwargs)
        self.lock = threading.RLock()  # re-entrant: wait_for's predicates call the queries below
        self.cond = threading.Condition(self.lock)
        self.allocations: collections.deque[AllocationSample] = collections.deque(maxlen=history)
        self.commands: collections.deque[CommandSample] = collections.deque(maxlen=history)
        self.raw_commands: collections.deque[CommandSample] = collections.deque(maxlen=history)
        self.diagnostics: dict[str, dict[str, str]] = {}
        self.diagnostic_levels: dict[str, int] = {}
        self.diagnostic_messages: dict[str, str] = {}
        self.create_subscription(AllocationState, topics.ALLOCATION, self._on_allocation, topics.STREAM_IN)
        self.create_subscription(SteerCommand, topics.COMMAND, lambda m: self._on_command(m, self.commands),
                                 topics.LATCHED_COMMAND_QOS)
        self.create_subscription(SteerCommand, topics.COMMAND_RAW, lambda m: self._on_command(m, self.raw_commands),
                                 topics.COMMAND_QOS)
        self.create_subscription(DiagnosticArray, topics.DIAGNOSTICS, self._on_diagnostics, topics.DIAGNOSTICS_IN)
        self.policy_pub = self.create_publisher(String, topics.POLICY, topics.POLICY_QOS)

    # -- callbacks --------------------------------------------------------------------
    def _on_allocation(self, m: AllocationState) -> None:
        sample = AllocationSample(
            t=time.monotonic(), stamp=m.header.stamp.sec + 1e-9 * m.header.stamp.nanosec, step=int(m.step), power=np.asarray(m.power), mi=np.asarray(m.mi),
            weights=np.asarray(m.weights), gain=np.asarray(m.gain), p_total=m.p_total, power_used=m.power_used,
            total_mi=m.total_mi, mi_spread=m.mi_spread, optimality_gap=m.optimality_gap)
        with self.cond:
            self.allocations.append(sample)
            self.cond.notify_all()

    def _on_command(self, m: SteerCommand, into: collections.deque) -> None:
        sample = CommandSample(t=time.monotonic(), weights=np.asarray(m.weights), p_total=m.p_total,
                               status=int(m.status), status_detail=m.status_detail, backend=m.backend,
                               policy=m.policy, reasoning=m.reasoning)
        with self.cond:
            into.append(sample)
            self.cond.notify_all()

    def _on_diagnostics(self, m: DiagnosticArray) -> None:
        with self.cond:
            for status in m.status:
                self.diagnostics[status.name] = {kv.key: kv.value for kv in status.values}
                self.diagnostic_levels[status.name] = int.from_bytes(status.level, "little") \
                    if isinstance(status.level, bytes) else int(status.level)
                self.diagnostic_messages[status.name] = status.message
            self.cond.notify_all()

    # -- queries ----------------------------------------------------------------------
    def wait_for(self, predicate, timeout_s: float, what: str = "a condition"):
        """Wait (on message arrival, not a sleep loop) until predicate(self) is truthy."""
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while True:
                result = predicate(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout_s:.1f} s waiting for {what}")
                self.cond.wait(min(remaining, 0.1))

    def latest_allocation(self) -> AllocationSample | None:
        with self.lock:
            return self.allocations[-1] if self.allocations else None

    def latest_command(self) -> CommandSample | None:
        with self.lock:
            return self.commands[-1] if self.commands else None

    def diagnostic(self, node_suffix: str) -> dict[str, str]:
        """Key/values of the newest status whose name ends with node_suffix."""
        with self.lock:
            for name, values in self.diagnostics.items():
                if name.endswith(node_suffix):
                    return dict(values)
        return {}

    def allocations_since(self, t0: float) -> list[AllocationSample]:
        with self.lock:
            return [a for a in self.allocations if a.t >= t0]

    def commands_since(self, t0: float, raw: bool = False) -> list[CommandSample]:
        with self.lock:
            return [c for c in (self.raw_commands if raw else self.commands) if c.t >= t0]

    def publish_policy(self, text: str, wait_s: float = 10.0) -> None:
        """Publish a policy once a navigator subscribes (like ros2 topic pub --once)."""
        deadline = time.monotonic() + wait_s
        while self.policy_pub.get_subscription_count() == 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no subscriber on {self.policy_pub.topic_name} after {wait_s} s")
            time.sleep(0.02)
        self.policy_pub.publish(String(data=text))


def fmt_float(x: float, digits: int = 3) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


@contextlib.contextmanager
def standalone_monitor(domain_id: int | None = None, namespace: str = "", node_name: str = "steer_monitor",
                       monitor_class=None, **monitor_kwargs) -> Iterator[MonitorNode]:
    """A MonitorNode (or ``monitor_class``, a subclass) in its own context and executor
    thread, watching a graph that runs elsewhere (other processes, or another context
    in this one)."""
    import rclpy
    from rclpy.context import Context
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    monitor = (monitor_class or MonitorNode)(context=context, namespace=namespace, node_name=node_name,
                                             **monitor_kwargs)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(monitor)

    def spin() -> None:
        with contextlib.suppress(ExternalShutdownException):
            executor.spin()

    thread = threading.Thread(target=spin, name=node_name, daemon=True)
    thread.start()
    try:
        yield monitor
    finally:
        executor.shutdown(timeout_sec=2.0)
        monitor.destroy_node()
        context.try_shutdown()
        thread.join(timeout=5.0)
