"""The hosts harness (steer_ros.lab.hosts): network namespaces on one bridge, without ROS.

Checked with plain UDP sockets: unicast and multicast between hosts, nothing to the
outside, a cut cable stops traffic both ways and reconnecting restores it, and the
teardown leaves no namespace, also after an exception. Skipped with the reason where
namespaces cannot be made (not root, no iproute2) unless STEER_REQUIRE_NETNS=1 (CI).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from steer_ros.lab.hosts import HOST_IFACE, Hosts, HostsError, leftover_namespaces, netem_missing, reap_stale
from steer_ros.ros.domain_lock import host_env, isolated_env

# A receiver on UDP 7400, joined to DDS's SPDP multicast group: prints what it got
# ("none" after the timeout); "bound" once it listens.
RECV = r"""
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 7400))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton("239.255.0.1"), socket.inet_aton("0.0.0.0")))
s.settimeout(float(sys.argv[1]))
print("bound", flush=True)
try:
    data, src = s.recvfrom(100)
    print(data.decode(), src[0], flush=True)
except OSError:
    print("none", flush=True)
"""
# Sends one datagram to argv[1]:7400 every 20 ms, 15 times.
SEND = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(15):
    s.sendto(b"hello", (sys.argv[1], 7400))
    time.sleep(0.02)
"""


def _exchange(hosts: Hosts, sender: str, receiver: str, destination: str, timeout_s: float = 3.0) -> str:
    """What ``receiver`` got from ``sender`` sending to ``destination`` ("none": nothing)."""
    recv = hosts[receiver].popen([sys.executable, "-c", RECV, str(timeout_s)], stdout=subprocess.PIPE, text=True)
    assert recv.stdout.readline().strip() == "bound"
    hosts[sender].run([sys.executable, "-c", SEND, destination], check=False)
    out = recv.stdout.read().strip()
    recv.wait(timeout=timeout_s + 5)
    return out


@pytest.mark.slow  # (about 6 s: eight exchanges, each a python start and up to 1 s of waiting)
def test_hosts_talk_unicast_and_multicast_and_a_cut_cable_stops_both(netns):
    with Hosts(["a", "b"]) as hosts:
        a, b = hosts["a"], hosts["b"]
        assert a.address != b.address and a.address.startswith("192.0.2.")
        assert set(leftover_namespaces(hosts.tag)) == {a.netns, b.netns, hosts.bridge_netns}
        routes = a.run(["ip", "route"]).stdout
        assert "224.0.0.0/4 dev eth0" in routes and "default" not in routes
        assert f"{a.address}/24" in a.run(["ip", "-br", "addr", "show", HOST_IFACE]).stdout
        assert _exchange(hosts, "a", "b", b.address) == f"hello {a.address}"
        assert _exchange(hosts, "a", "b", "239.255.0.1") == f"hello {a.address}"
        hosts.cut("a")
        assert _exchange(hosts, "a", "b", "239.255.0.1", timeout_s=1.0) == "none"
        assert _exchange(hosts, "b", "a", a.address, timeout_s=1.0) == "none"
        hosts.reconnect("a")
        assert _exchange(hosts, "b", "a", "239.255.0.1") == f"hello {b.address}"
        # Nothing leaves the hosts' network: no route to anywhere else.
        out = a.run([sys.executable, "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                     ".sendto(b'x', ('198.51.100.1', 9))"], check=False)
        assert "Network is unreachable" in out.stderr
    assert leftover_namespaces(hosts.tag) == []


def test_teardown_after_an_exception_kills_the_hosts_processes(netns):
    with pytest.raises(RuntimeError, match="boom"):
        with Hosts(["a"]) as hosts:
            sleeper = hosts["a"].popen(["sleep", "600"])
            raise RuntimeError("boom")
    assert sleeper.poll() is not None
    assert leftover_namespaces(hosts.tag) == []


def test_a_run_killed_before_its_teardown_is_reaped_by_the_next(netns):
    # A child makes hosts and is killed with SIGKILL inside the block: no teardown runs.
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom steer_ros.lab.hosts import Hosts\n"
                              "h = Hosts(['a']).__enter__()\nprint(h.tag, flush=True)\ntime.sleep(600)"],
                             stdout=subprocess.PIPE, text=True)
    tag = child.stdout.readline().strip()
    assert len(leftover_namespaces(tag)) == 2
    child.kill()
    child.wait(timeout=10)
    reaped = reap_stale()
    assert sorted(reaped) == sorted(f"sr{tag}-{h}" for h in ("a", "bridge")) and leftover_namespaces(tag) == []


def test_two_runs_at_once_do_not_collide(netns):
    with Hosts(["a"]) as one, Hosts(["a"]) as two:
        assert one.tag != two.tag and one["a"].netns != two["a"].netns
        # Same addresses, separate bridges: each run's hosts see only their own.
        assert one["a"].address == two["a"].address
    assert leftover_namespaces(one.tag) == leftover_namespaces(two.tag) == []


def test_netem_applies_or_says_why_not(netns):
    with Hosts(["a"]) as hosts:
        reason = netem_missing()
        if reason:
            with pytest.raises(HostsError, match="no_netem: "):
                hosts.netem("a", delay_ms=50)
        else:
            hosts.netem("a", delay_ms=50, loss_pct=10)
            assert "netem" in hosts["a"].run(["tc", "qdisc", "show", "dev", HOST_IFACE]).stdout
            hosts.clear_netem("a")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        Hosts(["a", "a"])
    with pytest.raises(ValueError, match="routable"):
        Hosts(["a"], subnet="8.8.8.0/24")


def test_host_env_does_not_confine_discovery_to_localhost():
    base = {"ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "ROS_STATIC_PEERS": "10.0.0.1", "PATH": "/bin"}
    env = host_env(150, base=base)
    assert isolated_env(150, base=base)["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "SUBNET" and "ROS_STATIC_PEERS" not in env
    assert env["ROS_DOMAIN_ID"] == "150" and env["FASTDDS_BUILTIN_TRANSPORTS"] == "UDPv4" and env["PATH"] == "/bin"
