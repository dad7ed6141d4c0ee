"""Foxglove's Service Call panel: the graph nodes' std_srvs services through the
bridge, called by a WebSocket client speaking the Foxglove protocol (binary service
call request / response) in CDR; a bad request (another encoding, bytes that do not
decode, an unknown service) fails the call with a message saying why, and the service
keeps answering."""

from __future__ import annotations

import json
import struct
import time

import pytest

pytestmark = pytest.mark.ros

SUBPROTOCOLS = ["foxglove.sdk.v1", "foxglove.websocket.v1"]
SERVICE_CALL_REQUEST = 0x02  # client binary opcode: service id, call id, encoding, payload
SERVICE_CALL_RESPONSE = 0x03  # server binary opcode, the same layout


def _call(ws, service_id: int, call_id: int, encoding: str, payload: bytes) -> None:
    enc = encoding.encode()
    ws.send(struct.pack("<BIII", SERVICE_CALL_REQUEST, service_id, call_id, len(enc)) + enc + payload)


def _answer(ws, call_id: int, timeout_s: float = 10.0) -> tuple[str, bytes | str]:
    """("ok", payload) for a response, ("failure", message) for a call failure."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(message, bytes):
            if message[0] != SERVICE_CALL_RESPONSE:
                continue
            _, _, got_call, n = struct.unpack_from("<BIII", message)
            if got_call == call_id:
                return "ok", message[13 + n:]
        else:
            body = json.loads(message)
            if body["op"] == "serviceCallFailure" and body["callId"] == call_id:
                return "failure", body["message"]


def test_service_call_panel_reaches_a_node_service(domain_id):
    import rclpy
    from rclpy.serialization import deserialize_message, serialize_message
    from std_srvs.srv import Trigger
    from websockets.sync.client import connect

    from steer_ros.ros.bringup import running_graph
    from steer_ros.ros.recording.foxglove_bridge import FoxgloveBridge

    calls = []

    def approve(request, response):
        calls.append(time.monotonic())
        response.success, response.message = True, f"approved #{len(calls)}"
        return response

    with running_graph(domain_id=domain_id, nodes=["channel_sim"]) as graph:
        # A node of the graph's (the navigator's name) offering a std_srvs service.
        navigator = rclpy.create_node("navigator", context=graph.context)
        navigator.create_service(Trigger, "steer/test_approve", approve)
        graph.add_node(navigator)
        graph.nodes["navigator"] = navigator
        bridge = FoxgloveBridge(port=0, context=graph.context)
        graph.add_node(bridge)
        graph.nodes[bridge.get_name()] = bridge
        with connect(bridge.url, subprotocols=SUBPROTOCOLS, open_timeout=10) as ws:
            service = None
            deadline = time.monotonic() + 15.0
            while service is None:
                message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
                if isinstance(message, str):
                    body = json.loads(message)
                    if body["op"] == "serverInfo":
                        assert "services" in body["capabilities"]
                    if body["op"] == "advertiseServices":
                        service = next((s for s in body["services"] if s["name"] == "/steer/test_approve"), None)
            assert service["type"] == "std_srvs/srv/Trigger"
            _call(ws, service["id"], 1, "cdr", serialize_message(Trigger.Request()))
            kind, payload = _answer(ws, 1)
            assert kind == "ok"
            assert deserialize_message(payload, Trigger.Response).message == "approved #1"
            _call(ws, service["id"], 2, "json", b"{}")  # the service declares cdr only
            kind, message = _answer(ws, 2)
            assert kind == "failure" and "Unsupported encoding" in message, message
            _call(ws, service["id"], 3, "cdr", b"\x00\x01")  # not a CDR Trigger request
            kind, message = _answer(ws, 3)
            assert kind == "failure" and "bad_message" in message, message
            _call(ws, 4242, 4, "cdr", serialize_message(Trigger.Request()))  # no such service
            assert _answer(ws, 4)[0] == "failure"
            _call(ws, service["id"], 5, "cdr", serialize_message(Trigger.Request()))
            assert _answer(ws, 5)[0] == "ok"
    assert len(calls) == 2
    assert bridge.service_bridge.calls["/steer/test_approve"] == 2
