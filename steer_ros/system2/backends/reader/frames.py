"""Frames: the reading of a clause the grammar does not take, by its parts rather than
their order ("Budget: 27.5W", "Run on channel 3 only", "Give ch5 1.5x the weight").

A clause is cut into its amounts (a number with its unit, a ratio, a share, a range of
rates), its channel references (the grammar's own ``sel`` rule) and its cue words. One
frame must account for every cue word: off, only, priority (with a strength), bounds on
rates or per-channel power, a budget (absolute, relative to the budget in force or to
P_max), or an objective. A cue no frame of the clause accepts, two frames in one clause,
a negation, or a number that could be a channel or an amount leaves the clause unread,
so the policy is kept as before: read all or act on none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lark import Lark
from lark.exceptions import LarkError

from steer_ros.system2.backends.reader.semantics import TOTAL, Amount, Clause, PAmount, Sel, ToClauses

__all__ = ["read_frame", "read_frame_with_budget"]

_UNITS = {"BITS": "bits", "WATT": "W", "PCT": "%"}
_SEL_START = frozenset({"CHAN", "NUM", "RANK", "PARITY", "ALL", "OTHERS", "FIRST", "LAST", "ORD", "THEM", "ALLBUT"})
_SEL_PART = _SEL_START | {"LAND", "LCOMMA", "LOR", "TO", "EXCEPT", "FRAC", "PCT"}

# the cue words of each frame (beside its amounts and channels); "light" cues fit every frame
_LIGHT = frozenset({"KEEP", "USE", "GIVE", "MAKE", "LET", "AT", "TO", "ON", "ACROSS", "EACH", "NEED", "SYSNOUN",
                    "ALLOWED", "BAND", "SETV:set", "VS", "OVEROTHERS", "REASON", "CHAN"})
_OFF_CUES = frozenset({"OFF", "AVOID", "BROKEN", "FAULT", "LOST", "OFFPART", "DOWN"})
_OFF_ALSO = frozenset({"TURN", "EQUIP", "CAUSE", "TREAT", "PAYLOAD", "CARRY", "BY", "POWER"})
_ONLY_ALSO = frozenset({"USEON", "POWER"})
_PRIO_CUES = frozenset({"PRIO", "PRIORITY", "MATTER", "DEPRIO"})
_PRIO_ALSO = frozenset({"WEIGHT", "TIMES", "SETV:up", "UP", "POWER", "LET", "PAYLOAD"})
_FLOOR_CUES = frozenset({"ABOVE", "ORMORE", "EXCEED"})
_CAP_CUES = frozenset({"BELOW", "ORLESS", "CAP"})
_BOUND_ALSO = frozenset({"BETWEEN", "RANGE", "PLUSMINUS", "FALLBELOW", "NEVER", "RATE", "ONLY", "THROUGHPUT",
                         "TOTAL", "NEARSAT", "CHAN", "TURN", "DOWN"})
_BUDGET_ALSO = frozenset({"EQUIP", "MULTIPLY", "ORLESS", "POWER", "FULL", "CURRENT", "SETV:down", "SETV:up", "UP",
                          "DOWN", "BY", "GOBACK", "TURN", "TOTAL", "ONLY", "CAP", "BELOW", "OFFPART", "HALVE",
                          "TIMES"})
_CONTEXT = frozenset({"FAULT", "EQUIP", "CAUSE", "REASON", "PAYLOAD", "ACROSS", "ON", "NEED", "AT", "SYSNOUN"})
_OBJ_ALSO = frozenset({"RATE", "CHAN", "FAIR", "SAME", "EQUALIZE", "MAX", "THROUGHPUT", "TOTAL", "MAXMIN",
                       "PROPFAIR", "LEAST", "POWER", "MATTER", "FULL"})


_WEIGHTS_KEPT = frozenset({"WEIGHT", "KEEP", "ASIS", "LET", "NEED", "SETV:set", "ALL", "EACH"})


@dataclass(frozen=True)
class _Part:
    kind: str  # "amount" | "ratio" | "share" | "range" | "sel" | "cue"
    value: object
    at: int  # index of its first token


def _kind(tok: str) -> str:
    return tok.split(":", 1)[0]


def _num(tok: str) -> float:
    return float(tok.split(":", 1)[1])


def _sel_of(parser: Lark, toks: list[str]) -> Sel | None:
    try:
        return ToClauses().transform(parser.parse(" ".join(toks), start="sel"))
    except (LarkError, ValueError, TypeError, IndexError):
        return None


def _parts(parser: Lark, toks: list[str]) -> list[_Part] | None:
    """Amounts first (a number with its unit, "NUM TIMES", a share, "a to b bits", "a give or
    take b"), then the longest channel references, then the cue words."""
    has_bits = "BITS" in toks
    ratio_words = any(t in ("WEIGHT", "OVEROTHERS", "VS") for t in toks) or (
        "ABOVE" in toks and not any(u in toks for u in _UNITS))
    out: list[_Part] = []
    rest: list[tuple[int, str]] = []
    i = 0
    while i < len(toks):
        t, k = toks[i], _kind(toks[i])
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if k == "NUM" and nxt == "BELOW" and i and toks[i - 1] == "BETWEEN" and i + 2 < len(toks) \
                and _kind(toks[i + 2]) == "NUM":
            nxt = "TO"  # "from 1.1 up to 1.3 bits"
        if k == "NUM" and nxt == "TO" and i + 2 < len(toks) and _kind(toks[i + 2]) == "NUM":
            unit = toks[i + 3] if i + 3 < len(toks) else ""
            if unit in ("BITS", "WATT") and not (i and toks[i - 1] in ("CHAN", "LAND", "LCOMMA")):
                # ("limit channel 2 to 4 W", "... channel 8 to 1.5 bits": a channel, then "to" its amount)
                out.append(_Part("range", (_num(t), _num(toks[i + 2]), _UNITS[unit]), i))
                i += 4
                continue
            if ratio_words and unit not in ("CHAN",) and (i == 0 or _kind(toks[i - 1]) not in ("CHAN", "BETWEEN")):
                b = _num(toks[i + 2])
                if b <= 0:
                    return None
                out.append(_Part("ratio", _num(t) / b, i))
                i += 3
                continue
        if k == "NUM" and nxt == "PLUSMINUS" or (k == "NUM" and nxt in _UNITS and i + 2 < len(toks)
                                                  and toks[i + 2] == "PLUSMINUS"):
            j = i + (2 if nxt == "PLUSMINUS" else 3)
            unit = _UNITS.get(nxt, "")
            if j < len(toks) and _kind(toks[j]) in ("NUM", "FRAC"):
                tol = _num(toks[j])
                if j + 1 < len(toks) and toks[j + 1] in _UNITS:
                    unit = unit or _UNITS[toks[j + 1]]
                    j += 1
                if unit not in ("bits", ""):
                    return None
                mid = _num(t)
                out.append(_Part("range", (mid - tol, mid + tol, "bits"), i))
                i = j + 1
                continue
        if k == "NUM" and nxt in ("UP", "DOWN") and i + 2 < len(toks) and toks[i + 2] == "WATT":
            # "2 more watts", "3 fewer watts"
            out.append(_Part("amount", Amount(_num(t), "W"), i))
            out.append(_Part("cue", nxt, i + 1))
            i += 3
            continue
        if k == "NUM" and nxt in _UNITS:
            out.append(_Part("amount", Amount(_num(t), _UNITS[nxt]), i))
            i += 2
            continue
        if t in ("ORMORE", "LEAST") and nxt == "POWER":
            # "at minimum draw", "at the lowest power": least power, not a floor
            out.append(_Part("cue", "LEAST", i))
            out.append(_Part("cue", "POWER", i + 1))
            i += 2
            continue
        if t == "BY" and _kind(nxt) == "NUM" and "MULTIPLY" in toks:  # "multiply our budget by 1.25"
            out.append(_Part("ratio", _num(nxt), i))
            i += 2
            continue
        after = toks[i + 2] if i + 2 < len(toks) else ""
        if t == "WEIGHT" and _kind(nxt) == "NUM" and after not in ("CHAN", "TIMES", *_UNITS) and i \
                and _kind(toks[i - 1]) not in ("GIVE",):
            # "a weighting of 0.4 relative to everybody else", "channel 2's weight to 0.5"
            out.append(_Part("ratio", _num(nxt), i + 1))
            out.append(_Part("cue", t, i))
            i += 2
            continue
        if t == "WEIGHT" and nxt == "TO" and _kind(after) == "NUM" and i and i + 3 <= len(toks) \
                and (i + 3 == len(toks) or toks[i + 3] not in ("CHAN", "TIMES", *_UNITS)):
            out.append(_Part("ratio", _num(after), i + 2))
            out.append(_Part("cue", t, i))
            i += 3
            continue
        if t == "FACTOR" and _kind(nxt) == "NUM":  # "by a factor of 4"
            out.append(_Part("ratio", _num(nxt), i))
            i += 2
            continue
        if k == "NUM" and nxt == "TIMES":
            out.append(_Part("ratio", _num(t), i))
            i += 2
            continue
        if k == "FRAC" and nxt in ("BITS", "WATT"):  # "half a bit", "half a watt"
            out.append(_Part("amount", Amount(_num(t), _UNITS[nxt]), i))
            i += 2
            continue
        if k == "FRAC" and not (i and _kind(toks[i - 1]) in ("RANK", "FIRST", "LAST")):
            out.append(_Part("share", _num(t), i))
            i += 1
            continue
        if k == "NUM" and has_bits and i and _kind(toks[i - 1]) in ("ABOVE", "BELOW", "AT", "EXCEED", "FALLBELOW"):
            # "no less than 1.3 bits and no more than 1.45": the unit said once
            out.append(_Part("amount", Amount(_num(t), "bits"), i))
            i += 1
            continue
        if k == "NUM" and nxt in ("ORMORE", "ORLESS") and has_bits \
                and not (i + 2 < len(toks) and _kind(toks[i + 2]) == "NUM"):  # "2 min 1.8": not "2 or more"
            out.append(_Part("amount", Amount(_num(t), "bits"), i))
            i += 1
            continue
        rest.append((i, t))
        i += 1
    # "the antenna on 8": a bare number after equipment names a channel
    equip_on = {i + 2 for i in range(len(toks) - 2) if toks[i] == "EQUIP" and toks[i + 1] in ("ON", "ACROSS")}
    # channel references: the longest run the grammar's selector takes, from each start
    j = 0
    while j < len(rest):
        i0, t = rest[j]
        if _kind(t) in _SEL_START:
            end = j
            while end + 1 < len(rest) and rest[end + 1][0] == rest[end][0] + 1 and _kind(rest[end + 1][1]) in _SEL_PART:
                end += 1
            found = None
            for stop in range(end, j - 1, -1):
                sel = _sel_of(parser, [x for _, x in rest[j:stop + 1]])
                if sel is not None:
                    found = (sel, stop)
                    break
            if found is not None:
                sel = found[0]
                if i0 in equip_on and "could be channel" in sel.ambiguous:
                    sel = Sel(sel.atoms, sel.rest, sel.them, sel.excluded, sel.numbers)
                out.append(_Part("sel", sel, i0))
                j = found[1] + 1
                continue
        if t == "EXCEPT" and j + 1 < len(rest) and rest[j + 1][0] == i0 + 1:
            # "keep every channel on except the weakest": the exception of the channels named before
            prior = [n for n, p in enumerate(out) if p.kind == "sel"]
            end = j + 1
            while end + 1 < len(rest) and rest[end + 1][0] == rest[end][0] + 1 and _kind(rest[end + 1][1]) in _SEL_PART:
                end += 1
            for stop in range(end, j, -1):
                excluded = _sel_of(parser, [x for _, x in rest[j + 1:stop + 1]])
                if excluded is not None and prior and not excluded.ambiguous and not excluded.rest:
                    base = out[prior[-1]].value
                    out[prior[-1]] = _Part("sel", Sel(base.atoms, base.rest, base.them, base.excluded + excluded.atoms,
                                                      base.numbers + excluded.numbers, base.ambiguous),
                                           out[prior[-1]].at)
                    j = stop + 1
                    break
            else:
                out.append(_Part("cue", t, i0))
                j += 1
            continue
        out.append(_Part("cue", t, i0))
        j += 1
    return sorted(out, key=lambda p: p.at)


def read_frame(parser: Lark, toks: list[str]) -> list[Clause] | None:
    """The clause(s) one frame makes of ``toks`` (a clause's symbols), or None."""
    if "WEIGHT" in toks and set(toks) & {"KEEP", "ASIS"} and set(toks) <= _WEIGHTS_KEPT:
        return [Clause("keep_weights")]  # "weights as they are", "keep the weighting"
    if "KEEPREST" in toks and set(toks) <= _WEIGHTS_KEPT | {"KEEPREST", "THEM"}:
        return [Clause("keep_weights", extra={"rest": True})]  # "that's the only change"
    if "RESET" in toks and set(toks) <= {"RESET", "ALL", "SETV:set", "ASIS", "THEM"}:
        return [Clause("reset")]  # "scrap that", "start over"
    parts = _parts(parser, toks)
    if not parts:
        return None
    cues = [p.value for p in parts if p.kind == "cue"]
    sels = [p.value for p in parts if p.kind == "sel"]
    amounts = [p for p in parts if p.kind in ("amount", "range")]
    ratios = [p.value for p in parts if p.kind == "ratio"]
    shares = [p.value for p in parts if p.kind == "share"]
    cset = set(cues)
    if "NEVER" in cset and not (amounts and cset & {"FALLBELOW", "EXCEED", "ABOVE", "BELOW"}):
        return None  # a negation outside a bound: never guessed
    if len(sels) == 1 and sels[0].ambiguous and "could be channel" in sels[0].ambiguous and "POWER" in cset \
            and "CHAN" not in toks and not amounts and not ratios and not shares:
        # "ease the power back to 25": with the power named and no channel, a bare number is watts
        return _budget(parts, cset)
    if any(s.ambiguous for s in sels):
        return None
    target, versus = _targets(sels)
    if target is False:
        return None

    def only(allowed: frozenset) -> bool:
        return cset <= (allowed | _LIGHT)

    # -- bounds on rates (or on per-channel power) ------------------------------------------
    bits = [p for p in amounts if (p.kind == "amount" and p.value.unit == "bits")
            or (p.kind == "range" and p.value[2] == "bits")]
    watts = [p for p in amounts if p.kind == "amount" and p.value.unit == "W"]
    percents = [p for p in amounts if p.kind == "amount" and p.value.unit == "%"]
    if bits and not watts and not ratios and not shares:
        tgt = target if target is not None else (TOTAL if cset & {"THROUGHPUT", "TOTAL"} else Sel(them=True))
        unnamed = {"unnamed": True} if target is None and tgt != TOTAL else {}
        also = _BOUND_ALSO | ({"LEAST", "POWER", "REACH"} if tgt == TOTAL or target is None else frozenset())
        if "POWER" in cset and "LEAST" not in cset:
            return None  # the power named beside a rate bound: least power? a budget? not guessed
        if tgt is None or versus is not None or not only(_FLOOR_CUES | _CAP_CUES | also):
            return None
        bounds = _bounds(toks, bits)
        if bounds is None:
            return None
        if tgt == TOTAL:
            if len(bounds) == 1 and bounds[0][0] in ("floor", "at") and bounds[0][1].unit == "bits":
                least = [Clause("least_power")] if {"LEAST", "POWER"} <= cset else []
                return [Clause("sum_floor", TOTAL, amount=bounds[0][1]), *least]
            if {"LEAST", "POWER"} <= cset:
                return None
            return [Clause("bound", TOTAL, bounds=tuple(bounds))]
        if "NEARSAT" in cset:
            return None
        least = [Clause("least_power")] if unnamed and {"LEAST", "POWER"} <= cset else []
        return [Clause("bound", tgt, bounds=tuple(bounds), extra=unnamed), *least]
    if watts and target is None and "EACH" in cset and cset & (_CAP_CUES | {"MAX"}) and len(watts) == 1 \
            and not bits and not ratios and not shares and not percents:
        target = Sel(("all",))  # "max 5 W per channel"
    if watts and target is not None and not bits and not ratios and not shares:
        # a per-channel power limit: "channels 1 and 2: 5 watts apiece at most"
        if versus is not None or len(watts) != 1 \
                or not only(_CAP_CUES | {"EACH", "POWER", "ONLY", "NEVER", "EXCEED", "EQUIP", "ABOVE", "MAX"}):
            return None
        negated = "NEVER" in cset
        cap = bool(cset & _CAP_CUES | cset & {"MAX"}) or (negated and cset & {"EXCEED", "ABOVE"})
        if not cap or (negated and cset & {"BELOW", "ORLESS"}) or (not negated and "ABOVE" in cset):
            return None
        return [Clause("bound", target, bounds=(("cap", watts[0].value),))]
    # -- a budget ---------------------------------------------------------------------------
    if target is None and not bits and (watts or percents or shares or ratios or "HALVE" in cset
                                        or (cset & {"POWER", "FULL"} and _bare_nums(parts))):
        return _budget(parts, cset)
    # -- channels: off, only, priority --------------------------------------------------------
    if target is None and not amounts and not ratios and not shares:
        if cset & {"FAULT", "REASON"} and cset <= _CONTEXT:
            return [Clause("context", None)]  # "a storm front is coming in": why, not what
        if "ASIS" in cset and cset <= _LIGHT | {"ASIS", "POWER", "NEVER"} and "POWER" in cset:
            # "don't touch the budget": the budget in force stays
            return [Clause("budget", amount=PAmount("share", 1.0, "current"), mode="to")]
    if target is None:
        return _objective(cset, None)
    if target.rest and not target.atoms and not amounts and not ratios and not shares \
            and cset & {"ON", "ASIS"} and cset <= {"ON", "ASIS", "KEEP", "NEED", "LET", "USE"}:
        # "the rest keep running" beside a shutdown: what is not turned off stays on
        return [Clause("context", Sel(rest=True), extra={"rest_on": True})]
    shares_given = False
    if len(amounts) == 1 and percents and not ratios and not shares \
            and cset & {"WEIGHT", "MATTER", "PRIORITY"} and (versus is not None or cset & {"VS", "OVEROTHERS"}):
        # "channel 4 should matter 60% as much as each other channel"
        ratios = [percents[0].value.value / 100.0]
        shares_given = True
        amounts = []
        cset = cset - {"MATTER", "PRIORITY"} | {"WEIGHT"}
    if amounts or (shares and not ratios and not cset & {"WEIGHT"}):
        return None
    if ratios or shares:
        strength = ratios + shares
        if len(strength) != 1 or not (cset & {"WEIGHT", "PRIO", "PRIORITY", "OVEROTHERS"} or versus is not None) \
                or not only(_PRIO_CUES | _PRIO_ALSO | {"ABOVE", "BELOW", "DOWN", "ONLY", "FACTOR"}):
            return None
        r = float(strength[0])
        if shares and "OVEROTHERS" in cset:
            return None  # "a third above the rest" (4/3) or "half as much as others" (1/2)? not guessed
        more, less = bool(cset & {"ABOVE", "UP"}), bool(cset & {"BELOW", "DOWN"})
        if (shares or shares_given) and (more or less):
            # "a quarter above everyone else's" is 1.25 of it, "a third less" 2/3: a share said with
            # "above / more / less" changes the weight by that share, it is not the weight
            if more and less:
                return None
            r = 1.0 + r if more else 1.0 - r
        elif less:
            return None
        if not (0 < r < 1e3) or "DEPRIO" in cset:
            return None
        return [Clause("prio", target, ratio=r)]
    if "HALVE" in cset and "WEIGHT" in cset and cset <= {"HALVE", "WEIGHT", "ON", "ACROSS", "CHAN"} and versus is None:
        return [Clause("prio", target, ratio=0.5)]  # "halve the weight on channel 8"
    kinds = [_family(c) for c in cues]
    families = {f for f in kinds if f}
    if not families and "WEIGHT" in cset and cset & {"SETV:up", "UP", "SETV:down", "DOWN"} \
            and not (cset & {"SETV:up", "UP"} and cset & {"SETV:down", "DOWN"}):
        # "raise channel 3's weight" / "lower the weight on channel 5"
        down = bool(cset & {"SETV:down", "DOWN"})
        if only(_PRIO_ALSO | {"ONLY", "SETV:down", "DOWN"}) and versus is None:
            return [Clause("prio", target, mode="deprio" if down else "")]
        return None
    if len(families) == 2 and "only" in families and "USEON" not in cset:
        families.discard("only")  # "only channel 4 gets extra weight": "only" marks the focus
    if len(families) > 1:
        return None
    family = families.pop() if families else ""
    if not family and "OVEROTHERS" in cset and "SETV:set" in cset:
        family = "prio"  # "put 6 and 7 ahead of the rest"
    if not family and cset & {"ON", "USE"} and target.excluded and only(frozenset({"ON", "USE"})):
        family = "only"  # "everything stays on bar the best channel"
    if family == "off" and only(_OFF_CUES | _OFF_ALSO | {"ONLY"}) \
            and not ("ONLY" in cset and cset & {"ON", "USE", "KEEP"}):
        return [Clause("off", target)]  # "only 1 and 7 get muted": "only" marks the focus
    if family == "only" and only(frozenset({"ONLY"}) | _ONLY_ALSO):
        if "ONLY" not in cset and "USEON" not in cset and not target.excluded:
            return None
        bare = {"bare": True} if cset <= {"ONLY", "CHAN"} else {}  # no verb: a selection or a focus?
        return [Clause("only", target, extra=bare)]
    if family == "prio" and only(_PRIO_CUES | _PRIO_ALSO | {"ONLY"}) and versus is None:
        return [Clause("prio", target, mode="deprio" if "DEPRIO" in cset else "")]
    if family == "objective":
        return _objective(cset, target)
    if family in ("", "only") and "PAYLOAD" in cset \
            and cset <= _LIGHT | {"PAYLOAD", "CARRY", "EQUIP", "ONLY", "SYSNOUN"}:
        return [Clause("context", target)]  # "ch 3 carries nothing but status beacons"
    return None


def read_frame_with_budget(parser: Lark, toks: list[str]) -> list[Clause] | None:
    """:func:`read_frame`, or the clause read apart from a budget said beside it ("equal
    rates everywhere on a 24 W budget", "favour channel 2 at 30 W")."""
    read = read_frame(parser, toks)
    if read is not None:
        return read
    for i in range(len(toks) - 1):
        if _kind(toks[i]) == "NUM" and toks[i + 1] == "WATT":
            j, k = i, i + 2
            while j > 0 and toks[j - 1] in ("ON", "AT", "USE", "ACROSS", "TO"):
                j -= 1
            while k < len(toks) and toks[k] in ("POWER", "TOTAL"):
                k += 1
            rest = toks[:j] + toks[k:]
            while rest and rest[-1] in ("LCOMMA", "LAND", "COMMA", "AND"):
                rest = rest[:-1]
            if not rest or "WATT" in rest or (j == i and k == i + 2):
                return None
            read = read_frame(parser, rest)
            if read and not any(c.kind in ("budget", "budget_full", "bound") for c in read):
                return [*read, Clause("budget", amount=PAmount("abs", _num(toks[i])), mode="to")]
            return None
    return None


def _targets(sels: list[Sel]):
    """(the channels a clause acts on, the channels it is compared with) or (False, None)."""
    if not sels:
        return None, None
    if len(sels) == 1:
        return sels[0], None
    if len(sels) == 2 and (sels[1].rest or sels[1].atoms == ("all",)):
        return sels[0], sels[1]
    parities = {("odd",), ("even",)}
    if len(sels) == 2 and {sels[0].atoms, sels[1].atoms} == parities and not (sels[0].excluded or sels[1].excluded):
        return sels[0], Sel(rest=True)  # "odd channels three to one over even ones": the others
    if len(sels) == 2 and not any(s.excluded or s.ambiguous or s.rest or s.them for s in sels):
        # "channels 5-8 at a third of the weight of channels 1-4": the two make up 1..k, the second
        # is the rest
        sets = [_numbered(s) for s in sels]
        if all(sets) and not sets[0] & sets[1] and sets[0] | sets[1] == set(range(1, max(sets[0] | sets[1]) + 1)):
            return sels[0], Sel(rest=True)
    return False, None


def _numbered(sel: Sel) -> set[int]:
    """The channel numbers of a selection written only with numbers and ranges ("1-4", "2 and 5")."""
    out: set[int] = set()
    for atom in sel.atoms:
        lo, _, hi = atom.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            return set()
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def _family(cue: str) -> str:
    if cue in _OFF_CUES:
        return "off"
    if cue == "ONLY" or cue == "USEON":
        return "only"
    if cue in _PRIO_CUES:
        return "prio"
    if cue in ("FAIR", "SAME", "EQUALIZE", "MAXMIN", "PROPFAIR", "THROUGHPUT"):
        return "objective"
    return ""


def _bare_nums(parts: list[_Part]) -> list[float]:
    out = []
    for p in parts:
        if p.kind == "sel" and p.value.atoms and all(a.isdigit() for a in p.value.atoms) and len(p.value.atoms) == 1:
            out.append(float(p.value.atoms[0]))
        elif p.kind == "sel":
            return []
    return out


def _bounds(toks: list[str], bits) -> list[tuple] | None:
    """Each bits amount with the bound cue before it (or "or more" / "or less" after it).
    A bound cue no amount takes ("keep 12 bits at minimum spend") leaves the clause unread."""
    out = []
    negated = "NEVER" in toks
    used: set[int] = set()
    for p in bits:
        if p.kind == "range":
            lo, hi, _ = p.value
            if not lo < hi:
                return None
            out.append(("between", Amount(lo, "bits"), Amount(hi, "bits")))
            used.update(k for k in range(max(0, p.at - 2), p.at) if toks[k] in ("BETWEEN", "ACROSS"))
            used.add(p.at + 1)  # its "to" / "up to"
            used.update(k for k in range(p.at, min(len(toks), p.at + 6)) if toks[k] in ("PLUSMINUS", "RANGE"))
            continue
        cue, at = "", -1
        for k in range(p.at - 1, -1, -1):
            if toks[k] in _FLOOR_CUES | _CAP_CUES | {"FALLBELOW", "AT", "TO"} and k not in used:
                if toks[k] in ("AT", "TO") and cue:
                    continue
                if toks[k] in ("AT", "TO"):
                    if k < p.at - 1:
                        break
                    # "at 1.9 bits", "limit channel 8 to 1.5 bits": look further back for "floor" / "cap"
                    cue, at = toks[k], k
                    continue
                cue, at = toks[k], k
                break
            if toks[k].startswith("NUM:") and k and toks[k - 1] == "CHAN" and cue in ("AT", "TO"):
                continue  # "floor ch 1 at 1.6 bits": the channel between the cue and its amount
            if toks[k] == "CHAN" and cue in ("AT", "TO"):
                continue
            if toks[k].startswith("NUM:") or toks[k] in ("BITS", "BAND"):
                break
        after_at = p.at + 2 if p.at + 1 < len(toks) and toks[p.at + 1] == "BITS" else p.at + 1
        while after_at < len(toks) and toks[after_at] in ("TOTAL", "RATE", "THROUGHPUT"):
            after_at += 1  # "10.5 bits total floor"
        if after_at < len(toks) and toks[after_at] in ("ORMORE", "ORLESS"):
            cue, at = toks[after_at], after_at
        used.add(at)
        if negated:
            side = {"FALLBELOW": "floor", "BELOW": "floor", "EXCEED": "cap", "ABOVE": "cap"}.get(cue)
        else:
            side = {"ABOVE": "floor", "ORMORE": "floor", "EXCEED": "floor", "BELOW": "cap", "ORLESS": "cap",
                    "CAP": "cap", "AT": "at", "": "at"}.get(cue)
            if cue == "TO":
                side = None  # "to 1.5 bits" with no floor or cap before it: at least or at most?
        if side is None:
            return None
        out.append((side, p.value))
    sides = {b[0] for b in out}
    for k, t in enumerate(toks):
        if k in used:
            continue
        if t in ("BETWEEN", "PLUSMINUS", "FALLBELOW") or (t in _FLOOR_CUES and "floor" not in sides) \
                or (t in _CAP_CUES and "cap" not in sides):
            return None  # a bound cue no amount takes ("keep 12 bits at minimum spend")
    return out


def _budget(parts: list[_Part], cset: set) -> list[Clause] | None:
    if "BETWEEN" in cset and "CURRENT" in cset and cset & {"SETV:down", "DOWN", "SETV:up", "UP"}:
        cset = (cset - {"BETWEEN"}) | {"BY"}  # "lop 7 W from the running budget": by, from the budget in force
    if not cset <= (_BUDGET_ALSO | _LIGHT | {"ABOVE", "PLUSMINUS", "NEVER", "EXCEED"}):
        return None
    if "NEVER" in cset:
        # "never go above 30 W": the budget, at most that
        if not cset & {"EXCEED", "ABOVE"} or cset & {"BELOW", "SETV:down", "SETV:up", "UP", "DOWN", "BY", "CURRENT"}:
            return None
        cset = (cset - {"NEVER", "EXCEED", "ABOVE"}) | {"TO"}
    elif "EXCEED" in cset:
        return None
    values = [p for p in parts if p.kind in ("amount", "share", "ratio")]
    nums = _bare_nums(parts)
    if values and all(p.kind in ("share", "ratio") for p in values) and not cset & {"POWER", "CURRENT", "FULL"}:
        return None  # "turn the lower half off": a share of what? a budget names the power
    if "HALVE" in cset and not values and not nums:
        return [Clause("budget", amount=PAmount("share", 0.5, "current"), mode="to")]
    if len(values) + len(nums) != 1 or "HALVE" in cset or "PLUSMINUS" in cset:
        return None
    base = "current" if "CURRENT" in cset else "full"
    if values:
        p = values[0]
        if p.kind == "amount" and p.value.unit == "W":
            amount = PAmount("abs", p.value.value)
        elif p.kind == "amount" and p.value.unit == "%":
            amount = PAmount("share", p.value.value / 100.0, base)
        elif p.kind == "share":
            amount = PAmount("share", float(p.value), base)
        elif p.kind == "ratio":
            if "TIMES" in cset or not cset & {"POWER", "CURRENT"}:
                return None
            return [Clause("budget", amount=PAmount("share", float(p.value), "current"), mode="to")]
        else:
            return None
    else:
        if not cset & {"POWER"}:
            return None
        amount = PAmount("abs", nums[0])
    down = bool(cset & {"SETV:down", "DOWN"}) or ("TURN" in cset and ("OFFPART" in cset or "BY" in cset
                                                                   and "UP" not in cset))
    up = bool(cset & {"SETV:up", "UP"}) or {"GIVE", "BY"} <= cset  # "give us another 5 W"
    if down and up:
        return None
    value_at = (values[0].at if values else next(p.at for p in parts if p.kind == "sel"))
    object_to = any(p.kind == "cue" and p.value == "TO" and p.at > value_at for p in parts) \
        and any(p.kind == "cue" and p.value in ("POWER", "CURRENT") and p.at > value_at for p in parts) \
        and not any(p.kind == "cue" and p.value == "TO" and p.at < value_at for p in parts)
    if (down or up) and object_to:
        cset = (cset - {"TO"}) | {"BY"}  # "add a tenth to whatever budget is live": by, not to
    if cset & {"ABOVE", "BELOW"} and "CURRENT" in cset and not (down or up) \
            and "TO" not in cset:
        mode = "by:up" if "ABOVE" in cset else "by:down"  # "5 W above where we are now"
    elif "TO" in cset or "GOBACK" in cset:
        mode = "to"
    elif "BY" in cset:
        if not (down or up):
            return None
        mode = "by:down" if down else "by:up"
    elif "ABOVE" in cset or ("BELOW" in cset and "CURRENT" in cset):
        # "bump us 3 W over the present allowance": the verb and "over" say the same
        if "CURRENT" not in cset or amount.kind != "abs" or ("ABOVE" in cset and down) \
                or ("BELOW" in cset and up) or ("ABOVE" in cset and "BELOW" in cset):
            return None
        mode = "by:up" if "ABOVE" in cset else "by:down"
    elif down or up:
        if amount.kind == "share" and amount.base == "full" and "FULL" in cset:
            return None  # "reduce to / by 60% of full power"? say which
        mode = "by:down" if down else "by:up"
    else:
        mode = "to"
    if "ABOVE" in cset and mode != "by:up":
        return None
    if not math.isfinite(amount.value) or amount.value < 0:
        return None
    return [Clause("budget", amount=amount, mode=mode)]


def _objective(cset: set, place: Sel | None) -> list[Clause] | None:
    if not cset <= (_OBJ_ALSO | _LIGHT):
        return None
    if cset & {"POWER", "FULL"} and not cset & {"LEAST", "SAME"}:
        return None  # "give channel 4 all of the power and equalize": the power is not an objective's word
    if "PROPFAIR" in cset:
        kind = "prop_fair"
    elif "MAXMIN" in cset or {"MAX", "LEAST"} <= cset:
        kind = "max_min"
    elif cset & {"EQUALIZE", "FAIR"} or ("SAME" in cset and "POWER" not in cset):
        kind = "equalize"
    elif "SAME" in cset and "POWER" in cset:
        kind = "equal_power"
    elif cset & {"MAX"} and cset & {"THROUGHPUT", "TOTAL"} or ("THROUGHPUT" in cset and "MATTER" in cset):
        kind = "max_tput"
    elif "LEAST" in cset and "POWER" in cset and place is None:
        return [Clause("least_power")]
    else:
        return None
    rivals = {"prop_fair": {"MAXMIN", "EQUALIZE", "FAIR", "SAME", "MAX", "LEAST"},
              "max_min": {"PROPFAIR", "EQUALIZE", "SAME"},
              "equalize": {"MAX", "LEAST", "THROUGHPUT", "MAXMIN", "PROPFAIR"},
              "equal_power": {"MAX", "LEAST", "THROUGHPUT", "MAXMIN", "PROPFAIR", "FAIR", "EQUALIZE"},
              "max_tput": {"LEAST", "FAIR", "SAME", "EQUALIZE", "MAXMIN", "PROPFAIR"}}[kind]
    if cset & rivals:
        return None
    return [Clause(kind, place)]


# -- weights said per group ("channel 3 gets weight 5, everyone else 1") --------------------
_WEIGHT_SPLIT = frozenset({"COMMA", "AND", "WHILE", "VS", "SEP", "SEPC"})
_WEIGHT_LIGHT = frozenset({"WEIGHT", "AT", "ON", "ACROSS", "NEED", "GIVE", "SETV:set", "KEEP", "EACH", "USE", "LET",
                           "TIMES", "ASIS", "MAKE", "TO"})
_GROUP_START = frozenset({"OTHERS", "PARITY", "ALL", "RANK", "FIRST", "LAST"})


def read_weights(parser: Lark, toks: list[str]) -> list[Clause] | None:
    """A sentence that gives two groups of channels their weights ("a weighting of four for
    channels two and six, one for everybody else", "evens at a weight of 1.75 against 1 for
    the odds", "1.5x weighting for 1, 3, 5 and 7 over 2, 4, 6 and 8"): one priority clause on
    the first group at the ratio of the two weights. The second group must be "the others",
    the other parity, the channels left when the first is taken from all of them, or (said
    with no weight of its own, after "over") the reference. Anything else in the sentence,
    or a group with two weights or none, leaves it unread."""
    if "WEIGHT" not in toks:
        return None
    # where the two groups part: a clause separator, "over", or one list comma ("... two and
    # six, one for everybody else"); exactly one way must read
    splits = [k for k, t in enumerate(toks) if t in _WEIGHT_SPLIT
              or (t == "ABOVE" and k + 1 < len(toks) and _kind(toks[k + 1]) in ("NUM", "CHAN", "PARITY", "OTHERS"))]
    tries = [splits] if splits else [[k] for k, t in enumerate(toks) if t in ("LCOMMA", "LAND")]
    readings = []
    for cut in tries:
        read = _two_groups(parser, toks, cut)
        if read is not None and read not in readings:
            readings.append(read)
    return readings[0] if len(readings) == 1 else None


def _two_groups(parser: Lark, toks: list[str], cut: list[int]) -> list[Clause] | None:
    groups: list[list[str]] = [[]]
    for k, t in enumerate(toks):
        if k in cut:
            groups.append([])
        else:
            groups[-1].append(t)
    groups = [g for g in groups if g]
    if len(groups) != 2:
        return None
    read = [_weight_group(parser, g) for g in groups]
    if any(r is None for r in read):
        return None
    (sel_a, w_a), (sel_b, w_b) = read
    if sel_a is None or sel_b is None:
        return None
    if w_a is None and w_b is None:
        return None
    w_a = 1.0 if w_a is None else w_a  # "1.5x ... over 2, 4, 6 and 8": the reference weighs 1
    w_b = 1.0 if w_b is None else w_b
    if sel_a.rest or sel_a.atoms == ("all",):
        (sel_a, w_a), (sel_b, w_b) = (sel_b, w_b), (sel_a, w_a)
    if sel_a.rest or sel_a.atoms == ("all",) or sel_a.excluded or sel_b.excluded:
        return None
    parities = {("odd",), ("even",)}
    numbered = sel_a.numbers and sel_b.numbers and all(a.isdigit() for a in sel_a.atoms + sel_b.atoms)
    if numbered:
        a = {int(x) for x in sel_a.atoms}
        b = {int(x) for x in sel_b.atoms}
        if a & b or a | b != set(range(1, max(a | b) + 1)):
            return None  # "3 and 7 over 2 and 5": not the others
    elif not (sel_b.rest or sel_b.atoms == ("all",) or {sel_a.atoms, sel_b.atoms} == parities):
        return None
    if not (0.0 < w_a < 1e3 and 0.0 < w_b < 1e3):
        return None
    return [Clause("prio", sel_a, ratio=w_a / w_b)]


def _weight_group(parser: Lark, toks: list[str]) -> tuple[Sel | None, float | None] | None:
    """(the group's channels, its weight) of one group; None when it is not one."""
    value: float | None = None
    used: set[int] = set()
    for k, t in enumerate(toks):
        if _kind(t) == "NUM" and k + 1 < len(toks) and toks[k + 1] == "TIMES":
            if value is not None:
                return None
            value, used = _num(t), used | {k}
    if value is None:
        for k, t in enumerate(toks):
            if _kind(t) == "NUM" and k and (toks[k - 1] in ("WEIGHT", "AT")
                                            or (k > 1 and toks[k - 2:k] == ["WEIGHT", "TO"])):
                if value is not None:
                    return None
                value, used = _num(t), used | {k}
    rest = [t for k, t in enumerate(toks) if k not in used and t not in _WEIGHT_LIGHT]
    nums = [t for t in rest if _kind(t) == "NUM"]
    named = [t for t in rest if _kind(t) in _GROUP_START]
    if value is None and len(nums) == 1 and named and nums[0] in (rest[0], rest[-1]):
        value = _num(nums[0])  # "one for everybody else", "everyone else 1"
        rest = rest[1:] if rest[0] == nums[0] else rest[:-1]
    if not rest:
        return None, value
    sel = _sel_of(parser, rest)
    if sel is None and _kind(rest[0]) == "PARITY":
        sel = _sel_of(parser, [rest[0], "CHAN", *rest[1:]])  # "evens"
    if sel is None or sel.them:
        return None
    if sel.ambiguous:
        if "could be channel" not in sel.ambiguous:
            return None
        sel = Sel(sel.atoms, sel.rest, sel.them, sel.excluded, sel.numbers)  # a weight is given to a channel
    return sel, value


# -- a range of rates on one set of channels, however it is laid out ----------------------
_RANGE_LIGHT = frozenset({"KEEP", "LET", "NEED", "USE", "ACROSS", "BETWEEN", "RANGE", "BAND", "AT", "ON", "EACH",
                          "REACH", "SEP", "SEPC", "COMMA", "AND", "SETV:set", "MAKE", "TO", "ALL", "LAND", "THEM"})
_RANGE_JOIN = frozenset({"TO", "LAND", "BELOW"})
_EDGE = frozenset({"TO", "LAND", "LCOMMA", "COMMA", "AND", "ALL", "THEM"})


def read_range(parser: Lark, toks: list[str]) -> list[Clause] | None:
    """A sentence that holds one set of channels between two rates, laid out as operators
    write it ("channels 2 through 7: min 1.75, max 1.85", "both 1 and 4 -> 1.6 to 1.7 b",
    "1.0 minimum and 1.2 maximum on the strongest channel", "4 and 7 want to be in the 1.5
    to 1.65 band"). Rates without their unit are read only within one channel's 2 bits.
    One range (or one floor and one cap below it), one set of channels, and nothing else."""
    arrow = [k for k in range(len(toks) - 1) if toks[k] == "TO" and toks[k + 1] == "ABOVE"]
    toks = [t for k, t in enumerate(toks) if k - 1 not in arrow]  # "->"
    bits_said = "BITS" in toks
    used: set[int] = set()
    lo = hi = None

    def rate(k: int) -> float | None:
        if k >= len(toks) or _kind(toks[k]) != "NUM":
            return None
        v = _num(toks[k])
        return v if 0.0 <= v <= 2.0 else None

    def unit_after(k: int) -> int:
        return k + 1 if k + 1 < len(toks) and toks[k + 1] == "BITS" else k

    for k in range(len(toks)):
        if k in used:
            continue
        a = rate(k)
        # "1.5 to 1.65", "1.45 and 1.6 bits", "from 1.3 up to 1.5"
        if a is not None and k + 2 < len(toks) and toks[k + 1] in _RANGE_JOIN and rate(k + 2) is not None:
            b = rate(k + 2)
            end = unit_after(k + 2)
            decimal = not (a.is_integer() and b.is_integer())
            if a < b and (bits_said or decimal) and lo is None and hi is None \
                    and (toks[k + 1] != "LAND" or (k and toks[k - 1] == "BETWEEN")):
                lo, hi = a, b
                used.update(range(k, end + 1))
                continue
        if toks[k] in ("ORMORE", "ABOVE") and rate(k + 1) is not None and lo is None:
            lo = rate(k + 1)
            used.update(range(k, unit_after(k + 1) + 1))
        elif toks[k] in ("ORLESS", "MAX", "BELOW", "CAP") and rate(k + 1) is not None and hi is None:
            hi = rate(k + 1)
            used.update(range(k, unit_after(k + 1) + 1))
        elif a is not None and toks[unit_after(k) + 1 if unit_after(k) + 1 < len(toks) else k] in ("LEAST", "ORMORE") \
                and lo is None and unit_after(k) + 1 < len(toks):
            lo = a  # "1.0 minimum"
            used.update(range(k, unit_after(k) + 2))
        elif a is not None and unit_after(k) + 1 < len(toks) and toks[unit_after(k) + 1] in ("FULL", "MAX", "ORLESS") \
                and hi is None:
            hi = a  # "1.2 maximum"
            used.update(range(k, unit_after(k) + 2))
    if lo is None or hi is None or not lo < hi:
        return None
    rest = [t for k, t in enumerate(toks) if k not in used]
    if any(_kind(t) == "NUM" and k and rest[k - 1] not in ("CHAN", "LAND", "LCOMMA", "TO") and k + 1 < len(rest)
           and rest[k + 1] in ("BITS", "WATT", "PCT") for k, t in enumerate(rest)):
        return None
    core = [t for t in rest if t not in _RANGE_LIGHT or t in ("TO", "LAND", "ALL", "THEM")]
    while core and (core[0] in _EDGE - {"ALL"} or core[0] == "MAX"):  # "squeeze all eight into ..."
        core = core[1:]
    while core and core[-1] in _EDGE:
        core = core[:-1]
    if "THEM" in core:
        core = [t for t in core if t != "THEM"]  # "strongest four: keep 'em ..."
    if not core or any(t in ("OFF", "OFFPART", "NEVER", "POWER", "WATT", "PCT", "WEIGHT", "BITS", "EXCEPT")
                       for t in core):
        return None
    sel = _sel_of(parser, core)
    if sel is None and len(core) == 2 and _kind(core[0]) == "CHAN" and _kind(core[1]) == "RANK":
        sel = _sel_of(parser, [core[1], core[0]])  # "whichever channel is strongest"
    if sel is None and core and _kind(core[0]) == "PARITY":
        sel = _sel_of(parser, [core[0], "CHAN", *core[1:]])
    if sel is None or sel.them or sel.ambiguous:
        return None
    return [Clause("bound", sel, bounds=(("between", Amount(lo, "bits"), Amount(hi, "bits")),))]
