"""The cap invariant under failure: sum_k a_k B_k(t) <= C at every instant, whatever
messages are lost, delayed, duplicated or reordered, whoever restarts and whichever
radio is cut off (hypothesis drives a discrete-event model of the coordinator and K
radios with skewed clocks); a radio cut off longer than its silence limit plus a
lease frees its share to the others. The margin is checked at 0: the coordinator's
grants fit the cap exactly in floating point."""

from __future__ import annotations

import contextlib
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
             steps: int = 150, trace: list | None = None, p_partition: float = 0.0) -> tuple[float, int]:
    """Run the model; return (worst margin C - sum a_k B_k over every event, grants accepted).
    p_partition: per step and radio, the chance its cable is cut for 0..8 s (nothing
    crosses either way while it is)."""
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
    cut_until = np.full(k, -math.inf)

    def send(t, kind, payload):
        nonlocal seq
        if rng.random() < loss or cut_until[coord_index(payload.radio)] > t:
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

    def coord_index(name):
        return names.index(name)

    for step in range(steps):
        t = step * dt
        for i in range(k):
            if cut_until[i] < t and rng.random() < p_partition:
                cut_until[i] = t + rng.uniform(0, 8.0)
        while events and events[0][0] <= t:
            te, _, kind, payload = heapq.heappop(events)
            check(te - 1e-9)
            if cut_until[coord_index(payload.radio)] > te:  # cut while in flight
                continue
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
                    if cut_until[i] <= t:
                        coord.on_curve(names[i], c.price, c.budget * (math.nan if bad else 1.0), now=t)
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
       p_restart_coord=st.floats(0, 0.05), p_restart_radio=st.floats(0, 0.02), p_partition=st.floats(0, 0.03))
# A radio restart whose reserve report must not bring its dismissed grants back into
# the count (their headroom had been granted to others): margin -1.85 before the fix.
@example(seed=4, k=4, loss=0.0, max_delay=0.15625, p_restart_coord=0.0, p_restart_radio=0.015625, p_partition=0.0)
def test_cap_holds_at_every_instant(seed, k, loss, max_delay, p_restart_coord, p_restart_radio, p_partition):
    worst, _ = simulate(seed, k, loss, max_delay, p_restart_coord, p_restart_radio, p_partition=p_partition)
    assert worst >= 0.0


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
    worst, accepted = simulate(7, 4, loss=0.2, max_delay=0.3, p_restart_coord=0.01, p_restart_radio=0.005,
                               p_partition=0.01)
    assert worst >= 0 and accepted > 50


def partition_run(seed: int, k: int, delay: float, cut_at: float, cut_s: float, end: float = 30.0) -> dict:
    """A lossless fleet with fixed demand curves: radio1's cable cut at ``cut_at`` for
    ``cut_s``. Messages take ``delay``; rounds every 0.2 s, reports every 0.5 s and
    after each grant. Returns the radios' budgets in force over time and the worst margin."""
    rng = np.random.default_rng(seed)
    cfg = fleet_config(k, cap=40.0, p_max=40.0, reserve=2.0, lease_s=1.0, skew_s=0.1, silence_s=0.7)
    names = [f"radio{i + 1}" for i in range(k)]
    curves = [_curve(rng) for _ in range(k)]
    radios = [RadioLease(n, 2.0, 40.0, cfg.skew_s, boot=-1.0) for n in names]
    coord = Coordinator(cfg, now=0.0, epoch0=1)
    queue: list = []
    seq = 0
    trace = []
    worst = math.inf

    def cut(i, t):
        return i == 0 and cut_at <= t < cut_at + cut_s

    def send(t, kind, i, payload):
        nonlocal seq
        if not cut(i, t):
            seq += 1
            heapq.heappush(queue, (t + delay, seq, kind, i, payload))

    def report(i, t):
        b, e, until = radios[i].in_force(t)
        send(t, "report", i, InForce(names[i], e, b, until + cfg.skew_s if e else -math.inf))
        send(t, "curve", i, curves[i])

    dt = 0.05
    for step in range(int(end / dt)):
        t = step * dt
        while queue and queue[0][0] <= t:
            te, _, kind, i, payload = heapq.heappop(queue)
            if cut(i, te):
                continue
            if kind == "grant":
                radios[i].offer(payload, te)
                report(i, te)
            elif kind == "report":
                coord.on_in_force(payload, te)
            else:
                coord.on_curve(names[i], payload.price, payload.budget, now=te)
        if step % 10 == 0:
            for i in range(k):
                report(i, t)
        if step % 4 == 0:
            for g in coord.grants(t):
                send(t, "grant", coord.index[g.radio], g)
        budgets = np.array([r.budget_at(t) for r in radios])
        worst = min(worst, cfg.cap - sum(float(x) for x in cfg.a * budgets))
        trace.append((t, budgets, coord.held(t)[0]))
    return {"trace": trace, "worst": worst, "cfg": cfg, "desired": coord.desired, "curves": curves}


