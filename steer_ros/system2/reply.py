"""Parsing the navigator's reply (docs/design.md section 4, the reply format).

Expected: one JSON object ``{"weights": [N numbers], "P_total": number (optional),
"reasoning": "..."}``. Accepted as real servers send it: inside code fences, with prose
before or after, after a ``<think>...</think>`` block, with the reasoning in a separate
field (``reasoning_content``), numbers written as strings, ``p_total`` in any case, in
the JSON dialects small local models write (single quotes, trailing commas, comments,
bare keys: read with json5; missing commas or Python literals in a closed object:
json-repair), the same command object repeated. Where a reply is read other than
literally, :attr:`ParsedReply.notes` says how (the navigator reports them as
``adjusted: ...``). Everything else raises :class:`ReplyError` with a reason code:

=================  =========================================================
code               meaning
=================  =========================================================
empty              no content at all
too_long           more than ``REPLY_MAX_CHARS`` characters (not parsed)
unparsable         no JSON object found (nor one json5 / json-repair can read;
                   an object cut off before its closing brace is not guessed)
ambiguous_reply    two different command objects (a draft, then a correction):
                   which one was meant is not obvious
missing_weights    the object has no ``weights`` (or it is null) and no goal field;
                   with only ``P_total`` the weights in force are kept instead
                   when the caller gives them
wrong_type         ``weights`` is not a list (of N numbers or of selector entries)
                   nor a map, or an entry lacks / adds a key
wrong_length       ``weights`` does not have N entries
not_a_number       an entry is not a number (nor a numeric string)
non_finite         an entry is NaN or infinite
bad_p_total        ``P_total`` is not a finite number
bad_objective      ``objective`` is not one of the objective names (spaces or
                   hyphens for underscores are read, with a note)
bad_goal           a goal field is malformed: wrong type, an unknown or missing
                   key inside it, bits that are not a finite number >= 0
bad_selector       a selector cannot be read or names channels outside 1..N
bad_alpha          ``alpha`` is not a finite number (its range [0, 20] is the
                   guardrail's check, with the same code)
bad_power_cap      a power cap is not a number, NaN or negative
bad_escalate       ``escalate`` is not ``{"P_total": finite number}``
=================  =========================================================

Negative and all-zero weights parse: the guardrail deals with them.

Goals (all optional; a reply without them is the paper's plain weighted sum):

* ``objective``: ``"weighted_sum"`` (default), ``"max_min"``, ``"min_power"`` or
  ``"alpha_fair"`` with ``alpha`` (a number, default 1; ``alpha`` alone implies
  ``alpha_fair``);
* ``power_caps``: linear power at most, as a map ``{"3": 5}`` or a list
  ``[{"channels": "1-4", "power": 2}]``, in every objective; where selectors overlap
  the smaller cap applies;
* ``floors`` / ``caps``: MI at least / at most, bits, as a map
  ``{"1-3": 1.5, "weakest:2": 0.8}`` or a list ``[{"channels": "1-3", "bits": 1.5}]``;
  where selectors overlap the larger floor and the smaller cap apply;
* ``off``: a selector or a list of selectors (channels shut down);
* ``sum_mi_min``: bits (null = none);
* ``escalate``: ``{"P_total": x}``, a budget escalation (not a goal): the command's
  P_total with ``escalate`` set, applied at once while System 1 is INFEASIBLE (the
  guardrail's rule), an ordinary P_total otherwise; it replaces a ``P_total`` given
  beside it;
* ``weights`` may also be a map ``{selector: weight}`` or a list of entries
  ``[{"channels": selector, "weight": w}]`` (the form the structured-output schema asks
  for above ``summary_threshold`` channels): unlisted channels weight 1, the last
  listed entry wins where selectors overlap. When a goal field is present,
  ``weights`` may be left out (uniform; max_min and min_power ignore weights).

Selectors (:mod:`steer_ros.channels.selectors`) are resolved here, against the
``strength`` c_i = |h_i|^2/sigma_i^2 of the call's snapshot, into the per-channel
arrays of a :class:`~steer_ros.system1.goal.Goal`. Value ranges (bits within
[0, log2 M], floor <= cap, feasibility) are the guardrail's checks, since only it
knows the constellation and the budget limits. Unknown top-level keys are ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import json5
import json_repair
import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, parse_selector
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.ranked_goal import GoalSelectors

_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_P_TOTAL_KEYS = ("p_total", "ptotal", "p-total")
_MAX_DECODE_ATTEMPTS = 256  # '{' positions tried: bounds the cost on hostile text
#: The optional goal fields of a reply (names fixed: tools depend on them).
GOAL_FIELDS = ("objective", "floors", "caps", "off", "sum_mi_min", "alpha", "power_caps")
_BOUND_ITEM_KEYS = ("channels", "bits")
_POWER_ITEM_KEYS = ("channels", "power")
_WEIGHT_ITEM_KEYS = ("channels", "weight")


class ReplyError(ValueError):
    """A reply that cannot be used. ``str(err)`` is ``"code: detail"``."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ParsedReply:
    """weights (N,) as proposed (may be negative / unnormalized), p_total (NaN = keep),
    the resolved goal (``Goal()`` when the reply states none); ``escalate``: p_total
    came from ``"escalate": {"P_total": x}``."""

    weights: np.ndarray
    p_total: float
    reasoning: str
    goal: Goal = Goal()
    #: How the reply was read where it was not taken literally (``adjusted: ...`` notes).
    notes: tuple[str, ...] = ()
    escalate: bool = False


