"""Without a model name the openai backend asks the server's /v1/models once and uses
the first model; a server listing none is a clear error naming the URL (real HTTP)."""

from __future__ import annotations

import json

from steer_ros.lab.fixtures import ScriptedOpenAIServer, design_snapshot
from steer_ros.system2 import BackendConfig, Navigator, make_backend
from steer_ros.system2.steer_decision import Status

DEADLINE_S = 1.0
POLICY = "Maximize the total rate."

GOOD = {"reply": json.dumps({"weights": [1] * 8, "reasoning": "ok"})}


def navigator_without_model(url: str) -> Navigator:
    return Navigator(make_backend(BackendConfig(base_url=url, model="", timeout_s=DEADLINE_S)), deadline_s=DEADLINE_S)


def test_the_first_listed_model_is_used_and_asked_for_once():
    with ScriptedOpenAIServer([GOOD], models=["qwen2.5-7b-instruct", "other"]) as server:
        navigator = navigator_without_model(server.base_url)
        assert navigator.backend.name == "openai:(server's model)"
        first = navigator.decide(design_snapshot(), POLICY)
        second = navigator.decide(design_snapshot(), POLICY)
        navigator.close()
    assert first.status == Status.OK and second.status == Status.OK
    assert first.backend == "openai:qwen2.5-7b-instruct"
    assert [r["model"] for r in server.requests] == ["qwen2.5-7b-instruct"] * 2
    assert server.models_requests == 1


def test_a_named_model_is_not_looked_up():
    with ScriptedOpenAIServer([GOOD], models=["loaded"]) as server:
        navigator = Navigator(make_backend(BackendConfig(base_url=server.base_url, model="named",
                                                         timeout_s=DEADLINE_S)), deadline_s=DEADLINE_S)
        assert navigator.decide(design_snapshot(), POLICY).status == Status.OK
        navigator.close()
    assert server.models_requests == 0 and server.requests[0]["model"] == "named"


def test_a_server_with_no_models_is_a_fallback_naming_the_url():
    with ScriptedOpenAIServer([GOOD], models=[]) as server:
        navigator = navigator_without_model(server.base_url)
        decision = navigator.decide(design_snapshot(), POLICY)
        navigator.close()
    assert decision.status == Status.FALLBACK
    assert decision.status_detail.startswith(f"no_model: the server at {server.base_url}/models lists no models")
    assert server.requests == []  # no completion asked for without a model
