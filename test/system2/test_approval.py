"""The approval state machine (steer_ros.system2.approval), ROS-free."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steer_ros.system1.goal import Goal, Objective
from steer_ros.system2.approval import ApprovalGate, approval_command
from steer_ros.system2.steer_decision import Status, SteerDecision

N = 8


def cmd(p=30.0, policy="Shut down the weakest channel", off=(1,), floors=None, status=Status.OK, w=None):
    off_mask = np.zeros(N, dtype=bool)
    off_mask[[i - 1 for i in off]] = True
    goal = Goal(off=off_mask if off else None, mi_floor=floors)
    return SteerDecision(weights=np.ones(N) if w is None else w, p_total=p, policy=policy, status=status, goal=goal)


def gate(**kw):
    return ApprovalGate(mode="confirm", timeout_s=10.0, budget_tolerance=0.1, nonce="abc123", **kw)


def test_auto_passes_everything():
    g = ApprovalGate(mode="auto")
    out, events = g.submit(cmd(), 0.0)
    assert out is not None and events == []


def test_confirm_holds_then_approve_releases_and_the_class_passes_after():
    g = gate()
    out, events = g.submit(cmd(), 0.0)
    assert out is None and [e.kind for e in events] == ["proposed"] and g.pending.id == "abc123-1"
    released, event = g.approve(None, 1.0, via="service")
    assert released is not None and released.p_total == 30.0
    assert event.kind == "approved" and event.proposal_id == "abc123-1" and g.pending is None
    # Same class (weights differ, budget within 10%): applied without asking.
    out, events = g.submit(cmd(p=32.0, w=np.arange(1.0, N + 1)), 2.0)
    assert out is not None and [e.kind for e in events] == ["passed"]
    # Budget beyond the tolerance, other channels off, another objective: proposed again.
    for other in (cmd(p=40.0), cmd(off=(2,)), cmd().with_(goal=Goal(objective=Objective.MAX_MIN)),
                  cmd(policy="Something else")):
        g = gate()
        g.submit(cmd(), 0.0)
        g.approve(None, 1.0)
        out, _ = g.submit(other, 2.0)
        assert out is None and g.pending is not None


def test_floors_on_other_channels_are_another_class():
    g = gate()
    g.submit(cmd(floors=np.r_[0.0, np.full(N - 1, 0.5)]), 0.0)
    g.approve(None, 0.5)
    assert g.submit(cmd(floors=np.r_[0.0, np.full(N - 1, 0.7)]), 1.0)[0] is not None  # same channels, other bits
    assert g.submit(cmd(floors=np.r_[0.0, 0.0, np.full(N - 2, 0.5)]), 1.0)[0] is None


def test_reject_and_timeout_leave_nothing_applied():
    g = gate()
    g.submit(cmd(), 0.0)
    event = g.reject("abc123-1", 1.0, via="topic")
    assert event.kind == "rejected" and "command in force stays" in event.detail
    assert g.submit(cmd(), 2.0)[0] is None  # still not approved: proposed again
    assert g.pending.id == "abc123-2"
    assert g.expire(11.9) == []
    events = g.expire(12.0)
    assert [e.kind for e in events] == ["timed_out"] and g.pending is None
    assert g.counts["timed_out"] == 1 and g.counts["rejected"] == 1


def test_the_same_proposal_again_does_not_replace_the_one_on_display():
    g = gate()
    g.submit(cmd(), 0.0)
    out, events = g.submit(cmd(p=31.0), 1.0)
    assert out is None and events == [] and g.pending.id == "abc123-1"
    out, events = g.submit(cmd(off=(1, 2)), 2.0)
    assert [e.kind for e in events] == ["superseded", "proposed"] and g.pending.id == "abc123-2"


@pytest.mark.parametrize("answer,code", [
    (None, "nothing_pending"),
    ("abc123-7", "nothing_pending"),
    ("zzz999-1", "unknown_id"),
])
def test_answers_with_nothing_pending_are_refused(answer, code):
    released, event = gate().approve(answer, 0.0)
    assert released is None and event.kind == "refused" and event.detail.startswith(code), event.detail


def test_stale_and_foreign_ids_are_refused_with_the_pending_named():
    g = gate()
    g.submit(cmd(), 0.0)
    g.submit(cmd(off=(2,)), 1.0)  # supersedes abc123-1
    released, event = g.approve("abc123-1", 2.0)
    assert released is None and event.detail == "stale_id: abc123-1 is not pending; the proposal pending is abc123-2"
    released, event = g.approve("evil-1", 2.0)
    assert released is None and event.detail.startswith("unknown_id: 'evil-1' was not issued by this navigator")
    assert g.pending.id == "abc123-2"
    g.expire(100.0)
    released, event = g.approve("abc123-2", 100.0)
    assert released is None and event.detail.startswith("stale_id: proposal abc123-2 is no longer pending (timed_out)")


def test_fallbacks_pass_and_nonces_differ_per_gate():
    g = gate()
    assert g.submit(cmd(status=Status.FALLBACK), 0.0)[0] is not None
    assert ApprovalGate(mode="confirm").nonce != ApprovalGate(mode="confirm").nonce


def test_keep_budget_nan_is_its_own_budget():
    g = gate()
    g.submit(cmd(p=math.nan), 0.0, budget=30.0)
    g.approve(None, 0.1)
    assert g.submit(cmd(p=math.nan), 1.0, budget=31.0)[0] is not None


@pytest.mark.parametrize("text,expected", [
    ("abc123-1", ("approve", "abc123-1")),
    ("  Approve abc123-1 ", ("approve", "abc123-1")),
    ("reject abc123-1", ("reject", "abc123-1")),
])
def test_approval_topic_format(text, expected):
    assert approval_command(text) == expected


@pytest.mark.parametrize("text,match", [
    ("", "empty"), ("approve", "without an id"), ("reject", "without an id"), ("maybe abc", "verb"),
    ("approve a b", "expected"),
])
def test_approval_topic_format_errors(text, match):
    with pytest.raises(ValueError, match=match):
        approval_command(text)


def test_parameters_are_checked():
    for kw in ({"mode": "sometimes"}, {"timeout_s": 0}, {"budget_tolerance": -1}):
        with pytest.raises(ValueError):
            ApprovalGate(**kw)


def test_the_preview_is_the_certified_optimum():
    from steer_ros import defaults
    from steer_ros.system1.certified_optimum import certified_optimum
    from steer_ros.system2.approval import preview
    gain = defaults.design_gains(N)
    accepted = SteerDecision(weights=np.full(N, 1.0 / N), p_total=30.0)
    view = preview(accepted, gain, np.ones(N))
    ref = certified_optimum(gain, np.ones(N), np.full(N, 1.0 / N), 30.0)
    np.testing.assert_allclose(view["power"], ref.power, atol=1e-9)
    assert view["goals_met"] and abs(view["power_used"] - 30.0) < 1e-6
    assert abs(view["sum_mi"] - float(np.sum(view["mi"]))) < 1e-9


def test_the_launch_argument_approval_timeout_s_is_a_number():
    from steer_ros.ros.graph import parameter_overrides
    assert parameter_overrides("sim", approval="confirm", approval_timeout_s="6") == {
        "navigator": {"approval": "confirm", "approval_timeout_s": 6.0}}
    with pytest.raises(ValueError, match="approval_timeout_s must be a number, got 'x'"):
        parameter_overrides("sim", approval_timeout_s="x")
