"""The navigator's backends behind one interface, chosen by configuration.

- ``openai``: Chat Completions against any OpenAI-compatible server;
- ``rules``: an offline deterministic policy interpreter (the default when no
  endpoint is configured), honest about being rules, not an LLM;
- ``scripted``: replays a JSONL file of replies and faults (tests, fault drills).

A backend turns (messages, snapshot, policy) into a :class:`BackendReply` (the reply
text, or a decision to keep the current command) or raises :class:`BackendError`
with a reason code; the :class:`~steer_ros.system2.navigator.Navigator` does the
parsing and never lets anything escape.
"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot

BACKEND_KINDS = ("openai", "rules", "scripted")


class BackendError(RuntimeError):
    """A failed call. ``code`` is a reason code (``timeout``, ``http_429``, ...)."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class BackendReply:
    """What a backend answered.

    text: the reply content (expected to hold the JSON object);
    reasoning_content: a separate reasoning channel, if the server sent one;
    keep: the backend chose to keep the current command (``detail`` says why);
    usage: the server's token counts ``{"prompt_tokens": int, "completion_tokens": int}``
        (None where it reports none, and for offline backends).
    """

    text: str = ""
    reasoning_content: str = ""
    keep: bool = False
    detail: str = ""
    usage: dict | None = None


class Backend(ABC):
    """One way of answering the navigator's question."""

    #: Shown on every command: "openai:<model>", "rules", "scripted".
    name: str = "backend"

    @abstractmethod
    def complete(
        self, messages: list[dict], snapshot: SystemSnapshot, policy: str, timeout_s: float
    ) -> BackendReply:
        """Answer within ``timeout_s`` seconds or raise BackendError("timeout", ...)."""

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold nothing to release
        """Release resources (connections, waiting threads). Idempotent."""


#: Environment variables that fill the endpoint when no parameter / option gives it.
BASE_URL_ENV = "STEER_LLM_BASE_URL"
MODEL_ENV = "STEER_LLM_MODEL"

#: The openai client's own convention, used while api_key_env is at its default and
#: that variable is unset (a user who exported OPENAI_API_KEY expects it to be used).
OPENAI_API_KEY_ENV = "OPENAI_API_KEY"


def api_key_from_environment(api_key_env: str, environ=None) -> tuple[str | None, str | None]:
    """``(key, name of the variable it came from)``, or ``(None, None)`` when unset.

    ``api_key_env`` is read first; while it is the default (STEER_LLM_API_KEY) and
    unset or empty, OPENAI_API_KEY is read instead. Callers log the name, never the key.
    """
    environ = os.environ if environ is None else environ
    names = [api_key_env]
    if api_key_env == defaults.LLM_API_KEY_ENV:
        names.append(OPENAI_API_KEY_ENV)
    for name in names:
        if environ.get(name):
            return environ[name], name
    return None, None


@dataclass(frozen=True)
class BackendConfig:
    """Settings of every backend kind; ``kind=""`` = openai if base_url is set, else rules.

    The API key is never a setting: ``api_key_env`` names the environment variable
    that holds it (:func:`api_key_from_environment`: OPENAI_API_KEY stands in for the
    default variable; a dummy key is sent when neither is set, local servers need none).
    """

    kind: str = ""
    base_url: str = defaults.LLM_BASE_URL
    model: str = defaults.LLM_MODEL
    temperature: float = defaults.LLM_TEMPERATURE
    top_p: float = defaults.LLM_TOP_P
    max_tokens: int = defaults.LLM_MAX_TOKENS
    timeout_s: float = defaults.LLM_TIMEOUT_S
    seed: int | None = defaults.LLM_SEED
    api_key_env: str = defaults.LLM_API_KEY_ENV
    structured_output: bool = defaults.LLM_STRUCTURED_OUTPUT
    script_path: str = defaults.NAVIGATOR_SCRIPT_PATH
    script_loop: bool = True
    #: Above this many channels the openai backend asks for weights by selector
    #: (the navigator's summary_threshold: prompt and schema agree).
    summary_threshold: int = defaults.SUMMARY_THRESHOLD

    def resolved_kind(self) -> str:
        return self.kind or ("openai" if self.base_url else defaults.NAVIGATOR_BACKEND)

    def validate(self) -> "BackendConfig":
        """Return self, or raise ValueError naming the offending field."""
        kind = self.resolved_kind()
        if kind not in BACKEND_KINDS:
            raise ValueError(f"kind must be one of {BACKEND_KINDS}, got {self.kind!r}")
        if not (isinstance(self.timeout_s, (int, float)) and math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise ValueError(f"timeout_s must be a positive number, got {self.timeout_s!r}")
        if not (math.isfinite(self.temperature) and 0.0 <= self.temperature <= 2.0):
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature!r}")
        if not (math.isfinite(self.top_p) and 0.0 < self.top_p <= 1.0):
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p!r}")
        if not (isinstance(self.max_tokens, int) and self.max_tokens > 0):
            raise ValueError(f"max_tokens must be a positive integer, got {self.max_tokens!r}")
        if isinstance(self.summary_threshold, bool) or not isinstance(self.summary_threshold, int) \
                or self.summary_threshold < 1:
            raise ValueError(f"summary_threshold must be a whole number >= 1, got {self.summary_threshold!r}")
        if kind == "openai":
            if not self.base_url:
                raise ValueError("base_url must be set for the openai backend")
        if kind == "scripted" and not self.script_path:
            raise ValueError("script_path must be set for the scripted backend")
        return self


def make_backend(config: BackendConfig | None = None) -> Backend:
    """The backend the configuration asks for (validated first)."""
    config = (config or BackendConfig()).validate()
    kind = config.resolved_kind()
    if kind == "openai":
        from steer_ros.system2.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(config)
    if kind == "scripted":
        from steer_ros.system2.backends.scripted_backend import ScriptedBackend

        return ScriptedBackend.from_file(config.script_path, loop=config.script_loop)
    from steer_ros.system2.backends.rules_backend import RulesBackend

    return RulesBackend()
