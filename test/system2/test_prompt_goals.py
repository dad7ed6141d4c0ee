"""The goal language in the prompt (the constellation's ceiling, not a hard-coded
2 bits), unmet goals in the user message, and the structured-output schema, through
the real OpenAI-compatible test server."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from steer_ros.lab.fixtures import ScriptedOpenAIServer, design_snapshot
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system2 import BackendConfig, Navigator, build_user_message, make_backend, render_system_prompt
from steer_ros.system2.backends.openai_backend import response_schema
from steer_ros.system2.steer_decision import Status


@pytest.mark.parametrize("constellation,bits,name", [("qpsk", "2", "QPSK"), ("16qam", "4", "16-QAM"),
                                                    ("64qam", "6", "64-QAM")])
def test_system_prompt_quotes_the_constellations_ceiling(constellation, bits, name):
    text = render_system_prompt(8, constellation=constellation)
    assert f"saturates at {bits} bits" in text and f"each between 0\n  and {bits}" in text
    assert f"carrying {name} symbols" in text
    for word in ('"objective"', '"max_min"', '"min_power"', '"floors"', '"caps"', '"off"', '"sum_mi_min"',
                 "weakest:2", "off wins over a floor", "write the ranked selector"):
        assert word in text
    assert "${" not in text


def test_user_message_lists_the_goal_and_its_shortfalls():
    snap = design_snapshot()
    floors = np.zeros(8)
    floors[[1, 2]] = 1.5
    short = np.zeros(8)
    short[[1, 2]] = 0.31
    snap = dataclasses.replace(snap, goal=Goal(objective=Objective.MAX_MIN, mi_floor=floors), goals_met=False,
                               mi_shortfall=short)
    lines = build_user_message(snap, "p").splitlines()
    assert lines[-3] == "Goal: max_min; floors 1.5 bits on 2-3"
    assert lines[-2] == "Unmet goals: ch 2-3 0.31 bits below the floor"
    assert lines[-1] == 'Policy: "p"'


def test_user_message_without_goal_status_is_unchanged():
    snap = design_snapshot()
    assert len(build_user_message(snap, "p").splitlines()) == 8 + 3


def test_unmet_sum_floor_is_listed():
    snap = dataclasses.replace(design_snapshot(), goal=Goal(objective=Objective.MIN_POWER, sum_mi_min=15.0),
                               goals_met=False)
    assert f"Unmet goals: total MI {snap.total_mi:.2f} < sum_mi_min 15 bits" in build_user_message(snap, "p")


def test_schema_has_the_goal_fields_in_list_form_and_strict_shape():
    schema = response_schema(8)["json_schema"]["schema"]
    props = schema["properties"]
    assert set(schema["required"]) == set(props)
    assert props["objective"]["enum"] == ["weighted_sum", "max_min", "min_power", "alpha_fair"]
    item = props["floors"]["items"]
    assert item["required"] == ["channels", "bits"] and item["additionalProperties"] is False
    assert props["caps"] == props["floors"] and props["off"]["items"] == {"type": "string"}
    assert props["sum_mi_min"]["type"] == ["number", "null"]
    assert props["alpha"]["type"] == ["number", "null"]
    cap = props["power_caps"]["items"]
    assert cap["required"] == ["channels", "power"] and cap["additionalProperties"] is False
    esc = props["escalate"]
    assert esc["type"] == ["object", "null"] and esc["required"] == ["P_total"]


def test_a_goal_reply_through_the_openai_backend():
    reply = {"reasoning": "keep the weak ones up", "weights": [1] * 8, "P_total": 40, "objective": "weighted_sum",
             "floors": [{"channels": "weakest:2", "bits": 1.2}], "caps": [], "off": ["8"], "sum_mi_min": None}
    with ScriptedOpenAIServer([reply]) as server:
        cfg = BackendConfig(base_url=server.base_url, model="m", timeout_s=2.0)
        navigator = Navigator(make_backend(cfg), deadline_s=2.0)
        decision = navigator.decide(design_snapshot(), "keep the two weakest above 1.2 bits, 8 off")
        navigator.close()
        body = server.requests[0]
    assert decision.status == Status.OK, decision.status_detail
    np.testing.assert_allclose(decision.goal.floors(8), [1.2, 1.2, 0, 0, 0, 0, 0, 0])
    assert list(np.flatnonzero(decision.goal.off_mask(8))) == [7]
    assert "floors" in body["response_format"]["json_schema"]["schema"]["properties"]
    assert "saturates at 2 bits" in body["messages"][0]["content"]
