"""The read-back: one canonical sentence from the command itself (channels off, floors
and caps as ranges, objective, ranked weights or "equal", budget and its change),
short at any N, filled by the navigator on a proposal and by the guardrail on what it
lets through, whatever the backend."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system2 import Navigator, RulesBackend, ScriptedBackend
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.readback import READBACK_MAX_CHARS, readback
from steer_ros.system2.steer_decision import Status, SteerDecision

N = 8
EQUAL = SteerDecision(weights=np.full(N, 1 / N), p_total=30.0)


def cmd(weights=None, p_total=40.0, **goal) -> SteerDecision:
    w = np.full(N, 1 / N) if weights is None else np.asarray(weights, float)
    return SteerDecision(weights=w, p_total=p_total, goal=Goal(**goal))


def test_the_example_of_the_issue():
    w = np.array([1, 1, 1, 1, 1, 1, 1, 0], float)
    assert readback(cmd(w), N, EQUAL) == "channel 8 off; equal weights on 1-7; budget 40 (was 30)"


@pytest.mark.parametrize("command,expected", [
    (cmd([1, 1, 1, 1, 1, 1, 4, 4]), "weights 4 on 7-8, 1 on 1-6; budget 40"),
    (cmd(p_total=float("nan")), "equal weights on 1-8; budget unchanged"),
    (cmd(off=np.array([1, 1, 0, 0, 0, 0, 0, 0], bool), mi_floor=np.array([0, 0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5])),
     "channels 1-2 off; MI at least 1.5 bits on 3-8; equal weights on 3-8; budget 40"),
    (cmd(mi_floor=np.array([0, 1, 0, 0, 0, 0, 0, 0.0]), mi_cap=np.array([np.inf, 1.5] + [np.inf] * 6)),
     "MI 1-1.5 bits on 2; equal weights on 1-8; budget 40"),
    (cmd(mi_cap=np.array([np.inf] * 7 + [1.0])), "MI at most 1 bit on 8; equal weights on 1-8; budget 40"),
    (cmd(objective=Objective.MAX_MIN), "max-min rate; budget 40"),
    (cmd(objective=Objective.MIN_POWER, sum_mi_min=12.0), "total MI at least 12 bits; least power; budget 40"),
])
def test_each_part(command, expected):
    assert readback(command, N) == expected


def test_it_stays_short_at_4096_channels():
    rng = np.random.default_rng(0)
    n = 4096
    off = np.zeros(n, bool)
    off[rng.choice(n, 410, replace=False)] = True
    floors = np.where(off, 0.0, rng.uniform(0.5, 1.5, n))
    caps = np.where(rng.random(n) < 0.3, 1.8, np.inf)
    big = SteerDecision(weights=rng.random(n), p_total=20480.0, goal=Goal(mi_floor=floors, mi_cap=caps, off=off))
    text = readback(big, n, SteerDecision(weights=np.ones(n), p_total=10000.0))
    assert len(text) <= READBACK_MAX_CHARS, text
    assert text.startswith("410 channels (") and "budget 20480 (was 10000)" in text


def test_the_navigator_reads_back_a_proposal_from_any_backend(tmp_path):
    reply = {"weights": {"7-8": 4}, "P_total": 20, "reasoning": "the model's prose, not read back"}
    script = tmp_path / "s.jsonl"
    script.write_text(json.dumps({"reply": json.dumps(reply)}) + "\n")
    d = Navigator(ScriptedBackend.from_file(str(script))).decide(design_snapshot(), "anything")
    assert d.status == Status.OK and d.readback == "weights 4 on 7-8, 1 on 1-6; budget 20 (was 40)"


def test_the_guardrail_reads_back_what_it_lets_through_and_what_it_keeps():
    snap = design_snapshot()
    guard = Guardrail(alpha=1.0)
    raw = Navigator(RulesBackend()).decide(snap, "Turn off channel 8 and cut the budget to 30")
    assert raw.readback == "channel 8 off; equal weights on 1-7; budget 30 (was 40)"
    accepted = guard.apply(raw, SteerDecision(weights=snap.weights, p_total=40.0), N)
    assert accepted.status == Status.OK
    assert accepted.readback == "channel 8 off; equal weights on 1-7; budget 30 (was 40)"
    kept = guard.apply(Navigator(RulesBackend()).decide(snap, "make me a sandwich"), accepted, N)
    assert kept.status == Status.KEPT and kept.readback == "channel 8 off; equal weights on 1-7; budget 30"


def test_the_message_conversion_carries_the_read_back():
    pytest.importorskip("steer_ros.msg", reason="steer_ros messages are not built (make setup)")
    from steer_ros.ros.conversions import decision_from_msg, decision_msg

    d = cmd([1, 1, 1, 1, 1, 1, 1, 0]).with_(readback="channel 8 off; equal weights on 1-7; budget 40")
    assert decision_from_msg(decision_msg(d)).readback == d.readback


def test_a_weight_fading_out_reads_as_near_zero_not_as_a_huge_ratio():
    from steer_ros.system2.readback import _weights

    w = np.array([4.0, 1, 1, 1, 1, 1, 1e-8, 1])
    assert _weights(w, np.ones(8, dtype=bool)) == "weights 4 on 1, 1 on 2-6,8, weight near 0 on 7"
    assert _weights(np.ones(8), np.ones(8, dtype=bool)) == "equal weights on 1-8"
