"""The N = 4096 LLM fault rows: each scripted reply fails with the row's reason code
through the real navigator, on 4096 channels and on the 8-channel drill graph alike,
and the fallback keeps the command in force."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros.lab.faults.catalogue import BY_NAME
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system2 import Navigator
from steer_ros.system2.backends.scripted_backend import ScriptedBackend, parse_step
from steer_ros.system2.steer_decision import Status

ROWS = ["llm_n4096_short_by_one", "llm_n4096_selector_beyond_n", "llm_n4096_unknown_key"]


@pytest.mark.parametrize("name", ROWS)
@pytest.mark.parametrize("n", [8, 4096])
def test_row_reply_falls_back_with_its_code(name, n):
    row = BY_NAME[name]
    assert row.payload["n_channels"] == 4096 and row.outcome == "FALLBACK"
    weights = np.linspace(1.0, 2.0, n) / np.linspace(1.0, 2.0, n).sum()
    snap = SystemSnapshot(gain=np.linspace(0.1, 3.0, n), noise_var=np.ones(n), power=np.full(n, 5.0),
                          mi=np.full(n, 1.5), weights=weights, p_total=5.0 * n)
    decision = Navigator(ScriptedBackend([parse_step(row.step)])).decide(snap, "Maximize total throughput")
    assert decision.status == Status.FALLBACK
    assert decision.status_detail.startswith(row.detail), decision.status_detail
    assert np.array_equal(decision.weights, weights) and decision.p_total == 5.0 * n
