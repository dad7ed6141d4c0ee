"""The fleet navigator over real DDS: two live radio graphs (radio1, radio2; radio 2 behind
100x the noise) publish their steer/summary; the fleet_navigator executable in its own
process reads a fleet policy on fleet/policy with the rules backend, then with the
OpenAI-compatible test server (real HTTP), and latches the directive on fleet/command
with its read-back."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")

from steer_ros.fleet.navigator.directive import FleetDirective
from steer_ros.lab.fixtures import ScriptedOpenAIServer
from steer_ros.ros.bringup import Graph
from steer_ros.ros.graph import default_config
from steer_ros.ros.node_processes import NodeProcess

pytestmark = [pytest.mark.ros, pytest.mark.slow]

RADIOS = {"radio1": 1.0, "radio2": 100.0}  # namespace: noise variance (radio 2 is the weakest)


class CommandWatcher:
    """fleet/command (latched) and fleet/decision, as received."""

    def __init__(self, domain_id: int):
        from rosutil import SpunNode
        from std_msgs.msg import String

        from steer_ros.ros import topics

        self.spun = SpunNode("fleet_watcher", domain_id)
        self.lock = threading.Lock()
        self.commands: list[FleetDirective] = []
        self.spun.node.create_subscription(String, topics.FLEET_COMMAND, self._on_command,
                                           topics.LATCHED_COMMAND_QOS)
        self.policy_pub = self.spun.node.create_publisher(String, topics.FLEET_POLICY, topics.POLICY_QOS)
        self.String = String

    def _on_command(self, msg) -> None:
        directive = FleetDirective.from_json(msg.data, len(RADIOS))  # what the coordinator would read
        with self.lock:
            self.commands.append(directive)

    def publish_policy(self, text: str) -> None:
        self.policy_pub.publish(self.String(data=text))

    def wait_for(self, predicate, timeout_s: float, what: str) -> FleetDirective:
        from rosutil import wait_until

        found = []

        def check():
            with self.lock:
                hits = [c for c in self.commands if predicate(c)]
            found[:] = hits[-1:]
            return bool(hits)

        wait_until(check, timeout_s, what)
        return found[0]


def _fleet_navigator(domain_id: int, **parameters) -> NodeProcess:
    params = {"radios": len(RADIOS), "cap": 80.0, "p_min": [0.0], "reserve": [5.0], "period_s": 0.5,
              "summary_stale_s": 2.0, **parameters}
    return NodeProcess("fleet_navigator", default_config("fleet_navigator"), domain_id, parameters=params).start()


def test_a_fleet_policy_through_live_radios_with_rules_and_the_openai_server(domain_id):
    graphs = [Graph(domain_id=domain_id, namespace=ns, extra_parameters={"channel_sim": {"noise_var_default": var}})
              for ns, var in RADIOS.items()]
    watcher = None
    procs: list[NodeProcess] = []
    try:
        for graph in graphs:
            graph.start()
        watcher = CommandWatcher(domain_id)

        # rules: "the weakest radio" is ranked on the radios' live sum MI
        procs.append(_fleet_navigator(domain_id, backend="rules"))
        watcher.wait_for(lambda c: c.epoch >= 1, 30.0, "the fleet navigator's first directive")
        watcher.publish_policy("Switch off the weakest radio and cap the fleet at 60% tonight")
        rules = watcher.wait_for(lambda c: c.readback.startswith("radio 2 off;"), 20.0,
                                 "radio 2 (the weakest) off on fleet/command")
        assert "cap 60% of C" in rules.readback and rules.cap == pytest.approx(48.0)
        assert rules.backend == "rules" and rules.off.tolist() == [False, True]
        print(f"\nrules  | {rules.policy!r} -> {rules.readback!r} (epoch {rules.epoch})")
        procs.pop().stop()

        # openai: the test server answers over real HTTP; the prompt quotes both radios' reports
        reply = {"reasoning": "radio 2 carries the uplink", "priorities": [{"radios": "2", "priority": 4}],
                 "off": [], "floors": [{"radios": "all", "bits": 3}], "budgets": [], "cap": None,
                 "cap_fraction": 0.6}
        policy = "Radio 2 carries the emergency uplink: it comes first; every radio keeps at least 3 bits"
        idle = {"reasoning": "nothing to set", "priorities": []}
        with ScriptedOpenAIServer([json.dumps(idle)], cases={policy: [json.dumps(reply)]}) as server:
            with watcher.lock:
                watcher.commands.clear()
            procs.append(_fleet_navigator(domain_id, backend="openai", llm_base_url=server.base_url,
                                          llm_model="fleet-test"))
            watcher.wait_for(lambda c: c.backend == "openai:fleet-test", 30.0, "the first directive via the server")
            watcher.publish_policy(policy)
            expected = "radio 2 first (priority 4); floors 3 bits on every radio; cap 60% of C"
            llm = watcher.wait_for(lambda c: c.policy == policy and c.readback.startswith(expected), 20.0,
                                   "the LLM's directive for the policy")
            from rosutil import wait_until

            wait_until(lambda: any("Reports: 2 of 2 radios" in r["messages"][1]["content"] for r in server.requests),
                       20.0, "a prompt with both radios reporting")
        assert llm.backend == "openai:fleet-test" and llm.policy == policy
        assert llm.priority.tolist() == [1.0, 4.0] and llm.rate_floor.tolist() == [3.0, 3.0]
        print(f"openai | {policy!r} -> {llm.readback!r} (epoch {llm.epoch})")
    finally:
        for proc in procs:
            proc.stop()
        if watcher is not None:
            watcher.spun.close()
        for graph in graphs:
            graph.shutdown()


def test_a_fleet_policy_applied_through_the_live_fleet(domain_id, tmp_path):
    """Two radios (their System 1 only) and the coordinator's process, which runs the
    fleet navigator beside the coordinator, as `steer-ros fleet` starts them. The policy
    "take radio 2 off the air for maintenance and cap the fleet at 60% tonight" reaches the
    coordinator: radio 2 is granted (next to) nothing, radio 1 at most 60% of C, the cap
    holding on the budgets in force; first with the rules backend, then through the
    OpenAI-compatible test server (real HTTP)."""
    import rclpy
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor
    from rosutil import ros_env, wait_until

    from steer_ros.ros.fleet_bringup import fleet_params, start_coordinator, start_fleet, stop_fleet, write_fleet_params
    from steer_ros.ros.fleet_monitor import FleetMonitor

    cap, radios = 60.0, 2
    env = ros_env(domain_id)
    policy = "Take radio 2 off the air for maintenance and cap the fleet at 60% tonight"
    reply = {"reasoning": "maintenance on radio 2", "priorities": [], "off": ["2"], "floors": [], "budgets": [],
             "cap": None, "cap_fraction": 0.6}
    idle = {"reasoning": "nothing to set", "priorities": []}
    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    monitor = FleetMonitor(radios, cap, context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(monitor)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    watcher = CommandWatcher(domain_id)
    procs = {}
    try:
        with ScriptedOpenAIServer([json.dumps(idle)], cases={policy: [json.dumps(reply)]}) as server:
            for backend in ("rules", "openai"):
                data = fleet_params(radios, None, cap)
                nav = data["/**/fleet_navigator"]["ros__parameters"]
                nav.update(period_s=0.5, policy="Keep the fleet as configured", backend=backend,
                           llm_base_url=server.base_url if backend == "openai" else "", llm_model="fleet-test")
                (tmp_path / backend).mkdir()
                params = write_fleet_params(data, tmp_path / backend)
                if not procs:
                    procs = start_fleet(params, radios, nodes="channel_sim,channel_mux,optimizer", env=env,
                                        coordinator=False)
                procs["coordinator"] = start_coordinator(params, params.parent, env)
                t0 = time.monotonic()
                wait_until(lambda: np.all(np.isfinite(monitor.snapshot()["budget"])), 60.0, "both radios' budgets")
                name = "rules" if backend == "rules" else "openai:fleet-test"
                # (the first directive is latched: it may have come before the budgets)
                watcher.wait_for(lambda c, name=name: c.backend == name, 30.0, f"{backend}: the first directive")
                wait_until(lambda: monitor.snapshot()["budget"][1] > 1e-3, 30.0, "radio 2 on the air")
                watcher.publish_policy(policy)
                directive = watcher.wait_for(lambda c, name=name: c.policy == policy and c.backend == name, 20.0,
                                             f"the {backend} directive")
                assert directive.readback == "radio 2 off; equal priorities; cap 60% of C (was 100%)"
                wait_until(lambda: (s := monitor.snapshot())["budget"][1] < 1e-6
                           and s["budget"][0] <= 0.6 * cap + 1e-9, 20.0, f"{backend}: radio 2 off, radio 1 under 36")
                snap = monitor.snapshot()
                print(f"\n{backend:6s} | {policy!r} -> {directive.readback!r}; budgets in force "
                      f"{np.round(snap['budget'], 3).tolist()} after {time.monotonic() - t0:.1f} s; "
                      f"worst cap margin {snap['worst_margin']:.3g}")
                assert snap["violations"] == 0 and snap["worst_margin"] >= 0.0 and snap["cap"] == "held", snap
                stop_fleet({"coordinator": procs.pop("coordinator")})
    finally:
        stop_fleet(procs)
        watcher.spun.close()
        executor.shutdown(timeout_sec=2.0)
        monitor.destroy_node()
        context.try_shutdown()
        spinner.join(timeout=5.0)
