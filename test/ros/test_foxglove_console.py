"""Foxglove both ways: a WebSocket client speaking the Foxglove protocol (the
``websockets`` package, no Foxglove code on the client side) against the real
server of ``steer-ros foxglove`` on a live graph. It publishes a policy (the
accepted command changes), sets a channel_sim parameter (the channels change), has
an out-of-range value refused with the node's reason, and sends the bad inputs a
client can send (unknown topic, wrong schema, malformed, oversized, a flood): each
is refused and counted, and the graph keeps running."""

from __future__ import annotations

import json
import struct
import time

import numpy as np
import pytest

pytestmark = pytest.mark.ros

SUBPROTOCOLS = ["foxglove.sdk.v1", "foxglove.websocket.v1"]
CLIENT_MESSAGE_DATA = 0x01  # client binary opcode: uint32 client channel id, payload
POLICY = "Prioritize channels 7 and 8"


class FoxgloveClient:
    """The protocol's JSON control messages and binary client data, by hand."""

    def __init__(self, ws):
        self.ws = ws
        self.statuses: list[dict] = []
        self.info = None

    def recv_op(self, op: str, timeout_s: float = 10.0, request_id: str | None = None) -> dict | None:
        """The next ``op`` message (with ``request_id``); None if none came in
        ``timeout_s`` when the op is parameterValues without an id (an update)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                message = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                if op == "parameterValues" and request_id is None:
                    return None
                raise
            if isinstance(message, bytes):
                continue
            body = json.loads(message)
            if body["op"] == "status":
                self.statuses.append(body)
            if body["op"] == "serverInfo":
                self.info = body
            if body["op"] == op and (request_id is None or body.get("id") == request_id):
                return body

    def status_matching(self, text: str, timeout_s: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            for status in self.statuses:
                if text in status["message"]:
                    return status
            self.recv_op("status", max(0.01, deadline - time.monotonic()))

    def send(self, op: str, **body) -> None:
        self.ws.send(json.dumps({"op": op, **body}))

    def advertise(self, channel_id: int, topic: str, schema_name: str = "std_msgs/msg/String",
                  encoding: str = "json") -> None:
        self.send("advertise", channels=[{"id": channel_id, "topic": topic, "encoding": encoding,
                                          "schemaName": schema_name}])

    def publish(self, channel_id: int, payload: bytes) -> None:
        self.ws.send(struct.pack("<BI", CLIENT_MESSAGE_DATA, channel_id) + payload)

    def parameters(self, op: str, request_id: str, **body) -> dict[str, object]:
        self.send(op, id=request_id, **body)
        reply = self.recv_op("parameterValues", request_id=request_id)
        return {p["name"]: p["value"] for p in reply["parameters"]}


def test_client_publishes_sets_parameters_and_bad_input_is_refused(domain_id, caplog):
    from websockets.sync.client import connect

    from steer_ros import defaults
    from steer_ros.lab.fixtures.monitor_node import MonitorNode
    from steer_ros.ros.bringup import running_graph
    from steer_ros.ros.recording.foxglove_bridge import FoxgloveBridge

    with running_graph(domain_id=domain_id, extra_parameters={"navigator": {"period_s": 0.25}}) as graph:
        monitor = MonitorNode(context=graph.context)
        graph.add_node(monitor)
        graph.nodes["steer_monitor"] = monitor
        bridge = FoxgloveBridge(port=0, context=graph.context)
        graph.add_node(bridge)
        graph.nodes[bridge.get_name()] = bridge
        first = monitor.wait_for(lambda m: m.latest_allocation(), 30.0, "the first allocation")
        with connect(bridge.url, subprotocols=SUBPROTOCOLS, open_timeout=10, max_size=None) as ws:
            client = FoxgloveClient(ws)
            client.recv_op("serverInfo")
            assert {"clientPublish", "parameters"} <= set(client.info["capabilities"])
            assert {"json", "cdr"} <= set(client.info["supportedEncodings"])

            # A policy from the Publish panel changes the accepted command.
            client.advertise(1, "/steer/policy")
            policy_pub = bridge.gate.publishers["/steer/policy"]
            monitor.wait_for(lambda m: policy_pub.get_subscription_count() > 0, 10.0, "the navigator on steer/policy")
            client.publish(1, json.dumps({"data": POLICY}).encode())
            command = monitor.wait_for(
                lambda m: (c := m.latest_command()) is not None and c.policy == POLICY and c, 15.0,
                "a command answering the client's policy")
            assert command.weights[6] > command.weights[0] and command.weights[7] > command.weights[0]
            assert bridge.gate.accepted["/steer/policy"] == 1

            # Parameters: read, set (the channels change), refused out of range.
            got = client.parameters("getParameters", "g1", parameterNames=[])
            assert got["/channel_sim.reversed"] is False and "/optimizer.p_max" in got
            doppler = got["/channel_sim.doppler_hz"]
            after = client.parameters("setParameters", "s1",
                                      parameters=[{"name": "/channel_sim.reversed", "value": True}])
            assert after == {"/channel_sim.reversed": True}
            t_set = time.monotonic()
            flipped = monitor.wait_for(
                lambda m: (a := m.latest_allocation()) is not None and a.t > t_set
                and np.allclose(a.gain, first.gain[::-1]) and a, 10.0, "the reversed gains")
            assert not np.allclose(flipped.gain, first.gain)
            refused = client.parameters("setParameters", "s2",
                                        parameters=[{"name": "/channel_sim.doppler_hz", "value": -5.0}])
            assert refused == {"/channel_sim.doppler_hz": doppler}
            status = client.status_matching("/channel_sim.doppler_hz")
            assert status["level"] == 2 and "parameter not set" in status["message"]
            reason = status["message"].split("/channel_sim.doppler_hz: ", 1)[1]
            assert reason and "-5" in reason or "range" in reason.lower(), status["message"]
            assert client.parameters("getParameters", "g2", parameterNames=["/channel_sim.doppler_hz"]) \
                == {"/channel_sim.doppler_hz": doppler}
            # A value set elsewhere (here: on the node itself) reaches a client that follows it.
            from rclpy.parameter import Parameter

            client.send("subscribeParameterUpdates", parameterNames=["/channel_sim.doppler_hz"])
            deadline = time.monotonic() + 10.0
            while True:  # the subscription reaches the server asynchronously: set until an update comes
                graph.nodes["channel_sim"].set_parameters([Parameter("doppler_hz", value=doppler + 1.0)])
                update = client.recv_op("parameterValues", timeout_s=max(0.01, min(1.0, deadline - time.monotonic())))
                if update is not None:
                    break
            assert {p["name"]: p["value"] for p in update["parameters"]} == {"/channel_sim.doppler_hz": doppler + 1.0}

            # Bad client input: refused, counted, reported; never reaches the graph.
            client.advertise(2, "/steer/command")  # not open to clients
            client.advertise(3, "/steer/policy", schema_name="std_msgs/msg/Int32")
            client.publish(2, json.dumps({"data": "x"}).encode())
            client.publish(3, json.dumps({"data": 3}).encode())
            client.publish(1, b"{not json")
            client.publish(1, json.dumps({"data": 42}).encode())
            client.publish(1, json.dumps({"data": "x" * defaults.FOXGLOVE_MAX_CLIENT_MESSAGE_BYTES}).encode())
            client.publish(99, json.dumps({"data": POLICY}).encode())  # never advertised: the SDK drops it
            for _ in range(3 * defaults.FOXGLOVE_CLIENT_BURST):
                client.publish(1, json.dumps({"data": POLICY}).encode())
            client.status_matching("flood")
            wanted = {"unknown_topic", "wrong_schema", "bad_message", "too_large", "flood"}
            monitor.wait_for(lambda m: wanted <= set(bridge.gate.refused), 10.0, f"refusals {wanted}")
            refused_counts = dict(bridge.gate.refused)
            accepted = bridge.gate.accepted["/steer/policy"]
            assert 1 < accepted <= 1 + defaults.FOXGLOVE_CLIENT_BURST + 2
        # The graph keeps running: new allocations, the same command in force.
        t_after = time.monotonic()
        monitor.wait_for(lambda m: len(m.allocations_since(t_after)) >= 3, 10.0, "allocations after the bad input")
        assert monitor.latest_command().policy == POLICY
        assert all(a.feasible for a in monitor.allocations_since(t_after))
    assert refused_counts["flood"] >= 3 * defaults.FOXGLOVE_CLIENT_BURST - defaults.FOXGLOVE_CLIENT_BURST - 2
    assert refused_counts["unknown_topic"] >= 2 and refused_counts["wrong_schema"] >= 3
    assert any("unknown channel: 99" in r.getMessage() for r in caplog.records), "the SDK logs the unknown channel"
