"""Parsing the fleet navigator's reply (docs/fleet-policies.md, the reply format).

One JSON object, found as the radio navigator's parser finds it (the whole text, a code
fence, or the first object in prose; a ``<think>`` block is dropped)::

    {"reasoning": "...",
     "priorities": {"3": 4} | [{"radios": "3", "priority": 4}],
     "off": "2" | ["2", "7-8"],
     "floors": {"all": 8} | [{"radios": "all", "bits": 8}],
     "budgets": {"2": {"min": 1, "max": 10}} | [{"radios": "2", "min": 1, "max": 10}],
     "cap": 96 | null,  "cap_fraction": 0.6 | null}

Every field is optional and the reply is the whole fleet setting: an unlisted radio
has its configured priority (1 unless configured otherwise), is on, has no floor and its
configured box. ``cap`` (absolute) or ``cap_fraction`` (of the configured cap C) set the
cap; with neither the cap in force stays. Where selectors overlap the last priority listed
wins, the larger floor and the narrower box apply. Radio selectors: ``3``, ``1-4``, ``all``, ``even``, ``odd``,
``weakest:2`` / ``strongest:2`` (ranked by a radio's sum MI), ``weakest:25%``.

Errors are :class:`FleetReplyError` with a reason code:

=================  =========================================================
code               meaning
=================  =========================================================
empty              no content
too_long           more than ``max_chars`` characters (not parsed)
unparsable         no JSON object found
no_directive       the object holds none of the fields above
wrong_type         a field of the wrong shape, an entry lacking / adding a key
not_a_number       a value is not a number (nor a numeric string)
non_finite         a value is NaN or infinite
bad_floor          a floor below 0 bits
bad_cap            both ``cap`` and ``cap_fraction``
bad_selector       a selector cannot be read or names radios outside 1..K
=================  =========================================================

Value ranges (priorities > 0, boxes inside the configured ones, the cap at most C,
reserves under the cap) are the guardrail's (:mod:`steer_ros.fleet.navigator.guardrail`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError
from steer_ros.fleet.navigator.snapshot import resolve_radios

#: The reply's fields (names fixed: prompts, schemas and tools depend on them).
FLEET_FIELDS = ("priorities", "off", "floors", "budgets", "cap", "cap_fraction")
_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_MAX_DECODE_ATTEMPTS = 256


class FleetReplyError(ValueError):
    """A reply that cannot be used. ``str(err)`` is ``"code: detail"``."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class FleetReply:
    """A parsed reply for K radios: priorities (K,) and box bounds (K,) with NaN = the
    configured one, off (K,), floors (K,) bits, cap / cap_fraction (NaN = not set)."""

    priority: np.ndarray
    p_min: np.ndarray
    p_max: np.ndarray
    off: np.ndarray
    rate_floor: np.ndarray
    cap: float
    cap_fraction: float
    reasoning: str


def parse_fleet_reply(text: str | None, k: int, reasoning_content: str | None = None, sum_mi=None,
                      max_chars: int = defaults.REPLY_MAX_CHARS) -> FleetReply:
    """Parse one reply for ``k`` radios; FleetReplyError(code, detail) if unusable.

    ``sum_mi``: (K,) the radios' sum MI, for ranked selectors (refused without it).
    """
    if text is None or not str(text).strip():
        raise FleetReplyError("empty", "the reply has no content")
    text = str(text)
    if len(text) > max_chars:
        raise FleetReplyError("too_long", f"reply of {len(text)} characters exceeds {max_chars}")
    think = " ".join(m.strip() for m in _THINK.findall(text))
    obj = _find_object(_THINK.sub(" ", text))
    if all(obj.get(name) is None for name in FLEET_FIELDS):
        raise FleetReplyError("no_directive", f"the JSON object holds none of {', '.join(FLEET_FIELDS)}")
    priority = np.full(k, math.nan)  # unlisted: the configured priority (the guardrail fills it)
    for selector, value in _pairs(obj, "priorities", "priority"):
        priority[_resolve("priorities", selector, k, sum_mi)] = _number("priorities", selector, value)
    off = np.zeros(k, dtype=bool)
    raw_off = obj.get("off")
    if raw_off is not None:
        for item in raw_off if isinstance(raw_off, list) else [raw_off]:
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise FleetReplyError("wrong_type", f"off: a selector or a list of selectors, got {repr(item)[:30]}")
            off[_resolve("off", item, k, sum_mi)] = True
    floors = np.zeros(k)
    for selector, value in _pairs(obj, "floors", "bits"):
        bits = _number("floors", selector, value)
        if bits < 0:
            raise FleetReplyError("bad_floor", f"floors {selector!r}: {bits:g} bits is negative")
        idx = _resolve("floors", selector, k, sum_mi)
        floors[idx] = np.maximum(floors[idx], bits)
    p_min, p_max = np.full(k, math.nan), np.full(k, math.nan)
    for selector, box in _boxes(obj):
        idx = _resolve("budgets", selector, k, sum_mi)
        for key, arr, pick in (("min", p_min, np.fmax), ("max", p_max, np.fmin)):
            if box.get(key) is not None:
                arr[idx] = pick(arr[idx], _number("budgets", selector, box[key]))
    cap, fraction = _optional(obj, "cap"), _optional(obj, "cap_fraction")
    if not math.isnan(cap) and not math.isnan(fraction):
        raise FleetReplyError("bad_cap", "give cap or cap_fraction, not both")
    reasoning = obj.get("reasoning")
    if not isinstance(reasoning, str) or not reasoning.strip():
        reasoning = reasoning_content or think or ""
    reasoning = " ".join(str(reasoning).split())[: defaults.REASONING_MAX_CHARS]
    return FleetReply(priority=priority, p_min=p_min, p_max=p_max, off=off, rate_floor=floors, cap=cap,
                      cap_fraction=fraction, reasoning=reasoning)


