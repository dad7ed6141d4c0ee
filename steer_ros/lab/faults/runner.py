"""The drill runner: starts the graph, injects one fault at a time, measures.

Rows run in groups that share a graph, in catalogue order:

- ``llm``: one in-process graph whose navigator talks to a real HTTP server
  (:class:`~steer_ros.lab.faults.drill_server.DrillServer`); the server's script is
  switched to each fault in turn and back to a good reply;
- ``message``: one in-process graph (rules backend); a stranger node publishes
  malformed ChannelStates on steer/channel/sim and steer/channel_state, changes N,
  and publishes a SteerCommand on steer/command;
- ``node``: one process per node (what ``ros2 launch`` starts), the LLM a drill
  server; each node in turn is killed with SIGKILL and restarted;
- ``load``: one process per node, channel_sim at N = 4096 and 1 kHz.

The graph runs with the default setup (docs/design.md section 1) except where a drill
must be short: the navigator's period (``nav_period_s``) and the LLM deadline
(``llm_timeout_s``); the settings travel with the results (faults.json) and the CLI
prints them.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from steer_ros import defaults
from steer_ros.system2.steer_decision import Status
from steer_ros.lab.faults.catalogue import GOOD_TAG, INJECTION_POLICY, LLM, LOAD, MESSAGE, NODE, Fault, good_step
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.lab.faults.metrics import RowResult

#: The value of the API key variable during the node drills: no log line, diagnostic
#: or parameter of the run may contain it.
CANARY_API_KEY = "sk-drill-canary-7f3a9c1e5b"


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
        return (f"DESIGN defaults (N = 8, P_total = P_max = {defaults.P_MAX:g}, P_min = {defaults.P_MIN:g}, "
                f"optimizer {defaults.OPTIMIZER_RATE_HZ:g} Hz, EMA alpha {defaults.EMA_ALPHA:g}) except: navigator "
                f"period {self.nav_period_s:g} s (default {defaults.NAVIGATOR_PERIOD_S:g} s) and LLM deadline "
                f"{self.llm_timeout_s:g} s (default {defaults.LLM_TIMEOUT_S:g} s), to fit several cycles in a "
                f"{self.fault_window_s:g} s fault window")


# -- graph harness ------------------------------------------------------------------------
def _monitor_class():
    """DrillMonitor: the MonitorNode plus arrival times of channel states (node rows)."""
    import collections

    from steer_ros.msg import ChannelState
    from steer_ros.ros import topics
    from steer_ros.lab.fixtures.monitor_node import MonitorNode

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


def _status_name(status: int) -> str:
    try:
        return Status(int(status)).name
    except ValueError:
        return f"status {status}"


def _normalized(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum() if w.size and w.sum() > 0 else w


def process_rss(pid: int) -> dict:
    """VmRSS (current) and VmHWM (peak) of a process, MiB (Linux /proc)."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024.0
    return out


