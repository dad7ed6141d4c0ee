"""The drill measurements and the fault table, without ROS."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from steer_ros.lab.faults import catalogue
from steer_ros.lab.faults.metrics import RowResult, feasibility_violations, step_rate, violates
from steer_ros.lab.faults.report import format_table, summary, write_json


def sample(t, step, power, p_total=40.0):
    return SimpleNamespace(t=t, stamp=t, step=step, power=np.asarray(power, float), p_total=p_total)


def test_violations_use_the_absolute_tolerance_and_the_budget_range():
    assert violates(sample(0, 0, [20.0, 20.0])) == ""
    assert violates(sample(0, 0, [20.0, 20.0 + 5e-10])) == ""
    assert "sum P_i" in violates(sample(0, 0, [20.0, 20.0 + 2e-9]))
    assert "outside" in violates(sample(0, 0, [1.0], p_total=41.0))
    assert "outside" in violates(sample(0, 0, [0.1], p_total=0.5))
    assert "negative" in violates(sample(0, 0, [-1.0, 2.0]))
    assert "non-finite" in violates(sample(0, 0, [math.nan, 1.0]))
    assert feasibility_violations([sample(0, 0, [1.0]), sample(1, 1, [50.0])]) == 1


def test_step_rate_is_measured_on_the_header_stamps():
    samples = [sample(0.05 * k, 25 * k, [1.0]) for k in range(21)]
    assert step_rate(samples) == pytest.approx(500.0)
    r = RowResult("x", "llm").measure(samples, 0.0, 1.0)
    assert r.rate_kept == pytest.approx(1.0) and r.allocations == 21 and r.violations == 0
    assert r.max_gap_s == pytest.approx(0.05)
    assert math.isnan(step_rate(samples[:1]))


def test_table_and_json(tmp_path):
    rows = [RowResult("llm_hang", "llm", step_rate_hz=495.0, allocations=40, outcome="FALLBACK",
                      detail="timeout: no reply within 1 s", recovery_s=0.5, passed=True, max_gap_s=0.08)]
    table = format_table(rows)
    assert "llm_hang" in table and "99.0 %" in table and "FALLBACK" in table and "0.50 s" in table
    assert "0 feasibility violations" not in summary(rows) and "1 passed" in summary(rows)
    doc = json.loads(write_json(rows, tmp_path / "faults.json", {"nav_period_s": 0.5}).read_text())
    assert doc["rows"][0]["rate_kept"] == pytest.approx(0.99)


def test_catalogue_rows_are_well_formed():
    for fault in catalogue.FAULTS:
        assert fault.outcome and fault.inject and fault.expect
        if fault.category == catalogue.LLM:
            assert fault.step is not None or fault.action == "stop_server", fault.name
        if fault.category == catalogue.NODE:
            assert fault.node in ("navigator", "guardrail", "channel_sim", "channel_mux")
    with pytest.raises(ValueError, match="unknown faults"):
        catalogue.select(["no_such_fault"])
