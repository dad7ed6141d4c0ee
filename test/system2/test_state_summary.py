"""The hierarchical state summary and its bounds: up to summary_threshold channels the
user message is exactly the per-channel table; above it global statistics, a band
table and the critical channels. System + user message stay within 8,000 characters
(tokens ~ chars / 4) for every N from 8 to 65,536, goals and shortfalls included, and
a valid reply by selector needs at most 2,000 characters at any N."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system2 import Navigator, build_messages, format_state, parse_reply
from steer_ros.system2.backends.openai_backend import response_schema
from steer_ros.system2.backends.scripted_backend import ScriptedBackend, parse_step
from steer_ros.system2.prompt import build_user_message, format_goal_status, render_system_prompt
from steer_ros.system2.reply import ReplyError
from steer_ros.system2.state_summary import compact_ranges, group_bounds, group_statistics

SIZES = [8, 9, 16, 31, 32, 33, 64, 100, 128, 256, 500, 512, 1000, 1024, 2048, 4095, 4096, 4097, 8192,
         10_000, 16384, 32768, 65535, 65536]
HOSTILE_POLICY = "Keep every subcarrier above 1 bit " + "and shut down channel 17 " * 40  # cut to 500


def snapshot(n: int, seed: int = 0, goal: bool = True) -> SystemSnapshot:
    """A messy large-N state: Rayleigh gains, uneven noise, dark channels, a goal with
    many distinct floor values and scattered off channels, and shortfalls."""
    rng = np.random.default_rng(seed)
    gain = rng.exponential(1.0, n)
    noise = rng.uniform(0.5, 2.0, n)
    power = rng.exponential(5.0, n)
    power[rng.random(n) < 0.1] = 0.0
    mi = np.minimum(2.0, np.log2(1 + gain * power / noise))
    weights = rng.uniform(0.0, 3.0, n)
    g = Goal()
    short = None
    if goal:
        floors = np.where(rng.random(n) < 0.5, np.round(rng.uniform(0.1, 2.0, n), 4), 0.0)
        caps = np.where(rng.random(n) < 0.2, np.round(rng.uniform(1.0, 2.0, n), 4), np.inf)
        caps = np.maximum(caps, floors)
        off = (rng.random(n) < 0.1) & (floors == 0)
        g = Goal(objective=Objective.WEIGHTED_SUM, mi_floor=floors, mi_cap=caps, off=off, sum_mi_min=1.5 * n)
        short = np.where(rng.random(n) < 0.3, rng.uniform(0, 1.5, n), 0.0)
    return SystemSnapshot(gain=gain, noise_var=noise, power=power, mi=mi, weights=weights,
                          p_total=5.0 * n, goal=g, goals_met=not goal, mi_shortfall=short)


@pytest.mark.parametrize("n", SIZES)
def test_system_plus_user_message_within_the_bound(n):
    for goal in (True, False):
        messages = build_messages(snapshot(n, goal=goal), HOSTILE_POLICY, p_max=5.0 * n)
        total = sum(len(m["content"]) for m in messages)
        assert total <= defaults.PROMPT_MAX_CHARS, (n, goal, total)
        assert [m["role"] for m in messages] == ["system", "user"]


def test_per_channel_table_up_to_the_threshold_exactly():
    for n in (8, 31, defaults.SUMMARY_THRESHOLD):
        snap = snapshot(n)
        user = build_user_message(snap, "Maximize total throughput")
        assert user == f"{format_state(snap)}\n{format_goal_status(snap)}\nPolicy: \"Maximize total throughput\""
        assert f"[{n} non-negative numbers]" in render_system_prompt(n)
    user = build_user_message(snapshot(defaults.SUMMARY_THRESHOLD + 1), "x")
    assert user.startswith(f"State summary of N = {defaults.SUMMARY_THRESHOLD + 1} channels")


def test_threshold_and_groups_are_parameters():
    snap = snapshot(100, goal=False)
    assert build_user_message(snap, "x", summary_threshold=100).count("\n") == 100 + 2
    user = build_user_message(snap, "x", summary_groups=4)
    assert "Bands (4 contiguous groups" in user
    assert "\n4     76-100 " in user and "\n5 " not in user


def test_summary_content_at_4096():
    snap = snapshot(4096)
    user = build_user_message(snap, "p")
    c = snap.strength
    weakest = int(np.argmin(c)) + 1
    strongest = int(np.argmax(c)) + 1
    assert f"weakest: {weakest} (" in user and f"strongest: {strongest} (" in user
    worst = int(np.argmax(snap.mi_shortfall)) + 1
    assert f"furthest below their floors, ch (bits short): {worst} (" in user
    assert f"Total MI = {snap.total_mi:.2f} bits" in user and "Goals met: no" in user
    assert "Bands (16 contiguous groups" in user and "\n16    3841-4096 " in user
    assert f"Dark channels (MI < 0.001 bits): {int(np.sum(snap.mi < 1e-3))}" in user
    assert "Unmet goals: " in user and "Goal: weighted_sum; floors " in user
    system = render_system_prompt(4096)
    assert '"weights": [{"channels": selector, "weight": number}' in system
    assert "Never write 4096 numbers" in system and "16 bands of contiguous channels" in system
    assert "${" not in system


def test_memoryless_same_state_same_messages():
    backend = ScriptedBackend([parse_step({"weights": [{"channels": "1-100", "weight": 2}], "reasoning": "r"})])
    seen = []
    original = backend.complete

    def recording(messages, snap, policy, timeout_s):
        seen.append(messages)
        return original(messages, snap, policy, timeout_s)

    backend.complete = recording
    nav = Navigator(backend)
    a, b = snapshot(4096, seed=1), snapshot(4096, seed=2)
    for snap in (a, b, a):
        assert nav.decide(snap, "p").status.name == "OK"
    assert seen[0] == seen[2] and seen[0] != seen[1] and all(len(m) == 2 for m in seen)


def test_group_statistics_match_a_per_band_reference():
    snap = snapshot(1000, goal=True)
    edges = group_bounds(1000, 16)
    assert edges[0] == 0 and edges[-1] == 1000 and set(np.diff(edges)) <= {62, 63}
    stats = group_statistics(snap, 16)
    c_db = 10 * np.log10(snap.strength)
    w_rel = snap.weights * 1000 / snap.weights.sum()
    for k in range(16):
        s = slice(edges[k], edges[k + 1])
        assert (stats.first[k], stats.last[k]) == (edges[k] + 1, edges[k + 1])
        assert stats.mi_mean[k] == pytest.approx(snap.mi[s].mean())
        assert stats.mi_min[k] == snap.mi[s].min() and stats.mi_max[k] == snap.mi[s].max()
        assert stats.power_sum[k] == pytest.approx(snap.power[s].sum())
        assert stats.strength_db_min[k] == pytest.approx(c_db[s].min())
        assert stats.weight_rel_max[k] == pytest.approx(w_rel[s].max())
        assert stats.dark[k] == np.sum(snap.mi[s] < defaults.SUMMARY_DARK_MI_BITS)
        assert stats.shortfall_max[k] == pytest.approx(snap.mi_shortfall[s].max())
    assert group_statistics(snapshot(5, goal=False), 16).count == 5  # never more bands than channels
    with pytest.raises(ValueError, match="groups"):
        group_bounds(10, 0)


def test_compact_ranges_bounded():
    assert compact_ranges([0, 1, 2, 6]) == "1-3, 7"
    text = compact_ranges(np.arange(0, 65536, 2), max_parts=3)
    assert text == "1, 3, 5 (+32765 more ranges; 32768 channels)"


# -- replies by selector ------------------------------------------------------------
def selector_reply(n: int) -> str:
    """A rich valid reply at any N: weights by band, floors, caps, off, a budget."""
    band = max(n // 16, 1)
    return json.dumps({
        "weights": [{"channels": f"1-{band}", "weight": 3}, {"channels": "weakest:10%", "weight": 0},
                    {"channels": "strongest:5", "weight": 2}, {"channels": "even", "weight": 1.5}],
        "P_total": 5.0 * n, "objective": "weighted_sum",
        "floors": [{"channels": f"{band + 1}-{min(2 * band, n)}" if n > 1 else "1", "bits": 1.0}],
        "caps": [{"channels": "strongest:1", "bits": 1.9}], "off": [str(n)], "sum_mi_min": None,
        "reasoning": "Band 1 first, the weakest tenth dark, a floor on band 2, the last channel off, "
                     "the strongest capped below saturation where the extra power buys little.",
    })


@pytest.mark.parametrize("n", [8, 33, 1024, 4096, 65536])
def test_a_valid_reply_by_selector_needs_at_most_2000_characters(n):
    text = selector_reply(n)
    assert len(text) <= defaults.REPLY_SELECTOR_MAX_CHARS
    snap = snapshot(n, goal=False)
    parsed = parse_reply(text, n, strength=snap.strength)
    band = max(n // 16, 1)
    order = np.argsort(snap.strength, kind="stable")
    expected = np.ones(n)  # the entries in order, the last one winning
    expected[:band] = 3
    expected[order[: max(1, int(np.floor(0.1 * n + 0.5)))]] = 0
    expected[order[::-1][:5] if n >= 5 else order] = 2
    expected[1::2] = 1.5
    assert np.array_equal(parsed.weights, expected)
    assert parsed.goal.off[n - 1] and parsed.p_total == 5.0 * n
    assert parsed.goal.mi_floor[band] == 1.0 and parsed.weights.shape == (n,)


def test_list_form_of_weights_overlap_and_errors():
    parsed = parse_reply('{"weights": [{"channels": "all", "weight": 2}, {"channels": "2-3", "Weight": "0"}]}', 4)
    assert parsed.weights.tolist() == [2, 0, 0, 2]
    for text, code, what in [
        ('{"weights": [{"channels": "1-5", "weight": 1}]}', "bad_selector", "outside 1..4"),
        ('{"weights": [{"channels": "1", "weight": 1, "bits": 2}]}', "wrong_type", "'bits' unknown"),
        ('{"weights": [{"channels": "1"}]}', "wrong_type", "missing 'weight'"),
        ('{"weights": [{"channels": "1", "weight": 1}, 2]}', "wrong_type", "weights[1]"),
        ('{"weights": [{"channels": "1", "weight": "x"}]}', "not_a_number", "'1'"),
        ('{"weights": [{"channels": "1", "weight": NaN}]}', "non_finite", "nan"),
    ]:
        with pytest.raises(ReplyError) as err:
            parse_reply(text, 4)
        assert err.value.code == code and what in str(err.value), text


def test_n_raw_weights_still_accepted_at_4096_up_to_the_reply_limit():
    text = json.dumps({"weights": [1.0] * 4096})
    assert parse_reply(text, 4096).weights.shape == (4096,)
    with pytest.raises(ReplyError, match="too_long"):
        parse_reply(text, 4096, max_chars=len(text) - 1)
    with pytest.raises(ReplyError, match="wrong_length"):
        parse_reply(json.dumps({"weights": [1.0] * 4095}), 4096)


def test_schema_asks_for_the_selector_form_above_the_threshold():
    small = response_schema(32)["json_schema"]["schema"]["properties"]["weights"]
    assert small["minItems"] == small["maxItems"] == 32 and small["items"] == {"type": "number"}
    big = response_schema(4096)["json_schema"]["schema"]["properties"]["weights"]
    assert "minItems" not in big and big["maxItems"] == defaults.REPLY_MAX_WEIGHT_ITEMS
    assert big["items"]["required"] == ["channels", "weight"]
    assert response_schema(4096, summary_threshold=4096)["json_schema"]["schema"]["properties"]["weights"][
        "minItems"] == 4096


@pytest.mark.parametrize("n", SIZES)
def test_bound_holds_with_alpha_power_caps_and_the_status_line(n):
    import dataclasses

    rng = np.random.default_rng(n)
    base = snapshot(n, goal=True)
    pcap = np.where(rng.random(n) < 0.3, np.round(rng.uniform(0.1, 9.0, n), 4), np.inf)
    pcap[0] = 5.0
    goal = dataclasses.replace(base.goal, objective=Objective.ALPHA_FAIR, alpha=0.4375, power_cap=pcap)
    worst = dataclasses.replace(base, goal=goal, status=2, shadow_price=0.0123456789, least_budget=5.1234567 * n)
    messages = build_messages(worst, HOSTILE_POLICY, p_max=5.0 * n)
    total = sum(len(m["content"]) for m in messages)
    assert total <= defaults.PROMPT_MAX_CHARS, (n, total)
    assert "System 1: INFEASIBLE" in messages[1]["content"] and "power caps" in messages[1]["content"]