def _rise(run: dict, cut_at: float, cut_s: float) -> tuple[float, float]:
    """(seconds after the cut until the others' budgets in force rise, by how much at most
    during the cut)."""
    before = next(float(b[1:].sum()) for t, b, _ in run["trace"] if t >= cut_at - 0.05)
    during = [(t, float(b[1:].sum())) for t, b, _ in run["trace"] if cut_at <= t < cut_at + cut_s]
    up = [t for t, s in during if s > before + 1e-9]
    return (up[0] - cut_at if up else math.inf), max(s for _, s in during) - before


def test_a_radio_cut_off_frees_its_share_then_rejoins_from_headroom():
    """radio1 silent 0.7 s, its last lease 1 s: the coordinator counts it at its reserve
    and the others rise within silence + lease + a round + the delay; radio1 rejoins and
    the fleet returns to the plan; the cap holds exactly throughout."""
    cut_at, cut_s = 5.0, 5.0
    run = partition_run(11, 3, delay=0.02, cut_at=cut_at, cut_s=cut_s)
    cfg = run["cfg"]
    assert run["worst"] >= 0.0
    before = next(b for t, b, _ in run["trace"] if t >= cut_at - 0.05)
    assert before[0] > cfg.reserve[0] + 1.0  # radio1 held a real share before the cut
    after_s, by = _rise(run, cut_at, cut_s)
    assert after_s <= cfg.silence_s + cfg.lease_s + 0.2 + 0.5 + 0.1  # + a round, + its last report's age
    assert by >= min(before[0] - cfg.reserve[0], 80.0 - float(before[1:].sum())) * 0.999
    held_lost = [h for t, _, h in run["trace"] if cut_at + cfg.silence_s + cfg.lease_s + 0.6 <= t < cut_at + cut_s]
    assert held_lost and max(held_lost) == cfg.reserve[0]  # counted at its reserve only
    end = run["trace"][-1][1]
    assert np.allclose(end, run["desired"], rtol=1e-6)  # rejoined: back to the plan
    assert end[0] > cfg.reserve[0] + 1.0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), k=st.integers(2, 6), delay=st.floats(0.0, 0.15), cut_s=st.floats(0.1, 6.0))
def test_partitions_keep_the_cap_and_free_the_share(seed, k, delay, cut_s):
    """Any cut: the cap holds exactly at every step; a cut longer than silence + lease +
    a round trip and a round raises the others' budgets in force during it (where
    radio1 held more than its reserve and the others wanted more)."""
    cut_at = 5.0
    run = partition_run(seed, k, delay, cut_at, cut_s, end=cut_at + cut_s + 8.0)
    cfg = run["cfg"]
    assert run["worst"] >= 0.0
    before = next(b for t, b, _ in run["trace"] if t >= cut_at - 0.05)
    if cut_s > cfg.silence_s + cfg.lease_s + 0.5 + 0.2 + 2 * delay + 0.2 and before[0] > cfg.reserve[0] + 1e-6:
        top = [min(max(float(c.budget[0]), cfg.reserve[i]), cfg.p_max[i]) for i, c in enumerate(run["curves"])]
        if sum(top[1:]) > float(before[1:].sum()) + 1e-6:  # the others wanted more
            after_s, by = _rise(run, cut_at, cut_s)
            assert math.isfinite(after_s) and by > 0


