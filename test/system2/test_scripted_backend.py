"""The scripted backend: JSONL replay of replies and faults, mapped to the same
reason codes as the openai backend."""

from __future__ import annotations

import json
import threading
import time

import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system2 import BackendConfig, Navigator, ScriptedBackend, make_backend
from steer_ros.system2.backends.scripted_backend import ScriptStep, load_script, parse_step
from steer_ros.system2.steer_decision import Status

GOOD = {"weights": [1] * 8, "P_total": 20, "reasoning": "scripted"}


def write_script(tmp_path, lines) -> str:
    path = tmp_path / "script.jsonl"
    path.write_text("# a comment\n\n" + "\n".join(json.dumps(x) for x in lines) + "\n")
    return str(path)


def test_make_backend_scripted_replays_in_order_and_loops(tmp_path):
    path = write_script(tmp_path, [GOOD, {"http_status": 429}, "```json\n" + json.dumps(GOOD) + "\n```"])
    nav = Navigator(make_backend(BackendConfig(kind="scripted", script_path=path)), deadline_s=0.5)
    statuses = [nav.decide(design_snapshot(), "p") for _ in range(4)]
    assert [d.status for d in statuses] == [Status.OK, Status.FALLBACK, Status.OK, Status.OK]
    assert statuses[1].status_detail.startswith("http_429: ")
    assert statuses[0].backend == "scripted" and statuses[0].p_total == 20


def test_no_loop_repeats_the_last_step():
    backend = ScriptedBackend([parse_step(GOOD), ScriptStep(http_status=500)], loop=False)
    nav = Navigator(backend, deadline_s=0.5)
    details = [nav.decide(design_snapshot(), "p").status_detail.split(":")[0] for _ in range(4)]
    assert details == ["ok", "http_500", "http_500", "http_500"]


@pytest.mark.parametrize("step,code", [
    ({"hang": True}, "timeout"),
    ({"delay_s": 5, "reply": json.dumps(GOOD)}, "timeout"),
    ({"drop": True}, "connection_error"),
    ({"empty_body": True}, "bad_response"),
    ({"huge_body_bytes": 1_000_000}, "too_long"),
    ({"reply": '{"weights": [1, 2]}'}, "wrong_length"),
    ("not json at all", "unparsable"),
])
def test_faults(step, code):
    nav = Navigator(ScriptedBackend([parse_step(step)]), deadline_s=0.2)
    start = time.perf_counter()
    decision = nav.decide(design_snapshot(), "p")
    assert decision.status == Status.FALLBACK and decision.status_detail.startswith(code + ": ")
    assert time.perf_counter() - start < 0.6


def test_short_delay_then_reply():
    nav = Navigator(ScriptedBackend([parse_step({"delay_s": 0.05, "reply": json.dumps(GOOD)})]), deadline_s=0.5)
    decision = nav.decide(design_snapshot(), "p")
    assert decision.status == Status.OK and decision.latency_s >= 0.05


def test_keep_directive():
    decision = Navigator(ScriptedBackend([parse_step({"keep": True, "reason": "met"})])).decide(design_snapshot(), "p")
    assert decision.status == Status.KEPT and decision.status_detail == "kept: met"


def test_close_releases_a_hung_call():
    backend = ScriptedBackend([ScriptStep(hang=True)])
    nav = Navigator(backend, deadline_s=30)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("d", nav.decide(design_snapshot(), "p")))
    thread.start()
    backend.close()
    thread.join(timeout=2)
    assert result["d"].status == Status.FALLBACK


@pytest.mark.parametrize("line,match", [
    ('{"bogus": 1}', "unknown script step keys"),
    ('{"delay_s": -1}', "delay_s"),
    ('{"http_status": 99}', "http_status"),
    ("[1, 2]", "JSON object or string"),
    ("{not json", "script.jsonl:3"),
])
def test_bad_script_lines_name_the_problem(tmp_path, line, match):
    path = tmp_path / "script.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + line + "\n")
    with pytest.raises(ValueError, match=match):
        load_script(path)


def test_empty_script_refused(tmp_path):
    path = tmp_path / "script.jsonl"
    path.write_text("# nothing\n")
    with pytest.raises(ValueError, match="no steps"):
        load_script(path)


def test_config_requires_script_path():
    with pytest.raises(ValueError, match="script_path"):
        make_backend(BackendConfig(kind="scripted"))
