"""The ``steer-ros`` command: one subcommand per module in this package.

Each subcommand module defines ``register(subparsers)``, which adds its parser and
sets ``func`` to a callable taking the parsed args and returning an exit code.
Modules import heavy dependencies (rclpy, torch) inside their run function so that
``steer-ros --help`` and the ROS-free commands work without ROS installed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# One BLAS / OpenMP thread unless the user says otherwise, set before numpy loads: the
# graph's nodes do small vector work, and idle BLAS worker threads spin (a channel_sim
# at N = 4096 took a whole core for 0.1 ms of work per update with the default pool).
# The node executables do the same (scripts/node_entry.py.in).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = [
    "optimize",
    "sim",
    "fleet",
    "policy",
    "approve",
    "demo",
    "sdr_synth",
    "record",
    "plot",
    "replay",
    "foxglove",
    "experiment",
    "eval",
    "faults",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steer-ros",
        description="LLM-steered power allocation for parallel radio subchannels.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"steer_ros.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
