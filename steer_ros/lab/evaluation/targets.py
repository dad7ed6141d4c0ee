"""The target language of an evaluation case: predicates on a settled operating point.

A predicate is parsed once (:func:`parse_predicate`) and evaluated on any
:class:`OperatingPoint`. Grammar (channels are 1-based selectors of
:mod:`steer_ros.channels.selectors`)::

    predicate := expr CMP expr            CMP: <=  >=  <  >  ==  !=
               | expr in [expr, expr]     a closed range
               | expr in {expr, ...}      a set (of values, e.g. channel numbers)
    expr      := term (+|- term)* ;  term := unary (*|/ unary)* ;  unary := -unary | atom
    atom      := NUMBER | VECTOR[selector] | VECTOR | NAME | FUNC(expr)
               | least_budget(sum_mi >= expr) | (expr)

* VECTOR: ``mi`` (bits), ``power`` (linear), ``weights`` (normalized, sum 1),
  ``gain`` (|h|^2), ``snr`` (|h|^2 P / sigma^2); ``mi[weakest:3]`` selects channels,
  ranked by the observed |h_i|^2/sigma_i^2 of the point; no brackets = every channel.
* NAME: ``sum_mi`` (bits), ``p_total`` (the budget in force), ``p_max`` (the highest
  budget allowed), ``p_start`` (the case's initial budget, the one in force before the
  first navigator call: a budget relative to it, "drop the power by a third", is
  ``p_total in [2/3 * p_start - 0.5, 2/3 * p_start + 0.5]``), ``power_used`` (sum of
  the powers), ``spread`` (max - min MI over every channel, bits), ``n``, ``bits``
  (log2 M, 2 for QPSK), and ``optimum``: the certified maximum of the equal-weight sum MI at the budget in force
  (:func:`steer_ros.system1.certified_optimum.certified_optimum`).
* FUNC: ``sum``, ``min``, ``max``, ``mean``, ``spread`` (max - min) of a vector;
  ``argmax`` / ``argmin``: the 1-based channel number of its largest / smallest
  entry (ties: the lower channel).
* ``least_budget(sum_mi >= X)``: the smallest budget whose certified equal-weight
  optimum reaches X bits (:func:`~steer_ros.system1.certified_optimum.min_budget_for_sum_mi`).

A comparison involving a vector holds when it holds for every entry (``mi[1-3] <=
0.05``: each of channels 1-3). ``<=``, ``>=`` and ranges allow ``COMPARE_TOL`` (1e-6,
System 1's own tolerance for a met floor, ``GOAL_MET_TOL_BITS``): a floor of 1.8 bits
met as 1.7999999996 is met, as System 1 reports it; any wider tolerance is written
out (``sum_mi >= optimum - 0.01``). ``<``, ``>``, ``==`` and ``!=`` are exact. Errors
are :class:`TargetError` (a ``ValueError``) naming the predicate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, parse_selector
from steer_ros.radio.mutual_information import get_table

__all__ = ["OperatingPoint", "Predicate", "TargetError", "parse_predicate", "parse_target"]

VECTORS = ("mi", "power", "weights", "gain", "snr")
NAMES = ("sum_mi", "p_total", "p_max", "p_start", "power_used", "spread", "n", "bits", "optimum")
FUNCS = ("sum", "min", "max", "mean", "spread", "argmax", "argmin")
_CMP = ("<=", ">=", "==", "!=", "<", ">")
#: Slack of <=, >= and ranges (module docstring).
COMPARE_TOL = defaults.GOAL_MET_TOL_BITS

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<vector>(?:mi|power|weights|gain|snr))\[(?P<sel>[^\]]*)\]
    | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
    | (?P<op><=|>=|==|!=|[<>+\-*/(),\[\]{}])
    )""", re.VERBOSE)


class TargetError(ValueError):
    """A predicate that cannot be parsed or evaluated; the text names it."""


