"""Terse lists of clauses, rate floors said without their unit, bare channel numbers among
other channel numbers, weights given per group, ranges however they are laid out, and
budgets relative to the one in force said "from" or "over" it, each in wordings of its own
(not the eval suites'). What stays ambiguous, or would be read two ways, is kept."""

from __future__ import annotations

import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system2 import Navigator, RulesBackend
from steer_ros.system2.backends.reader import parse_policy
from steer_ros.system2.steer_decision import Status

IN_FORCE = 30.0


def decide(policy: str):
    return Navigator(RulesBackend()).decide(design_snapshot(p_total=IN_FORCE), policy)


READ = [
    # a list comma that is a clause comma: "2, 6" is not a list when "6 off" is a clause
    ("Favour 2, 6 off, 25 W", "channel 6 off; weights 4 on 2, 1 on 1,3-5,7-8; budget 25"),
    ("5 off, 3 floor 1.9", "channel 5 off; MI at least 1.9 bits on 3; equal weights on 1-4,6-8"),
    ("ch 1 off + ch 2 at least 1.7 b + 20 W", "channel 1 off; MI at least 1.7 bits on 2; equal weights on 2-8; "
                                            "budget 20"),
    # bare numbers: channels when the policy names channels by number more than once
    ("Mute 3, prioritise 7, budget 20", "channel 3 off; weights 4 on 7, 1 on 1-2,4-6,8; budget 20"),
    ("4 off, 2 floor 1.8, total 26 W", "channel 4 off; MI at least 1.8 bits on 2; equal weights on 1-3,5-8; budget 26"),
    # a per-channel bound without its unit, within one channel's 2 bits, is a rate
    ("Channel 4 must not sink below 1.85", "MI at least 1.85 bits on 4"),
    ("Keep channel 2 no higher than 1.3", "MI at most 1.3 bits on 2"),
    ("ch 3 topped out at 1.1 b", "MI at most 1.1 bits on 3"),
    # "sole", "lone": only
    ("Channel 5 is the sole transmitter", "channels 1-4,6-8 off; equal weights on 5"),
    # weights given per group: the ratio of the two weights on the first group
    ("Weight five on channel 2, one on all the others", "weights 5 on 2, 1 on 1,3-8"),
    ("Odd channels at triple weight, even ones at single", "weights 3 on 1,3,5,7, 1 on 2,4,6,8"),
    ("Channels 1 and 2 get weight 0.5, everyone else 1", "weights 2 on 3-8, 1 on 1-2"),
    ("2x weighting for 2 and 4 over 1 and 3", "weights 2 on 2,4, 1 on 1,3,5-8"),
    ("Kanal 3 muss aus bleiben", "channel 3 off"),
    # one set of channels between two rates, however it is laid out
    ("Channels 3 to 6: min 1.4, max 1.6", "MI 1.4-1.6 bits on 3-6"),
    ("Both 2 and 5 -> 1.3 to 1.5 b", "MI 1.3-1.5 bits on 2,5"),
    ("0.8 minimum and 1.1 maximum on the weakest channel", "MI 0.8-1.1 bits on 1"),
    ("ch 7 somewhere in 1.2..1.3 b", "MI 1.2-1.3 bits on 7"),
    ("Let 1 and 8 sit in the 1.6 to 1.7 band", "MI 1.6-1.7 bits on 1,8"),
    # budgets relative to the one in force (30)
    ("Shave 6 W from the running budget", "budget 24"),
    ("Raise us 2 watts over the present allowance", "budget 32"),
    ("Take 3 W off what we're on", "budget 27"),
    ("Drop the transmit budget 20 % from the active value", "budget 24"),
    ("Bring the power down to a half of what it is now", "budget 15"),
    ("Take us to one hundred and twenty percent of what's set", "budget 36"),
    # a share of what is set now is a share of the budget in force (30), never of P_max (40)
    ("Set the budget to 60% of its current value", "budget 18"),
    ("Go to 50% of the configured power", "budget 15"),
    ("Keep a half of the present allocation", "budget 15"),
    ("Set the power to 3/4 of what it is", "budget 22.5"),
    ("Weight ratio 3 to 1 for channel 2 versus the rest", "weights 3 on 2, 1 on 1,3-8"),
    ("Reduzieren Sie die Leistung auf 20 W", "budget 20"),
    # "only" as the focus of a shutdown, "the rest stay on" beside it, weights kept with a budget
    ("Only ch 3 and ch 5 should be off", "channels 3,5 off; equal weights on 1-2,4,6-8"),
    ("Only 2 and 4 get silenced; the rest keep running", "channels 2,4 off"),
    ("Keep the weights and set the power to 24 W", "budget 24"),
    ("Only change the budget - 18 W", "budget 18"),
    # per-channel power limits said with "to" and "per channel"; "nothing else" as "only"
    ("Limit channel 3 to 4.5 W", "power at most 4.5 on 3"),
    ("Max 6 W per channel", "power at most 6 on 1-8"),
    ("Just channels 4 and 5, nothing else", "channels 1-3,6-8 off; equal weights on 4-5"),
    ("Set channel 2's weight to 4 and everyone else's to 1", "weights 4 on 2, 1 on 1,3-8"),
    # freeze 10: reset, keep the rest, exceptions said as "but keep X running", time in passing
    ("Reset everything and run at 25 W", "equal weights on 1-8; budget 25"),
    ("Turn off channel 3 and keep the weights", "channel 3 off"),
    ("Shut down channels 1 to 5, but keep 4 running", "channels 1-3,5 off"),
    ("Channels 6 and 7 are picking up interference. Turn them off.", "channels 6-7 off"),
    ("We lost channel 4 about twenty minutes ago", "channel 4 off"),
    ("Target 1.2 to 1.4 bits on channels 3 and 4", "MI 1.2-1.4 bits on 3-4"),
    ("Halve the weight on channel 6", "weights 2 on 1-5,7-8, 1 on 6"),
    ("Channels 1-2 should get a third of the weight of channels 3-8", "weights 3 on 3-8, 1 on 1-2"),
    ("Limit channel 7 to 1.2 bits", "MI at most 1.2 bits on 7"),
    ("Channel 2 can take at most 5 W", "power at most 5 on 2"),
    ("We're over on power, take it down 10 percent", "budget 27"),
    # "another 5 W" is an increment (freeze 8 and 9 set the budget to 5)
    ("Give us another 5 W", "budget 35"),
    ("Take another 4 W off", "budget 26"),
    # a sentence that only states a situation, beside one that asks something
    ("The rain has stopped. Give us back 5 W.", "budget 35"),
    ("The sea state is bad. Prioritise channel 4.", "weights 4 on 4"),
    ("That's the end of the rehearsal. Take us down to 12 W and switch channel 6 off.",
     "channel 6 off; equal weights on 1-5,7-8; budget 12"),
]


