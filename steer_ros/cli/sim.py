"""steer-ros sim: the node graph in one process, for machines without ros2 launch."""

from __future__ import annotations

import argparse

from steer_ros.graph import LAUNCH_ARGUMENTS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sim", help="run the steer_ros node graph in one process (like ros2 launch steer_ros sim.launch.py)",
        description=__doc__)
    parser.add_argument("--config", default="", help="parameters file (default: config/sim.yaml)")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--namespace", default="", help="namespace of the whole graph")
    for name, (_, _, description) in LAUNCH_ARGUMENTS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="", help=description)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from steer_ros.bringup import run_for

    launch_values = {name: getattr(args, name) for name in LAUNCH_ARGUMENTS}
    return run_for(args.duration, config=args.config or None, namespace=args.namespace, **launch_values)