def parse_reply(
    text: str | None,
    n: int,
    reasoning_content: str | None = None,
    max_chars: int = defaults.REPLY_MAX_CHARS,
    strength=None,
    current_weights=None,
) -> ParsedReply:
    """Parse one reply for N channels; raise ReplyError(code, detail) if unusable.

    ``strength``: (N,) c_i = |h_i|^2/sigma_i^2 of the snapshot, needed only by ranked
    selectors (``weakest:2``); without it they are refused (bad_selector).
    ``current_weights``: (N,) the weights in force; a reply that sets only P_total then
    keeps them (without them it is ``missing_weights``).
    """
    if text is None or not str(text).strip():
        raise ReplyError("empty", "the reply has no content")
    text = str(text)
    if len(text) > max_chars:
        raise ReplyError("too_long", f"reply of {len(text)} characters exceeds {max_chars}")
    think = " ".join(m.strip() for m in _THINK.findall(text))
    body = _THINK.sub(" ", text)
    obj, notes = _find_object(body)
    goal = _parse_goal(obj, n, strength, notes)
    if obj.get("weights") is None and any(obj.get(key) is not None for key in GOAL_FIELDS):
        weights = np.ones(n)  # a goal without weights: uniform (max_min / min_power ignore them)
    elif (obj.get("weights") is None and current_weights is not None and len(current_weights) == n
          and any(obj.get(key) is not None for key in _P_TOTAL_KEYS)):
        weights = np.asarray(current_weights, dtype=float).copy()
        notes.append("no weights: the weights in force kept (a budget change only)")
    else:
        weights = _parse_weights(obj, n, strength)
    p_total = _parse_p_total(obj)
    escalation = _parse_escalate(obj)
    if not math.isnan(escalation):
        p_total = escalation
    reasoning = obj.get("reasoning")
    if not isinstance(reasoning, str) or not reasoning.strip():
        reasoning = reasoning_content or think or ""
    reasoning = " ".join(str(reasoning).split())[: defaults.REASONING_MAX_CHARS]
    return ParsedReply(weights=weights, p_total=p_total, reasoning=reasoning, goal=goal, notes=tuple(notes),
                       escalate=not math.isnan(escalation))


def _balanced(text: str, start: int) -> int:
    """The index just past the "}" closing the "{" at ``start`` (quotes of either kind
    and backslash escapes respected), or -1 when it is never closed."""
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _lenient(candidate: str):
    """``candidate`` read as JSON5 (single quotes, trailing commas, comments, bare keys),
    or None."""
    try:
        return json5.loads(candidate)
    except (ValueError, RecursionError, TypeError, IndexError):
        return None


def _json_objects(text: str):
    """(object, dialect) for the top-level JSON objects of the reply, in order: the whole
    text when it is one object, else each object starting at a "{" (strict JSON first,
    then JSON5 over the balanced braces; at most _MAX_DECODE_ATTEMPTS tries). ``dialect``
    is "" for strict JSON, "json5" otherwise."""
    whole = text.strip()
    try:
        value = json.loads(whole)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict):
        yield value, ""
        return
    decoder = json.JSONDecoder()
    start = text.find("{")
    attempts = 0
    while start != -1 and attempts < _MAX_DECODE_ATTEMPTS:
        attempts += 1
        try:
            value, end = decoder.raw_decode(text, start)
            dialect = ""
        except (ValueError, RecursionError):
            end = _balanced(text, start)
            value = _lenient(text[start:end]) if end != -1 else None
            dialect = "json5"
        if isinstance(value, dict):
            yield value, dialect
            start = text.find("{", end)
        else:
            start = text.find("{", start + 1)


