"""Where the package's data files live: ``config/`` of the installed package
(share/steer_ros, found through the ament index) or, from a source checkout or a
plain ``pip install -e .``, of the source tree. ROS-free: the ament index is a plain
file lookup, and its absence (no AMENT_PREFIX_PATH) is not an error."""

from __future__ import annotations

from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[1]


def config_dir() -> Path:
    """config/ of the installed package (share/steer_ros) or of the source tree."""
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
    except ImportError:
        return SOURCE_ROOT / "config"
    try:
        return Path(get_package_share_directory("steer_ros")) / "config"
    except (PackageNotFoundError, OSError):  # OSError: AMENT_PREFIX_PATH unset
        return SOURCE_ROOT / "config"
