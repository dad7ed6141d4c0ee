"""The openai backend against a real OpenAI-compatible HTTP server on 127.0.0.1
(steer_ros.lab.fixtures.openai_server), never a patched client: the LLM rows of the
table of docs/failures.md, each failure mapped to FALLBACK with the right reason
code."""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest

from steer_ros.lab.fixtures import ScriptedOpenAIServer, design_snapshot
from steer_ros.system2 import BackendConfig, Navigator, make_backend
from steer_ros.system2.backends.openai_backend import OpenAIBackend
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status

DEADLINE_S = 0.5
GOOD = {"weights": [1, 1, 1, 1, 1, 1, 4, 4], "P_total": 30, "reasoning": "favour 7 and 8"}
GOOD_TEXT = json.dumps(GOOD)
POLICY = "Prioritize channels 7 and 8"


def navigator_for(url: str, **config) -> Navigator:
    cfg = BackendConfig(base_url=url, model="test-model", timeout_s=DEADLINE_S, **config)
    return Navigator(make_backend(cfg), deadline_s=DEADLINE_S)


def decide(script, **server_kw):
    with ScriptedOpenAIServer(script, hang_s=2.0, **server_kw) as server:
        navigator = navigator_for(server.base_url)
        decision = navigator.decide(design_snapshot(), POLICY)
        navigator.close()
        return decision, server


def test_make_backend_picks_openai_when_base_url_set():
    backend = make_backend(BackendConfig(base_url="http://127.0.0.1:9/v1", model="m"))
    assert isinstance(backend, OpenAIBackend) and backend.name == "openai:m"


def test_success_sends_exactly_two_messages_and_asks_for_json_schema():
    decision, server = decide([GOOD])
    assert decision.status == Status.OK, decision.status_detail
    assert decision.backend == "openai:test-model"
    np.testing.assert_allclose(decision.weights, GOOD["weights"])
    assert decision.p_total == 30 and decision.reasoning == "favour 7 and 8"
    # the read-back is made from the parsed reply, not from the model's prose
    assert decision.readback == "weights 4 on 7-8, 1 on 1-6; budget 30 (was 40)"
    assert decision.latency_s > 0
    body = server.requests[0]
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["model"] == "test-model" and body["temperature"] == 0.0 and body["seed"] == 0
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["weights"]["minItems"] == 8
    assert 'Policy: "Prioritize channels 7 and 8"' in body["messages"][1]["content"]


@pytest.mark.parametrize(
    "text",
    [
        "```json\n" + GOOD_TEXT + "\n```",
        "Sure! Here is my decision:\n" + GOOD_TEXT + "\nLet me know if you need more.",
        "<think>7 and 8 first</think>" + GOOD_TEXT,
    ],
    ids=["fenced", "prose", "think-block"],
)
def test_real_world_reply_shapes_are_accepted(text):
    decision, _ = decide([{"reply": text}])
    assert decision.status == Status.OK, decision.status_detail
    np.testing.assert_allclose(decision.weights, GOOD["weights"])


def test_reasoning_content_field_is_used():
    reply = json.dumps({"weights": GOOD["weights"]})
    decision, _ = decide([{"reply": reply, "reasoning_content": "channels 7 and 8 matter"}])
    assert decision.status == Status.OK
    assert decision.reasoning == "channels 7 and 8 matter"


def test_refused_structured_output_falls_back_to_text_and_is_remembered():
    with ScriptedOpenAIServer([GOOD], refuse_response_format=True) as server:
        navigator = navigator_for(server.base_url)
        first = navigator.decide(design_snapshot(), POLICY)
        second = navigator.decide(design_snapshot(), POLICY)
    assert first.status == second.status == Status.OK
    asked = ["response_format" in body for body in server.requests]
    assert asked == [True, False, False]  # refused once, then plain text only
    assert navigator.backend.structured_output is False


def test_422_refusal_of_response_format_also_falls_back():
    script = [{"http_status": 422, "error": "Unsupported parameter: response_format"}, GOOD]
    with ScriptedOpenAIServer(script) as server:
        decision = navigator_for(server.base_url).decide(design_snapshot(), POLICY)
    assert decision.status == Status.OK
    assert ["response_format" in body for body in server.requests] == [True, False]


def test_structured_output_can_be_switched_off():
    with ScriptedOpenAIServer([GOOD]) as server:
        navigator = navigator_for(server.base_url, structured_output=False)
        assert navigator.decide(design_snapshot(), POLICY).status == Status.OK
    assert "response_format" not in server.requests[0]


FAULTS = [
    ({"http_status": 429, "error": "rate limited"}, "http_429"),
    ({"http_status": 500}, "http_500"),
    ({"http_status": 400, "error": "unknown model"}, "http_400"),
    ({"http_status": 503}, "http_503"),
    ({"hang": True}, "timeout"),
    ({"delay_s": 1.5, "reply": GOOD_TEXT}, "timeout"),
    ({"drop": True}, "connection_error"),
    ({"empty_body": True}, "bad_response"),
    ({"reply": ""}, "empty_reply"),
    ({"huge_body_bytes": 1_000_000}, "too_long"),
    ({"reply": json.dumps({"weights": [1] * 7})}, "wrong_length"),
    ({"reply": '{"weights": [1, 1, 1, NaN, 1, 1, 1, 1]}'}, "non_finite"),
    ({"reply": '{"weights": [1, 1, 1, Infinity, 1, 1, 1, 1]}'}, "non_finite"),
    ({"reply": '{"weights": [1, 1, 1, 1, 1, 1, 1, 1'}, "unparsable"),
    ({"reply": "I cannot help with that."}, "unparsable"),
    ({"reply": '{"reasoning": "no weights"}'}, "missing_weights"),
    ({"reply": '{"weights": [1, 1, 1, 1, 1, 1, 1, 1]} or rather {"weights": [1, 1, 1, 1, 1, 1, 3, 3]}'},
     "ambiguous_reply"),
    ({"reply": '{"weights": ["a", 1, 1, 1, 1, 1, 1, 1]}'}, "not_a_number"),
]


