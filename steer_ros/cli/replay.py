"""steer-ros replay run.mcap [--rate X]: republish a recording onto the graph's topics
at recorded speed (or X times faster), with the recorded QoS, so a past run drives the
nodes, rqt_plot or Foxglove again."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("replay", help="republish a recording onto the graph's topics",
                                   description=__doc__)
    parser.add_argument("recording", help="an MCAP file written by steer-ros record (or ros2 bag record -s mcap)")
    parser.add_argument("--rate", type=float, default=1.0, metavar="X", help="speed factor (default 1: recorded speed)")
    parser.add_argument("--topics", nargs="+", default=None, metavar="TOPIC",
                        help="recorded topics to replay (default: all)")
    parser.add_argument("--exclude", nargs="+", default=None, metavar="TOPIC",
                        help="recorded topics not to replay, e.g. /steer/allocation when an optimizer runs")
    parser.add_argument("--from-namespace", default="", metavar="NS", help="namespace the recording was made in")
    parser.add_argument("--namespace", default=None, metavar="NS",
                        help="replay into this namespace instead (renames /FROM_NS/steer/... to /NS/steer/...)")
    parser.add_argument("--wait", type=float, default=2.0, metavar="S",
                        help="seconds to wait for subscribers before starting (default 2)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from steer_ros.ros.recording.replay import replay

    if not args.rate > 0:
        print("steer-ros replay: --rate must be > 0", file=sys.stderr)
        return 2
    try:
        result = replay(args.recording, rate=args.rate, topics=args.topics, exclude=args.exclude,
                        from_namespace=args.from_namespace, to_namespace=args.namespace, wait_s=args.wait)
    except (FileNotFoundError, ValueError) as exc:
        print(f"steer-ros replay: {exc}", file=sys.stderr)
        return 1
    total = sum(result.published.values())
    state = "stopped after" if result.stopped else "replayed"
    print(f"steer-ros replay: {state} {total} messages in {result.duration_s:.1f} s"
          + "".join(f"\n  {topic}: {n}" for topic, n in sorted(result.published.items())))
    return 0
