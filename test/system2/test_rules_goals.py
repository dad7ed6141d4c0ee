"""The rules backend's goal language: a table of policies (floors, caps, max-min, least
power, fractions, selectors in words, combinations) read into goals; policies it only
half understands, and impossible ones, kept with the reason; the paper's policies
unchanged."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system1.goal import Objective
from steer_ros.system1.goal_optimum import goal_feasibility
from steer_ros.system2 import Navigator, RulesBackend
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision

N = 8
WS, MM, MP = Objective.WEIGHTED_SUM, Objective.MAX_MIN, Objective.MIN_POWER


def decide(policy: str, snapshot=None) -> SteerDecision:
    return Navigator(RulesBackend(), system_prompt="x").decide(snapshot or design_snapshot(), policy)


def ch(*channels) -> list[int]:
    return sorted(c - 1 for c in channels)


# A min_power goal's budget: its certified least power with the rules' margin (as the
# paper's P3 reads), so that the command in force states how little the goal needs.
LEAST = "least"

# (policy, objective, {floor bits: channels}, {cap bits: channels}, off channels, sum_mi_min, P_total)
READ = [
    ("Keep channel 3 above 1.5 bits", WS, {1.5: [3]}, {}, [], None, 40),
    # a per-channel bound without its unit, within one channel's 2 bits, is a rate
    ("Keep channel 3 above 1.5", WS, {1.5: [3]}, {}, [], None, 40),
    ("Never let channel 7 dip under 1.96", WS, {1.96: [7]}, {}, [], None, 40),
    ("Guarantee channel 1 at least 1.9 bits", WS, {1.9: [1]}, {}, [], None, 40),
    ("Keep every channel at least 1 bit", WS, {1.0: range(1, 9)}, {}, [], None, 40),
    ("Keep the odd channels no less than 1.3 bits", WS, {1.3: [1, 3, 5, 7]}, {}, [], None, 40),
    ("Keep the even channels above 1.2 bits", WS, {1.2: [2, 4, 6, 8]}, {}, [], None, 40),
    ("Guarantee the weakest channel at least 1 bit", WS, {1.0: [1]}, {}, [], None, 40),
    ("Keep the 2 weakest channels above 1.2 bits", WS, {1.2: [1, 2]}, {}, [], None, 40),
    ("Keep the 25% weakest above 0.8 bits", WS, {0.8: [1, 2]}, {}, [], None, 40),
    ("Keep the weakest 10% of channels above 0.8 bits", WS, {0.8: [1]}, {}, [], None, 40),
    ("Keep the first three channels above 1.2 bits", WS, {1.2: [1, 2, 3]}, {}, [], None, 40),
    ("Keep the second and fourth channels above 1.6 bits", WS, {1.6: [2, 4]}, {}, [], None, 40),
    ("Keep channels 1, 2 and 5 above 1.4 bits", WS, {1.4: [1, 2, 5]}, {}, [], None, 40),
    ("Keep channels 2 to 4 above 1 bit and cap channel 8 at 1.5 bits", WS, {1.0: [2, 3, 4]}, {1.5: [8]}, [],
     None, 40),
    ("No more than 1 bit on channel 8", WS, {}, {1.0: [8]}, [], None, 40),
    ("Cap channels 7-8 at 1 bit", WS, {}, {1.0: [7, 8]}, [], None, 40),
    ("Cap 7 and 8 at 1 bit", WS, {}, {1.0: [7, 8]}, [], None, 40),
    ("Limit the strongest channel to 1.2 bits", WS, {}, {1.2: [8]}, [], None, 40),
    ("The strongest 2 channels should get no more than 1.5 bits each", WS, {}, {1.5: [7, 8]}, [], None, 40),
    ("Keep the last channel below 1 bit", WS, {}, {1.0: [8]}, [], None, 40),
    ("Keep channels 1-4 above 1 bit and at most 1.8 bits", WS, {1.0: [1, 2, 3, 4]}, {1.8: [1, 2, 3, 4]}, [],
     None, 40),
    ("Keep channels 1-4 above 1 bit, and no more than 1.8 bits on the others", WS, {1.0: [1, 2, 3, 4]},
     {1.8: [5, 6, 7, 8]}, [], None, 40),
    ("Maximize the minimum rate", MM, {}, {}, [], None, 40),
    ("Max-min fairness across all channels", MM, {}, {}, [], None, 40),
    ("Maximize the minimum rate and use at most half the power", MM, {}, {}, [], None, 20),
    ("Shut down the weakest channel and maximize the minimum rate", MM, {}, {}, [1], None, 40),
    ("Turn off 7 and 8 and maximize the minimum rate", MM, {}, {}, [7, 8], None, 40),
    ("Guarantee channel 1 at least 1.9 bits using as little power as possible", MP, {1.9: [1]}, {}, [], None, LEAST),
    ("Keep every channel above 1 bit with the least power", MP, {1.0: range(1, 9)}, {}, [], None, LEAST),
    ("Minimize power while keeping channel 4 above 1.8 bits", MP, {1.8: [4]}, {}, [], None, LEAST),
    ("Reach a total of 13 bits using the least power and keep channel 1 above 1 bit", MP, {1.0: [1]}, {}, [],
     13.0, LEAST),
    ("Shut down 1-2 and keep the rest above 1.5 bits", WS, {1.5: range(3, 9)}, {}, [1, 2], None, 40),
    ("Turn off the two strongest channels and keep the others above 1.2 bits", WS, {1.2: range(1, 7)}, {},
     [7, 8], None, 40),
    ("Use a third of the power and keep every channel above 0.5 bits", WS, {0.5: range(1, 9)}, {}, [], None,
     40 / 3),
    ("Keep channels 1, 2 and 5 above 1.4 bits and maximize the total throughput", WS, {1.4: [1, 2, 5]}, {}, [],
     None, 40),
]


@pytest.mark.parametrize("policy,objective,floors,caps,off,sum_min,p_total", READ, ids=[r[0] for r in READ])
def test_goal_policies_are_read_into_goals(policy, objective, floors, caps, off, sum_min, p_total):
    d = decide(policy)
    assert d.status == Status.OK, d.status_detail
    goal = d.goal
    assert goal.objective == objective
    expected_f = np.zeros(N)
    for bits, channels in floors.items():
        expected_f[ch(*channels)] = bits
    np.testing.assert_allclose(goal.floors(N), expected_f)
    expected_u = np.full(N, np.inf)
    for bits, channels in caps.items():
        expected_u[ch(*channels)] = bits
    np.testing.assert_allclose(goal.caps(N), expected_u)
    assert list(np.flatnonzero(goal.off_mask(N))) == ch(*off)
    assert (math.isnan(goal.sum_mi_min) if sum_min is None else goal.sum_mi_min == sum_min)
    if p_total == LEAST:
        snap = design_snapshot()
        feasible, needed, _ = goal_feasibility(snap.gain, snap.noise_var, goal, defaults.P_MAX)
        assert feasible and needed < defaults.P_MAX
        p_total = min((1 + defaults.RULES_SUM_RATE_MARGIN) * needed, defaults.P_MAX)
    assert d.p_total == pytest.approx(p_total)
    assert d.reasoning.startswith("rule-based interpreter (not an LLM)")


def test_ranked_words_follow_the_observed_gains():
    snap = design_snapshot()
    flipped = snap.__class__(snap.gain[::-1].copy(), snap.noise_var, snap.power, snap.mi, snap.weights, snap.p_total)
    d = decide("Guarantee the weakest channel at least 1 bit", flipped)
    assert list(np.flatnonzero(d.goal.floors(N))) == [7]


def test_priority_inside_a_goal_policy_is_a_weights_map():
    d = decide("Keep channel 1 above 1 bit and prioritize channels 7 and 8")
    assert d.status == Status.OK, d.status_detail
    w = d.weights / d.weights[0]
    np.testing.assert_allclose(w, [1, 1, 1, 1, 1, 1, defaults.RULES_PRIORITY_WEIGHT, defaults.RULES_PRIORITY_WEIGHT],
                               rtol=1e-5)  # the reply carries 6 significant digits


KEPT = [
    # a cap said without its unit at a channel's full rate or more could be watts
    ("Cap channel 3 at 2", 'half_understood: "2" for channels 3: 2 of what? (say bits)'),
    ("Keep channel 3 below 5", 'half_understood: "5" for channels 3: 5 of what? (say bits)'),
    ("Keep channel 3 at 1.5 bits", "at least or at most?"),
    ("Give channel 2 at least 5 W", "not_understood: every word is known but they do not make a command"),
    ("Keep channel 12 above 1 bit", "declined: the policy names channels that do not exist (channel 12; there are 8)"),
    ("Keep channel 3 above 1.5 bits and make me a sandwich", "could not read \"sandwich\""),
    ("Keep it above 1.5 bits", "half_understood: which channels?"),
    ("Maximize the minimum rate across channels 1-6", "max-min over channels 1-6 only; what of channels 7-8?"),
    ("Keep the first 12 channels above 1 bit", "declined: the first 12 channels: there are only 8"),
    ("Keep channel 3 above 2.5 bits", "declined: the goal is impossible: bad_goal: floor 2.5 bits on channel 3"),
    ("Keep all channels above 1.95 bits", "declined: the goal is impossible: infeasible_goal: floors need P = 73.2 "
                                          "> P_max = 40"),
    ("Keep channel 2 above 1.8 bits and cap channel 2 at 1 bit", "goal_conflict: floor 1.8 > cap 1 bits on channel 2"),
    ("Reach 20 bits with as little power as possible", "sum_mi_min 20 bits is outside [0, 16]"),
    ("Reach 20 bits", "declined: the goal is impossible: bad_goal: sum_mi_min 20 bits is outside [0, 16]"),
    ("Keep channel 3 between 2.5 and 3 bits", "declined: the goal is impossible: bad_goal"),
    ("Turn off 3 channels", 'ambiguous: "3 channels": which 3? (or channel 3?)'),
    ("Use a quarter of the power and keep every channel above 1.2 bits", "floors need P = "),
]


@pytest.mark.parametrize("policy,reason", KEPT, ids=[k[0] for k in KEPT])
def test_half_understood_or_impossible_policies_are_kept_with_the_reason(policy, reason):
    d = decide(policy)
    assert d.status == Status.KEPT
    assert reason in d.status_detail, d.status_detail
    assert "not an LLM" in d.status_detail


def test_an_impossible_total_with_least_power_is_kept_with_the_reason():
    """A total above N log2 M bits with least power is declined like the same total alone."""
    d = decide("Reach 20 bits with as little power as possible")
    assert d.status == Status.KEPT, d.status_detail
    assert "declined: the goal is impossible: bad_goal: sum_mi_min 20 bits is outside [0, 16]" in d.status_detail


def test_a_total_with_least_power_is_equal_weights_at_the_least_budget():
    from steer_ros.system1.certified_optimum import min_budget_for_sum_mi

    snap = design_snapshot()
    for policy, bits in (("Reach 12 bits with as little power as possible", 12.0),
                         ("Save energy, but never let the aggregate rate fall under 8 bits per channel use", 8.0)):
        d = decide(policy, snap)
        assert d.status == Status.OK and d.goal.is_plain, d.status_detail
        np.testing.assert_allclose(d.weights, 1 / N)
        needed = min_budget_for_sum_mi(snap.gain, snap.noise_var, bits)
        assert d.p_total == pytest.approx((1 + defaults.RULES_SUM_RATE_MARGIN) * needed)


@pytest.mark.parametrize("policy", [
    "Maximize total throughput", "Prioritize channels 7 and 8",
    "Minimize total power while keeping sum rate above 10 bits",
    "Shut down the 3 weakest channels and focus power on the rest", "Equalize MI across all channels",
    "be fair to every user", "cut power by 20%",
])
def test_the_papers_policies_send_no_goal(policy):
    reply = json.loads(RulesBackend().complete([], design_snapshot(), policy, 1.0).text)
    assert set(reply) <= {"weights", "P_total", "reasoning"}
    assert decide(policy).goal.is_plain


def test_budget_fraction_alone_keeps_the_weights():
    snap = design_snapshot()
    d = decide("Use at most half the power", snap)
    assert d.status == Status.OK and d.p_total == 20.0 and d.goal.is_plain
    np.testing.assert_allclose(d.weights, snap.weights)
    assert decide("use 60% of the power").p_total == pytest.approx(24.0)


def test_an_accepted_goal_passes_the_guardrail_with_its_arrays():
    snap = design_snapshot()
    raw = decide("Shut down 1-2 and keep the rest above 1.5 bits", snap)
    accepted = Guardrail(alpha=1.0).apply(raw, SteerDecision(weights=snap.weights, p_total=40.0), N,
                                          snap.gain, snap.noise_var)
    assert accepted.status == Status.OK, accepted.status_detail
    assert list(np.flatnonzero(accepted.goal.off_mask(N))) == [0, 1]
    np.testing.assert_allclose(accepted.goal.floors(N), [0, 0] + [1.5] * 6)


@pytest.mark.parametrize("policy,objective,floors,sum_min", [
    ("Make sure no channel drops below 1.7 bits", WS, {1.7: range(1, 9)}, None),
    ("Maximize the rate of the worst channel", MM, {}, None),
    ("Keep the two strongest channels near saturation", WS, {1.95: [7, 8]}, None),
])
def test_more_goal_wording(policy, objective, floors, sum_min):
    d = decide(policy)
    assert d.status == Status.OK, d.status_detail
    assert d.goal.objective == objective
    expected = np.zeros(N)
    for bits, channels in floors.items():
        expected[ch(*channels)] = bits
    np.testing.assert_allclose(d.goal.floors(N), expected)
    assert (math.isnan(d.goal.sum_mi_min) if sum_min is None else d.goal.sum_mi_min == sum_min)


def test_a_budget_clause_with_a_goal_sets_the_budget():
    d = decide("Maximize the minimum rate and cut the budget to 30")
    assert d.status == Status.OK and d.goal.objective == MM and d.p_total == 30.0
    kept = decide("Keep channel 1 above 1 bit and set the power budget to 100")
    assert kept.status == Status.KEPT and "outside [P_min, P_max]" in kept.status_detail


def test_subcarriers_ranked_shares_and_power_adjectives_are_read():
    from steer_ros.system2.backends.reader import parse_policy

    sel = parse_policy("Prioritize Sub-carriers 1 to 128").clauses[0].sel
    assert sel.atoms == ("1-128",)
    assert parse_policy("Set the carrier frequency").problem.startswith("not_understood: could not read")
    half = parse_policy("Use half of the available transmit power").clauses[0]
    assert (half.kind, half.amount.value, half.amount.base) == ("budget", 0.5, "full")
    reply = json.loads(RulesBackend().complete([], design_snapshot(), "Cap the strongest quarter of the channels at "
                                               "1.5 bits", 1.0).text)
    caps = reply["caps"]
    capped = {c["channels"] for c in caps} if isinstance(caps, list) else set(caps)
    assert capped == {"strongest:25%"}, reply


@pytest.mark.parametrize("policy", ["use proportional fairness", "be proportionally fair", "proportional fairness"])
def test_proportional_fairness_is_alpha_fair_with_alpha_1_where_system_1_has_it(policy):
    from steer_ros.system2.backends.reader import parse_policy
    from steer_ros.system2.backends.reader.compose import Keep, compose_reply

    parsed = parse_policy(policy)
    assert not parsed.problem, parsed.problem
    assert [c.kind for c in parsed.clauses] == ["prop_fair"]
    try:
        reply, _ = compose_reply(parsed.clauses, design_snapshot(), p_min=1.0, p_max=40.0, budget_in_force=40.0,
                                 constellation="qpsk", priority_weight=defaults.RULES_PRIORITY_WEIGHT,
                                 sum_rate_margin=defaults.RULES_SUM_RATE_MARGIN, goal_fields=(), alpha_fair=True)
        assert reply["objective"] == "alpha_fair" and reply["alpha"] == 1.0
    except Keep as keep:  # a reply parser without alpha_fair (before the sys1 branch) refuses the objective
        assert "'alpha_fair'" in str(keep)
    d = decide(policy)  # read at run time: kept with the reason where System 1 lacks it
    assert d.status == Status.OK or "needs the alpha_fair objective" in d.status_detail
