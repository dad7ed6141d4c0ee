"""The cap invariant under failure: sum_k a_k B_k(t) <= C at every instant, whatever
messages are lost, delayed, duplicated or reordered and whoever restarts (hypothesis
drives a discrete-event model of the coordinator and K radios with skewed clocks)."""

from __future__ import annotations

import heapq
import math

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from steer_ros.fleet.config import fleet_config
from steer_ros.fleet.coordinator import Coordinator, InForce
from steer_ros.fleet.demand import DemandCurve, DemandError
from steer_ros.fleet.lease import GrantRefused, RadioLease


def _curve(rng) -> DemandCurve:
    price = np.geomspace(0.01, 2.0, 12) * rng.uniform(0.2, 5.0)
    budget = np.sort(rng.uniform(0.0, 60.0, 12))[::-1]
    return DemandCurve(price, budget)


def simulate(seed: int, k: int, loss: float, max_delay: float, p_restart_coord: float, p_restart_radio: float,
             steps: int = 150, trace: list | None = None) -> tuple[float, int]:
    """Run the model; return (worst margin C - sum a_k B_k over every event, grants accepted)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, k)
    cfg = fleet_config(k, cap=40.0, a=a, p_max=50.0 / a, reserve=rng.uniform(0, 0.9) * 40.0 / (k * a), lease_s=1.0,
                       skew_s=0.1)
    offset = rng.uniform(-cfg.skew_s, cfg.skew_s, k)  # radio clock = true time + offset
    names = [f"radio{i + 1}" for i in range(k)]
    radios = [RadioLease(n, cfg.reserve[i], cfg.p_max[i], cfg.skew_s, boot=offset[i]) for i, n in enumerate(names)]
    coord = Coordinator(cfg, now=0.0, epoch0=1)
    events: list = []  # (true time, seq, kind, payload)
    seq = 0
    worst = math.inf
    accepted = 0
    dt = 0.1

    def send(t, kind, payload):
        nonlocal seq
        if rng.random() < loss:
            return
        for _ in range(2 if rng.random() < 0.1 else 1):  # duplicates
            seq += 1
            heapq.heappush(events, (t + rng.uniform(0, max_delay), seq, kind, payload))

    def check(t):
        nonlocal worst
        total = sum(cfg.a[i] * r.budget_at(t + offset[i]) for i, r in enumerate(radios))
        if cfg.cap - total < worst and cfg.cap - total < 0 and trace is not None:
            trace.append((t, [r.budget_at(t + offset[i]) for i, r in enumerate(radios)],
                          coord.held(t).tolist() if coord else None))
        worst = min(worst, cfg.cap - total)

    for step in range(steps):
        t = step * dt
        while events and events[0][0] <= t:
            te, _, kind, payload = heapq.heappop(events)
            check(te - 1e-9)
            if kind == "grant":
                i = coord.index[payload.radio]
                try:
                    radios[i].offer(payload, te + offset[i])
                    accepted += 1
                except GrantRefused:
                    pass
                b, e, _ = radios[i].in_force(te + offset[i])
                send(te, "report", InForce(payload.radio, e, b, payload.expires if e else -math.inf))
            elif coord is not None:
                coord.on_in_force(payload, te)
            check(te)
        for i in range(k):
            if rng.random() < p_restart_radio:
                radios[i] = RadioLease(names[i], cfg.reserve[i], cfg.p_max[i], cfg.skew_s, boot=t + offset[i])
            b, e, until = radios[i].in_force(t + offset[i])
            if rng.random() < 0.3:
                send(t, "report", InForce(names[i], e, b, radios[i].until + cfg.skew_s - offset[i] if e else -math.inf))
            if coord is not None and rng.random() < 0.2:
                c = _curve(rng)
                bad = rng.random() < 0.1  # a malformed curve: refused, the radio held at its last grant
                try:
                    coord.on_curve(names[i], c.price, c.budget * (math.nan if bad else 1.0))
                except DemandError:
                    assert bad
        if rng.random() < p_restart_coord:
            coord = Coordinator(cfg, now=t, epoch0=int(t * 1e6) + 10)
        if step % 3 == 0:
            for g in coord.grants(t):
                send(t, "grant", g)
        check(t)
        # every lease end is an instant too: check just after each
        for i, r in enumerate(radios):
            if t < r.until - offset[i] <= t + dt:
                check(r.until - offset[i] + 1e-9)
    return worst, accepted


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), k=st.integers(1, 6), loss=st.floats(0, 0.6), max_delay=st.floats(0, 2.5),
       p_restart_coord=st.floats(0, 0.05), p_restart_radio=st.floats(0, 0.02))
# A radio restart whose reserve report must not bring its dismissed grants back into
# the count (their headroom had been granted to others): margin -1.85 before the fix.
@example(seed=4, k=4, loss=0.0, max_delay=0.15625, p_restart_coord=0.0, p_restart_radio=0.015625)
def test_cap_holds_at_every_instant(seed, k, loss, max_delay, p_restart_coord, p_restart_radio):
    worst, _ = simulate(seed, k, loss, max_delay, p_restart_coord, p_restart_radio)
    assert worst >= -1e-9 * 40.0


def test_the_fleet_uses_the_cap_when_the_network_is_good():
    """Leases must not be so cautious that nothing is granted: with no loss the grants
    flow and the fleet spends most of its cap."""
    rng = np.random.default_rng(5)
    k = 4
    cfg = fleet_config(k, cap=40.0, p_max=50.0, reserve=1.0, lease_s=1.0, skew_s=0.1)
    coord = Coordinator(cfg, now=0.0, epoch0=1)
    radios = [RadioLease(f"radio{i + 1}", 1.0, 50.0, 0.1, boot=-1.0) for i in range(k)]
    for i in range(k):
        c = _curve(rng)
        coord.on_curve(f"radio{i + 1}", c.price, c.budget * 2)
    for step in range(10):
        t = 0.2 * step
        for i, g in enumerate(coord.grants(t)):
            radios[i].offer(g, t)
            b, e, _ = radios[i].in_force(t)
            coord.on_in_force(InForce(g.radio, e, b, g.expires), t)
    used = sum(r.budget_at(1.9) for r in radios)
    assert 0.99 * 40.0 <= used <= 40.0
    assert np.allclose([r.budget_at(1.9) for r in radios], coord.desired)


def test_simulation_accepts_grants_under_moderate_failure():
    worst, accepted = simulate(7, 4, loss=0.2, max_delay=0.3, p_restart_coord=0.01, p_restart_radio=0.005)
    assert worst >= 0 and accepted > 50