@dataclass
class OperatingPoint:
    """One operating point: (N,) arrays and the budget in force.

    gain |h|^2, noise_var sigma^2, power (linear), mi (bits), weights (sum 1);
    p_total: the budget in force; p_max: the highest budget the guardrail allows;
    p_start: the case's initial budget (NaN where the point has no case: a target
    naming it is then refused).
    """

    gain: np.ndarray
    noise_var: np.ndarray
    power: np.ndarray
    mi: np.ndarray
    weights: np.ndarray
    p_total: float
    p_max: float = defaults.P_MAX
    p_start: float = math.nan
    constellation: str = defaults.CONSTELLATION
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return int(np.asarray(self.mi).shape[0])

    @property
    def strength(self) -> np.ndarray:
        """|h_i|^2 / sigma_i^2, the ranking of weakest / strongest."""
        return np.asarray(self.gain, float) / np.asarray(self.noise_var, float)

    def vector(self, name: str) -> np.ndarray:
        if name == "snr":
            return self.strength * np.asarray(self.power, float)
        return np.asarray(getattr(self, name), dtype=float)

    def scalar(self, name: str) -> float:
        mi = np.asarray(self.mi, float)
        if name == "sum_mi":
            return float(mi.sum())
        if name == "p_total":
            return float(self.p_total)
        if name == "p_max":
            return float(self.p_max)
        if name == "p_start":
            if not math.isfinite(self.p_start):
                raise TargetError("p_start: this operating point has no initial budget (it is the case's)")
            return float(self.p_start)
        if name == "power_used":
            return float(np.sum(self.power))
        if name == "spread":
            return float(mi.max() - mi.min())
        if name == "n":
            return float(self.n)
        if name == "bits":
            return float(get_table(self.constellation).bits)
        if name == "optimum":
            return self.optimum
        raise KeyError(name)

    @cached_property
    def optimum(self) -> float:
        from steer_ros.system1.certified_optimum import certified_optimum

        return float(certified_optimum(self.gain, self.noise_var, None, self.p_total, self.constellation).total_mi)

    def least_budget(self, bits: float) -> float:
        from steer_ros.system1.certified_optimum import min_budget_for_sum_mi

        key = ("least_budget", float(bits))
        if key not in self._cache:
            self._cache[key] = float(min_budget_for_sum_mi(self.gain, self.noise_var, bits, self.constellation))
        return self._cache[key]


# -- values: an array and, for channel vectors, the 0-based channel of each entry --------
@dataclass(frozen=True)
class _Value:
    array: np.ndarray
    channels: np.ndarray | None = None  # None = a scalar / derived value

    @property
    def scalar(self) -> bool:
        return self.array.size == 1


def _scalar(x: float) -> _Value:
    return _Value(np.array([float(x)]))


# -- syntax tree ---------------------------------------------------------------------------
class _Node:
    def eval(self, point: OperatingPoint) -> _Value:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class _Number(_Node):
    value: float

    def eval(self, point):
        return _scalar(self.value)


@dataclass(frozen=True)
class _Vector(_Node):
    name: str
    selector: object = None  # a Selector, or None = every channel

    def eval(self, point):
        values = point.vector(self.name)
        if self.selector is None:
            idx = np.arange(values.shape[0])
        else:
            idx = self.selector.resolve(values.shape[0], point.strength)
        return _Value(values[idx], idx)


@dataclass(frozen=True)
class _Name(_Node):
    name: str

    def eval(self, point):
        return _scalar(point.scalar(self.name))


@dataclass(frozen=True)
class _Func(_Node):
    name: str
    arg: _Node

    def eval(self, point):
        v = self.arg.eval(point)
        a = v.array
        if a.size == 0:
            raise TargetError(f"{self.name}() of no channels")
        if self.name in ("argmax", "argmin"):
            if v.channels is None:
                raise TargetError(f"{self.name}() needs a channel vector such as weights or mi[1-4]")
            k = int(np.argmax(a) if self.name == "argmax" else np.argmin(a))  # first = lower channel
            return _scalar(v.channels[k] + 1)
        fn = {"sum": np.sum, "min": np.min, "max": np.max, "mean": np.mean,
              "spread": lambda x: np.max(x) - np.min(x)}[self.name]
        return _scalar(float(fn(a)))


