"""Navigator.decide never raises; AsyncNavigator keeps one call in flight, skips and
counts cycles that find it busy, and every call meets its deadline."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from steer_ros.lab.fixtures import ScriptedOpenAIServer, design_snapshot
from steer_ros.system2 import (
    AsyncNavigator,
    Backend,
    BackendConfig,
    BackendReply,
    Navigator,
    ScriptedBackend,
    make_backend,
)
from steer_ros.system2.backends.scripted_backend import ScriptStep, parse_step
from steer_ros.system2.steer_decision import Status

GOOD = json.dumps({"weights": [1] * 8, "reasoning": "fine"})


class Exploding(Backend):
    name = "exploding"

    def complete(self, messages, snapshot, policy, timeout_s):
        raise ZeroDivisionError("boom")


class Gated(Backend):
    """Answers only once released: lets tests hold a call in flight without sleeping."""

    name = "gated"

    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def complete(self, messages, snapshot, policy, timeout_s):
        self.calls += 1
        self.entered.set()
        self.release.wait(timeout_s)
        return BackendReply(text=GOOD)


def test_decide_never_raises_on_backend_exception():
    decision = Navigator(Exploding()).decide(design_snapshot(), "p")
    assert decision.status == Status.FALLBACK
    assert decision.status_detail == "internal_error: ZeroDivisionError: boom"
    assert decision.backend == "exploding" and decision.policy == "p"
    np.testing.assert_array_equal(decision.weights, design_snapshot().weights)


def test_decide_never_raises_on_malformed_snapshot():
    broken = design_snapshot()
    object.__setattr__(broken, "gain", None)
    decision = Navigator(ScriptedBackend([parse_step(GOOD)])).decide(broken, "p")
    assert decision.status == Status.FALLBACK and decision.status_detail.startswith("internal_error")


def test_ok_decision_fields():
    decision = Navigator(ScriptedBackend([parse_step(GOOD)])).decide(design_snapshot(), "my policy")
    assert decision.status == Status.OK and decision.status_detail == "ok: parsed 8 weights"
    assert decision.reasoning == "fine" and decision.policy == "my policy"
    assert np.isnan(decision.p_total) and decision.latency_s >= 0


def test_rules_is_the_default_backend_and_unknown_policy_is_kept():
    backend = make_backend(BackendConfig())
    assert backend.name == "rules"
    decision = Navigator(backend).decide(design_snapshot(), "make me a sandwich")
    assert decision.status == Status.KEPT
    assert decision.status_detail.startswith("not_understood: ")
    assert "not an LLM" in decision.status_detail


def test_invalid_deadline_refused():
    with pytest.raises(ValueError, match="deadline_s"):
        Navigator(Exploding(), deadline_s=0)


def test_async_one_call_in_flight_and_skips_counted():
    backend = Gated()
    nav = AsyncNavigator(Navigator(backend, deadline_s=2.0))
    done = []
    finished = threading.Event()

    def on_done(decision):
        done.append(decision)
        finished.set()

    assert nav.try_submit(design_snapshot(), "p", on_done) is True
    assert backend.entered.wait(2)
    assert nav.busy
    assert nav.try_submit(design_snapshot(), "p", on_done) is False
    assert nav.try_submit(design_snapshot(), "p", on_done) is False
    assert backend.calls == 1 and nav.skipped == 2
    backend.release.set()
    assert finished.wait(2) and nav.wait_idle(2)
    assert [d.status for d in done] == [Status.OK]
    assert nav.try_submit(design_snapshot(), "p", on_done) is True
    assert nav.wait_idle(2)
    assert nav.stats()["submitted"] == 2 and nav.stats()["completed"] == 2 and nav.stats()["skipped"] == 2


def test_async_callback_errors_do_not_wedge_the_navigator():
    nav = AsyncNavigator(Navigator(ScriptedBackend([parse_step(GOOD)])))
    assert nav.try_submit(design_snapshot(), "p", lambda d: 1 / 0)
    assert nav.wait_idle(2)
    assert nav.try_submit(design_snapshot(), "p", lambda d: None)
    assert nav.wait_idle(2) and nav.completed == 2


def test_async_against_hanging_http_server_meets_deadline_and_skips():
    """A server that hangs for 2 s against a 0.5 s deadline: the call falls back on
    time, and cycles submitted meanwhile are skipped."""
    with ScriptedOpenAIServer([ScriptStep(hang=True), parse_step(GOOD)], hang_s=2.0) as server:
        cfg = BackendConfig(base_url=server.base_url, model="m", timeout_s=0.5)
        nav = AsyncNavigator(Navigator(make_backend(cfg), deadline_s=0.5))
        results = []
        assert nav.try_submit(design_snapshot(), "p", results.append)
        assert server.wait_for_requests(1, 2)
        assert nav.try_submit(design_snapshot(), "p", results.append) is False
        assert nav.wait_idle(1.5)
        assert results[0].status == Status.FALLBACK and results[0].status_detail.startswith("timeout: ")
        assert results[0].latency_s < 1.0
        assert nav.try_submit(design_snapshot(), "p", results.append)
        assert nav.wait_idle(1.5)
        assert results[1].status == Status.OK
        assert nav.skipped == 1
        nav.close()
