"""The guardrail pipeline (docs/design.md section 5): examples with their details, and properties
(hypothesis) over any reply text and any parsed values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steer_ros.system2 import ReplyError, parse_reply
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision

N = 8
P_MIN, P_MAX = 1.0, 40.0


def current(n: int = N, p: float = 40.0) -> SteerDecision:
    return SteerDecision(weights=np.full(n, 1.0 / n), p_total=p)


def raw(weights, p_total=math.nan, **kw) -> SteerDecision:
    return SteerDecision(weights=np.asarray(weights, dtype=float), p_total=p_total, **kw)


def test_alpha_one_accepts_the_normalized_proposal():
    out = Guardrail(alpha=1.0).apply(raw([1, 1, 1, 1, 1, 1, 1, 1], 20.0, reasoning="r", policy="p",
                                         backend="rules", latency_s=0.25), current())
    assert out.status == Status.OK and out.status_detail == "ok: accepted"
    np.testing.assert_allclose(out.weights, 1 / 8)
    assert out.p_total == 20.0
    assert (out.reasoning, out.policy, out.backend, out.latency_s) == ("r", "p", "rules", 0.25)


def test_ema_blends_weights_and_budget():
    g = Guardrail(alpha=0.5)
    out = g.apply(raw([0, 0, 0, 0, 0, 0, 0, 1], 20.0), current())
    expected = 0.5 * np.full(8, 1 / 8) + 0.5 * np.eye(8)[7]
    np.testing.assert_allclose(out.weights, expected)
    assert out.p_total == pytest.approx(30.0)
    assert out.status_detail.endswith("(EMA alpha 0.5)")


def test_negatives_clipped_and_normalized_with_detail():
    out = Guardrail(alpha=1.0).apply(raw([-1, -2, 1, 1, 1, 1, 0, 0]), current())
    np.testing.assert_allclose(out.weights, [0, 0, .25, .25, .25, .25, 0, 0])
    assert "clipped 2 negative weights to 0" in out.status_detail
    assert out.status_detail.startswith("adjusted: ")


def test_all_zero_becomes_uniform():
    out = Guardrail(alpha=1.0).apply(raw(np.zeros(8)), current())
    np.testing.assert_allclose(out.weights, 1 / 8)
    assert "all-zero weights -> uniform" in out.status_detail


@pytest.mark.parametrize("p,expected,detail", [
    (1e9, 40.0, "clamped p_total 1e+09 -> 40"),
    (-5.0, 1.0, "clamped p_total -5 -> 1"),
    (0.0, 1.0, "clamped p_total 0 -> 1"),
])
def test_budget_clamped_with_detail(p, expected, detail):
    out = Guardrail(alpha=1.0).apply(raw(np.ones(8), p), current())
    assert out.status == Status.OK and out.p_total == expected
    assert detail in out.status_detail


def test_nan_budget_keeps_current():
    out = Guardrail(alpha=1.0).apply(raw(np.ones(8), math.nan), current(p=25.0))
    assert out.p_total == 25.0


@pytest.mark.parametrize("weights,p,code", [
    (np.ones(7), 10.0, "wrong_length: expected 8 weights, got 7"),
    ([1, 1, 1, np.nan, 1, 1, 1, 1], 10.0, "non_finite: weight 4 is nan"),
    ([1, 1, 1, np.inf, 1, 1, 1, 1], 10.0, "non_finite: weight 4 is inf"),
    (np.ones(8), math.inf, "non_finite: p_total is inf"),
])
def test_failures_fall_back_to_current(weights, p, code):
    cur = current(p=25.0)
    out = Guardrail().apply(raw(weights, p, reasoning="why"), cur)
    assert out.status == Status.FALLBACK and out.status_detail == code
    np.testing.assert_array_equal(out.weights, cur.weights)
    assert out.p_total == 25.0 and out.reasoning == "why"


@pytest.mark.parametrize("status", [Status.FALLBACK, Status.KEPT, Status.REJECTED])
def test_non_ok_proposals_keep_current_and_carry_detail(status):
    cur = current(p=30.0)
    out = Guardrail().apply(raw(np.eye(8)[0], 5.0, status=status, status_detail="timeout: late"), cur)
    assert out.status == status and out.status_detail == "timeout: late"
    np.testing.assert_array_equal(out.weights, cur.weights)
    assert out.p_total == 30.0


def test_stranger_current_command_is_sanitized():
    stranger = SteerDecision(weights=np.array([np.nan, -1, 5, 0, 0, 0, 0, 0]), p_total=1e6)
    out = Guardrail(alpha=0.5).apply(raw(np.ones(8), math.nan, status=Status.KEPT), stranger)
    assert out.status == Status.KEPT and out.p_total == 40.0
    np.testing.assert_allclose(out.weights, 1 / 8)


def test_channel_count_change_resets_current_to_uniform():
    out = Guardrail(alpha=0.5).apply(raw(np.ones(4), 20.0), current(n=8), n=4)
    assert out.status == Status.OK and out.weights.shape == (4,)
    np.testing.assert_allclose(out.weights, 0.25)
    assert "reset to uniform" in out.status_detail


def test_enforce_bounds_without_smoothing():
    g = Guardrail()
    ok = g.enforce(raw([2, 2, 0, 0, 0, 0, 0, -1], 1000.0), n=8)
    assert ok.status == Status.OK and ok.p_total == 40.0
    np.testing.assert_allclose(ok.weights, [.5, .5, 0, 0, 0, 0, 0, 0])
    assert g.enforce(raw(np.ones(8), math.nan), n=8, current_p_total=12.0).p_total == 12.0
    bad = g.enforce(raw(np.ones(3), 10.0), n=8)
    assert bad.status == Status.REJECTED and bad.status_detail.startswith("wrong_length")


@pytest.mark.parametrize("kw", [dict(p_min=0), dict(p_min=5, p_max=4), dict(alpha=0), dict(alpha=1.5),
                                dict(p_max=math.nan)])
def test_invalid_parameters_name_the_field(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        Guardrail(**kw)


def test_deterministic():
    g = Guardrail()
    a = g.apply(raw(np.arange(8.0), 17.0), current())
    b = g.apply(raw(np.arange(8.0), 17.0), current())
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.status_detail == b.status_detail


# -- properties ----------------------------------------------------------------------
def check_invariants(out: SteerDecision, cur: SteerDecision, n: int, g: Guardrail):
    w = np.asarray(out.weights)
    assert w.shape == (n,)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    assert math.isfinite(out.p_total) and g.p_min <= out.p_total <= g.p_max
    if out.status == Status.OK:
        assert abs(w.sum() - 1.0) < 1e-9
    else:  # the unchanged (sanitized) current command
        assert abs(w.sum() - 1.0) < 1e-9
        np.testing.assert_allclose(w, np.asarray(cur.weights) / np.sum(cur.weights))
    assert isinstance(out.status_detail, str) and ": " in out.status_detail


numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6)
json_scalars = numbers | st.text(max_size=8) | st.booleans() | st.none() | st.sampled_from(
    ["1", "0.5", "-2", "nan", "inf", "1e308", "1e-320"])
guardrails = st.builds(Guardrail, p_min=st.floats(0.01, 10), p_max=st.floats(10, 1e4),
                       alpha=st.floats(0.01, 1.0))


def valid_current(n):
    return st.builds(
        lambda w, p: SteerDecision(weights=np.asarray(w) / np.sum(w), p_total=p),
        st.lists(st.floats(0.01, 100), min_size=n, max_size=n), st.floats(10, 10))


@settings(max_examples=250, deadline=None)
@given(data=st.data(), n=st.integers(1, 12), g=guardrails)
def test_any_parsed_values_give_a_valid_command(data, n, g):
    cur = data.draw(valid_current(n))
    weights = data.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64),
                                 min_size=max(n - 1, 0), max_size=n + 1))
    p_total = data.draw(st.floats(allow_nan=True, allow_infinity=True))
    status = data.draw(st.sampled_from(list(Status)))
    out = g.apply(SteerDecision(weights=np.asarray(weights, dtype=float), p_total=p_total, status=status), cur)
    check_invariants(out, cur, n, g)


reply_objects = st.fixed_dictionaries(
    {"weights": st.lists(json_scalars, min_size=6, max_size=10)},
    optional={"P_total": json_scalars, "reasoning": st.text(max_size=20)},
)
reply_texts = (
    st.text(max_size=200)
    | reply_objects.map(lambda o: json.dumps(o))
    | reply_objects.map(lambda o: "```json\n" + json.dumps(o) + "\n``` trailing prose")
)


@settings(max_examples=250, deadline=None)
@given(text=reply_texts, g=guardrails)
def test_any_reply_text_gives_a_valid_command(text, g):
    n = 8
    cur = SteerDecision(weights=np.full(n, 1 / n), p_total=min(max(20.0, g.p_min), g.p_max))
    try:
        parsed = parse_reply(text, n)
        proposal = SteerDecision(weights=parsed.weights, p_total=parsed.p_total, reasoning=parsed.reasoning)
    except ReplyError as err:
        proposal = SteerDecision(weights=cur.weights, p_total=cur.p_total, status=Status.FALLBACK,
                                 status_detail=str(err))
    check_invariants(g.apply(proposal, cur), cur, n, g)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), g=guardrails)
def test_strangers_on_both_sides_never_break_the_invariants(data, g):
    n = data.draw(st.integers(1, 10))
    anything = st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=12)
    stranger = SteerDecision(weights=np.asarray(data.draw(anything), dtype=float),
                             p_total=data.draw(st.floats(allow_nan=True, allow_infinity=True)))
    proposal = SteerDecision(weights=np.asarray(data.draw(anything), dtype=float),
                             p_total=data.draw(st.floats(allow_nan=True, allow_infinity=True)))
    out = g.apply(proposal, stranger, n=n)
    w = np.asarray(out.weights)
    assert w.shape == (n,) and np.all(np.isfinite(w)) and np.all(w >= 0)
    assert abs(w.sum() - 1.0) < 1e-9
    assert g.p_min <= out.p_total <= g.p_max
    enforced = g.enforce(proposal, n=n)
    if enforced.status == Status.OK:
        assert np.all(enforced.weights >= 0) and abs(np.sum(enforced.weights) - 1) < 1e-9
        assert g.p_min <= enforced.p_total <= g.p_max
