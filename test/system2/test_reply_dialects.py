"""Replies with one obvious reading are read (JSON5 dialects, a repeated object, a
budget-only reply) with a note; a draft followed by a different correction is refused."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros.system2.reply import ReplyError, parse_reply

N = 4


@pytest.mark.parametrize("text", [
    "{'weights': [1, 2, 3, 4], 'P_total': 20}",
    '{"weights": [1, 2, 3, 4], "P_total": 20,}',
    '{"weights": [1, 2, 3, 4], // the ramp\n "P_total": 20}',
    'Here it is:\n```json\n{weights: [1, 2, 3, 4], /* budget */ P_total: 20}\n```',
])
def test_json5_dialects_are_read_with_a_note(text):
    parsed = parse_reply(text, N)
    np.testing.assert_array_equal(parsed.weights, [1, 2, 3, 4])
    assert parsed.p_total == 20
    assert parsed.notes == ("read the reply as json5 (not strict JSON)",)


def test_missing_commas_in_a_closed_object_are_repaired():
    parsed = parse_reply('{"weights": [1 2 3 4] "P_total": 20}', N)
    np.testing.assert_array_equal(parsed.weights, [1, 2, 3, 4])
    assert parsed.notes == ("repaired malformed JSON (json-repair)",)


def test_strict_json_has_no_note():
    assert parse_reply('{"weights": [1, 2, 3, 4]}', N).notes == ()


def test_an_object_cut_off_is_not_guessed():
    with pytest.raises(ReplyError) as info:
        parse_reply('{"weights": [1, 2, 3, 4], "P_tot', N)
    assert info.value.code == "unparsable"


def test_the_same_object_twice_is_one_command():
    text = '{"weights": [1, 2, 3, 4]}\nAgain: {"weights": [1, 2, 3, 4]}'
    np.testing.assert_array_equal(parse_reply(text, N).weights, [1, 2, 3, 4])


@pytest.mark.parametrize("text", [
    '{"weights": [1, 1, 1, 1]} Wait, correction: {"weights": [1, 2, 3, 4]}',
    "{'weights': [1, 1, 1, 1]}\n```json\n{\"weights\": [1, 1, 1, 1], \"P_total\": 30}\n```",
])
def test_two_different_command_objects_are_ambiguous(text):
    with pytest.raises(ReplyError) as info:
        parse_reply(text, N)
    assert info.value.code == "ambiguous_reply"
    assert "2 different command objects" in info.value.detail


def test_a_draft_inside_think_is_not_a_second_object():
    text = '<think>maybe {"weights": [1, 1, 1, 1]}</think>{"weights": [1, 2, 3, 4]}'
    np.testing.assert_array_equal(parse_reply(text, N).weights, [1, 2, 3, 4])


def test_a_budget_only_reply_keeps_the_weights_in_force():
    parsed = parse_reply('{"P_total": 25}', N, current_weights=np.array([0.1, 0.2, 0.3, 0.4]))
    np.testing.assert_array_equal(parsed.weights, [0.1, 0.2, 0.3, 0.4])
    assert parsed.p_total == 25
    assert parsed.notes == ("no weights: the weights in force kept (a budget change only)",)
    with pytest.raises(ReplyError) as info:
        parse_reply('{"P_total": 25}', N)
    assert info.value.code == "missing_weights"


def test_an_objective_spelled_with_hyphens_is_read():
    parsed = parse_reply('{"objective": "Max-Min"}', N)
    assert parsed.goal.objective.name == "MAX_MIN"
    assert parsed.notes == ("objective 'Max-Min' read as max_min",)
    with pytest.raises(ReplyError) as info:
        parse_reply('{"objective": "fair"}', N)
    assert info.value.code == "bad_objective"


def test_unknown_keys_and_out_of_range_selectors_stay_refused():
    with pytest.raises(ReplyError) as info:
        parse_reply("{'floors': [{'channels': '1', 'bits': 1, 'priority': 2}]}", N)
    assert info.value.code == "bad_goal"
    with pytest.raises(ReplyError) as info:
        parse_reply("{'floors': {'5': 1}}", N)
    assert info.value.code == "bad_selector"
