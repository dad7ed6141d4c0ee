"""Channel-state load for the load drill: N channels at a fixed rate, every update new.

Stands in for a fast channel estimator (an SDR front end estimating 4096 subcarriers
every millisecond): Rayleigh block fading on the default gains (docs/design.md
section 1), a fresh draw per update. Messages are built and serialized ahead of
time (a ring of ``variants``) and published as serialized bytes, so the load is
paced by the clock, not limited by Python; what is measured is how the graph
downstream copes.

    python -m steer_ros.lab.faults.loadgen --n 4096 --rate 1000 --seconds 10 [--topic steer/channel/sim]

Prints a JSON line every second ({"t": monotonic, "published": count}) and one at
exit: {"published": ..., "rate_hz": ..., "late": ...}.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

import numpy as np

from steer_ros import defaults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m steer_ros.lab.faults.loadgen", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--rate", type=float, default=1000.0, help="updates per second")
    parser.add_argument("--seconds", type=float, default=0.0, help="0 = until SIGINT/SIGTERM")
    parser.add_argument("--topic", default="")
    parser.add_argument("--variants", type=int, default=64, help="distinct pre-built states, cycled")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import rclpy
    from rclpy.serialization import serialize_message

    from steer_ros.ros import topics
    from steer_ros.ros.conversions import channel_state_msg

    rclpy.init()
    node = rclpy.create_node("fault_loadgen")
    pub = node.create_publisher(__import__("steer_ros.msg", fromlist=["ChannelState"]).ChannelState,
                                args.topic or topics.CHANNEL_SIM, topics.STREAM)
    rng = np.random.default_rng(args.seed)
    base = defaults.design_gains(args.n)
    zeros, ones = np.zeros(args.n), np.full(args.n, defaults.NOISE_VAR)
    ring = [serialize_message(channel_state_msg(base * rng.exponential(1.0, args.n), ones,
                                                np.zeros(args.n, np.uint8), zeros))
            for _ in range(args.variants)]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    period = 1.0 / args.rate
    start = time.monotonic()
    published = late = 0
    next_report = start
    try:
        while not stop.is_set():
            now = time.monotonic()
            if args.seconds and now - start >= args.seconds:
                break
            if now >= next_report:
                print(json.dumps({"t": now, "published": published - late}), flush=True)
                next_report += 1.0
            due = start + published * period
            if due > now:
                stop.wait(due - now)
                continue
            if now - due > 0.1:  # more than 100 ms behind: drop the backlog, count it
                skipped = int((now - due) / period)
                late += skipped
                published += skipped
            pub.publish(ring[published % len(ring)])
            published += 1
    finally:
        elapsed = time.monotonic() - start
        print(json.dumps({"published": published - late, "late": late, "seconds": elapsed,
                          "rate_hz": (published - late) / elapsed if elapsed > 0 else 0.0}), flush=True)
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