# -- finding the object -------------------------------------------------------------
def _objects(text: str):
    for candidate in [text.strip()] + [m.strip() for m in _FENCE.findall(text)]:
        try:
            value = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            yield value
    decoder, start, attempts = json.JSONDecoder(), text.find("{"), 0
    while start != -1 and attempts < _MAX_DECODE_ATTEMPTS:
        attempts += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            yield value
        start = text.find("{", end if isinstance(value, dict) else start + 1)


def _find_object(text: str) -> dict:
    first = None
    for value in _objects(text):
        value = {str(key).strip().lower(): item for key, item in value.items()}
        if any(name in value for name in FLEET_FIELDS):
            return value
        first = first or value
    if first is not None:
        return first
    flat = " ".join(text.split())
    raise FleetReplyError("unparsable", f"no JSON object in the reply ({flat[:60]!r})")


# -- fields -------------------------------------------------------------------------
def _to_float(value) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(repr(value))
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    raise ValueError(repr(value))


def _number(field_name: str, selector, value) -> float:
    try:
        number = _to_float(value)
    except (ValueError, TypeError, OverflowError):
        raise FleetReplyError("not_a_number", f"{field_name} {str(selector)!r}: {repr(value)[:30]} is not a "
                                              "number") from None
    if not math.isfinite(number):
        raise FleetReplyError("non_finite", f"{field_name} {str(selector)!r}: {number} is not finite")
    return number


def _optional(obj: dict, name: str) -> float:
    if obj.get(name) is None:
        return math.nan
    return _number(name, name, obj[name])


def _pairs(obj: dict, name: str, value_key: str) -> list[tuple[object, object]]:
    """(selector, value) of a map {selector: value} or a list [{"radios": s, value_key: v}]."""
    raw = obj.get(name)
    if raw is None:
        return []
    if isinstance(raw, dict):
        return list(raw.items())
    if not isinstance(raw, list):
        raise FleetReplyError("wrong_type", f"{name}: a map {{selector: {value_key}}} or a list of "
                                            f"{{\"radios\": ..., \"{value_key}\": ...}}, got {type(raw).__name__}")
    pairs = []
    for i, item in enumerate(raw):
        item = _entry(name, i, item, ("radios", value_key))
        pairs.append((item["radios"], item[value_key]))
    return pairs


def _boxes(obj: dict) -> list[tuple[object, dict]]:
    raw = obj.get("budgets")
    if raw is None:
        return []
    if isinstance(raw, dict):
        out = []
        for selector, box in raw.items():
            if not isinstance(box, dict):
                raise FleetReplyError("wrong_type", f"budgets {selector!r}: a box {{\"min\": ..., \"max\": ...}}, "
                                                    f"got {type(box).__name__}")
            box = {str(key).lower(): value for key, value in box.items()}
            unknown = [key for key in box if key not in ("min", "max")]
            if unknown:
                raise FleetReplyError("wrong_type", f"budgets {selector!r}: key {unknown[0]!r} unknown "
                                                    "(a box has \"min\" and \"max\")")
            out.append((selector, box))
        return out
    if not isinstance(raw, list):
        raise FleetReplyError("wrong_type", f"budgets: a map {{selector: box}} or a list of entries, "
                                            f"got {type(raw).__name__}")
    out = []
    for i, item in enumerate(raw):
        item = _entry("budgets", i, item, ("radios", "min", "max"), required=("radios",))
        out.append((item["radios"], {key: item.get(key) for key in ("min", "max")}))
    return out


def _entry(name: str, i: int, item, keys: tuple[str, ...], required: tuple[str, ...] | None = None) -> dict:
    if not isinstance(item, dict):
        raise FleetReplyError("wrong_type", f"{name}[{i}]: must be an object with keys {', '.join(keys)}, "
                                            f"got {type(item).__name__}")
    item = {str(key).strip().lower(): value for key, value in item.items()}
    unknown = [key for key in item if key not in keys]
    if unknown:
        raise FleetReplyError("wrong_type", f"{name}[{i}]: key {unknown[0]!r} unknown (keys: {', '.join(keys)})")
    missing = [key for key in (required or keys) if item.get(key) is None]
    if missing:
        raise FleetReplyError("wrong_type", f"{name}[{i}]: missing {missing[0]!r}")
    return item


def _resolve(field_name: str, selector, k: int, sum_mi) -> np.ndarray:
    try:
        return resolve_radios(selector, k, sum_mi)
    except SelectorError as err:
        raise FleetReplyError("bad_selector", f"{field_name}: {err}") from None