def _repaired_command(text: str) -> dict | None:
    """The first closed ``{...}`` that json-repair turns into a command object with a
    value (missing commas, Python literals, unquoted strings), else None. An object that
    is never closed (a reply cut off by the token limit) is not repaired: what followed
    is unknown."""
    start = text.find("{")
    attempts = 0
    while start != -1 and attempts < _MAX_DECODE_ATTEMPTS:
        attempts += 1
        end = _balanced(text, start)
        if end == -1:
            return None
        try:
            value = json_repair.loads(text[start:end])
        except (ValueError, RecursionError, TypeError, IndexError):
            value = None
        if isinstance(value, dict):
            value = _lower_keys(value)
            if _is_command(value) and any(value.get(k) not in (None, "", [], {}) for k in value):
                return value
        start = text.find("{", start + 1)
    return None


def _is_command(obj: dict) -> bool:
    return "weights" in obj or any(key in obj for key in GOAL_FIELDS) or any(key in obj for key in _P_TOTAL_KEYS)


def _find_object(text: str) -> tuple[dict, list[str]]:
    """The reply's command object and the notes on how it was read.

    The command object is the one holding "weights", a goal field or P_total (else the
    first object). Several identical command objects are one command; two different
    ones (a draft, then a correction) have no obvious reading: ``ambiguous_reply``.
    JSON5 dialects are read with a note; text with no object at all is given to
    json-repair (a cut-off or unquoted object), and used only if it yields a command."""
    first_dict = None
    commands: list[dict] = []
    notes: list[str] = []
    for value, dialect in _json_objects(text):
        value = _lower_keys(value)
        if _is_command(value):
            if commands and value != commands[0]:
                raise ReplyError("ambiguous_reply", f"the reply holds {len(commands) + 1} different command objects "
                                                    "(a draft and a correction?); answer with one")
            if not commands:
                commands.append(value)
                if dialect:
                    notes.append(f"read the reply as {dialect} (not strict JSON)")
        elif first_dict is None:
            first_dict = value
    if commands:
        return commands[0], notes
    repaired = _repaired_command(text)
    if repaired is not None:
        return repaired, ["repaired malformed JSON (json-repair)"]
    if first_dict is not None:
        return first_dict, notes
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


def _parse_weights(obj: dict, n: int, strength=None) -> np.ndarray:
    raw = obj.get("weights")
    if raw is None:
        raise ReplyError("missing_weights", "the JSON object has no \"weights\"")
    if isinstance(raw, dict):
        return _weights_from_map(raw, n, strength)
    if not isinstance(raw, list):
        raise ReplyError("wrong_type", f"\"weights\" must be a list or a map {{selector: weight}}, "
                                       f"got {type(raw).__name__}")
    if raw and any(isinstance(item, dict) for item in raw):
        return _weights_from_map(_weight_items(raw), n, strength)
    if len(raw) != n:
        raise ReplyError("wrong_length", f"expected {n} weights, got {len(raw)}")
    values = None
    if all(type(item) in (float, int) for item in raw):  # the common case, without a per-item call
        try:
            values = np.array(raw, dtype=float)
        except OverflowError:  # an integer beyond float range: the loop names it
            values = None
    if values is None:
        values = _weights_one_by_one(raw, n)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ReplyError("non_finite", f"weight {bad[0] + 1} is {values[bad[0]]}")
    return values


def _weights_one_by_one(raw: list, n: int) -> np.ndarray:
    values = np.empty(n)
    for i, item in enumerate(raw):
        try:
            values[i] = _to_float(item)
        except (ValueError, TypeError, OverflowError):
            raise ReplyError("not_a_number", f"weight {i + 1} is {_preview(repr(item), 30)}") from None
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


def _parse_escalate(obj: dict) -> float:
    """x of ``"escalate": {"P_total": x}`` (NaN when absent or null)."""
    raw = obj.get("escalate")
    if raw is None:
        return math.nan
    if not isinstance(raw, dict):
        raise ReplyError("bad_escalate", f"escalate must be {{\"P_total\": number}}, got {_preview(repr(raw), 30)}")
    inner = _lower_keys(raw)
    unknown = [key for key in inner if key not in _P_TOTAL_KEYS]
    if unknown:
        raise ReplyError("bad_escalate", f"escalate: key {unknown[0]!r} unknown (it has \"P_total\")")
    value = _parse_p_total(inner) if inner else math.nan
    if math.isnan(value):
        raise ReplyError("bad_escalate", "escalate has no P_total")
    return value