@dataclass(frozen=True)
class _LeastBudget(_Node):
    bits: _Node

    def eval(self, point):
        bits = self.bits.eval(point)
        if not bits.scalar:
            raise TargetError("least_budget(sum_mi >= X) needs a single number X")
        try:
            return _scalar(point.least_budget(float(bits.array[0])))
        except ValueError as err:
            raise TargetError(f"least_budget: {err}") from None


@dataclass(frozen=True)
class _Neg(_Node):
    arg: _Node

    def eval(self, point):
        return _Value(-self.arg.eval(point).array)


@dataclass(frozen=True)
class _BinOp(_Node):
    op: str
    left: _Node
    right: _Node

    def eval(self, point):
        a, b = _broadcast(self.left.eval(point), self.right.eval(point), self.op)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[self.op](a, b)
        return _Value(out)


def _broadcast(a: _Value, b: _Value, what: str):
    if a.array.size != b.array.size and not (a.scalar or b.scalar):
        raise TargetError(f"'{what}' between {a.array.size} and {b.array.size} values")
    return a.array, b.array


@dataclass(frozen=True)
class Predicate:
    """One parsed predicate; :meth:`holds` evaluates it, :meth:`measure` shows the left side."""

    text: str
    left: _Node
    kind: str  # a comparison operator, "range" or "set"
    right: tuple[_Node, ...]

    def measure(self, point: OperatingPoint) -> list[float]:
        """The left side's value(s) at ``point`` (for the scorecard)."""
        try:
            return [float(x) for x in self.left.eval(point).array]
        except SelectorError as err:
            raise TargetError(f"target {self.text!r}: {err}") from None

    def holds(self, point: OperatingPoint) -> bool:
        try:
            left = self.left.eval(point)
            rights = [r.eval(point) for r in self.right]
            if self.kind == "range":
                lo, hi = rights
                if not (lo.scalar and hi.scalar):
                    raise TargetError("a range needs single-number bounds")
                a = left.array
                return bool(np.all((a >= lo.array[0] - COMPARE_TOL) & (a <= hi.array[0] + COMPARE_TOL)))
            if self.kind == "set":
                if not all(r.scalar for r in rights):
                    raise TargetError("a set holds single numbers")
                members = np.array([r.array[0] for r in rights])
                return bool(np.all(np.isin(left.array, members)))
            a, b = _broadcast(left, rights[0], self.kind)
            cmp = {"<=": lambda x, y: x <= y + COMPARE_TOL, ">=": lambda x, y: x >= y - COMPARE_TOL,
                   "<": np.less, ">": np.greater, "==": np.equal, "!=": np.not_equal}[self.kind]
            return bool(np.all(cmp(a, b)))
        except TargetError as err:
            raise TargetError(f"target {self.text!r}: {err}") from None
        except SelectorError as err:
            raise TargetError(f"target {self.text!r}: {err}") from None


