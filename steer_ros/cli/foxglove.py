"""steer-ros foxglove [--port 8765] [--host 127.0.0.1]: a live Foxglove WebSocket
server bridging the steer topics (ROS 2 schemas, CDR messages), and a console: a client
may publish a policy on steer/policy, get and set the nodes' parameters and call their
std_srvs services (docs/foxglove.md). Open Foxglove, connect to ws://HOST:PORT
("Foxglove WebSocket"), and import the saved layout
config/foxglove/steer_ros_layout.json (printed at start)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("foxglove", help="live Foxglove WebSocket server for the steer topics",
                                   description=__doc__)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; the protocol has no authentication)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    parser.add_argument("--namespace", default="", help="namespace of the graph (default: none)")
    parser.add_argument("--topics", nargs="+", default=None, metavar="TOPIC",
                        help="steer topics to bridge, e.g. steer/allocation (default: all of them and /diagnostics)")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--write-layout", default=None, metavar="FILE",
                        help="write the Foxglove layout (for --namespace) to FILE and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from steer_ros.ros.recording.foxglove_bridge import layout_path, serve, write_layout

    if args.write_layout:
        print(f"layout written to {write_layout(args.write_layout, args.namespace)}")
        return 0

    def ready(bridge) -> None:
        print(f"steer-ros foxglove: serving {', '.join(bridge.forwarded)} on {bridge.url}; "
              f"layout: {layout_path()}; Ctrl-C to stop", flush=True)

    try:
        bridge = serve(args.host, args.port, args.topics, args.namespace, duration_s=args.duration, on_ready=ready)
    except (RuntimeError, ValueError) as exc:  # port taken, address not bindable, unknown topic
        print(f"steer-ros foxglove: {exc}", file=sys.stderr)
        return 1
    print(f"steer-ros foxglove: forwarded {sum(bridge.forwarded.values())} messages", flush=True)
    return 0
