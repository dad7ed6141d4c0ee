"""Property tests of the offline reader: random compositions of the grammar's clauses,
rendered as text, read back to the composed intent; an understood policy with a word
from outside the vocabulary inserted anywhere is kept, never read as another action;
no text at all makes the reader raise."""

from __future__ import annotations

import string

import pytest

from steer_ros.lab.fixtures import design_snapshot
from steer_ros.system2.backends.reader import parse_policy
from steer_ros.system2.backends.reader.lexer import lex
from steer_ros.system2.backends.rules_backend import RulesBackend

# hypothesis is a test extra: without it this module is skipped, not failed.
hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
HealthCheck, given, settings = hypothesis.HealthCheck, hypothesis.given, hypothesis.settings

WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def channel_list(draw):
    """(text, atoms): "channel 3", "channels 2 and 5", "channels 1, 2 and 6", "channels 2-4"."""
    kind = draw(st.sampled_from(["one", "list", "range"]))
    if kind == "one":
        k = draw(st.integers(1, 8))
        return f"channel {k}", (str(k),)
    if kind == "range":
        lo = draw(st.integers(1, 7))
        hi = draw(st.integers(lo + 1, 8))
        sep = draw(st.sampled_from(["-", " to ", " through "]))
        return f"channels {lo}{sep}{hi}", (f"{lo}-{hi}",)
    picks = draw(st.lists(st.integers(1, 8), min_size=2, max_size=4, unique=True))
    text = ", ".join(map(str, picks[:-1])) + f" and {picks[-1]}"
    return f"channels {text}", tuple(map(str, picks))


@st.composite
def ranked(draw):
    k = draw(st.integers(2, 6))
    rank = draw(st.sampled_from(["weakest", "strongest"]))
    count = draw(st.sampled_from([str(k), WORDS[k]]))
    return f"the {count} {rank} channels", (f"{rank}:{k}",)


bits = st.sampled_from([0.5, 1.0, 1.2, 1.5, 1.8])


@st.composite
def clause(draw):
    """(text, expected (kind, atoms, bounds, value))."""
    kind = draw(st.sampled_from(["off", "prio", "floor", "cap", "between", "budget", "max", "equalize"]))
    if kind in ("off", "prio", "floor", "cap", "between"):
        text, atoms = draw(st.one_of(channel_list(), ranked()))
    if kind == "off":
        verb = draw(st.sampled_from(["turn off", "shut down", "switch off", "disable"]))
        return f"{verb} {text}", ("off", atoms, (), None)
    if kind == "prio":
        verb = draw(st.sampled_from(["prioritize", "favour", "focus on"]))
        return f"{verb} {text}", ("prio", atoms, (), None)
    if kind == "floor":
        b = draw(bits)
        word = draw(st.sampled_from(["above", "at least", "no less than"]))
        return f"keep {text} {word} {b:g} bits", ("bound", atoms, (("floor", b),), None)
    if kind == "cap":
        b = draw(bits)
        return f"cap {text} at {b:g} bits", ("bound", atoms, (("cap", b),), None)
    if kind == "between":
        lo = draw(st.sampled_from([0.5, 1.0]))
        hi = draw(st.sampled_from([1.5, 1.8]))
        return (f"keep {text} between {lo:g} and {hi:g} bits",
                ("bound", atoms, (("between", lo, hi),), None))
    if kind == "budget":
        p = draw(st.integers(2, 39))
        verb = draw(st.sampled_from(["set", "reduce", "limit"]))
        return f"{verb} the power budget to {p}", ("budget", None, (), float(p))
    if kind == "max":
        return "maximize the total throughput", ("max_tput", None, (), None)
    return "equalize the rates", ("equalize", None, (), None)


def observed(c):
    sel = getattr(c.sel, "atoms", None)
    bounds = tuple((b[0],) + tuple(a.value for a in b[1:]) for b in c.bounds)
    value = c.amount.value if c.amount is not None else None
    return (c.kind, sel, bounds, value)


@st.composite
def policy(draw):
    parts = draw(st.lists(clause(), min_size=1, max_size=3))
    joiners = draw(st.lists(st.sampled_from([" and ", ". ", "; ", ", and "]), min_size=len(parts), max_size=len(parts)))
    text = parts[0][0]
    for (t, _), j in zip(parts[1:], joiners, strict=False):
        text += j + t
    if draw(st.booleans()):
        text = text[0].upper() + text[1:] + "."
    return text, [e for _, e in parts]


@SETTINGS
@given(policy())
def test_a_composed_policy_reads_back_to_its_clauses(case):
    text, expected = case
    parsed = parse_policy(text)
    assert not parsed.problem, (text, parsed.problem)
    assert [observed(c) for c in parsed.clauses] == expected, text


def _outside_vocabulary(word: str) -> bool:
    return lex(word).unknown == (word,) and not lex(word).injection


foreign = st.text(alphabet=string.ascii_lowercase, min_size=4, max_size=9).filter(_outside_vocabulary)


@SETTINGS
@given(policy(), foreign, st.integers(0, 1000))
def test_a_word_from_outside_the_vocabulary_keeps_the_command(case, word, where):
    text, _ = case
    words = text.split(" ")
    k = where % (len(words) + 1)
    spoiled = " ".join(words[:k] + [word] + words[k:])
    parsed = parse_policy(spoiled)
    assert parsed.problem.startswith("not_understood: could not read"), spoiled
    assert word in parsed.problem
    reply = RulesBackend().complete([], design_snapshot(), spoiled, 1.0)
    assert reply.keep and not reply.text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_no_text_makes_the_reader_raise(text):
    reply = RulesBackend().complete([], design_snapshot(), text, 1.0)
    assert reply.keep or reply.text
