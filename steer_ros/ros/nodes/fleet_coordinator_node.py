"""fleet_coordinator: grants each radio of a fleet its budget by price (docs/fleet.md).

Subscribes to every radio's fleet/demand and fleet/budget_in_force (/radio1 ...
/radioK), solves for the fleet price mu with sum_k a_k D_k(mu) = C
(:mod:`steer_ros.fleet.solve`) and publishes a lease on each radio's fleet/grant every
lease_s x FLEET_RENEW_FRACTION and right after a new curve (at most grant_max_hz).
The bookkeeping (:class:`steer_ros.fleet.coordinator.Coordinator`) keeps sum_k a_k B_k
<= C at every instant: increases only from headroom, and after a (re)start it learns
what every radio holds, or waits one lease, before it grants any increase.

A configuration whose reserves exceed the cap is refused at start-up; a malformed
demand curve is refused (``refused_curves`` in /diagnostics, with its reason code) and
that radio held at its last grant or reserve; a radio whose topics miss their DDS
deadline or lose liveliness is reported in /diagnostics (``lost_radios``).

fleet/command (std_msgs/String, JSON, latched; :mod:`steer_ros.fleet.directive`) sets
the priorities, boxes, radios off, rate floors and cap in force: it only narrows the
configuration; a malformed or stale one is refused (``refused_commands``) and the one
in force stays.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
from rclpy.event_handler import SubscriptionEventCallbacks
from rclpy.node import Node
from std_msgs.msg import String

from steer_ros import defaults
from steer_ros.fleet.config import fleet_config, radio_names
from steer_ros.fleet.coordinator import Coordinator, InForce
from steer_ros.fleet.demand import DemandError
from steer_ros.fleet.directive import DirectiveError, limits_from_json
from steer_ros.msg import BudgetGrant, BudgetInForce, DemandCurve
from steer_ros.ros import topics
from steer_ros.ros.diagnostics import WARN, DiagnosticsReporter
from steer_ros.ros.fleet_member import stamp_s, time_msg
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet

PARAMS = [
    Param("radios", defaults.FLEET_RADIOS, "Radios in the fleet: namespaces radio1 .. radioK.", min=1, max=4096,
          read_only=True),
    Param("cap", defaults.FLEET_CAP, "C: the cap on sum_k a_k P_k.", min=1e-9, read_only=True),
    Param("a", [], "a_k per radio (one value = all; empty = 1): 1 for a shared supply, the path gain to a "
          "protected receiver for an interference cap.", kind="float_list", min=1e-12, read_only=True),
    Param("rho", [], "Fleet priorities rho_k (one value = all; empty = 1).", kind="float_list", min=1e-12,
          read_only=True),
    Param("p_min", [], "Budget box floors Pmin_k (empty = 0).", kind="float_list", min=0.0, read_only=True),
    Param("p_max", [], "Budget box tops Pmax_k (empty = P_MAX).", kind="float_list", min=0.0, read_only=True),
    Param("reserve", [], "Reserves R_k each radio falls back to without a lease (empty = "
          "FLEET_RESERVE_FRACTION x C / K); sum_k a_k R_k <= C or the node refuses to start.",
          kind="float_list", min=0.0, read_only=True),
    Param("lease_s", defaults.FLEET_LEASE_S, "Lease of every grant, seconds.", min=0.01, max=3600.0,
          read_only=True),
    Param("skew_s", defaults.FLEET_SKEW_S, "Clock skew margin (the radios take it off each lease).", min=0.0,
          read_only=True),
    Param("grant_max_hz", 20.0, "Most grant rounds per second (a new curve triggers one).", min=0.1, max=1000.0,
          read_only=True),
]


class FleetCoordinatorNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("fleet_coordinator", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        k = int(v.radios)

        def arr(values, default):
            return default if not values else values

        self.config = fleet_config(k, v.cap, a=arr(v.a, 1.0), rho=arr(v.rho, 1.0), p_min=arr(v.p_min, 0.0),
                                   p_max=arr(v.p_max, defaults.P_MAX), reserve=arr(v.reserve, None),
                                   lease_s=v.lease_s, skew_s=v.skew_s)
        self.names = radio_names(k)
        now = self._now()
        self.lock = threading.Lock()
        self.core = Coordinator(self.config, now, epoch0=int(time.time() * 1e6), names=self.names)
        self.rounds = 0
        self.grants_sent = 0
        self.solve_ms = math.nan
        self.lost: set[str] = set()
        self._last_round = -math.inf
        self._pending = False
        qos = topics.fleet_qos(defaults.FLEET_PEER_DEADLINE_S)
        self.grant_pubs = {}
        for name in self.names:
            events = SubscriptionEventCallbacks(deadline=lambda e, n=name: self._on_lost(n, "deadline"),
                                                liveliness=lambda e, n=name: self._on_liveliness(n, e))
            self.create_subscription(DemandCurve, topics.fleet_topic(name, topics.FLEET_DEMAND),
                                     lambda m, n=name: self.on_curve(n, m), qos, event_callbacks=events)
            self.create_subscription(BudgetInForce, topics.fleet_topic(name, topics.FLEET_IN_FORCE),
                                     lambda m, n=name: self.on_in_force(n, m), qos)
            self.grant_pubs[name] = self.create_publisher(BudgetGrant, topics.fleet_topic(name, topics.FLEET_GRANT),
                                                          qos)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.create_subscription(String, topics.FLEET_COMMAND, self.on_command, topics.LATCHED_COMMAND_QOS)
        # Renew well inside the lease, and often enough that the radios' DDS deadline on
        # fleet/grant (one value on both sides: a reader asking for a shorter deadline
        # than the writer offers would not match at all) never fires while we are alive.
        self.create_timer(min(v.lease_s * defaults.FLEET_RENEW_FRACTION, defaults.FLEET_PEER_DEADLINE_S / 2),
                          self.round)
        self.create_timer(1.0 / v.grant_max_hz, self._round_if_pending)
        self.get_logger().info(f"coordinating {k} radios, cap {v.cap:g}, lease {v.lease_s:g} s")

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    # -- inputs -----------------------------------------------------------------------
    def on_curve(self, name: str, msg: DemandCurve) -> None:
        if msg.radio and msg.radio != name:
            self.diagnostics.reject("refused_curves", f"wrong_radio: {msg.radio!r} published on {name}'s topic",
                                    "refused fleet/demand")
            return
        with self.lock:
            try:
                self.core.on_curve(name, np.asarray(msg.price), np.asarray(msg.budget), np.asarray(msg.curve_sum_mi))
            except DemandError as exc:
                self.diagnostics.reject("refused_curves", f"{name}: {exc}", "refused fleet/demand")
                return
        self._lost_back(name)
        self._pending = True

    def on_command(self, msg: String) -> None:
        with self.lock:
            try:
                limits = limits_from_json(msg.data, self.config.k, self.core.limits.epoch)
            except DirectiveError as exc:
                self.diagnostics.reject("refused_commands", str(exc), "refused fleet/command")
                return
            self.core.set_limits(limits)
        self.diagnostics.clear("refused_commands")
        self.get_logger().info(f"fleet command {limits.epoch} in force")
        self._pending = True

    def on_in_force(self, name: str, msg: BudgetInForce) -> None:
        expires = stamp_s(msg.expires) if msg.epoch else -math.inf
        with self.lock:
            self.core.on_in_force(InForce(name, int(msg.epoch), float(msg.granted), expires), self._now())
        self._lost_back(name)

    def _on_lost(self, name: str, why: str) -> None:
        self.lost.add(name)
        self.diagnostics.problem("lost_radios", f"no word from {', '.join(sorted(self.lost))} ({why}); "
                                 "held at their leases, then their reserves", WARN)

    def _on_liveliness(self, name: str, event) -> None:
        if event.not_alive_count_change > 0 and event.alive_count == 0:
            self._on_lost(name, "liveliness lost")

    def _lost_back(self, name: str) -> None:
        if name in self.lost:
            self.lost.discard(name)
            if self.lost:
                self.diagnostics.problem("lost_radios", f"no word from {', '.join(sorted(self.lost))}", WARN)
            else:
                self.diagnostics.clear("lost_radios")

    # -- grants -----------------------------------------------------------------------
    def _round_if_pending(self) -> None:
        if self._pending:
            self.round()

    def round(self) -> None:
        self._pending = False
        now_msg = self.get_clock().now()
        now = now_msg.nanoseconds * 1e-9
        with self.lock:
            t0 = time.perf_counter()
            grants = self.core.grants(now)
            self.solve_ms = (time.perf_counter() - t0) * 1e3
            mu = self.core.mu
        for g in grants:
            msg = BudgetGrant()
            msg.header.stamp = now_msg.to_msg()
            msg.radio = g.radio
            msg.epoch = int(g.epoch)
            msg.budget = float(g.budget)
            msg.lease_s = float(g.lease_s)
            msg.expires = time_msg(g.expires)
            msg.price = float(mu) if math.isfinite(mu) else math.nan
            self.grant_pubs[g.radio].publish(msg)
        self.rounds += 1
        self.grants_sent += len(grants)

    def _diag_values(self) -> dict:
        with self.lock:
            held = self.core.held(self._now())
            desired = self.core.desired
            refused = dict(self.core.refused_curves)
            valid = sum(r.curve is not None for r in self.core.radios)
        return {
            "radios": self.config.k, "cap": self.config.cap, "price_mu": self.core.mu,
            "held_sum": float(np.dot(self.config.a, held)), "planned_sum": float(np.dot(self.config.a, desired)),
            "curves_valid": valid, "rounds": self.rounds, "grants_sent": self.grants_sent,
            "solve_ms": self.solve_ms, "foreign_epochs": self.core.foreign_epochs,
            "directive_epoch": self.core.limits.epoch, "rate_floors_cut": self.core.floors_cut,
            "reserve_mismatch": ",".join(sorted(self.core.reserve_mismatch)),
            **{f"refused_curves_{code}": n for code, n in refused.items()},
        }


def main(args=None) -> int:
    return run_node(FleetCoordinatorNode, args)
