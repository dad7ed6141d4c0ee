"""Policy text -> clauses, or the reason it cannot be read (never an exception).

Steps: :func:`~.lexer.lex` (the vocabulary), the list separators told apart from
the clause separators (an "and" or "," followed by a channel reference continues a
list), the LALR parse of ``grammar.lark`` (lark), and :class:`~.semantics.ToClauses`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput

from steer_ros.system2.backends.reader.frames import read_frame_with_budget, read_range, read_weights
from steer_ros.system2.backends.reader.lexer import Lexed, Symbol, lex, normalize
from steer_ros.system2.backends.reader.semantics import Clause, ToClauses
from steer_ros.system2.backends.reader.vocabulary import LANGUAGES

__all__ = ["GRAMMAR_PATH", "MAX_POLICY_CHARS", "Parsed", "parse_policy"]

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
#: Longer policies are not read (kept with the reason): a command fits in a few sentences.
MAX_POLICY_CHARS = 2000
_LIST_START = frozenset({"NUM", "RANK", "CHAN", "PARITY", "ORD", "FIRST", "LAST", "ALL", "OTHERS"})
_AMOUNT_END = frozenset({"NUM", "BITS", "WATT", "PCT"})
_CLAUSE_END = frozenset({"SEP", "SEPC", "COMMA", "AND", "WHILE", ""})
_SEPARATORS = {"AND": "LAND", "COMMA": "LCOMMA", "OR": "LOR"}
_CLAUSE_JOINS = frozenset({"AND", "COMMA", "WHILE"})
# a list separator that may instead join two clauses, and how many are tried both ways
_LIST_JOINS = {"LCOMMA": "COMMA"}
_SCOPED = frozenset({"ONLY", "USEON", "EXCEPT", "ALLBUT", "EXCLUDED", "OTHERS"})
_MAX_JOIN_FLIPS = 4
# a floor is on a rate (there are no power floors); a cap could be on a rate or on power
_FLOOR_WORDS = frozenset({"ORMORE", "ABOVE"})
_CAP_WORDS = frozenset({"ORLESS", "MAX", "CAP", "BELOW"})
_BOUND_WORDS = _FLOOR_WORDS | _CAP_WORDS
_NOT_A_RATE = frozenset({"BITS", "WATT", "PCT", "WEIGHT", "TIMES", "POWER", "PRIO", "PRIORITY", "TOTAL", "FRAC",
                         "OFF", "OFFPART", "TO", "BETWEEN"})
# background sentences: where a sentence ends, the verbs that state a situation, negation,
# and the only symbols such a sentence may hold (why and where, never what)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
_STATES = re.compile(r"\b(is|are|was|were|has|have|had|been)\b|'s\b|'re\b|'ve\b")
_NEGATES = re.compile(r"\b(not|no|never|nothing|none|nobody|neither|nor|without)\b|n't\b")
_BACKGROUND_KINDS = frozenset({"FAULT", "REASON", "CAUSE", "EQUIP", "SYSNOUN", "NEED", "UP", "DOWN", "OFFPART",
                               "ACROSS", "AT", "SEP", "SEPC", "COMMA", "AND", "WHILE", "BY", "ON", "ABOVE",
                               "SETV:set", "CURRENT", "PAYLOAD"})
_RANKING = frozenset({"RANK", "FIRST", "LAST", "ORD"})
_ACTS_ON_CHANNEL = frozenset({"OFF", "OFFPART", "PRIO", "CAP", "TURN", "AVOID"})
_AMOUNT_OR_COUNT = frozenset({"CHAN", "WATT", "BITS", "PCT", "TIMES", "FRAC", "TO"})
_PLURAL_CHANNELS = frozenset({"channels", "subchannels", "links", "ones", "users", "carriers", "subcarriers", "paths",
                              "lanes", "streams", "chans", "subbands"})


@dataclass(frozen=True)
class Parsed:
    """``clauses`` when read; otherwise ``problem`` ("code: detail") says why not."""

    clauses: tuple[Clause, ...] = ()
    problem: str = ""
    symbols: str = ""
    languages: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", maybe_placeholders=False,
                start=["start", "sel"])


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def _grammar(tokens: list[str]) -> list[Clause] | None:
    try:
        return list(ToClauses().transform(_parser().parse(" ".join(tokens), start="start")))
    except LarkError:
        return None


def _sentence(tokens: list[str]) -> list[Clause] | None:
    """One sentence; when it is not read as lexed, the readings with list commas taken as
    clause commas instead ("favour 1, 4 off, 36 W": is "1, 4" a list?). One reading is
    taken; two different readings leave the sentence unread. Not tried where "only",
    "except" or "the others" would change scope with the split."""
    # weights said per group read first: the grammar would take "ch 6 remains at 1" for a rate
    read = read_weights(_parser(), tokens)
    if read is None:
        read = _sentence_as_lexed(tokens)
    if read is None:
        read = read_range(_parser(), tokens)
    if read is not None:
        return read
    joins = [k for k, t in enumerate(tokens) if t in _LIST_JOINS]
    if not joins or len(joins) > _MAX_JOIN_FLIPS or any(t in _SCOPED for t in tokens):
        # "only ch 2 and ch 6 should be dark": splitting the list would change what "only" covers
        return None
    readings: list[list[Clause]] = []
    for mask in range(1, 1 << len(joins)):
        flipped = list(tokens)
        for bit, k in enumerate(joins):
            if mask >> bit & 1:
                flipped[k] = _LIST_JOINS[tokens[k]]
        read = _sentence_as_lexed(_bare_channels(flipped))
        if read is not None and read not in readings:
            readings.append(read)
    return readings[0] if len(readings) == 1 else None


def _sentence_as_lexed(tokens: list[str]) -> list[Clause] | None:
    """One sentence: the grammar, else each of its clauses by the grammar or a frame."""
    whole = _grammar(tokens)
    if whole is not None:
        return whole
    out: list[Clause] = []
    clauses: list[tuple[list[str], str]] = [([], "")]  # (tokens, the separator after them)
    for t in tokens:
        if t in _CLAUSE_JOINS:
            clauses[-1] = (clauses[-1][0], clauses[-1][1] or t)
            if clauses[-1][0]:
                clauses.append(([], ""))
        else:
            clauses[-1][0].append(t)
    clauses = [c for c in clauses if c[0]]
    k = 0
    last: list[Clause] = []  # what the clause before this one read as
    while k < len(clauses):
        read = _clause(clauses[k][0])
        if read is None and k + 1 < len(clauses) and clauses[k][1] == "COMMA":
            # "cap only the strongest channel, at 1.1 bits": one clause across a comma
            read = _clause(clauses[k][0] + clauses[k + 1][0])
            k += 1
        if read is None and k and clauses[k - 1][1] == "COMMA":
            # "the strongest two are being reflashed, unavailable for the next hour": the clause
            # after the comma completes the one before it
            joined = _clause(clauses[k - 1][0] + clauses[k][0])
            if joined is not None and last:
                del out[len(out) - len(last):]
                read = joined
        if read is None:
            return None
        out.extend(read)
        last = read
        k += 1
    return out


def _clause(tokens: list[str]) -> list[Clause] | None:
    read = _grammar(tokens)
    if read is None:
        read = read_frame_with_budget(_parser(), tokens)
    if read is None:
        with_unit = _rate_unit_implied(tokens)
        if with_unit is not None:
            read = read_frame_with_budget(_parser(), with_unit)
    return read


def _kept_running(tokens: list[str]) -> list[str]:
    """"Shut down channels 1 to 6, but keep 3 running": after a shutdown, "but keep X on" is its
    exception ("except X"), said at the end of the sentence."""
    out = list(tokens)
    for k in range(1, len(out) - 2):
        if out[k] == "WHILE" and out[k + 1] == "KEEP" and any(t in ("OFF", "OFFPART") for t in out[:k]) \
                and not any(t in ("SEP", "SEPC") for t in out[:k]):
            end = k + 2
            while end < len(out) and out[end].split(":", 1)[0] in ("CHAN", "NUM", "LAND", "LCOMMA", "TO"):
                end += 1
            if end > k + 2 and (end == len(out) or out[end] in ("ON", "ASIS")) \
                    and (end + 1 >= len(out) or out[end + 1] in ("SEP", "SEPC")):
                comma = 1 if out[k - 1] == "COMMA" else 0
                tail = out[end + 1:] if end < len(out) else []
                return out[:k - comma] + ["EXCEPT"] + out[k + 2:end] + tail
    return out


def _raised_to(tokens: list[str]) -> list[str]:
    """"Crank all channels up to 44 W": after a verb that raises, "up to" an amount of watts
    is where the power goes (the budget), not a cap on each channel."""
    out = list(tokens)
    raised = -1  # where the verb that raises is, in this clause
    for k, t in enumerate(tokens):
        if t in ("SEP", "SEPC", "COMMA", "AND", "WHILE"):
            raised = -1
        elif t in ("MAX", "SETV:up", "UP"):
            raised = k
        elif t in ("BELOW", "TO") and raised >= 0 and k + 2 < len(tokens) and tokens[k + 1].startswith("NUM:") \
                and tokens[k + 2] == "WATT":
            out[k] = "TO"
            if out[raised] == "MAX":
                out[raised] = "SETV:up"  # "crank", "max out" ... "to 44 W": raise, not "at most"
    return out


def _bare_channels(tokens: list[str]) -> list[str]:
    """A bare number that a shutdown, a priority or a cap acts on ("favour 5, switch 3 off")
    names a channel when the policy names channels by number more than once and ranks
    nothing: a count of channels needs a rank to say which ("the 3 weakest"). Alone
    ("shut down 2") or beside a rank, the number stays ambiguous (kept, both readings named)."""
    kinds = [t.split(":", 1)[0] for t in tokens]
    if any(k in _RANKING for k in kinds):
        return tokens
    marks: list[int] = []
    for k, t in enumerate(tokens):
        prev = tokens[k - 1] if k else "SEP"
        nxt = tokens[k + 1] if k + 1 < len(tokens) else "SEP"
        whole = kinds[k] == "NUM" and float(t.split(":", 1)[1]).is_integer() and float(t.split(":", 1)[1]) >= 1
        acted_on = prev in _ACTS_ON_CHANNEL and nxt not in _AMOUNT_OR_COUNT
        said_off = nxt in ("OFF", "OFFPART", "PRIORITY") and prev in ("SEP", "SEPC", "COMMA", "AND", "WHILE", "TURN",
                                                                       "GIVE")
        floor_of = prev in ("ORMORE", "ORLESS", "MAX") and nxt == "AT"  # "floor 8 at 1.97"
        if whole and prev != "CHAN" and (acted_on or said_off or floor_of):
            marks.append(k)
    named = sum(1 for k in range(1, len(tokens)) if kinds[k] == "NUM" and tokens[k - 1] in ("CHAN", "LAND", "LCOMMA"))
    if len(marks) + named < 2:
        return tokens  # "shut down 2" alone: channel 2, or two channels?
    return [x for k, t in enumerate(tokens) for x in (("CHAN", t) if k in marks else (t,))]


def _rate_unit_implied(tokens: list[str]) -> list[str] | None:
    """A rate floor written without its unit ("7 floor 1.96", "floor 1.7 on 1", "2 min 1.8"):
    the clause's one channel number and one rate, told apart by position ("on 1" names the
    channel, "at 1.97" the rate, else the number after the bound word is the rate). Read only
    when no unit, cap, weight or budget word is in the clause and the rate is at most 2 bits
    (a cap without its unit could be on power: "cap 8 at 1.3" stays "1.3 of what?")."""
    if not any(t in _FLOOR_WORDS for t in tokens) or any(t in _NOT_A_RATE | _CAP_WORDS for t in tokens):
        return None
    nums = [k for k, t in enumerate(tokens) if t.startswith("NUM:")]
    if len(nums) != 2:
        return None
    marked = [k for k in nums if k and tokens[k - 1] == "AT"]
    channel = [k for k in nums if k and tokens[k - 1] in ("ON", "CHAN", "LAND")]
    after_bound = [k for k in nums if k and tokens[k - 1] in _BOUND_WORDS]
    if len(marked) == 1:
        rate = marked[0]
    elif len(channel) == 1:
        rate = next(k for k in nums if k != channel[0])
    elif len(after_bound) == 1 and after_bound[0] == nums[1]:
        rate = after_bound[0]  # "7 floor 1.96": the channel first, the bound word, the rate
    else:
        return None
    value = float(tokens[rate].split(":", 1)[1])
    named = next(k for k in nums if k != rate)
    bound = [k for k, t in enumerate(tokens) if t in _BOUND_WORDS]
    if not 0.0 < value <= 2.0 or len(bound) != 1:
        return None
    out: list[str] = []
    for k, t in enumerate(tokens):
        if k == named and not (k and tokens[k - 1] == "CHAN"):
            out.append("CHAN")  # the channel said as such: "7 floor" is not "7 or more"
        if k == bound[0]:
            t = "ABOVE"  # the floor word before its rate
        out.append(t)
        if k == rate:
            out.append("BITS")
    return out


def _by_frames(tokens: list[str]) -> list[Clause] | None:
    """The policy sentence by sentence when the grammar does not take it whole; a sentence
    that ends in a colon is read together with the next ("Live channels: 2 and 4 only")."""
    sentences: list[tuple[list[str], bool]] = []  # (tokens, ends in a colon)
    current: list[str] = []
    for t in tokens:
        if t in ("SEP", "SEPC"):
            if current:
                sentences.append((current, t == "SEPC"))
            current = []
        else:
            current.append(t)
    if current:
        sentences.append((current, False))
    out: list[Clause] = []
    k = 0
    while k < len(sentences):
        toks, colon = sentences[k]
        read = _sentence(toks)
        if read is None and colon and k + 1 < len(sentences):
            read = _sentence(toks + sentences[k + 1][0])
            k += 1
        if read is None:
            return None
        out.extend(read)
        k += 1
    if all(c.kind == "context" for c in out):
        return None  # context alone asks nothing
    return out


def parse_policy(policy) -> Parsed:
    """The policy read whole; failing that, read without the sentences that only state a
    situation (:func:`_background`), which must leave a command that reads."""
    read = _parse_whole(policy)
    if read.clauses or read.problem.startswith("declined") or policy is None:
        return read
    sentences = [x for x in _SENTENCE_END.split(str(policy).strip()) if x.strip()]
    if len(sentences) < 2 or len(str(policy)) > MAX_POLICY_CHARS:
        return read
    background = [x for x in sentences if _background(x)]
    if not background or len(background) == len(sentences):
        return read
    rest = _parse_whole(" ".join(x for x in sentences if x not in background))
    if not rest.clauses:
        return read
    said = tuple(Clause("context", None, extra={"background": x.strip()}) for x in background)
    return Parsed(clauses=said + rest.clauses, symbols=rest.symbols, languages=rest.languages)


def _background(sentence: str) -> bool:
    """A sentence that states a situation and asks nothing ("The storm has passed.", "That's
    a wrap on today's shoot."): a subject with "is / are / has / was", no negation, and
    nothing a command is made of: no channel, number, amount, budget, rate or instruction
    word. Its other words need not be known; anything more makes it a command to read."""
    low = normalize(sentence)
    if not _STATES.search(low) or _NEGATES.search(low) or any(ch.isdigit() for ch in low):
        return False
    lexed = lex(sentence)
    if lexed.injection or lexed.control:
        return False
    kinds = [sym.text.split(":", 1)[0] for sym in lexed.symbols]
    if "BROKEN" in kinds and ("EQUIP" in kinds or "SYSNOUN" in kinds):
        return False  # "the amplifier is bad": whose? a fault to act on, not a setting
    return all(sym.text in _BACKGROUND_KINDS or kind in _BACKGROUND_KINDS or kind == "BROKEN"
               for sym, kind in zip(lexed.symbols, kinds, strict=True))


def _parse_whole(policy) -> Parsed:
    text = "" if policy is None else str(policy)
    if not text.strip():
        return Parsed(problem="not_understood: the policy is empty")
    if len(text) > MAX_POLICY_CHARS:
        return Parsed(problem=f"not_understood: the policy has {len(text)} characters, more than the "
                              f"{MAX_POLICY_CHARS} the reader takes")
    lexed = lex(text)
    languages = tuple(LANGUAGES[code] for code in lexed.languages)
    if lexed.injection:
        return Parsed(problem="declined: the policy asks the navigator to drop its instructions or limits; it is "
                              "not an operating goal", languages=languages)
    if lexed.control:
        return Parsed(problem="not_understood: the policy holds control characters", languages=languages)
    if lexed.unknown:
        return Parsed(problem="not_understood: could not read " + ", ".join(_quote(u) for u in lexed.unknown[:6]),
                      languages=languages)
    syms = list(lexed.symbols)
    for k in range(len(syms) - 1):
        counted = k > 0 and syms[k - 1].text.split(":", 1)[0] in ("NUM", "ALL", "FRAC", "ORD")
        if syms[k].text.startswith("RANK:") and not counted and syms[k + 1].text == "CHAN" \
                and syms[k + 1].source.split()[-1] in _PLURAL_CHANNELS:
            # "the strongest links": how many? (one channel would be "the strongest link")
            return Parsed(problem=f"ambiguous: {_quote(syms[k].source + ' ' + syms[k + 1].source)}: how many? "
                                  f"(say e.g. \"the two {syms[k].source} {syms[k + 1].source}\")",
                          languages=languages)
    for k in range(1, len(syms) - 1):
        kind_before, kind_after = syms[k - 1].text.split(":", 1)[0], syms[k + 1].text.split(":", 1)[0]
        if syms[k].source == ":" and kind_before == "CHAN" and kind_after in ("ABOVE", "BELOW", "BETWEEN"):
            # "even channels: no lower than 1.7 bits": the colon names the channels of the bounds
            syms[k] = Symbol("", ":", syms[k].start)
        elif syms[k].text == "WHILE" and kind_before in ("OFF", "OFFPART") and kind_after in ("CHAN", "NUM"):
            # "everything off but channels 2 and 4": "but" after a shutdown is "except"
            syms[k] = Symbol("EXCEPT", syms[k].source, syms[k].start)
        elif syms[k].text == "CHAN" and kind_after == "PARITY" and kind_before != "NUM":
            # "los canales pares": the parity after its noun
            syms[k], syms[k + 1] = syms[k + 1], syms[k]
    for k in range(len(syms) - 3):
        if syms[k].text == "ACROSS" and syms[k + 1].text.startswith("NUM:") and syms[k + 2].text == "TO" \
                and syms[k + 3].text.startswith("NUM:") and k + 4 < len(syms) \
                and syms[k + 4].text in ("BITS", "RANGE"):
            # "in the 1.3 to 1.5 bit band": a range of rates, not channels
            syms[k] = Symbol("BETWEEN", syms[k].source, syms[k].start)
    for k in range(1, len(syms)):
        after = syms[k + 1].text if k + 1 < len(syms) else "SEP"
        if syms[k].text in ("MAX", "LEAST") and syms[k - 1].text in ("BITS", "WATT") \
                and after in ("SEP", "COMMA", "AND", "WHILE", "EACH"):
            # "1.5 bits max", "2 W min": a bound written after its amount
            syms[k] = Symbol("ORLESS" if syms[k].text == "MAX" else "ORMORE", syms[k].source, syms[k].start)
    for k, sym in enumerate(syms):
        if sym.text == "EXCLUDED":
            # "cap everything at 1.7 bits, channel 1 excluded": the channels between the comma and
            # "excluded" are an exception of the clause before
            j = k - 1
            while j >= 0 and syms[j].text.split(":", 1)[0] in ("CHAN", "NUM", "AND", "COMMA", "RANK", "ORD",
                                                                "FIRST", "LAST", "PARITY") \
                    and syms[j].text != "COMMA":
                j -= 1
            if j >= 1 and syms[j].text == "WHILE" and syms[j - 1].text == "COMMA" and j < k - 1:
                syms[j] = Symbol("", syms[j].source, syms[j].start)  # ", though channels 1 and 2 are exempt"
                j -= 1
            if j >= 0 and syms[j].text == "COMMA" and j < k - 1:
                syms[j] = Symbol("EXCEPT", syms[j].source, syms[j].start)
                syms[k] = Symbol("", sym.source, sym.start)
    syms = [s for s in syms if s.text]
    lexed = Lexed(symbols=tuple(syms), unknown=lexed.unknown, injection=lexed.injection,
                  languages=lexed.languages, control=lexed.control)
    kinds = [s.text.split(":", 1)[0] for s in lexed.symbols]
    tokens = []
    for k, sym in enumerate(lexed.symbols):
        if sym.text in _SEPARATORS:
            j = k + 1
            while j < len(kinds) and kinds[j] in _SEPARATORS:
                j += 1
            amount_next = j + 1 < len(kinds) and kinds[j] == "NUM" and kinds[j + 1] in ("WATT", "PCT", "TIMES")
            if j < len(kinds) and kinds[j] in _LIST_START and not (sym.text in ("COMMA", "AND") and amount_next):
                tokens.append(_SEPARATORS[sym.text])
                continue
        # a colon ends a sentence for the grammar; a frame may read across it ("Budget: 27.5W")
        tokens.append("SEPC" if sym.text == "SEP" and sym.source == ":" else sym.text)
    # bounds of one clause joined by "and" / "but" / "," ("at least 1.6 but no more than 1.7 bits"),
    # and the comma before "give or take", are not clause separators
    for k in range(1, len(tokens) - 1):
        prev, nxt = tokens[k - 1].split(":", 1)[0], tokens[k + 1]
        if tokens[k] in ("AND", "COMMA", "WHILE", "LAND", "LCOMMA") and prev in ("NUM", "BITS", "WATT", "PCT") \
                and nxt in ("ABOVE", "BELOW"):
            tokens[k] = "BAND"
        elif tokens[k] == "COMMA" and nxt in ("PLUSMINUS", "EXCEPT"):
            tokens[k] = ""
    tokens = [t for t in tokens if t]
    # "ch4-ch8", "ch 2 and ch 5": the channel noun repeated inside a range or a list
    tokens = [t for k, t in enumerate(tokens)
              if not (t == "CHAN" and 1 < k < len(tokens) - 1 and tokens[k - 1] in ("TO", "LAND", "LCOMMA", "LOR")
                      and tokens[k - 2].startswith("NUM:") and tokens[k + 1].startswith("NUM:"))]
    # "each" after an amount or before the verb of its channels is "apiece"
    for k, tok in enumerate(tokens):
        prev = tokens[k - 1].split(":", 1)[0] if k else ""
        nxt = tokens[k + 1].split(":", 1)[0] if k + 1 < len(tokens) else ""
        if tok == "ALL" and ((prev in _AMOUNT_END and nxt in _CLAUSE_END)
                             or (prev in ("NUM", "CHAN") and nxt in ("NEED", "USE"))):
            tokens[k] = "EACH"
    # a reason asks nothing: it is a sentence of its own ("power is tight, use at most 15 W")
    tokens = ["SEP" if t in ("COMMA", "AND", "WHILE") and k and tokens[k - 1] == "REASON" else t
              for k, t in enumerate(tokens)]
    ends = ("SEP", "SEPC")
    # a "though" / "but" that closes its sentence ("leave channel 2 dark though") joins nothing
    tokens = [t for k, t in enumerate(tokens)
              if not (t == "WHILE" and (k + 1 == len(tokens) or tokens[k + 1] in ends))]
    tokens = [t for t in tokens if t]
    # "1.4..1.5 b": two dots between numbers are a range, not two sentence ends
    for k in range(1, len(tokens) - 2):
        if tokens[k] == "SEP" and tokens[k + 1] == "SEP" and tokens[k - 1].startswith("NUM:") \
                and tokens[k + 2].startswith("NUM:"):
            tokens[k], tokens[k + 1] = "TO", ""
    tokens = _bare_channels(_raised_to(_kept_running([t for t in tokens if t])))
    symbols = " ".join("SEP" if t == "SEPC" else t for t in tokens)
    if not tokens:
        return Parsed(problem="not_understood: the policy holds no instruction", languages=languages)
    try:
        tree = _parser().parse(symbols, start="start")
    except UnexpectedInput as err:
        try:
            framed = _by_frames(tokens)
        except Exception:  # a fault in the second reading leaves the policy unread; the reader never raises
            framed = None
        if framed is not None:
            return Parsed(clauses=tuple(framed), symbols=symbols, languages=languages)
        pos = getattr(err, "pos_in_stream", None)
        at = len(symbols[:pos].split()) if isinstance(pos, int) else len(tokens)
        near = lexed.symbols[min(at, len(lexed.symbols) - 1)].source if lexed.symbols else ""
        return Parsed(problem=f"not_understood: every word is known but they do not make a command the reader "
                              f"knows (from {_quote(near)} on)", symbols=symbols, languages=languages)
    except LarkError as err:  # pragma: no cover - a grammar fault, reported not raised
        return Parsed(problem=f"not_understood: {type(err).__name__}", symbols=symbols, languages=languages)
    try:
        clauses = ToClauses().transform(tree)
    except LarkError as err:  # pragma: no cover - a transformer fault, reported not raised
        return Parsed(problem=f"not_understood: {type(err).__name__}", symbols=symbols, languages=languages)
    return Parsed(clauses=tuple(clauses), symbols=symbols, languages=languages)
