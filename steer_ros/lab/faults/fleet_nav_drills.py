"""Fleet navigator LLM drills: a live radio graph (namespace radio1) and the fleet_navigator
node in one process, the fleet navigator talking to a real HTTP drill server whose
script is switched to each fault in turn and back to a good fleet reply.

Per row: the outcome is the status of the first fleet decision (fleet/decision) answering
the fault; every such decision must carry the directive in force, no new directive may go
out on fleet/command while the fault lasts, and radio1's System 1 keeps stepping,
feasible (the harness's columns). Recovery: the first accepted good directive after.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Sequence

from steer_ros.lab.faults.catalogue import GOOD_FLEET_STEP, GOOD_FLEET_TAG, Fault
from steer_ros.lab.faults.drill_harness import DrillHarness, _monitor_class
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.lab.faults.metrics import RowResult

FLEET_RADIOS = 2  # radio1 live; radio2 silent (a radio with no report is part of a fleet too)


def _fleet_watcher(context):
    """A node recording fleet/decision and fleet/command (decoded FleetDirectives, arrival time)."""
    from rclpy.node import Node
    from std_msgs.msg import String

    from steer_ros.fleet.navigator.directive import FleetDirective
    from steer_ros.ros import topics

    node = Node("fleet_drill_watcher", context=context)
    node.lock = threading.Lock()
    node.decisions, node.commands = [], []

    def keep(store):
        def on(msg):
            directive = FleetDirective.from_json(msg.data, FLEET_RADIOS)
            with node.lock:
                store.append((time.monotonic(), directive))
        return on

    node.create_subscription(String, topics.FLEET_DECISION, keep(node.decisions), topics.COMMAND_QOS)
    node.create_subscription(String, topics.FLEET_COMMAND, keep(node.commands), topics.LATCHED_COMMAND_QOS)
    return node


class FleetNavDrills(DrillHarness):
    def run_fleet_llm(self, faults: Sequence[Fault]) -> list[RowResult]:
        from steer_ros.ros.bringup import Graph
        from steer_ros.ros.nodes.fleet_navigator_node import FleetNavigatorNode

        self.log(f"fleet_llm: radio graph radio1 + fleet_navigator -> drill LLM server ({len(faults)} rows)")
        results = []
        with DrillServer(GOOD_FLEET_STEP) as server:
            from rclpy.parameter import Parameter

            graph = Graph(domain_id=self.domain_id, namespace="radio1")
            monitor = _monitor_class()(context=graph.context, namespace="radio1")
            watcher = _fleet_watcher(graph.context)
            params = {"radios": FLEET_RADIOS, "cap": 80.0, "reserve": [5.0], "period_s": self.s.nav_period_s,
                      "timeout_s": self.s.llm_timeout_s, "backend": "openai", "llm_base_url": server.base_url,
                      "llm_model": "drill-model"}
            fleet = FleetNavigatorNode(context=graph.context,
                                       parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
            for node in (monitor, watcher, fleet):
                graph.add_node(node)
            graph.start()
            try:
                monitor.wait_for(lambda m: m.latest_allocation() is not None, self.s.start_timeout_s,
                                 "radio1's first allocation")
                self._wait_fleet_good(watcher, 0.0, self.s.start_timeout_s)
                for fault in faults:
                    try:
                        results.append(self._fleet_row(fault, server, monitor, watcher))
                    except Exception as exc:  # one broken row must not hide the others
                        results.append(self._error_row(fault, exc))
                        server.start()
                        server.script.set(GOOD_FLEET_STEP, "good")
            finally:
                graph.shutdown()
                for node in (monitor, watcher, fleet):
                    with contextlib.suppress(Exception):
                        if node is fleet:
                            fleet.close()
                        node.destroy_node()
        return results

    def _wait_fleet_good(self, watcher, since: float, timeout_s: float):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with watcher.lock:
                good = [(t, d) for t, d in watcher.decisions if t >= since and d.status == 0
                        and d.reasoning == GOOD_FLEET_TAG]
            if good:
                return good[0]
            time.sleep(0.02)
        raise AssertionError(f"no accepted good fleet directive within {timeout_s:.1f} s")

    def _fleet_row(self, fault: Fault, server: DrillServer, monitor, watcher) -> RowResult:
        s = self.s
        with watcher.lock:
            in_force = watcher.commands[-1][1] if watcher.commands else None
            n_commands = len(watcher.commands)
        t_in = time.monotonic()
        if fault.action == "stop_server":
            server.stop()
        else:
            server.script.set(fault.step, fault.name)
        deadline = t_in + s.fault_window_s + (s.min_fault_commands + 2) * (s.llm_timeout_s + s.nav_period_s) + 5.0
        while True:
            with watcher.lock:
                answers = [(t, d) for t, d in watcher.decisions if t >= t_in and d.reasoning != GOOD_FLEET_TAG]
            if len(answers) >= s.min_fault_commands and time.monotonic() - t_in >= s.fault_window_s:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{s.min_fault_commands} fleet decisions answering {fault.name}")
            time.sleep(0.02)
        t_out = time.monotonic()
        with watcher.lock:
            published = [d for t, d in watcher.commands[n_commands:] if t <= t_out]
        if fault.action == "stop_server":
            server.start()
        server.script.set(GOOD_FLEET_STEP, "good")
        back_t, _ = self._wait_fleet_good(watcher, t_out, s.llm_timeout_s + 4 * s.nav_period_s + 10.0)
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back_t)
        first = answers[0][1]
        r.outcome = {0: "OK", 1: "FALLBACK", 2: "REJECTED", 3: "KEPT"}.get(int(first.status), str(first.status))
        r.detail = first.status_detail
        r.recovery_s = back_t - t_out
        statuses = sorted({int(d.status) for _, d in answers})
        r.extras = {"fleet_decisions": len(answers), "statuses": statuses, "readback_in_force": first.readback}
        failures = []
        if published:
            failures.append(f"{len(published)} directives went out on fleet/command during the fault")
        if len(statuses) > 1:
            failures.append(f"mixed statuses {statuses}")
        if in_force is not None and not all(d.same_setting(in_force) for _, d in answers):
            failures.append("a fleet decision during the fault does not carry the directive in force")
        return self.judge(fault, r, failures)
