"""The navigator's view of the system, :class:`steer_ros.snapshot.SystemSnapshot`,
under the System 2 package too (one class: defined in :mod:`steer_ros.snapshot`,
which System 1 builds without importing System 2)."""

from steer_ros.snapshot import SystemSnapshot

__all__ = ["SystemSnapshot"]
