"""Hosts made of Linux network namespaces, for multi-host tests and drills on one machine.

Each host is a network namespace with its loopback up and one interface ``eth0``, the
end of a veth pair whose other end is a port of one bridge. The bridge lives in a
namespace of its own, so nothing in the machine's own (root) namespace is created or
changed: traffic stays inside the namespaces this module made. Addresses come from
TEST-NET-1 (192.0.2.0/24, RFC 5737: documentation and tests, never routed), on the
hosts' ``eth0`` only; no host has a default route, so a host can reach the other hosts
and nothing else. Each host routes 224.0.0.0/4 through ``eth0`` (DDS discovery, SPDP,
sends to 239.255.0.1) and the bridge floods multicast (snooping off).

A run's names (namespaces ``sr<tag>-<host>``, interfaces ``sr<tag>...``) carry a tag
unique to the run (the creating process's id, 6 hex digits, and 2 random ones), so
parallel runs never collide. :class:`Hosts` is a context manager: leaving it kills
every process still running in its namespaces and deletes them (the veths and the
bridge go with them), also when the block raised. A run killed outright (SIGKILL: no
teardown) leaves its namespaces behind; the next run reaps those whose creating
process is gone (:func:`reap_stale`).

What a host can suffer: ``cut(host)`` / ``reconnect(host)`` take the bridge's end of
its veth down and up again (a cable pulled: the host keeps its address, nothing gets
through in either direction); ``netem(host, ...)`` delays or drops packets on its
``eth0`` with ``tc netem`` where the kernel has it (:func:`netem_missing` says why not).

Needs root and iproute2 (``ip``, ``tc``); :func:`hosts_missing` gives the reason when a
namespace cannot be made here. No ROS import: the processes run in the hosts are the
caller's (see :func:`steer_ros.ros.domain_lock.host_env` for a ROS child's environment).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

#: TEST-NET-1 (RFC 5737): reserved for documentation and tests, routed nowhere.
TEST_SUBNET = "192.0.2.0/24"
#: The hosts' addresses start here in the subnet (.1 .. .9 left for a caller's extras).
FIRST_HOST = 10
#: Multicast (DDS SPDP discovery) goes out on the host's one interface.
MULTICAST_NET = "224.0.0.0/4"
#: The interface of a host, inside its namespace.
HOST_IFACE = "eth0"
#: Seconds a process in a host gets after SIGTERM before teardown kills it.
TERM_GRACE_S = 3.0
#: A prefix that marks every name this module makes (``ip netns list | grep ^sr``).
PREFIX = "sr"


class HostsError(RuntimeError):
    """A namespace, link or qdisc operation failed (message: ``code: detail``)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and r.returncode:
        raise HostsError(f"ip_failed: ip {' '.join(args)}: {r.stderr.strip() or r.stdout.strip()}")
    return r


@functools.lru_cache(maxsize=1)
def hosts_missing() -> str:
    """Why network namespaces cannot be made here ("" when they can)."""
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN (CI runs as root)"
    if shutil.which("ip") is None:
        return "no `ip` command (apt-get install iproute2)"
    probe = f"{PREFIX}{secrets.token_hex(3)}-probe"
    r = _ip("netns", "add", probe, check=False)
    if r.returncode:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return ""


@functools.lru_cache(maxsize=1)
def netem_missing() -> str:
    """Why ``tc netem`` cannot run here ("" when it can): probed on a throwaway
    namespace's loopback, never on the machine's own interfaces."""
    reason = hosts_missing()
    if reason:
        return reason
    if shutil.which("tc") is None:
        return "no `tc` command (apt-get install iproute2)"
    probe = f"{PREFIX}{secrets.token_hex(3)}-netem"
    _ip("netns", "add", probe)
    try:
        r = subprocess.run(["ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "lo", "root", "netem",
                            "delay", "1ms"], capture_output=True, text=True, timeout=30)
        if r.returncode:
            return f"the kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): {r.stderr.strip()}"
        return ""
    finally:
        _ip("netns", "del", probe, check=False)


