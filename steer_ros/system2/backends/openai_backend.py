"""The ``openai`` backend: Chat Completions through the ``openai`` package against
any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, LM Studio, ...).

It asks for JSON-schema structured output; a server that refuses it (HTTP 400/422
mentioning ``response_format``) is asked again in plain text at once, and the refusal
is remembered for later calls. No retries beyond that (``max_retries=0``): the
deadline is honoured. Errors become reason codes: ``timeout``, ``connection_error``,
``http_<status>``, ``bad_response``, ``empty_reply``.

Without a model name (``model`` empty: ``--llm-model`` / ``llm_model`` / $STEER_LLM_MODEL
all unset) the backend asks the server's ``GET /models`` once, before its first call,
and uses the first model listed (LM Studio, Ollama, llama.cpp and vLLM list the loaded
one first), logging its name; a server that lists none is the error ``no_model``
naming the URL (a FALLBACK every call until a model is loaded or named).

The API key is read from the environment variable named by ``api_key_env`` at
construction (OPENAI_API_KEY while that is the default and unset); it is never a
parameter, never stored on the config, never logged: ``api_key_source`` holds only the
variable's name.
"""

from __future__ import annotations

import logging
import threading
import time

import openai

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Objective
from steer_ros.system2.backends.backend import (
    Backend,
    BackendConfig,
    BackendError,
    BackendReply,
    api_key_from_environment,
)

log = logging.getLogger(__name__)

#: Sent when the key variable is unset: local servers accept anything.
DUMMY_API_KEY = "not-needed"