# -- the runner -------------------------------------------------------------------------
class FaultRunner:
    """Runs fault rows over real DDS in ROS domain ``domain_id``."""

    def __init__(self, domain_id: int, settings: DrillSettings | None = None,
                 log: Callable[[str], None] = lambda text: None):
        self.domain_id = domain_id
        self.s = settings or DrillSettings()
        self.log = log

    def run(self, faults: Sequence[Fault]) -> list[RowResult]:
        """All rows, grouped by the graph they need, in catalogue order."""
        groups = {LLM: self.run_llm, MESSAGE: self.run_message, NODE: self.run_node, LOAD: self.run_load}
        results: dict[str, RowResult] = {}
        for category, run in groups.items():
            rows = [f for f in faults if f.category == category]
            if rows:
                for result in run(rows):
                    results[result.name] = result
        return [results[f.name] for f in faults if f.name in results]

    # -- judging ------------------------------------------------------------------------
    def judge(self, fault: Fault, r: RowResult, failures: list[str] | None = None) -> RowResult:
        failures = list(failures or [])
        if r.violations:
            failures.append(f"{r.violations} infeasible allocations")
        if not r.rate_kept >= self.s.min_rate_kept:
            failures.append(f"System 1 kept {100 * r.rate_kept:.1f}% of its step rate (< {100 * self.s.min_rate_kept:g}%)")
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

    # -- LLM rows -----------------------------------------------------------------------
    def _llm_parameters(self, server: DrillServer) -> dict:
        return {"period_s": self.s.nav_period_s, "timeout_s": self.s.llm_timeout_s, "backend": "openai",
                "llm_base_url": server.base_url, "llm_model": "drill-model"}

    def _wait_good(self, monitor, count: int, since: float = 0.0, timeout_s: float | None = None):
        return monitor.wait_for(
            lambda m: (good := [c for c in m.commands_since(since)
                                if c.status == Status.OK and c.reasoning == GOOD_TAG]) and len(good) >= count
            and good, timeout_s or self.s.start_timeout_s, f"{count} accepted good LLM replies")

    def run_llm(self, faults: Sequence[Fault]) -> list[RowResult]:
        self.log(f"llm: in-process graph, navigator -> drill LLM server ({len(faults)} rows)")
        results = []
        with DrillServer(good_step()) as server, \
                in_process_graph(self.domain_id, {"navigator": self._llm_parameters(server)}) as (graph, monitor, _):
            self._wait_good(monitor, 4)
            for fault in faults:
                try:
                    results.append(self._llm_row(fault, server, monitor))
                except Exception as exc:  # noqa: BLE001 - one broken row must not hide the others
                    results.append(self._error_row(fault, exc))
                    server.start()
                    server.script.set(good_step(), "good")
        return results

    def _llm_row(self, fault: Fault, server: DrillServer, monitor) -> RowResult:
        s = self.s
        failures: list[str] = []
        system_before = server.requests[-1]["messages"][0]["content"] if server.requests else ""
        n_requests = len(server.requests)
        t_in = time.monotonic()
        if fault.action == "stop_server":
            server.stop()
        elif fault.action == "kill_server":
            server.script.set(fault.step, fault.name)  # a long call goes in flight ...
            monitor.wait_for(lambda m: server.script.served(fault.name, t_in) >= 1, 10.0, "a call in flight")
            server.stop()  # ... and the server dies under it
        else:
            server.script.set(fault.step, fault.name)
            if fault.action == "policy":
                monitor.publish_policy(INJECTION_POLICY)

        def fault_commands(m):
            return [c for c in m.commands_since(t_in) if c.reasoning != GOOD_TAG]

        hold = s.fault_window_s
        cmds = monitor.wait_for(
            lambda m: (cs := fault_commands(m)) and len(cs) >= s.min_fault_commands
            and time.monotonic() - t_in >= hold and cs,
            hold + (s.min_fault_commands + 2) * (s.llm_timeout_s + s.nav_period_s) + 5.0,
            f"{s.min_fault_commands} commands answering {fault.name}")
        t_out = time.monotonic()
        if fault.action in ("stop_server", "kill_server"):
            server.start()  # back on the same port
        if fault.action == "policy":
            monitor.publish_policy(defaults.POLICY)
        server.script.set(good_step(), "good")
        back = self._wait_good(monitor, 1, since=t_out, timeout_s=s.llm_timeout_s + 4 * s.nav_period_s + 10.0)[0]
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        first = cmds[0]
        r.outcome, r.detail = _status_name(first.status), first.status_detail
        r.recovery_s = back.t - t_out
        outcomes = sorted({_status_name(c.status) for c in cmds})
        r.extras = {**(r.extras or {}), "fault_commands": len(cmds), "outcomes": outcomes,
                    "requests": len(server.requests) - n_requests,
                    # > 0 when a stall longer than OPTIMIZER_MAX_CATCHUP_S cost steps (cumulative)
                    "steps_dropped": monitor.diagnostic("/optimizer").get("steps_dropped", "0")}
        if len(outcomes) > 1:
            failures.append(f"mixed outcomes {outcomes}")
        if r.outcome == "FALLBACK":
            # The fallback must change nothing: the allocations keep the last accepted command.
            ok_before = [c for c in monitor.commands_since(0.0) if c.status == Status.OK and c.t < first.t]
            ref = ok_before[-1]
            np_ref = _normalized(ref.weights)
            settled = [a for a in monitor.allocations_since(first.t + 0.2) if a.t <= t_out]
            dw = max((float(np.max(np.abs(_normalized(a.weights) - np_ref))) for a in settled), default=0.0)
            dp = max((abs(a.p_total - ref.p_total) for a in settled), default=0.0)
            r.extras.update(command_change_w=dw, command_change_p=dp)
            if dw > 1e-9 or dp > 1e-9:
                failures.append(f"the command in force changed during a fallback (|dw| {dw:.3g}, |dP| {dp:.3g})")
            if not np.allclose(_normalized(first.weights), np_ref, atol=1e-12):
                failures.append("the FALLBACK command does not carry the command in force")
        if fault.action == "policy":
            injected = [q for q in server.requests[n_requests:]
                        if q["messages"][1]["content"].endswith(f"Policy: \"{INJECTION_POLICY}\"")]
            if not injected:
                failures.append("no request quoted the injected policy as data")
            elif any(q["messages"][0]["content"] != system_before for q in injected):
                failures.append("the system prompt changed with the injected policy")
            r.extras["requests_quoting_policy"] = len(injected)
        return self.judge(fault, r, failures)

    # -- message rows -------------------------------------------------------------------
    def run_message(self, faults: Sequence[Fault]) -> list[RowResult]:
        self.log(f"message: in-process graph, rules navigator, a stranger node publishing ({len(faults)} rows)")
        results = []
        params = {"navigator": {"period_s": self.s.nav_period_s}}
        with in_process_graph(self.domain_id, params) as (graph, monitor, injector):
            monitor.wait_for(lambda m: len(m.commands) >= 2 and len(m.allocations) >= 10, self.s.start_timeout_s,
                             "the graph to run")
            for fault in faults:
                try:
                    if fault.action == "resize":
                        results.append(self._resize_row(fault, graph, monitor))
                    elif fault.action == "stranger":
                        results.append(self._stranger_row(fault, monitor, injector))
                    else:
                        results.append(self._channel_row(fault, monitor, injector))
                except Exception as exc:  # noqa: BLE001
                    results.append(self._error_row(fault, exc))
        return results

    def _diag_wait(self, monitor, node: str, key: str, since_value: str, timeout_s: float = 10.0) -> dict:
        """Wait for a diagnostics report of ``node`` whose ``key`` differs from since_value."""
        return monitor.wait_for(lambda m: (d := m.diagnostic(f"/{node}")).get(key, since_value) != since_value and d,
                                timeout_s, f"{node} diagnostics to report {key}")

    def _channel_row(self, fault: Fault, monitor, injector) -> RowResult:
        from steer_ros.msg import ChannelState

        s = self.s
        good_gain = defaults.design_gains(defaults.N_CHANNELS)
        before = {node: monitor.diagnostic(f"/{node}") for node in ("optimizer", "channel_mux")}
        msg = ChannelState()
        msg.gain = [float(x) for x in fault.payload["gain"]]
        msg.noise_var = [float(x) for x in fault.payload["noise_var"]]
        t_in = time.monotonic()
        sent = 0
        while time.monotonic() - t_in < s.fault_window_s:  # 20 Hz on both topics for the window
            msg.header.stamp = injector.get_clock().now().to_msg()
            for pub in injector.channel_pubs.values():
                pub.publish(msg)
            sent += 1
            time.sleep(0.05)
        t_out = time.monotonic()
        opt = self._diag_wait(monitor, "optimizer", "last_rejected_channel_states",
                              before["optimizer"].get("last_rejected_channel_states", ""))
        mux = self._diag_wait(monitor, "channel_mux", "last_rejected_sim", before["channel_mux"].get("last_rejected_sim", ""))
        back = monitor.wait_for(lambda m: next((a for a in m.allocations_since(t_out)
                                                if np.allclose(a.gain, good_gain)), None), 5.0, "an allocation")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        failures = []
        window = monitor.allocations_since(t_in)
        adopted = [a for a in window if a.t <= back.t and not np.allclose(a.gain, good_gain)]
        if adopted:
            failures.append(f"{len(adopted)} allocations used the injected channels")
        rejected = {
            "optimizer": int(opt.get("rejected_channel_states", 0)) - int(before["optimizer"].get("rejected_channel_states", 0)),
            "channel_mux": int(mux.get("rejected_sim", 0)) - int(before["channel_mux"].get("rejected_sim", 0)),
        }
        for node, count in rejected.items():
            if count <= 0:
                failures.append(f"{node} counted no rejection")
        r.outcome = "REJECTED" if all(c > 0 for c in rejected.values()) else "ACCEPTED"
        r.detail = opt.get("last_rejected_channel_states", "")
        if mux.get("last_rejected_sim", "") != r.detail:
            failures.append(f"the mux named {mux.get('last_rejected_sim')!r}, the optimizer {r.detail!r}")
        r.recovery_s = max(back.t - t_out, 0.0)
        r.extras = {**(r.extras or {}), "sent": sent, "rejected": rejected, "mux_detail": mux.get("last_rejected_sim", "")}
        return self.judge(fault, r, failures)

    def _resize_row(self, fault: Fault, graph, monitor) -> RowResult:
        from rclpy.parameter import Parameter

        sim = graph.nodes["channel_sim"]
        n0, n1 = defaults.N_CHANNELS, 2 * defaults.N_CHANNELS

        def set_n(n: int) -> float:
            result = sim.set_parameters([Parameter("n_channels", value=n)])
            if not result[0].successful:
                raise RuntimeError(f"n_channels := {n} refused: {result[0].reason}")
            t = time.monotonic()
            monitor.wait_for(lambda m: next((a for a in m.allocations_since(t) if a.gain.shape[0] == n), None), 5.0,
                             f"an allocation with N = {n}")
            return t

        def accepted(n: int, t: float):
            return monitor.wait_for(lambda m: next((c for c in m.commands_since(t)
                                                    if c.status == Status.OK and c.weights.shape[0] == n), None),
                                    4 * self.s.nav_period_s + 5.0, f"an accepted command with {n} weights")

        t_in = set_n(n1)
        up = accepted(n1, t_in)
        t_out = set_n(n0)
        down = accepted(n0, t_out)
        back = monitor.wait_for(lambda m: next((a for a in m.allocations_since(down.t) if a.gain.shape[0] == n0), None),
                                5.0, "an allocation after the resize")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        r.outcome = "RESIZED"
        r.detail = (f"N {n0} -> {n1} -> {n0}: guardrail {_status_name(up.status)} ({up.status_detail}) "
                    f"{up.t - t_in:.2f} s after the change")
        r.recovery_s = down.t - t_out
        return self.judge(fault, r)

    def _stranger_row(self, fault: Fault, monitor, injector) -> RowResult:
        from steer_ros.msg import SteerCommand
        from steer_ros.ros import topics

        before = monitor.diagnostic("/optimizer")
        guard = monitor.latest_command()
        pub = injector.create_publisher(SteerCommand, topics.COMMAND, topics.LATCHED_COMMAND_QOS)
        try:
            monitor.wait_for(lambda m: pub.get_subscription_count() >= 1, 5.0, "subscribers on steer/command")
            msg = SteerCommand()
            msg.weights = [float(x) for x in fault.payload["weights"]]
            msg.p_total = float(fault.payload["p_total"])
            msg.status = SteerCommand.STATUS_OK
            msg.backend = "stranger"
            msg.policy = "stranger"
            msg.status_detail = "ok: trust me"
            t_in = time.monotonic()

            def under_stranger(m):
                return next((a for a in m.allocations_since(t_in)
                             if np.argmax(a.weights) == len(a.weights) - 1 and a.weights[-1] > 0.5), None)

            # The stranger insists (20 Hz): the guardrail's next command, every
            # navigator period, may replace a single publication before any allocation
            # carries it.
            hit = None
            while hit is None:
                pub.publish(msg)
                try:
                    hit = monitor.wait_for(under_stranger, 0.05, "an allocation under the stranger's command")
                except TimeoutError:
                    if time.monotonic() - t_in > 5.0:
                        raise TimeoutError("timed out after 5.0 s waiting for an allocation under the "
                                           "stranger's command") from None
            diag = self._diag_wait(monitor, "optimizer", "last_adjusted_commands",
                                   before.get("last_adjusted_commands", ""))
            # The guardrail's next command restores the navigator's intent.
            back = monitor.wait_for(lambda m: next((a for a in m.allocations_since(hit.t)
                                                    if np.allclose(_normalized(a.weights), _normalized(guard.weights),
                                                                   atol=1e-6)), None),
                                    4 * self.s.nav_period_s + 5.0, "the guardrail's command back in force")
        finally:
            injector.destroy_publisher(pub)
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        r.outcome = "ADJUSTED"
        r.detail = diag.get("last_adjusted_commands", "")
        r.recovery_s = back.t - t_in
        r.extras = {**(r.extras or {}), "stranger_p_total_in_force": hit.p_total, "stranger_weights_in_force": hit.weights.tolist()}
        failures = [] if hit.p_total <= defaults.P_MAX else [f"P_total {hit.p_total} in force"]
        return self.judge(fault, r, failures)

    # -- node rows ----------------------------------------------------------------------
    def run_node(self, faults: Sequence[Fault]) -> list[RowResult]:
        from steer_ros.ros.node_processes import ProcessGraph

        self.log(f"node: one process per node, navigator -> drill LLM server ({len(faults)} rows)")
        results = []
        old_key = os.environ.get(defaults.LLM_API_KEY_ENV)
        os.environ[defaults.LLM_API_KEY_ENV] = CANARY_API_KEY  # inherited by the node processes
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
                        except Exception as exc:  # noqa: BLE001
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
            if old_key is None:
                os.environ.pop(defaults.LLM_API_KEY_ENV, None)
            else:
                os.environ[defaults.LLM_API_KEY_ENV] = old_key
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
        ref_w = _normalized(ref.weights)
        dw = max(float(np.max(np.abs(_normalized(a.weights) - ref_w))) for a in window)
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
        """Grep every log line, diagnostic and parameter of the node run for the API key."""
        places = []
        logs = graph.logs() + "".join(p.read_text(errors="replace")
                                      for p in (graph.log_dir / "ros").rglob("*") if p.is_file())
        if CANARY_API_KEY in logs:
            places.append("logs")
        with monitor.lock:
            diag = repr(monitor.diagnostics) + repr(monitor.diagnostic_messages)
        if CANARY_API_KEY in diag:
            places.append("diagnostics")
        dump = self._parameter_dump(monitor, list(graph.nodes))
        if CANARY_API_KEY in dump:
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
            done = threading.Event()
            listed.add_done_callback(lambda _: done.set())
            done.wait(5.0)
            names = list(listed.result().result.names) if listed.done() else []
            got = client.get_parameters(names)
            done2 = threading.Event()
            got.add_done_callback(lambda _: done2.set())
            done2.wait(5.0)
            values = got.result().values if got.done() else []
            text.append(f"{name}: " + repr(list(zip(names, [str(v) for v in values]))))
        return "\n".join(text)

    # -- load row -----------------------------------------------------------------------
    def run_load(self, faults: Sequence[Fault], soak_s: float = 0.0) -> list[RowResult]:
        return [self._load_row(f, soak_s) for f in faults]

    def _load_row(self, fault: Fault, soak_s: float = 0.0) -> RowResult:
        import json
        import signal
        import subprocess
        import sys

        from steer_ros.ros.node_processes import ProcessGraph

        s = self.s
        n, rate = int(fault.payload["n_channels"]), float(fault.payload["rate_hz"])
        window = soak_s or s.load_window_s
        self.log(f"load: one process per node; a load generator in place of channel_sim publishes N = {n} channels "
                 f"at {rate:g} Hz (Rayleigh, every update new); navigator (rules) every {s.nav_period_s:g} s; "
                 f"{window:g} s measured")
        params = {"navigator": {"period_s": s.nav_period_s}}
        nodes = ["channel_mux", "optimizer", "navigator", "guardrail"]
        env = dict(os.environ, ROS_DOMAIN_ID=str(self.domain_id), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
        loadgen = None
        try:
            with ProcessGraph(self.domain_id, parameters=params, nodes=nodes) as graph, \
                    external_monitor(self.domain_id) as monitor:
                loadgen = subprocess.Popen([sys.executable, "-m", "steer_ros.lab.faults.loadgen", "--n", str(n),
                                            "--rate", str(rate)], env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
                monitor.wait_for(lambda m: (a := m.latest_allocation()) is not None and a.gain.shape[0] == n,
                                 s.start_timeout_s, f"an allocation with N = {n}\n{graph.logs()}")
                t_warm = time.monotonic()
                monitor.wait_for(lambda m: time.monotonic() - t_warm >= s.load_warmup_s
                                 and "published" in m.diagnostic("/channel_mux")
                                 and "steps" in m.diagnostic("/optimizer"), s.load_warmup_s + 10,
                                 "warm-up and the nodes' first diagnostics")
                pids = {name: p.proc.pid for name, p in graph.nodes.items()} | {"loadgen": loadgen.pid}
                rss_start = {name: process_rss(pid) for name, pid in pids.items()}
                diag_start = {name: monitor.diagnostic(f"/{name}") for name in graph.nodes}
                load_start = os.getloadavg()[0]
                t_in = time.monotonic()
                samples = [(0.0, rss_start)]
                next_sample = t_in + 60.0
                while time.monotonic() - t_in < window:
                    time.sleep(min(0.5, max(0.0, t_in + window - time.monotonic())))
                    if soak_s and time.monotonic() >= next_sample:
                        samples.append((time.monotonic() - t_in, {name: process_rss(pid) for name, pid in pids.items()}))
                        self.log(f"  soak {samples[-1][0]:.0f} s: " + ", ".join(
                            f"{k} {v.get('VmRSS', 0):.0f}" for k, v in samples[-1][1].items()) + " MiB RSS")
                        next_sample += 60.0
                t_out = time.monotonic()
                rss_end = {name: process_rss(pid) for name, pid in pids.items()}
                diag_end = {name: monitor.diagnostic(f"/{name}") for name in graph.nodes}
                alive = {name: p.alive for name, p in graph.nodes.items()}
                r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, t_out)
                loadgen.send_signal(signal.SIGTERM)
                out = loadgen.communicate(timeout=10)[0]
        except Exception as exc:  # noqa: BLE001
            return self._error_row(fault, exc)
        finally:
            if loadgen is not None and loadgen.poll() is None:
                loadgen.kill()
                loadgen.wait()
        try:
            lines = [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")]
            gen = lines[-1]
            ticks = [(x["t"], x["published"]) for x in lines if "t" in x and t_in - 1.0 <= x["t"] <= t_out + 1.0]
            (ta, na), (tb, nb) = ticks[0], ticks[-1]
            gen["rate_hz"] = (nb - na) / (tb - ta)  # over the measured window, not the start-up
        except (ValueError, IndexError, KeyError, ZeroDivisionError):
            gen = {"rate_hz": math.nan, "output": out[-500:]}

        def counter_rate(node: str, key: str) -> float:
            a, b = diag_start[node].get(key), diag_end[node].get(key)
            return (int(b) - int(a)) / (t_out - t_in) if a is not None and b is not None else math.nan

        mux_in = counter_rate("channel_mux", "published") + counter_rate("channel_mux", "coalesced")
        mux_hz = counter_rate("channel_mux", "published")
        failures = [f"{name} died" for name, ok in alive.items() if not ok]
        if not gen.get("rate_hz", 0) >= 0.9 * rate:  # on a loaded machine the generator itself slips a little
            failures.append(f"the load generator published at {gen.get('rate_hz', math.nan):.0f} Hz, not {rate:g} Hz")
        growth = {name: rss_end[name].get("VmRSS", 0) - rss_start[name].get("VmRSS", 0) for name in rss_end}
        r.outcome = "KEPT_UP" if r.rate_kept >= s.min_rate_kept else "FELL_BEHIND"
        r.detail = (f"{gen.get('rate_hz', math.nan):.0f} Hz in, mux took ~{mux_in:.0f} Hz, sent ~{mux_hz:.0f} Hz; "
                    f"optimizer RSS {rss_start['optimizer'].get('VmRSS', 0):.0f} -> "
                    f"{rss_end['optimizer'].get('VmRSS', 0):.0f} MiB; load avg {load_start:.1f}")
        r.recovery_s = 0.0  # the load is never removed: nothing to recover from
        r.extras = {**(r.extras or {}), "n_channels": n, "update_hz": rate, "loadgen": gen, "mux_in_hz": mux_in, "mux_out_hz": mux_hz,
                    "steps_dropped": diag_end["optimizer"].get("steps_dropped", "0"),
                    "optimizer_step_rate_diag_hz": diag_end["optimizer"].get("step_rate_hz"),
                    "rss_start_mib": rss_start, "rss_end_mib": rss_end, "rss_growth_mib": growth,
                    "rss_samples": samples if soak_s else None, "window_s": t_out - t_in,
                    "load_average_1min": [load_start, os.getloadavg()[0]], "cpus": os.cpu_count()}
        return self.judge(fault, r, failures)


def settings_dict(settings: DrillSettings) -> dict:
    return {**asdict(settings), "description": settings.describe()}
