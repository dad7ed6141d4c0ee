"""Process entry for a node executable: ``--help``, start-up errors, spinning, exit.

``ros2 run steer_ros <node> --help`` lists the node's parameters with their defaults;
a refused parameter stops the node at start-up with a one-line error naming it.
"""

from __future__ import annotations

import sys
from typing import Sequence

import rclpy
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor


def usage(node_class) -> str:
    module = sys.modules[node_class.__module__]
    name = module.__name__.rsplit(".", 1)[-1]
    lines = [f"usage: ros2 run steer_ros {name} [--ros-args -p NAME:=VALUE ... --params-file FILE]", ""]
    lines.append((module.__doc__ or "").strip())
    lines.append("")
    lines.append("parameters:")
    for p in getattr(module, "PARAMS", []):
        lines.append(f"  {p.name} (default {p.default!r}): {p.describe()}")
    return "\n".join(lines)


def run_node(node_class, args: Sequence[str] | None = None) -> int:
    """Create, spin and tear down one node in its own process."""
    argv = list(sys.argv if args is None else args)
    user_args = argv[1:argv.index("--ros-args")] if "--ros-args" in argv else argv[1:]
    if "-h" in user_args or "--help" in user_args:
        print(usage(node_class))
        return 0
    rclpy.init(args=argv)
    node = None
    try:
        try:
            node = node_class()
        except ValueError as exc:  # ParameterError, InvalidInput: the message names it
            print(f"[{node_class.__module__.rsplit('.', 1)[-1]}] refused to start: {exc}", file=sys.stderr)
            return 1
        executor = MultiThreadedExecutor(num_threads=4)
        executor.add_node(node)
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            close = getattr(node, "close", None)
            if close is not None:
                close()
            node.destroy_node()
        rclpy.try_shutdown()
    return 0
