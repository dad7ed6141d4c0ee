"""steer-ros demo: the graph through P1 -> P4 and a gain reversal, with tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from steer_ros.ros.graph import launch_arguments

ARGUMENTS = launch_arguments("sim")  # the demo runs the simulated graph


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="run the graph through the paper's policies (make demo)",
                                   description=__doc__)
    parser.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    parser.add_argument("--phase-s", type=float, default=15.0, help="seconds per phase (default 15)")
    for name, (_, _, description) in ARGUMENTS.items():
        if name != "policy":
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="", help=description)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from steer_ros.lab.demo import run_demo

    launch_values = {name: getattr(args, name) for name in ARGUMENTS if name != "policy"}
    summary = run_demo(Path(args.out), phase_s=args.phase_s, **launch_values)
    ok = summary["feasibility_violations"] == 0 and len(summary["phases"]) == 5 and summary["recording"]["counts_match"]
    return 0 if ok else 1
