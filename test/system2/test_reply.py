"""parse_reply: what real servers send is accepted, everything else raises ReplyError
with a reason code."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steer_ros.system2 import ParsedReply, ReplyError, parse_reply

N = 4
OBJ = {"weights": [0.1, 0.2, 0.3, 0.4], "P_total": 25, "reasoning": "because"}
TEXT = json.dumps(OBJ)


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        f"```json\n{TEXT}\n```",
        f"```\n{TEXT}\n```",
        f"Here you go: {TEXT} -- hope that helps",
        f"<think>thinking {{not json}}</think>\n{TEXT}",
        f'{{"note": "first"}} then {TEXT}',
        json.dumps({"Weights": ["0.1", "0.2", " 0.3 ", "4e-1"], "p_total": "25", "reasoning": "because"}),
        json.dumps({"weights": [0.1, 0.2, 0.3, 0.4], "P_TOTAL": 25.0, "reasoning": "because"}),
    ],
    ids=["plain", "fence-json", "fence", "prose", "think", "two-objects", "strings", "caps"],
)
def test_accepted_shapes(text):
    reply = parse_reply(text, N)
    assert isinstance(reply, ParsedReply)
    np.testing.assert_allclose(reply.weights, [0.1, 0.2, 0.3, 0.4])
    assert reply.p_total == 25.0 and reply.reasoning == "because"


def test_p_total_optional_means_keep():
    reply = parse_reply(json.dumps({"weights": [1, 1, 1, 1]}), N)
    assert math.isnan(reply.p_total) and reply.reasoning == ""


def test_reasoning_content_and_think_block_fill_missing_reasoning():
    body = json.dumps({"weights": [1, 1, 1, 1]})
    assert parse_reply(body, N, reasoning_content="separate").reasoning == "separate"
    assert parse_reply(f"<think>inner</think>{body}", N).reasoning == "inner"


def test_negative_and_zero_weights_parse_for_the_guardrail():
    np.testing.assert_array_equal(parse_reply('{"weights": [-1, 0, 0, 0]}', N).weights, [-1, 0, 0, 0])


@pytest.mark.parametrize(
    "text,code",
    [
        (None, "empty"),
        ("   \n", "empty"),
        ("x" * 200_000, "too_long"),
        ("no json here", "unparsable"),
        ('{"weights": [1, 2', "unparsable"),
        ("[1, 2, 3, 4]", "unparsable"),
        ('{"P_total": 3}', "missing_weights"),
        ('{"weights": null}', "missing_weights"),
        ('{"weights": "1,2,3,4"}', "wrong_type"),
        ('{"weights": "1, 2"}', "wrong_type"),
        ('{"weights": [1, 2, 3]}', "wrong_length"),
        ('{"weights": [1, 2, 3, 4, 5]}', "wrong_length"),
        ('{"weights": [1, 2, "x", 4]}', "not_a_number"),
        ('{"weights": [1, 2, true, 4]}', "not_a_number"),
        ('{"weights": [1, 2, [3], 4]}', "not_a_number"),
        ('{"weights": [1, 2, null, 4]}', "not_a_number"),
        ('{"weights": [1, NaN, 3, 4]}', "non_finite"),
        ('{"weights": [1, -Infinity, 3, 4]}', "non_finite"),
        ('{"weights": [1, "nan", 3, 4]}', "non_finite"),
        ('{"weights": [1, 1e999, 3, 4]}', "non_finite"),
        ('{"weights": [1, 1, 1, 1], "P_total": "lots"}', "bad_p_total"),
        ('{"weights": [1, 1, 1, 1], "P_total": NaN}', "bad_p_total"),
        ('{"weights": [1, 1, 1, 1], "P_total": Infinity}', "bad_p_total"),
        ('{"weights": [1, 1, 1, 1], "P_total": [3]}', "bad_p_total"),
    ],
)
def test_failures_have_reason_codes(text, code):
    with pytest.raises(ReplyError) as info:
        parse_reply(text, N)
    assert info.value.code == code
    assert str(info.value).startswith(code + ": ") and info.value.detail


def test_wrong_length_detail_is_human_readable():
    with pytest.raises(ReplyError, match=r"^wrong_length: expected 4 weights, got 3$"):
        parse_reply('{"weights": [1, 2, 3]}', N)


def test_hostile_brace_soup_is_bounded():
    with pytest.raises(ReplyError) as info:
        parse_reply("{" * 50_000 + '"x"', N)
    assert info.value.code == "unparsable"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_raises_reply_error(text):
    try:
        reply = parse_reply(text, N)
    except ReplyError as err:
        assert err.code
        return
    assert reply.weights.shape == (N,) and np.all(np.isfinite(reply.weights))
    assert math.isnan(reply.p_total) or math.isfinite(reply.p_total)