# -- parser --------------------------------------------------------------------------------
def _tokens(text: str) -> list[tuple[str, str, str]]:
    """(kind, value, selector text) triples."""
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise TargetError(f"target {text!r}: cannot read {text[pos:].strip()[:20]!r}")
        pos = m.end()
        if m.group("vector"):
            out.append(("vector", m.group("vector"), m.group("sel")))
        elif m.group("number"):
            out.append(("number", m.group("number"), ""))
        elif m.group("name"):
            out.append(("name", m.group("name"), ""))
        else:
            out.append(("op", m.group("op"), ""))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def fail(self, what: str):
        raise TargetError(f"target {self.text!r}: {what}")

    def peek(self, value: str | None = None, kind: str | None = None) -> bool:
        if self.i >= len(self.toks):
            return False
        k, v, _ = self.toks[self.i]
        return (value is None or v == value) and (kind is None or k == kind)

    def take(self, value: str | None = None, what: str = ""):
        if self.i >= len(self.toks):
            self.fail(f"ends early; expected {what or repr(value)}")
        tok = self.toks[self.i]
        if value is not None and tok[1] != value:
            self.fail(f"expected {what or repr(value)}, found {tok[1]!r}")
        self.i += 1
        return tok

    def predicate(self) -> Predicate:
        left = self.expr()
        if self.peek("in", "name"):
            self.take("in")
            if self.peek("["):
                self.take("[")
                lo = self.expr()
                self.take(",", "',' between the bounds of [lo, hi]")
                hi = self.expr()
                self.take("]", "']' closing the range")
                kind, right = "range", (lo, hi)
            elif self.peek("{"):
                self.take("{")
                items = [self.expr()]
                while self.peek(","):
                    self.take(",")
                    items.append(self.expr())
                self.take("}", "'}' closing the set")
                kind, right = "set", tuple(items)
            else:
                self.fail("'in' needs a range [lo, hi] or a set {a, b, ...}")
        elif self.i < len(self.toks) and self.toks[self.i][1] in _CMP:
            kind = self.take()[1]
            right = (self.expr(),)
        else:
            found = self.toks[self.i][1] if self.i < len(self.toks) else "the end"
            self.fail(f"expected a comparison (<=, >=, <, >, ==, !=, in), found {found!r}")
        if self.i != len(self.toks):
            self.fail(f"unexpected {self.toks[self.i][1]!r} after the predicate")
        return Predicate(self.text, left, kind, right)

    def expr(self) -> _Node:
        node = self.term()
        while self.peek("+") or self.peek("-"):
            op = self.take()[1]
            node = _BinOp(op, node, self.term())
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.peek("*") or self.peek("/"):
            op = self.take()[1]
            node = _BinOp(op, node, self.unary())
        return node

    def unary(self) -> _Node:
        if self.peek("-"):
            self.take("-")
            return _Neg(self.unary())
        return self.atom()

    def atom(self) -> _Node:
        kind, value, sel = self.take(what="a number, a quantity or '('")
        if kind == "number":
            return _Number(float(value))
        if kind == "vector":
            try:
                return _Vector(value, parse_selector(sel))
            except SelectorError as err:
                self.fail(str(err))
        if kind == "op" and value == "(":
            node = self.expr()
            self.take(")", "')'")
            return node
        if kind == "name":
            if value in VECTORS:
                return _Vector(value)
            if value == "least_budget":
                self.take("(", "'(' after least_budget")
                self.take("sum_mi", "least_budget(sum_mi >= X)")
                self.take(">=", "least_budget(sum_mi >= X)")
                bits = self.expr()
                self.take(")", "')' closing least_budget(...)")
                return _LeastBudget(bits)
            if value in FUNCS and self.peek("("):
                self.take("(")
                arg = self.expr()
                self.take(")", f"')' closing {value}(...)")
                return _Func(value, arg)
            if value in NAMES:
                return _Name(value)
            self.fail(f"unknown quantity {value!r} (known: {', '.join(VECTORS + NAMES)}; functions: "
                      f"{', '.join(FUNCS)}, least_budget)")
        self.fail(f"unexpected {value!r}")


def parse_predicate(text) -> Predicate:
    """Parse one predicate; TargetError naming it and what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise TargetError(f"target {text!r}: a predicate must be a non-empty string such as 'sum_mi >= 10'")
    return _Parser(" ".join(text.split())).predicate()


def parse_target(value) -> tuple[Predicate, ...] | str:
    """A case's ``target``: ``"decline"``, one predicate string, or a list of them."""
    if value == "decline":
        return "decline"
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise TargetError(f"target {value!r}: must be 'decline' or a non-empty list of predicates")
    if any(item == "decline" for item in items):
        raise TargetError("target 'decline' cannot be combined with predicates")
    return tuple(parse_predicate(item) for item in items)


def finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
