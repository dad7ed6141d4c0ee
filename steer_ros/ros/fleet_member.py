"""The radio's side of the fleet, attached to the optimizer node when its parameter
``fleet`` is true (docs/fleet.md). A radio not in a fleet never creates one, and its
optimizer behaves exactly as without a fleet.

It receives grants on fleet/grant (checked by :class:`steer_ros.fleet.lease.RadioLease`:
refusals counted in /diagnostics as ``refused_grants`` with the code), holds System 1's
budget at min(the navigator's budget, the grant in force or the reserve) and checks the
lease at FLEET_LEASE_CHECK_HZ, before every System 1 step and before every report, so
the budget falls to the reserve within one check of the lease's end (the skew margin
covers that period too), no step runs on a lease that has run out however late a timer
fires, and no report names a budget above the lease in force. It publishes the budget in
force (fleet/budget_in_force, stamped) on every change and with each demand curve
(fleet/demand), at FLEET_DEMAND_HZ and right after a change of channels or command;
each report carries the radio's start time and its number since then (``started``,
``seq``), and the topic keeps the newest FLEET_IN_FORCE_HISTORY for late readers, so
whoever checks the cap on these reports receives every one, or sees which it missed.
DDS deadline / liveliness events on the grant topic are reported as ``coordinator_lost``.
"""

from __future__ import annotations

import math

import numpy as np
from builtin_interfaces.msg import Time
from rclpy.event_handler import SubscriptionEventCallbacks

from steer_ros import defaults
from steer_ros.fleet.demand import demand_curve
from steer_ros.fleet.lease import Grant, GrantRefused, RadioLease
from steer_ros.msg import BudgetGrant, BudgetInForce, DemandCurve
from steer_ros.ros import topics
from steer_ros.ros.parameters import Param

__all__ = ["FLEET_PARAMS", "FleetMember", "stamp_s", "time_msg"]

FLEET_PARAMS = [
    Param("fleet", False, "Take part in a fleet: hold the budget to the coordinator's grant (docs/fleet.md).",
          read_only=True),
    Param("fleet_radio", "", "This radio's name in the fleet (empty: its namespace, e.g. radio3).", read_only=True),
    Param("fleet_reserve", defaults.FLEET_CAP * defaults.FLEET_RESERVE_FRACTION / defaults.FLEET_RADIOS,
          "Budget used without a valid grant (R_k; the coordinator's reserves must match).", min=0.0,
          read_only=True),
    Param("fleet_p_max", defaults.P_MAX, "This radio's box top: a larger grant is refused.", min=1e-9,
          read_only=True),
    Param("fleet_lease_max_s", 10.0 * defaults.FLEET_LEASE_S, "Longest lease accepted in a grant, seconds.",
          min=0.01, read_only=True),
    Param("fleet_skew_s", defaults.FLEET_SKEW_S, "Clock skew margin taken off every lease, seconds.", min=0.0,
          read_only=True),
    Param("fleet_demand_hz", defaults.FLEET_DEMAND_HZ, "Demand curve publish rate.", min=0.01, max=100.0,
          read_only=True),
]


def stamp_s(t) -> float:
    return float(t.sec) + 1e-9 * float(t.nanosec)


def time_msg(seconds: float) -> Time:
    if not math.isfinite(seconds) or seconds <= 0:
        return Time()
    sec = int(math.floor(seconds))
    return Time(sec=sec, nanosec=min(int(round((seconds - sec) * 1e9)), 999_999_999))


