"""Test helpers for real-DDS tests: an isolated ROS domain per test, a node spun in a
background thread, and waiting on events instead of sleeping.

Isolation: each test takes a ROS_DOMAIN_ID that no other test, in this run or in a
parallel run on the same machine, holds (an flock on /tmp/steer_ros_domains/<id>),
and discovery stays on localhost.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from steer_ros.ros.domain_lock import exclusive_domain_id, isolated_env  # noqa: F401 - re-exported for the tests
from steer_ros.ros.node_processes import stop_process  # noqa: F401 - re-exported for the tests

REPO = Path(__file__).resolve().parents[1]
def ros_env(domain_id: int, **extra: str) -> dict[str, str]:
    """Environment for a child process in the given domain."""
    return isolated_env(domain_id, **extra)


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.01) -> None:
    """Wait for a condition that a background thread (an executor) makes true."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.1f} s waiting for {what}")
        time.sleep(poll_s)


class SpunNode:
    """An rclpy node in its own context and domain, spun by a background executor."""

    def __init__(self, name: str, domain_id: int):
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor

        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = rclpy.create_node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException

        with contextlib.suppress(ExternalShutdownException):
            self.executor.spin()

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=2.0)
        self.node.destroy_node()
        self.context.try_shutdown()
        self._thread.join(timeout=5.0)

    def __enter__(self) -> "SpunNode":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_probe(args: list[str], domain_id: int) -> subprocess.Popen:
    """Start test/ros_probe.py in its own process (a separate DDS participant)."""
    return subprocess.Popen(
        [sys.executable, str(REPO / "test" / "ros_probe.py"), *args],
        env=ros_env(domain_id),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
