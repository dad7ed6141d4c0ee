"""Policy text -> clauses, or the reason it cannot be read (never an exception).

Steps: :func:`~.lexer.lex` (the vocabulary), the list separators told apart from
the clause separators (an "and" or "," followed by a channel reference continues a
list), the LALR parse of ``grammar.lark`` (lark), and :class:`~.semantics.ToClauses`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput

from steer_ros.system2.backends.reader.frames import read_frame_with_budget
from steer_ros.system2.backends.reader.lexer import Lexed, Symbol, lex
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
    return read if read is not None else read_frame_with_budget(_parser(), tokens)


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
            if j < len(kinds) and kinds[j] in _LIST_START and not (sym.text == "COMMA" and amount_next):
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
