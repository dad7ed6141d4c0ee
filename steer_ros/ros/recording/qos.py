"""QoS profiles as rosbag2 stores them, and back.

rosbag2 keeps, per topic, the QoS profiles its publishers offered (MCAP channel
metadata ``offered_qos_profiles``: a YAML list) so that ``ros2 bag play`` offers the
same QoS again (a latched command stays latched). Two spellings exist: bag metadata
version <= 8 writes the policies as integers (the rmw enum values), version 9 as
lower-case names. Recordings here declare version 8 and write integers, which every
rosbag2 since Foxy, rosbags and the MCAP tools decode; the reader accepts both.
"""

from __future__ import annotations

from typing import Any, Iterable

import yaml
from rclpy.duration import Infinite
from rclpy.qos import DurabilityPolicy, HistoryPolicy, LivelinessPolicy, QoSProfile, ReliabilityPolicy

BAG_METADATA_VERSION = 8
# rmw's RMW_DURATION_INFINITE, as rosbag2 writes it.
INFINITE = {"sec": 9223372036, "nsec": 854775807}


def _duration(d) -> dict[str, int]:
    ns = d.nanoseconds
    if d == Infinite or ns >= 9223372036854775807:
        return dict(INFINITE)
    return {"sec": ns // 1_000_000_000, "nsec": ns % 1_000_000_000}


def profile_dict(qos: QoSProfile) -> dict[str, Any]:
    """One profile in rosbag2's (version <= 8) layout."""
    return {
        "history": int(qos.history),
        "depth": int(qos.depth),
        "reliability": int(qos.reliability),
        "durability": int(qos.durability),
        "deadline": _duration(qos.deadline),
        "lifespan": _duration(qos.lifespan),
        "liveliness": int(qos.liveliness),
        "liveliness_lease_duration": _duration(qos.liveliness_lease_duration),
        "avoid_ros_namespace_conventions": bool(qos.avoid_ros_namespace_conventions),
    }


def dump_profiles(profiles: Iterable[QoSProfile]) -> str:
    """The ``offered_qos_profiles`` string of a channel ("" for none, as rosbag2)."""
    dicts = [profile_dict(p) for p in profiles]
    if not dicts:
        return ""
    return yaml.safe_dump(dicts, default_flow_style=False, sort_keys=False).strip()


def _policy(enum, value):
    if isinstance(value, str):
        return enum[value.upper()]
    return enum(int(value))


def load_profiles(text: str) -> list[QoSProfile]:
    """Parse ``offered_qos_profiles`` (either spelling) into rclpy profiles."""
    if not text or not text.strip():
        return []
    profiles = []
    for item in yaml.safe_load(text) or []:
        history = _policy(HistoryPolicy, item.get("history", 1))
        depth = int(item.get("depth", 0)) or 10
        profiles.append(QoSProfile(
            history=HistoryPolicy.KEEP_LAST if history in (HistoryPolicy.SYSTEM_DEFAULT, HistoryPolicy.UNKNOWN)
            else history,
            depth=depth,
            reliability=_policy(ReliabilityPolicy, item.get("reliability", 1)),
            durability=_policy(DurabilityPolicy, item.get("durability", 2)),
            liveliness=_policy(LivelinessPolicy, item.get("liveliness", 0)),
        ))
    return profiles


def adapted_request(offered: list[QoSProfile], depth: int = 100) -> QoSProfile:
    """The subscription QoS rosbag2 would request to hear every publisher: reliable if
    all offer reliable, transient local if all offer it (to get the latched value)."""
    reliable = bool(offered) and all(p.reliability == ReliabilityPolicy.RELIABLE for p in offered)
    latched = bool(offered) and all(p.durability == DurabilityPolicy.TRANSIENT_LOCAL for p in offered)
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST, depth=depth,
        reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE,
    )


def replay_offer(recorded: list[QoSProfile], fallback: QoSProfile) -> QoSProfile:
    """The QoS to publish a recorded topic with: the recorded offer when all its
    publishers agreed (history reset to keep-last), else ``fallback``."""
    if not recorded:
        return fallback
    first = recorded[0]
    same = all(p.reliability == first.reliability and p.durability == first.durability for p in recorded)
    if not same:
        return fallback
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=max(first.depth, 10),
                      reliability=first.reliability, durability=first.durability)