@pytest.mark.parametrize("policy,expected", READ, ids=[r[0] for r in READ])
def test_each_reads_back_to_its_command(policy, expected):
    d = decide(policy)
    assert d.status != Status.KEPT, d.status_detail
    assert expected in d.readback


KEPT = [
    ("Shut down 2", 'ambiguous: "2" could be channel 2 or 2 channels'),  # alone: channel 2 or two channels?
    ("Turn off the weakest and 5", "ambiguous"),  # beside a rank, a count is possible
    ("Cap channel 3 at 2", "of what?"),  # a cap of a channel's full rate: watts?
    ("Crank every channel up to 50 watts", "not_understood"),  # not a cap of 50 W on each channel
    ("Weight 3 on channels 2 and 5 over channels 1 and 4", "not_understood"),  # 1, 2, 4, 5: not the others
    ("Channels 3 to 6: min 1.6, max 1.4", "not_understood"),  # a floor above its cap
    ("Reset everything", "reset to what?"),
    ("A further 2 W", "not_understood"),  # more, or to 2 W? no verb says
    ("Use only channel 3, nothing else changes", "ambiguous"),  # "only these on" replaces the weights
    ("Keep only channel 3 on; the rest on", "ambiguous"),  # "the rest on" against "only 3 on"
    ("Set the power to - 5 W", "declined"),  # a spaced minus after "to" is still a minus
    # a stated situation is set aside only beside a command, and only when it holds no
    # channel, amount, negation or instruction word
    ("The rain has stopped.", "not_understood"),
    ("Undo that. Set 20 W.", 'could not read "undo"'),
    ("The weights are wrong. Set 20 W.", "not_understood"),
    ("Nothing has changed. Set 20 W.", "not_understood"),
    ("The amplifier is bad. Set 20 W.", "not_understood"),  # a fault on equipment: whose?
    ("Lower us 2 watts over the present allowance", "not_understood"),  # "lower" and "over" disagree
]