# -- goals --------------------------------------------------------------------------
def _entry_pairs(raw: list, name: str, keys: tuple[str, str], code: str, not_object,
                 index_unknown: bool) -> list[tuple[object, object]]:
    """(selector, value) pairs of a list of ``{"channels": selector, <value key>: v}``
    entries of field ``name``; ``not_object(k, type name)`` words that error, and
    ``index_unknown`` whether an unknown key is reported at the entry (``name[k]``)."""
    pairs = []
    for k, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ReplyError(code, not_object(k, type(item).__name__))
        item = _lower_keys(item)
        unknown = [key for key in item if key not in keys]
        if unknown:
            where = f"{name}[{k}]" if index_unknown else name
            raise ReplyError(code, f"{where}: key {unknown[0]!r} unknown "
                                   f"(an entry has \"{keys[0]}\" and \"{keys[1]}\")")
        missing = [key for key in keys if item.get(key) is None]
        if missing:
            raise ReplyError(code, f"{name}[{k}]: missing {missing[0]!r}")
        pairs.append((item[keys[0]], item[keys[1]]))
    return pairs


def _weight_items(raw: list) -> list[tuple[object, object]]:
    """(selector, weight) pairs of ``[{"channels": selector, "weight": w}, ...]``."""
    return _entry_pairs(raw, "weights", _WEIGHT_ITEM_KEYS, "wrong_type",
                        lambda k, kind: f"weights[{k}]: a list of entries must hold only objects "
                                        f"{{\"channels\": ..., \"weight\": ...}}, got {kind}", index_unknown=True)


def _weights_from_map(raw, n: int, strength) -> np.ndarray:
    """``{selector: weight}`` (or its (selector, weight) pairs): unlisted channels 1,
    the last listed key wins on overlap."""
    values = np.ones(n)
    for key, item in (raw.items() if isinstance(raw, dict) else raw):
        idx = _resolve("weights", key, n, strength)
        try:
            value = _to_float(item)
        except (ValueError, TypeError, OverflowError):
            raise ReplyError("not_a_number", f"weight of {key!r} is {_preview(repr(item), 30)}") from None
        if not math.isfinite(value):
            raise ReplyError("non_finite", f"weight of {key!r} is {value}")
        values[idx] = value
    return values


def _resolve(field_name: str, selector, n: int, strength) -> np.ndarray:
    """0-based indices of a selector, or ReplyError("bad_selector", "<field>: ...")."""
    try:
        return parse_selector(selector).resolve(n, strength)
    except SelectorError as err:
        raise ReplyError("bad_selector", f"{field_name}: {err}") from None


def _bits(field_name: str, where: str, raw) -> float:
    field_name = f"{field_name} {where}" if where else field_name
    try:
        value = _to_float(raw)
    except (ValueError, TypeError, OverflowError):
        raise ReplyError("bad_goal", f"{field_name}: bits {repr(raw)[:30]} is not a number") from None
    if not math.isfinite(value):
        raise ReplyError("bad_goal", f"{field_name}: bits {value} is not finite")
    if value < 0:
        raise ReplyError("bad_goal", f"{field_name}: {value:g} bits is negative")
    return value


def _bound_items(field_name: str, raw) -> list[tuple[object, object]]:
    """(selector, bits) pairs of a floors / caps field in either form."""
    if isinstance(raw, dict):
        return list(raw.items())
    if not isinstance(raw, list):
        raise ReplyError("bad_goal", f"{field_name}: must be a map {{selector: bits}} or a list "
                                     f"[{{\"channels\": selector, \"bits\": bits}}], got {type(raw).__name__}")
    return _entry_pairs(raw, field_name, _BOUND_ITEM_KEYS, "bad_goal",
                        lambda k, kind: f"{field_name}[{k}]: must be an object {{\"channels\": ..., \"bits\": ...}}, "
                                        f"got {kind}", index_unknown=False)


def _parse_bounds(obj: dict, field_name: str, n: int, strength, fill: float, combine,
                  stated: list | None = None) -> np.ndarray | None:
    """The resolved bounds of a floors / caps field; ``stated`` collects its
    (selector text, bits) entries."""
    raw = obj.get(field_name)
    if raw is None:
        return None
    pairs = _bound_items(field_name, raw)
    if not pairs:
        return None
    out = np.full(n, fill)
    for selector, bits in pairs:
        value = _bits(field_name, repr(str(selector)), bits)
        idx = _resolve(field_name, selector, n, strength)
        out[idx] = combine(out[idx], value)
        if stated is not None:
            stated.append((str(selector), value))
    return out


def _parse_off(obj: dict, n: int, strength, stated: list | None = None) -> np.ndarray | None:
    raw = obj.get("off")
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        return None
    mask = np.zeros(n, dtype=bool)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ReplyError("bad_goal", f"off: must be a selector or a list of selectors, got "
                                         f"{repr(item)[:30]}")
        mask[_resolve("off", item, n, strength)] = True
        if stated is not None:
            stated.append(str(item))
    return mask


