"""The reader's constructions, each in wordings of its own (not the eval suites'): budgets
relative to the one in force, exceptions before and after the clause, broken / jammed /
under-maintenance channels, two sentences and "it" / "them" across them, ranges ("between",
"give or take", a floor and a ceiling in one clause), numbers in words, "only", strength
ratios, postfix bounds, reasons and what a channel carries (context, no instruction), and
other languages. Each is read back from the command; what must not be acted on is kept."""

from __future__ import annotations

import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system2 import Navigator, RulesBackend
from steer_ros.system2.backends.reader.lexer import lex
from steer_ros.system2.readback import readback
from steer_ros.system2.steer_decision import Status

IN_FORCE = 30.0  # the budget in force of these cases (P_max = 40)


def decide(policy: str):
    return Navigator(RulesBackend()).decide(design_snapshot(p_total=IN_FORCE), policy)


READ = [
    # budgets relative to the one in force (30) and to P_max (40)
    ("Cut the power by a quarter", "budget 22.5"),
    ("Reduce the budget by 10 W", "budget 20"),
    ("Lower the power by 25%", "budget 22.5"),
    ("Halve the current power", "budget 15"),
    ("Bring the power up by 5 watts", "budget 35"),
    ("Knock the budget down by a fifth", "budget 24"),
    ("Back the budget off by a third", "budget 20"),
    ("Take five watts off the budget", "budget 25"),
    ("Set the power to half of the maximum", "budget 20"),
    ("Run at sixty percent of full power", "budget 24"),
    ("Go to a quarter of the maximum", "budget 10"),
    ("Set the budget to twenty-five watts", "budget 25"),
    # exceptions, before and after their clause
    ("Shut down everything except channels 2 and 5", "channels 1,3-4,6-8 off"),
    ("Turn off every channel other than the strongest", "channels 1-7 off"),
    ("Disable all channels but the last two", "channels 1-6 off"),
    ("Except for channel 3, keep every channel above 1.5 bits", "MI at least 1.5 bits on 1-2,4-8"),
    ("Keep every channel above 1.5 bits except channel 3", "MI at least 1.5 bits on 1-2,4-8"),
    ("Cap all channels at 1.7 bits apart from the weakest", "MI at most 1.7 bits on 2-8"),
    # broken, jammed, under maintenance; where their power goes
    ("Channel 6 is broken", "channel 6 off"),
    ("The weakest channel is under maintenance", "channel 1 off"),
    ("Channel 4 has a broken antenna", "channel 4 off"),
    ("Leave channel 1 dark", "channel 1 off"),
    ("Channel eight is down. Spread its power over the rest.", "channel 8 off; equal weights on 1-7"),
    ("Channel 5 is not working; give its power to channel 7", "weights 4 on 7"),
    ("Channels 3 and 4 are out of order, maximize the throughput of the rest", "channels 3-4 off"),
    # two sentences, "it" / "them" across them, reasons and context
    ("Switch off channel two. Then cut the budget to 20 W.", "channel 2 off; equal weights on 1,3-8; budget 20"),
    ("Channel 3 carries telemetry. Cap it at 1 bit.", "MI at most 1 bit on 3"),
    ("Prioritize channel 8. Set the power to 25 W.", "weights 4 on 8, 1 on 1-7; budget 25"),
    ("We are over budget, halve the power", "budget 15"),
    ("Prioritize channels 2 and 6 but never spend more than 25 W", "budget 25"),
    # ranges and postfix bounds
    ("Keep channel 2 between 1 and 1.5 bits", "MI 1-1.5 bits on 2"),
    ("Channel 4 should stay within 1.2 to 1.6 bits", "MI 1.2-1.6 bits on 4"),
    ("Hold channel 1 at 1.4 bits plus or minus 0.2", "MI 1.2-1.6 bits on 1"),
    ("Channel 3 needs at least 1.2 and at most 1.6 bits", "MI 1.2-1.6 bits on 3"),
    ("Keep channel two at one point five bits or more", "MI at least 1.5 bits on 2"),
    ("Channels 1 and 2 each need 1.5 bits minimum", "MI at least 1.5 bits on 1-2"),
    ("Cap the three weakest at 1.2 bits each", "MI at most 1.2 bits on 1-3"),
    ("Channel 3 may not exceed 1.2 bits", "MI at most 1.2 bits on 3"),
    # "only"
    ("Only channels five to eight should stay on", "channels 1-4 off"),
    ("Only use channels 1 and 2", "channels 3-8 off"),
    ("Only spend 20 W", "budget 20"),
    ("Only the last half of the channels should carry traffic", "channels 1-4 off"),
    # strength ratios
    ("Give channel 3 three times the weight of the others", "weights 3 on 3, 1 on 1-2,4-8"),
    ("Weight channel 2 three to one over the rest", "weights 3 on 2, 1 on 1,3-8"),
    ("Channels 7 and 8 count triple compared with the others", "weights 3 on 7-8, 1 on 1-6"),
    ("Channel 1 is worth twice as much as any other channel", "weights 2 on 1, 1 on 2-8"),
    ("Give the strongest channel a third of the weight of the others", "weights 3 on 1-7, 1 on 8"),
    # priorities and objectives in plain words
    ("Put channel 2 first", "weights 4 on 2"),
    ("Channel 3 is the most important one", "weights 4 on 3"),
    ("Push as much data as possible", "equal weights on 1-8; budget 40"),
    ("Make the weakest channel as fast as possible", "max-min"),
    # other languages
    ("Kanal 6 ist kaputt", "channel 6 off"),
    ("Alle Kanäle außer 1 und 8 abschalten", "channels 2-7 off"),
    ("Utilise seulement les canaux 2 à 4", "channels 1,5-8 off"),
    ("Usa solo los canales 5 a 8", "channels 1-4 off"),
]


