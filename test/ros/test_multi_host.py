"""Real DDS across hosts: network namespaces on one bridge (steer_ros.lab.hosts), one
participant per host, discovery over the hosts' network, by multicast (SPDP) and by the
Fast DDS Discovery Server. The children do not inherit localhost-only discovery
(domain_lock.host_env), which would keep each inside its own namespace.

Each test prints its discovery time (from the later participant's start to the match)
and leaves no namespace behind. Skipped with the reason where namespaces cannot be
made (not root, no iproute2) unless STEER_REQUIRE_NETNS=1 (CI).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import pytest

from steer_ros.lab.hosts import (
    DISCOVERY_SERVER_PORT,
    EventStream,
    Hosts,
    discovery_server_command,
    leftover_namespaces,
)
from steer_ros.ros.domain_lock import host_env

pytestmark = [pytest.mark.ros, pytest.mark.slow]

TOPIC = "/hosts/allocation"
RATE_HZ = 50.0
START_TIMEOUT_S = 30.0
#: Seconds a cable stays pulled in the partition check.
CUT_S = 3.0


RADIOS = ["radio1", "radio2", "radio3"]


def _probe(host, args: list[str], env: dict) -> EventStream:
    proc = host.popen([sys.executable, "-m", "steer_ros.lab.host_probe", *args], env=env,
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return EventStream(proc, f"{host.name}: host_probe {args[0]}")


def _fleet_of_probes(hosts: Hosts, env: dict) -> tuple[dict[str, EventStream], EventStream, dict]:
    """A talker on each radio's host (its own /radioK topic), one listener for all on
    the coordinator's host, all launched at once. Returns them and the discovery
    figures: per radio, from the later of its talker's and the listener's start to the
    match, and from launch until the last radio matched."""
    t0 = time.time()
    talkers = {r: _probe(hosts[r], ["talk", "AllocationState", f"/{r}{TOPIC}", str(RATE_HZ)], env) for r in RADIOS}
    listen = _probe(hosts["coordinator"], ["listen", "AllocationState", *[f"/{r}{TOPIC}" for r in RADIOS]], env)
    t_listen = listen.wait(START_TIMEOUT_S, "ready", event="ready")["t"]
    per_radio = {}
    for r, talk in talkers.items():
        t_talk = talk.wait(START_TIMEOUT_S, "ready", event="ready")["t"]
        matched = listen.wait(START_TIMEOUT_S, f"{r}'s talker", event="matched", topic=f"/{r}{TOPIC}")["t"]
        per_radio[r] = round(matched - max(t_talk, t_listen), 3)
    last = max(e["t"] for e in listen.select(event="matched"))
    figures = {"discovery_s": per_radio, "all_matched_from_launch_s": round(last - t0, 3)}
    print(json.dumps(figures))
    return talkers, listen, figures


def _arrived(listen: EventStream, radio: str, t0: float, t1: float = math.inf) -> list[dict]:
    return listen.select(where=lambda e: e["event"] == "msg" and e["topic"] == f"/{radio}{TOPIC}" and t0 < e["t"] < t1)


def test_multicast_discovery_across_hosts_and_a_partition(netns, domain_id):
    """Coordinator + 3 radios on 4 hosts, multicast discovery; radio1's cable pulled for
    CUT_S: nothing of radio1's crosses, radio2 and radio3 carry on; plugged back in, the
    same participants resume (no rediscovery from scratch)."""
    env = host_env(domain_id)
    with Hosts(["coordinator", *RADIOS]) as hosts:
        _, listen, figures = _fleet_of_probes(hosts, env)
        assert max(figures["discovery_s"].values()) < 10.0
        listen.wait(5.0, "messages before the cut", where=lambda e: e["event"] == "msg" and e["msg"]["step"] > 10)
        hosts.cut("radio1")
        t_cut = time.time()
        time.sleep(CUT_S)  # the partition itself: what is checked is that nothing crosses it
        t_back = time.time()
        hosts.reconnect("radio1")
        crossed = _arrived(listen, "radio1", t_cut + 0.2, t_back)
        assert crossed == [], f"{len(crossed)} messages crossed a cut cable"
        others = {r: len(_arrived(listen, r, t_cut, t_back)) for r in ("radio2", "radio3")}
        assert min(others.values()) >= 0.5 * RATE_HZ * CUT_S, others
        back = listen.wait(30.0, "radio1's messages after the reconnect",
                           where=lambda e: e["event"] == "msg" and e["topic"] == f"/radio1{TOPIC}" and e["t"] > t_back)
        print(json.dumps({"partition_s": round(t_back - t_cut, 3), "radio1_back_after_s": round(back["t"] - t_back, 3),
                          "others_during_cut": others}))
        tag = hosts.tag
    assert leftover_namespaces(tag) == []


def _kilted_wheels() -> bool:
    from importlib import metadata
    try:
        # Both wheel sets register "ros-rclpy"; Jazzy's rclpy is 7.x, Kilted's 9.x.
        return int(metadata.version("ros-rclpy").split(".")[0]) >= 9
    except metadata.PackageNotFoundError:
        return os.environ.get("ROS_DISTRO") == "kilted"


@pytest.mark.skipif(_kilted_wheels(), reason="Kilted (Fast DDS 3): the probes never discover each other through "
                    "`fastdds discovery` in this harness, while multicast works; docs/multi-host.md")
def test_discovery_server_across_hosts(netns, domain_id):
    """The same 4 hosts, discovery through a Fast DDS Discovery Server on the
    coordinator's host (ROS_DISCOVERY_SERVER on every participant)."""
    with Hosts(["coordinator", *RADIOS]) as hosts:
        server = hosts["coordinator"]
        env = host_env(domain_id, ROS_DISCOVERY_SERVER=f"{server.address}:{DISCOVERY_SERVER_PORT}")
        ds = server.popen(discovery_server_command(server.address), env=host_env(domain_id),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        for line in ds.stdout:  # the server prints "Server is running" once it listens
            lines.append(line)
            if "running" in line.lower():
                break
        assert ds.poll() is None, f"fastdds discovery exited: {''.join(lines)}"
        _, listen, figures = _fleet_of_probes(hosts, env)
        assert max(figures["discovery_s"].values()) < 10.0
        listen.wait(10.0, "messages from every radio",
                    where=lambda e: all(_arrived(listen, r, 0.0) for r in RADIOS))
        tag = hosts.tag
    assert leftover_namespaces(tag) == []
