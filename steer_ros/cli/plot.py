"""steer-ros plot run.mcap --out DIR: PNG figures from a recording (MI per channel,
total MI and optimality gap, weights, P_total; policy changes and fallbacks marked;
the navigator's reasoning listed under the overview)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("plot", help="PNG figures from a recording", description=__doc__)
    parser.add_argument("recording", help="an MCAP file written by steer-ros record")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for the figures")
    parser.add_argument("--title", default=None, help="figure title (default: the file name)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from steer_ros.ros.recording.plots import load_series, plot_recording, summary

    try:
        written = plot_recording(args.recording, args.out, title=args.title)
    except (FileNotFoundError, ValueError) as exc:
        print(f"steer-ros plot: {exc}", file=sys.stderr)
        return 1
    for name, path in written.items():
        print(f"{name}: {path}")
    for key, value in summary(load_series(args.recording)).items():
        print(f"  {key} = {value:g}" if isinstance(value, float) else f"  {key} = {value}")
    return 0
