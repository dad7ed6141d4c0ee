"""Shared fixtures. ROS tests (marked ``ros``) need the colcon install space; they are
skipped with a reason when it is missing, unless STEER_ROS_REQUIRE_ROS=1 (set by
``make test``), where a missing build is a failure rather than a silent skip.

Tests that make network namespaces (hosts) take the ``netns`` fixture, the same way
with STEER_REQUIRE_NETNS=1.

Tests that run a GNU Radio flowgraph take the ``gnuradio`` fixture: skipped with a
reason when /usr/bin/python3 cannot import gnuradio, failed instead when
STEER_REQUIRE_GNURADIO=1 (set by CI, which installs it)."""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
from rosutil import exclusive_domain_id


def _ros_missing_reason() -> str | None:
    if importlib.util.find_spec("rclpy") is None:
        return "rclpy is not importable (enter the environment: source .venv/bin/activate && source install/setup.bash)"
    try:
        import steer_ros.msg  # noqa: F401 - imported only to learn whether the messages are built
    except ImportError as exc:
        return f"steer_ros messages are not built ({exc}); run make setup"
    return None


# Live-graph tests measure rates and latencies against the wall clock; on a loaded
# 2-core machine one stalled process can miss a margin without anything being wrong.
# Such a test gets two more tries; a real fault fails all three. The reruns are
# reported in pytest's summary ("R"), so they stay visible.
REALTIME_RERUNS = 2


def pytest_terminal_summary(terminalreporter):
    """One line per rerun attempt with its failure, so a CI log says why a real-time
    test needed another try (pytest-rerunfailures alone prints only "R")."""
    reruns = terminalreporter.stats.get("rerun", [])
    if not reruns:
        return
    terminalreporter.write_sep("=", f"why {len(reruns)} attempt(s) were rerun")
    for report in reruns:
        crash = getattr(report.longrepr, "reprcrash", None)
        why = crash.message if crash is not None else str(report.longrepr).strip().splitlines()[-1:]
        terminalreporter.write_line(f"{report.nodeid}: {' '.join(str(why).split())[:400]}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("realtime") is not None:
            item.add_marker(pytest.mark.flaky(reruns=REALTIME_RERUNS))
    reason = _ros_missing_reason()
    if reason is None:
        return
    if os.environ.get("STEER_ROS_REQUIRE_ROS") == "1":
        raise pytest.UsageError(f"STEER_ROS_REQUIRE_ROS=1 but {reason}")
    for item in items:
        if item.get_closest_marker("ros") is not None:  # (keywords would match the test/ros/ folder)
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def domain_id():
    """A ROS_DOMAIN_ID held by this test alone (see rosutil.exclusive_domain_id)."""
    with exclusive_domain_id() as domain:
        yield domain


SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python, the one with gnuradio (never the venv)


@functools.lru_cache(maxsize=1)
def gnuradio_missing() -> str:
    """Why GNU Radio cannot run here ("" when it can)."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    r = subprocess.run([SYSTEM_PYTHON, "-c", "from gnuradio import gr, zeromq, channels"],
                       capture_output=True, text=True, timeout=60, env=env)
    if r.returncode:
        return f"gnuradio not importable by {SYSTEM_PYTHON} (apt-get install gnuradio): {r.stderr.strip()[-200:]}"
    return ""


@pytest.fixture
def gnuradio() -> str:
    """The interpreter that runs GNU Radio flowgraphs (see the module docstring)."""
    reason = gnuradio_missing()
    if reason:
        if os.environ.get("STEER_REQUIRE_GNURADIO") == "1":
            pytest.fail(f"STEER_REQUIRE_GNURADIO=1 but {reason}")
        pytest.skip(reason)
    return SYSTEM_PYTHON


@pytest.fixture
def netns() -> None:
    """Network namespaces can be made here (tests of steer_ros.lab.hosts): skipped with
    the reason where they cannot (not root, no iproute2), failed instead when
    STEER_REQUIRE_NETNS=1 (set by CI, which runs as root)."""
    from steer_ros.lab.hosts import hosts_missing

    reason = hosts_missing()
    if reason:
        if os.environ.get("STEER_REQUIRE_NETNS") == "1":
            pytest.fail(f"STEER_REQUIRE_NETNS=1 but {reason}")
        pytest.skip(reason)
