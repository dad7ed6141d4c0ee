"""System1Runner: the optimizer node's logic without ROS (pending inputs, bounds,
burst, restart, certified-optimum cache)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.runner import RunnerConfig, System1Runner

GAIN = defaults.design_gains(8)
NOISE = np.ones(8)


class Recorder:
    def __init__(self):
        self.events = []

    def problem(self, key, text, level=1, log=True):
        self.events.append(("problem", key, text))

    def reject(self, counter, text, context="", level=2):
        self.events.append(("reject", counter, text))

    def clear(self, key):
        self.events.append(("clear", key))

    def keys(self, kind):
        return [e[1] for e in self.events if e[0] == kind]


def command(weights=None, p_total=math.nan, goal=None, backend="test"):
    return SimpleNamespace(weights=np.full(8, 1 / 8) if weights is None else np.asarray(weights, float),
                           p_total=p_total, goal=goal or Goal(), backend=backend, status_detail="ok: test")


def runner(bound=None, **config):
    rec = Recorder()
    return System1Runner(RunnerConfig(**config), bound=bound, reporter=rec), rec


def test_first_channels_start_system1_and_a_repeated_state_is_no_event():
    r, rec = runner(p_total=1e9, p_max=40.0)
    assert r.system1 is None and r.offer_channels(GAIN, NOISE)
    assert r.apply_pending() and r.system1.n == 8
    assert r.system1.p_total == 40.0  # the initial budget is clamped to [p_min, p_max]
    assert "waiting" in rec.keys("clear")
    assert not r.offer_channels(GAIN.copy(), NOISE.copy())
    assert not r.apply_pending()


def test_a_command_goes_through_bound_and_a_rejected_one_changes_nothing():
    seen = []

    def bound(cmd, n, p):
        seen.append((n, p))
        if cmd.backend == "stranger":
            return "rejected", SimpleNamespace(status_detail="wrong_length: expected 8 weights, got 3")
        return "ok", cmd

    r, rec = runner(bound=bound)
    r.offer_channels(GAIN, NOISE)
    r.apply_pending()
    r.offer_command(command(np.arange(1, 9), 30.0))
    r.apply_pending()
    w = r.system1.weights
    np.testing.assert_allclose(w, np.arange(1, 9) / 36)
    assert seen == [(8, defaults.P_TOTAL)] and r.system1.p_total == 30.0
    r.offer_command(command(np.ones(3), 5.0, backend="stranger"))
    r.apply_pending()
    np.testing.assert_array_equal(r.system1.weights, w)
    assert r.system1.p_total == 30.0 and rec.keys("reject") == ["rejected_commands"]


def test_the_burst_converges_and_counts_its_steps():
    r, _ = runner(event_burst_steps=64)
    r.offer_channels(GAIN, NOISE)
    r.apply_pending()
    r.offer_command(command(np.arange(1, 9), 40.0))
    r.apply_pending()
    taken = r.burst()
    assert 1 <= taken < 64 and r.event_steps == taken  # settled before the limit
    assert r.gap(r.system1.weighted_mi()) < 1e-6
    assert r.feasibility_violations == 0


def test_a_failing_step_restarts_system1_with_the_same_command_and_count():
    r, rec = runner()
    r.offer_channels(GAIN, NOISE)
    r.apply_pending()
    goal = Goal(Objective.MAX_MIN, mi_floor=np.r_[0.5, np.zeros(7)])
    r.offer_command(command(p_total=30.0, goal=goal))
    r.apply_pending()
    r.run(5)
    old = r.system1

    def boom():
        raise FloatingPointError("injected")

    old.step = boom
    r.run(3)
    assert r.system1 is not old and r.restarts == 1
    assert r.system1.step_count == 5 and r.system1.p_total == 30.0
    assert r.system1.objective == Objective.MAX_MIN
    assert rec.keys("reject") == ["step_failures"]
    r.run(20)
    assert r.system1.goals_met and r.system1.step_count == 25


def test_the_certified_optimum_is_cached_until_the_command_changes():
    r, _ = runner()
    r.offer_channels(GAIN, NOISE)
    r.apply_pending()
    first = r.optimum()
    r.run(3)
    assert r.optimum() is first  # steps do not change the problem
    r.offer_command(command(np.arange(1, 9), 20.0))
    r.apply_pending()
    assert r.optimum() is not first
    r.compute_gap = False
    assert math.isnan(r.gap(0.0))


def _converge(r, steps=60):
    for _ in range(steps):
        r.run(1)
        a = r.assess(r.system1.weighted_mi())
    return a


def test_status_transient_converged_disturbed_converged():
    from steer_ros.system1.status import AllocationStatus as S

    r, _ = runner(event_burst_steps=0)
    r.offer_channels(GAIN, NOISE)
    r.apply_pending()
    assert r.assess(r.system1.weighted_mi()).status == S.TRANSIENT  # equal power, not yet optimal
    a = _converge(r)
    assert a.status == S.CONVERGED and a.gap < 1e-9
    assert a.shadow_price == pytest.approx(r.optimum().multiplier) and a.least_budget == 0.0
    r.offer_channels(GAIN[::-1].copy(), NOISE)  # a fade: the channels move the optimum
    r.apply_pending()
    r.run(1)
    assert r.assess(r.system1.weighted_mi()).status == S.DISTURBED
    assert _converge(r).status == S.CONVERGED
    r.offer_command(command(np.arange(1, 9), 40.0))  # a new command: transient, not disturbed
    r.apply_pending()
    r.run(1)
    assert r.assess(r.system1.weighted_mi()).status == S.TRANSIENT


def test_status_infeasible_reports_the_least_budget_and_an_escalation_clears_it():
    from steer_ros.system1.goal_optimum import floor_power
    from steer_ros.system1.status import AllocationStatus as S

    r, _ = runner()
    r.offer_channels(GAIN, NOISE)
    r.apply_pending()
    floors = np.full(8, 1.6)
    need = float(np.sum(floor_power(floors, GAIN, NOISE)))
    r.offer_command(command(p_total=0.8 * need, goal=Goal(mi_floor=floors)))
    r.apply_pending()
    a = _converge(r)
    assert a.status == S.INFEASIBLE and a.least_budget == pytest.approx(need, rel=1e-9)
    assert r.snapshot().status == int(S.INFEASIBLE) and r.snapshot().least_budget == a.least_budget
    r.offer_command(command(p_total=a.least_budget * (1 + 1e-9), goal=Goal(mi_floor=floors)))
    r.apply_pending()
    a = _converge(r)
    assert a.status == S.CONVERGED and r.system1.goals_met
