"""The channel selector grammar (steer_ros/channels/selectors.py): every form, ranking
ties toward the lower index, percentages rounding half up with at least one channel,
and errors that name the selector."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, parse_selector, resolve_selector

N = 8
STRENGTH = defaults.design_gains(N)  # increasing: channel 1 weakest, channel 8 strongest


def one_based(text, n=N, strength=STRENGTH):
    return (resolve_selector(text, n, strength) + 1).tolist()


@pytest.mark.parametrize("text, expected", [
    ("3", [3]),
    (3, [3]),
    ("1,2,5", [1, 2, 5]),
    ("5, 1 ,2", [1, 2, 5]),
    ("1-3", [1, 2, 3]),
    ("2 - 4", [2, 3, 4]),
    ("4-4", [4]),
    ("all", list(range(1, 9))),
    ("ALL", list(range(1, 9))),
    ("even", [2, 4, 6, 8]),
    ("odd", [1, 3, 5, 7]),
    ("weakest:3", [1, 2, 3]),
    ("strongest:2", [7, 8]),
    ("weakest:10%", [1]),  # 0.8 channels -> 1
    ("strongest:10%", [8]),
    ("strongest:50%", [5, 6, 7, 8]),
    ("1-2,even", [1, 2, 4, 6, 8]),
    ("weakest:1,strongest:1", [1, 8]),
    ("3,3,3", [3]),
])
def test_every_form(text, expected):
    assert one_based(text) == expected


def test_ranking_follows_gain_over_noise_not_gain():
    gain = np.array([1.0, 4.0, 2.0, 3.0])
    noise = np.array([1.0, 8.0, 1.0, 1.0])  # channel 2: 4 / 8 = 0.5, the weakest
    assert one_based("weakest:1", 4, gain / noise) == [2]
    assert one_based("strongest:2", 4, gain / noise) == [3, 4]


def test_ties_go_to_the_lower_index():
    flat = np.ones(6)
    assert one_based("weakest:2", 6, flat) == [1, 2]
    assert one_based("strongest:2", 6, flat) == [1, 2]
    strength = np.array([5.0, 1.0, 3.0, 1.0, 1.0, 5.0])
    assert one_based("weakest:2", 6, strength) == [2, 4]
    assert one_based("strongest:1", 6, strength) == [1]


def test_nan_strength_is_never_ranked_first():
    strength = np.array([np.nan, 1.0, 2.0])
    assert one_based("weakest:1", 3, strength) == [2]
    assert one_based("strongest:1", 3, strength) == [3]


@pytest.mark.parametrize("percent, n, count", [
    (10, 25, 3),    # 2.5 -> 3 (half up; Python's round would give 2)
    (10, 5, 1),     # 0.5 -> 1
    (1, 8, 1),      # 0.08 -> at least 1
    (29, 50, 15),   # 14.5 exactly (29 / 100 * 50 is 14.4999... in floating point)
    (57, 50, 29),   # 28.5
    (10, 4096, 410),
    (100, 7, 7),
    (12.5, 8, 1),
    (18.75, 8, 2),  # 1.5 -> 2
])
def test_percentage_rounds_half_up_with_at_least_one(percent, n, count):
    strength = np.arange(n, dtype=float)
    got = resolve_selector(f"weakest:{percent}%", n, strength)
    assert got.size == count
    np.testing.assert_array_equal(got, np.arange(count))  # and they are the weakest ones


def test_mask_and_ranked_flag():
    assert parse_selector("weakest:2").ranked
    assert not parse_selector("1-3,even").ranked
    np.testing.assert_array_equal(parse_selector("even").mask(4), [False, True, False, True])


def test_large_n_is_vectorized():
    n = 4096
    strength = np.random.default_rng(0).exponential(size=n)
    got = resolve_selector("weakest:10%", n, strength)
    assert got.size == 410
    assert np.max(strength[got]) <= np.min(np.delete(strength, got))


@pytest.mark.parametrize("text, n, strength, words", [
    ("", N, None, ["''", "empty"]),
    ("1,,2", N, None, ["'1,,2'", "empty"]),
    ("0", N, None, ["'0'", "channels count from 1"]),
    ("9", N, None, ["'9'", "channel 9", "outside 1..8"]),
    ("3-1", N, None, ["'3-1'", "ends before it starts"]),
    ("7-12", N, None, ["'7-12'", "range 7-12", "outside 1..8"]),
    ("weakest:0", N, STRENGTH, ["'weakest:0'", "at least 1"]),
    ("weakest:1.5", N, STRENGTH, ["'weakest:1.5'", "whole count"]),
    ("weakest:150%", N, STRENGTH, ["'weakest:150%'", "percentage"]),
    ("weakest:0%", N, STRENGTH, ["'weakest:0%'", "percentage"]),
    ("strongest:9", N, STRENGTH, ["'strongest:9'", "more than the 8"]),
    ("weakest:2", N, None, ["'weakest:2'", "needs the channel gains"]),
    ("weakest:2", N, np.ones(3), ["'weakest:2'", "3 strengths for 8"]),
    ("first:2", N, None, ["'first:2'", "cannot read"]),
    ("channels 1-3", N, None, ["'channels 1-3'", "cannot read"]),
    ("1", 0, None, ["'1'", "no channels"]),
])
def test_errors_name_the_selector_and_the_problem(text, n, strength, words):
    with pytest.raises(SelectorError) as info:
        resolve_selector(text, n, strength)
    for word in words:
        assert word in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [None, 1.5, True, ["1"]])
def test_non_string_selectors_are_refused(value):
    with pytest.raises(SelectorError, match="must be a string"):
        parse_selector(value)


def test_not_is_the_exact_complement_of_a_ranked_atom():
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 10, 64):
        for strength in (np.ones(n), np.round(rng.exponential(1.0, n), 1)):
            for atom in ("weakest:1", "strongest:1", "weakest:25%", "strongest:50%", f"weakest:{n}"):
                x = parse_selector(atom).mask(n, strength)
                assert np.array_equal(parse_selector(f"not:{atom}").mask(n, strength), ~x)
    # strongest:N-k is not a complement where strengths tie (both take the lower index)
    assert set(resolve_selector("weakest:1", 4, np.ones(4))) & set(resolve_selector("strongest:3", 4, np.ones(4)))
    assert parse_selector("not:weakest:10%").ranked
    for bad in ("not:3", "not:all", "not:not:weakest:2", "not:"):
        with pytest.raises(SelectorError, match="not"):
            parse_selector(bad)
