"""Shared fixtures. ROS tests (marked ``ros``) need the colcon install space; they are
skipped with a reason when it is missing, unless STEER_ROS_REQUIRE_ROS=1 (set by
``make test``), where a missing build is a failure rather than a silent skip."""

from __future__ import annotations

import importlib.util
import os

import pytest

from rosutil import exclusive_domain_id


def _ros_missing_reason() -> str | None:
    if importlib.util.find_spec("rclpy") is None:
        return "rclpy is not importable (enter the environment: source .venv/bin/activate && source install/setup.bash)"
    try:
        import steer_ros.msg  # noqa: F401
    except ImportError as exc:
        return f"steer_ros messages are not built ({exc}); run make setup"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _ros_missing_reason()
    if reason is None:
        return
    if os.environ.get("STEER_ROS_REQUIRE_ROS") == "1":
        raise pytest.UsageError(f"STEER_ROS_REQUIRE_ROS=1 but {reason}")
    for item in items:
        if "ros" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def domain_id():
    """A ROS_DOMAIN_ID held by this test alone (see rosutil.exclusive_domain_id)."""
    with exclusive_domain_id() as domain:
        yield domain