class FleetMember:
    """The fleet hook of one optimizer node. ``node`` provides ``system1``,
    ``state_lock``, ``diagnostics``, ``params`` and ``set_budget_cap(cap)``."""

    def __init__(self, node):
        self.node = node
        v = node.params.values
        self.name = v.fleet_radio or node.get_namespace().strip("/") or "radio1"
        self.started = node.get_clock().now().to_msg()
        self.lease = RadioLease(self.name, v.fleet_reserve, v.fleet_p_max, v.fleet_skew_s, boot=stamp_s(self.started),
                                max_lease_s=v.fleet_lease_max_s)
        self.reports = 0  # budget_in_force reports published since the start (the next one's seq)
        self.applied = math.nan
        self.last_refusal = ""
        self.grants_accepted = 0
        self.curves_published = 0
        self._dirty = True
        self._last_curve = -math.inf
        qos = topics.fleet_qos(defaults.FLEET_PEER_DEADLINE_S)
        events = SubscriptionEventCallbacks(deadline=self._on_silent, liveliness=self._on_liveliness)
        node.create_subscription(BudgetGrant, topics.FLEET_GRANT, self.on_grant, qos, event_callbacks=events)
        self.demand_pub = node.create_publisher(DemandCurve, topics.FLEET_DEMAND, qos)
        self.in_force_pub = node.create_publisher(BudgetInForce, topics.FLEET_IN_FORCE,
                                                  topics.fleet_in_force_qos(defaults.FLEET_PEER_DEADLINE_S))
        node.create_timer(1.0 / defaults.FLEET_LEASE_CHECK_HZ, self.check)
        node.create_timer(1.0 / v.fleet_demand_hz, self.publish_demand)
        node.create_timer(0.05, self._publish_if_dirty)

    def _now(self) -> float:
        return self.node.get_clock().now().nanoseconds * 1e-9

    @property
    def cap(self) -> float:
        """The budget the radio may use now: the grant while its lease lasts, else the reserve."""
        return self.lease.budget_at(self._now())

    # -- grants -----------------------------------------------------------------------
    def on_grant(self, msg: BudgetGrant) -> None:
        grant = Grant(msg.radio, int(msg.epoch), float(msg.budget), float(msg.lease_s), stamp_s(msg.header.stamp),
                      stamp_s(msg.expires))
        with self.node.state_lock:  # the lease changes only with System 1's state held
            try:
                self.lease.offer(grant, self._now())
            except GrantRefused as exc:
                self.last_refusal = str(exc)
                self.node.diagnostics.reject("refused_grants", str(exc), "refused fleet/grant")
                self.publish_in_force()
                return
            self.grants_accepted += 1
            self.node.diagnostics.clear("coordinator_lost")
            self.check(force=True)

    def apply(self, now: float | None = None) -> bool:
        """Hold System 1 to the budget in force at ``now`` (default: now; a lease that ran
        out drops to the reserve here); True when it changed. Under the node's state
        lock, so no step runs between the lease's verdict and System 1's budget."""
        with self.node.state_lock:
            cap = self.lease.budget_at(self._now() if now is None else now)
            if cap == self.applied:
                return False
            self.node.set_budget_cap(cap)
            self.applied = cap
            return True

    def check(self, force: bool = False) -> None:
        """Apply the budget in force and report it when it changed (or ``force``)."""
        with self.node.state_lock:
            if self.apply() or force:
                self.publish_in_force()

    def _on_silent(self, event) -> None:
        self.node.diagnostics.problem("coordinator_lost", f"no grant for {defaults.FLEET_PEER_DEADLINE_S:g} s "
                                      f"(DDS deadline missed {event.total_count} times); on the lease in force, "
                                      "then the reserve")

    def _on_liveliness(self, event) -> None:
        if event.alive_count == 0:
            self.node.diagnostics.problem("coordinator_lost", "the coordinator's liveliness was lost")

    # -- reports ----------------------------------------------------------------------
    def input_changed(self) -> None:
        """Channels or command changed: publish a new curve soon (at most every 50 ms)."""
        self._dirty = True

    def _publish_if_dirty(self) -> None:
        if self._dirty:
            self.publish_demand()

    def publish_in_force(self) -> None:
        """Report one fact: the grant (epoch, granted) System 1 is held to and System 1's
        budget, both as of one instant under the state lock, stamped after that budget
        took force (no step runs in between). The coordinator counts the epoch as in
        force from this report on; a checker counts the budget from its stamp on."""
        with self.node.state_lock:
            now = self._now()
            self.apply(now)  # the budget reported is System 1's, held to the lease first
            granted, epoch, until = self.lease.in_force(now)
            s1 = self.node.system1
            msg = BudgetInForce()
            msg.header.stamp = self.node.get_clock().now().to_msg()
            msg.radio = self.name
            msg.epoch = int(epoch)
            msg.granted = float(granted)
            msg.budget = float(s1.p_total) if s1 is not None else float(min(granted, self.node.requested_budget()))
            msg.expires = time_msg(until + self.lease.skew_s if epoch else math.nan)
            msg.on_reserve = epoch == 0
            msg.grants_refused = sum(self.lease.refused.values())
            msg.last_refusal = self.last_refusal
            msg.started = self.started
            msg.seq = self.reports
            self.reports += 1
            self.in_force_pub.publish(msg)

    def publish_demand(self) -> None:
        node = self.node
        with node.state_lock:
            s1 = node.system1
            if s1 is None:
                return
            gain, noise_var, weights, goal = s1.gain, s1.noise_var, s1.weights, s1.goal_as_goal()
            top = min(node.requested_budget(), self.lease.p_max)
            p_total, multiplier, sum_mi = s1.p_total, s1.multiplier, float(np.sum(s1.mi()))
        self._dirty = False
        try:
            # System 1's multiplier is for weights summing to 1; the curve's prices are
            # for weights of mean 1 (sum MI at equal weights): N times larger.
            curve = demand_curve(gain, noise_var, weights, budget_max=top, goal=goal,
                                 constellation=node.params.values.constellation, center=multiplier * gain.shape[0])
        except ValueError as exc:
            node.diagnostics.problem("demand_curve", f"no demand curve: {exc}")
            return
        msg = DemandCurve()
        msg.header.stamp = node.get_clock().now().to_msg()
        msg.radio = self.name
        msg.price = curve.price.tolist()
        msg.budget = curve.budget.tolist()
        msg.curve_sum_mi = [] if curve.sum_mi is None else curve.sum_mi.tolist()
        msg.shadow_price = float(multiplier * gain.shape[0]) if math.isfinite(multiplier) else math.nan
        msg.budget_in_force = float(p_total)
        msg.sum_mi = sum_mi
        self.demand_pub.publish(msg)
        self.curves_published += 1
        self.publish_in_force()

    def diag_values(self) -> dict:
        granted, epoch, _ = self.lease.in_force(self._now())
        return {"fleet_radio": self.name, "fleet_granted": granted, "fleet_epoch": epoch,
                "fleet_on_reserve": epoch == 0, "fleet_grants_accepted": self.grants_accepted,
                "fleet_curves_published": self.curves_published}
