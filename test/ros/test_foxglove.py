"""The live Foxglove view: a WebSocket client (the ``websockets`` package, speaking the
Foxglove WebSocket protocol) subscribes to steer/allocation through the bridge and
decodes what it receives with the schema the server advertised; the saved layout is
the one the code builds."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.ros

REPO = Path(__file__).resolve().parents[2]
SUBPROTOCOLS = ["foxglove.sdk.v1", "foxglove.websocket.v1"]
MESSAGE_DATA = 0x01  # server binary opcode: uint32 subscription id, uint64 log time, payload


def _advertised(ws, topic: str, timeout_s: float = 10.0) -> dict:
    """Read server messages until ``topic`` is advertised; returns its channel."""
    channels: dict[str, dict] = {}
    info = None
    while topic not in channels:
        message = ws.recv(timeout=timeout_s)
        if isinstance(message, bytes):
            continue
        op = json.loads(message)
        if op["op"] == "serverInfo":
            info = op
        elif op["op"] == "advertise":
            channels.update({c["topic"]: c for c in op["channels"]})
    assert info is not None, "no serverInfo before the advertisement"
    return channels[topic]


def test_websocket_client_receives_decoded_allocation_states(domain_id):
    from mcap_ros2._dynamic import generate_dynamic
    from websockets.sync.client import connect

    from steer_ros.ros.bringup import running_graph
    from steer_ros.ros.recording.foxglove_bridge import DEFAULT_HOST, FoxgloveBridge

    with running_graph(domain_id=domain_id, nodes=["channel_sim", "channel_mux", "optimizer"]) as graph:
        bridge = FoxgloveBridge(port=0, context=graph.context)  # any free port, on localhost
        graph.add_node(bridge)
        graph.nodes[bridge.get_name()] = bridge  # graph.shutdown() closes (stops the server) and destroys it
        assert bridge.url == f"ws://{DEFAULT_HOST}:{bridge.port}" and DEFAULT_HOST == "127.0.0.1"
        with connect(bridge.url, subprotocols=SUBPROTOCOLS, open_timeout=10) as ws:
            channel = _advertised(ws, "/steer/allocation")
            assert (channel["encoding"], channel["schemaEncoding"], channel["schemaName"]) == \
                ("cdr", "ros2msg", "steer_ros/msg/AllocationState")
            # Decode with the advertised schema alone (as Foxglove does), not with rclpy.
            decode = generate_dynamic(channel["schemaName"], channel["schema"])[channel["schemaName"]]
            ws.send(json.dumps({"op": "subscribe", "subscriptions": [{"id": 7, "channelId": channel["id"]}]}))
            received = []
            while len(received) < 5:
                message = ws.recv(timeout=10)
                if not isinstance(message, bytes):
                    continue
                opcode, subscription, log_time = struct.unpack_from("<BIQ", message)
                assert (opcode, subscription) == (MESSAGE_DATA, 7) and log_time > 0
                received.append(decode(message[13:]))
    # In order and no message twice. (The stamp identifies a message: the optimizer also
    # publishes right after an input's burst, and two allocations can then carry the same
    # scheduled step count, which excludes the burst's steps.)
    stamps = [(m.header.stamp.sec, m.header.stamp.nanosec) for m in received]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    steps = [m.step for m in received]
    assert steps == sorted(steps)
    for m in received:
        assert len(m.mi) == len(m.power) == len(m.weights) == 8
        assert m.total_mi == pytest.approx(float(np.sum(m.mi)))
        assert m.power_used <= m.p_total * (1 + 1e-12)
        assert m.header.stamp.sec > 0
    assert bridge.forwarded["/steer/allocation"] >= 5


def test_saved_layout_is_current_and_has_the_first_plots():
    from steer_ros.ros.recording.foxglove_bridge import LAYOUT_FILE, layout

    saved = json.loads((REPO / "config" / "foxglove" / LAYOUT_FILE).read_text())
    assert saved == layout(), "regenerate: steer-ros foxglove --write-layout config/foxglove/steer_ros_layout.json"
    text = json.dumps(saved)
    for path in ("/steer/allocation.total_mi", "/steer/allocation.mi", "/steer/allocation.weights",
                 "/steer/allocation.p_total", "/steer/allocation.optimality_gap", "/steer/command_raw.reasoning"):
        assert f'"{path}"' in text, path
    assert '"arrayExpansion": "byIndex"' in text  # one series per channel, whatever N
    panels = {}
    for panel in re.findall(r'"panelType": "(\w+)"', text):
        panels[panel] = panels.get(panel, 0) + 1
    assert panels.get("Publish") == 1 and panels.get("Parameters") == 1, panels
    assert '"topicName": "/steer/policy"' in text and '"datatype": "std_msgs/msg/String"' in text
    assert json.dumps(layout("radio1")).count("/radio1/steer/") == text.count("/steer/")
