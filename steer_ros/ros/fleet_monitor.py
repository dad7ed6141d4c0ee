"""Watches a running fleet from outside: every radio's budget in force and allocation,
the coordinator's diagnostics, and the cap invariant over the whole run.

The invariant sum_k a_k B_k(t) <= C is checked on the radios' own stamped reports
(fleet/budget_in_force, one on every change), by their stamps, never by their order
of arrival: reports of different radios can arrive out of stamp order, and a sum
taken at each arrival would show a breach that never happened (one radio's decrease
stamped before another's increase but received after it) or hide one. B_k(t) is the
budget of radio k's latest report stamped at or before t. The monitor keeps every
report (stamp, budget, started, seq) and evaluates them with
steer_ros.lab.faults.cap_invariant.check_run, the rule of the drills: the window opens
at the first stamp at which every radio has a known budget and closes at the last
stamp received; the cap is checked at the window's start and at every stamp inside
it; a span where a radio's reports are missing (a gap in its ``seq`` since
``started``) is unknown, neither held nor broken.

It subscribes transient local (topics.fleet_in_force_qos, the radios' own writer
profile): a radio that (re)starts publishes its first reports before DDS has matched
this reader, and a volatile reader would never receive them and keep the previous
incarnation's budget standing in their place.

snapshot(): budget, granted, epoch (each radio's report with the latest stamp),
sum_mi, p_total, power_used (its latest AllocationState), reports (received),
worst_margin (min of C - sum_k a_k B_k over the known instants; inf until every radio
has reported), violations (known instants above the cap), cap (the state: "waiting",
"held", "broken" or "unknown") and unknown (per radio, the missing spans).
"""

from __future__ import annotations

import math
import threading

import numpy as np
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.fleet.config import radio_names
from steer_ros.lab.faults.cap_invariant import RunCheck, check_run
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
        self.first_report = np.full(radios, np.nan)
        self.latest_stamp = np.full(radios, -np.inf)
        # every report received: radio -> [(stamp, budget, started, seq)]
        self.samples: dict[str, list[tuple[float, float, float, int]]] = {n: [] for n in self.names}
        self._check: RunCheck | None = None  # the evaluation of self.samples, None when out of date
        self.alloc_count = np.zeros(radios, dtype=np.int64)
        in_force = topics.fleet_in_force_qos(defaults.FLEET_PEER_DEADLINE_S)
        for i, name in enumerate(self.names):
            self.create_subscription(BudgetInForce, topics.fleet_topic(name, topics.FLEET_IN_FORCE),
                                     lambda m, i=i: self._on_in_force(i, m), in_force)
            self.create_subscription(AllocationState, topics.fleet_topic(name, topics.ALLOCATION),
                                     lambda m, i=i: self._on_alloc(i, m), topics.STREAM_IN)

    def _on_in_force(self, i: int, msg: BudgetInForce) -> None:
        t = stamp_s(msg.header.stamp)
        with self.lock:
            self.samples[self.names[i]].append((t, float(msg.budget), stamp_s(msg.started), int(msg.seq)))
            self._check = None
            self.reports += 1
            if math.isnan(self.first_report[i]):
                self.first_report[i] = t
            if t >= self.latest_stamp[i]:  # the radio's newest report, whatever the order of arrival
                self.latest_stamp[i] = t
                self.budget[i] = msg.budget
                self.granted[i] = msg.granted
                self.epoch[i] = msg.epoch

    def cap_check(self) -> RunCheck:
        """The cap over every report received so far (re-evaluated only after a new one)."""
        with self.lock:
            return self._evaluate()

    def _evaluate(self) -> RunCheck:
        if self._check is None:
            gains = dict(zip(self.names, self.a.tolist(), strict=True))
            self._check = check_run(self.samples, self.cap, gains=gains)
        return self._check

    @property
    def worst_margin(self) -> float:
        """min over the known instants of C - sum_k a_k B_k (inf until every radio has reported)."""
        return self.cap_check().worst_margin

    @property
    def violations(self) -> int:
        """The known instants (stamps) at which sum_k a_k B_k exceeded C."""
        return self.cap_check().breaches

    @property
    def history(self) -> list[tuple[float, float]]:
        """(stamp, sum_k a_k B_k) at every known instant of the window, in stamp order."""
        return list(self.cap_check().sums)

    def _on_alloc(self, i: int, msg: AllocationState) -> None:
        with self.lock:
            self.sum_mi[i] = msg.total_mi
            self.power_used[i] = msg.power_used
            self.p_total[i] = msg.p_total
            self.alloc_count[i] += 1

    def snapshot(self) -> dict:
        with self.lock:
            check = self._evaluate()
            return {"budget": self.budget.copy(), "granted": self.granted.copy(), "epoch": self.epoch.copy(),
                    "sum_mi": self.sum_mi.copy(), "p_total": self.p_total.copy(),
                    "power_used": self.power_used.copy(), "reports": self.reports,
                    "worst_margin": check.worst_margin, "violations": check.breaches, "cap": check.state,
                    "unknown": {k: list(v) for k, v in check.gaps.items()}}

    def table(self) -> str:
        s = self.snapshot()
        lines = [f"{'radio':>8} {'budget':>9} {'granted':>9} {'sum MI':>9} {'epoch':>18}"]
        for i, name in enumerate(self.names):
            lines.append(f"{name:>8} {s['budget'][i]:9.3f} {s['granted'][i]:9.3f} {s['sum_mi'][i]:9.4f} "
                         f"{int(s['epoch'][i]):>18d}")
        used = float(np.nansum(self.a * s["budget"]))
        lines.append(f"fleet: sum a_k B_k = {used:.3f} of C = {self.cap:g}; sum MI = {np.nansum(s['sum_mi']):.4f} "
                     f"bits over {s['reports']} reports")
        lines.append(self.cap_check().describe())
        return "\n".join(lines)