@dataclass
class Host:
    """One host: its namespace, its address, the bridge port its cable plugs into."""

    name: str
    netns: str
    address: str
    bridge_port: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def argv(self, command: Sequence[str]) -> list[str]:
        """``command`` run inside this host (``ip netns exec``, which execs it: the
        process id is the command's own)."""
        return ["ip", "netns", "exec", self.netns, *command]

    def run(self, command: Sequence[str], env: dict[str, str] | None = None, timeout: float = 60.0,
            check: bool = True) -> subprocess.CompletedProcess:
        """Run ``command`` in this host to its end; output captured."""
        r = subprocess.run(self.argv(command), env=env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode:
            raise HostsError(f"command_failed: {' '.join(command)} in {self.name} exited {r.returncode}: "
                             f"{(r.stderr or r.stdout).strip()[-500:]}")
        return r

    def popen(self, command: Sequence[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
        """Start ``command`` in this host; it is stopped at the latest when the hosts
        are torn down. ``kwargs`` go to :class:`subprocess.Popen` (stdout, stderr, text ...)."""
        proc = subprocess.Popen(self.argv(command), env=env, **kwargs)
        self.processes.append(proc)
        return proc


class Hosts:
    """Hosts ``names`` on one bridge, for the with-block (see the module docstring).

    ``hosts["radio1"]`` is a :class:`Host`; ``hosts.tag`` names the run.
    """

    def __init__(self, names: Sequence[str], subnet: str = TEST_SUBNET, tag: str | None = None):
        if not names:
            raise ValueError("hosts: at least one host name is needed")
        if len(set(names)) != len(names):
            raise ValueError(f"hosts: duplicate host names in {list(names)}")
        net = ipaddress.ip_network(subnet)
        if not net.is_private:  # (TEST-NET-1 counts as private: reserved, never routed)
            raise ValueError(f"hosts: subnet {subnet} is routable; use a test or private range")
        if FIRST_HOST + len(names) >= net.num_addresses - 1:
            raise ValueError(f"hosts: {len(names)} hosts do not fit in {subnet}")
        self.tag = tag or f"{os.getpid() & 0xFFFFFF:06x}{secrets.token_hex(1)}"
        self.subnet = net
        self.bridge_netns = f"{PREFIX}{self.tag}-bridge"
        self.bridge = "br0"
        self.hosts: dict[str, Host] = {}
        for i, name in enumerate(names):
            self.hosts[name] = Host(name=name, netns=f"{PREFIX}{self.tag}-{name}",
                                    address=str(net.network_address + FIRST_HOST + i),
                                    bridge_port=f"{PREFIX}{self.tag}b{i}")
        self._made: list[str] = []  # namespaces made so far, torn down in reverse
        self._netem: set[str] = set()

    # -- the with-block ----------------------------------------------------------------
    def __enter__(self) -> "Hosts":
        reason = hosts_missing()
        if reason:
            raise HostsError(f"no_namespaces: {reason}")
        reap_stale()
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def __iter__(self):
        return iter(self.hosts.values())

    def _add_netns(self, name: str) -> None:
        _ip("netns", "add", name)
        self._made.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _build(self) -> None:
        prefix = self.subnet.prefixlen
        self._add_netns(self.bridge_netns)
        # STP off (no 15 s listening/learning delay); snooping off: multicast floods to every port.
        _ip("-n", self.bridge_netns, "link", "add", self.bridge, "type", "bridge",
            "stp_state", "0", "mcast_snooping", "0")
        _ip("-n", self.bridge_netns, "link", "set", self.bridge, "up")
        for i, host in enumerate(self.hosts.values()):
            self._add_netns(host.netns)
            inner = f"{PREFIX}{self.tag}h{i}"
            # Both ends made inside the bridge namespace, the host's end then moved into the host.
            _ip("-n", self.bridge_netns, "link", "add", host.bridge_port, "type", "veth", "peer", "name", inner)
            _ip("-n", self.bridge_netns, "link", "set", inner, "netns", host.netns)
            _ip("-n", host.netns, "link", "set", inner, "name", HOST_IFACE)
            _ip("-n", host.netns, "addr", "add", f"{host.address}/{prefix}", "dev", HOST_IFACE)
            _ip("-n", host.netns, "link", "set", HOST_IFACE, "multicast", "on", "up")
            _ip("-n", host.netns, "route", "add", MULTICAST_NET, "dev", HOST_IFACE)
            _ip("-n", self.bridge_netns, "link", "set", host.bridge_port, "master", self.bridge)
            _ip("-n", self.bridge_netns, "link", "set", host.bridge_port, "up")

    def close(self) -> None:
        """Stop every process in the hosts, delete the namespaces (idempotent)."""
        for host in self.hosts.values():
            for proc in host.processes:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + TERM_GRACE_S
            for proc in host.processes:
                try:
                    proc.wait(timeout=max(0.05, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        while self._made:
            _delete_netns(self._made.pop())

    # -- faults ------------------------------------------------------------------------
    def cut(self, name: str) -> None:
        """Pull ``name``'s cable: the bridge's end of its veth down (no traffic either way)."""
        _ip("-n", self.bridge_netns, "link", "set", self.hosts[name].bridge_port, "down")

    def reconnect(self, name: str) -> None:
        """Plug ``name``'s cable back in."""
        _ip("-n", self.bridge_netns, "link", "set", self.hosts[name].bridge_port, "up")

    def netem(self, name: str, delay_ms: float = 0.0, loss_pct: float = 0.0, jitter_ms: float = 0.0) -> None:
        """Delay and/or drop the packets ``name`` sends (``tc netem`` on its ``eth0``);
        HostsError ``no_netem`` where the kernel lacks it."""
        reason = netem_missing()
        if reason:
            raise HostsError(f"no_netem: {reason}")
        if not (delay_ms >= 0 and 0 <= loss_pct <= 100 and jitter_ms >= 0):
            raise ValueError(f"netem: delay_ms {delay_ms}, loss_pct {loss_pct}, jitter_ms {jitter_ms} out of range")
        spec = ["delay", f"{delay_ms}ms"] + ([f"{jitter_ms}ms"] if jitter_ms else []) + ["loss", f"{loss_pct}%"]
        verb = "change" if name in self._netem else "add"
        self.hosts[name].run(["tc", "qdisc", verb, "dev", HOST_IFACE, "root", "netem", *spec])
        self._netem.add(name)

    def clear_netem(self, name: str) -> None:
        """Remove ``name``'s netem qdisc (nothing when it has none)."""
        if name in self._netem:
            self.hosts[name].run(["tc", "qdisc", "del", "dev", HOST_IFACE, "root"], check=False)
            self._netem.discard(name)


class EventStream:
    """The JSON lines a process prints (one object a line, e.g. steer_ros.lab.host_probe),
    read by a background thread; lines that are not JSON objects are kept in ``other``."""

    def __init__(self, proc: subprocess.Popen, name: str = ""):
        self.proc = proc
        self.name = name or str(proc.pid)
        self.events: list[dict] = []
        self.other: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            with self._cond:
                if isinstance(event, dict):
                    self.events.append(event)
                else:
                    self.other.append(line.rstrip())
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def select(self, where: Callable[[dict], bool] | None = None, **match) -> list[dict]:
        """The events so far whose fields equal ``match`` (and for which ``where`` holds)."""
        with self._cond:
            return [e for e in self.events
                    if all(e.get(k) == v for k, v in match.items()) and (where is None or where(e))]

    def wait(self, timeout_s: float, what: str = "", where: Callable[[dict], bool] | None = None, **match) -> dict:
        """The first event matching ``match`` and ``where``, waiting up to ``timeout_s``;
        HostsError ``timeout`` naming ``what`` (and the process's last output) otherwise."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                found = [e for e in self.events
                         if all(e.get(k) == v for k, v in match.items()) and (where is None or where(e))]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._thread.is_alive()):
                    tail = " | ".join(self.other[-5:])
                    raise HostsError(f"timeout: {self.name}: no {what or match} within {timeout_s:g} s "
                                     f"(exit {self.proc.poll()}; last output: {tail[-600:]})")
                self._cond.wait(min(left, 0.2))


#: The Fast DDS Discovery Server's default port.
DISCOVERY_SERVER_PORT = 11811


def discovery_server_command(address: str, port: int = DISCOVERY_SERVER_PORT, server_id: int = 0) -> list[str]:
    """``fastdds discovery`` (shipped with the ROS 2 wheels, next to this interpreter)
    listening on ``address:port``; clients reach it with ROS_DISCOVERY_SERVER=address:port."""
    exe = Path(sys.executable).with_name("fastdds")
    if not exe.is_file():
        found = shutil.which("fastdds")
        if found is None:
            raise HostsError("no_fastdds: the fastdds tool is neither next to the interpreter nor on PATH")
        exe = Path(found)
    return [str(exe), "discovery", "-i", str(server_id), "-l", address, "-p", str(port)]


def _delete_netns(netns: str) -> None:
    """Kill what still runs in ``netns`` (a grandchild would keep the namespace, and its
    interfaces, alive after ``ip netns del``), then delete it."""
    for pid in _ip("netns", "pids", netns, check=False).stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    _ip("netns", "del", netns, check=False)


_TAGGED = re.compile(rf"^{PREFIX}([0-9a-f]{{6}})[0-9a-f]{{2}}-")


def reap_stale() -> list[str]:
    """Delete the namespaces of runs whose creating process no longer exists (a run
    killed before its teardown); returns their names."""
    reaped = []
    for netns in leftover_namespaces():
        m = _TAGGED.match(netns)
        if not m:
            continue
        try:
            os.kill(int(m.group(1), 16), 0)
            continue  # the creator (or a process that took its id) is alive: not ours to judge
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        _delete_netns(netns)
        reaped.append(netns)
    return reaped


def leftover_namespaces(tag: str | None = None) -> list[str]:
    """Namespaces named by this module (of run ``tag`` only, if given) that exist now."""
    r = _ip("netns", "list", check=False)
    names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    want = f"{PREFIX}{tag}-" if tag else PREFIX
    return [n for n in names if n.startswith(want)]
