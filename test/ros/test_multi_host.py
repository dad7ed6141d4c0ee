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
import subprocess
import sys
import time

import pytest

from steer_ros.lab.hosts import EventStream, Hosts, discovery_server_command, leftover_namespaces
from steer_ros.ros.domain_lock import host_env

pytestmark = [pytest.mark.ros, pytest.mark.slow]

TOPIC = "/hosts/allocation"
RATE_HZ = 50.0
START_TIMEOUT_S = 30.0
#: Seconds a cable stays pulled in the partition check.
CUT_S = 3.0


def _probe(host, args: list[str], env: dict) -> EventStream:
    proc = host.popen([sys.executable, "-m", "steer_ros.lab.host_probe", *args], env=env,
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return EventStream(proc, f"{host.name}: host_probe {args[0]}")


def _talk_listen(hosts: Hosts, talker: str, listener: str, env: dict) -> tuple[EventStream, EventStream, float]:
    """A talker and a listener on two hosts; returns them and the discovery time (s):
    from the later one's start (both launched at once) to the listener's match."""
    t0 = time.time()
    talk = _probe(hosts[talker], ["talk", "AllocationState", TOPIC, str(RATE_HZ)], env)
    listen = _probe(hosts[listener], ["listen", "AllocationState", TOPIC], env)
    talk.wait(START_TIMEOUT_S, "ready", event="ready")
    listen.wait(START_TIMEOUT_S, "ready", event="ready")
    matched = listen.wait(START_TIMEOUT_S, "the talker", event="matched")
    first = listen.wait(START_TIMEOUT_S, "a message", event="msg")
    started = max(talk.select(event="ready")[0]["t"], listen.select(event="ready")[0]["t"])
    print(json.dumps({"discovery_s": round(matched["t"] - started, 3), "first_message_s": round(first["t"] - t0, 3),
                      "from_launch_s": round(matched["t"] - t0, 3)}))
    return talk, listen, matched["t"] - started


def test_multicast_discovery_across_hosts_and_a_partition(netns, domain_id):
    env = host_env(domain_id)
    with Hosts(["radio1", "radio2"]) as hosts:
        talk, listen, discovery_s = _talk_listen(hosts, "radio1", "radio2", env)
        assert discovery_s < 10.0
        # Pull radio1's cable: nothing arrives after the in-flight messages; plug it back:
        # the same participants carry on (no rediscovery from scratch needed).
        listen.wait(5.0, "messages before the cut", where=lambda e: e["event"] == "msg" and e["msg"]["step"] > 10)
        hosts.cut("radio1")
        t_cut = time.time()
        time.sleep(CUT_S)  # the partition itself: what is checked is that nothing crosses it
        t_back = time.time()
        hosts.reconnect("radio1")
        got_during = listen.select(where=lambda e: e["event"] == "msg" and t_cut + 0.2 < e["t"] < t_back)
        assert got_during == [], f"{len(got_during)} messages crossed a cut cable"
        back = listen.wait(30.0, "a message after the reconnect",
                           where=lambda e: e["event"] == "msg" and e["t"] > t_back)
        print(json.dumps({"partition_s": round(t_back - t_cut, 3), "back_after_s": round(back["t"] - t_back, 3)}))
        tag = hosts.tag
    assert leftover_namespaces(tag) == []


def test_discovery_server_across_hosts(netns, domain_id):
    with Hosts(["coordinator", "radio1", "radio2"]) as hosts:
        server = hosts["coordinator"]
        env = host_env(domain_id, ROS_DISCOVERY_SERVER=f"{server.address}:11811")
        ds = server.popen(discovery_server_command(server.address), env=host_env(domain_id),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # The server prints "Server is running" once it listens.
        lines = []
        for line in ds.stdout:
            lines.append(line)
            if "running" in line.lower():
                break
        assert ds.poll() is None, f"fastdds discovery exited: {''.join(lines)}"
        _, listen, discovery_s = _talk_listen(hosts, "radio1", "radio2", env)
        assert discovery_s < 10.0
        tag = hosts.tag
    assert leftover_namespaces(tag) == []
