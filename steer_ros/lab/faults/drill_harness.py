"""The drill harness: settings, the graphs a drill runs on (in-process or one process
per node), the stranger node that injects faults, the monitor that watches, and the
verdict of a row (:meth:`DrillHarness.judge`). Each group of drills is a mixin over
this class (llm_drills, message_drills, node_drills, load_drills);
:class:`~steer_ros.lab.faults.fault_runner.FaultRunner` runs them all.

The graph runs with the default setup (docs/design.md section 1) except where a drill
must be short: the navigator's period (``nav_period_s``) and the LLM deadline
(``llm_timeout_s``); the settings travel with the results (faults.json) and the CLI
prints them.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from steer_ros import defaults
from steer_ros.lab.faults.catalogue import GOOD_TAG, Fault
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.system2.steer_decision import Status


@dataclass
class DrillSettings:
    """How long each drill holds its fault, and what differs from the default setup."""

    nav_period_s: float = 0.5  # default 2 s: shortened so a drill sees several cycles
    llm_timeout_s: float = 1.0  # default 10 s: the hang and 30 s rows become 1 s deadline fallbacks
    fault_window_s: float = 2.0  # llm/message rows: the fault is held at least this long
    min_fault_commands: int = 2  # llm rows: and until this many commands answered it
    kill_down_s: float = 2.0  # node rows: how long the node stays dead
    after_restart_s: float = 2.0  # node rows: watched after the restarted node is back
    load_window_s: float = 5.0  # load row: measured window (after warm-up)
    load_warmup_s: float = 2.0
    min_rate_kept: float = 0.95
    start_timeout_s: float = 60.0

    def describe(self) -> str:
        return (f"the default setup (N = 8, P_total = P_max = {defaults.P_MAX:g}, P_min = {defaults.P_MIN:g}, "
                f"optimizer {defaults.OPTIMIZER_RATE_HZ:g} Hz, EMA alpha {defaults.EMA_ALPHA:g}) except: navigator "
                f"period {self.nav_period_s:g} s (default {defaults.NAVIGATOR_PERIOD_S:g} s) and LLM deadline "
                f"{self.llm_timeout_s:g} s (default {defaults.LLM_TIMEOUT_S:g} s), to fit several cycles in a "
                f"{self.fault_window_s:g} s fault window")


# -- graph harness ------------------------------------------------------------------------
def _monitor_class():
    """DrillMonitor: the MonitorNode plus arrival times of channel states (node rows)."""
    import collections

    from steer_ros.lab.fixtures.monitor_node import MonitorNode
    from steer_ros.msg import ChannelState
    from steer_ros.ros import topics

    class DrillMonitor(MonitorNode):
        def __init__(self, channels: bool = False, node_name: str = "fault_monitor", **kwargs):
            super().__init__(node_name=node_name, history=20_000, **kwargs)
            self.arrivals: dict[str, collections.deque] = {}
            if channels:
                for topic in (topics.CHANNEL_SIM, topics.CHANNEL_STATE):
                    self.arrivals[topic] = collections.deque(maxlen=2000)
                    self.create_subscription(ChannelState, topic, lambda m, topic=topic: self._arrived(topic),
                                             topics.STREAM)

        def _arrived(self, topic: str) -> None:
            with self.cond:
                self.arrivals[topic].append(time.monotonic())
                self.cond.notify_all()

        def arrived_since(self, topic: str, t0: float) -> list[float]:
            with self.lock:
                return [t for t in self.arrivals[topic] if t >= t0]

    return DrillMonitor


def _injector(context, namespace: str = ""):
    """A stranger node: publishes whatever the drills inject."""
    from rclpy.node import Node

    from steer_ros.msg import ChannelState
    from steer_ros.ros import topics

    node = Node("fault_injector", context=context, namespace=namespace)
    node.channel_pubs = {topic: node.create_publisher(ChannelState, topic, topics.STREAM)
                         for topic in (topics.CHANNEL_SIM, topics.CHANNEL_STATE)}
    return node


@contextlib.contextmanager
def in_process_graph(domain_id: int, extra_parameters: dict, channels: bool = False,
                     **launch) -> Iterator[tuple]:
    """(graph, monitor, injector): the sim graph in this process, watched."""
    from steer_ros.ros.bringup import Graph

    graph = Graph(domain_id=domain_id, extra_parameters=extra_parameters, **launch)
    monitor = _monitor_class()(channels=channels, context=graph.context)
    injector = _injector(graph.context)
    graph.add_node(monitor)
    graph.add_node(injector)
    graph.start()
    try:
        yield graph, monitor, injector
    finally:
        graph.shutdown()
        for node in (monitor, injector):
            with contextlib.suppress(Exception):
                node.destroy_node()


@contextlib.contextmanager
def external_monitor(domain_id: int, channels: bool = False) -> Iterator:
    """A DrillMonitor in this process watching a graph that runs in other processes."""
    from steer_ros.lab.fixtures.monitor_node import standalone_monitor

    with standalone_monitor(domain_id, node_name="fault_monitor", monitor_class=_monitor_class(),
                            channels=channels) as monitor:
        yield monitor


def status_name(status: int) -> str:
    try:
        return Status(int(status)).name
    except ValueError:
        return f"status {status}"


def normalized_weights(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum() if w.size and w.sum() > 0 else w


def same_goal(a, b) -> bool:
    """Whether two commands (CommandSample-like: objective, mi_floor, mi_cap, off,
    sum_mi_min) carry the same goal; empty arrays are "none" (no floor 0, no cap inf,
    nothing off)."""
    n = max(np.size(a.mi_floor), np.size(b.mi_floor), np.size(a.mi_cap), np.size(b.mi_cap),
            np.size(a.off), np.size(b.off))

    def full(values, none, dtype=float):
        values = np.asarray(values, dtype=dtype)
        return values if values.size else np.full(n, none, dtype=dtype)

    return bool(int(a.objective) == int(b.objective)
                and np.array_equal(full(a.mi_floor, 0.0), full(b.mi_floor, 0.0))
                and np.array_equal(full(a.mi_cap, math.inf), full(b.mi_cap, math.inf))
                and np.array_equal(full(a.off, False, bool), full(b.off, False, bool))
                and (float(a.sum_mi_min) == float(b.sum_mi_min)
                     or (math.isnan(float(a.sum_mi_min)) and math.isnan(float(b.sum_mi_min)))))


def process_rss(pid: int) -> dict:
    """VmRSS (current) and VmHWM (peak) of a process, MiB (Linux /proc)."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024.0
    return out


