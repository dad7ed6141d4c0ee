"""The parse tree -> clauses: what each sentence of a policy asks, still unresolved
(selectors are resolved against the snapshot of the call in :mod:`.compose`).

A :class:`Clause` is one element of a command: ``off``, ``only``, ``prio`` (with a
weight ratio or the default), ``prio_rate``, ``bound`` (floors / caps on a target),
``near_sat``, ``sum_floor``, ``max_tput``, ``max_min``, ``equalize``, ``prop_fair``,
``equal_power``, ``least_power``, ``budget`` and ``budget_full``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lark import Token, Transformer

__all__ = ["Amount", "Clause", "PAmount", "Sel", "TOTAL", "ToClauses"]


@dataclass(frozen=True)
class Sel:
    """A channel reference. ``atoms``: selector atoms (``"3"``, ``"1-3"``, ``"weakest:2"``,
    ``"strongest:25%"``, ``"odd"``, ``"all"``, and ``"first:k"`` / ``"last:k"`` that need
    N); ``rest``: the channels no other clause names; ``them``: the channels of the
    clause before; ``excluded``: atoms taken out; ``numbers``: channel numbers as
    written (checked against 1..N); ``ambiguous``: a reading with two meanings."""

    atoms: tuple[str, ...] = ()
    rest: bool = False
    them: bool = False
    excluded: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()
    ambiguous: str = ""

    def merge(self, other: "Sel") -> "Sel":
        return Sel(self.atoms + other.atoms, self.rest or other.rest, self.them or other.them,
                   self.excluded + other.excluded, self.numbers + other.numbers,
                   self.ambiguous or other.ambiguous)


TOTAL = "total"  # the target of a sum-rate bound


@dataclass(frozen=True)
class Amount:
    value: float
    unit: str = ""  # "bits" | "W" | "%" | ""


@dataclass(frozen=True)
class PAmount:
    """A budget: ``kind`` abs (W) | pct / frac of ``base`` "full" (P_max) or "current"."""

    kind: str
    value: float
    base: str = "full"


@dataclass(frozen=True)
class Clause:
    kind: str
    sel: Sel | str | None = None
    bounds: tuple[tuple[str, Amount], ...] = ()
    amount: Amount | PAmount | None = None
    ratio: float = math.nan
    mode: str = ""  # budget: "to" | "by:down" | "by:up" | "halve"
    extra: dict = field(default_factory=dict, compare=False)


def _num(tok) -> float:
    return float(str(tok).split(":", 1)[1])


class ToClauses(Transformer):
    """Bottom-up: tokens -> values, rules -> Sel / Amount / Clause; ``start`` -> [Clause]."""

    # -- numbers and amounts ---------------------------------------------------------------
    def num(self, c):
        return _num(c[0])

    def unit(self, c):
        return {"BITS": "bits", "WATT": "W", "PCT": "%"}[c[0].type]

    def amount_frac(self, c):
        return Amount(_num(c[0]), "bits")

    def amount(self, c):
        return Amount(c[0], c[1] if len(c) > 1 else "")

    def p_abs(self, c):
        return PAmount("abs", c[0])

    def p_pct_current(self, c):
        return PAmount("share", c[0] / 100.0, "current")

    def p_pct_full(self, c):
        return PAmount("share", c[0] / 100.0, "full")

    def p_frac_current(self, c):
        return PAmount("share", _num(c[0]), "current")

    def p_frac_full(self, c):
        return PAmount("share", _num(c[0]), "full")

    # -- selectors -------------------------------------------------------------------------
    def number_item(self, c):
        lo = int(c[0]) if float(c[0]).is_integer() else -1
        hi = (int(c[1]) if float(c[1]).is_integer() else -1) if len(c) > 1 else lo
        return (min(lo, hi), max(lo, hi))

    def numbers(self, c):
        return list(c)

    def _numbers_sel(self, items) -> Sel:
        atoms, numbers = [], []
        for lo, hi in items:
            atoms.append(str(lo) if lo == hi else f"{lo}-{hi}")
            numbers.extend((lo, hi))
        return Sel(atoms=tuple(atoms), numbers=tuple(numbers))

    def chan_numbers(self, c):
        return self._numbers_sel(c[0])

    def bare_numbers(self, c):
        sel = self._numbers_sel(c[0])
        if len(c[0]) == 1 and c[0][0][0] == c[0][0][1]:
            k = c[0][0][0]
            return Sel(sel.atoms, numbers=sel.numbers,
                       ambiguous=f'"{k}" could be channel {k} or {k} channels (say "channel {k}" or '
                                 f'"the {k} weakest channels")')
        return sel

    def count_only(self, c):
        k = int(c[0])
        return Sel(ambiguous=f'"{k} channels": which {k}? (or channel {k}?) say e.g. "the {k} weakest channels" '
                             f'or "channel {k}"')

    @staticmethod
    def _rank(tok) -> str:
        return str(tok).split(":", 1)[1]

    def ranked(self, c):
        rank = next(t for t in c if isinstance(t, Token) and t.type == "RANK")
        nums = [x for x in c if isinstance(x, float)]
        k = int(nums[0]) if nums else 1
        return Sel(atoms=(f"{self._rank(rank)}:{k}",)) if k >= 1 else Sel(ambiguous="a count of 0 channels")

    ranked_after = ranked

    def ranked_nth(self, c):
        """ "the third-strongest channel": the k strongest less the k - 1 strongest."""
        k, rank = int(_num(c[0])), self._rank(c[1])
        return Sel(atoms=(f"{rank}:{k}",), excluded=(f"{rank}:{k - 1}",)) if k >= 2 else Sel(atoms=(f"{rank}:1",))

    def ranked_share(self, c):
        rank = self._rank(c[0])
        if isinstance(c[1], Token) and c[1].type == "FRAC":
            share = _num(c[1]) * 100.0
        else:
            share = float(c[1])
        return Sel(atoms=(f"{rank}:{share:g}%",))

    def share_ranked(self, c):
        return Sel(atoms=(f"{self._rank(c[2])}:{float(c[0]):g}%",))

    def parity(self, c):
        return Sel(atoms=(str(c[0]).split(":", 1)[1],))

    def all(self, c):
        return Sel(atoms=("all",))

    def others(self, c):
        return Sel(rest=True)

    def them(self, c):
        return Sel(them=True)

    def first_last(self, c):
        k = int(c[1]) if len(c) > 1 else 1
        return Sel(atoms=(f"{str(c[0]).lower()}:{k}",))

    def ordinal(self, c):
        t = c[0]
        if t.type == "ORD":
            return str(int(_num(t)))
        return "first:1" if t.type == "FIRST" else "last:1"

    def ordinals(self, c):
        return Sel(atoms=tuple(c), numbers=tuple(int(a) for a in c if a.isdigit()))

    ordinals_after = ordinals

    def first_last_share(self, c):
        return Sel(atoms=(f"{str(c[0]).lower()}:{_num(c[1]) * 100.0:g}%",))

    def except_list(self, c):
        if isinstance(c[0], Sel):
            return c[0]
        atom = c[0]
        return Sel(atoms=(atom,), numbers=(int(atom),) if atom.isdigit() else ())

    def sel_list(self, c):
        out = c[0]
        for s in c[1:]:
            out = out.merge(s)
        return out

    @staticmethod
    def _excepted(sel: Sel) -> str:
        # after "except" / "all but" a bare number is a channel: "all channels except 1"
        return "" if "could be channel" in sel.ambiguous else sel.ambiguous

    def sel(self, c):
        if len(c) == 2:
            return Sel(c[0].atoms, c[0].rest, c[0].them, c[1].atoms, c[0].numbers + c[1].numbers,
                       c[0].ambiguous or self._excepted(c[1]))
        return c[0]


    def sel_all_but(self, c):
        return Sel(("all",), excluded=c[0].atoms, numbers=c[0].numbers, ambiguous=self._excepted(c[0]),
                   rest=False, them=c[0].them)

    def place(self, c):
        return c[0] if c else None

    def tput(self, c):
        return TOTAL

    def sum_tail(self, c):
        return TOTAL

    # -- clauses ---------------------------------------------------------------------------
    def off(self, c):
        return Clause("off", c[0]) if isinstance(c[0], Sel) else Clause("unread", None)

    def only(self, c):
        return Clause("only", c[0])

    def prio(self, c):
        return Clause("prio", c[0])

    def prio_rate(self, c):
        return Clause("prio_rate", c[-1])

    def ratio(self, c):
        return Clause("prio", c[0], ratio=float(c[1]))

    def ratio_frac(self, c):
        return Clause("prio", c[0], ratio=_num(c[1]))

    def ratio_to(self, c):
        if c[2] <= 0:
            return Clause("prio", c[0], ratio=0.0)
        return Clause("prio", c[0], ratio=float(c[1]) / float(c[2]))

    def prio_target(self, c):
        return Clause("prio", c[0]) if isinstance(c[0], Sel) else Clause("unread", None)

    def prio_rate_setv(self, c):
        if str(c[0]) != "SETV:up":  # "lift the weakest as high as it will go"; lowering is no priority
            return Clause("unread", None)
        return Clause("prio_rate", c[1])

    def deprio(self, c):
        return Clause("prio", c[0], mode="deprio")

    def ratio_half(self, c):
        return Clause("prio", c[0], ratio=0.5)

    def ratio_pre(self, c):
        return Clause("prio", c[1], ratio=float(c[0]))

    def prio_put(self, c):
        if str(c[0]) != "SETV:set":  # "raise the three strongest first": not a priority
            return Clause("unread", None)
        return Clause("prio", c[1])

    def reason(self, c):
        return Clause("context", None)

    def context(self, c):
        return Clause("context", c[0]) if isinstance(c[0], Sel) else Clause("unread", None)

    def spread(self, c):
        return Clause("spread", next((x for x in c if isinstance(x, Sel)), None))

    def except_before(self, c):
        return self._excepting(c[1], c[0])

    def except_after(self, c):
        return self._excepting(c[0], c[1])

    def _excepting(self, clause: Clause, excluded: Sel) -> Clause:
        sel = clause.sel
        if not isinstance(sel, Sel) or sel.them:
            return Clause("unread", None)
        ambiguous = sel.ambiguous or self._excepted(excluded)
        return Clause(clause.kind, Sel(sel.atoms, sel.rest, sel.them, sel.excluded + excluded.atoms,
                                       sel.numbers + excluded.numbers, ambiguous),
                      bounds=clause.bounds, amount=clause.amount, ratio=clause.ratio, mode=clause.mode)

    def bounds(self, c):
        # a unit said once covers the bounds of the clause ("at least 1.6 but no more than 1.7 bits")
        units = {a.unit for b in c for a in b[1:] if isinstance(a, Amount) and a.unit}
        if len(units) != 1:
            return tuple(c)
        unit = units.pop()
        return tuple((b[0], *[Amount(a.value, a.unit or unit) for a in b[1:]]) for b in c)

    def tolerance(self, c):
        mid, tol = c[0], c[1]
        unit = mid.unit or tol.unit
        return ("between", Amount(mid.value - tol.value, unit), Amount(mid.value + tol.value, unit))

    def floor(self, c):
        return ("floor", c[0])

    def cap(self, c):
        return ("cap", c[0])

    def at(self, c):
        return ("at", c[0])

    def between(self, c):
        return ("between", c[0], c[1])

    def bound_clause(self, c):
        target = next((x for x in c if isinstance(x, Sel) or x == TOTAL), None)
        bounds = next(x for x in c if isinstance(x, tuple))
        return Clause("bound", target if target is not None else Sel(them=True), bounds=bounds)

    def need_floor(self, c):
        amount = next(x for x in c if isinstance(x, Amount))
        return Clause("bound", c[0], bounds=(("floor", amount),))

    def cap_clause(self, c):
        return Clause("bound", c[0], bounds=(("cap", next(x for x in c if isinstance(x, Amount))),))

    def never_below(self, c):
        return Clause("bound", c[0], bounds=(("floor", c[1]),))

    def never_above(self, c):
        return Clause("bound", c[0], bounds=(("cap", c[1]),))

    def near_sat(self, c):
        return Clause("near_sat", c[0])

    def sum_floor(self, c):
        amount = next(x for x in c if isinstance(x, Amount))
        return Clause("sum_floor", TOTAL, amount=amount)

    def maximize(self, c):
        sel = next((x for x in c if isinstance(x, Sel)), None)
        return Clause("max_tput", sel)

    def max_min(self, c):
        return Clause("max_min", next((x for x in c if isinstance(x, Sel)), None))

    def equalize(self, c):
        return Clause("equalize", next((x for x in c if isinstance(x, Sel)), None))

    def prop_fair(self, c):
        return Clause("prop_fair", next((x for x in c if isinstance(x, Sel)), None))

    def equal_power(self, c):
        return Clause("equal_power", next((x for x in c if isinstance(x, Sel)), None))

    def least_power(self, c):
        return Clause("least_power")

    with_least = least_power

    def budget_to(self, c):
        return Clause("budget", amount=c[-1], mode="to")

    def budget_setv_amount(self, c):
        """ "set the power 30 W" is a budget to; "shrink the budget forty percent", "reduce the
        power 5 W" are changes by that much."""
        direction = str(c[0]).split(":", 1)[1]
        return Clause("budget", amount=c[-1], mode="to" if direction == "set" else "by:" + direction)

    def budget_use(self, c):
        return Clause("budget", amount=c[-1], mode="to")

    def budget_by(self, c):
        direction = str(c[0]).split(":", 1)[1]
        return Clause("budget", amount=c[-1], mode="by:" + direction)

    def _setv_by(self, c, amount: PAmount) -> Clause:
        direction = str(c[0]).split(":", 1)[1]
        if direction == "set":  # "set 5 W on the power": no direction, not a change by
            return Clause("unread", None)
        return Clause("budget", amount=amount, mode="by:" + direction)

    def budget_setv_by_w(self, c):
        return self._setv_by(c, PAmount("abs", c[1]))

    def budget_setv_by_pct(self, c):
        return self._setv_by(c, PAmount("share", c[1] / 100.0, "full"))

    def budget_setv_w(self, c):
        direction = str(c[0]).split(":", 1)[1]
        return Clause("budget", amount=PAmount("abs", c[1]), mode="to" if direction == "set" else "by:" + direction)

    def budget_to_w(self, c):
        return Clause("budget", amount=PAmount("abs", next(x for x in c if isinstance(x, float))), mode="to")

    def budget_use_w(self, c):
        return Clause("budget", amount=PAmount("abs", c[0]), mode="to")

    def budget_take_w(self, c):
        return Clause("budget", amount=PAmount("abs", c[0]), mode="by:down")

    def budget_by_down(self, c):
        return Clause("budget", amount=c[-1], mode="by:down")

    def budget_by_up(self, c):
        return Clause("budget", amount=c[-1], mode="by:up")

    def budget_times(self, c):
        return Clause("budget", amount=PAmount("share", float(c[0]), "current"), mode="to")

    def budget_halve(self, c):
        return Clause("budget", amount=PAmount("share", 0.5, "current"), mode="to")

    def budget_full(self, c):
        return Clause("budget_full")

    def sentence(self, c):
        return list(c)

    def start(self, c):
        return [clause for sentence in c for clause in sentence]
