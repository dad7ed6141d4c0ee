"""The fleet navigator's backends: the radio navigator's three kinds, for fleet replies.

- ``openai``: the radio navigator's client (:class:`OpenAIBackend`: transport, reason
  codes, the structured-output refusal fallback), asking for the fleet reply schema;
- ``rules``: :class:`~steer_ros.fleet.navigator.rules.FleetRulesBackend` (the grammar);
- ``scripted``: the radio navigator's :class:`ScriptedBackend` over a JSONL script whose
  reply objects are fleet replies (an object with a fleet field is a reply; any other
  line is a script step as for the radio navigator).

Chosen by the same :class:`BackendConfig` (``kind = ""``: openai when an endpoint is set,
else rules).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import openai

from steer_ros.fleet.navigator.reply import FLEET_FIELDS
from steer_ros.fleet.navigator.rules import FleetRulesBackend
from steer_ros.system2.backends.backend import Backend, BackendConfig, BackendError
from steer_ros.system2.backends.openai_backend import OpenAIBackend
from steer_ros.system2.backends.scripted_backend import ScriptedBackend, ScriptStep, parse_step


def _entries(value_keys: dict) -> dict:
    return {"type": "array", "items": {"type": "object", "properties": {"radios": {"type": "string"}, **value_keys},
                                       "required": ["radios", *value_keys], "additionalProperties": False}}


def fleet_response_schema() -> dict:
    """The ``response_format`` asking for the fleet reply (strict: every field present;
    an empty list / null is "none")."""
    number_or_null = {"type": ["number", "null"]}
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "fleet_directive",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "reasoning": {"type": "string"},
                    "priorities": _entries({"priority": {"type": "number"}}),
                    "off": {"type": "array", "items": {"type": "string"}},
                    "floors": _entries({"bits": {"type": "number"}}),
                    "budgets": _entries({"min": number_or_null, "max": number_or_null}),
                    "cap": number_or_null,
                    "cap_fraction": number_or_null,
                },
                "required": ["reasoning", "priorities", "off", "floors", "budgets", "cap", "cap_fraction"],
                "additionalProperties": False,
            },
        },
    }


class FleetOpenAIBackend(OpenAIBackend):
    """The radio navigator's OpenAI-compatible client (its transport, reason codes and
    refusal fallback), asking for the fleet schema instead of the radio's."""

    def _create(self, messages, n: int, structured: bool, deadline: float):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BackendError("timeout", "deadline passed before the request")
        kwargs = dict(model=self.config.model, messages=messages, temperature=self.config.temperature,
                      top_p=self.config.top_p, max_tokens=self.config.max_tokens, timeout=remaining)
        if self.config.seed is not None:
            kwargs["seed"] = self.config.seed
        if structured:
            kwargs["response_format"] = fleet_response_schema()
        try:
            return self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            raise BackendError("timeout", f"no reply within {remaining:.3g} s") from None
        except openai.APIConnectionError as err:
            cause = err.__cause__ or err
            raise BackendError("connection_error", f"{type(cause).__name__}: {str(cause)[:200]}") from None
        except openai.APIStatusError:
            raise  # the parent's complete() maps it (and retries once without the schema)
        except (openai.APIResponseValidationError, ValueError) as err:
            raise BackendError("bad_response", f"{type(err).__name__}: {str(err)[:200]}") from None


def parse_fleet_step(value) -> ScriptStep:
    """A script step: an object holding a fleet field is a fleet reply (serialized)."""
    if isinstance(value, dict) and any(key in value for key in FLEET_FIELDS):
        return ScriptStep(reply=json.dumps(value))
    return parse_step(value)


def load_fleet_script(path: str | Path) -> list[ScriptStep]:
    """All steps of a fleet JSONL script; ValueError naming the file and line."""
    steps = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            steps.append(parse_fleet_step(json.loads(line)))
        except ValueError as err:
            raise ValueError(f"{path}:{number}: {err}") from None
    if not steps:
        raise ValueError(f"{path}: the script has no steps")
    return steps


def make_fleet_backend(config: BackendConfig | None = None) -> Backend:
    """The fleet backend the configuration asks for (validated first)."""
    config = (config or BackendConfig()).validate()
    kind = config.resolved_kind()
    if kind == "openai":
        return FleetOpenAIBackend(config)
    if kind == "scripted":
        return ScriptedBackend(load_fleet_script(config.script_path), loop=config.script_loop)
    return FleetRulesBackend()


__all__ = ["BackendError", "FleetOpenAIBackend", "fleet_response_schema", "load_fleet_script", "make_fleet_backend"]