@pytest.mark.parametrize("step,code", FAULTS, ids=[f"{c}-{i}" for i, (_, c) in enumerate(FAULTS)])
def test_fault_maps_to_fallback_with_code(step, code):
    decision, _ = decide([step])
    assert decision.status == Status.FALLBACK
    assert decision.status_detail.startswith(code + ": "), decision.status_detail
    assert decision.latency_s < DEADLINE_S + 0.4
    # the guardrail keeps the current command
    current = design_snapshot()
    accepted = Guardrail().apply(decision, _command(current))
    assert accepted.status == Status.FALLBACK
    np.testing.assert_array_equal(accepted.weights, current.weights)
    assert accepted.p_total == current.p_total


def test_connection_refused():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    navigator = navigator_for(f"http://127.0.0.1:{port}/v1")
    decision = navigator.decide(design_snapshot(), POLICY)
    assert decision.status == Status.FALLBACK
    assert decision.status_detail.startswith("connection_error: ")


def test_api_key_comes_from_the_named_variable_and_is_never_echoed(monkeypatch):
    secret = "sk-test-SECRET-123456"
    monkeypatch.setenv("STEER_TEST_KEY", secret)
    with ScriptedOpenAIServer([GOOD, {"http_status": 401, "error": "bad key"}]) as server:
        cfg = BackendConfig(base_url=server.base_url, model="m", timeout_s=DEADLINE_S,
                            api_key_env="STEER_TEST_KEY")
        navigator = Navigator(make_backend(cfg), deadline_s=DEADLINE_S)
        decisions = [navigator.decide(design_snapshot(), POLICY) for _ in range(2)]
    assert server.request_headers[0]["authorization"] == f"Bearer {secret}"
    assert decisions[1].status_detail.startswith("http_401: ")
    for text in [repr(cfg), repr(navigator.backend.config)] + [repr(d) for d in decisions]:
        assert secret not in text


def test_unset_key_variable_sends_a_dummy_key(monkeypatch):
    monkeypatch.delenv("STEER_TEST_KEY_UNSET", raising=False)
    with ScriptedOpenAIServer([GOOD]) as server:
        cfg = BackendConfig(base_url=server.base_url, model="m", api_key_env="STEER_TEST_KEY_UNSET")
        assert Navigator(make_backend(cfg)).decide(design_snapshot(), POLICY).status == Status.OK
    assert server.request_headers[0]["authorization"].startswith("Bearer ")


def test_models_endpoint_lists_the_model():
    import openai

    with ScriptedOpenAIServer([GOOD], model="tiny") as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=2)
        assert [m.id for m in client.models.list()] == ["tiny"]


def _command(snapshot):
    from steer_ros.system2.steer_decision import SteerDecision

    return SteerDecision(weights=snapshot.weights.copy(), p_total=snapshot.p_total)


def test_standalone_server_module(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "script.jsonl"
    script.write_text(GOOD_TEXT + "\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "steer_ros.lab.fixtures.openai_server", "--script", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line
        url = line.split()[1]
        decision = navigator_for(url).decide(design_snapshot(), POLICY)
        assert decision.status == Status.OK, decision.status_detail
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=5)
    assert proc.returncode == 0 and "served 1 requests" in out


def test_openai_api_key_stands_in_for_the_default_variable(monkeypatch):
    from steer_ros import defaults

    monkeypatch.delenv(defaults.LLM_API_KEY_ENV, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-convention-42")
    with ScriptedOpenAIServer([GOOD]) as server:
        backend = make_backend(BackendConfig(base_url=server.base_url, model="m", timeout_s=DEADLINE_S))
        assert Navigator(backend, deadline_s=DEADLINE_S).decide(design_snapshot(), POLICY).status == Status.OK
    assert server.request_headers[0]["authorization"] == "Bearer sk-openai-convention-42"
    assert backend.api_key_source == "OPENAI_API_KEY"  # the name, for the log line; never the key


def test_the_default_variable_wins_and_a_custom_one_never_falls_back():
    from steer_ros import defaults
    from steer_ros.system2.backends.backend import api_key_from_environment

    both = {defaults.LLM_API_KEY_ENV: "steer", "OPENAI_API_KEY": "openai"}
    assert api_key_from_environment(defaults.LLM_API_KEY_ENV, both) == ("steer", defaults.LLM_API_KEY_ENV)
    assert api_key_from_environment(defaults.LLM_API_KEY_ENV, {defaults.LLM_API_KEY_ENV: "", "OPENAI_API_KEY": "o"}) \
        == ("o", "OPENAI_API_KEY")
    assert api_key_from_environment("MY_KEY", {"OPENAI_API_KEY": "openai"}) == (None, None)
    assert api_key_from_environment("MY_KEY", {"MY_KEY": "mine"}) == ("mine", "MY_KEY")