class DrillHarness:
    """What every group of drills shares: the domain, the settings, the verdict."""

    def __init__(self, domain_id: int, settings: DrillSettings | None = None,
                 log: Callable[[str], None] = lambda text: None):
        self.domain_id = domain_id
        self.s = settings or DrillSettings()
        self.log = log

    def judge(self, fault: Fault, r: RowResult, failures: list[str] | None = None) -> RowResult:
        failures = list(failures or [])
        if r.violations:
            failures.append(f"{r.violations} infeasible allocations")
        if not r.rate_kept >= self.s.min_rate_kept:
            failures.append(
                f"System 1 kept {100 * r.rate_kept:.1f}% of its step rate (< {100 * self.s.min_rate_kept:g}%)"
            )
        if r.allocations < 2:
            failures.append(f"only {r.allocations} allocations published")
        if r.outcome != fault.outcome:
            failures.append(f"outcome {r.outcome!r}, expected {fault.outcome!r}")
        if fault.detail and not r.detail.startswith(fault.detail):
            failures.append(f"detail {r.detail!r} does not start with {fault.detail!r}")
        if not math.isfinite(r.recovery_s):
            failures.append("no recovery observed")
        r.failures = failures
        r.passed = not failures
        r.extras = {**(r.extras or {}), "load_average_1min": round(os.getloadavg()[0], 2)}
        self.log(f"  {r.name}: {'ok' if r.passed else 'FAILED: ' + '; '.join(failures)}")
        return r

    def _error_row(self, fault: Fault, exc: BaseException) -> RowResult:
        r = RowResult(fault.name, fault.category, outcome="ERROR", detail=f"{type(exc).__name__}: {exc}"[:300])
        r.failures = [r.detail]
        self.log(f"  {fault.name}: ERROR {r.detail}")
        return r

    # -- shared by several groups ------------------------------------------------------
    def _llm_parameters(self, server: DrillServer) -> dict:
        return {"period_s": self.s.nav_period_s, "timeout_s": self.s.llm_timeout_s, "backend": "openai",
                "llm_base_url": server.base_url, "llm_model": "drill-model"}

    def _wait_good(self, monitor, count: int, since: float = 0.0, timeout_s: float | None = None):
        return monitor.wait_for(
            lambda m: (good := [c for c in m.commands_since(since)
                                if c.status == Status.OK and c.reasoning == GOOD_TAG]) and len(good) >= count
            and good, timeout_s or self.s.start_timeout_s, f"{count} accepted good LLM replies")

    def _diag_wait(self, monitor, node: str, key: str, since_value: str, timeout_s: float = 10.0) -> dict:
        """Wait for a diagnostics report of ``node`` whose ``key`` differs from since_value."""
        return monitor.wait_for(lambda m: (d := m.diagnostic(f"/{node}")).get(key, since_value) != since_value and d,
                                timeout_s, f"{node} diagnostics to report {key}")


def settings_dict(settings: DrillSettings) -> dict:
    return {**asdict(settings), "description": settings.describe()}
