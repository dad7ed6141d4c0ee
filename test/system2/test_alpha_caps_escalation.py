"""The reply, guardrail and prompt sides of alpha_fair, power caps, System 1's status
and budget escalation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.status import AllocationStatus
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.prompt import build_user_message
from steer_ros.system2.reply import ReplyError, parse_reply
from steer_ros.system2.steer_decision import Status, SteerDecision

N = 8


def reply(**fields) -> str:
    return json.dumps({"weights": [1] * N, "reasoning": "r", **fields})


def test_alpha_fair_and_power_caps_parse_in_both_forms():
    p = parse_reply(reply(objective="alpha_fair", alpha=2, power_caps={"3": 5, "1-4": 7}), N)
    assert p.goal.objective == Objective.ALPHA_FAIR and p.goal.alpha == 2.0
    np.testing.assert_array_equal(p.goal.power_cap, [7, 7, 5, 7, np.inf, np.inf, np.inf, np.inf])  # smaller wins
    q = parse_reply(reply(power_caps=[{"channels": "all", "power": 5}]), N)
    assert q.goal.objective == Objective.WEIGHTED_SUM and np.all(q.goal.power_cap == 5.0)
    r = parse_reply(reply(alpha=1), N)  # alpha alone: alpha_fair
    assert r.goal.objective == Objective.ALPHA_FAIR
    s = parse_reply(reply(objective="alpha_fair"), N)
    assert s.goal.alpha == defaults.ALPHA_FAIR_DEFAULT


def test_escalate_replaces_p_total():
    p = parse_reply(reply(P_total=30, escalate={"P_total": 57.5}), N)
    assert p.escalate and p.p_total == 57.5
    assert not parse_reply(reply(P_total=30, escalate=None), N).escalate


@pytest.mark.parametrize("fields, code", [
    ({"alpha": "fair"}, "bad_alpha"),
    ({"alpha": "nan"}, "bad_alpha"),
    ({"power_caps": {"3": -1}}, "bad_power_cap"),
    ({"power_caps": {"3": "NaN"}}, "bad_power_cap"),
    ({"power_caps": [{"channels": "3", "bits": 1}]}, "bad_power_cap"),
    ({"power_caps": 5}, "bad_power_cap"),
    ({"escalate": 50}, "bad_escalate"),
    ({"escalate": {"budget": 50}}, "bad_escalate"),
    ({"escalate": {"P_total": "lots"}}, "bad_p_total"),
])
def test_bad_fields_are_refused_with_their_code(fields, code):
    with pytest.raises(ReplyError) as err:
        parse_reply(reply(**fields), N)
    assert err.value.code == code


def _current(p=30.0):
    return SteerDecision(weights=np.full(N, 1 / N), p_total=p)


def _raw(p, escalate=True, goal=None):
    return SteerDecision(weights=np.ones(N), p_total=p, escalate=escalate, goal=goal or Goal())


def test_escalation_applies_at_once_only_while_infeasible():
    g = Guardrail(p_min=1.0, p_max=100.0, alpha=0.3)
    at_once = g.apply(_raw(57.3), _current(), N, status=AllocationStatus.INFEASIBLE)
    assert at_once.status == Status.OK and at_once.p_total == 57.3 and at_once.escalate
    assert at_once.status_detail.startswith("escalated: P_total 30 -> 57.3")
    smoothed = g.apply(_raw(57.3), _current(), N, status=AllocationStatus.CONVERGED)
    assert smoothed.p_total == pytest.approx(0.7 * 30 + 0.3 * 57.3) and not smoothed.escalate
    assert "escalation ignored at status CONVERGED" in smoothed.status_detail
    unknown = g.apply(_raw(57.3), _current(), N)
    assert unknown.p_total == pytest.approx(smoothed.p_total)


def test_an_escalation_above_p_max_is_clamped_and_noted():
    g = Guardrail(p_min=1.0, p_max=100.0, alpha=0.3)
    out = g.apply(_raw(1000.0), _current(), N, status=AllocationStatus.INFEASIBLE)
    assert out.p_total == 100.0
    assert out.status_detail.startswith("escalation_clamped: P_total 30 -> 100 (asked 1000 > P_max 100")


def test_alpha_out_of_range_and_a_power_cap_below_its_floor_change_nothing():
    g = Guardrail(p_min=1.0, p_max=100.0, alpha=1.0)
    gain = np.ones(N)
    out = g.apply(_raw(30.0, False, Goal(Objective.ALPHA_FAIR, alpha=25.0)), _current(), N)
    assert out.status == Status.FALLBACK and out.status_detail.startswith("bad_alpha: ")
    goal = Goal(mi_floor=np.r_[1.5, np.zeros(N - 1)], power_cap=np.r_[0.5, np.full(N - 1, np.inf)])
    out = g.apply(_raw(30.0, False, goal), _current(), N, gain=gain, noise_var=np.ones(N))
    assert out.status == Status.FALLBACK and out.status_detail.startswith("power_cap_below_floor: ")
    assert out.p_total == 30.0 and out.goal.is_plain  # the command in force stays


def test_the_state_shows_status_shadow_price_and_least_budget():
    snap = design_snapshot()
    assert "System 1:" not in build_user_message(snap, "p")  # no status reported: nothing shown
    import dataclasses
    snap = dataclasses.replace(snap, status=int(AllocationStatus.INFEASIBLE), shadow_price=0.0312, least_budget=57.3)
    text = build_user_message(snap, "p")
    assert "System 1: INFEASIBLE, least budget 57.3 > P_total 40; shadow price 0.0312" in text
    snap = dataclasses.replace(snap, status=int(AllocationStatus.CONVERGED), least_budget=math.inf)
    assert "System 1: CONVERGED; shadow price" in build_user_message(snap, "p")
