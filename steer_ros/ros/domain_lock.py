"""ROS domain ids that no other run on this machine holds.

Tests, benchmarks and drills each run their graph in a domain of their own, so
parallel runs (a developer's and CI's, two worktrees) never cross-talk: a domain is
held by an flock on /tmp/steer_ros_domains/<id> for as long as it is in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
from pathlib import Path
from typing import Iterator

LOCK_DIR = Path("/tmp/steer_ros_domains")
# 0 is the default domain a user's own graph runs in; 101..119 stay free for users too.
DOMAIN_RANGE = range(120, 233)
_HOLDS = itertools.count()


@contextlib.contextmanager
def exclusive_domain_id(preferred: int | None = None) -> Iterator[int]:
    """Hold a free domain id (``preferred`` only, if given) for the with-block."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    if preferred is not None:
        ids = [preferred]
    else:
        # each hold in this process starts one id further on: tests run one after another in one
        # process, and a graph torn down a moment ago must not meet the next test in its domain
        start = (os.getpid() + next(_HOLDS)) % len(DOMAIN_RANGE)
        ids = [DOMAIN_RANGE[(start + k) % len(DOMAIN_RANGE)] for k in range(len(DOMAIN_RANGE))]
    for domain in ids:
        handle = open(LOCK_DIR / f"{domain}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield domain
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise RuntimeError(f"no free ROS domain id in {ids[0]}..{ids[-1]} (held by other runs: {LOCK_DIR})")


def isolated_env(domain_id: int, base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment of a child process that joins domain ``domain_id`` only: DDS
    discovery kept on this machine, unbuffered output (so a killed child's log is
    complete); ``extra`` variables on top. ``base`` defaults to this process's."""
    env = dict(os.environ if base is None else base)
    env.update(ROS_DOMAIN_ID=str(domain_id), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


#: Variables a host's child must not inherit: they would confine or redirect its DDS
#: discovery (localhost only, static peers, a Discovery Server) away from the hosts' network.
HOST_DISCOVERY_VARS = ("ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_STATIC_PEERS", "ROS_DISCOVERY_SERVER",
                       "ROS_SUPER_CLIENT", "ROS_LOCALHOST_ONLY", "FASTRTPS_DEFAULT_PROFILES_FILE",
                       "FASTDDS_DEFAULT_PROFILES_FILE")


def host_env(domain_id: int, base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment of a child process on a host of :mod:`steer_ros.lab.hosts` (a
    network namespace): domain ``domain_id``, discovery over the host's network (NOT
    confined to localhost as :func:`isolated_env` does, which would keep it inside one
    namespace), and DDS over UDPv4 only: the namespaces of one machine share /dev/shm,
    so Fast DDS's shared-memory transport, were it chosen, could carry data past a cut
    cable (it measured 0 messages across a 3 s cut either way; UDPv4 makes it certain).
    ``extra`` variables on top (e.g. ROS_DISCOVERY_SERVER)."""
    env = dict(os.environ if base is None else base)
    for name in HOST_DISCOVERY_VARS:
        env.pop(name, None)
    env.update(ROS_DOMAIN_ID=str(domain_id), ROS_AUTOMATIC_DISCOVERY_RANGE="SUBNET",
               FASTDDS_BUILTIN_TRANSPORTS="UDPv4", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env
