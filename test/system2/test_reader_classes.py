"""The offline reader reads wordings by semantic role, not by sentence: for each class
(budget verbs up and down, unusable channels and their causes, context that asks
nothing, favour / bias / lighter-weight verbs, limit states, fairness, ratios and
numbers in words, "only" with transmit verbs) invented variants that no suite holds
read to the command their role says; a contradiction or an unknown word keeps the
command in force."""

from __future__ import annotations

import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system2 import Navigator, RulesBackend
from steer_ros.system2.readback import readback
from steer_ros.system2.steer_decision import Status

IN_FORCE = 30.0  # the budget in force (P_max = 40)


def decide(policy: str):
    return Navigator(RulesBackend()).decide(design_snapshot(p_total=IN_FORCE), policy)


READ = [
    # budget verbs, down and up, relative to the budget in force (30)
    ("Slash the budget by a quarter", "budget 22.5"),
    ("Pare 4 W off the power", "budget 26"),
    ("Chop 20% off the power", "budget 24"),
    ("Hike the power by 10%", "budget 33"),
    ("Top up the budget by 2 W", "budget 32"),
    ("Operate at 75 percent of the current level", "budget 22.5"),
    ("Set the budget to seven and a half watts", "budget 7.5"),
    ("We can only afford 12 W right now", "budget 12"),
    # a channel that cannot be used: states, idioms, causes
    ("Channel 3 keeps cutting out, don't use it", "channel 3 off"),
    ("Channel 2 is flaky, switch it off", "channel 2 off"),
    ("We've lost channel 7 to a hardware fault", "channel 7 off"),
    ("Channel 6 is out of commission for the day", "channel 6 off"),
    ("Consider channel 1 dead", "channel 1 off"),
    ("Mark channel 4 as out of service", "channel 4 off"),
    ("Channel 5's amplifier has died", "channel 5 off"),
    ("Channel 2 is drowned in noise", "channel 2 off"),
    ("No signal on channel 8 anymore", "channel 8 off"),
    # context that asks nothing, then a request
    ("Channel 4 carries the navigation data. Keep it above 1.8 bits.", "MI at least 1.8 bits on 4"),
    ("The battery is running low. Cut the power to 25 W.", "budget 25"),
    ("Channel 1 is just the heartbeat. Cap it at 1 bit.", "MI at most 1 bit on 1"),
    ("Power is scarce, use at most 18 W", "budget 18"),
    # favour, bias, tilt; and the lighter weight
    ("Skew the power towards channel 5", "weights 4 on 5"),
    ("Lean towards the two weakest channels", "weights 4 on 1-2"),
    ("Weight the allocation in favor of channels 1 and 2", "weights 4 on 1-2"),
    ("Raise the priority of channel 7", "weights 4 on 7"),
    ("Deprioritize channel 8", "weights 4 on 1-7, 1 on 8"),
    ("Lower the weight of the strongest channel", "weights 4 on 1-7, 1 on 8"),
    ("Favour all channels but the first", "weights 2 on 2-8, 1 on 1"),
    # limits written as states
    ("Channel 6 is capped at 1.4 bits", "MI at most 1.4 bits on 6"),
    ("Channels 1 and 2 are limited to 1.3 bits each", "MI at most 1.3 bits on 1-2"),
    ("Channel 3 shouldn't fall below 1.7 bits", "MI at least 1.7 bits on 3"),
    ("Channel three should never drop below one and a half bits", "MI at least 1.5 bits on 3"),
    # ratios, numbers in words
    ("Give channels 4 and 5 a 2:1 weighting over the rest", "weights 2 on 4-5, 1 on 1-3,6-8"),
    ("Make channel 2 two and a half times as important as the rest", "weights 2.5 on 2"),
    ("Double the weight of channel 4", "weights 2 on 4"),
    ("Halve the weight of the strongest channel", "weights 2 on 1-7, 1 on 8"),
    # "only", ranks by top / bottom
    ("Only the bottom three channels stay on", "channels 4-8 off"),
    ("Keep only the top two channels running", "channels 1-6 off"),
    ("Send traffic on channels 1 and 2 only", "channels 3-8 off"),
    ("Only transmit on the even channels", "channels 1,3,5,7 off"),
    # ranges, bounds after a colon or after their amount, exceptions written after the clause
    ("Odd channels: at least 1.6 bits", "MI at least 1.6 bits on 1,3,5,7"),
    ("Keep channel 5 in the 1.2 to 1.4 bit range", "MI 1.2-1.4 bits on 5"),
    ("Limit every channel to 1.8 bits, channels 2 and 3 excluded", "MI at most 1.8 bits on 1,4-8"),
    ("Do not touch channel 1; turn the others down to 1.6 bits max", "MI at most 1.6 bits on 2-8"),
    ("Turn channels 1 to 3 down to 1.2 bits max", "MI at most 1.2 bits on 1-3"),
    ("Everything off but channel 5", "channels 1-4,6-8 off"),
    ("Channel 7 is just video. Cap it at a quarter of a bit.", "MI at most 0.25 bits on 7"),
    # where the power of a failed channel goes; enumerated sentences; word order of other languages
    ("Channel 6 died, shift its share over to channel 2", "channel 6 off; weights 4 on 2"),
    ("Firstly, turn off the weakest channel. Secondly, equalize the rest.", "channel 1 off"),
    ("Channel 3 is the priority channel", "weights 4 on 3"),
    ("Solo los canales impares deben transmitir", "channels 2,4,6,8 off"),
    # words two classes share keep their older reading
    ("Turn off channel 3 for now", "channel 3 off"),
    ("Knock channel 3 out", "channel 3 off"),
    ("Channel 4 has a broken feed", "channel 4 off"),
    ("Leave channel 3 alone and cut the power to 20 W", "budget 20"),
    ("Channel 4 feeds the radar. Never let it fall below 1.8 bits.", "MI at least 1.8 bits on 4"),
    ("We've lost the link on channel 2", "channel 2 off"),
    ("Channel 5 is down for maintenance until tomorrow", "channel 5 off"),
    # a floor on every channel beside a shutdown is a floor on the channels left on (no contradiction)
    ("Keep every channel above 1.2 bits and switch off channel 8", "channel 8 off; MI at least 1.2 bits on 1-7"),
]


