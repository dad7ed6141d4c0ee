"""The fleet ``rules`` backend: a small grammar (``fleet_policy.lark``, lark pinned) that
reads fleet policies offline and answers in the fleet reply format. Not an LLM, and it
says so in every reasoning text.

It reads, in any combination joined by ";", ",", "." or "and":

- "radio 3 carries the emergency uplink: it comes first", "prioritize radio 3",
  "radio 5 comes last", "give radios 1-4 priority 2", "treat every radio alike";
- "take radio 2 off the air for maintenance", "switch off the weakest radio",
  "bring radio 2 back";
- "every radio keeps at least 8 bits", "at least 4 bits on the weakest two radios";
- "cap the fleet at 60% tonight", "cap the fleet at 120 W", "cut the fleet by 25%",
  "lift the fleet cap";
- "give radio 4 at most 10 W", "radio 2 uses at least 5 W".

A policy is read wholly or not at all: anything the grammar cannot read keeps the
directive in force (KEPT) with the unread words quoted, never a partial action. A
policy naming a radio outside 1..K, or a cap above 100% of C, is declined (KEPT) with
the reason.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, v_args
from lark.exceptions import VisitError

from steer_ros import defaults
from steer_ros.system2.backends.backend import Backend, BackendReply

GRAMMAR_PATH = Path(__file__).with_name("fleet_policy.lark")
_COUNTS = {w: i for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                       "ten"), 1)}


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The grammar, built once (Earley: free words and keywords share the lexer)."""
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="earley", lexer="dynamic",
                ambiguity="resolve", start="start")


class PolicyDeclined(ValueError):
    """A policy read wholly but not to be applied (radio outside 1..K, cap above C)."""


