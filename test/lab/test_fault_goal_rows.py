"""The goal rows of the fault catalogue without ROS: each row's scripted reply goes
through the real drill HTTP server, the openai backend, the navigator and the
guardrail at the default channel state (what the drill graph's channel_sim
publishes), and must end in the row's outcome and detail with the command in force
kept; the fade row's premise holds for the guardrail and for System 1 itself; the
pure helpers the drills added (same_goal, the CLI's row selection) behave."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.cli.faults import select_rows
from steer_ros.lab.faults import catalogue
from steer_ros.lab.faults.drill_harness import same_goal
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal
from steer_ros.system1.system1 import System1
from steer_ros.system2 import BackendConfig, Navigator, make_backend
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision

N = defaults.N_CHANNELS
BASE = defaults.design_gains(N)
NOISE = np.full(N, defaults.NOISE_VAR)
GOAL_ROWS = [f for f in catalogue.FAULTS if f.name.startswith("llm_goal_") and f.action != "fade"]
FADE = catalogue.BY_NAME["llm_goal_floors_after_fade"]


@pytest.fixture(scope="module")
def server():
    with DrillServer(catalogue.good_step()) as s:
        yield s


def in_force() -> SteerDecision:
    """The command in force when a row starts: the good reply, accepted."""
    w = np.asarray(catalogue.GOOD_WEIGHTS) / sum(catalogue.GOOD_WEIGHTS)
    return SteerDecision(weights=w, p_total=catalogue.GOOD_P_TOTAL, status=Status.OK)


def answer(server, step: dict, current: SteerDecision, gain: np.ndarray) -> SteerDecision:
    """One navigator cycle of the drill graph: the drill server answers ``step``, the
    guardrail (default p_min, p_max, alpha, constellation) judges it on ``gain``."""
    server.script.set(step, "row")
    backend = make_backend(BackendConfig(base_url=server.base_url, model=server.model, timeout_s=5.0))
    try:
        snapshot = SystemSnapshot(gain=gain, noise_var=NOISE, power=np.full(N, current.p_total / N),
                                  mi=np.zeros(N), weights=current.weights, p_total=current.p_total,
                                  goal=current.goal)
        raw = Navigator(backend, deadline_s=5.0).decide(snapshot, defaults.POLICY)
    finally:
        backend.close()
    return Guardrail().apply(raw, current, N, gain=gain, noise_var=NOISE)


def sample(goal: Goal) -> SimpleNamespace:
    """A CommandSample-like record of a goal as the guardrail node publishes it."""
    return SimpleNamespace(objective=int(goal.objective),
                           mi_floor=np.asarray(goal.mi_floor if goal.mi_floor is not None else (), float),
                           mi_cap=np.asarray(goal.mi_cap if goal.mi_cap is not None else (), float),
                           off=np.asarray(goal.off if goal.off is not None else (), bool),
                           sum_mi_min=float(goal.sum_mi_min))


@pytest.mark.parametrize("fault", GOAL_ROWS, ids=[f.name for f in GOAL_ROWS])
def test_goal_row_outcome_and_detail_from_the_real_parser_and_guardrail(server, fault):
    current = in_force()
    out = answer(server, fault.step, current, BASE)
    assert out.status.name == fault.outcome, out.status_detail
    assert out.status_detail.startswith(fault.detail), out.status_detail
    if fault.outcome == "OK":  # one obvious reading: off wins, the floor dropped on the off channel
        assert out.goal.has_off and not out.goal.has_floors
        return
    # FALLBACK changes nothing: weights, budget and goal in force are kept.
    np.testing.assert_allclose(out.weights, current.weights, atol=1e-12)
    assert out.p_total == current.p_total
    assert out.goal.is_plain and same_goal(sample(out.goal), sample(current.goal))


def test_catalogue_has_every_goal_row():
    assert {f.name for f in GOAL_ROWS} == {"llm_goal_infeasible_floors", "llm_goal_floor_above_cap",
                                           "llm_goal_selector_out_of_range", "llm_goal_unknown_key",
                                           "llm_goal_off_and_floored", "llm_goal_alpha_out_of_range",
                                           "llm_goal_alpha_nan", "llm_goal_negative_power_cap",
                                           "llm_goal_nan_power_cap", "llm_goal_power_cap_below_floor"}
    assert FADE.category == catalogue.LLM and FADE.outcome == "SHORTFALL_REPORTED"


def test_fade_row_premise_guardrail(server):
    """The floors are accepted at the default gains (EMA'd up), refused after the fade
    (infeasible_goal, the floors in force kept), whatever the EMA has reached."""
    floor, faded = FADE.payload["floor_bits"], BASE * FADE.payload["fade"]
    current = in_force()
    for _ in range(3):  # the drill waits for >= 90% of the floor (alpha 0.6: three commands)
        current = answer(server, FADE.step, current, BASE)
        assert current.status == Status.OK, current.status_detail
    floors = current.goal.floors(N)
    assert np.all(floors >= 0.9 * floor) and np.all(floors <= floor)
    refused = answer(server, FADE.step, current, faded)
    assert refused.status == Status.FALLBACK
    assert refused.status_detail.startswith("infeasible_goal: floors need P ="), refused.status_detail
    np.testing.assert_array_equal(refused.goal.floors(N), floors)
    # The first command of the row (floors at alpha x target) is refused after the fade too.
    first = answer(server, FADE.step, in_force(), BASE)
    assert answer(server, FADE.step, first, faded).status == Status.FALLBACK


def test_fade_row_premise_system1():
    """System 1 under the floors in force: met at the default gains; after the fade
    every step stays within P_total and reports goals_met false with a shortfall;
    met again once the gains are back."""
    floor, fade = FADE.payload["floor_bits"], FADE.payload["fade"]
    w = np.asarray(catalogue.GOOD_WEIGHTS) / sum(catalogue.GOOD_WEIGHTS)
    s1 = System1(gain=BASE)
    s1.set_command(w, catalogue.GOOD_P_TOTAL, Goal(mi_floor=np.full(N, 0.9 * floor)))
    for _ in range(30):
        s1.step()
    assert s1.goals_met and float(np.max(s1.mi_shortfall)) < 1e-6  # System 1's tolerance for a met floor
    s1.set_channels(BASE * fade, NOISE)
    for _ in range(30):
        s1.step()
        assert float(np.sum(s1.power)) <= catalogue.GOOD_P_TOTAL + 1e-9
        assert not s1.goals_met and float(np.min(s1.mi_shortfall)) > 0.0
    s1.set_channels(BASE, NOISE)
    for _ in range(30):
        s1.step()
    assert s1.goals_met


def test_same_goal_reads_empty_arrays_as_none():
    plain = sample(Goal())
    assert same_goal(plain, sample(Goal(mi_floor=np.zeros(N), mi_cap=np.full(N, math.inf))))
    assert not same_goal(plain, sample(Goal(mi_floor=np.full(N, 0.5))))
    assert not same_goal(sample(Goal(off=np.eye(N, dtype=bool)[1])), plain)


def test_row_selection_takes_commas_and_soak_rows():
    assert [f.name for f in select_rows(["llm_goal_unknown_key,llm_hang", "load_1khz_jakes"])] == \
        ["llm_goal_unknown_key", "llm_hang", "load_1khz_jakes"]
    assert [f.name for f in select_rows([], soak=True)] == [catalogue.SOAK_DEFAULT]
    assert [f.name for f in select_rows(["load_1khz_jakes"], soak=True)] == ["load_1khz_jakes"]
    with pytest.raises(ValueError, match="load rows only"):
        select_rows(["llm_hang"], soak=True)
    with pytest.raises(ValueError, match="unknown faults"):
        select_rows(["no_such_row"])
    jakes = catalogue.BY_NAME["load_1khz_jakes"].payload
    assert jakes["channel_sim"]["scenario"] == "jakes" and jakes["channel_sim"]["rate_hz"] == 1000.0
    assert jakes["channel_mux"]["max_publish_hz"] == 1000.0
