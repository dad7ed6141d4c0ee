"""The rules backend's goal reader: operator sentences -> the reply's goal fields.

Deterministic and memoryless, like the rest of the rules backend. A policy is split
into clauses (at ";", and at ",", "and", "while", "but", "then", "with", "using"
when a new intent follows); each clause is read as one element:

=====================  ================================================================
element                examples
=====================  ================================================================
floor (bits)           "keep channel 3 above 1.5 bits", "guarantee channel 1 at least
                       1.9 bits", "every channel no less than 1 bit"
cap (bits)             "no more than 1 bit on channel 8", "cap channels 7-8 at 1 bit",
                       "limit the strongest channel to 1.2 bits"
off                    "shut down channels 1-2", "turn off the weakest channel"
max-min                "maximize the minimum rate", "max-min fairness", "maximin"
least power            "with as little power as possible", "using the least power"
sum floor              "reach 12 bits", "a total of 12 bits"
budget fraction        "use at most half the power", "a third of the budget", "60% of
                       the power"
maximize               "maximize the total throughput" (weighted sum, equal weights)
priority               "prioritize channel 2" (weights map, RULES_PRIORITY_WEIGHT)
near saturation        "keep the two strongest channels near saturation": floor log2 M -
                       RULES_SATURATION_MARGIN_BITS and the priority weight on them
budget                 "cut the budget to 30", "limit the transmit budget to 12.5 W",
                       "use at most 30 units of power", "go back to full power"
=====================  ================================================================

Floors also read from "no channel drops below 1.7 bits", "never let the aggregate rate
fall under 8 bits"; max-min from "maximize the rate of the worst channel". A
min_power goal's budget is its certified least power plus RULES_SUM_RATE_MARGIN (as
the paper's P3 reads), capped by P_max or the budget the policy states.

Selectors in words: "channel 3", "channels 1, 2 and 5", "channels 2 to 4", "1-3",
"the even / odd channels", "all / every / each channel", "the weakest channel", "the
3 strongest channels", "the 10% weakest", "the first / last three channels", "the
second and fourth channels", "the rest / the others / the remaining channels" (all
channels not named by another clause).

The reader only takes a policy that has a goal element (floor, cap, max-min, least
power for a "reach" target, a budget or fraction together with another goal); anything
else is left to the paper-era rules (P1-P4, equalize), which keep their behaviour.
A goal policy with a clause it cannot read, a comparison without a unit it can
trust, or channels outside 1..N is *half understood*: kept, with the reason, never
applied as a guess. A goal it reads but recognizes as impossible (floors above
log2 M, floors needing more than P_max, ...) is declined the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, parse_selector
from steer_ros.radio.constellations import get_constellation
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal, Objective
from steer_ros.system1.goal_optimum import goal_feasibility
from steer_ros.system2.goal_check import GoalError, check_goal
from steer_ros.system2.goal_text import channel_ranges
from steer_ros.system2.reply import ReplyError, parse_goal_fields

__all__ = ["GoalReading", "goal_of", "read_goal_policy"]

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
    "6th": 6, "7th": 7, "8th": 8,
}
_FRACTIONS = {
    "half": 0.5, "a half": 0.5, "one half": 0.5, "a third": 1 / 3, "one third": 1 / 3,
    "two thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25, "three quarters": 0.75,
    "a fourth": 0.25, "a fifth": 0.2, "one fifth": 0.2,
}
_COUNT = r"(\d+|" + "|".join(_WORD_NUMBERS) + r")"
_NUM = r"(\d+(?:\.\d+)?)"
_VERBS = (r"no\s+more|not\s+more|no\s+less|not\s+less|not\s+below|not\s+above|up\s+to|keep|guarantee|ensure|make|give|shut|turn|switch|disable|deactivate|mute|use|spend|cap|"
          r"limit|restrict|hold|maximi[sz]e|reach|achieve|hit|deliver|get|provide|let|never|don't|do\s+not|"
          r"no\s+channel|at\s+most|at\s+least|the\s+rest|all\s+other|the\s+others|everything|every|each|"
          r"all\b|prioriti[sz]e|favou?r|as\s+little|the\s+least|minimi[sz]e|put|channels?\b|ch\b|"
          r"cut|reduce|lower|decrease|halve|set\b|go\s+back|run\b")
_SPLIT = re.compile(r"\s*(?:;|,?\s+(?:and\s+then|and|while|whilst|but|then|with|using|so\s+that)\s+(?=(?:"
                    + _VERBS + r"))|,\s+(?=(?:" + _VERBS + r")))")

_SHUTDOWN = re.compile(r"\b(shut\s*(?:down|off)|turn\s*off|switch\s*off|disable|deactivate|mute|silence|"
                       r"power\s+down|stop\s+using|zero\s+out)\b")
_MAX_MIN = re.compile(r"\b(max[- ]?min|maximin|maxmin|maximi[sz]e\s+the\s+(?:minimum|smallest|lowest|worst)|"
                      r"(?:raise|lift|improve|boost)\s+the\s+(?:minimum|smallest|lowest|worst)\s+"
                      r"(?:rate|mi|channel|throughput)|best\s+worst[- ]case|"
                      r"maximi[sz]e\s+the\s+(?:rate|mi|throughput|data\s+rate|capacity)\s+of\s+the\s+"
                      r"(?:worst|worst[- ]off|poorest|slowest)(?:\s+(?:sub)?channel|\s+user|\s+link)?)\b")
_SAVE = re.compile(r"\b(as\s+little\s+(?:power|energy)|(?:the\s+)?least\s+(?:total\s+)?(?:power|energy)|"
                   r"(?:minimum|minimal|lowest|smallest)\s+(?:total\s+)?(?:power|energy|budget)|"
                   r"minimi[sz]e\s+(?:the\s+)?(?:total\s+)?(?:power|energy)|cheapest|fewest\s+watts|"
                   r"save\s+(?:energy|power)|saving\s+(?:energy|power)|(?:energy|power)[- ]saving)\b")
_MAXIMIZE = re.compile(r"\b(maximi[sz]e|max(?:imum)?|highest|most)\b.*?\b(throughput|sum[- ]?rate|rate|"
                       r"capacity|mi|mutual\s+information|data\s+rate)\b")
_PRIORITY = re.compile(r"\b(prioriti[sz]e|favou?r|boost|focus\s+on|prefer|emphasi[sz]e)\b")
# Negated phrases first ("no less than" is a floor although it holds "less than").
_FLOOR_NEG = re.compile(r"\b(no|not|never)\s+(less|lower|fewer)\s+than\b|\b(not|never)\s+below\b|"
                        r"\b(?:never|not|no|don't|do\s+not|must\s+not|mustn't)\b[^.;]*?\b(?:fall|falls|drop|drops|"
                        r"go|goes|dip|dips|sink|sinks|get|gets)\s+(?:under|below|beneath)\b")
_CAP_NEG = re.compile(r"\b(no|not|never)\s+(more|higher|greater)\s+than\b|\b(not|never)\s+above\b|"
                      r"\b(not|never)\s+(?:to\s+)?exceed(?:ing)?\b|"
                      r"\b(?:never|not|no|don't|do\s+not|must\s+not|mustn't)\b[^.;]*?\b(?:rise|rises|go|goes|"
                      r"climb|climbs|get|gets)\s+(?:over|above|beyond)\b")
_CAP_WORDS = re.compile(r"\b(at\s+most|up\s+to|or\s+less|below|under|less\s+than|lower\s+than|maximum\s+of|"
                        r"max\s+of)\b|<=|\u2264|<")
_CAP_VERBS = re.compile(r"\b(cap|caps|capped|limit|limited|restrict|restricted|clamp|throttle)\b")
_FLOOR_WORDS = re.compile(r"\b(at\s+least|or\s+more|or\s+above|above|over|more\s+than|greater\s+than|"
                          r"higher\s+than|minimum\s+of|min\s+of|a\s+floor\s+of)\b|>=|\u2265|>")
_FLOOR_VERBS = re.compile(r"\b(guarantee|guaranteed|ensure|assure|secure)\b")
_REACH = re.compile(r"\b(reach|achieve|hit|deliver|attain|get\s+to|a\s+total\s+of|in\s+total|altogether|"
                    r"sum|total|overall|aggregate|combined|throughput|capacity|rate)\b")
_BITS = re.compile(_NUM + r"\s*(bits?|b/s/hz|bit/s/hz|bps/hz|b)\b")
_BARE_NUMBER = re.compile(r"(?<![\w.])" + _NUM + r"(?![\w.%])")
_POWER_UNIT = re.compile(_NUM + r"\s*(w|watts?|mw|dbm|db)\b")
_RATE_WORDS = re.compile(r"\b(mi|rate|rates|throughput|capacity|bits?|mutual\s+information|spectral\s+efficiency)\b")
# A budget in a clause of its own: "cut the budget to 20", "limit the transmit budget to
# 12.5 W", "use at most 30 units of power", "go back to full power".
_BUDGET_WORD = re.compile(r"\b(?:power\s+budget|budget|p_total|p\s+total|total\s+power|transmit\s+power|"
                          r"(?:units?|watts?)\s+of\s+power|power)\b")
_BUDGET_PERCENT = re.compile(r"\bby\s+" + _NUM + r"\s*(?:%|percent)")
_BUDGET_FULL = re.compile(r"\b(?:full|maximum|max)\s+(?:power|budget)\b")
_SATURATION = re.compile(r"\b(?:near|close\s+to|at|into)\s+saturation\b|\bsaturated\b|\bnearly\s+saturate\b")
_POWER_ADJ = r"(?:(?:total|available|maximum|max|transmit|tx)\s+)*"
_FRACTION = re.compile(r"\b(" + "|".join(sorted(_FRACTIONS, key=len, reverse=True)) + r")\s+(?:of\s+)?(?:the\s+)?"
                       r"(?:its\s+|our\s+|the\s+radio's\s+)?" + _POWER_ADJ + r"(?:power|budget|energy)\b"
                       r"|\b" + _NUM + r"\s*(?:%|percent)\s+of\s+(?:the\s+)?" + _POWER_ADJ +
                       r"(?:power|budget|energy)\b|\b(?:halve|half)\s+(?:the\s+)?(?:power|budget)\b")
# Ranked shares of N in a goal clause: "the strongest quarter", "the weakest tenth".
_SHARE_PERCENT = {"half": 50.0, "third": 100.0 / 3.0, "quarter": 25.0, "fourth": 25.0, "fifth": 20.0,
                  "tenth": 10.0}
# Other names users give the subchannels (OFDM subcarriers, aggregated carriers).
_CHANNEL_SYNONYMS = re.compile(r"\b(?:sub-?carrier|carrier|sub-?band)(s?)\b(?!\s+frequenc)")


def normalize_policy_text(policy: str) -> str:
    """Lower case, single spaces, en dashes as hyphens, and "subcarriers" / "carriers" /
    "subbands" read as "subchannels" (one vocabulary for the readers)."""
    text = " ".join(str(policy).lower().replace("\u2013", "-").split())
    return _CHANNEL_SYNONYMS.sub(lambda m: "subchannel" + m.group(1), text)


@dataclass(frozen=True)
class GoalReading:
    """A goal policy as the rules read it.

    ``fields``: the reply's goal fields (list form) and ``weights``; ``p_total``: the
    budget (P_max unless the policy asks for a fraction); ``why``: the explanation;
    ``keep``: a non-empty reason means "kept" (half understood or declined).
    """

    fields: dict = field(default_factory=dict)
    p_total: float = math.nan
    why: tuple[str, ...] = ()
    keep: str = ""


@dataclass
class _Clause:
    text: str
    kind: str = ""  # floor | cap | off | max_min | save | reach | fraction | budget | maximize | priority | filler
    saturate: bool = False  # floor "near saturation": also prioritized
    selector: object = None  # str selector, or _REST
    bits: float = math.nan
    fraction: float = math.nan
    budget: float = math.nan  # kind "budget": P_total (inf = P_max; negative = cut by that percent)
    problem: str = ""


_REST = "<rest>"


def _count(word: str | None) -> int:
    if not word:
        return 1
    return int(word) if word.isdigit() else _WORD_NUMBERS[word]


def _find_selector(text: str, n: int):
    """(selector, problem) for the channels a clause names; (None, "") if none."""
    m = re.search(r"\b(weakest|strongest|worst|best|poorest)\s+(" + "|".join(_SHARE_PERCENT) + r")\b", text)
    if m:
        return f"{_rank(m.group(1))}:{_SHARE_PERCENT[m.group(2)]:g}%", ""
    m = re.search(r"\b(weakest|strongest|worst|best|poorest)\s+" + _NUM + r"\s*(?:%|percent)"
                  r"|\b" + _NUM + r"\s*(?:%|percent)\s+(weakest|strongest|worst|best|poorest)", text)
    if m:
        kind = m.group(1) or m.group(4)
        value = m.group(2) or m.group(3)
        return f"{_rank(kind)}:{value}%", ""
    m = re.search(r"\b(?:the\s+)?(?:" + _COUNT + r"\s+)?(weakest|strongest|worst|best|poorest)"
                  r"(?:\s+" + _COUNT + r")?\s*(?:sub)?(?:channels?|ones?|links?|users?)?\b", text)
    if m and not re.search(r"\b(weakest|strongest|worst|best|poorest)\s+(?:case|effort)\b", text):
        count = _count(m.group(1) or m.group(3))
        return f"{_rank(m.group(2))}:{count}", ""
    if re.search(r"\b(the\s+rest|the\s+others|other\s+(?:sub)?channels|remaining\s+(?:sub)?channels|all\s+others|"
                 r"every\s+other\s+(?:sub)?channel|every\s+other\s+one|each\s+of\s+the\s+others|"
                 r"all\s+the\s+other|the\s+remaining)\b", text):
        return _REST, ""
    if re.search(r"\beven(?:[- ]numbered)?\s+(?:sub)?channels?\b", text):
        return "even", ""
    if re.search(r"\bodd(?:[- ]numbered)?\s+(?:sub)?channels?\b", text):
        return "odd", ""
    m = re.search(r"\b(?:the\s+)?(first|last)\s+(?:" + _COUNT + r"\s+)?(?:sub)?channels?\b", text)
    if m:
        count = _count(m.group(2)) if m.group(2) else 1
        if count > n:
            return None, f"the {m.group(1)} {count} channels: there are only {n}"
        lo, hi = (1, count) if m.group(1) == "first" else (n - count + 1, n)
        return (str(lo) if lo == hi else f"{lo}-{hi}"), ""
    ords = "|".join(_ORDINALS)
    m = re.search(r"\b(?:the\s+)?((?:(?:" + ords + r")(?:\s*,\s*|\s+and\s+|\s+))+)(?:sub)?channels?\b", text)
    if m:
        picks = [_ORDINALS[w] for w in re.findall(ords, m.group(1))]
        return _numbers_selector(picks, n)
    if re.search(r"\b(all|every|each|no)\s+(?:of\s+the\s+)?(?:sub)?(?:channels?|users?|links?)\b|\beveryone\b|"
                 r"\ball\s+of\s+them\b|\bper\s+channel\b", text):
        return "all", ""
    numbers = _channel_numbers(text)
    if numbers:
        return _numbers_selector(numbers, n)
    # Bare numbers right after a verb: "shut down 1-2", "cap 7 and 8 at 1 bit".
    m = re.match(r"^(?:shut\s*(?:down|off)|turn\s*off|switch\s*off|disable|mute|keep|guarantee|cap|limit)\s+"
                 r"((?:\d+\s*(?:,|and|&|to|-)\s*)*\d+)\b(?!\s*(?:bits?|b\b|%|percent|w\b|watts?))", text)
    if m:
        return _numbers_selector(_number_list(m.group(1)), n)
    return None, ""


def _rank(word: str) -> str:
    return "strongest" if word in ("strongest", "best") else "weakest"


def _channel_numbers(text: str) -> list[int]:
    out: list[int] = []
    pattern = (r"\b(?:sub)?(?:channels?|ch\.?|users?|links?)\s*#?((?:\d+\s*(?:,|and|&|to|through|-|\u2013|or)"
               r"\s*#?)*\d+)(?!\s*(?:bits?|%|w\b|percent))")
    for chunk in re.finditer(pattern, text):
        out.extend(_number_list(chunk.group(1)))
    return list(dict.fromkeys(out))


def _number_list(body: str) -> list[int]:
    """"1, 2 and 5" / "2 to 4" / "1-3" -> channel numbers (1-based)."""
    out: list[int] = []
    for part in re.finditer(r"(\d+)\s*(?:(?:-|\u2013|to|through)\s*#?(\d+))?", body):
        lo = int(part.group(1))
        hi = int(part.group(2)) if part.group(2) else lo
        out.extend(range(min(lo, hi), min(max(lo, hi), min(lo, hi) + 100_000) + 1))
    return out


def _numbers_selector(numbers: list[int], n: int):
    bad = sorted({c for c in numbers if not 1 <= c <= n})
    if bad:
        return None, f"channel {bad[0]} is outside 1..{n}"
    return channel_ranges(np.array(numbers) - 1).replace(" ", ""), ""


def _bits_in(text: str) -> tuple[float, str]:
    """(bits, problem) of the number a comparison clause states."""
    m = _BITS.search(text)
    if m:
        return float(m.group(1)), ""
    if _POWER_UNIT.search(text):
        return math.nan, "per-channel power is System 1's to set: state MI floors or caps in bits"
    m = _BARE_NUMBER.search(_strip_channel_numbers(text))
    if m and _RATE_WORDS.search(text):
        return float(m.group(1)), ""
    if m:
        return math.nan, f"{m.group(1)} of what? (say bits)"
    return math.nan, ""


def _strip_channel_numbers(text: str) -> str:
    text = re.sub(r"\b(?:sub)?(?:channels?|ch\.?|users?|links?)\s*#?(?:\d+\s*(?:,|and|&|to|through|-|\u2013|or)"
                  r"\s*#?)*\d+", " ", text)
    text = re.sub(r"\b(?:weakest|strongest|worst|best|poorest)\s+\d+\s*(?:%|percent)?|\d+\s*(?:%|percent)?\s+"
                  r"(?:weakest|strongest|worst|best|poorest)|\b\d+(?:st|nd|rd|th)\b", " ", text)
    return re.sub(r"\b(?:first|last)\s+\d+\b|\b\d+\s+(?:channels?|weakest|strongest)\b", " ", text)


def _fraction(text: str) -> float:
    m = _FRACTION.search(text)
    if not m:
        return math.nan
    if m.group(1):
        return _FRACTIONS[m.group(1)]
    if m.group(2):
        return float(m.group(2)) / 100.0
    return 0.5


def _budget_in(text: str) -> float:
    """The budget a clause sets (see :class:`_Clause`), NaN if it sets none. A number
    stated in bits is never a budget."""
    if not _BUDGET_WORD.search(text) or _BITS.search(text):
        return math.nan
    m = _BUDGET_PERCENT.search(text)
    if m and re.search(r"\b(?:reduce|lower|cut|decrease|drop|trim|shrink)\b", text):
        return -float(m.group(1))
    m = re.search(r"\b(?:to|at|of|below|under|at\s+most|no\s+more\s+than|=|:)\s*" + _NUM + r"\b"
                  r"|\bat\s+most\s+" + _NUM + r"\s*(?:w|watts?|units?)?\s+(?:of\s+)?(?:power|budget)", text)
    if m and re.search(r"\b(?:reduce|lower|cut|decrease|limit|cap|set|bring|drop|use|restrict|keep|spend|run)\b", text):
        return float(m.group(1) or m.group(2))
    if _BUDGET_FULL.search(text):
        return math.inf
    return math.nan


def _read_clause(text: str, n: int) -> _Clause:
    c = _Clause(text)
    selector, problem = _find_selector(text, n)
    if _SHUTDOWN.search(text):
        c.kind, c.selector, c.problem = "off", selector, problem or ("" if selector else "which channels to shut down?")
        return c
    m = _MAX_MIN.search(text)
    if m:
        # "the rate of the worst channel" names the objective, not a scope
        selector, problem = _find_selector(text[:m.start()] + " " + text[m.end():], n)
        c.kind, c.selector, c.problem = "max_min", selector, problem
        return c
    frac = _fraction(text)
    if not math.isnan(frac):
        c.kind, c.fraction = "fraction", frac
        if not 0.0 < frac <= 1.0:
            c.problem = f"{frac:.0%} of the power is not a fraction of the budget"
        return c
    budget = _budget_in(text) if selector is None and not problem else math.nan
    if not math.isnan(budget):
        c.kind, c.budget = "budget", budget
        return c
    if _SATURATION.search(text) and (selector or problem):
        c.kind, c.selector, c.problem = "floor", selector, problem
        c.bits = -defaults.RULES_SATURATION_MARGIN_BITS  # log2 M minus the margin, set by the reader
        c.saturate = True
        return c
    floor_neg, cap_neg = bool(_FLOOR_NEG.search(text)), bool(_CAP_NEG.search(text))
    plain = _CAP_NEG.sub(" ", _FLOOR_NEG.sub(" ", text))
    is_cap = cap_neg or bool(_CAP_WORDS.search(plain) or _CAP_VERBS.search(plain))
    is_floor = floor_neg or bool(_FLOOR_WORDS.search(plain) or _FLOOR_VERBS.search(plain))
    bits, bits_problem = _bits_in(text)
    reach = _REACH.search(text)
    if (is_cap or is_floor or reach) and (not math.isnan(bits) or bits_problem):
        if is_cap and is_floor:
            c.kind, c.problem = "floor", "both a floor and a cap in one phrase"
            return c
        if selector is None and not problem and reach and not is_cap:
            c.kind, c.bits, c.problem = "reach", bits, bits_problem
            return c
        c.kind = "cap" if is_cap else "floor"
        c.selector, c.bits = selector, bits
        c.problem = problem or bits_problem or ("" if selector else f"which channels should be "
                                                f"{'at most' if is_cap else 'at least'} {bits:g} bits?")
        return c
    if _SAVE.search(text):
        c.kind = "save"
        return c
    if re.search(r"\bkeep\b.*\bat\s+" + _NUM + r"\s*bits?\b", text) and selector:
        c.kind, c.problem = "floor", "at least or at most? (say 'above' or 'no more than')"
        return c
    if _MAXIMIZE.search(text):
        c.kind, c.selector, c.problem = "maximize", selector, problem
        return c
    if _PRIORITY.search(text) and selector:
        c.kind, c.selector, c.problem = "priority", selector, problem
        return c
    if not re.sub(r"\b(please|the|a|an|and|then|also|too|as\s+well|possible|if\s+possible|now)\b|[.,!;]", "",
                  text).strip():
        c.kind = "filler"
    return c


def _split(text: str) -> list[str]:
    parts = [p.strip(" ,.;") for p in _SPLIT.split(text)]
    return [p for p in parts if p]


def read_goal_policy(policy: str, snapshot: SystemSnapshot, p_min: float, p_max: float,
                     priority_weight: float = defaults.RULES_PRIORITY_WEIGHT,
                     constellation: str = defaults.CONSTELLATION,
                     sum_rate_margin: float = defaults.RULES_SUM_RATE_MARGIN) -> GoalReading | None:
    """The goal a policy states, a kept reading (half understood / declined), or None
    when the policy has no goal element (the paper-era rules then read it)."""
    text = normalize_policy_text(policy)
    text = re.sub(r"\b(bits?)\s+per\s+(?:sub)?channel\s+use\b", r"\1", text)  # the MI unit, not a selector
    n = snapshot.n
    clauses = [_read_clause(part, n) for part in _split(text)]
    for prev, c in zip(clauses, clauses[1:]):
        # "keep channels 1-4 above 1 bit and at most 1.8 bits": the same channels.
        if (c.kind in ("floor", "cap") and c.selector is None and c.problem.startswith("which channels")
                and prev.kind in ("floor", "cap") and prev.selector is not None and not prev.problem):
            c.selector, c.problem = prev.selector, ""
    kinds = {c.kind for c in clauses}
    saves = "save" in kinds or bool(_SAVE.search(text))
    goal_kinds = {"floor", "cap", "max_min"}
    has_goal = bool(kinds & goal_kinds) or ("reach" in kinds and saves and not _legacy_sum_floor(text)) \
        or (bool(kinds & {"fraction", "budget"}) and bool(kinds & (goal_kinds | {"off", "reach"})))
    if not has_goal:
        return None
    quoted = lambda c: '"' + c.text + '"'  # noqa: E731
    for c in clauses:
        if c.problem:
            return GoalReading(keep=f"half_understood: {quoted(c)}: {c.problem}")
        if not c.kind:
            return GoalReading(keep=f"half_understood: could not read {quoted(c)} (the rest of the policy "
                                    f"states a goal; nothing is applied as a guess)")
    strength = snapshot.strength
    named = np.zeros(n, dtype=bool)
    for c in clauses:
        if isinstance(c.selector, str) and c.selector != _REST:
            try:
                named |= parse_selector(c.selector).mask(n, strength)
            except SelectorError as err:
                return GoalReading(keep=f"half_understood: {quoted(c)}: {err}")
    rest = channel_ranges(np.flatnonzero(~named)).replace(" ", "")
    if any(c.selector == _REST for c in clauses) and not rest:
        return GoalReading(keep="half_understood: 'the rest' names no channel (every channel is named)")

    def sel(c: _Clause) -> str:
        return rest if c.selector == _REST else c.selector

    fields: dict = {}
    why: list[str] = []
    bits_max = float(get_constellation(constellation).bits)
    # "near saturation" (bits < 0 here): log2 M minus the margin
    floors = [{"channels": sel(c), "bits": c.bits if c.bits >= 0 else bits_max + c.bits}
              for c in clauses if c.kind == "floor"]
    caps = [{"channels": sel(c), "bits": c.bits} for c in clauses if c.kind == "cap"]
    off = [sel(c) for c in clauses if c.kind == "off"]
    reach = [c.bits for c in clauses if c.kind == "reach"]
    if len(reach) > 1:
        return GoalReading(keep=f"half_understood: two totals ({reach[0]:g} and {reach[1]:g} bits)")
    max_min = [c for c in clauses if c.kind == "max_min"]
    if any(c.selector not in (None, "all") for c in max_min):
        scope = sel(max_min[0])
        others = channel_ranges(np.flatnonzero(~parse_selector(scope).mask(n, strength)))
        return GoalReading(keep=f"half_understood: max-min over channels {scope} only; what of channels "
                                f"{others}? (say e.g. 'shut down {others} and maximize the minimum rate')")
    if max_min:
        fields["objective"] = "max_min"
        why.append("max-min: equal MI on the channels that are on, as high as the budget allows")
    elif saves and (floors or reach):
        fields["objective"] = "min_power"
        why.append("least total power meeting the floors" + (" and the total" if reach else ""))
    elif saves:
        return GoalReading(keep="half_understood: least power for what? (give floors or a total in bits)")
    else:
        fields["objective"] = "weighted_sum"
        why.append("weighted sum with equal weights inside the goal's limits")
    if floors:
        fields["floors"] = floors
        why.append("floors " + ", ".join(f"{f['bits']:g} bits on {f['channels']}" for f in floors))
    if caps:
        fields["caps"] = caps
        why.append("caps " + ", ".join(f"{f['bits']:g} bits on {f['channels']}" for f in caps))
    if off:
        fields["off"] = off
        why.append("off " + ", ".join(off))
    if reach:
        fields["sum_mi_min"] = reach[0]
        why.append(f"total MI at least {reach[0]:g} bits")
    weights: dict = {}
    for c in clauses:
        if c.kind == "priority" or c.saturate:
            # near saturation: the priority weight carries the channels most of the way
            # while the guardrail's smoothing brings their floor in
            weights[sel(c)] = priority_weight
    fields["weights"] = weights or [1.0] * n
    if weights:
        why.append("weights " + ", ".join(f"{k}: {v:g}" for k, v in weights.items()) + " (others 1)")
    fractions = [c.fraction for c in clauses if c.kind == "fraction"]
    budgets = [c.budget for c in clauses if c.kind == "budget"]
    if len(fractions) + len(budgets) > 1:
        return GoalReading(keep="half_understood: two power budgets in one policy")
    if budgets:
        b = budgets[0]
        p_total = p_max if math.isinf(b) else (p_max * (1.0 + b / 100.0) if b < 0 else b)
        if not p_min <= p_total <= p_max:
            return GoalReading(keep=f"declined: the policy asks for P_total = {p_total:g}, outside "
                                    f"[P_min, P_max] = [{p_min:g}, {p_max:g}]")
        budget_why = f"P_total = {p_total:g}" + (" (full budget)" if math.isinf(b) else "")
    else:
        p_total = p_max * fractions[0] if fractions else p_max
        p_total = min(max(p_total, p_min), p_max)
        budget_why = f"P_total = {p_total:g}" + (f" ({fractions[0]:.0%} of P_max)" if fractions else " (full budget)")
    why.append(budget_why)
    # Decline an impossible goal here (the guardrail would refuse it anyway).
    try:
        goal = parse_goal_fields({k: v for k, v in fields.items() if k != "weights"}, n, strength)
    except ReplyError as err:
        return GoalReading(keep=f"half_understood: {err}")
    try:
        check_goal(goal, n, get_constellation(constellation).bits, p_total, snapshot.gain, snapshot.noise_var,
                   constellation)
    except GoalError as err:
        return GoalReading(keep=f"declined: the goal is impossible: {err}")
    if goal.objective == Objective.MIN_POWER:
        # As for the paper's P3: the budget in force is the certified least power plus
        # the margin, so the command itself says how little power the goal needs.
        _, needed, _ = goal_feasibility(snapshot.gain, snapshot.noise_var, goal, p_total, constellation)
        if math.isfinite(needed):
            least = min(max(needed * (1.0 + sum_rate_margin), p_min), p_total)
            why[-1] = (f"P_total = {least:.4g}: the certified least power {needed:.4g} with a "
                       f"{sum_rate_margin:.0%} margin")
            p_total = least
    return GoalReading(fields=fields, p_total=p_total, why=tuple(why))


def _legacy_sum_floor(text: str) -> bool:
    """The paper-era "keep the sum rate above X bits" phrasing (P3 and rewordings),
    which the weights-and-budget rules read (uniform weights, least budget + margin)."""
    return bool(re.search(r"\b(above|at\s+least|over|more\s+than|no\s+less\s+than|not\s+below|min(?:imum)?\s+of)"
                          r"\s*\d", text)) and not re.search(r"\b(reach|achieve|hit|deliver|attain)\b", text)


def goal_of(reading: GoalReading, snapshot: SystemSnapshot) -> Goal:
    """The resolved goal of a reading (for tests and explanations)."""
    fields = {k: v for k, v in reading.fields.items() if k != "weights"}
    return parse_goal_fields(fields, snapshot.n, snapshot.strength)