def _number(token) -> float:
    text = str(token).strip().lower()
    for suffix in ("per cent", "percent", "%"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    return float(text)


@v_args(inline=True)
class _Reader(Transformer):
    """Clauses -> ("field", selector, value) actions; radios -> selector text."""

    def __init__(self, k: int):
        super().__init__()
        self.k = k

    # radios
    def _check(self, number: int) -> int:
        if not 1 <= number <= self.k:
            raise PolicyDeclined(f"radio {number} does not exist (radios 1..{self.k})")
        return number

    def one(self, n):
        return str(self._check(int(_number(n))))

    def several(self, *ns):
        return ",".join(str(self._check(int(_number(n)))) for n in ns)

    def span(self, a, b):
        lo, hi = self._check(int(_number(a))), self._check(int(_number(b)))
        if hi < lo:
            raise PolicyDeclined(f"radios {lo}-{hi}: the range ends before it starts")
        return f"{lo}-{hi}"

    def every(self):
        return "all"

    def _ranked(self, word, count):
        n = 1 if count is None else _COUNTS.get(str(count), None) or int(_number(count))
        if not 1 <= n <= self.k:
            raise PolicyDeclined(f"the {word} {n} radios: there are {self.k}")
        return f"{word}:{n}"

    def weakest(self, count=None):
        return self._ranked("weakest", count)

    def strongest(self, count=None):
        return self._ranked("strongest", count)

    # clauses
    def clause(self, *items):
        actions = [item for item in items if isinstance(item, tuple)]
        return actions[0]

    def purpose(self, *_):
        return None

    def free(self, *_):
        return None

    def first(self, radio, *_):
        return ("priority", radio, defaults.FLEET_FIRST_PRIORITY)

    def last(self, radio):
        return ("priority", radio, defaults.FLEET_LAST_PRIORITY)

    def priority(self, radio, value):
        value = _number(value)
        if not value > 0:
            raise PolicyDeclined(f"priority {value:g}: priorities are > 0 (take a radio off the air instead)")
        return ("priority", radio, value)

    def equal(self, *_):
        return ("equal", "all", 1.0)

    def as_configured(self, *_):
        return ("configured", None, None)

    def off(self, radio):
        return ("off", radio, True)

    def on(self, radio):
        return ("on", radio, True)

    def floor(self, *items):
        radio = next(i for i in items if isinstance(i, str) and not isinstance(i, Token))
        bits = next(i for i in items if isinstance(i, Token))
        return ("floor", radio, _number(bits))

    def cap(self, amount):
        value = _number(amount)
        if amount.type == "PERCENT":
            if not 0 < value <= 100:
                raise PolicyDeclined(f"a cap of {value:g}% of C: the cap is above 0 and at most 100% of C")
            return ("cap_fraction", None, value / 100.0)
        return ("cap", None, value)

    def cap_cut(self, amount):
        value = _number(amount)
        if not 0 <= value < 100:
            raise PolicyDeclined(f"cutting the fleet by {value:g}%: a cut is at least 0 and below 100%")
        return ("cap_fraction", None, 1.0 - value / 100.0)

    def cap_full(self):
        return ("cap_fraction", None, 1.0)

    def box_max(self, radio, value):
        return ("max", radio, _number(value))

    def box_min(self, radio, value):
        return ("min", radio, _number(value))

    def start(self, *clauses):
        return list(clauses)


def read_fleet_policy(text: str, k: int) -> dict:
    """The fleet reply object a policy asks for; UnexpectedInput (unread) or PolicyDeclined."""
    normalized = " ".join(str(text).lower().replace("’", "'").split())
    tree = parser().parse(normalized)
    try:
        actions = _Reader(k).transform(tree)
    except VisitError as err:  # lark wraps what a rule raised
        if isinstance(err.orig_exc, PolicyDeclined):
            raise err.orig_exc from None
        raise
    reply: dict = {}
    priorities, off, floors, budgets = {}, [], {}, {}
    for field, selector, value in actions:
        if field == "priority":
            priorities[selector] = value
        elif field == "equal":
            priorities = {"all": 1.0}
        elif field == "off":
            off.append(selector)
        elif field == "on":
            off = [s for s in off if s != selector]
        elif field == "floor":
            floors[selector] = max(value, floors.get(selector, 0.0))
        elif field == "configured":
            continue  # the configured fleet: every field at its default
        elif field in ("min", "max"):
            budgets.setdefault(selector, {})[field] = value
        else:
            reply.pop("cap", None)
            reply.pop("cap_fraction", None)
            reply[field] = value
    reply.update({"priorities": [{"radios": s, "priority": p} for s, p in priorities.items()],
                  "off": off, "floors": [{"radios": s, "bits": b} for s, b in floors.items()]})
    if budgets:
        reply["budgets"] = [{"radios": s, **box} for s, box in budgets.items()]
    return reply


def unread_words(text: str, err: UnexpectedInput, limit: int = 60) -> str:
    """The words from where reading stopped, quoted for the KEPT detail."""
    normalized = " ".join(str(text).lower().replace("’", "'").split())
    if isinstance(err, UnexpectedEOF):
        return "(the policy ends before an action is complete)"
    pos = getattr(err, "pos_in_stream", None)
    if pos is None and isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
    if pos is None:
        token = getattr(err, "token", None)
        pos = getattr(token, "start_pos", 0) or 0
    start = normalized.rfind(" ", 0, pos) + 1
    rest = normalized[start:]
    return json.dumps(rest if len(rest) <= limit else rest[: limit - 3] + "...")


class FleetRulesBackend(Backend):
    """Reads fleet policies with the grammar; KEPT (with why) when it cannot."""

    name = "rules"

    def complete(self, messages, snapshot, policy: str, timeout_s: float) -> BackendReply:
        k = int(snapshot.k)
        try:
            reply = read_fleet_policy(policy, k)
        except UnexpectedInput as err:
            return BackendReply(keep=True, detail=f"kept: not_understood: could not read {unread_words(policy, err)}")
        except PolicyDeclined as err:
            return BackendReply(keep=True, detail=f"kept: declined: {err}")
        reply["reasoning"] = f"rules (not an LLM): read {policy!r} as the fleet setting"
        return BackendReply(text=json.dumps(reply))
