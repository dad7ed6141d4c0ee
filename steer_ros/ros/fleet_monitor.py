"""Watches a running fleet from outside: every radio's budget in force and allocation,
the coordinator's diagnostics, and the cap invariant over the whole run.

The invariant is checked on the radios' own stamped reports (fleet/budget_in_force,
published on every change): between two reports a radio's budget is its last
report's, so at each report instant sum_k a_k B_k is evaluated with every radio's
latest budget, and the worst margin C - sum_k a_k B_k is kept.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.fleet.config import radio_names
from steer_ros.msg import AllocationState, BudgetInForce
from steer_ros.ros import topics
from steer_ros.ros.fleet_member import stamp_s

__all__ = ["FleetMonitor"]


class FleetMonitor(Node):
    def __init__(self, radios: int, cap: float, a=None, **kwargs):
        super().__init__("fleet_monitor", **kwargs)
        self.names = radio_names(radios)
        self.cap = float(cap)
        self.a = np.ones(radios) if a is None else np.broadcast_to(np.asarray(a, dtype=float), (radios,)).copy()
        self.lock = threading.Lock()
        self.budget = np.full(radios, np.nan)
        self.granted = np.full(radios, np.nan)
        self.epoch = np.zeros(radios, dtype=np.int64)
        self.sum_mi = np.full(radios, np.nan)
        self.power_used = np.full(radios, np.nan)
        self.p_total = np.full(radios, np.nan)
        self.reports = 0
        self.worst_margin = math.inf
        self.violations = 0
        self.first_report = np.full(radios, np.nan)
        self.history: list[tuple[float, float]] = []  # (stamp, sum a_k B_k)
        self.alloc_count = np.zeros(radios, dtype=np.int64)
        qos = topics.fleet_qos(defaults.FLEET_PEER_DEADLINE_S)
        for i, name in enumerate(self.names):
            self.create_subscription(BudgetInForce, topics.fleet_topic(name, topics.FLEET_IN_FORCE),
                                     lambda m, i=i: self._on_in_force(i, m), qos)
            self.create_subscription(AllocationState, topics.fleet_topic(name, topics.ALLOCATION),
                                     lambda m, i=i: self._on_alloc(i, m), topics.STREAM_IN)

    def _on_in_force(self, i: int, msg: BudgetInForce) -> None:
        with self.lock:
            self.budget[i] = msg.budget
            self.granted[i] = msg.granted
            self.epoch[i] = msg.epoch
            self.reports += 1
            t = stamp_s(msg.header.stamp)
            if math.isnan(self.first_report[i]):
                self.first_report[i] = t
            if np.all(np.isfinite(self.budget)):
                total = float(np.dot(self.a, self.budget))
                self.history.append((t, total))
                self.worst_margin = min(self.worst_margin, self.cap - total)
                if total > self.cap * (1 + 1e-9):
                    self.violations += 1

    def _on_alloc(self, i: int, msg: AllocationState) -> None:
        with self.lock:
            self.sum_mi[i] = msg.total_mi
            self.power_used[i] = msg.power_used
            self.p_total[i] = msg.p_total
            self.alloc_count[i] += 1

    def snapshot(self) -> dict:
        with self.lock:
            return {"budget": self.budget.copy(), "granted": self.granted.copy(), "epoch": self.epoch.copy(),
                    "sum_mi": self.sum_mi.copy(), "p_total": self.p_total.copy(),
                    "power_used": self.power_used.copy(), "reports": self.reports,
                    "worst_margin": self.worst_margin, "violations": self.violations}

    def table(self) -> str:
        s = self.snapshot()
        lines = [f"{'radio':>8} {'budget':>9} {'granted':>9} {'sum MI':>9} {'epoch':>18}"]
        for i, name in enumerate(self.names):
            lines.append(f"{name:>8} {s['budget'][i]:9.3f} {s['granted'][i]:9.3f} {s['sum_mi'][i]:9.4f} "
                         f"{int(s['epoch'][i]):>18d}")
        used = float(np.nansum(self.a * s["budget"]))
        lines.append(f"fleet: sum a_k B_k = {used:.3f} of C = {self.cap:g}; sum MI = {np.nansum(s['sum_mi']):.4f} "
                     f"bits; worst margin {s['worst_margin']:.4g} over {s['reports']} reports; "
                     f"violations {s['violations']}")
        return "\n".join(lines)
