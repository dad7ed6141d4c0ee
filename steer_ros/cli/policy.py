"""steer-ros policy "TEXT": publish the operator's intent once on steer/policy, like
ros2 topic pub --once /steer/policy std_msgs/msg/String "{data: 'TEXT'}"."""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers) -> None:
    parser = subparsers.add_parser("policy", help="publish a policy once on steer/policy", description=__doc__)
    parser.add_argument("text", help='the policy, e.g. "Prioritize channels 7 and 8"')
    parser.add_argument("--namespace", default="", help="namespace of the graph (default: none)")
    parser.add_argument("--wait", type=float, default=10.0, metavar="S",
                        help="seconds to wait for a navigator to subscribe (default 10)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import rclpy
    from rclpy.duration import Duration
    from std_msgs.msg import String

    from steer_ros.ros import topics

    text = args.text.strip()
    if not text:
        print("steer-ros policy: the policy text is empty", file=sys.stderr)
        return 2
    rclpy.init()
    try:
        node = rclpy.create_node("steer_policy_cli", namespace=args.namespace)
        pub = node.create_publisher(String, topics.POLICY, topics.POLICY_QOS)
        deadline = time.monotonic() + args.wait
        while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.05)
        if pub.get_subscription_count() == 0:
            print(f"steer-ros policy: no subscriber on {pub.topic_name} after {args.wait:g} s "
                  "(is the graph running, in this ROS_DOMAIN_ID and namespace?)", file=sys.stderr)
            return 1
        pub.publish(String(data=text))
        if not pub.wait_for_all_acked(Duration(seconds=5.0)):
            print("steer-ros policy: published, but not every subscriber acknowledged it", file=sys.stderr)
            return 1
        print(f"published on {pub.topic_name}: {text!r}")
        return 0
    finally:
        rclpy.try_shutdown()
