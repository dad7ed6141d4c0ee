"""Replay: republish a recording onto the graph's topics, at recorded speed or faster.

Every recorded message goes out again as the same serialized CDR bytes, on its
recorded topic (or renamed into another namespace), with the QoS its publishers
offered (a latched steer/command stays latched), spaced as it was received divided
by ``rate``. So a past run drives the nodes (a fresh optimizer re-converges under
the recorded channels and commands) or rqt_plot / Foxglove again.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

from rclpy.node import Node
from rclpy.qos import QoSProfile

from steer_ros.ros.recording import qos as bag_qos
from steer_ros.ros.recording.definitions import message_class
from steer_ros.ros.recording.reader import Recording
from steer_ros.ros.recording.recorder import STEER_TOPICS

DEFAULT_QOS = QoSProfile(depth=10)


def rename(topic: str, from_namespace: str, to_namespace: str) -> str:
    """/from_ns/steer/x -> /to_ns/steer/x; topics outside from_namespace (such as
    /diagnostics) are left as they are."""
    src = "/" + from_namespace.strip("/") if from_namespace.strip("/") else ""
    dst = "/" + to_namespace.strip("/") if to_namespace.strip("/") else ""
    if src and not topic.startswith(src + "/"):
        return topic
    return dst + topic[len(src):]


@dataclass
class ReplayResult:
    published: dict[str, int] = field(default_factory=dict)  # per (output) topic
    duration_s: float = 0.0
    stopped: bool = False


class Replayer:
    """Publishes a recording's messages from ``node``; call :meth:`run` (blocking) in any
    thread while the node's executor spins elsewhere, or not at all (publishing needs
    no spinning). ``stop()`` ends it early."""

    def __init__(self, node: Node, path: str | os.PathLike, rate: float = 1.0,
                 topics: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                 from_namespace: str = "", to_namespace: str | None = None):
        if not rate > 0:
            raise ValueError(f"rate must be > 0, got {rate}")
        self.node = node
        self.path = path
        self.rate = float(rate)
        self.recording = Recording(path)
        chosen = set(self.recording.topics) if topics is None else set(topics)
        unknown = chosen - set(self.recording.topics)
        if unknown:
            raise ValueError(f"not in {path}: {sorted(unknown)} (it holds {sorted(self.recording.topics)})")
        self.topics = sorted(chosen - set(exclude or ()))
        self._stop = threading.Event()
        self.publishers = {}
        self.output_names = {}
        for name in self.topics:
            info = self.recording.topics[name]
            out = name if to_namespace is None else rename(name, from_namespace, to_namespace)
            fallback = next((q for rel, (_, q) in STEER_TOPICS.items() if out.endswith("/" + rel.strip("/"))),
                            DEFAULT_QOS)
            offer = bag_qos.replay_offer(bag_qos.load_profiles(info.offered_qos_profiles), fallback)
            self.publishers[name] = node.create_publisher(message_class(info.type_name), out, offer)
            self.output_names[name] = out

    def wait_for_subscribers(self, topics: Iterable[str], timeout_s: float) -> bool:
        """True once every named (recorded) topic has a subscriber (a bounded wait, so
        the first messages are not published into the void)."""
        deadline = time.monotonic() + timeout_s
        pubs = [self.publishers[t] for t in topics]
        while not all(p.get_subscription_count() > 0 for p in pubs):
            if time.monotonic() > deadline or self._stop.is_set():
                return False
            time.sleep(0.02)
        return True

    def stop(self) -> None:
        self._stop.set()

    def run(self, until_ns: int | None = None) -> ReplayResult:
        """Publish every selected message (up to log time ``until_ns``, inclusive)."""
        result = ReplayResult(published={self.output_names[t]: 0 for t in self.topics})
        start_wall = time.monotonic()
        first_ns = None
        for message in self.recording.messages(self.topics):
            if until_ns is not None and message.log_time_ns > until_ns:
                break
            if first_ns is None:
                first_ns = message.log_time_ns
            due = start_wall + (message.log_time_ns - first_ns) * 1e-9 / self.rate
            if self._stop.wait(max(0.0, due - time.monotonic())):
                result.stopped = True
                break
            self.publishers[message.topic].publish(message.data)
            result.published[self.output_names[message.topic]] += 1
        result.duration_s = time.monotonic() - start_wall
        return result

    def close(self) -> None:
        for pub in self.publishers.values():
            self.node.destroy_publisher(pub)
        self.recording.close()


def replay(path: str | os.PathLike, rate: float = 1.0, topics: Iterable[str] | None = None,
           exclude: Iterable[str] | None = None, from_namespace: str = "", to_namespace: str | None = None,
           domain_id: int | None = None, wait_s: float = 2.0, args: list[str] | None = None) -> ReplayResult:
    """Replay ``path`` from a node of its own until the end (or Ctrl-C / SIGTERM)."""
    import rclpy
    from rclpy.context import Context

    context = Context()
    rclpy.init(args=args, context=context, domain_id=domain_id)
    node = rclpy.create_node("steer_replay", context=context)
    replayer = Replayer(node, path, rate, topics, exclude, from_namespace, to_namespace)
    try:
        # Give subscribers already running a moment to match (best effort, bounded).
        replayer.wait_for_subscribers(replayer.topics, wait_s)
        try:
            return replayer.run()
        except KeyboardInterrupt:
            replayer.stop()
            return ReplayResult(stopped=True)
    finally:
        replayer.close()
        node.destroy_node()
        context.try_shutdown()
