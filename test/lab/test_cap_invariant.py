"""The cap invariant checker (steer_ros.lab.faults.cap_invariant) on made-up timelines."""

from __future__ import annotations

import math

import pytest

from steer_ros.lab.faults.cap_invariant import check_cap


def test_a_handover_in_the_right_order_holds_and_in_the_wrong_order_breaks():
    # C = 30: radio1 gives up 5 at t = 2 before radio2 takes 5 more at t = 3.
    ok = {"radio1": [(0.0, 15.0), (2.0, 10.0)], "radio2": [(0.0, 15.0), (3.0, 20.0)]}
    c = check_cap(ok, 30.0, 1.0, 10.0)
    assert c.held and c.worst_margin == pytest.approx(0.0) and c.changes == 2
    # radio2 takes first: 15 + 20 = 35 between t = 2 and 3.
    bad = {"radio1": [(0.0, 15.0), (3.0, 10.0)], "radio2": [(0.0, 15.0), (2.0, 20.0)]}
    c = check_cap(bad, 30.0, 1.0, 10.0)
    assert not c.held and c.worst_margin == pytest.approx(-5.0) and c.t_worst == 2.0
    assert c.budgets_worst == {"radio1": 15.0, "radio2": 20.0}
    assert "BROKEN" in c.describe()


def test_simultaneous_stamps_take_force_together_and_order_of_arrival_does_not_matter():
    samples = {"radio1": [(2.0, 10.0), (0.0, 15.0)], "radio2": [(2.0, 20.0), (0.0, 15.0)]}
    c = check_cap(samples, 30.0, 0.0, 5.0)
    assert c.held and c.worst_margin == pytest.approx(0.0)


def test_path_gains_weight_each_radio():
    samples = {"radio1": [(0.0, 40.0)], "radio2": [(0.0, 10.0)]}
    assert check_cap(samples, 30.0, 0.0, 1.0, gains={"radio1": 0.5, "radio2": 1.0}).worst_margin == pytest.approx(0.0)
    assert not check_cap(samples, 30.0, 0.0, 1.0).held


def test_a_radio_unknown_at_the_start_is_not_vouched_for():
    samples = {"radio1": [(0.0, 10.0)], "radio2": [(2.0, 10.0)]}
    c = check_cap(samples, 30.0, 1.0, 5.0)
    assert not c.held and c.unknown == ["radio2"] and c.describe().startswith("cap_unknown: ")
    assert check_cap(samples, 30.0, 1.0, 5.0, before_first=5.0).held


def test_stamps_outside_the_window_are_not_counted_and_bad_input_is_refused():
    samples = {"radio1": [(0.0, 10.0), (6.0, 100.0)]}
    assert check_cap(samples, 30.0, 0.0, 5.0).held
    with pytest.raises(ValueError, match="non-finite"):
        check_cap({"radio1": [(0.0, math.nan)]}, 30.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="window"):
        check_cap(samples, 30.0, 2.0, 1.0)