@pytest.mark.parametrize("policy,reason", KEPT, ids=[k[0] for k in KEPT])
def test_what_could_be_read_two_ways_is_kept(policy, reason):
    d = decide(policy)
    assert d.status == Status.KEPT
    assert reason in d.status_detail


def test_a_list_comma_is_a_clause_comma_only_where_the_list_does_not_read():
    # "favour 1, 2 off": "1, 2" as a list leaves "favour ... off", which is no command; the
    # comma as a clause comma reads. "Only 1, 2 off" reads as a list: both go off
    assert "channel 2 off; weights 4 on 1" in decide("Favour 1, 2 off, 20 W").readback
    assert "channels 1-2 off" in decide("Only 1, 2 off").readback


def test_a_background_sentence_is_kept_beside_the_command_as_context():
    clauses = parse_policy("The festival has wound down. Cut the budget to 15 W.").clauses
    assert clauses[0].kind == "context"
    assert clauses[0].extra["background"] == "The festival has wound down."
    assert [c.kind for c in clauses[1:]] == ["budget"]


def test_a_floor_before_its_channel_is_not_read_as_or_more():
    # "2 min 1.8" is channel 2 at least 1.8 bits, never "2 bits or more" on some channels
    d = decide("ch 4 off, 2 min 1.8")
    assert d.status != Status.KEPT, d.status_detail
    assert "MI at least 1.8 bits on 2" in d.readback


def _in_force_snapshot():
    """The design snapshot at 30 W with a command in force that doubles channel 5's weight."""
    import dataclasses

    import numpy as np

    w = np.ones(8)
    w[4] = 2.0
    return dataclasses.replace(design_snapshot(p_total=IN_FORCE), weights=w / w.sum())


def test_the_only_change_keeps_the_weights_and_budget_in_force():
    d = Navigator(RulesBackend()).decide(_in_force_snapshot(), "Cap channel 2 at 1.4 bits; that's the only change")
    assert d.status != Status.KEPT, d.status_detail
    assert "MI at most 1.4 bits on 2; weights 2 on 5, 1 on 1-4,6-8; budget 30" in d.readback


def test_a_reset_drops_the_weights_in_force():
    for policy in ("Scrap that, run at 25 W", "Forget the old weights, run at 25 W"):
        d = Navigator(RulesBackend()).decide(_in_force_snapshot(), policy)
        assert "equal weights on 1-8; budget 25" in d.readback
    kept = Navigator(RulesBackend()).decide(_in_force_snapshot(), "Run at 25 W")
    assert "weights 2 on 5" in kept.readback  # a budget alone keeps them


def test_a_priority_on_the_weights_in_force_does_not_compound_over_calls():
    import dataclasses

    import numpy as np

    snap = _in_force_snapshot()
    seen = []
    for _ in range(3):
        d = Navigator(RulesBackend()).decide(snap, "Favour channel 2, nothing else changes")
        seen.append(np.asarray(d.weights) / np.max(d.weights))
        snap = dataclasses.replace(snap, weights=np.asarray(d.weights))
    assert np.allclose(seen[0], seen[1]) and np.allclose(seen[1], seen[2])
    assert seen[0][1] == pytest.approx(1.0) and seen[0][4] / seen[0][0] == pytest.approx(2.0)
