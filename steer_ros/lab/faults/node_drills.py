"""Node drills: one process per node (what ``ros2 launch`` starts), the LLM a drill
server; each node in turn is killed with SIGKILL and restarted, and no log line,
diagnostic or parameter may carry the API key."""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Sequence

import numpy as np

from steer_ros import defaults
from steer_ros.lab.faults.catalogue import Fault, good_step
from steer_ros.lab.faults.drill_harness import DrillHarness, external_monitor, normalized_weights
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.system2.backends.backend import OPENAI_API_KEY_ENV
from steer_ros.system2.steer_decision import Status

#: The value of the API key variable during the node drills: no log line, diagnostic
#: or parameter of the run may contain it.
CANARY_API_KEY = "sk-drill-canary-7f3a9c1e5b"
#: OPENAI_API_KEY during the same drills: it stands in for the default variable when
#: that is unset (OpenAIBackend), so it must not leak either.
CANARY_OPENAI_API_KEY = "sk-drill-openai-canary-2d8e4b6a91"
KEY_CANARIES = {defaults.LLM_API_KEY_ENV: CANARY_API_KEY, OPENAI_API_KEY_ENV: CANARY_OPENAI_API_KEY}



class NodeDrills(DrillHarness):
    # -- node rows ----------------------------------------------------------------------
    def run_node(self, faults: Sequence[Fault]) -> list[RowResult]:
        from steer_ros.ros.node_processes import ProcessGraph

        self.log(f"node: one process per node, navigator -> drill LLM server ({len(faults)} rows)")
        results = []
        old_keys = {name: os.environ.get(name) for name in KEY_CANARIES}
        os.environ.update(KEY_CANARIES)  # inherited by the node processes
        try:
            with DrillServer(good_step()) as server:
                params = {"navigator": self._llm_parameters(server)}
                graph = ProcessGraph(self.domain_id, parameters=params)
                os.environ["ROS_LOG_DIR"] = str(graph.log_dir / "ros")
                with graph, external_monitor(self.domain_id, channels=True) as monitor:
                    self._wait_good(monitor, 6, timeout_s=self.s.start_timeout_s)
                    for fault in faults:
                        try:
                            results.append(self._kill_row(fault, graph, monitor))
                        except Exception as exc:  # a row that breaks is reported; the other rows still run
                            results.append(self._error_row(fault, exc))
                            if not graph.nodes[fault.node].alive:
                                graph.nodes[fault.node].start()
                    leaks = self._secret_leaks(graph, monitor, server)
                if results:
                    results[-1].extras = {**(results[-1].extras or {}), **leaks}
                    if leaks["api_key_leaks"]:
                        results[-1].failures.append(f"API key found in {leaks['api_key_leak_places']}")
                        results[-1].passed = False
        finally:
            os.environ.pop("ROS_LOG_DIR", None)
            for name, old in old_keys.items():
                if old is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = old
        return results

    def _kill_row(self, fault: Fault, graph, monitor) -> RowResult:
        from steer_ros.ros import topics

        s = self.s
        node = graph.nodes[fault.node]
        ref = self._wait_good(monitor, 1, since=time.monotonic())[0]  # the command in force
        dropped_before = int(monitor.diagnostic("/optimizer").get("steps_dropped", 0))
        t_in = time.monotonic()
        node.kill()  # SIGKILL: no clean-up, like kill -9
        down = monitor.wait_for(lambda m: time.monotonic() - t_in >= s.kill_down_s and m.allocations_since(t_in),
                                s.kill_down_s + 5.0, "allocations while the node is down")
        t_restart = time.monotonic()
        node.start()
        first_output: Callable = {
            "navigator": lambda m: [c.t for c in m.commands_since(t_restart, raw=True)],
            "guardrail": lambda m: [c.t for c in m.commands_since(t_restart)],
            "channel_sim": lambda m: m.arrived_since(topics.CHANNEL_SIM, t_restart),
            "channel_mux": lambda m: m.arrived_since(topics.CHANNEL_STATE, t_restart),
        }[fault.node]
        t_back = monitor.wait_for(first_output, s.start_timeout_s, f"the restarted {fault.node}'s output")[0]
        t_end = t_back + s.after_restart_s
        monitor.wait_for(lambda m: time.monotonic() >= t_end, s.after_restart_s + 5.0, "the after-restart window")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, t_end)
        window = [a for a in monitor.allocations_since(t_in) if a.t <= t_end]
        ref_w = normalized_weights(ref.weights)
        dw = max(float(np.max(np.abs(normalized_weights(a.weights) - ref_w))) for a in window)
        dp = max(abs(a.p_total - ref.p_total) for a in window)
        after = [c for c in monitor.commands_since(t_back) if c.status == Status.OK]
        failures = []
        if dw > 0.01 or dp > 0.1:
            failures.append(f"the command in force jumped (max |dw| {dw:.3g}, |dP| {dp:.3g})")
        if not after:
            failures.append("no accepted command after the restart")
        r.outcome = "RESUMED" if not failures else "JUMPED"
        r.detail = (f"command in force kept: max |dw| {dw:.1e}, P_total {ref.p_total:.2f} (max |dP| {dp:.1e}); "
                    f"{len(down)} allocations while down")
        r.recovery_s = t_back - t_restart
        dropped = int(monitor.diagnostic("/optimizer").get("steps_dropped", 0)) - dropped_before
        r.extras = {**(r.extras or {}), "down_s": t_restart - t_in, "allocations_while_down": len(down),
                    "restarts": node.starts - 1, "optimizer_steps_dropped": dropped}
        return self.judge(fault, r, failures)

    def _secret_leaks(self, graph, monitor, server) -> dict:
        """Grep every log line, diagnostic and parameter of the node run for either API
        key variable's value (the default one and OPENAI_API_KEY)."""
        places = []
        logs = graph.logs() + "".join(p.read_text(errors="replace")
                                      for p in (graph.log_dir / "ros").rglob("*") if p.is_file())
        if any(key in logs for key in KEY_CANARIES.values()):
            places.append("logs")
        with monitor.lock:
            diag = repr(monitor.diagnostics) + repr(monitor.diagnostic_messages)
        if any(key in diag for key in KEY_CANARIES.values()):
            places.append("diagnostics")
        dump = self._parameter_dump(monitor, list(graph.nodes))
        if any(key in dump for key in KEY_CANARIES.values()):
            places.append("parameters")
        sent = any(h.get("authorization") == f"Bearer {CANARY_API_KEY}" for h in server.request_headers)
        return {"api_key_leaks": len(places), "api_key_leak_places": places, "api_key_sent_to_server": sent,
                "parameter_dump_chars": len(dump), "log_chars": len(logs)}

    def _parameter_dump(self, monitor, nodes: list[str]) -> str:
        from rclpy.parameter_client import AsyncParameterClient

        text = []
        for name in nodes:
            client = AsyncParameterClient(monitor, name)  # lives until the monitor's context ends
            if not client.wait_for_services(timeout_sec=5.0):
                text.append(f"{name}: no parameter services")
                continue
            listed = client.list_parameters()
            _wait_done(listed, 5.0)
            names = list(listed.result().result.names) if listed.done() else []
            got = client.get_parameters(names)
            _wait_done(got, 5.0)
            values = [str(v) for v in got.result().values] if got.done() else ["(no answer)"] * len(names)
            text.append(f"{name}: " + repr(list(zip(names, values, strict=True))))
        return "\n".join(text)


def _wait_done(future, timeout_s: float) -> bool:
    """Wait up to timeout_s for a future that another thread completes; True if it did.
    Each call has its own event, so a late callback never sets a later call's."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    return done.wait(timeout_s)