@pytest.mark.parametrize("policy,expected", READ, ids=[p for p, _ in READ])
def test_each_construction_reads_back_to_its_command(policy, expected):
    d = decide(policy)
    assert d.status != Status.KEPT, d.status_detail
    assert expected in readback(d, 8)


KEPT = [
    ("Triple the budget", "declined: the policy asks for P_total = 90"),
    ("Increase the transmit power by half", "declined: the policy asks for P_total = 45"),
    ("Give channel 3 top priority and turn off channel 3", "declined: the policy turns channels off and favours"),
    ("Keep channel 3 off and favour channel 3", "declined: the policy turns channels off and favours"),
    ("Turn off all channels except channel 9", "declined: the policy names channels that do not exist"),
    ("Keep channel 4 at 1.5 bits", "at least or at most?"),
    ("Channel 1 carries the video feed", "asks for nothing"),
    ("We're running too hot", "asks for nothing"),
    ("Channel 5 is broken, spread the power over the zebras", "could not read \"zebras\""),
    ("Cut the power by a third of a fortnight", "could not read \"fortnight\""),
    # a floor on a channel the policy also turns off: both readings named, neither acted on
    ("Keep channel 5 above 1.9 bits but switch it off", "ambiguous: the policy turns channel(s) 5 off"),
    ("Switch off the weakest channel and make sure it gets at least 1 bit", "either they are off"),
    ("Channel 2 is broken; channel 2 needs 1.5 bits or more", "ambiguous: the policy turns channel(s) 2 off"),
]


@pytest.mark.parametrize("policy,reason", KEPT, ids=[p for p, _ in KEPT])
def test_what_is_not_a_safe_reading_is_kept_with_the_reason(policy, reason):
    d = decide(policy)
    assert d.status == Status.KEPT
    assert reason in d.status_detail, d.status_detail


@pytest.mark.parametrize("text,value", [
    ("thirty five", 35.0), ("thirty-five", 35.0), ("one point nine", 1.9), ("two point two five", 2.25),
    ("channel one", 1.0), ("ninety nine", 99.0),
])
def test_numbers_in_words_are_made_whole(text, value):
    nums = [float(s.text[4:]) for s in lex(text).symbols if s.text.startswith("NUM:")]
    assert nums == [value]


def test_one_after_a_rank_is_the_noun_not_the_number():
    assert [s.text for s in lex("the weakest one").symbols] == ["RANK:weakest", "CHAN"]


def test_a_decimal_comma_is_read_only_in_a_language_that_writes_one():
    assert "NUM:1.2" in [s.text for s in lex("Garde le canal 3 entre 1,2 et 1,4 bit").symbols]
    assert "NUM:1.2" not in [s.text for s in lex("shut down channels 1,2 and 3").symbols]


def test_power_spread_onto_named_channels_is_a_priority_only_after_a_shutdown():
    d = decide("Spread the power over channels 2 and 3")
    assert d.status == Status.KEPT and "ambiguous: the power goes to channels 2,3" in d.status_detail
    d = decide("Channel 5 is jammed, spread its power over channels 2 and 3")
    assert d.status != Status.KEPT and "channel 5 off" in readback(d, 8)


@pytest.mark.parametrize("policy", [
    "Favour every channel except the strongest two",
    "Prioritize all channels but channel 8",
    "Favour channels 1 to 6",
])
def test_a_plain_priority_on_most_channels_is_a_lighter_weight_on_the_rest(policy):
    d = decide(policy)
    assert d.status != Status.KEPT, d.status_detail
    assert "weights 2 on" in readback(d, 8), readback(d, 8)


def test_a_plain_priority_on_a_few_channels_keeps_the_full_ratio():
    assert "weights 4 on 3" in readback(decide("Favour channel 3"), 8)
