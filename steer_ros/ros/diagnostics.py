"""/diagnostics for every node: one DiagnosticStatus per node, published periodically.

A node keeps counters and its latest problems in a :class:`DiagnosticsReporter`;
``problem(key, text)`` raises the level to WARN (or ERROR) until ``clear(key)``, and
every report carries the key/values the node wants watched (rates, latencies, counts).
``reject(counter, text)`` is for inputs refused at the node boundary: counted, the
last one kept as a key/value (naming the field and value), logged at a bounded rate,
so a stranger flooding a topic with garbage can neither hide nor flood the log.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from typing import Callable

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.ros import topics

OK, WARN, ERROR = 0, 1, 2  # DiagnosticStatus levels, as ints
REJECT_LOG_PERIOD_S = 5.0  # a refused input is logged at most this often per counter


class DiagnosticsReporter:
    """Publishes this node's status on /diagnostics every ``period_s``."""

    def __init__(self, node: Node, values: Callable[[], dict], period_s: float = defaults.DIAGNOSTICS_PERIOD_S):
        self.node = node
        self._values = values
        self._lock = threading.Lock()
        self._problems: dict[str, tuple[int, str]] = {}
        self.counters: dict[str, int] = {}
        self.last: dict[str, str] = {}  # last_<counter>: the latest refused input, named
        self._logged: dict[str, tuple[float, int]] = {}  # counter -> (log time, count then)
        self._pub = node.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, topics.DIAGNOSTICS_QOS)
        self._timer = node.create_timer(period_s, self.publish)

    def count(self, key: str, by: int = 1) -> None:
        with self._lock:
            self.counters[key] = self.counters.get(key, 0) + by

    def problem(self, key: str, text: str, level: int = WARN, log: bool = True) -> None:
        """Report a problem (shown until cleared) and log it once per change."""
        with self._lock:
            changed = self._problems.get(key) != (level, text)
            self._problems[key] = (level, text)
        if log and changed:
            # rclpy ties a severity to each call site: one call per severity.
            if level == ERROR:
                self.node.get_logger().error(text)
            else:
                self.node.get_logger().warning(text)

    def reject(self, counter: str, text: str, context: str = "", level: int = ERROR) -> None:
        """An input refused at the node boundary.

        ``counter`` counts it (a key/value), ``last_<counter>`` keeps ``text`` (which
        names the field and value), the problem ``counter`` shows ``context: text`` until
        cleared, and the log gets it at most every REJECT_LOG_PERIOD_S, with the count.
        """
        message = f"{context}: {text}" if context else text
        now = time.monotonic()
        with self._lock:
            count = self.counters.get(counter, 0) + 1
            self.counters[counter] = count
            self.last[f"last_{counter}"] = text[:300]
            self._problems[counter] = (level, message)
            logged_at, logged_count = self._logged.get(counter, (-math.inf, 0))
            log = now - logged_at >= REJECT_LOG_PERIOD_S
            if log:
                self._logged[counter] = (now, count)
        if log:
            more = count - logged_count - 1
            line = message + (f" ({more} more refused since the last report)" if logged_count and more > 0 else "")
            if level == ERROR:
                self.node.get_logger().error(line)
            else:
                self.node.get_logger().warning(line)

    def clear(self, key: str) -> None:
        with self._lock:
            self._problems.pop(key, None)

    def status(self) -> DiagnosticStatus:
        with self._lock:
            problems = dict(self._problems)
            counters = {**self.counters, **self.last}
        level = max((lvl for lvl, _ in problems.values()), default=OK)
        message = "; ".join(text for _, text in problems.values()) or "ok"
        pairs = {**self._values(), **counters}
        return DiagnosticStatus(
            level=bytes([level]),
            name=f"steer_ros: {self.node.get_fully_qualified_name()}",
            message=message[:500],
            hardware_id=self.node.get_namespace(),
            values=[KeyValue(key=str(k), value=_fmt(v)) for k, v in pairs.items()],
        )

    def publish(self) -> None:
        msg = DiagnosticArray()
        msg.header.stamp = self.node.get_clock().now().to_msg()
        msg.status = [self.status()]
        self._pub.publish(msg)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class RateMeter:
    """Events per second over a sliding window (achieved step / publish rates)."""

    def __init__(self, window_s: float = 2.0):
        self.window_s = window_s
        self._marks: collections.deque[tuple[float, int]] = collections.deque()
        self.total = 0

    def tick(self, now: float | None = None, count: int = 1) -> None:
        now = time.monotonic() if now is None else now
        self.total += count
        self._marks.append((now, self.total))
        while len(self._marks) > 2 and self._marks[1][0] < now - self.window_s:
            self._marks.popleft()

    def rate(self) -> float:
        if len(self._marks) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
