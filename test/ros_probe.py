#!/usr/bin/env python3
"""A second DDS participant for the message tests, run as its own process.

  ros_probe.py echo  TYPE IN OUT           republish every TYPE message from IN onto OUT
  ros_probe.py count TYPE TOPIC COUNT N    receive COUNT messages, check order and
                                           completeness, print one JSON line
                                           (prints "matched" once it sees the publisher)

Prints "ready" once its endpoints exist so the test can await it.
"""

from __future__ import annotations

import json
import sys
import time

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

import steer_ros.msg as steer_msgs

QOS = QoSProfile(depth=1000, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE)


def echo(type_name: str, topic_in: str, topic_out: str) -> int:
    msg_type = getattr(steer_msgs, type_name)
    node = rclpy.create_node("probe_echo")
    pub = node.create_publisher(msg_type, topic_out, QOS)
    node.create_subscription(msg_type, topic_in, pub.publish, QOS)
    print("ready", flush=True)
    rclpy.spin(node)
    return 0


def count(type_name: str, topic: str, expected: int, n: int) -> int:
    msg_type = getattr(steer_msgs, type_name)
    node = rclpy.create_node("probe_count")
    steps: list[int] = []
    bad: list[str] = []
    times: list[float] = []

    def on_msg(msg) -> None:
        times.append(time.perf_counter())
        steps.append(int(msg.step))
        if len(msg.power) != n or len(msg.mi) != n:
            bad.append(f"step {msg.step}: {len(msg.power)} powers, {len(msg.mi)} mi")
        elif msg.power[-1] != float(msg.step) or msg.mi[n // 2] != float(n // 2):
            bad.append(f"step {msg.step}: wrong content")

    node.create_subscription(msg_type, topic, on_msg, QOS)
    print("ready", flush=True)
    # Discovery is not symmetric: wait until this side has matched the publisher too,
    # and say so, before the test starts publishing.
    deadline = time.monotonic() + 30.0
    while node.count_publishers(topic) == 0 and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    print("matched" if node.count_publishers(topic) else "no publisher", flush=True)
    deadline = time.monotonic() + 60.0  # well inside the test's 120 s, so a shortfall is reported
    while len(steps) < expected and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.5)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    print(
        json.dumps(
            {
                "received": len(steps),
                "in_order": steps == sorted(steps),
                "complete": steps == list(range(expected)),
                "bad": bad[:5],
                "rate_hz": (len(steps) - 1) / span if len(steps) > 1 else 0.0,
                "mb_per_s": (len(steps) - 1) * 4 * n * 8 / span / 1e6 if len(steps) > 1 else 0.0,
            }
        ),
        flush=True,
    )
    return 0


def main() -> int:
    rclpy.init()
    try:
        mode, *args = sys.argv[1:]
        if mode == "echo":
            return echo(*args)
        if mode == "count":
            return count(args[0], args[1], int(args[2]), int(args[3]))
        print(__doc__, file=sys.stderr)
        return 2
    except (KeyboardInterrupt, ExternalShutdownException):
        return 0
    finally:
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())