@pytest.mark.parametrize("policy,expected", READ, ids=[p for p, _ in READ])
def test_a_new_wording_of_a_known_role_reads_to_its_command(policy, expected):
    d = decide(policy)
    assert d.status != Status.KEPT, d.status_detail
    assert expected in readback(d, 8)


KEPT = [
    ("Keep channel 2 above 1.5 bits and turn channel 2 off", "ambiguous: the policy turns channel(s) 2 off"),
    ("Channel 4 is broken; keep channel 4 at 1.8 bits or more", "ambiguous: the policy turns channel(s) 4 off"),
    ("Bias the allocation towards the zebras", "could not read \"zebras\""),
    ("Channel 3 carries the radar feed", "asks for nothing"),
    ("Trim the budget", "not_understood"),  # by how much?
    ("Add another 5", "not_understood"),  # 5 what?
    ("Power is tight", "asks for nothing"),
    ("Cap everything at 1.7 bits, the zebras excluded", "could not read \"zebras\""),
]


@pytest.mark.parametrize("policy,reason", KEPT, ids=[p for p, _ in KEPT])
def test_a_contradiction_a_missing_amount_or_an_unknown_word_is_kept(policy, reason):
    d = decide(policy)
    assert d.status == Status.KEPT
    assert reason in d.status_detail, d.status_detail


def test_a_spanish_a_between_numbers_is_to_only_in_spanish():
    # "a 2:1 weighting" in English is a ratio; "canales 1 a 4" in Spanish is a range
    assert "weights 2 on 4-5" in readback(decide("Give channels 4 and 5 a 2:1 weighting over the rest"), 8)
    assert "channels 5-8 off" in readback(decide("Usa solo los canales 1 a 4"), 8)
