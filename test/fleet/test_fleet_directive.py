"""Fleet commands on the coordinator: priorities, boxes, radios off, rate floors, cap."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steer_ros.fleet.config import fleet_config
from steer_ros.fleet.coordinator import Coordinator, InForce
from steer_ros.fleet.demand import budget_for_sum_mi, demand_curve
from steer_ros.fleet.directive import DirectiveError, limits_from_json


def _coordinator(k=4, cap=60.0):
    cfg = fleet_config(k, cap=cap, p_max=40.0, reserve=2.0, lease_s=1.0, skew_s=0.1)
    coord = Coordinator(cfg, now=0.0, epoch0=1)
    for i in range(k):
        c = demand_curve(np.linspace(0.3, 2.5, 8) / (i + 1), 1.0, None, budget_max=40.0)
        coord.on_curve(f"radio{i + 1}", c.price, c.budget, c.sum_mi)
    return coord


def _settle(coord, t=2.0):
    for _ in range(3):
        for g in coord.grants(t):
            coord.on_in_force(InForce(g.radio, g.epoch, g.budget, g.expires), t)
        t += 0.1
    return coord.desired


def test_off_radio_gets_nothing_and_its_reserve_still_counts():
    coord = _coordinator()
    coord.set_limits(limits_from_json(json.dumps({"off": [False, True, False, False], "epoch": 1}), 4))
    g = _settle(coord)
    assert g[1] == 0.0
    assert float(g.sum()) + 2.0 <= 60.0 + 1e-9  # the off radio's reserve stays reserved


def test_priority_and_cap_and_box():
    coord = _coordinator()
    base = _settle(coord).copy()
    coord.set_limits(limits_from_json(json.dumps({"priority": [1, 1, 5, 1], "cap": 40, "p_max": [10, 40, 40, 40]}),
                                      4))
    g = _settle(coord)
    assert float(g.sum()) <= 40.0 + 1e-9 and g[0] <= 10.0
    assert g[2] / g.sum() > base[2] / base.sum()  # radio 3 comes first


def test_rate_floor_becomes_a_budget_floor():
    coord = _coordinator()
    curve = coord.radios[3].curve
    floor_bits = float(np.interp(20.0, curve.budget[::-1], curve.sum_mi[::-1]))
    assert budget_for_sum_mi(curve, floor_bits) == pytest.approx(20.0, rel=1e-2)
    coord.set_limits(limits_from_json(json.dumps({"rate_floor": [0, 0, 0, floor_bits]}), 4))
    g = _settle(coord)
    assert g[3] >= 20.0 * 0.99 and float(g.sum()) <= 60.0 + 1e-9
    coord.set_limits(limits_from_json(json.dumps({"rate_floor": [15.9] * 4}), 4))  # more than the cap allows
    g = _settle(coord)
    assert coord.floors_cut and float(g.sum()) <= 60.0 + 1e-9


@pytest.mark.parametrize("text,code", [
    ("not json", "bad_json"), ("[1]", "bad_json"), ('{"priority": [1, 2]}', "wrong_length"),
    ('{"priority": [1, 0, 1, 1]}', "bad_value"), ('{"p_min": [5, 0, 0, 0], "p_max": [4, 9, 9, 9]}', "bad_value"),
    ('{"cap": -1}', "bad_value"), ('{"epoch": 3}', "stale_epoch"),
])
def test_bad_commands_are_refused_with_a_code(text, code):
    with pytest.raises(DirectiveError) as err:
        limits_from_json(text, 4, epoch_in_force=5)
    assert err.value.code == code


def test_null_entries_mean_none_for_that_radio():
    lim = limits_from_json('{"p_max": [10, null, null, null], "rate_floor": [null, 3, 0, 0]}', 4)
    assert lim.p_max[0] == 10 and np.all(np.isinf(lim.p_max[1:])) and lim.rate_floor.tolist() == [0, 3, 0, 0]
