"""Approval of fleet directives, ROS-free: the fleet's approved class in the radio
navigator's gate, and the coordinator's preview of a directive's grants."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from steer_ros.fleet.config import fleet_config
from steer_ros.fleet.demand import demand_curve
from steer_ros.fleet.navigator.approval import (
    PROPOSAL_SCHEMA,
    directive_budget,
    directive_class,
    fleet_preview,
    proposal_json,
)
from steer_ros.fleet.navigator.guardrail import FleetGuardrail
from steer_ros.fleet.navigator.reply import parse_fleet_reply
from steer_ros.fleet.navigator.snapshot import FleetLimits
from steer_ros.system2.approval import APPROVED, CONFIRM, STATE_NAMES, TIMED_OUT, ApprovalGate

K, CAP = 4, 120.0


LIMITS = FleetLimits.uniform(K, cap=CAP, p_max=40.0, reserve=5.0)


def directive(reply: dict, policy: str = "Take radio 2 off the air; cap the fleet at 60%"):
    lim = LIMITS
    parsed = parse_fleet_reply(json.dumps(reply), K, sum_mi=np.arange(K) + 1.0)
    return FleetGuardrail(lim).apply(parsed, lim.default_directive()).with_(policy=policy)


def fleet_gate(**kw) -> ApprovalGate:
    return ApprovalGate(mode=CONFIRM, timeout_s=30.0, budget_tolerance=0.1, nonce="f1eet0",
                        classify=lambda d: directive_class(d, LIMITS.default_directive()), **kw)


def submit(gate, d, now=0.0):
    return gate.submit(d, now, budget=directive_budget(d))


def test_a_fleet_directive_is_held_then_approved_and_its_class_passes_after():
    gate = fleet_gate()
    d = directive({"off": ["2"], "cap_fraction": 0.6})
    released, events = submit(gate, d)
    assert released is None and [e.kind for e in events] == ["proposed"] and events[0].proposal_id == "f1eet0-1"
    out, event = gate.approve(None, 1.0, via="service")
    assert out is d and event.kind == "approved" and event.proposal.state == APPROVED
    # the same policy and radios with the cap 5% lower: in the approved class
    released, events = submit(gate, d.with_(cap=d.cap * 0.95), now=2.0)
    assert released is not None and [e.kind for e in events] == ["passed"]
    # the cap 20% lower: outside the tolerance, proposed again
    released, events = submit(gate, d.with_(cap=d.cap * 0.8), now=3.0)
    assert released is None and events[-1].kind == "proposed"


@pytest.mark.parametrize("other", [
    {"off": ["3"], "cap_fraction": 0.6},                                  # another radio off
    {"off": ["2"], "cap_fraction": 0.6, "floors": {"1": 4}},              # a floor added
    {"off": ["2"], "cap_fraction": 0.6, "priorities": {"4": 4}},          # radio 4 raised
    {"off": ["2"]},                                                       # no cap
    {"off": ["2"], "cap_fraction": 0.6, "budgets": {"1": {"max": 10}}},   # radio 1's box narrowed
])
def test_other_radios_or_settings_are_another_class(other):
    base = directive({"off": ["2"], "cap_fraction": 0.6})
    configured = LIMITS.default_directive()
    assert directive_class(directive(other), configured) != directive_class(base, configured)
    assert directive_class(base.with_(cap=base.cap * 0.9), configured) == directive_class(base, configured)


def test_a_timeout_counts_as_rejected_and_nothing_is_released():
    gate = fleet_gate()
    submit(gate, directive({"off": ["2"]}))
    events = gate.expire(30.0)
    assert [e.kind for e in events] == ["timed_out"] and events[0].proposal.state == TIMED_OUT
    out, refused = gate.approve("f1eet0-1", 31.0)
    assert out is None and refused.detail.startswith("stale_id:")
    assert gate.counts["timed_out"] == 1 and not gate.approved


def test_the_radio_gate_keeps_its_own_class_by_default():
    from steer_ros.system2.approval import command_class

    assert ApprovalGate().classify is command_class


def _curves(noise=(1.0, 10.0, 100.0, 1.0)):
    rng = np.random.default_rng(7)
    out = []
    for var in noise:
        gain = rng.rayleigh(1.0, 16)
        c = demand_curve(gain, np.full(16, var), budget_max=40.0)
        out.append((c.price, c.budget, c.sum_mi))
    return out


def test_the_preview_is_the_coordinators_grants_on_the_radios_curves():
    config = fleet_config(K, CAP, p_max=40.0, reserve=5.0)
    d = directive({"off": ["2"], "cap_fraction": 0.6})
    view = fleet_preview(d, config, _curves())
    assert view["source"] == "coordinator" and view["radios_with_curves"] == K
    grants = np.asarray(view["grants"])
    assert grants[1] == 0.0  # radio 2 off
    # the cap is 60% of C, less radio 2's reserve (still counted while it is off)
    assert view["cap_used"] <= 0.6 * CAP - 5.0 + 1e-6 and view["cap_used"] > 0.5 * CAP - 5.0
    assert view["readback"] == d.readback and d.readback.startswith("radio 2 off;")
    wide = fleet_preview(LIMITS.default_directive(), config, _curves())
    assert wide["cap_used"] > view["cap_used"] + 10.0  # the directive changes what the coordinator grants


def test_without_curves_the_preview_is_the_read_back_only():
    config = fleet_config(K, CAP, p_max=40.0, reserve=5.0)
    d = directive({"off": ["2"]})
    view = fleet_preview(d, config, [None] * K)
    assert view["source"] == "readback_only" and "grants" not in view and view["readback"] == d.readback
    one = fleet_preview(d, config, [None, None, _curves()[2], None])
    assert one["source"] == "coordinator" and one["radios_with_curves"] == 1 and len(one["grants"]) == K


def test_the_proposal_json_carries_directive_readback_and_preview():
    gate = fleet_gate()
    d = directive({"off": ["2"], "cap_fraction": 0.6})
    _, events = gate.submit(d, 0.0, budget=directive_budget(d), preview={"source": "readback_only"})
    proposal = events[-1].proposal
    data = json.loads(proposal_json(proposal, STATE_NAMES[proposal.state], 29.5, 100.0))
    assert data["schema"] == PROPOSAL_SCHEMA and data["id"] == "f1eet0-1" and data["state_name"] == "pending"
    assert data["directive"]["off"] == [False, True, False, False] and data["readback"] == d.readback
    assert data["preview"] == {"source": "readback_only"} and math.isclose(data["expires_in_s"], 29.5)
