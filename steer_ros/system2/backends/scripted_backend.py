"""Script steps shared by the ``scripted`` backend and the test HTTP server, and the
``scripted`` backend itself: it replays a JSONL file, one step per call.

Each JSONL line is one of:

- a JSON object with ``"weights"`` or a goal field: that object is the reply (serialized as is);
- a JSON string: the reply text, verbatim (malformed replies, prose, fences);
- a JSON object of directives (combinable where it makes sense)::

      {"reply": "...", "reasoning_content": "..."}   reply text (+ separate reasoning)
      {"delay_s": 0.2, "reply": "..."}               answer after a delay
      {"hang": true}                                  never answer (the deadline fires)
      {"http_status": 429, "error": "slow down"}      an HTTP error
      {"drop": true}                                  close the connection, no reply
      {"empty_body": true}                            HTTP 200 with an empty body
      {"huge_body_bytes": 1000000}                    a reply of that many characters
      {"keep": true, "reason": "..."}                 (backend only) keep the command

Blank lines and lines starting with ``#`` are ignored. When the script is exhausted
it starts over (``loop=True``) or keeps answering with its last step.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from steer_ros.snapshot import SystemSnapshot
from steer_ros.system2.backends.backend import Backend, BackendError, BackendReply
from steer_ros.system2.reply import GOAL_FIELDS

_STEP_KEYS = {
    "reply", "reasoning_content", "delay_s", "hang", "http_status", "error",
    "drop", "empty_body", "huge_body_bytes", "keep", "reason",
}


@dataclass(frozen=True)
class ScriptStep:
    """One scripted answer (see the module docstring for the JSONL form)."""

    reply: str | None = None
    reasoning_content: str = ""
    delay_s: float = 0.0
    hang: bool = False
    http_status: int | None = None
    error: str = ""
    drop: bool = False
    empty_body: bool = False
    huge_body_bytes: int = 0
    keep: bool = False
    reason: str = ""


def parse_step(value) -> ScriptStep:
    """A ScriptStep from a decoded JSONL value; ValueError naming the problem."""
    if isinstance(value, str):
        return ScriptStep(reply=value)
    if not isinstance(value, dict):
        raise ValueError(f"a script step must be a JSON object or string, got {type(value).__name__}")
    if "weights" in value or any(key in value for key in GOAL_FIELDS):
        return ScriptStep(reply=json.dumps(value))  # a reply object (a goal may stand without weights)
    unknown = set(value) - _STEP_KEYS
    if unknown:
        raise ValueError(f"unknown script step keys {sorted(unknown)}")
    step = ScriptStep(**value)
    if not (isinstance(step.delay_s, (int, float)) and math.isfinite(step.delay_s) and step.delay_s >= 0):
        raise ValueError(f"delay_s must be a non-negative number, got {step.delay_s!r}")
    if step.http_status is not None and not (isinstance(step.http_status, int) and 100 <= step.http_status <= 599):
        raise ValueError(f"http_status must be an HTTP status code, got {step.http_status!r}")
    if step.reply is not None and not isinstance(step.reply, str):
        raise ValueError(f"reply must be a string, got {type(step.reply).__name__}")
    return step


def load_script(path: str | Path) -> list[ScriptStep]:
    """All steps of a JSONL script; ValueError naming the file and line."""
    steps = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            steps.append(parse_step(json.loads(line)))
        except ValueError as err:
            raise ValueError(f"{path}:{number}: {err}") from None
    if not steps:
        raise ValueError(f"{path}: the script has no steps")
    return steps


class StepCursor:
    """Thread-safe walk over script steps (looping or sticking to the last)."""

    def __init__(self, steps: list[ScriptStep], loop: bool = True):
        if not steps:
            raise ValueError("steps must not be empty")
        self._steps = list(steps)
        self._loop = loop
        self._index = 0
        self._lock = threading.Lock()

    def next(self) -> ScriptStep:
        with self._lock:
            i = self._index
            self._index += 1
        if self._loop:
            return self._steps[i % len(self._steps)]
        return self._steps[min(i, len(self._steps) - 1)]

    @property
    def served(self) -> int:
        return self._index


class ScriptedBackend(Backend):
    """Replays script steps offline; faults become the same reason codes the
    ``openai`` backend reports (timeout, http_<code>, connection_error, ...)."""

    name = "scripted"

    def __init__(self, steps: list[ScriptStep], loop: bool = True):
        self._cursor = StepCursor(steps, loop)
        self._closed = threading.Event()

    @classmethod
    def from_file(cls, path: str | Path, loop: bool = True) -> "ScriptedBackend":
        return cls(load_script(path), loop)

    @property
    def served(self) -> int:
        """Steps consumed so far."""
        return self._cursor.served

    def complete(
        self, messages: list[dict], snapshot: SystemSnapshot, policy: str, timeout_s: float
    ) -> BackendReply:
        step = self._cursor.next()
        if step.hang or step.delay_s > timeout_s:
            self._closed.wait(timeout_s)
            raise BackendError("timeout", f"no reply within {timeout_s:g} s (scripted)")
        if step.delay_s:
            self._closed.wait(step.delay_s)
        if step.http_status is not None:
            raise BackendError(f"http_{step.http_status}", step.error or f"HTTP {step.http_status} (scripted)")
        if step.drop:
            raise BackendError("connection_error", "connection closed without a reply (scripted)")
        if step.empty_body:
            raise BackendError("bad_response", "empty response body (scripted)")
        if step.keep:
            return BackendReply(keep=True, detail=f"kept: {step.reason or 'scripted keep'}")
        if step.huge_body_bytes:
            return BackendReply(text="x" * int(step.huge_body_bytes))
        return BackendReply(text=step.reply or "", reasoning_content=step.reasoning_content)

    def close(self) -> None:
        self._closed.set()
