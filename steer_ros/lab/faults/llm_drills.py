"""LLM drills: one in-process graph whose navigator talks to a real HTTP server
(:class:`~steer_ros.lab.faults.drill_server.DrillServer`); the server's script is
switched to each fault in turn and back to a good reply. The fade row also sets
channel_sim's ``gain`` parameter (a fade on every channel) under a floor goal."""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from steer_ros import defaults
from steer_ros.lab.faults.catalogue import GOOD_TAG, INJECTION_POLICY, Fault, good_step
from steer_ros.lab.faults.drill_harness import (
    DrillHarness,
    in_process_graph,
    normalized_weights,
    same_goal,
    status_name,
)
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.system2.steer_decision import Status


class LlmDrills(DrillHarness):
    # -- LLM rows -----------------------------------------------------------------------
    def run_llm(self, faults: Sequence[Fault]) -> list[RowResult]:
        """The rows on one graph per channel count (payload ``n_channels``, default N = 8)."""
        sizes: dict[int, list[Fault]] = {}
        for fault in faults:
            sizes.setdefault(int((fault.payload or {}).get("n_channels", defaults.N_CHANNELS)), []).append(fault)
        done = {}
        for n, rows in sizes.items():
            for result in self._run_llm_graph(n, rows):
                done[result.name] = result
        return [done[f.name] for f in faults if f.name in done]

    def _run_llm_graph(self, n: int, faults: Sequence[Fault]) -> list[RowResult]:
        self.log(f"llm: in-process graph (N = {n}), navigator -> drill LLM server ({len(faults)} rows)")
        results = []
        self._good = good_step(n)
        with DrillServer(self._good) as server:
            extra = {"navigator": self._llm_parameters(server)}
            if n != defaults.N_CHANNELS:
                extra["channel_sim"] = {"n_channels": n}
            with in_process_graph(self.domain_id, extra) as (graph, monitor, _):
                self._wait_good(monitor, 4)
                for fault in faults:
                    try:
                        if fault.action == "fade":
                            results.append(self._fade_row(fault, server, monitor, graph))
                        else:
                            results.append(self._llm_row(fault, server, monitor))
                    except Exception as exc:  # one broken row must not hide the others
                        results.append(self._error_row(fault, exc))
                        server.start()
                        server.script.set(self._good, "good")
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
        server.script.set(self._good, "good")
        back = self._wait_good(monitor, 1, since=t_out, timeout_s=s.llm_timeout_s + 4 * s.nav_period_s + 10.0)[0]
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        first = cmds[0]
        r.outcome, r.detail = status_name(first.status), first.status_detail
        r.recovery_s = back.t - t_out
        outcomes = sorted({status_name(c.status) for c in cmds})
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
            np_ref = normalized_weights(ref.weights)
            settled = [a for a in monitor.allocations_since(first.t + 0.2) if a.t <= t_out]
            dw = max((float(np.max(np.abs(normalized_weights(a.weights) - np_ref))) for a in settled), default=0.0)
            dp = max((abs(a.p_total - ref.p_total) for a in settled), default=0.0)
            r.extras.update(command_change_w=dw, command_change_p=dp)
            if dw > 1e-9 or dp > 1e-9:
                failures.append(f"the command in force changed during a fallback (|dw| {dw:.3g}, |dP| {dp:.3g})")
            if not np.allclose(normalized_weights(first.weights), np_ref, atol=1e-12):
                failures.append("the FALLBACK command does not carry the command in force")
            if not same_goal(first, ref):
                failures.append("the FALLBACK command does not carry the goal in force")
        if fault.action == "policy":
            injected = [q for q in server.requests[n_requests:]
                        if q["messages"][1]["content"].endswith(f"Policy: \"{INJECTION_POLICY}\"")]
            if not injected:
                failures.append("no request quoted the injected policy as data")
            elif any(q["messages"][0]["content"] != system_before for q in injected):
                failures.append("the system prompt changed with the injected policy")
            r.extras["requests_quoting_policy"] = len(injected)
        return self.judge(fault, r, failures)

    def _fade_row(self, fault: Fault, server: DrillServer, monitor, graph) -> RowResult:
        """A feasible floor goal in force and met; then every gain times ``fade`` (set on
        channel_sim, so every node sees the same channels) until the floors no longer fit
        in P_total; then the gains back and a good reply."""
        from rclpy.parameter import Parameter

        s = self.s
        n = defaults.N_CHANNELS
        base = defaults.design_gains(n)
        faded = base * float(fault.payload["fade"])
        floor = float(fault.payload["floor_bits"])
        sim = graph.nodes["channel_sim"]

        def set_gain(gain: np.ndarray) -> float:
            result = sim.set_parameters([Parameter("gain", value=[float(x) for x in gain])])
            if not result[0].successful:
                raise RuntimeError(f"channel_sim gain := {gain.tolist()} refused: {result[0].reason}")
            return time.monotonic()

        def on(gain, since: float, met: bool):
            return lambda m: next((a for a in m.allocations_since(since) if a.gain.shape == gain.shape
                                   and np.allclose(a.gain, gain) and a.goals_met == met), None)

        # 1. The floors in force (EMA'd up to >= 90% of the target) and met.
        t_goal = time.monotonic()
        server.script.set(fault.step, fault.name)
        in_force = monitor.wait_for(
            lambda m: next((c for c in m.commands_since(t_goal) if c.status == Status.OK and c.mi_floor.shape == (n,)
                            and float(c.mi_floor.min()) >= 0.9 * floor), None),
            10 * (s.nav_period_s + s.llm_timeout_s) + 10.0, f"floors of {0.9 * floor:g}+ bits in force")
        met_before = monitor.wait_for(on(base, in_force.t, True), 5.0, "an allocation meeting the floors")
        # 2. The fade, held for the fault window and at least min_fault_commands commands.
        t_in = set_gain(faded)
        unmet = monitor.wait_for(on(faded, t_in, False), 5.0, "an allocation on the faded channels, goals unmet")
        cmds = monitor.wait_for(
            lambda m: (cs := m.commands_since(t_in)) and len(cs) >= s.min_fault_commands
            and time.monotonic() - t_in >= s.fault_window_s and cs,
            s.fault_window_s + (s.min_fault_commands + 2) * (s.llm_timeout_s + s.nav_period_s) + 5.0,
            f"{s.min_fault_commands} commands during the fade")
        # 3. The gains back: the floors in force are met again (recovery), then a good reply.
        t_out = set_gain(base)
        server.script.set(good_step(), "good")
        back = monitor.wait_for(on(base, t_out, True), 10.0, "an allocation meeting the floors again")
        self._wait_good(monitor, 1, since=t_out, timeout_s=s.llm_timeout_s + 4 * s.nav_period_s + 10.0)

        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        faded_allocs = [a for a in monitor.allocations_since(unmet.t) if a.t < t_out and np.allclose(a.gain, faded)]
        failures = []
        claimed = [a for a in faded_allocs if a.goals_met or not float(np.sum(a.mi_shortfall)) > 0.0]
        if claimed:
            failures.append(f"{len(claimed)} allocations on the faded channels report the floors met "
                            "(goals_met true or no shortfall)")
        dropped = [c for c in cmds if c.mi_floor.shape != (n,) or float(c.mi_floor.min()) < 0.9 * floor - 1e-9]
        if dropped:
            failures.append(f"{len(dropped)} commands during the fade left the floors ({dropped[0].status_detail!r})")
        last = faded_allocs[-1] if faded_allocs else unmet
        short = np.asarray(last.mi_shortfall, float)
        statuses = sorted({status_name(c.status) for c in cmds})
        r.outcome = "SHORTFALL_REPORTED" if not claimed and short.size == n and float(short.sum()) > 0 else "UNREPORTED"
        r.detail = (f"goals_met false on the faded channels: mi_shortfall {float(short.sum()):.2f} bits in all "
                    f"(max {float(short.max(initial=0.0)):.2f}), sum P {float(last.power.sum()):.2f} <= P_total "
                    f"{last.p_total:.2f}; guardrail {'/'.join(statuses)} ({cmds[0].status_detail})")
        r.recovery_s = back.t - t_out
        r.extras = {**(r.extras or {}), "floors_in_force": in_force.mi_floor.tolist(),
                    "met_before_s": met_before.t - in_force.t, "unmet_after_s": unmet.t - t_in,
                    "faded_allocations": len(faded_allocs), "fade_commands": len(cmds), "outcomes": statuses,
                    "mi_shortfall": short.tolist(), "power_used_fraction": float(last.power.sum() / last.p_total)}
        return self.judge(fault, r, failures)
