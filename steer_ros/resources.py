"""Where the package's data files live: ``config/`` (parameter files, the navigator's
prompt template, recordings, Foxglove layouts).

Installed by colcon, they sit in the package's share directory, found through the
ament index; run from a source checkout (no install), they are the repository's own
``config/``. ``ament_index_python`` is plain Python (no rclpy) and optional here.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = "steer_ros"

#: config/ of the source checkout: the repository root is two levels above this file.
SOURCE_CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"


def config_dir() -> Path:
    """config/ of the installed package (share/steer_ros), else of the source tree."""
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
    except ImportError:
        return SOURCE_CONFIG_DIR
    try:
        return Path(get_package_share_directory(PACKAGE)) / "config"
    except (PackageNotFoundError, OSError):  # OSError: no AMENT_PREFIX_PATH (no ROS environment)
        return SOURCE_CONFIG_DIR