def _parse_power_caps(obj: dict, n: int, strength) -> np.ndarray | None:
    """(N,) power caps of ``power_caps`` (inf = none; the smaller cap on overlap)."""
    raw = obj.get("power_caps")
    if raw is None:
        return None
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = _entry_pairs(raw, "power_caps", _POWER_ITEM_KEYS, "bad_power_cap",
                             lambda k, kind: f"power_caps[{k}]: must be an object {{\"channels\": ..., "
                                             f"\"power\": ...}}, got {kind}", index_unknown=False)
    else:
        raise ReplyError("bad_power_cap", f"power_caps: must be a map {{selector: power}} or a list "
                                          f"[{{\"channels\": selector, \"power\": p}}], got {type(raw).__name__}")
    if not pairs:
        return None
    out = np.full(n, math.inf)
    for selector, raw_value in pairs:
        try:
            value = _to_float(raw_value)
        except (ValueError, TypeError, OverflowError):
            raise ReplyError("bad_power_cap", f"power_caps {str(selector)!r}: {repr(raw_value)[:30]} "
                                              "is not a number") from None
        if math.isnan(value) or value < 0:
            raise ReplyError("bad_power_cap", f"power_caps {str(selector)!r}: {value:g} is not a power >= 0")
        idx = _resolve("power_caps", selector, n, strength)
        out[idx] = np.minimum(out[idx], value)
    return out


def _parse_alpha(obj: dict) -> float | None:
    raw = obj.get("alpha")
    if raw is None:
        return None
    try:
        value = _to_float(raw)
    except (ValueError, TypeError, OverflowError):
        raise ReplyError("bad_alpha", f"alpha {_preview(repr(raw), 30)} is not a number") from None
    if not math.isfinite(value):
        raise ReplyError("bad_alpha", f"alpha is {value}")
    return value


def parse_goal_fields(obj: dict, n: int, strength=None) -> Goal:
    """The resolved goal of a reply object's goal fields (``Goal()`` when it states
    none); raises ReplyError like :func:`parse_reply`."""
    return _parse_goal(_lower_keys(obj), n, strength)


def _objective(raw, notes: list[str]) -> Objective:
    """An objective name; "max-min" or "Max Min" read as max_min (with a note)."""
    try:
        return Objective.parse(raw)
    except ValueError as err:
        spelled = re.sub(r"[\s\-]+", "_", raw.strip().lower())
        try:
            objective = Objective.parse(spelled)
        except ValueError:
            raise ReplyError("bad_objective", str(err)) from None
        notes.append(f"objective {raw!r} read as {objective.name.lower()}")
        return objective


def _parse_goal(obj: dict, n: int, strength, notes: list[str] | None = None) -> Goal:
    """The resolved goal of a reply (``Goal()`` when it states none)."""
    if all(obj.get(key) is None for key in GOAL_FIELDS):
        return Goal()
    raw_objective = obj.get("objective")
    alpha = _parse_alpha(obj)
    if raw_objective is None:
        objective = Objective.ALPHA_FAIR if alpha is not None else Objective.WEIGHTED_SUM
    elif isinstance(raw_objective, str):
        objective = _objective(raw_objective, [] if notes is None else notes)
    else:
        raise ReplyError("bad_objective", f"objective must be a string (weighted_sum, max_min, min_power or "
                                          f"alpha_fair), "
                                          f"got {_preview(repr(raw_objective), 30)}")
    stated_floors: list = []
    stated_caps: list = []
    stated_off: list = []
    floors = _parse_bounds(obj, "floors", n, strength, 0.0, np.maximum, stated_floors)
    caps = _parse_bounds(obj, "caps", n, strength, math.inf, np.minimum, stated_caps)
    off = _parse_off(obj, n, strength, stated_off)
    # Ranked sets ("weakest:10%") travel as stated too: System 1 re-resolves them as the channels move.
    selectors = GoalSelectors(off=tuple(stated_off), floors=tuple(stated_floors), caps=tuple(stated_caps))
    sum_mi_min = math.nan
    if obj.get("sum_mi_min") is not None:
        sum_mi_min = _bits("sum_mi_min", "", obj["sum_mi_min"])
    return Goal(objective=objective, mi_floor=floors, mi_cap=caps, off=off, sum_mi_min=sum_mi_min,
                selectors=selectors if selectors.ranked else None,
                alpha=defaults.ALPHA_FAIR_DEFAULT if alpha is None else alpha,
                power_cap=_parse_power_caps(obj, n, strength))
