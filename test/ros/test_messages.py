"""The three messages travel intact between two processes over real DDS."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rosutil import SpunNode, start_probe, stop_process, wait_until

pytestmark = pytest.mark.ros

QOS = QoSProfile(depth=1000, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE)


def _filled(msg_type_name: str, n: int, rng: np.random.Generator):
    """A message of the given type with every field set to a distinctive value."""
    from steer_ros.msg import AllocationState, ChannelState, SteerCommand

    def values() -> list[float]:
        return rng.uniform(0.0, 50.0, n).tolist()

    if msg_type_name == "ChannelState":
        msg = ChannelState()
        msg.gain, msg.noise_var, msg.gain_var = values(), values(), values()
        msg.source = rng.integers(0, 2, n).astype(np.uint8).tolist()
    elif msg_type_name == "SteerCommand":
        msg = SteerCommand()
        msg.weights = values()
        msg.p_total = math.nan if n % 2 == 0 else 37.5
        msg.reasoning = "Channels 7 and 8 are prioritized: weights raised. ünïcødé ✓"
        msg.policy = "Prioritize channels 7 and 8"
        msg.backend = "openai:qwen2.5-7b-instruct"
        msg.status = SteerCommand.STATUS_FALLBACK
        msg.status_detail = "wrong_length: expected 8 weights, got 7"
        msg.latency_s = 1.234
        msg.readback = "channel 8 off; equal weights on 1-7; budget 40 (was 30) ✓"
    else:
        msg = AllocationState()
        msg.step = 2**40 + n
        msg.power, msg.mi, msg.weights, msg.gain = values(), values(), values(), values()
        msg.total_mi, msg.weighted_mi, msg.power_used = 12.43, 1.55, 38.5
        msg.p_total, msg.mi_spread, msg.optimality_gap = 40.0, 1.2, math.nan
    msg.header.frame_id = f"radio_{n}"
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1_700_000_000, 123_456_789
    return msg


def _fields_equal(a, b) -> bool:
    for name in a.get_fields_and_field_types():
        x, y = getattr(a, name), getattr(b, name)
        if name == "header":
            if (x.frame_id, x.stamp.sec, x.stamp.nanosec) != (y.frame_id, y.stamp.sec, y.stamp.nanosec):
                return False
            continue
        if isinstance(x, float):
            if not (x == y or (math.isnan(x) and math.isnan(y))):
                return False
        elif hasattr(x, "__len__") and not isinstance(x, str):
            if not np.array_equal(np.asarray(x), np.asarray(y)):
                return False
        elif x != y:
            return False
    return True


@pytest.mark.parametrize("n", [8, 4096])
@pytest.mark.parametrize("type_name", ["ChannelState", "SteerCommand", "AllocationState"])
def test_message_round_trip_between_processes(type_name, n, domain_id):
    import steer_ros.msg as steer_msgs

    msg_type = getattr(steer_msgs, type_name)
    sent = _filled(type_name, n, np.random.default_rng(n))
    probe = start_probe(["echo", type_name, "probe/in", "probe/out"], domain_id)
    try:
        assert probe.stdout.readline().strip() == "ready", probe.stderr.read()
        with SpunNode("round_trip", domain_id) as spun:
            received = []
            spun.node.create_subscription(msg_type, "probe/out", received.append, QOS)
            pub = spun.node.create_publisher(msg_type, "probe/in", QOS)
            wait_until(lambda: pub.get_subscription_count() > 0, 20.0, "the echo process to subscribe")
            wait_until(lambda: spun.node.count_publishers("probe/out") > 0, 20.0, "the echo publisher")
            # Publish until the echo's publisher has matched our subscription (discovery
            # is asynchronous), then compare the first copy that came back.
            wait_until(lambda: received or pub.publish(sent) or False, 20.0, "the echoed message", poll_s=0.2)
    finally:
        stop_process(probe)
    assert _fields_equal(sent, received[0]), f"{type_name} with N={n} changed on the way"
    if type_name == "SteerCommand":
        assert received[0].STATUS_OK == 0 and received[0].STATUS_FALLBACK == 1


@pytest.mark.realtime  # delivery over DDS against the clock: load-sensitive on 2 cores
def test_thousand_4096_channel_allocations_arrive_complete_and_in_order(domain_id, capsys):
    from steer_ros.msg import AllocationState

    n, count = 4096, 1000
    probe = start_probe(["count", "AllocationState", "steer/allocation", str(count), str(n)], domain_id)
    try:
        assert probe.stdout.readline().strip() == "ready", probe.stderr.read()
        with SpunNode("flood", domain_id) as spun:
            pub = spun.node.create_publisher(AllocationState, "steer/allocation", QOS)
            wait_until(lambda: pub.get_subscription_count() > 0, 20.0, "the counting process to subscribe")
            assert probe.stdout.readline().strip() == "matched", "the counting process never saw the publisher"
            msg = AllocationState()
            msg.mi = np.arange(n, dtype=float).tolist()
            for step in range(count):
                msg.step = step
                msg.power = np.full(n, float(step)).tolist()
                pub.publish(msg)
            out, err = probe.communicate(timeout=120)
    finally:
        stop_process(probe)
    report = json.loads(out.strip().splitlines()[-1])
    with capsys.disabled():
        print(f"\n[4096-channel AllocationState x{count}] {report}")
    assert report["received"] == count, (report, err[-2000:])
    assert report["complete"] and report["in_order"], report
    assert not report["bad"], report["bad"]
