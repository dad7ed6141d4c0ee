"""steer-ros record --out run.mcap: record every steer topic and /diagnostics into a
rosbag2-compatible MCAP file (``ros2 bag info run.mcap``, ``ros2 bag play run.mcap``,
Foxglove). Stops on Ctrl-C, SIGTERM or --duration and always finalizes the file."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("record", help="record the steer topics into an MCAP file (rosbag2 compatible)",
                                   description=__doc__)
    parser.add_argument("--out", metavar="FILE", help="output file, e.g. run.mcap")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--topics", nargs="+", default=None, metavar="TOPIC",
                        help="topics to record (default: every steer topic and /diagnostics)")
    parser.add_argument("--namespace", default="", help="namespace of the graph to record (default: none)")
    parser.add_argument("--recover", metavar="FILE", default=None,
                        help="instead of recording: copy what is readable of FILE (a recording whose recorder "
                             "was killed) into a finalized file (--out, default FILE.recovered.mcap)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.recover:
        from steer_ros.ros.recording.recover import recover

        try:
            path, copied = recover(args.recover, args.out)
        except (OSError, ValueError) as exc:
            print(f"steer-ros record: {exc}", file=sys.stderr)
            return 1
        print(f"steer-ros record: recovered {copied} messages into {path}")
        return 0
    if not args.out:
        print("steer-ros record: --out FILE is required", file=sys.stderr)
        return 2
    from steer_ros.ros.recording.recorder import record

    if args.duration is not None and args.duration <= 0:
        print("steer-ros record: --duration must be > 0", file=sys.stderr)
        return 2

    def ready(recorder) -> None:
        print(f"steer-ros record: recording {', '.join(recorder.topic_names)} into {recorder.path}; "
              "Ctrl-C to stop", flush=True)

    recorder = record(args.out, duration_s=args.duration, topics=args.topics, namespace=args.namespace,
                      on_ready=ready)
    counts = recorder.counts
    total = sum(counts.values())
    print(f"steer-ros record: wrote {total} messages to {recorder.path}"
          + "".join(f"\n  {topic}: {n}" for topic, n in sorted(counts.items())), flush=True)
    return 0