def _bounds_schema() -> dict:
    """floors / caps in list form: strict schemas cannot express maps {selector: bits}."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"channels": {"type": "string"}, "bits": {"type": "number"}},
            "required": ["channels", "bits"],
            "additionalProperties": False,
        },
    }


def _weights_schema(n: int, by_selector: bool) -> dict:
    """N numbers, or (above the summary threshold) a short list of selector entries:
    a grammar-constrained server would otherwise be forced to emit N numbers."""
    if not by_selector:
        return {"type": "array", "items": {"type": "number"}, "minItems": n, "maxItems": n}
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"channels": {"type": "string"}, "weight": {"type": "number"}},
            "required": ["channels", "weight"],
            "additionalProperties": False,
        },
        "maxItems": defaults.REPLY_MAX_WEIGHT_ITEMS,
    }


def _power_caps_schema() -> dict:
    return {"type": "array", "items": {"type": "object", "properties": {"channels": {"type": "string"},
                                                                       "power": {"type": "number"}},
                                       "required": ["channels", "power"], "additionalProperties": False}}


def response_schema(n: int, summary_threshold: int = defaults.SUMMARY_THRESHOLD) -> dict:
    """The ``response_format`` asking for the navigator's JSON object for N channels.

    Up to ``summary_threshold`` channels ``weights`` is N numbers; above it a list of
    ``{"channels": selector, "weight": w}`` entries (the prompt asks for the same form).
    Strict mode requires every property, so the goal fields are always present: an
    empty list / null is "none" (the reply parser reads them so). Float bounds are
    not in the schema (servers ignore them): the prompt states them and the
    guardrail checks them.
    """
    by_selector = int(n) > int(summary_threshold)
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "steer_command",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "reasoning": {"type": "string"},
                    "weights": _weights_schema(int(n), by_selector),
                    "P_total": {"type": "number"},
                    "objective": {"type": "string", "enum": [o.name.lower() for o in Objective]},
                    "floors": _bounds_schema(),
                    "caps": _bounds_schema(),
                    "off": {"type": "array", "items": {"type": "string"}},
                    "sum_mi_min": {"type": ["number", "null"]},
                    "alpha": {"type": ["number", "null"]},
                    "power_caps": _power_caps_schema(),
                    "escalate": {"type": ["object", "null"], "properties": {"P_total": {"type": "number"}},
                                 "required": ["P_total"], "additionalProperties": False},
                },
                "required": ["reasoning", "weights", "P_total", "objective", "floors", "caps", "off",
                             "sum_mi_min", "alpha", "power_caps", "escalate"],
                "additionalProperties": False,
            },
        },
    }


def _is_response_format_refusal(err: openai.APIStatusError) -> bool:
    if err.status_code not in (400, 422):
        return False
    text = f"{err.message} {getattr(err, 'body', '')}".lower()
    return "response_format" in text or "json_schema" in text


class OpenAIBackend(Backend):
    """Chat Completions client. ``structured_output`` is True until a server refuses it."""

    def __init__(self, config: BackendConfig):
        self.config = config.validate()
        self.model = config.model  # "" until the server's first listed model is known
        self.name = f"openai:{config.model}" if config.model else "openai:(server's model)"
        self.structured_output = bool(config.structured_output)
        self._lock = threading.Lock()
        key, self.api_key_source = api_key_from_environment(config.api_key_env)  # the variable's name, for logs
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=key or DUMMY_API_KEY,
            timeout=config.timeout_s,
            max_retries=0,
        )

    def complete(
        self, messages: list[dict], snapshot: SystemSnapshot, policy: str, timeout_s: float
    ) -> BackendReply:
        deadline = time.monotonic() + min(timeout_s, self.config.timeout_s)
        if not self.model:
            self.resolve_model(deadline - time.monotonic())
        structured = self.structured_output
        try:
            response = self._create(messages, snapshot.n, structured, deadline)
        except openai.APIStatusError as err:
            if not (structured and _is_response_format_refusal(err)):
                raise _status_error(err) from None
            with self._lock:
                self.structured_output = False
            try:
                response = self._create(messages, snapshot.n, False, deadline)
            except openai.APIStatusError as err2:
                raise _status_error(err2) from None
        return _reply_from(response)

    def resolve_model(self, timeout_s: float | None = None) -> str:
        """The model to ask for: the configured one, else the first the server's
        ``GET /models`` lists (asked once; logged). BackendError ``no_model`` when the
        server lists none, ``timeout`` / ``connection_error`` / ``http_<status>`` when
        it cannot be asked (asked again at the next call)."""
        with self._lock:
            if self.model:
                return self.model
        url = f"{str(self.config.base_url).rstrip('/')}/models"
        timeout = self.config.timeout_s if timeout_s is None else max(0.0, min(timeout_s, self.config.timeout_s))
        if timeout <= 0:
            raise BackendError("timeout", "deadline passed before asking the server for its models")
        try:
            listed = [m.id for m in self._client.models.list(timeout=timeout).data]
        except openai.APITimeoutError:
            raise BackendError("timeout", f"{url}: no model list within {timeout:.3g} s") from None
        except openai.APIConnectionError as err:
            raise BackendError("connection_error", f"{url}: {type(err).__name__}: {_short(str(err))}") from None
        except openai.APIStatusError as err:
            raise BackendError(f"http_{err.status_code}", f"{url}: {_short(err.message)}") from None
        except (openai.OpenAIError, ValueError, TypeError, AttributeError) as err:
            raise BackendError("bad_response", f"{url}: {type(err).__name__}: {_short(str(err))}") from None
        listed = [name for name in listed if isinstance(name, str) and name]
        if not listed:
            raise BackendError("no_model", f"the server at {url} lists no models: load one, or name it with "
                                           "--llm-model / llm_model")
        with self._lock:
            self.model = listed[0]
            self.name = f"openai:{self.model}"
        log.info("openai backend: no model named; using the server's first model %r (of %d at %s)",
                 self.model, len(listed), url)
        return self.model

    def _create(self, messages, n: int, structured: bool, deadline: float):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BackendError("timeout", "deadline passed before the request")
        kwargs = dict(
            model=self.model,
            messages=messages,
            temperature=self.config.temperature,
            top_p=self.config.top_p,
            max_tokens=self.config.max_tokens,
            timeout=remaining,
        )
        if self.config.seed is not None:
            kwargs["seed"] = self.config.seed
        if structured:
            kwargs["response_format"] = response_schema(n, self.config.summary_threshold)
        try:
            return self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            raise BackendError("timeout", f"no reply within {remaining:.3g} s") from None
        except openai.APIConnectionError as err:
            cause = err.__cause__ or err
            raise BackendError("connection_error", f"{type(cause).__name__}: {_short(str(cause))}") from None
        except openai.APIStatusError:
            raise
        except (openai.APIResponseValidationError, ValueError) as err:
            raise BackendError("bad_response", f"{type(err).__name__}: {_short(str(err))}") from None

    def close(self) -> None:
        self._client.close()


def _status_error(err: openai.APIStatusError) -> BackendError:
    return BackendError(f"http_{err.status_code}", _short(err.message))


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _reply_from(response) -> BackendReply:
    choices = getattr(response, "choices", None)
    if not choices:
        raise BackendError("empty_reply", "the response has no choices")
    message = choices[0].message
    if message is None:
        raise BackendError("empty_reply", "the first choice has no message")
    extra = message.model_extra or {}
    reasoning = extra.get("reasoning_content") or extra.get("reasoning") or ""
    content = message.content or ""
    if not content.strip():
        if isinstance(reasoning, str) and "{" in reasoning:
            content = reasoning  # some servers put everything in the reasoning channel
        else:
            raise BackendError("empty_reply", f"no content (finish_reason {choices[0].finish_reason!r})")
    return BackendReply(text=content, reasoning_content=reasoning if isinstance(reasoning, str) else "",
                        usage=_usage(response))


def _usage(response) -> dict | None:
    """The response's token counts, or None where the server sent no ``usage``."""
    usage = getattr(response, "usage", None)
    if usage is None:
        return None
    counts = {k: getattr(usage, k, None) for k in ("prompt_tokens", "completion_tokens")}
    counts = {k: int(v) for k, v in counts.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return counts or None
