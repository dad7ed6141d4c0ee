"""steer-ros approve [--fleet] [ID] / steer-ros reject [--fleet] [ID]: answer the
navigator's proposal (navigator parameter approval: confirm); with --fleet the fleet
navigator's (fleet_navigator, fleet/proposal, /fleet_navigator/approve|reject,
fleet/approval).

Without ID: the proposal pending, through the navigator's service (/navigator/approve
or /navigator/reject, std_srvs/Trigger); its response names the proposal answered.
With ID: the proposal on display on steer/proposal must be that one, still pending
(else the answer is refused here, with the reason); the answer then goes on
steer/approval ("approve ID" / "reject ID") and the command waits for the proposal's
new state on steer/proposal. Exit 0 when answered, 1 when refused or unanswered.
"""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers) -> None:
    for verb in ("approve", "reject"):
        parser = subparsers.add_parser(
            verb, help=f"{verb} the navigator's proposal (approval: confirm)", description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("id", nargs="?", default=None,
                            help="the proposal's id (steer/proposal); default: the one pending")
        parser.add_argument("--fleet", action="store_true",
                            help="answer the fleet navigator's proposal (fleet/proposal) instead of the radio's")
        parser.add_argument("--namespace", default="", help="namespace of the graph (default: none)")
        parser.add_argument("--wait", type=float, default=10.0, metavar="S",
                            help="seconds to wait for the navigator (default 10)")
        parser.set_defaults(func=run, verb=verb)


def run(args: argparse.Namespace) -> int:
    import rclpy

    rclpy.init()
    try:
        node = rclpy.create_node(f"steer_{args.verb}_cli", namespace=args.namespace)
        if args.id is None:
            return _by_service(node, args)
        return _by_fleet_topic(node, args) if args.fleet else _by_topic(node, args)
    finally:
        rclpy.try_shutdown()


def _by_service(node, args) -> int:
    import rclpy
    from std_srvs.srv import Trigger

    navigator = "fleet_navigator" if args.fleet else "navigator"
    name = f"{args.namespace.rstrip('/')}/{navigator}/{args.verb}"
    client = node.create_client(Trigger, name)
    if not client.wait_for_service(timeout_sec=args.wait):
        print(f"steer-ros {args.verb}: no service {name} after {args.wait:g} s (is the {navigator} running with "
              f"{'fleet_approval' if args.fleet else 'approval'}:=confirm, in this ROS_DOMAIN_ID and namespace?)",
              file=sys.stderr)
        return 1
    future = client.call_async(Trigger.Request())
    rclpy.spin_until_future_complete(node, future, timeout_sec=args.wait)
    response = future.result()
    if response is None:
        print(f"steer-ros {args.verb}: no response from {name}", file=sys.stderr)
        return 1
    print(response.message, file=sys.stdout if response.success else sys.stderr)
    return 0 if response.success else 1


def _by_topic(node, args) -> int:
    import rclpy
    from rclpy.duration import Duration
    from std_msgs.msg import String

    from steer_ros.msg import SteerProposal
    from steer_ros.ros import topics
    from steer_ros.system2.approval import STATE_NAMES

    seen: dict[str, SteerProposal] = {}
    latest: list[SteerProposal] = []

    def on_proposal(msg: SteerProposal) -> None:
        seen[msg.id] = msg
        latest.append(msg)

    node.create_subscription(SteerProposal, topics.PROPOSAL, on_proposal, topics.PROPOSAL_QOS)
    pub = node.create_publisher(String, topics.APPROVAL, topics.POLICY_QOS)
    deadline = time.monotonic() + args.wait
    while (not latest or pub.get_subscription_count() == 0) and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    if not latest:
        print(f"steer-ros {args.verb}: no proposal on {topics.PROPOSAL} after {args.wait:g} s (is the navigator "
              "running with approval:=confirm?)", file=sys.stderr)
        return 1
    settle = time.monotonic() + 0.5  # the latched history arrives oldest first: read it to the newest
    while time.monotonic() < settle:
        rclpy.spin_once(node, timeout_sec=0.05)
    shown = latest[-1]
    if shown.id != args.id or shown.state != SteerProposal.STATE_PENDING:
        state = STATE_NAMES.get(shown.state, str(shown.state))
        print(f"steer-ros {args.verb}: stale_id: {args.id} is not pending; the proposal on display is {shown.id} "
              f"({state})", file=sys.stderr)
        return 1
    pub.publish(String(data=f"{args.verb} {args.id}"))
    pub.wait_for_all_acked(Duration(seconds=5.0))
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
        answered = seen.get(args.id)
        if answered is not None and answered.state != SteerProposal.STATE_PENDING:
            ok = answered.state == (SteerProposal.STATE_APPROVED if args.verb == "approve"
                                    else SteerProposal.STATE_REJECTED)
            line = f"{STATE_NAMES.get(answered.state, answered.state)} {args.id}: {answered.state_detail}"
            print(line, file=sys.stdout if ok else sys.stderr)
            return 0 if ok else 1
    print(f"steer-ros {args.verb}: no answer for {args.id} on {topics.PROPOSAL} after {args.wait:g} s",
          file=sys.stderr)
    return 1


def _by_fleet_topic(node, args) -> int:
    """As _by_topic, for the fleet navigator: its proposals are JSON on fleet/proposal."""
    import json

    import rclpy
    from rclpy.duration import Duration
    from std_msgs.msg import String

    from steer_ros.ros import topics
    from steer_ros.system2.approval import APPROVED, PENDING, REJECTED, STATE_NAMES

    seen: dict[str, dict] = {}
    latest: list[dict] = []

    def on_proposal(msg: String) -> None:
        try:
            data = json.loads(msg.data)
            data["id"], data["state"] = str(data["id"]), int(data["state"])
        except (ValueError, TypeError, KeyError):
            return  # not a fleet proposal: ignored
        seen[data["id"]] = data
        latest.append(data)

    node.create_subscription(String, topics.FLEET_PROPOSAL, on_proposal, topics.PROPOSAL_QOS)
    pub = node.create_publisher(String, topics.FLEET_APPROVAL, topics.POLICY_QOS)
    deadline = time.monotonic() + args.wait
    while (not latest or pub.get_subscription_count() == 0) and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    if not latest:
        print(f"steer-ros {args.verb}: no proposal on {topics.FLEET_PROPOSAL} after {args.wait:g} s (is the fleet "
              "navigator running with approval:=confirm?)", file=sys.stderr)
        return 1
    settle = time.monotonic() + 0.5  # the latched history arrives oldest first: read it to the newest
    while time.monotonic() < settle:
        rclpy.spin_once(node, timeout_sec=0.05)
    shown = latest[-1]
    if shown["id"] != args.id or shown["state"] != PENDING:
        state = STATE_NAMES.get(shown["state"], str(shown["state"]))
        print(f"steer-ros {args.verb}: stale_id: {args.id} is not pending; the proposal on display is {shown['id']} "
              f"({state})", file=sys.stderr)
        return 1
    pub.publish(String(data=f"{args.verb} {args.id}"))
    pub.wait_for_all_acked(Duration(seconds=5.0))
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
        answered = seen.get(args.id)
        if answered is not None and answered["state"] != PENDING:
            ok = answered["state"] == (APPROVED if args.verb == "approve" else REJECTED)
            line = f"{STATE_NAMES.get(answered['state'], answered['state'])} {args.id}: {answered.get('state_detail')}"
            print(line, file=sys.stdout if ok else sys.stderr)
            return 0 if ok else 1
    print(f"steer-ros {args.verb}: no answer for {args.id} on {topics.FLEET_PROPOSAL} after {args.wait:g} s",
          file=sys.stderr)
    return 1
