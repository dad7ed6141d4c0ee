"""The offline reader states the complement of a ranked set ("the rest", "every other
one", "all others" after "the weakest 10%") as ``not:`` of the same ranked atom, so the
whole goal reaches System 1 as selectors (Goal.selectors) and is tracked at every
channel update; fixed channel numbers stay ranges."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system1.ranked_goal import RankedGoalTracker
from steer_ros.system2 import Navigator, RulesBackend
from steer_ros.system2.steer_decision import Status

N = 8


def reply_and_goal(policy: str):
    snap = design_snapshot()
    reply = json.loads(RulesBackend().complete([], snap, policy, 1.0).text)
    d = Navigator(RulesBackend(), system_prompt="x").decide(snap, policy)
    assert d.status == Status.OK, d.status_detail
    return reply, d.goal


@pytest.mark.parametrize("policy,off,floors", [
    ("Shut down the weakest 10% of subcarriers and keep every other one above 0.5 bit",
     ("weakest:10%",), (("not:weakest:10%", 0.5),)),
    ("Shut down the 3 weakest channels and keep the rest above 1 bit", ("weakest:3",), (("not:weakest:3", 1.0),)),
    ("Keep the weakest 2 channels above 1 bit and all others above 0.5 bits", (),
     (("weakest:2", 1.0), ("not:weakest:2", 0.5))),
])
def test_the_rest_of_a_ranked_set_is_its_ranked_complement(policy, off, floors):
    reply, goal = reply_and_goal(policy)
    assert goal.selectors is not None
    assert goal.selectors.off == off and goal.selectors.floors == floors
    assert all(entry["channels"].startswith(("weakest:", "not:")) for entry in reply["floors"])
    floor, _, off_mask = goal.selectors.resolve(N, design_snapshot().strength)
    if off:  # the two parts partition the channels
        assert np.array_equal(floor > 0, ~off_mask)
    else:
        assert (floor > 0).all()


def test_fixed_channels_stay_ranges():
    reply, goal = reply_and_goal("Shut down 1-2 and keep the rest above 1.5 bits")
    assert reply["off"] == "1-2" and reply["floors"] == [{"channels": "3-8", "bits": 1.5}]
    assert goal.selectors is None


def test_a_ranked_set_and_its_complement_partition_the_channels_at_every_update():
    """Tracked with hysteresis over a fading run with ties: off and floors never overlap
    and together cover every channel."""
    _, goal = reply_and_goal("Shut down the weakest 25% of subcarriers and keep every other one above 0.5 bit")
    rng = np.random.default_rng(7)
    n = 10  # 25% of 10 rounds half up to 3; strongest:75% would round 7.5 up to 8 (11 channels)
    tracker = RankedGoalTracker(goal, n, np.ones(n), hysteresis_db=1.0)  # all tied at the start
    for step in range(400):
        strength = np.round(rng.exponential(1.0, n), 1)  # ties are frequent
        if step % 50 == 0:
            strength[:] = 1.0
        tracker.update(strength)
        g = tracker.current
        on = g.mi_floor > 0
        assert g.off.sum() == 3
        assert np.array_equal(on, ~g.off), step
    assert tracker.changes > 0
