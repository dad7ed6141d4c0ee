"""Parsing the navigator's reply (docs/design.md section 4, the reply format).

Expected: one JSON object ``{"weights": [N numbers], "P_total": number (optional),
"reasoning": "..."}``. Accepted as real servers send it: inside code fences, with prose
before or after, after a ``<think>...</think>`` block, with the reasoning in a separate
field (``reasoning_content``), numbers written as strings, ``p_total`` in any case.
Everything else raises :class:`ReplyError` with a reason code:

=================  =========================================================
code               meaning
=================  =========================================================
empty              no content at all
too_long           more than ``REPLY_MAX_CHARS`` characters (not parsed)
unparsable         no JSON object found
missing_weights    the object has no ``weights`` (or it is null)
wrong_type         ``weights`` is not a list
wrong_length       ``weights`` does not have N entries
not_a_number       an entry is not a number (nor a numeric string)
non_finite         an entry is NaN or infinite
bad_p_total        ``P_total`` is not a finite number
=================  =========================================================

Negative and all-zero weights parse: the guardrail deals with them.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_P_TOTAL_KEYS = ("p_total", "ptotal", "p-total")
_MAX_DECODE_ATTEMPTS = 256  # '{' positions tried: bounds the cost on hostile text


class ReplyError(ValueError):
    """A reply that cannot be used. ``str(err)`` is ``"code: detail"``."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ParsedReply:
    """weights (N,) as proposed (may be negative / unnormalized), p_total (NaN = keep)."""

    weights: np.ndarray
    p_total: float
    reasoning: str


def parse_reply(
    text: str | None,
    n: int,
    reasoning_content: str | None = None,
    max_chars: int = defaults.REPLY_MAX_CHARS,
) -> ParsedReply:
    """Parse one reply for N channels; raise ReplyError(code, detail) if unusable."""
    if text is None or not str(text).strip():
        raise ReplyError("empty", "the reply has no content")
    text = str(text)
    if len(text) > max_chars:
        raise ReplyError("too_long", f"reply of {len(text)} characters exceeds {max_chars}")
    think = " ".join(m.strip() for m in _THINK.findall(text))
    body = _THINK.sub(" ", text)
    obj = _find_object(body)
    weights = _parse_weights(obj, n)
    p_total = _parse_p_total(obj)
    reasoning = obj.get("reasoning")
    if not isinstance(reasoning, str) or not reasoning.strip():
        reasoning = reasoning_content or think or ""
    reasoning = " ".join(str(reasoning).split())[: defaults.REASONING_MAX_CHARS]
    return ParsedReply(weights=weights, p_total=p_total, reasoning=reasoning)


def _json_objects(text: str):
    """JSON objects in the reply, in order of trust: the whole text, each code fence,
    then each object starting at a "{" (at most _MAX_DECODE_ATTEMPTS tries)."""
    for candidate in [text.strip()] + [m.strip() for m in _FENCE.findall(text)]:
        try:
            value = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            yield value
    decoder = json.JSONDecoder()
    start = text.find("{")
    attempts = 0
    while start != -1 and attempts < _MAX_DECODE_ATTEMPTS:
        attempts += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            yield value
            start = text.find("{", end)
        else:
            start = text.find("{", start + 1)


def _find_object(text: str) -> dict:
    """The first JSON object holding "weights" (else the first object at all)."""
    first_dict = None
    for value in _json_objects(text):
        value = _lower_keys(value)
        if "weights" in value:
            return value
        first_dict = first_dict or value
    if first_dict is not None:
        return first_dict
    raise ReplyError("unparsable", f"no JSON object in the reply ({_preview(text)})")


def _lower_keys(obj: dict) -> dict:
    return {str(k).strip().lower(): v for k, v in obj.items()}


def _preview(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat[:limit] + ("..." if len(flat) > limit else ""))


def _to_float(value) -> float:
    """A JSON number or numeric string as float; ValueError otherwise (bools refused)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(repr(value))
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    raise ValueError(repr(value))


def _parse_weights(obj: dict, n: int) -> np.ndarray:
    raw = obj.get("weights")
    if raw is None:
        raise ReplyError("missing_weights", "the JSON object has no \"weights\"")
    if not isinstance(raw, list):
        raise ReplyError("wrong_type", f"\"weights\" must be a list, got {type(raw).__name__}")
    if len(raw) != n:
        raise ReplyError("wrong_length", f"expected {n} weights, got {len(raw)}")
    values = np.empty(n)
    for i, item in enumerate(raw):
        try:
            values[i] = _to_float(item)
        except (ValueError, TypeError, OverflowError):
            raise ReplyError("not_a_number", f"weight {i + 1} is {_preview(repr(item), 30)}") from None
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ReplyError("non_finite", f"weight {bad[0] + 1} is {values[bad[0]]}")
    return values


def _parse_p_total(obj: dict) -> float:
    for key in _P_TOTAL_KEYS:
        if key in obj:
            raw = obj[key]
            break
    else:
        return math.nan
    if raw is None:
        return math.nan
    try:
        value = _to_float(raw)
    except (ValueError, TypeError, OverflowError):
        raise ReplyError("bad_p_total", f"P_total is {_preview(repr(raw), 30)}") from None
    if not math.isfinite(value):
        raise ReplyError("bad_p_total", f"P_total is {value}")
    return value