def test_a_radio_killed_and_restarted_keeps_the_cap_and_its_numbered_reports_say_what_a_checker_missed():
    """radio2 killed at t = 10 and restarted at t = 12 in a lossless fleet (C = 60,
    reserves 5). The budgets in force keep the cap at every step (a dead radio uses
    nothing); the cap checked on the radios' reports, numbered per start, holds too; and
    a checker that missed the restarted radio's first reports is told the span it
    cannot vouch for (from the restart) instead of reading the killed radio's budget."""
    from steer_ros.lab.faults.cap_invariant import check_cap, missing_reports

    cfg = fleet_config(3, cap=60.0, p_max=40.0, reserve=5.0, lease_s=3.0, skew_s=0.25, silence_s=2.0)
    rng = np.random.default_rng(7)
    curves = [_curve(rng) for _ in range(3)]
    names = ["radio1", "radio2", "radio3"]
    radios = [RadioLease(n, 5.0, 40.0, cfg.skew_s, boot=-1.0) for n in names]
    started, seq, alive = [-1.0] * 3, [0] * 3, [True] * 3
    reports: dict[str, list] = {n: [] for n in names}  # (stamp, budget, started, seq)
    coord = Coordinator(cfg, now=0.0, epoch0=1)
    queue: list = []
    n_sent = 0
    worst = math.inf

    def send(t, kind, i, payload):
        nonlocal n_sent
        n_sent += 1
        heapq.heappush(queue, (t + 0.01, n_sent, kind, i, payload))

    def report(i, t):
        b, e, until = radios[i].in_force(t)
        reports[names[i]].append((t, b, started[i], seq[i]))
        seq[i] += 1
        send(t, "report", i, InForce(names[i], e, b, until + cfg.skew_s if e else -math.inf))
        send(t, "curve", i, curves[i])

    dt = 0.05
    for step in range(int(20.0 / dt)):
        t = step * dt
        if step == int(10.0 / dt):
            alive[1] = False
        if step == int(12.0 / dt):
            alive[1] = True
            radios[1] = RadioLease("radio2", 5.0, 40.0, cfg.skew_s, boot=t)
            started[1], seq[1] = t, 0
            report(1, t)  # a radio reports its reserve as it starts
        while queue and queue[0][0] <= t:
            te, _, kind, i, payload = heapq.heappop(queue)
            if kind == "grant":
                if alive[i]:
                    with contextlib.suppress(GrantRefused):  # before_boot: a grant issued before the restart
                        radios[i].offer(payload, te)
                    report(i, te)
            elif kind == "report":
                coord.on_in_force(payload, te)
            else:
                coord.on_curve(names[i], payload.price, payload.budget, now=te)
        if step % 10 == 0:
            for i in range(3):
                if alive[i]:
                    report(i, t)
        if step % 4 == 0:
            for g in coord.grants(t):
                send(t, "grant", coord.index[g.radio], g)
        in_force = [r.budget_at(t) if alive[i] else 0.0 for i, r in enumerate(radios)]
        worst = min(worst, cfg.cap - sum(in_force))
    assert worst >= 0.0

    def samples(drop=()):
        return {n: [(t, b) for t, b, st, s in v if (n, st, s) not in drop] for n, v in reports.items()}

    def gaps(drop=()):
        return {n: missing_reports([(t, st, s) for t, _, st, s in v if (n, st, s) not in drop])
                for n, v in reports.items()}

    t0 = max(v[0][0] for v in reports.values())
    every = check_cap(samples(), cfg.cap, t0, 20.0, gaps=gaps())
    assert every.held and every.worst_margin >= 0.0 and every.changes > 100
    missed = {("radio2", 12.0, s) for s in range(3)}  # the first three reports of the restarted radio2
    blind = check_cap(samples(missed), cfg.cap, t0, 20.0, gaps=gaps(missed))
    assert not blind.held and not blind.unknown and list(blind.gaps) == ["radio2"]
    assert blind.gaps["radio2"] == [(12.0, reports["radio2"][[s[2:] for s in reports["radio2"]].index((12.0, 3))][0])]
