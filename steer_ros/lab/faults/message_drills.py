"""Message drills: one in-process graph (rules backend); a stranger node publishes
malformed ChannelStates on steer/channel/sim and steer/channel_state, changes N, and
publishes a SteerCommand on steer/command; a Foxglove client sends the bridge
(steer-ros foxglove) every kind of bad input."""

from __future__ import annotations

import json
import struct
import time
from typing import Sequence

import numpy as np

from steer_ros import defaults
from steer_ros.lab.faults.catalogue import Fault
from steer_ros.lab.faults.drill_harness import DrillHarness, in_process_graph, normalized_weights, status_name
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.system2.steer_decision import Status


class MessageDrills(DrillHarness):
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
                    elif fault.action == "policy":
                        results.append(self._policy_row(fault, monitor))
                    elif fault.action == "foxglove":
                        results.append(self._foxglove_row(fault, graph, monitor))
                    else:
                        results.append(self._channel_row(fault, monitor, injector))
                except Exception as exc:  # a row that breaks is reported; the other rows still run
                    results.append(self._error_row(fault, exc))
        return results

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
        mux = self._diag_wait(
            monitor, "channel_mux", "last_rejected_sim", before["channel_mux"].get("last_rejected_sim", "")
        )
        back = monitor.wait_for(lambda m: next((a for a in m.allocations_since(t_out)
                                                if np.allclose(a.gain, good_gain)), None), 5.0, "an allocation")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        failures = []
        window = monitor.allocations_since(t_in)
        adopted = [a for a in window if a.t <= back.t and not np.allclose(a.gain, good_gain)]
        if adopted:
            failures.append(f"{len(adopted)} allocations used the injected channels")
        rejected = {
            "optimizer": int(opt.get("rejected_channel_states", 0))
            - int(before["optimizer"].get("rejected_channel_states", 0)),
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
        r.extras = {**(r.extras or {}), "sent": sent, "rejected": rejected,
                    "mux_detail": mux.get("last_rejected_sim", "")}
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
        r.detail = (f"N {n0} -> {n1} -> {n0}: guardrail {status_name(up.status)} ({up.status_detail}) "
                    f"{up.t - t_in:.2f} s after the change")
        r.recovery_s = down.t - t_out
        return self.judge(fault, r)

    def _policy_row(self, fault: Fault, monitor) -> RowResult:
        """A policy the offline reader cannot read whole: the rules navigator keeps the
        command in force (KEPT, the unread words quoted); the policy in force before is
        then published again and the next OK command ends the row."""
        text = str(fault.payload["policy"])
        before = monitor.latest_command()
        t_in = time.monotonic()
        monitor.publish_policy(text)
        kept = monitor.wait_for(lambda m: next((c for c in m.commands_since(t_in) if c.policy == text), None),
                                4 * self.s.nav_period_s + 5.0, "the navigator's answer to the unreadable policy")
        # the policy stays for the fault window: every answer to it keeps the command
        time.sleep(max(0.0, t_in + self.s.fault_window_s - time.monotonic()))
        answers = [c for c in monitor.commands_since(t_in) if c.policy == text]
        monitor.publish_policy(defaults.POLICY)
        t_out = time.monotonic()
        back = monitor.wait_for(lambda m: next((c for c in m.commands_since(t_out)
                                                if c.policy == defaults.POLICY and c.status == Status.OK), None),
                                4 * self.s.nav_period_s + 5.0, "an OK command for the policy in force before")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        r.outcome = Status(kept.status).name
        r.extras = {**(r.extras or {}), "answers_to_the_policy": len(answers)}
        r.detail = kept.status_detail
        r.recovery_s = back.t - t_out
        r.extras = {**r.extras, "readback_kept": kept.readback}
        failures = [] if np.allclose(normalized_weights(kept.weights), normalized_weights(before.weights), atol=1e-6) \
            else ["the command in force changed on an unreadable policy"]
        failures += [f"answered {Status(c.status).name} to the unreadable policy" for c in answers
                     if c.status != Status.KEPT][:1]
        return self.judge(fault, r, failures)

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
            guard_w = normalized_weights(guard.weights)

            def guard_back(m):
                return next((a for a in m.allocations_since(hit.t)
                             if np.allclose(normalized_weights(a.weights), guard_w, atol=1e-6)), None)

            back = monitor.wait_for(guard_back, 4 * self.s.nav_period_s + 5.0, "the guardrail's command back in force")
        finally:
            injector.destroy_publisher(pub)
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        r.outcome = "ADJUSTED"
        r.detail = diag.get("last_adjusted_commands", "")
        r.recovery_s = back.t - t_in
        r.extras = {**(r.extras or {}), "stranger_p_total_in_force": hit.p_total,
                    "stranger_weights_in_force": hit.weights.tolist()}
        failures = [] if hit.p_total <= defaults.P_MAX else [f"P_total {hit.p_total} in force"]
        return self.judge(fault, r, failures)

    def _foxglove_row(self, fault: Fault, graph, monitor) -> RowResult:
        """A Foxglove WebSocket client (the protocol spoken by hand) sends the bridge a
        channel on a topic not open to clients, a wrong schema, bytes that are not JSON,
        an oversized message and a flood of the policy in force, for the fault window."""
        from websockets.sync.client import connect

        from steer_ros.ros import topics
        from steer_ros.ros.recording.foxglove_bridge import FoxgloveBridge

        bridge = FoxgloveBridge(port=0, context=graph.context, node_name="fault_foxglove")
        graph.add_node(bridge)
        graph.nodes[bridge.get_name()] = bridge  # the graph's shutdown stops the server
        guard = monitor.latest_command()
        policy = "/" + topics.POLICY

        def data(channel: int, payload: bytes) -> bytes:
            return struct.pack("<BI", 0x01, channel) + payload  # client message data

        def advertise(channel: int, topic: str, schema: str = "std_msgs/msg/String") -> str:
            return json.dumps({"op": "advertise", "channels": [
                {"id": channel, "topic": topic, "encoding": "json", "schemaName": schema}]})

        good = json.dumps({"data": guard.policy}).encode()
        oversized = json.dumps({"data": "x" * defaults.FOXGLOVE_MAX_CLIENT_MESSAGE_BYTES}).encode()
        with connect(bridge.url, subprotocols=["foxglove.sdk.v1", "foxglove.websocket.v1"], open_timeout=10) as ws:
            ws.send(advertise(1, policy))
            ws.send(advertise(2, "/" + topics.COMMAND))
            ws.send(advertise(3, policy, "std_msgs/msg/Int32"))
            t_in = time.monotonic()
            sent = 0
            while time.monotonic() - t_in < self.s.fault_window_s:
                for message in (data(2, good), data(3, b'{"data": 3}'), data(1, b"{not json"), data(1, oversized),
                                *[data(1, good)] * 5):
                    ws.send(message)
                    sent += 1
                time.sleep(0.05)
            t_out = time.monotonic()
        codes = ("bad_message", "flood", "too_large", "unknown_topic", "wrong_schema")
        monitor.wait_for(lambda m: set(codes) <= set(bridge.gate.refused), 5.0, f"the bridge to refuse {codes}")
        back = monitor.wait_for(lambda m: next(iter(m.allocations_since(t_out)), None), 5.0, "an allocation")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        refused = dict(bridge.gate.refused)
        failures = [f"a command answered {c.policy!r}" for c in monitor.commands_since(t_in)
                    if c.policy != guard.policy]
        r.outcome = "REJECTED" if all(refused.get(c, 0) > 0 for c in codes) else "ACCEPTED"
        r.detail = "foxglove: " + ", ".join(c for c in codes if refused.get(c, 0) > 0)
        r.recovery_s = max(back.t - t_out, 0.0)
        r.extras = {**(r.extras or {}), "sent": sent, "refused": refused,
                    "accepted": bridge.gate.accepted.get(policy, 0)}
        return self.judge(fault, r, failures)
